//! Hostile input against the real `hecmap serve` (the built binary, a
//! fresh data directory with real accounts, small caps by flag), one server
//! per group of attacks. For every attack:
//!
//! - the answer is a refusal (4xx, or 503 when busy), never 2xx or 500,
//!   with a JSON `{"error":{"code","message"}}` that names the problem;
//! - nothing leaks: no account name, no "argon2", no server path;
//! - nothing goes out: a listener standing in for the attacker's metadata
//!   service (referenced by the payloads) accepts no connection;
//! - afterwards `/api/health` answers fast, the server and its children are
//!   back to idle, no reader child is left, and memory stayed bounded.
//!
//! Every figure goes into a table printed per group
//! (`cargo test --test hostile -- --nocapture`). The groups run one at a
//! time (CPU and latency figures mean nothing with two servers busy).
//!
//! This file is the groups of attacks; the harness is in `hostile/`: the
//! server under test (`server`), an HTTP client (`http`), the payloads
//! (`payloads`), the attacker's listener (`attacker`), the checks every
//! answer goes through (`checks`) and the printed table (`table`).

#[path = "hostile/attacker.rs"]
mod attacker;
#[path = "hostile/checks.rs"]
mod checks;
#[path = "hostile/http.rs"]
mod http;
#[path = "hostile/payloads.rs"]
mod payloads;
#[path = "hostile/server.rs"]
mod server;
#[path = "hostile/table.rs"]
mod table;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use attacker::Attacker;
use checks::{
    ChildMonitor, Expect, HEALTH_BOUND, aftermath, attack, deliveries, distinct_messages,
    leak_problems, median, refusal_problems,
};
use http::{Answer, Request};
use payloads::Endless;
use server::{CAP_FLAGS, Server, cpu_sample, cpu_share, serve_takes};
use table::{MIB, Row, Suite, mb, ms};

/// `--max-seconds` for the groups that test the time budget.
const BUDGET: u64 = 3;
/// What an answer may take beyond the budget (debug build, child start-up,
/// a 2-core machine shared with builds).
const SLACK: Duration = Duration::from_secs(4);
/// `--max-unpacked-bytes` for the zip bomb.
const UNPACKED_CAP: u64 = 64 * MIB;

/// One group at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A test group's start: the turn to run, a server with the caps and
/// `budget`, and the group's table (noting any cap flag it lacks).
fn group(name: &'static str, budget: u64) -> (std::sync::MutexGuard<'static, ()>, Server, Suite) {
    let serial = serial();
    let server = Server::start(&caps(budget));
    let mut suite = Suite::new(name);
    suite.flags_of(&server);
    (serial, server, suite)
}

/// The caps every group starts with (the lead's flags; the defaults
/// except for the budget and the unpacked size).
fn caps(budget: u64) -> Vec<(&'static str, String)> {
    vec![
        ("--max-seconds", budget.to_string()),
        ("--max-unpacked-bytes", UNPACKED_CAP.to_string()),
        ("--max-hecs", "40".into()),
        ("--max-features", "5000".into()),
        ("--max-vertices", "2000000".into()),
        ("--heavy-concurrency", "2".into()),
        ("--timeout", "30".into()),
    ]
}

// ------------------------------------------------------------------- tests

