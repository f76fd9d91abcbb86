#!/usr/bin/env bash
# Installs what is missing, builds, and runs Clientele with embedded defaults:
# the node's log lives in ./data (override with DATA=...).
# Until the HTTP API lands this runs the event-log demo and verifies the log.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
./build/app/clientele demo --data "${DATA:-./data}"
