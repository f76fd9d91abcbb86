#!/usr/bin/env bash
# Formats every C++ source with clang-format (.clang-format: Google style, 100 columns).
#   bash scripts/format.sh           rewrite files in place
#   bash scripts/format.sh --check   list files that need formatting; exit 1 if any
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.cc' '*.h')
if [[ "${1:-}" == "--check" ]]; then
  clang-format --dry-run --Werror $files
else
  clang-format -i $files
fi
