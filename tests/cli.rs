//! The `hecmap` command line, run as a user runs it.

use std::process::{Command, Output};

fn hecmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hecmap"))
        .args(args)
        .output()
        .expect("hecmap runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn summary_as_json_has_the_state_totals() {
    let out = hecmap(&["summary", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["tracts"], 879);
    assert_eq!(json["towns"], 169);
    let population = json["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "population")
        .unwrap();
    assert_eq!(population["value"], 3_605_944.0);
    let medicare = json["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "medicare")
        .unwrap();
    assert_eq!(medicare["estimate"], true);
    assert_eq!(json["county_population"]["Windham"], 116_418.0);
    assert_eq!(json["graphs"]["town"]["components"], 1);
}

#[test]
fn summary_as_text_says_the_estimate_is_one() {
    let out = hecmap(&["summary"]);
    let text = stdout(&out);
    assert!(text.contains("879 tracts, 169 towns"), "{text}");
    assert!(
        text.contains("Medicare beneficiaries") && text.contains("(ESTIMATE)"),
        "{text}"
    );
    assert!(text.contains("09011980000 straddles Groton"), "{text}");
}

#[test]
fn units_list_as_csv_and_geojson() {
    let out = hecmap(&["units", "--level", "tract", "--format", "csv"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert!(
        headers.iter().any(|h| h == "medicare_basis"),
        "estimate flagged: {headers:?}"
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 879);
    let pop = headers.iter().position(|h| h == "population").unwrap();
    let total: f64 = rows.iter().map(|r| r[pop].parse::<f64>().unwrap()).sum();
    assert_eq!(total, 3_605_944.0);

    let out = hecmap(&["units", "--level", "town", "--format", "geojson"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let features = json["features"].as_array().unwrap();
    assert_eq!(features.len(), 169);
    let union = features
        .iter()
        .find(|f| f["properties"]["name"] == "Union")
        .unwrap();
    assert_eq!(union["properties"]["population"], 785.0);
    assert_eq!(union["geometry"]["type"], "MultiPolygon");
}

#[test]
fn validate_exits_0_1_2_or_3() {
    let dir = tempfile::tempdir().unwrap();
    let counties = stdout(&hecmap(&["example-plan", "counties"]));
    let failing = write(&dir, "counties.csv", &counties);
    let out = hecmap(&["validate", &failing]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Windham has 116,418 people, 33,582 short of the floor of 150,000"),
        "{}",
        stdout(&out)
    );

    // Lower the floor in a rules file and the same plan passes.
    let rules = write(
        &dir,
        "rules.toml",
        "[thresholds]\npopulation_min = 100000\n",
    );
    let out = hecmap(&["validate", &failing, "--rules", &rules, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["passes"], true);
    assert_eq!(report["schema"], "hecmap.report/1");

    // Windham asks for a waiver: until staff rule, the plan is pending (3),
    // neither passing nor failing, and says what either ruling would do.
    let rules = write(
        &dir,
        "rules-tolland.toml",
        "[thresholds]\npopulation_min = 140000\n",
    );
    let (header, rows) = counties.split_once('\n').unwrap();
    let pending: String = rows
        .lines()
        .map(|l| {
            let reason = if l.ends_with(",Windham") {
                "Sparse towns and one hospital"
            } else {
                ""
            };
            format!("{l},{reason}\n")
        })
        .collect();
    let pending = write(
        &dir,
        "pending.csv",
        &format!("{header},waiver_reason\n{pending}"),
    );
    let out = hecmap(&["validate", &pending, "--rules", &rules]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.contains("PENDING STAFF DECISION (passes if staff approve the pending waiver, fails if they refuse)"),
        "{text}"
    );
    assert!(text.contains("Pending (1):"), "{text}");
    assert!(
        !text.contains("PASSES") && !text.contains("Waived ("),
        "{text}"
    );
    let out = hecmap(&["validate", &pending, "--rules", &rules, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["passes"], false);
    assert_eq!(report["verdict"], "pending");
    assert_eq!(report["if_approved"], "passes");
    assert_eq!(report["if_refused"], "fails");

    let broken = write(&dir, "broken.csv", "geoid,hec\n09003524700,A\nNowhere,B\n");
    let out = hecmap(&["validate", &broken]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("broken.csv: row 3") && err.contains("Nowhere"),
        "{err}"
    );

    let typo = write(&dir, "typo.csv", "town,hec\nHartford,A\nHartfrod,A\n");
    let out = hecmap(&["validate", &typo]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "typo.csv: row 3: \"Hartfrod\" is not a Connecticut town; did you mean Hartford?"
        ),
        "{}",
        stderr(&out)
    );

    let out = hecmap(&["validate", "/nonexistent/plan.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/plan.csv"));

    let bad_rules = write(&dir, "bad.toml", "[thresholds]\npopulation = 1\n");
    let out = hecmap(&["validate", &failing, "--rules", &bad_rules]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.toml"), "{}", stderr(&out));
}

#[test]
fn rules_prints_documented_defaults_that_read_back() {
    let out = hecmap(&["rules"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("population_min = 150000"), "{text}");
    assert!(text.contains("medicare_min = 20000"), "{text}");
    assert!(text.contains("# Least 2020 population of an HEC."));
    let parsed = hecmap_core::rules::RulesConfig::from_toml(&text, "printed").unwrap();
    assert_eq!(parsed, hecmap_core::rules::RulesConfig::default());
}

#[test]
fn a_missing_data_directory_is_named() {
    let out = hecmap(&["--data", "/nonexistent/ct", "summary"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/ct"), "{}", stderr(&out));
}

#[test]
fn export_writes_dissolved_hecs_and_the_assignment() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write(
        &dir,
        "regions.csv",
        &stdout(&hecmap(&["example-plan", "planning-regions"])),
    );
    for (format, file) in [
        ("gpkg", "hecs.gpkg"),
        ("geojson", "hecs.geojson"),
        ("shp", "hecs.shp"),
    ] {
        let out_path = dir.path().join(file);
        let out = hecmap(&[
            "export",
            &plan,
            "--format",
            format,
            "-o",
            out_path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        let layer = hecmap_core::source::read_polygons(&out_path).unwrap();
        assert_eq!(layer.features.len(), 9, "{format}");
        let total: f64 = layer
            .features
            .iter()
            .map(|f| f.properties["population"].as_f64().unwrap())
            .sum();
        assert_eq!(total, 3_605_944.0, "{format}");
    }
    let csv_path = dir.path().join("assignment.csv");
    let out = hecmap(&[
        "export",
        &plan,
        "--format",
        "csv",
        "-o",
        csv_path.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let text = std::fs::read_to_string(&csv_path).unwrap();
    assert_eq!(text.lines().count(), 880);
    // An unreadable plan writes nothing.
    let missing = dir.path().join("never.gpkg");
    let out = hecmap(&[
        "export",
        "/nonexistent.csv",
        "--format",
        "gpkg",
        "-o",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!missing.exists());
}
