# shellcheck shell=bash
# Shared helpers for the local-Kafka scripts. Sourced, never executed.

LOCAL_KAFKA_VERSION="4.4.0"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd)"
DEFAULT_KAFKA_DIR="${REPO_ROOT}/target/local-kafka"

log() { printf '[local-kafka] %s\n' "$*"; }
die() { printf '[local-kafka] ERROR: %s\n' "$*" >&2; exit 1; }

# Absolute path for DIR (relative paths are taken from the caller's current directory).
abs_dir() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *)  printf '%s/%s\n' "$(pwd)" "$1" ;;
  esac
}

require_java() {
  command -v java >/dev/null 2>&1 || die "java not found on PATH (Java 17+ is required)"
}

# True when the pid file names a live Kafka broker process (not a recycled pid).
broker_running() {
  local pidfile="$1" pid
  [[ -f "${pidfile}" ]] || return 1
  pid="$(cat "${pidfile}" 2>/dev/null || true)"
  [[ "${pid}" =~ ^[0-9]+$ ]] || return 1
  kill -0 "${pid}" 2>/dev/null || return 1
  if [[ -r "/proc/${pid}/cmdline" ]]; then
    tr '\0' ' ' <"/proc/${pid}/cmdline" | grep -q 'kafka\.Kafka' || return 1
  fi
  return 0
}

# Run a Kafka main class (tools, console producer/consumer, ...) against DIR/libs.
kafka_class() {
  local dir="$1"; shift
  # shellcheck disable=SC2086
  java ${KAFKA_TOOL_OPTS:--Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC} \
    -Dorg.slf4j.simpleLogger.defaultLogLevel="${KAFKA_TOOL_LOG_LEVEL:-warn}" \
    -cp "${dir}/libs/*" "$@"
}

# True when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
