//! Drawn HEC polygons resolved to tracts, on the real Connecticut data.
//!
//! The HEC polygons are built at test time from the town polygons (planning
//! regions dissolved from their towns), then simplified, nudged, grown or
//! holed; no copy of the data is committed.

use std::path::PathBuf;
use std::sync::LazyLock;

use geo::{
    Area, BooleanOps, Coord, InteriorPoint, MultiPolygon, Polygon, Rect, Simplify, Translate,
};
use hecmap_core::crs::{EQUAL_AREA, Reprojector, WGS84};
use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_core::plan::polygons::{PieceKind, PolygonOptions, PolygonResolution, resolve_polygons};
use hecmap_core::plan::{Plan, PlanError, Waivable, WaiverStatus};
use hecmap_core::source::{VectorFeature, VectorLayer, read_geojson_str};
use hecmap_core::units::UnitId;
use serde_json::{Map, Value, json};

static DATA: LazyLock<Dataset> =
    LazyLock::new(|| Dataset::load(&DataConfig::default()).expect("load the Connecticut data"));

/// The planning regions dissolved from their towns (EPSG:4326), by name.
static REGIONS: LazyLock<Vec<(String, MultiPolygon)>> = LazyLock::new(|| {
    let data = &*DATA;
    let mut names = data.town_planning_region.clone();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let towns = (0..data.towns.units.len())
                .filter(|&t| data.town_planning_region[t] == name)
                .map(|t| &data.towns.units.geometry[t]);
            let merged = geo::unary_union(towns);
            (name, merged)
        })
        .collect()
});

fn layer(name: &str, hecs: &[(String, MultiPolygon)]) -> VectorLayer {
    VectorLayer {
        path: PathBuf::from(format!("drawn/{name}.geojson")),
        source_crs: WGS84.to_string(),
        features: hecs
            .iter()
            .enumerate()
            .map(|(index, (hec, geometry))| {
                let mut properties = Map::new();
                properties.insert("hec".into(), Value::String(hec.clone()));
                VectorFeature {
                    index,
                    properties,
                    geometry: geometry.clone(),
                }
            })
            .collect(),
    }
}

fn resolve(layer: &VectorLayer) -> (Plan, PolygonResolution) {
    resolve_polygons(&DATA, layer, &PolygonOptions::default()).expect("resolve polygons")
}

/// The planning region (as a plan region name) of each tract's town.
fn expected_region(t: usize) -> &'static str {
    let town = DATA.nesting.tract_town[t] as usize;
    &DATA.town_planning_region[town]
}

/// A tract whose land lies in towns of different planning regions.
fn straddles_regions(t: usize) -> bool {
    DATA.nesting.straddles.iter().any(|s| {
        s.tract as usize == t
            && s.shares
                .iter()
                .any(|(town, _)| DATA.town_planning_region[*town as usize] != expected_region(t))
    })
}

fn region_of(plan: &Plan, t: usize) -> Vec<&str> {
    plan.claims[t]
        .iter()
        .map(|&r| plan.regions[r as usize].name.as_str())
        .collect()
}

/// A box of about `km` kilometres a side around a point (EPSG:4326).
fn box_around(c: Coord, km: f64) -> Polygon {
    let dy = km / 2.0 / 111.0;
    let dx = km / 2.0 / (111.0 * c.y.to_radians().cos());
    Rect::new((c.x - dx, c.y - dy), (c.x + dx, c.y + dy)).to_polygon()
}

fn projected_area(p: &MultiPolygon) -> f64 {
    let mut q = p.clone();
    Reprojector::new(WGS84, EQUAL_AREA)
        .unwrap()
        .multipolygon(&mut q)
        .unwrap();
    q.unsigned_area()
}

fn population(t: usize) -> f64 {
    let pop = DATA.tracts.attributes.id("population").unwrap();
    DATA.tracts
        .attributes
        .value(pop, t as UnitId)
        .unwrap_or(0.0)
}