/// The payload builders make what they claim (no server needed).
#[test]
fn payload_builders_make_valid_files() {
    let _serial = serial();
    // CRC of appended zeros by matrix power = byte by byte.
    let mut data = b"hecmap".to_vec();
    data.extend(std::iter::repeat_n(0u8, 100_003));
    assert_eq!(
        payloads::crc32_zeros(payloads::crc32(0, b"hecmap"), 100_003),
        payloads::crc32(0, &data)
    );
    // The hand-written deflate and zip read back through the zip crate
    // (which checks the CRC), for awkward run lengths.
    for zeros in [0u64, 1, 2, 3, 4, 258, 259, 260, 261, 1000, 65_537] {
        let member = payloads::ZipMember::deflated_zeros("z.bin", b"head", zeros);
        let bytes = payloads::zip_archive(&[member]);
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut archive.by_index(0).unwrap(), &mut out).unwrap();
        assert_eq!(out.len() as u64, 4 + zeros, "{zeros} zeros");
        assert!(out.starts_with(b"head") && out[4..].iter().all(|&b| b == 0));
    }
    // A small bomb is a real shapefile: GDAL reads its one polygon.
    let dir = tempfile::tempdir().unwrap();
    let small = payloads::zip_bomb(1000, false);
    let path = dir.path().join("small.zip");
    std::fs::write(&path, &small).unwrap();
    {
        use gdal::vector::LayerAccess;
        let ds = gdal::Dataset::open(format!("/vsizip/{}/plan.shp", path.display())).unwrap();
        let mut layer = ds.layer(0).unwrap();
        let feature = layer.features().next().expect("one feature");
        let geometry = feature.geometry().unwrap();
        assert_eq!(geometry.get_geometry(0).point_count(), 1000);
        assert_eq!(
            feature
                .field_as_string(feature.field_index("HEC").unwrap())
                .unwrap()
                .as_deref(),
            Some("Bomb")
        );
    }
    // The real bomb: small packed, huge unpacked, built fast.
    let start = Instant::now();
    let bomb = payloads::zip_bomb(40_000_000, false);
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bomb.clone())).unwrap();
    let unpacked: u64 = (0..archive.len())
        .map(|i| archive.clone().by_index_raw(i).unwrap().size())
        .sum();
    assert!(unpacked > 600_000_000, "{unpacked}");
    assert!(bomb.len() < 5_000_000, "{}", bomb.len());
    assert!(start.elapsed() < Duration::from_secs(10));
    // The GeoPackage: an SQLite file with the view registered as features.
    let gpkg = payloads::spinning_geopackage(dir.path(), Endless::Silent);
    assert!(gpkg.starts_with(b"SQLite format 3\0"));
    assert!(gpkg.windows(11).any(|w| w == b"CREATE VIEW"));
    // Sizes as the attacks had them.
    let star = payloads::self_crossing_star(100_003);
    assert!(
        (2_500_000..4_000_000).contains(&star.len()),
        "{}",
        star.len()
    );
    let many = payloads::overlapping_hecs(200);
    assert!(many.len() < 64 * 1024, "{}", many.len());
    let grid = payloads::grid_plan(6, 6, 3);
    assert!((10_000..20_000).contains(&grid.len()), "{}", grid.len());
}

/// `hecmap serve` takes every cap the suite sets.
#[test]
fn serve_has_the_cap_flags() {
    let missing: Vec<&str> = CAP_FLAGS
        .iter()
        .copied()
        .filter(|f| !serve_takes(f))
        .collect();
    assert!(missing.is_empty(), "hecmap serve --help lacks {missing:?}");
}

/// Payloads 1 and 2: OGR VRTs reading the account store, /etc/passwd, a
/// /vsicurl/ URL and plain HTTP/WFS URLs, each delivered six ways.
#[test]
fn vrt_uploads_reach_no_file_and_no_network() {
    let (_serial, server, mut suite) = group("VRT uploads (payloads 1, 2)", BUDGET);
    let attacker = Attacker::start();
    controls(&server, &attacker);
    let kinds = [
        (
            "VRT of the account store",
            payloads::vrt_reading_the_store(&server.store_file()),
        ),
        ("VRT of /etc/passwd (CSV)", payloads::vrt_reading_passwd()),
        (
            "VRT /vsicurl/ loopback",
            payloads::vrt_vsicurl(attacker.port),
        ),
        (
            "VRT http:// + WFS: loopback",
            payloads::vrt_plain_http(attacker.port),
        ),
    ];
    let expect = Expect::refusal(Duration::from_secs(BUDGET) + SLACK);
    for (kind, bytes) in &kinds {
        for (how, request) in deliveries(bytes) {
            attack(
                &mut suite,
                &server,
                Some(&attacker),
                &format!("{kind}, {how}"),
                &request,
                &expect,
            );
        }
    }
    // Ordinary answers, and ordinary refusals, name no server path either.
    for request in [
        Request::get("/api/version"),
        Request::get("/api/health"),
        Request::get("/api/rules"),
        Request::get("/api/openapi.json"),
        Request::get("/api/units/tract/99999999999"),
        Request::post(
            "/api/validate",
            "text/csv",
            b"geoid,hec\nnot-a-tract,X\n".to_vec(),
        ),
        Request::post(
            "/api/validate",
            "application/geopackage+sqlite3",
            b"junk".to_vec(),
        ),
    ] {
        match server.send(&request, Duration::from_secs(30)) {
            Ok(answer) => {
                for p in leak_problems(&server, &answer) {
                    suite
                        .failures
                        .push(format!("{} {}: {p}", request.method, request.path));
                }
            }
            Err(e) => suite
                .failures
                .push(format!("{} {}: {e}", request.method, request.path)),
        }
    }
    let hits: Vec<String> = attacker
        .hits()
        .into_iter()
        .filter(|h| !h.contains("/control"))
        .collect();
    if !hits.is_empty() {
        suite.notes.push(format!(
            "the attacker's listener saw {} connection(s) in all",
            hits.len()
        ));
    }
    suite.finish();
}

