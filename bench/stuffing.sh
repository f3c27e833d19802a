#!/usr/bin/env bash
# Sign-in under attack (issue 6): how long one sign-in takes (Argon2id, meant to be slow), and
# whether the server still answers other requests at full speed while one address fires a burst of
# 100 sign-in attempts at 100 different accounts (credential stuffing), and whether the burst is
# throttled. Lookups run at 500 req/s for 20 s without the burst, then 20 s with it.
#
#   bench/checks.sh ...        # once, to build bench/out/checks/data (1,000,000 persons)
#   bench/stuffing.sh [--waspada BIN]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WASPADA="$ROOT/target/release/waspada" PORT=18484
while [[ $# -gt 0 ]]; do
  case "$1" in
    --waspada) WASPADA="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
DATA="$ROOT/bench/out/checks/data" WORLD="$ROOT/bench/out/checks/world" OUT="$ROOT/bench/out/stuffing"
[[ -d "$DATA" ]] || { echo "run bench/checks.sh first" >&2; exit 1; }
rm -rf "$OUT"; mkdir -p "$OUT"
LOADGEN_DIR="$ROOT/bench/loadgen"
(cd "$LOADGEN_DIR" && CARGO_TARGET_DIR="$LOADGEN_DIR/target" cargo build --release -q)
LOADGEN="$LOADGEN_DIR/target/release/waspada-loadgen"
PASSWORD="stuffing-bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
USER_NAME="stuff$RANDOM"
printf '%s\n' "$PASSWORD" | "$WASPADA" admin create-user --data "$DATA" --username "$USER_NAME" --role officer >/dev/null
WASPADA_LOG=warn "$WASPADA" serve --data "$DATA" --addr "127.0.0.1:$PORT" > "$OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do sleep 0.2; done
python3 - "$PORT" "$USER_NAME" "$PASSWORD" "$WORLD" "$OUT" "$LOADGEN" <<'PY'
import concurrent.futures, csv, json, random, statistics, subprocess, sys, time, urllib.request, urllib.error
port, user, password, world, out, loadgen = sys.argv[1:]
base = f"http://127.0.0.1:{port}"
def login(name, secret):
    body = json.dumps({"username": name, "password": secret}).encode()
    req = urllib.request.Request(f"{base}/api/v1/auth/login", data=body, headers={"content-type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, time.perf_counter() - started, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, time.perf_counter() - started, None
# One sign-in, five times in a row (the hash is the slow part by design).
times = []
token = None
for _ in range(5):
    status, seconds, body = login(user, password)
    assert status == 200, status
    times.append(seconds * 1000); token = body["token"]
niks = [row["nik"] for row in csv.DictReader(open(f"{world}/persons.csv"))]
random.seed(7)
open(f"{out}/paths.txt", "w").write("\n".join(f"/api/v1/persons/by-nik/{n}" for n in random.sample(niks, 5000)) + "\n")
def lookups(label):
    r = subprocess.run([loadgen, "--url", base, "--rate", "500", "--duration", "20", "--warmup", "2", "--purpose", "benchmark",
                        "--paths", f"{out}/paths.txt", "--connections", "32", "--label", label],
                       env={"WASPADA_TOKEN": token, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    return json.loads(r.stdout)
baseline = lookups("baseline")
# The burst: 100 attempts, 100 accounts, 10 at a time, starting 5 s into the measured run.
burst = {}
def attack():
    time.sleep(7)
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        results = list(pool.map(lambda n: login(f"victim{n}", "Summer2026!!x"), range(100)))
    burst["seconds"] = time.perf_counter() - started
    burst["statuses"] = {str(s): sum(1 for r in results if r[0] == s) for s in sorted({r[0] for r in results})}
    burst["p50_ms"] = round(statistics.median(r[1] * 1000 for r in results), 1)
with concurrent.futures.ThreadPoolExecutor(1) as pool:
    attacker = pool.submit(attack)
    during = lookups("during-burst")
    attacker.result()
result = {
    "sign_in_ms": {"median": round(statistics.median(times), 1), "min": round(min(times), 1), "max": round(max(times), 1)},
    "lookups_baseline": {k: baseline[k] for k in ("achieved_rate", "p50_ms", "p99_ms", "max_ms", "errors")},
    "lookups_during_burst": {k: during[k] for k in ("achieved_rate", "p50_ms", "p99_ms", "max_ms", "errors")},
    "burst": burst,
}
print(json.dumps(result, indent=1))
json.dump(result, open(f"{out}/results.json", "w"), indent=1)
PY
