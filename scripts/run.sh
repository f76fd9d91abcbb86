#!/usr/bin/env bash
# Installs what is missing, builds, and runs an HQ node with embedded defaults:
# data in ./data (DATA=...), HTTP on 127.0.0.1:8080 (LISTEN=ADDRESS:PORT).
# On the first start the admin token is written to DATA/first-token.
# Stop it with Ctrl-C (or SIGTERM): requests in progress finish first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
exec ./build/cli/clientele serve --data "${DATA:-./data}" --listen "${LISTEN:-127.0.0.1:8080}"
