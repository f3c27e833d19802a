#!/usr/bin/env python3
"""Labelled sets for benchmarking `waspada screen` (see bench/screen/README.md).

    python3 bench/screen/make_sets.py OUTDIR --waspada BIN [--skip-speed] [--seed S] [sizes…]

Writes three sets, each a watchlist (`watchlist.csv`, the watchlist import columns), a query file
(`queries.csv`: id,full_name,date_of_birth,sex,nationality,document_number) and `labels.csv`
(query_id, expected_entry_id — empty for a non-matching query — plus kind, relation, listed_name,
query_name, which document how every query was made):

  variants/   names composed from the PyPI `name-variants` Indonesian/Malay and Arabic tables (plus a
              few hand-written Indonesian spellings, marked `hand`), one spelling listed, other
              spellings and Indonesian phenomena queried; non-matching queries alongside.
  synthetic/  `BIN generate --seed 11 --persons 200000`: its watchlist, the truth subjects as
              positive queries, random other persons as non-matching queries.
  speed/      1,000,000 persons of `BIN generate --seed 12` as watchlist rows, 50,000 queries (half
              variants of listed names, half persons of the seed-11 population).

and OUTDIR/sets.json with counts and the choices made. Everything is seeded: the same arguments
give the same files.
"""

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict

from name_variants.arabic_names import ARABIC_NAME_VARIANTS
from name_variants.indonesian_malay_names import INDONESIAN_MALAY_NAME_VARIANTS

W_COLS = ["id", "category", "full_name", "aliases", "date_of_birth", "sex", "nationality",
          "document_number", "legal_basis", "valid_from", "valid_until", "nik", "source"]
Q_COLS = ["id", "full_name", "date_of_birth", "sex", "nationality", "document_number"]
L_COLS = ["query_id", "expected_entry_id", "kind", "relation", "listed_name", "query_name"]

# --------------------------------------------------------------------------------------------
# Name groups. A group is one name with its co-equal spellings. Groups come from the PyPI
# name-variants tables; what follows is only *usage* metadata written for this benchmark: which
# groups Indonesians use and in which position, the sex a given name implies, and which forms of
# the (worldwide) Arabic table are not Indonesian spellings and are therefore left out.
# --------------------------------------------------------------------------------------------

# Indonesian/Malay table entries that are not personal names (places, ranks, a nickname) or are
# abbreviations (used below as abbreviations of Muhammad and Abdul instead).
IDM_SKIP = {"jakarta", "jenderal", "jaksa", "jokowi", "mohd", "abd", "mahathir"}

# Arabic-table spellings that are Turkish, French, Egyptian or biblical renderings, not ones met
# on Indonesian documents; and "rahmat", which in Indonesia is a separate (male) name from Rahma.
AR_DROP_FORMS = {"mehmed", "mehmet", "ahmet", "omer", "abraham", "brahim", "david", "solomon",
                 "zechariah", "jasmine", "gamal", "abd-allah", "abd-al-rahman", "sa'id", "noura",
                 "rahmat", "youssef", "miriam", "hossein", "osman", "rachid", "mounir", "houda",
                 "bilel", "sherif", "abdelaziz", "tarek"}

# Arabic-table groups used, by one of their forms -> (roles, sex). Roles: gm/gf given name of a
# man/woman, s second (family-like) name, sf a woman's second name.
AR_USE = {
    "muhammad": ("gm", "M"), "ahmad": ("gm s", "M"), "ali": ("gm s", "M"), "umar": ("gm s", "M"),
    "ibrahim": ("gm s", "M"), "yusuf": ("gm s", "M"), "abdullah": ("gm s", "M"),
    "hasan": ("gm s", "M"), "husain": ("gm s", "M"), "abdurrahman": ("gm", "M"),
    "said": ("gm s", "M"), "sulaiman": ("gm s", "M"), "mustafa": ("gm s", "M"),
    "mahmud": ("gm s", "M"), "ismail": ("gm s", "M"), "uthman": ("gm", "M"),
    "yahya": ("gm", "M"), "idris": ("gm s", "M"), "dawud": ("gm", "M"), "saleh": ("gm s", "M"),
    "abdulaziz": ("gm", "M"), "tariq": ("gm", "M"), "bilal": ("gm", "M"), "karim": ("gm s", "M"),
    "jamal": ("gm s", "M"), "faisal": ("gm s", "M"), "munir": ("gm s", "M"),
    "sharif": ("gm s", "M"), "hamid": ("gm s", "M"), "adil": ("gm s", "M"),
    "rashid": ("gm s", "M"), "nasir": ("gm s", "M"), "hakim": ("gm s", "M"),
    "lutfi": ("gm s", "M"), "zakariya": ("gm", "M"),
    "fatimah": ("gf sf", "F"), "aisha": ("gf sf", "F"), "maryam": ("gf sf", "F"),
    "zainab": ("gf sf", "F"), "sarah": ("gf", "F"), "nur": ("", "F"), "aminah": ("gf sf", "F"),
    "salma": ("gf sf", "F"), "nadia": ("gf sf", "F"), "laila": ("gf sf", "F"),
    "khadijah": ("gf sf", "F"), "asma": ("gf sf", "F"), "dina": ("gf sf", "F"),
    "yasmin": ("gf sf", "F"), "huda": ("gf sf", "F"), "rahma": ("gf sf", "F"),
}

