//! Reading polygon features from vector files, reprojected to EPSG:4326.
//!
//! Three readers share one pipeline:
//!
//! - GeoJSON ([`VectorFormat::GeoJson`]), parsed with serde straight into
//!   `geo` coordinates. The CRS comes from the (pre-RFC 7946) `crs` member;
//!   without one the file is EPSG:4326, as RFC 7946 says.
//! - ESRI shapefiles ([`VectorFormat::Shapefile`]), read with the `shapefile`
//!   crate. The CRS comes from the `.prj` sidecar (WKT); without one the file
//!   is assumed to be EPSG:4326.
//! - Anything GDAL/OGR opens ([`VectorFormat::Ogr`]): GeoPackage, zipped
//!   shapefiles (through `/vsizip/`), KML, FlatGeobuf... The CRS comes from the
//!   layer's spatial reference.
//!
//! Every feature must be a Polygon or a MultiPolygon (a GeometryCollection of
//! polygons is flattened); its rings must be closed and its coordinates finite.
//! After reprojection every coordinate must be a valid longitude/latitude.
//! Anything else is a [`SourceError`] that names the file, the feature and
//! what is wrong. Validity in the OGC sense (self-intersections, overlapping
//! parts...) is *not* checked while reading: ask [`geometry_problems`].
//!
//! ```no_run
//! use std::path::Path;
//! let layer = hecmap_core::source::read_polygons(Path::new("tracts.geojson"))?;
//! for feature in &layer.features {
//!     for problem in hecmap_core::source::geometry_problems(&feature.geometry) {
//!         eprintln!("feature {}: {problem}", feature.index);
//!     }
//! }
//! # Ok::<(), hecmap_core::source::SourceError>(())
//! ```

mod json;
mod ogr;
mod shp;
#[cfg(test)]
mod tests;
pub mod upload;

use std::path::{Path, PathBuf};

use geo::algorithm::Validation;
use geo::algorithm::validation::{InvalidMultiPolygon, InvalidPolygon, RingRole};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::{Map, Value};

use crate::crs::{CrsError, Reprojector, WGS84};

/// How files in binary formats (shapefiles, GeoPackages) are opened.
///
/// Their parsers (GDAL, SQLite, the shapefile reader) run native code over
/// bytes anyone may have crafted, so the server reads them in a separate
/// process (`hecmap read-upload`) with CPU, memory and time limits, and
/// takes back only GeoJSON, which this process parses under its own caps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForeignReader {
    /// In this process: for the command line's own files and for tests.
    InProcess,
    /// In a child process running this executable.
    Child { exe: PathBuf },
}

/// What [`VectorLayer::source_crs`] says when a file declares no CRS.
pub const ASSUMED_WGS84: &str = "EPSG:4326 (assumed: none declared)";

/// One polygonal feature read from a file, in EPSG:4326.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorFeature {
    /// 0-based position of the feature in its layer, for error messages ("feature 12").
    pub index: usize,
    /// Attribute values, as JSON values (strings, numbers, booleans, null).
    pub properties: Map<String, Value>,
    /// Polygon or MultiPolygon geometry, reprojected to EPSG:4326 (x = lon, y = lat).
    pub geometry: MultiPolygon<f64>,
}

/// All the features of one file (or of one layer of a multi-layer dataset).
#[derive(Debug, Clone, PartialEq)]
pub struct VectorLayer {
    /// The file read, or for [`read_geojson_str`] its `origin`.
    pub path: PathBuf,
    /// The CRS the file declared (normalised, e.g. "EPSG:4269", or WKT when it
    /// matches no authority code), or [`ASSUMED_WGS84`] when it declared none.
    pub source_crs: String,
    /// The features, in file order, all in EPSG:4326.
    pub features: Vec<VectorFeature>,
}

/// Which reader [`read_polygons_as`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VectorFormat {
    /// GeoJSON (RFC 7946, plus the old `crs` member).
    GeoJson,
    /// An ESRI shapefile: the `.shp` with its `.shx`, `.dbf` and optional `.prj`.
    Shapefile,
    /// Anything GDAL/OGR opens (GeoPackage, zipped shapefile, KML...): the
    /// first layer with polygon geometry, else the first layer.
    Ogr,
}

