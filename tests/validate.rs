//! Plans and the state's rules on the real data: every rule fires where it
//! should, and only there.

mod common;

use common::{
    county_plan_csv, data, planning_region_plan_csv, population_of, tract, tract_plan_csv,
};
use hecmap_core::need::NeedIndex;
use hecmap_core::plan::{PlanScope, parse_csv_plan, parse_json_plan};
use hecmap_core::report::{FindingReport, Report, Verdict};
use hecmap_core::rules::{RulesConfig, Severity};
use hecmap_core::units::UnitId;
use hecmap_core::validate::Validator;

fn validate_csv(csv: &str) -> Report {
    validate_csv_with(csv, RulesConfig::default())
}

fn validate_csv_with(csv: &str, rules: RulesConfig) -> Report {
    let plan = parse_csv_plan(data(), csv.as_bytes(), "test.csv").expect("plan parses");
    Validator::new(data(), rules, plan, None).unwrap().report()
}

fn findings<'a>(report: &'a Report, rule: &str) -> Vec<&'a FindingReport> {
    report.findings.iter().filter(|f| f.rule == rule).collect()
}

fn errors(report: &Report) -> Vec<(&str, Option<&str>)> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.rule.as_str(), f.hec.as_deref()))
        .collect()
}

fn hec<'a>(report: &'a Report, name: &str) -> &'a hecmap_core::report::HecReport {
    report
        .hecs
        .iter()
        .find(|h| h.name == name)
        .unwrap_or_else(|| panic!("HEC {name}"))
}

/// The counties with Tolland and Windham merged and Fairfield split in two
/// along town lines: eight HECs that meet every rule.
fn passing_plan_csv() -> String {
    let east_fairfield = [
        "Bridgeport",
        "Stratford",
        "Fairfield",
        "Trumbull",
        "Monroe",
        "Shelton",
        "Easton",
    ];
    let d = data();
    tract_plan_csv(|t| {
        let town = d.towns.units.name[d.nesting.tract_town[t as usize] as usize].as_str();
        Some(match d.tract_county(t) {
            "Tolland" | "Windham" => "Northeast".to_string(),
            "Fairfield" if east_fairfield.contains(&town) => "Greater Bridgeport".to_string(),
            "Fairfield" => "Western Fairfield".to_string(),
            county => county.to_string(),
        })
    })
}

#[test]
fn the_eight_counties_fail_the_population_floor_where_the_census_says() {
    let report = validate_csv(&county_plan_csv());
    assert!(!report.passes);
    assert_eq!(report.hecs.len(), 8);
    let mut failing: Vec<_> = findings(&report, "threshold.population")
        .iter()
        .map(|f| (f.hec.clone().unwrap(), f.measured.unwrap()))
        .collect();
    failing.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        failing,
        vec![("Tolland".into(), 149_788.0), ("Windham".into(), 116_418.0)]
    );
    let f = findings(&report, "threshold.population")
        .into_iter()
        .find(|f| f.hec.as_deref() == Some("Windham"))
        .unwrap();
    assert_eq!(f.limit, Some(150_000.0));
    assert!(
        f.message.contains("33,582 short of the floor of 150,000"),
        "{}",
        f.message
    );
    // Every county clears the Medicare floor, and says it is an estimate.
    assert!(findings(&report, "threshold.medicare").is_empty());
    assert!(
        report
            .hecs
            .iter()
            .all(|h| h.medicare.estimate && h.medicare.value > 20_000.0)
    );
    assert_eq!(hec(&report, "Fairfield").population, 957_419.0);
    // Whole counties: no gaps, overlaps, splits, enclaves or cherry-picking.
    assert_eq!(errors(&report).len(), 2, "{:?}", errors(&report));
    for rule in [
        "coverage.gap",
        "coverage.overlap",
        "town.split",
        "contiguity",
        "cherry_pick.high_need",
        "count.regions",
    ] {
        assert!(
            findings(&report, rule).is_empty(),
            "{rule}: {:?}",
            findings(&report, rule)
        );
    }
    assert_eq!(findings(&report, "compactness").len(), 8);
    assert_eq!(report.plan.scope, PlanScope::Statewide);
}

