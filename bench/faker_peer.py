#!/usr/bin/env python3
"""Peer for `waspada generate`: Faker (locale id_ID) writing the same persons.csv columns.

Faker makes plausible Indonesian names, addresses and phone numbers (its `ssn` is not a NIK) but no households, no
NIK that agrees with the birth date, no travel and no planted patterns, so it does strictly less
work per row; it is here as the common yardstick for "how fast does a synthetic-data tool go".

    python3 bench/faker_peer.py N OUT.csv      # prints rows/s as JSON
"""
import csv
import json
import sys
import time

from faker import Faker


def main() -> None:
    n = int(sys.argv[1])
    out = sys.argv[2]
    fake = Faker("id_ID")
    Faker.seed(1)
    started = time.perf_counter()
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["nik", "full_name", "aliases", "date_of_birth", "sex", "region_code", "phones", "address"])
        for _ in range(n):
            sex = "F" if fake.boolean() else "M"
            name = fake.name_female() if sex == "F" else fake.name_male()
            w.writerow([fake.ssn(), name, "", fake.date_of_birth().isoformat(), sex, "", fake.phone_number(),
                        fake.address().replace("\n", ", ")])
    seconds = time.perf_counter() - started
    print(json.dumps({"tool": "faker-id_ID", "version": Faker.__module__ and __import__("faker").VERSION,
                      "rows": n, "seconds": round(seconds, 3), "rows_per_s": round(n / seconds)}))


if __name__ == "__main__":
    main()
