#!/usr/bin/env bash
# Runs every benchmark at a smaller size, in under 10 minutes on the 2-core
# machine, and prints all their `figure:` lines: for comparing two commits on
# one machine (the full sizes and their commands are in BENCHMARKS.md).
#   bash scripts/bench-all.sh > before.txt     (on commit A)
#   bash scripts/bench-all.sh > after.txt      (on commit B)
#   join <(grep ^figure: before.txt | cut -d' ' -f2- | sort) \
#        <(grep ^figure: after.txt | cut -d' ' -f2- | sort)
# Each benchmark's own output goes to stderr, and to BENCH_ALL_LOG if set; the
# figures to stdout, each benchmark's after a line `# NAME (SECONDS s)`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --bench >&2
bash scripts/build.sh build-bench -DCMAKE_BUILD_TYPE=Release -DCLIENTELE_BENCH=ON >&2
scratch=$(mktemp -d /tmp/clientele-bench-all-XXXX)
trap 'rm -rf "$scratch"' EXIT
log=${BENCH_ALL_LOG:-$scratch/all.log}
start=$SECONDS

# Runs a benchmark: its output to stderr and the log, its figures to stdout.
# A benchmark that fails is reported and the others still run.
marked() {
  local name=$1 t0=$SECONDS status=""
  shift
  echo "== $name" >>"$log"
  echo "== $name: $*" >&2
  "$@" 2>&1 | tee -a "$log" >&2 || status=" FAILED"
  echo "# $name ($((SECONDS - t0)) s)$status"
  sed -n '/^== '"$name"'$/,$p' "$log" | grep '^figure:' || true
}

marked eventstore env BENCH_DIR="$scratch/log" bash scripts/bench.sh --runs 1 --seconds 1 \
  --read-events 200000
marked api env DURATION=3 RUNS=1 TABLE_CUSTOMERS=100000 bash scripts/api_bench.sh
marked sync env RUNS=1 BENCH_DIR="$scratch/sync" bash scripts/sync_bench.sh \
  --publish-events 50000 --seconds 3 --customers 20000
marked import env RUNS=1 BENCH_DIR="$scratch/import" bash scripts/import_bench.sh 100000
marked projections ./build-bench/bench/projections_bench --data "$scratch/projections" \
  --customers 100000 --queries 50
marked reports ./build-bench/bench/reports_bench --data "$scratch/reports" --customers 20000 \
  --events 10 --queries 50
marked audit ./build-bench/bench/audit_bench --data "$scratch/audit" --entries 200000 --runs 1
echo "# all ($((SECONDS - start)) s)"