# Indonesian/Malay-table groups used -> (roles, sex or None).
IDM_USE = {
    **{k: ("gm s", "M") for k in [
        "sukarno", "suharto", "susilo", "suryadi", "subagio", "sutrisno", "sudirman", "sugiyono",
        "sumarsono", "sunarso", "supartono", "subroto", "suryono", "sutopo", "purnomo",
        "wahyudi", "priyono", "santoso", "handoyo", "suprapto", "cahyono", "hartono",
        "setiawan", "kurniawan", "gunawan", "nugroho"]},
    **{k: ("gm", "M") for k in ["joko", "juanda", "budi", "eko", "agus", "hendra", "surya"]},
    **{k: ("s", "M") for k in ["widodo", "wibowo", "kusuma", "saputra", "pratama", "pranowo",
                               "rahman", "rahim", "aziz", "anwar", "razak"]},
    **{k: ("gf sf", "F") for k in ["dewi", "sri", "rini", "sari", "yanti", "susanti"]},
    **{k: ("sf", "F") for k in ["rahayu", "wati"]},
    **{k: ("marga", None) for k in [
        "nasution", "situmorang", "simatupang", "lumbantobing", "simbolon", "panjaitan",
        "simanjuntak", "pakpahan", "hutapea", "nainggolan", "sinaga", "rajagukguk"]},
}

# Hand-written groups: names and spellings that are everyday on Indonesian documents but absent
# from the name-variants tables. Marked source "hand" in every relation that uses them.
HAND_GROUPS = {
    "siti": (["siti", "sitti"], "gf", "F"),
    "abdul": (["abdul"], "", "M"),
    "rizki": (["rizki", "rizky", "rezki", "riski"], "gm s", "M"),
    "rahmat": (["rahmat", "rachmat"], "gm s", "M"),
    "hidayat": (["hidayat", "hidajat"], "gm s", "M"),
    "wahyu": (["wahyu", "wahju"], "gm", "M"),
    "syahputra": (["syahputra", "sjahputra"], "s", "M"),
    "nurhayati": (["nurhayati", "nur hayati"], "gf sf", "F"),
    "nuraini": (["nuraini", "nur aini"], "gf sf", "F"),
    "hayati": (["hayati"], "sf", "F"),
    "lestari": (["lestari"], "sf", "F"),
}
# Extra (hand) forms added to table groups: Indonesian renderings of Arabic names.
HAND_FORMS = {
    "muhammad": ["muhamad", "mochammad", "mochamad"],
    "aisha": ["aisyah", "aisah"],
    "khadijah": ["hadijah"],
    "sharif": ["syarif"],
    "rashid": ["rasyid", "rasjid"],
    "uthman": ["usman", "oesman"],
    "dawud": ["daud"],
    "zakariya": ["zakaria"],
    "zainab": ["zaenab"],
    "husain": ["husin"],
    "abdurrahman": ["abdul rahman"],
    "abdulaziz": ["abdul aziz"],
    "rahma": ["rahmah"],
}
# Abbreviations used by the "initials" phenomenon.
# The spelling usually met on Indonesian documents, listed first (preferred when composing).
PREFERRED = {"aisha": "aisyah", "uthman": "usman", "sharif": "syarif", "rashid": "rasyid",
             "dawud": "daud", "zakariya": "zakaria", "umar": "umar", "yusuf": "yusuf",
             "hasan": "hasan", "husain": "husain", "khadijah": "khadijah", "fatimah": "fatimah",
             "aminah": "aminah", "laila": "laila", "zainab": "zainab", "ahmad": "ahmad",
             "abdurrahman": "abdurrahman", "sulaiman": "sulaiman", "nasir": "nasir",
             "mahmud": "mahmud", "said": "said", "adil": "adil", "nur": "nur"}
ABBREV = {"muhammad": ["M.", "Muh.", "Moh.", "Mhd.", "Mohd", "Md."], "abdul": ["Abd.", "Ab."]}
TITLES_PRE = {"M": ["H.", "Drs.", "Ir.", "KH."], "F": ["Hj.", "Dra.", "Ir."]}
TITLES_POST = ["S.Pd.", "S.E.", "S.H.", "S.Ag.", "S.Kom."]
COMMON_WORDS = ["muhammad", "siti", "nur", "sri", "ahmad", "abdul", "dewi"]


class Group:
    __slots__ = ("gid", "forms", "source", "roles", "sex", "hand_forms")

    def __init__(self, gid, forms, source, roles, sex, hand_forms=()):
        self.gid, self.forms, self.source = gid, forms, source
        self.roles, self.sex, self.hand_forms = set(roles.split()), sex, set(hand_forms)

    def form_source(self, form):
        return "hand" if self.source == "hand" or form in self.hand_forms else self.source


