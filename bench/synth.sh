#!/usr/bin/env bash
# Synthetic-data benchmarks (issue 3):
#   1. `waspada generate` at 1,000,000 persons: records/s and peak memory (best of 3 runs),
#      and peak memory at 100,000 and 5,000,000 persons to show it stays flat;
#   2. the demo dataset: `waspada demo` on a fresh folder, from start until /healthz answers
#      (generate + import + accounts), best of 3;
#   3. peer: Faker (id_ID) writing persons.csv rows, same run (pip install faker).
#
#   bench/synth.sh [--waspada PATH] [--skip-peer] [--runs N]
# Results: bench/out/synth/results.json and a Markdown table on stdout.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WASPADA=""
SKIP_PEER=0
RUNS=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --waspada) WASPADA="$2"; shift ;;
    --skip-peer) SKIP_PEER=1 ;;
    --runs) RUNS="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ -z "$WASPADA" ]]; then
  cargo build --release --locked -q
  WASPADA="$ROOT/target/release/waspada"
fi
OUT="$ROOT/bench/out/synth"
rm -rf "$OUT"; mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"

# generate N RUN -> one JSON line with seconds, records, peak RSS
gen() {
  local n="$1" run="$2" dir="$OUT/gen-$1"
  rm -rf "$dir"
  /usr/bin/time -f '%e %M' -o "$OUT/time.txt" "$WASPADA" generate --seed 42 --persons "$n" --out "$dir" 2> "$OUT/gen.log"
  local records; records=$(python3 -c "import json;print(json.load(open('$dir/manifest.json'))['records'])")
  read -r secs kb < "$OUT/time.txt"
  echo "{\"bench\":\"generate\",\"persons\":$n,\"run\":$run,\"seconds\":$secs,\"records\":$records,\"peak_rss_kib\":$kb}" | tee -a "$RESULTS"
  rm -rf "$dir"
}
for run in $(seq 1 "$RUNS"); do gen 1000000 "$run"; done
gen 100000 1
gen 5000000 1

# The demo: fresh folder to /healthz 200.
PORT=18181
for run in $(seq 1 "$RUNS"); do
  rm -rf "$OUT/demo"
  start=$(date +%s.%N)
  "$WASPADA" demo --data "$OUT/demo" --addr "127.0.0.1:$PORT" > "$OUT/demo.log" 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1; do
    sleep 0.05
    kill -0 "$pid" 2>/dev/null || { cat "$OUT/demo.log"; exit 1; }
  done
  end=$(date +%s.%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  persons=$(python3 -c "import json;print(json.load(open('$OUT/demo/generated/manifest.json'))['persons'])")
  records=$(python3 -c "import json;print(json.load(open('$OUT/demo/generated/manifest.json'))['records'])")
  secs=$(python3 -c "print(round($end - $start, 2))")
  echo "{\"bench\":\"demo_first_start\",\"run\":$run,\"persons\":$persons,\"records\":$records,\"seconds\":$secs}" | tee -a "$RESULTS"
done
rm -rf "$OUT/demo"

if [[ $SKIP_PEER == 0 ]]; then
  python3 -c "import faker" 2>/dev/null || pip install -q faker
  /usr/bin/time -f '%e %M' -o "$OUT/time.txt" python3 bench/faker_peer.py 200000 "$OUT/faker.csv" > "$OUT/faker.json"
  read -r secs kb < "$OUT/time.txt"
  python3 -c "
import json
r = json.load(open('$OUT/faker.json')); r.update(bench='peer_faker_persons', peak_rss_kib=$kb)
print(json.dumps(r))" | tee -a "$RESULTS"
  rm -f "$OUT/faker.csv"
fi

python3 - "$RESULTS" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
gen = [r for r in rows if r["bench"] == "generate"]
best = min((r for r in gen if r["persons"] == 1000000), key=lambda r: r["seconds"])
print("| measurement | result |\n|---|---|")
print(f"| generate 1,000,000 persons ({best['records']:,} records), best of {sum(1 for r in gen if r['persons']==1000000)} | "
      f"{best['seconds']:.2f} s, **{best['records']/best['seconds']:,.0f} records/s**, peak RSS {best['peak_rss_kib']/1024:.0f} MiB |")
for r in gen:
    if r["persons"] != 1000000:
        print(f"| generate {r['persons']:,} persons ({r['records']:,} records) | {r['seconds']:.2f} s, "
              f"{r['records']/r['seconds']:,.0f} records/s, peak RSS {r['peak_rss_kib']/1024:.0f} MiB |")
demo = [r for r in rows if r["bench"] == "demo_first_start"]
if demo:
    b = min(demo, key=lambda r: r["seconds"])
    worst = max(demo, key=lambda r: r["seconds"])
    print(f"| `waspada demo` on a fresh folder until /healthz answers ({b['persons']:,} persons, {b['records']:,} records) | "
          f"**{b['seconds']:.1f} s** best, {worst['seconds']:.1f} s worst of {len(demo)} |")
for r in rows:
    if r["bench"] == "peer_faker_persons":
        print(f"| peer: Faker {r['version']} id_ID, persons.csv rows only | {r['rows_per_s']:,} rows/s, peak RSS {r['peak_rss_kib']/1024:.0f} MiB |")
PY
