//! Reading plans that came from someone else (`read_plan_upload`): a
//! foreign file never picks its own reader, never reads another file or a
//! URL, and every cap and the time budget stop the work with an error that
//! names them. Binary forms go through the real reader process
//! (`hecmap read-upload`), as the server reads them.

mod common;

use std::io::Write;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use common::{county_plan_csv, data};
use hecmap_core::export::{ExportFormat, export_bytes};
use hecmap_core::limits::{Deadline, InputLimits, LimitError, with_deadline};
use hecmap_core::plan::{
    LoadedPlan, PlanError, PlanFormat, PolygonOptions, read_plan_text, read_plan_upload,
};
use hecmap_core::rules::RulesConfig;
use hecmap_core::source::ForeignReader;
use hecmap_core::validate::Validator;

fn child() -> ForeignReader {
    ForeignReader::Child {
        exe: env!("CARGO_BIN_EXE_hecmap").into(),
    }
}

fn upload(bytes: &[u8], format: PlanFormat, limits: &InputLimits) -> Result<LoadedPlan, PlanError> {
    read_plan_upload(
        data(),
        bytes,
        format,
        "plan.upload",
        &PolygonOptions::default(),
        limits,
        &child(),
    )
}

/// The eight counties exported as `format` (GeoPackage, zipped shapefile, GeoJSON).
fn counties_as(format: ExportFormat) -> Vec<u8> {
    let (plan, polygons) = read_plan_text(
        data(),
        county_plan_csv().as_bytes(),
        PlanFormat::Csv,
        "counties.csv",
        &PolygonOptions::default(),
    )
    .unwrap();
    let mut validator = Validator::new(data(), RulesConfig::default(), plan, polygons).unwrap();
    let report = validator.report();
    export_bytes(data(), &report, validator.plan(), format)
        .unwrap()
        .0
}

static COUNTIES_GPKG: LazyLock<Vec<u8>> = LazyLock::new(|| counties_as(ExportFormat::Gpkg));

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(content).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// An OGR VRT that would read `source` with `sql`: the attack of the issue.
fn vrt(source: &str, sql: &str) -> Vec<u8> {
    format!(
        r#"<OGRVRTDataSource><OGRVRTLayer name="hec"><SrcDataSource>{source}</SrcDataSource><SrcSQL>{sql}</SrcSQL><GeometryType>wkbPolygon</GeometryType></OGRVRTLayer></OGRVRTDataSource>"#
    )
    .into_bytes()
}

