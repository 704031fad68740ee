#!/usr/bin/env bash
# Basalt against what users would pick instead (issue #8). The same 100,000 posts, 100,000
# private notes and 1,000 users go into Basalt's pb_data and into a plain SQLite file that the
# peers share (each gets its own copy). The peers, in bench/peers/<name>/, are written the way
# their communities write production code and installed from Debian packages and npm:
#   fastify  Fastify 5 + better-sqlite3 (built from source) under node cluster, 2 workers
#   fastapi  FastAPI + SQLAlchemy 1.4 under uvicorn --workers 2
#   drf      Django 3.2 + Django REST Framework + simplejwt under gunicorn (gthread)
#   nginx    Basalt's answers for W1/W2/W4 as static files: the transport ceiling
# Every system's answers are checked against the database before it is timed (check.py).
# Workloads, each at CONNS connections with wrk -t1 on the same machine:
#   W1 view a post by random id          W2 list published && views>100, -created, with total
#   W3 create a post                      W4 list a random author's posts, -created, with total
#   W5 auth-refresh with a user token     W6 list the user's notes (rule author = @request.auth.id)
#   W7 90 % W1 + 10 % W3
# Output: bench/out/peers.md, bench/out/peers.png (gnuplot), raw wrk output in bench/out/raw/.
#
# Environment: DURATION (s, 10)  REPEATS (3)  CONNS (64)  SYSTEMS ("basalt nginx fastify
# fastapi drf")  WORKLOADS ("W1 W2 W4 W5 W6 W3 W7")  QUIET_BUSY (% CPU, 15)  QUIET_TIMEOUT (s
# per run, 60)  QUIET_BUDGET (s of waiting in all, 900)  BASE_PORT (18490)  KEEP_WORK=1
# SYNC (full: every system fsyncs each acknowledged commit — Basalt's default; normal: SQLite's
# synchronous=NORMAL everywhere, PocketBase's setting).
# Smoke run: DURATION=5 REPEATS=1 bench/peers.sh
#
# Usage: bench/peers.sh [BIN]   (default build/release/basalt)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh "$@"

