//! What every attack is checked for: the refusal itself (status, JSON
//! error, the cap named, in time), no leaks, no connection to the
//! attacker, bounded memory (server and reader children), and the
//! aftermath (health fast, CPU idle, no reader child left). Also the ways
//! one file is delivered to `/api/validate`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::attacker::Attacker;
use super::http::{Answer, Request};
use super::payloads;
use super::server::{self, Server, cpu_sample, cpu_share};
use super::table::{MIB, Row, Suite, mb, ms};

/// Peak resident memory (VmHWM) the server may reach in a group. After
/// loading the data a debug build holds under 0.1 GB (about 0.9 GB in
/// production once the tile cache is warm); 1.5 GiB leaves room for all the
/// caps allow at once (64 MiB unpacked here, 2 M vertices, a few 19 MiB
/// Argon2 hashes) and is far below the 5.6-6.7 GB the attacks reached.
pub const SERVER_PEAK_BOUND: u64 = 1536 * MIB;
/// A reader child's resident memory: its address space is capped at 2 GiB
/// by default (`InputLimits::reader_memory_bytes`), so its RSS stays below.
pub const CHILD_PEAK_BOUND: u64 = 2048 * MIB;
/// Median latency of `/api/health` after (and during) an attack.
pub const HEALTH_BOUND: Duration = Duration::from_millis(100);
/// "Idle": under 5% of one core, server and descendants together.
pub const IDLE_BOUND: f64 = 0.05;

/// What a refusal must look like.
pub struct Expect {
    /// Allowed statuses (empty: any 4xx, or 503).
    pub statuses: &'static [u16],
    /// Allowed error codes (empty: any).
    pub codes: &'static [&'static str],
    /// A 413 must name one of these (the cap's flag).
    pub names: &'static [&'static str],
    /// Longest the answer may take.
    pub within: Duration,
    /// A 200 is fine too (an honest plan that is merely big): only the
    /// time, the leaks and the aftermath are judged then.
    pub ok_allowed: bool,
    /// What a refusal's message must not say (it would be false).
    pub forbid: &'static [&'static str],
}

impl Expect {
    pub fn refusal(within: Duration) -> Self {
        Self {
            statuses: &[],
            codes: &[],
            names: &[],
            within,
            ok_allowed: false,
            forbid: &[],
        }
    }

    pub fn cap(names: &'static [&'static str], within: Duration) -> Self {
        Self {
            statuses: &[413],
            codes: &["too_large"],
            names,
            within,
            ok_allowed: false,
            forbid: &[],
        }
    }
}

/// Problems with an answer that should be a refusal.
pub fn refusal_problems(answer: &Answer, expect: &Expect) -> Vec<String> {
    let mut problems = Vec::new();
    let s = answer.status;
    if expect.ok_allowed && s == 200 {
        if answer.elapsed > expect.within {
            problems.push(format!(
                "answered after {:.1} s, allowed {:.1} s",
                answer.elapsed.as_secs_f64(),
                expect.within.as_secs_f64()
            ));
        }
        return problems;
    }
    let refusal = (400..500).contains(&s) || s == 503;
    if !refusal {
        problems.push(format!(
            "status {s} (want a 4xx or 503): {}",
            answer.excerpt(200)
        ));
    } else if !expect.statuses.is_empty() && !expect.statuses.contains(&s) {
        problems.push(format!(
            "status {s}, want {:?}: {}",
            expect.statuses,
            answer.excerpt(200)
        ));
    }
    match answer.error() {
        None => problems.push(format!(
            "not a JSON error {{\"error\":{{\"code\",\"message\"}}}}: {:?}",
            answer.excerpt(200)
        )),
        Some((code, message)) => {
            if code.is_empty() || message.trim().is_empty() {
                problems.push(format!("empty error code or message: {code:?} {message:?}"));
            }
            if refusal && !expect.codes.is_empty() && !expect.codes.contains(&code.as_str()) {
                problems.push(format!(
                    "error code {code:?}, want one of {:?}",
                    expect.codes
                ));
            }
            let lower = message.to_ascii_lowercase();
            if let Some(f) = expect.forbid.iter().find(|f| lower.contains(*f)) {
                problems.push(format!(
                    "the message says {f:?}, which is false here: {message:?}"
                ));
            }
            if s == 413
                && !expect.names.is_empty()
                && !expect.names.iter().any(|n| lower.contains(n))
            {
                problems.push(format!(
                    "413 message does not name the cap {:?}: {message:?}",
                    expect.names
                ));
            }
        }
    }
    if (s == 429 || s == 503) && answer.header("retry-after").is_none() {
        problems.push(format!("{s} without Retry-After"));
    }
    if answer.elapsed > expect.within {
        problems.push(format!(
            "answered after {:.1} s, allowed {:.1} s",
            answer.elapsed.as_secs_f64(),
            expect.within.as_secs_f64()
        ));
    }
    problems
}