def build_groups():
    """name-variants tables (plus the hand additions above) -> {gid: Group}."""
    groups, by_form = {}, {}
    for entry in ARABIC_NAME_VARIANTS.values():
        forms = [f for f in entry["forms"] if f not in AR_DROP_FORMS]
        use = [f for f in forms if f in AR_USE]
        if not use:
            continue
        gid = use[0]
        roles, sex = AR_USE[gid]
        groups[gid] = Group(gid, list(dict.fromkeys(forms)), "arabic", roles, sex)
        for f in forms:
            by_form[f] = groups[gid]
    for key, entry in INDONESIAN_MALAY_NAME_VARIANTS.items():
        if key in IDM_SKIP:
            continue
        merged = next((by_form[f] for f in entry["forms"] if f in by_form), None)
        if merged is not None:  # the same name in both tables: one group, union of spellings
            for f in entry["forms"]:
                if f not in merged.forms:
                    merged.forms.append(f)
                    by_form[f] = merged
            merged.source = "indonesian_malay+arabic"
            continue
        if key not in IDM_USE:
            continue
        roles, sex = IDM_USE[key]
        groups[key] = Group(key, list(dict.fromkeys(entry["forms"])), "indonesian_malay",
                            roles, sex)
        for f in entry["forms"]:
            by_form[f] = groups[key]
    for gid, extra in HAND_FORMS.items():
        g = groups[gid]
        for f in extra:
            if f not in g.forms:
                g.forms.append(f)
                g.hand_forms.add(f)
    for gid, (forms, roles, sex) in HAND_GROUPS.items():
        groups[gid] = Group(gid, list(forms), "hand", roles, sex)
    for gid, first in PREFERRED.items():  # the usual Indonesian spelling first
        g = groups[gid]
        g.forms.remove(first)
        g.forms.insert(0, first)
    owner = {}
    for g in groups.values():
        for f in g.forms:
            assert owner.setdefault(f, g.gid) == g.gid, f"{f} in {owner[f]} and {g.gid}"
    return groups


# --------------------------------------------------------------------------------------------
# Names as parts. A part is {"g": gid or None, "f": form} or a connector {"c": "bin"/"binti"}.
# --------------------------------------------------------------------------------------------

def cap(form):
    return "-".join(s[:1].upper() + s[1:] for s in form.split("-"))


def render(parts):
    out = []
    for p in parts:
        if "c" in p:
            out.append(p["c"])
        else:
            out.extend(cap(w) for w in p["f"].split(" "))
    return " ".join(out)


def gset(parts):
    return frozenset(p["g"] if p.get("g") else "lit:" + p["f"] for p in parts if "c" not in p)


def norm_tokens(name):
    s = unicodedata.normalize("NFKD", name.lower())
    s = "".join(c for c in s if not unicodedata.combining(c))
    return tuple(sorted(t for t in re.split(r"[^a-z0-9]+", s) if t))


class Composer:
    def __init__(self, groups, rng):
        self.g, self.rng = groups, rng
        self.by_role = defaultdict(list)
        for g in groups.values():
            for r in g.roles:
                if r in ("gm", "s") and g.sex == "F":
                    continue
                self.by_role[r].append(g.gid)
        for r in self.by_role:
            self.by_role[r].sort()

    def part(self, gid, modern_bias=0.6):
        g = self.g[gid]
        f = g.forms[0] if self.rng.random() < modern_bias else self.rng.choice(g.forms)
        return {"g": gid, "f": f}

    def pick(self, role, avoid):
        for _ in range(50):
            gid = self.rng.choice(self.by_role[role])
            if gid not in avoid:
                return gid
        raise RuntimeError("no group for role " + role)

    def compose(self, sex=None):
        """A plausible 1-4-word Indonesian name (list of parts) and its sex."""
        rng = self.rng
        sex = sex or rng.choice("MF")
        used = set()

        def take(role_or_gid):
            gid = role_or_gid if role_or_gid in self.g else self.pick(role_or_gid, used)
            used.add(gid)
            return self.part(gid)

        t = rng.random()
        if sex == "M":
            if t < 0.30:
                parts = [take("gm"), take("s")]
            elif t < 0.42:
                parts = [take("muhammad"), take("gm")]
            elif t < 0.54:
                parts = [take("gm"), take("gm"), take("s")]
            elif t < 0.66:
                parts = [take("gm"), take("marga")]
            elif t < 0.78:
                parts = [take("gm")] + ([take("s")] if rng.random() < 0.4 else [])
                parts += [{"c": "bin"}, take("gm")]
            elif t < 0.84:
                parts = [take(rng.choice(["gm", "s"]))]
            elif t < 0.92:
                # not Rahman/Aziz: "Abdul Rahman" is a spelling of Abdurrahman
                parts = [take("abdul"), take(rng.choice(["rahim", "hamid", "karim", "hakim",
                                                         "nasir"])), take("s")]
            else:
                parts = [take("muhammad"), take("gm"), take("s")]
        else:
            if t < 0.25:
                parts = [take("siti"), take(rng.choice(["gf", "sf"]))]
            elif t < 0.45:
                parts = [take("gf"), take("sf")]
            elif t < 0.55:
                parts = [take("nur"), take(rng.choice(["fatimah", "aminah", "aisha", "salma",
                                                       "laila", "huda", "asma"]))]
            elif t < 0.67:
                parts = [take("gf")] + ([take("sf")] if rng.random() < 0.4 else [])
                parts += [{"c": "binti"}, take("gm")]
            elif t < 0.79:
                parts = [take("gf"), take("marga")]
            elif t < 0.87:
                parts = [take(rng.choice(["gf", "sf"]))]
            else:
                parts = [take(rng.choice(["siti", "gf"])), take("gf"), take("sf")]
        return parts, sex


# --------------------------------------------------------------------------------------------
# Phenomena (each returns a description for labels.csv, or None when it does not apply).
# --------------------------------------------------------------------------------------------

EYD_FWD = [("sy", "sj"), ("kh", "ch"), ("u", "oe"), ("j", "dj"), ("y", "j"), ("c", "tj")]
EYD_BACK = [("sj", "sy"), ("ch", "kh"), ("oe", "u"), ("dj", "j"), ("tj", "c")]
OCR = {"O": "0", "I": "1", "S": "5", "B": "8"}


