//! Vector tile benchmarks on the real Connecticut data: building the tile
//! source, and uncached tract, town and label tiles over Hartford.
//!
//! The tract and town tiles are those holding Hartford's city centre; the
//! label tiles are those holding Hartford's label point (the interior point
//! of the town, as the tile source places it), since at zoom 14 the centre's
//! tile holds no label. Every tile timed is checked first: it decodes as MVT
//! and its layer holds a feature of Hartford.
//!
//! `cargo bench --bench tiles`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use geo::{InteriorPoint, MapCoords};
use geozero::mvt::{Message, Tile};
use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_tiles::mercator::{project, tile_containing, unproject};
use hecmap_tiles::{TileLayer, TileSource};

/// Hartford (the city centre).
const HARTFORD: (f64, f64) = (-72.6851, 41.7637);

/// Connecticut's towns.
const TOWNS: usize = 169;

/// Asserts that the dataset the tile source is built from holds the state:
/// its 169 towns and some tracts, each unit with geometry.
fn assert_dataset(data: &Dataset) {
    let (towns, tracts) = (&data.towns.units, &data.tracts.units);
    assert_eq!(towns.len(), TOWNS, "the dataset has {} towns", towns.len());
    assert!(!tracts.is_empty(), "the dataset has no tract");
    for (level, units) in [("town", towns), ("tract", tracts)] {
        if let Some(i) = (0..units.len()).find(|&i| units.geometry[i].0.is_empty()) {
            panic!("{level} {} has no geometry", units.geoid[i]);
        }
    }
}

/// Where Hartford's label lies, longitude and latitude: the interior point
/// of the town in web mercator, as the tile source computes it.
fn hartford_label(data: &Dataset) -> (f64, f64) {
    let towns = &data.towns.units;
    let town = (0..towns.len())
        .find(|&t| towns.name[t] == "Hartford")
        .expect("the dataset has no town named Hartford");
    let mercator = towns.geometry[town].map_coords(|c| {
        let [x, y] = project(c.x, c.y);
        geo::Coord { x, y }
    });
    let p = mercator
        .interior_point()
        .expect("Hartford has no interior point");
    unproject(p.x(), p.y())
}

/// The property of each feature that names where it is: the town of a
/// tract, the name of a town or label.
fn place_key(layer: TileLayer) -> &'static str {
    match layer {
        TileLayer::Tracts => "town",
        TileLayer::Towns | TileLayer::TownLabels => "name",
    }
}

/// Asserts that a tile was made, decodes as MVT, and that its `layer`
/// holds features with geometry, one of them of `place` (by
/// [`place_key`]); returns the number of features. Panics with a message
/// naming `what` otherwise.
fn assert_tile_holds(what: &str, tile: Option<&[u8]>, layer: TileLayer, place: &str) -> usize {
    let bytes = tile.unwrap_or_else(|| panic!("{what}: the tile is empty (no feature)"));
    let tile = Tile::decode(bytes).unwrap_or_else(|e| panic!("{what}: not an MVT tile: {e}"));
    let name = layer.name();
    let layer_data = tile
        .layers
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("{what}: the tile has no {name:?} layer"));
    let features = &layer_data.features;
    assert!(!features.is_empty(), "{what}: the {name:?} layer is empty");
    if let Some(f) = features.iter().find(|f| f.geometry.is_empty()) {
        panic!("{what}: feature {:?} has no geometry", f.id);
    }
    let key = place_key(layer);
    let holds = features.iter().any(|f| {
        f.tags.chunks_exact(2).any(|kv| {
            layer_data.keys.get(kv[0] as usize).map(String::as_str) == Some(key)
                && layer_data
                    .values
                    .get(kv[1] as usize)
                    .and_then(|v| v.string_value.as_deref())
                    == Some(place)
        })
    });
    assert!(
        holds,
        "{what}: none of its {} features has {key} {place:?}",
        features.len()
    );
    features.len()
}

fn tiles(c: &mut Criterion) {
    let data = Dataset::load(&DataConfig::default()).expect("the Connecticut data loads");
    assert_dataset(&data);
    let label = hartford_label(&data);
    let mut group = c.benchmark_group("tiles");
    group.sample_size(20);
    group.bench_function("tile_source_new", |b| {
        b.iter(|| black_box(TileSource::new(&data)))
    });
    let source = TileSource::new(&data);
    for layer in TileLayer::ALL {
        let (lon, lat) = match layer {
            TileLayer::Tracts | TileLayer::Towns => HARTFORD,
            TileLayer::TownLabels => label,
        };
        for z in [6u8, 8, 10, 12, 14] {
            let (x, y) = tile_containing(lon, lat, z);
            let tile = source.tile(layer, z, x, y).unwrap();
            let what = format!("{layer} tile {z}/{x}/{y}");
            let features = assert_tile_holds(&what, tile.as_deref(), layer, "Hartford");
            let size = tile.map_or(0, |t| t.len());
            eprintln!("{what}: {features} features, {size} bytes");
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
