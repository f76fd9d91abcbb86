#!/usr/bin/env bash
# The checks tools make: formatting (clang-format, .clang-format) and
# clang-tidy's bug-prone and performance families (.clang-tidy), over every
# C++ source of the project. Installs clang-tidy 16 if missing, configures the
# optimized build for its compile commands. Exits non-zero on any finding.
#   bash scripts/lint.sh            format check + clang-tidy
#   bash scripts/lint.sh --format   the format check alone (scripts/test.sh runs it)
#   JOBS=N                          clang-tidy processes (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --lint >/dev/null

echo "== format check (clang-format)"
bash scripts/format.sh --check
echo "format: clean"
[[ "${1:-}" == "--format" ]] && exit 0

echo "== clang-tidy"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLIENTELE_WERROR=ON >/dev/null
cmake --build build --target clientele_api >/dev/null  # generated sources
# clang 16 knows C++23 as c++2b; the prelude lets it read libstdc++ 12's <expected>.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
run-clang-tidy-16 -p build -quiet -clang-tidy-binary clang-tidy-16 -j "${JOBS:-2}" \
  -extra-arg=-std=c++2b -extra-arg=-include -extra-arg="$PWD/scripts/clang_tidy_prelude.h" \
  "^$PWD/(domain|eventstore|projections|commands|imports|consumers|api|cli|tests|bench)/" \
  >"$out" 2>&1 || status=$?
findings=$(grep -cE '(warning|error): ' "$out" || true)
if ((status != 0 || findings != 0)); then
  grep -E -A3 '(warning|error): ' "$out" | head -200
  echo "clang-tidy: $findings findings (exit $status)"
  exit 1
fi
echo "clang-tidy: no findings"
