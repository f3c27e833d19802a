#!/usr/bin/env python3
"""Cross-check `waspada mrz check` against an independent MRZ implementation.

The oracle is the PyPI package `mrz` (Iván Rincón, GPL-3.0), installed with
`pip install mrz` (written against 0.6.2). It is used ONLY here, as a test
oracle run by hand or in CI; it is never imported by, linked into, or shipped
with Waspada, whose MRZ code (crates/mrz) is written from ICAO Doc 9303.

What the script does:

1. Generates --count documents (default 3000) with a fixed --seed, spread over
   TD1, TD2 and TD3, with the package's generators (mrz.generator.td1/td2/td3):
   random names (some with accented letters, transliterated by the package),
   document numbers, dates, sexes, optional data and nationality / issuing-state
   codes from the package's own country list.
2. Corrupts half of them: one character at a random position of the zone is
   replaced by a different character of [A-Z0-9<].
3. Gets the oracle's verdict with the package's checkers
   (mrz.checker.td1.TD1CodeChecker, td2.TD2CodeChecker, td3.TD3CodeChecker; for
   a document code starting with V, which a corruption can produce, the visa
   checkers mrva.MRVACodeChecker (2x44) and mrvb.MRVBCodeChecker (2x36)).
4. Pipes all documents to the binary (`BINARY mrz check`, or the
   --example-binary with no subcommand): stdin holds the lines of each document,
   documents separated by a blank line; stdout must hold one JSON object per
   document, in order: {"valid", "format", "fields", "errors", "warnings"}.
5. Requires 100% agreement on "valid"; for the uncorrupted documents it also
   requires the oracle to find them valid and our decoded fields to equal the
   oracle's. Prints up to 20 disagreements, then the line
   `mrz oracle: N passed, M failed`, and exits 1 if any failed.

Apples to apples: what our "valid" means and what the oracle checks
---------------------------------------------------------------------
Ours: the zone has a known shape and alphabet, its structure is right
(document code, state codes, name grammar, non-empty document number, calendar
dates, sex code) and every check digit matches. Implausible but well-formed facts
(expired, expiry before birth, sex X) are warnings.

The oracle's verdict is the AND of every entry its checker records in
`checker.report.fields`, computed with check_expiry=False and
compute_warnings=False (warnings never count), EXCEPT for the following,
each disabled or replaced for a stated reason:

* Date-period rules (disabled). The checker's `_times` turns "expiry date before
  birth date" into an ERROR, using strptime's two-digit-year pivot (69-99 ->
  19xx, so expiry "700101" is read as 1970). For us expiry-before-birth is a
  warning and expiry is always 20YY. `_times` is overridden below so that only
  "is this a calendar date" (strptime) remains, which both sides check. The
  calendar check itself agrees: the only YYMMDD whose validity depends on the
  century is 29 February of year 00, a leap day in 2000, and both sides put it
  in 2000.
* "document type format" (replaced by our rule). The oracle accepts only
  A/C/I (not "AC", nor V in second position) on TD1/TD2 and only P on TD3.
  The project's rule, by design, accepts a first character P, I, A, C or V on
  every size (a mismatch is a warning) and requires the second character to be
  a letter or '<' (Doc 9303 document codes are alphabetic; the oracle accepts
  e.g. "I3"). The replacement is our rule, re-implemented below.
* "valid country code" and "valid nationality code" (replaced by our rule).
  The oracle requires the code to be in its list of real codes; we deliberately
  check only the form (letters then fillers, e.g. "UTO" or "D<<"), so a
  corruption "UTO" -> "UTQ" is valid for us and invalid for the oracle.
  Replacement: the regex [A-Z]+<* over the three characters.
* "valid genre format" (replaced by our rule). The oracle's checker rejects 'X'
  (its string check allows only M, F, '<'); we accept 'X' as unspecified with a
  warning. Replacement: sex in {M, F, <, X}.
* TD1 long document number (replaced when line 1 position 15 is '<'). The
  oracle does not implement Doc 9303 Part 5's convention (a filler in position
  15 means the number continues in positions 16+, followed by its check digit
  and a filler); its "document number hash" entry is then always false. For
  such zones that entry is replaced by the convention, computed with the
  oracle's own `hash_string`. The oracle's generator never produces long
  numbers, so this only matters for corruptions that put a '<' in position 15.

Nothing else is disabled: the oracle's check digits (document number, birth,
expiry, TD3 personal number with its "all fillers and '<'" rule, composite),
its calendar-date test, its name (identifier) grammar, its document-number form
(non-empty, not starting with '<') and its alphabet checks all count.

Not needed although different: Doc 9303 lets a date of birth have unknown
parts written as fillers (YYMM<<, YY<<<<, <<<<<<); we accept that with a
warning, the oracle rejects it. A single-character corruption of a generated
(complete) date cannot produce those patterns, so no case is excluded for it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import string
import subprocess
import sys

try:
    from mrz.base.countries_ops import code_list
    from mrz.base.functions import hash_string
    from mrz.checker.mrva import MRVACodeChecker
    from mrz.checker.mrvb import MRVBCodeChecker
    from mrz.checker.td1 import TD1CodeChecker
    from mrz.checker.td2 import TD2CodeChecker
    from mrz.checker.td3 import TD3CodeChecker
    from mrz.generator.td1 import TD1CodeGenerator
    from mrz.generator.td2 import TD2CodeGenerator
    from mrz.generator.td3 import TD3CodeGenerator
except ImportError:  # pragma: no cover - environment problem
    sys.stderr.write("mrz_oracle: the PyPI package 'mrz' is missing; run: pip install mrz\n")
    sys.exit(2)

ALPHABET = string.ascii_uppercase + string.digits + "<"
ALNUM = string.ascii_uppercase + string.digits
# Accented letters the oracle's latin_based transliteration handles.
ACCENTED = "ÉÈÑÜÖÄÅßÆØÇŁŠŽáéíóúñüöäåæøçłšž"

# Entries of checker.report.fields replaced by our rules (see the docstring).
REPLACED = {
    "document type format",
    "valid country code",
    "valid nationality code",
    "valid genre format",
}


class _CalendarOnlyDates:
    """Replaces the checker's `_times`: keep only "is a calendar date"."""

    def _times(self) -> bool:
        def parses(s: str) -> bool:
            try:
                dt.datetime.strptime(s, "%y%m%d")
                return True
            except ValueError:
                return False

        self._birth_date_check = parses(self._birth_date)
        self._expiry_date_check = parses(self._expiry_date)
        return self._birth_date_check and self._expiry_date_check