#[test]
fn the_nine_planning_regions_fail_where_they_are_small() {
    let report = validate_csv(&planning_region_plan_csv());
    assert_eq!(report.hecs.len(), 9);
    let mut failing: Vec<String> = findings(&report, "threshold.population")
        .iter()
        .map(|f| f.hec.clone().unwrap())
        .collect();
    failing.sort();
    assert_eq!(
        failing,
        vec![
            "Northeastern Connecticut Planning Region",
            "Northwest Hills Planning Region"
        ]
    );
    assert_eq!(report.plan.level, hecmap_core::units::Level::Town);
    let total: f64 = report.hecs.iter().map(|h| h.population).sum();
    assert_eq!(total, 3_605_944.0);
    assert!(hec(&report, "Northeastern Connecticut Planning Region").rural);
    assert!(!hec(&report, "Capitol Planning Region").rural);
}

#[test]
fn a_plan_that_meets_every_rule_passes() {
    let report = validate_csv(&passing_plan_csv());
    assert!(report.passes, "{:#?}", errors(&report));
    assert!(report.hecs.iter().all(|h| h.passes));
    assert_eq!(report.counts.get(&Severity::Error), None);
}

#[test]
fn a_town_left_out_is_a_gap_with_its_people() {
    let csv: String = planning_region_plan_csv()
        .lines()
        .filter(|l| !l.starts_with("Union,"))
        .map(|l| format!("{l}\n"))
        .collect();
    let report = validate_csv(&csv);
    let gaps = findings(&report, "coverage.gap");
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].towns, vec!["Union"]);
    assert_eq!(gaps[0].measured, Some(785.0));
    assert_eq!(gaps[0].severity, Severity::Error);
    assert!(gaps[0].message.contains("in no HEC"), "{}", gaps[0].message);
}

#[test]
fn two_hecs_claiming_one_town_is_an_overlap_not_a_split() {
    let csv = planning_region_plan_csv() + "Hartford,Naugatuck Valley Planning Region\n";
    let report = validate_csv(&csv);
    let overlaps = findings(&report, "coverage.overlap");
    assert_eq!(overlaps.len(), 1);
    let f = overlaps[0];
    assert_eq!(f.towns, vec!["Hartford"]);
    let mut claimants: Vec<String> = f.other_hecs.clone();
    claimants.push(f.hec.clone().unwrap());
    claimants.sort();
    assert_eq!(
        claimants,
        vec![
            "Capitol Planning Region",
            "Naugatuck Valley Planning Region"
        ]
    );
    let hartford = &data().nesting.town_tracts[common::town("Hartford") as usize];
    assert_eq!(f.measured, Some(population_of(hartford.iter().copied())));
    assert!(f.message.contains("people at stake"));
    assert!(findings(&report, "town.split").is_empty());
    // Naugatuck Valley now also has a detached piece.
    assert_eq!(findings(&report, "contiguity").len(), 1);
}

#[test]
fn a_split_town_needs_a_reason() {
    // Give one Hartford tract to West Hartford's HEC... by tract rows that override the town rows.
    let moved = &data().tracts.units.geoid
        [data().nesting.town_tracts[common::town("Hartford") as usize][0] as usize];
    let csv = planning_region_plan_csv() + &format!("{moved},Naugatuck Valley Planning Region\n");
    let report = validate_csv(&csv);
    let splits = findings(&report, "town.split");
    assert_eq!(splits.len(), 1);
    assert_eq!(splits[0].towns, vec!["Hartford"]);
    assert_eq!(splits[0].severity, Severity::Error);
    assert!(
        findings(&report, "coverage.overlap").is_empty(),
        "tract rows override town rows"
    );

    let with_reason = format!(
        "unit,hec,split_reason\n{}{moved},Naugatuck Valley Planning Region,the hospital campus\n",
        planning_region_plan_csv()
            .lines()
            .skip(1)
            .map(|l| format!("{l},\n"))
            .collect::<String>()
    );
    let report = validate_csv(&with_reason);
    let splits = findings(&report, "town.split");
    assert_eq!(splits[0].severity, Severity::Info);
    assert!(splits[0].message.contains("the hospital campus"));
}

#[test]
fn too_few_hecs_statewide_breaks_the_count() {
    let d = data();
    let csv = tract_plan_csv(|t| {
        Some(
            if d.tract_county(t) == "Fairfield" {
                "West"
            } else {
                "East"
            }
            .to_string(),
        )
    });
    let report = validate_csv(&csv);
    let count = findings(&report, "count.regions");
    assert_eq!(count.len(), 1);
    assert_eq!(count[0].measured, Some(2.0));
    assert_eq!(count[0].limit, Some(8.0));
}

