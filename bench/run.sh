#!/usr/bin/env bash
# Waspada benchmarks: bulk import (SQLite, PostgreSQL) and HTTP lookup latency.
#
#   bench/run.sh                 # full scale: 1,000,000 persons, documents and crossings
#   bench/run.sh --small         # quick check: 20,000 of each, 10 s lookup runs, docs untouched
#
# Options:
#   --persons N --crossings N    data sizes (documents = persons)
#   --duration S --warmup S      lookup run length and warm-up per rate (default 30 and 5)
#   --rates "500 1000 2000"      lookup rates in requests/s (the first one is the target figure)
#   --skip-build --skip-gen --skip-sqlite --skip-pg --skip-http
#   --clean-build                time `cargo build --release` from clean, of the committed HEAD
#                                (git archive into /tmp), CARGO_TARGET_DIR=/tmp/target-release-clean,
#                                and benchmark that binary (several minutes)
#   --waspada PATH               benchmark this binary instead of building the working tree
#   --no-docs / --docs           do not / do rewrite the results block of docs/benchmarks.md
#                                (default: rewrite at full scale only)
#   --max-load L                 before each measurement wait (up to 10 min) for the 1-minute
#                                load average to fall below L (default 1.0); the load is recorded
#   --nice N                     run `waspada serve` and the load generator at this nice level
#                                (e.g. -15, needs root) so that other work on a shared machine
#                                disturbs the lookup latencies less; recorded with each result
#
# Environment: WASPADA_PG_URL=postgres://... to import into that (empty) database instead of a
# throwaway PostgreSQL 15 started on 127.0.0.1:5433. Outputs go under bench/out/ (git-ignored).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PERSONS=1000000
CROSSINGS=1000000
DURATION=30
WARMUP=5
RATES="500 1000 2000"
SEED=20260101
SKIP_BUILD=0 SKIP_GEN=0 SKIP_SQLITE=0 SKIP_PG=0 SKIP_HTTP=0 CLEAN_BUILD=0
DOCS=auto
MAX_LOAD=1.0
NICE=0
PORT=18080
PG_PORT=5433

while [[ $# -gt 0 ]]; do
  case "$1" in
    --small) PERSONS=20000; CROSSINGS=20000; DURATION=10; WARMUP=2; [[ $DOCS == auto ]] && DOCS=0 ;;
    --persons) PERSONS="$2"; shift ;;
    --crossings) CROSSINGS="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --rates) RATES="$2"; shift ;;
    --seed) SEED="$2"; shift ;;
    --skip-build) SKIP_BUILD=1 ;;
    --skip-gen) SKIP_GEN=1 ;;
    --skip-sqlite) SKIP_SQLITE=1 ;;
    --skip-pg) SKIP_PG=1 ;;
    --skip-http) SKIP_HTTP=1 ;;
    --clean-build) CLEAN_BUILD=1 ;;
    --no-docs) DOCS=0 ;;
    --docs) DOCS=1 ;;
    --max-load) MAX_LOAD="$2"; shift ;;
    --waspada) WASPADA_ARG="$2"; shift ;;
    --nice) NICE="$2"; shift ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [[ $DOCS == auto ]]; then
  if [[ $PERSONS -ge 1000000 && $CROSSINGS -ge 1000000 ]]; then DOCS=1; else DOCS=0; fi
fi

OUT="$ROOT/bench/out"
DATA="$OUT/data"
RESULTS="$OUT/results"
mkdir -p "$OUT" "$RESULTS"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
WASPADA="${WASPADA_ARG:-$TARGET_DIR/release/waspada}"
[[ -n "${WASPADA_ARG:-}" ]] && WASPADA_GIVEN=1
LOADGEN_DIR="$ROOT/bench/loadgen"
LOADGEN="$LOADGEN_DIR/target/release/waspada-loadgen"
RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"
JSONL="$RESULTS/run-$RUN_ID.jsonl"
: > "$JSONL"