DURATION=${DURATION:-10}
REPEATS=${REPEATS:-3}
CONNS=${CONNS:-64}
SYSTEMS=${SYSTEMS:-basalt nginx fastify fastapi drf}
WORKLOADS=${WORKLOADS:-W1 W2 W4 W5 W6 W3 W7}
QUIET_BUSY=${QUIET_BUSY:-15}
QUIET_TIMEOUT=${QUIET_TIMEOUT:-60}
QUIET_BUDGET=${QUIET_BUDGET:-900}
BASE_PORT=${BASE_PORT:-18490}
SYNC=${SYNC:-full}
case $SYNC in full | normal) ;; *) echo "bench: SYNC must be full or normal" >&2; exit 2 ;; esac
export SQLITE_SYNC=${SYNC^^}  # read by every peer: PRAGMA synchronous = FULL | NORMAL
POSTS=100000
USERS=1000
CORES=$(nproc)
PY=/usr/bin/python3  # Debian's interpreter: it sees the python3-* packages
PEERS=$ROOT/bench/peers
RAW=$OUT/raw
WORK=$(bench_workdir peers)
chmod 755 "$WORK"  # nginx workers run as an unprivileged user
PGID=$(ps -o pgid= $$ | tr -d ' ')
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null || true
  basalt_stop
  wait 2>/dev/null || true
  if [ "${KEEP_WORK:-}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# --- dependencies ------------------------------------------------------------------------------
need_basalt
apt_need wrk sqlite3 curl iproute2 gnuplot-nox nodejs build-essential python3 \
  python3-fastapi python3-uvicorn python3-uvloop python3-httptools python3-sqlalchemy python3-jwt \
  python3-django python3-djangorestframework python3-djangorestframework-simplejwt \
  python3-django-filters gunicorn
command -v nginx >/dev/null || apt_need nginx-light
command -v npm >/dev/null || apt_need npm
[ "${PROFILE:-}" = 1 ] && { command -v perf >/dev/null || apt_need linux-perf; }
# better-sqlite3 has no prebuilt binary we may download: node-gyp compiles it against the
# headers of the installed node (/usr/include/node), with make and g++ from build-essential.
FASTIFY=$PEERS/fastify
if [[ " $SYSTEMS " == *" fastify "* ]] && (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
  # Debian 12's own nodejs is 18; Fastify 5 and better-sqlite3 12 need 20 (NodeSource's package).
  echo "bench: WARNING: node $(node -v) is too old for Fastify 5 (needs >= 20); skipping the Fastify peer" >&2
  SYSTEMS=${SYSTEMS/fastify/}
fi
if [[ " $SYSTEMS " != *" fastify "* ]]; then
  :
elif [ ! -f "$FASTIFY/node_modules/.package-lock.json" ] ||
   [ "$FASTIFY/package-lock.json" -nt "$FASTIFY/node_modules/.package-lock.json" ] ||
   ! (cd "$FASTIFY" && node -e "require('better-sqlite3')" 2>/dev/null); then
  echo "bench: npm ci in bench/peers/fastify (compiles better-sqlite3, a few minutes)" >&2
  (cd "$FASTIFY" && npm_config_nodedir=/usr npm_config_build_from_source=true \
     npm ci --no-audit --no-fund --loglevel=error)
fi

mkdir -p "$OUT"
META=$OUT/meta.txt
RUNS=$OUT/runs.tsv
if [ "${KEEP_RESULTS:-}" = 1 ] && [ -f "$RUNS" ] && [ -f "$META" ]; then
  # Re-measures only $SYSTEMS: their earlier runs are dropped, the others' kept (one report).
  for s in $SYSTEMS; do
    rm -f "$RAW/$s".*.txt
    awk -F'\t' -v s="$s" '$1 != s' "$RUNS" >"$RUNS.tmp" && mv "$RUNS.tmp" "$RUNS"
    grep -v "^${s}_" "$META" >"$META.tmp" || true; mv "$META.tmp" "$META"
  done
  echo "rerun=$SYSTEMS at $(date -u '+%H:%M UTC')" >>"$META"
else
  rm -rf "$RAW"
  printf 'system\tworkload\trep\tfile\tbusy_before\tquiet\twaited\tforeign_cores\tload1\n' >"$RUNS"
  : >"$META"
fi
mkdir -p "$RAW"
meta() { echo "$1=$2" >>"$META"; }

# --- quiet machine ------------------------------------------------------------------------------
WAITED_TOTAL=0
QUIET_WARNED=""
# Waits until the machine's CPU use (1 s sample) is below QUIET_BUSY %; sets BUSY, QUIET, WAITED.
wait_quiet() {
  local t0=$SECONDS limit=$QUIET_TIMEOUT
  (( QUIET_BUDGET - WAITED_TOTAL < limit )) && limit=$(( QUIET_BUDGET - WAITED_TOTAL ))
  (( limit < 0 )) && limit=0
  QUIET=yes
  while BUSY=$($PY "$PEERS/procs.py" busy 1); (( BUSY > QUIET_BUSY )); do
    if (( SECONDS - t0 >= limit )); then
      QUIET=no
      if [ -z "$QUIET_WARNED" ]; then
        QUIET_WARNED=1
        echo "bench: WARNING: the machine did not get quiet (CPU ${BUSY} % > ${QUIET_BUSY} %); measuring anyway" >&2
      fi
      break
    fi
  done
  WAITED=$(( SECONDS - t0 ))
  WAITED_TOTAL=$(( WAITED_TOTAL + WAITED ))
}

# --- data ---------------------------------------------------------------------------------------
gen_data() {
  local url=http://127.0.0.1:$BASE_PORT su
  "$BIN" superuser upsert bench@example.com benchpassword123 --dir "$WORK/pb_data" >/dev/null
  basalt_start "$WORK/pb_data" "$BASE_PORT" "$WORK/basalt-setup.log"
  su=$(auth_token "$url" _superusers bench@example.com benchpassword123)
  api() { curl -fsS -X POST -H 'Content-Type: application/json' -H "Authorization: $su" -d "$2" "$url$1" >/dev/null; }
  local audit='{"name":"created","type":"autodate","onCreate":true},
               {"name":"updated","type":"autodate","onCreate":true,"onUpdate":true}'
  local author='{"name":"author","type":"relation","collectionId":"_pb_users_auth_","maxSelect":1,"required":true}'
  api /api/collections "{\"name\":\"posts\",\"type\":\"base\",\"listRule\":\"\",\"viewRule\":\"\",\"createRule\":\"\",
    \"fields\":[{\"name\":\"title\",\"type\":\"text\",\"required\":true,\"max\":255},{\"name\":\"body\",\"type\":\"text\"},
      {\"name\":\"views\",\"type\":\"number\",\"onlyInt\":true,\"min\":0},{\"name\":\"published\",\"type\":\"bool\"},
      $author, $audit],
    \"indexes\":[\"CREATE INDEX idx_posts_author_created ON posts (author, created)\",
                 \"CREATE INDEX idx_posts_published_created ON posts (published, created)\",
                 \"CREATE INDEX idx_posts_created ON posts (created)\"]}"
  api /api/collections "{\"name\":\"notes\",\"type\":\"base\",
    \"listRule\":\"author = @request.auth.id\",\"viewRule\":\"author = @request.auth.id\",
    \"fields\":[{\"name\":\"title\",\"type\":\"text\",\"required\":true,\"max\":255},{\"name\":\"body\",\"type\":\"text\"},
      $author, $audit],
    \"indexes\":[\"CREATE INDEX idx_notes_author_created ON notes (author, created)\"]}"
  # User 1 through the API, so that its bcrypt hash is real; gen.py copies it to the others.
  api /api/collections/users/records '{"id":"000000000000001","email":"user1@example.com","name":"User 1",
    "password":"benchpassword123","passwordConfirm":"benchpassword123","verified":true}'
  basalt_stop
  $PY "$PEERS/gen.py" --basalt-db "$WORK/pb_data/data.db" --peers-db "$WORK/peers.db" \
    --posts $POSTS --notes $POSTS --users $USERS
  # nginx serves Basalt's own bytes.
  basalt_start "$WORK/pb_data" "$BASE_PORT" "$WORK/basalt-setup.log"
  $PY "$PEERS/check.py" nginx-files "$url" "$WORK/pb_data/data.db" "$WORK/www"
  basalt_stop
}

