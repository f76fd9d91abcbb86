#!/usr/bin/env bash
# Builds and runs the Kafka sync benchmark RUNS times (default 3).
#   bash scripts/sync_bench.sh [extra sync_bench flags, e.g. --customers 100000]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --bench
bash scripts/build.sh build-bench -DCMAKE_BUILD_TYPE=Release -DCLIENTELE_BENCH=ON
for run in $(seq "${RUNS:-3}"); do
  echo "run $run"
  ./build-bench/bench/sync_bench --data "${BENCH_DIR:-/tmp/clientele-sync-bench}" \
    --clientele build-bench/cli/clientele "$@"
done
