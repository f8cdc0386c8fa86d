//! Property-based fuzzing of every importer the server uses, on mutated
//! real files: CSV and JSON assignment plans, GeoJSON polygons (parsed
//! alone and resolved to a plan), zipped shapefiles and GeoPackages (read
//! through the child-process reader, as uploads are).
//!
//! Each case takes a real seed file (made from the Connecticut data at the
//! start: plans from `tests/common`, town polygons from the data, exports
//! of plans as GeoJSON, zipped shapefile and GeoPackage), applies a list of
//! mutations (bit flips, truncation, inserted random bytes, duplicated or
//! removed slices, numbers and fields replaced with extreme values, deep
//! nesting, structural JSON edits; for a zipped shapefile, edits to one
//! member file, or its removal, before zipping the members again) and
//! feeds the result to the importer in a worker thread under a deadline.
//! It passes when the importer returns within the deadline, without
//! panicking, either `Ok` or an error with a non-empty message that holds
//! no panic text. When the reading process of a binary upload ends
//! abnormally (which the server reports only as a refusal), the input is
//! read again by `hecmap read-upload` directly, and a panic, a crash or a
//! hang there fails the case too.
//!
//! Settings (environment):
//!
//! - `HECMAP_FUZZ_CASES`: cases per importer (default: 300 for CSV, JSON
//!   plans and GeoJSON, 200 for GeoJSON resolved to plans, 40 for each
//!   binary format, which starts a process per case: the CI budget);
//!   `HECMAP_FUZZ_CASES_<IMPORTER>` (`CSV`, `JSON_PLAN`, `GEOJSON`,
//!   `GEOJSON_PLAN`, `SHP`, `GPKG`) overrides it for one importer.
//! - `HECMAP_FUZZ_SEED`: the RNG seed (default fixed, so CI is
//!   reproducible); `random` for a fresh one (printed).
//! - `HECMAP_FUZZ_DEADLINE_SECS`: the per-case deadline (default 5).
//! - `HECMAP_FUZZ_FAILURES`: a directory where failing inputs are written
//!   (default: the system temporary directory).
//!
//! `scripts/fuzz-importers.sh` runs this file in release mode for a million
//! cases or more. Every fuzz test prints `fuzz <importer>: <n> cases in
//! <s> s (<rate> cases/s), seed <seed>; outcomes: ...` (see it with
//! `--nocapture`).

mod common;

use std::io::{Cursor, Read as _, Write as _};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, mpsc};
use std::time::{Duration, Instant};

use hecmap_core::export::{ExportFormat, export_bytes};
use hecmap_core::limits::InputLimits;
use hecmap_core::plan::{
    PlanFormat, PolygonOptions, parse_csv_plan, read_plan_text, read_plan_upload,
};
use hecmap_core::rules::RulesConfig;
use hecmap_core::source::{ForeignReader, read_geojson_str};
use hecmap_core::validate::Validator;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// The importers.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Importer {
    /// `read_plan_text` and `read_plan_upload`, CSV assignment tables.
    Csv,
    /// `read_plan_text` and `read_plan_upload`, JSON assignment plans.
    JsonPlan,
    /// `read_geojson_str`: parsing, reprojection and checks only.
    GeoJson,
    /// `read_plan_text` and `read_plan_upload` (`PlanFormat::Json`) on
    /// GeoJSON: parsed, then resolved to tracts.
    GeoJsonPlan,
    /// `read_plan_upload(.., Shp ..)` on a zipped shapefile, child reader.
    Shp,
    /// `read_plan_upload(.., Gpkg ..)` on a GeoPackage, child reader.
    Gpkg,
}

impl Importer {
    fn name(self) -> &'static str {
        match self {
            Importer::Csv => "csv",
            Importer::JsonPlan => "json_plan",
            Importer::GeoJson => "geojson",
            Importer::GeoJsonPlan => "geojson_plan",
            Importer::Shp => "shp",
            Importer::Gpkg => "gpkg",
        }
    }

    fn seeds(self) -> &'static [Vec<u8>] {
        let seeds = &*SEEDS;
        match self {
            Importer::Csv => &seeds.csv,
            Importer::JsonPlan => &seeds.json_plan,
            Importer::GeoJson => &seeds.geojson,
            Importer::GeoJsonPlan => &seeds.geojson_plan,
            Importer::Shp => &seeds.shp,
            Importer::Gpkg => &seeds.gpkg,
        }
    }

    /// Whether its input is text, so text-aware mutations apply.
    fn text(self) -> bool {
        !matches!(self, Importer::Shp | Importer::Gpkg)
    }

    /// Whether its input is JSON, so structural JSON edits apply.
    fn json(self) -> bool {
        matches!(
            self,
            Importer::JsonPlan | Importer::GeoJson | Importer::GeoJsonPlan
        )
    }
}

/// What one importer call gave: Ok, or the error's message.
type Outcome = Result<(), String>;

fn upload(bytes: &[u8], format: PlanFormat, source: &str) -> Outcome {
    read_plan_upload(
        common::data(),
        bytes,
        format,
        source,
        &PolygonOptions::default(),
        &InputLimits::default(),
        &ForeignReader::Child {
            exe: env!("CARGO_BIN_EXE_hecmap").into(),
        },
    )
    .map(drop)
    .map_err(|e| e.to_string())
}

fn text(bytes: &[u8], format: PlanFormat, source: &str) -> Outcome {
    read_plan_text(
        common::data(),
        bytes,
        format,
        source,
        &PolygonOptions::default(),
    )
    .map(drop)
    .map_err(|e| e.to_string())
}

