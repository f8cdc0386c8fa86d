//! Vector tiles on the real Connecticut data, decoded with geozero's
//! protobuf types (an independent reader) and a small geometry decoder.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use geo::{Contains, Coord, CoordsIter, LineString, MultiPolygon, Point, Polygon, Rect};
use geozero::mvt::{Message, Tile, tile};
use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_core::graph::EdgeKind;
use hecmap_tiles::mercator::{TileFrame, project};
use hecmap_tiles::{BUFFER, EXTENT, TileError, TileLayer, TileSource};

static DATA: LazyLock<Dataset> = LazyLock::new(|| {
    Dataset::load(&DataConfig::default()).expect("the Connecticut data in ../shared/data/ct loads")
});
static TILES: LazyLock<TileSource> = LazyLock::new(|| TileSource::new(&DATA));

// ---------------------------------------------------------------- decoding

/// A property value as decoded.
#[derive(Debug, Clone, PartialEq)]
enum Prop {
    Str(String),
    Int(i64),
    Double(f64),
    Bool(bool),
}

impl Prop {
    fn str(&self) -> &str {
        match self {
            Prop::Str(s) => s,
            other => panic!("{other:?} is not a string"),
        }
    }
}

/// One decoded feature: id, properties and paths (rings or points) in tile units.
#[derive(Debug, Clone)]
struct Feature {
    id: u64,
    kind: i32,
    props: BTreeMap<String, Prop>,
    paths: Vec<Vec<[i64; 2]>>,
}

/// A decoded tile with its address.
struct Decoded {
    z: u8,
    x: u32,
    y: u32,
    features: Vec<Feature>,
}

fn zigzag(v: u32) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Geometry commands to paths: each MoveTo starts a path; ClosePath ends a ring.
fn decode_geometry(cmds: &[u32]) -> Vec<Vec<[i64; 2]>> {
    let (mut paths, mut cur) = (Vec::new(), Vec::new());
    let (mut x, mut y, mut i) = (0i64, 0i64, 0usize);
    while i < cmds.len() {
        let (id, count) = (cmds[i] & 7, cmds[i] >> 3);
        i += 1;
        match id {
            1 | 2 => {
                for _ in 0..count {
                    if id == 1 && !cur.is_empty() {
                        paths.push(std::mem::take(&mut cur));
                    }
                    x += zigzag(cmds[i]);
                    y += zigzag(cmds[i + 1]);
                    i += 2;
                    cur.push([x, y]);
                }
            }
            7 => {
                assert_eq!(count, 1);
                paths.push(std::mem::take(&mut cur));
            }
            other => panic!("unknown command {other}"),
        }
    }
    if !cur.is_empty() {
        paths.push(cur);
    }
    paths
}

/// Twice the area of a ring by the formula of the MVT specification
/// (positive for exterior rings, y down).
fn area2(ring: &[[i64; 2]]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum()
}

/// Fetches and decodes a tile, checking the structure every tile must have.
fn fetch(layer: TileLayer, z: u8, x: u32, y: u32) -> Option<Decoded> {
    let bytes = TILES.tile(layer, z, x, y).expect("a tile in range")?;
    let tile = Tile::decode(bytes.as_slice()).expect("valid protobuf");
    assert_eq!(tile.layers.len(), 1, "one layer per tile");
    let l = &tile.layers[0];
    assert_eq!(l.name, layer.name());
    assert_eq!(l.version, 2);
    assert_eq!(l.extent, Some(EXTENT));
    let mut ids = HashSet::new();
    let features: Vec<Feature> = l
        .features
        .iter()
        .map(|f| feature(l, f, layer))
        .inspect(|f| assert!(ids.insert(f.id), "feature {} twice", f.id))
        .collect();
    assert!(!features.is_empty(), "a tile with no feature is None");
    Some(Decoded { z, x, y, features })
}

