//! `waspada-loadgen`: an open-loop, constant-rate HTTP load generator (in the manner of wrk2)
//! for the Waspada lookup benchmark. Loopback targets only.
//!
//! Request `i` is scheduled at `start + i / rate` by a pacing thread, whatever happened to the
//! requests before it, and sent on a bounded pool of keep-alive connections. Latency is measured
//! from the *scheduled* time, so a stalled server is charged for the requests that queued behind
//! the stall (coordinated omission is corrected). The time from the actual send ("service time")
//! is reported too. Requests scheduled during the warm-up are sent but not recorded.
//!
//! ```text
//! waspada-loadgen --url http://127.0.0.1:18080 --rate 500 --duration 30 --warmup 5 \
//!     --token TOKEN --purpose benchmark --paths paths.txt [--connections 64] [--threads 1]
//!     [--timeout 10] [--label NAME] [--timeline]
//! ```
//!
//! `--timeline` also prints, per second of the recorded run (by scheduled time), the count, p50,
//! p99 and max latency, to find stalls.
//!
//! Prints a text table on stderr and one JSON line on stdout. Exit code 0 when it ran (even with
//! errors: read the `errors` fields), 2 on bad arguments.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::Semaphore;

struct Options {
    url: String,
    rate: f64,
    duration: f64,
    warmup: f64,
    token: Option<String>,
    purpose: String,
    paths: String,
    connections: usize,
    threads: usize,
    timeout: f64,
    label: String,
    timeline: bool,
    /// Send every scheduled request twice at once (the intake benchmark's retries).
    twice: bool,
}

const USAGE: &str = "usage: waspada-loadgen --url http://127.0.0.1:PORT --rate N --duration SECONDS --paths FILE \
[--warmup SECONDS] [--token TOKEN] [--purpose TEXT] [--connections N] [--threads N] [--timeout SECONDS] [--label NAME] [--timeline] [--twice]";

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        url: String::new(),
        rate: 0.0,
        duration: 0.0,
        warmup: 0.0,
        token: std::env::var("WASPADA_TOKEN").ok().filter(|t| !t.is_empty()),
        purpose: "benchmark".into(),
        paths: String::new(),
        connections: 64,
        threads: 1,
        timeout: 10.0,
        label: String::new(),
        timeline: false,
        twice: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.into());
        }
        if flag == "--timeline" {
            o.timeline = true;
            continue;
        }
        if flag == "--twice" {
            o.twice = true;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = |v: &str| v.parse::<f64>().map_err(|_| format!("{flag}: {v:?} is not a number"));
        match flag.as_str() {
            "--url" => o.url = value,
            "--rate" => o.rate = number(&value)?,
            "--duration" => o.duration = number(&value)?,
            "--warmup" => o.warmup = number(&value)?,
            "--token" => o.token = Some(value),
            "--purpose" => o.purpose = value,
            "--paths" => o.paths = value,
            "--connections" => o.connections = number(&value)? as usize,
            "--threads" => o.threads = number(&value)? as usize,
            "--timeout" => o.timeout = number(&value)?,
            "--label" => o.label = value,
            other => return Err(format!("unknown flag {other}\n{USAGE}")),
        }
    }
    if o.url.is_empty() || o.paths.is_empty() {
        return Err(USAGE.into());
    }
    if !(o.rate > 0.0 && o.rate <= 100_000.0) {
        return Err("--rate must be in (0, 100000]".into());
    }
    if !(o.duration > 0.0 && o.duration <= 3600.0) || !(0.0..=600.0).contains(&o.warmup) {
        return Err("--duration must be in (0, 3600] and --warmup in [0, 600]".into());
    }
    if o.connections == 0 || o.connections > 4096 || o.threads == 0 || o.threads > 64 {
        return Err("--connections must be 1..4096 and --threads 1..64".into());
    }
    if !(o.timeout > 0.0 && o.timeout <= 120.0) {
        return Err("--timeout must be in (0, 120]".into());
    }
    Ok(o)
}