#[test]
fn exact_region_polygons_give_the_regions_tracts() {
    let (plan, res) = resolve(&layer("regions", &REGIONS));
    assert_eq!(plan.name, "regions");
    assert_eq!(plan.source, "drawn/regions.geojson");
    assert_eq!(plan.regions.len(), 9);
    for t in 0..DATA.tracts.units.len() {
        if straddles_regions(t) {
            continue;
        }
        assert_eq!(
            region_of(&plan, t),
            vec![expected_region(t)],
            "tract {}",
            DATA.tracts.units.geoid[t]
        );
    }
    let big: Vec<_> = res.pieces.iter().filter(|p| !p.sliver).collect();
    assert!(big.is_empty(), "non-sliver pieces: {big:#?}");
    assert!(
        res.partial
            .iter()
            .all(|p| straddles_regions(p.tract as usize)),
        "{:?}",
        res.partial
    );
    // The regions are the state's land: nothing drawn outside it.
    assert_eq!(res.outside_state_m2.len(), 9);
    for (r, outside) in res.outside_state_m2.iter().enumerate() {
        assert!(*outside < 10_000.0, "region {r}: {outside} m² outside");
    }
}

#[test]
fn simplified_and_nudged_polygons_resolve_to_nearly_the_same_tracts() {
    let drawn: Vec<(String, MultiPolygon)> = REGIONS
        .iter()
        .map(|(name, g)| (name.clone(), g.simplify(0.002).translate(0.0005, 0.0005)))
        .collect();
    let (plan, res) = resolve(&layer("sketch", &drawn));
    let n = DATA.tracts.units.len();
    let same = (0..n)
        .filter(|&t| region_of(&plan, t) == vec![expected_region(t)])
        .count();
    assert!(
        same * 100 >= n * 99,
        "{same} of {n} tracts kept their region"
    );

    assert!(!res.pieces.is_empty(), "simplifying leaves slivers");
    let big: Vec<_> = res.pieces.iter().filter(|p| !p.sliver).collect();
    assert!(big.is_empty(), "non-sliver pieces: {big:#?}");
    for p in &res.pieces {
        assert!(p.area_m2 >= 1.0);
        assert!(p.width_m > 0.0);
        match p.kind {
            PieceKind::Overlap => assert_eq!(p.regions.len(), 2),
            PieceKind::Gap => assert!(p.regions.is_empty()),
        }
        let [x0, y0, x1, y1] = p.bbox;
        assert!(x0 <= x1 && y0 <= y1 && (-74.0..-71.5).contains(&x0) && (40.8..42.2).contains(&y0));
    }
    assert!(res.pieces.iter().any(|p| p.kind == PieceKind::Gap));
    assert!(res.pieces.iter().any(|p| p.kind == PieceKind::Overlap));

    // Partial tracts: along every boundary, with shares that decide membership.
    assert!(
        res.partial.len() > 50,
        "{} partial tracts",
        res.partial.len()
    );
    for p in &res.partial {
        assert!((0.01..0.99).contains(&p.share), "{p:?}");
        assert_eq!(p.assigned, p.share >= 0.5, "{p:?}");
        assert_eq!(
            plan.claims[p.tract as usize].contains(&p.region),
            p.assigned,
            "{p:?}"
        );
    }
    // The fast path (edge R-tree, bbox clipping) agrees with intersecting
    // each tract with the whole region polygon.
    let to_metres = Reprojector::new(WGS84, EQUAL_AREA).unwrap();
    for p in res.partial.iter().step_by(7) {
        let mut hec = drawn[p.region as usize].1.clone();
        to_metres.multipolygon(&mut hec).unwrap();
        let t = p.tract as usize;
        let naive = DATA.tracts.units.projected[t]
            .intersection(&hec)
            .unsigned_area()
            / DATA.tracts.units.area_m2[t];
        assert!((naive - p.share).abs() < 1e-6, "{p:?}: naive share {naive}");
    }
    // Some of the nudge pushes the coast out to sea, and the regions' edges
    // over the border.
    assert!(res.outside_state_m2.iter().sum::<f64>() > 1e6);
}

