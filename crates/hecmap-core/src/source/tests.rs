//! Round trips through every format, from fixtures built at test time, and
//! one test per error.

use std::path::{Path, PathBuf};

use geo::{Centroid, Coord, LineString, MultiPolygon, Polygon, coord};
use serde_json::{Value, json};

use super::*;
use crate::crs::Reprojector;

/// `gdalsrsinfo -o wkt1 EPSG:2234` (NAD83 / Connecticut (ftUS)).
const EPSG_2234_WKT1: &str = r#"PROJCS["NAD83 / Connecticut (ftUS)",
    GEOGCS["NAD83",
        DATUM["North_American_Datum_1983",
            SPHEROID["GRS 1980",6378137,298.257222101,
                AUTHORITY["EPSG","7019"]],
            AUTHORITY["EPSG","6269"]],
        PRIMEM["Greenwich",0,
            AUTHORITY["EPSG","8901"]],
        UNIT["degree",0.0174532925199433,
            AUTHORITY["EPSG","9122"]],
        AUTHORITY["EPSG","4269"]],
    PROJECTION["Lambert_Conformal_Conic_2SP"],
    PARAMETER["latitude_of_origin",40.8333333333333],
    PARAMETER["central_meridian",-72.75],
    PARAMETER["standard_parallel_1",41.8666666666667],
    PARAMETER["standard_parallel_2",41.2],
    PARAMETER["false_easting",1000000],
    PARAMETER["false_northing",500000],
    UNIT["US survey foot",0.304800609601219,
        AUTHORITY["EPSG","9003"]],
    AXIS["Easting",EAST],
    AXIS["Northing",NORTH],
    AUTHORITY["EPSG","2234"]]"#;

/// The same CRS as an ESRI tool writes it: no AUTHORITY codes.
const EPSG_2234_ESRI: &str = r#"PROJCS["NAD_1983_StatePlane_Connecticut_FIPS_0600_Feet",GEOGCS["GCS_North_American_1983",DATUM["D_North_American_1983",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",1000000.0],PARAMETER["False_Northing",500000.0],PARAMETER["Central_Meridian",-72.75],PARAMETER["Standard_Parallel_1",41.2],PARAMETER["Standard_Parallel_2",41.86666666666667],PARAMETER["Latitude_Of_Origin",40.83333333333334],UNIT["Foot_US",0.3048006096012192]]"#;

const TOLERANCE_DEGREES: f64 = 1e-6;

/// One square of the fixture grid, in lon/lat, with its attributes.
struct Cell {
    name: String,
    row: i32,
    col: i32,
    square: Polygon<f64>,
}

/// A 2×2 grid of 0.01° squares whose south-west corner is near Hartford.
fn grid() -> Vec<Cell> {
    let (west, south, step) = (-72.70, 41.75, 0.01);
    let mut cells = Vec::new();
    for row in 0..2 {
        for col in 0..2 {
            let x0 = west + step * f64::from(col);
            let y0 = south + step * f64::from(row);
            let (x1, y1) = (x0 + step, y0 + step);
            let square = Polygon::new(
                LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
                vec![],
            );
            cells.push(Cell {
                name: format!("cell {row}-{col}"),
                row,
                col,
                square,
            });
        }
    }
    cells
}

/// The grid's squares projected to EPSG:2234 (CT State Plane, US feet).
fn grid_in_state_plane() -> Vec<Polygon<f64>> {
    let to_feet = Reprojector::new(WGS84, "EPSG:2234").unwrap();
    grid()
        .into_iter()
        .map(|cell| {
            let mut mp = MultiPolygon::new(vec![cell.square]);
            to_feet.multipolygon(&mut mp).unwrap();
            mp.0.remove(0)
        })
        .collect()
}

fn ring_json(ring: &LineString<f64>) -> Value {
    ring.0.iter().map(|c| json!([c.x, c.y])).collect()
}

/// The grid as a GeoJSON FeatureCollection, with `squares` as geometry and
/// an optional `crs` member.
fn grid_geojson(squares: &[Polygon<f64>], crs: Option<&str>) -> String {
    let features: Vec<Value> = grid()
        .iter()
        .zip(squares)
        .map(|(cell, square)| {
            json!({
                "type": "Feature",
                "properties": {"name": cell.name, "row": cell.row, "col": cell.col},
                "geometry": {"type": "Polygon", "coordinates": [ring_json(square.exterior())]},
            })
        })
        .collect();
    let mut document = json!({"type": "FeatureCollection", "features": features});
    if let Some(crs) = crs {
        document["crs"] = json!({"type": "name", "properties": {"name": crs}});
    }
    document.to_string()
}

