# Shared parts of the bench scripts (sourced, not run): the common set-up, tool installation,
# waiting for a server, starting and stopping Basalt, one wrk run and the median of several.
# A script cds to the repository and sources it with its own arguments:
#   cd "$(dirname "$0")/.." && source bench/lib.sh "$@"
# which sets ROOT (the repository), BIN (the first argument, default build/release/basalt) and
# OUT (bench/out, created); `bench_workdir NAME` makes the script's temporary directory.

ROOT=$PWD
BIN=${1:-$ROOT/build/release/basalt}
OUT=$ROOT/bench/out
mkdir -p "$OUT"

bench_workdir() {  # name → a new directory /tmp/basalt-NAME.XXXXXX
  mktemp -d "/tmp/basalt-$1.XXXXXX"
}

# Installs Debian packages that are missing (idempotent; one apt-get call for all of them).
apt_need() {  # package...
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  echo "bench: installing ${missing[*]}" >&2
  local sudo=""; [ "$(id -u)" != 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need_basalt() {
  [ -x "$BIN" ] || { echo "bench: $BIN not found (make build)" >&2; exit 1; }
}

wait_http() {  # url [tries of 50 ms]
  local i
  for i in $(seq 1 "${2:-200}"); do curl -fs -o /dev/null "$1" && return 0; sleep 0.05; done
  echo "bench: $1 did not come up" >&2
  return 1
}

# Waits until nothing listens on a TCP port of 127.0.0.1 any more (a stopped server's children
# may take a moment to exit).
wait_port_free() {  # port
  local i
  for i in $(seq 1 200); do
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q . || return 0
    sleep 0.05
  done
  echo "bench: port $1 is still in use" >&2
  return 1
}

# basalt_start DIR PORT LOG: serves DIR in the background; sets BASALT_PID.
basalt_start() {
  "$BIN" serve --dir "$1" --http "127.0.0.1:$2" --no-access-log --log-level warn >"$3" 2>&1 &
  BASALT_PID=$!
  wait_http "http://127.0.0.1:$2/api/health" || { cat "$3" >&2; return 1; }
}

basalt_stop() {
  [ -n "${BASALT_PID:-}" ] || return 0
  kill -TERM "$BASALT_PID" 2>/dev/null || true
  wait "$BASALT_PID" 2>/dev/null || true
  BASALT_PID=""
}

# Prints the token of a password login: auth_token URL COLLECTION IDENTITY PASSWORD
auth_token() {
  curl -fsS -X POST -H 'Content-Type: application/json' \
    -d "{\"identity\":\"$3\",\"password\":\"$4\"}" \
    "$1/api/collections/$2/auth-with-password" | sed -E 's/.*"token":"([^"]+)".*/\1/'
}

# Parses wrk --latency output on stdin → "req/s|p50|p99|errors" (latencies as wrk prints them).
wrk_summary() {
  awk '/Requests\/sec/ {rps=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2}
       /Socket errors/ {gsub(",", ""); e += $4 + $6 + $8 + $10}
       /Non-2xx/ {e += $NF}
       END {printf "%s|%s|%s|%d\n", rps, p50, p99, e}'
}

# One wrk run: wrk_run CONNS DURATION URL [wrk args...] → "req/s|p50|p99|errors"
wrk_run() {
  local conns=$1 duration=$2 url=$3; shift 3
  wrk -t1 -c"$conns" -d"$duration" --latency "$@" "$url" | wrk_summary
}

# The run with the median req/s of RUNS wrk runs: wrk_median RUNS CONNS DURATION URL [args...]
wrk_median() {
  local runs=$1 i results=(); shift
  for i in $(seq 1 "$runs"); do results+=("$(wrk_run "$@")"); done
  printf '%s\n' "${results[@]}" | sort -t'|' -k1 -g | sed -n "$(( (runs + 1) / 2 ))p"
}
