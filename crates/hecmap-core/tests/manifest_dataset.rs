//! The Connecticut dataset loaded as `data/connecticut.toml` describes it
//! holds exactly the attributes, figures and provenance the hand-written
//! loader it replaced produced (measured with `hecmap summary` and `hecmap
//! units` before the change), and manifest problems are named.

use std::sync::LazyLock;

use hecmap_core::attributes::{AttrKind, Basis};
use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_core::manifest::{CONNECTICUT, Manifest};

static DATA: LazyLock<Dataset> =
    LazyLock::new(|| Dataset::load(&DataConfig::default()).expect("the Connecticut data loads"));

const PLACES: &str = "CDC PLACES 2024 (model-based adult prevalence)";
const ACS_FILE: &str = "tract_acs5_2019_2023.csv";
const PLACES_FILE: &str = "tract_cdc_places_2024.csv";

/// Key, label, kind (with weight), source, file, column of every attribute,
/// in order.
const DEFINITIONS: [(&str, &str, &str, &str, &str, &str); 17] = [
    (
        "population",
        "Population (2020)",
        "count",
        "US Census Bureau, 2020 Census, table P1",
        "tract_population_2020.csv",
        "pop20",
    ),
    (
        "pop_65plus",
        "Population 65 and over",
        "count",
        "US Census Bureau, ACS 2019-2023 5-year estimates, table B01001",
        ACS_FILE,
        "pop_65plus",
    ),
    (
        "poverty_universe",
        "Population for whom poverty is determined",
        "count",
        "US Census Bureau, ACS 2019-2023 5-year estimates, table C17002",
        ACS_FILE,
        "pov_universe",
    ),
    (
        "below_100pct_fpl",
        "Below 100% of the poverty line",
        "count",
        "US Census Bureau, ACS 2019-2023 5-year estimates, table C17002",
        ACS_FILE,
        "below_100pct_fpl",
    ),
    (
        "below_200pct_fpl",
        "Below 200% of the poverty line",
        "count",
        "US Census Bureau, ACS 2019-2023 5-year estimates, table C17002",
        ACS_FILE,
        "below_200pct_fpl",
    ),
    (
        "median_hh_income",
        "Median household income (USD)",
        "statistic",
        "US Census Bureau, ACS 2019-2023 5-year estimates, table B19013",
        ACS_FILE,
        "median_hh_income",
    ),
    (
        "any_disability",
        "Adults with any disability",
        "fraction of population",
        PLACES,
        PLACES_FILE,
        "Any disability_2023",
    ),
    (
        "mobility_disability",
        "Adults with a mobility disability",
        "fraction of population",
        PLACES,
        PLACES_FILE,
        "Mobility disability_2023",
    ),
    (
        "coronary_heart_disease",
        "Adults with coronary heart disease",
        "fraction of population",
        PLACES,
        PLACES_FILE,
        "Coronary heart disease_2023",
    ),
    (
        "asthma",
        "Adults with current asthma",
        "fraction of population",
        PLACES,
        PLACES_FILE,
        "Current asthma_2023",
    ),
    (
        "diabetes",
        "Adults with diabetes",
        "fraction of population",
        PLACES,
        PLACES_FILE,
        "Diabetes_2023",
    ),
    (
        "high_blood_pressure",
        "Adults with high blood pressure",
        "fraction of population",
        PLACES,
        PLACES_FILE,
        "High blood pressure_2023",
    ),
    (
        "annual_checkup",
        "Adults with an annual checkup",
        "fraction of population",
        PLACES,
        PLACES_FILE,
        "Annual checkup_2023",
    ),
    (
        "dental_visit",
        "Adults with a dental visit",
        "fraction of population",
        PLACES,
        PLACES_FILE,
        "Dental visit_2022",
    ),
    (
        "uninsured",
        "Adults 18-64 without health insurance",
        "fraction of population",
        PLACES,
        PLACES_FILE,
        "Health insurance_2023",
    ),
    (
        "share_below_200pct_fpl",
        "Share below 200% of the poverty line",
        "fraction of poverty_universe",
        "US Census Bureau, ACS 2019-2023 5-year estimates, table C17002",
        ACS_FILE,
        "below_200pct_fpl / pov_universe",
    ),
    (
        "medicare",
        "Medicare beneficiaries",
        "count",
        "hecmap estimate from US Census Bureau, ACS 2019-2023 5-year estimates, table B01001 and CMS Medicare enrollment 2013",
        "tract_acs5_2019_2023.csv; medicare_enrollment_county_2013.csv",
        "pop_65plus x TOT_BENES / AGED_TOT_BENES",
    ),
];

