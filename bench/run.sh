#!/usr/bin/env bash
# Basalt core benchmark (issue #2): 100,000 records in SQLite, wrk 1 thread x 64 connections on
# the same machine, Basalt and nginx (the same JSON served as a static file: the transport
# ceiling) measured one after the other in the same run. Also: idle memory and start-up time
# on PocketBase's fixture. Writes bench/out/results.md.
#
# Usage: bench/run.sh [BIN]   (default build/release/basalt; `make bench` builds it first)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh "$@"
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-64}
RUNS=${BENCH_RUNS:-3}
RECORDS=${BENCH_RECORDS:-100000}
PORT=18190
NGINX_PORT=18191
WORK=$(bench_workdir bench)
chmod 755 "$WORK"  # nginx workers run as an unprivileged user
PIDS=()
cleanup() {
  basalt_stop
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

apt_need wrk sqlite3 curl
command -v nginx >/dev/null || apt_need nginx-light
need_basalt

start_basalt() { basalt_start "$1" "$PORT" "$WORK/basalt.log"; }
stop_basalt() { basalt_stop; }

# --- start-up time and idle memory on PocketBase's fixture -----------------------------------
FIXTURE=$ROOT/../shared/pocketbase-fixture
STARTUP_MS=()
RSS_KB=""
for i in 1 2 3 4 5; do
  rm -rf "$WORK/fx"; cp -r "$FIXTURE" "$WORK/fx"; chmod -R u+w "$WORK/fx"
  t0=$(date +%s%N)
  "$BIN" serve --dir "$WORK/fx" --http 127.0.0.1:$PORT --no-access-log --log-level warn >/dev/null 2>&1 &
  BASALT_PID=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$PORT/api/health"; do sleep 0.002; done
  t1=$(date +%s%N)
  STARTUP_MS+=($(( (t1 - t0) / 1000000 )))
  if [ "$i" = 1 ]; then
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/api/collections/demo2/records"
    sleep 1
    RSS_KB=$(awk '/VmRSS/ {print $2}' /proc/$BASALT_PID/status)
  fi
  stop_basalt
done
STARTUP_MEDIAN=$(printf '%s\n' "${STARTUP_MS[@]}" | sort -n | sed -n 3p)

# --- data: 100,000 posts ------------------------------------------------------------------
DATA=$WORK/data
"$BIN" superuser upsert bench@example.com benchpassword123 --dir "$DATA" >/dev/null
start_basalt "$DATA"
TOKEN=$(auth_token "http://127.0.0.1:$PORT" _superusers bench@example.com benchpassword123)
curl -fs -X POST -H 'Content-Type: application/json' -H "Authorization: $TOKEN" -d '{
  "name":"posts","type":"base","listRule":"","viewRule":"","createRule":"",
  "fields":[{"name":"title","type":"text","required":true},{"name":"body","type":"text"},
            {"name":"views","type":"number"},{"name":"published","type":"bool"},
            {"name":"author","type":"text"},
            {"name":"created","type":"autodate","onCreate":true},
            {"name":"updated","type":"autodate","onCreate":true,"onUpdate":true}],
  "indexes":["CREATE INDEX idx_posts_created ON posts (created)"]}' \
  "http://127.0.0.1:$PORT/api/collections" >/dev/null
stop_basalt
# Deterministic rows: ids 000000000000001..., created spaced one minute apart.
sqlite3 "$DATA/data.db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $RECORDS)
INSERT INTO posts (id, title, body, views, published, author, created, updated)
SELECT printf('%015d', i), 'Post number ' || i,
       'Body of post ' || i || ' — lorem ipsum dolor sit amet, consectetur adipiscing elit.',
       (i * 7919) % 1000, (i % 10) < 7, printf('user%04d', i % 1000),
       strftime('%Y-%m-%d %H:%M:%fZ', '2024-01-01', '+' || i || ' minutes'),
       strftime('%Y-%m-%d %H:%M:%fZ', '2024-01-01', '+' || i || ' minutes')