/// The checks can fail: the accounts exist and the leak check finds them
/// in an answer that does name them (the administrator's own list), and the
/// attacker's listener counts a connection made on purpose.
fn controls(server: &Server, attacker: &Attacker) {
    let login = server
        .send(
            &Request::post(
                "/api/auth/login",
                "application/json",
                serde_json::to_vec(&serde_json::json!({
                    "username": server.usernames[0],
                    "password": server::PASSWORD,
                    "kind": "token",
                }))
                .unwrap(),
            ),
            Duration::from_secs(30),
        )
        .expect("control: the administrator signs in");
    let token: serde_json::Value = serde_json::from_slice(&login.body).unwrap_or_default();
    let token = token["token"]
        .as_str()
        .unwrap_or_else(|| panic!("control: no token in {}", login.excerpt(300)));
    let users = server
        .send(
            &Request::get("/api/users").with_header("Authorization", &format!("Bearer {token}")),
            Duration::from_secs(30),
        )
        .expect("control: the administrator lists the accounts");
    assert!(
        !leak_problems(server, &users).is_empty(),
        "control: the leak check does not see the usernames in {}",
        users.excerpt(300)
    );
    let before = attacker.hits().len();
    {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(("127.0.0.1", attacker.port)).unwrap();
        s.write_all(b"GET /control HTTP/1.0\r\n\r\n").unwrap();
    }
    let start = Instant::now();
    while attacker.hits().len() == before && start.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        attacker.hits().len(),
        before + 1,
        "control: the listener did not count a connection"
    );
}

/// Payload 3: a GeoPackage whose feature table is a view over an endless
/// recursive CTE (one that never yields a row, one that yields forever).
#[test]
fn geopackage_views_that_never_end_are_stopped() {
    let (_serial, server, mut suite) = group("endless GeoPackage views (payload 3)", BUDGET);
    let attacker = Attacker::start();
    let dir = tempfile::tempdir().unwrap();
    let silent = payloads::spinning_geopackage(dir.path(), Endless::Silent);
    let flood = payloads::spinning_geopackage(dir.path(), Endless::Flood);
    let catalog = payloads::spinning_geopackage(dir.path(), Endless::Catalog);
    let within = Duration::from_secs(BUDGET) + SLACK;
    let v = "/api/validate";
    let cases = [
        (
            "GPKG view, no row ever, raw body",
            Request::post(v, "application/geopackage+sqlite3", silent.clone()),
        ),
        (
            "GPKG view, no row ever, multipart plan.gpkg",
            Request::multipart(v, "plan.gpkg", &silent),
        ),
        (
            "GPKG view, rows forever, raw body",
            Request::post(v, "application/geopackage+sqlite3", flood),
        ),
        (
            "GPKG whose gpkg_contents is an endless view, raw body",
            Request::post(v, "application/geopackage+sqlite3", catalog),
        ),
    ];
    for (name, request) in &cases {
        attack(
            &mut suite,
            &server,
            Some(&attacker),
            name,
            request,
            &Expect::refusal(within),
        );
    }
    suite.finish();
}

