//! Drawn or surveyed HEC polygons resolved to tracts.
//!
//! HEC boundaries drawn on a map or surveyed never follow tract lines
//! exactly, so a polygon plan is resolved by **majority of area**: a tract
//! joins every HEC whose polygons cover at least
//! [`PolygonOptions::majority_share`] (default one half) of its land. Shares
//! are measured in the equal-area CRS (EPSG:5070, square metres) against the
//! tract polygons, which are the state's land clipped to the shoreline, so
//! drawn area over water or outside Connecticut never counts towards a tract
//! (it is reported per HEC in [`PolygonResolution::outside_state_m2`]).
//!
//! Besides the plan, [`resolve_polygons`] reports what the drawing leaves
//! unclear ([`PolygonResolution`]):
//!
//! - tracts an HEC covers only in part (with the share), whether or not the
//!   part was a majority;
//! - [`Piece`]s: the state's land where two HECs' polygons overlap, and the
//!   state's land covered by no polygon (a gap), one piece per connected
//!   part, each with its area, an estimated width (2 × area / perimeter), the
//!   tracts it touches and an **area-weighted estimate** of the people living
//!   in it (each tract's population times the share of its land inside the
//!   piece: people are assumed to be spread evenly over a tract's land).
//!   Small or narrow pieces are flagged as digitizing slivers.
//!
//! # Method and speed
//!
//! The HEC polygons are reprojected once to EPSG:5070 and their edges put in
//! an R-tree. A tract whose bounding box no HEC edge touches lies wholly
//! inside or wholly outside that HEC, which one ray-casting point-in-polygon
//! test (through the same R-tree) decides. Only the remaining tracts are
//! intersected with the HEC polygon, after clipping the polygon to the
//! tract's bounding box (Sutherland–Hodgman,
//! [`crate::geometry::clip_multipolygon`]), so each boolean operation sees
//! a few dozen edges, not the whole HEC. Overlap and gap pieces come from
//! boolean operations on the whole (bbox-clipped) polygons, and the tracts a
//! piece touches are measured the same way as shares. Resolving a dozen
//! statewide polygons takes about 30 ms in release (`cargo bench --bench
//! polygons`), a third of it in [`geometry_problems`], whose
//! self-intersection test is quadratic in a ring's vertices.

use geo::{Area, BooleanOps, BoundingRect, Coord, Intersects, LineString, MultiPolygon, Polygon};
use rstar::primitives::{GeomWithData, Line as EdgeLine, Rectangle};
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::RegionId;
use super::{Plan, PlanError, Waiver};
use crate::crs::{EQUAL_AREA, Reprojector, WGS84};
use crate::dataset::Dataset;
use crate::geometry::{Bbox, clip_multipolygon};
use crate::source::{VectorLayer, geometry_problems};
use crate::units::{Level, UnitId};

/// The properties tried, in order, for the HEC name when
/// [`PolygonOptions::name_field`] is not set.
pub const NAME_FIELDS: [&str; 5] = ["hec", "HEC", "name", "NAME", "region"];

/// Parts of overlap or gap pieces smaller than this (m²) are dropped as
/// arithmetic noise.
pub const MIN_PIECE_M2: f64 = 1.0;

/// How polygons are resolved to tracts and which pieces count as slivers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PolygonOptions {
    /// Property naming the HEC; None: the first of "hec", "HEC", "name",
    /// "NAME", "region" (see [`NAME_FIELDS`]) that any feature has. Every
    /// feature must then have a value for it.
    pub name_field: Option<String>,
    /// Least share of a tract's land inside an HEC's polygons for the tract
    /// to join that HEC (default 0.5: majority). Measured in EPSG:5070.
    pub majority_share: f64,
    /// Partial coverage below this share (or above one minus it) is not
    /// reported (default 0.01).
    pub partial_min_share: f64,
    /// Overlap or gap pieces smaller than this (m², default 250_000 = 25 ha)
    /// are digitizing slivers...
    pub sliver_area_m2: f64,
    /// ...and so are pieces narrower than this (m, default 150; width
    /// estimated as 2 * area / perimeter).
    pub sliver_width_m: f64,
}

