#!/usr/bin/env python3
"""Score `waspada assess` against a synthetic world's truth/ (docs/synthetic-data.md).

    python3 bench/detect_eval.py WORLD_DIR ASSESS.jsonl     # prints JSON and a Markdown table

Application level: for every planted pattern, the share of its applications sent to a secondary
interview or further (recall), and for legitimate look-alikes the share wrongly sent there.
Overall precision of "interview or further" = share of those applications that belong to a
planted `flag` pattern. Per detector: its precision (share of applications raising it that are
in a flag pattern) and recall against the pattern it targets. Person level: recruiter agents
found by `recruiter_phone_owner`, and identity pairs found by `possible_duplicate_identity`.
"""
import csv
import json
import sys
from collections import defaultdict

world, assess_path = sys.argv[1], sys.argv[2]
patterns = {r["pattern_id"]: r for r in csv.DictReader(open(f"{world}/truth/patterns.csv"))}
labels = list(csv.DictReader(open(f"{world}/truth/labels.csv")))
apps = {r["reference"]: r for r in csv.DictReader(open(f"{world}/applications.csv"))}
apps_by_nik = defaultdict(list)
for ref, a in apps.items():
    apps_by_nik[a["applicant_nik"]].append(ref)

results = {}
persons = {}
for line in open(assess_path):
    r = json.loads(line)
    if "reference" in r:
        results[r["reference"]] = r
    else:
        persons[r["person_nik"]] = r

# Which applications belong to which pattern (person labels reach the person's applications).
app_patterns = defaultdict(set)
for l in labels:
    p = l["pattern"]
    if l["record_kind"] == "application":
        app_patterns[l["record_key"]].add(p)
    elif l["record_kind"] == "person" and l["role"] in ("recruit", "applicant", "adult_identity", "identity_b", "family_member"):
        for ref in apps_by_nik.get(l["record_key"], []):
            app_patterns[ref].add(p)
flag_patterns = {r["pattern"] for r in patterns.values() if r["expected"] == "flag"}
clear_patterns = {r["pattern"] for r in patterns.values() if r["expected"] == "clear"}

def raised(ref):
    return results.get(ref, {}).get("recommendation", "proceed") != "proceed"

out = {"applications": len(results)}
rows = []
for p in sorted(flag_patterns | clear_patterns | {"duplicate_application"}):
    refs = [ref for ref, ps in app_patterns.items() if p in ps and ref in results]
    if not refs:
        continue
    share = sum(raised(r) for r in refs) / len(refs)
    kind = "clear" if p in clear_patterns else ("note" if p == "duplicate_application" else "flag")
    out[f"pattern:{p}"] = {"applications": len(refs), "sent_to_interview": round(share, 3), "expected": kind}
    rows.append((p, kind, len(refs), share))

interviewed = [ref for ref in results if raised(ref)]
in_flag = [ref for ref in interviewed if app_patterns.get(ref, set()) & flag_patterns]
flag_apps = [ref for ref in results if app_patterns.get(ref, set()) & flag_patterns]
out["interview_share"] = round(len(interviewed) / max(1, len(results)), 4)
out["interview_precision"] = round(len(in_flag) / max(1, len(interviewed)), 3)
out["flag_recall"] = round(sum(raised(r) for r in flag_apps) / max(1, len(flag_apps)), 3)