impl VectorFormat {
    /// The format [`read_polygons`] picks for a path, from its extension:
    /// `.geojson`/`.json` → GeoJSON, `.shp` → Shapefile, anything else
    /// (`.gpkg`, `.zip`, `.kml`...) → OGR.
    pub fn from_path(path: &Path) -> VectorFormat {
        match extension(path).as_deref() {
            Some("geojson" | "json") => VectorFormat::GeoJson,
            Some("shp") => VectorFormat::Shapefile,
            _ => VectorFormat::Ogr,
        }
    }
}

/// Why a vector file could not be read. Every variant names the file (or the
/// origin given to [`read_geojson_str`]) in `path`, and where relevant the
/// 0-based feature index and the property.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file (or a sidecar of it) could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not well-formed for its format (bad JSON, not GeoJSON, a
    /// corrupt shapefile, a missing `.dbf`...). `reason` says where when it can
    /// (JSON errors carry a line and column).
    #[error("cannot parse {path}: {reason}")]
    Parse { path: String, reason: String },
    /// The declared CRS is unknown to PROJ, or cannot be transformed to EPSG:4326.
    #[error("{path}: {source}")]
    Crs {
        path: String,
        #[source]
        source: Box<CrsError>,
    },
    /// PROJ failed on a coordinate of a feature.
    #[error("{path}: feature {feature} cannot be reprojected from {crs} to EPSG:4326: {source}")]
    Transform {
        path: String,
        feature: usize,
        crs: String,
        #[source]
        source: Box<CrsError>,
    },
    /// A feature whose geometry is not a Polygon or MultiPolygon.
    #[error(
        "{path}: feature {feature} is a {found}, but only Polygon and MultiPolygon geometries are accepted"
    )]
    NotPolygon {
        path: String,
        feature: usize,
        found: String,
    },
    /// A feature with a null, absent or empty geometry.
    #[error("{path}: feature {feature} has no geometry (it is null or empty)")]
    MissingGeometry { path: String, feature: usize },
    /// A structurally broken polygon: unclosed or empty ring, position with
    /// fewer than two numbers, wrongly nested coordinates...
    #[error("{path}: feature {feature}: {reason}")]
    BadGeometry {
        path: String,
        feature: usize,
        reason: String,
    },
    /// A coordinate that is NaN or infinite, in the file or after reprojection.
    #[error("{path}: feature {feature} has a coordinate that is not a finite number: ({x}, {y})")]
    NonFinite {
        path: String,
        feature: usize,
        x: f64,
        y: f64,
    },
    /// The file declares no CRS, so it was taken as longitude/latitude, but a
    /// coordinate is outside [-180, 180] × [-90, 90]: it is almost certainly
    /// in a projected CRS (metres or feet) that the file does not name.
    #[error(
        "{path}: feature {feature} has coordinate ({x}, {y}), which is not a longitude/latitude. \
         The file declares no coordinate reference system ({missing}), so EPSG:4326 was assumed, \
         but these coordinates look like projected metres or feet. Supply the CRS \
         (a .prj file next to a shapefile, or reproject the file to EPSG:4326)"
    )]
    ProjectedWithoutCrs {
        path: String,
        feature: usize,
        x: f64,
        y: f64,
        /// What was missing, e.g. "no .prj file" or "no \"crs\" member".
        missing: String,
    },
    /// After conversion from the declared CRS, a coordinate is not a valid
    /// longitude/latitude (`x`, `y` are the converted values): the declared
    /// CRS is probably wrong.
    #[error(
        "{path}: feature {feature} has a coordinate at ({x}, {y}) once converted from {crs} to \
         EPSG:4326, outside longitude [-180, 180] / latitude [-90, 90]; is {crs} really the \
         file's coordinate reference system?"
    )]
    OutOfRange {
        path: String,
        feature: usize,
        x: f64,
        y: f64,
        crs: String,
    },
    /// An attribute value that cannot be read.
    #[error("{path}: feature {feature}, property {property:?}: {reason}")]
    Property {
        path: String,
        feature: usize,
        property: String,
        reason: String,
    },
    /// The file (or its chosen layer) holds no features at all.
    #[error("{path} contains no features")]
    NoFeatures { path: String },
    /// GDAL could not open or read the dataset.
    #[error("{path}: GDAL cannot read it: {reason}")]
    Gdal { path: String, reason: String },
    /// The separate reader process refused the file; `message` is its
    /// error, naming the file as the user knows it.
    #[error("{message}")]
    Foreign { path: String, message: String },
    /// A cap or the time budget of [`crate::limits`] stopped the reading.
    #[error("{path}: {limit}")]
    Limit {
        path: String,
        limit: crate::limits::LimitError,
    },
}