# The class names must keep their prefix (TD1, TD2, TD3, MRVA, MRVB) before
# "Code": the package derives the document kind from it.
class TD1CodeCheckerCalendarOnly(_CalendarOnlyDates, TD1CodeChecker):
    pass


class TD2CodeCheckerCalendarOnly(_CalendarOnlyDates, TD2CodeChecker):
    pass


class TD3CodeCheckerCalendarOnly(_CalendarOnlyDates, TD3CodeChecker):
    pass


class MRVACodeCheckerCalendarOnly(_CalendarOnlyDates, MRVACodeChecker):
    pass


class MRVBCodeCheckerCalendarOnly(_CalendarOnlyDates, MRVBCodeChecker):
    pass


# --- our structural rules that replace the oracle's (see the docstring) ------


def our_document_code_ok(code: str) -> bool:
    return code[0] in "PIACV" and (code[1] in string.ascii_uppercase or code[1] == "<")


def our_state_code_ok(code: str) -> bool:
    return re.fullmatch(r"[A-Z]+<*", code) is not None


def our_sex_ok(sex: str) -> bool:
    return sex in ("M", "F", "<", "X")


def td1_long_number_ok(line1: str) -> bool:
    """Doc 9303 Part 5 long document number, with the oracle's hash_string."""
    optional = line1[15:30]
    k = optional.find("<")
    if k < 2:  # no terminator, or no continuation before the check digit
        return False
    return hash_string(line1[5:14] + optional[: k - 1]) == optional[k - 1]


def layout(lines: list[str]):
    """(kind, checker class, document code, states, sex) of a well-shaped zone."""
    if len(lines) == 3:
        return ("TD1", TD1CodeCheckerCalendarOnly, lines[0][0:2],
                (lines[0][2:5], lines[1][15:18]), lines[1][7])
    visa = lines[0][0] == "V"
    if len(lines[0]) == 36:
        cls = MRVBCodeCheckerCalendarOnly if visa else TD2CodeCheckerCalendarOnly
        kind = "TD2"
    else:
        cls = MRVACodeCheckerCalendarOnly if visa else TD3CodeCheckerCalendarOnly
        kind = "TD3"
    return kind, cls, lines[0][0:2], (lines[0][2:5], lines[1][10:13]), lines[1][20]


