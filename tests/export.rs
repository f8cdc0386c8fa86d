//! Exports of a plan of the 8 old counties, on the real Connecticut data,
//! read back with hecmap's own readers.

mod common;

use std::path::Path;
use std::sync::LazyLock;
use std::time::Instant;

use common::COUNTY_POPULATION;
use geo::{Area, Contains, MultiPolygon, Point, Winding};
use hecmap_core::crs::{EQUAL_AREA, Reprojector, WGS84};
use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_core::export::{ExportError, ExportFormat, dissolve, export_bytes, export_plan};
use hecmap_core::plan::{Plan, parse_csv_plan};
use hecmap_core::report::Report;
use hecmap_core::rules::RulesConfig;
use hecmap_core::source::{VectorLayer, read_polygons};
use hecmap_core::validate::Validator;
use serde_json::Value;

static DATA: LazyLock<Dataset> =
    LazyLock::new(|| Dataset::load(&DataConfig::default()).expect("the Connecticut data loads"));

/// The old-county plan and its report.
static COUNTIES: LazyLock<(Plan, Report)> = LazyLock::new(|| {
    let plan = counties_plan();
    let report = validate(plan.clone());
    (plan, report)
});

/// 2020 census population of the old counties (../shared/data/ct/README.md).
/// Downtown Hartford.
const HARTFORD: (f64, f64) = (-72.6851, 41.7637);

fn counties_plan() -> Plan {
    let data = &*DATA;
    let mut csv = String::from("geoid,hec\n");
    for t in data.tracts.units.ids() {
        csv.push_str(&format!(
            "{},{}\n",
            data.tracts.units.geoid[t as usize],
            data.tract_county(t)
        ));
    }
    parse_csv_plan(data, csv.as_bytes(), "counties.csv").expect("the county plan parses")
}

fn validate(plan: Plan) -> Report {
    Validator::new(&DATA, RulesConfig::default(), plan, None)
        .expect("validator")
        .report()
}

fn area_km2(geometry: &MultiPolygon) -> f64 {
    let to_albers = Reprojector::new(WGS84, EQUAL_AREA).unwrap();
    let mut g = geometry.clone();
    to_albers.multipolygon(&mut g).unwrap();
    g.unsigned_area() / 1e6
}

/// True for a JSON `true` or a 0/1 integer field holding 1.
fn is_true(v: &Value) -> bool {
    *v == Value::Bool(true) || v.as_f64() == Some(1.0)
}

/// Field names of one reading: the full names, or the DBF names of a shapefile.
struct Names {
    hec: &'static str,
    population: &'static str,
    estimate: &'static str,
    method: &'static str,
    tracts: &'static str,
    towns: &'static str,
}

const FULL: Names = Names {
    hec: "hec",
    population: "population",
    estimate: "medicare_is_estimate",
    method: "medicare_method",
    tracts: "tracts",
    towns: "towns",
};

const DBF: Names = Names {
    hec: "hec",
    population: "population",
    estimate: "medi_est",
    method: "medi_meth",
    tracts: "tracts",
    towns: "towns",
};

