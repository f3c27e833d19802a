#!/usr/bin/env python3
"""The citizens' app on a phone-sized headless Chromium (360x740, touch), first visit:

- bytes transferred on the first load, counted by a byte-counting TCP proxy between the browser
  and `waspada serve` (headers included), until the service worker has installed and the network
  has been quiet for 3 s (so the service worker's own precache downloads are counted too);
- time to interactive: navigation start to the app's `waspada-ready` performance mark (forms bound,
  IndexedDB open, the queue read), under Chrome's network emulation;
- whether the app then starts with the network off (served by the service worker).

Profiles: none, "Fast 3G" and "Slow 3G" as Chrome DevTools / Puppeteer define them (Slow 3G: 2,000 ms
request latency, 500 kbit/s x 0.8 down and up). Each profile runs 3 times on a fresh browser profile.

    bench/lapor-shell.py [--waspada target/release/waspada] [--runs 3]

Needs chromium and chromedriver (Debian: apt-get install chromium chromium-driver).
"""
import argparse, json, os, shutil, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.request

PROFILES = {
    "none": None,
    "fast-3g": {"latency": 562.5, "download_throughput": int(1.6 * 1024 * 1024 / 8 * 0.9), "upload_throughput": int(750 * 1024 / 8 * 0.9)},
    "slow-3g": {"latency": 2000, "download_throughput": int(500 * 1024 / 8 * 0.8), "upload_throughput": int(500 * 1024 / 8 * 0.8)},
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, what, limit=60):
    started = time.time()
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            if time.time() - started > limit:
                sys.exit(f"{what} did not start on {port}")
            time.sleep(0.1)


class CountingProxy:
    """Forwards 127.0.0.1:port to the server and counts the bytes going to the browser."""

    def __init__(self, upstream):
        self.upstream, self.down, self.last = upstream, 0, time.time()
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def reset(self):
        with self.lock:
            self.down, self.last = 0, time.time()

    def accept(self):
        while True:
            client, _ = self.sock.accept()
            server = socket.create_connection(("127.0.0.1", self.upstream))
            threading.Thread(target=self.pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self.pump, args=(server, client, True), daemon=True).start()

    def pump(self, src, dst, count):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if count:
                    with self.lock:
                        self.down += len(data)
                        self.last = time.time()
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class WebDriver:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.session = None

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.load(r).get("value")

    def start(self, profile_dir):
        caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--user-data-dir={profile_dir}"],
            "mobileEmulation": {"deviceMetrics": {"width": 360, "height": 740, "pixelRatio": 2.0, "touch": True},
                                "userAgent": "Mozilla/5.0 (Linux; Android 11; Redmi 9A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"},
        }}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def network(self, conditions, offline=False):
        if conditions is None and not offline:
            conditions = {"latency": 0, "download_throughput": -1, "upload_throughput": -1}
        elif conditions is None:
            conditions = {"latency": 0, "download_throughput": 0, "upload_throughput": 0}
        body = {"network_conditions": dict(conditions, offline=offline)}
        self.call("POST", f"/session/{self.session}/chromium/network_conditions", body)

    def go(self, url):
        self.call("POST", f"/session/{self.session}/url", {"url": url})

    def js(self, script):
        return self.call("POST", f"/session/{self.session}/execute/sync", {"script": script, "args": []})

    def quit(self):
        if self.session:
            try:
                self.call("DELETE", f"/session/{self.session}")
            except Exception:
                pass
        self.session = None


def until(driver, script, limit):
    started = time.time()
    while time.time() - started < limit:
        try:
            if driver.js(script):
                return True
        except Exception:
            pass
        time.sleep(0.05)
    return False


def run_once(driver, proxy_port, proxy, conditions):
    profile = tempfile.mkdtemp(prefix="lapor-bench-")
    try:
        driver.start(profile)
        driver.network(conditions)
        proxy.reset()
        driver.go(f"http://127.0.0.1:{proxy_port}/lapor/")
        ok = until(driver, "return performance.getEntriesByName('waspada-ready').length > 0;", 60)
        tti = driver.js("const m = performance.getEntriesByName('waspada-ready')[0]; return m ? m.startTime : null;") if ok else None
        # Wait for the service worker to take over and the network to fall quiet (precache done).
        until(driver, "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);", 90)
        while time.time() - proxy.last < 3:
            time.sleep(0.2)
        transferred = proxy.down
        # Offline: the app must start from the service worker's copy.
        driver.network(conditions, offline=True)
        driver.go(f"http://127.0.0.1:{proxy_port}/lapor/")
        offline_ok = until(driver, "return document.body && document.body.dataset.ready === '1';", 30)
        return {"tti_ms": tti, "transferred_bytes": transferred, "offline_start": offline_ok}
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--waspada", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "waspada"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--chromedriver", default=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    args = ap.parse_args()
    out = os.path.join(os.path.dirname(__file__), "out", "lapor-shell")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    port, driver_port = free_port(), free_port()
    server = subprocess.Popen([args.waspada, "serve", "--data", os.path.join(out, "data"), "--addr", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(out, "serve.log"), "w"),
                              env=dict(os.environ, WASPADA_LOG="warn"))
    chromedriver = subprocess.Popen([args.chromedriver, f"--port={driver_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, "waspada serve")
        wait_port(driver_port, "chromedriver")
        proxy = CountingProxy(port)
        driver = WebDriver(driver_port)
        results = {}
        for name, conditions in PROFILES.items():
            runs = [run_once(driver, proxy.port, proxy, conditions) for _ in range(args.runs)]
            ttis = [r["tti_ms"] for r in runs if r["tti_ms"] is not None]
            results[name] = {
                "runs": runs,
                "tti_ms_median": round(statistics.median(ttis), 1) if ttis else None,
                "tti_ms_max": round(max(ttis), 1) if ttis else None,
                "transferred_kb_median": round(statistics.median(r["transferred_bytes"] for r in runs) / 1024, 1),
                "offline_start_all": all(r["offline_start"] for r in runs),
            }
            print(f"{name:8} TTI median {results[name]['tti_ms_median']} ms (max {results[name]['tti_ms_max']}), "
                  f"first load {results[name]['transferred_kb_median']} KB transferred, offline start: "
                  f"{results[name]['offline_start_all']}", file=sys.stderr)
        json.dump(results, open(os.path.join(out, "results.json"), "w"), indent=2)
        print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "runs"} for k, v in results.items()}, indent=2))
    finally:
        chromedriver.terminate()
        server.terminate()


if __name__ == "__main__":
    main()