log() { printf '\n== %s\n' "$*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }
uptime_line() { uptime | sed 's/^ *//'; }
# Appends one JSON object (given as key=value pairs; values that look numeric stay numbers).
record() {
  python3 - "$JSONL" "$@" <<'PY'
import json, sys
path, *pairs = sys.argv[1:]
obj = {}
for pair in pairs:
    key, _, value = pair.partition("=")
    for convert in (int, float, str):
        try:
            obj[key] = convert(value)
            break
        except ValueError:
            continue
with open(path, "a") as out:
    out.write(json.dumps(obj) + "\n")
PY
}
# Waits up to 10 minutes for the 1-minute load to fall below MAX_LOAD; other people compile here.
wait_for_quiet() {
  local waited=0
  while awk -v l="$(load1)" -v m="$MAX_LOAD" 'BEGIN { exit !(l >= m) }'; do
    if [[ $waited -ge 600 ]]; then
      echo "load still $(load1) after ${waited} s; measuring anyway (recorded)" >&2
      return
    fi
    [[ $waited -eq 0 ]] && echo "load $(load1) >= $MAX_LOAD: waiting for other work to finish..." >&2
    sleep 15; waited=$((waited + 15))
  done
}
# CPU seconds (user+system) used so far by a process.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

PIDS_TO_STOP=()
PG_DIR=""
cleanup() {
  for pid in "${PIDS_TO_STOP[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS_TO_STOP[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n "$PG_DIR" && -d "$PG_DIR" ]]; then
    su postgres -c "/usr/lib/postgresql/15/bin/pg_ctl -D '$PG_DIR/data' -m fast -w stop" >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
trap cleanup EXIT

record step=machine date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" nproc="$(nproc)" \
  cpu="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
  mem_gib="$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)" \
  kernel="$(uname -r)" rustc="$(rustc --version)" \
  persons="$PERSONS" crossings="$CROSSINGS"

# ---------------------------------------------------------------------------------------------
SOURCE="working tree $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' with uncommitted changes')"
if [[ $CLEAN_BUILD == 1 ]]; then
  # Build exactly the committed HEAD (git archive), so the figure does not depend on whatever is
  # half-edited in the working tree, and benchmark that binary.
  COMMIT="$(git rev-parse --short HEAD)"
  SRC="/tmp/waspada-src-$COMMIT"
  rm -rf "$SRC" /tmp/target-release-clean
  mkdir -p "$SRC"
  git archive HEAD | tar -x -C "$SRC"
  log "cargo build --release from clean: commit $COMMIT in $SRC, CARGO_TARGET_DIR=/tmp/target-release-clean"
  wait_for_quiet
  (cd "$SRC" && cargo fetch >/dev/null 2>&1 || true)  # downloads are not part of the build time
  before="$(uptime_line)"
  ( while sleep 10; do cut -d' ' -f1 /proc/loadavg; done ) > "$RESULTS/clean-build-load-$RUN_ID.txt" &
  sampler=$!
  (cd "$SRC" && CARGO_TARGET_DIR=/tmp/target-release-clean /usr/bin/time -v -o "$RESULTS/clean-build-time-$RUN_ID.txt" \
    cargo build --release 2> "$RESULTS/clean-build-$RUN_ID.log")
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  wall="$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$RESULTS/clean-build-time-$RUN_ID.txt")"
  cpu_pct="$(awk -F': ' '/Percent of CPU/ { print $2 }' "$RESULTS/clean-build-time-$RUN_ID.txt")"
  loads="$(tr '\n' ' ' < "$RESULTS/clean-build-load-$RUN_ID.txt")"
  peak="$(sort -n "$RESULTS/clean-build-load-$RUN_ID.txt" | tail -1)"
  record step=clean_build commit="$COMMIT" wall="$wall" cpu_percent="$cpu_pct" uptime_before="$before" \
    uptime_after="$(uptime_line)" peak_load1="${peak:-n/a}" load1_samples="$loads"
  echo "clean release build of $COMMIT: $wall wall, $cpu_pct CPU; load before: $before; peak 1-min load during: ${peak:-n/a}" >&2
  WASPADA="/tmp/target-release-clean/release/waspada"
  SOURCE="commit $COMMIT (git archive, built from clean)"
  printf '%s\n' "$SOURCE" > "$WASPADA.source"
  WASPADA_GIVEN=1
fi

if [[ $SKIP_BUILD == 0 ]]; then
  if [[ -z "${WASPADA_GIVEN:-}" ]]; then
    log "building waspada (release)"
    cargo build --release -p waspada
  fi
  log "building the load generator"
  (cd "$LOADGEN_DIR" && CARGO_TARGET_DIR="$LOADGEN_DIR/target" cargo build --release)
fi
if [[ -n "${WASPADA_ARG:-}" ]]; then
  # A given binary: say what it is built from if --clean-build left a note beside it.
  SOURCE="given binary $WASPADA_ARG"
  [[ -f "$WASPADA_ARG.source" ]] && SOURCE="$(cat "$WASPADA_ARG.source") (binary $WASPADA_ARG)"
fi
record step=binary path="$WASPADA" source="$SOURCE"
[[ -x "$WASPADA" ]] || { echo "no binary at $WASPADA (run without --skip-build)" >&2; exit 1; }

if [[ $SKIP_GEN == 0 ]]; then
  log "generating $PERSONS persons/documents and $CROSSINGS crossings in $DATA"
  python3 bench/gen_data.py --persons "$PERSONS" --crossings "$CROSSINGS" --out "$DATA" --seed "$SEED"
fi
for f in persons documents crossings; do
  [[ -f "$DATA/$f.csv" ]] || { echo "missing $DATA/$f.csv (run without --skip-gen)" >&2; exit 1; }
done

# Imports the three files one by one into the store given by the arguments; records rows/s.
import_all() {
  local backend="$1"; shift
  local f rows rc line wall rss
  for f in persons documents crossings; do
    wait_for_quiet
    local before; before="$(uptime_line)"
    rows=$(($(wc -l < "$DATA/$f.csv") - 1))
    set +e
    /usr/bin/time -f '%e %M %P' -o "$RESULTS/time-$backend-$f.txt" \
      "$WASPADA" import "$@" "$DATA/$f.csv" 2> "$RESULTS/import-$backend-$f.log"
    rc=$?
    set -e
    cat "$RESULTS/import-$backend-$f.log" >&2
    if [[ $rc -ne 0 ]]; then
      echo "import of $f into $backend exited with $rc (2 = some rows rejected): see $RESULTS/import-$backend-$f.log" >&2
      [[ $rc -eq 2 ]] || exit 1
    fi
    line="$(grep -E "$f\.csv: [0-9]+ rows" "$RESULTS/import-$backend-$f.log" | tail -1)"
    read -r wall rss cpu < "$RESULTS/time-$backend-$f.txt"
    local wal=0 datadir=""
    [[ $backend == sqlite ]] && datadir="$SQLITE_DATA"
    [[ -n "$datadir" && -f "$datadir/waspada.db-wal" ]] && wal="$(stat -c %s "$datadir/waspada.db-wal")"
    record step=import wal_bytes_after="$wal" backend="$backend" file="$f" rows="$rows" exit_code="$rc" wall_s="$wall" \
      rows_per_s_wall="$(awk -v r="$rows" -v w="$wall" 'BEGIN { printf "%.0f", r / w }')" \
      reported="$line" max_rss_kib="$rss" cpu_percent="${cpu%\%}" uptime_before="$before" uptime_after="$(uptime_line)"
    echo "$backend $f: $rows rows in $wall s wall = $(awk -v r="$rows" -v w="$wall" 'BEGIN { printf "%.0f", r / w }') rows/s (CPU $cpu, max RSS $((rss / 1024)) MiB)" >&2
  done
}

SQLITE_DATA="$OUT/sqlite"
if [[ $SKIP_SQLITE == 0 ]]; then
  log "SQLite import into $SQLITE_DATA"
  rm -rf "$SQLITE_DATA"
  import_all sqlite --data "$SQLITE_DATA"
  record step=sqlite_size bytes="$(stat -c %s "$SQLITE_DATA/waspada.db")" \
    wal_bytes="$( [[ -f "$SQLITE_DATA/waspada.db-wal" ]] && stat -c %s "$SQLITE_DATA/waspada.db-wal" || echo 0)"
fi

if [[ $SKIP_PG == 0 ]]; then
  PG_URL="${WASPADA_PG_URL:-}"
  if [[ -z "$PG_URL" ]]; then
    log "starting a throwaway PostgreSQL 15 on 127.0.0.1:$PG_PORT"
    PG_DIR="$(mktemp -d /tmp/waspada-bench-pg.XXXXXX)"
    chown postgres "$PG_DIR"
    su postgres -c "/usr/lib/postgresql/15/bin/initdb -D '$PG_DIR/data' --auth=trust -U postgres -E UTF8" > "$RESULTS/pg-initdb.log"
    su postgres -c "/usr/lib/postgresql/15/bin/pg_ctl -D '$PG_DIR/data' -l '$PG_DIR/server.log' -w \
      -o '-p $PG_PORT -h 127.0.0.1 -k $PG_DIR -c shared_buffers=1GB -c max_wal_size=4GB' start" > /dev/null
    su postgres -c "/usr/lib/postgresql/15/bin/createdb -h 127.0.0.1 -p $PG_PORT waspada_bench"
    PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/waspada_bench"
    record step=pg_server version="$(/usr/lib/postgresql/15/bin/postgres --version)" \
      settings="shared_buffers=1GB max_wal_size=4GB, otherwise defaults (fsync on, synchronous_commit on)"
  fi
  log "PostgreSQL import"
  rm -rf "$OUT/pg"
  import_all postgres --data "$OUT/pg" --database-url "$PG_URL"
fi

if [[ $SKIP_HTTP == 0 ]]; then
  log "HTTP lookup: waspada serve on 127.0.0.1:$PORT over $SQLITE_DATA"
  [[ -f "$SQLITE_DATA/waspada.db" || -n "$(ls -A "$SQLITE_DATA" 2>/dev/null)" ]] || {
    echo "no store at $SQLITE_DATA: run the SQLite import first" >&2; exit 1; }
  password="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  if ! printf '%s\n' "$password" | "$WASPADA" admin create-user --data "$SQLITE_DATA" --username bench --role officer >/dev/null 2>"$RESULTS/create-user.log"; then
    # Already there from an earlier run against the same store: use a fresh name.
    BENCH_USER="bench$RANDOM"
    printf '%s\n' "$password" | "$WASPADA" admin create-user --data "$SQLITE_DATA" --username "$BENCH_USER" --role officer >/dev/null
  else
    BENCH_USER=bench
  fi
  nice -n "$NICE" "$WASPADA" serve --data "$SQLITE_DATA" --addr "127.0.0.1:$PORT" > "$RESULTS/serve.log" 2>&1 &
  SERVER_PID=$!
  PIDS_TO_STOP+=("$SERVER_PID")
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$RESULTS/serve.log" >&2; echo "server died" >&2; exit 1; }
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null
  TOKEN="$(curl -fsS -X POST -H 'content-type: application/json' \
    --data "{\"username\":\"$BENCH_USER\",\"password\":\"$password\"}" \
    "http://127.0.0.1:$PORT/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
  # 10,000 lookups of existing records: half by NIK, half by passport number, shuffled.
  python3 - "$DATA" "$RESULTS/paths.txt" "$SEED" <<'PY'
import random, sys
data, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = random.Random(seed)
niks = open(f"{data}/niks.txt").read().split()
passports = open(f"{data}/passports.txt").read().split()
paths = [f"/api/v1/persons/by-nik/{n}" for n in rng.sample(niks, min(5000, len(niks)))]
paths += [f"/api/v1/documents/{p}" for p in rng.sample(passports, min(5000, len(passports)))]
rng.shuffle(paths)
open(out, "w").write("\n".join(paths) + "\n")
PY
  # Sanity: one of each must be found.
  for p in "$(grep -m1 by-nik "$RESULTS/paths.txt")" "$(grep -m1 documents "$RESULTS/paths.txt")"; do
    curl -fsS -o /dev/null -H "authorization: Bearer $TOKEN" -H 'x-purpose: benchmark' "http://127.0.0.1:$PORT$p"
  done
  for rate in $RATES; do
    wait_for_quiet
    before="$(uptime_line)"
    cpu0="$(cpu_seconds "$SERVER_PID")"
    WASPADA_TOKEN="$TOKEN" nice -n "$NICE" "$LOADGEN" --url "http://127.0.0.1:$PORT" --rate "$rate" --duration "$DURATION" \
      --warmup "$WARMUP" --purpose benchmark --paths "$RESULTS/paths.txt" --connections 64 \
      --label "lookup-$rate" --timeline > "$RESULTS/lookup-$rate.json" 2> "$RESULTS/lookup-$rate.txt"
    cpu1="$(cpu_seconds "$SERVER_PID")"
    cat "$RESULTS/lookup-$rate.txt" >&2
    python3 - "$JSONL" "$RESULTS/lookup-$rate.json" "$before" "$(uptime_line)" "$cpu0" "$cpu1" "$DURATION" "$WARMUP" "$NICE" <<'PY'
import json, sys
jsonl, result, before, after, cpu0, cpu1, duration, warmup, nice = sys.argv[1:]
obj = json.loads(open(result).read())
obj.update(step="lookup", uptime_before=before, uptime_after=after, nice=int(nice),
           server_cpu_percent=round(100 * (float(cpu1) - float(cpu0)) / (float(duration) + float(warmup)), 1))
open(jsonl, "a").write(json.dumps(obj) + "\n")
PY
  done
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  record step=wal_after_lookups \
    bytes="$( [[ -f "$SQLITE_DATA/waspada.db-wal" ]] && stat -c %s "$SQLITE_DATA/waspada.db-wal" || echo 0)"
fi

# ---------------------------------------------------------------------------------------------
log "summary ($JSONL)"
python3 bench/summarise.py "$JSONL" --print
if [[ $DOCS == 1 ]]; then
  python3 bench/summarise.py "$JSONL" --docs docs/benchmarks.md
  echo "docs/benchmarks.md: results block rewritten" >&2
fi
