#!/usr/bin/env bash
# Runs the examples' end-to-end tests (official PocketBase SDK, node:test) against a basalt binary.
# Usage: examples/run.sh [path/to/basalt] [example...]   (default: $BASALT_BIN or build/release/basalt,
# every example). CTest runs one example per test (example_<name>, labels sdk and examples).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../tests/support/basalt_bin.sh" "${1:-}"
shift || true
cd "$here"
# npm modules: the examples' own (pocketbase, eventsource) and, for the auth example's OpenID
# Connect provider (tests/support/oidc_server.mjs), tests/sdk's. One installer at a time: CTest
# runs the examples in parallel.
(
  flock 9
  [[ -d node_modules/pocketbase && -d node_modules/eventsource ]] || npm ci --no-audit --no-fund --loglevel=error
  [[ -d ../tests/sdk/node_modules/oidc-provider ]] || (cd ../tests/sdk && npm ci --no-audit --no-fund --loglevel=error)
) 9>"$here/node_modules.lock"
names=("$@")
if ((${#names[@]} == 0)); then
  names=($(ls -d */ | tr -d / | grep -v -e '^lib$' -e '^node_modules$'))
fi
files=()
for n in "${names[@]}"; do
  files+=("$n/$n.test.mjs")
done
exec node --test --test-reporter=spec "${files[@]}"
