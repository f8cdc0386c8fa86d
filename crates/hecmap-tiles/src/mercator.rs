//! Spherical web mercator (EPSG:3857) and the XYZ tile grid.

use std::f64::consts::PI;

/// The sphere radius of EPSG:3857 (the WGS 84 semi-major axis), metres.
pub const EARTH_RADIUS: f64 = 6_378_137.0;
/// Half the width of the mercator world, metres (20,037,508.34...).
pub const HALF_WORLD: f64 = PI * EARTH_RADIUS;
/// The latitude where the square mercator world ends.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// Longitude/latitude (degrees) to web mercator metres.
pub fn project(lon: f64, lat: f64) -> [f64; 2] {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE);
    [
        EARTH_RADIUS * lon.to_radians(),
        EARTH_RADIUS * (PI / 4.0 + lat.to_radians() / 2.0).tan().ln(),
    ]
}

/// Web mercator metres to longitude/latitude (degrees).
pub fn unproject(x: f64, y: f64) -> (f64, f64) {
    let lon = (x / EARTH_RADIUS).to_degrees();
    let lat = (2.0 * (y / EARTH_RADIUS).exp().atan() - PI / 2.0).to_degrees();
    (lon, lat)
}

/// The width of a tile at zoom `z`, in mercator metres.
pub fn tile_size_m(z: u8) -> f64 {
    2.0 * HALF_WORLD / f64::from(1u32 << z)
}

/// The tile (x, y) at zoom `z` holding a point (the slippy-map formula).
pub fn tile_containing(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let [mx, my] = project(lon, lat);
    let x = ((mx + HALF_WORLD) / (2.0 * HALF_WORLD) * n).floor();
    let y = ((HALF_WORLD - my) / (2.0 * HALF_WORLD) * n).floor();
    let max = n - 1.0;
    (x.clamp(0.0, max) as u32, y.clamp(0.0, max) as u32)
}

/// The placement of one tile: mercator metres to tile units (x right,
/// y down, `0..extent` inside the tile).
#[derive(Debug, Clone, Copy)]
pub struct TileFrame {
    /// Mercator x of the tile's left edge.
    left: f64,
    /// Mercator y of the tile's top edge.
    top: f64,
    /// Tile units per mercator metre.
    scale: f64,
}

impl TileFrame {
    pub fn new(z: u8, x: u32, y: u32, extent: u32) -> Self {
        let size = tile_size_m(z);
        Self {
            left: -HALF_WORLD + f64::from(x) * size,
            top: HALF_WORLD - f64::from(y) * size,
            scale: f64::from(extent) / size,
        }
    }

    /// A mercator point in tile units. The same input always gives the same
    /// output, so a vertex shared by two features lands on the same spot.
    #[inline]
    pub fn to_tile(&self, p: [f64; 2]) -> [f64; 2] {
        [
            (p[0] - self.left) * self.scale,
            (self.top - p[1]) * self.scale,
        ]
    }

    /// Tile units back to mercator metres.
    pub fn to_mercator(&self, p: [f64; 2]) -> [f64; 2] {
        [self.left + p[0] / self.scale, self.top - p[1] / self.scale]
    }

    /// The mercator box (min, max) of the tile grown by `buffer` tile units
    /// on every side.
    pub fn bounds_m(&self, extent: u32, buffer: u32) -> ([f64; 2], [f64; 2]) {
        let lo = -f64::from(buffer);
        let hi = f64::from(extent + buffer);
        let a = self.to_mercator([lo, hi]);
        let b = self.to_mercator([hi, lo]);
        (a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_round_trips_and_matches_known_values() {
        let [x, y] = project(-72.6851, 41.7637);
        // EPSG:3857 of Hartford.
        assert!((x - -8_091_268.32).abs() < 0.01, "{x}");
        assert!((y - 5_125_648.31).abs() < 0.01, "{y}");
        let (lon, lat) = unproject(x, y);
        assert!((lon + 72.6851).abs() < 1e-9 && (lat - 41.7637).abs() < 1e-9);
        assert_eq!(project(180.0, 0.0)[0], HALF_WORLD);
    }

    #[test]
    fn tiles_follow_the_slippy_map_formula() {
        assert_eq!(tile_containing(0.0, 0.0, 1), (1, 1));
        assert_eq!(tile_containing(-72.6851, 41.7637, 8), (76, 95));
        let f = TileFrame::new(8, 76, 95, 4096);
        let p = f.to_tile(project(-72.6851, 41.7637));
        assert!((0.0..4096.0).contains(&p[0]) && (0.0..4096.0).contains(&p[1]));
        let back = f.to_mercator(p);
        let orig = project(-72.6851, 41.7637);
        assert!((back[0] - orig[0]).abs() < 1e-6 && (back[1] - orig[1]).abs() < 1e-6);
    }
}