fn feature(l: &tile::Layer, f: &tile::Feature, layer: TileLayer) -> Feature {
    assert_eq!(f.tags.len() % 2, 0);
    let props = f
        .tags
        .chunks(2)
        .map(|kv| {
            let v = &l.values[kv[1] as usize];
            let value = if let Some(s) = &v.string_value {
                Prop::Str(s.clone())
            } else if let Some(i) = v.int_value {
                Prop::Int(i)
            } else if let Some(d) = v.double_value {
                Prop::Double(d)
            } else if let Some(b) = v.bool_value {
                Prop::Bool(b)
            } else {
                panic!("unexpected value {v:?}")
            };
            (l.keys[kv[0] as usize].clone(), value)
        })
        .collect();
    let paths = decode_geometry(&f.geometry);
    let kind = f.r#type.expect("a geometry type");
    let lim = (-(BUFFER as i64), (EXTENT + BUFFER) as i64);
    for p in paths.iter().flatten() {
        assert!((lim.0..=lim.1).contains(&p[0]) && (lim.0..=lim.1).contains(&p[1]));
    }
    if layer == TileLayer::TownLabels {
        assert_eq!(kind, tile::GeomType::Point as i32);
        assert!(paths.len() == 1 && paths[0].len() == 1);
    } else {
        assert_eq!(kind, tile::GeomType::Polygon as i32);
        assert!(area2(&paths[0]) > 0, "the first ring is an exterior");
        for r in &paths {
            assert!(r.len() >= 3, "a ring has 3 points or more");
            assert_ne!(area2(r), 0, "a ring has area");
            for i in 0..r.len() {
                assert_ne!(r[i], r[(i + 1) % r.len()], "no repeated point");
            }
        }
    }
    Feature {
        id: f.id.expect("every feature has an id"),
        kind,
        props,
        paths,
    }
}

impl Decoded {
    fn find(&self, key: &str, value: &str) -> &Feature {
        self.features
            .iter()
            .find(|f| f.props.get(key).map(|p| p.str()) == Some(value))
            .unwrap_or_else(|| panic!("no feature with {key} = {value}"))
    }

    fn by_id(&self, id: u64) -> Option<&Feature> {
        self.features.iter().find(|f| f.id == id)
    }

    /// Tile units to longitude/latitude.
    fn lonlat(&self, p: [i64; 2]) -> Coord {
        let n = f64::from(1u32 << self.z);
        let fx = (f64::from(self.x) + p[0] as f64 / f64::from(EXTENT)) / n;
        let fy = (f64::from(self.y) + p[1] as f64 / f64::from(EXTENT)) / n;
        let lat = (std::f64::consts::PI * (1.0 - 2.0 * fy))
            .sinh()
            .atan()
            .to_degrees();
        Coord {
            x: fx * 360.0 - 180.0,
            y: lat,
        }
    }

    /// A polygon feature in longitude/latitude.
    fn multipolygon(&self, f: &Feature) -> MultiPolygon {
        let mut polygons: Vec<Polygon> = Vec::new();
        for ring in &f.paths {
            let line = LineString(ring.iter().map(|&p| self.lonlat(p)).collect());
            if area2(ring) > 0 {
                polygons.push(Polygon::new(line, vec![]));
            } else {
                polygons
                    .last_mut()
                    .expect("a hole follows its exterior")
                    .interiors_push(line);
            }
        }
        MultiPolygon(polygons)
    }
}

/// The slippy-map tile of a point.
fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let lat = lat.to_radians();
    let y = ((1.0 - lat.tan().asinh() / std::f64::consts::PI) / 2.0 * n).floor() as u32;
    (x, y)
}

fn fetch_at(layer: TileLayer, lon: f64, lat: f64, z: u8) -> Decoded {
    let (x, y) = tile_of(lon, lat, z);
    fetch(layer, z, x, y).unwrap_or_else(|| panic!("tile {z}/{x}/{y} of {layer} is empty"))
}

// ------------------------------------------------------------------- tests