class Variator:
    def __init__(self, groups, rng, form_index):
        self.g, self.rng, self.form_index = groups, rng, form_index

    def spell(self, parts, n=None):
        """Swap 1-2 parts to another spelling of their group."""
        cand = [i for i, p in enumerate(parts) if p.get("g") and len(self.g[p["g"]].forms) > 1]
        if not cand:
            return None
        self.rng.shuffle(cand)
        done = []
        for i in cand[: n or self.rng.choice([1, 1, 2])]:
            g = self.g[parts[i]["g"]]
            others = [f for f in g.forms if f != parts[i]["f"]]
            new = self.rng.choice(others)
            kind = "split" if " " in new and " " not in parts[i]["f"] else (
                "join" if " " in parts[i]["f"] and " " not in new else "spell")
            src = "hand" if "hand" in (g.form_source(new), g.form_source(parts[i]["f"])) \
                else g.source
            done.append(f"{kind}[{src}]:{parts[i]['f']}>{new}")
            parts[i] = {"g": g.gid, "f": new, "v": 1}  # v: respelt; no old spelling on top
        return ";".join(done)

    def eyd(self, parts):
        """Old (pre-1972 / Dutch-era) Indonesian spelling on one word, or back to modern."""
        cand = [i for i, p in enumerate(parts)
                if "c" not in p and "abbr" not in p and "v" not in p and " " not in p["f"]]
        self.rng.shuffle(cand)
        for i in cand:
            f = parts[i]["f"]
            rules = [r for r in EYD_BACK if r[0] in f] or [r for r in EYD_FWD if r[0] in f
                                                           and not (r[0] == "u" and "oe" in f)]
            if not rules:
                continue
            a, b = self.rng.choice(rules)
            new = f.replace(a, b)
            parts[i] = {"g": parts[i].get("g"), "f": new}
            return f"eyd:{a}>{b}:{f}>{new}"
        return None

    def swap(self, parts):
        """Word order: the first and last words change places (before any bin/binti)."""
        cut = next((i for i, p in enumerate(parts) if "c" in p), len(parts))
        if cut < 2:
            return None
        head = parts[:cut]
        head[0], head[-1] = head[-1], head[0]
        parts[:cut] = head
        return "order_swap"

    def join(self, parts):
        """Nur/Abdul written together with the next word (Nur Aini -> Nuraini), or a compound split."""
        for i, p in enumerate(parts):
            if p.get("g") and " " in p["f"] and "abbr" not in p:
                new = p["f"].replace(" ", "")
                parts[i] = {"g": p["g"], "f": new}
                return f"join:{p['f']}>{new}"
        for i, p in enumerate(parts[:-1]):
            if p.get("g") in ("nur", "abdul") and "abbr" not in p \
                    and "c" not in parts[i + 1] and "abbr" not in parts[i + 1] \
                    and " " not in parts[i + 1]["f"]:
                nxt = parts[i + 1]
                merged = p["f"] + nxt["f"]
                # a two-group part: keep both groups for the identity check
                parts[i: i + 2] = [{"g": p["g"], "f": merged, "g2": nxt["g"]}]
                return f"join:{p['f']} {nxt['f']}>{merged}"
        for i, p in enumerate(parts):
            g = p.get("g") and self.g[p["g"]]
            if g and "abbr" not in p and any(" " in f for f in g.forms) and " " not in p["f"]:
                new = next(f for f in g.forms if " " in f)
                parts[i] = {"g": p["g"], "f": new}
                return f"split:{p['f']}>{new}"
        return None

    def initials(self, parts):
        """Muhammad -> M./Muh./Mohd, Abdul -> Abd.; or a middle name to its initial."""
        for i, p in enumerate(parts):
            if p.get("g") in ABBREV and " " not in p["f"] and "g2" not in p:
                ab = self.rng.choice(ABBREV[p["g"]])
                parts[i] = {"g": p["g"], "f": ab.lower(), "abbr": ab}
                return f"initial:{p['f']}>{ab}"
        words = [i for i, p in enumerate(parts) if "c" not in p and "abbr" not in p]
        if len(words) >= 3:
            i = words[1] if self.rng.random() < 0.6 else words[0]
            f = parts[i]["f"]
            ab = f[0].upper() + "."
            parts[i] = {"g": parts[i].get("g"), "f": ab.lower(), "abbr": ab}
            return f"initial:{f}>{ab}"
        return None

    def binti(self, parts, sex, composer):
        """bin/binti and the father's name added, or dropped."""
        ci = next((i for i, p in enumerate(parts) if "c" in p), None)
        if ci is not None:
            dropped = render(parts[ci:])
            del parts[ci:]
            return f"bin_dropped:{dropped}"
        father = composer.part(composer.pick("gm", {p.get("g") for p in parts}))
        conn = "binti" if sex == "F" else "bin"
        parts += [{"c": conn}, father]
        return f"bin_added:{conn} {cap(father['f'])}"


def render_query(parts):
    out = []
    for p in parts:
        if "c" in p:
            out.append(p["c"])
        elif "abbr" in p:
            out.append(p["abbr"])
        else:
            out.extend(cap(w) for w in p["f"].split(" "))
    return " ".join(out)


def query_gset(parts):
    s = set()
    for p in parts:
        if "c" in p:
            continue
        s.add(p["g"] if p.get("g") else "lit:" + p["f"])
        if p.get("g2"):
            s.add(p["g2"])
    return frozenset(s)


