//! How load and full validation grow with the number of units: synthetic
//! states of about 1,000, 10,000, 100,000 and 1,000,000 tracts
//! ([`StateGrid`]), written as files in the Connecticut layout and read by
//! the real loader with the built-in manifest, validated with every rule
//! against a statewide plan of one HEC per planning region (ten; eight on
//! the smallest grid).
//!
//! ```text
//! cargo bench --bench scale                          # all four sizes
//! HECMAP_SCALE_SIZES=1000,10000 cargo bench --bench scale
//! HECMAP_SCALE_WRITE_ONLY=1 cargo bench --bench scale   # only write the files
//! HECMAP_SCALE_PHASES=1 cargo bench --bench scale       # one load, timed by step
//! ```
//!
//! The files go to `target/scale/<tracts>/` and are kept for the next run
//! (and for timing the command line on them: `benches/scale-cli.sh`).

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hecmap_core::dataset::{DataConfig, Dataset, Progress};
use hecmap_core::plan::parse_csv_plan;
use hecmap_core::rules::{RuleId, RulesConfig};
use hecmap_core::synthetic::files::StateGrid;
use hecmap_core::validate::Validator;

/// The allocator of the `hecmap` command line, so that the figures are its.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The sizes asked for (tracts), each rounded to a square grid. Under
/// `cargo test` (criterion's test mode: no `--bench`), the smallest only.
fn sizes() -> Vec<StateGrid> {
    let testing = !std::env::args().any(|a| a == "--bench");
    let default = if testing {
        "1000"
    } else {
        "1000,10000,100000,1000000"
    };
    std::env::var("HECMAP_SCALE_SIZES")
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(|n| StateGrid::with_about(n.trim().parse().expect("sizes are numbers")))
        .collect()
}

/// The directory of a grid's files, written unless already there.
fn dataset_dir(grid: StateGrid) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/scale")
        .join(grid.tract_count().to_string());
    // The plan is written last: its presence means the files are whole.
    if !dir.join("plan.csv").exists() {
        eprintln!("writing {} tracts to {}", grid.tract_count(), dir.display());
        let _ = std::fs::remove_dir_all(&dir);
        grid.write(&dir).expect("synthetic files written");
    }
    dir
}

fn config(dir: &Path) -> DataConfig {
    DataConfig {
        dir: dir.to_path_buf(),
        ..DataConfig::default()
    }
}

/// Checks that a loaded state and its validation hold what the bench says
/// they do: every tract and town, ten HECs covering the state, and
/// findings from the rules that read the graph.
fn assert_state(grid: StateGrid, data: &Dataset, dir: &Path) {
    assert_eq!(
        data.tracts.units.len(),
        grid.tract_count(),
        "every tract loaded"
    );
    assert_eq!(
        data.towns.units.len(),
        grid.town_count(),
        "every town loaded"
    );
    let plan = std::fs::read(dir.join("plan.csv")).unwrap();
    let plan = parse_csv_plan(data, &plan, "plan.csv").unwrap();
    assert_eq!(plan.regions.len(), grid.region_count());
    assert!(
        plan.claims.iter().all(|c| c.len() == 1),
        "the plan covers the state once"
    );
    let report = Validator::new(data, RulesConfig::default(), plan, None)
        .unwrap()
        .report();
    let compactness = report
        .findings
        .iter()
        .filter(|f| f.rule == RuleId::Compactness)
        .count();
    assert_eq!(
        compactness,
        grid.region_count(),
        "every HEC's shape measured"
    );
    assert!(
        report.rules.iter().all(|r| r.computed),
        "every rule computed"
    );
}

/// Prints the time each loading step took.
struct StepTimer(std::cell::RefCell<(std::time::Instant, String)>);

impl Progress for StepTimer {
    fn step(&self, message: &str) {
        let mut last = self.0.borrow_mut();
        if !last.1.is_empty() {
            eprintln!(
                "  {:>8.1} ms  {}",
                last.0.elapsed().as_secs_f64() * 1e3,
                last.1
            );
        }
        *last = (std::time::Instant::now(), message.to_string());
    }
}

fn scale(c: &mut Criterion) {
    let grids = sizes();
    let dirs: Vec<PathBuf> = grids.iter().map(|&g| dataset_dir(g)).collect();
    if std::env::var_os("HECMAP_SCALE_WRITE_ONLY").is_some() {
        return;
    }
    if std::env::var_os("HECMAP_SCALE_PHASES").is_some() {
        for (grid, dir) in grids.iter().zip(&dirs) {
            eprintln!("{} tracts:", grid.tract_count());
            let timer = StepTimer((std::time::Instant::now(), String::new()).into());
            let data = Dataset::load_with_progress(&config(dir), &timer).unwrap();
            timer.step("");
            let start = std::time::Instant::now();
            let plan = std::fs::read(dir.join("plan.csv")).unwrap();
            let plan = parse_csv_plan(&data, &plan, "plan.csv").unwrap();
            let mut v = Validator::new(&data, RulesConfig::default(), plan, None).unwrap();
            black_box(v.report());
            eprintln!(
                "  {:>8.1} ms  validating",
                start.elapsed().as_secs_f64() * 1e3
            );
        }
        return;
    }
    let mut group = c.benchmark_group("scale");
    group.sample_size(10);
    for (&grid, dir) in grids.iter().zip(&dirs) {
        let n = grid.tract_count();
        let data = Dataset::load(&config(dir)).unwrap();
        assert_state(grid, &data, dir);
        group.bench_with_input(BenchmarkId::new("load", n), dir, |b, dir| {
            b.iter(|| black_box(Dataset::load(&config(dir)).unwrap()))
        });
        let plan_csv = std::fs::read(dir.join("plan.csv")).unwrap();
        group.bench_with_input(BenchmarkId::new("validate", n), &plan_csv, |b, csv| {
            b.iter(|| {
                let plan = parse_csv_plan(&data, csv, "plan.csv").unwrap();
                let mut v = Validator::new(&data, RulesConfig::default(), plan, None).unwrap();
                black_box(v.report())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, scale);
criterion_main!(benches);
