#!/bin/bash
# Entry point of the compose broker (apache/kafka image). KRaft keeps SCRAM credentials in its
# metadata log, so the users must be written at format time (`kafka-storage format --add-scram`),
# before the image's own start script runs (it tolerates storage that is already formatted).
# PM_SCRAM_USERS="admin=<pw>,intake=<pw>,..." (passwords: URL-safe characters, no "," "=" "]").
set -euo pipefail
data="${KAFKA_LOG_DIRS:-/var/lib/kafka/data}"
client=/tmp/pm-client.properties
admin_password=""
args=()
IFS=',' read -ra pairs <<< "${PM_SCRAM_USERS:?set the SCRAM users}"
for pair in "${pairs[@]}"; do
  user="${pair%%=*}"; password="${pair#*=}"
  [[ "$user" == admin ]] && admin_password="$password"
  args+=(--add-scram "SCRAM-SHA-512=[name=${user},password=${password}]")
done
# client config of the health check (the admin principal)
umask 077
cat > "$client" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${admin_password}";
PROPS
if [[ ! -f "$data/meta.properties" ]]; then
  props=/tmp/pm-format.properties
  cat > "$props" <<PROPS
process.roles=${KAFKA_PROCESS_ROLES}
node.id=${KAFKA_NODE_ID}
controller.quorum.voters=${KAFKA_CONTROLLER_QUORUM_VOTERS}
controller.listener.names=${KAFKA_CONTROLLER_LISTENER_NAMES}
listeners=${KAFKA_LISTENERS}
advertised.listeners=${KAFKA_ADVERTISED_LISTENERS}
listener.security.protocol.map=${KAFKA_LISTENER_SECURITY_PROTOCOL_MAP}
inter.broker.listener.name=${KAFKA_INTER_BROKER_LISTENER_NAME}
sasl.enabled.mechanisms=${KAFKA_SASL_ENABLED_MECHANISMS}
sasl.mechanism.inter.broker.protocol=${KAFKA_SASL_MECHANISM_INTER_BROKER_PROTOCOL}
sasl.mechanism.controller.protocol=${KAFKA_SASL_MECHANISM_CONTROLLER_PROTOCOL}
log.dirs=${data}
PROPS
  /opt/kafka/bin/kafka-storage.sh format --cluster-id "$CLUSTER_ID" -c "$props" "${args[@]}"
fi
exec /etc/kafka/docker/run