/// Writes the grid as a shapefile (`.shp`, `.shx`, `.dbf`, and `.prj` when given).
fn write_grid_shapefile(shp: &Path, squares: &[Polygon<f64>], prj: Option<&str>) {
    use shapefile::dbase::{FieldValue, Record, TableWriterBuilder};
    let table = TableWriterBuilder::new()
        .add_character_field("name".try_into().unwrap(), 20)
        .add_numeric_field("row".try_into().unwrap(), 5, 0)
        .add_numeric_field("col".try_into().unwrap(), 5, 0);
    let mut writer = shapefile::Writer::from_path(shp, table).unwrap();
    for (cell, square) in grid().iter().zip(squares) {
        let points = square
            .exterior()
            .0
            .iter()
            .map(|c| shapefile::Point::new(c.x, c.y))
            .collect();
        let shape = shapefile::Polygon::new(shapefile::PolygonRing::Outer(points));
        let mut record = Record::default();
        record.insert(
            "name".into(),
            FieldValue::Character(Some(cell.name.clone())),
        );
        record.insert("row".into(), FieldValue::Numeric(Some(f64::from(cell.row))));
        record.insert("col".into(), FieldValue::Numeric(Some(f64::from(cell.col))));
        writer.write_shape_and_record(&shape, &record).unwrap();
    }
    drop(writer);
    if let Some(prj) = prj {
        std::fs::write(shp.with_extension("prj"), prj).unwrap();
    }
}

/// Writes the grid, in EPSG:2234, as a GeoPackage with GDAL.
fn write_grid_geopackage(path: &Path) {
    use gdal::spatial_ref::SpatialRef;
    use gdal::vector::{Feature, FieldDefn, LayerAccess, LayerOptions, OGRFieldType, ToGdal};
    let driver = gdal::DriverManager::get_driver_by_name("GPKG").unwrap();
    let mut dataset = driver.create_vector_only(path).unwrap();
    let srs = SpatialRef::from_epsg(2234).unwrap();
    let layer = dataset
        .create_layer(LayerOptions {
            name: "grid",
            srs: Some(&srs),
            ty: gdal::vector::OGRwkbGeometryType::wkbPolygon,
            options: None,
        })
        .unwrap();
    for (name, ty) in [
        ("name", OGRFieldType::OFTString),
        ("row", OGRFieldType::OFTInteger),
        ("col", OGRFieldType::OFTInteger),
    ] {
        FieldDefn::new(name, ty)
            .unwrap()
            .add_to_layer(&layer)
            .unwrap();
    }
    for (cell, square) in grid().iter().zip(grid_in_state_plane()) {
        let mut feature = Feature::new(layer.defn()).unwrap();
        feature.set_geometry(square.to_gdal().unwrap()).unwrap();
        feature.set_field_string(0, &cell.name).unwrap();
        feature.set_field_integer(1, cell.row).unwrap();
        feature.set_field_integer(2, cell.col).unwrap();
        feature.create(&layer).unwrap();
    }
}

