//! Resolving drawn HEC polygons to tracts on the real Connecticut data.
//!
//! Twelve statewide polygons: the 9 planning regions and 3 old counties
//! (Hartford, New Haven, Fairfield), each dissolved from its towns, simplified
//! (0.002°) and nudged (0.0005°), as a person's drawing would be. The
//! counties overlap the regions, so every kind of piece is found.
//!
//! `cargo bench --bench polygons`

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use geo::{MultiPolygon, Simplify, Translate};
use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_core::plan::polygons::{PieceKind, PolygonOptions, resolve_polygons};
use hecmap_core::source::{VectorFeature, VectorLayer};
use serde_json::{Map, Value};

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
    for (code, county) in [
        ("09003", "Hartford"),
        ("09009", "New Haven"),
        ("09001", "Fairfield"),
    ] {
        for t in (0..towns.len()).filter(|&t| towns.geoid[t].starts_with(code)) {
            add(format!("{county} County"), t);
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

fn resolve(c: &mut Criterion) {
    let data = Dataset::load(&DataConfig::default()).unwrap();
    let layer = drawn_layer(&data);
    let options = PolygonOptions::default();
    let (plan, res) = resolve_polygons(&data, &layer, &options).unwrap();
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
