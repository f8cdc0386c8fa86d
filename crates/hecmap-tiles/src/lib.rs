//! Mapbox Vector Tiles of the base layers (tracts, towns and town labels)
//! for the web map (MapLibre) and QGIS.
//!
//! Tiles are **independent of any plan**: they carry each unit's geometry,
//! its integer unit id as the MVT feature id (the web map colours units by
//! feature state keyed on it) and plan-free properties, so they can be
//! cached for as long as the dataset is loaded.
//!
//! Geometry is in web mercator (EPSG:3857) on the XYZ grid of zooms
//! [`TileSource::MIN_ZOOM`]..=[`TileSource::MAX_ZOOM`], [`EXTENT`] units per
//! tile side, clipped to the tile plus a [`BUFFER`]-unit margin. Rings
//! follow MVT 2: exteriors have positive area by the specification's
//! formula (clockwise on screen, y down), holes negative.
//!
//! # No cracks between neighbours
//!
//! The Census files share vertices exactly between neighbouring units.
//! [`TileSource::new`] hashes quantised vertices (as the adjacency graph
//! does) and cuts every ring at *nodes*, the vertices whose number of
//! distinct neighbouring vertices is not two (where three units meet, where
//! a shared boundary reaches the state border). The stretches between nodes
//! are *arcs*, each stored once and given a Douglas-Peucker importance per
//! vertex in a canonical direction. A tile at zoom `z` keeps the vertices
//! whose importance exceeds [`SIMPLIFY_UNITS`] tile units at that zoom
//! (half a screen pixel of a 512-pixel tile), and rebuilds every ring from
//! its simplified arcs, so two neighbours draw the identical line. Points
//! are then mapped to tile units by the same arithmetic for both, clipped
//! by Sutherland-Hodgman ([`hecmap_core::geometry::clip_ring_into`], whose
//! crossing points are computed from each edge's endpoints in a canonical
//! order), rounded to the integer grid and cleared of repeated points, all
//! of which keep a shared boundary identical on both sides.
//!
//! Simplification alone never collapses a ring: every arc keeps its
//! endpoints and its farthest vertex. A ring can still vanish when rounding
//! to the grid leaves fewer than three distinct points or no area (a unit
//! under about a grid unit, 1/8 of a pixel, across). Such rings are left
//! out, and a unit all of whose rings vanish is left out of that tile (it
//! is invisible at that zoom anyway; it appears at a higher zoom).
//!
//! ```
//! use hecmap_core::dataset::{DataConfig, Dataset};
//! use hecmap_tiles::{TileLayer, TileSource};
//! let data = Dataset::load(&DataConfig::default()).unwrap();
//! let tiles = TileSource::new(&data);
//! let bytes = tiles.tile(TileLayer::Tracts, 12, 1220, 1524).unwrap();
//! assert!(bytes.is_some());
//! ```

mod encode;
pub mod mercator;
mod topology;

use geo::{InteriorPoint, MapCoords};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde_json::json;

use hecmap_core::attributes::Attributes;
use hecmap_core::dataset::Dataset;
use hecmap_core::geometry::{Bbox, clip_ring_into};
use hecmap_core::measures::keys;
use hecmap_core::need::{NeedConfig, NeedIndex};

use encode::{GeomType, Geometry, LayerWriter, Properties, Value};
use mercator::{TileFrame, tile_size_m};
use topology::{Ring, Topology};

/// Tile units per tile side.
pub const EXTENT: u32 = 4096;
/// Margin around each tile, in tile units, so that strokes and labels
/// crossing the tile edge draw without seams.
pub const BUFFER: u32 = 64;
/// The simplification tolerance in tile units (4 = half a pixel of a tile
/// drawn 512 pixels wide, as MapLibre draws vector tiles).
pub const SIMPLIFY_UNITS: f64 = 4.0;

/// A tile layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TileLayer {
    /// Census tract polygons.
    Tracts,
    /// Town polygons.
    Towns,
    /// One point per town, inside it, with its name.
    TownLabels,
}

