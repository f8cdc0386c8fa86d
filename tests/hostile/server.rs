//! The real `hecmap serve` in a child process, with its own data directory
//! (accounts made by `hecmap admin`), and what /proc says about it and its
//! descendants: CPU time, resident memory, leftover child processes.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use super::http::{self, Request};

pub const BIN: &str = env!("CARGO_BIN_EXE_hecmap");

/// The resource caps of `hecmap serve` this suite relies on (the lead's
/// hardening). A flag missing from `serve --help` is left off the command
/// line (so the server still starts and its behaviour is measured) and
/// reported by the test `serve_has_the_cap_flags`.
pub const CAP_FLAGS: [&str; 6] = [
    "--max-features",
    "--max-vertices",
    "--max-hecs",
    "--max-unpacked-bytes",
    "--max-seconds",
    "--heavy-concurrency",
];

static SERVE_HELP: LazyLock<String> = LazyLock::new(|| {
    let out = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .expect("hecmap serve --help runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
});

/// True when `hecmap serve` takes this flag.
pub fn serve_takes(flag: &str) -> bool {
    SERVE_HELP
        .split(|c: char| c.is_whitespace() || c == ',' || c == '=')
        .any(|word| word == flag)
}

/// The Connecticut data: HECMAP_DATA, else the shared copy beside the project.
fn data_dir() -> PathBuf {
    std::env::var_os("HECMAP_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ct"))
}

/// Where the server reads the Connecticut data, as a server path.
pub fn ct_data_text() -> String {
    let dir = data_dir();
    std::fs::canonicalize(&dir)
        .unwrap_or(dir)
        .display()
        .to_string()
}

/// A running server. Dropping it kills it and every descendant.
pub struct Server {
    child: Option<Child>,
    pub pid: u32,
    pub port: u16,
    /// The server's --data-dir (holds the SQLite store).
    pub dir: tempfile::TempDir,
    /// Accounts created before start: none may ever appear in an answer.
    pub usernames: Vec<String>,
    /// Flags asked for that this binary does not take (left off).
    pub missing_flags: Vec<String>,
    /// Every descendant pid seen (with its start time), for cleanup.
    seen: std::sync::Arc<std::sync::Mutex<BTreeMap<u32, u64>>>,
}

pub const PASSWORD: &str = "correct horse battery staple 42";