#[test]
fn a_tract_tile_holds_the_tract_with_its_id_properties_and_shape() {
    let (lon, lat) = (-72.7097, 41.7363);
    let tile = fetch_at(TileLayer::Tracts, lon, lat, 12);
    let f = tile.find("geoid", "09003524700");
    let id = DATA.lookup.tract("09003524700").unwrap();
    assert_eq!(f.id, u64::from(id));
    let p = &f.props;
    assert_eq!(p["population"], Prop::Int(3402));
    assert_eq!(p["medicare_estimate"], Prop::Bool(true));
    assert_eq!(
        p["geoid_2022"].str(),
        DATA.tracts.units.geoid_2022[id as usize]
    );
    assert_eq!(p["name"].str(), DATA.tracts.units.name[id as usize]);
    let town = DATA.nesting.tract_town[id as usize];
    assert_eq!(p["town"].str(), DATA.towns.units.name[town as usize]);
    let attrs = &DATA.tracts.attributes;
    let medicare = attrs.value(attrs.id("medicare").unwrap(), id).unwrap();
    assert_eq!(p["medicare"], Prop::Int(medicare.round() as i64));
    match p["need"] {
        Prop::Double(n) => {
            assert!((0.0..=100.0).contains(&n));
            assert!(
                (n * 10.0 - (n * 10.0).round()).abs() < 1e-9,
                "rounded to 0.1"
            );
        }
        ref other => panic!("need is {other:?}"),
    }
    assert!(matches!(p["share_below_200pct_fpl"], Prop::Double(s) if (0.0..=1.0).contains(&s)));
    let shape = tile.multipolygon(f);
    assert!(shape.contains(&Point::new(lon, lat)));

    // A tract without people has no need percentile; the key is absent.
    let need = hecmap_core::need::NeedIndex::compute(attrs, &Default::default()).unwrap();
    let unranked = (0..DATA.tracts.units.len())
        .find(|&t| need.percentile[t].is_none())
        .expect("some tract is not ranked");
    let c = DATA.tracts.units.bbox[unranked].center();
    let t = fetch_at(TileLayer::Tracts, c.x, c.y, 10);
    let f = t
        .by_id(unranked as u64)
        .expect("the unranked tract is in its tile");
    assert!(!f.props.contains_key("need"));
    assert_eq!(f.props["geoid"].str(), DATA.tracts.units.geoid[unranked]);
}

#[test]
fn a_town_tile_over_hartford_names_its_planning_region() {
    let tile = fetch_at(TileLayer::Towns, -72.6851, 41.7637, 8);
    let f = tile.find("name", "Hartford");
    let id = DATA.lookup.town("Hartford").unwrap();
    assert_eq!(f.id, u64::from(id));
    assert_eq!(f.props["planning_region"].str(), "Capitol Planning Region");
    assert_eq!(f.props["geoid"].str(), DATA.towns.units.geoid[id as usize]);
    let attrs = &DATA.towns.attributes;
    let pop = attrs.value(attrs.id("population").unwrap(), id).unwrap();
    assert_eq!(f.props["population"], Prop::Int(pop.round() as i64));
    assert!(matches!(f.props["medicare"], Prop::Int(m) if m > 0));
    assert_eq!(f.props["medicare_estimate"], Prop::Bool(true));
    assert!(
        tile.multipolygon(f)
            .contains(&Point::new(-72.6851, 41.7637))
    );
    // Bridgeport's 2020 population, from another tile.
    let b = fetch_at(TileLayer::Towns, -73.19, 41.18, 10);
    assert_eq!(
        b.find("name", "Bridgeport").props["population"],
        Prop::Int(148_654)
    );
}

#[test]
fn empty_and_impossible_tiles() {
    let (x, y) = tile_of(-60.0, 35.0, 8);
    for layer in TileLayer::ALL {
        assert!(TILES.tile(layer, 8, x, y).unwrap().is_none(), "{layer}");
        assert!(TILES.tile(layer, 0, 0, 0).unwrap().is_some(), "{layer}");
    }
    // Inside the state's box but over Long Island Sound.
    let (x, y) = tile_of(-72.9, 41.1, 14);
    assert!(TILES.tile(TileLayer::Tracts, 14, x, y).unwrap().is_none());
    for (z, x, y) in [
        (15u8, 0u32, 0u32),
        (14, 1 << 14, 0),
        (14, 0, 1 << 14),
        (0, 1, 0),
        (3, 2, 8),
    ] {
        match TILES.tile(TileLayer::Tracts, z, x, y) {
            Err(TileError::OutOfRange {
                z: ez,
                x: ex,
                y: ey,
            }) => {
                assert_eq!((ez, ex, ey), (z, x, y));
            }
            other => panic!("{z}/{x}/{y}: {other:?}"),
        }
    }
    let e = TILES.tile(TileLayer::Towns, 15, 0, 0).unwrap_err();
    assert!(e.to_string().contains("15/0/0"), "{e}");
}

/// The tiles of zoom `z` whose box meets the state's box.
fn tiles_over_state(z: u8) -> Vec<(u32, u32)> {
    let tj = TILES.tilejson(TileLayer::Tracts, "");
    let b: Vec<f64> = serde_json::from_value(tj["bounds"].clone()).unwrap();
    let (x0, y0) = tile_of(b[0], b[3], z);
    let (x1, y1) = tile_of(b[2], b[1], z);
    (x0..=x1)
        .flat_map(|x| (y0..=y1).map(move |y| (x, y)))
        .collect()
}