/// Payload 4: a zipped shapefile, 4 MB packed and 640 MB unpacked (one
/// polygon of 40 M vertices), with honest and with lying zip headers; also
/// a zip of 100,000 members and a zip-slip member name.
#[test]
fn zip_bombs_stop_at_the_unpacked_cap() {
    let (_serial, server, mut suite) = group("zip bomb (payload 4)", BUDGET);
    let within = Duration::from_secs(BUDGET) + SLACK;
    let honest = payloads::zip_bomb(40_000_000, false);
    let lying = payloads::zip_bomb(40_000_000, true);
    suite.notes.push(format!(
        "bomb: {} bytes packed, {} MB unpacked; cap --max-unpacked-bytes {} MB",
        honest.len(),
        (100 + 8 + 48 + 16 * 40_000_000u64) / 1_000_000,
        mb(UNPACKED_CAP)
    ));
    let v = "/api/validate";
    attack(
        &mut suite,
        &server,
        None,
        "zipped shapefile, 40 M vertices, raw body",
        &Request::post(v, "application/zip", honest.clone()),
        &Expect::cap(&["max-unpacked-bytes"], within),
    );
    attack(
        &mut suite,
        &server,
        None,
        "same, multipart plan.zip",
        &Request::multipart(v, "plan.zip", &honest),
        &Expect::cap(&["max-unpacked-bytes"], within),
    );
    // Headers claiming 1 MiB: only counting while unpacking catches it
    // (a 413 naming the cap), or the archive is refused as corrupt (422).
    attack(
        &mut suite,
        &server,
        None,
        "same, zip headers lie (1 MiB)",
        &Request::post(v, "application/zip", lying),
        &Expect {
            statuses: &[413, 422],
            codes: &["too_large", "bad_plan"],
            ..Expect::cap(&["max-unpacked-bytes"], within)
        },
    );
    // Not caught by size: 100,000 empty members (a 6 MB central directory).
    let names: Vec<String> = (0..100_000).map(|i| format!("d/{i:06}.txt")).collect();
    let members: Vec<payloads::ZipMember> = names
        .iter()
        .map(|n| payloads::ZipMember::stored(n, b""))
        .collect();
    attack(
        &mut suite,
        &server,
        None,
        "zip of 100,000 empty members",
        &Request::post(v, "application/zip", payloads::zip_archive(&members)),
        &Expect::refusal(within),
    );
    // Zip slip: a member named to climb out of wherever it is unpacked
    // (enough "../" reach "/" from any depth).
    let slip_file = format!("hhslip-{}.shp", std::process::id());
    let escaped = std::path::Path::new("/").join(&slip_file);
    let _ = std::fs::remove_file(&escaped);
    let slip_name = format!("{}{slip_file}", "../".repeat(24));
    let slip = payloads::zip_archive(&[
        payloads::ZipMember::stored(&slip_name, b"pwned"),
        payloads::ZipMember::stored("plan.dbf", b""),
    ]);
    attack(
        &mut suite,
        &server,
        None,
        "zip member named ../../(x24)/hhslip.shp",
        &Request::post(v, "application/zip", slip),
        &Expect::refusal(within),
    );
    if escaped.exists() {
        let _ = std::fs::remove_file(&escaped);
        suite
            .failures
            .push("zip slip: the member was written outside the unpack directory".into());
    }
    suite.finish();
}

/// Payload 5: one HEC whose ring (100,003 vertices, ~3 MB) crosses itself
/// about 2.5 billion times; also an honest ring of 150,000 vertices (the
/// work of resolving it must stop at the budget, or finish within it) and
/// JSON nested 100,000 deep.
#[test]
fn geojson_work_is_stopped_in_time() {
    let (_serial, server, mut suite) = group("expensive GeoJSON (payload 5)", BUDGET);
    let within = Duration::from_secs(BUDGET) + SLACK;
    let v = "/api/validate";
    let star = payloads::self_crossing_star(100_003);
    attack(
        &mut suite,
        &server,
        None,
        &format!(
            "star ring, 100,003 vertices, {} KB GeoJSON",
            star.len() / 1024
        ),
        &Request::post(v, "application/geo+json", star),
        &Expect::refusal(within),
    );
    // Valid (the CLI, with no budget, reports on it after ~25 s in a debug
    // build): a 200 in time, or a stop that says time ran out; calling it
    // invalid would be false.
    let ellipse = payloads::dense_ellipse(150_000);
    attack(
        &mut suite,
        &server,
        None,
        &format!(
            "valid ring, 150,000 vertices, {} KB GeoJSON (200 allowed)",
            ellipse.len() / 1024
        ),
        &Request::post(v, "application/geo+json", ellipse),
        &Expect {
            ok_allowed: true,
            forbid: &["invalid", "cross or touch"],
            ..Expect::refusal(within)
        },
    );
    let deep = payloads::deeply_nested(100_000);
    attack(
        &mut suite,
        &server,
        None,
        "coordinates nested 100,000 arrays deep",
        &Request::post(v, "application/geo+json", deep),
        &Expect::refusal(within),
    );
    suite.finish();
}

