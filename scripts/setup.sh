#!/usr/bin/env bash
# Installs every Debian 12 package Clientele needs to build, test and run.
# Safe to run again: packages already present are skipped.
#   bash scripts/setup.sh            build + test dependencies
#   bash scripts/setup.sh --bench    also the benchmark tools (PostgreSQL server, wrk)
#   bash scripts/setup.sh --lint     also clang-tidy (scripts/lint.sh)
#   bash scripts/setup.sh --openapi  also Node.js and npm (scripts/lint.sh --openapi), unless
#                                    the machine has them already
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev
  librocksdb-dev librdkafka-dev libsimdjson-dev
  libssl-dev uuid-dev libcli11-dev libutf8proc-dev libtomlplusplus-dev libabsl-dev libsodium-dev libjemalloc-dev tzdata
  libgtest-dev libgmock-dev clang-16 libclang-rt-16-dev
  kcat jq curl clang-format openssl libjs-chart.js
  chromium chromium-driver python3-selenium
)
case "${1:-}" in
  --bench) packages+=(postgresql libpq-dev wrk) ;;
  --lint) packages+=(clang-tidy-16) ;;
  --openapi)
    # A Node.js installed another way is kept: NodeSource's nodejs, say, bundles
    # npm and conflicts with Debian's npm package.
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
      packages+=(nodejs npm)
    fi
    ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