/// Whether the tile's buffered square lies inside the state's land.
fn covered_by_land(z: u8, x: u32, y: u32) -> bool {
    let d = Decoded {
        z,
        x,
        y,
        features: vec![],
    };
    let lo = -(BUFFER as i64) - 1;
    let hi = (EXTENT + BUFFER) as i64 + 1;
    let square = Rect::new(d.lonlat([lo, lo]), d.lonlat([hi, hi])).to_polygon();
    DATA.state_outline().contains(&square)
}

/// No cracks and no overlaps: in a tile whose buffered square is all land,
/// the decoded polygons add up to the square, and every boundary segment
/// inside it is walked once in each direction (by the two neighbours that
/// share it).
fn assert_tile_is_tiled_exactly(tile: &Decoded) {
    let total: i64 = tile
        .features
        .iter()
        .flat_map(|f| &f.paths)
        .map(|r| area2(r))
        .sum();
    let side = (EXTENT + 2 * BUFFER) as f64;
    let ratio = total as f64 / 2.0 / (side * side);
    assert!(
        (ratio - 1.0).abs() < 0.005,
        "tile {}/{}/{}: polygons cover {ratio} of the square",
        tile.z,
        tile.x,
        tile.y
    );
    let mut directed: HashMap<([i64; 2], [i64; 2]), i32> = HashMap::new();
    for r in tile.features.iter().flat_map(|f| &f.paths) {
        for i in 0..r.len() {
            *directed.entry((r[i], r[(i + 1) % r.len()])).or_default() += 1;
        }
    }
    let (lo, hi) = (-(BUFFER as i64), (EXTENT + BUFFER) as i64);
    let on_edge = |a: [i64; 2], b: [i64; 2]| {
        (0..2).any(|k| (a[k] == lo && b[k] == lo) || (a[k] == hi && b[k] == hi))
    };
    let unmatched: Vec<_> = directed
        .iter()
        .filter(|((a, b), n)| !on_edge(*a, *b) && directed.get(&(*b, *a)) != Some(n))
        .collect();
    assert!(
        unmatched.is_empty(),
        "tile {}/{}/{}: {} of {} segments are not shared both ways, e.g. {:?}",
        tile.z,
        tile.x,
        tile.y,
        unmatched.len(),
        directed.len(),
        &unmatched[..unmatched.len().min(5)]
    );
}

#[test]
fn neighbours_tile_the_land_without_cracks_or_overlaps() {
    // Tiles around Hartford, Meriden and Waterbury at several zooms.
    let mut checked = 0;
    for z in [9u8, 10, 11, 12, 13, 14] {
        for (lon, lat) in [(-72.7097, 41.7363), (-72.807, 41.538), (-73.05, 41.56)] {
            let (x, y) = tile_of(lon, lat, z);
            if !covered_by_land(z, x, y) {
                continue;
            }
            let tile = fetch(TileLayer::Tracts, z, x, y).unwrap();
            assert_tile_is_tiled_exactly(&tile);
            checked += 1;
        }
    }
    assert!(checked >= 12, "only {checked} tiles all on land");
    // Every all-land tile of the state at zoom 11.
    let mut all_land = 0;
    for (x, y) in tiles_over_state(11) {
        if covered_by_land(11, x, y) {
            assert_tile_is_tiled_exactly(&fetch(TileLayer::Tracts, 11, x, y).unwrap());
            all_land += 1;
        }
    }
    assert!(
        all_land >= 20,
        "only {all_land} tiles at zoom 11 all on land"
    );
    // Towns too.
    let (x, y) = tile_of(-72.807, 41.538, 10);
    assert!(covered_by_land(10, x, y));
    assert_tile_is_tiled_exactly(&fetch(TileLayer::Towns, 10, x, y).unwrap());
}

/// The vertices two units share at full detail (exactly, as the Census
/// files share them), in tile units as the tiles round them.
fn shared_full_detail(a: u32, b: u32, tile: &Decoded) -> HashSet<[i64; 2]> {
    let key = |c: &Coord| ((c.x * 1e7).round() as i64, (c.y * 1e7).round() as i64);
    let geometry = &DATA.tracts.units.geometry;
    let of_b: HashSet<(i64, i64)> = geometry[b as usize]
        .coords_iter()
        .map(|c| key(&c))
        .collect();
    let frame = TileFrame::new(tile.z, tile.x, tile.y, EXTENT);
    geometry[a as usize]
        .coords_iter()
        .filter(|c| of_b.contains(&key(c)))
        .map(|c| {
            let p = frame.to_tile(project(c.x, c.y));
            [p[0].round() as i64, p[1].round() as i64]
        })
        .collect()
}

