#!/usr/bin/env bash
# Builds and runs the benchmarks. The event-log benchmark runs the same append
# workload against a throwaway PostgreSQL (Debian's server, default durability)
# started here on a unix socket, and prints the ratio.
#   bash scripts/bench.sh [extra eventstore_bench flags, e.g. --runs 5]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --bench
bash scripts/build.sh build-bench -DCMAKE_BUILD_TYPE=Release -DCLIENTELE_BENCH=ON

pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgdata=$(mktemp -d /tmp/clientele-bench-pg-XXXX)
port=54329
chown postgres "$pgdata"
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_pg "$pgbin/initdb" -D "$pgdata" -A trust -U postgres >/dev/null
as_pg "$pgbin/pg_ctl" -D "$pgdata" -o "-p $port -k /tmp -c listen_addresses=''" -l "$pgdata/log" -w start >/dev/null
trap 'as_pg "$pgbin/pg_ctl" -D "$pgdata" -m fast stop >/dev/null; rm -rf "$pgdata"' EXIT

./build-bench/bench/eventstore_bench --data "${BENCH_DIR:-/tmp/clientele-bench-log}" \
  --pg "host=/tmp port=$port user=postgres dbname=postgres" "$@"
