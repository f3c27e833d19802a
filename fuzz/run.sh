#!/usr/bin/env bash
# Runs every fuzz target for a fixed time budget and writes fuzz/out/summary.md.
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     # default 600 s (10 minutes) each, all targets
#   JOBS=2 fuzz/run.sh 600                           # targets run two at a time (one core each)
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Each target starts from
# fuzz/seeds/<target> (checked in) and keeps what it finds in fuzz/corpus/<target> (ignored by git).
# A crash leaves its input in fuzz/artifacts/<target>/ and makes this script exit non-zero.
set -euo pipefail
cd "$(dirname "$0")"
BUDGET="${1:-600}"
shift || true
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=(mrz_check nik_parse csv_import json_import name_analyse)
JOBS="${JOBS:-2}"
mkdir -p out
cargo +nightly fuzz build -O
run_one() {
  local target="$1"
  mkdir -p "corpus/$target"
  local started; started="$(date -u +%FT%TZ)"
  if cargo +nightly fuzz run -O "$target" "corpus/$target" "seeds/$target" -- \
      -max_total_time="$BUDGET" -print_final_stats=1 -rss_limit_mb=2048 -max_len=4096 > "out/$target.log" 2>&1; then
    status=ok
  else
    status=CRASH
  fi
  local runs; runs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "out/$target.log" | grep -Eo '[0-9]+$' | tail -1)"
  local cov; cov="$(grep -Eo 'cov: [0-9]+' "out/$target.log" | tail -1 | grep -Eo '[0-9]+')"
  local corpus; corpus="$(find "corpus/$target" -type f | wc -l)"
  echo "| $target | $BUDGET | ${runs:-?} | ${cov:-?} | $corpus | $status | $started |" > "out/$target.row"
}
export -f run_one
export BUDGET
printf '%s\n' "${TARGETS[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one {}'
{
  echo "| target | seconds | executions | coverage (edges) | corpus files | result | started (UTC) |"
  echo "|---|---:|---:|---:|---:|---|---|"
  for t in "${TARGETS[@]}"; do cat "out/$t.row"; done
} > out/summary.md
cat out/summary.md
! grep -q CRASH out/summary.md
