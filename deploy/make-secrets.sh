#!/bin/sh
# Makes the files docker-compose.yml reads from secrets/ (secrets/README.md says what each
# is). A file already there is kept: run it again to add what is missing; delete a file to
# make it anew.   sh make-secrets.sh   (from deploy/)
set -eu
cd "$(dirname "$0")"
mkdir -p secrets
chmod 700 secrets  # only you on the host...
umask 022          # ...but each file readable by the containers' users (they get it by mount)

random() {  # FILE: 32 random bytes, hex (nothing that sed, TOML or Kafka's tools would parse)
  [ -e "secrets/$1" ] || { openssl rand -hex 32 >"secrets/$1" && echo "made secrets/$1"; }
}
sha256() { printf %s "$(cat "secrets/$1")" | sha256sum | cut -d' ' -f1; }

for user in admin hq s01 s02; do random "kafka-$user.password"; done
random hq-admin-token
random hq-sync-token

# Each node's Kafka client settings: node-kafka.toml with its user and password.
for node in hq s01 s02; do
  [ -e "secrets/$node.toml" ] && continue
  sed "s/@NODE@/$node/; s/@PASSWORD@/$(cat "secrets/kafka-$node.password")/" node-kafka.toml \
    >"secrets/$node.toml"
  echo "made secrets/$node.toml"
done

# HQ's principals: admin (every permission: `clientele nodes enroll`...) and the stores'
# sync token. Add your own (OPERATIONS.md, "Principals and tokens"), then restart hq.
if [ ! -e secrets/hq-principals.json ]; then
  cat >secrets/hq-principals.json <<JSON
{"principals": [
  {"name": "admin", "token_sha256": "$(sha256 hq-admin-token)", "permissions": ["*"], "node": "*"},
  {"name": "stores-sync", "token_sha256": "$(sha256 hq-sync-token)", "permissions": ["sync"], "node": "*"}
]}
JSON
  echo "made secrets/hq-principals.json"
fi