/// A zip archive of `files` (stored, not compressed), written by hand so the
/// tests need no zip crate.
fn write_zip(zip: &Path, files: &[PathBuf]) {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for file in files {
        let data = std::fs::read(file).unwrap();
        let name = file.file_name().unwrap().to_str().unwrap().as_bytes();
        let (crc, size) = (crc32(&data), data.len() as u32);
        let offset = out.len() as u32;
        // Local file header: version 2.0, no flags, stored, no time/date.
        out.extend(0x0403_4b50u32.to_le_bytes());
        out.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        for v in [crc, size, size] {
            out.extend(v.to_le_bytes());
        }
        out.extend((name.len() as u16).to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(name);
        out.extend(&data);
        // Central directory entry.
        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend([20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        for v in [crc, size, size] {
            central.extend(v.to_le_bytes());
        }
        central.extend((name.len() as u16).to_le_bytes());
        central.extend([0; 12]); // extra, comment, disk, attributes
        central.extend(offset.to_le_bytes());
        central.extend(name);
    }
    let (central_offset, central_size) = (out.len() as u32, central.len() as u32);
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0, 0, 0, 0]);
    out.extend((files.len() as u16).to_le_bytes());
    out.extend((files.len() as u16).to_le_bytes());
    out.extend(central_size.to_le_bytes());
    out.extend(central_offset.to_le_bytes());
    out.extend([0, 0]);
    std::fs::write(zip, out).unwrap();
}

/// Every square of the layer matches the fixture grid: same properties and,
/// ignoring ring direction and starting point, the same corners within 1e-6°.
fn assert_is_grid(layer: &VectorLayer) {
    let cells = grid();
    assert_eq!(
        layer.features.len(),
        cells.len(),
        "{}",
        layer.path.display()
    );
    for (feature, cell) in layer.features.iter().zip(&cells) {
        let context = format!("{} feature {}", layer.path.display(), feature.index);
        assert_eq!(feature.properties["name"], json!(cell.name), "{context}");
        assert_eq!(feature.properties["row"], json!(cell.row), "{context}");
        assert_eq!(feature.properties["col"], json!(cell.col), "{context}");
        assert_eq!(feature.geometry.0.len(), 1, "{context}");
        let polygon = &feature.geometry.0[0];
        assert!(polygon.interiors().is_empty(), "{context}");
        let (got, want) = (&polygon.exterior().0, &cell.square.exterior().0);
        assert_eq!(got.len(), want.len(), "{context}: {got:?}");
        for w in want {
            assert!(
                got.iter().any(|g| close(*g, *w)),
                "{context}: corner {w:?} missing from {got:?}"
            );
        }
        assert!(geometry_problems(&feature.geometry).is_empty(), "{context}");
    }
}

fn close(a: Coord, b: Coord) -> bool {
    (a.x - b.x).abs() < TOLERANCE_DEGREES && (a.y - b.y).abs() < TOLERANCE_DEGREES
}

fn lon_lat_squares() -> Vec<Polygon<f64>> {
    grid().into_iter().map(|cell| cell.square).collect()
}

fn tracts_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ct/tracts_2020_cb500k.geojson")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

// --- round trips ---------------------------------------------------------

#[test]
fn state_plane_fixture_matches_the_known_hartford_point() {
    let to_feet = Reprojector::new(WGS84, "EPSG:2234").unwrap();
    let c = to_feet.coord(coord! { x: -72.6851, y: 41.7637 }).unwrap();
    assert!((c.x - 1_017_706.05).abs() < 0.5, "{c:?}");
    assert!((c.y - 839_003.61).abs() < 0.5, "{c:?}");
}

#[test]
fn geojson_without_crs_is_wgs84() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "grid.geojson",
        &grid_geojson(&lon_lat_squares(), None),
    );
    let layer = read_polygons(&path).unwrap();
    assert_eq!(layer.source_crs, ASSUMED_WGS84);
    assert_eq!(layer.path, path);
    assert_is_grid(&layer);
}

#[test]
fn geojson_with_state_plane_crs_is_reprojected() {
    let dir = tempfile::tempdir().unwrap();
    let text = grid_geojson(&grid_in_state_plane(), Some("urn:ogc:def:crs:EPSG::2234"));
    let path = write(dir.path(), "grid_2234.json", &text);
    let layer = read_polygons(&path).unwrap();
    assert_eq!(layer.source_crs, "EPSG:2234");
    assert_is_grid(&layer);
    // The same text over HTTP.
    let layer = read_geojson_str(&text, "upload").unwrap();
    assert_eq!(layer.path, Path::new("upload"));
    assert_is_grid(&layer);
}

#[test]
fn geojson_crs84_and_old_epsg_crs_members_are_understood() {
    let crs84 = grid_geojson(&lon_lat_squares(), Some("urn:ogc:def:crs:OGC:1.3:CRS84"));
    let layer = read_geojson_str(&crs84, "crs84").unwrap();
    assert_eq!(layer.source_crs, "EPSG:4326");
    assert_is_grid(&layer);

    let mut old: Value = serde_json::from_str(&grid_geojson(&grid_in_state_plane(), None)).unwrap();
    old["crs"] = json!({"type": "EPSG", "properties": {"code": 2234}});
    let layer = read_geojson_str(&old.to_string(), "old crs").unwrap();
    assert_eq!(layer.source_crs, "EPSG:2234");
    assert_is_grid(&layer);
}