/// Checks a read-back HEC layer against the county facts.
fn check_counties(layer: &VectorLayer, names: &Names) {
    let (plan, report) = &*COUNTIES;
    assert_eq!(layer.features.len(), 8, "{}", layer.path.display());
    assert!(
        layer.source_crs.contains("4326") || layer.source_crs.contains("CRS84"),
        "{}: CRS {}",
        layer.path.display(),
        layer.source_crs
    );
    // Features come in region id order.
    let order: Vec<&str> = layer
        .features
        .iter()
        .map(|f| f.properties[names.hec].as_str().unwrap_or_default())
        .collect();
    let regions: Vec<&str> = plan.regions.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(order, regions);
    let feature_of = |county: &str| {
        layer
            .features
            .iter()
            .find(|f| f.properties[names.hec] == county)
            .unwrap_or_else(|| panic!("no feature for {county}"))
    };
    let mut total_km2 = 0.0;
    for (county, population) in COUNTY_POPULATION {
        let feature = feature_of(county);
        let p = &feature.properties;
        assert_eq!(p[names.population].as_f64(), Some(population), "{county}");
        assert!(
            is_true(&p[names.estimate]),
            "{county}: {:?}",
            p[names.estimate]
        );
        let method = p[names.method].as_str().unwrap_or_default();
        assert!(
            method.starts_with("estimate: population 65 and over"),
            "{county}: {method}"
        );
        let hec = report.hecs.iter().find(|h| h.name == county).unwrap();
        assert_eq!(p[names.tracts].as_f64(), Some(hec.tracts as f64));
        let area = area_km2(&feature.geometry);
        assert!(
            (area - hec.area_km2).abs() < 1e-4 * hec.area_km2,
            "{county}: dissolved {area} km2, tracts {} km2",
            hec.area_km2
        );
        total_km2 += area;
    }
    assert!(
        (12_800.0..13_000.0).contains(&total_km2),
        "state land {total_km2} km2"
    );
    let downtown = Point::new(HARTFORD.0, HARTFORD.1);
    assert!(feature_of("Hartford").geometry.contains(&downtown));
    assert!(!feature_of("Fairfield").geometry.contains(&downtown));
    let towns = feature_of("Litchfield").properties[names.towns]
        .as_str()
        .unwrap_or_default();
    assert!(towns.contains("Torrington"), "Litchfield towns: {towns}");
}

fn read_counties(format: ExportFormat, file: &str) -> (tempfile::TempDir, VectorLayer) {
    let (plan, report) = &*COUNTIES;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(file);
    export_plan(&DATA, report, plan, format, &out).unwrap();
    let layer = read_polygons(&out).unwrap();
    (dir, layer)
}

/// The names in a directory.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn the_county_plan_is_the_counties() {
    let (plan, report) = &*COUNTIES;
    assert_eq!(plan.regions.len(), 8);
    for (county, population) in COUNTY_POPULATION {
        let hec = report.hecs.iter().find(|h| h.name == county).unwrap();
        assert_eq!(hec.population, population, "{county}");
        assert!(hec.medicare.estimate);
    }
}

#[test]
fn dissolve_gives_one_clean_boundary_per_hec() {
    let (plan, report) = &*COUNTIES;
    let started = Instant::now();
    let dissolved = dissolve(&DATA, plan);
    eprintln!(
        "dissolve of 879 tracts into 8 HECs: {:?}",
        started.elapsed()
    );
    assert_eq!(dissolved.len(), 8);
    let mut total = 0.0;
    for (geometry, hec) in dissolved.iter().zip(&report.hecs) {
        let area = area_km2(geometry);
        assert!(
            (area - hec.area_km2).abs() < 1e-4 * hec.area_km2,
            "{}: dissolved {area} km2, tracts {} km2",
            hec.name,
            hec.area_km2
        );
        // RFC 7946 right-hand rule: exteriors counter-clockwise, holes clockwise.
        for polygon in &geometry.0 {
            assert!(polygon.exterior().is_ccw(), "{}", hec.name);
            assert!(
                polygon.interiors().iter().all(|r| r.is_cw()),
                "{}",
                hec.name
            );
        }
        // Shared edges vanish: far fewer rings than tracts.
        let rings: usize = geometry.0.iter().map(|p| 1 + p.interiors().len()).sum();
        assert!(rings * 5 < hec.tracts, "{}: {rings} rings", hec.name);
        total += area;
    }
    assert!((12_800.0..13_000.0).contains(&total), "{total} km2");
    let hartford = Point::new(HARTFORD.0, HARTFORD.1);
    let holders: Vec<&str> = dissolved
        .iter()
        .zip(&plan.regions)
        .filter(|(g, _)| g.contains(&hartford))
        .map(|(_, r)| r.name.as_str())
        .collect();
    assert_eq!(holders, ["Hartford"]);
}