targets = {
    "shared_contact_phone": {"recruiter_network"},
    "shared_sponsor": {"recruiter_network"},
    "far_from_domicile": {"far_from_domicile"},
    "splp_return": {"splp_repatriation"},
    "prior_delay": {"identity_fraud", "splp_repatriation", "recruiter_network"},
    "work_intent_hidden": {"recruiter_network", "splp_repatriation"},
    "desa_burst": {"recruiter_network"},
    "risky_destination": {"recruiter_network"},
    "lost_passport_history": {"splp_repatriation", "lost_or_stolen_passport"},
    "valid_passport_held": {"duplicate_application", "identity_fraud"},
    "possible_duplicate_identity": {"identity_fraud", "minor_as_adult"},
}
detectors = {}
for code, pats in targets.items():
    raising = [ref for ref, r in results.items() if code in r["indicators"]]
    relevant = [ref for ref in raising if app_patterns.get(ref, set()) & (pats | flag_patterns)]
    target_apps = [ref for ref in results if app_patterns.get(ref, set()) & pats]
    hit = [ref for ref in target_apps if code in results[ref]["indicators"]]
    detectors[code] = {
        "raised": len(raising),
        "precision": round(len(relevant) / len(raising), 3) if raising else None,
        "recall": round(len(hit) / len(target_apps), 3) if target_apps else None,
    }
out["detectors"] = detectors

agents = {l["record_key"] for l in labels if l["role"] == "agent"}
found = {n for n, r in persons.items() if "recruiter_phone_owner" in r["indicators"]}
out["agents"] = {"planted": len(agents), "flagged": len(found), "found": len(agents & found),
                 "precision": round(len(agents & found) / max(1, len(found)), 3),
                 "recall": round(len(agents & found) / max(1, len(agents)), 3)}
pairs = list(csv.DictReader(open(f"{world}/truth/identity_pairs.csv")))
pair_niks = {p["nik_a"] for p in pairs} | {p["nik_b"] for p in pairs}
dup = {n for n, r in persons.items() if "possible_duplicate_identity" in r["indicators"]}
pairs_found = sum(1 for p in pairs if p["nik_a"] in dup or p["nik_b"] in dup)
out["identities"] = {"pairs": len(pairs), "pairs_found": pairs_found,
                     "recall": round(pairs_found / max(1, len(pairs)), 3),
                     "flagged_persons": len(dup),
                     "precision": round(len(dup & pair_niks) / max(1, len(dup)), 3)}
# Calibration: among applications in each score band, the share that belong to a planted `flag`
# pattern (a calibrated score would track the band).
bands = [(0.0, 0.05), (0.05, 0.15), (0.15, 0.35), (0.35, 0.55), (0.55, 0.75), (0.75, 1.01)]
calibration = []
for lo, hi in bands:
    refs = [ref for ref, r in results.items() if lo <= r["score"] < hi]
    flagged = sum(1 for ref in refs if app_patterns.get(ref, set()) & flag_patterns)
    calibration.append({"band": f"{lo:.2f}-{min(hi, 1.0):.2f}", "applications": len(refs),
                        "planted_share": round(flagged / len(refs), 3) if refs else None})
out["calibration"] = calibration
print(json.dumps(out, indent=1))
print()
print("| pattern | expected | applications | sent to interview or further |\n|---|---|---|---|")
for p, kind, n, share in rows:
    print(f"| {p} | {kind} | {n} | {share:.1%} |")
print(f"\nInterview share {out['interview_share']:.1%}; precision {out['interview_precision']:.1%}; recall over flag patterns {out['flag_recall']:.1%}")
print("\n| detector | raised | precision | recall vs its pattern |\n|---|---|---|---|")
for code, d in detectors.items():
    fmt = lambda v: "—" if v is None else f"{v:.1%}"
    print(f"| {code} | {d['raised']} | {fmt(d['precision'])} | {fmt(d['recall'])} |")
print("\n| score band | applications | share in a planted flag pattern |\n|---|---|---|")
for c in calibration:
    share = "—" if c["planted_share"] is None else f"{c['planted_share']:.1%}"
    print(f"| {c['band']} | {c['applications']} | {share} |")
a = out["agents"]; i = out["identities"]
print(f"\nRecruiter agents (recruiter_phone_owner): {a['found']}/{a['planted']} found, precision {a['precision']:.1%}")
print(f"Identity pairs (possible_duplicate_identity): {i['pairs_found']}/{i['pairs']} found, precision {i['precision']:.1%} of {i['flagged_persons']} flagged persons")