impl TileLayer {
    pub const ALL: [TileLayer; 3] = [TileLayer::Tracts, TileLayer::Towns, TileLayer::TownLabels];

    /// The layer with this name (`tracts`, `towns`, `town_labels`).
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == s)
    }

    /// The name in URLs and of the MVT layer inside each tile.
    pub fn name(self) -> &'static str {
        match self {
            TileLayer::Tracts => "tracts",
            TileLayer::Towns => "towns",
            TileLayer::TownLabels => "town_labels",
        }
    }
}

impl std::fmt::Display for TileLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A tile that cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    #[error(
        "tile {z}/{x}/{y} does not exist: zoom must be {}-{} and x and y below 2^zoom",
        TileSource::MIN_ZOOM,
        TileSource::MAX_ZOOM
    )]
    OutOfRange { z: u8, x: u32, y: u32 },
    #[error("cannot encode the tile: {0}")]
    Encode(String),
}

type BoxEntry = GeomWithData<Rectangle<[f64; 2]>, u32>;
type PointEntry = GeomWithData<[f64; 2], u32>;

/// A polygon layer: its topology, an R-tree of unit boxes (mercator) and
/// its encoded properties.
struct PolygonLayer {
    topology: Topology,
    index: RTree<BoxEntry>,
    props: Properties,
}

impl PolygonLayer {
    fn new(topology: Topology, props: Properties) -> Self {
        let entries = topology
            .shapes
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.polygons.is_empty())
            .map(|(i, s)| BoxEntry::new(Rectangle::from(s.bbox.to_aabb()), i as u32))
            .collect();
        Self {
            topology,
            index: RTree::bulk_load(entries),
            props,
        }
    }
}

/// A point layer.
struct PointLayer {
    points: Vec<[f64; 2]>,
    index: RTree<PointEntry>,
    props: Properties,
}

/// What TileJSON says about a layer.
struct LayerInfo {
    description: &'static str,
    fields: Vec<(&'static str, String)>,
    /// `[west, south, east, north]` in degrees.
    bounds: [f64; 4],
}

/// What the HTTP layer needs from a tile backend: the one seam between the
/// server and the tiles (as martin's `Source`). [`TileSource`] makes tiles
/// from the dataset on demand; another backend (an archive of prebuilt
/// tiles, say) would implement this and the routes would not change.
pub trait TileProvider: Send + Sync {
    /// The tile as MVT bytes, `None` when it holds no feature, or an error
    /// when `z/x/y` is outside the pyramid.
    fn tile(&self, layer: TileLayer, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, TileError>;

    /// TileJSON 3.0.0 for one layer, its tiles under `base_url`.
    fn tilejson(&self, layer: TileLayer, base_url: &str) -> serde_json::Value;
}

impl TileProvider for TileSource {
    fn tile(&self, layer: TileLayer, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, TileError> {
        TileSource::tile(self, layer, z, x, y)
    }

    fn tilejson(&self, layer: TileLayer, base_url: &str) -> serde_json::Value {
        TileSource::tilejson(self, layer, base_url)
    }
}

/// Vector tiles of the base layers, built once at server start and shared
/// (it is `Send + Sync`; every tile is made on demand without locks).
pub struct TileSource {
    tracts: PolygonLayer,
    towns: PolygonLayer,
    labels: PointLayer,
    /// TileJSON facts of tracts, towns and town labels, in that order.
    info: [LayerInfo; 3],
}

/// Reusable buffers for one tile.
#[derive(Default)]
struct Scratch {
    points: Vec<[f64; 2]>,
    clipped: Vec<[f64; 2]>,
    spare: Vec<[f64; 2]>,
    ring: Vec<[i32; 2]>,
    geometry: Geometry,
}

impl TileSource {
    pub const MIN_ZOOM: u8 = 0;
    pub const MAX_ZOOM: u8 = 14;

