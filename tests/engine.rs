//! The spatial engine on the real Connecticut data: ground truth from the
//! data README, identifiers, nesting, index, graph, tallies and joins.

mod common;

use common::{data, population_of, scratch_data_dir, town, tract};
use geo::coord;
use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_core::graph::EdgeKind;
use hecmap_core::medicare::CountsFile;
use hecmap_core::units::{Level, UnitId};

#[test]
fn counts_of_units() {
    assert_eq!(data().tracts.units.len(), 879);
    assert_eq!(data().towns.units.len(), 169);
    assert_eq!(data().tracts.index.size(), 879);
}

#[test]
fn state_population_is_the_official_total() {
    let d = data();
    assert_eq!(population_of(d.tracts.units.ids()), 3_605_944.0);
    assert_eq!(
        population_of(
            d.towns
                .units
                .ids()
                .flat_map(|t| d.nesting.town_tracts[t as usize].clone())
        ),
        3_605_944.0
    );
}

#[test]
fn county_totals_match_the_2020_census() {
    let d = data();
    for (county, total) in common::COUNTY_POPULATION {
        let tracts = d
            .tracts
            .units
            .ids()
            .filter(|&t| d.tract_county(t) == county);
        assert_eq!(population_of(tracts), total, "{county}");
    }
}

#[test]
fn town_totals_match_the_2020_census() {
    let d = data();
    let pop = d.towns.attributes.id("population").unwrap();
    assert_eq!(
        d.towns.attributes.value(pop, town("Bridgeport")),
        Some(148_654.0)
    );
    assert_eq!(d.towns.attributes.value(pop, town("Union")), Some(785.0));
}

#[test]
fn both_geoid_vintages_resolve_to_the_same_tract() {
    let d = data();
    let id = tract("09003524700");
    assert_eq!(d.lookup.tract("09110524700"), Some(id));
    assert_eq!(
        d.lookup.tract("9003524700"),
        Some(id),
        "leading zero lost by a spreadsheet"
    );
    assert_eq!(d.lookup.tract("1400000US09003524700"), Some(id));
    assert_eq!(d.lookup.tract("09003999999"), None);
    // Every tract resolves by both of its codes.
    for t in d.tracts.units.ids() {
        assert_eq!(d.lookup.tract(&d.tracts.units.geoid[t as usize]), Some(t));
        assert_eq!(
            d.lookup.tract(&d.tracts.units.geoid_2022[t as usize]),
            Some(t)
        );
    }
}

#[test]
fn towns_resolve_by_name_and_either_fips_vintage() {
    let d = data();
    let andover = town("Andover");
    assert_eq!(d.lookup.town("ANDOVER"), Some(andover));
    assert_eq!(d.lookup.town("andover town"), Some(andover));
    assert_eq!(d.lookup.town("0901301080"), Some(andover));
    assert_eq!(d.lookup.town("901301080"), Some(andover));
    assert_eq!(
        d.lookup.town("0911001080"),
        Some(andover),
        "2022 planning-region code"
    );
    assert_eq!(d.lookup.town("Atlantis"), None);
    assert_eq!(d.lookup.town("new  haven"), Some(town("New Haven")));
}

#[test]
fn every_populated_tract_nests_in_a_town() {
    let d = data();
    let pop = d.tracts.attributes.id("population").unwrap();
    for t in d.tracts.units.ids() {
        let town = d.nesting.tract_town[t as usize];
        assert!(d.nesting.town_tracts[town as usize].contains(&t));
        if d.tracts.attributes.value(pop, t).unwrap_or(0.0) > 0.0 {
            assert!((town as usize) < d.towns.units.len());
        }
    }
    let nested: usize = d.nesting.town_tracts.iter().map(Vec::len).sum();
    assert_eq!(nested, 879);
}

#[test]
fn the_groton_ledyard_tract_straddles_on_purpose() {
    let d = data();
    let t = tract("09011980000");
    let straddle = d
        .nesting
        .straddles
        .iter()
        .find(|s| s.tract == t)
        .expect("straddle found from polygons");
    assert_eq!(straddle.assigned_town, town("Groton"));
    let towns: Vec<UnitId> = straddle.shares.iter().map(|s| s.0).collect();
    assert!(towns.contains(&town("Groton")) && towns.contains(&town("Ledyard")));
    let total: f64 = straddle.shares.iter().map(|s| s.1).sum();
    assert!(
        (total - 1.0).abs() < 0.02,
        "shares cover the tract: {total}"
    );
    assert_eq!(d.nesting.tract_town[t as usize], town("Groton"));
    // It is the only tract in more than one town.
    assert_eq!(d.nesting.straddles.len(), 1, "{:?}", d.nesting.straddles);
}

