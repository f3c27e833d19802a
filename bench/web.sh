#!/usr/bin/env bash
# Web-app figures (issue 5): time to first byte and total time of the main pages, the counter
# check page from MRZ submit to rendered result, and page weights, against the store that
# bench/checks.sh built (1,000,000 synthetic persons). Sequential requests with curl on loopback.
#
#   bench/checks.sh ...            # once, to build bench/out/checks/data and world
#   bench/web.sh [--waspada BIN] [--requests 300]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WASPADA="$ROOT/target/release/waspada" REQUESTS=300 PORT=18383
while [[ $# -gt 0 ]]; do
  case "$1" in
    --waspada) WASPADA="$2"; shift ;;
    --requests) REQUESTS="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
DATA="$ROOT/bench/out/checks/data" WORLD="$ROOT/bench/out/checks/world" OUT="$ROOT/bench/out/web"
[[ -d "$DATA" ]] || { echo "run bench/checks.sh first" >&2; exit 1; }
rm -rf "$OUT"; mkdir -p "$OUT"
echo 'benchmark-password-123' | "$WASPADA" admin create-user --data "$DATA" --username webkasi --role supervisor >/dev/null 2>&1 || true
WASPADA_LOG=warn "$WASPADA" serve --data "$DATA" --addr "127.0.0.1:$PORT" > "$OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do sleep 0.2; done
python3 - "$PORT" "$WORLD" "$REQUESTS" "$OUT" <<'PY'
import csv, json, random, re, statistics, subprocess, sys
port, world, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
base = f"http://127.0.0.1:{port}"
jar = f"{out}/jar"
def curl(args):
    fmt = "%{http_code} %{size_download} %{time_starttransfer} %{time_total}"
    r = subprocess.run(["curl", "-s", "-o", f"{out}/body.html", "-c", jar, "-b", jar, "-w", fmt] + args, capture_output=True, text=True)
    code, size, ttfb, total = r.stdout.split()
    return int(code), int(size), float(ttfb) * 1000, float(total) * 1000, open(f"{out}/body.html").read()
def csrf(body):
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', body); return m.group(1) if m else ""
def login(user):
    subprocess.run(["rm", "-f", jar])
    _, size, ttfb, _, body = curl([f"{base}/login"])
    curl(["-X", "POST", f"{base}/login", "--data-urlencode", f"username={user}", "--data-urlencode", "password=benchmark-password-123", "--data-urlencode", f"csrf={csrf(body)}"])
    return size, ttfb
results = {}
size, ttfb = login("bench")
results["login"] = {"bytes": size, "ttfb_ms": round(ttfb, 2)}
code, size, ttfb, total, body = curl([f"{base}/check"])
results["check_empty"] = {"bytes": size, "ttfb_ms": round(ttfb, 2)}
token = csrf(body)
zones = list(csv.DictReader(open(f"{world}/truth/mrz.csv")))
random.seed(5)
times, ttfbs, sizes = [], [], []
for i in range(n):
    z = random.choice(zones)
    code, size, ttfb, total, body = curl(["-X", "POST", f"{base}/check", "--data-urlencode", f"q={z['line1']}\n{z['line2']}", "--data-urlencode", "purpose=benchmark", "--data-urlencode", f"csrf={token}"])
    assert code == 200, (code, body[:300])
    times.append(total); ttfbs.append(ttfb); sizes.append(size)
times.sort(); ttfbs.sort()
q = lambda v, p: v[min(len(v) - 1, int(p * len(v)))]
results["check_mrz_submit"] = {"requests": n, "p50_ms": round(q(times, .5), 2), "p99_ms": round(q(times, .99), 2), "max_ms": round(times[-1], 2),
    "ttfb_p99_ms": round(q(ttfbs, .99), 2), "bytes_median": int(statistics.median(sizes)), "bytes_max": max(sizes)}
# The person page of a traveller from the last check result (its NIK link), with a purpose.
nik = re.search(r'href="/person/(\d{16})"', body)
if nik:
    code, size, ttfb, total, _ = curl(["--cookie", "waspada_purpose=benchmark", f"{base}/person/{nik.group(1)}"])
    results["person"] = {"status": code, "bytes": size, "ttfb_ms": round(ttfb, 2), "total_ms": round(total, 2)}
login("webkasi")
for name, path in [("home", "/"), ("audit", "/audit"), ("watchlist", "/watchlist"), ("policy", "/policy")]:
    code, size, ttfb, total, _ = curl([f"{base}{path}"])
    assert code == 200, (path, code)
    results[name] = {"bytes": size, "ttfb_ms": round(ttfb, 2), "total_ms": round(total, 2)}
print(json.dumps(results, indent=1))
json.dump(results, open(f"{out}/results.json", "w"), indent=1)
PY