    /// Builds the arcs, simplification ranks, indexes and properties of
    /// every layer.
    pub fn new(data: &Dataset) -> Self {
        let (tract_topo, town_topo) = std::thread::scope(|s| {
            let towns = s.spawn(|| Topology::build(&data.towns.units.geometry));
            let tracts = Topology::build(&data.tracts.units.geometry);
            (
                tracts,
                towns.join().expect("town topology builder panicked"),
            )
        });
        let tracts = PolygonLayer::new(tract_topo, tract_properties(data));
        let towns = PolygonLayer::new(town_topo, town_properties(data));
        let labels = label_layer(data);
        tracing::debug!(
            tract_arcs = tracts.topology.arc_count(),
            tract_vertices = tracts.topology.vertex_count(),
            town_arcs = towns.topology.arc_count(),
            town_vertices = towns.topology.vertex_count(),
            "tile source built"
        );
        let tract_bounds = lonlat_bounds(&data.tracts.units.bbox);
        let town_bounds = lonlat_bounds(&data.towns.units.bbox);
        Self {
            tracts,
            towns,
            labels,
            info: [
                tract_info(data, tract_bounds),
                town_info(data, town_bounds),
                LayerInfo {
                    description: "One point inside each town (its interior point), for labels",
                    fields: vec![
                        ("name", "Town name".into()),
                        ("population", "Population, 2020 Census".into()),
                    ],
                    bounds: town_bounds,
                },
            ],
        }
    }

    /// The tile as MVT bytes (uncompressed protobuf), or `None` when it
    /// holds no feature (decided from the bounding-box index before any
    /// encoding when no unit is near).
    pub fn tile(
        &self,
        layer: TileLayer,
        z: u8,
        x: u32,
        y: u32,
    ) -> Result<Option<Vec<u8>>, TileError> {
        if z > Self::MAX_ZOOM || x >= 1 << z || y >= 1 << z {
            return Err(TileError::OutOfRange { z, x, y });
        }
        let frame = TileFrame::new(z, x, y, EXTENT);
        let (lo, hi) = frame.bounds_m(EXTENT, BUFFER);
        let bbox = Bbox { min: lo, max: hi };
        let env = bbox.to_aabb();
        match layer {
            TileLayer::Tracts => self.polygon_tile(&self.tracts, layer, z, &frame, &env, &bbox),
            TileLayer::Towns => self.polygon_tile(&self.towns, layer, z, &frame, &env, &bbox),
            TileLayer::TownLabels => Ok(self.point_tile(&frame, &env)),
        }
    }

    fn polygon_tile(
        &self,
        source: &PolygonLayer,
        layer: TileLayer,
        z: u8,
        frame: &TileFrame,
        env: &AABB<[f64; 2]>,
        bbox: &Bbox,
    ) -> Result<Option<Vec<u8>>, TileError> {
        let mut units: Vec<u32> = source
            .index
            .locate_in_envelope_intersecting(env)
            .map(|e| e.data)
            .collect();
        if units.is_empty() {
            return Ok(None);
        }
        units.sort_unstable();
        let eps = tile_size_m(z) / f64::from(EXTENT) * SIMPLIFY_UNITS;
        let mut writer = LayerWriter::new(&source.props);
        let mut s = Scratch::default();
        for unit in units {
            s.geometry.clear();
            for polygon in &source.topology.shapes[unit as usize].polygons {
                let mut rings = polygon.rings.iter();
                let exterior = rings.next().expect("a polygon has an exterior");
                if !exterior.bbox.intersects(bbox)
                    || !tile_ring(&source.topology, exterior, true, eps, frame, bbox, &mut s)
                {
                    continue;
                }
                s.geometry.ring(&s.ring).map_err(TileError::Encode)?;
                for hole in rings {
                    if hole.bbox.intersects(bbox)
                        && tile_ring(&source.topology, hole, false, eps, frame, bbox, &mut s)
                    {
                        s.geometry.ring(&s.ring).map_err(TileError::Encode)?;
                    }
                }
            }
            if !s.geometry.is_empty() {
                writer.add(unit, GeomType::Polygon, &s.geometry);
            }
        }
        Ok((!writer.is_empty()).then(|| writer.finish(layer.name(), EXTENT)))
    }