#[test]
fn state_outline_is_the_land_in_its_parts() {
    use geo::Area;
    let d = data();
    let outline = d.state_outline();
    assert_eq!(outline.0.len(), 11, "the mainland and islands");
    let km2: f64 = d.towns.units.area_m2.iter().sum::<f64>() / 1e6;
    assert!((12_800.0..13_000.0).contains(&km2), "{km2}");
    let tract_km2: f64 = d.tracts.units.area_m2.iter().sum::<f64>() / 1e6;
    assert!(
        (km2 - tract_km2).abs() < 1.0,
        "tracts and towns cover the same land"
    );
    assert!(outline.unsigned_area() > 0.0);
}

#[test]
fn the_index_finds_units_at_a_point_and_in_a_box() {
    let d = data();
    let hartford = coord! { x: -72.6851, y: 41.7637 };
    assert_eq!(
        d.towns.index.units_at(&d.towns.units.geometry, hartford),
        vec![town("Hartford")]
    );
    let tracts = d.tracts.index.units_at(&d.tracts.units.geometry, hartford);
    assert_eq!(tracts.len(), 1);
    assert_eq!(d.nesting.tract_town[tracts[0] as usize], town("Hartford"));
    // Long Island Sound is nobody's.
    assert!(
        d.towns
            .index
            .units_at(&d.towns.units.geometry, coord! { x: -72.9, y: 41.1 })
            .is_empty()
    );
    let bbox = geo::Rect::new(
        coord! { x: -72.72, y: 41.74 },
        coord! { x: -72.70, y: 41.75 },
    );
    assert!(
        d.tracts
            .index
            .units_in_box(&d.tracts.units.geometry, bbox)
            .contains(&tract("09003524700"))
    );
}

#[test]
fn the_town_graph_is_connected_and_measured() {
    let d = data();
    let g = &d.towns.graph;
    let all = || d.towns.units.ids();
    assert_eq!(g.components(all(), |_| true, false).len(), 1);
    // Hartford and West Hartford share a land boundary of a few kilometres.
    let shared = g.shared_length(town("Hartford"), town("West Hartford"));
    assert!((3_000.0..15_000.0).contains(&shared), "{shared}");
    assert_eq!(
        g.edge(town("Hartford"), town("West Hartford"))
            .unwrap()
            .kind,
        EdgeKind::Land
    );
    // Union is on the Massachusetts line; Hartford is inland but on the river.
    assert!(g.border_m(town("Union")) > 5_000.0);
    assert!(g.edge(town("Union"), town("Greenwich")).is_none());
    // Boundary lengths add up: perimeter = border + shared with neighbours.
    for t in all() {
        let sum: f64 = g.border_m(t) + g.neighbours(t).iter().map(|e| e.shared_m).sum::<f64>();
        assert!(
            (sum - g.perimeter_m(t)).abs() < 1.0,
            "town {t}: {sum} vs {}",
            g.perimeter_m(t)
        );
    }
}

#[test]
fn islands_are_bridged_across_narrow_water_and_only_then() {
    let d = data();
    let bridged = d.tracts.graph.edge_count_of(EdgeKind::Water);
    assert!(bridged > 0);
    let all = || d.tracts.units.ids();
    assert_eq!(d.tracts.graph.components(all(), |_| true, false).len(), 1);
    // Without bridges the same data has no water edges.
    let mut config = DataConfig::default();
    config.graph.water_gap_m = 0.0;
    let unbridged = Dataset::load(&config).unwrap();
    assert_eq!(unbridged.tracts.graph.edge_count_of(EdgeKind::Water), 0);
    assert_eq!(
        unbridged.tracts.graph.edge_count_of(EdgeKind::Land),
        d.tracts.graph.edge_count_of(EdgeKind::Land)
    );
}

#[test]
fn joins_report_rows_that_match_no_unit() {
    let d = data();
    let pop = d
        .joins
        .iter()
        .find(|j| j.file.ends_with("tract_population_2020.csv"))
        .unwrap();
    assert_eq!(pop.rows, 883);
    assert_eq!(pop.matched, 879);
    let water: Vec<&str> = pop.unmatched.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(water.len(), 4, "the water-only tracts: {water:?}");
    assert!(water.contains(&"09001990000"));
    let places = d
        .joins
        .iter()
        .find(|j| j.file.ends_with("tract_cdc_places_2024.csv"))
        .unwrap();
    assert_eq!(places.units_without_row, 3);
}