#[test]
fn shapefile_with_prj_is_reprojected() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("grid.shp");
    write_grid_shapefile(&shp, &grid_in_state_plane(), Some(EPSG_2234_WKT1));
    let layer = read_polygons(&shp).unwrap();
    assert_eq!(layer.source_crs, "EPSG:2234");
    assert_is_grid(&layer);
}

#[test]
fn shapefile_with_esri_prj_is_identified_and_reprojected() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("esri.shp");
    write_grid_shapefile(&shp, &grid_in_state_plane(), Some(EPSG_2234_ESRI));
    let layer = read_polygons(&shp).unwrap();
    assert_eq!(layer.source_crs, "EPSG:2234");
    assert_is_grid(&layer);
}

#[test]
fn shapefile_without_prj_in_lon_lat_is_assumed_wgs84() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("plain.shp");
    write_grid_shapefile(&shp, &lon_lat_squares(), None);
    let layer = read_polygons(&shp).unwrap();
    assert_eq!(layer.source_crs, ASSUMED_WGS84);
    assert_is_grid(&layer);
}

#[test]
fn shapefile_read_by_gdal_matches_too() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("grid.shp");
    write_grid_shapefile(&shp, &grid_in_state_plane(), Some(EPSG_2234_WKT1));
    let layer = read_polygons_as(&shp, VectorFormat::Ogr).unwrap();
    assert_eq!(layer.source_crs, "EPSG:2234");
    assert_is_grid(&layer);
}

#[test]
fn geopackage_is_reprojected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grid.gpkg");
    write_grid_geopackage(&path);
    let layer = read_polygons(&path).unwrap();
    assert_eq!(layer.source_crs, "EPSG:2234");
    assert_is_grid(&layer);
}

#[test]
fn zipped_shapefile_is_read_through_vsizip() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("grid.shp");
    write_grid_shapefile(&shp, &grid_in_state_plane(), Some(EPSG_2234_WKT1));
    let parts: Vec<PathBuf> = ["shp", "shx", "dbf", "prj"]
        .iter()
        .map(|ext| shp.with_extension(ext))
        .collect();
    let zip = dir.path().join("grid.zip");
    write_zip(&zip, &parts);
    let layer = read_polygons(&zip).unwrap();
    assert_eq!(layer.path, zip);
    assert_eq!(layer.source_crs, "EPSG:2234");
    assert_is_grid(&layer);
}

#[test]
fn real_tracts_file_reads_879_tracts_in_lon_lat() {
    let path = tracts_path();
    if !path.exists() {
        eprintln!("skipping: {} not found", path.display());
        return;
    }
    let started = std::time::Instant::now();
    let layer = read_polygons(&path).unwrap();
    eprintln!(
        "read {} tracts in {:?}",
        layer.features.len(),
        started.elapsed()
    );
    assert_eq!(layer.features.len(), 879);
    assert_eq!(layer.source_crs, "EPSG:4269");
    let tract = layer
        .features
        .iter()
        .find(|f| f.properties.get("name") == Some(&json!("09003524700")))
        .expect("tract 09003524700");
    let centroid = tract.geometry.centroid().unwrap();
    assert!(
        (centroid.x() + 72.71).abs() < 0.01 && (centroid.y() - 41.74).abs() < 0.01,
        "{centroid:?}"
    );
    // Its first vertex, -72.715134 41.742211 in NAD83, barely moves.
    let first = tract.geometry.0[0].exterior().0[0];
    assert!(
        close(first, coord! { x: -72.715134, y: 41.742211 }) || {
            (first.x + 72.715134).abs() < 1e-4 && (first.y - 41.742211).abs() < 1e-4
        }
    );
    for (i, feature) in layer.features.iter().enumerate() {
        assert_eq!(feature.index, i);
    }
}

#[test]
fn gdal_and_serde_readers_agree_on_the_tracts() {
    let path = tracts_path();
    if !path.exists() {
        eprintln!("skipping: {} not found", path.display());
        return;
    }
    let ours = read_polygons(&path).unwrap();
    let gdal = read_polygons_as(&path, VectorFormat::Ogr).unwrap();
    assert_eq!(gdal.source_crs, ours.source_crs);
    assert_eq!(gdal.features.len(), ours.features.len());
    for (a, b) in ours.features.iter().zip(&gdal.features) {
        assert_eq!(a.properties, b.properties, "feature {}", a.index);
        assert_eq!(
            a.geometry.0.len(),
            b.geometry.0.len(),
            "feature {}",
            a.index
        );
        let (ca, cb) = (
            a.geometry.0[0].exterior().0[0],
            b.geometry.0[0].exterior().0[0],
        );
        assert!(close(ca, cb), "feature {}: {ca:?} vs {cb:?}", a.index);
    }
}

