#!/usr/bin/env bash
# What sealing costs on the import it costs most (persons: a new data key, wrapped, and a sealed
# record per row), measured as alternating pairs so that drift on a shared machine hits both
# builds alike. Needs bench/out/data/persons.csv (bench/run.sh makes it) and the two release
# builds that bench/sealing.sh makes (target/release and target/no-sealing/release).
#
#   bench/sealing-persons.sh [--pairs N] [--rows N]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PAIRS=5
ROWS=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --pairs) PAIRS="$2"; shift ;;
    --rows) ROWS="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
SEALED="$ROOT/target/release/waspada"
UNSEALED="$ROOT/target/no-sealing/release/waspada"
[[ -x "$SEALED" && -x "$UNSEALED" ]] || { echo "build both first (see bench/sealing.sh)" >&2; exit 1; }
INPUT="$ROOT/bench/out/data/persons.csv"
[[ -f "$INPUT" ]] || { echo "no $INPUT: run bench/run.sh once" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
if [[ "$ROWS" -gt 0 ]]; then head -n $((ROWS + 1)) "$INPUT" > "$WORK/persons.csv"; INPUT="$WORK/persons.csv"; fi
RESULTS="$WORK/results.tsv"
for pair in $(seq 1 "$PAIRS"); do
  for variant in sealed unsealed; do
    rm -rf "$WORK/data"
    if [[ $variant == sealed ]]; then bin="$SEALED"; flag=0; else bin="$UNSEALED"; flag=1; fi
    WASPADA_BENCH_NO_SEALING=$flag /usr/bin/time -f "$pair\t$variant\t%e\t%U\t%S" -a -o "$RESULTS" \
      "$bin" import --data "$WORK/data" "$INPUT" > /dev/null 2>&1
  done
done
rm -rf "$WORK/data"
python3 - "$RESULTS" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
runs = {}
for pair, variant, wall, user, system in rows:
    runs.setdefault(int(pair), {})[variant] = (float(wall), float(user) + float(system))
print("| pair | sealed wall s | unsealed wall s | cost (throughput) | sealed CPU s | unsealed CPU s | cost (CPU) |")
print("|---:|---:|---:|---:|---:|---:|---:|")
costs, cpu_costs = [], []
for pair in sorted(runs):
    s, u = runs[pair]["sealed"], runs[pair]["unsealed"]
    cost, cpu = 100 * (1 - u[0] / s[0]), 100 * (s[1] / u[1] - 1)
    costs.append(cost); cpu_costs.append(cpu)
    print(f"| {pair} | {s[0]:.2f} | {u[0]:.2f} | {cost:.1f} % | {s[1]:.1f} | {u[1]:.1f} | {cpu:.1f} % |")
print(f"\nmedian cost of sealing: {statistics.median(costs):.1f} % of throughput (range {min(costs):.1f} to {max(costs):.1f} %), "
      f"{statistics.median(cpu_costs):.1f} % more CPU")
PY
