//! Every rule on a small synthetic state: a 3 x 3 grid of towns, each of
//! 2 x 2 tracts ([`TownGrid`]). Each test draws a plan with one problem
//! and checks the finding that must appear (rule, HEC, tracts, towns,
//! measured value and limit) and that no other finding does.
//!
//! The grid, tracts numbered from the south-west (x east, y north):
//!
//! ```text
//!        x: 0  1   2  3   4  5
//!   y 5   [ A3 ] [ B3 ] [ C3 ]
//!   y 4   [    ] [    ] [    ]
//!   y 3   [ A2 ] [ B2 ] [ C2 ]
//!   y 2   [    ] [    ] [    ]
//!   y 1   [ A1 ] [ B1 ] [ C1 ]
//!   y 0   [    ] [    ] [    ]
//! ```
//!
//! Ordinary tracts have 1,000 people, 200 of them 65 and over, so 250
//! Medicare beneficiaries (estimate, factor 1.25): a town has 4,000 people
//! and 1,000 beneficiaries. Findings are read from the serialised report,
//! as the API returns it.

use hecmap_core::dataset::Dataset;
use hecmap_core::need::NeedIndex;
use hecmap_core::plan::parse_json_plan;
use hecmap_core::rules::RulesConfig;
use hecmap_core::synthetic::{TownGrid, TractFigures};
use hecmap_core::validate::Validator;
use serde_json::{Value, json};

/// A finding as the report gives it.
#[derive(Debug, Clone)]
struct Found {
    rule: String,
    severity: String,
    hec: Option<String>,
    others: Vec<String>,
    tract_ids: Vec<u32>,
    towns: Vec<String>,
    measured: Option<f64>,
    limit: Option<f64>,
    unit: String,
    estimate: bool,
    message: String,
    details: Value,
}

impl Found {
    fn of(v: &Value) -> Self {
        let strings = |key: &str| -> Vec<String> {
            v[key]
                .as_array()
                .unwrap_or_else(|| panic!("{key} is a list: {v}"))
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect()
        };
        Self {
            rule: v["rule"].as_str().expect("rule id").to_string(),
            severity: v["severity"].as_str().expect("severity").to_string(),
            hec: v["hec"].as_str().map(str::to_string),
            others: strings("other_hecs"),
            tract_ids: v["tract_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_u64().unwrap() as u32)
                .collect(),
            towns: strings("towns"),
            measured: v["measured"].as_f64(),
            limit: v["limit"].as_f64(),
            unit: v["unit"].as_str().unwrap_or_default().to_string(),
            estimate: v["estimate"].as_bool().unwrap(),
            message: v["message"].as_str().unwrap().to_string(),
            details: v["details"].clone(),
        }
    }
}

/// The report of a plan (JSON plan form) and its findings.
struct Checked {
    report: Value,
    findings: Vec<Found>,
}

impl Checked {
    fn passes(&self) -> bool {
        self.report["passes"].as_bool().unwrap()
    }

    /// The one finding of a rule (fails when there is none or several).
    fn only(&self, rule: &str) -> &Found {
        let of_rule: Vec<&Found> = self.findings.iter().filter(|f| f.rule == rule).collect();
        assert_eq!(
            of_rule.len(),
            1,
            "one {rule} finding expected: {:#?}",
            self.findings
        );
        of_rule[0]
    }

    /// Asserts the findings are exactly these (rule, severity, HEC), in
    /// any order: what must appear, and that nothing else does.
    fn assert_exactly(&self, expected: &[(&str, &str, Option<&str>)]) {
        let mut got: Vec<(String, String, Option<String>)> = self
            .findings
            .iter()
            .map(|f| (f.rule.clone(), f.severity.clone(), f.hec.clone()))
            .collect();
        let mut want: Vec<(String, String, Option<String>)> = expected
            .iter()
            .map(|(r, s, h)| (r.to_string(), s.to_string(), h.map(str::to_string)))
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "findings: {:#?}", self.findings);
    }