impl Default for PolygonOptions {
    fn default() -> Self {
        Self {
            name_field: None,
            majority_share: 0.5,
            partial_min_share: 0.01,
            sliver_area_m2: 250_000.0,
            sliver_width_m: 150.0,
        }
    }
}

/// What a [`Piece`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PieceKind {
    /// State land inside the polygons of two HECs.
    Overlap,
    /// State land inside no HEC's polygons.
    Gap,
}

/// A tract an HEC's polygons cover only in part.
#[derive(Debug, Clone, Serialize)]
pub struct PartialTract {
    pub tract: UnitId,
    pub region: RegionId,
    /// Share of the tract's land area inside the HEC's polygons (EPSG:5070).
    pub share: f64,
    /// Whether the share reached [`PolygonOptions::majority_share`], so the
    /// tract joined the HEC.
    pub assigned: bool,
}

/// One connected part of an overlap between two HECs or of a gap, on the
/// state's land.
#[derive(Debug, Clone, Serialize)]
pub struct Piece {
    pub kind: PieceKind,
    /// HECs whose polygons overlap here, sorted (empty for a gap).
    pub regions: Vec<RegionId>,
    /// Area in square metres (EPSG:5070).
    pub area_m2: f64,
    /// Estimated width in metres: 2 × area / perimeter.
    pub width_m: f64,
    /// Smaller than [`PolygonOptions::sliver_area_m2`] or narrower than
    /// [`PolygonOptions::sliver_width_m`]: a digitizing artefact.
    pub sliver: bool,
    /// Tracts the piece touches with more than a negligible area (more than
    /// 1 m² and more than 0.1% of the smaller of the piece and the tract),
    /// sorted.
    pub tracts: Vec<UnitId>,
    /// Area-weighted population of those tracts' parts inside the piece: an
    /// ESTIMATE (each tract's population times the share of its land in the
    /// piece).
    pub people: f64,
    /// Longitude/latitude min x, min y, max x, max y (for a UI to zoom).
    pub bbox: [f64; 4],
    /// The piece, EPSG:4326.
    #[serde(skip)]
    pub geometry: MultiPolygon<f64>,
}

/// What resolving polygons to tracts found besides the plan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PolygonResolution {
    /// The options used.
    pub options: PolygonOptions,
    /// Every (tract, HEC) with `partial_min_share <= share < 1 -
    /// partial_min_share`, sorted by tract then HEC.
    pub partial: Vec<PartialTract>,
    /// Overlaps between HECs, then gaps (state land in no polygon); each kind
    /// largest first.
    pub pieces: Vec<Piece>,
    /// Per HEC (indexed by region id): drawn area outside the state's land,
    /// in m² (clipped away: water, neighbouring states).
    pub outside_state_m2: Vec<f64>,
}