/// Per attribute: tracts with a value, the sum of the values, and the sum
/// of (tract id + 1) x value (which a shuffled column would change), from
/// `hecmap units --level tract` before the manifest.
const FINGERPRINTS: [(&str, usize, f64, f64); 17] = [
    ("population", 879, 3605944.0, 1628742509.0),
    ("pop_65plus", 879, 650772.0, 299902186.0),
    ("poverty_universe", 879, 3510193.0, 1579111186.0),
    ("below_100pct_fpl", 879, 351948.0, 149628198.0),
    ("below_200pct_fpl", 879, 775737.0, 334699921.0),
    ("median_hh_income", 870, 90804461.0, 41366226840.0),
    ("any_disability", 876, 225.80799999999985, 97774.97699999997),
    (
        "mobility_disability",
        876,
        101.3939999999999,
        43698.38099999999,
    ),
    (
        "coronary_heart_disease",
        876,
        51.182999999999886,
        22513.232999999967,
    ),
    ("asthma", 876, 97.3349999999997, 42589.99799999991),
    ("diabetes", 876, 91.17099999999967, 39232.14199999999),
    (
        "high_blood_pressure",
        876,
        282.8980000000001,
        124236.52799999987,
    ),
    ("annual_checkup", 876, 703.9599999999997, 310514.6),
    ("dental_visit", 876, 612.9389999999986, 273612.1419999998),
    ("uninsured", 876, 89.51900000000008, 36947.22700000005),
    (
        "share_below_200pct_fpl",
        873,
        205.58720625248353,
        86186.07056204243,
    ),
    ("medicare", 879, 751479.3634176148, 346312231.9688481),
];

/// Statewide totals (as `hecmap summary` shows them) and units missing.
const TOTALS: [(&str, Option<f64>, usize); 17] = [
    ("population", Some(3_605_944.0), 0),
    ("pop_65plus", Some(650_772.0), 0),
    ("poverty_universe", Some(3_510_193.0), 0),
    ("below_100pct_fpl", Some(351_948.0), 0),
    ("below_200pct_fpl", Some(775_737.0), 0),
    ("median_hh_income", None, 9),
    ("any_disability", Some(0.25364300000221857), 0),
    ("mobility_disability", Some(0.11317026692594247), 0),
    ("coronary_heart_disease", Some(0.05770798575906894), 0),
    ("asthma", Some(0.11059416036411003), 0),
    ("diabetes", Some(0.1019737516722388), 0),
    ("high_blood_pressure", Some(0.32041243014311926), 0),
    ("annual_checkup", Some(0.8034819298358484), 0),
    ("dental_visit", Some(0.7057230935921353), 0),
    ("uninsured", Some(0.09834657776160682), 0),
    ("share_below_200pct_fpl", Some(0.22099554070103838), 0),
    ("medicare", Some(751_479.3634176148), 0),
];

const MEDICARE_METHOD: &str = "estimate: population 65 and over (ACS 2019-2023) x 1.1548, the ratio of all Medicare beneficiaries (608512) to those entitled by age (526964) in Connecticut, CMS Medicare Monthly Enrollment 2013 (medicare_enrollment_county_2013.csv)";

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

fn kind_text(kind: &AttrKind) -> String {
    match kind {
        AttrKind::Count => "count".into(),
        AttrKind::Statistic => "statistic".into(),
        AttrKind::Fraction { weight } => format!("fraction of {weight}"),
    }
}

#[test]
fn every_attribute_is_defined_as_before() {
    let attrs = &DATA.tracts.attributes;
    let keys: Vec<&str> = attrs.defs().iter().map(|d| d.key.as_str()).collect();
    let expected: Vec<&str> = DEFINITIONS.iter().map(|d| d.0).collect();
    assert_eq!(keys, expected, "the same attributes in the same order");
    for (def, (key, label, kind, source, file, column)) in attrs.defs().iter().zip(DEFINITIONS) {
        assert_eq!(def.label, label, "{key}");
        assert_eq!(kind_text(&def.kind), kind, "{key}");
        assert_eq!(def.provenance.source, source, "{key}");
        assert_eq!(def.provenance.file, file, "{key}");
        assert_eq!(def.provenance.column, column, "{key}");
        if key == "medicare" {
            assert_eq!(def.provenance.basis, Basis::Estimated);
            assert_eq!(def.provenance.method.as_deref(), Some(MEDICARE_METHOD));
        } else if file == "tract_cdc_places_2024.csv" {
            // Model-based small-area estimates: marked so, with the method.
            assert_eq!(def.provenance.basis, Basis::Estimated, "{key}");
            let method = def.provenance.method.as_deref().unwrap_or_default();
            assert!(
                method.starts_with("CDC PLACES model-based"),
                "{key}: {method}"
            );
        } else {
            assert_eq!(def.provenance.basis, Basis::Counted, "{key}");
            assert_eq!(def.provenance.method, None, "{key}");
        }
    }
    // Towns carry the same columns; statistics say they do not combine.
    let towns = &DATA.towns.attributes;
    assert_eq!(towns.defs().len(), 17);
    let income = towns.id("median_hh_income").unwrap();
    assert_eq!(
        towns.def(income).provenance.method.as_deref(),
        Some("not available for combined units")
    );
}