/// Runs the importer, through both entry points where two apply, and
/// gives each outcome with the entry point's name.
fn import(importer: Importer, bytes: &[u8]) -> Vec<(&'static str, Outcome)> {
    match importer {
        Importer::Csv => vec![
            ("read_plan_text", text(bytes, PlanFormat::Csv, "fuzz.csv")),
            (
                "read_plan_upload",
                upload(bytes, PlanFormat::Csv, "fuzz.csv"),
            ),
        ],
        Importer::JsonPlan => vec![
            ("read_plan_text", text(bytes, PlanFormat::Json, "fuzz.json")),
            (
                "read_plan_upload",
                upload(bytes, PlanFormat::Json, "fuzz.json"),
            ),
        ],
        Importer::GeoJson => {
            // The server takes text: bytes that are not UTF-8 become text
            // with replacement characters, still worth parsing.
            let text = String::from_utf8_lossy(bytes);
            let outcome = read_geojson_str(&text, "fuzz.geojson")
                .map(drop)
                .map_err(|e| e.to_string());
            vec![("read_geojson_str", outcome)]
        }
        Importer::GeoJsonPlan => vec![
            (
                "read_plan_text",
                text(bytes, PlanFormat::Json, "fuzz.geojson"),
            ),
            (
                "read_plan_upload",
                upload(bytes, PlanFormat::Json, "fuzz.geojson"),
            ),
        ],
        Importer::Shp => binary(bytes, PlanFormat::Shp, "zip"),
        Importer::Gpkg => binary(bytes, PlanFormat::Gpkg, "gpkg"),
    }
}

/// Whether a refusal says the reading process ended abnormally (which hides
/// how: a crash, a panic, a limit, or output the server could not read).
fn reader_died(message: &str) -> bool {
    message.contains("or the file is corrupt") || message.contains("reader stopped")
}

/// A binary upload through the reading process; when that process ended
/// abnormally, the input is read again by `hecmap read-upload` directly
/// to tell a crash or a panic (a failure) from a limit.
fn binary(bytes: &[u8], format: PlanFormat, name: &str) -> Vec<(&'static str, Outcome)> {
    let source = format!("fuzz.{name}");
    let outcome = upload(bytes, format, &source);
    let mut outcomes = Vec::new();
    if let Err(message) = &outcome
        && reader_died(message)
        && let Some(failure) = replay_in_reader(bytes, name, format)
    {
        outcomes.push(("hecmap read-upload, run again directly", Err(failure)));
    }
    outcomes.insert(0, ("read_plan_upload", outcome));
    outcomes
}

/// Of the binary uploads (shapefile, GeoPackage) whose reading process
/// "stopped", those where it had refused the file in good order but the
/// server could not read the refusal.
static REFUSALS_LOST: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

/// Runs `hecmap read-upload` on the input under the default caps (it
/// confines itself: 15 CPU seconds, the server's address-space cap; and a
/// wall clock of 20 s); describes a panic, a crash or a hang, if any.
fn replay_in_reader(bytes: &[u8], format: &str, plan_format: PlanFormat) -> Option<String> {
    use std::os::unix::process::ExitStatusExt as _;
    use std::process::{Command, Stdio};
    let limits = InputLimits::default();
    let mut child = Command::new("timeout")
        .args(["-s", "KILL", "20"])
        .arg(env!("CARGO_BIN_EXE_hecmap"))
        .args(["read-upload", "--format", format, "--origin", "fuzz"])
        .args([
            "--max-unpacked-bytes",
            &limits.max_unpacked_bytes.to_string(),
        ])
        .args(["--max-features", &limits.max_features.to_string()])
        .args(["--max-vertices", &limits.max_vertices.to_string()])
        .args(["--cpu-seconds", "15"])
        .args(["--memory-bytes", &limits.reader_memory_bytes.to_string()])
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hecmap read-upload starts");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = bytes.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("hecmap read-upload ends");
    let _ = feeder.join();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: String = stderr
        .chars()
        .rev()
        .take(600)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let signal = output
        .status
        .signal()
        .or_else(|| output.status.code().filter(|c| *c > 128).map(|c| c - 128));
    if output.status.code() == Some(2)
        && serde_json::from_str::<Value>(&stderr).is_err()
        && stderr
            .lines()
            .last()
            .and_then(|line| serde_json::from_str::<Value>(line).ok())
            .is_some_and(|refusal| refusal.get("message").is_some())
    {
        // A refusal the server could not read: other lines (GDAL's or
        // PROJ's messages) came before it on the reader's stderr.
        REFUSALS_LOST[usize::from(plan_format == PlanFormat::Gpkg)].fetch_add(1, Ordering::Relaxed);
    }
    if stderr.contains("panicked") {
        Some(format!("the reading process panicked: {tail}"))
    } else if stderr.contains("memory allocation of") || stderr.contains("bad_alloc") {
        // Out of its address space: the memory cap doing its work.
        None
    } else {
        match signal {
            // SIGKILL (timeout's) or SIGXCPU (its CPU limit).
            Some(9 | 24) => Some(format!(
                "the reading process ran for more than 15 s of CPU or 20 s (killed): {tail}"
            )),
            Some(sig) => Some(format!(
                "the reading process crashed (signal {sig}): {tail}"
            )),
            None => None,
        }
    }
}

/// Why an error message is not acceptable, if it is not.
fn bad_message(message: &str) -> Option<&'static str> {
    let lower = message.to_ascii_lowercase();
    if message.trim().is_empty() {
        Some("the error message is empty")
    } else if lower.contains("panicked") {
        Some("the error message holds a panic")
    } else if lower.contains("rust_backtrace") || lower.contains("stack backtrace") {
        Some("the error message holds a backtrace")
    } else if lower.contains("reading process crashed") || lower.contains("(killed)") {
        Some("the reading process crashed or hung")
    } else {
        None
    }
}

