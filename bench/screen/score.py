#!/usr/bin/env python3
"""Score `waspada screen` and its peers on the sets of make_sets.py (see bench/screen/README.md).

    python3 bench/screen/score.py OUTDIR --waspada BIN [--skip-speed] [--core N] …

Matchers, on the same queries and watchlists:
  waspada            `BIN screen` at its default threshold, and `--threshold 0 --top 5` for the
                     score curve
  rapidfuzz WRatio   fuzz.WRatio with utils.default_process, every query against every entry name
                     and alias (all pairs: the quality watchlists are small); its natural threshold
                     is a convention (0.90), the library has none
  WRatio + gate      the same, but 0 when birth dates or sexes conflict (how much the other fields
                     are worth to a name-only scorer)
  nomenklatura       LogicV2, NameMatcher (deprecated upstream in favour of OFACMatcher, so that is
                     reported too) comparing followthemoney Person entities (name, alias,
                     birthDate, gender, nationality); candidates are blocked as yente does with a
                     search index: the 20 best entries by WRatio, plus the true entry of a positive
                     query so that recall measures the scorer, not the blocking. Natural threshold:
                     yente's default match threshold, 0.70.

Per matcher: recall of the true entry and false hits per 100 non-matching queries at its natural
threshold, and recall at the lowest threshold giving at most 1 false hit per 100 non-matching
queries. A false hit is a non-matching query with any entry at or above the threshold, or a
positive query with a wrong entry at or above it (counted once per query). A true entry counts
only within the top 5 (the curve run's --top). Results: OUTDIR/results.json, OUTDIR/results.md,
and the Markdown tables on stdout.
"""

import argparse
import csv
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict

import numpy as np
from rapidfuzz import fuzz, process, utils

TOP = 5
WRATIO_NATURAL = 0.90
NK_NATURAL = 0.70
NK_BLOCK = 20


# --------------------------------------------------------------------------------------------
# Sets.
# --------------------------------------------------------------------------------------------

def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class Set:
    def __init__(self, name, d):
        self.name, self.dir = name, d
        self.w = read_csv(os.path.join(d, "watchlist.csv"))
        self.q = read_csv(os.path.join(d, "queries.csv"))
        self.labels = {r["query_id"]: r for r in read_csv(os.path.join(d, "labels.csv"))}
        self.eids = [w["id"] for w in self.w]
        self.eidx = {e: i for i, e in enumerate(self.eids)}
        self.qids = [q["id"] for q in self.q]
        self.expected = {q: self.labels[q]["expected_entry_id"] for q in self.qids}
        self.pos = [q for q in self.qids if self.expected[q]]
        self.neg = [q for q in self.qids if not self.expected[q]]

    def tags(self, qid):
        """Phenomenon tags of a query, from labels.csv's relation."""
        out = set()
        for item in self.labels[qid]["relation"].split(";"):
            item = item.strip()
            if not item:
                continue
            if item.startswith("dob:") or item.startswith("truth:"):
                out.add(":".join(item.split(":")[:2]))
            else:
                out.add(re.split(r"[:\[]", item)[0])
        return out


# --------------------------------------------------------------------------------------------
# Metrics. A matcher's result per query: true_score (score of the true entry if it is within
# the top TOP, else None) and false_score (best score of a wrong entry, None if none).
# --------------------------------------------------------------------------------------------

def wilson(k, n, z=1.96):
    if n == 0:
        return [None, None]
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return [round(max(0.0, c - h), 4), round(min(1.0, c + h), 4)]


def at_threshold(s, res, t, qids=None):
    qids = qids if qids is not None else [q for q in s.qids if q in res]
    pos = [q for q in qids if s.expected[q]]
    neg = [q for q in qids if not s.expected[q]]
    rec = sum(1 for q in pos if res[q][0] is not None and res[q][0] >= t)
    fneg = sum(1 for q in neg if res[q][1] is not None and res[q][1] >= t)
    fpos = sum(1 for q in pos if res[q][1] is not None and res[q][1] >= t)
    return {"threshold": round(t, 6), "recall": round(rec / len(pos), 4) if pos else None,
            "recalled": rec, "positives": len(pos), "recall_ci95": wilson(rec, len(pos)),
            "false_hits": fneg + fpos, "false_hits_nonmatching": fneg,
            "false_hits_positives_wrong_entry": fpos, "nonmatching": len(neg),
            "false_hits_per_100": round(100 * (fneg + fpos) / len(neg), 2) if neg else None}


def calibrated(s, res, qids=None):
    """Lowest threshold with at most 1 false hit per 100 non-matching queries."""
    qids = qids if qids is not None else [q for q in s.qids if q in res]
    neg = [q for q in qids if not s.expected[q]]
    allowed = len(neg) // 100
    fs = sorted((res[q][1] for q in qids if res[q][1] is not None), reverse=True)
    if len(fs) <= allowed:
        t, above = 0.0, None
    else:
        t, above = float(np.nextafter(fs[allowed], np.inf)), fs[allowed]
    d = at_threshold(s, res, t, qids)
    d["threshold_above"] = None if above is None else round(float(above), 6)
    return d


