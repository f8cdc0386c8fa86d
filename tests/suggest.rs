//! `hecmap suggest` on the real data, run as a user runs it: every option
//! it lists, applied to the plan file, validates to exactly the verdicts and
//! totals it promised; nothing already in the HEC is "added"; the plan is
//! left as it was.

mod common;

use std::collections::BTreeMap;
use std::process::{Command, Output};

use hecmap_core::plan::parse_json_plan;
use hecmap_core::repair::{SuggestOptions, suggest};
use hecmap_core::report::Verdict;
use hecmap_core::rules::{RuleId, RulesConfig};
use hecmap_core::validate::Validator;
use serde_json::Value;

const NORTHEAST: &str = "Northeastern Connecticut Planning Region";
const NORTHWEST: &str = "Northwest Hills Planning Region";

fn hecmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hecmap"))
        .args(args)
        .output()
        .expect("hecmap runs")
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.code().is_some_and(|c| c <= 3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// The nine planning regions as `town,hec` rows, town -> HEC.
fn planning_regions() -> BTreeMap<String, String> {
    let out = hecmap(&["example-plan", "planning-regions"]);
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let (town, hec) = l.split_once(',').unwrap();
            (town.to_string(), hec.to_string())
        })
        .collect()
}

fn write_plan(dir: &tempfile::TempDir, name: &str, plan: &BTreeMap<String, String>) -> String {
    let mut csv = String::from("town,hec\n");
    for (town, hec) in plan {
        csv.push_str(&format!("{town},{hec}\n"));
    }
    let path = dir.path().join(name);
    std::fs::write(&path, csv).unwrap();
    path.display().to_string()
}

fn hec<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["hecs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == name)
        .unwrap_or_else(|| panic!("no HEC {name}"))
}