# --- systems ------------------------------------------------------------------------------------
port_of() {
  case $1 in basalt) echo $BASE_PORT ;; nginx) echo $((BASE_PORT + 1)) ;; fastify) echo $((BASE_PORT + 2)) ;;
             fastapi) echo $((BASE_PORT + 3)) ;; drf) echo $((BASE_PORT + 4)) ;; esac
}

start_system() {  # name port dir → SERVER_PID
  local name=$1 port=$2 dir=$3 log=$3/server.log
  wait_port_free "$port"
  case $name in
    basalt)
      cp -r "$WORK/pb_data" "$dir/pb_data"
      "$BIN" serve --dir "$dir/pb_data" --http "127.0.0.1:$port" --no-access-log --log-level warn \
        --sync "$SYNC" >"$log" 2>&1 &
      SERVER_PID=$!
      wait_http "http://127.0.0.1:$port/api/health" 400 ;;
    nginx)
      mkdir -p "$dir/tmp"
      cat >"$dir/nginx.conf" <<NGINX
worker_processes $CORES;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;  # as in Debian's nginx.conf
  tcp_nopush on;
  default_type application/json;
  keepalive_requests 10000000;
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp;
  fastcgi_temp_path $dir/tmp; uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
  server { listen 127.0.0.1:$port; root $WORK/www; }
}
NGINX
      nginx -c "$dir/nginx.conf" -g 'daemon off;' >"$log" 2>&1 &
      SERVER_PID=$!
      wait_http "http://127.0.0.1:$port/lists/published" 400 ;;
    fastify)
      cp "$WORK/peers.db" "$dir/peers.db"
      (cd "$FASTIFY" && PORT=$port DB=$dir/peers.db WORKERS=$CORES exec node server.js) >"$log" 2>&1 &
      SERVER_PID=$!
      wait_http "http://127.0.0.1:$port/posts/1" 400 ;;
    fastapi)
      cp "$WORK/peers.db" "$dir/peers.db"
      (cd "$PEERS/fastapi" && DB=$dir/peers.db exec $PY -m uvicorn blog.main:app --host 127.0.0.1 --port "$port" \
         --workers "$CORES" --no-access-log) >"$log" 2>&1 &
      SERVER_PID=$!
      wait_http "http://127.0.0.1:$port/posts/1" 600 ;;
    drf)
      # Gunicorn's advice: (2 x cores) + 1 workers; gthread keeps HTTP connections alive.
      cp "$WORK/peers.db" "$dir/peers.db"
      (cd "$PEERS/drf" && DB=$dir/peers.db exec $PY -m gunicorn benchsite.wsgi:application \
         --bind "127.0.0.1:$port" --workers $((2 * CORES + 1)) --worker-class gthread --threads 2) >"$log" 2>&1 &
      SERVER_PID=$!
      wait_http "http://127.0.0.1:$port/api/posts/1/" 600 ;;
  esac || { cat "$log" >&2; return 1; }
}

