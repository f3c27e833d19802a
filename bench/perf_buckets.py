#!/usr/bin/env python3
"""Attributes `perf` samples of a waspada run to coarse phases (for the benchmark write-up).

    perf record -F 99 --call-graph dwarf,16384 -o run.perf -- waspada import ...
    perf script -i run.perf | python3 bench/perf_buckets.py

Each sample's stack is searched from the leaf outwards; the first frame matching one of the
patterns below names the sample's phase (the HTTP/runtime patterns count only when nothing else
matches), so a sample is charged to the most specific phase that
encloses it (SQL text built inside the name-index insert counts as "SQL text", not as "name
index"). Percentages are of all samples (both threads, on-CPU time only: `perf` with the
cpu-clock event does not see time spent waiting for fsync). Standard library only.
"""

from __future__ import annotations

import collections
import re
import sys

# (phase, regex on a frame's symbol), most specific first is NOT required: the leaf-most match wins.
PHASES = [
    ("parse+validate rows (CSV reader thread; domain checks)", r"waspada_formats::|csv::|waspada_domain::|waspada_nik::"),
    ("seal: XChaCha20-Poly1305 + getrandom", r"seal::encrypt|seal::decrypt|seal::random_nonce|getrandom"),
    ("HMAC blind indexes / content MAC", r"Keyring::mac|Keyring::blind_index|content_mac|nik_bidx|doc_key|number_bidx|name_bidxs"),
    ("serde_json (plaintext)", r"serde_json::"),
    ("SQL text building (tuples/placeholders/format)", r"backend::tuples|backend::placeholders|sqlite_sql"),
    ("statement prepare", r"sqlite3_prepare|sqlite3LockAndPrepare|prepare_cached"),
    ("data keys: SELECT/INSERT data_keys", r"subject_keys|keys_by_id"),
    ("name/phone index INSERTs", r"insert_index_rows"),
    ("existing-row SELECT (natural keys)", r"existing_rows"),
    ("referenced-row SELECT (persons/documents)", r"person_ids|documents_by_key"),
    ("audit append", r"audit::record|audit_import|audit_read"),
    ("COMMIT (WAL write, checkpoint, fsync)", r"Transaction::commit|sqlite3WalCheckpoint|walCheckpoint"),
    ("WAL append (commit or page-cache spill)", r"pagerWalFrames|sqlite3WalFrames|walChecksumBytes"),
    ("main-table INSERT", r"insert_new"),
    ("upsert bookkeeping", r"::upsert"),
    ("import bookkeeping (row maps, link cache)", r"import_records|::import_(persons|documents|applications|crossings|watchlist)"),
    ("token check (user_by_token)", r"user_by_token"),
    ("lookup: SELECT + open sealed row", r"person_by_nik|documents_by_number|select_sealed|open_rows|person_by_id"),
    ("JSON response (DTO + serde)", r"waspada_server::dto|axum::json|IntoResponse"),
]
# Only when no phase above matches anywhere in the stack: the HTTP stack and runtime around them.
FALLBACK = [
    ("HTTP / tokio / hyper / axum (outside the store)", r"hyper::|hyper_util::|tokio::|axum::|tower|waspada_server::"),
]
COMPILED = [(name, re.compile(p)) for name, p in PHASES]
COMPILED_FALLBACK = [(name, re.compile(p)) for name, p in FALLBACK]


def main() -> int:
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    stack: list[str] = []

    def finish() -> None:
        nonlocal total
        if not stack:
            return
        total += 1
        for table in (COMPILED, COMPILED_FALLBACK):
            for frame in stack:  # leaf first, as perf script prints it
                for name, pattern in table:
                    if pattern.search(frame):
                        counts[name] += 1
                        return
        counts["unattributed (stack too deep to unwind: SQLite/kernel)"] += 1

    for line in sys.stdin:
        if not line.strip():
            finish()
            stack = []
            continue
        if line[0] not in " \t":
            continue  # the sample header line
        parts = line.strip().split(None, 1)
        if len(parts) == 2:
            stack.append(parts[1])
    finish()
    if total == 0:
        print("no samples", file=sys.stderr)
        return 1
    width = max(len(k) for k in counts)
    for name, n in counts.most_common():
        print(f"{name:<{width}}  {100 * n / total:5.1f}%  ({n} samples)")
    print(f"{'total':<{width}}  100.0%  ({total} samples)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