// ---------------------------------------------------------------------------
// Seeds: real files made from the Connecticut data.

struct Seeds {
    csv: Vec<Vec<u8>>,
    json_plan: Vec<Vec<u8>>,
    geojson: Vec<Vec<u8>>,
    geojson_plan: Vec<Vec<u8>>,
    shp: Vec<Vec<u8>>,
    gpkg: Vec<Vec<u8>>,
}

/// Two small HECs of north-eastern towns, one asking for a waiver.
const NORTHEAST: [(&str, &str); 7] = [
    ("Union", "Quiet Corner West"),
    ("Woodstock", "Quiet Corner West"),
    ("Eastford", "Quiet Corner West"),
    ("Ashford", "Quiet Corner West"),
    ("Thompson", "Quiet Corner East"),
    ("Putnam", "Quiet Corner East"),
    ("Pomfret", "Quiet Corner East"),
];

fn northeast_csv() -> String {
    let mut csv = String::from("town,hec,waiver_reason,waive,waiver_status,split_reason\n");
    for (i, (town, hec)) in NORTHEAST.iter().enumerate() {
        let waiver = if i == 0 {
            "rural and sparse,thresholds;contiguity,requested"
        } else {
            ",,"
        };
        csv.push_str(&format!("{town},{hec},{waiver},\n"));
    }
    // A tract row overriding its town's row: Putnam split, with a reason.
    let data = common::data();
    let putnam = common::town("Putnam");
    let tract = data
        .tracts
        .units
        .ids()
        .find(|&t| data.nesting.tract_town[t as usize] == putnam)
        .expect("a tract in Putnam");
    csv.push_str(&format!(
        "{},Quiet Corner West,,,,along the Quinebaug\n",
        data.tracts.units.geoid[tract as usize]
    ));
    csv
}

fn json_plans() -> Vec<Vec<u8>> {
    let data = common::data();
    let mut regions: Vec<(String, Vec<String>)> = Vec::new();
    for t in data.towns.units.ids() {
        let region = &data.town_planning_region[t as usize];
        let town = data.towns.units.name[t as usize].clone();
        match regions.iter_mut().find(|(r, _)| r == region) {
            Some((_, towns)) => towns.push(town),
            None => regions.push((region.clone(), vec![town])),
        }
    }
    let hecs: Vec<Value> = regions
        .iter()
        .map(|(name, towns)| json!({"name": name, "units": towns}))
        .collect();
    let statewide = json!({"name": "planning regions", "scope": "statewide", "hecs": hecs});
    let tract = |i: usize| data.tracts.units.geoid[i].clone();
    let putnam = data.towns.units.geoid[common::town("Putnam") as usize].clone();
    let small = json!({
        "name": "quiet corner",
        "scope": "partial",
        "hecs": [
            {"name": "Quiet Corner West", "units": ["Union", "Woodstock", "Eastford", "Ashford"],
             "waiver": {"reason": "rural", "waive": ["thresholds"], "status": "approved"}},
            {"name": "Quiet Corner East", "units": [putnam, "Thompson", "pomfret"]}
        ],
        "assignment": {tract(0): "Quiet Corner East", tract(1): "Quiet Corner West", "Killingly": "Quiet Corner East"},
        "split_reasons": {"Putnam": "along the Quinebaug"}
    });
    [statewide, small]
        .iter()
        .map(|v| serde_json::to_vec_pretty(v).unwrap())
        .collect()
}

/// The towns file's features for some towns, each with an `hec` property
/// (and a waiver request on the first), keeping the file's CRS (EPSG:4269)
/// or dropping it.
fn town_polygons(keep_crs: bool) -> Vec<u8> {
    let dir = hecmap_core::dataset::DataConfig::default().dir;
    let text = std::fs::read_to_string(dir.join("towns_2020_cb500k.geojson"))
        .expect("the towns' polygons");
    let mut towns: Value = serde_json::from_str(&text).unwrap();
    let features = towns["features"].as_array_mut().unwrap();
    features.retain(|f| {
        let name = f["properties"]["name"].as_str().unwrap_or("");
        NORTHEAST.iter().any(|(t, _)| *t == name)
    });
    assert_eq!(features.len(), NORTHEAST.len(), "the north-eastern towns");
    for (i, feature) in features.iter_mut().enumerate() {
        let name = feature["properties"]["name"].as_str().unwrap().to_string();
        let hec = NORTHEAST.iter().find(|(t, _)| *t == name).unwrap().1;
        let props = feature["properties"].as_object_mut().unwrap();
        props.insert("hec".into(), hec.into());
        if i == 0 {
            props.insert("waiver_reason".into(), "rural".into());
            props.insert("waive".into(), "thresholds".into());
            props.insert("waiver_status".into(), "requested".into());
        }
    }
    if !keep_crs {
        towns.as_object_mut().unwrap().remove("crs");
    }
    serde_json::to_vec(&towns).unwrap()
}

/// Exports of a plan in a format, through the library's exporter.
fn export(csv: &str, format: ExportFormat) -> Vec<u8> {
    let data = common::data();
    let plan = parse_csv_plan(data, csv.as_bytes(), "seed.csv").expect("the seed plan parses");
    let report = Validator::new(data, RulesConfig::default(), plan.clone(), None)
        .expect("the validator")
        .report();
    export_bytes(data, &report, &plan, format)
        .expect("the seed exports")
        .0
}