/// Waterbury's tracts by share below 200% of poverty, poorest first.
fn waterbury_by_poverty() -> Vec<UnitId> {
    let d = data();
    let attrs = &d.tracts.attributes;
    let share = attrs.id("share_below_200pct_fpl").unwrap();
    let mut tracts = d.nesting.town_tracts[common::town("Waterbury") as usize].clone();
    tracts.sort_by(|a, b| {
        attrs
            .value(share, *b)
            .unwrap_or(0.0)
            .total_cmp(&attrs.value(share, *a).unwrap_or(0.0))
    });
    tracts
}

fn counties_moving(moved: &[UnitId], to: &str) -> String {
    tract_plan_csv(|t| {
        Some(if moved.contains(&t) {
            to.to_string()
        } else {
            data().tract_county(t).to_string()
        })
    })
}

#[test]
fn carving_out_a_citys_poorest_tracts_is_cherry_picking() {
    let need = NeedIndex::compute(&data().tracts.attributes, &RulesConfig::default().need).unwrap();
    let poorest: Vec<UnitId> = waterbury_by_poverty()
        .into_iter()
        .filter(|&t| need.high_need[t as usize])
        .take(5)
        .collect();
    assert_eq!(poorest.len(), 5, "Waterbury has high-need tracts");
    let report = validate_csv(&counties_moving(&poorest, "Litchfield"));
    let picks = findings(&report, "cherry_pick.high_need");
    let pick = picks
        .iter()
        .find(|f| f.hec.as_deref() == Some("New Haven"))
        .expect("New Haven cherry-picks");
    assert_eq!(pick.severity, Severity::Error);
    for t in &poorest {
        assert!(pick.tract_ids.contains(t), "tract {t} named");
    }
    assert!(pick.other_hecs.contains(&"Litchfield".to_string()));
    let details = &pick.details;
    let out = details["left_out_share_below_200pct_fpl"].as_f64().unwrap();
    let kept = details["kept_share_below_200pct_fpl"].as_f64().unwrap();
    assert!(out > 2.0 * kept, "left out {out} against kept {kept}");
    assert!(pick.measured.unwrap() >= 80.0);
    assert!(
        pick.message.contains("leaves out 5 high-need tracts"),
        "{}",
        pick.message
    );
}

#[test]
fn moving_affluent_edge_tracts_is_not_cherry_picking() {
    // New Haven County's least poor tracts on its edge with Litchfield County.
    let d = data();
    let attrs = &d.tracts.attributes;
    let share = attrs.id("share_below_200pct_fpl").unwrap();
    let mut edge: Vec<UnitId> = d
        .tracts
        .units
        .ids()
        .filter(|&t| d.tract_county(t) == "New Haven")
        .filter(|&t| {
            d.tracts
                .graph
                .neighbours(t)
                .iter()
                .any(|e| d.tract_county(e.to) == "Litchfield")
        })
        .collect();
    edge.sort_by(|a, b| {
        attrs
            .value(share, *a)
            .unwrap_or(1.0)
            .total_cmp(&attrs.value(share, *b).unwrap_or(1.0))
    });
    let affluent = &edge[..3];
    assert!(
        affluent
            .iter()
            .all(|&t| attrs.value(share, t).unwrap() < 0.15)
    );
    let report = validate_csv(&counties_moving(affluent, "Litchfield"));
    let picks: Vec<_> = findings(&report, "cherry_pick.high_need")
        .iter()
        .map(|f| (f.hec.clone(), f.message.clone()))
        .collect();
    assert!(picks.is_empty(), "{picks:#?}");
    // The move is still visible: the towns it splits need a reason.
    assert!(!findings(&report, "town.split").is_empty());
}

#[test]
fn taking_a_citys_affluent_tracts_and_leaving_its_poor_neighbours_is_cherry_picking() {
    // The mirror image: Litchfield takes Waterbury's five least poor tracts;
    // the poor Waterbury tracts that border them are left out.
    let affluent: Vec<UnitId> = waterbury_by_poverty().into_iter().rev().take(5).collect();
    let report = validate_csv(&counties_moving(&affluent, "Litchfield"));
    let picks = findings(&report, "cherry_pick.high_need");
    assert!(
        picks.iter().any(|f| f.hec.as_deref() == Some("Litchfield")),
        "{picks:#?}"
    );
}