fn admin(dir: &Path, args: &[&str]) {
    let mut child = Command::new(BIN)
        .arg("admin")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .arg("--password-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hecmap admin starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "hecmap admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Server {
    /// Starts `hecmap serve` with `flags` (name, value), after creating an
    /// administrator and an analyst in a fresh data directory.
    pub fn start(flags: &[(&str, String)]) -> Server {
        let dir = tempfile::Builder::new()
            .prefix("hecmap-hostile-")
            .tempdir()
            .unwrap();
        let tag: String = format!("{:08x}", std::process::id() ^ free_port() as u32);
        let usernames = vec![
            format!("hostile_admin_{tag}"),
            format!("hostile_analyst_{tag}"),
        ];
        admin(dir.path(), &["create-admin", "--username", &usernames[0]]);
        admin(
            dir.path(),
            &[
                "create-user",
                "--username",
                &usernames[1],
                "--role",
                "analyst",
            ],
        );
        let mut args: Vec<String> = Vec::new();
        let mut missing_flags = Vec::new();
        for (flag, value) in flags {
            if CAP_FLAGS.contains(flag) && !serve_takes(flag) {
                missing_flags.push(flag.to_string());
                continue;
            }
            args.push(flag.to_string());
            args.push(value.clone());
        }
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let port = free_port();
        let child = Command::new(BIN)
            .arg("serve")
            .args(["--port", &port.to_string()])
            .arg("--data-dir")
            .arg(dir.path())
            .args(&args)
            .env("HECMAP_DATA", data_dir())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("hecmap serve starts");
        let pid = child.id();
        let mut server = Server {
            child: Some(child),
            pid,
            port,
            dir,
            usernames,
            missing_flags,
            seen: Default::default(),
        };
        let start = Instant::now();
        loop {
            if let Ok(a) = http::send(port, &Request::get("/api/health"), Duration::from_secs(2))
                && a.status == 200
            {
                break;
            }
            if let Some(status) = server.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "hecmap serve exited ({status}) before answering:\n{}",
                    server.log_tail(40)
                );
            }
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "hecmap serve did not answer /api/health within 90 s:\n{}",
                server.log_tail(40)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    pub fn data_dir_text(&self) -> String {
        self.dir.path().display().to_string()
    }

    /// The SQLite store the server keeps its accounts in.
    pub fn store_file(&self) -> PathBuf {
        self.dir.path().join("hecmap.sqlite3")
    }

    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    pub fn send(&self, request: &Request, timeout: Duration) -> Result<http::Answer, String> {
        http::send(self.port, request, timeout)
    }

    /// Remembers the current descendants (so they can be checked and
    /// cleaned up even after the server is gone).
    pub fn note_descendants(&self) -> Vec<u32> {
        let now = descendants(self.pid);
        let mut seen = self.seen.lock().unwrap();
        for &pid in &now {
            if let Some(stat) = stat(pid) {
                seen.entry(pid).or_insert(stat.start_time);
            }
        }
        now
    }

    /// A handle for a sampling thread.
    pub fn watcher(&self) -> Watcher {
        Watcher {
            pid: self.pid,
            seen: self.seen.clone(),
        }
    }

    /// Descendants ever seen that still live (same pid and start time) and
    /// are not zombies.
    pub fn surviving_descendants(&self) -> Vec<(u32, String)> {
        let seen = self.seen.lock().unwrap().clone();
        seen.into_iter()
            .filter(|&(pid, start)| {
                stat(pid).is_some_and(|s| s.start_time == start && s.state != 'Z')
            })
            .map(|(pid, _)| (pid, cmdline(pid)))
            .collect()
    }

    pub fn child_mut(&mut self) -> &mut Child {
        self.child.as_mut().expect("server still owned")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.note_descendants();
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // Children of the server we started, by their exact pid and start time.
        for (pid, _) in self.surviving_descendants() {
            unsafe {
                libc::kill(pid as i32, libc::SIGKILL);
            }
        }
    }
}

/// Records descendants from another thread.
#[derive(Clone)]
pub struct Watcher {
    pid: u32,
    seen: std::sync::Arc<std::sync::Mutex<BTreeMap<u32, u64>>>,
}

impl Watcher {
    /// Notes the descendants and returns the largest resident set among
    /// them (bytes).
    pub fn sample_children(&self) -> u64 {
        let mut largest = 0;
        let now = descendants(self.pid);
        let mut seen = self.seen.lock().unwrap();
        for pid in now {
            if let Some(s) = stat(pid) {
                seen.entry(pid).or_insert(s.start_time);
            }
            largest = largest.max(status_bytes(pid, "VmRSS").unwrap_or(0));
        }
        largest
    }
}

/// What /proc/<pid>/stat says.
#[derive(Debug, Clone, Copy)]
pub struct Stat {
    pub state: char,
    pub ppid: u32,
    /// utime + stime, clock ticks.
    pub cpu: u64,
    /// cutime + cstime: reaped children's time, clock ticks.
    pub children_cpu: u64,
    pub start_time: u64,
}

pub fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest[0] is field 3 (state).
    let num = |i: usize| f.get(i - 3).and_then(|v| v.parse::<u64>().ok());
    Some(Stat {
        state: f.first()?.chars().next()?,
        ppid: num(4)? as u32,
        cpu: num(14)? + num(15)?,
        children_cpu: num(16)? + num(17)?,
        start_time: num(22)?,
    })
}

/// All processes descending from `root` (not `root` itself).
pub fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            if let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
                && let Some(s) = stat(pid)
            {
                parent_of.push((pid, s.ppid));
            }
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for &(pid, ppid) in &parent_of {
            if ppid == p && !out.contains(&pid) {
                out.push(pid);
                frontier.push(pid);
            }
        }
    }
    out
}

pub fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            String::from_utf8_lossy(&b)
                .replace('\0', " ")
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}

/// A field of /proc/<pid>/status in bytes (VmRSS, VmHWM).
pub fn status_bytes(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with(&format!("{field}:")))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn ticks_per_second() -> f64 {
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// CPU time of the server and its live descendants, per pid, plus the
/// time of children already reaped.
#[derive(Debug, Clone)]
pub struct CpuSample {
    at: Instant,
    per_pid: BTreeMap<(u32, u64), u64>,
    reaped: u64,
}

impl CpuSample {
    /// Time since the sample was taken.
    pub fn age(&self) -> Duration {
        self.at.elapsed()
    }
}

pub fn cpu_sample(root: u32) -> CpuSample {
    let mut per_pid = BTreeMap::new();
    let mut reaped = 0;
    if let Some(s) = stat(root) {
        per_pid.insert((root, s.start_time), s.cpu);
        reaped = s.children_cpu;
    }
    for pid in descendants(root) {
        if let Some(s) = stat(pid) {
            per_pid.insert((pid, s.start_time), s.cpu);
        }
    }
    CpuSample {
        at: Instant::now(),
        per_pid,
        reaped,
    }
}

/// Share of one core used between two samples (1.0 = a whole core).
pub fn cpu_share(a: &CpuSample, b: &CpuSample) -> f64 {
    let mut ticks = b.reaped.saturating_sub(a.reaped);
    for (key, &after) in &b.per_pid {
        // A process born in between counts from zero.
        let before = a.per_pid.get(key).copied().unwrap_or(0);
        ticks += after.saturating_sub(before);
    }
    let seconds = b.at.duration_since(a.at).as_secs_f64().max(1e-3);
    ticks as f64 / ticks_per_second() / seconds
}