/// What must never appear in an answer from `server`.
fn secrets(server: &Server) -> Vec<String> {
    let mut s = server.usernames.clone();
    s.extend(
        [
            "argon2",
            "/tmp/",
            "hecmap.sqlite3",
            "hecmap-upload",
            "hecmap-hostile-",
            "root:x:0",
        ]
        .map(String::from),
    );
    s.push(server.data_dir_text());
    // Other server paths: the data it serves, the project it runs from.
    s.push(server::ct_data_text());
    s.push(env!("CARGO_MANIFEST_DIR").to_string());
    s
}

pub fn leak_problems(server: &Server, answer: &Answer) -> Vec<String> {
    let all = answer.everything().to_ascii_lowercase();
    secrets(server)
        .into_iter()
        .filter(|s| all.contains(&s.to_ascii_lowercase()))
        .map(|s| {
            let at = all.find(&s.to_ascii_lowercase()).unwrap_or(0);
            let from = all.floor_char_boundary(at.saturating_sub(60));
            let to = all.ceil_char_boundary((at + s.len() + 60).min(all.len()));
            format!("leaks {s:?}: ...{}...", &all[from..to].replace('\n', " "))
        })
        .collect()
}

/// The server's state after an attack.
pub struct Aftermath {
    pub health_median: Duration,
    pub cpu: f64,
    pub hwm: u64,
    pub problems: Vec<String>,
}

/// Health latency (median of 5), CPU over 1 s (server + descendants),
/// leftover reader children, peak memory.
pub fn aftermath(server: &Server) -> Aftermath {
    let mut problems = Vec::new();
    let a = cpu_sample(server.pid);
    let health = health_latencies(server, 5, &mut problems);
    let health_median = median(&health);
    let elapsed = a.age();
    if elapsed < Duration::from_secs(1) {
        std::thread::sleep(Duration::from_secs(1) - elapsed);
    }
    let b = cpu_sample(server.pid);
    let cpu = cpu_share(&a, &b);
    if health_median > HEALTH_BOUND {
        problems.push(format!(
            "health median {} ms after the attack (bound {} ms)",
            ms(health_median),
            ms(HEALTH_BOUND)
        ));
    }
    if cpu > IDLE_BOUND {
        problems.push(format!(
            "CPU {:.0}% of a core in the second after the answer (bound {:.0}%): the work goes on",
            cpu * 100.0,
            IDLE_BOUND * 100.0
        ));
    }
    // Reader children must be gone (a little grace for reaping).
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        server.note_descendants();
        let readers: Vec<(u32, String)> = server
            .surviving_descendants()
            .into_iter()
            .filter(|(_, cmd)| cmd.contains("read-upload"))
            .collect();
        if readers.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            problems.push(format!("reader children left running: {readers:?}"));
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let hwm = server::status_bytes(server.pid, "VmHWM").unwrap_or(0);
    if hwm > SERVER_PEAK_BOUND {
        problems.push(format!(
            "server peak RSS {} MB (bound {} MB)",
            mb(hwm),
            mb(SERVER_PEAK_BOUND)
        ));
    }
    Aftermath {
        health_median,
        cpu,
        hwm,
        problems,
    }
}

fn health_latencies(server: &Server, n: usize, problems: &mut Vec<String>) -> Vec<Duration> {
    let mut out = Vec::new();
    for _ in 0..n {
        match server.send(&Request::get("/api/health"), Duration::from_secs(5)) {
            Ok(a) if a.status == 200 => out.push(a.elapsed),
            Ok(a) => {
                problems.push(format!("/api/health answered {}", a.status));
                out.push(a.elapsed);
            }
            Err(e) => {
                problems.push(format!("/api/health: {e}"));
                out.push(Duration::from_secs(5));
            }
        }
    }
    out
}

