#!/usr/bin/env python3
"""Regenerate the Waspada region extract from the npm package `idn-area-data`.

Usage:
    cd /tmp && npm pack idn-area-data@4.0.1 && tar xzf idn-area-data-4.0.1.tgz
    python3 extract.py /tmp/package            # writes next to this script
    python3 extract.py /tmp/package OUT_DIR    # or into OUT_DIR

The argument is the unpacked package directory (the one holding package.json
and data/). Only the Python standard library is used.

Output (UTF-8, "\n" line ends, one header row, codes are digits only -- the
package's dots are removed):
    provinces.csv  code,name                    all provinces      (2 digits)
    regencies.csv  code,province_code,name      all regencies      (4 digits)
    districts.csv  code,regency_code,name       Bengkulu (17) only (6 digits)
    villages.csv   code,district_code,name      Bengkulu (17) only (10 digits)
    LICENSE-ODbL.md                             verbatim copy of data/LICENSE.md

The Rust crate `waspada-nik` splits these files on "," by hand, so this script
refuses names containing a comma, a double quote or a line break, and refuses
codes that are not digits of the expected length or do not start with their
parent's code.
"""

import csv
import json
import shutil
import sys
from pathlib import Path

PROVINCE = "17"  # Bengkulu

# file name -> (source columns, code length, parent column, parent code length, filter to Bengkulu)
LEVELS = [
    ("provinces.csv", ["code", "name"], 2, None, None, False),
    ("regencies.csv", ["code", "province_code", "name"], 4, "province_code", 2, False),
    ("districts.csv", ["code", "regency_code", "name"], 6, "regency_code", 4, True),
    ("villages.csv", ["code", "district_code", "name"], 10, "district_code", 6, True),
]


def digits(code: str) -> str:
    return code.strip().replace(".", "")


def clean_name(name: str, where: str) -> str:
    cleaned = " ".join(name.split())
    for bad in (",", '"', "\n", "\r"):
        if bad in cleaned:
            sys.exit(f"{where}: name {name!r} contains {bad!r}; the Rust parser cannot read it")
    if not cleaned:
        sys.exit(f"{where}: empty name")
    return cleaned


def main() -> None:
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    package = Path(sys.argv[1])
    out_dir = Path(sys.argv[2]) if len(sys.argv) == 3 else Path(__file__).resolve().parent
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    if meta.get("name") != "idn-area-data":
        sys.exit(f"{package} is not the idn-area-data package")
    print(f"source: {meta['name']} {meta['version']}")

    known: dict[int, set[str]] = {}
    for file_name, columns, length, parent_col, parent_len, bengkulu_only in LEVELS:
        source = package / "data" / file_name
        with source.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                sys.exit(f"{source}: missing columns {missing}; found {reader.fieldnames}")
            rows = []
            for line_no, row in enumerate(reader, start=2):
                where = f"{source}:{line_no}"
                code = digits(row["code"])
                if bengkulu_only and not code.startswith(PROVINCE):
                    continue
                if len(code) != length or not code.isdigit():
                    sys.exit(f"{where}: code {row['code']!r} is not {length} digits")
                out = [code]
                if parent_col is not None:
                    parent = digits(row[parent_col])
                    if len(parent) != parent_len or not code.startswith(parent):
                        sys.exit(f"{where}: parent {row[parent_col]!r} does not prefix {code}")
                    if parent not in known[parent_len]:
                        sys.exit(f"{where}: parent {parent} is not in the previous level")
                    out.append(parent)
                out.append(clean_name(row["name"], where))
                rows.append(out)
        rows.sort(key=lambda r: r[0])
        codes = [r[0] for r in rows]
        if len(set(codes)) != len(codes):
            sys.exit(f"{source}: duplicate codes")
        known[length] = set(codes)
        target = out_dir / file_name
        with target.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
            writer.writerow(["code", *([parent_col] if parent_col else []), "name"])
            writer.writerows(rows)
        print(f"{target}: {len(rows)} rows, {target.stat().st_size} bytes")

    shutil.copyfile(package / "data" / "LICENSE.md", out_dir / "LICENSE-ODbL.md")
    print(f"{out_dir / 'LICENSE-ODbL.md'}: copied from data/LICENSE.md")


if __name__ == "__main__":
    main()
