#!/usr/bin/env bash
# Installs every build, test and run dependency of Basalt from Debian 12 packages and npm.
# Idempotent: packages already present are skipped, so a second run costs a few seconds.
set -euo pipefail

cd "$(dirname "$0")/.."

DEB_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  clang-14 libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libssl-dev libcrypt-dev zlib1g-dev libjemalloc-dev
  libfmt-dev libspdlog-dev libcli11-dev
  libcurl4-openssl-dev python3-aiosmtpd
  libvips-dev libmagic-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nodejs sqlite3 curl wrk python3
)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm is bundled with NodeSource's nodejs; Debian's nodejs needs the separate npm package.
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""; if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

# JS end-to-end tests use the official PocketBase SDK.
if [ -f tests/sdk/package-lock.json ]; then
  if [ ! -d tests/sdk/node_modules ] || [ tests/sdk/package-lock.json -nt tests/sdk/node_modules/.package-lock.json ]; then
    (cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
# The runnable examples use the same SDK from their own package (examples/).
if [ -f examples/package-lock.json ]; then
  if [ ! -d examples/node_modules ] || [ examples/package-lock.json -nt examples/node_modules/.package-lock.json ]; then
    (cd examples && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
echo "install-deps: ok"