    fn point_tile(&self, frame: &TileFrame, env: &AABB<[f64; 2]>) -> Option<Vec<u8>> {
        let mut towns: Vec<u32> = self
            .labels
            .index
            .locate_in_envelope(env)
            .map(|e| e.data)
            .collect();
        if towns.is_empty() {
            return None;
        }
        towns.sort_unstable();
        let mut writer = LayerWriter::new(&self.labels.props);
        let mut geometry = Geometry::default();
        for town in towns {
            let p = frame.to_tile(self.labels.points[town as usize]);
            geometry.clear();
            geometry.point([p[0].round() as i32, p[1].round() as i32]);
            writer.add(town, GeomType::Point, &geometry);
        }
        Some(writer.finish(TileLayer::TownLabels.name(), EXTENT))
    }

    /// TileJSON 3.0.0 for one layer, with tiles at
    /// `{base_url}/tiles/{layer}/{z}/{x}/{y}`.
    pub fn tilejson(&self, layer: TileLayer, base_url: &str) -> serde_json::Value {
        let info = match layer {
            TileLayer::Tracts => &self.info[0],
            TileLayer::Towns => &self.info[1],
            TileLayer::TownLabels => &self.info[2],
        };
        let [w, s, e, n] = info.bounds;
        let fields: serde_json::Map<String, serde_json::Value> = info
            .fields
            .iter()
            .map(|(k, d)| (k.to_string(), json!(d)))
            .collect();
        json!({
            "tilejson": "3.0.0",
            "name": format!("hecmap {}", layer.name()),
            "description": info.description,
            "version": "1.0.0",
            "attribution": "US Census Bureau (2020 cartographic boundaries, 2020 Census, ACS 2019-2023); CMS; CDC PLACES",
            "scheme": "xyz",
            "tiles": [format!("{}/tiles/{}/{{z}}/{{x}}/{{y}}", base_url.trim_end_matches('/'), layer.name())],
            "minzoom": Self::MIN_ZOOM,
            "maxzoom": Self::MAX_ZOOM,
            "bounds": [w, s, e, n],
            "center": [(w + e) / 2.0, (s + n) / 2.0, 8],
            "vector_layers": [{
                "id": layer.name(),
                "description": info.description,
                "minzoom": Self::MIN_ZOOM,
                "maxzoom": Self::MAX_ZOOM,
                "fields": fields,
            }],
        })
    }
}

/// Builds one ring of a tile into `s.ring`: simplified, in tile units,
/// clipped, rounded, without repeats and wound for MVT (exteriors positive).
/// False when nothing with area is left.
fn tile_ring(
    topology: &Topology,
    ring: &Ring,
    exterior: bool,
    eps: f64,
    frame: &TileFrame,
    bbox: &Bbox,
    s: &mut Scratch,
) -> bool {
    s.points.clear();
    topology.ring_points(ring, eps, |p| frame.to_tile(p), &mut s.points);
    let points = if bbox.contains(&ring.bbox) {
        &s.points
    } else {
        let (lo, hi) = (-f64::from(BUFFER), f64::from(EXTENT + BUFFER));
        let square = Bbox {
            min: [lo, lo],
            max: [hi, hi],
        };
        clip_ring_into(&s.points, &square, &mut s.clipped, &mut s.spare);
        &s.clipped
    };
    s.ring.clear();
    for p in points {
        let q = [p[0].round() as i32, p[1].round() as i32];
        if s.ring.last() != Some(&q) {
            s.ring.push(q);
        }
    }
    while s.ring.len() > 1 && s.ring.first() == s.ring.last() {
        s.ring.pop();
    }
    if s.ring.len() < 3 {
        return false;
    }
    let n = s.ring.len();
    let area2: i64 = (0..n)
        .map(|i| {
            let (a, b) = (s.ring[i], s.ring[(i + 1) % n]);
            i64::from(a[0]) * i64::from(b[1]) - i64::from(b[0]) * i64::from(a[1])
        })
        .sum();
    if area2 == 0 {
        return false;
    }
    if (area2 > 0) != exterior {
        s.ring.reverse();
    }
    true
}

fn lonlat_bounds(boxes: &[geo::Rect]) -> [f64; 4] {
    boxes
        .iter()
        .fold(Bbox::EMPTY, |b, &r| b.union(&Bbox::from(r)))
        .to_array()
}

/// The value of an attribute, when the column exists and has one.
fn attr(attrs: &Attributes, key: &str, unit: usize) -> Option<f64> {
    attrs.id(key).and_then(|id| attrs.value(id, unit as u32))
}

/// Whether an attribute column is an estimate (false when absent).
fn estimate(attrs: &Attributes, key: &str) -> bool {
    attrs
        .id(key)
        .is_some_and(|id| attrs.def(id).provenance.is_estimate())
}

fn round_to(v: f64, step: f64) -> f64 {
    (v / step).round() * step
}

const TRACT_KEYS: [&str; 9] = [
    "geoid",
    "geoid_2022",
    "name",
    "town",
    "population",
    "medicare",
    "medicare_estimate",
    "need",
    "share_below_200pct_fpl",
];

fn tract_properties(data: &Dataset) -> Properties {
    let units = &data.tracts.units;
    let attrs = &data.tracts.attributes;
    let need = match NeedIndex::compute(attrs, &NeedConfig::default()) {
        Ok(n) => n.percentile,
        Err(e) => {
            tracing::warn!("tiles carry no need percentile: {e}");
            vec![None; units.len()]
        }
    };
    let medicare_estimate = estimate(attrs, keys::MEDICARE);
    let mut props = Properties::new(&TRACT_KEYS, units.len());
    for (t, need) in need.iter().enumerate() {
        props.set(t, "geoid", Value::Str(units.geoid[t].clone()));
        props.set(t, "geoid_2022", Value::Str(units.geoid_2022[t].clone()));
        props.set(t, "name", Value::Str(units.name[t].clone()));
        let town = data.nesting.tract_town[t] as usize;
        props.set(t, "town", Value::Str(data.towns.units.name[town].clone()));
        if let Some(p) = attr(attrs, keys::POPULATION, t) {
            props.set(t, "population", Value::Int(p.round() as i64));
        }
        if let Some(m) = attr(attrs, keys::MEDICARE, t) {
            props.set(t, "medicare", Value::Int(m.round() as i64));
            props.set(t, "medicare_estimate", Value::Bool(medicare_estimate));
        }
        if let Some(n) = *need {
            props.set(t, "need", Value::Double(round_to(n, 0.1)));
        }
        if let Some(s) = attr(attrs, keys::SHARE_BELOW_200PCT_FPL, t) {
            props.set(
                t,
                "share_below_200pct_fpl",
                Value::Double(round_to(s, 1e-4)),
            );
        }
    }
    props
}

const TOWN_KEYS: [&str; 6] = [
    "geoid",
    "name",
    "planning_region",
    "population",
    "medicare",
    "medicare_estimate",
];

fn town_properties(data: &Dataset) -> Properties {
    let units = &data.towns.units;
    let attrs = &data.towns.attributes;
    let medicare_estimate = estimate(attrs, keys::MEDICARE);
    let mut props = Properties::new(&TOWN_KEYS, units.len());
    for t in 0..units.len() {
        props.set(t, "geoid", Value::Str(units.geoid[t].clone()));
        props.set(t, "name", Value::Str(units.name[t].clone()));
        let region = data
            .town_planning_region
            .get(t)
            .cloned()
            .unwrap_or_default();
        props.set(t, "planning_region", Value::Str(region));
        if let Some(p) = attr(attrs, keys::POPULATION, t) {
            props.set(t, "population", Value::Int(p.round() as i64));
        }
        if let Some(m) = attr(attrs, keys::MEDICARE, t) {
            props.set(t, "medicare", Value::Int(m.round() as i64));
            props.set(t, "medicare_estimate", Value::Bool(medicare_estimate));
        }
    }
    props
}

fn label_layer(data: &Dataset) -> PointLayer {
    let units = &data.towns.units;
    let attrs = &data.towns.attributes;
    let mut props = Properties::new(&["name", "population"], units.len());
    let mut points = Vec::with_capacity(units.len());
    for t in 0..units.len() {
        let mercator = units.geometry[t].map_coords(|c| {
            let [x, y] = mercator::project(c.x, c.y);
            geo::Coord { x, y }
        });
        let p = mercator
            .interior_point()
            .map(|p| [p.x(), p.y()])
            .unwrap_or([f64::NAN, f64::NAN]);
        points.push(p);
        props.set(t, "name", Value::Str(units.name[t].clone()));
        if let Some(p) = attr(attrs, keys::POPULATION, t) {
            props.set(t, "population", Value::Int(p.round() as i64));
        }
    }
    let entries = points
        .iter()
        .enumerate()
        .filter(|(_, p)| p[0].is_finite())
        .map(|(i, p)| PointEntry::new(*p, i as u32))
        .collect();
    PointLayer {
        points,
        index: RTree::bulk_load(entries),
        props,
    }
}

fn medicare_description(attrs: &Attributes) -> String {
    match attrs.id(keys::MEDICARE) {
        Some(id) => {
            let def = attrs.def(id);
            let how = def
                .provenance
                .method
                .clone()
                .unwrap_or_else(|| def.provenance.source.clone());
            format!(
                "{} (rounded){}: {how}",
                def.label,
                if def.provenance.is_estimate() {
                    ", an estimate"
                } else {
                    ""
                }
            )
        }
        None => "Medicare beneficiaries (rounded)".into(),
    }
}

fn tract_info(data: &Dataset, bounds: [f64; 4]) -> LayerInfo {
    let attrs = &data.tracts.attributes;
    let need = NeedConfig::default();
    LayerInfo {
        description: "2020 census tracts of Connecticut (feature id = tract unit id)",
        fields: vec![
            ("geoid", "2020 tract GEOID (11 digits, old county codes)".into()),
            ("geoid_2022", "2022+ tract GEOID (planning-region county codes)".into()),
            ("name", "Tract name, e.g. \"Tract 5247, Hartford\"".into()),
            ("town", "Town the tract belongs to (crosswalk)".into()),
            ("population", "Population, 2020 Census (P1)".into()),
            ("medicare", medicare_description(attrs)),
            (
                "medicare_estimate",
                "true when medicare is an estimate rather than a count".into(),
            ),
            (
                "need",
                format!(
                    "Need index percentile within the state (0-100, rounded to 0.1; high need at {} and above); absent for tracts under {} people",
                    need.high_need_percentile, need.min_population
                ),
            ),
            (
                "share_below_200pct_fpl",
                "Share of people below 200% of the poverty line (0-1, rounded to 0.0001; ACS 2019-2023)".into(),
            ),
        ],
        bounds,
    }
}

fn town_info(data: &Dataset, bounds: [f64; 4]) -> LayerInfo {
    LayerInfo {
        description: "The 169 towns of Connecticut (feature id = town unit id)",
        fields: vec![
            (
                "geoid",
                "2020 town (county subdivision) GEOID, 10 digits".into(),
            ),
            ("name", "Town name".into()),
            (
                "planning_region",
                "Planning region (council of governments)".into(),
            ),
            (
                "population",
                "Population, 2020 Census (sum of its tracts)".into(),
            ),
            ("medicare", medicare_description(&data.towns.attributes)),
            (
                "medicare_estimate",
                "true when medicare is an estimate rather than a count".into(),
            ),
        ],
        bounds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_names_round_trip() {
        for l in TileLayer::ALL {
            assert_eq!(TileLayer::from_name(l.name()), Some(l));
            assert_eq!(
                serde_json::to_value(l).unwrap(),
                serde_json::json!(l.name())
            );
        }
        assert_eq!(TileLayer::from_name("roads"), None);
    }

    #[test]
    fn source_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<TileSource>();
    }
}