/// Accepts only http:// URLs whose host is a loopback address or `localhost`.
fn loopback_base(url: &str) -> Result<String, String> {
    let uri: Uri = url.parse().map_err(|e| format!("--url {url:?}: {e}"))?;
    if uri.scheme_str() != Some("http") {
        return Err("--url must be http://".into());
    }
    let host = uri.host().ok_or("--url has no host")?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(format!("refusing non-loopback target {host:?}: this tool only loads 127.0.0.0/8, ::1 or localhost"));
    }
    let authority = uri.authority().ok_or("--url has no authority")?;
    Ok(format!("http://{authority}"))
}

/// A request to send: URI, body (POST when present) and extra headers.
type Target = (Uri, Option<Bytes>, Arc<Vec<(String, String)>>);

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    ok: AtomicU64,
    status_4xx: AtomicU64,
    status_404: AtomicU64,
    status_5xx: AtomicU64,
    status_other: AtomicU64,
    transport: AtomicU64,
    timeouts: AtomicU64,
}

struct Recorder {
    /// From the scheduled send time (coordinated omission corrected), 2xx only, microseconds.
    latency: Histogram<u64>,
    /// From the actual send time, 2xx only, microseconds.
    service: Histogram<u64>,
    /// Latency per second of the recorded run, by scheduled time.
    per_second: Vec<Histogram<u64>>,
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn main() {
    let options = match parse_args() {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let base = match loopback_base(&options.url) {
        Ok(b) => b,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(2);
        }
    };
    // A line is a GET path (`/api/...`), `POST /api/... {json body}`, or a JSON object
    // `{"method": "POST", "path": "/api/...", "headers": {"name": "value"}, "body": "text"}`.
    let paths: Vec<String> = match std::fs::read_to_string(&options.paths) {
        Ok(text) => text
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with('/') || l.starts_with("POST /") || l.starts_with('{'))
            .map(str::to_owned)
            .collect(),
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", options.paths);
            std::process::exit(2);
        }
    };
    if paths.is_empty() {
        eprintln!("error: {} holds no paths (lines starting with /)", options.paths);
        std::process::exit(2);
    }
    let targets: Result<Vec<Target>, String> = paths
        .iter()
        .map(|line| {
            if line.starts_with('{') {
                let object: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
                let path = object["path"].as_str().ok_or("a JSON line needs a path")?;
                let headers: Vec<(String, String)> = object["headers"]
                    .as_object()
                    .map(|h| h.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect())
                    .unwrap_or_default();
                let body = object["body"].as_str().map(|b| Bytes::from(b.to_owned()));
                let uri = format!("{base}{path}").parse::<Uri>().map_err(|e| e.to_string())?;
                return Ok((uri, body, Arc::new(headers)));
            }
            let (path, body) = match line.strip_prefix("POST ") {
                Some(rest) => {
                    let (path, body) = rest.split_once(' ').unwrap_or((rest, ""));
                    (path, Some(Bytes::from(body.trim().to_owned())))
                }
                None => (line.as_str(), None),
            };
            format!("{base}{path}").parse::<Uri>().map(|u| (u, body, Arc::new(Vec::new()))).map_err(|e| e.to_string())
        })
        .collect();
    let uris: Vec<Target> = match targets {
        Ok(u) => u,
        Err(e) => {
            eprintln!("error: bad path in {}: {e}", options.paths);
            std::process::exit(2);
        }
    };

    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(options.threads).enable_all().build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Client<HttpConnector, Full<Bytes>> = {
        let _guard = runtime.enter();
        Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(options.connections)
            .pool_idle_timeout(Duration::from_secs(90))
            .build(connector)
    };
    let authorization = options.token.as_ref().map(|t| format!("Bearer {t}"));
    let counters = Arc::new(Counters::default());
    let recorder = Arc::new(Mutex::new(Recorder {
        latency: Histogram::new_with_bounds(1, 120_000_000, 3).expect("histogram bounds are valid"),
        service: Histogram::new_with_bounds(1, 120_000_000, 3).expect("histogram bounds are valid"),
        per_second: (0..options.duration.ceil() as usize + 1)
            .map(|_| Histogram::new_with_bounds(1, 120_000_000, 2).expect("histogram bounds are valid"))
            .collect(),
    }));
    // At most `connections` requests in flight, hence at most that many keep-alive connections.
    let slots = Arc::new(Semaphore::new(options.connections));
    let timeout = Duration::from_secs_f64(options.timeout);

    let total = ((options.warmup + options.duration) * options.rate).round() as u64;
    let warmup_count = (options.warmup * options.rate).round() as u64;
    let interval = 1.0 / options.rate;
    let start = Instant::now() + Duration::from_millis(50);
    let measure_start = start + Duration::from_secs_f64(options.warmup);
    let handle = runtime.handle().clone();
    let mut tasks = Vec::with_capacity(total as usize);
    let mut max_lag = Duration::ZERO;
    // Pacing on this OS thread: sleeps have microsecond resolution, unlike the runtime's 1 ms timer.
    for i in 0..total {
        let scheduled = start + Duration::from_secs_f64(i as f64 * interval);
        let now = Instant::now();
        if scheduled > now {
            std::thread::sleep(scheduled - now);
        } else {
            max_lag = max_lag.max(now - scheduled);
        }
        let record = i >= warmup_count;
        let second = ((i.saturating_sub(warmup_count)) as f64 * interval) as usize;
        let (uri, body, headers) = uris[(i as usize) % uris.len()].clone();
        for _copy in 0..if options.twice { 2 } else { 1 } {
        let (uri, body, headers) = (uri.clone(), body.clone(), headers.clone());
        let client = client.clone();
        let counters = counters.clone();
        let recorder = recorder.clone();
        let slots = slots.clone();
        let authorization = authorization.clone();
        let purpose = options.purpose.clone();
        tasks.push(handle.spawn(async move {
            let outcome = tokio::time::timeout(timeout, async {
                let _slot = slots.acquire_owned().await.map_err(|_| "closed".to_owned())?;
                let sent = Instant::now();
                let mut request = match &body {
                    Some(_) => Request::post(uri).header("content-type", "application/json"),
                    None => Request::get(uri),
                }
                .header("x-purpose", purpose);
                if let Some(a) = &authorization {
                    request = request.header("authorization", a.as_str());
                }
                for (name, value) in headers.iter() {
                    request = request.header(name.as_str(), value.as_str());
                }
                let request = request.body(Full::new(body.unwrap_or_default())).map_err(|e| e.to_string())?;
                let response = client.request(request).await.map_err(|e| e.to_string())?;
                let status = response.status();
                response.into_body().collect().await.map_err(|e| e.to_string())?;
                Ok::<_, String>((status, sent, Instant::now()))
            })
            .await;
            if record {
                counters.sent.fetch_add(1, Ordering::Relaxed);
            }
            match outcome {
                Ok(Ok((status, sent, done))) => {
                    if !record {
                        return;
                    }
                    if status.is_success() {
                        counters.ok.fetch_add(1, Ordering::Relaxed);
                        let latency = (done - scheduled).as_micros() as u64;
                        let service = (done - sent).as_micros() as u64;
                        if let Ok(mut r) = recorder.lock() {
                            let _ = r.latency.record(latency.max(1));
                            let _ = r.service.record(service.max(1));
                            if let Some(h) = r.per_second.get_mut(second) {
                                let _ = h.record(latency.max(1));
                            }
                        }
                    } else if status.as_u16() == 404 {
                        counters.status_404.fetch_add(1, Ordering::Relaxed);
                    } else if status.is_client_error() {
                        counters.status_4xx.fetch_add(1, Ordering::Relaxed);
                    } else if status.is_server_error() {
                        counters.status_5xx.fetch_add(1, Ordering::Relaxed);
                    } else {
                        counters.status_other.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Ok(Err(error)) => {
                    if record {
                        counters.transport.fetch_add(1, Ordering::Relaxed);
                        if counters.transport.load(Ordering::Relaxed) <= 3 {
                            eprintln!("request error: {error}");
                        }
                    }
                }
                Err(_) => {
                    if record {
                        counters.timeouts.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
        }
    }
    let scheduled_end = Instant::now();
    // Every task ends within `timeout` of being spawned, so this wait is bounded.
    runtime.block_on(async {
        for task in tasks {
            let _ = task.await;
        }
    });
    let finished = Instant::now();
    runtime.shutdown_timeout(Duration::from_secs(1));

    let measured = (scheduled_end.max(measure_start) - measure_start).as_secs_f64().max(1e-9);
    let r = recorder.lock().expect("no task panicked while holding the recorder");
    let c = &*counters;
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let errors = get(&c.status_404) + get(&c.status_4xx) + get(&c.status_5xx) + get(&c.status_other)
        + get(&c.transport) + get(&c.timeouts);
    let pct = |h: &Histogram<u64>, q: f64| if h.is_empty() { 0.0 } else { ms(h.value_at_quantile(q)) };
    let lat = &r.latency;
    let svc = &r.service;
    let responses = get(&c.ok) + get(&c.status_404) + get(&c.status_4xx) + get(&c.status_5xx) + get(&c.status_other);
    let achieved = responses as f64 / measured;
    eprintln!(
        "{}target {} req/s for {} s (+{} s warm-up), {} connections max, {} client thread(s)",
        if options.label.is_empty() { String::new() } else { format!("[{}] ", options.label) },
        options.rate,
        options.duration,
        options.warmup,
        options.connections,
        options.threads
    );
    eprintln!(
        "requests {}  ok {}  errors {} (404 {}, other 4xx {}, 5xx {}, other {}, transport {}, timeout {})",
        get(&c.sent),
        get(&c.ok),
        errors,
        get(&c.status_404),
        get(&c.status_4xx),
        get(&c.status_5xx),
        get(&c.status_other),
        get(&c.transport),
        get(&c.timeouts)
    );
    eprintln!(
        "achieved {:.1} responses/s; max pacing lag {:.3} ms; drained {:.2} s after the last send",
        achieved,
        max_lag.as_secs_f64() * 1e3,
        (finished - scheduled_end).as_secs_f64()
    );
    eprintln!("{:<28}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}", "ms (2xx only)", "p50", "p90", "p99", "p99.9", "max", "mean");
    for (name, h) in [("latency (from scheduled)", lat), ("service (from send)", svc)] {
        eprintln!(
            "{:<28}{:>9.3}{:>9.3}{:>9.3}{:>9.3}{:>9.3}{:>9.3}",
            name,
            pct(h, 0.50),
            pct(h, 0.90),
            pct(h, 0.99),
            pct(h, 0.999),
            if h.is_empty() { 0.0 } else { ms(h.max()) },
            if h.is_empty() { 0.0 } else { h.mean() / 1000.0 }
        );
    }
    if options.timeline {
        eprintln!("{:>6}{:>8}{:>10}{:>10}{:>10}", "second", "ok", "p50 ms", "p99 ms", "max ms");
        for (second, h) in r.per_second.iter().enumerate().filter(|(_, h)| !h.is_empty()) {
            eprintln!(
                "{:>6}{:>8}{:>10.3}{:>10.3}{:>10.3}",
                second,
                h.len(),
                ms(h.value_at_quantile(0.5)),
                ms(h.value_at_quantile(0.99)),
                ms(h.max())
            );
        }
    }
    println!(
        "{{\"label\":\"{}\",\"target_rate\":{},\"duration_s\":{},\"warmup_s\":{},\"connections\":{},\"requests\":{},\"ok\":{},\"errors\":{},\"errors_404\":{},\"errors_4xx\":{},\"errors_5xx\":{},\"errors_transport\":{},\"errors_timeout\":{},\"achieved_rate\":{:.1},\"p50_ms\":{:.3},\"p90_ms\":{:.3},\"p99_ms\":{:.3},\"p999_ms\":{:.3},\"max_ms\":{:.3},\"mean_ms\":{:.3},\"service_p50_ms\":{:.3},\"service_p99_ms\":{:.3},\"service_p999_ms\":{:.3},\"max_pacing_lag_ms\":{:.3}}}",
        options.label.replace(['"', '\\'], ""),
        options.rate,
        options.duration,
        options.warmup,
        options.connections,
        get(&c.sent),
        get(&c.ok),
        errors,
        get(&c.status_404),
        get(&c.status_4xx),
        get(&c.status_5xx),
        get(&c.transport),
        get(&c.timeouts),
        achieved,
        pct(lat, 0.50),
        pct(lat, 0.90),
        pct(lat, 0.99),
        pct(lat, 0.999),
        if lat.is_empty() { 0.0 } else { ms(lat.max()) },
        if lat.is_empty() { 0.0 } else { lat.mean() / 1000.0 },
        pct(svc, 0.50),
        pct(svc, 0.99),
        pct(svc, 0.999),
        max_lag.as_secs_f64() * 1e3
    );
}
