#!/usr/bin/env bash
# Name-screening benchmark (`waspada screen`) against peers; see bench/screen/README.md.
#
#   bench/screen.sh [--waspada BIN] [--skip-speed] [--core N]
#                   [--speed-persons N] [--speed-queries N]   # smaller speed set for a quick run
#
# 1. builds the release binary (cargo build --release --locked -q) unless --waspada is given;
# 2. bench/screen/make_sets.py: the labelled sets (variants, synthetic) and the 1M speed set;
# 3. bench/screen/score.py: runs `waspada screen` and the peers (rapidfuzz WRatio, nomenklatura
#    LogicV2 / NameMatcher / OFACMatcher) on them.
# Results: bench/out/screen/results.json (+ results.md), Markdown tables on stdout.
# Needs: pip install rapidfuzz nomenklatura name-variants (followthemoney and rigour come with
# nomenklatura). Set generation and the quality part run under nice -n 10; the speed run is
# pinned to one core (taskset -c N, default 0) and not niced, after waiting up to 2 minutes for
# the 1-minute load average to fall below 1.0 (the load is recorded).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WASPADA=""
MAKE_ARGS=()
SCORE_ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --waspada) WASPADA="$2"; shift ;;
    --skip-speed) MAKE_ARGS+=(--skip-speed); SCORE_ARGS+=(--skip-speed) ;;
    --core) SCORE_ARGS+=(--core "$2"); shift ;;
    --speed-persons|--speed-queries) MAKE_ARGS+=("$1" "$2"); shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
python3 -c 'import rapidfuzz, nomenklatura, followthemoney, name_variants, numpy' 2>/dev/null || {
  echo "needs the Python packages rapidfuzz, nomenklatura and name-variants:" >&2
  echo "  pip install rapidfuzz nomenklatura name-variants" >&2
  exit 1
}
if [[ -z "$WASPADA" ]]; then
  cargo build --release --locked -q
  WASPADA="$ROOT/target/release/waspada"
fi
WASPADA="$(cd "$(dirname "$WASPADA")" && pwd)/$(basename "$WASPADA")"
OUT="$ROOT/bench/out/screen"
rm -rf "$OUT"
mkdir -p "$OUT"
start=$(date +%s)
nice -n 10 python3 bench/screen/make_sets.py "$OUT" --waspada "$WASPADA" "${MAKE_ARGS[@]}"
python3 bench/screen/score.py "$OUT" --waspada "$WASPADA" "${SCORE_ARGS[@]}"
echo
echo "results: $OUT/results.json ($(( $(date +%s) - start )) s)"