/// The Capitol region, the region of Meriden (which borders it) and Meriden.
fn neighbours() -> (usize, usize, usize) {
    let region = |name: &str| REGIONS.iter().position(|(n, _)| n == name).unwrap();
    let meriden = DATA.lookup.town("Meriden").expect("Meriden") as usize;
    let b = region(&DATA.town_planning_region[meriden]);
    let a = region("Capitol Planning Region");
    assert_ne!(a, b);
    (a, b, meriden)
}

#[test]
fn a_region_grown_into_its_neighbour_makes_a_large_overlap() {
    let (a, b, town) = neighbours();
    let centre = DATA.towns.units.geometry[town].interior_point().unwrap().0;
    let grab = MultiPolygon(vec![box_around(centre, 5.0)]);
    let mut drawn = REGIONS.clone();
    drawn[a].1 = drawn[a].1.union(&grab);
    let (plan, res) = resolve(&layer("grown", &drawn));

    let (lo, hi) = (a.min(b) as u32, a.max(b) as u32);
    let big: Vec<_> = res.pieces.iter().filter(|p| !p.sliver).collect();
    assert_eq!(big.len(), 1, "{big:#?}");
    let piece = big[0];
    assert_eq!(piece.kind, PieceKind::Overlap);
    assert_eq!(piece.regions, vec![lo, hi]);
    // The box's land in the neighbour (the box is all land around Meriden).
    let expected = projected_area(&grab.intersection(&drawn[b].1));
    assert!(
        (piece.area_m2 - expected).abs() < 0.01 * expected,
        "{} vs {expected}",
        piece.area_m2
    );
    assert!(piece.area_m2 > 20e6 && piece.width_m > 1000.0, "{piece:?}");
    assert!(!piece.tracts.is_empty());
    assert!(piece.people > 1000.0, "{piece:?}");
    let bound: f64 = piece.tracts.iter().map(|&t| population(t as usize)).sum();
    assert!(piece.people < bound);
    assert!(!piece.geometry.0.is_empty());

    // Tracts mostly inside the box are claimed by both: an overlap claim.
    let both: Vec<usize> = (0..DATA.tracts.units.len())
        .filter(|&t| plan.claims[t].as_slice() == [lo, hi])
        .collect();
    assert!(!both.is_empty());
    for &t in &both {
        assert!(piece.tracts.contains(&(t as UnitId)));
    }
    // Only those around the box changed.
    let changed = (0..DATA.tracts.units.len())
        .filter(|&t| region_of(&plan, t) != vec![expected_region(t)] && !straddles_regions(t))
        .count();
    assert_eq!(changed, both.len());
}

#[test]
fn a_hole_in_a_region_makes_a_large_gap() {
    let (a, _, _) = neighbours();
    // The largest town of the region, a box of 4 km in the middle of it.
    let town = (0..DATA.towns.units.len())
        .filter(|&t| DATA.town_planning_region[t] == REGIONS[a].0)
        .max_by(|&x, &y| DATA.towns.units.area_m2[x].total_cmp(&DATA.towns.units.area_m2[y]))
        .unwrap();
    let centre = DATA.towns.units.geometry[town].interior_point().unwrap().0;
    let hole = MultiPolygon(vec![box_around(centre, 4.0)]);
    let mut drawn = REGIONS.clone();
    drawn[a].1 = drawn[a].1.difference(&hole);
    let (plan, res) = resolve(&layer("holed", &drawn));

    let big: Vec<_> = res.pieces.iter().filter(|p| !p.sliver).collect();
    assert_eq!(big.len(), 1, "{big:#?}");
    let gap = big[0];
    assert_eq!(gap.kind, PieceKind::Gap);
    assert!(gap.regions.is_empty());
    let expected = projected_area(&hole.intersection(&REGIONS[a].1));
    assert!(
        (gap.area_m2 - expected).abs() < 0.01 * expected,
        "{} vs {expected}",
        gap.area_m2
    );
    assert!(!gap.tracts.is_empty());
    assert!(gap.people > 0.0);
    // Tracts in the hole are now in no HEC, and appear in the gap piece.
    let [x0, y0, x1, y1] = gap.bbox;
    let inside_hole = |t: usize| {
        let b = DATA.tracts.units.bbox[t];
        b.min().x >= x0 && b.max().x <= x1 && b.min().y >= y0 && b.max().y <= y1
    };
    for t in (0..DATA.tracts.units.len()).filter(|&t| inside_hole(t)) {
        assert!(plan.claims[t].is_empty());
        assert!(gap.tracts.contains(&(t as UnitId)));
    }
    // Partially holed tracts are reported.
    assert!(
        res.partial
            .iter()
            .any(|p| p.region == a as u32 && gap.tracts.contains(&p.tract))
    );
}

