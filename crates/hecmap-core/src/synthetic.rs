//! Synthetic square grids of units, for benchmarks and tests that need
//! many units of a known shape (never a stand-in for the real data).
//!
//! ```
//! let grid = hecmap_core::synthetic::grid_polygons(3, 2);
//! assert_eq!(grid.len(), 6);
//! ```

use geo::{MultiPolygon, polygon};

/// Side of a grid cell in degrees (about 1 km at Connecticut's latitude).
pub const CELL_DEG: f64 = 0.01;
const ORIGIN: (f64, f64) = (-73.5, 41.0);

/// `cols` x `rows` square units in EPSG:4326, row by row from the south-west.
pub fn grid_polygons(cols: usize, rows: usize) -> Vec<MultiPolygon> {
    let mut units = Vec::with_capacity(cols * rows);
    for r in 0..rows {
        for c in 0..cols {
            let (x, y) = (
                ORIGIN.0 + c as f64 * CELL_DEG,
                ORIGIN.1 + r as f64 * CELL_DEG,
            );
            units.push(MultiPolygon(vec![polygon![
                (x: x, y: y),
                (x: x + CELL_DEG, y: y),
                (x: x + CELL_DEG, y: y + CELL_DEG),
                (x: x, y: y + CELL_DEG),
            ]]));
        }
    }
    units
}

/// The same grid as GeoJSON text with a `GEOID` and a `population`
/// property, as a file to load would hold it.
pub fn grid_geojson(cols: usize, rows: usize) -> String {
    let features: Vec<geojson::Feature> = grid_polygons(cols, rows)
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let mut props = geojson::JsonObject::new();
            props.insert("GEOID".into(), format!("{i:011}").into());
            props.insert("population".into(), ((i * 7919) % 5000).into());
            crate::features::feature(Some(i as u64), g, props)
        })
        .collect();
    crate::features::collection_json(features)
}