impl SourceError {
    /// The file the error is about.
    fn path_mut(&mut self) -> &mut String {
        match self {
            SourceError::Io { path, .. }
            | SourceError::Parse { path, .. }
            | SourceError::Crs { path, .. }
            | SourceError::Transform { path, .. }
            | SourceError::NotPolygon { path, .. }
            | SourceError::MissingGeometry { path, .. }
            | SourceError::BadGeometry { path, .. }
            | SourceError::NonFinite { path, .. }
            | SourceError::ProjectedWithoutCrs { path, .. }
            | SourceError::OutOfRange { path, .. }
            | SourceError::Property { path, .. }
            | SourceError::NoFeatures { path }
            | SourceError::Gdal { path, .. }
            | SourceError::Foreign { path, .. }
            | SourceError::Limit { path, .. } => path,
        }
    }

    /// The same error with every mention of the private scratch directory
    /// `dir` and the files in it replaced by `to`, the name the user knows.
    pub fn renamed(mut self, dir: &str, to: &str) -> Self {
        // The scratch files are `dir/upload.<ext>` (see `upload::read_here`).
        let fix = |text: &str| -> String {
            let files = ["shp", "shx", "dbf", "prj", "cpg", "gpkg"]
                .iter()
                .fold(text.to_string(), |t, ext| {
                    t.replace(&format!("{dir}/upload.{ext}"), to)
                });
            files.replace(dir, to)
        };
        let path = self.path_mut();
        *path = fix(path);
        match self {
            SourceError::Parse { path, reason } => SourceError::Parse {
                reason: fix(&reason),
                path,
            },
            SourceError::Gdal { path, reason } => SourceError::Gdal {
                reason: fix(&reason),
                path,
            },
            SourceError::Io { path, source } => SourceError::Io {
                source: std::io::Error::new(source.kind(), fix(&source.to_string())),
                path,
            },
            other => other,
        }
    }
}

/// Reads every feature of a vector file as polygons in EPSG:4326, choosing
/// the reader from the extension (see [`VectorFormat::from_path`]).
///
/// A `.zip` is opened with GDAL through `/vsizip/` (a zipped shapefile, or any
/// zipped OGR dataset).
pub fn read_polygons(path: &Path) -> Result<VectorLayer, SourceError> {
    read_polygons_as(path, VectorFormat::from_path(path))
}

/// Reads every feature of a vector file with the given reader, as polygons in EPSG:4326.
pub fn read_polygons_as(path: &Path, format: VectorFormat) -> Result<VectorLayer, SourceError> {
    match format {
        VectorFormat::GeoJson => {
            let bytes = std::fs::read(path).map_err(|source| SourceError::Io {
                path: path.display().to_string(),
                source,
            })?;
            json::read(&bytes, path)
        }
        VectorFormat::Shapefile => shp::read(path),
        VectorFormat::Ogr => ogr::read(path),
    }
}

/// Reads GeoJSON text (an HTTP body, say) as polygons in EPSG:4326. `origin`
/// stands in for the file name in errors and in [`VectorLayer::path`].
///
/// The text may be a FeatureCollection, a single Feature or a bare geometry.
///
/// ```
/// use hecmap_core::source::{read_geojson_str, SourceError};
///
/// let body = r#"{"type": "FeatureCollection", "features": [
///     {"type": "Feature", "properties": {"name": "Hartford block", "pop": 42},
///      "geometry": {"type": "Polygon", "coordinates":
///         [[[-72.69, 41.76], [-72.68, 41.76], [-72.68, 41.77], [-72.69, 41.77], [-72.69, 41.76]]]}}
/// ]}"#;
/// let layer = read_geojson_str(body, "POST /boundaries").unwrap();
/// assert_eq!(layer.source_crs, "EPSG:4326 (assumed: none declared)");
/// assert_eq!(layer.features[0].properties["name"], "Hartford block");
/// assert_eq!(layer.features[0].geometry.0[0].exterior().0[1].x, -72.68);
///
/// // Errors name the origin and the feature.
/// let point = r#"{"type": "Feature", "properties": {},
///                 "geometry": {"type": "Point", "coordinates": [-72.69, 41.76]}}"#;
/// let err = read_geojson_str(point, "POST /boundaries").unwrap_err();
/// assert!(matches!(err, SourceError::NotPolygon { feature: 0, .. }));
/// assert!(err.to_string().contains("POST /boundaries: feature 0 is a Point"));
/// ```
pub fn read_geojson_str(text: &str, origin: &str) -> Result<VectorLayer, SourceError> {
    json::read(text.as_bytes(), Path::new(origin))
}