fn northeast_town_csv() -> String {
    let mut csv = String::from("town,hec\n");
    for (town, hec) in NORTHEAST {
        csv.push_str(&format!("{town},{hec}\n"));
    }
    csv
}

static SEEDS: LazyLock<Seeds> = LazyLock::new(|| {
    let northeast = northeast_town_csv();
    let county = common::county_plan_csv();
    let mut csv = vec![
        county.clone().into_bytes(),
        common::planning_region_plan_csv().into_bytes(),
        northeast_csv().into_bytes(),
        // The CSV export (tract,tract_2022,town,hec) reads back as a plan.
        export(&northeast, ExportFormat::Csv),
    ];
    // A spreadsheet's way: a byte-order mark and CRLF line ends.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(northeast_csv().replace('\n', "\r\n").into_bytes());
    csv.push(bom);
    let small_polygons = [
        town_polygons(true),
        town_polygons(false),
        export(&northeast, ExportFormat::Geojson),
    ];
    let mut geojson = small_polygons.to_vec();
    // Parsing alone is quick: the whole state as counties too.
    geojson.push(export(&county, ExportFormat::Geojson));
    Seeds {
        csv,
        json_plan: json_plans(),
        geojson,
        geojson_plan: small_polygons.to_vec(),
        shp: vec![
            export(&northeast, ExportFormat::Shp),
            export(&county, ExportFormat::Shp),
        ],
        gpkg: vec![
            export(&northeast, ExportFormat::Gpkg),
            export(&county, ExportFormat::Gpkg),
        ],
    }
});

// ---------------------------------------------------------------------------
// Mutations.

/// Numbers that break parsers and arithmetic.
const EXTREME_NUMBERS: [&str; 24] = [
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e309",
    "-1e999",
    "-0",
    "-0.0",
    "0",
    "NaN",
    "nan",
    "Infinity",
    "-inf",
    "18446744073709551616",
    "-9223372036854775809",
    "340282366920938463463374607431768211457",
    "99999999999999999999999999999999999999999999999999",
    "4.9e-324",
    "1e-400",
    "180.0000001",
    "-90.5",
    "1E+2",
    "0x10",
    "1_000",
    "",
];

/// Field values: unit keys of every kind, names, JSON and GeoJSON words,
/// odd text.
const INTERESTING_FIELDS: [&str; 40] = [
    "",
    " ",
    "NA",
    "null",
    "true",
    "[]",
    "{}",
    "\"",
    "\"\"",
    ",",
    "\\u0000",
    "\u{0}",
    "\u{feff}",
    "\u{202e}é\u{1F600}",
    "09001",
    "0900101",
    "09001010100",
    "9001010100",
    "0911001010",
    "09110010100",
    "Hartford",
    "HARTFORD",
    "union",
    "Groton",
    "hec",
    "geoid",
    "thresholds",
    "contiguity,thresholds,contiguity",
    "approved",
    "refused",
    "statewide",
    "FeatureCollection",
    "Feature",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
    "Point",
    "urn:ogc:def:crs:EPSG::3857",
    "EPSG:99999",
    "+proj=longlat +datum=WGS84 +no_defs",
];

/// A position in whatever it is applied to (a fraction of its length, in
/// 64-bit fixed point), so mutations stay valid as inputs change length.
#[derive(Debug, Clone, Copy)]
struct Pos(u64);

impl Pos {
    /// The index this picks in a collection of `size` (> 0) items.
    fn index(self, size: usize) -> usize {
        assert!(size > 0, "a position in nothing");
        ((size as u128 * self.0 as u128) >> 64) as usize
    }
}

fn pos() -> impl Strategy<Value = Pos> {
    any::<u64>().prop_map(Pos)
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipBit {
        at: Pos,
        bit: u8,
    },
    SetByte {
        at: Pos,
        byte: u8,
    },
    Truncate {
        at: Pos,
    },
    Insert {
        at: Pos,
        bytes: Vec<u8>,
    },
    /// Copies `len` bytes from `from` to `to`, `times` times.
    Duplicate {
        from: Pos,
        len: usize,
        to: Pos,
        times: usize,
    },
    Remove {
        from: Pos,
        len: usize,
    },
    /// Replaces the `which`-th number in the text.
    ReplaceNumber {
        which: Pos,
        with: &'static str,
    },
    /// Replaces the `which`-th field (text between delimiters).
    ReplaceField {
        which: Pos,
        with: String,
    },
    /// Wraps the `which`-th number in `depth` arrays or objects.
    Nest {
        which: Pos,
        depth: usize,
        object: bool,
    },
    /// A structural edit of the `which`-th JSON value (pre-order).
    Json {
        which: Pos,
        edit: JsonEdit,
    },
}

#[derive(Debug, Clone)]
enum JsonEdit {
    Replace(Value),
    /// Replaces it with a copy of the `n`-th value.
    CopyOf(Pos),
    /// Removes it from its array or object.
    Delete,
    /// Repeats it in its array.
    Repeat(usize),
    /// Wraps it in arrays.
    Wrap(usize),
}

fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        any::<u8>(),
        prop::sample::select(b"\0\xff\x7f\x80\"',\n\r\t{}[]:-.0123456789eE\\ ".to_vec()),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!(true)),
        Just(json!(0)),
        Just(json!(-0.0)),
        Just(json!(1e308)),
        Just(json!(-1e308)),
        Just(json!(f64::MIN_POSITIVE)),
        Just(json!(u64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(0.5)),
        Just(json!(-72.7)),
        Just(json!(41.6)),
        Just(json!([])),
        Just(json!({})),
        Just(json!([[]])),
        Just(json!([[[]]])),
        Just(json!([0, 0])),
        Just(json!([[0, 0], [0, 0]])),
        Just(json!([[[-72.2, 41.9], [-72.1, 41.9], [-72.1, 42.0]]])),
        Just(json!({"type": "Polygon", "coordinates": []})),
        Just(json!({"type": "GeometryCollection", "geometries": []})),
        Just(json!({"type": "name", "properties": {"name": "EPSG:2234"}})),
        Just(json!("x".repeat(100_000))),
        prop::sample::select(INTERESTING_FIELDS.to_vec()).prop_map(Value::from),
    ]
}