const HEC_FIXTURE: &str = r#"{"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"name": "North", "waiver_reason": "rural and sparse",
     "waive": "contiguity", "waiver_status": "approved"},
   "geometry": {"type": "Polygon", "coordinates":
     [[[-73.8, 41.65], [-71.7, 41.65], [-71.7, 42.1], [-73.8, 42.1], [-73.8, 41.65]]]}},
  {"type": "Feature", "properties": {"name": "South"},
   "geometry": {"type": "Polygon", "coordinates":
     [[[-73.8, 40.9], [-71.7, 40.9], [-71.7, 41.65], [-73.8, 41.65], [-73.8, 40.9]]]}}
]}"#;

#[test]
fn geojson_halves_of_the_state_with_a_waiver() {
    let layer = read_geojson_str(HEC_FIXTURE, "upload/halves.geojson").unwrap();
    let (plan, res) = resolve(&layer);
    assert_eq!(plan.name, "halves");
    assert_eq!(plan.regions.len(), 2);
    assert_eq!(plan.regions[0].name, "North");
    let waiver = plan.regions[0].waiver.as_ref().unwrap();
    assert_eq!(waiver.reason, "rural and sparse");
    assert_eq!(waiver.waive, vec![Waivable::Contiguity]);
    assert_eq!(waiver.status, WaiverStatus::Approved);
    assert!(plan.regions[1].waiver.is_none());
    // Every tract in exactly one half; those cut by the line 41.65 by majority.
    assert!(plan.claims.iter().all(|c| c.len() == 1));
    let cut: Vec<_> = res.partial.iter().filter(|p| p.region == 0).collect();
    assert!(!cut.is_empty());
    for p in &cut {
        let other = res
            .partial
            .iter()
            .find(|q| q.tract == p.tract && q.region == 1)
            .expect("the other half");
        assert!((p.share + other.share - 1.0).abs() < 1e-6);
    }
    // The halves cover the state (and the sound, Rhode Island, New York...).
    assert!(
        res.pieces.iter().all(|p| p.area_m2 < 1e4),
        "{:?}",
        res.pieces
    );
    assert!(res.outside_state_m2.iter().all(|&m2| m2 > 1e9));

    // Serialized for a UI: kinds in lowercase, no geometry.
    let text = serde_json::to_value(&res).unwrap();
    assert_eq!(text["options"]["majority_share"], json!(0.5));
    assert!(text["partial"][0]["share"].is_number());
}

#[test]
fn features_with_the_same_name_merge() {
    let text = HEC_FIXTURE.replace("\"South\"", "\"North\"");
    let layer = read_geojson_str(&text, "one.geojson").unwrap();
    let (plan, res) = resolve(&layer);
    assert_eq!(plan.regions.len(), 1);
    assert!(plan.claims.iter().all(|c| c.as_slice() == [0]));
    assert!(res.partial.is_empty());
    assert!(res.pieces.is_empty(), "{:?}", res.pieces);
}

#[test]
fn a_feature_without_a_name_is_an_error() {
    let text = HEC_FIXTURE.replace("{\"name\": \"South\"}", "{\"other\": 3}");
    let layer = read_geojson_str(&text, "nameless.geojson").unwrap();
    let err = resolve_polygons(&DATA, &layer, &PolygonOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, PlanError::Invalid { .. }));
    assert!(msg.contains("nameless.geojson: feature 1"), "{msg}");
    assert!(msg.contains("no HEC name in property \"name\""), "{msg}");

    // A named field that nobody has.
    let options = PolygonOptions {
        name_field: Some("district".into()),
        ..PolygonOptions::default()
    };
    let err = resolve_polygons(&DATA, &layer, &options).unwrap_err();
    assert!(
        err.to_string()
            .contains("feature 0: no HEC name in property \"district\""),
        "{err}"
    );
}

