//! The needs profile on the real data: an HEC of Hartford and West Hartford,
//! recounted from the raw tract files (the crosswalk for its tracts, the
//! census file for people, the ACS and CDC PLACES files for the figures),
//! and the state's figures beside it.

mod common;

use std::collections::BTreeMap;

use common::data;
use hecmap_core::plan::parse_csv_plan;
use hecmap_core::profile::FigureKind;
use hecmap_core::rules::RulesConfig;
use hecmap_core::validate::Validator;

/// A raw CSV file of the data directory as rows of column -> text.
fn rows(file: &str) -> Vec<BTreeMap<String, String>> {
    let path = data().config.dir.join(file);
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .map(str::to_string)
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn number(text: &str) -> Option<f64> {
    text.trim().parse().ok()
}

#[test]
fn rates_and_counts_equal_a_recount_from_the_raw_files() {
    let towns = ["Hartford", "West Hartford"];
    let csv = "town,hec\nHartford,Capitol\nWest Hartford,Capitol\n";
    let plan = parse_csv_plan(data(), csv.as_bytes(), "capitol.csv").unwrap();
    let mut v = Validator::new(data(), RulesConfig::default(), plan, None).unwrap();
    let report = v.report();
    let profile = &report.hecs[0].profile;
    let figure = |key: &str| profile.iter().find(|f| f.key == key).unwrap();

    // The HEC's tracts from the crosswalk: 2020 GEOID -> 2022 GEOID.
    let tracts: BTreeMap<String, String> = rows("tract_town_crosswalk.csv")
        .into_iter()
        .filter(|r| towns.contains(&r["town"].as_str()))
        .map(|r| (r["tract"].clone(), r["tract_cog"].clone()))
        .collect();
    assert_eq!(tracts.len(), report.hecs[0].tracts);
    let people: BTreeMap<String, f64> = rows("tract_population_2020.csv")
        .into_iter()
        .filter_map(|r| Some((r["GEOID"].clone(), number(&r["pop20"])?)))
        .collect();
    let places: BTreeMap<String, BTreeMap<String, String>> = rows("tract_cdc_places_2024.csv")
        .into_iter()
        .map(|r| (r["geoid"].clone(), r))
        .collect();
    let acs: BTreeMap<String, BTreeMap<String, String>> = rows("tract_acs5_2019_2023.csv")
        .into_iter()
        .map(|r| (r["geoid"].clone(), r))
        .collect();

    // PLACES rates: population-weighted means over the tracts with a value.
    for (key, column) in [
        ("diabetes", "Diabetes_2023"),
        ("asthma", "Current asthma_2023"),
        ("uninsured", "Health insurance_2023"),
        ("coronary_heart_disease", "Coronary heart disease_2023"),
    ] {
        let (mut sum, mut weight) = (0.0, 0.0);
        for (t2020, t2022) in &tracts {
            let (Some(rate), Some(p)) = (
                places.get(t2022).and_then(|r| number(&r[column])),
                people.get(t2020),
            ) else {
                continue;
            };
            sum += rate * p;
            weight += p;
        }
        let f = figure(key);
        assert_eq!(f.kind, FigureKind::Rate);
        assert!(f.estimate, "{key}: PLACES figures are estimates and say so");
        assert!(
            f.method.as_deref().unwrap().contains("model-based"),
            "{key}"
        );
        let value = f.value.unwrap();
        assert!(
            (value - sum / weight).abs() < 1e-12,
            "{key}: {value} vs {}",
            sum / weight
        );
        // Hartford's rates are above the state's for these.
        assert!(
            value > f.state.unwrap(),
            "{key}: {value} vs state {:?}",
            f.state
        );
    }

    // ACS counts: sums over the tracts, in the 2022 GEOIDs of the ACS file.
    for (key, column) in [
        ("below_100pct_fpl", "below_100pct_fpl"),
        ("pop_65plus", "pop_65plus"),
    ] {
        let recount: f64 = tracts
            .values()
            .filter_map(|t| acs.get(t).and_then(|r| number(&r[column])))
            .sum();
        let f = figure(key);
        assert_eq!((f.kind, f.estimate), (FigureKind::Count, false), "{key}");
        assert_eq!(f.value, Some(recount), "{key}");
    }
    // Population: the census count, and the state's total beside it.
    let population = figure("population");
    let recount: f64 = tracts.keys().filter_map(|t| people.get(t)).sum();
    assert_eq!(population.value, Some(recount));
    assert_eq!(population.state, Some(people.values().sum()));
    // Medicare: an estimate, and says how it is made.
    let medicare = figure("medicare");
    assert!(medicare.estimate && medicare.method.as_deref().unwrap().starts_with("estimate:"));

    // Hot spots: the HEC's own tracts with the highest rates, highest first.
    let diabetes = figure("diabetes");
    assert_eq!(diabetes.hot_spots.len(), 3);
    let mut last = f64::INFINITY;
    for spot in &diabetes.hot_spots {
        assert!(
            tracts.contains_key(&spot.tract),
            "{} is not in the HEC",
            spot.tract
        );
        assert!(spot.value <= last);
        last = spot.value;
        let raw = number(&places[&tracts[&spot.tract]]["Diabetes_2023"]).unwrap();
        assert_eq!(spot.value, raw);
    }
    // Statistics that do not combine (median income) are left out.
    assert!(profile.iter().all(|f| f.key != "median_hh_income"));
}
