#!/usr/bin/env bash
# Installs what is missing, checks the formatting (clang-format) and the OpenAPI
# document (Redocly CLI: scripts/lint.sh --openapi), builds, and
# runs every test twice: once in an optimized build and once under
# AddressSanitizer + UndefinedBehaviorSanitizer; then fuzzes request-body parsing for a short while (FUZZ_SECONDS, default 30).
# Warnings are errors. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== format check"
bash scripts/format.sh --check
echo "format: clean"
bash scripts/lint.sh --openapi

echo "== optimized build"
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLIENTELE_WERROR=ON
ctest --test-dir build --output-on-failure --timeout 900

echo "== sanitizer build (ASan + UBSan)"
bash scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DCLIENTELE_SANITIZE=ON -DCLIENTELE_WERROR=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure --timeout 1800

echo "== fuzzing request bodies (libFuzzer, ${FUZZ_SECONDS:-30} s)"
CXX=clang++-16 cmake -S . -B build-fuzz -G Ninja -DCLIENTELE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j "${JOBS:-2}" --target body_fuzzer
corpus=$(mktemp -d)
trap 'rm -rf "$corpus" "$corpus.log"' EXIT
cp tests/fuzz/corpus/* "$corpus"/
status=0
./build-fuzz/tests/fuzz/body_fuzzer -max_total_time="${FUZZ_SECONDS:-30}" -rss_limit_mb=2048 \
  -print_final_stats=1 "$corpus" >"$corpus.log" 2>&1 || status=$?
grep -E "^(stat::number_of_executed_units|Done )" "$corpus.log" || true
if ((status != 0)); then
  tail -60 "$corpus.log"
  echo "fuzzing found a problem (exit $status)"
  exit 1
fi
echo "fuzzing: no findings"