#[test]
fn shapefile_holes_go_to_the_outer_ring_that_contains_them() {
    use shapefile::dbase::{FieldValue, Record, TableWriterBuilder};
    use shapefile::{Point, PolygonRing};
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("holes.shp");
    let square = |x: f64, y: f64, size: f64| {
        vec![
            Point::new(x, y),
            Point::new(x, y + size),
            Point::new(x + size, y + size),
            Point::new(x + size, y),
            Point::new(x, y),
        ]
    };
    // Two outer rings, then a hole that belongs to the second one.
    let shape = shapefile::Polygon::with_rings(vec![
        PolygonRing::Outer(square(-72.70, 41.75, 0.01)),
        PolygonRing::Outer(square(-72.60, 41.75, 0.04)),
        PolygonRing::Inner(square(-72.59, 41.76, 0.01)),
    ]);
    let table = TableWriterBuilder::new().add_character_field("name".try_into().unwrap(), 10);
    let mut writer = shapefile::Writer::from_path(&shp, table).unwrap();
    let mut record = Record::default();
    record.insert("name".into(), FieldValue::Character(None));
    writer.write_shape_and_record(&shape, &record).unwrap();
    drop(writer);
    let layer = read_polygons(&shp).unwrap();
    let geometry = &layer.features[0].geometry;
    assert_eq!(geometry.0.len(), 2);
    assert!(geometry.0[0].interiors().is_empty());
    assert_eq!(geometry.0[1].interiors().len(), 1);
    assert!(
        geometry_problems(geometry).is_empty(),
        "{:?}",
        geometry_problems(geometry)
    );
    assert_eq!(layer.features[0].properties["name"], Value::Null);
}

// --- properties ----------------------------------------------------------

#[test]
fn dbf_values_become_json() {
    use shapefile::dbase::{FieldValue, Record, TableWriterBuilder};
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("attrs.shp");
    let table = TableWriterBuilder::new()
        .add_character_field("text".try_into().unwrap(), 20)
        .add_character_field("blank".try_into().unwrap(), 20)
        .add_numeric_field("count".try_into().unwrap(), 10, 0)
        .add_numeric_field("share".try_into().unwrap(), 10, 3)
        .add_numeric_field("missing".try_into().unwrap(), 10, 2)
        .add_logical_field("flag".try_into().unwrap());
    let mut writer = shapefile::Writer::from_path(&shp, table).unwrap();
    let square = &lon_lat_squares()[0];
    let points = square
        .exterior()
        .0
        .iter()
        .map(|c| shapefile::Point::new(c.x, c.y))
        .collect();
    let shape = shapefile::Polygon::new(shapefile::PolygonRing::Outer(points));
    let mut record = Record::default();
    record.insert(
        "text".into(),
        FieldValue::Character(Some("  Hartford ".into())),
    );
    record.insert("blank".into(), FieldValue::Character(Some("   ".into())));
    record.insert("count".into(), FieldValue::Numeric(Some(42.0)));
    record.insert("share".into(), FieldValue::Numeric(Some(0.125)));
    record.insert("missing".into(), FieldValue::Numeric(None));
    record.insert("flag".into(), FieldValue::Logical(Some(true)));
    writer.write_shape_and_record(&shape, &record).unwrap();
    drop(writer);

    let layer = read_polygons(&shp).unwrap();
    let properties = &layer.features[0].properties;
    assert_eq!(properties["text"], json!("Hartford"));
    assert_eq!(properties["blank"], Value::Null);
    assert_eq!(properties["count"], json!(42));
    assert_eq!(properties["share"], json!(0.125));
    assert_eq!(properties["missing"], Value::Null);
    assert_eq!(properties["flag"], json!(true));
    let keys: Vec<&str> = properties.keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 6, "{keys:?}");
}

#[test]
fn geojson_properties_are_kept_as_is_and_null_properties_are_empty() {
    let text = r#"{"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"a": [1, 2], "b": {"c": null}, "d": " x "},
         "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}},
        {"type": "Feature", "properties": null,
         "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}}
    ]}"#;
    let layer = read_geojson_str(text, "props").unwrap();
    assert_eq!(
        Value::Object(layer.features[0].properties.clone()),
        json!({"a": [1, 2], "b": {"c": null}, "d": " x "})
    );
    assert!(layer.features[1].properties.is_empty());
}

