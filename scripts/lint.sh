#!/usr/bin/env bash
# The checks tools make: formatting (clang-format, .clang-format) and
# clang-tidy's bug-prone and performance families (.clang-tidy), over every
# C++ source of the project, and Redocly CLI's recommended rules over the
# OpenAPI document (redocly.yaml). Installs clang-tidy 16 and Redocly CLI if
# missing, configures the optimized build for its compile commands. Exits
# non-zero on any finding.
#   bash scripts/lint.sh            format check + OpenAPI lint + clang-tidy
#   bash scripts/lint.sh --format   the format check alone (scripts/test.sh runs it)
#   bash scripts/lint.sh --openapi  the OpenAPI lint alone (scripts/test.sh runs it)
#   JOBS=N                          clang-tidy processes (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."

# Redocly CLI, pinned. It asks for Node.js 20.19+ (or 22.12+); on Debian 12's
# nodejs, 18.20, it warns about that and finds the same. Installed once with
# npm into a cache folder outside the checkout (one package, 15 MB); later
# runs use it as it is, without the network.
REDOCLY_VERSION=2.77.0
OPENAPI_TOOLS=${XDG_CACHE_HOME:-$HOME/.cache}/clientele-npm

# api/openapi.json under redocly.yaml: Redocly's recommended rules, every
# finding an error, but for the rules it turns off, each with its reason.
openapi_lint() {
  echo "== OpenAPI lint (Redocly CLI $REDOCLY_VERSION, redocly.yaml)"
  bash scripts/setup.sh --openapi >/dev/null
  local cli="$OPENAPI_TOOLS/node_modules/@redocly/cli"
  if [[ "$(node -p "require('$cli/package.json').version" 2>/dev/null)" != "$REDOCLY_VERSION" ]]; then
    npm install --prefix "$OPENAPI_TOOLS" --save-exact --no-audit --no-fund --loglevel=error \
      "@redocly/cli@$REDOCLY_VERSION" >/dev/null
  fi
  local out status=0
  out=$(REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
    node "$cli/bin/cli.js" lint --config redocly.yaml --format stylish api/openapi.json 2>&1) ||
    status=$?
  # Without blank lines and the boxed notice that Node.js 20 support is ending.
  grep -v -E '^\s*(╔|║|╚|$)' <<<"$out" || true
  if ((status != 0)); then
    echo "OpenAPI lint: findings (exit $status)"
    return 1
  fi
  echo "OpenAPI lint: clean"
}

if [[ "${1:-}" == "--openapi" ]]; then
  openapi_lint
  exit 0
fi

bash scripts/setup.sh --lint >/dev/null

echo "== format check (clang-format)"
bash scripts/format.sh --check
echo "format: clean"
[[ "${1:-}" == "--format" ]] && exit 0

openapi_lint

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