def dress(name, sex, rng, rel, p_title=0.12, p_ocr=0.10, p_upper=0.05):
    """String-level phenomena: a title, or the name as read by OCR from an MRZ."""
    if rng.random() < p_ocr:
        mrz = re.sub(r"[^A-Z ]", " ", name.upper())
        mrz = re.sub(r"\s+", " ", mrz).strip()
        pos = [i for i, c in enumerate(mrz) if c in OCR]
        if pos:
            k = max(1, min(len(pos), rng.choice([1, 1, 1, 2])))
            chosen = set(rng.sample(pos, k))
            orig = mrz
            mrz = "".join(OCR[c] if i in chosen else c for i, c in enumerate(mrz))
            rel.append("ocr_mrz:" + ",".join(f"{orig[i]}>{mrz[i]}" for i in sorted(chosen)))
            return mrz
    if rng.random() < p_title:
        if rng.random() < 0.7:
            t = rng.choice(TITLES_PRE[sex or "M"])
            rel.append("title:" + t)
            name = f"{t} {name}"
        else:
            t = rng.choice(TITLES_POST)
            rel.append("title:" + t)
            name = f"{name}, {t}"
    if rng.random() < p_upper:
        rel.append("uppercase")
        name = name.upper()
    return name


# --------------------------------------------------------------------------------------------
# Dates.
# --------------------------------------------------------------------------------------------

def rand_date(rng, y0=1950, y1=2005):
    d = dt.date(y0, 1, 1) + dt.timedelta(days=rng.randrange((dt.date(y1, 12, 31)
                                                             - dt.date(y0, 1, 1)).days))
    return d.isoformat()


def dob_conflict(a, b):
    """True when two partial dates (YYYY, YYYY-MM, YYYY-MM-DD, or empty) cannot be one date."""
    if not a or not b:
        return False
    n = min(len(a), len(b))
    return a[:n] != b[:n]


def sex_conflict(a, b):
    return bool(a and b and a != b)


# --------------------------------------------------------------------------------------------
# Writers.
# --------------------------------------------------------------------------------------------

def write_csv(path, cols, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in cols})


def watch_row(eid, name, dob, sex, source, rng, aliases=""):
    return {"id": eid, "category": rng.choice(["person_of_interest", "pencegahan"]),
            "full_name": name, "aliases": aliases, "date_of_birth": dob, "sex": sex,
            "nationality": "IDN", "legal_basis": "bench", "valid_from": "2026-01-01",
            "source": source}


def query_dob(rng, entry_dob):
    """A compatible query date: the same, only the year, or empty (a year-only entry gets a
    full date inside that year half the time)."""
    t = rng.random()
    if len(entry_dob) == 4:
        if t < 0.5:
            return rand_date(rng, int(entry_dob), int(entry_dob)), "dob:full_in_listed_year"
        if t < 0.8:
            return entry_dob, "dob:year"
        return "", "dob:empty"
    if t < 0.55:
        return entry_dob, "dob:same"
    if t < 0.8:
        return entry_dob[:4], "dob:year_only"
    return "", "dob:empty"


# --------------------------------------------------------------------------------------------
# Set a: variants.
# --------------------------------------------------------------------------------------------