/// Payload 6: 200 overlapping HECs in a small GeoJSON.
#[test]
fn hundreds_of_overlapping_hecs_hit_the_hec_cap() {
    let (_serial, server, mut suite) = group("200 overlapping HECs (payload 6)", BUDGET);
    let many = payloads::overlapping_hecs(200);
    let within = Duration::from_secs(BUDGET) + SLACK;
    let expect = Expect::cap(&["max-hecs"], within);
    attack(
        &mut suite,
        &server,
        None,
        &format!("200 overlapping HECs, {} KB GeoJSON", many.len() / 1024),
        &Request::post("/api/validate", "application/geo+json", many.clone()),
        &expect,
    );
    attack(
        &mut suite,
        &server,
        None,
        "same, to /api/export?to=geojson",
        &Request::post("/api/export?to=geojson", "application/geo+json", many),
        &expect,
    );
    suite.finish();
}

/// Payload 7: 20 validations at once of a legitimate 15 KB plan while
/// /api/health is polled: health stays fast; validations beyond
/// --heavy-concurrency may be refused with 503 busy + Retry-After.
#[test]
fn concurrent_validations_leave_health_fast() {
    let (_serial, server, mut suite) = group("20 concurrent validations (payload 7)", 20);
    let plan = payloads::grid_plan(6, 6, 3);
    // One alone first: what a validation costs.
    let single = server
        .send(
            &Request::post("/api/validate", "application/geo+json", plan.clone()),
            Duration::from_secs(60),
        )
        .map(|a| (a.status, a.elapsed));
    suite.notes.push(format!(
        "one validation alone: {single:?} ({} B plan)",
        plan.len()
    ));
    let port = server.port;
    let stop = Arc::new(AtomicBool::new(false));
    let poller = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let ok = http::send(port, &Request::get("/api/health"), Duration::from_secs(10))
                    .is_ok_and(|a| a.status == 200);
                latencies.push((t.elapsed(), ok));
                std::thread::sleep(Duration::from_millis(50));
            }
            latencies
        })
    };
    let monitor = ChildMonitor::start(&server);
    let barrier = Arc::new(std::sync::Barrier::new(20));
    let start = Instant::now();
    let workers: Vec<_> = (0..20)
        .map(|_| {
            let (plan, barrier) = (plan.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                http::send(
                    port,
                    &Request::post("/api/validate", "application/geo+json", plan),
                    Duration::from_secs(60),
                )
            })
        })
        .collect();
    let answers: Vec<Result<Answer, String>> =
        workers.into_iter().map(|w| w.join().unwrap()).collect();
    let flood_time = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let health: Vec<(Duration, bool)> = poller.join().unwrap();
    let child_peak = monitor.peak();
    let mut problems = Vec::new();
    let mut histogram = std::collections::BTreeMap::<String, usize>::new();
    for a in &answers {
        match a {
            Ok(a) => {
                *histogram.entry(a.status.to_string()).or_default() += 1;
                match a.status {
                    200 => {}
                    503 => {
                        let mut p = refusal_problems(
                            a,
                            &Expect {
                                statuses: &[503],
                                codes: &["busy"],
                                ..Expect::refusal(Duration::from_secs(60))
                            },
                        );
                        p.dedup();
                        problems.extend(p);
                    }
                    s => problems.push(format!(
                        "a legitimate validation answered {s}: {}",
                        a.excerpt(200)
                    )),
                }
                problems.extend(leak_problems(&server, a));
            }
            Err(e) => {
                *histogram.entry("none".into()).or_default() += 1;
                problems.push(format!("a validation got no answer: {e}"));
            }
        }
    }
    problems.sort();
    problems.dedup();
    if !histogram.contains_key("200") {
        problems.push("no validation succeeded at all".into());
    }
    let during: Vec<Duration> = health.iter().map(|(d, _)| *d).collect();
    let failed_health = health.iter().filter(|(_, ok)| !ok).count();
    let during_median = median(&during);
    let during_max = during.iter().max().copied().unwrap_or_default();
    if during_median > HEALTH_BOUND {
        problems.push(format!(
            "health median {} ms during the flood (bound {} ms; max {} ms, {} polls)",
            ms(during_median),
            ms(HEALTH_BOUND),
            ms(during_max),
            during.len()
        ));
    }
    if failed_health > 0 {
        problems.push(format!(
            "{failed_health} health polls failed during the flood"
        ));
    }
    suite.notes.push(format!(
        "health during the flood: median {} ms, max {} ms over {} polls",
        ms(during_median),
        ms(during_max),
        during.len()
    ));
    let after = aftermath(&server);
    problems.extend(after.problems);
    let slowest = answers
        .iter()
        .filter_map(|a| a.as_ref().ok().map(|a| a.elapsed))
        .max()
        .unwrap_or_default();
    suite.record(
        Row {
            attack: "20 concurrent validations of a 15 KB plan".into(),
            status: histogram
                .iter()
                .map(|(s, n)| format!("{s}x{n}"))
                .collect::<Vec<_>>()
                .join(" "),
            ms: format!("slowest {} (all {})", ms(slowest), ms(flood_time)),
            bytes: "-".into(),
            hwm_mb: mb(after.hwm),
            child_mb: mb(child_peak),
            cpu_after: format!("{:.0}", after.cpu * 100.0),
            health_ms: format!(
                "{} during / {} after",
                ms(during_median),
                ms(after.health_median)
            ),
            verdict: String::new(),
            message: distinct_messages(&answers),
        },
        problems,
    );
    suite.finish();
}

