//! Validation benchmarks on the real data: a full statewide tract-level
//! plan with every rule, and re-validation after moving one town.
//!
//! `cargo bench --bench validate`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_core::plan::parse_csv_plan;
use hecmap_core::rules::{REGION_RULES, RuleId, RulesConfig};
use hecmap_core::validate::Validator;

/// The nine planning regions, written tract by tract.
fn statewide_tract_plan(data: &Dataset) -> String {
    let mut csv = String::from("geoid,hec\n");
    for t in data.tracts.units.ids() {
        let town = data.nesting.tract_town[t as usize];
        csv.push_str(&format!(
            "{},{}\n",
            data.tracts.units.geoid[t as usize], data.town_planning_region[town as usize]
        ));
    }
    csv
}

fn validation(c: &mut Criterion) {
    let data = Dataset::load(&DataConfig::default()).unwrap();
    let csv = statewide_tract_plan(&data);
    let plan = parse_csv_plan(&data, csv.as_bytes(), "regions.csv").unwrap();
    let rules = RulesConfig::default();
    let mut group = c.benchmark_group("validate");
    group.bench_function("statewide_tract_plan_all_rules", |b| {
        b.iter(|| {
            let mut v = Validator::new(&data, rules.clone(), plan.clone(), None).unwrap();
            black_box(v.report())
        })
    });
    group.bench_function("parse_csv_and_validate", |b| {
        b.iter(|| {
            let plan = parse_csv_plan(&data, csv.as_bytes(), "regions.csv").unwrap();
            let mut v = Validator::new(&data, rules.clone(), plan, None).unwrap();
            black_box(v.report())
        })
    });
    // Move Waterbury back and forth between two HECs; each iteration is one
    // move and one full set of findings.
    let mut live = Validator::new(&data, rules.clone(), plan.clone(), None).unwrap();
    live.report();
    let waterbury = data.lookup.town("Waterbury").unwrap();
    let home = live.plan().region_id("Naugatuck Valley Planning Region");
    let away = live.plan().region_id("Northwest Hills Planning Region");
    let mut flip = false;
    group.bench_function("move_one_town_findings", |b| {
        b.iter(|| {
            flip = !flip;
            live.assign_town(waterbury, if flip { away } else { home });
            black_box(live.findings())
        })
    });
    group.bench_function("move_one_town_full_report", |b| {
        b.iter(|| {
            flip = !flip;
            live.assign_town(waterbury, if flip { away } else { home });
            black_box(live.report())
        })
    });
    group.finish();
}

/// Each per-HEC rule alone on one HEC (the Naugatuck Valley planning
/// region, 113 tracts) after a settled validation: where a move's time goes.
fn region_rules(c: &mut Criterion) {
    let data = Dataset::load(&DataConfig::default()).unwrap();
    let csv = statewide_tract_plan(&data);
    let plan = parse_csv_plan(&data, csv.as_bytes(), "regions.csv").unwrap();
    let mut v = Validator::new(&data, RulesConfig::default(), plan, None).unwrap();
    let findings = v.findings();
    let region = v
        .plan()
        .region_id("Naugatuck Valley Planning Region")
        .unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f.region == Some(region) && f.rule == RuleId::Compactness),
        "the HEC has compactness scores"
    );
    let mut group = c.benchmark_group("region_rule");
    for rule in REGION_RULES {
        group.bench_function(rule.key.as_str(), |b| {
            b.iter(|| v.with_context(|ctx| black_box((rule.check)(ctx, region))))
        });
    }
    group.finish();
}

/// Repair options (`hecmap suggest`) on the nine planning regions: for one
/// HEC below the floor (Northeastern), and for every failing HEC. Asserts
/// its input: both rural regions fail and get options.
fn suggestions(c: &mut Criterion) {
    use hecmap_core::repair::{SuggestOptions, suggest};
    let data = Dataset::load(&DataConfig::default()).unwrap();
    let csv = statewide_tract_plan(&data);
    let plan = parse_csv_plan(&data, csv.as_bytes(), "regions.csv").unwrap();
    let mut v = Validator::new(&data, RulesConfig::default(), plan, None).unwrap();
    let options = SuggestOptions::default();
    let all = suggest(&mut v, None, &options).unwrap();
    assert_eq!(
        all.len(),
        2,
        "Northeastern and Northwest Hills fail the floor"
    );
    assert!(all.iter().all(|r| !r.options.is_empty()));
    let northeast = v
        .plan()
        .region_id("Northeastern Connecticut Planning Region")
        .unwrap();
    let mut group = c.benchmark_group("suggest");
    group.sample_size(10);
    group.bench_function("one_hec_northeastern", |b| {
        b.iter(|| black_box(suggest(&mut v, Some(northeast), &options).unwrap()))
    });
    group.bench_function("every_failing_hec", |b| {
        b.iter(|| black_box(suggest(&mut v, None, &options).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, validation, region_rules, suggestions);
criterion_main!(benches);