fn json_edit() -> impl Strategy<Value = JsonEdit> {
    prop_oneof![
        4 => json_value().prop_map(JsonEdit::Replace),
        2 => pos().prop_map(JsonEdit::CopyOf),
        3 => Just(JsonEdit::Delete),
        1 => (1usize..40).prop_map(JsonEdit::Repeat),
        1 => prop_oneof![1usize..4, 100usize..300].prop_map(JsonEdit::Wrap),
    ]
}

fn mutation(importer: Importer) -> BoxedStrategy<Mutation> {
    let bytes = prop_oneof![
        4 => (pos(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        2 => (pos(), interesting_byte()).prop_map(|(at, byte)| Mutation::SetByte { at, byte }),
        1 => pos().prop_map(|at| Mutation::Truncate { at }),
        2 => (pos(), prop::collection::vec(interesting_byte(), 1..64))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        1 => (pos(), 1usize..4096, pos(), 1usize..4)
            .prop_map(|(from, len, to, times)| Mutation::Duplicate { from, len, to, times }),
        1 => (pos(), 1usize..4096).prop_map(|(from, len)| Mutation::Remove { from, len }),
    ];
    if !importer.text() {
        // Shapefile members (.dbf, .prj) and GeoPackages hold text numbers too.
        return prop_oneof![
            8 => bytes,
            1 => (pos(), prop::sample::select(EXTREME_NUMBERS.to_vec()))
                .prop_map(|(which, with)| Mutation::ReplaceNumber { which, with }),
        ]
        .boxed();
    }
    let text = prop_oneof![
        3 => (pos(), prop::sample::select(EXTREME_NUMBERS.to_vec()))
            .prop_map(|(which, with)| Mutation::ReplaceNumber { which, with }),
        3 => (
            pos(),
            prop_oneof![
                4 => prop::sample::select(INTERESTING_FIELDS.to_vec()).prop_map(String::from),
                1 => ".{0,12}",
                1 => (1usize..3000).prop_map(|n| "y".repeat(n)),
            ]
        )
            .prop_map(|(which, with)| Mutation::ReplaceField { which, with }),
        1 => (pos(), prop_oneof![1usize..8, 100usize..200, 1000usize..5000], any::<bool>())
            .prop_map(|(which, depth, object)| Mutation::Nest { which, depth, object }),
    ];
    if importer.json() {
        prop_oneof![
            3 => bytes,
            3 => text,
            4 => (pos(), json_edit()).prop_map(|(which, edit)| Mutation::Json { which, edit }),
        ]
        .boxed()
    } else {
        prop_oneof![4 => bytes, 4 => text].boxed()
    }
}

/// Spans of `bytes` matching: numbers (a run of number characters holding
/// a digit) or fields (runs between delimiters).
fn spans(bytes: &[u8], number: bool) -> Vec<(usize, usize)> {
    let inside = |b: u8| {
        if number {
            b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')
        } else {
            !matches!(
                b,
                b',' | b'\n' | b'\r' | b'"' | b':' | b'[' | b']' | b'{' | b'}' | b'\t' | b';'
            )
        }
    };
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in bytes.iter().chain(std::iter::once(&b'\n')).enumerate() {
        let within = i < bytes.len() && inside(b);
        match (start, within) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                if !number || bytes[s..i].iter().any(u8::is_ascii_digit) {
                    out.push((s, i));
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

fn count_values(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count_values).sum(),
        Value::Object(o) => o.values().map(count_values).sum(),
        _ => 0,
    }
}

fn nth_value(v: &Value, n: &mut usize) -> Option<Value> {
    if *n == 0 {
        return Some(v.clone());
    }
    *n -= 1;
    let children: Box<dyn Iterator<Item = &Value>> = match v {
        Value::Array(a) => Box::new(a.iter()),
        Value::Object(o) => Box::new(o.values()),
        _ => return None,
    };
    for child in children {
        if let Some(found) = nth_value(child, n) {
            return Some(found);
        }
    }
    None
}

/// Applies `edit` to the `n`-th value in pre-order; true once done.
fn edit_value(v: &mut Value, n: &mut usize, edit: &JsonEdit, copy: &Option<Value>) -> bool {
    if *n == 0 {
        match edit {
            JsonEdit::Replace(with) => *v = with.clone(),
            JsonEdit::CopyOf(_) => *v = copy.clone().unwrap_or(Value::Null),
            JsonEdit::Wrap(depth) => {
                for _ in 0..*depth {
                    *v = Value::Array(vec![v.take()]);
                }
            }
            // At the root: nothing to remove it from, or to repeat it in.
            JsonEdit::Delete => *v = Value::Null,
            JsonEdit::Repeat(times) => *v = Value::Array(vec![v.clone(); *times]),
        }
        return true;
    }
    *n -= 1;
    match v {
        Value::Array(items) => {
            for i in 0..items.len() {
                if *n == 0 {
                    match edit {
                        JsonEdit::Delete => {
                            items.remove(i);
                            return true;
                        }
                        JsonEdit::Repeat(times) => {
                            let item = items[i].clone();
                            for _ in 0..*times {
                                items.insert(i, item.clone());
                            }
                            return true;
                        }
                        _ => {}
                    }
                }
                if edit_value(&mut items[i], n, edit, copy) {
                    return true;
                }
            }
            false
        }
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                if *n == 0 && matches!(edit, JsonEdit::Delete) {
                    map.shift_remove(&key);
                    return true;
                }
                if edit_value(map.get_mut(&key).unwrap(), n, edit, copy) {
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

fn apply(mutation: &Mutation, buf: &mut Vec<u8>) {
    let len = buf.len();
    match mutation {
        Mutation::FlipBit { at, bit } if len > 0 => buf[at.index(len)] ^= 1 << (bit % 8),
        Mutation::SetByte { at, byte } if len > 0 => buf[at.index(len)] = *byte,
        Mutation::Truncate { at } => buf.truncate(at.index(len + 1)),
        Mutation::Insert { at, bytes } => {
            let i = at.index(len + 1);
            buf.splice(i..i, bytes.iter().copied());
        }
        Mutation::Duplicate {
            from,
            len: n,
            to,
            times,
        } if len > 0 => {
            let s = from.index(len);
            let chunk = buf[s..(s + n).min(len)].to_vec();
            let t = to.index(len + 1);
            for _ in 0..*times {
                buf.splice(t..t, chunk.iter().copied());
            }
        }
        Mutation::Remove { from, len: n } if len > 0 => {
            let s = from.index(len);
            buf.drain(s..(s + n).min(len));
        }
        Mutation::ReplaceNumber { which, with } => {
            let spans = spans(buf, true);
            if !spans.is_empty() {
                let (s, e) = spans[which.index(spans.len())];
                buf.splice(s..e, with.bytes());
            }
        }
        Mutation::ReplaceField { which, with } => {
            let spans = spans(buf, false);
            if !spans.is_empty() {
                let (s, e) = spans[which.index(spans.len())];
                buf.splice(s..e, with.bytes());
            }
        }
        Mutation::Nest {
            which,
            depth,
            object,
        } => {
            let spans = spans(buf, true);
            let (s, e) = if spans.is_empty() {
                let i = which.index(len + 1);
                (i, i)
            } else {
                spans[which.index(spans.len())]
            };
            let (open, close) = if *object {
                ("{\"a\":", "}")
            } else {
                ("[", "]")
            };
            let inner = if s == e {
                b"0".to_vec()
            } else {
                buf[s..e].to_vec()
            };
            let mut nested = open.repeat(*depth).into_bytes();
            nested.extend(inner);
            nested.extend(close.repeat(*depth).into_bytes());
            buf.splice(s..e, nested);
        }
        Mutation::Json { which, edit } => {
            let Ok(mut value) = serde_json::from_slice::<Value>(buf) else {
                return;
            };
            let count = count_values(&value);
            let copy = match edit {
                JsonEdit::CopyOf(other) => nth_value(&value, &mut other.index(count)),
                _ => None,
            };
            edit_value(&mut value, &mut which.index(count), edit, &copy);
            *buf = serde_json::to_vec(&value).unwrap();
        }
        _ => {}
    }
}

/// How a case edits a zipped shapefile: the zip itself, or one member file
/// (mutated, or left out) before zipping the members again.
#[derive(Debug, Clone)]
enum ZipTarget {
    Archive,
    Member(Pos),
    Drop(Pos),
}

#[derive(Debug, Clone)]
struct Case {
    seed: Pos,
    target: ZipTarget,
    mutations: Vec<Mutation>,
}

fn case(importer: Importer) -> impl Strategy<Value = Case> {
    let target = if importer == Importer::Shp {
        prop_oneof![
            2 => Just(ZipTarget::Archive),
            6 => pos().prop_map(ZipTarget::Member),
            1 => pos().prop_map(ZipTarget::Drop),
        ]
        .boxed()
    } else {
        Just(ZipTarget::Archive).boxed()
    };
    (
        pos(),
        target,
        // Mostly one or two mutations: more inputs get past the parser.
        prop_oneof![
            4 => prop::collection::vec(mutation(importer), 1..2),
            3 => prop::collection::vec(mutation(importer), 2..4),
            1 => prop::collection::vec(mutation(importer), 4..9),
        ],
    )
        .prop_map(|(seed, target, mutations)| Case {
            seed,
            target,
            mutations,
        })
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("the seed zip");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            file.read_to_end(&mut data).unwrap();
            (file.name().unwrap().to_string(), data)
        })
        .collect()
}

fn rezip(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in members {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The input a case makes.
fn input(importer: Importer, case: &Case) -> Vec<u8> {
    let seeds = importer.seeds();
    let seed = &seeds[case.seed.index(seeds.len())];
    let mutate = |mut buf: Vec<u8>| {
        for m in &case.mutations {
            apply(m, &mut buf);
        }
        buf
    };
    match &case.target {
        ZipTarget::Archive => mutate(seed.clone()),
        ZipTarget::Member(which) => {
            let mut members = unzip(seed);
            let i = which.index(members.len());
            members[i].1 = mutate(std::mem::take(&mut members[i].1));
            rezip(&members)
        }
        ZipTarget::Drop(which) => {
            let mut members = unzip(seed);
            members.remove(which.index(members.len()));
            mutate(rezip(&members))
        }
    }
}

// ---------------------------------------------------------------------------
// Running cases under a deadline.

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// One importer's fuzzing: its counts, and what it found.
struct Run {
    importer: Importer,
    deadline: Duration,
    cases: AtomicU64,
    accepted: AtomicU64,
    refused: AtomicU64,
    /// Refusals because a cap or the time budget of `limits` stopped the work.
    limited: AtomicU64,
    /// Binary formats: the reading process died on the file (a crash or
    /// its memory limit), which the server reports as a refusal.
    reader_died: AtomicU64,
    /// Set once a case hangs: the worker thread cannot be stopped, so the
    /// shrinking that follows is cut short (every later case passes) and
    /// the hanging case is reported as found.
    hung: AtomicBool,
    /// The first failure, whole, in case shrinking changes it.
    first_failure: Mutex<Option<String>>,
    /// An example message of each kind of refusal (refused, limited,
    /// reader died), for the summary.
    examples: Mutex<[Option<String>; 3]>,
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic without a message)".into())
}

/// Writes a failing input where it can be replayed; returns its path.
fn save_failure(importer: Importer, bytes: &[u8]) -> String {
    static SAVED: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::var_os("HECMAP_FUZZ_FAILURES")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let path = dir.join(format!(
        "hecmap-fuzz-{}-{}-{}",
        importer.name(),
        std::process::id(),
        SAVED.fetch_add(1, Ordering::Relaxed)
    ));
    match std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, bytes)) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("(not saved: {e})"),
    }
}

impl Run {
    fn new(importer: Importer) -> Self {
        Self {
            importer,
            deadline: Duration::from_secs(env_number("HECMAP_FUZZ_DEADLINE_SECS").unwrap_or(5)),
            cases: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            limited: AtomicU64::new(0),
            reader_died: AtomicU64::new(0),
            hung: AtomicBool::new(false),
            first_failure: Mutex::new(None),
            examples: Mutex::new([None, None, None]),
        }
    }

    fn tally(&self, outcomes: &[(&'static str, Outcome)]) {
        for (_, outcome) in outcomes {
            let Err(message) = outcome else {
                self.accepted.fetch_add(1, Ordering::Relaxed);
                continue;
            };
            let (counter, kind) = if message.contains("over the limit")
                || message.contains("longer than its budget")
            {
                (&self.limited, 1)
            } else if reader_died(message) {
                (&self.reader_died, 2)
            } else {
                (&self.refused, 0)
            };
            counter.fetch_add(1, Ordering::Relaxed);
            self.examples.lock().unwrap()[kind].get_or_insert_with(|| message.clone());
        }
    }

    /// Runs one case in a worker thread under the deadline.
    fn check(&self, case: &Case) -> Result<(), TestCaseError> {
        if self.hung.load(Ordering::SeqCst) {
            return Ok(());
        }
        self.cases.fetch_add(1, Ordering::Relaxed);
        let importer = self.importer;
        let bytes = Arc::new(input(importer, case));
        let (tx, rx) = mpsc::channel();
        let worker_bytes = Arc::clone(&bytes);
        let worker = std::thread::Builder::new()
            .name(format!("fuzz-{}", importer.name()))
            .spawn(move || {
                let _ = tx.send(import(importer, &worker_bytes));
            })
            .expect("a worker thread");
        let started = Instant::now();
        let failure = match rx.recv_timeout(self.deadline) {
            Ok(outcomes) => {
                let _ = worker.join();
                self.tally(&outcomes);
                outcomes
                    .into_iter()
                    .find_map(|(entry, outcome)| match outcome {
                        Ok(()) => None,
                        Err(message) => {
                            bad_message(&message).map(|why| format!("{entry}: {why}: {message:?}"))
                        }
                    })
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                self.hung.store(true, Ordering::SeqCst);
                Some(format!(
                    "no answer after {:.1} s (the deadline): a hang",
                    started.elapsed().as_secs_f64()
                ))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Some(match worker.join() {
                Err(payload) => format!("panicked: {}", panic_text(payload.as_ref())),
                Ok(()) => "the worker ended without an answer".into(),
            }),
        };
        let Some(failure) = failure else {
            return Ok(());
        };
        let saved = save_failure(importer, &bytes);
        // The input is in the file; the case can be long (inserted text).
        let mut case_text = format!("{case:?}");
        if case_text.len() > 4000 {
            let cut = (0..=4000)
                .rev()
                .find(|&i| case_text.is_char_boundary(i))
                .unwrap_or(0);
            case_text.truncate(cut);
            case_text.push_str("...");
        }
        let message = format!(
            "{}: {failure}\n  input: {} bytes, saved to {saved}\n  case: {case_text}",
            importer.name(),
            bytes.len()
        );
        self.first_failure
            .lock()
            .unwrap()
            .get_or_insert_with(|| message.clone());
        Err(TestCaseError::fail(message))
    }

    fn summary(&self, seed: u64, secs: f64) -> String {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let cases = n(&self.cases);
        let mut text = format!(
            "fuzz {}: {cases} cases in {secs:.1} s ({:.0} cases/s), seed {seed}; \
             outcomes: {} accepted, {} refused, {} stopped by limits, {} reader died",
            self.importer.name(),
            cases as f64 / secs.max(1e-9),
            n(&self.accepted),
            n(&self.refused),
            n(&self.limited),
            n(&self.reader_died),
        );
        let lost = match self.importer {
            Importer::Shp => Some(&REFUSALS_LOST[0]),
            Importer::Gpkg => Some(&REFUSALS_LOST[1]),
            _ => None,
        };
        if let Some(lost) = lost {
            text.push_str(&format!(
                " ({} of them refusals lost among other messages on the reader's stderr)",
                n(lost)
            ));
        }
        let examples = self.examples.lock().unwrap();
        for (kind, example) in ["refused", "stopped by limits", "reader died"]
            .iter()
            .zip(examples.iter())
        {
            if let Some(message) = example {
                let short: String = message.chars().take(300).collect();
                text.push_str(&format!("\n  e.g. {kind}: {short}"));
            }
        }
        text
    }
}

/// Cases per importer when not set: what fits the CI budget in a debug
/// build (binary formats start a reading process per case).
fn default_cases(importer: Importer) -> u64 {
    match importer {
        Importer::Csv | Importer::JsonPlan | Importer::GeoJson => 300,
        Importer::GeoJsonPlan => 200,
        Importer::Shp | Importer::Gpkg => 40,
    }
}

fn fuzz(importer: Importer) {
    let cases = env_number(&format!(
        "HECMAP_FUZZ_CASES_{}",
        importer.name().to_ascii_uppercase()
    ))
    .or_else(|| env_number("HECMAP_FUZZ_CASES"))
    .unwrap_or_else(|| default_cases(importer));
    let seed = match std::env::var("HECMAP_FUZZ_SEED").ok().as_deref() {
        Some("random") => {
            let mut bytes = [0u8; 8];
            std::fs::File::open("/dev/urandom")
                .and_then(|mut f| f.read_exact(&mut bytes))
                .expect("random bytes");
            u64::from_le_bytes(bytes)
        }
        Some(s) => s
            .trim()
            .parse()
            .expect("HECMAP_FUZZ_SEED: a number or random"),
        None => 20_261_124,
    };
    // Load the data and make the seeds before the first deadline starts.
    let _ = common::data();
    assert!(!importer.seeds().is_empty());
    let config = Config {
        cases: u32::try_from(cases).unwrap_or(u32::MAX),
        failure_persistence: None,
        max_shrink_iters: 256,
        max_shrink_time: 60_000,
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    };
    let run = Run::new(importer);
    let started = Instant::now();
    let result = TestRunner::new(config).run(&case(importer), |case| run.check(&case));
    eprintln!("{}", run.summary(seed, started.elapsed().as_secs_f64()));
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, minimal)) => {
            let first = run
                .first_failure
                .lock()
                .unwrap()
                .clone()
                .unwrap_or_default();
            panic!(
                "fuzz {} failed (seed {seed}): {reason}\n  minimal case: {minimal:?}\n  first failure: {first}",
                importer.name()
            );
        }
        Err(e) => panic!("fuzz {} (seed {seed}): {e}", importer.name()),
    }
}

#[test]
fn csv_plans_survive_mutation() {
    fuzz(Importer::Csv);
}

#[test]
fn json_plans_survive_mutation() {
    fuzz(Importer::JsonPlan);
}

#[test]
fn geojson_survives_mutation() {
    fuzz(Importer::GeoJson);
}

#[test]
fn geojson_plans_survive_mutation() {
    fuzz(Importer::GeoJsonPlan);
}

#[test]
fn zipped_shapefiles_survive_mutation() {
    fuzz(Importer::Shp);
}

#[test]
fn geopackages_survive_mutation() {
    fuzz(Importer::Gpkg);
}

/// The mutations themselves: deterministic, and they do change the input.
#[test]
fn mutations_apply() {
    let mut buf = br#"{"a": [1.5, -2], "b": "x,y"}"#.to_vec();
    apply(
        &Mutation::ReplaceNumber {
            which: Pos(u64::MAX),
            with: "1e308",
        },
        &mut buf,
    );
    assert_eq!(buf, br#"{"a": [1.5, 1e308], "b": "x,y"}"#.to_vec());
    apply(
        &Mutation::Nest {
            which: Pos(0),
            depth: 2,
            object: false,
        },
        &mut buf,
    );
    assert_eq!(buf, br#"{"a": [[[1.5]], 1e308], "b": "x,y"}"#.to_vec());
    let mut json = br#"{"a":[1,2],"b":"x"}"#.to_vec();
    // Pre-order: 0 root, 1 a, 2 a[0], 3 a[1], 4 b.
    apply(
        &Mutation::Json {
            which: Pos(u64::MAX / 2),
            edit: JsonEdit::Delete,
        },
        &mut json,
    );
    assert_eq!(json, br#"{"a":[2],"b":"x"}"#.to_vec());
    let zip = rezip(&[("a.shp".into(), b"abc".to_vec())]);
    assert_eq!(unzip(&zip), vec![("a.shp".to_string(), b"abc".to_vec())]);
}

/// The reading process is started while other threads use PROJ, as the
/// server's do: starting it must not hang. (PROJ before 9.5 takes a lock
/// in a fork handler, which deadlocks the forked child when another
/// thread holds it: OSGeo/PROJ#4231.)
#[test]
fn uploads_are_read_while_other_threads_reproject() {
    use hecmap_core::crs::{EQUAL_AREA, Reprojector, WGS84};
    let _ = common::data();
    let gpkg = SEEDS.gpkg[0].clone();
    let stop = Arc::new(AtomicBool::new(false));
    let busy: Vec<_> = (0..2)
        .map(|_| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    Reprojector::new(WGS84, EQUAL_AREA).expect("EPSG:4326 to EPSG:5070");
                }
            })
        })
        .collect();
    let run = Run::new(Importer::Gpkg);
    let case = Case {
        seed: Pos(0),
        target: ZipTarget::Archive,
        mutations: Vec::new(),
    };
    let mut failure = None;
    for _ in 0..30 {
        if let Err(e) = run.check(&case) {
            failure = Some(e);
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for thread in busy {
        let _ = thread.join();
    }
    assert!(!gpkg.is_empty());
    if let Some(e) = failure {
        panic!("reading an upload while other threads reproject: {e}");
    }
    assert_eq!(
        run.accepted.load(Ordering::Relaxed),
        30,
        "{}",
        run.summary(0, 1.0)
    );
}
