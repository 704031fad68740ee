#!/usr/bin/env bash
# Realtime capacity benchmark (issue #5): CLIENTS (default 10,000) idle SSE clients on one node,
# each subscribed to demo2/* on a copy of PocketBase's fixture, then EVENTS record creates, one
# at a time. Reports the server's RSS before and with every client connected, and per event the
# create request's own latency and the time until the event reached the first / 50% / 99% / all
# clients (measured by bench/realtime_load.cpp on the same machine). Writes bench/out/realtime.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh "$@"
CLIENTS=${CLIENTS:-10000}
EVENTS=${EVENTS:-20}
PORT=18390
WORK=$(bench_workdir realtime)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
need_basalt
FIXTURE=${BASALT_FIXTURE_DIR:-$ROOT/../shared/pocketbase-fixture}

# Each client is one socket on both sides of the loopback.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt $((CLIENTS + 1000)) ]; then
  echo "realtime bench: open-file limit $(ulimit -n) is too low for $CLIENTS clients"; exit 1
fi
g++ -O2 -std=c++20 -o "$WORK/realtime_load" bench/realtime_load.cpp

mkdir -p "$WORK/data"
cp -r "$FIXTURE"/. "$WORK/data/"
rm -rf "$WORK/data/lost+found"
chmod -R u+w "$WORK/data"
"$BIN" serve --dir "$WORK/data" --http 127.0.0.1:$PORT >"$WORK/log" 2>&1 &
PID=$!
for _ in $(seq 1 200); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/api/health" && break; sleep 0.05; done
IDLE_RSS=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
RESULT=$(SERVER_PID=$PID "$WORK/realtime_load" $PORT "$CLIENTS" "$EVENTS" 'demo2/*' demo2)
echo "$RESULT"
kill -TERM "$PID"; wait "$PID" || { echo "server exited with $?"; tail -50 "$WORK/log"; exit 1; }
PID=""
# The creates as the server timed them (access log), free of the load driver's scheduling.
SERVER_CREATE_MS=$(grep 'method=POST path=/api/collections/demo2/records ' "$WORK/log" | sed -E 's/.* ms=([0-9.]+).*/\1/' | sort -n |
  awk '{a[NR]=$1} END {if (NR) printf "median %.2f ms, max %.2f ms over %d creates", a[int((NR+1)/2)], a[NR], NR}')
echo "server-side create: $SERVER_CREATE_MS"

{
  echo "# Realtime: $CLIENTS SSE clients on one node"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)."
  echo "Command: \`CLIENTS=$CLIENTS EVENTS=$EVENTS bench/realtime.sh\` (server and load driver on the same machine)."
  echo
  echo "Server RSS before clients: $((IDLE_RSS / 1024)) MiB"
  echo
  echo '```'
  echo "$RESULT"
  echo "server-side create (access log): $SERVER_CREATE_MS"
  echo '```'
} >"$OUT/realtime.md"
echo "wrote $OUT/realtime.md"