#[test]
fn neighbouring_tracts_share_identical_boundary_sequences() {
    let tract = DATA.lookup.tract("09003524700").unwrap();
    for z in [10u8, 12, 14] {
        let tile = fetch_at(TileLayer::Tracts, -72.7097, 41.7363, z);
        let a = tile.by_id(u64::from(tract)).unwrap();
        let mut compared = 0;
        for e in DATA.tracts.graph.neighbours(tract) {
            if e.kind != EdgeKind::Land {
                continue;
            }
            let Some(b) = tile.by_id(u64::from(e.to)) else {
                continue;
            };
            // Of the vertices the two share at full detail, each tile keeps
            // the same ones for both.
            let full = shared_full_detail(tract, e.to, &tile);
            let kept = |f: &Feature| -> HashSet<[i64; 2]> {
                f.paths
                    .iter()
                    .flatten()
                    .copied()
                    .filter(|v| full.contains(v))
                    .collect()
            };
            let (ka, kb) = (kept(a), kept(b));
            assert_eq!(
                ka, kb,
                "z{z}: tracts {tract} and {} keep different shared vertices",
                e.to
            );
            // And walk the boundary between them in opposite directions.
            let segs = |f: &Feature| -> HashSet<([i64; 2], [i64; 2])> {
                f.paths
                    .iter()
                    .flat_map(|r| (0..r.len()).map(move |i| (r[i], r[(i + 1) % r.len()])))
                    .collect()
            };
            // (Crossings with the clip square are no vertices of the data.)
            let (lo, hi) = (-(BUFFER as i64), (EXTENT + BUFFER) as i64);
            let inner = |p: &[i64; 2]| p.iter().all(|&c| c > lo && c < hi);
            let (sa, sb) = (segs(a), segs(b));
            let shared = sa
                .iter()
                .filter(|(p, q)| inner(p) && inner(q) && sb.contains(&(*q, *p)))
                .count();
            let in_a = sa
                .iter()
                .filter(|(p, q)| ka.contains(p) && ka.contains(q))
                .count();
            let in_b = sb
                .iter()
                .filter(|(p, q)| kb.contains(p) && kb.contains(q))
                .count();
            assert_eq!(shared, in_a, "z{z}: {tract}/{}", e.to);
            assert_eq!(shared, in_b, "z{z}: {tract}/{}", e.to);
            if e.shared_m > 200.0 {
                assert!(
                    shared > 0,
                    "z{z}: tracts {tract} and {} share no segment",
                    e.to
                );
            }
            compared += 1;
        }
        // At zoom 14 the tile holds only part of the tract.
        let least = if z < 14 { 4 } else { 2 };
        assert!(
            compared >= least,
            "z{z}: only {compared} neighbours compared"
        );
    }
}

#[test]
fn every_tract_and_town_is_drawn_from_zoom_8() {
    for (layer, count) in [
        (TileLayer::Tracts, DATA.tracts.units.len()),
        (TileLayer::Towns, DATA.towns.units.len()),
    ] {
        for z in [8u8, 10] {
            let mut seen = HashSet::new();
            for (x, y) in tiles_over_state(z) {
                if let Some(t) = fetch(layer, z, x, y) {
                    seen.extend(t.features.iter().map(|f| f.id));
                }
            }
            assert_eq!(seen.len(), count, "{layer} at zoom {z}");
        }
    }
    // At zoom 0 the state is a few pixels: most tracts collapse and are left out.
    let z0 = fetch(TileLayer::Tracts, 0, 0, 0).unwrap();
    assert!(z0.features.len() < DATA.tracts.units.len());
}

#[test]
fn labels_are_one_point_inside_each_town() {
    let z0 = fetch(TileLayer::TownLabels, 0, 0, 0).unwrap();
    let towns = &DATA.towns.units;
    assert_eq!(z0.features.len(), towns.len());
    for f in &z0.features {
        assert_eq!(f.props["name"].str(), towns.name[f.id as usize]);
        assert!(matches!(f.props["population"], Prop::Int(p) if p > 0));
        assert_eq!(f.kind, tile::GeomType::Point as i32);
    }
    // At zoom 12 each label falls inside its town.
    let mut placed = HashMap::new();
    for (x, y) in tiles_over_state(12) {
        let Some(t) = fetch(TileLayer::TownLabels, 12, x, y) else {
            continue;
        };
        for f in &t.features {
            let p = f.paths[0][0];
            if (0..EXTENT as i64).contains(&p[0]) && (0..EXTENT as i64).contains(&p[1]) {
                assert!(
                    placed.insert(f.id, t.lonlat(p)).is_none(),
                    "one label per town"
                );
            }
        }
    }
    assert_eq!(placed.len(), towns.len());
    for (id, c) in placed {
        assert!(
            towns.geometry[id as usize].contains(&Point::from(c)),
            "label of {} at {c:?} is outside it",
            towns.name[id as usize]
        );
    }
}