#[test]
fn every_column_holds_the_same_values_as_before() {
    let attrs = &DATA.tracts.attributes;
    for (key, present, sum, weighted) in FINGERPRINTS {
        let column = attrs.column(attrs.id(key).unwrap());
        let values: Vec<(usize, f64)> = column
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i, v)))
            .collect();
        assert_eq!(values.len(), present, "{key}: tracts with a value");
        let s: f64 = values.iter().map(|(_, v)| v).sum();
        let w: f64 = values.iter().map(|(i, v)| (*i as f64 + 1.0) * v).sum();
        assert!(close(s, sum), "{key}: sum {s} != {sum}");
        assert!(close(w, weighted), "{key}: weighted sum {w} != {weighted}");
    }
    // The two figures the README and the summary state.
    let all = || DATA.tracts.units.ids();
    for (key, total, missing) in TOTALS {
        let agg = attrs.aggregate(attrs.id(key).unwrap(), all());
        assert_eq!(agg.missing, missing, "{key}: units missing");
        match (agg.value, total) {
            (Some(v), Some(t)) => assert!(close(v, t), "{key}: {v} != {t}"),
            (v, t) => assert_eq!(v, t, "{key}"),
        }
    }
    let population = attrs.id("population").unwrap();
    assert_eq!(attrs.aggregate(population, all()).value, Some(3_605_944.0));
    let m = &DATA.medicare;
    assert_eq!(
        (m.total_beneficiaries, m.aged_beneficiaries, m.year.as_str()),
        (608_512.0, 526_964.0, "2013")
    );
    assert_eq!(m.describe(), MEDICARE_METHOD);
}

#[test]
fn the_built_in_manifest_is_the_file_in_data() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/connecticut.toml");
    let on_disk = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        on_disk, CONNECTICUT,
        "data/connecticut.toml is what is built in"
    );
    let read = Manifest::read(&path).unwrap();
    assert_eq!(
        Manifest {
            file: String::new(),
            ..read
        },
        Manifest {
            file: String::new(),
            ..Manifest::connecticut()
        }
    );
}

#[test]
fn another_manifest_renames_and_relabels_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ct-renamed.toml");
    let text = CONNECTICUT
        .replace("key = \"asthma\"", "key = \"asthma_prevalence\"")
        .replace("Adults with current asthma", "Asthma (adults)");
    assert_ne!(text, CONNECTICUT);
    std::fs::write(&path, text).unwrap();
    let config = DataConfig {
        manifest: Some(path),
        ..DataConfig::default()
    };
    let data = Dataset::load(&config).unwrap();
    let attrs = &data.tracts.attributes;
    assert_eq!(attrs.id("asthma"), None);
    let id = attrs.id("asthma_prevalence").unwrap();
    assert_eq!(attrs.def(id).label, "Asthma (adults)");
    assert_eq!(attrs.def(id).provenance.column, "Current asthma_2023");
    let before = DATA.tracts.attributes.id("asthma").unwrap();
    assert_eq!(attrs.column(id), DATA.tracts.attributes.column(before));
}

#[test]
fn manifest_problems_name_the_file_the_key_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    let config = DataConfig {
        manifest: Some(path.clone()),
        ..DataConfig::default()
    };
    let shown = path.display().to_string();

    let err = Dataset::load(&config).unwrap_err().to_string();
    assert!(
        err.starts_with(&shown) && err.contains("cannot read"),
        "{err}"
    );

    std::fs::write(
        &path,
        CONNECTICUT.replace("weight = \"poverty_universe\"", "weight = \"poverty\""),
    )
    .unwrap();
    let err = Dataset::load(&config).unwrap_err().to_string();
    assert_eq!(
        err,
        format!("{shown}: derived[0].weight: \"poverty\" is not an attribute of this manifest")
    );

    // A column the manifest names but the file lacks: the data file and
    // the column are named.
    std::fs::write(
        &path,
        CONNECTICUT.replace("column = \"Diabetes_2023\"", "column = \"Diabetes_2030\""),
    )
    .unwrap();
    let err = Dataset::load(&config).unwrap_err().to_string();
    assert!(
        err.contains(PLACES_FILE) && err.contains("no column named \"Diabetes_2030\""),
        "{err}"
    );
}