#[test]
fn a_bowtie_is_an_error_naming_the_feature_and_the_hec() {
    let text = r#"{"type": "FeatureCollection", "features": [
      {"type": "Feature", "properties": {"hec": "Fine"},
       "geometry": {"type": "Polygon", "coordinates":
         [[[-72.9, 41.5], [-72.8, 41.5], [-72.8, 41.6], [-72.9, 41.6], [-72.9, 41.5]]]}},
      {"type": "Feature", "properties": {"hec": "Twisted"},
       "geometry": {"type": "Polygon", "coordinates":
         [[[-72.7, 41.5], [-72.6, 41.6], [-72.6, 41.5], [-72.7, 41.6], [-72.7, 41.5]]]}}
    ]}"#;
    let layer = read_geojson_str(text, "bowtie.geojson").unwrap();
    let err = resolve_polygons(&DATA, &layer, &PolygonOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("bowtie.geojson: feature 1 (HEC \"Twisted\")"),
        "{msg}"
    );
    assert!(msg.contains("self-intersection"), "{msg}");
}

#[test]
fn malformed_waivers_and_options_are_errors() {
    let text = HEC_FIXTURE.replace("\"contiguity\"", "\"everything\"");
    let layer = read_geojson_str(&text, "w.geojson").unwrap();
    let err = resolve_polygons(&DATA, &layer, &PolygonOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("feature 0: waive \"everything\""),
        "{err}"
    );

    let text = HEC_FIXTURE.replace("\"rural and sparse\"", "\"\"");
    let layer = read_geojson_str(&text, "w.geojson").unwrap();
    let err = resolve_polygons(&DATA, &layer, &PolygonOptions::default()).unwrap_err();
    assert!(err.to_string().contains("without a waiver_reason"), "{err}");

    let layer = read_geojson_str(HEC_FIXTURE, "w.geojson").unwrap();
    let options = PolygonOptions {
        majority_share: 0.0,
        ..PolygonOptions::default()
    };
    let err = resolve_polygons(&DATA, &layer, &options).unwrap_err();
    assert!(err.to_string().contains("majority_share"), "{err}");
}

/// Polygons entirely outside Connecticut are not an error: the HEC claims no
/// tract, its whole area is outside the state, and the whole state is a gap.
#[test]
fn polygons_outside_connecticut_claim_nothing() {
    let text = r#"{"type": "FeatureCollection", "features": [
      {"type": "Feature", "properties": {"hec": "Springfield"},
       "geometry": {"type": "Polygon", "coordinates":
         [[[-72.7, 42.1], [-72.4, 42.1], [-72.4, 42.2], [-72.7, 42.2], [-72.7, 42.1]]]}}
    ]}"#;
    let layer = read_geojson_str(text, "massachusetts.geojson").unwrap();
    let (plan, res) = resolve(&layer);
    assert_eq!(plan.regions.len(), 1);
    assert!(plan.claims.iter().all(|c| c.is_empty()));
    assert!(res.partial.is_empty());
    let drawn = projected_area(&layer.features[0].geometry);
    assert!(
        (res.outside_state_m2[0] - drawn).abs() < 1.0,
        "{:?}",
        res.outside_state_m2
    );
    let land: f64 = DATA.tracts.units.area_m2.iter().sum();
    let gaps: f64 = res
        .pieces
        .iter()
        .inspect(|p| assert_eq!(p.kind, PieceKind::Gap))
        .map(|p| p.area_m2)
        .sum();
    assert!((gaps - land).abs() < 1e-4 * land, "{gaps} vs {land}");
    let people: f64 = res.pieces.iter().map(|p| p.people).sum();
    assert!((people - 3_605_944.0).abs() < 10.0, "{people}");
    let mut touched: Vec<UnitId> = res.pieces.iter().flat_map(|p| p.tracts.clone()).collect();
    touched.sort_unstable();
    touched.dedup();
    assert_eq!(touched.len(), DATA.tracts.units.len());
}