#[test]
fn the_whole_state_dissolves_into_its_eleven_parts() {
    let data = &*DATA;
    let mut csv = String::from("geoid,hec\n");
    for t in data.tracts.units.ids() {
        csv.push_str(&format!(
            "{},Connecticut\n",
            data.tracts.units.geoid[t as usize]
        ));
    }
    let plan = parse_csv_plan(data, csv.as_bytes(), "state.csv").unwrap();
    let started = Instant::now();
    let dissolved = dissolve(data, &plan);
    eprintln!("dissolve of 879 tracts into 1 HEC: {:?}", started.elapsed());
    assert_eq!(dissolved.len(), 1);
    let state = &dissolved[0];
    // The mainland and the islands (../shared/data/ct/README.md).
    assert_eq!(state.0.len(), 11);
    let tracts_km2: f64 = data.tracts.units.area_m2.iter().sum::<f64>() / 1e6;
    let area = area_km2(state);
    assert!(
        (area - tracts_km2).abs() < 1e-4 * tracts_km2,
        "{area} vs {tracts_km2}"
    );
}

#[test]
fn geojson_reads_back() {
    let (dir, layer) = read_counties(ExportFormat::Geojson, "counties.geojson");
    check_counties(&layer, &FULL);
    assert_eq!(
        layer.source_crs,
        hecmap_core::source::ASSUMED_WGS84,
        "RFC 7946: no crs member"
    );
    let text = std::fs::read_to_string(dir.path().join("counties.geojson")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let first = &json["features"][0];
    assert_eq!(first["id"], Value::from(0));
    assert_eq!(
        first["properties"]["medicare_is_estimate"],
        Value::Bool(true)
    );
    let fairfield = json["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["hec"] == "Fairfield")
        .unwrap();
    assert_eq!(fairfield["properties"]["population"].to_string(), "957419");
    // Figures rounded to what they can say: whole beneficiaries (an
    // estimate), hundredths of a km2; the method names the data file by
    // name only, never where the server keeps it.
    let props = &fairfield["properties"];
    assert!(props["medicare"].is_i64(), "{}", props["medicare"]);
    let area = props["area_km2"].as_f64().unwrap();
    assert_eq!((area * 100.0).round() / 100.0, area);
    let method = props["medicare_method"].as_str().unwrap();
    assert!(method.starts_with("estimate:"), "{method}");
    assert!(
        method.contains("(medicare_enrollment_county_2013.csv)") && !method.contains('/'),
        "{method}"
    );
    for key in [
        "hec",
        "population",
        "medicare",
        "medicare_is_estimate",
        "medicare_method",
        "pop_65plus",
        "tracts",
        "towns",
        "partial_towns",
        "area_km2",
        "density_per_km2",
        "need_percentile",
        "passes",
    ] {
        assert!(first["properties"].get(key).is_some(), "no {key}");
    }
    // GeoJSON keeps long text whole.
    let hartford = json["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["hec"] == "Hartford")
        .unwrap();
    let towns = hartford["properties"]["towns"].as_str().unwrap();
    assert_eq!(towns.split(", ").count(), 29, "{towns}");
    // Nothing but the export is left in the directory.
    assert_eq!(listing(dir.path()), ["counties.geojson"]);
}

#[test]
fn geopackage_reads_back() {
    let (dir, layer) = read_counties(ExportFormat::Gpkg, "counties.gpkg");
    check_counties(&layer, &FULL);
    assert_eq!(layer.source_crs, "EPSG:4326");
    assert_eq!(listing(dir.path()), ["counties.gpkg"]);
}

#[test]
fn shapefile_reads_back() {
    let (dir, layer) = read_counties(ExportFormat::Shp, "counties.shp");
    check_counties(&layer, &DBF);
    assert_eq!(
        listing(dir.path()),
        [
            "counties.cpg",
            "counties.dbf",
            "counties.prj",
            "counties.shp",
            "counties.shx"
        ]
    );
    let cpg = std::fs::read_to_string(dir.path().join("counties.cpg")).unwrap();
    assert_eq!(cpg.trim(), "UTF-8");
    let prj = std::fs::read_to_string(dir.path().join("counties.prj")).unwrap();
    assert!(prj.contains("WGS_1984") || prj.contains("WGS 84"), "{prj}");
    // Every DBF field name fits in 10 characters.
    for name in layer.features[0].properties.keys() {
        assert!(name.len() <= 10, "{name}");
    }
    // DBF text stops at 254 bytes: Hartford's 29 towns are cut, and say so.
    let (_, report) = &*COUNTIES;
    let hartford = report.hecs.iter().find(|h| h.name == "Hartford").unwrap();
    let whole = hartford.towns.join(", ");
    assert!(whole.len() > 254, "{whole}");
    let feature = layer
        .features
        .iter()
        .find(|f| f.properties["hec"] == "Hartford")
        .unwrap();
    let cut = feature.properties["towns"].as_str().unwrap();
    assert!(cut.len() <= 254 && cut.ends_with("..."), "{cut}");
    assert!(whole.starts_with(cut.trim_end_matches("...")));
    // The same files through GDAL's reader.
    let ogr = hecmap_core::source::read_polygons_as(
        &dir.path().join("counties.shp"),
        hecmap_core::source::VectorFormat::Ogr,
    )
    .unwrap();
    check_counties(&ogr, &DBF);
}

#[test]
fn shapefile_bytes_are_a_zip() {
    let (plan, report) = &*COUNTIES;
    let (bytes, content_type, name) = export_bytes(&DATA, report, plan, ExportFormat::Shp).unwrap();
    assert_eq!(content_type, "application/zip");
    assert_eq!(name, "counties.zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
    let mut names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().to_string())
        .collect();
    names.sort();
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        assert!(
            names.contains(&format!("counties.{ext}")),
            "no .{ext} in {names:?}"
        );
    }
    assert!(archive.by_name("counties.shp").unwrap().size() > 1000);
    // The zip reads back as a shapefile, and a .zip target writes the same.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("counties.zip");
    export_plan(&DATA, report, plan, ExportFormat::Shp, &out).unwrap();
    check_counties(&read_polygons(&out).unwrap(), &DBF);
    std::fs::write(dir.path().join("bytes.zip"), &bytes).unwrap();
    check_counties(&read_polygons(&dir.path().join("bytes.zip")).unwrap(), &DBF);
}

#[test]
fn other_bytes() {
    let (plan, report) = &*COUNTIES;
    let (bytes, content_type, name) =
        export_bytes(&DATA, report, plan, ExportFormat::Geojson).unwrap();
    assert_eq!(
        (content_type, name.as_str()),
        ("application/geo+json", "counties.geojson")
    );
    let layer = hecmap_core::source::read_geojson_str(std::str::from_utf8(&bytes).unwrap(), "body")
        .unwrap();
    check_counties(&layer, &FULL);

    let (bytes, content_type, name) =
        export_bytes(&DATA, report, plan, ExportFormat::Gpkg).unwrap();
    assert_eq!(
        (content_type, name.as_str()),
        ("application/geopackage+sqlite3", "counties.gpkg")
    );
    assert!(bytes.starts_with(b"SQLite format 3\0"));

    let (bytes, content_type, name) = export_bytes(&DATA, report, plan, ExportFormat::Csv).unwrap();
    assert_eq!(
        (content_type, name.as_str()),
        ("text/csv; charset=utf-8", "counties.csv")
    );
    assert!(bytes.starts_with(b"tract,tract_2022,town,hec\n"));
}

/// Claims as HEC names per tract, to compare plans whose region ids differ.
fn claims_by_name(plan: &Plan) -> Vec<Vec<String>> {
    plan.claims
        .iter()
        .map(|c| {
            let mut names: Vec<String> = c
                .iter()
                .map(|&r| plan.regions[r as usize].name.clone())
                .collect();
            names.sort();
            names
        })
        .collect()
}

#[test]
fn csv_is_the_assignment_and_round_trips() {
    let (plan, report) = &*COUNTIES;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("assignment.csv");
    export_plan(&DATA, report, plan, ExportFormat::Csv, &out).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "tract,tract_2022,town,hec");
    assert_eq!(lines.len(), 879 + 1);
    // A Hartford tract: 2020 and 2022 GEOIDs, its town, its county HEC.
    let row = lines
        .iter()
        .find(|l| l.starts_with("09003524700,"))
        .expect("tract 5247 of Hartford");
    assert_eq!(*row, "09003524700,09110524700,Hartford,Hartford");
    let back = parse_csv_plan(&DATA, text.as_bytes(), "assignment.csv").unwrap();
    assert_eq!(claims_by_name(&back), claims_by_name(plan));
}

#[test]
fn csv_lists_gaps_and_overlaps() {
    let (plan, _) = &*COUNTIES;
    let mut plan = plan.clone();
    let gap = 0;
    let overlap = 1;
    plan.assign(&[gap], None);
    let other = (plan.claims[overlap as usize][0] + 1) % 8;
    plan.claim(overlap, other);
    let report = validate(plan.clone());
    let (bytes, _, _) = export_bytes(&DATA, &report, &plan, ExportFormat::Csv).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(
        text.lines().count(),
        1 + 879 + 1,
        "one more row for the overlap"
    );
    let gap_geoid = &DATA.tracts.units.geoid[gap as usize];
    let gap_rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with(gap_geoid.as_str()))
        .collect();
    assert_eq!(gap_rows.len(), 1);
    assert!(gap_rows[0].ends_with(','), "empty hec: {}", gap_rows[0]);
    let overlap_geoid = &DATA.tracts.units.geoid[overlap as usize];
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with(overlap_geoid.as_str()))
            .count(),
        2
    );
    let back = parse_csv_plan(&DATA, text.as_bytes(), "edited.csv").unwrap();
    assert_eq!(claims_by_name(&back), claims_by_name(&plan));
}

