#!/usr/bin/env bash
# Configures and builds into a folder. Used by run.sh, test.sh and bench.sh.
#   bash scripts/build.sh BUILD_DIR [extra cmake flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: build.sh BUILD_DIR [cmake flags]}
shift
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Paths relative to the checkout, so that another clone (CI's, a worktree)
# hits the same cache entries.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
cmake --build "$dir" -j "${JOBS:-2}"