// --- geometry shapes -----------------------------------------------------

#[test]
fn multipolygons_holes_collections_and_bare_geometries_are_accepted() {
    let text = r#"{"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "MultiPolygon", "coordinates": [
            [[[0,0],[4,0],[4,4],[0,4],[0,0]], [[1,1],[2,1],[2,2],[1,1]]],
            [[[10,10],[11,10],[11,11,99],[10,10]]]]}},
        {"type": "Feature", "properties": {},
         "geometry": {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]},
            {"type": "MultiPolygon", "coordinates": [[[[5,5],[6,5],[6,6],[5,5]]]]}]}}
    ]}"#;
    let layer = read_geojson_str(text, "shapes").unwrap();
    let first = &layer.features[0].geometry;
    assert_eq!(first.0.len(), 2);
    assert_eq!(first.0[0].interiors().len(), 1);
    assert_eq!(first.0[1].exterior().0[2], coord! { x: 11.0, y: 11.0 });
    assert_eq!(layer.features[1].geometry.0.len(), 2);

    let bare = r#"{"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}"#;
    let layer = read_geojson_str(bare, "bare").unwrap();
    assert_eq!(layer.features.len(), 1);
    assert!(layer.features[0].properties.is_empty());

    let single = r#"{"type": "Feature", "properties": {"n": 1},
        "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}}"#;
    let layer = read_geojson_str(single, "single").unwrap();
    assert_eq!(layer.features[0].properties["n"], json!(1));
}

#[test]
fn format_is_chosen_by_extension() {
    let format = |p: &str| VectorFormat::from_path(Path::new(p));
    assert_eq!(format("a/b.geojson"), VectorFormat::GeoJson);
    assert_eq!(format("b.JSON"), VectorFormat::GeoJson);
    assert_eq!(format("b.shp"), VectorFormat::Shapefile);
    assert_eq!(format("b.zip"), VectorFormat::Ogr);
    assert_eq!(format("b.gpkg"), VectorFormat::Ogr);
    assert_eq!(format("b"), VectorFormat::Ogr);
}

// --- errors --------------------------------------------------------------

#[test]
fn malformed_json_names_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "broken.geojson",
        "{\"type\": \"FeatureCollection\",\n \"features\": [\n  {\"type\": \"Feature\",, }\n]}",
    );
    let err = read_polygons(&path).unwrap_err();
    assert!(matches!(err, SourceError::Parse { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("broken.geojson"), "{message}");
    assert!(message.contains("line 3 column"), "{message}");
}

#[test]
fn not_geojson_at_all_is_a_parse_error() {
    let err = read_geojson_str(r#"{"hello": "world"}"#, "body").unwrap_err();
    assert!(matches!(err, SourceError::Parse { .. }), "{err:?}");
    assert!(err.to_string().contains("body"), "{err}");
    let err = read_geojson_str(r#"{"type": "Topology"}"#, "body").unwrap_err();
    assert!(err.to_string().contains("Topology"), "{err}");
}

#[test]
fn point_feature_is_named_with_its_index_and_type() {
    let text = r#"{"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}},
        {"type": "Feature", "properties": {},
         "geometry": {"type": "Point", "coordinates": [-72.68, 41.76]}}
    ]}"#;
    let err = read_geojson_str(text, "points.geojson").unwrap_err();
    match &err {
        SourceError::NotPolygon {
            path,
            feature,
            found,
        } => {
            assert_eq!(path, "points.geojson");
            assert_eq!(*feature, 1);
            assert_eq!(found, "Point");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("feature 1 is a Point"), "{err}");

    let lines = r#"{"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]},
        {"type": "LineString", "coordinates": [[0,0],[1,1]]}]}"#;
    let err = read_geojson_str(lines, "gc").unwrap_err();
    assert!(err.to_string().contains("LineString"), "{err}");
}

#[test]
fn null_geometry_is_named() {
    let text = r#"{"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "nothing"}, "geometry": null}]}"#;
    let err = read_geojson_str(text, "nulls").unwrap_err();
    assert!(
        matches!(&err, SourceError::MissingGeometry { feature: 0, path } if path == "nulls"),
        "{err:?}"
    );
    assert!(err.to_string().contains("feature 0"), "{err}");
}