fn message(result: Result<LoadedPlan, PlanError>) -> String {
    match result {
        Ok((plan, _)) => panic!(
            "read as a plan of {} HECs: {:?}",
            plan.regions.len(),
            plan.regions.iter().map(|r| &r.name).collect::<Vec<_>>()
        ),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_real_geopackage_and_shapefile_read_in_the_reader_process_as_in_this_one() {
    let limits = InputLimits::default();
    for (format, bytes) in [
        (PlanFormat::Gpkg, COUNTIES_GPKG.clone()),
        (PlanFormat::Shp, counties_as(ExportFormat::Shp)),
    ] {
        let (by_child, _) = upload(&bytes, format, &limits).unwrap();
        let (here, _) = read_plan_upload(
            data(),
            &bytes,
            format,
            "plan.upload",
            &PolygonOptions::default(),
            &limits,
            &ForeignReader::InProcess,
        )
        .unwrap();
        assert_eq!(by_child.regions.len(), 8, "{format:?}");
        assert_eq!(by_child.claims, here.claims, "{format:?}");
    }
}

#[test]
fn a_vrt_never_reads_the_file_or_url_it_names() {
    let secret_dir = tempfile::tempdir().unwrap();
    let secret = secret_dir.path().join("secrets.csv");
    std::fs::write(
        &secret,
        "WKT,hec\n\"POLYGON((0 0,1 0,1 1,0 0))\",TOPSECRET\n",
    )
    .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("/vsicurl/http://{}/x.csv", listener.local_addr().unwrap());
    let limits = InputLimits::default();
    for source in [secret.display().to_string(), url] {
        let payload = vrt(&source, "SELECT * FROM secrets");
        let attempts = [
            (PlanFormat::Gpkg, payload.clone()),
            (PlanFormat::Shp, zip_of(&[("plan.geojson", &payload)])),
            (PlanFormat::Shp, zip_of(&[("plan.vrt", &payload)])),
            (PlanFormat::Shp, zip_of(&[("plan.kml", &payload)])),
            (PlanFormat::Shp, zip_of(&[("plan.gpkg", &payload)])),
            (PlanFormat::Json, payload.clone()),
        ];
        for (format, bytes) in attempts {
            let text = message(upload(&bytes, format, &limits));
            assert!(!text.contains("TOPSECRET"), "{format:?}: {text}");
            assert!(
                !text.contains(&*secret_dir.path().to_string_lossy()),
                "{text}"
            );
            assert!(text.contains("plan.upload"), "names the upload: {text}");
        }
    }
    // Nothing connected to the "metadata service".
    assert!(
        listener.accept().is_err(),
        "the reader made an outbound request"
    );
}

#[test]
fn a_geopackage_whose_features_are_a_view_is_refused_before_any_row_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spin.gpkg");
    std::fs::write(&path, &*COUNTIES_GPKG).unwrap();
    {
        let dataset = gdal::Dataset::open_ex(
            &path,
            gdal::DatasetOptions {
                open_flags: gdal::GdalOpenFlags::GDAL_OF_UPDATE
                    | gdal::GdalOpenFlags::GDAL_OF_VECTOR,
                ..Default::default()
            },
        )
        .unwrap();
        let layer = gdal::vector::LayerAccess::name(&dataset.layer(0).unwrap());
        for sql in [
            format!(
                "CREATE VIEW spin AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) \
                 SELECT r.n AS fid, t.geom AS geom, 'spin' AS hec FROM r, \"{layer}\" t WHERE r.n < 0"
            ),
            format!("DELETE FROM gpkg_contents WHERE table_name = '{layer}'"),
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('spin', 'features', 'spin', 4326)".into(),
            "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) VALUES ('spin', 'geom', 'MULTIPOLYGON', 4326, 0, 0)".into(),
        ] {
            dataset
                .execute_sql(&sql, None, gdal::vector::sql::Dialect::DEFAULT)
                .unwrap();
        }
    }
    let bytes = std::fs::read(&path).unwrap();
    let started = Instant::now();
    let text = message(upload(&bytes, PlanFormat::Gpkg, &InputLimits::default()));
    assert!(text.contains("spin is a view"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_zip_bomb_stops_at_the_unpacked_cap() {
    // 8 MB of zeros as a "shapefile": about 8 KB zipped.
    let zeros = vec![0u8; 8 << 20];
    let bomb = zip_of(&[("plan.shp", &zeros), ("plan.dbf", b""), ("plan.shx", b"")]);
    assert!(bomb.len() < 100_000, "{} bytes", bomb.len());
    let limits = InputLimits {
        max_unpacked_bytes: 1 << 20,
        ..InputLimits::default()
    };
    let err = upload(&bomb, PlanFormat::Shp, &limits).unwrap_err();
    assert!(
        matches!(
            err.limit(),
            Some(LimitError::TooLarge {
                setting: "--max-unpacked-bytes",
                ..
            })
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("bytes unpacked from the zip archive"),
        "{err}"
    );
}

#[test]
fn caps_on_features_vertices_and_hecs_name_their_setting() {
    let geojson = counties_as(ExportFormat::Geojson);
    let gpkg = &*COUNTIES_GPKG;
    let tight = |f: fn(&mut InputLimits)| {
        let mut limits = InputLimits::default();
        f(&mut limits);
        limits
    };
    let cases: [(InputLimits, &str); 3] = [
        (tight(|l| l.max_features = 7), "--max-features"),
        (tight(|l| l.max_vertices = 1_000), "--max-vertices"),
        (tight(|l| l.max_hecs = 7), "--max-hecs"),
    ];
    for (limits, setting) in cases {
        for (format, bytes) in [(PlanFormat::Json, &geojson), (PlanFormat::Gpkg, gpkg)] {
            let err = upload(bytes, format, &limits).unwrap_err();
            match err.limit() {
                Some(LimitError::TooLarge { setting: s, .. }) => assert_eq!(*s, setting, "{err}"),
                other => panic!("{format:?} {setting}: {other:?}: {err}"),
            }
        }
        // The same plan within the caps reads.
        assert!(upload(&geojson, PlanFormat::Json, &InputLimits::default()).is_ok());
    }
    // An assignment table with more HECs than allowed.
    let csv = county_plan_csv();
    let err = upload(csv.as_bytes(), PlanFormat::Csv, &tight(|l| l.max_hecs = 7)).unwrap_err();
    assert!(
        err.to_string()
            .contains("HECs in the plan: 8 is over the limit of 7"),
        "{err}"
    );
}

#[test]
fn the_reader_process_is_stopped_by_the_deadline_and_by_its_memory_limit() {
    let limits = InputLimits::default();
    let started = Instant::now();
    let err = with_deadline(Deadline::after(Duration::ZERO), || {
        upload(&COUNTIES_GPKG, PlanFormat::Gpkg, &limits)
    })
    .unwrap_err();
    assert!(
        matches!(err.limit(), Some(LimitError::OutOfTime { .. })),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    let starved = InputLimits {
        reader_memory_bytes: 16 << 20,
        ..InputLimits::default()
    };
    let err = upload(&COUNTIES_GPKG, PlanFormat::Gpkg, &starved).unwrap_err();
    assert!(matches!(err, PlanError::Source(_)), "{err}");
    assert!(err.to_string().contains("memory"), "{err}");
    assert!(err.to_string().contains("plan.upload"), "{err}");
}

#[test]
fn a_huge_self_intersecting_ring_is_refused_in_linear_time() {
    // A zigzag of 200,000 vertices whose last edge crosses all the others.
    let n = 200_000;
    let mut ring: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            let x = -73.0 + 1.0 * i as f64 / n as f64;
            let y = 41.5 + if i % 2 == 0 { 0.0 } else { 0.01 };
            [x, y]
        })
        .collect();
    ring.push([-73.0, 41.6]);
    ring.push([-72.0, 41.4]);
    ring.push(ring[0]);
    let geojson = serde_json::json!({
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"hec": "Zigzag"},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}]
    })
    .to_string();
    let started = Instant::now();
    let text = message(upload(
        geojson.as_bytes(),
        PlanFormat::Json,
        &InputLimits::default(),
    ));
    assert!(text.contains("invalid polygon"), "{text}");
    assert!(text.contains("Fix geometries"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
