//! The HTTP service through its router (no socket), and once end to end
//! over a real loopback socket.

mod common;

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{county_plan_csv, data};
use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_core::rules::RulesConfig;
use hecmap_server::{AppState, ServerConfig, SharedState, router};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

static STATE: LazyLock<SharedState> = LazyLock::new(|| {
    let data = Arc::new(Dataset::load(&DataConfig::default()).unwrap());
    let config = ServerConfig {
        body_limit_bytes: 2 * 1024 * 1024,
        // Binary uploads are read as `hecmap serve` reads them.
        reader: hecmap_core::source::ForeignReader::Child {
            exe: env!("CARGO_BIN_EXE_hecmap").into(),
        },
        ..ServerConfig::default()
    };
    AppState::new(data, RulesConfig::default(), config)
});

fn app() -> Router {
    router(STATE.clone())
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

async fn send(req: Request<Body>) -> Reply {
    let res = app().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

async fn get(uri: &str) -> Reply {
    send(Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post(uri: &str, content_type: &str, body: impl Into<Body>) -> Reply {
    send(
        Request::post(uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(body.into())
            .unwrap(),
    )
    .await
}

fn assert_error(reply: &Reply, status: StatusCode, needle: &str) {
    assert_eq!(
        reply.status,
        status,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let json = reply.json();
    let message = json["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(needle), "{needle:?} not in {message:?}");
    assert!(json["error"]["code"].is_string());
}

#[tokio::test]
async fn the_session_probe_answers_200_without_a_store() {
    let r = get("/api/auth/session").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json(),
        serde_json::json!({"sign_in": false, "actor": null})
    );
}

#[tokio::test]
async fn health_and_version() {
    let r = get("/api/health").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["tracts"], 879);
    assert!(
        r.headers.contains_key("x-request-id"),
        "every response carries a request id"
    );
    let v = get("/api/version").await.json();
    assert_eq!(v["report_schema"], "hecmap.report/1");
    // Anonymous endpoints reveal no server paths.
    let data_dir = common::data().config.dir.display().to_string();
    assert!(!v.to_string().contains(&data_dir), "{v}");
    assert!(v.get("data_dir").is_none(), "{v}");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    for uri in ["/api/health", "/api/units/town/Hartford", "/api/nowhere"] {
        let r = get(uri).await;
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
        ] {
            assert_eq!(r.headers[name], value, "{uri}: {name}");
        }
        let csp = r.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{uri}: {csp}");
        assert!(!csp.contains("unsafe-eval"), "{uri}: {csp}");
    }
}

#[tokio::test]
async fn writes_from_another_site_are_refused_and_same_site_ones_pass() {
    let attempt = |origin: Option<&'static str>, fetch_site: Option<&'static str>| {
        let mut req = Request::post("/api/validate")
            .header(header::HOST, "hecmap.example:8080")
            .header(header::CONTENT_TYPE, "text/csv");
        if let Some(origin) = origin {
            req = req.header(header::ORIGIN, origin);
        }
        if let Some(site) = fetch_site {
            req = req.header("sec-fetch-site", site);
        }
        send(req.body(Body::from(county_plan_csv())).unwrap())
    };
    let foreign = attempt(Some("http://evil.example"), Some("cross-site")).await;
    assert_error(&foreign, StatusCode::FORBIDDEN, "evil.example");
    // A foreign page that hides its Origin is still known by Sec-Fetch-Site.
    assert_error(
        &attempt(None, Some("cross-site")).await,
        StatusCode::FORBIDDEN,
        "another site",
    );
    // Another port on the same host is another origin.
    assert_error(
        &attempt(Some("http://hecmap.example:9090"), None).await,
        StatusCode::FORBIDDEN,
        "9090",
    );
    // The server's own page and non-browser clients pass.
    assert_eq!(
        attempt(Some("http://hecmap.example:8080"), Some("same-origin"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(attempt(None, None).await.status, StatusCode::OK);
    // Reads are not writes: a foreign page may still fetch a tile.
    let tile = send(
        Request::get("/api/health")
            .header(header::ORIGIN, "http://evil.example")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(tile.status, StatusCode::OK);
}

#[tokio::test]
async fn caps_and_budgets_refuse_with_the_setting_named() {
    // 41 HECs, one town each: over the default cap of 40.
    let towns = &common::data().towns;
    let csv: String = std::iter::once("town,hec\n".to_string())
        .chain((0..41).map(|t| format!("{},HEC {t}\n", towns.units.name[t])))
        .collect();
    let r = post("/api/validate?scope=partial", "text/csv", csv).await;
    assert_error(&r, StatusCode::PAYLOAD_TOO_LARGE, "--max-hecs");
    assert_eq!(r.json()["error"]["code"], "too_large");
    // Two hundred overlapping drawn HECs: refused before any geometry work.
    let square = "[[[-72.7,41.7],[-72.6,41.7],[-72.6,41.8],[-72.7,41.8],[-72.7,41.7]]]";
    let features: Vec<String> = (0..200)
        .map(|i| format!(r#"{{"type":"Feature","properties":{{"hec":"H{i}"}},"geometry":{{"type":"Polygon","coordinates":{square}}}}}"#))
        .collect();
    let geojson = format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    );
    let started = std::time::Instant::now();
    let r = post("/api/validate", "application/geo+json", geojson).await;
    assert_error(&r, StatusCode::PAYLOAD_TOO_LARGE, "HECs in the plan: 200");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[tokio::test]
async fn units_list_fetch_point_and_box() {
    let all = get("/api/units/tract").await.json();
    assert_eq!(all.as_array().unwrap().len(), 879);
    let towns = get("/api/units/towns?geometry=true").await.json();
    assert_eq!(towns["type"], "FeatureCollection");
    assert_eq!(towns["features"].as_array().unwrap().len(), 169);
    let page = get("/api/units/tract?offset=870&limit=50").await.json();
    assert_eq!(page.as_array().unwrap().len(), 9);

    let t = get("/api/units/tract/09110524700").await.json();
    assert_eq!(
        t["properties"]["geoid"], "09003524700",
        "2022 code resolves to the 2020 tract"
    );
    assert_eq!(t["properties"]["population"], 3402.0);
    assert_eq!(t["properties"]["medicare_basis"], "estimated");
    let union = get("/api/units/town/UNION").await.json();
    assert_eq!(union["properties"]["population"], 785.0);
    assert_eq!(union["geometry"]["type"], "MultiPolygon");

    let at = get("/api/units/town/at?lon=-72.6851&lat=41.7637")
        .await
        .json();
    assert_eq!(at[0]["name"], "Hartford");
    let within = get("/api/units/tract/within?bbox=-72.72,41.74,-72.70,41.75")
        .await
        .json();
    assert!(
        within
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["geoid"] == "09003524700")
    );
}

#[tokio::test]
async fn unit_errors_are_json_and_4xx() {
    assert_error(
        &get("/api/units/tract/09003999999").await,
        StatusCode::NOT_FOUND,
        "09003999999",
    );
    // A misspelling gets the nearest name; a GEOID one digit off, the
    // tracts it could have meant; a name far from any town, no guess.
    assert_error(
        &get("/api/units/town/Hartfrod").await,
        StatusCode::NOT_FOUND,
        "no town \"Hartfrod\" in Connecticut; did you mean Hartford?",
    );
    assert_error(
        &get("/api/units/tract/09003524701").await,
        StatusCode::NOT_FOUND,
        "did you mean 09003524700 (Tract 5247, Hartford)",
    );
    let far = get("/api/units/town/Springfield").await;
    assert_error(&far, StatusCode::NOT_FOUND, "Springfield");
    let message = far.json()["error"]["message"].to_string();
    assert!(!message.contains("did you mean"), "{message}");
    assert_error(
        &get("/api/units/county").await,
        StatusCode::NOT_FOUND,
        "county",
    );
    assert_error(
        &get("/api/units/town/at?lon=-72.6&lat=141").await,
        StatusCode::BAD_REQUEST,
        "141",
    );
    assert_error(
        &get("/api/units/town/at?lon=abc&lat=1").await,
        StatusCode::BAD_REQUEST,
        "lon",
    );
    assert_error(
        &get("/api/units/town/within?bbox=1,2,3").await,
        StatusCode::BAD_REQUEST,
        "four numbers",
    );
}

fn without_source(mut report: Value) -> Value {
    report["plan"]["source"] = Value::Null;
    report
}

#[tokio::test]
async fn validate_returns_the_cli_report() {
    let csv = county_plan_csv();
    let api = post("/api/validate", "text/csv", csv.clone()).await;
    assert_eq!(api.status, StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("request body.csv");
    std::fs::write(&path, &csv).unwrap();
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_hecmap"))
        .args(["validate", path.to_str().unwrap(), "--format", "json"])
        .env_remove("HECMAP_DATA")
        .output()
        .unwrap();
    assert_eq!(cli.status.code(), Some(1));
    let mut cli_report: Value = serde_json::from_slice(&cli.stdout).unwrap();
    cli_report["plan"]["name"] = api.json()["plan"]["name"].clone();
    let (a, b) = (without_source(api.json()), without_source(cli_report));
    if a != b {
        for (i, (x, y)) in a["hecs"]
            .as_array()
            .unwrap()
            .iter()
            .zip(b["hecs"].as_array().unwrap())
            .enumerate()
        {
            for (k, v) in x.as_object().unwrap() {
                assert_eq!(v, &y[k], "hec {i} field {k} differs");
            }
        }
        for (k, v) in a.as_object().unwrap() {
            assert_eq!(v, &b[k], "field {k} differs");
        }
    }
    let report = api.json();
    let failing = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "threshold.population")
        .count();
    assert_eq!(failing, 2);
}

#[tokio::test]
async fn validate_takes_json_geojson_and_uploads() {
    let json = r#"{"name": "two", "scope": "partial", "hecs": [{"name": "A", "units": ["Hartford", "West Hartford"]}, {"name": "B", "units": ["Union"]}]}"#;
    let r = post("/api/validate", "application/json", json).await.json();
    assert_eq!(r["plan"]["name"], "two");
    assert_eq!(r["hecs"][1]["population"], 785.0);

    // Export the counties as a GeoPackage and a zipped shapefile, then post them back.
    for (to, content_type) in [
        ("gpkg", "application/geopackage+sqlite3"),
        ("shp", "application/zip"),
        ("geojson", "application/geo+json"),
    ] {
        let exported = post(
            &format!("/api/export?to={to}"),
            "text/csv",
            county_plan_csv(),
        )
        .await;
        assert_eq!(
            exported.status,
            StatusCode::OK,
            "{to}: {}",
            String::from_utf8_lossy(&exported.body)
        );
        let r = post(
            "/api/validate?name_field=hec",
            content_type,
            exported.body.clone(),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{to}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let report = r.json();
        assert_eq!(report["hecs"].as_array().unwrap().len(), 8, "{to}");
        assert!(
            report["polygons"].is_object(),
            "{to}: resolved from polygons"
        );
        let fairfield = report["hecs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == "Fairfield")
            .unwrap();
        assert_eq!(fairfield["population"], 957_419.0, "{to}");

        // The same file as a multipart upload.
        let boundary = "hecmapboundary";
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"plan.{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            if to == "shp" { "zip" } else { to }).into_bytes();
        body.extend_from_slice(&exported.body);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let r = post(
            "/api/validate?name_field=hec",
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{to} multipart: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
}

#[tokio::test]
async fn rules_and_what_if_overrides() {
    let rules = get("/api/rules").await.json();
    assert_eq!(
        rules["effective"]["thresholds"]["population_min"],
        150_000.0
    );
    assert_eq!(rules["defaults"]["regions"]["max"], 12);
    let what_if = r#"{"thresholds":{"population_min":100000}}"#;
    let uri = format!("/api/validate?rules={}", urlencode(what_if));
    let r = post(&uri, "text/csv", county_plan_csv()).await.json();
    assert_eq!(r["passes"], true);
    // The server's own rules did not change.
    assert_eq!(
        get("/api/rules").await.json()["effective"]["thresholds"]["population_min"],
        150_000.0
    );
    assert_error(
        &post("/api/validate?rules=%7Bnope", "text/csv", county_plan_csv()).await,
        StatusCode::BAD_REQUEST,
        "not JSON",
    );
    let unknown = format!(
        "/api/validate?rules={}",
        urlencode(r#"{"thresholds":{"popul":1}}"#)
    );
    assert_error(
        &post(&unknown, "text/csv", county_plan_csv()).await,
        StatusCode::BAD_REQUEST,
        "popul",
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn bad_plans_get_4xx_that_name_the_problem() {
    assert_error(
        &post(
            "/api/validate",
            "text/csv",
            "geoid,hec\n09003524700,A\nNowhere,B\n",
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "row 3",
    );
    assert_error(
        &post(
            "/api/validate",
            "text/csv",
            "town,hec\nHartford,A\nWest Hartfrod,A\n",
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "row 3: \"West Hartfrod\" is not a Connecticut town; did you mean West Hartford?",
    );
    assert_error(
        &post("/api/validate", "text/csv", "").await,
        StatusCode::BAD_REQUEST,
        "no plan",
    );
    assert_error(
        &post("/api/validate", "image/png", "xx").await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Content-Type",
    );
    assert_error(
        &post("/api/validate", "application/json", "{\"hecs\": [").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "line 1",
    );
    let point = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"hec":"A"},"geometry":{"type":"Point","coordinates":[-72.6,41.7]}}]}"#;
    assert_error(
        &post("/api/validate", "application/geo+json", point).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Point",
    );
    assert_error(
        &post("/api/validate", "application/zip", "not a zip").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request body",
    );
    let huge = vec![b'a'; 3 * 1024 * 1024];
    assert_error(
        &post("/api/validate", "text/csv", huge).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "",
    );
    assert_error(
        &post("/api/export?to=pdf", "text/csv", county_plan_csv()).await,
        StatusCode::BAD_REQUEST,
        "pdf",
    );
}

#[tokio::test]
async fn suggest_lists_options_checked_by_the_validator() {
    // The eight counties: Windham and Tolland are below the floor.
    let r = post(
        "/api/suggest?hec=Windham&max_towns=2",
        "text/csv",
        county_plan_csv(),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let json = r.json();
    let repairs = json["repairs"].as_array().unwrap();
    assert_eq!(repairs.len(), 1, "only the HEC asked for");
    assert_eq!(repairs[0]["hec"], "Windham");
    let option = &repairs[0]["options"][0];
    assert!(option["adds"].as_array().unwrap().len() <= 2);
    assert_eq!(option["after"][0]["hec"], "Windham");
    assert_eq!(option["after"][0]["verdict"], "passes");
    assert!(option["summary"].as_str().unwrap().starts_with("Add "));
    assert_error(
        &post("/api/suggest?hec=Nowhere", "text/csv", county_plan_csv()).await,
        StatusCode::NOT_FOUND,
        "no HEC \"Nowhere\"",
    );
    assert_error(
        &post("/api/suggest?max_towns=9", "text/csv", county_plan_csv()).await,
        StatusCode::BAD_REQUEST,
        "max_towns 9",
    );
}

#[tokio::test]
async fn export_returns_files() {
    let r = post("/api/export?to=csv", "text/csv", county_plan_csv()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        r.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    assert_eq!(String::from_utf8(r.body).unwrap().lines().count(), 880);
    let r = post("/api/export?to=geojson", "text/csv", county_plan_csv()).await;
    assert_eq!(r.json()["features"].as_array().unwrap().len(), 8);
}

fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = 2f64.powi(z as i32);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let lat = lat.to_radians();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor()
        as u32;
    (x, y)
}

#[tokio::test]
async fn tiles_are_served_cached_and_compressed() {
    let (x, y) = tile_of(-72.7097, 41.7363, 12);
    let uri = format!("/tiles/tracts/12/{x}/{y}");
    let r = get(&uri).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers[header::CONTENT_TYPE],
        "application/vnd.mapbox-vector-tile"
    );
    assert!(
        r.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    assert!(!r.body.is_empty());
    // The same tile again comes from the cache and is identical.
    assert_eq!(get(&format!("{uri}.pbf")).await.body, r.body);
    let gz = send(
        Request::get(&uri)
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(gz.headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(gz.headers[header::VARY], "accept-encoding");
    // Gzipped once, as cached: it unpacks to the very same tile (not
    // compressed twice by the compression layer).
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(gz.body.as_slice()),
        &mut unpacked,
    )
    .unwrap();
    assert_eq!(unpacked, r.body);
    let refused = send(
        Request::get(&uri)
            .header(header::ACCEPT_ENCODING, "gzip;q=0, identity")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(refused.headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(refused.body, r.body);
    let (x, y) = tile_of(-60.0, 35.0, 8);
    assert_eq!(
        get(&format!("/tiles/towns/8/{x}/{y}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_error(
        &get("/tiles/counties/1/0/0").await,
        StatusCode::NOT_FOUND,
        "counties",
    );
    assert_eq!(
        get("/tiles/tracts/3/9/0").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get("/tiles/tracts/300/0/0").await.status,
        StatusCode::NOT_FOUND
    );
    assert_error(
        &get("/tiles/tracts/a/0/0").await,
        StatusCode::BAD_REQUEST,
        "zoom",
    );
    let tj = get("/tiles/towns/tilejson.json").await.json();
    assert!(
        tj["tiles"][0]
            .as_str()
            .unwrap()
            .ends_with("/tiles/towns/{z}/{x}/{y}")
    );
}

#[tokio::test]
async fn the_page_s_files_are_cached_by_name_and_served_precompressed() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).unwrap();
    write("index.html", b"<!doctype html><title>hecmap</title>");
    write("app.js", b"console.log('app');");
    write("chunk-3FQ2K7ZX.js", b"export const x = 1;");
    let script = b"console.log('app');";
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, script).unwrap();
    write("app.js.gz", &gz.finish().unwrap());
    let state = AppState::new(
        STATE.data.clone(),
        RulesConfig::default(),
        ServerConfig {
            web_dir: Some(dir.path().into()),
            ..ServerConfig::default()
        },
    );
    let fetch = |uri: &'static str, gzip: bool| {
        let mut req = Request::get(uri);
        if gzip {
            req = req.header(header::ACCEPT_ENCODING, "gzip");
        }
        router(state.clone()).oneshot(req.body(Body::empty()).unwrap())
    };
    let cache_control = |res: &axum::response::Response| {
        res.headers()[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .to_string()
    };
    // Names without a hash are revalidated every time; hashed ones kept.
    let index = fetch("/", false).await.unwrap();
    assert_eq!(index.status(), StatusCode::OK);
    assert_eq!(cache_control(&index), "no-cache");
    let chunk = fetch("/chunk-3FQ2K7ZX.js", false).await.unwrap();
    assert_eq!(cache_control(&chunk), "public, max-age=31536000, immutable");
    // The build's .gz is sent as is to a client that takes gzip.
    let app = fetch("/app.js", true).await.unwrap();
    assert_eq!(app.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(cache_control(&app), "no-cache");
    let body = app.into_body().collect().await.unwrap().to_bytes();
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut unpacked)
        .unwrap();
    assert_eq!(unpacked, script);
    // A missing file is a 404 with no caching promise.
    let missing = fetch("/nothing-here.js", false).await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.headers().get(header::CACHE_CONTROL).is_none());
}

#[tokio::test]
async fn the_openapi_description_is_served() {
    let doc = get("/api/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/validate",
        "/api/units/{level}",
        "/tiles/{layer}/{z}/{x}/{y}",
        "/api/rules",
        "/api/export",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    let page = get("/api/docs/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        String::from_utf8_lossy(&page.body)
            .to_lowercase()
            .contains("swagger")
    );
}

#[tokio::test]
async fn end_to_end_over_a_loopback_socket() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app()).await });
    let csv = county_plan_csv();
    let request = format!(
        "POST /api/validate HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/csv\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{csv}",
        csv.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response);
    assert!(
        text.starts_with("HTTP/1.1 200"),
        "{}",
        &text[..200.min(text.len())]
    );
    let body = &text[text.find("\r\n\r\n").unwrap() + 4..];
    // Chunked or not, the report's JSON is in the body.
    assert!(body.contains("\"schema\":\"hecmap.report/1\""));
    assert!(body.contains("Windham has 116,418 people"));
    server.abort();
    let _ = data();
}
