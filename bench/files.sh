#!/usr/bin/env bash
# Files benchmark (issue #6): downloads, thumbs and uploads on one machine, wrk 1 thread.
#   * a 100 KB file downloaded through /api/files (wrk -t1 -c64), and the same bytes from nginx
#     (sendfile, one worker per core) in the same run as the ceiling;
#   * the first ?thumb=100x100 of a fresh 2 MP JPEG (1920x1080, made with libvips' CLI):
#     curl's time_total, median over THUMB_RECORDS fresh records; then the cached thumb (wrk);
#   * a 10 MiB multipart upload: curl's time_total and the server's RSS before, after and at peak.
# Targets: downloads >= 20,000 req/s; first thumb < 50 ms. Installs what it needs with apt
# (wrk, nginx-light, curl, libvips-tools). Writes bench/out/files.md.
#
# Usage: bench/files.sh [BIN]   (default build/release/basalt)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh "$@"
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-64}
RUNS=${BENCH_RUNS:-3}
THUMB_RECORDS=${THUMB_RECORDS:-9}
PORT=18690
NGINX_PORT=18691
WORK=$(bench_workdir files)
chmod 755 "$WORK"  # nginx workers run as an unprivileged user
NGINX_PID=""
cleanup() {
  basalt_stop
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

apt_need wrk curl libvips-tools
command -v nginx >/dev/null || apt_need nginx-light
need_basalt
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR ? v[int((NR + 1) / 2)] : 0)}'; }

# --- the test files --------------------------------------------------------------------------
head -c 102400 /dev/urandom >"$WORK/file100k.bin"
head -c $((10 << 20)) /dev/urandom >"$WORK/file10m.bin"
# A photo-like 2 MP JPEG: smoothed noise, a different blur per band.
vips gaussnoise "$WORK/n.v" 1920 1080 --mean 128 --sigma 80
vips gaussblur "$WORK/n.v" "$WORK/r.v" 1.5
vips gaussblur "$WORK/n.v" "$WORK/g.v" 4
vips gaussblur "$WORK/n.v" "$WORK/b.v" 2
vips bandjoin "$WORK/r.v $WORK/g.v $WORK/b.v" "$WORK/c.v"
vips cast "$WORK/c.v" "$WORK/u.v" uchar
vips jpegsave "$WORK/u.v" "$WORK/photo.jpg" --Q 85
rm -f "$WORK"/*.v
PHOTO_KB=$(( $(stat -c %s "$WORK/photo.jpg") / 1024 ))

# --- Basalt ------------------------------------------------------------------------------------
"$BIN" superuser upsert bench@example.com benchpassword123 --dir "$WORK/data" >/dev/null
basalt_start "$WORK/data" "$PORT" "$WORK/basalt.log"
TOKEN=$(auth_token "http://127.0.0.1:$PORT" _superusers bench@example.com benchpassword123)
curl -fsS -X POST -H 'Content-Type: application/json' -H "Authorization: $TOKEN" "http://127.0.0.1:$PORT/api/collections" \
  -d '{"name":"media","type":"base","listRule":"","viewRule":"","createRule":"",
       "fields":[{"name":"title","type":"text"},{"name":"file","type":"file","maxSelect":1,"maxSize":104857600}]}' >/dev/null

upload() {  # file → "<record id> <stored name>"
  curl -fsS -H "Authorization: $TOKEN" -F "title=bench" -F "file=@$1" \
    "http://127.0.0.1:$PORT/api/collections/media/records" |
    sed -E 's/.*"file":"([^"]+)".*"id":"([^"]+)".*/\2 \1/'
}

median_run() { wrk_median "$RUNS" "$CONNS" "$DURATION" "$1"; }  # url → "req/s|p50|p99|errors"

# 100 KB downloads
read -r ID NAME <<<"$(upload "$WORK/file100k.bin")"
FILE_URL="http://127.0.0.1:$PORT/api/files/media/$ID/$NAME"
curl -fs "$FILE_URL" | cmp - "$WORK/file100k.bin"
DOWNLOAD=$(median_run "$FILE_URL")

# First thumb of fresh 2 MP JPEGs (each record's first request makes the thumb), then cached.
THUMB_MS=()
for _ in $(seq 1 "$THUMB_RECORDS"); do
  read -r TID TNAME <<<"$(upload "$WORK/photo.jpg")"
  t=$(curl -fs -o "$WORK/thumb.jpg" -w '%{time_total}' "http://127.0.0.1:$PORT/api/files/media/$TID/$TNAME?thumb=100x100")
  THUMB_MS+=("$(awk -v t="$t" 'BEGIN { printf "%.1f", t * 1000 }')")