/// The reasons a polygon is not valid (in the OGC simple-features sense),
/// phrased for a person; empty when it is valid.
///
/// Reports non-finite coordinates, unclosed rings, rings with fewer than three
/// distinct points, self-intersections (a "bowtie"), holes outside their
/// polygon or crossing each other, and parts of a MultiPolygon that overlap or
/// share an edge. Parts and holes are numbered from 1.
pub fn geometry_problems(geometry: &MultiPolygon<f64>) -> Vec<String> {
    let count = geometry.0.len();
    let mut problems = Vec::new();
    // Coordinates first: NaNs make every later check meaningless.
    for (p, polygon) in geometry.0.iter().enumerate() {
        for (r, ring) in rings(polygon).enumerate() {
            let role = if r == 0 {
                RingRole::Exterior
            } else {
                RingRole::Interior(r - 1)
            };
            let bad = ring.0.iter().filter(|c| !finite(**c)).count();
            if bad > 0 {
                let first = ring.0.iter().position(|c| !finite(*c)).unwrap_or(0);
                problems.push(format!(
                    "{} has {bad} coordinate{} that {} not a finite number (the first is point {})",
                    ring_name(role, p, count),
                    if bad == 1 { "" } else { "s" },
                    if bad == 1 { "is" } else { "are" },
                    first + 1
                ));
            } else if !ring.0.is_empty() && !ring.is_closed() {
                problems.push(format!(
                    "{} is not closed (its last point differs from its first)",
                    ring_name(role, p, count)
                ));
            }
        }
    }
    if !problems.is_empty() || plainly_valid(geometry) {
        return problems;
    }
    let vertices: usize = geometry.0.iter().flat_map(rings).map(|r| r.0.len()).sum();
    if vertices > DETAILED_CHECK_MAX_VERTICES || count > MANY_PARTS {
        // geo's validation is quadratic: on a crafted ring of a million
        // vertices it runs for minutes. Say what we know instead.
        problems.push(format!(
            "its rings cross or touch somewhere, or overlap each other (it has {vertices} vertices, \
             over the {DETAILED_CHECK_MAX_VERTICES} for which hecmap locates the problem; \
             repair it with QGIS's \"Fix geometries\" or PostGIS's ST_MakeValid)"
        ));
        return problems;
    }
    // Something crosses or nests oddly: geo's full validation (quadratic in
    // the vertices) says exactly what.
    for error in geometry.validation_errors() {
        problems.push(match error {
            InvalidMultiPolygon::InvalidPolygon(index, error) => {
                polygon_problem(&error, index.0, count)
            }
            InvalidMultiPolygon::ElementsOverlaps(a, b) => {
                format!("polygons {} and {} (of {count}) overlap", a.0 + 1, b.0 + 1)
            }
            InvalidMultiPolygon::ElementsTouchOnALine(a, b) => format!(
                "polygons {} and {} (of {count}) share an edge; they should be one polygon",
                a.0 + 1,
                b.0 + 1
            ),
        });
    }
    problems
}

/// Above this many vertices, an invalid geometry is reported without
/// locating the problem (geo's validation is quadratic in the vertices).
pub const DETAILED_CHECK_MAX_VERTICES: usize = 20_000;

/// Parts (or holes of one polygon) past which the containment checks,
/// quadratic in the parts, are not attempted.
const MANY_PARTS: usize = 2_000;

/// A boundary segment with where it sits: (polygon, ring, index in ring).
type Segment =
    rstar::primitives::GeomWithData<rstar::primitives::Line<[f64; 2]>, (usize, usize, usize)>;

