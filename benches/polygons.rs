//! Resolving drawn HEC polygons to tracts on the real Connecticut data.
//!
//! Twelve statewide polygons: the 9 planning regions and 3 old counties
//! (Hartford, New Haven, Fairfield), each dissolved from its towns, simplified
//! (0.002°) and nudged (0.0005°), as a person's drawing would be. The
//! counties overlap the regions, so both kinds of piece are found: overlaps,
//! and gaps (all of them digitizing slivers left by the simplification).
//!
//! Before timing, the resolution is checked: 12 HECs, every tract claimed by
//! the HECs of its town (its region, and its county for the three), and both
//! overlaps and gaps found.
//!
//! `cargo bench --bench polygons`

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use geo::{MultiPolygon, Simplify, Translate};
use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_core::plan::polygons::{PieceKind, PolygonOptions, PolygonResolution, resolve_polygons};
use hecmap_core::plan::{Plan, RegionId};
use hecmap_core::source::{VectorFeature, VectorLayer};
use serde_json::{Map, Value};

/// The old counties drawn besides the planning regions: the code their
/// towns' GEOIDs start with, and the name of their HEC.
const COUNTIES: [(&str, &str); 3] = [
    ("09003", "Hartford County"),
    ("09009", "New Haven County"),
    ("09001", "Fairfield County"),
];

/// The HECs drawn: the 9 planning regions and the 3 counties.
const HECS: usize = 12;

/// The HECs a town's tracts belong to in the drawing: its planning region
/// and, in the three counties, its county.
fn town_hecs(data: &Dataset, town: usize) -> Vec<String> {
    let mut hecs = vec![data.town_planning_region[town].clone()];
    let geoid = &data.towns.units.geoid[town];
    hecs.extend(
        COUNTIES
            .iter()
            .filter(|(code, _)| geoid.starts_with(code))
            .map(|(_, name)| name.to_string()),
    );
    hecs
}

/// Towns dissolved by a key, simplified and nudged, one feature per key.
fn drawn_layer(data: &Dataset) -> VectorLayer {
    let towns = &data.towns.units;
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    let mut add = |key: String, town: usize| match groups.iter_mut().find(|(k, _)| *k == key) {
        Some((_, members)) => members.push(town),
        None => groups.push((key, vec![town])),
    };
    for t in 0..towns.len() {
        add(data.town_planning_region[t].clone(), t);
    }
    for (code, county) in COUNTIES {
        for t in (0..towns.len()).filter(|&t| towns.geoid[t].starts_with(code)) {
            add(county.to_string(), t);
        }
    }
    let features = groups
        .iter()
        .enumerate()
        .map(|(index, (name, members))| {
            let merged: MultiPolygon =
                geo::unary_union(members.iter().map(|&t| &towns.geometry[t]));
            let mut properties = Map::new();
            properties.insert("hec".into(), Value::String(name.clone()));
            VectorFeature {
                index,
                properties,
                geometry: merged.simplify(0.002).translate(0.0005, 0.0005),
            }
        })
        .collect();
    VectorLayer {
        path: PathBuf::from("bench/drawn.geojson"),
        source_crs: "EPSG:4326".into(),
        features,
    }
}

/// Asserts that the drawing resolved to what it draws: [`HECS`] HECs, every
/// tract claimed by exactly the HECs of its town ([`town_hecs`]: one for
/// most, two in the three counties), and both overlap and gap pieces
/// found. Panics with a message naming what is wrong otherwise.
fn assert_resolution(data: &Dataset, plan: &Plan, res: &PolygonResolution) {
    let names: Vec<&str> = plan.regions.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names.len(), HECS, "the drawing resolved to HECs {names:?}");
    let tracts = data.tracts.units.len();
    assert_eq!(
        plan.claims.len(),
        tracts,
        "the plan has claims for other tracts"
    );
    let region = |name: &str| -> RegionId {
        names
            .iter()
            .position(|n| *n == name)
            .unwrap_or_else(|| panic!("no HEC {name:?} among {names:?}")) as RegionId
    };
    let wrong: Vec<String> = (0..tracts)
        .filter_map(|t| {
            let town = data.nesting.tract_town[t] as usize;
            let mut expected: Vec<RegionId> =
                town_hecs(data, town).iter().map(|h| region(h)).collect();
            expected.sort_unstable();
            (plan.claims[t].as_slice() != expected.as_slice()).then(|| {
                let got: Vec<&str> = plan.claims[t].iter().map(|&r| names[r as usize]).collect();
                format!(
                    "{} ({}): {got:?}",
                    data.tracts.units.geoid[t], data.towns.units.name[town]
                )
            })
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {tracts} tracts are not claimed by the HECs of their town, e.g. {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(5)]
    );
    for kind in [PieceKind::Overlap, PieceKind::Gap] {
        assert!(
            res.pieces.iter().any(|p| p.kind == kind),
            "the resolution found no {kind:?} piece"
        );
    }
}

fn resolve(c: &mut Criterion) {
    let data = Dataset::load(&DataConfig::default()).unwrap();
    let layer = drawn_layer(&data);
    let options = PolygonOptions::default();
    let (plan, res) = resolve_polygons(&data, &layer, &options).unwrap();
    assert_resolution(&data, &plan, &res);
    let count = |kind, sliver| {
        res.pieces
            .iter()
            .filter(|p| p.kind == kind && p.sliver == sliver)
            .count()
    };
    eprintln!(
        "{} HECs, {} tracts claimed, {} partial, overlaps {} (+{} slivers), gaps {} (+{} slivers)",
        plan.regions.len(),
        plan.claims.iter().filter(|c| !c.is_empty()).count(),
        res.partial.len(),
        count(PieceKind::Overlap, false),
        count(PieceKind::Overlap, true),
        count(PieceKind::Gap, false),
        count(PieceKind::Gap, true),
    );
    let mut group = c.benchmark_group("polygons");
    group.sample_size(30);
    group.bench_function("resolve_12_statewide", |b| {
        b.iter(|| black_box(resolve_polygons(&data, &layer, &options).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, resolve);
criterion_main!(benches);
