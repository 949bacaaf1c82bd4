#!/usr/bin/env bash
# Run a Kafka CLI main class with the jars kafka-start.sh cached in DIR/libs.
#
#   deploy/local/kafka-tool.sh [--dir DIR] CLASS [ARGS...]
#
# Common classes (Kafka 4.4):
#   org.apache.kafka.tools.TopicCommand               (kafka-topics.sh)
#   org.apache.kafka.tools.ConsoleProducer            (kafka-console-producer.sh)
#   org.apache.kafka.tools.consumer.ConsoleConsumer   (kafka-console-consumer.sh)
#   org.apache.kafka.tools.BrokerApiVersionsCommand   (kafka-broker-api-versions.sh)
#   org.apache.kafka.tools.GroupsCommand / org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
# Example:
#   deploy/local/kafka-tool.sh org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --list
set -euo pipefail
# shellcheck source=deploy/local/_common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/_common.sh"

DIR="${DEFAULT_KAFKA_DIR}"
if [[ "${1:-}" == "--dir" ]]; then DIR="${2:?--dir needs a value}"; shift 2; fi
[[ $# -ge 1 && "$1" != "-h" && "$1" != "--help" ]] || { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0; }
DIR="$(abs_dir "${DIR}")"
[[ -d "${DIR}/libs" ]] || die "no Kafka jars in ${DIR}/libs: run kafka-start.sh first"
require_java
kafka_class "${DIR}" "$@"