def by_tag(s, res, t):
    counts, hits = Counter(), Counter()
    for q in s.pos:
        if q not in res:
            continue
        for tag in s.tags(q):
            counts[tag] += 1
            if res[q][0] is not None and res[q][0] >= t:
                hits[tag] += 1
    return {tag: {"n": counts[tag], "recall": round(hits[tag] / counts[tag], 4)}
            for tag in sorted(counts)}


def from_ranked(s, ranked, top=TOP):
    """{qid: [(eid, score) best first]} -> {qid: (true_score, false_score)}."""
    res = {}
    for q in s.qids:
        hits = ranked.get(q, [])
        exp = s.expected[q]
        true = next((sc for e, sc in hits[:top] if e == exp), None) if exp else None
        false = max((sc for e, sc in hits if e != exp), default=None)
        res[q] = (true, false)
    return res


def from_matrix(s, m, qids=None):
    """Score matrix (queries x entries, 0..1) -> {qid: (true_score, false_score)}."""
    res = {}
    for qi, q in enumerate(s.qids):
        row = m[qi]
        exp = s.expected[q]
        if exp:
            ei = s.eidx[exp]
            ts = float(row[ei])
            better = int((row > ts).sum())
            others = np.delete(row, ei)
            fs = float(others.max()) if others.size else None
            res[q] = (ts if better < TOP else None, fs)
        else:
            res[q] = (None, float(row.max()) if row.size else None)
    return res


# --------------------------------------------------------------------------------------------
# waspada.
# --------------------------------------------------------------------------------------------

