#!/usr/bin/env bash
# Counter-check latency (issue 4): POST /api/v1/checks against a store of N synthetic persons.
#
#   bench/checks.sh [--persons 1000000] [--rates "200 400"] [--duration 30] [--waspada BIN]
#
# 1. `waspada generate` N persons (seed 4) and `waspada import` them into a fresh SQLite store;
# 2. `waspada serve`: time from start until /healthz answers (the engine loads the watchlist
#    index, the risk facts and the persons' name index before listening), and its memory;
# 3. the open-loop load generator (bench/loadgen, coordinated-omission corrected) sends checks:
#    a third by NIK with the application being decided, a third by NIK alone, a third by MRZ.
# Results: bench/out/checks/results.jsonl.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PERSONS=1000000 RATES="200 400" DURATION=30 WARMUP=5 WASPADA="" PORT=18282
while [[ $# -gt 0 ]]; do
  case "$1" in
    --persons) PERSONS="$2"; shift ;;
    --rates) RATES="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --waspada) WASPADA="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ -z "$WASPADA" ]]; then
  cargo build --release --locked -q
  WASPADA="$ROOT/target/release/waspada"
fi
LOADGEN="$ROOT/target/loadgen/release/waspada-loadgen"
(cd bench/loadgen && CARGO_TARGET_DIR="$ROOT/target/loadgen" cargo build --release -q)
OUT="$ROOT/bench/out/checks"
rm -rf "$OUT"; mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
"$WASPADA" generate --seed 4 --persons "$PERSONS" --out "$OUT/world" 2> "$OUT/generate.log"
start=$(date +%s.%N)
"$WASPADA" import --data "$OUT/data" "$OUT/world" 2> "$OUT/import.log"
end=$(date +%s.%N)
echo "{\"bench\":\"import_world\",\"persons\":$PERSONS,\"seconds\":$(python3 -c "print(round($end-$start,1))")}" | tee -a "$RESULTS"
echo 'benchmark-password-123' | "$WASPADA" admin create-user --data "$OUT/data" --username bench --role officer > /dev/null

start=$(date +%s.%N)
WASPADA_LOG=warn "$WASPADA" serve --data "$OUT/data" --addr "127.0.0.1:$PORT" > "$OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
until curl -fs "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1; do
  sleep 0.2
  kill -0 "$SERVER" 2>/dev/null || { cat "$OUT/serve.log"; exit 1; }
done
end=$(date +%s.%N)
rss=$(ps -o rss= -p "$SERVER" | tr -d ' ')
echo "{\"bench\":\"serve_ready\",\"persons\":$PERSONS,\"seconds\":$(python3 -c "print(round($end-$start,1))"),\"rss_kib\":$rss}" | tee -a "$RESULTS"

TOKEN=$(curl -fs "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"bench","password":"benchmark-password-123"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
python3 - "$OUT/world" "$OUT/paths.txt" <<'PY'
import csv, json, random, sys
world, out = sys.argv[1], sys.argv[2]
random.seed(4)
apps = list(csv.DictReader(open(f"{world}/applications.csv")))
persons = [r["nik"] for r in csv.DictReader(open(f"{world}/persons.csv"))]
zones = list(csv.DictReader(open(f"{world}/truth/mrz.csv")))
with open(out, "w") as f:
    for i in range(6000):
        kind = i % 3
        if kind == 0:
            a = random.choice(apps)
            body = {"nik": a["applicant_nik"], "application_reference": a["reference"]}
        elif kind == 1:
            body = {"nik": random.choice(persons)}
        else:
            z = random.choice(zones)
            body = {"mrz": z["line1"] + "\n" + z["line2"]}
        f.write("POST /api/v1/checks " + json.dumps(body) + "\n")
PY
for rate in $RATES; do
  "$LOADGEN" --url "http://127.0.0.1:$PORT" --rate "$rate" --duration "$DURATION" --warmup "$WARMUP" \
    --token "$TOKEN" --purpose "benchmark counter check" --paths "$OUT/paths.txt" --connections 64 \
    --label "checks@$rate" 2> "$OUT/loadgen-$rate.log" | tee -a "$RESULTS"
done
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
