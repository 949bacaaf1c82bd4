#!/usr/bin/env bash
# End-to-end check of the local broker scripts: start, create a topic, produce one message,
# consume it back, stop. Exits non-zero on any failure (the broker is stopped either way
# unless it was already running before this script started).
#
#   deploy/local/kafka-smoke.sh [--dir DIR] [--port 9092] [--controller-port 9093]
set -euo pipefail
# shellcheck source=deploy/local/_common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/_common.sh"

DIR="${DEFAULT_KAFKA_DIR}"
PORT=9092
CPORT=9093
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) DIR="${2:?}"; shift 2 ;;
    --port) PORT="${2:?}"; shift 2 ;;
    --controller-port) CPORT="${2:?}"; shift 2 ;;
    *) die "unknown argument: $1" ;;
  esac
done
DIR="$(abs_dir "${DIR}")"
BOOT="127.0.0.1:${PORT}"

was_running=false
broker_running "${DIR}/kafka.pid" && was_running=true
cleanup() { [[ "${was_running}" == true ]] || "${SCRIPT_DIR}/kafka-stop.sh" --dir "${DIR}"; }
trap cleanup EXIT

t0=${SECONDS}
"${SCRIPT_DIR}/kafka-start.sh" --dir "${DIR}" --port "${PORT}" --controller-port "${CPORT}"
log "start took $((SECONDS - t0))s"

TOPIC="equistream-smoke-$$-${RANDOM}"
MSG="hello-equistream-$(date +%s)"
log "Creating topic ${TOPIC}"
kafka_class "${DIR}" org.apache.kafka.tools.TopicCommand --bootstrap-server "${BOOT}" \
  --create --topic "${TOPIC}" --partitions 1 --replication-factor 1
log "Producing: ${MSG}"
printf 'k1\t%s\n' "${MSG}" | kafka_class "${DIR}" org.apache.kafka.tools.ConsoleProducer \
  --bootstrap-server "${BOOT}" --topic "${TOPIC}" \
  --reader-property parse.key=true --reader-property 'key.separator=	'
log "Consuming one message"
got="$(kafka_class "${DIR}" org.apache.kafka.tools.consumer.ConsoleConsumer \
  --bootstrap-server "${BOOT}" --topic "${TOPIC}" --from-beginning --max-messages 1 \
  --timeout-ms 30000 --formatter-property print.key=true --formatter-property 'key.separator=|')"
log "Consumed: ${got}"
[[ "${got}" == "k1|${MSG}" ]] || die "expected 'k1|${MSG}', got '${got}'"
kafka_class "${DIR}" org.apache.kafka.tools.TopicCommand --bootstrap-server "${BOOT}" --delete --topic "${TOPIC}"
log "SMOKE TEST PASSED (start + create + produce + consume) in $((SECONDS - t0))s"