/// Payload 8: a 1 MB username, then 300 sign-ins at once with unknown
/// usernames.
#[test]
fn sign_in_floods_stay_bounded() {
    let (_serial, server, mut suite) = group("sign-in floods (payload 8)", BUDGET);
    let huge_name = "u".repeat(1024 * 1024);
    let body = serde_json::json!({"username": huge_name, "password": "not the password"});
    attack(
        &mut suite,
        &server,
        None,
        "sign-in with a 1 MB username",
        &Request::post(
            "/api/auth/login",
            "application/json",
            serde_json::to_vec(&body).unwrap(),
        ),
        &Expect::refusal(Duration::from_secs(2)),
    );

    sign_in_flood(
        &mut suite,
        &server,
        "300 sign-ins at once, unknown users, one address",
        |_| None,
    );
    // Many addresses (as a botnet would): no per-address throttle applies,
    // only the bound on hashing at once keeps memory flat.
    sign_in_flood(
        &mut suite,
        &server,
        "300 sign-ins at once, unknown users, 150 addresses",
        |i| Some(std::net::Ipv4Addr::new(127, 0, 1, 1 + (i % 150) as u8)),
    );
    suite.finish();
}

/// 300 sign-ins at once with unknown usernames, client `i` from `source(i)`.
fn sign_in_flood(
    suite: &mut Suite,
    server: &Server,
    name: &str,
    source: impl Fn(usize) -> Option<std::net::Ipv4Addr>,
) {
    let port = server.port;
    let monitor = ChildMonitor::start(server);
    let n = 300;
    let barrier = Arc::new(std::sync::Barrier::new(n));
    let start = Instant::now();
    let workers: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            let from = source(i);
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let body = serde_json::json!({
                        "username": format!("nobody_{i:03}_{}", std::process::id()),
                        "password": "wrong password",
                    });
                    barrier.wait();
                    http::send_from(
                        from,
                        port,
                        &Request::post(
                            "/api/auth/login",
                            "application/json",
                            serde_json::to_vec(&body).unwrap(),
                        ),
                        Duration::from_secs(60),
                    )
                })
                .unwrap()
        })
        .collect();
    let answers: Vec<Result<Answer, String>> =
        workers.into_iter().map(|w| w.join().unwrap()).collect();
    let flood_time = start.elapsed();
    let child_peak = monitor.peak();
    let mut problems = Vec::new();
    let mut histogram = std::collections::BTreeMap::<String, usize>::new();
    for a in &answers {
        match a {
            Ok(a) => {
                *histogram.entry(a.status.to_string()).or_default() += 1;
                problems.extend(refusal_problems(
                    a,
                    &Expect {
                        statuses: &[401, 429, 503],
                        ..Expect::refusal(Duration::from_secs(60))
                    },
                ));
                problems.extend(leak_problems(server, a));
            }
            Err(e) => {
                *histogram.entry("none".into()).or_default() += 1;
                problems.push(format!("no answer: {e}"));
            }
        }
    }
    problems.sort();
    problems.dedup();
    let after = aftermath(server);
    problems.extend(after.problems);
    let slowest = answers
        .iter()
        .filter_map(|a| a.as_ref().ok().map(|a| a.elapsed))
        .max()
        .unwrap_or_default();
    suite.record(
        Row {
            attack: name.to_string(),
            status: histogram
                .iter()
                .map(|(s, n)| format!("{s}x{n}"))
                .collect::<Vec<_>>()
                .join(" "),
            ms: format!("slowest {} (all {})", ms(slowest), ms(flood_time)),
            bytes: "-".into(),
            hwm_mb: mb(after.hwm),
            child_mb: mb(child_peak),
            cpu_after: format!("{:.0}", after.cpu * 100.0),
            health_ms: ms(after.health_median),
            verdict: String::new(),
            message: distinct_messages(&answers),
        },
        problems,
    );
}

