//! Engine benchmarks: loading the real Connecticut data, and how load and
//! tally times grow on synthetic grids up to 100,000 units.
//!
//! `cargo bench --bench engine`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_core::graph::{AdjacencyGraph, GraphOptions};
use hecmap_core::index::SpatialIndex;
use hecmap_core::synthetic::grid_geojson;
use hecmap_core::tally::Tallies;
use hecmap_core::units::{Level, UnitLayer};

fn load_connecticut(c: &mut Criterion) {
    let config = DataConfig::default();
    let mut group = c.benchmark_group("connecticut");
    group.sample_size(20);
    group.bench_function("load_join_index_graph", |b| {
        b.iter(|| black_box(Dataset::load(&config).unwrap()))
    });
    group.finish();
}

/// Reads a grid from GeoJSON text and builds its layer, index and graph:
/// the same steps as the real load, without the attribute tables.
fn load_grid(text: &str) -> (UnitLayer, SpatialIndex, AdjacencyGraph) {
    let layer = hecmap_core::source::read_geojson_str(text, "grid").unwrap();
    let n = layer.features.len();
    let geometry: Vec<_> = layer.features.into_iter().map(|f| f.geometry).collect();
    let ids: Vec<String> = (0..n).map(|i| format!("{i:011}")).collect();
    let units = UnitLayer::new(Level::Tract, ids.clone(), ids.clone(), ids, geometry).unwrap();
    let index = SpatialIndex::new(&units.geometry);
    let graph = AdjacencyGraph::build(&units.geometry, &units.projected, &GraphOptions::default());
    (units, index, graph)
}

fn grids(c: &mut Criterion) {
    let mut group = c.benchmark_group("grid");
    group.sample_size(10);
    for side in [32usize, 100, 317] {
        let n = side * side;
        let text = grid_geojson(side, side);
        group.bench_with_input(BenchmarkId::new("load", n), &text, |b, text| {
            b.iter(|| black_box(load_grid(text)))
        });
        let values: Vec<f64> = (0..n).map(|i| (i % 5000) as f64).collect();
        let assignment: Vec<Option<u32>> = (0..n).map(|i| Some((i % 12) as u32)).collect();
        group.bench_with_input(BenchmarkId::new("tally_recount", n), &n, |b, _| {
            b.iter(|| black_box(Tallies::recount(vec![values.clone()], &assignment, 12)))
        });
        let mut tallies = Tallies::recount(vec![values.clone()], &assignment, 12);
        group.bench_with_input(BenchmarkId::new("tally_move_1000_units", n), &n, |b, _| {
            b.iter(|| {
                for u in 0..1000u32 {
                    tallies.move_unit(u, Some(u % 12), Some((u + 1) % 12));
                    tallies.move_unit(u, Some((u + 1) % 12), Some(u % 12));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, load_connecticut, grids);
criterion_main!(benches);