def oracle_verdict(lines: list[str]):
    """(valid, reasons, checker) with the replacements described above."""
    kind, cls, code, states, sex = layout(lines)
    checker = cls("\n".join(lines))
    reasons = []
    for description, ok in checker.report.fields:
        if description in REPLACED:
            continue
        if description == "document number hash" and kind == "TD1" and lines[0][14] == "<":
            ok = td1_long_number_ok(lines[0])
            description = "document number hash (TD1 long-number convention)"
        if not ok:
            reasons.append(description)
    if not our_document_code_ok(code):
        reasons.append("document code (our rule)")
    for s in states:
        if not our_state_code_ok(s):
            reasons.append("state code %r (our rule)" % s)
    if not our_sex_ok(sex):
        reasons.append("sex (our rule)")
    return not reasons, reasons, checker


# --- document generation with the oracle's generators -----------------------


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def random_word(rng: random.Random) -> str:
    n = rng.randint(1, 9)
    if rng.random() < 0.15:
        return "".join(rng.choice(string.ascii_uppercase + ACCENTED) for _ in range(n))
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(n))


def random_optional(rng: random.Random, max_len: int) -> str:
    n = rng.choice([0, 0, rng.randint(0, max_len)])
    s = "".join(rng.choice(ALNUM) for _ in range(n))
    if len(s) > 2 and rng.random() < 0.2:  # an interior filler now and then
        i = rng.randrange(1, len(s) - 1)
        s = s[:i] + "<" + s[i + 1:]
    return s


def generate_document(rng: random.Random, kind: str, countries: list[str], today: dt.date):
    """The lines of one random document of `kind`, made by the oracle's generator."""
    for _ in range(100):
        surname = " ".join(random_word(rng) for _ in range(rng.randint(1, 2)))
        given = " ".join(random_word(rng) for _ in range(rng.randint(0, 3)))
        number = "".join(rng.choice(ALNUM) for _ in range(rng.randint(1, 9)))
        dob = random_date(rng, dt.date(today.year - 99, 1, 1), today).strftime("%y%m%d")
        expiry = random_date(rng, dt.date(2000, 1, 1), dt.date(2099, 12, 31)).strftime("%y%m%d")
        sex = rng.choice(["M", "F", "<"])
        issuing, nationality = rng.choice(countries), rng.choice(countries)
        try:
            if kind == "TD1":
                gen = TD1CodeGenerator(
                    rng.choice(["I", "ID", "IR", "A", "AB", "C", "CR"]), issuing, number,
                    dob, sex, expiry, nationality, surname, given,
                    optional_data1=random_optional(rng, 15),
                    optional_data2=random_optional(rng, 11))
            elif kind == "TD2":
                gen = TD2CodeGenerator(
                    rng.choice(["I", "ID", "IR", "A", "AB", "C", "CR"]), issuing, surname, given,
                    number, nationality, dob, sex, expiry,
                    optional_data=random_optional(rng, 7))
            else:
                gen = TD3CodeGenerator(
                    rng.choice(["P", "PD", "PO", "PS"]), issuing, surname, given, number,
                    nationality, dob, sex, expiry,
                    optional_data=random_optional(rng, 14))
            lines = str(gen).split("\n")
        except Exception:  # name too long for the format, etc.: draw again
            continue
        return lines
    raise RuntimeError("could not generate a %s document" % kind)


def corrupt(rng: random.Random, lines: list[str]):
    li = rng.randrange(len(lines))
    ci = rng.randrange(len(lines[li]))
    old = lines[li][ci]
    new = rng.choice([c for c in ALPHABET if c != old])
    out = list(lines)
    out[li] = out[li][:ci] + new + out[li][ci + 1:]
    return out, (li + 1, ci + 1, old, new)


# --- comparison ---------------------------------------------------------------