def run_cmd(cmd, stdout_path, core=None, nice=0):
    """Run, time (wall and rusage) and capture stderr; stdout to a file."""
    full = list(cmd)
    if core is not None and shutil.which("taskset"):
        full = ["taskset", "-c", str(core)] + full
    if nice:
        full = ["nice", "-n", str(nice)] + full
    t = time.perf_counter()
    with open(stdout_path, "wb") as out, open(stdout_path + ".stderr", "wb") as err:
        p = subprocess.Popen(full, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    with open(stdout_path + ".stderr", encoding="utf-8", errors="replace") as f:
        stderr = f.read()
    return {"command": " ".join(full), "exit": p.returncode, "wall_s": round(wall, 3),
            "cpu_s": round(ru.ru_utime + ru.ru_stime, 3), "peak_rss_mib": round(
                ru.ru_maxrss / 1024, 1), "stderr_tail": stderr.strip().splitlines()[-5:],
            "stderr": stderr}


def _secs(v, unit):
    v = float(v.replace(",", ""))
    return v / 1000 if unit == "ms" else v


def parse_stderr(text):
    out = {}
    m = re.search(r"index:\s*([\d,]+)\s+entries\s+built\s+in\s+([\d.,]+)\s*(ms|s)\b", text)
    if m:
        out["index_entries"] = int(m.group(1).replace(",", ""))
        out["index_build_s"] = _secs(m.group(2), m.group(3))
    m = re.search(r"screened\s+([\d,]+)\s+queries\s+in\s+([\d.,]+)\s*(ms|s)\b"
                  r"(?:\s*\(\s*([\d.,]+)\s*queries/s\s*\))?", text)
    if m:
        out["screened_queries"] = int(m.group(1).replace(",", ""))
        out["screen_s"] = _secs(m.group(2), m.group(3))
        if m.group(4):
            out["queries_per_s_reported"] = float(m.group(4).replace(",", ""))
    m = re.search(r"threshold\D{0,12}?(0?\.\d+|1(?:\.0+)?|0)\b", text)
    if m:
        out["threshold_reported"] = float(m.group(1))
    return out


def parse_jsonl(path, qids, eids, threshold=None, top=None):
    """Check the output against the contract; -> ({qid: [(eid, score)]}, violations)."""
    ranked, viol = {}, Counter()
    examples = defaultdict(list)
    qset, eset = set(qids), set(eids)

    def bad(kind, detail):
        viol[kind] += 1
        if len(examples[kind]) < 3:
            examples[kind].append(detail[:300])

    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                o = json.loads(line)
            except ValueError:
                bad("not JSON", f"line {n}: {line}")
                continue
            if not isinstance(o, dict) or "query_id" not in o or not isinstance(
                    o.get("hits"), list):
                bad("no query_id or hits list", f"line {n}: {line}")
                continue
            q = str(o["query_id"])
            if q not in qset:
                bad("unknown query_id", q)
                continue
            if q in ranked:
                bad("query answered twice", q)
                continue
            hits = []
            for h in o["hits"]:
                if not isinstance(h, dict) or "entry_id" not in h or "score" not in h:
                    bad("hit without entry_id/score", f"{q}: {h}")
                    continue
                e, sc = str(h["entry_id"]), h["score"]
                if not isinstance(sc, (int, float)) or isinstance(sc, bool) or not (
                        0.0 <= sc <= 1.0):
                    bad("score not a number in 0..1", f"{q}: {h}")
                    continue
                if e not in eset:
                    bad("unknown entry_id", f"{q}: {e}")
                if not isinstance(h.get("reasons"), list):
                    bad("reasons missing or not a list", f"{q}: {h}")
                if threshold is not None and sc < threshold - 1e-9:
                    bad("hit below --threshold", f"{q}: {sc} < {threshold}")
                hits.append((e, float(sc)))
            if any(hits[i][1] < hits[i + 1][1] for i in range(len(hits) - 1)):
                bad("hits not best first", q)
                hits.sort(key=lambda x: -x[1])
            if len({e for e, _ in hits}) != len(hits):
                bad("entry listed twice in one answer", q)
            if top is not None and len(hits) > top:
                bad("more hits than --top", f"{q}: {len(hits)}")
            ranked[q] = hits
    missing = [q for q in qids if q not in ranked]
    if missing:
        viol["queries without an answer line"] = len(missing)
        examples["queries without an answer line"] = missing[:3]
    return ranked, {"counts": dict(viol), "examples": dict(examples)}


def help_default_threshold(waspada):
    """The default --threshold as `waspada screen --help` states it ([default: X]), if it does."""
    try:
        h = subprocess.run([waspada, "screen", "--help"], capture_output=True, text=True,
                           timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"--threshold\b.{0,400}?\[default:\s*([0-9.]+)\]", h, re.S)
    return float(m.group(1)) if m else None


def waspada_quality(s, args, work):
    out = {"matcher": "waspada screen"}
    base = [args.waspada, "screen", "--watchlist", os.path.join(s.dir, "watchlist.csv"),
            "--queries", os.path.join(s.dir, "queries.csv")]
    r = run_cmd(base, os.path.join(work, f"{s.name}-default.jsonl"), args.core)
    out["default_run"] = {k: v for k, v in r.items() if k != "stderr"}
    out["default_run"].update(parse_stderr(r["stderr"]))
    if r["exit"] != 0:
        out["error"] = f"`{' '.join(base[1:2])}` exited {r['exit']}: " + " / ".join(
            r["stderr_tail"])[:400]
        return out
    ranked, viol = parse_jsonl(os.path.join(work, f"{s.name}-default.jsonl"), s.qids, s.eids)
    out["default_run"]["contract_violations"] = viol
    res = from_ranked(s, ranked, top=10 ** 9)
    hits = [sc for h in ranked.values() for _, sc in h]
    d = at_threshold(s, res, 0.0)  # every printed hit is at/above the default threshold
    d["threshold"] = out["default_run"].get("threshold_reported", args.default_threshold)
    d["min_hit_score"] = round(min(hits), 4) if hits else None
    out["natural"] = d
    out["natural_threshold_label"] = ("default " + (f"{d['threshold']:.2f}" if d["threshold"]
                                                   is not None else
                                                   f"(min hit {d['min_hit_score']})"))
    out["default_by_phenomenon"] = by_tag(s, res, 0.0)

    r = run_cmd(base + ["--threshold", "0", "--top", str(TOP)],
                os.path.join(work, f"{s.name}-curve.jsonl"), args.core)
    out["curve_run"] = {k: v for k, v in r.items() if k != "stderr"}
    if r["exit"] != 0:
        out["curve_error"] = f"exit {r['exit']}: " + " / ".join(r["stderr_tail"])[:400]
        return out
    ranked, viol = parse_jsonl(os.path.join(work, f"{s.name}-curve.jsonl"), s.qids, s.eids,
                               threshold=0.0, top=TOP)
    out["curve_run"]["contract_violations"] = viol
    res = from_ranked(s, ranked)
    out["at_1_per_100"] = calibrated(s, res)
    out["at_1_per_100_without_dob_conflicts"] = name_only(s, res)
    out["by_phenomenon_at_1_per_100"] = by_tag(s, res, out["at_1_per_100"]["threshold"])
    out["curve"] = [at_threshold(s, res, t) for t in np.round(np.arange(0.5, 1.0001, 0.05), 2)]
    return out


# --------------------------------------------------------------------------------------------
# Peers.
# --------------------------------------------------------------------------------------------

def entry_names(s):
    names, owner = [], []
    for i, w in enumerate(s.w):
        for n in [w["full_name"]] + [a for a in (w.get("aliases") or "").split("|") if a]:
            names.append(n)
            owner.append(i)
    return names, np.array(owner)


def wratio_matrix(s):
    names, owner = entry_names(s)
    t = time.perf_counter()
    m = process.cdist([q["full_name"] for q in s.q], names, scorer=fuzz.WRatio,
                      processor=utils.default_process, workers=1, dtype=np.float32)
    secs = time.perf_counter() - t
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    m = np.maximum.reduceat(m, starts, axis=1) / 100.0
    return m, {"pairs": len(s.q) * len(names), "seconds": round(secs, 3),
               "pairs_per_s": round(len(s.q) * len(names) / secs)}


def partial_date(d):
    d = (d or "").strip()
    parts = d.split("-") if d else []
    vals = [int(x) for x in parts[:3] if x.isdigit()]
    return vals + [-1] * (3 - len(vals))


def conflict_matrix(s):
    qd = np.array([partial_date(q.get("date_of_birth")) for q in s.q]).reshape(-1, 3)
    ed = np.array([partial_date(w.get("date_of_birth")) for w in s.w]).reshape(-1, 3)
    c = np.zeros((len(s.q), len(s.w)), dtype=bool)
    for k in range(3):
        a, b = qd[:, k][:, None], ed[:, k][None, :]
        c |= (a >= 0) & (b >= 0) & (a != b)
    qs = np.array([(q.get("sex") or "") for q in s.q])[:, None]
    es = np.array([(w.get("sex") or "") for w in s.w])[None, :]
    c |= (qs != "") & (es != "") & (qs != es)
    return c


def name_only(s, res, qids=None):
    """Calibrated again without the same-name/conflicting-birth-date non-matches: how well the
    names alone are matched (None for sets without such queries)."""
    qids = qids if qids is not None else [q for q in s.qids if q in res]
    keep = [q for q in qids if s.labels[q]["kind"] != "nonmatch_dob_conflict"]
    return calibrated(s, res, keep) if len(keep) < len(qids) else None


def peer_result(s, name, res, natural, note, extra=None, qids=None):
    out = {"matcher": name, "note": note}
    out["natural"] = at_threshold(s, res, natural, qids)
    out["natural_threshold_label"] = f"{natural:.2f}"
    out["at_1_per_100"] = calibrated(s, res, qids)
    out["at_1_per_100_without_dob_conflicts"] = name_only(s, res, qids)
    out["by_phenomenon_at_1_per_100"] = by_tag(s, res, out["at_1_per_100"]["threshold"])
    if extra:
        out.update(extra)
    return out


def nk_entities(s):
    from followthemoney import model

    def ent(prefix, rid, name, aliases, dob, sex, nat):
        e = model.make_entity("Person")
        e.id = f"{s.name}:{prefix}:{rid}"
        e.add("name", name)
        for a in aliases:
            e.add("alias", a)
        if dob:
            e.add("birthDate", dob)
        if sex in ("M", "F"):
            e.add("gender", "male" if sex == "M" else "female")
        if nat:
            e.add("nationality", nat)
        return e

    ents = [ent("e", w["id"], w["full_name"], [a for a in (w.get("aliases") or "").split("|")
                                                if a], w.get("date_of_birth"), w.get("sex"),
                w.get("nationality")) for w in s.w]
    qents = [ent("q", q["id"], q["full_name"], [], q.get("date_of_birth"), q.get("sex"),
                 q.get("nationality")) for q in s.q]
    return qents, ents


def nomenklatura_peers(s, wr, budget, seed):
    import nomenklatura
    from nomenklatura.matching import LogicV2, NameMatcher, OFACMatcher

    qents, ents = nk_entities(s)
    k = min(NK_BLOCK, len(s.w))
    block = np.argpartition(-wr, k - 1, axis=1)[:, :k] if k < len(s.w) else np.tile(
        np.arange(len(s.w)), (len(s.q), 1))
    blocked_recall = []
    cands = []
    for qi, q in enumerate(s.qids):
        c = set(int(x) for x in block[qi])
        exp = s.expected[q]
        if exp:
            blocked_recall.append(s.eidx[exp] in c)
            c.add(s.eidx[exp])
        cands.append(sorted(c))
    order = list(range(len(s.qids)))
    random.Random(seed).shuffle(order)
    results = []
    for alg in (LogicV2, NameMatcher, OFACMatcher):
        cfg = alg.default_config()
        res, pairs, done = {}, 0, []
        t = time.perf_counter()
        for qi in order:
            if time.perf_counter() - t > budget:
                break
            q = s.qids[qi]
            scored = sorted(((s.eids[ei], alg.compare(qents[qi], ents[ei], cfg).score)
                             for ei in cands[qi]), key=lambda x: -x[1])
            pairs += len(scored)
            res.update(from_ranked_one(s, q, scored))
            done.append(q)
        secs = time.perf_counter() - t
        done_set = set(done)
        qids = [q for q in s.qids if q in done_set]
        sampled = len(qids) < len(s.qids)
        note = (f"nomenklatura {nomenklatura.__version__} {alg.__name__} ('{alg.NAME}'); "
                f"candidates: top {NK_BLOCK} by WRatio (+ true entry); natural threshold = "
                f"yente's default 0.70")
        if sampled:
            note += (f"; SAMPLED {len(qids)} of {len(s.qids)} queries (time budget {budget:.0f}"
                     f" s)")
        results.append(peer_result(
            s, f"nomenklatura {alg.__name__}", res, NK_NATURAL, note, qids=qids,
            extra={"pairs": pairs, "seconds": round(secs, 2),
                   "pairs_per_s": round(pairs / secs) if secs else None,
                   "queries_scored": len(qids), "queries_total": len(s.qids),
                   "blocker_recall_top20_wratio": round(sum(blocked_recall) / len(
                       blocked_recall), 4) if blocked_recall else None}))
    return results


def from_ranked_one(s, q, hits):
    exp = s.expected[q]
    true = next((sc for e, sc in hits[:TOP] if e == exp), None) if exp else None
    false = max((sc for e, sc in hits if e != exp), default=None)
    return {q: (true, false)}


def quality(s, args, work):
    print(f"[{s.name}] {len(s.w)} entries, {len(s.pos)} positive and {len(s.neg)} non-matching "
          f"queries", file=sys.stderr)
    out = {"entries": len(s.w), "queries": len(s.qids), "positives": len(s.pos),
           "nonmatching": len(s.neg),
           "nonmatching_kinds": dict(Counter(s.labels[q]["kind"] for q in s.neg)),
           "matchers": []}
    t = time.perf_counter()
    out["matchers"].append(waspada_quality(s, args, work))
    print(f"[{s.name}] waspada: {time.perf_counter() - t:.1f} s", file=sys.stderr)
    wr, info = wratio_matrix(s)
    res = from_matrix(s, wr)
    out["matchers"].append(peer_result(
        s, "rapidfuzz WRatio", res, WRATIO_NATURAL,
        "fuzz.WRatio, utils.default_process, all pairs (name and aliases); names only; "
        "threshold 0.90 is a convention (rapidfuzz has no default)", extra=info))
    gated = np.where(conflict_matrix(s), 0.0, wr)
    out["matchers"].append(peer_result(
        s, "rapidfuzz WRatio + date/sex gate", from_matrix(s, gated), WRATIO_NATURAL,
        "WRatio set to 0 when the birth dates (partial dates compared to the shorter precision)"
        " or the sexes conflict", extra=info))
    print(f"[{s.name}] rapidfuzz: {info['seconds']} s for {info['pairs']} pairs",
          file=sys.stderr)
    if not args.skip_nomenklatura:
        t = time.perf_counter()
        out["matchers"].extend(nomenklatura_peers(s, wr, args.nk_budget, args.seed))
        print(f"[{s.name}] nomenklatura: {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return out


# --------------------------------------------------------------------------------------------
# Speed.
# --------------------------------------------------------------------------------------------

def wait_for_quiet(max_load, max_wait):
    t = time.time()
    while os.getloadavg()[0] > max_load and time.time() - t < max_wait:
        time.sleep(5)
    return {"load_1min": round(os.getloadavg()[0], 2), "waited_s": round(time.time() - t)}


def speed(d, args, work, nk_pairs_per_s):
    s_w = os.path.join(d, "watchlist.csv")
    s_q = os.path.join(d, "queries.csv")
    labels = read_csv(os.path.join(d, "labels.csv"))
    out = {"load_before": wait_for_quiet(args.max_load, args.max_wait), "core": args.core}
    with open(s_q, encoding="utf-8") as f:
        nq = sum(1 for _ in f) - 1
    print(f"[speed] waspada screen over {s_w} ({nq} queries), pinned to core {args.core}",
          file=sys.stderr)
    r = run_cmd([args.waspada, "screen", "--watchlist", s_w, "--queries", s_q],
                os.path.join(work, "speed.jsonl"), args.core, 0)
    w = {k: v for k, v in r.items() if k != "stderr"}
    w.update(parse_stderr(r["stderr"]))
    if r["exit"] == 0:
        w["queries"] = nq
        w["queries_per_s_wall"] = round(nq / r["wall_s"], 1)
        w["queries_per_s"] = w.get("queries_per_s_reported") or (
            round(w["screened_queries"] / w["screen_s"], 1) if w.get("screen_s") else None)
        with open(s_w, encoding="utf-8") as f:
            eids = [row.split(",", 1)[0] for row in f][1:]
        ranked, viol = parse_jsonl(os.path.join(work, "speed.jsonl"),
                                   [l["query_id"] for l in labels], eids)
        w["contract_violations"] = viol
        pos = [l for l in labels if l["expected_entry_id"]]
        outcome = Counter()
        for l in pos:
            hits = ranked.get(l["query_id"], [])
            if any(e == l["expected_entry_id"] for e, _ in hits):
                outcome["found"] += 1
            elif not hits:
                outcome["no_hit"] += 1
            elif len(hits) >= 10:
                outcome["crowded_out_of_10_or_more_hits"] += 1
            else:
                outcome["other_entries_only"] += 1
        w["variant_outcomes"] = dict(outcome)
        w["variant_recall_default"] = round(outcome["found"] / len(pos), 4) if pos else None
        w["variant_queries"] = len(pos)
        by_name = Counter()
        with open(s_w, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                by_name[row["full_name"]] += 1
        w["variant_listed_names_held_by_more_than_10_entries"] = sum(
            1 for l in pos if by_name[l["listed_name"]] > 10)
        other = [l for l in labels if not l["expected_entry_id"]]
        w["other_queries_with_hits"] = sum(1 for l in other if ranked.get(l["query_id"]))
    else:
        w["error"] = f"exit {r['exit']}: " + " / ".join(r["stderr_tail"])[:400]
    out["waspada"] = w

    # rapidfuzz extractOne over the 1M names, single-threaded, on the same core.
    if shutil.which("taskset"):
        try:
            os.sched_setaffinity(0, {args.core})
        except OSError:
            pass
    t = time.perf_counter()
    with open(s_w, newline="", encoding="utf-8") as f:
        names = [row["full_name"] for row in csv.DictReader(f)]
    choices = [utils.default_process(n) for n in names]
    prep = time.perf_counter() - t
    rng = random.Random(args.seed)
    qrows = read_csv(s_q)
    sample = rng.sample(qrows, min(args.rf_sample, len(qrows)))
    t = time.perf_counter()
    done = 0
    for q in sample:
        process.extractOne(utils.default_process(q["full_name"]), choices, scorer=fuzz.WRatio,
                           processor=None)
        done += 1
        if time.perf_counter() - t > args.rf_budget:
            break
    secs = time.perf_counter() - t
    out["rapidfuzz_extractone"] = {
        "entries": len(choices), "queries_timed": done, "seconds": round(secs, 2),
        "queries_per_s": round(done / secs, 2), "preprocess_s": round(prep, 2),
        "note": "process.extractOne(fuzz.WRatio) over the pre-processed names (one core, "
                "workers=1 implied), best match only; names only"}
    if nk_pairs_per_s:
        out["nomenklatura_extrapolated"] = {
            k: {"pairs_per_s": v, "queries_per_s": round(v / max(1, len(choices)), 5)}
            for k, v in nk_pairs_per_s.items()}
    try:
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    except OSError:
        pass
    return out


# --------------------------------------------------------------------------------------------
# Report.
# --------------------------------------------------------------------------------------------

def fmt_rec(d):
    if not d or d.get("recall") is None:
        return "—"
    return f"{d['recall']:.3f} ({d['recalled']}/{d['positives']})"


def fmt_fh(d):
    if not d or d.get("false_hits_per_100") is None:
        return "—"
    return f"{d['false_hits_per_100']:.2f}"


def thr_label(cal):
    if not cal:
        return "—"
    if cal.get("threshold_above") is None:
        return "any (0)"
    if cal["threshold_above"] >= 1.0:
        return "none (too many false hits at 1.0)"
    return f"> {cal['threshold_above']:.4f}"


def markdown(results):
    lines = []
    lines.append("| set | matcher | natural threshold | recall there | false hits /100 there | "
                 "threshold for ≤ 1 /100 | recall there | false hits /100 there |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for sname, sres in results["sets"].items():
        if sname == "speed":
            continue
        label = f"{sname} ({sres['entries']} entries, {sres['positives']} pos / " \
                f"{sres['nonmatching']} non-match)"
        for m in sres["matchers"]:
            if "error" in m:
                lines.append(f"| {label} | {m['matcher']} | not available: "
                             f"{m['error'][:120].replace('|', '/')} | | | | | |")
                continue
            nat, cal = m.get("natural"), m.get("at_1_per_100")
            name = m["matcher"]
            if m.get("queries_scored") and m["queries_scored"] < m.get("queries_total", 0):
                name += f" (sampled {m['queries_scored']}/{m['queries_total']})"
            lines.append(
                f"| {label} | {name} | {m.get('natural_threshold_label', '')} | "
                f"{fmt_rec(nat)} | {fmt_fh(nat)} | "
                f"{thr_label(cal)}"
                f" | {fmt_rec(cal)} | {fmt_fh(cal)} |")
    sp = results["sets"].get("speed")
    if sp:
        lines.append("")
        lines.append("| speed (one core) | figure |")
        lines.append("|---|---|")
        w = sp["waspada"]
        if "error" in w:
            lines.append(f"| waspada screen | not available: {w['error'][:150]} |")
        else:
            build = w.get("index_build_s")
            lines.append(
                f"| waspada screen, {w.get('index_entries', '?')} entries: index build | "
                f"{build if build is not None else '? (no index line on stderr)'} s |")
            lines.append(
                f"| waspada screen, {w['queries']} queries | **{w['queries_per_s']} queries/s** "
                f"(stderr), {w['queries_per_s_wall']} queries/s over the whole process "
                f"({w['wall_s']} s wall, {w['cpu_s']} s CPU, peak RSS {w['peak_rss_mib']} MiB) |")
            o = w.get("variant_outcomes", {})
            lines.append(
                f"| sanity, not a target: true entry among the hits of the {w['variant_queries']}"
                f" variant queries (default threshold and --top) | {w['variant_recall_default']}"
                f" ({o.get('found', 0)} found, {o.get('no_hit', 0)} with no hit, "
                f"{o.get('crowded_out_of_10_or_more_hits', 0)} crowded out by ≥ 10 other hits, "
                f"{o.get('other_entries_only', 0)} other; "
                f"{w['variant_listed_names_held_by_more_than_10_entries']} of the listed names "
                f"are held by > 10 of the {w.get('index_entries', 'listed')} entries) |")
        rf = sp["rapidfuzz_extractone"]
        lines.append(f"| rapidfuzz extractOne(WRatio) over {rf['entries']} names "
                     f"({rf['queries_timed']} queries) | {rf['queries_per_s']} queries/s "
                     f"(+{rf['preprocess_s']} s to pre-process the names) |")
        for k, v in (sp.get("nomenklatura_extrapolated") or {}).items():
            lines.append(f"| {k}, extrapolated from {v['pairs_per_s']} pairs/s, no blocking | "
                         f"{v['queries_per_s']} queries/s |")
        lines.append(f"| 1-min load before the run | {sp['load_before']['load_1min']} |")
    t = results.get("targets")
    if t:
        lines.append("")
        lines.append("| target | measured | status |")
        lines.append("|---|---|---|")
        for row in t:
            lines.append(f"| {row['target']} | {row['measured']} | {row['status']} |")
    return "\n".join(lines)


def targets(results):
    rows = []

    def st(ok):
        return "n/a" if ok is None else ("met" if ok else "missed")

    for sname in ("variants", "synthetic"):
        s = results["sets"].get(sname)
        if not s:
            continue
        w = s["matchers"][0]
        if "error" in w:
            rows.append({"target": f"{sname}: recall ≥ 0.98 at default, ≤ 1 false hit /100",
                         "measured": "waspada screen not available", "status": "n/a"})
            continue
        n = w["natural"]
        ok = n["recall"] is not None and n["recall"] >= 0.98 and n["false_hits_per_100"] <= 1.0
        rows.append({"target": f"{sname}: recall ≥ 0.98 at the default threshold with ≤ 1 "
                               f"false hit per 100 non-matching",
                     "measured": f"recall {n['recall']}, {n['false_hits_per_100']} false hits "
                                 f"/100", "status": st(ok)})
        cal = w.get("at_1_per_100")
        if cal:
            best = max(((m["at_1_per_100"]["recall"] or 0, m["matcher"])
                        for m in s["matchers"][1:] if m.get("at_1_per_100")), default=None)
            if best:
                rows.append({"target": f"{sname}: beat every peer (recall at ≤ 1 false hit /100)",
                             "measured": f"waspada {cal['recall']} vs best peer {best[1]} "
                                         f"{best[0]}",
                             "status": st(cal["recall"] > best[0])})
    sp = results["sets"].get("speed")
    if sp:
        w = sp["waspada"]
        if "error" in w:
            rows.append({"target": "speed: ≥ 5,000 queries/s on one core, index build < 10 s",
                         "measured": "waspada screen not available", "status": "n/a"})
        else:
            q = w.get("queries_per_s")
            rows.append({"target": f"≥ 5,000 queries/s on one core against "
                                   f"{w.get('index_entries', '?')} entries",
                         "measured": f"{q} queries/s", "status": st(q is not None and q >= 5000)})
            b = w.get("index_build_s")
            rows.append({"target": "index build < 10 s", "measured": f"{b} s",
                         "status": st(None if b is None else b < 10)})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--waspada", required=True)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-nomenklatura", action="store_true")
    ap.add_argument("--sets", default="variants,synthetic")
    ap.add_argument("--core", type=int, default=0, help="core to pin waspada to (taskset)")
    ap.add_argument("--nice", type=int, default=10,
                    help="nice level for the quality part, entered after the speed part "
                         "(which runs at the caller's priority)")
    ap.add_argument("--nk-budget", type=float, default=60.0,
                    help="seconds per nomenklatura algorithm per set; queries beyond are not "
                         "scored (a seeded random sample is, and the output says so)")
    ap.add_argument("--rf-sample", type=int, default=200)
    ap.add_argument("--rf-budget", type=float, default=60.0)
    ap.add_argument("--max-load", type=float, default=1.0)
    ap.add_argument("--max-wait", type=float, default=120.0)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    args.waspada = os.path.abspath(args.waspada) if os.sep in args.waspada else args.waspada
    out = os.path.abspath(args.outdir)
    work = os.path.join(out, "runs")
    os.makedirs(work, exist_ok=True)

    results = {"generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "waspada": args.waspada, "cpu_count": os.cpu_count(), "sets": {},
               "definitions": {
                   "false_hit": "a non-matching query with any entry at/above the threshold, or "
                                "a positive query with a wrong entry at/above it (once per query)",
                   "false_hits_per_100": "false hits / non-matching queries * 100",
                   "recall": f"positive queries whose true entry is at/above the threshold "
                             f"and within the top {TOP}",
                   "at_1_per_100": "the lowest threshold with at most floor(N/100) false hits "
                                   "(N = non-matching queries); '> x' = just above score x"}}
    try:
        v = subprocess.run([args.waspada, "--version"], capture_output=True, text=True)
        results["waspada_version"] = v.stdout.strip()
        results["waspada_mtime"] = time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(shutil.which(args.waspada)
                                                               or args.waspada)))
    except OSError as e:
        sys.exit(f"cannot run {args.waspada}: {e}")
    try:
        here = os.path.dirname(os.path.abspath(__file__))
        results["git_head"] = subprocess.run(["git", "-C", here, "rev-parse", "--short", "HEAD"],
                                             capture_output=True, text=True).stdout.strip()
        results["git_dirty"] = bool(subprocess.run(
            ["git", "-C", here, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True).stdout.strip())
    except OSError:
        pass
    args.default_threshold = help_default_threshold(args.waspada)
    results["waspada_default_threshold_from_help"] = args.default_threshold
    try:
        import importlib.metadata as md
        results["peers"] = {p: md.version(p) for p in ("rapidfuzz", "nomenklatura", "rigour",
                                                       "followthemoney", "name-variants")}
    except Exception:  # noqa: BLE001
        pass
    meta = os.path.join(out, "sets.json")
    if os.path.exists(meta):
        with open(meta) as f:
            results["sets_meta"] = json.load(f)

    if not args.skip_speed and os.path.exists(os.path.join(out, "speed", "queries.csv")):
        # Speed first, un-niced, before the quality work; nomenklatura pair rates are filled
        # in from the quality sets afterwards.
        results["sets"]["speed"] = speed(os.path.join(out, "speed"), args, work, None)
    os.nice(args.nice) if args.nice > 0 else None
    for name in [x for x in args.sets.split(",") if x]:
        d = os.path.join(out, name)
        if not os.path.exists(os.path.join(d, "queries.csv")):
            print(f"[{name}] missing, skipped", file=sys.stderr)
            continue
        results["sets"][name] = quality(Set(name, d), args, work)
    sp = results["sets"].get("speed")
    if sp:
        rates = defaultdict(list)
        for sname, s in results["sets"].items():
            for m in s.get("matchers", []):
                if m["matcher"].startswith("nomenklatura") and m.get("pairs_per_s"):
                    rates[m["matcher"]].append(m["pairs_per_s"])
        n = sp["rapidfuzz_extractone"]["entries"]
        sp["nomenklatura_extrapolated"] = {
            k: {"pairs_per_s": round(sum(v) / len(v)), "queries_per_s": round(
                sum(v) / len(v) / n, 5)} for k, v in rates.items()}
    results["targets"] = targets(results)
    # Sets' own stderr logs are large; keep results.json readable.
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    md = markdown(results)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(md + "\n")
    print(md)
    for name, sres in results["sets"].items():
        extra = name_only_table(name, sres)
        if extra:
            print()
            print(extra)
            with open(os.path.join(out, "results.md"), "a") as f:
                f.write("\n" + extra + "\n")
    if "variants" in results["sets"]:
        print()
        print(phenomena_table(results["sets"]["variants"]))
        with open(os.path.join(out, "results.md"), "a") as f:
            f.write("\n" + phenomena_table(results["sets"]["variants"]) + "\n")


def name_only_table(name, sres):
    ms = [m for m in sres.get("matchers", []) if m.get("at_1_per_100_without_dob_conflicts")]
    if not ms:
        return ""
    lines = [f"| {name}, without the same-name/conflicting-birth-date non-matches | threshold "
             f"for ≤ 1 /100 | recall there | false hits /100 there |", "|---|---|---|---|"]
    for m in ms:
        d = m["at_1_per_100_without_dob_conflicts"]
        lines.append(f"| {m['matcher']} ({d['nonmatching']} non-matching) | {thr_label(d)} | "
                     f"{fmt_rec(d)} | {fmt_fh(d)} |")
    return "\n".join(lines)


def phenomena_table(sres):
    ms = [m for m in sres["matchers"] if m.get("by_phenomenon_at_1_per_100")]
    if not ms:
        return ""
    tags = sorted({t for m in ms for t in m["by_phenomenon_at_1_per_100"]})
    lines = ["| variants: recall by phenomenon at ≤ 1 false hit /100 | n | " +
             " | ".join(m["matcher"] for m in ms) + " |",
             "|---|---|" + "---|" * len(ms)]
    for t in tags:
        n = next(m["by_phenomenon_at_1_per_100"][t]["n"] for m in ms
                 if t in m["by_phenomenon_at_1_per_100"])
        cells = [f"{m['by_phenomenon_at_1_per_100'].get(t, {}).get('recall', '—')}" for m in ms]
        lines.append(f"| {t} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