    fn hec(&self, name: &str) -> &Value {
        self.report["hecs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == name)
            .unwrap_or_else(|| panic!("no HEC {name}"))
    }
}

fn check(data: &Dataset, rules: RulesConfig, plan: Value) -> Checked {
    let plan = parse_json_plan(data, &plan.to_string(), "grid.json").expect("the plan parses");
    let mut validator = Validator::new(data, rules, plan, None).expect("the need index computes");
    let report = serde_json::to_value(validator.report()).unwrap();
    let findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(Found::of)
        .collect();
    Checked { report, findings }
}

/// Rules at the grid's scale: every HEC of the column plan (12,000 people,
/// 3,000 beneficiaries) is well above the floors, and 2 to 4 HECs are allowed.
fn rules(grid: &TownGrid) -> RulesConfig {
    let mut rules = grid.rules();
    rules.thresholds.population_min = 4_000.0;
    rules.thresholds.medicare_min = 1_000.0;
    rules.regions.min = 2;
    rules.regions.max = 4;
    rules
}

fn hec(name: &str, units: &[&str]) -> Value {
    json!({ "name": name, "units": units })
}

/// Three HECs of three towns each, along town lines: West (A1-A3),
/// Center (B1-B3) and East (C1-C3).
fn columns() -> Value {
    json!({
        "name": "columns",
        "hecs": [
            hec("West", &["A1", "A2", "A3"]),
            hec("Center", &["B1", "B2", "B3"]),
            hec("East", &["C1", "C2", "C3"]),
        ],
    })
}

const COMPACTNESS: [(&str, &str, Option<&str>); 3] = [
    ("compactness", "info", Some("West")),
    ("compactness", "info", Some("Center")),
    ("compactness", "info", Some("East")),
];

/// The compactness notes of the column plan and these findings.
fn with_compactness<'a>(
    findings: &[(&'a str, &'a str, Option<&'a str>)],
) -> Vec<(&'a str, &'a str, Option<&'a str>)> {
    findings.iter().copied().chain(COMPACTNESS).collect()
}

fn geoid(grid: &TownGrid, x: usize, y: usize) -> String {
    grid.tract_geoid(grid.tract_at(x, y))
}

fn tracts_of(grid: &TownGrid, col: usize, row: usize) -> Vec<u32> {
    grid.tracts_of(grid.town_at(col, row))
}

#[test]
fn a_plan_along_town_lines_passes_with_only_compactness_notes() {
    let grid = TownGrid::new(3, 3, 2);
    let data = grid.build().unwrap();
    let checked = check(&data, rules(&grid), columns());
    checked.assert_exactly(&COMPACTNESS);
    assert!(checked.passes());
    let center = checked.hec("Center");
    assert_eq!(center["population"], 12_000.0);
    assert_eq!(center["medicare"]["value"], 3_000.0);
    assert_eq!(center["medicare"]["estimate"], true);
    assert_eq!(center["towns"], json!(["B1", "B2", "B3"]));
    assert_eq!(checked.report["plan"]["scope"], "statewide");
}

#[test]
fn a_town_in_no_hec_is_a_gap_in_a_statewide_plan_only() {
    let grid = TownGrid::new(3, 3, 2);
    let data = grid.build().unwrap();
    let mut plan = columns();
    plan["hecs"][2] = hec("East", &["C1", "C2"]);
    let checked = check(&data, rules(&grid), plan.clone());
    checked.assert_exactly(&with_compactness(&[("coverage.gap", "error", None)]));
    assert!(!checked.passes());
    let gap = checked.only("coverage.gap");
    assert_eq!(gap.tract_ids, tracts_of(&grid, 2, 2));
    assert_eq!(gap.towns, ["C3"]);
    assert_eq!((gap.measured, gap.limit), (Some(4_000.0), Some(0.0)));
    assert_eq!(gap.unit, "people");
    assert_eq!(gap.details["whole_towns"], json!(["C3"]));
    assert!(gap.others.is_empty() && gap.hec.is_none());

    // A partial plan (one or a few proposals) leaves the rest of the state
    // to others: no gap.
    plan["scope"] = json!("partial");
    let checked = check(&data, rules(&grid), plan);
    checked.assert_exactly(&COMPACTNESS);
    assert!(checked.passes());
}

#[test]
fn a_town_claimed_by_two_hecs_is_an_overlap_not_a_split() {
    let grid = TownGrid::new(3, 3, 2);
    let data = grid.build().unwrap();
    let mut plan = columns();
    plan["hecs"][0] = hec("West", &["A1", "A2", "A3", "B2"]);
    let checked = check(&data, rules(&grid), plan);
    checked.assert_exactly(&with_compactness(&[(
        "coverage.overlap",
        "error",
        Some("West"),
    )]));
    let overlap = checked.only("coverage.overlap");
    assert_eq!(overlap.others, ["Center"]);
    assert_eq!(overlap.tract_ids, tracts_of(&grid, 1, 1));
    assert_eq!(overlap.towns, ["B2"]);
    assert_eq!(
        (overlap.measured, overlap.limit),
        (Some(4_000.0), Some(0.0))
    );
    assert_eq!(overlap.details["claimed_by"], json!(["West", "Center"]));

    // One tract claimed twice: an overlap, and its town's land is divided.
    let mut plan = columns();
    let contested = grid.tract_at(2, 3);
    plan["hecs"][0] = hec("West", &["A1", "A2", "A3", &grid.tract_geoid(contested)]);
    plan["hecs"][1] = hec("Center", &["B1", "B2", "B3", &grid.tract_geoid(contested)]);
    let checked = check(&data, rules(&grid), plan);
    checked.assert_exactly(&with_compactness(&[
        ("coverage.overlap", "error", Some("West")),
        ("town.split", "error", Some("Center")),
    ]));
    let overlap = checked.only("coverage.overlap");
    assert_eq!(overlap.tract_ids, [contested]);
    assert_eq!(overlap.measured, Some(1_000.0));
}

#[test]
fn the_number_of_hecs_is_held_to_the_allowed_range() {
    let grid = TownGrid::new(3, 3, 2);
    let data = grid.build().unwrap();
    let with_range = |min, max| {
        let mut r = rules(&grid);
        (r.regions.min, r.regions.max) = (min, max);
        r
    };
    let too_few = check(&data, with_range(4, 6), columns());
    too_few.assert_exactly(&with_compactness(&[("count.regions", "error", None)]));
    let f = too_few.only("count.regions");
    assert_eq!((f.measured, f.limit), (Some(3.0), Some(4.0)));
    assert_eq!(f.unit, "HECs");
    assert_eq!(
        (f.details["min"].as_u64(), f.details["max"].as_u64()),
        (Some(4), Some(6))
    );

    let too_many = check(&data, with_range(1, 2), columns());
    too_many.assert_exactly(&with_compactness(&[("count.regions", "error", None)]));
    let f = too_many.only("count.regions");
    assert_eq!((f.measured, f.limit), (Some(3.0), Some(2.0)));

    // At both ends of the range at once.
    check(&data, with_range(3, 3), columns()).assert_exactly(&COMPACTNESS);
    // A partial plan is not held to the statewide count.
    let mut partial = columns();
    partial["scope"] = json!("partial");
    check(&data, with_range(4, 6), partial).assert_exactly(&COMPACTNESS);
}

/// West takes the north-west tract of B2; Center keeps the other three.
fn split_b2(grid: &TownGrid) -> Value {
    let mut plan = columns();
    plan["hecs"][0] = hec("West", &["A1", "A2", "A3", &geoid(grid, 2, 3)]);
    plan
}

#[test]
fn a_split_town_is_an_error_without_a_reason_and_information_with_one() {
    let grid = TownGrid::new(3, 3, 2);
    let data = grid.build().unwrap();
    let checked = check(&data, rules(&grid), split_b2(&grid));
    checked.assert_exactly(&with_compactness(&[(
        "town.split",
        "error",
        Some("Center"),
    )]));
    let split = checked.only("town.split");
    assert_eq!(split.others, ["West"]);
    assert_eq!(split.towns, ["B2"]);
    assert_eq!(split.tract_ids, tracts_of(&grid, 1, 1));
    assert_eq!((split.measured, split.limit), (Some(2.0), Some(1.0)));
    assert_eq!(split.details["reason"], Value::Null);
    assert_eq!(
        split.details["shares"],
        json!([{"hec": "Center", "population": 3000.0}, {"hec": "West", "population": 1000.0}])
    );
    assert!(
        split.message.contains("No reason was given"),
        "{}",
        split.message
    );
    assert!(!checked.passes());

    let mut plan = split_b2(&grid);
    plan["split_reasons"] = json!({ "B2": "the river divides it" });
    let checked = check(&data, rules(&grid), plan);
    checked.assert_exactly(&with_compactness(&[("town.split", "info", Some("Center"))]));
    let split = checked.only("town.split");
    assert_eq!(split.details["reason"], "the river divides it");
    assert!(
        split.message.contains("Reason given: the river divides it"),
        "{}",
        split.message
    );
    assert!(checked.passes());

    // The severity without a reason is a setting.
    let mut lenient = rules(&grid);
    lenient.town_split.severity = hecmap_core::rules::Severity::Warning;
    check(&data, lenient, split_b2(&grid)).assert_exactly(&with_compactness(&[(
        "town.split",
        "warning",
        Some("Center"),
    )]));
}

#[test]
fn the_population_floor_holds_at_the_limit_and_fails_just_below() {
    let mut grid = TownGrid::new(3, 3, 2);
    grid.figures_mut(grid.tract_at(4, 0)).population = 900.0;
    let data = grid.build().unwrap();
    let with_floor = |floor| {
        let mut r = rules(&grid);
        r.thresholds.population_min = floor;
        r
    };
    // East has 11,900 people, the others 12,000.
    check(&data, with_floor(11_900.0), columns()).assert_exactly(&COMPACTNESS);
    let checked = check(&data, with_floor(11_901.0), columns());
    checked.assert_exactly(&with_compactness(&[(
        "threshold.population",
        "error",
        Some("East"),
    )]));
    let f = checked.only("threshold.population");
    assert_eq!((f.measured, f.limit), (Some(11_900.0), Some(11_901.0)));
    assert_eq!(f.unit, "people");
    assert!(!f.estimate);
    assert!(f.tract_ids.is_empty() && f.towns.is_empty());
    // Just above every HEC: all three fail.
    let checked = check(&data, with_floor(12_001.0), columns());
    checked.assert_exactly(&with_compactness(&[
        ("threshold.population", "error", Some("West")),
        ("threshold.population", "error", Some("Center")),
        ("threshold.population", "error", Some("East")),
    ]));
}

#[test]
fn the_medicare_floor_holds_at_the_limit_and_fails_just_below_as_an_estimate() {
    let mut grid = TownGrid::new(3, 3, 2);
    // 120 people 65 and over: 150 estimated beneficiaries instead of 250.
    grid.figures_mut(grid.tract_at(4, 0)).pop_65plus = 120.0;
    let data = grid.build().unwrap();
    let with_floor = |floor| {
        let mut r = rules(&grid);
        r.thresholds.medicare_min = floor;
        r
    };
    check(&data, with_floor(2_900.0), columns()).assert_exactly(&COMPACTNESS);
    let checked = check(&data, with_floor(2_900.5), columns());
    checked.assert_exactly(&with_compactness(&[(
        "threshold.medicare",
        "error",
        Some("East"),
    )]));
    let f = checked.only("threshold.medicare");
    assert_eq!((f.measured, f.limit), (Some(2_900.0), Some(2_900.5)));
    assert_eq!(f.unit, "beneficiaries");
    assert!(f.estimate, "no real counts are loaded");
    assert!(f.message.contains("(estimate)"), "{}", f.message);
}

/// West and Center as in the column plan, but Center also takes C2 and the
/// rural East is left with C1 and C3: two pieces.
fn rural_in_two_pieces(waiver: Option<Value>) -> Value {
    let mut east = hec("Rural", &["C1", "C3"]);
    if let Some(w) = waiver {
        east["waiver"] = w;
    }
    json!({
        "name": "rural",
        "hecs": [
            hec("West", &["A1", "A2", "A3"]),
            hec("Center", &["B1", "B2", "B3", "C2"]),
            east,
        ],
    })
}

fn rural_grid() -> TownGrid {
    let mut grid = TownGrid::new(3, 3, 2);
    for row in 0..3 {
        grid.set_rural(grid.town_at(2, row));
    }
    grid
}

/// Floors the rural HEC (400 people, 100 beneficiaries) meets, so that
/// only its shape is at stake.
fn rural_rules(grid: &TownGrid) -> RulesConfig {
    let mut r = rules(grid);
    r.thresholds.population_min = 400.0;
    r.thresholds.medicare_min = 100.0;
    r
}

const RURAL_COMPACTNESS: [(&str, &str, Option<&str>); 3] = [
    ("compactness", "info", Some("West")),
    ("compactness", "info", Some("Center")),
    ("compactness", "info", Some("Rural")),
];

fn with_rural_compactness<'a>(
    findings: &[(&'a str, &'a str, Option<&'a str>)],
) -> Vec<(&'a str, &'a str, Option<&'a str>)> {
    findings.iter().copied().chain(RURAL_COMPACTNESS).collect()
}

#[test]
fn a_non_contiguous_hec_is_an_error_without_a_waiver() {
    let grid = rural_grid();
    let data = grid.build().unwrap();
    let checked = check(&data, rural_rules(&grid), rural_in_two_pieces(None));
    checked.assert_exactly(&with_rural_compactness(&[(
        "contiguity",
        "error",
        Some("Rural"),
    )]));
    let f = checked.only("contiguity");
    assert_eq!((f.measured, f.limit), (Some(2.0), Some(1.0)));
    assert_eq!(f.unit, "pieces");
    // The detached piece: the smaller, or at equal size the later, C3.
    assert_eq!(f.tract_ids, tracts_of(&grid, 2, 2));
    assert_eq!(f.towns, ["C3"]);
    assert_eq!(f.details["pieces"].as_array().unwrap().len(), 2);
    assert!(!checked.passes());
    assert_eq!(checked.hec("Rural")["rural"], true);
}

#[test]
fn a_rural_hec_s_reasoned_waiver_is_pending_until_staff_approve_it() {
    let grid = rural_grid();
    let data = grid.build().unwrap();
    let waiver = json!({ "reason": "two hill towns share one hospital", "waive": ["contiguity"] });
    // Requested: pending, so the plan does not pass yet.
    let checked = check(
        &data,
        rural_rules(&grid),
        rural_in_two_pieces(Some(waiver.clone())),
    );
    checked.assert_exactly(&with_rural_compactness(&[
        ("contiguity", "pending", Some("Rural")),
        ("waiver", "info", Some("Rural")),
    ]));
    assert!(
        !checked.passes(),
        "a requested waiver does not pass before staff rule"
    );
    assert_eq!(checked.report["verdict"], "pending");
    assert_eq!(checked.report["if_approved"], "passes");
    assert_eq!(checked.report["if_refused"], "fails");
    let rural = checked.hec("Rural");
    assert_eq!(
        (&rural["verdict"], rural["passes"].as_bool()),
        (&json!("pending"), Some(false))
    );
    // Approved by staff: waived, and the plan passes.
    let mut approved = waiver;
    approved["status"] = json!("approved");
    let checked = check(
        &data,
        rural_rules(&grid),
        rural_in_two_pieces(Some(approved)),
    );
    checked.assert_exactly(&with_rural_compactness(&[
        ("contiguity", "waived", Some("Rural")),
        ("waiver", "info", Some("Rural")),
    ]));
    assert!(
        checked.passes(),
        "an approved waiver's finding does not fail the plan"
    );
    assert_eq!(checked.report["verdict"], "passes");
    assert_eq!(checked.report["if_approved"], Value::Null);
    let w = checked.only("waiver");
    let density = w.measured.unwrap();
    assert!((40.0..70.0).contains(&density), "{density} people per km2");
    assert_eq!(w.limit, Some(150.0));
    assert_eq!(w.details["rural"], true);
    assert!(
        w.message.contains("two hill towns share one hospital"),
        "{}",
        w.message
    );

    // Below both floors too: a waiver of everything waives them, none
    // waives nothing.
    let mut strict = rules(&grid);
    (
        strict.thresholds.population_min,
        strict.thresholds.medicare_min,
    ) = (401.0, 101.0);
    let all = json!({ "reason": "two hill towns share one hospital" });
    let checked = check(
        &data,
        strict.clone(),
        rural_in_two_pieces(Some(all.clone())),
    );
    checked.assert_exactly(&with_rural_compactness(&[
        ("threshold.population", "pending", Some("Rural")),
        ("threshold.medicare", "pending", Some("Rural")),
        ("contiguity", "pending", Some("Rural")),
        ("waiver", "info", Some("Rural")),
    ]));
    let mut all = all;
    all["status"] = json!("approved");
    let checked = check(&data, strict.clone(), rural_in_two_pieces(Some(all)));
    checked.assert_exactly(&with_rural_compactness(&[
        ("threshold.population", "waived", Some("Rural")),
        ("threshold.medicare", "waived", Some("Rural")),
        ("contiguity", "waived", Some("Rural")),
        ("waiver", "info", Some("Rural")),
    ]));
    let f = checked.only("threshold.population");
    assert_eq!((f.measured, f.limit), (Some(400.0), Some(401.0)));
    let checked = check(&data, strict, rural_in_two_pieces(None));
    checked.assert_exactly(&with_rural_compactness(&[
        ("threshold.population", "error", Some("Rural")),
        ("threshold.medicare", "error", Some("Rural")),
        ("contiguity", "error", Some("Rural")),
    ]));
}

#[test]
fn a_waiver_without_a_reason_refused_or_for_a_dense_hec_waives_nothing() {
    let grid = rural_grid();
    let data = grid.build().unwrap();
    let no_reason = json!({ "reason": " ", "waive": ["contiguity"] });
    let checked = check(
        &data,
        rural_rules(&grid),
        rural_in_two_pieces(Some(no_reason)),
    );
    checked.assert_exactly(&with_rural_compactness(&[
        ("contiguity", "error", Some("Rural")),
        ("waiver", "error", Some("Rural")),
    ]));
    assert!(checked.only("waiver").message.contains("gives no reason"));

    let refused = json!({ "reason": "one hospital", "status": "refused" });
    let checked = check(
        &data,
        rural_rules(&grid),
        rural_in_two_pieces(Some(refused)),
    );
    checked.assert_exactly(&with_rural_compactness(&[
        ("contiguity", "error", Some("Rural")),
        ("waiver", "info", Some("Rural")),
    ]));
    assert!(checked.only("waiver").message.contains("Staff refused"));

    // The same plan where the east is as dense as the rest: not rural.
    let dense = TownGrid::new(3, 3, 2);
    let data = dense.build().unwrap();
    let waiver = json!({ "reason": "one hospital", "waive": ["contiguity"] });
    let checked = check(&data, rules(&dense), rural_in_two_pieces(Some(waiver)));
    checked.assert_exactly(&with_rural_compactness(&[
        ("contiguity", "error", Some("Rural")),
        ("waiver", "error", Some("Rural")),
    ]));
    let w = checked.only("waiver");
    assert!(w.measured.unwrap() > 150.0 && w.limit == Some(150.0));
    assert!(w.message.contains("is not rural"), "{}", w.message);
}

/// One HEC of A1, A2, B1 and B2 but for B2's south-west tract, which it
/// surrounds; a single HEC makes the plan partial (no gaps are checked).
fn ring(grid: &TownGrid) -> Value {
    json!({
        "name": "ring",
        "hecs": [hec("Ring", &["A1", "A2", "B1", "B2"])],
        "assignment": { geoid(grid, 2, 2): "" },
    })
}

#[test]
fn a_hole_in_an_hec_is_an_enclave() {
    let grid = TownGrid::new(3, 3, 2);
    let data = grid.build().unwrap();
    let hole = grid.tract_at(2, 2);
    let checked = check(&data, rules(&grid), ring(&grid));
    checked.assert_exactly(&[
        ("enclave", "warning", Some("Ring")),
        ("compactness", "info", Some("Ring")),
    ]);
    assert_eq!(checked.report["plan"]["scope"], "partial");
    let f = checked.only("enclave");
    assert_eq!(f.tract_ids, [hole]);
    assert_eq!(f.towns, ["B2"]);
    assert_eq!(f.measured, Some(1_000.0));
    assert_eq!(f.unit, "people");
    assert!(f.others.is_empty(), "the hole belongs to no HEC");
    assert!(checked.passes(), "an enclave is a warning by default");

    // A hole on the state's edge is not surrounded: A1's south-west tract.
    let mut edge = ring(&grid);
    edge["assignment"] = json!({ geoid(&grid, 0, 0): "" });
    check(&data, rules(&grid), edge).assert_exactly(&[("compactness", "info", Some("Ring"))]);

    // Its severity is a setting.
    let mut strict = rules(&grid);
    strict.enclave.severity = hecmap_core::rules::Severity::Error;
    let checked = check(&data, strict, ring(&grid));
    checked.assert_exactly(&[
        ("enclave", "error", Some("Ring")),
        ("compactness", "info", Some("Ring")),
    ]);
    assert!(!checked.passes());
}

#[test]
fn a_high_need_hole_is_also_cherry_picked() {
    let mut grid = TownGrid::new(3, 3, 2);
    let hole = grid.tract_at(2, 2);
    grid.set_high_need(hole);
    let data = grid.build().unwrap();
    let checked = check(&data, rules(&grid), ring(&grid));
    checked.assert_exactly(&[
        ("enclave", "warning", Some("Ring")),
        ("cherry_pick.high_need", "error", Some("Ring")),
        ("compactness", "info", Some("Ring")),
    ]);
    let f = checked.only("cherry_pick.high_need");
    assert_eq!(f.tract_ids, [hole]);
    assert_eq!(f.details["left_out"][0]["why"], "surrounded by the HEC");
    assert_eq!(
        f.measured,
        Some(100.0),
        "the left-out tract's need percentile"
    );
    assert_eq!(f.limit, Some(grid.need_config().high_need_percentile));
}

/// The column plan with B2's north-east tract given to East (beside it in C2).
fn b2_corner_to_east(grid: &TownGrid) -> Value {
    let mut plan = columns();
    plan["hecs"][2] = hec("East", &["C1", "C2", "C3", &geoid(grid, 3, 3)]);
    plan["split_reasons"] = json!({ "B2": "a school district line" });
    plan
}

#[test]
fn a_high_need_tract_left_out_of_a_town_the_hec_mostly_holds_is_cherry_picked() {
    let mut grid = TownGrid::new(3, 3, 2);
    let left_out = grid.tract_at(3, 3);
    grid.set_high_need(left_out);
    let data = grid.build().unwrap();
    let checked = check(&data, rules(&grid), b2_corner_to_east(&grid));
    checked.assert_exactly(&with_compactness(&[
        ("cherry_pick.high_need", "error", Some("Center")),
        ("town.split", "info", Some("Center")),
    ]));
    assert!(!checked.passes());
    let f = checked.only("cherry_pick.high_need");
    assert_eq!(f.tract_ids, [left_out]);
    assert_eq!(f.towns, ["B2"]);
    assert_eq!(f.others, ["East"], "the HEC the tract went to");
    assert_eq!(f.measured, Some(100.0));
    assert_eq!(f.limit, Some(grid.need_config().high_need_percentile));
    assert_eq!(f.unit, "need percentile");
    let row = &f.details["left_out"][0];
    assert_eq!(row["why"], "its town is mostly in the HEC");
    assert_eq!(row["geoid"], grid.tract_geoid(left_out));
    assert!((row["share_below_200pct_fpl"].as_f64().unwrap() - 0.6).abs() < 1e-12);
    assert!((f.details["kept_share_below_200pct_fpl"].as_f64().unwrap() - 0.2).abs() < 1e-12);

    // The same plan when the tract is ordinary: only the justified split.
    let ordinary = TownGrid::new(3, 3, 2);
    let data = ordinary.build().unwrap();
    check(&data, rules(&ordinary), b2_corner_to_east(&ordinary))
        .assert_exactly(&with_compactness(&[("town.split", "info", Some("Center"))]));
}

#[test]
fn a_high_need_tract_beyond_a_boundary_along_town_lines_is_not_cherry_picked() {
    let mut grid = TownGrid::new(3, 3, 2);
    // C2's south-west tract, on Center's edge, in a town wholly in East.
    grid.set_high_need(grid.tract_at(4, 2));
    let data = grid.build().unwrap();
    check(&data, rules(&grid), columns()).assert_exactly(&COMPACTNESS);
}

#[test]
fn a_high_need_tract_is_cherry_picked_when_it_borders_the_hec_along_enough_of_its_edge() {
    let mut grid = TownGrid::new(3, 3, 2);
    let left_out = grid.tract_at(4, 3);
    grid.set_high_need(left_out);
    let data = grid.build().unwrap();
    // Center takes C2's south-west tract, a quarter of C2's people: the
    // left-out tract north of it borders Center on its west and south.
    let mut plan = columns();
    plan["hecs"][1] = hec("Center", &["B1", "B2", "B3", &geoid(&grid, 4, 2)]);
    plan["split_reasons"] = json!({ "C2": "a highway" });
    let g = &data.tracts.graph;
    let share = (g.shared_length(left_out, grid.tract_at(3, 3))
        + g.shared_length(left_out, grid.tract_at(4, 2)))
        / g.perimeter_m(left_out);
    assert!((0.45..0.55).contains(&share), "{share}");

    let with_edge_share = |edge_share| {
        let mut r = rules(&grid);
        r.cherry_pick.edge_share = edge_share;
        r
    };
    let checked = check(&data, with_edge_share(share), plan.clone());
    checked.assert_exactly(&with_compactness(&[
        ("cherry_pick.high_need", "error", Some("Center")),
        ("town.split", "info", Some("East")),
    ]));
    let f = checked.only("cherry_pick.high_need");
    assert_eq!(f.tract_ids, [left_out]);
    assert_eq!(f.towns, ["C2"]);
    assert_eq!(
        f.details["left_out"][0]["why"],
        "borders the HEC along most of its edge"
    );

    // Just short of the edge share: not cherry-picked.
    check(&data, with_edge_share(share + 0.01), plan).assert_exactly(&with_compactness(&[(
        "town.split",
        "info",
        Some("East"),
    )]));
}

/// Polsby-Popper of a rectangle of `a` x `b` tracts of `w` x `h` metres.
fn rectangle_pp(a: f64, b: f64, w: f64, h: f64) -> f64 {
    let (width, height) = (a * w, b * h);
    4.0 * std::f64::consts::PI * width * height / (2.0 * (width + height)).powi(2)
}

#[test]
fn compactness_is_measured_for_every_hec_and_never_fails_a_plan() {
    let grid = TownGrid::new(3, 3, 2);
    let data = grid.build().unwrap();
    // A tract's sides from the graph: the edge shared with its eastern
    // neighbour is its height, with its northern neighbour its width.
    let g = &data.tracts.graph;
    let h = g.shared_length(grid.tract_at(0, 0), grid.tract_at(1, 0));
    let w = g.shared_length(grid.tract_at(0, 0), grid.tract_at(0, 1));
    assert!(h > w && w > 500.0, "{w} x {h} m");

    let checked = check(&data, rules(&grid), columns());
    checked.assert_exactly(&COMPACTNESS);
    for f in &checked.findings {
        assert_eq!(f.unit, "Polsby-Popper");
        let pp = f.measured.unwrap();
        let expected = rectangle_pp(2.0, 6.0, w, h);
        assert!(
            (pp - expected).abs() < 0.01 * expected,
            "{pp} vs {expected}"
        );
        assert_eq!(f.limit, None);
    }

    // A square block is more compact than a strip, and an L more ragged.
    let plan = json!({
        "hecs": [hec("Block", &["A1", "A2", "B1", "B2"]), hec("L", &["A3", "B3", "C3", "C2", "C1"])],
    });
    let checked = check(&data, rules(&grid), plan);
    checked.assert_exactly(&[
        ("compactness", "info", Some("Block")),
        ("compactness", "info", Some("L")),
    ]);
    assert!(checked.passes());
    let of = |name: &str| {
        checked
            .findings
            .iter()
            .find(|f| f.hec.as_deref() == Some(name))
            .unwrap()
            .measured
            .unwrap()
    };
    let block = of("Block");
    assert!(
        (block - rectangle_pp(4.0, 4.0, w, h)).abs() < 0.01,
        "{block}"
    );
    // The L's perimeter is its 6 x 6 bounding box's; its area 20 tracts.
    let l_expected = 4.0 * std::f64::consts::PI * 20.0 * w * h / (2.0 * 6.0 * (w + h)).powi(2);
    assert!(
        (of("L") - l_expected).abs() < 0.01,
        "{} vs {l_expected}",
        of("L")
    );
    assert!(block > rectangle_pp(2.0, 6.0, w, h) && rectangle_pp(2.0, 6.0, w, h) > of("L"));
    let details = &checked.findings[0].details;
    assert!(details["reock"].as_f64().is_some() && details["convex_hull"].as_f64().is_some());
}

#[test]
fn rural_figures_make_a_town_sparse_and_unranked() {
    // The fixture's promises the tests above rely on.
    let mut grid = rural_grid();
    grid.set_high_need(grid.tract_at(0, 0));
    let data = grid.build().unwrap();
    let pop = data.towns.attributes.id("population").unwrap();
    assert_eq!(
        data.towns.attributes.value(pop, grid.town_at(2, 0)),
        Some(4.0 * TractFigures::RURAL.population)
    );
    assert_eq!(
        data.towns.attributes.value(pop, grid.town_at(0, 0)),
        Some(4_000.0)
    );
    let need = NeedIndex::compute(&data.tracts.attributes, &grid.need_config()).unwrap();
    for t in grid.tracts_of(grid.town_at(2, 1)) {
        assert_eq!(need.percentile[t as usize], None, "too few people to rank");
    }
    let high: Vec<u32> = (0..36).filter(|&t| need.high_need[t as usize]).collect();
    assert_eq!(high, [grid.tract_at(0, 0)]);
}
