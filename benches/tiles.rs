//! Vector tile benchmarks on the real Connecticut data: building the tile
//! source, and uncached tract, town and label tiles over Hartford.
//!
//! `cargo bench --bench tiles`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_tiles::mercator::tile_containing;
use hecmap_tiles::{TileLayer, TileSource};

/// Hartford (the city centre).
const HARTFORD: (f64, f64) = (-72.6851, 41.7637);

fn tiles(c: &mut Criterion) {
    let data = Dataset::load(&DataConfig::default()).expect("the Connecticut data loads");
    let mut group = c.benchmark_group("tiles");
    group.sample_size(20);
    group.bench_function("tile_source_new", |b| {
        b.iter(|| black_box(TileSource::new(&data)))
    });
    let source = TileSource::new(&data);
    for layer in TileLayer::ALL {
        for z in [6u8, 8, 10, 12, 14] {
            let (x, y) = tile_containing(HARTFORD.0, HARTFORD.1, z);
            let size = source.tile(layer, z, x, y).unwrap().map_or(0, |t| t.len());
            let id = BenchmarkId::new(layer.name(), format!("z{z}/{x}/{y} ({size} bytes)"));
            group.bench_with_input(id, &(z, x, y), |b, &(z, x, y)| {
                b.iter(|| black_box(source.tile(layer, z, x, y).unwrap()))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, tiles);
criterion_main!(benches);