def make_variants(out, args, groups):
    rng = random.Random(args.seed)
    comp = Composer(groups, rng)
    var = Variator(groups, rng, None)
    os.makedirs(out, exist_ok=True)

    # Watchlist: distinct names, none a sub- or superset (by name groups) of another, so that a
    # positive query has one right answer.
    listed, seen = [], []
    index = defaultdict(list)  # gid -> indices into seen

    def related(gs, pool=seen, idx=index):
        cand = set()
        for gid in gs:
            cand.update(idx.get(gid, ()))
        return [i for i in cand if gs <= pool[i] or pool[i] <= gs]

    def max_shared(gs):
        """The most name groups gs shares with one listed name."""
        c = Counter()
        for gid in gs:
            c.update(index.get(gid, ()))
        return max(c.values(), default=0)

    def different(parts):
        """A non-matching name: no sub/superset of a listed name, and at most one name in
        common with any listed name ("otherwise different")."""
        a, b = gset(parts), query_gset(parts)
        return not related(a) and not related(b) and max_shared(a) <= 1 and max_shared(b) <= 1

    while len(listed) < args.variants_entries:
        parts, sex = comp.compose()
        gs = gset(parts)
        if related(gs):
            continue
        index_i = len(seen)
        seen.append(gs)
        for gid in gs:
            index[gid].append(index_i)
        dob = rand_date(rng)
        if rng.random() < 0.2:
            dob = dob[:4]
        eid = f"VW-{len(listed) + 1:06d}"
        listed.append({"id": eid, "parts": parts, "sex": sex, "dob": dob, "gs": gs,
                       "name": render(parts)})

    wrows = [watch_row(e["id"], e["name"], e["dob"], e["sex"], "bench variants", rng)
             for e in listed]

    queries, labels = [], []
    rel_counter = Counter()

    def add_query(name, dob, sex, nat, expected, kind, rel, listed_name):
        qid = f"tmp{len(queries)}"
        queries.append({"id": qid, "full_name": name, "date_of_birth": dob, "sex": sex,
                        "nationality": nat, "document_number": ""})
        labels.append({"query_id": qid, "expected_entry_id": expected, "kind": kind,
                       "relation": ";".join(rel), "listed_name": listed_name,
                       "query_name": name})

    # Positives: one query per listed name (entries drawn in order, then random extra ones).
    order = list(range(len(listed)))
    while len(order) < args.variants_positives:
        order.append(rng.randrange(len(listed)))
    for i in order[: args.variants_positives]:
        e = listed[i]
        for _attempt in range(20):
            parts = [dict(p) for p in e["parts"]]
            rel = []
            if rng.random() < 0.85:
                r = var.spell(parts)
                if r:
                    rel.append(r)
            for p, fn in ((0.15, var.swap), (0.20, var.join), (0.12, var.initials),
                          (0.10, var.eyd)):
                if rng.random() < p:
                    r = fn(parts)
                    if r:
                        rel.append(r)
            if rng.random() < 0.15:
                rel.append(var.binti(parts, e["sex"], comp))
            # Unambiguous: the query's names are no sub- or superset of another listed name
            # (dropping "binti Eko" from "Huda binti Eko" must not leave a name of "Huda Rahayu").
            if any(j != i for j in related(query_gset(parts))):
                continue
            name = render_query(parts)
            name = dress(name, e["sex"], rng, rel)
            if norm_tokens(name) != norm_tokens(e["name"]) and rel:
                break
        else:
            rel = ["exact_name"]
            name = e["name"]
        dob, drel = query_dob(rng, e["dob"])
        rel.append(drel)
        sex = e["sex"] if rng.random() < 0.85 else ""
        nat = "IDN" if rng.random() < 0.8 else ""
        for r in rel:
            rel_counter[r.split(":")[0].split("[")[0]] += 1
        add_query(name, dob, sex, nat, e["id"], "positive", rel, e["name"])
    n_pos = len(queries)

    # Non-matching queries.
    n_neg = args.variants_nonmatch
    n_dob = int(n_neg * 0.2)
    n_shared = int(n_neg * 0.25)
    n_other = n_neg - n_dob - n_shared
    by_word = defaultdict(list)
    for e in listed:
        for w in COMMON_WORDS:
            if w in e["gs"]:
                by_word[w].append(e)

    def present(parts, sex):
        """Presentation noise as on positives, so that 'looks varied' is no signal."""
        rel = []
        for p, fn in ((0.5, var.spell), (0.1, var.swap), (0.15, var.join), (0.1, var.initials),
                      (0.08, var.eyd)):
            if rng.random() < p:
                r = fn(parts)
                if r:
                    rel.append(r)
        name = dress(render_query(parts), sex, rng, rel)
        return name, rel

    made = 0
    while made < n_other:
        parts, sex = comp.compose()
        if not different(parts):
            continue
        name, rel = present(parts, sex)
        if not different(parts):
            continue
        dob = rand_date(rng) if rng.random() < 0.8 else ""
        dob = dob[:4] if dob and rng.random() < 0.25 else dob
        add_query(name, dob, sex if rng.random() < 0.85 else "", "IDN" if rng.random() < 0.8
                  else "", "", "nonmatch_other", rel, "")
        made += 1

    made = 0
    words = [w for w in COMMON_WORDS if by_word[w]]
    while made < n_shared:
        w = rng.choice(words)
        e = rng.choice(by_word[w])
        parts, sex = comp.compose(sex=e["sex"])
        if w not in gset(parts):
            continue
        if (gset(parts) & e["gs"]) != {w}:
            continue
        if not different(parts):
            continue
        name, rel = present(parts, sex)
        if not different(parts):
            continue
        dob = rand_date(rng) if rng.random() < 0.8 else ""
        add_query(name, dob, sex, "IDN", "", "nonmatch_shared_word",
                  [f"shares '{w}' with {e['id']}"] + rel, e["name"])
        made += 1

    for _ in range(n_dob):
        e = rng.choice(listed)
        parts = [dict(p) for p in e["parts"]]
        rel = []
        if rng.random() < 0.5:
            r = var.spell(parts, 1)
            if r:
                rel.append(r)
        y = int(e["dob"][:4])
        if len(e["dob"]) == 10 and rng.random() < 0.5:
            while True:
                d = rand_date(rng, y, y)
                if dob_conflict(d, e["dob"]):
                    break
            how = "same year, other day"
        else:
            yy = y + rng.choice([-1, 1]) * rng.randint(1, 15)
            yy = min(yy, 2008) if yy > y else yy
            yy = y - rng.randint(1, 15) if yy == y else yy
            d = rand_date(rng, yy, yy)
            how = "other year"
        add_query(render_query(parts), d, e["sex"], "IDN", "", "nonmatch_dob_conflict",
                  [f"same name as {e['id']}, birth date conflicts ({how}: listed "
                   f"{e['dob']}, query {d})"] + rel, e["name"])

    # Shuffle and number.
    idx = list(range(len(queries)))
    rng.shuffle(idx)
    qrows, lrows = [], []
    for n, i in enumerate(idx, 1):
        qid = f"VQ-{n:06d}"
        q = dict(queries[i], id=qid)
        lab = dict(labels[i], query_id=qid)
        qrows.append(q)
        lrows.append(lab)
    write_csv(os.path.join(out, "watchlist.csv"), W_COLS, wrows)
    write_csv(os.path.join(out, "queries.csv"), Q_COLS, qrows)
    write_csv(os.path.join(out, "labels.csv"), L_COLS, lrows)
    kinds = Counter(l["kind"] for l in lrows)
    return {"entries": len(wrows), "queries": len(qrows), "positives": n_pos,
            "kinds": dict(kinds), "phenomena_in_positives": dict(rel_counter),
            "groups": len(groups),
            "group_sources": dict(Counter(g.source for g in groups.values()))}


# --------------------------------------------------------------------------------------------
# Set b: synthetic.
# --------------------------------------------------------------------------------------------

