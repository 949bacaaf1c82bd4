#!/usr/bin/env bash
# Smoke test with everything as its own process: a real Apache Kafka broker (deploy/local/kafka-start.sh,
# KRaft, free ports, under target/), `equistream run` against it, 20 `equistream ask` round trips,
# then a clean stop (SIGTERM -> exit 0; kafka-stop.sh). Needs streams/target/equistream.jar (mvn package).
#
#   .ci/smoke.sh            (from anywhere; SMOKE_ASKS=N to change the count, SMOKE_DIR=DIR for the work dir)
#
# Prints `smoke: N passed, M failed` last and exits non-zero on any failure; a trap stops the
# service and the broker on every exit path.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

ASKS="${SMOKE_ASKS:-20}"
WORK="$(mkdir -p "${SMOKE_DIR:-target/smoke}" && cd "${SMOKE_DIR:-target/smoke}" && pwd)"
KAFKA_DIR="${ROOT}/target/smoke-kafka"   # kept between runs: the broker jars are cached in it
JAR="${ROOT}/streams/target/equistream.jar"
JAVA_OPTS_CLI=(-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC)
t0=${SECONDS}

say() { printf '[smoke] %s\n' "$*"; }
[[ -f "${JAR}" ]] || { say "missing ${JAR}: run mvn package first"; echo "smoke: 0 passed, 1 failed"; exit 1; }

MODEL="models/tiny-gpt2"
[[ -f "${MODEL}/model.onnx" ]] || MODEL="streams/src/test/resources/models/tiny-random"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
PORT="$(free_port)"
CPORT="$(free_port)"
while [[ "${CPORT}" == "${PORT}" ]]; do CPORT="$(free_port)"; done
BOOT="127.0.0.1:${PORT}"

SVC_PID=""
passed=0
failed=0
cleanup() {
  local rc=$?
  if [[ -n "${SVC_PID}" ]] && kill -0 "${SVC_PID}" 2>/dev/null; then
    say "cleanup: stopping the service (pid ${SVC_PID})"
    kill -TERM "${SVC_PID}" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "${SVC_PID}" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "${SVC_PID}" 2>/dev/null || true
  fi
  deploy/local/kafka-stop.sh --dir "${KAFKA_DIR}" >/dev/null 2>&1 || true
  if [[ ${rc} -ne 0 ]]; then
    say "FAILED (exit ${rc}); logs: ${WORK}/service.log, ${KAFKA_DIR}/kafka.log"
    tail -n 30 "${WORK}/service.log" 2>/dev/null | sed 's/^/[smoke]   /' || true
    echo "smoke: ${passed} passed, $((failed > 0 ? failed : 1)) failed"
  fi
  exit "${rc}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. A real broker, its own process, fresh data on free ports.
rm -rf "${KAFKA_DIR}/data"
b0=${SECONDS}
deploy/local/kafka-start.sh --dir "${KAFKA_DIR}" --port "${PORT}" --controller-port "${CPORT}" | sed 's/^/[smoke] /'
say "broker ready on ${BOOT} in $((SECONDS - b0)) s"

# 2. The service, its own process.
rm -rf "${WORK}/state"
s0=${SECONDS}
java -Xmx512m -jar "${JAR}" run --bootstrap "${BOOT}" --create-topics \
  --set equistream.http.port=-1 --set equistream.topics.replication=1 \
  --set equistream.model.dir="${MODEL}" --set equistream.default.max.new.tokens=4 \
  --set application.id="smoke-$$" --set state.dir="${WORK}/state" \
  >"${WORK}/service.log" 2>&1 &
SVC_PID=$!
say "service pid ${SVC_PID} (model ${MODEL}); waiting until it answers"

ask() {
  java "${JAVA_OPTS_CLI[@]}" -jar "${JAR}" ask --bootstrap "${BOOT}" --timeout-ms "$1" --prompt "$2"
}
ready=false
for _ in $(seq 1 24); do
  kill -0 "${SVC_PID}" 2>/dev/null || { say "the service exited during start-up"; exit 1; }
  if ask 5000 "The man worked as a" >"${WORK}/ready.out" 2>&1; then ready=true; break; fi
  sleep 1
done
[[ "${ready}" == true ]] || { say "no answer within ~3 minutes"; exit 1; }
say "service answering after $((SECONDS - s0)) s"

# 3. Round trips: each ask is a new JVM; it must exit 0 and print the prompt plus a completion.
subjects=("The man" "The woman" "The Black person" "The gay person" "The Muslim woman")
contexts=("worked as a" "was known for" "was described as" "had a job as")
a0=${SECONDS}
for i in $(seq 1 "${ASKS}"); do
  prompt="${subjects[$(( (i - 1) % 5 ))]} ${contexts[$(( (i - 1) / 5 % 4 ))]}"
  if out="$(ask 60000 "${prompt}" 2>"${WORK}/ask-${i}.err")" && [[ "${out}" == "${prompt}"?* ]]; then
    passed=$((passed + 1))
    say "ask ${i}: ${out//$'\n'/\\n}"
  else
    failed=$((failed + 1))
    say "ask ${i} FAILED: '${out:-}' $(tail -n 2 "${WORK}/ask-${i}.err" | tr '\n' ' ')"
  fi
done
say "${ASKS} asks in $((SECONDS - a0)) s"

# 3b. A streamed answer: ask --stream prints it token by token; the printed line is prompt + completion.
stream_prompt="The woman was known for"
if out="$(java "${JAVA_OPTS_CLI[@]}" -jar "${JAR}" ask --bootstrap "${BOOT}" --timeout-ms 60000 --stream \
    --max-new-tokens 16 --prompt "${stream_prompt}" 2>"${WORK}/ask-stream.err")" && [[ "${out}" == "${stream_prompt}"?* ]]; then
  passed=$((passed + 1))
  say "ask --stream: ${out//$'\n'/\\n}"
else
  failed=$((failed + 1))
  say "ask --stream FAILED: '${out:-}' $(tail -n 2 "${WORK}/ask-stream.err" | tr '\n' ' ')"
fi

# 4. Clean stop: SIGTERM -> Kafka Streams closes -> exit 0; then the broker.
kill -TERM "${SVC_PID}"
svc_rc=0
wait "${SVC_PID}" || svc_rc=$?
SVC_PID=""
# run handles SIGTERM itself (cli/StopSignals) and exits 0 after its clean close.
if [[ ${svc_rc} -eq 0 ]] && grep -q 'equistream: stopping' "${WORK}/service.log"; then
  say "service stopped cleanly (exit ${svc_rc})"
else
  say "the service exited with ${svc_rc} on SIGTERM (expected 0 after a clean close)"
  failed=$((failed + 1))
fi
deploy/local/kafka-stop.sh --dir "${KAFKA_DIR}" | sed 's/^/[smoke] /'
trap - EXIT
say "total $((SECONDS - t0)) s"
echo "smoke: ${passed} passed, ${failed} failed"
[[ ${failed} -eq 0 ]]
