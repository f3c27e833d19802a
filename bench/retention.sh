#!/usr/bin/env bash
# Retention of traveller records at bench volume: a copy of the 1,000,000-person SQLite store that
# bench/run.sh builds (bench/out/sqlite), then
#   1. a dry run on the store as imported (keys still under the master key),
#   2. the first run, which files every traveller key under the month it falls due,
#   3. a second run (steady state: nothing to move),
#   4. every N-th person's records moved back to 2014 (as if last active then), a dry run, and
#   5. the run that shreds them.
# Prints wall time and peak memory of each step and what the run reported.
#
#   bench/retention.sh [--store DIR] [--due-every N]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SOURCE="$ROOT/bench/out/sqlite"
EVERY=10
while [[ $# -gt 0 ]]; do
  case "$1" in
    --store) SOURCE="$2"; shift ;;
    --due-every) EVERY="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
BIN="$ROOT/target/release/waspada"
[[ -x "$BIN" ]] || { echo "build first: cargo build --release -p waspada" >&2; exit 1; }
[[ -f "$SOURCE/waspada.db" ]] || { echo "no store in $SOURCE: run bench/run.sh once" >&2; exit 1; }
WORK="$(mktemp -d "$ROOT/target/retention-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/data"
cp "$SOURCE"/waspada.db* "$SOURCE/master.key" "$WORK/data/"
[[ -f "$SOURCE/retention.keys" ]] && cp "$SOURCE/retention.keys" "$WORK/data/"
chmod 600 "$WORK/data/master.key"

step() {
  local name="$1"; shift
  /usr/bin/time -f "%e\t%M" -o "$WORK/time" "$BIN" "$@" --data "$WORK/data" > "$WORK/out" 2> "$WORK/err" || {
    cat "$WORK/err" >&2; exit 1; }
  local wall rss
  wall="$(cut -f1 "$WORK/time")"; rss="$(cut -f2 "$WORK/time")"
  printf '%s\t%s s\t%s MB\t%s\n' "$name" "$wall" "$((rss / 1024))" "$(grep -E '^(dry run|retention|traveller records)' "$WORK/out" | tr '\n' ' ')"
}

python3 - "$WORK/data/waspada.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("persons", "documents", "applications", "crossings", "data_keys")}
print("store:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
PY
printf 'step\twall\tpeak RSS\treport\n'
step "dry run, keys under the master key" admin retention --dry-run
step "first run (files every key under its month)" admin retention
step "second run (steady state)" admin retention
python3 - "$WORK/data/waspada.db" "$EVERY" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
every = int(sys.argv[2])
old = "2014-01-01T00:00:00Z"
with db:
    db.execute(f"UPDATE persons SET updated_at = ? WHERE id % {every} = 0", (old,))
    db.execute(f"UPDATE documents SET updated_at = ? WHERE person_id % {every} = 0", (old,))
    db.execute(f"UPDATE applications SET updated_at = ?, applied_on = '2014-01-01', decided_at = NULL WHERE person_id % {every} = 0", (old,))
    db.execute(f"UPDATE crossings SET crossed_at = ?, updated_at = ? WHERE person_id % {every} = 0", (old, old))
print("moved back to 2014:", db.execute(f"SELECT COUNT(*) FROM persons WHERE id % {every} = 0").fetchone()[0], "persons")
PY
step "dry run, 1 in $EVERY persons due" admin retention --dry-run
step "run that shreds them" admin retention
python3 - "$WORK/data/waspada.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("persons", "documents", "applications", "crossings", "data_keys")}
print("store after:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
PY
