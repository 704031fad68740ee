#!/usr/bin/env bash
# Runs the PocketBase JS SDK end-to-end suite against a basalt binary.
# Usage: tests/sdk/run.sh [path/to/basalt]   (default: $BASALT_BIN or build/release/basalt)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../support/basalt_bin.sh" "${1:-}"
cd "$here"
if [[ ! -d node_modules/pocketbase || ! -d node_modules/eventsource || ! -d node_modules/oidc-provider ]]; then
  npm ci --no-audit --no-fund
fi
exec node --test --test-reporter=spec sdk.test.mjs