/// True when a multipolygon is valid, proven in O(n log n): every ring has
/// three distinct points, no two boundary segments meet except neighbours
/// in a ring at their shared vertex, every hole lies inside its polygon and
/// outside its sibling holes, and no polygon lies inside another. False
/// means "not proven", not "invalid".
fn plainly_valid(geometry: &MultiPolygon<f64>) -> bool {
    use geo::{Contains, Intersects};
    let mut segments = Vec::new();
    for (p, polygon) in geometry.0.iter().enumerate() {
        for (r, ring) in rings(polygon).enumerate() {
            let mut distinct = ring.0.clone();
            distinct.dedup();
            if distinct.len() < 4 {
                return false;
            }
            for (i, line) in ring.lines().enumerate() {
                let seg = rstar::primitives::Line::new(
                    [line.start.x, line.start.y],
                    [line.end.x, line.end.y],
                );
                segments.push(Segment::new(seg, (p, r, i)));
            }
        }
    }
    let ring_len = |p: usize, r: usize| {
        rings(&geometry.0[p])
            .nth(r)
            .map_or(0, |ring| ring.0.len() - 1)
    };
    let tree = rstar::RTree::bulk_load(segments.clone());
    // Segments whose boxes all overlap (a crafted zigzag) would make this
    // quadratic: past a linear budget of candidate pairs, or the thread's
    // deadline, give up ("not proven").
    let budget = 64 * segments.len() + 10_000;
    let mut candidates = 0usize;
    for a in &segments {
        let (pa, ra, ia) = a.data;
        for b in tree.locate_in_envelope_intersecting(&rstar::RTreeObject::envelope(a)) {
            candidates += 1;
            if candidates > budget
                || (candidates.is_multiple_of(4096)
                    && crate::limits::checkpoint("checking geometry").is_err())
            {
                return false;
            }
            let (pb, rb, ib) = b.data;
            if (pb, rb, ib) <= (pa, ra, ia) {
                continue;
            }
            let n = ring_len(pa, ra);
            let neighbours = pa == pb && ra == rb && (ib == (ia + 1) % n || ia == (ib + 1) % n);
            let (la, lb) = (a.geom(), b.geom());
            let line = |l: &rstar::primitives::Line<[f64; 2]>| geo::Line::new(l.from, l.to);
            if neighbours {
                // Neighbours share one vertex; folding back onto each other is a crossing.
                let (u, v) = (line(la), line(lb));
                let cross = u.dx() * v.dy() - u.dy() * v.dx();
                let dot = u.dx() * v.dx() + u.dy() * v.dy();
                if cross == 0.0 && dot < 0.0 {
                    return false;
                }
            } else if line(la).intersects(&line(lb)) {
                return false;
            }
        }
    }
    // No boundaries meet, so containment is decided by any one vertex.
    if geometry.0.len() > MANY_PARTS || geometry.0.iter().any(|p| p.interiors().len() > MANY_PARTS)
    {
        return false;
    }
    for polygon in &geometry.0 {
        let outer = Polygon::new(polygon.exterior().clone(), vec![]);
        let holes: Vec<Polygon<f64>> = polygon
            .interiors()
            .iter()
            .map(|h| Polygon::new(h.clone(), vec![]))
            .collect();
        for (i, hole) in polygon.interiors().iter().enumerate() {
            if !outer.contains(&hole.0[0]) {
                return false;
            }
            if holes
                .iter()
                .enumerate()
                .any(|(j, other)| j != i && other.contains(&hole.0[0]))
            {
                return false;
            }
        }
    }
    for (i, a) in geometry.0.iter().enumerate() {
        let first = a.exterior().0[0];
        if geometry
            .0
            .iter()
            .enumerate()
            .any(|(j, b)| j != i && b.contains(&first))
        {
            return false;
        }
    }
    true
}

