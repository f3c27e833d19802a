#!/usr/bin/env python3
"""Benchmark fixture generator for Waspada (bench/run.sh).

This is NOT the product's synthetic-data generator (that is a later issue): it writes large,
valid, boring CSV files as fast as possible so that the import and lookup benchmarks have
something realistic in shape to chew on. Standard library only (Python 3.11).

    python3 bench/gen_data.py --persons N --crossings M --out DIR --seed S

Writes, in DIR:

* persons.csv   - N persons with valid, unique NIKs from Kabupaten Bengkulu Tengah
                  (district codes 170901..170911). The NIK's DDMMYY agrees with date_of_birth
                  (day + 40 for women) and the sex column; serials are 0001..9999.
* documents.csv - one valid IDN passport per person (number ``C`` + 7 digits, unique),
                  holder_nik = the person's NIK, expiry after issue.
* crossings.csv - M exits/entries at CGK/BTH/DUM/KNO/PDG on those passports, with strictly
                  increasing timestamps, so every (document, direction, checkpoint, time) is unique.

Also writes ``niks.txt`` and ``passports.txt`` (one per line, same order as the CSVs) so that the
lookup benchmark can pick existing records without re-parsing the CSVs.

The output is deterministic for a given seed and sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time

DISTRICTS = [f"1709{i:02d}" for i in range(1, 12)]

GIVEN_M = [
    "Budi", "Agus", "Joko", "Andi", "Rudi", "Hendra", "Dedi", "Eko", "Bambang", "Slamet",
    "Rahmat", "Yusuf", "Arif", "Fajar", "Irfan", "Dimas", "Rizky", "Hadi", "Sutrisno", "Wahyu",
]
GIVEN_F = [
    "Siti", "Sri", "Dewi", "Ani", "Rina", "Wati", "Yuni", "Lestari", "Putri", "Indah",
    "Nur", "Fitri", "Ratna", "Maya", "Ayu", "Intan", "Kartini", "Sari", "Rahayu", "Endang",
]
FAMILY = [
    "Santoso", "Wijaya", "Saputra", "Hidayat", "Kurniawan", "Setiawan", "Pratama", "Nugroho",
    "Siregar", "Nasution", "Harahap", "Lubis", "Simanjuntak", "Hasibuan", "Rangkuti", "Sembiring",
    "Suryadi", "Halim", "Gunawan", "Firmansyah", "Syahputra", "Ramadhan", "Effendi", "Marpaung",
]
CHECKPOINTS = ["CGK", "BTH", "DUM", "KNO", "PDG"]
CARRIERS = [("GA", "Garuda Indonesia"), ("JT", "Lion Air"), ("QG", "Citilink"), ("ID", "Batik Air"),
            ("FERRY", "Batam Fast"), ("FERRY", "Dumai Line")]

PERSON_HEADER = "nik,full_name,aliases,date_of_birth,sex,region_code,phones,address\n"
DOCUMENT_HEADER = ("kind,number,issuing_state,holder_nik,surname,given_names,issuing_office,"
                   "issue_date,expiry_date,status,status_reason,status_changed_at\n")
CROSSING_HEADER = ("direction,checkpoint,crossed_at,carrier,voyage,document_number,"
                   "document_issuing_state,companions\n")

CHUNK = 20_000


def write_lines(path: str, header: str, rows) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(header)
        buffer = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= CHUNK:
                out.write("".join(buffer))
                count += len(buffer)
                buffer.clear()
        out.write("".join(buffer))
        count += len(buffer)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--crossings", type=int, default=1_000_000)
    parser.add_argument("--out", default="bench/out/data")
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args(argv)
    if args.persons < 1 or args.crossings < 0:
        parser.error("--persons must be at least 1 and --crossings at least 0")
    if args.persons > 9_000_000:
        parser.error("--persons: at most 9,000,000 (passport numbers have 7 digits)")

    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    started = time.monotonic()

    # Birth dates 1950-01-01 .. 2005-12-31 (everyone is an adult who may travel).
    first_day = dt.date(1950, 1, 1).toordinal()
    last_day = dt.date(2005, 12, 31).toordinal()
    iso_dates = {}  # ordinal -> (YYYY-MM-DD, DDMMYY for men, DDMMYY for women)

    def date_parts(ordinal: int):
        parts = iso_dates.get(ordinal)
        if parts is None:
            d = dt.date.fromordinal(ordinal)
            yy = d.year % 100
            parts = (d.isoformat(), f"{d.day:02d}{d.month:02d}{yy:02d}", f"{d.day + 40:02d}{d.month:02d}{yy:02d}")
            iso_dates[ordinal] = parts
        return parts

    serials: dict[str, int] = {}
    niks: list[str] = []
    person_rows: list[str] = []
    rand = rng.random
    randrange = rng.randrange
    while len(niks) < args.persons:
        district = DISTRICTS[randrange(len(DISTRICTS))]
        female = rand() < 0.5
        iso, ddmmyy_m, ddmmyy_f = date_parts(randrange(first_day, last_day + 1))
        prefix = district + (ddmmyy_f if female else ddmmyy_m)
        serial = serials.get(prefix, 0) + 1
        if serial > 9999:
            continue
        serials[prefix] = serial
        nik = f"{prefix}{serial:04d}"
        niks.append(nik)
        given = (GIVEN_F if female else GIVEN_M)[randrange(20)]
        family = FAMILY[randrange(len(FAMILY))]
        region = district if rand() < 0.7 else ""
        person_rows.append(f"{nik},{given} {family},,{iso},{'F' if female else 'M'},{region},,\n")
    n_persons = write_lines(os.path.join(args.out, "persons.csv"), PERSON_HEADER, person_rows)
    del person_rows

    # Passports: C + 7 unique digits, drawn without replacement.
    numbers = rng.sample(range(1_000_000, 10_000_000), args.persons)
    passports = [f"C{n:07d}" for n in numbers]
    issue_first = dt.date(2019, 1, 1).toordinal()
    issue_span = dt.date(2025, 12, 31).toordinal() - issue_first

    def document_rows():
        for nik, number in zip(niks, passports):
            issued = dt.date.fromordinal(issue_first + randrange(issue_span))
            years = 10 if rand() < 0.8 else 5
            day = 28 if (issued.month == 2 and issued.day == 29) else issued.day
            expiry = dt.date(issued.year + years, issued.month, day) - dt.timedelta(days=1)
            yield f"passport,{number},IDN,{nik},,,KANIM BENGKULU,{issued.isoformat()},{expiry.isoformat()},valid,,\n"

    n_documents = write_lines(os.path.join(args.out, "documents.csv"), DOCUMENT_HEADER, document_rows())

    # Crossings: timestamps strictly increase (1-59 s apart), so no two rows share a natural key.
    start = dt.datetime(2024, 1, 1, 0, 0, 0)

    def crossing_rows():
        at = start
        n = len(passports)
        step = dt.timedelta(seconds=1)
        for i in range(args.crossings):
            at += step * (1 + randrange(59))
            code, _name = CARRIERS[randrange(len(CARRIERS))]
            voyage = f"{code}{100 + randrange(900)}"
            direction = "exit" if i % 2 == 0 else "entry"
            yield (f"{direction},{CHECKPOINTS[randrange(5)]},{at.strftime('%Y-%m-%dT%H:%M:%SZ')},"
                   f"{_name},{voyage},{passports[randrange(n)]},IDN,\n")

    n_crossings = write_lines(os.path.join(args.out, "crossings.csv"), CROSSING_HEADER, crossing_rows())

    with open(os.path.join(args.out, "niks.txt"), "w", encoding="ascii") as out:
        out.write("\n".join(niks) + "\n")
    with open(os.path.join(args.out, "passports.txt"), "w", encoding="ascii") as out:
        out.write("\n".join(passports) + "\n")

    print(
        f"gen_data: {n_persons} persons, {n_documents} documents, {n_crossings} crossings in {args.out} "
        f"({time.monotonic() - started:.1f} s, seed {args.seed})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
