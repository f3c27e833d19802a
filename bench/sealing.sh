#!/usr/bin/env bash
# What sealing costs (issue 6: at most 10 % of import and lookup throughput). Runs the SQLite part
# of bench/run.sh (imports of 1,000,000 persons, documents and crossings, then HTTP lookups) with
# the normal build and with a build whose sealing is off (cargo feature `insecure-no-sealing`,
# benchmarks only: records and keys stored in clear), one after the other on the same data, and
# prints the comparison.
#
#   bench/sealing.sh [--rates "1000 2000"] [--duration S]
#
# The unsealed binary lives in target/no-sealing and refuses to open a store unless
# WASPADA_BENCH_NO_SEALING=1, which only this script sets.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RATES="1000 2000"
DURATION=30
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rates) RATES="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
OUT="$ROOT/bench/out/sealing"
mkdir -p "$OUT"
cargo build --release -p waspada
CARGO_TARGET_DIR="$ROOT/target/no-sealing" cargo build --release -p waspada --features insecure-no-sealing
for variant in sealed unsealed; do
  if [[ $variant == sealed ]]; then bin="$ROOT/target/release/waspada"; flag=0; else bin="$ROOT/target/no-sealing/release/waspada"; flag=1; fi
  before="$(ls "$ROOT"/bench/out/results/run-*.jsonl 2>/dev/null | sort | tail -1 || true)"
  WASPADA_BENCH_NO_SEALING=$flag bench/run.sh --waspada "$bin" --skip-pg --no-docs --rates "$RATES" \
    --duration "$DURATION" --max-load 1.5 > "$OUT/$variant.log" 2>&1
  after="$(ls "$ROOT"/bench/out/results/run-*.jsonl | sort | tail -1)"
  [[ "$after" != "$before" ]] || { echo "no results from the $variant run: see $OUT/$variant.log" >&2; exit 1; }
  cp "$after" "$OUT/$variant.jsonl"
done
# The last store there holds records in clear: nobody should mistake it for a benchmark store.
rm -rf "$ROOT/bench/out/sqlite"
python3 - "$OUT/sealed.jsonl" "$OUT/unsealed.jsonl" <<'PY' | tee "$OUT/summary.md"
import json, sys
def load(path):
    rows = [json.loads(l) for l in open(path) if l.strip()]
    imports = {r["file"]: float(r["rows"]) / float(r["wall_s"]) for r in rows if r.get("step") == "import" and r.get("backend") == "sqlite"}
    lookups = {}
    for r in rows:
        if r.get("step") == "lookup":
            rate = r.get("target_rate") or r.get("rate")
            lookups[int(rate)] = r
    return imports, lookups
(si, sl), (ui, ul) = load(sys.argv[1]), load(sys.argv[2])
print("| measure | sealed | unsealed (benchmark build) | cost of sealing |")
print("|---|---:|---:|---:|")
for f in ["persons", "documents", "crossings"]:
    if f in si and f in ui:
        print(f"| import {f}, rows/s | {si[f]:,.0f} | {ui[f]:,.0f} | {100 * (1 - si[f] / ui[f]):.1f} % |")
for rate in sorted(sl):
    if rate not in ul: continue
    s, u = sl[rate], ul[rate]
    def cpu_us(r): return 1e6 * r["server_cpu_percent"] / 100 / rate
    print(f"| lookups at {rate}/s: server CPU per lookup, µs | {cpu_us(s):.0f} | {cpu_us(u):.0f} | {100 * (cpu_us(s) / cpu_us(u) - 1):.1f} % |")
    print(f"| lookups at {rate}/s: p50 / p99 ms | {s['p50_ms']} / {s['p99_ms']} | {u['p50_ms']} / {u['p99_ms']} | — |")
PY