alive() { [ -e "/proc/$1" ] && ! awk '{ exit ($3 == "Z" ? 0 : 1) }' "/proc/$1/stat" 2>/dev/null; }

# SIGTERM, 15 s for a graceful stop, then SIGKILL for the server and every process it started
# (a deadlocked peer never finishes its graceful shutdown).
stop_system() {
  local tree p
  tree=$($PY "$PEERS/procs.py" tree "$SERVER_PID")
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 150); do alive "$SERVER_PID" || break; sleep 0.1; done
  if alive "$SERVER_PID"; then
    echo "bench: $SERVER_PID did not stop within 15 s; killing it and its children" >&2
    kill -KILL $tree 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  for p in $tree; do alive "$p" && kill -KILL "$p" 2>/dev/null; done
  SERVER_PID=""
}

cpu_snapshot() { $PY "$PEERS/procs.py" cpu "$PGID"; }

run_workload() {  # system workload port
  local sys=$1 w=$2 port=$3 rep file b0 o0 k0 b1 o1 k1 t0 t1
  local -a env=(W_IDFMT="$IDFMT" W_USERS=$USERS W_N=$POSTS W_SEED=42)
  case $w in
    W1) env+=(W_PATH="$W1_PATH") ;;
    W2) env+=(W_PATH="$W2_PATH") ;;
    W3) env+=(W_PATH="$W3_PATH" W_METHOD=POST W_BODY="$W3_BODY") ;;
    W4) env+=(W_PATH="$W4_PATH" W_N=$USERS) ;;
    W5) env+=(W_PATH="$W5_PATH" W_METHOD=POST W_AUTH="$TOKEN") ;;
    W6) env+=(W_PATH="$W6_PATH" W_AUTH="$TOKEN") ;;
    W7) env+=(W_PATH="$W1_PATH" W_WRITE_PCT=10 W_WRITE_PATH="$W3_PATH" W_WRITE_BODY="$W3_BODY") ;;
  esac
  for rep in $(seq 1 "$REPEATS"); do
    wait_quiet
    file=$sys.$w.$rep.txt
    read -r b0 o0 k0 < <(cpu_snapshot); t0=$(date +%s%N)
    env "${env[@]}" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency --timeout 10s -s "$PEERS/wrk/load.lua" \
      "http://127.0.0.1:$port" >"$RAW/$file" 2>&1 || true
    read -r b1 o1 k1 < <(cpu_snapshot); t1=$(date +%s%N)
    local foreign; foreign=$(awk -v b=$((b1 - b0)) -v o=$((o1 - o0 + k1 - k0)) -v ns=$((t1 - t0)) \
      'BEGIN { f = (b - o) / (ns / 1e9 * 100); printf "%.2f", (f < 0 ? 0 : f) }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sys" "$w" "$rep" "$file" "$BUSY" "$QUIET" "$WAITED" \
      "$foreign" "$(cut -d' ' -f1 /proc/loadavg)" >>"$RUNS"
    printf '  %-8s %s #%s: %s req/s, p99 %s, others %s cores\n' "$sys" "$w" "$rep" \
      "$(awk '/Requests\/sec/ {print $2}' "$RAW/$file")" "$(awk '$1=="99%" {print $2}' "$RAW/$file")" "$foreign" >&2
  done
  if [ "${PROFILE:-}" = 1 ] && [ "$sys" = basalt ]; then
    # One extra, untimed run with perf sampling the server (not the first second of it).
    env "${env[@]}" wrk -t1 -c"$CONNS" -d"$((DURATION + 2))s" -s "$PEERS/wrk/load.lua" "http://127.0.0.1:$port" \
      >/dev/null 2>&1 &
    local wrk_pid=$!
    sleep 1
    perf record -F 999 -p "$SERVER_PID" -o "$WORK/perf-$w.data" -- sleep "$DURATION" >/dev/null 2>&1 || true
    wait "$wrk_pid" || true
    perf report -i "$WORK/perf-$w.data" --no-children --sort dso,sym --stdio 2>/dev/null |
      $PY "$PEERS/perf_summary.py" "$w" >"$OUT/profile-basalt-$w.txt" || true
  fi
}