/// Payload 9: SIGTERM while an endless GeoPackage and a self-crossing ring
/// are being read: the process is gone within 5 s and leaves no child.
#[test]
fn sigterm_during_slow_uploads_exits_and_leaves_no_child() {
    // A long budget, so the work is still going when the signal comes.
    let (_serial, mut server, mut suite) = group("SIGTERM mid-upload (payload 9)", 20);
    let dir = tempfile::tempdir().unwrap();
    let gpkg = payloads::spinning_geopackage(dir.path(), Endless::Silent);
    let star = payloads::self_crossing_star(100_003);
    let port = server.port;
    let _clients: Vec<_> = [
        Request::post("/api/validate", "application/geopackage+sqlite3", gpkg),
        Request::post("/api/validate", "application/geo+json", star),
    ]
    .into_iter()
    .map(|r| std::thread::spawn(move || http::send(port, &r, Duration::from_secs(30))))
    .collect();
    let busy_from = cpu_sample(server.pid);
    for _ in 0..15 {
        server.note_descendants();
        std::thread::sleep(Duration::from_millis(100));
    }
    let busy = cpu_share(&busy_from, &cpu_sample(server.pid));
    server.note_descendants();
    let hwm = server::status_bytes(server.pid, "VmHWM").unwrap_or(0);
    let sent = Instant::now();
    unsafe {
        libc::kill(server.pid as i32, libc::SIGTERM);
    }
    let mut exit = None;
    while sent.elapsed() < Duration::from_secs(5) {
        server.note_descendants();
        if let Some(status) = server.child_mut().try_wait().unwrap() {
            exit = Some((status, sent.elapsed()));
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    let mut problems = Vec::new();
    if exit.is_none() {
        problems.push(format!(
            "still running 5 s after SIGTERM (log: {})",
            server.log_tail(3).replace('\n', " | ")
        ));
    }
    // Orphans would be re-parented: check every descendant ever seen.
    std::thread::sleep(Duration::from_millis(500));
    let survivors = server.surviving_descendants();
    if !survivors.is_empty() {
        problems.push(format!("children outlived the server: {survivors:?}"));
    }
    suite.record(
        Row {
            attack: "SIGTERM while a GPKG view spins and a star ring is checked".into(),
            status: match &exit {
                Some((s, _)) => format!("exited {s}"),
                None => "still running".into(),
            },
            ms: match &exit {
                Some((_, t)) => ms(*t),
                None => ">5000".into(),
            },
            bytes: "-".into(),
            hwm_mb: mb(hwm),
            child_mb: "-".into(),
            cpu_after: "-".into(),
            health_ms: "-".into(),
            verdict: String::new(),
            message: format!("{:.0}% of a core busy just before the signal", busy * 100.0),
        },
        problems,
    );
    suite.finish();
}