/// Resolves a layer of HEC polygons to a tract plan by majority of area.
///
/// Each distinct value of the name property (see
/// [`PolygonOptions::name_field`]) is one HEC, in order of first appearance;
/// features with the same name are merged. A waiver is requested by a
/// non-empty `waiver_reason` property, with optional `waive` ("thresholds",
/// "contiguity" or both, comma-separated; both when absent) and
/// `waiver_status` ("requested", "approved" or "refused").
///
/// A tract joins every HEC whose polygons cover at least
/// [`PolygonOptions::majority_share`] of its land area, measured in EPSG:5070;
/// a tract reaching it for two HECs is claimed by both (an overlap for the
/// rules to report). The plan is named after the file stem and its source is
/// the layer's path.
///
/// Polygons entirely outside Connecticut are not an error: their HEC claims
/// no tract and its whole area is reported in
/// [`PolygonResolution::outside_state_m2`].
///
/// # Errors
/// [`PlanError::Invalid`] naming the feature for a feature without an HEC
/// name, with invalid geometry (self-intersection, overlapping parts... see
/// [`geometry_problems`]) or with a malformed waiver; for options out of
/// range; and for a layer with no features.
pub fn resolve_polygons(
    data: &Dataset,
    layer: &VectorLayer,
    options: &PolygonOptions,
) -> Result<(Plan, PolygonResolution), PlanError> {
    let source = layer.path.display().to_string();
    check_options(&source, options)?;
    if layer.features.is_empty() {
        return Err(PlanError::invalid(&source, "layer", "it has no features"));
    }
    let name = layer
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| source.clone());
    let tract_count = data.tracts.units.len();
    let mut plan = Plan::empty(&name, &source, Level::Tract, tract_count);

    // Group the features by HEC, checking names, geometry and waivers.
    let field = name_field(layer, options);
    let mut geometries: Vec<Vec<&MultiPolygon>> = Vec::new();
    for feature in &layer.features {
        checkpoint(&source, "checking the polygons")?;
        let place = format!("feature {}", feature.index);
        let hec = match &field {
            Some(f) => text(&feature.properties, f),
            None => None,
        }
        .ok_or_else(|| {
            let wanted = match &field {
                Some(f) => format!("{f:?}"),
                None => NAME_FIELDS
                    .iter()
                    .map(|f| format!("{f:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            PlanError::invalid(&source, &place, format!("no HEC name in property {wanted}"))
        })?;
        let problems = geometry_problems(&feature.geometry);
        if !problems.is_empty() {
            // A check cut short by the deadline proves nothing: stop, don't
            // call a polygon invalid that was never shown to be.
            checkpoint(&source, "checking the polygons")?;
            return Err(PlanError::invalid(
                &source,
                format!("{place} (HEC {hec:?})"),
                format!("invalid polygon: {}", problems.join("; ")),
            ));
        }
        let region = plan.region_named(&hec);
        if region as usize == geometries.len() {
            geometries.push(Vec::new());
        }
        geometries[region as usize].push(&feature.geometry);
        if let Some(waiver) = feature_waiver(&source, &place, &feature.properties)? {
            let slot = &mut plan.regions[region as usize].waiver;
            match slot {
                Some(existing) if *existing != waiver => {
                    return Err(PlanError::invalid(
                        &source,
                        format!("{place} (HEC {hec:?})"),
                        "another feature of this HEC requests a different waiver",
                    ));
                }
                _ => *slot = Some(waiver),
            }
        }
    }

    // Merge each HEC's features and project once to EPSG:5070.
    let to_metres = reprojector(&source, WGS84, EQUAL_AREA)?;
    let shapes = geometries
        .iter()
        .enumerate()
        .map(|(r, parts)| {
            let mut merged = match parts.as_slice() {
                [one] => (*one).clone(),
                many => geo::unary_union(many.iter().copied()),
            };
            to_metres.multipolygon(&mut merged).map_err(|e| {
                PlanError::invalid(
                    &source,
                    format!("HEC {:?}", plan.regions[r].name),
                    e.to_string(),
                )
            })?;
            Ok(HecShape::new(merged))
        })
        .collect::<Result<Vec<_>, PlanError>>()?;

    // Shares of each tract's land in each HEC.
    let tracts = &data.tracts.units;
    let tract_bbox: Vec<Bbox> = tracts.projected.iter().map(Bbox::of).collect();
    let mut inside_m2 = vec![0.0; shapes.len()];
    let mut partial = Vec::new();
    let each_tract = tract_bbox
        .iter()
        .zip(&tracts.projected)
        .zip(&tracts.area_m2);
    for (t, ((bbox, geometry), &land)) in each_tract.enumerate() {
        checkpoint(&source, "resolving the polygons to tracts")?;
        if bbox.is_empty() || land <= 0.0 {
            continue;
        }
        for (r, shape) in shapes.iter().enumerate() {
            let covered = shape.area_within(geometry, *bbox, land);
            if covered <= 0.0 {
                continue;
            }
            inside_m2[r] += covered;
            let share = (covered / land).min(1.0);
            let assigned = share >= options.majority_share;
            if assigned {
                plan.claim(t as UnitId, r as RegionId);
            }
            if share >= options.partial_min_share && share < 1.0 - options.partial_min_share {
                partial.push(PartialTract {
                    tract: t as UnitId,
                    region: r as RegionId,
                    share,
                    assigned,
                });
            }
        }
    }
    let outside_state_m2 = shapes
        .iter()
        .zip(&inside_m2)
        .map(|(s, inside)| (s.area_m2 - inside).max(0.0))
        .collect();

    let pieces = find_pieces(data, &source, &shapes, &tract_bbox, options)?;
    Ok((
        plan,
        PolygonResolution {
            options: options.clone(),
            partial,
            pieces,
            outside_state_m2,
        },
    ))
}

fn check_options(source: &str, o: &PolygonOptions) -> Result<(), PlanError> {
    let bad = |what: &str, value: f64, range: &str| {
        Err(PlanError::invalid(
            source,
            "options",
            format!("{what} is {value}; it must be {range}"),
        ))
    };
    if !(o.majority_share > 0.0 && o.majority_share <= 1.0) {
        return bad("majority_share", o.majority_share, "in (0, 1]");
    }
    if !(0.0..0.5).contains(&o.partial_min_share) {
        return bad("partial_min_share", o.partial_min_share, "in [0, 0.5)");
    }
    if !(o.sliver_area_m2 >= 0.0 && o.sliver_area_m2.is_finite()) {
        return bad("sliver_area_m2", o.sliver_area_m2, "a finite number >= 0");
    }
    if !(o.sliver_width_m >= 0.0 && o.sliver_width_m.is_finite()) {
        return bad("sliver_width_m", o.sliver_width_m, "a finite number >= 0");
    }
    Ok(())
}

/// A [`Reprojector`], reused across calls on a thread: building one costs a
/// PROJ database lookup, far more than resolving the polygons.
fn reprojector(
    source: &str,
    from: &'static str,
    to: &'static str,
) -> Result<std::rc::Rc<Reprojector>, PlanError> {
    use std::cell::RefCell;
    use std::rc::Rc;
    type Cache = Vec<(&'static str, &'static str, Rc<Reprojector>)>;
    thread_local! {
        static CACHE: RefCell<Cache> = const { RefCell::new(Vec::new()) };
    }
    if let Some(r) = CACHE.with_borrow(|c| {
        c.iter()
            .find(|(f, t, _)| *f == from && *t == to)
            .map(|(_, _, r)| Rc::clone(r))
    }) {
        return Ok(r);
    }
    let r = Rc::new(
        Reprojector::new(from, to)
            .map_err(|e| PlanError::invalid(source, "reprojection", e.to_string()))?,
    );
    CACHE.with_borrow_mut(|c| c.push((from, to, Rc::clone(&r))));
    Ok(r)
}

/// The property holding HEC names: the option, or the first of
/// [`NAME_FIELDS`] that any feature has.
/// Stops the work when the thread's deadline has passed ([`crate::limits`]).
fn checkpoint(source: &str, what: &str) -> Result<(), PlanError> {
    crate::limits::checkpoint(what).map_err(|limit| PlanError::Limit {
        source_name: source.to_string(),
        limit,
    })
}

/// How many HECs the layer's features name (before any geometry work).
pub fn hec_count(layer: &VectorLayer, options: &PolygonOptions) -> usize {
    let Some(field) = name_field(layer, options) else {
        return 0;
    };
    let names: std::collections::HashSet<String> = layer
        .features
        .iter()
        .filter_map(|f| text(&f.properties, &field))
        .collect();
    names.len()
}

fn name_field(layer: &VectorLayer, options: &PolygonOptions) -> Option<String> {
    if let Some(f) = &options.name_field {
        return Some(f.clone());
    }
    NAME_FIELDS
        .iter()
        .find(|f| {
            layer
                .features
                .iter()
                .any(|feat| text(&feat.properties, f).is_some())
        })
        .map(|f| f.to_string())
}

/// A property as trimmed, non-empty text (numbers and booleans spelled out).
fn text(props: &Map<String, Value>, key: &str) -> Option<String> {
    let s = match props.get(key)? {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// The waiver a feature requests, if any.
fn feature_waiver(
    source: &str,
    place: &str,
    props: &Map<String, Value>,
) -> Result<Option<Waiver>, PlanError> {
    let reason = text(props, "waiver_reason");
    let waive = text(props, "waive");
    let status = text(props, "waiver_status");
    let Some(reason) = reason else {
        if waive.is_some() || status.is_some() {
            return Err(PlanError::invalid(
                source,
                place,
                "waive or waiver_status is given without a waiver_reason; a waiver request needs a reason",
            ));
        }
        return Ok(None);
    };
    let waiver = Waiver::from_fields(
        source,
        place,
        &reason,
        waive.as_deref().unwrap_or(""),
        status.as_deref().unwrap_or(""),
    )?;
    Ok(Some(waiver))
}

/// An HEC's merged polygons in EPSG:5070 with an R-tree of their edges.
struct HecShape {
    geometry: MultiPolygon,
    /// Empty for an empty geometry.
    bbox: Bbox,
    /// Per polygon, the bounding box of each ring (exterior first).
    ring_bboxes: Vec<Vec<Bbox>>,
    edges: RTree<EdgeLine<[f64; 2]>>,
    area_m2: f64,
}

impl HecShape {
    fn new(geometry: MultiPolygon) -> Self {
        let ring_bboxes = ring_bboxes(&geometry);
        let edges = geometry
            .0
            .iter()
            .flat_map(rings)
            .flat_map(|r| r.lines())
            .filter(|l| l.start != l.end)
            .map(|l| EdgeLine::new([l.start.x, l.start.y], [l.end.x, l.end.y]))
            .collect();
        Self {
            bbox: Bbox::of(&geometry),
            area_m2: geometry.unsigned_area(),
            ring_bboxes,
            edges: RTree::bulk_load(edges),
            geometry,
        }
    }

    /// The edges of the polygons that touch the (closed) box.
    fn edges_touching(&self, bbox: Bbox) -> Vec<geo::Line> {
        self.edges
            .locate_in_envelope_intersecting(&bbox.to_aabb())
            .filter(|e| bbox.intersects_segment(e.from, e.to))
            .map(|e| geo::Line::new(Coord::from(e.from), Coord::from(e.to)))
            .collect()
    }

    /// Whether a point no edge passes through is inside: a ray cast towards
    /// +x, counting crossings of the edges the R-tree finds on the ray.
    fn contains(&self, p: Coord) -> bool {
        if !self.bbox.contains_point(p) {
            return false;
        }
        let env = AABB::from_corners([p.x, p.y], [self.bbox.max[0], p.y]);
        let mut inside = false;
        for e in self.edges.locate_in_envelope_intersecting(&env) {
            let (a, b) = (e.from, e.to);
            if (a[1] > p.y) != (b[1] > p.y) {
                let x = a[0] + (p.y - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
                if x > p.x {
                    inside = !inside;
                }
            }
        }
        inside
    }

    /// The polygons clipped to a box (rings clipped one by one; the result
    /// is meant for boolean operations, which use the even-odd rule).
    fn clipped(&self, bbox: &Bbox) -> MultiPolygon {
        clip_multipolygon(&self.geometry, Some(&self.ring_bboxes), bbox)
    }

    /// The area (m²) of a unit's land inside the polygons; `land` is the
    /// unit's area. Cheapest first: no edge of the polygons near the unit's
    /// bounding box, or none touching the unit itself, means each part of
    /// the unit is wholly inside or outside, which a point tells; otherwise
    /// the unit is intersected with the polygons clipped to its box.
    fn area_within(&self, unit: &MultiPolygon, unit_bbox: Bbox, land: f64) -> f64 {
        let Some(common) = self.bbox.intersection(&unit_bbox) else {
            return 0.0;
        };
        let near = self.edges_touching(unit_bbox);
        if near.is_empty() {
            // The whole bounding box is on one side of the boundary.
            let Some(p) = unit.0.first().and_then(|p| p.exterior().0.first()) else {
                return 0.0;
            };
            return if self.contains(*p) { land } else { 0.0 };
        }
        if !near.iter().any(|e| e.intersects(unit)) {
            // Every part of the unit is on one side of the boundary.
            return unit
                .0
                .iter()
                .filter(|p| p.exterior().0.first().is_some_and(|c| self.contains(*c)))
                .map(|p| p.unsigned_area())
                .sum();
        }
        let clipped_unit;
        let unit = if common == unit_bbox {
            unit
        } else {
            clipped_unit = clip_multipolygon(unit, None, &common);
            &clipped_unit
        };
        unit.intersection(&self.clipped(&common)).unsigned_area()
    }
}

/// Overlap and gap pieces, clipped to the state's land.
fn find_pieces(
    data: &Dataset,
    source: &str,
    shapes: &[HecShape],
    tract_bbox: &[Bbox],
    options: &PolygonOptions,
) -> Result<Vec<Piece>, PlanError> {
    let to_metres = reprojector(source, WGS84, EQUAL_AREA)?;
    let to_degrees = reprojector(source, EQUAL_AREA, WGS84)?;
    let mut state = data.state_outline().clone();
    to_metres
        .multipolygon(&mut state)
        .map_err(|e| PlanError::invalid(source, "state outline", e.to_string()))?;
    let state_bboxes = ring_bboxes(&state);

    // (kind, regions, geometry in EPSG:5070)
    let mut found: Vec<(PieceKind, Vec<RegionId>, MultiPolygon)> = Vec::new();
    for (i, a) in shapes.iter().enumerate() {
        for (j, b) in shapes.iter().enumerate().skip(i + 1) {
            checkpoint(source, "finding overlaps between HECs")?;
            let Some(common) = a.bbox.intersection(&b.bbox) else {
                continue;
            };
            let overlap = a.clipped(&common).intersection(&b.clipped(&common));
            if overlap.unsigned_area() < MIN_PIECE_M2 {
                continue;
            }
            let obox = Bbox::of(&overlap);
            if obox.is_empty() {
                continue;
            }
            let on_land =
                overlap.intersection(&clip_multipolygon(&state, Some(&state_bboxes), &obox));
            found.push((
                PieceKind::Overlap,
                vec![i as RegionId, j as RegionId],
                on_land,
            ));
        }
    }
    let covered = geo::unary_union(shapes.iter().map(|s| &s.geometry));
    found.push((PieceKind::Gap, Vec::new(), state.difference(&covered)));

    // Tracts by projected bounding box.
    let tree = RTree::bulk_load(
        tract_bbox
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.is_empty())
            .map(|(t, b)| GeomWithData::new(Rectangle::from(b.to_aabb()), t as UnitId))
            .collect(),
    );
    let population = data.tracts.attributes.id(crate::measures::keys::POPULATION);
    let mut pieces = Vec::new();
    for (kind, regions, geometry) in found {
        for part in geometry.0 {
            checkpoint(source, "measuring overlaps and gaps")?;
            let area_m2 = part.unsigned_area();
            if area_m2 < MIN_PIECE_M2 {
                continue;
            }
            let pbox = Bbox::of(&part);
            if pbox.is_empty() {
                continue;
            }
            let width_m = 2.0 * area_m2 / perimeter(&part).max(f64::MIN_POSITIVE);
            let shape = HecShape::new(MultiPolygon(vec![part]));
            let mut tracts = Vec::new();
            let mut people = 0.0;
            for entry in tree.locate_in_envelope_intersecting(&pbox.to_aabb()) {
                let t = entry.data;
                let tbox = tract_bbox[t as usize];
                let land = data.tracts.units.area_m2[t as usize];
                let shared =
                    shape.area_within(&data.tracts.units.projected[t as usize], tbox, land);
                if shared <= MIN_PIECE_M2.max(1e-3 * area_m2.min(land)) {
                    continue;
                }
                tracts.push(t);
                let pop = population
                    .and_then(|p| data.tracts.attributes.value(p, t))
                    .unwrap_or(0.0);
                if land > 0.0 {
                    people += pop * (shared / land).min(1.0);
                }
            }
            tracts.sort_unstable();
            let mut lonlat = shape.geometry;
            to_degrees
                .multipolygon(&mut lonlat)
                .map_err(|e| PlanError::invalid(source, "overlap or gap piece", e.to_string()))?;
            let bbox = lonlat
                .bounding_rect()
                .map(|b| [b.min().x, b.min().y, b.max().x, b.max().y])
                .unwrap_or_default();
            pieces.push(Piece {
                kind,
                regions: regions.clone(),
                area_m2,
                width_m,
                sliver: area_m2 < options.sliver_area_m2 || width_m < options.sliver_width_m,
                tracts,
                people,
                bbox,
                geometry: lonlat,
            });
        }
    }
    let rank = |k: PieceKind| match k {
        PieceKind::Overlap => 0,
        PieceKind::Gap => 1,
    };
    pieces.sort_by(|a, b| {
        rank(a.kind)
            .cmp(&rank(b.kind))
            .then(b.area_m2.total_cmp(&a.area_m2))
    });
    Ok(pieces)
}

fn rings(p: &Polygon) -> impl Iterator<Item = &LineString> {
    std::iter::once(p.exterior()).chain(p.interiors())
}

/// The total length of a polygon's rings.
fn perimeter(p: &Polygon) -> f64 {
    rings(p)
        .flat_map(|r| r.lines())
        .map(|l| (l.dx() * l.dx() + l.dy() * l.dy()).sqrt())
        .sum()
}

/// The bounding box of each ring of each polygon (exterior first), for
/// [`clip_multipolygon`].
fn ring_bboxes(geometry: &MultiPolygon) -> Vec<Vec<Bbox>> {
    geometry
        .0
        .iter()
        .map(|p| rings(p).map(Bbox::of).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon {
        polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1), (x: x0, y: y0)]
    }

    #[test]
    fn a_hole_clipped_with_its_polygon_subtracts() {
        let mut p = square(0.0, 0.0, 10.0, 10.0);
        p.interiors_push(square(2.0, 2.0, 8.0, 8.0).exterior().clone());
        let shape = HecShape::new(MultiPolygon(vec![p]));
        let tract = MultiPolygon(vec![square(1.0, 1.0, 5.0, 5.0)]);
        let area = shape.area_within(&tract, Bbox::new([1.0, 1.0], [5.0, 5.0]), 16.0);
        assert!((area - (16.0 - 9.0)).abs() < 1e-9, "{area}");
        // Wholly inside the hole: no edge touches the box, the point test says out.
        assert!(
            shape
                .edges_touching(Bbox::new([3.0, 3.0], [4.0, 4.0]))
                .is_empty()
        );
        assert!(!shape.contains(Coord { x: 3.5, y: 3.5 }));
        assert!(shape.contains(Coord { x: 1.5, y: 3.5 }));
        assert!(!shape.contains(Coord { x: 11.0, y: 3.5 }));
    }

    #[test]
    fn units_beside_or_around_the_boundary() {
        // The boundary x = 10 passes between the two parts of the unit.
        let shape = HecShape::new(MultiPolygon(vec![square(0.0, 0.0, 10.0, 10.0)]));
        let unit = MultiPolygon(vec![
            square(8.0, 1.0, 9.0, 2.0),
            square(11.0, 1.0, 13.0, 2.0),
        ]);
        let bbox = Bbox::of(&unit);
        assert!(!shape.edges_touching(bbox).is_empty());
        assert!((shape.area_within(&unit, bbox, 3.0) - 1.0).abs() < 1e-12);
        // A small polygon inside a big unit covers part of it.
        let small = HecShape::new(MultiPolygon(vec![square(2.0, 2.0, 3.0, 3.0)]));
        let big = MultiPolygon(vec![square(0.0, 0.0, 10.0, 10.0)]);
        let bbox = Bbox::of(&big);
        assert!((small.area_within(&big, bbox, 100.0) - 1.0).abs() < 1e-9);
        // ...and a unit inside a (diamond) hole of the polygons none.
        let mut holed = square(0.0, 0.0, 10.0, 10.0);
        holed.interiors_push(
            polygon![(x: 5.0, y: 1.0), (x: 9.0, y: 5.0), (x: 5.0, y: 9.0), (x: 1.0, y: 5.0), (x: 5.0, y: 1.0)]
                .exterior()
                .clone(),
        );
        let shape = HecShape::new(MultiPolygon(vec![holed]));
        let unit = MultiPolygon(vec![
            polygon![(x: 2.2, y: 4.2), (x: 7.8, y: 4.2), (x: 5.0, y: 7.4), (x: 2.2, y: 4.2)],
        ]);
        let bbox = Bbox::of(&unit);
        assert!(!shape.edges_touching(bbox).is_empty());
        assert_eq!(shape.area_within(&unit, bbox, unit.unsigned_area()), 0.0);
    }

    #[test]
    fn options_default_what_is_not_given() {
        let o: PolygonOptions = serde_json::from_str(r#"{"majority_share": 0.6}"#).unwrap();
        assert_eq!(o.majority_share, 0.6);
        assert_eq!(o.sliver_area_m2, 250_000.0);
        assert_eq!(o.name_field, None);
    }
}
