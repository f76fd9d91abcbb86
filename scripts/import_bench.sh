#!/usr/bin/env bash
# Builds and runs the customer import benchmark RUNS times (default 3) at
# 100,000 and 1,000,000 rows, each run in a fresh process (peak memory is per run).
#   bash scripts/import_bench.sh [ROWS...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --bench
bash scripts/build.sh build-bench -DCMAKE_BUILD_TYPE=Release -DCLIENTELE_BENCH=ON
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(100000 1000000)
for rows in "${sizes[@]}"; do
  for run in $(seq "${RUNS:-3}"); do
    echo "run $run, $rows rows"
    ./build-bench/bench/import_bench --data "${BENCH_DIR:-/tmp/clientele-import-bench}" --rows "$rows"
  done
done
rm -rf "${BENCH_DIR:-/tmp/clientele-import-bench}"