def run_generate(waspada, seed, persons, out):
    if os.path.exists(out):
        shutil.rmtree(out)
    t = time.time()
    r = subprocess.run([waspada, "generate", "--seed", str(seed), "--persons", str(persons),
                        "--out", out], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
    if r.returncode != 0:
        sys.exit(f"{waspada} generate failed ({r.returncode}):\n{r.stderr}")
    last = [l for l in r.stderr.splitlines() if l.strip()][-1:]
    print("  " + (last[0] if last else f"generated seed {seed}"), file=sys.stderr)
    return round(time.time() - t, 2)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def make_synthetic(out, gen_dir, args):
    rng = random.Random(args.seed + 1)
    os.makedirs(out, exist_ok=True)
    wl = read_csv(os.path.join(gen_dir, "watchlist.csv"))
    truth = read_csv(os.path.join(gen_dir, "truth", "watchlist.csv"))
    entries = {w["id"]: w for w in wl}
    subjects = {t["subject_nik"]: t for t in truth if t["subject_nik"]}
    # The other identity of a planted identity pair is the same human: never a non-match.
    same_human = set()
    for p in read_csv(os.path.join(gen_dir, "truth", "identity_pairs.csv")):
        if p["nik_a"] in subjects or p["nik_b"] in subjects:
            same_human.update([p["nik_a"], p["nik_b"]])
    persons = read_csv(os.path.join(gen_dir, "persons.csv"))
    by_nik = {p["nik"]: p for p in persons}

    queries, labels = [], []
    for t in truth:
        if not t["subject_nik"]:
            continue
        p = by_nik[t["subject_nik"]]
        qid = f"SQ-{len(queries) + 1:06d}"
        queries.append({"id": qid, "full_name": p["full_name"],
                        "date_of_birth": p["date_of_birth"], "sex": p["sex"],
                        "nationality": "IDN"})
        labels.append({"query_id": qid, "expected_entry_id": t["watchlist_id"],
                       "kind": "positive", "relation": f"truth:{t['match']}:{t['pattern_id']}",
                       "listed_name": entries[t["watchlist_id"]]["full_name"],
                       "query_name": p["full_name"]})
    n_pos = len(queries)

    # Names a non-matching person must not carry with compatible birth date and sex: the listed
    # name, its aliases, and the subject's own name (the listed name is a spelling of it).
    blocked = defaultdict(list)
    for w in wl:
        names = [w["full_name"]] + [a for a in w["aliases"].split("|") if a]
        t = next((t for t in truth if t["watchlist_id"] == w["id"]), None)
        if t and t["subject_nik"] in by_nik:
            names.append(by_nik[t["subject_nik"]]["full_name"])
        for n in names:
            blocked[norm_tokens(n)].append(w)
    excluded = []
    order = list(range(len(persons)))
    rng.shuffle(order)
    made = 0
    for i in order:
        if made >= args.synthetic_nonmatch:
            break
        p = persons[i]
        if p["nik"] in subjects or p["nik"] in same_human:
            continue
        clash = [w for w in blocked.get(norm_tokens(p["full_name"]), ())
                 if not dob_conflict(w["date_of_birth"], p["date_of_birth"])
                 and not sex_conflict(w["sex"], p["sex"])]
        if clash:
            excluded.append({"name": p["full_name"], "dob": p["date_of_birth"],
                             "entry": clash[0]["id"]})
            continue
        qid = f"SQ-{len(queries) + 1:06d}"
        queries.append({"id": qid, "full_name": p["full_name"],
                        "date_of_birth": p["date_of_birth"], "sex": p["sex"],
                        "nationality": "IDN"})
        labels.append({"query_id": qid, "expected_entry_id": "", "kind": "nonmatch_person",
                       "relation": "random person, not a subject", "listed_name": "",
                       "query_name": p["full_name"]})
        made += 1
    idx = list(range(len(queries)))
    rng.shuffle(idx)
    shutil.copyfile(os.path.join(gen_dir, "watchlist.csv"), os.path.join(out, "watchlist.csv"))
    write_csv(os.path.join(out, "queries.csv"), Q_COLS, [queries[i] for i in idx])
    write_csv(os.path.join(out, "labels.csv"), L_COLS, [labels[i] for i in idx])
    return {"entries": len(wl), "queries": len(queries), "positives": n_pos,
            "nonmatch": len(queries) - n_pos,
            "excluded_indistinguishable": len(excluded),
            "excluded_examples": excluded[:10],
            "truth_match_kinds": dict(Counter(t["match"] for t in truth if t["subject_nik"]))}


# --------------------------------------------------------------------------------------------
# Set c: speed.
# --------------------------------------------------------------------------------------------

def parse_parts(name, form_index):
    parts = []
    for tok in name.split():
        low = tok.lower()
        if low in ("bin", "binti"):
            parts.append({"c": low})
        elif low in form_index:
            parts.append({"g": form_index[low], "f": low})
        else:
            parts.append({"g": None, "f": low})
    return parts


def make_speed(out, gen_dir, other_persons_csv, args, groups):
    rng = random.Random(args.seed + 2)
    os.makedirs(out, exist_ok=True)
    form_index = {f: g.gid for g in groups.values() for f in g.forms if " " not in f}
    comp = Composer(groups, rng)
    var = Variator(groups, rng, form_index)
    src = os.path.join(gen_dir, "persons.csv")
    with open(src, encoding="utf-8") as f:
        n = sum(1 for _ in f) - 1
    n_var = args.speed_queries // 2
    pick = set(rng.sample(range(n), min(n_var, n)))
    chosen = []
    with open(src, newline="", encoding="utf-8") as f, \
            open(os.path.join(out, "watchlist.csv"), "w", newline="", encoding="utf-8") as g:
        w = csv.writer(g, lineterminator="\n")
        w.writerow(W_COLS)
        for i, p in enumerate(csv.DictReader(f)):
            eid = f"SP-{i + 1:07d}"
            w.writerow([eid, "person_of_interest", p["full_name"], "", p["date_of_birth"],
                        p["sex"], "IDN", "", "bench", "2026-01-01", "", "", ""])
            if i in pick:
                chosen.append((eid, p["full_name"], p["date_of_birth"], p["sex"]))
    queries, labels = [], []
    for eid, name, dob, sex in chosen:
        parts = parse_parts(name, form_index)
        rel = []
        r = var.spell(parts) if rng.random() < 0.85 else None
        if r:
            rel.append(r)
        else:
            r = var.eyd(parts)
            if r:
                rel.append(r)
        for p, fn in ((0.15, var.swap), (0.20, var.join), (0.12, var.initials)):
            if rng.random() < p:
                r = fn(parts)
                if r:
                    rel.append(r)
        if rng.random() < 0.15:
            rel.append(var.binti(parts, sex, comp))
        qname = dress(render_query(parts), sex, rng, rel)
        qdob, drel = query_dob(rng, dob)
        rel.append(drel)
        queries.append({"full_name": qname, "date_of_birth": qdob,
                        "sex": sex if rng.random() < 0.85 else "", "nationality": "IDN"})
        labels.append({"expected_entry_id": eid, "kind": "positive", "relation": ";".join(rel),
                       "listed_name": name, "query_name": qname})
    others = read_csv(other_persons_csv)
    for p in rng.sample(others, min(args.speed_queries - len(queries), len(others))):
        queries.append({"full_name": p["full_name"], "date_of_birth": p["date_of_birth"],
                        "sex": p["sex"], "nationality": "IDN"})
        labels.append({"expected_entry_id": "", "kind": "other_person",
                       "relation": "person of the seed-11 population (may share a name with "
                                   "listed persons; not scored for quality)",
                       "listed_name": "", "query_name": p["full_name"]})
    idx = list(range(len(queries)))
    rng.shuffle(idx)
    qrows, lrows = [], []
    for k, i in enumerate(idx, 1):
        qid = f"CQ-{k:06d}"
        qrows.append(dict(queries[i], id=qid))
        lrows.append(dict(labels[i], query_id=qid))
    write_csv(os.path.join(out, "queries.csv"), Q_COLS, qrows)
    write_csv(os.path.join(out, "labels.csv"), L_COLS, lrows)
    return {"entries": n, "queries": len(qrows), "variant_queries": len(chosen)}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--waspada", required=True, help="waspada binary (for `generate`)")
    ap.add_argument("--seed", type=int, default=2026, help="seed of the composed sets")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--variants-entries", type=int, default=1500)
    ap.add_argument("--variants-positives", type=int, default=1500)
    ap.add_argument("--variants-nonmatch", type=int, default=2000)
    ap.add_argument("--synthetic-persons", type=int, default=200000)
    ap.add_argument("--synthetic-nonmatch", type=int, default=3000)
    ap.add_argument("--speed-persons", type=int, default=1000000)
    ap.add_argument("--speed-queries", type=int, default=50000)
    args = ap.parse_args()
    if args.variants_nonmatch < args.variants_positives:
        sys.exit("--variants-nonmatch must be at least --variants-positives")
    out = os.path.abspath(args.outdir)
    os.makedirs(out, exist_ok=True)
    groups = build_groups()
    meta = {"seed": args.seed, "made_at": dt.datetime.now(dt.timezone.utc).isoformat(
        timespec="seconds"), "sets": {}}
    t = time.time()
    meta["sets"]["variants"] = make_variants(os.path.join(out, "variants"), args, groups)
    meta["sets"]["variants"]["seconds"] = round(time.time() - t, 2)
    print(f"variants: {meta['sets']['variants']['entries']} entries, "
          f"{meta['sets']['variants']['queries']} queries", file=sys.stderr)

    gen11 = os.path.join(out, "gen-11")
    gsec = run_generate(args.waspada, 11, args.synthetic_persons, gen11)
    t = time.time()
    meta["sets"]["synthetic"] = make_synthetic(os.path.join(out, "synthetic"), gen11, args)
    meta["sets"]["synthetic"].update(generate_seconds=gsec, seconds=round(time.time() - t, 2),
                                     generate=f"generate --seed 11 --persons "
                                              f"{args.synthetic_persons}")
    print(f"synthetic: {meta['sets']['synthetic']['entries']} entries, "
          f"{meta['sets']['synthetic']['positives']} positives, "
          f"{meta['sets']['synthetic']['nonmatch']} non-matching", file=sys.stderr)

    if not args.skip_speed:
        gen12 = os.path.join(out, "gen-12")
        gsec = run_generate(args.waspada, 12, args.speed_persons, gen12)
        t = time.time()
        meta["sets"]["speed"] = make_speed(os.path.join(out, "speed"), gen12,
                                           os.path.join(gen11, "persons.csv"), args, groups)
        meta["sets"]["speed"].update(generate_seconds=gsec, seconds=round(time.time() - t, 2),
                                     generate=f"generate --seed 12 --persons "
                                              f"{args.speed_persons}")
        shutil.rmtree(gen12)
        print(f"speed: {meta['sets']['speed']['entries']} entries, "
              f"{meta['sets']['speed']['queries']} queries", file=sys.stderr)
    with open(os.path.join(out, "sets.json"), "w") as f:
        json.dump(meta, f, indent=2)


if __name__ == "__main__":
    main()