/// Up to three distinct "status code: message" of refusals, for the table.
pub fn distinct_messages(answers: &[Result<Answer, String>]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for a in answers {
        let line = match a {
            Ok(a) => match a.error() {
                Some((code, m)) => format!(
                    "{} {code}: {}",
                    a.status,
                    m.chars().take(70).collect::<String>()
                ),
                None => continue,
            },
            Err(e) => e.clone(),
        };
        if !seen.contains(&line) && seen.len() < 3 {
            seen.push(line);
        }
    }
    seen.join(" / ")
}

pub fn median(values: &[Duration]) -> Duration {
    let mut v = values.to_vec();
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Samples the largest descendant RSS every 50 ms until dropped.
pub struct ChildMonitor {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<u64>>,
}

impl ChildMonitor {
    pub fn start(server: &Server) -> Self {
        let watcher = server.watcher();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = 0;
            while !s.load(Ordering::Relaxed) {
                peak = peak.max(watcher.sample_children());
                std::thread::sleep(Duration::from_millis(50));
            }
            peak.max(watcher.sample_children())
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }

    pub fn peak(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap_or(0)
    }
}

/// Sends one attack and checks everything; returns the answer.
pub fn attack(
    suite: &mut Suite,
    server: &Server,
    attacker: Option<&Attacker>,
    name: &str,
    request: &Request,
    expect: &Expect,
) -> Option<Answer> {
    let hits_before = attacker.map(|a| a.hits().len()).unwrap_or(0);
    let monitor = ChildMonitor::start(server);
    // Wait a while past the allowance to see what happens when it is missed.
    let result = server.send(request, expect.within + Duration::from_secs(8));
    let child_peak = monitor.peak();
    let mut problems = Vec::new();
    match &result {
        Ok(answer) => {
            problems.extend(refusal_problems(answer, expect));
            problems.extend(leak_problems(server, answer));
        }
        Err(e) => problems.push(format!("no answer: {e}")),
    }
    if let Some(att) = attacker {
        // Give a lazy outbound request a moment to arrive.
        std::thread::sleep(Duration::from_millis(200));
        let hits = att.hits();
        if hits.len() > hits_before {
            problems.push(format!(
                "the server connected to the attacker's listener: {:?}",
                &hits[hits_before..]
            ));
        }
    }
    if child_peak > CHILD_PEAK_BOUND {
        problems.push(format!(
            "a child process reached {} MB (bound {} MB)",
            mb(child_peak),
            mb(CHILD_PEAK_BOUND)
        ));
    }
    let after = aftermath(server);
    problems.extend(after.problems);
    let (status, ms_text, bytes) = match &result {
        Ok(a) => (
            match a.error() {
                Some((code, _)) => format!("{} {code}", a.status),
                None => a.status.to_string(),
            },
            ms(a.elapsed),
            a.body.len().to_string(),
        ),
        Err(_) => (
            "no answer".into(),
            format!(">{}", ms(expect.within + Duration::from_secs(8))),
            "-".into(),
        ),
    };
    suite.record(
        Row {
            attack: name.to_string(),
            status,
            ms: ms_text,
            bytes,
            hwm_mb: mb(after.hwm),
            child_mb: mb(child_peak),
            cpu_after: format!("{:.0}", after.cpu * 100.0),
            health_ms: ms(after.health_median),
            verdict: String::new(),
            message: match &result {
                Ok(a) => match a.error() {
                    Some((_, m)) => m.chars().take(90).collect(),
                    None => a.excerpt(90),
                },
                Err(e) => e.clone(),
            },
        },
        problems,
    );
    result.ok()
}

/// The ways one file reaches `/api/validate`: raw body declared a
/// GeoPackage, a multipart upload under innocent names, inside a zip.
pub fn deliveries(bytes: &[u8]) -> Vec<(&'static str, Request)> {
    let v = "/api/validate";
    vec![
        (
            "raw body as GeoPackage",
            Request::post(v, "application/geopackage+sqlite3", bytes.to_vec()),
        ),
        (
            "multipart plan.kml",
            Request::multipart(v, "plan.kml", bytes),
        ),
        (
            "multipart plan.gpkg",
            Request::multipart(v, "plan.gpkg", bytes),
        ),
        (
            "zip holding plan.geojson",
            Request::post(
                v,
                "application/zip",
                payloads::zip_one("plan.geojson", bytes),
            ),
        ),
        (
            "zip holding plan.vrt",
            Request::post(v, "application/zip", payloads::zip_one("plan.vrt", bytes)),
        ),
        (
            "zip holding plan.shp",
            Request::post(v, "application/zip", payloads::zip_one("plan.shp", bytes)),
        ),
    ]
}
