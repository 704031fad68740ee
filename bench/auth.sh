#!/usr/bin/env bash
# Auth benchmark (issue #4): auth-refresh with a valid user token and auth-with-password at the
# users collection's bcrypt cost (10, as PocketBase stores passwords), wrk 1 thread on the same
# machine. PocketBase's published 2-vCPU figures for comparison: about 3,200 refreshes/s and 30
# password logins/s. Targets: refresh >= 20,000/s; password logins bound only by bcrypt.
# Writes bench/out/auth.md.
#
# Usage: bench/auth.sh [BIN]   (default build/release/basalt)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh "$@"
DURATION=${BENCH_DURATION:-10s}
PORT=18390
WORK=$(bench_workdir auth)
cleanup() { basalt_stop; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
apt_need wrk curl
need_basalt

"$BIN" superuser upsert bench@example.com benchpassword123 --dir "$WORK/data" >/dev/null
basalt_start "$WORK/data" "$PORT" "$WORK/log"
api() { curl -fsS -X POST -H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:$PORT$1"; }
api /api/collections/users/records \
  '{"email":"bench-user@example.com","password":"benchpassword123","passwordConfirm":"benchpassword123"}' >/dev/null
LOGIN='{"identity":"bench-user@example.com","password":"benchpassword123"}'
TOKEN=$(api /api/collections/users/auth-with-password "$LOGIN" | sed -E 's/.*"token":"([^"]+)".*/\1/')
[ -n "$TOKEN" ] || { echo "auth bench: login failed"; cat "$WORK/log"; exit 1; }
# The refreshed token must be valid (sanity check before timing).
curl -fs -o /dev/null -X POST -H "Authorization: $TOKEN" "http://127.0.0.1:$PORT/api/collections/users/auth-refresh"

cat >"$WORK/refresh.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "$TOKEN"
LUA
cat >"$WORK/login.lua" <<LUA
wrk.method = "POST"
wrk.body = '$LOGIN'
wrk.headers["Content-Type"] = "application/json"
LUA

run() {  # label conns script path
  local rps p50 p99 errs
  IFS='|' read -r rps p50 p99 errs < <(wrk_run "$2" "$DURATION" "http://127.0.0.1:$PORT$4" -s "$3")
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$rps" "$p50" "$p99" "$errs"
}
{
  echo "wrk -t1 -d$DURATION on the same machine; users collection (bcrypt cost 10); $(nproc) cores"
  echo
  echo "| workload | connections | req/s | p50 | p99 | errors |"
  echo "|---|---:|---:|---:|---:|---:|"
  run "auth-refresh" 64 "$WORK/refresh.lua" /api/collections/users/auth-refresh
  run "auth-with-password" 16 "$WORK/login.lua" /api/collections/users/auth-with-password
} | tee "$OUT/auth.md"