#[test]
fn every_option_for_the_two_rural_regions_validates_as_it_promised() {
    let dir = tempfile::tempdir().unwrap();
    let regions = planning_regions();
    let plan = write_plan(&dir, "regions.csv", &regions);
    let before = json_of(&hecmap(&["validate", &plan, "--format", "json"]));

    let out = hecmap(&["suggest", &plan, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "every failing rule has an option"
    );
    let repairs = json_of(&out)["repairs"].as_array().unwrap().clone();
    let mut hecs: Vec<&str> = repairs.iter().map(|r| r["hec"].as_str().unwrap()).collect();
    hecs.sort_unstable();
    assert_eq!(
        hecs,
        [NORTHEAST, NORTHWEST],
        "the two regions below the floor, and no other"
    );

    let mut checked = 0;
    for repair in &repairs {
        let name = repair["hec"].as_str().unwrap();
        assert_eq!(repair["rule"], "threshold.population");
        // Both are rural: the waiver is the alternative to moving towns.
        let waiver = repair["waiver_alternative"].as_str().unwrap();
        assert!(
            waiver.contains("rural") && waiver.contains("waive the floors"),
            "{waiver}"
        );
        let options = repair["options"].as_array().unwrap();
        assert!(
            !options.is_empty() && options.len() <= 5,
            "{name}: {} options",
            options.len()
        );
        let mut previous_rank: Option<(f64, usize)> = None;
        for option in options {
            // Ranked: fewest people taken from other HECs, then fewest towns.
            let rank = (
                option["people_from_other_hecs"].as_f64().unwrap(),
                option["adds"].as_array().unwrap().len(),
            );
            if let Some(p) = previous_rank {
                assert!(p.0 <= rank.0, "{name}: not ranked by people moved");
            }
            previous_rank = Some(rank);
            assert!(
                option["new_errors"].as_array().unwrap().is_empty(),
                "{option}"
            );
            // Apply the moves to the plan file, then validate it.
            let mut moved = regions.clone();
            for add in option["adds"].as_array().unwrap() {
                let town = add["town"].as_str().unwrap();
                assert_ne!(regions[town], name, "{town} is already in {name}");
                let from: Vec<&str> = add["from"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f.as_str().unwrap())
                    .collect();
                assert_eq!(
                    from,
                    [regions[town].as_str()],
                    "{town} comes from its region"
                );
                moved.insert(town.to_string(), name.to_string());
            }
            let file = write_plan(&dir, "moved.csv", &moved);
            let report = json_of(&hecmap(&["validate", &file, "--format", "json"]));
            let after = option["after"].as_array().unwrap();
            assert_eq!(after[0]["hec"], name, "the repaired HEC comes first");
            assert_eq!(after[0]["verdict"], "passes", "{}", option["summary"]);
            for promised in after {
                let got = hec(&report, promised["hec"].as_str().unwrap());
                assert_eq!(got["verdict"], promised["verdict"], "{}", option["summary"]);
                assert_eq!(got["population"], promised["population"]);
                let medicare = got["medicare"]["value"].as_f64().unwrap();
                assert!((medicare - promised["medicare"].as_f64().unwrap()).abs() < 1e-6);
            }
            let population = hec(&report, name)["population"].as_f64().unwrap();
            let overshoot = option["overshoot"].as_f64().unwrap();
            assert!((population - 150_000.0 - overshoot).abs() < 0.5);
            let people_before = hec(&before, name)["population"].as_f64().unwrap();
            let added = option["people_added"].as_f64().unwrap();
            assert!((people_before + added - population).abs() < 0.5);
            checked += 1;
        }
    }
    assert!(checked >= 4, "{checked} options checked");

    // The plan file was only read: validating it again gives the same report.
    let again = json_of(&hecmap(&["validate", &plan, "--format", "json"]));
    assert_eq!(again["hecs"], before["hecs"]);
}

#[test]
fn one_hec_text_and_errors_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write_plan(&dir, "regions.csv", &planning_regions());
    let out = hecmap(&["suggest", &plan, "--hec", NORTHWEST, "--max-towns", "2"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.starts_with(&format!("{NORTHWEST} [threshold.population]")),
        "{text}"
    );
    assert!(
        text.contains("  1. Add ") && text.contains("then passes"),
        "{text}"
    );
    assert!(text.contains("Or: Instead of moving towns"), "{text}");
    assert!(!text.contains(NORTHEAST), "only the HEC asked for: {text}");

    let out = hecmap(&["suggest", &plan, "--hec", "Nowhere HEC"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("no HEC \"Nowhere HEC\"") && err.contains(NORTHEAST),
        "{err}"
    );

    // A plan that passes has nothing to repair, and says so.
    let mut passing = planning_regions();
    for (_, hec) in passing.iter_mut() {
        if hec == NORTHEAST || hec == NORTHWEST {
            *hec = "Capitol Planning Region".into();
        }
    }
    let file = write_plan(&dir, "merged.csv", &passing);
    let out = hecmap(&["suggest", &file]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Nothing to repair"), "{text}");
}

/// A partial plan of one HEC (JSON plan form) on the real data.
fn one_hec(units: &[String]) -> Validator<'static> {
    let plan =
        serde_json::json!({ "scope": "partial", "hecs": [{ "name": "Sketch", "units": units }] });
    let plan = parse_json_plan(common::data(), &plan.to_string(), "sketch.json").unwrap();
    Validator::new(common::data(), RulesConfig::default(), plan, None).unwrap()
}

/// The options for one rule of the sketch: the towns of each.
fn options_for(v: &mut Validator, rule: RuleId) -> Vec<Vec<String>> {
    let repairs = suggest(v, None, &SuggestOptions::default()).unwrap();
    let repair = repairs.iter().find(|r| r.rule == rule).unwrap_or_else(|| {
        panic!("no {rule} repair: {repairs:#?}");
    });
    for o in &repair.options {
        assert_eq!(o.after[0].hec, "Sketch");
        assert!(!o.after[0].failing.contains(&rule), "{}", o.summary);
        assert!(o.new_errors.is_empty(), "{}: {:?}", o.summary, o.new_errors);
        assert_eq!(
            o.people_from_other_hecs, 0.0,
            "a sketch takes from no other HEC"
        );
    }
    repair
        .options
        .iter()
        .map(|o| o.adds.iter().map(|m| m.town.clone()).collect())
        .collect()
}

#[test]
fn a_sketch_in_two_pieces_is_joined_by_one_town_between_them() {
    // West Hartford and Wethersfield do not touch; Newington and Hartford
    // lie between them.
    let mut v = one_hec(&["West Hartford".into(), "Wethersfield".into()]);
    let options = options_for(&mut v, RuleId::Contiguity);
    assert!(
        options.contains(&vec!["Newington".to_string()]),
        "{options:?}"
    );
    assert!(
        options.contains(&vec!["Hartford".to_string()]),
        "{options:?}"
    );
    assert!(
        options.iter().all(|o| o.len() == 1),
        "one town is enough: {options:?}"
    );
}

#[test]
fn a_hartford_hec_that_leaves_out_its_neediest_tracts_is_told_to_take_them_in() {
    let data = common::data();
    let hartford = common::town("Hartford");
    let probe = one_hec(&["Hartford".into()]);
    let need = probe.need();
    let mut tracts = data.nesting.town_tracts[hartford as usize].clone();
    // Leave out the three neediest tracts on Hartford's border with West
    // Hartford's neighbours: the highest need percentiles of the town.
    tracts.sort_by(|&a, &b| {
        need.percentile[b as usize]
            .unwrap_or(0.0)
            .total_cmp(&need.percentile[a as usize].unwrap_or(0.0))
    });
    let left_out: Vec<u32> = tracts[..3].to_vec();
    let mut units: Vec<String> = tracts[3..]
        .iter()
        .map(|&t| data.tracts.units.geoid[t as usize].clone())
        .collect();
    units.push("West Hartford".into());
    let mut v = one_hec(&units);
    let report = v.report();
    let picked = report
        .findings
        .iter()
        .any(|f| f.rule == RuleId::CherryPickHighNeed || f.rule == RuleId::Enclave);
    assert!(
        picked,
        "the sketch leaves high-need tracts out: {:#?}",
        report.findings
    );
    let repairs = suggest(&mut v, None, &SuggestOptions::default()).unwrap();
    // Taking in the rest of Hartford repairs what leaving it out broke.
    let about_hartford: Vec<_> = repairs
        .iter()
        .filter(|r| {
            matches!(
                r.rule,
                RuleId::CherryPickHighNeed | RuleId::Enclave | RuleId::TownSplit
            )
        })
        .collect();
    assert!(!about_hartford.is_empty(), "{repairs:#?}");
    for repair in about_hartford {
        let first = &repair.options[0];
        assert_eq!(
            first.adds[0].town, "Hartford",
            "{}: {}",
            repair.rule, first.summary
        );
        assert_eq!(
            first.adds[0].tracts.len(),
            3,
            "only the tracts left out move"
        );
        for &t in &left_out {
            assert!(
                first.adds[0]
                    .tracts
                    .contains(&data.tracts.units.geoid[t as usize])
            );
        }
        assert_ne!(first.after[0].verdict, Verdict::Pending);
    }
}