#[test]
fn a_surrounded_high_need_town_left_out_is_an_enclave_and_cherry_picking() {
    // New Britain is inland, wholly inside Hartford County.
    let d = data();
    let new_britain = common::town("New Britain");
    let csv = tract_plan_csv(|t| {
        (d.nesting.tract_town[t as usize] != new_britain).then(|| d.tract_county(t).to_string())
    });
    let report = validate_csv(&csv);
    let enclaves = findings(&report, "enclave");
    assert_eq!(enclaves.len(), 1);
    assert_eq!(enclaves[0].hec.as_deref(), Some("Hartford"));
    assert_eq!(enclaves[0].towns, vec!["New Britain"]);
    let picks = findings(&report, "cherry_pick.high_need");
    assert!(picks.iter().any(|f| {
        f.hec.as_deref() == Some("Hartford")
            && f.details["left_out"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["why"] == "surrounded by the HEC")
    }));
    assert_eq!(
        findings(&report, "coverage.gap")[0].towns,
        vec!["New Britain"]
    );
}

fn regions_with_detached_salisbury(extra_columns: &str, salisbury_extra: &str) -> String {
    let mut csv = format!("town,hec{extra_columns}\n");
    for line in planning_region_plan_csv().lines().skip(1) {
        if line.starts_with("Salisbury,") {
            csv.push_str(&format!(
                "Salisbury,Northeastern Connecticut Planning Region{salisbury_extra}\n"
            ));
        } else {
            csv.push_str(line);
            csv.push_str(&",".repeat(extra_columns.matches(',').count()));
            csv.push('\n');
        }
    }
    csv
}

#[test]
fn a_non_contiguous_rural_hec_fails_without_a_waiver_is_pending_on_request_and_waived_once_approved()
 {
    const NE: &str = "Northeastern Connecticut Planning Region";
    let report = validate_csv(&regions_with_detached_salisbury("", ""));
    let contiguity: Vec<_> = findings(&report, "contiguity")
        .into_iter()
        .filter(|f| f.hec.as_deref() == Some(NE))
        .collect();
    assert_eq!(contiguity.len(), 1);
    assert_eq!(contiguity[0].severity, Severity::Error);
    assert_eq!(contiguity[0].measured, Some(2.0));
    assert_eq!(contiguity[0].towns, vec!["Salisbury"], "the detached piece");

    // Requested: pending a staff decision, not passing and not waived.
    let requested = validate_csv(&regions_with_detached_salisbury(
        ",waiver_reason",
        ",Sparse rural towns share one hospital network",
    ));
    let ne = hec(&requested, NE);
    assert!(ne.rural && ne.waiver.is_some());
    assert!(
        !ne.passes,
        "a requested waiver does not pass before staff rule"
    );
    assert_eq!(ne.verdict, Verdict::Pending);
    assert_eq!(ne.if_approved, Some(Verdict::Passes));
    assert_eq!(ne.if_refused, Some(Verdict::Fails));
    for rule in ["contiguity", "threshold.population"] {
        let f = findings(&requested, rule)
            .into_iter()
            .find(|f| f.hec.as_deref() == Some(NE))
            .unwrap();
        assert_eq!(f.severity, Severity::Pending, "{rule}: {}", f.message);
        assert!(
            f.message.contains("pending staff decision"),
            "{}",
            f.message
        );
    }
    assert!(
        !requested
            .findings
            .iter()
            .any(|f| f.severity == Severity::Waived),
        "nothing is waived before staff approve"
    );
    let waiver = findings(&requested, "waiver")[0];
    assert_eq!(waiver.severity, Severity::Info);
    assert!(waiver.message.contains("Sparse rural towns"));
    // NW Hills has no waiver and fails: the plan fails whatever staff decide.
    assert_eq!(requested.verdict, Verdict::Fails);
    assert_eq!(requested.if_approved, Some(Verdict::Fails));

    // Approved by staff: waived, still visible, and the HEC passes.
    let approved = validate_csv(&regions_with_detached_salisbury(
        ",waiver_reason,waiver_status",
        ",Sparse rural towns share one hospital network,approved",
    ));
    let ne = hec(&approved, NE);
    assert!(ne.passes && ne.verdict == Verdict::Passes && ne.if_approved.is_none());
    let contiguity: Vec<_> = findings(&approved, "contiguity")
        .into_iter()
        .filter(|f| f.hec.as_deref() == Some(NE))
        .collect();
    assert_eq!(
        contiguity[0].severity,
        Severity::Waived,
        "still visible, does not fail"
    );
    let refused = validate_csv(&regions_with_detached_salisbury(
        ",waiver_reason,waiver_status",
        ",Sparse rural towns share one hospital network,refused",
    ));
    let contiguity: Vec<_> = findings(&refused, "contiguity")
        .into_iter()
        .filter(|f| f.hec.as_deref() == Some(NE))
        .collect();
    assert_eq!(contiguity[0].severity, Severity::Error);
}