def field_mismatches(ours: dict, checker, kind: str) -> list[str]:
    """Differences between our decoded fields and the oracle's."""
    f = checker.fields()
    theirs = {
        "surname": f.surname,
        "given_names": f.name,
        "issuing_state": f.country,
        "nationality": f.nationality,
        "document_code": f.document_type,
        "document_number": f.document_number,
        "optional_data": f.optional_data,
        "sex": f.sex,
    }
    if kind == "TD1":
        theirs["optional_data_2"] = f.optional_data_2
    out = []
    fields = ours.get("fields") or {}
    for key, value in theirs.items():
        if fields.get(key) != value:
            out.append("%s: ours %r, oracle %r" % (key, fields.get(key), value))
    for key, raw in (("date_of_birth", f.birth_date), ("expiry_date", f.expiry_date)):
        # `waspada mrz check` prints `date_of_birth` (ISO) and `date_of_birth_raw`; the library's
        # example prints `{"raw": ..., "date": ...}`.
        value = fields.get(key)
        got = fields.get(key + "_raw") if key + "_raw" in fields else (value or {}).get("raw")
        if got != raw:
            out.append("%s: ours %r, oracle %r" % (key, got, raw))
    if ours.get("format") != kind:
        out.append("format: ours %r, expected %r" % (ours.get("format"), kind))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", nargs="?", default="target/debug/waspada",
                        help="waspada binary, called as BINARY mrz check (default: %(default)s)")
    parser.add_argument("--example-binary", metavar="PATH",
                        help="call PATH with no subcommand instead (e.g. the mrz_check example)")
    parser.add_argument("--count", type=int, default=3000, help="documents (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=9303, help="random seed (default: %(default)s)")
    args = parser.parse_args()

    command = [args.example_binary] if args.example_binary else [args.binary, "mrz", "check"]
    if not os.path.exists(command[0]):
        sys.stderr.write("mrz_oracle: binary not found: %s\n" % command[0])
        return 2

    rng = random.Random(args.seed)
    countries = code_list()
    today = dt.date.today()
    kinds = ["TD1", "TD2", "TD3"]
    docs = []
    for i in range(args.count):
        kind = kinds[i % 3]
        docs.append({"kind": kind, "lines": generate_document(rng, kind, countries, today)})
    for i in rng.sample(range(args.count), args.count // 2):
        docs[i]["lines"], docs[i]["corruption"] = corrupt(rng, docs[i]["lines"])

    stdin = "\n\n".join("\n".join(d["lines"]) for d in docs) + "\n"
    proc = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write("mrz_oracle: %s exited with %d\n%s" % (" ".join(command), proc.returncode, proc.stderr))
        return 2
    outputs = [line for line in proc.stdout.splitlines() if line.strip()]
    if len(outputs) != len(docs):
        sys.stderr.write("mrz_oracle: %d documents sent, %d JSON lines received\n" % (len(docs), len(outputs)))
        return 2

    failures = []
    invisible = 0  # corruptions that no check digit or rule can see
    for doc, line in zip(docs, outputs):
        ours = json.loads(line)
        expected, reasons, checker = oracle_verdict(doc["lines"])
        problems = []
        if ours.get("valid") is not expected:
            problems.append("valid: ours %s, oracle %s (oracle: %s)" % (
                ours.get("valid"), expected, ", ".join(reasons) or "no failing check"))
        if "corruption" not in doc:
            if not expected:
                problems.append("oracle rejects an uncorrupted document: %s" % ", ".join(reasons))
            problems.extend(field_mismatches(ours, checker, doc["kind"]))
        elif expected and ours.get("valid") is True:
            invisible += 1
        if problems:
            failures.append((doc, ours, problems))

    for doc, ours, problems in failures[:20]:
        print("---- %s%s" % (doc["kind"], "" if "corruption" not in doc else
                             " corrupted at line %d position %d: %r -> %r" % doc["corruption"]))
        print("\n".join(doc["lines"]))
        for p in problems:
            print("  " + p)
        print("  our errors: %s" % json.dumps(ours.get("errors")))
    corrupted = sum(1 for d in docs if "corruption" in d)
    print("mrz oracle: %d documents (%d corrupted, %d of those still valid for both sides: "
          "changes no check digit or rule can see, e.g. in a TD2/TD3 name or '0' <-> '<')"
          % (len(docs), corrupted, invisible))
    print("mrz oracle: %d passed, %d failed" % (len(docs) - len(failures), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
