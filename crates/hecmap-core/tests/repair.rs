//! Repair options on a small synthetic state: a 3 x 3 grid of towns
//! ([`TownGrid`], 4,000 people and 1,000 Medicare beneficiaries a town),
//! columns A (west) to C (east), rows 1 (south) to 3.

use hecmap_core::plan::parse_json_plan;
use hecmap_core::repair::{SuggestOptions, suggest};
use hecmap_core::report::Verdict;
use hecmap_core::rules::{RuleId, RulesConfig};
use hecmap_core::synthetic::TownGrid;
use hecmap_core::validate::Validator;
use serde_json::json;

/// A report without its floating compactness scores.
fn settled(mut report: serde_json::Value) -> serde_json::Value {
    for h in report["hecs"].as_array_mut().unwrap() {
        h["compactness"] = serde_json::Value::Null;
    }
    report["findings"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["rule"] != "compactness");
    report
}

fn rules(grid: &TownGrid, population_min: f64) -> RulesConfig {
    let mut rules = grid.rules();
    rules.thresholds.population_min = population_min;
    rules.thresholds.medicare_min = 0.0;
    rules.regions.min = 1;
    rules.regions.max = 9;
    rules
}

#[test]
fn a_town_short_hec_gets_each_neighbouring_town_checked_and_ranked() {
    let grid = TownGrid::new(3, 3, 2);
    let data = grid.build().unwrap();
    // West: the A column, 12,000 people, 2,000 short of 14,000.
    let plan = json!({ "hecs": [
        { "name": "West", "units": ["A1", "A2", "A3"] },
        { "name": "East", "units": ["B1", "B2", "B3", "C1", "C2", "C3"] },
    ]});
    let plan = parse_json_plan(&data, &plan.to_string(), "grid.json").unwrap();
    let mut v = Validator::new(&data, rules(&grid, 14_000.0), plan, None).unwrap();
    let before = serde_json::to_value(v.report()).unwrap();

    let repairs = suggest(&mut v, None, &SuggestOptions::default()).unwrap();
    assert_eq!(repairs.len(), 1, "{repairs:#?}");
    let r = &repairs[0];
    assert_eq!(
        (r.hec.as_str(), r.rule),
        ("West", RuleId::ThresholdPopulation)
    );
    // One town is enough: each of B1, B2, B3 (East keeps 20,000), and no
    // set of two, which would not be minimal. C is not next to West.
    let towns: Vec<Vec<&str>> = r
        .options
        .iter()
        .map(|o| o.adds.iter().map(|m| m.town.as_str()).collect())
        .collect();
    assert_eq!(towns, [vec!["B1"], vec!["B2"], vec!["B3"]]);
    for o in &r.options {
        assert_eq!(o.people_added, 4_000.0);
        assert_eq!(o.people_from_other_hecs, 4_000.0);
        assert_eq!(o.overshoot, Some(2_000.0));
        assert_eq!(o.adds[0].from, ["East"]);
        assert_eq!(o.adds[0].tracts.len(), 4);
        assert!(o.new_errors.is_empty(), "{:?}", o.new_errors);
        let verdicts: Vec<(&str, Verdict, f64)> = o
            .after
            .iter()
            .map(|h| (h.hec.as_str(), h.verdict, h.population))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("West", Verdict::Passes, 16_000.0),
                ("East", Verdict::Passes, 20_000.0)
            ]
        );
    }
    assert!(
        r.options[0]
            .summary
            .starts_with("Add B1 (from East): +4,000 people, 2,000 over the floor.")
    );
    assert!(r.waiver_alternative.is_none(), "the grid is not rural");
    // The validator is left as it was found (compactness scores to the
    // last bits aside: perimeters are kept incrementally).
    assert_eq!(
        settled(serde_json::to_value(v.report()).unwrap()),
        settled(before)
    );
}

#[test]
fn when_every_way_takes_a_neighbour_under_the_floor_the_options_say_so() {
    let grid = TownGrid::new(3, 3, 2);
    let data = grid.build().unwrap();
    // West (12,000) needs a town; only Mid (B column and C1: 16,000, just
    // at the floor) touches it, so any town it gives leaves Mid short.
    let plan = json!({ "hecs": [
        { "name": "West", "units": ["A1", "A2", "A3"] },
        { "name": "Mid", "units": ["B1", "B2", "B3", "C1"] },
        { "name": "East", "units": ["C2", "C3"] },
    ]});
    let plan = parse_json_plan(&data, &plan.to_string(), "grid.json").unwrap();
    let mut v = Validator::new(&data, rules(&grid, 16_000.0), plan, None).unwrap();
    let repairs = suggest(&mut v, None, &SuggestOptions::default()).unwrap();
    let west = repairs
        .iter()
        .find(|r| r.hec == "West")
        .expect("West fails");
    assert!(!west.options.is_empty());
    for o in &west.options {
        assert!(
            o.new_errors
                .iter()
                .any(|e| e.starts_with("Mid has 12,000 people")),
            "{}: {:?}",
            o.summary,
            o.new_errors
        );
        assert!(o.summary.contains("Mid then fails"), "{}", o.summary);
        assert_eq!(o.after[0].verdict, Verdict::Passes);
    }
    // East (8,000) needs two towns, and whoever gives them falls short or
    // breaks in two: every option says which.
    let east = repairs
        .iter()
        .find(|r| r.hec == "East")
        .expect("East fails");
    assert!(!east.options.is_empty());
    for o in &east.options {
        assert_eq!(o.adds.len(), 2, "{}", o.summary);
        assert!(
            !o.new_errors.is_empty() && o.summary.contains("then fails"),
            "{}",
            o.summary
        );
    }
    // At most one town per option, and nothing found: said in words.
    let one = SuggestOptions {
        max_towns: 1,
        ..SuggestOptions::default()
    };
    let repairs = suggest(&mut v, None, &one).unwrap();
    let east = repairs.iter().find(|r| r.hec == "East").unwrap();
    assert!(east.options.is_empty());
    assert_eq!(
        east.note.as_deref(),
        Some("No set of up to 1 whole neighbouring towns repairs this on its own.")
    );
}
