#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test twice: once in an
# optimized build and once under AddressSanitizer + UndefinedBehaviorSanitizer.
# Warnings are errors. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== optimized build"
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLIENTELE_WERROR=ON
ctest --test-dir build --output-on-failure --timeout 900

echo "== sanitizer build (ASan + UBSan)"
bash scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DCLIENTELE_SANITIZE=ON -DCLIENTELE_WERROR=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure --timeout 1800