#[test]
fn an_empty_hec_has_no_geometry() {
    let (plan, _) = &*COUNTIES;
    let mut plan = plan.clone();
    plan.region_named("Nowhere");
    let report = validate(plan.clone());
    let dissolved = dissolve(&DATA, &plan);
    assert_eq!(dissolved.len(), 9);
    assert!(dissolved[8].0.is_empty());
    let (bytes, _, _) = export_bytes(&DATA, &report, &plan, ExportFormat::Geojson).unwrap();
    let json: Value = serde_json::from_slice(&bytes).unwrap();
    let last = &json["features"][8];
    assert_eq!(last["properties"]["hec"], "Nowhere");
    assert_eq!(last["properties"]["tracts"], 0);
    assert!(last["geometry"].is_null());
    for format in [ExportFormat::Gpkg, ExportFormat::Shp] {
        export_bytes(&DATA, &report, &plan, format).unwrap();
    }
}

#[test]
fn a_missing_directory_is_an_error_naming_the_path() {
    let (plan, report) = &*COUNTIES;
    let dir = tempfile::tempdir().unwrap();
    for (format, file) in [
        (ExportFormat::Geojson, "plan.geojson"),
        (ExportFormat::Gpkg, "plan.gpkg"),
        (ExportFormat::Shp, "plan.shp"),
        (ExportFormat::Shp, "plan.zip"),
        (ExportFormat::Csv, "plan.csv"),
    ] {
        let out = dir.path().join("no such directory").join(file);
        let err = export_plan(&DATA, report, plan, format, &out).unwrap_err();
        assert!(matches!(err, ExportError::Io { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains(&out.display().to_string()),
            "{format}: {message}"
        );
        assert!(
            listing(dir.path()).is_empty(),
            "{format}: left {:?}",
            listing(dir.path())
        );
    }
}

#[test]
fn exports_replace_existing_files_and_leave_no_temporaries() {
    let (plan, report) = &*COUNTIES;
    let dir = tempfile::tempdir().unwrap();
    for (format, file) in [
        (ExportFormat::Geojson, "plan.geojson"),
        (ExportFormat::Gpkg, "plan.gpkg"),
        (ExportFormat::Csv, "plan.csv"),
    ] {
        let out = dir.path().join(file);
        std::fs::write(&out, "old").unwrap();
        export_plan(&DATA, report, plan, format, &out).unwrap();
        assert_ne!(std::fs::read(&out).unwrap(), b"old");
    }
    assert_eq!(
        listing(dir.path()),
        ["plan.csv", "plan.geojson", "plan.gpkg"]
    );
}

#[test]
fn a_report_of_another_plan_is_refused() {
    let (plan, report) = &*COUNTIES;
    let mut other = plan.clone();
    other.region_named("Extra");
    let err = export_bytes(&DATA, report, &other, ExportFormat::Geojson).unwrap_err();
    assert!(matches!(err, ExportError::Mismatch { .. }), "{err}");
    assert!(err.to_string().contains("counties.geojson"), "{err}");
}