#[test]
fn empty_collection_has_no_features() {
    let err =
        read_geojson_str(r#"{"type": "FeatureCollection", "features": []}"#, "empty").unwrap_err();
    assert!(matches!(err, SourceError::NoFeatures { .. }), "{err:?}");
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    for name in ["nope.geojson", "nope.shp", "nope.gpkg"] {
        let err = read_polygons(Path::new(name)).unwrap_err();
        assert!(matches!(err, SourceError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains(name), "{err}");
    }
}

#[test]
fn shapefile_without_prj_in_state_plane_feet_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("feet.shp");
    write_grid_shapefile(&shp, &grid_in_state_plane(), None);
    let err = read_polygons(&shp).unwrap_err();
    assert!(
        matches!(err, SourceError::ProjectedWithoutCrs { feature: 0, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("feet.shp"), "{message}");
    assert!(message.contains("no .prj"), "{message}");
    assert!(message.contains("projected"), "{message}");
}

#[test]
fn geojson_without_crs_in_state_plane_feet_is_a_clear_error() {
    let text = grid_geojson(&grid_in_state_plane(), None);
    let err = read_geojson_str(&text, "feet.geojson").unwrap_err();
    assert!(
        matches!(err, SourceError::ProjectedWithoutCrs { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("\"crs\""), "{err}");
}

#[test]
fn declared_lon_lat_with_projected_numbers_is_out_of_range() {
    let text = grid_geojson(&grid_in_state_plane(), Some("EPSG:4326"));
    let err = read_geojson_str(&text, "liar.geojson").unwrap_err();
    assert!(
        matches!(&err, SourceError::OutOfRange { crs, feature: 0, .. } if crs == "EPSG:4326"),
        "{err:?}"
    );
}

#[test]
fn unknown_epsg_code_is_a_crs_error() {
    let text = grid_geojson(&lon_lat_squares(), Some("EPSG:999999"));
    let err = read_geojson_str(&text, "odd.geojson").unwrap_err();
    assert!(matches!(err, SourceError::Crs { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("odd.geojson"), "{message}");
    assert!(message.contains("999999"), "{message}");
}

#[test]
fn unclosed_ring_is_a_read_error() {
    let text = r#"{"type": "Feature", "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,1]]]}}"#;
    let err = read_geojson_str(text, "open ring").unwrap_err();
    assert!(
        matches!(err, SourceError::BadGeometry { feature: 0, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("not closed"), "{err}");
}

#[test]
fn short_position_and_wrong_nesting_are_errors() {
    let short = r#"{"type": "Polygon", "coordinates": [[[0,0],[1],[1,1],[0,0]]]}"#;
    let err = read_geojson_str(short, "short").unwrap_err();
    assert!(err.to_string().contains("two numbers"), "{err}");
    let flat = r#"{"type": "Polygon", "coordinates": [[0,0],[1,0],[1,1],[0,0]]}"#;
    let err = read_geojson_str(flat, "flat").unwrap_err();
    assert!(matches!(err, SourceError::BadGeometry { .. }), "{err:?}");
}

#[test]
fn nan_coordinate_in_a_shapefile_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("nan.shp");
    let mut squares = lon_lat_squares();
    let mut ring = squares[1].exterior().0.clone();
    ring[2].x = f64::NAN;
    squares[1] = Polygon::new(LineString::new(ring), vec![]);
    write_grid_shapefile(&shp, &squares, None);
    let err = read_polygons(&shp).unwrap_err();
    assert!(
        matches!(err, SourceError::NonFinite { feature: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("not a finite number"), "{err}");
}

#[test]
fn point_layer_in_a_geopackage_is_named() {
    use gdal::vector::{LayerAccess, LayerOptions};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("points.gpkg");
    {
        let driver = gdal::DriverManager::get_driver_by_name("GPKG").unwrap();
        let mut dataset = driver.create_vector_only(&path).unwrap();
        let mut layer = dataset
            .create_layer(LayerOptions {
                name: "points",
                ty: gdal::vector::OGRwkbGeometryType::wkbPoint,
                ..Default::default()
            })
            .unwrap();
        layer
            .create_feature(gdal::vector::Geometry::from_wkt("POINT (-72.68 41.76)").unwrap())
            .unwrap();
    }
    let err = read_polygons(&path).unwrap_err();
    assert!(
        matches!(&err, SourceError::NotPolygon { feature: 0, found, .. } if found == "Point"),
        "{err:?}"
    );
}

// --- geometry_problems ---------------------------------------------------

#[test]
fn bowtie_is_a_self_intersection() {
    let bowtie = MultiPolygon::new(vec![Polygon::new(
        LineString::from(vec![
            (0.0, 0.0),
            (1.0, 1.0),
            (1.0, 0.0),
            (0.0, 1.0),
            (0.0, 0.0),
        ]),
        vec![],
    )]);
    let problems = geometry_problems(&bowtie);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("self-intersection"), "{problems:?}");
    assert!(
        problems[0].starts_with("the outer boundary"),
        "{problems:?}"
    );
}

#[test]
fn nan_coordinate_is_a_problem() {
    let nan = MultiPolygon::new(vec![Polygon::new(
        LineString::from(vec![(0.0, 0.0), (1.0, f64::NAN), (1.0, 1.0), (0.0, 0.0)]),
        vec![],
    )]);
    let problems = geometry_problems(&nan);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("not a finite number"), "{problems:?}");
}

#[test]
fn short_ring_overlaps_and_stray_holes_are_problems() {
    let square = |x: f64, y: f64, size: f64| {
        LineString::from(vec![
            (x, y),
            (x + size, y),
            (x + size, y + size),
            (x, y + size),
            (x, y),
        ])
    };
    let short = MultiPolygon::new(vec![Polygon::new(
        LineString::from(vec![(0.0, 0.0), (1.0, 1.0), (0.0, 0.0)]),
        vec![],
    )]);
    let problems = geometry_problems(&short);
    assert!(
        problems.iter().any(|p| p.contains("fewer than 3")),
        "{problems:?}"
    );

    let overlapping = MultiPolygon::new(vec![
        Polygon::new(square(0.0, 0.0, 2.0), vec![]),
        Polygon::new(square(1.0, 1.0, 2.0), vec![]),
    ]);
    let problems = geometry_problems(&overlapping);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("polygons 1 and 2 (of 2) overlap")),
        "{problems:?}"
    );

    let stray_hole = MultiPolygon::new(vec![Polygon::new(
        square(0.0, 0.0, 1.0),
        vec![square(5.0, 5.0, 1.0)],
    )]);
    let problems = geometry_problems(&stray_hole);
    assert!(
        problems.iter().any(|p| p.contains("hole 1 is not inside")),
        "{problems:?}"
    );

    let fine = MultiPolygon::new(vec![Polygon::new(
        square(0.0, 0.0, 4.0),
        vec![square(1.0, 1.0, 1.0)],
    )]);
    assert!(geometry_problems(&fine).is_empty());
}

#[test]
fn detailed_valid_polygons_pass_and_crossings_are_still_found() {
    use geo::{LineString, MultiPolygon, Polygon};
    let circle = |r: f64, n: usize| -> LineString<f64> {
        (0..=n)
            .map(|i| {
                let a = std::f64::consts::TAU * (i % n) as f64 / n as f64;
                (-72.7 + r * a.cos(), 41.7 + r * a.sin())
            })
            .collect()
    };
    // 20,000 vertices with a hole: valid, decided by the fast path.
    let ring = Polygon::new(circle(0.1, 20_000), vec![circle(0.01, 500)]);
    assert!(super::plainly_valid(&MultiPolygon(vec![ring.clone()])));
    assert!(geometry_problems(&MultiPolygon(vec![ring])).is_empty());
    // A hole poking out of its polygon is not proven valid, and geo says why.
    let poking = Polygon::new(circle(0.1, 400), vec![circle(0.2, 40)]);
    assert!(!super::plainly_valid(&MultiPolygon(vec![poking.clone()])));
    assert!(!geometry_problems(&MultiPolygon(vec![poking])).is_empty());
    // Two parts, one inside the other's hole: valid.
    let donut = Polygon::new(circle(0.1, 400), vec![circle(0.05, 100)]);
    let island = Polygon::new(circle(0.01, 50), vec![]);
    assert!(geometry_problems(&MultiPolygon(vec![donut.clone(), island])).is_empty());
    // Two overlapping parts are found.
    let shifted = Polygon::new(circle(0.1, 400), vec![]);
    assert!(!geometry_problems(&MultiPolygon(vec![donut, shifted])).is_empty());
}