#[test]
fn tilejson_describes_each_layer() {
    for layer in TileLayer::ALL {
        let tj = TILES.tilejson(layer, "http://localhost:8080/");
        assert_eq!(tj["tilejson"], "3.0.0");
        assert_eq!(
            tj["tiles"][0],
            format!(
                "http://localhost:8080/tiles/{}/{{z}}/{{x}}/{{y}}",
                layer.name()
            )
        );
        assert_eq!(tj["minzoom"], 0);
        assert_eq!(tj["maxzoom"], 14);
        let b: Vec<f64> = serde_json::from_value(tj["bounds"].clone()).unwrap();
        assert!(
            b[0] > -73.8 && b[0] < -73.6 && b[2] > -71.9 && b[2] < -71.7,
            "{b:?}"
        );
        assert!(
            b[1] > 40.9 && b[1] < 41.1 && b[3] > 42.0 && b[3] < 42.1,
            "{b:?}"
        );
        let center: Vec<f64> = serde_json::from_value(tj["center"].clone()).unwrap();
        assert!(center[0] > b[0] && center[0] < b[2] && center[1] > b[1] && center[1] < b[3]);
        let vl = &tj["vector_layers"][0];
        assert_eq!(vl["id"], layer.name());
        let fields = vl["fields"].as_object().unwrap();
        let expected: &[&str] = match layer {
            TileLayer::Tracts => &[
                "geoid",
                "geoid_2022",
                "name",
                "town",
                "population",
                "medicare",
                "medicare_estimate",
                "need",
                "share_below_200pct_fpl",
            ],
            TileLayer::Towns => &[
                "geoid",
                "name",
                "planning_region",
                "population",
                "medicare",
                "medicare_estimate",
            ],
            TileLayer::TownLabels => &["name", "population"],
        };
        let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(keys, expected);
        assert!(
            fields
                .values()
                .all(|d| d.as_str().is_some_and(|s| !s.is_empty()))
        );
    }
    assert_eq!(
        TileLayer::from_name("town_labels"),
        Some(TileLayer::TownLabels)
    );
}

#[test]
fn tiles_are_deterministic_and_small() {
    let (x, y) = tile_of(-72.6851, 41.7637, 10);
    let a = TILES.tile(TileLayer::Tracts, 10, x, y).unwrap().unwrap();
    let b = TILES.tile(TileLayer::Tracts, 10, x, y).unwrap().unwrap();
    assert_eq!(a, b);
    assert!(a.len() < 500_000, "{} bytes", a.len());
}

/// The hand-written encoder (see the top of crates/hecmap-tiles/src/encode.rs
/// for why it stays) writes what geozero's prost types write for the same
/// decoded tile, byte for byte, but for the layer's `version` field, which
/// the hand encoder writes first (as the specification's readers expect to
/// read it first) and prost last (in field-number order).
#[test]
fn tiles_are_byte_for_byte_what_geozero_encodes() {
    let mut checked = 0;
    for layer in TileLayer::ALL {
        for z in [0u8, 6, 8, 10, 12, 14] {
            // Hartford, and the shore at Old Saybrook (clipped coastline).
            for (lon, lat) in [(-72.6851, 41.7637), (-72.3762, 41.2918)] {
                let (x, y) = tile_of(lon, lat, z);
                let Some(bytes) = TILES.tile(layer, z, x, y).unwrap() else {
                    continue;
                };
                let reencoded = Tile::decode(bytes.as_slice()).unwrap().encode_to_vec();
                // The tile's header: field 3 (layers), then the layer's length.
                let h = 2 + bytes[1..].iter().position(|&b| b < 0x80).unwrap();
                assert_eq!(&bytes[h..h + 2], [15 << 3, 2], "version 2 first");
                let mut moved = bytes[..h].to_vec();
                moved.extend_from_slice(&bytes[h + 2..]);
                moved.extend_from_slice(&bytes[h..h + 2]);
                assert!(moved == reencoded, "{layer} {z}/{x}/{y}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 25, "{checked} tiles");
}
