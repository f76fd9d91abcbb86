#!/usr/bin/env bash
# The kafka-setup service (apache/kafka:3.7.0, docker-compose.yml), as the admin super
# user: one SCRAM user per node, the three topics, each node's ACLs. Every step can run
# again (a password is set anew, an existing topic or ACL is left as it is).
set -euo pipefail
umask 077
bin=/opt/kafka/bin
server=kafka:9092
stores="s01 s02"  # add a store here, and its password secret in docker-compose.yml

admin=/tmp/admin.properties
printf '%s\n' security.protocol=SASL_PLAINTEXT sasl.mechanism=SCRAM-SHA-512 \
  "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$(cat /run/secrets/kafka_admin_password)\";" \
  >"$admin"

# One SCRAM user per node, named as the node, its password from secrets/kafka-<node>.password.
for node in hq $stores; do
  "$bin/kafka-configs.sh" --bootstrap-server "$server" --command-config "$admin" --alter \
    --add-config "SCRAM-SHA-512=[password=$(cat "/run/secrets/kafka_${node}_password")]" \
    --entity-type users --entity-name "$node"
done

for topic in clientele.events clientele.upstream clientele.dead-letter; do
  "$bin/kafka-topics.sh" --bootstrap-server "$server" --command-config "$admin" --create \
    --if-not-exists --topic "$topic" --partitions 6 --replication-factor 1 \
    --config retention.ms=604800000
done

# allow USER --operation OP RESOURCE...
allow() {
  "$bin/kafka-acls.sh" --bootstrap-server "$server" --command-config "$admin" --add \
    --allow-principal "User:$1" "${@:2}"
}
# No Describe ACLs: in Kafka, Read and Write on a topic imply Describe (metadata, offsets),
# Read on a group implies Describe (finding its coordinator). IdempotentWrite: the nodes'
# producers are idempotent (Kafka >= 2.8 would also take Write on any topic for it).
for store in $stores; do
  allow "$store" --operation Write --topic clientele.upstream     # its own events
  allow "$store" --operation Read --topic clientele.events        # HQ's log
  allow "$store" --operation Read --group "clientele-$store"
  allow "$store" --operation Write --topic clientele.dead-letter
  allow "$store" --operation IdempotentWrite --cluster
done
allow hq --operation Read --topic clientele.upstream              # the stores' events
allow hq --operation Write --topic clientele.events               # everything, to every store
allow hq --operation Read --group clientele-hq
allow hq --operation Write --topic clientele.dead-letter
allow hq --operation IdempotentWrite --cluster

"$bin/kafka-acls.sh" --bootstrap-server "$server" --command-config "$admin" --list