#[test]
fn a_waiver_for_an_urban_hec_or_without_a_reason_is_an_error() {
    let json = r#"{"name": "waivers", "scope": "partial", "hecs": [
        {"name": "City", "units": ["Hartford", "New Britain"], "waiver": {"reason": "we are special"}},
        {"name": "Quiet", "units": ["Union", "Stafford"], "waiver": {"reason": "  "}}
    ]}"#;
    let plan = parse_json_plan(data(), json, "waivers.json").unwrap();
    let report = Validator::new(data(), RulesConfig::default(), plan, None)
        .unwrap()
        .report();
    let waivers = findings(&report, "waiver");
    let city = waivers
        .iter()
        .find(|f| f.hec.as_deref() == Some("City"))
        .unwrap();
    assert_eq!(city.severity, Severity::Error);
    assert!(city.message.contains("not rural"), "{}", city.message);
    let quiet = waivers
        .iter()
        .find(|f| f.hec.as_deref() == Some("Quiet"))
        .unwrap();
    assert!(quiet.message.contains("no reason"), "{}", quiet.message);
    // City's threshold findings are not waived.
    assert!(
        findings(&report, "threshold.population").is_empty()
            || findings(&report, "threshold.population")
                .iter()
                .all(|f| f.severity == Severity::Error)
    );
    // A partial plan is not held to statewide coverage.
    assert!(findings(&report, "coverage.gap").is_empty());
    assert!(findings(&report, "count.regions").is_empty());
}

#[test]
fn thresholds_are_settings() {
    let rules = RulesConfig::from_toml(
        "[thresholds]\npopulation_min = 120000\nmedicare_min = 25000\n",
        "t.toml",
    )
    .unwrap();
    let report = validate_csv_with(&county_plan_csv(), rules);
    let pop: Vec<_> = findings(&report, "threshold.population")
        .iter()
        .map(|f| f.hec.clone().unwrap())
        .collect();
    assert_eq!(pop, vec!["Windham"]);
    let medicare: Vec<_> = findings(&report, "threshold.medicare")
        .iter()
        .map(|f| f.hec.clone().unwrap())
        .collect();
    assert_eq!(medicare, vec!["Windham"]);
    assert!(findings(&report, "threshold.medicare")[0].estimate);
}