fn polygon_problem(error: &InvalidPolygon, polygon: usize, count: usize) -> String {
    let name = |role| ring_name(role, polygon, count);
    match error {
        InvalidPolygon::TooFewPointsInRing(role) => {
            format!("{} has fewer than 3 distinct points", name(*role))
        }
        InvalidPolygon::SelfIntersection(role) => format!(
            "{} crosses or touches itself (self-intersection, e.g. a figure-of-eight \"bowtie\")",
            name(*role)
        ),
        InvalidPolygon::NonFiniteCoord(role, index) => format!(
            "{} has a coordinate that is not a finite number (point {})",
            name(*role),
            index.0 + 1
        ),
        InvalidPolygon::InteriorRingNotContainedInExteriorRing(role) => {
            format!("{} is not inside the polygon's outer boundary", name(*role))
        }
        InvalidPolygon::IntersectingRingsOnALine(a, b) => {
            format!("{} and {} share part of their boundary", name(*a), name(*b))
        }
        InvalidPolygon::IntersectingRingsOnAnArea(a, b) => {
            format!("{} and {} overlap", name(*a), name(*b))
        }
    }
}

/// "the outer boundary", "hole 2 of polygon 3 (of 4)"...
fn ring_name(role: RingRole, polygon: usize, count: usize) -> String {
    let ring = match role {
        RingRole::Exterior => "the outer boundary".to_string(),
        RingRole::Interior(i) => format!("hole {}", i + 1),
    };
    if count > 1 {
        format!("{ring} of polygon {} (of {count})", polygon + 1)
    } else {
        ring
    }
}

fn rings(polygon: &Polygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    std::iter::once(polygon.exterior()).chain(polygon.interiors())
}

fn finite(c: Coord) -> bool {
    c.x.is_finite() && c.y.is_finite()
}