#[test]
fn medicare_is_an_estimate_with_its_method_and_inputs() {
    let d = data();
    let attrs = &d.tracts.attributes;
    let medicare = attrs.id("medicare").unwrap();
    let def = attrs.def(medicare);
    assert!(def.provenance.is_estimate());
    let method = def.provenance.method.as_deref().unwrap();
    assert!(
        method.contains("608512") && method.contains("526964"),
        "{method}"
    );
    assert!((d.medicare.factor - 608_512.0 / 526_964.0).abs() < 1e-12);
    let pop65 = attrs.id("pop_65plus").unwrap();
    let t = tract("09003524700");
    let expected = attrs.value(pop65, t).unwrap() * d.medicare.factor;
    assert!((attrs.value(medicare, t).unwrap() - expected).abs() < 1e-9);
}

fn with_counts(dir: &std::path::Path, file: &str, level: Level) -> Dataset {
    let mut config = DataConfig::in_dir(dir);
    config.medicare_counts = Some(CountsFile {
        path: dir.join(file),
        level,
        key_column: None,
        value_column: None,
    });
    Dataset::load(&config).unwrap()
}

#[test]
fn real_counts_replace_the_estimate_per_tract_and_per_town() {
    let d = data();
    let dir = scratch_data_dir();
    // Per tract: every tract gets 10 beneficiaries.
    let mut csv = String::from("\u{feff}GEOID,beneficiaries\n");
    for t in d.tracts.units.ids() {
        csv.push_str(&format!(
            "{},10\n",
            &d.tracts.units.geoid_2022[t as usize][1..]
        ));
    }
    csv.push_str("09999999999,5\n");
    std::fs::write(dir.path().join("counts.csv"), csv).unwrap();
    let counted = with_counts(dir.path(), "counts.csv", Level::Tract);
    let attrs = &counted.tracts.attributes;
    let medicare = attrs.id("medicare").unwrap();
    assert!(!attrs.def(medicare).provenance.is_estimate());
    assert_eq!(
        attrs.aggregate(medicare, counted.tracts.units.ids()).value,
        Some(8790.0)
    );
    let report = counted.joins.last().unwrap();
    assert_eq!(report.unmatched.len(), 1, "the unknown GEOID is reported");

    // Per town: Hartford only; its tracts share 1000 by their 65+ people.
    std::fs::write(
        dir.path().join("towns.csv"),
        "town,medicare\nHARTFORD,1000\n",
    )
    .unwrap();
    let counted = with_counts(dir.path(), "towns.csv", Level::Town);
    let attrs = &counted.tracts.attributes;
    let medicare = attrs.id("medicare").unwrap();
    let hartford = &counted.nesting.town_tracts[town("Hartford") as usize];
    let total = attrs
        .aggregate(medicare, hartford.iter().copied())
        .value
        .unwrap();
    assert!((total - 1000.0).abs() < 1e-6);
    // Other towns keep the estimate, and the column says so.
    assert!(attrs.def(medicare).provenance.is_estimate());
    assert!(
        attrs
            .def(medicare)
            .provenance
            .method
            .as_deref()
            .unwrap()
            .contains("statewide estimate")
    );
}

#[test]
fn a_broken_file_is_named_with_its_row() {
    let dir = scratch_data_dir();
    let path = dir.path().join("tract_population_2020.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let broken = text.replacen(",4677\n", ",four thousand\n", 1);
    std::fs::write(&path, broken).unwrap();
    let err = Dataset::load(&DataConfig::in_dir(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("tract_population_2020.csv") && err.contains("row 2") && err.contains("pop20"),
        "{err}"
    );
}

#[test]
fn a_missing_or_malformed_polygon_file_is_named() {
    let dir = scratch_data_dir();
    std::fs::write(
        dir.path().join("towns_2020_cb500k.geojson"),
        "{\"type\": \"FeatureCollection\", \"features\": [",
    )
    .unwrap();
    let err = Dataset::load(&DataConfig::in_dir(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("towns_2020_cb500k.geojson"), "{err}");
    let err = Dataset::load(&DataConfig::in_dir("/nonexistent/ct"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("/nonexistent/ct"), "{err}");
}

#[test]
fn an_unknown_town_in_the_crosswalk_is_named() {
    let dir = scratch_data_dir();
    let path = dir.path().join("tract_town_crosswalk.csv");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replacen("\"Hartford\"", "\"Hartfrod\"", 1);
    std::fs::write(&path, text).unwrap();
    let err = Dataset::load(&DataConfig::in_dir(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Hartfrod") && err.contains("tract_town_crosswalk.csv"),
        "{err}"
    );
}