/// Equal JSON, with floating-point sums equal to 1e-9 relative (moves add
/// and subtract in another order than a recount).
fn assert_same(a: &serde_json::Value, b: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                "{path}: {x} != {y}"
            );
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: lengths");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                assert_same(x, y, &format!("{path}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{path}: keys"
            );
            for (k, v) in x {
                assert_same(v, &y[k], &format!("{path}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

#[test]
fn incremental_validation_equals_a_fresh_one() {
    let plan =
        parse_csv_plan(data(), planning_region_plan_csv().as_bytes(), "regions.csv").unwrap();
    let mut live = Validator::new(data(), RulesConfig::default(), plan, None).unwrap();
    let _ = live.report();
    let naugatuck = live
        .plan()
        .region_id("Naugatuck Valley Planning Region")
        .unwrap();
    let capitol = live.plan().region_id("Capitol Planning Region").unwrap();
    for (town, to) in [
        ("Hartford", Some(naugatuck)),
        ("Union", None),
        ("Hartford", Some(capitol)),
        ("Waterbury", Some(capitol)),
    ] {
        live.assign_town(common::town(town), to);
        let incremental = serde_json::to_value(live.report()).unwrap();
        let fresh = Validator::new(data(), RulesConfig::default(), live.plan().clone(), None)
            .unwrap()
            .report();
        assert_same(
            &incremental,
            &serde_json::to_value(fresh).unwrap(),
            &format!("after moving {town}"),
        );
    }
}

#[test]
fn the_report_names_its_sources_and_rules() {
    let report = validate_csv(&county_plan_csv());
    assert_eq!(report.schema, "hecmap.report/1");
    let medicare = report.sources.iter().find(|s| s.key == "medicare").unwrap();
    assert!(medicare.estimate);
    assert!(
        medicare
            .provenance
            .method
            .as_deref()
            .unwrap()
            .contains("estimate")
    );
    let keys: Vec<&str> = report.rules.iter().map(|r| r.key.as_str()).collect();
    for key in [
        "coverage.gap",
        "coverage.overlap",
        "threshold.population",
        "threshold.medicare",
        "count.regions",
        "contiguity",
        "waiver",
        "town.split",
        "enclave",
        "cherry_pick.high_need",
        "compactness",
    ] {
        assert!(keys.contains(&key), "{key}");
    }
    assert!(report.rules.iter().all(|r| r.computed && r.version >= 1));
}

#[test]
fn a_rule_that_cannot_be_computed_says_so_and_hides_nothing() {
    let mut rules = RulesConfig::default();
    rules.need.components[0].key = "no_such_column".into();
    let plan = parse_csv_plan(data(), county_plan_csv().as_bytes(), "c.csv").unwrap();
    // The need index is validated up front with a clear message...
    let err = Validator::new(data(), rules, plan, None)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("no_such_column"), "{err}");
    // ...and a rule that fails at run time becomes an "unknown" finding.
    let findings =
        hecmap_core::rules::run_guarded(hecmap_core::rules::RuleId::Waiver, Some(0), || {
            panic!("boom")
        });
    assert_eq!(findings[0].severity, Severity::Unknown);
    assert!(findings[0].message.contains("boom"));
}

#[test]
fn malformed_and_hostile_plans_get_clear_errors() {
    let d = data();
    let cases: Vec<(&[u8], &str)> = vec![
        (b"geoid,hec\n09003999999,A\n", "row 2"),
        (b"geoid,hec\nHartford,A\nAtlantis,B\n", "Atlantis"),
        (b"geoid,hec\n", "no data rows"),
        (b"a,b,c\n1,2,3\n", "no column named"),
        (b"geoid,hec\n09003524700,A\n09003524800,B,extra\n", "row 3"),
        (
            b"geoid,hec\n=HYPERLINK(\"x\"),A\n",
            "neither a Connecticut tract",
        ),
        (b"\xff\xfe\x00\x01garbage", "test.csv"),
        (b"geoid,hec\n,\n", "the unit is empty"),
    ];
    for (bytes, expected) in cases {
        let err = parse_csv_plan(d, bytes, "test.csv")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains(expected) && err.contains("test.csv"),
            "{expected:?} not in {err:?}"
        );
    }
    let json_cases = [
        (
            r#"{"hecs": [{"name": "A", "units": ["Hartford"]}], "colour": "red"}"#,
            "unknown field",
        ),
        (
            r#"{"hecs": [{"name": "", "units": ["Hartford"]}]}"#,
            "hecs[0]",
        ),
        (
            r#"{"hecs": [{"name": "A", "units": ["Nowhere"]}]}"#,
            "hecs[0].units[0]",
        ),
        (r#"{"hecs": []}"#, "no unit is assigned"),
        ("{\"hecs\": [", "line 1"),
    ];
    for (text, expected) in json_cases {
        let err = parse_json_plan(d, text, "p.json")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(expected), "{expected:?} not in {err:?}");
    }
    // Deep nesting is refused without overflowing the stack.
    let deep = "[".repeat(100_000);
    assert!(parse_json_plan(d, &deep, "deep.json").is_err());
}

#[test]
fn the_straddling_tract_does_not_split_groton_or_ledyard() {
    let d = data();
    let straddler = tract("09011980000");
    let groton = common::town("Groton");
    let ledyard = common::town("Ledyard");
    let csv = tract_plan_csv(|t| {
        let town = d.nesting.tract_town[t as usize];
        Some(
            if town == ledyard {
                "L"
            } else if town == groton {
                "G"
            } else {
                "Rest"
            }
            .to_string(),
        )
    });
    let report = validate_csv(&csv);
    assert!(findings(&report, "town.split").is_empty());
    assert!(hec(&report, "G").towns.contains(&"Groton".to_string()));
    assert_eq!(d.nesting.tract_town[straddler as usize], groton);
}

/// The eight counties as drawn polygons: dissolved from their tracts, then
/// simplified and nudged as a digitizer would leave them.
fn county_polygons_geojson(simplify_deg: f64, nudge_deg: f64) -> String {
    use geo::{Simplify, Translate};
    let plan = parse_csv_plan(data(), county_plan_csv().as_bytes(), "counties.csv").unwrap();
    let shapes = hecmap_core::export::dissolve(data(), &plan);
    let features = plan
        .regions
        .iter()
        .zip(shapes)
        .map(|(region, shape)| {
            let drawn = shape
                .simplify(simplify_deg)
                .translate(nudge_deg, -nudge_deg);
            let mut props = geojson::JsonObject::new();
            props.insert("hec".into(), region.name.clone().into());
            hecmap_core::features::feature(None, &drawn, props)
        })
        .collect();
    hecmap_core::features::collection_json(features)
}

fn validate_geojson(text: &str) -> Report {
    let rules = RulesConfig::default();
    let (plan, polygons) = hecmap_core::plan::read_plan_text(
        data(),
        text.as_bytes(),
        hecmap_core::plan::PlanFormat::Json,
        "drawn.geojson",
        &rules.polygons,
    )
    .unwrap();
    Validator::new(data(), rules, plan, polygons)
        .unwrap()
        .report()
}

#[test]
fn simplified_and_nudged_county_polygons_are_slivers_not_disputes() {
    let report = validate_geojson(&county_polygons_geojson(0.002, 0.0005));
    assert!(report.polygons.is_some());
    // Digitizing leaves slivers, reported as information only...
    let slivers = findings(&report, "coverage.sliver");
    assert!(!slivers.is_empty());
    assert!(
        slivers
            .iter()
            .all(|f| f.severity == Severity::Info && f.estimate)
    );
    // ...and no dispute: every error is one the counties really have.
    let mut errors = errors(&report);
    errors.sort();
    assert_eq!(
        errors,
        vec![
            ("threshold.population", Some("Tolland")),
            ("threshold.population", Some("Windham"))
        ]
    );
    assert_eq!(hec(&report, "Fairfield").population, 957_419.0);
    let partial = &report.polygons.as_ref().unwrap().partial_tracts;
    assert!(
        partial.iter().any(|p| p.share < 1.0 && p.assigned),
        "partly covered tracts are listed with their share"
    );
}

#[test]
fn a_county_drawn_over_its_neighbour_is_a_real_overlap() {
    // Grow Hartford County's polygon by 0.05 degrees to the south: it now
    // covers real land of Middlesex and New Haven counties.
    use geo::{BooleanOps, Rect};
    let text = county_polygons_geojson(0.0, 0.0);
    let mut layer = hecmap_core::source::read_geojson_str(&text, "drawn").unwrap();
    let hartford = layer
        .features
        .iter_mut()
        .find(|f| f.properties["hec"] == "Hartford")
        .unwrap();
    let strip = Rect::new((-72.75, 41.50), (-72.60, 41.56)).to_polygon();
    hartford.geometry = hartford.geometry.union(&geo::MultiPolygon(vec![strip]));
    let features = layer
        .features
        .iter()
        .map(|f| hecmap_core::features::feature(None, &f.geometry, f.properties.clone()))
        .collect();
    let report = validate_geojson(&hecmap_core::features::collection_json(features));
    let overlaps: Vec<_> = findings(&report, "coverage.overlap")
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(!overlaps.is_empty());
    // Tracts now claimed by both (people at stake)...
    let claimed = overlaps
        .iter()
        .find(|f| f.unit == "people")
        .expect("tracts claimed twice");
    assert_eq!(claimed.other_hecs, vec!["Middlesex"]);
    // ...and the land drawn twice, with its area and an estimate of its people.
    let big = overlaps
        .iter()
        .find(|f| f.unit == "km2" && f.measured.unwrap() > 5.0)
        .expect("an overlap of several km2");
    assert_eq!(big.hec.as_deref(), Some("Hartford"));
    assert!(
        big.estimate && big.details["people_estimate"].as_f64().unwrap() > 0.0,
        "{big:#?}"
    );
    assert!(!big.tracts.is_empty());
}
