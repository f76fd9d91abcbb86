#!/usr/bin/env bash
# The kafka service's start (apache/kafka:3.7.0, docker-compose.yml), in place of the
# image's own (/etc/kafka/docker/run), for SASL/SCRAM:
# - server.properties from the KAFKA_* variables (the image's rule), plus the broker's own
#   login as admin, from the secret: no password in the compose file;
# - first start only: formats the log folder with a new cluster id and the admin user's
#   SCRAM credential (kafka-storage.sh format --add-scram), so that a first user exists
#   before anyone can log in;
# - /tmp/admin.properties: admin client settings for the healthcheck.
set -euo pipefail
umask 077  # server.properties holds the admin password
password=$(cat /run/secrets/kafka_admin_password)
jaas="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$password\";"
config=/opt/kafka/config/server.properties

{
  # KAFKA_ dropped, lower case, "___" -> "-", "__" -> "_", "_" -> "."; KAFKA_*_OPTS are
  # the JVM's (kafka-run-class.sh), not properties.
  for var in $(compgen -e | grep '^KAFKA_' | grep -v '_OPTS$'); do
    key=${var#KAFKA_}
    key=${key,,}
    key=${key//___/-}
    key=${key//__/:}
    key=${key//_/.}
    key=${key//:/_}
    printf '%s=%s\n' "$key" "${!var}"
  done
  printf '%s\n' "listener.name.client.scram-sha-512.sasl.jaas.config=$jaas"
} >"$config"

if [[ ! -f $KAFKA_LOG_DIRS/meta.properties ]]; then
  /opt/kafka/bin/kafka-storage.sh format --config "$config" \
    --cluster-id="$(/opt/kafka/bin/kafka-storage.sh random-uuid)" \
    --add-scram "SCRAM-SHA-512=[name=admin,password=\"$password\"]"
fi

printf '%s\n' security.protocol=SASL_PLAINTEXT sasl.mechanism=SCRAM-SHA-512 \
  "sasl.jaas.config=$jaas" >/tmp/admin.properties

exec /opt/kafka/bin/kafka-server-start.sh "$config"
