#!/usr/bin/env bash
# Stop the local Kafka broker started by kafka-start.sh.
#
#   deploy/local/kafka-stop.sh [--dir DIR]
#
# Sends SIGTERM (controlled shutdown), waits up to KAFKA_STOP_TIMEOUT seconds (default 30), then
# SIGKILL. Removes DIR/kafka.pid. Data in DIR/data is kept (delete DIR to start from scratch).
# Exits 0 when no broker is running.
set -euo pipefail
# shellcheck source=deploy/local/_common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/_common.sh"

DIR="${DEFAULT_KAFKA_DIR}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) DIR="${2:?--dir needs a value}"; shift 2 ;;
    --dir=*) DIR="${1#*=}"; shift ;;
    -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
DIR="$(abs_dir "${DIR}")"
PIDFILE="${DIR}/kafka.pid"
TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

if ! broker_running "${PIDFILE}"; then
  if [[ -f "${PIDFILE}" ]]; then
    log "Broker pid $(cat "${PIDFILE}" 2>/dev/null || echo '?') is not running; removing stale ${PIDFILE}"
    rm -f "${PIDFILE}"
  else
    log "No Kafka broker running for ${DIR} (no pid file)"
  fi
  exit 0
fi

PID="$(cat "${PIDFILE}")"
log "Stopping Kafka broker pid ${PID} (SIGTERM, up to ${TIMEOUT}s)"
kill -TERM "${PID}" 2>/dev/null || true
start_ts=${SECONDS}
while kill -0 "${PID}" 2>/dev/null; do
  if (( SECONDS - start_ts >= TIMEOUT )); then
    log "Broker still alive after ${TIMEOUT}s; sending SIGKILL"
    kill -KILL "${PID}" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "${PID}" 2>/dev/null || break; sleep 0.1; done
    break
  fi
  sleep 0.5
done
if kill -0 "${PID}" 2>/dev/null; then
  die "broker pid ${PID} did not exit"
fi
rm -f "${PIDFILE}"
log "Kafka broker stopped after $((SECONDS - start_ts))s"