fn in_lon_lat_range(c: Coord) -> bool {
    (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y)
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// Polygons as read from a file: polygons → rings (exterior first) → coordinates.
type RawPolygons = Vec<Vec<Vec<Coord>>>;

/// What is wrong with one feature's geometry, before the file and feature are known.
#[derive(Debug)]
enum FeatureIssue {
    NotPolygon(String),
    Missing,
    Bad(String),
    NonFinite(Coord),
}

impl FeatureIssue {
    fn into_error(self, path: &str, feature: usize) -> SourceError {
        let path = path.to_string();
        match self {
            FeatureIssue::NotPolygon(found) => SourceError::NotPolygon {
                path,
                feature,
                found,
            },
            FeatureIssue::Missing => SourceError::MissingGeometry { path, feature },
            FeatureIssue::Bad(reason) => SourceError::BadGeometry {
                path,
                feature,
                reason,
            },
            FeatureIssue::NonFinite(c) => SourceError::NonFinite {
                path,
                feature,
                x: c.x,
                y: c.y,
            },
        }
    }
}

/// Checks that every ring is non-empty, finite and closed, and builds the
/// MultiPolygon. Polygons with no rings at all are dropped; if nothing is
/// left the geometry is missing.
fn build_multipolygon(raw: RawPolygons) -> Result<MultiPolygon<f64>, FeatureIssue> {
    let count = raw.len();
    let mut polygons = Vec::with_capacity(count);
    for (p, rings) in raw.into_iter().enumerate() {
        if rings.is_empty() {
            continue;
        }
        for (r, ring) in rings.iter().enumerate() {
            let role = if r == 0 {
                RingRole::Exterior
            } else {
                RingRole::Interior(r - 1)
            };
            let (Some(first), Some(last)) = (ring.first(), ring.last()) else {
                return Err(FeatureIssue::Bad(format!(
                    "{} has no points",
                    ring_name(role, p, count)
                )));
            };
            if let Some(bad) = ring.iter().find(|c| !finite(**c)) {
                return Err(FeatureIssue::NonFinite(*bad));
            }
            if first != last {
                return Err(FeatureIssue::Bad(format!(
                    "{} is not closed: it starts at ({}, {}) but ends at ({}, {}); \
                     the last point of a ring must repeat the first",
                    ring_name(role, p, count),
                    first.x,
                    first.y,
                    last.x,
                    last.y
                )));
            }
        }
        let mut rings = rings.into_iter().map(LineString::new);
        let exterior = rings.next().unwrap_or_else(|| LineString::new(vec![]));
        polygons.push(Polygon::new(exterior, rings.collect()));
    }
    if polygons.is_empty() {
        return Err(FeatureIssue::Missing);
    }
    Ok(MultiPolygon::new(polygons))
}

/// The CRS a file declared, if any, and how to name what is missing otherwise.
enum DeclaredCrs {
    /// `label` is what [`VectorLayer::source_crs`] shows, `definition` what
    /// PROJ gets (often the same).
    Declared { label: String, definition: String },
    /// `missing` says what the file lacks, for [`SourceError::ProjectedWithoutCrs`].
    None { missing: &'static str },
}

/// The shared tail of every reader: reprojects each feature to EPSG:4326 with
/// one [`Reprojector`] and checks the result.
fn finish(
    path: &Path,
    crs: DeclaredCrs,
    features: Vec<VectorFeature>,
) -> Result<VectorLayer, SourceError> {
    let shown = path.display().to_string();
    if features.is_empty() {
        return Err(SourceError::NoFeatures { path: shown });
    }
    let mut features = features;
    let source_crs = match crs {
        DeclaredCrs::None { missing } => {
            for feature in &features {
                if let Some(c) = feature
                    .geometry
                    .0
                    .iter()
                    .flat_map(rings)
                    .find_map(|ring| ring.0.iter().copied().find(|c| !in_lon_lat_range(*c)))
                {
                    return Err(SourceError::ProjectedWithoutCrs {
                        path: shown,
                        feature: feature.index,
                        x: c.x,
                        y: c.y,
                        missing: missing.to_string(),
                    });
                }
            }
            ASSUMED_WGS84.to_string()
        }
        DeclaredCrs::Declared { label, definition } => {
            let reprojector =
                reprojector_to_wgs84(&definition).map_err(|source| SourceError::Crs {
                    path: shown.clone(),
                    source: Box::new(source),
                })?;
            for feature in &mut features {
                reprojector
                    .multipolygon(&mut feature.geometry)
                    .map_err(|source| SourceError::Transform {
                        path: shown.clone(),
                        feature: feature.index,
                        crs: label.clone(),
                        source: Box::new(source),
                    })?;
                if let Some(c) = feature.geometry.0.iter().flat_map(rings).find_map(|ring| {
                    ring.0
                        .iter()
                        .copied()
                        .find(|c| !finite(*c) || !in_lon_lat_range(*c))
                }) {
                    return Err(if finite(c) {
                        SourceError::OutOfRange {
                            path: shown,
                            feature: feature.index,
                            x: c.x,
                            y: c.y,
                            crs: label,
                        }
                    } else {
                        SourceError::NonFinite {
                            path: shown,
                            feature: feature.index,
                            x: c.x,
                            y: c.y,
                        }
                    });
                }
            }
            label
        }
    };
    Ok(VectorLayer {
        path: path.to_path_buf(),
        source_crs,
        features,
    })
}

/// A [`Reprojector`] from `definition` to EPSG:4326, reused across reads.
///
/// Building one costs PROJ a proj.db search (about 15 ms for NAD83 → WGS 84),
/// several times the cost of parsing a 1 MB file, so each thread keeps the
/// last few it built. `Proj` is not `Send`, hence a thread-local cache.
fn reprojector_to_wgs84(definition: &str) -> Result<std::rc::Rc<Reprojector>, CrsError> {
    use std::cell::RefCell;
    use std::rc::Rc;
    const KEEP: usize = 8;
    thread_local! {
        static CACHE: RefCell<Vec<(String, Rc<Reprojector>)>> = const { RefCell::new(Vec::new()) };
    }
    let cached = CACHE.with_borrow(|cache| {
        cache
            .iter()
            .find(|(d, _)| d == definition)
            .map(|(_, r)| Rc::clone(r))
    });
    if let Some(reprojector) = cached {
        return Ok(reprojector);
    }
    let reprojector = Rc::new(Reprojector::new(definition, WGS84)?);
    CACHE.with_borrow_mut(|cache| {
        if cache.len() >= KEEP {
            cache.remove(0);
        }
        cache.push((definition.to_string(), Rc::clone(&reprojector)));
    });
    Ok(reprojector)
}

/// A JSON number for an `f64`: integral values become JSON integers (so a
/// dBase `N(10,0)` field reads as `42`, not `42.0`); NaN and infinities, which
/// JSON cannot hold, become null.
fn number(value: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if value.fract() == 0.0 && value.abs() < EXACT {
        Value::from(value as i64)
    } else {
        serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
    }
}