FROM n;
SQL
start_basalt "$DATA"
curl -fs "http://127.0.0.1:$PORT/api/collections/posts/records/000000000050000" >"$WORK/view.json"
grep -q '"title":"Post number 50000"' "$WORK/view.json"
curl -fs "http://127.0.0.1:$PORT/api/collections/posts/records?perPage=30&sort=-created&skipTotal=1" | grep -q "\"id\":\"$(printf '%015d' "$RECORDS")\""

cat >"$WORK/view.lua" <<LUA
math.randomseed(42)
request = function()
  return wrk.format("GET", string.format("/api/collections/posts/records/%015d", math.random(1, $RECORDS)))
end
LUA
cat >"$WORK/create.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/api/collections/posts/records",
    {["Content-Type"] = "application/json"},
    string.format('{"title":"bench %d-%d","body":"created by wrk","views":%d,"published":true,"author":"user0001"}',
                  math.random(1, 1e9), n, n % 1000))
end
LUA

median_run() {  # url [script] → "req/s|p50|p99|errors" of the run with the median req/s
  if [ -n "${2:-}" ]; then wrk_median "$RUNS" "$CONNS" "$DURATION" "$1" -s "$2"
  else wrk_median "$RUNS" "$CONNS" "$DURATION" "$1"; fi
}

VIEW=$(median_run "http://127.0.0.1:$PORT/api/collections/posts/records/000000000050000" "$WORK/view.lua")
LIST=$(median_run "http://127.0.0.1:$PORT/api/collections/posts/records?perPage=30&sort=-created&skipTotal=1")
CREATE=$(median_run "http://127.0.0.1:$PORT/api/collections/posts/records" "$WORK/create.lua")
stop_basalt

# --- nginx serving the same view JSON (transport ceiling) ---------------------------------
mkdir -p "$WORK/nginx/www/api/collections/posts/records"
cp "$WORK/view.json" "$WORK/nginx/www/api/collections/posts/records/000000000050000"
cat >"$WORK/nginx/nginx.conf" <<NGINX
worker_processes $(nproc);
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx/tmp; proxy_temp_path $WORK/nginx/tmp;
  fastcgi_temp_path $WORK/nginx/tmp; uwsgi_temp_path $WORK/nginx/tmp; scgi_temp_path $WORK/nginx/tmp;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/nginx/www; }
}
NGINX
mkdir -p "$WORK/nginx/tmp"
nginx -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
wait_http "http://127.0.0.1:$NGINX_PORT/api/collections/posts/records/000000000050000" || exit 1
NGINX_VIEW=$(median_run "http://127.0.0.1:$NGINX_PORT/api/collections/posts/records/000000000050000")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
row() {  # name result target
  IFS='|' read -r rps p50 p99 errs <<<"$2"
  echo "| $1 | $rps | $p50 | $p99 | $errs | $3 |"
}
{
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); $(date -u +%Y-%m-%d)"
  echo "Load: wrk -t1 -c$CONNS -d$DURATION --latency, median of $RUNS runs; $RECORDS records"
  echo
  echo "| workload | req/s | p50 | p99 | errors | target |"
  echo "|---|---:|---:|---:|---|---|"
  row "view one record by id (random ids)" "$VIEW" "≥ 30,000"
  row "list 30 sorted by -created, skipTotal" "$LIST" "≥ 10,000"
  row "create a record" "$CREATE" "≥ 5,000"
  row "nginx: the same view JSON as a static file" "$NGINX_VIEW" "(ceiling)"
  echo
  echo "Basalt view / nginx: $(ratio "${VIEW%%|*}" "${NGINX_VIEW%%|*}")"
  echo "Idle RSS after start on the fixture: $((RSS_KB / 1024)) MiB ($RSS_KB KiB) — target < 20 MB"
  echo "Start-up on the fixture (spawn → first 200 from /api/health), median of 5: ${STARTUP_MEDIAN} ms — target < 100 ms"
} | tee "$OUT/results.md"
