//! Shared fixtures: the real Connecticut dataset, loaded once per test binary.
#![allow(dead_code)]

use std::sync::LazyLock;

use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_core::units::UnitId;

/// 2020 population of the eight old counties (the data README).
pub const COUNTY_POPULATION: [(&str, f64); 8] = [
    ("Fairfield", 957_419.0),
    ("Hartford", 899_498.0),
    ("Litchfield", 185_186.0),
    ("Middlesex", 164_245.0),
    ("New Haven", 864_835.0),
    ("New London", 268_555.0),
    ("Tolland", 149_788.0),
    ("Windham", 116_418.0),
];

static DATA: LazyLock<Dataset> = LazyLock::new(|| {
    Dataset::load(&DataConfig::default()).expect("the Connecticut data in ../shared/data/ct loads")
});

pub fn data() -> &'static Dataset {
    &DATA
}

pub fn tract(geoid: &str) -> UnitId {
    data()
        .lookup
        .tract(geoid)
        .unwrap_or_else(|| panic!("tract {geoid}"))
}

pub fn town(name: &str) -> UnitId {
    data()
        .lookup
        .town(name)
        .unwrap_or_else(|| panic!("town {name}"))
}

pub fn population_of(tracts: impl IntoIterator<Item = UnitId>) -> f64 {
    let attrs = &data().tracts.attributes;
    attrs
        .aggregate(attrs.id("population").unwrap(), tracts)
        .value
        .unwrap_or(0.0)
}

/// A statewide CSV plan grouping tracts by a key function.
pub fn tract_plan_csv(hec_of: impl Fn(UnitId) -> Option<String>) -> String {
    let d = data();
    let mut csv = String::from("geoid,hec\n");
    for t in d.tracts.units.ids() {
        if let Some(hec) = hec_of(t) {
            csv.push_str(&format!("{},{}\n", d.tracts.units.geoid[t as usize], hec));
        }
    }
    csv
}

/// A CSV plan of the eight old counties as HECs.
pub fn county_plan_csv() -> String {
    tract_plan_csv(|t| Some(data().tract_county(t).to_string()))
}

/// A CSV plan of the nine planning regions as HECs (by town).
pub fn planning_region_plan_csv() -> String {
    let d = data();
    let mut csv = String::from("town,hec\n");
    for t in d.towns.units.ids() {
        csv.push_str(&format!(
            "{},{}\n",
            d.towns.units.name[t as usize], d.town_planning_region[t as usize]
        ));
    }
    csv
}

/// A scratch copy of the data directory, for tests that corrupt a file.
pub fn scratch_data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&DataConfig::default().dir).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}