done
[ "$(vipsheader -f width "$WORK/thumb.jpg")x$(vipsheader -f height "$WORK/thumb.jpg")" = 100x100 ]
THUMB_FIRST=$(printf '%s\n' "${THUMB_MS[@]}" | median)
ORIG_MS=()
for _ in $(seq 1 "$THUMB_RECORDS"); do  # the original of the last record, for comparison
  t=$(curl -fs -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/api/files/media/$TID/$TNAME")
  ORIG_MS+=("$(awk -v t="$t" 'BEGIN { printf "%.1f", t * 1000 }')")
done
ORIG_SINGLE=$(printf '%s\n' "${ORIG_MS[@]}" | median)
THUMB_CACHED=$(median_run "http://127.0.0.1:$PORT/api/files/media/$TID/$TNAME?thumb=100x100")

# 10 MiB upload: time and the server's memory
RSS_BEFORE=$(rss_kb "$BASALT_PID")
HWM_BEFORE=$(hwm_kb "$BASALT_PID")
UPLOAD_S=$(curl -fsS -o "$WORK/up.json" -w '%{time_total}' -H "Authorization: $TOKEN" -F "title=big" \
  -F "file=@$WORK/file10m.bin" "http://127.0.0.1:$PORT/api/collections/media/records")
grep -q '"file":"file10m_' "$WORK/up.json"
RSS_AFTER=$(rss_kb "$BASALT_PID")
HWM_AFTER=$(hwm_kb "$BASALT_PID")
basalt_stop

# --- nginx: the same 100 KB file --------------------------------------------------------------
mkdir -p "$WORK/nginx/www" "$WORK/nginx/tmp"
cp "$WORK/file100k.bin" "$WORK/nginx/www/file100k.bin"
chmod 644 "$WORK/nginx/www/file100k.bin"
cat >"$WORK/nginx/nginx.conf" <<NGINX
worker_processes $(nproc);
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx/tmp; proxy_temp_path $WORK/nginx/tmp;
  fastcgi_temp_path $WORK/nginx/tmp; uwsgi_temp_path $WORK/nginx/tmp; scgi_temp_path $WORK/nginx/tmp;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/nginx/www; }
}
NGINX
nginx -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
wait_http "http://127.0.0.1:$NGINX_PORT/file100k.bin"
NGINX_DOWNLOAD=$(median_run "http://127.0.0.1:$NGINX_PORT/file100k.bin")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
row() {  # name result target
  IFS='|' read -r rps p50 p99 errs <<<"$2"
  echo "| $1 | $rps | $p50 | $p99 | $errs | $3 |"
}
{
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r); $(date -u +%Y-%m-%d)"
  echo "Load average when the run started: $LOAD"
  echo "wrk -t1 -c$CONNS -d$DURATION --latency on the same machine, median of $RUNS runs"
  echo
  echo "| workload | req/s | p50 | p99 | errors | target |"
  echo "|---|---:|---:|---:|---|---|"
  row "GET a 100 KB file (/api/files)" "$DOWNLOAD" "≥ 20,000"
  row "nginx: the same file (sendfile)" "$NGINX_DOWNLOAD" "(ceiling)"
  row "GET a cached 100x100 thumb" "$THUMB_CACHED" "download speed"
  echo
  echo "Basalt 100 KB download / nginx: $(ratio "${DOWNLOAD%%|*}" "${NGINX_DOWNLOAD%%|*}")"
  echo
  echo "First ?thumb=100x100 of a fresh 1920x1080 JPEG ($PHOTO_KB KiB), curl time_total, median of $THUMB_RECORDS records: ${THUMB_FIRST} ms (all: ${THUMB_MS[*]}) — target < 50 ms"
  echo "The same JPEG's original (${PHOTO_KB} KiB) by one curl, median: ${ORIG_SINGLE} ms"
  echo
  echo "10 MiB multipart upload (curl -F): $(awk -v t="$UPLOAD_S" 'BEGIN { printf "%.0f", t * 1000 }') ms;" \
       "server RSS $((RSS_BEFORE / 1024)) MiB before, $((RSS_AFTER / 1024)) MiB after," \
       "peak $((HWM_AFTER / 1024)) MiB (peak before: $((HWM_BEFORE / 1024)) MiB)"
} | tee "$OUT/files.md"