run_system() {
  local sys=$1 port dir rss hwm
  port=$(port_of "$sys")
  dir=$WORK/run-$sys
  mkdir -p "$dir"
  echo "bench: $sys on :$port" >&2
  start_system "$sys" "$port" "$dir"
  # Idle memory: started and one request served, before validation fills any cache.
  sleep 2
  read -r rss hwm < <($PY "$PEERS/procs.py" mem "$SERVER_PID")
  meta "${sys}_rss_idle_kib" "$rss"
  meta "${sys}_procs" "$(( $(pgrep -c -P "$SERVER_PID" || true) + 1 ))"
  eval "$($PY "$PEERS/check.py" env "$sys")"
  TOKEN=""
  [ "$sys" != nginx ] && TOKEN=$($PY "$PEERS/check.py" login "$sys" "http://127.0.0.1:$port")
  if ! $PY "$PEERS/check.py" validate "$sys" "http://127.0.0.1:$port" "$WORK/peers.db" --token "$TOKEN"; then
    meta "${sys}_validation" failed
    echo "bench: $sys gave wrong answers; not timed" >&2
    stop_system
    return 0
  fi
  meta "${sys}_validation" ok
  for w in $WORKLOADS; do
    local path_var=${w}_PATH
    [ "$w" = W7 ] && path_var=W3_PATH
    [ -n "${!path_var}" ] || continue  # nginx: read-only workloads only
    run_workload "$sys" "$w" "$port"
  done
  read -r rss hwm < <($PY "$PEERS/procs.py" mem "$SERVER_PID")
  meta "${sys}_rss_peak_kib" "$hwm"
  stop_system
}

# --- run ----------------------------------------------------------------------------------------
echo "bench: generating data in $WORK" >&2
gen_data
meta machine "$CORES cores ($(lscpu | sed -n 's/^Model name: *//p')), $(free -g | awk '/Mem:/ {print $2}') GiB, $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)"
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta duration "$DURATION"
meta repeats "$REPEATS"
meta conns "$CONNS"
meta sync "$SYNC"
meta quiet_busy "$QUIET_BUSY"
meta quiet_timeout "$QUIET_TIMEOUT"
meta data "$POSTS posts, $POSTS notes (100 per user), $USERS users; indexes (author, created), (published, created), (created)"
dv() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null | sed -E 's/^[0-9]+://; s/[-+~].*//'; }
nv() { node -p "require('$FASTIFY/node_modules/$1/package.json').version" 2>/dev/null || echo '?'; }
meta versions "Basalt $(git -C "$ROOT" rev-parse --short HEAD) (SQLite $(sqlite3 --version | cut -d' ' -f1)); \
nginx $(nginx -v 2>&1 | sed 's|.*/||'); node $(node -v | tr -d v), Fastify $(nv fastify), better-sqlite3 $(nv better-sqlite3) \
(SQLite $(cd "$FASTIFY" && node -p "require('better-sqlite3')(':memory:').prepare('select sqlite_version() v').get().v" 2>/dev/null || echo '?')), @fastify/jwt $(nv @fastify/jwt); \
Python $($PY -c 'import platform; print(platform.python_version())'), FastAPI $(dv python3-fastapi), uvicorn $(dv python3-uvicorn), \
SQLAlchemy $(dv python3-sqlalchemy), PyJWT $(dv python3-jwt), Django $(dv python3-django), DRF $(dv python3-djangorestframework), \
simplejwt $(dv python3-djangorestframework-simplejwt), django-filter $(dv python3-django-filters), gunicorn $(dv gunicorn); \
wrk $(dv wrk)"

for s in $SYSTEMS; do run_system "$s"; done
if [ -n "$QUIET_WARNED" ]; then
  meta quiet_warning "the machine never got quiet for some runs (CPU above $QUIET_BUSY % after waiting); see Noise"
fi

$PY "$PEERS/report.py" "$OUT"
gnuplot -e "out='$OUT/peers.png'; rps='$OUT/peers-rps.dat'; p99='$OUT/peers-p99.dat'" "$PEERS/plot.gp" 2> >(grep -v "Skipping data file" >&2)
cat "$OUT/peers.md"
echo "bench: wrote $OUT/peers.md and $OUT/peers.png" >&2
