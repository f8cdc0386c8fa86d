//! Serving benchmarks through the router (no socket): a cached and an
//! uncached tract tile over Hartford, and a validate call.
//!
//! Every input is checked before it is timed: each tile request answers 200
//! with an MVT tile whose `tracts` layer holds Hartford's tracts, the
//! uncached request really misses the cache and renders, and the validate
//! call answers 200 with a report of the eight county HECs and findings.
//!
//! `cargo bench --bench server`

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use criterion::{Criterion, criterion_group, criterion_main};
use geozero::mvt::{Message, Tile};
use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_core::rules::RulesConfig;
use hecmap_server::{AppState, ServerConfig, router};
use hecmap_tiles::TileLayer;
use hecmap_tiles::mercator::tile_containing;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// Hartford's city centre, longitude and latitude.
const HARTFORD: (f64, f64) = (-72.685, 41.764);

/// The tile timed from the cache, z/x/y. It holds the western half of
/// Hartford (the city centre itself lies 0.006 of a tile east of its edge,
/// in 12/1221/1524); [`assert_tract_tile`] checks that it holds Hartford's
/// tracts.
const CACHED: (u8, u32, u32) = (12, 1220, 1524);

/// The tile timed uncached, z/x/y: the one holding [`HARTFORD`] at zoom 10
/// by the slippy-map formula (x 305.25, y 381.03).
const UNCACHED: (u8, u32, u32) = (10, 305, 381);

/// HECs of the statewide plan posted to `/api/validate`: one per old county.
const COUNTY_HECS: usize = 8;

/// The path of a tract tile.
fn tile_uri((z, x, y): (u8, u32, u32)) -> String {
    format!("/tiles/tracts/{z}/{x}/{y}")
}

/// The slippy-map tile (x, y) holding a point at zoom `z`, by the textbook
/// formula (x from the longitude, y from asinh(tan(latitude))), written
/// here independently of `hecmap_tiles::mercator`.
fn slippy_tile(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = (lon + 180.0) / 360.0 * n;
    let y = (1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n;
    (x.floor() as u32, y.floor() as u32)
}

/// Sends one request through the router; its status and whole body.
async fn send(app: Router, request: Request<Body>) -> (StatusCode, Bytes) {
    let response = app.oneshot(request).await.expect("the router answers");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("the body is read")
        .to_bytes();
    (status, body)
}

/// The town of every feature of the `tracts` layer of an MVT tile.
///
/// Panics, naming `what`, unless `bytes` decode as a tile with a non-empty
/// `tracts` layer whose every feature has geometry and a `town` string.
fn tract_towns(what: &str, bytes: &[u8]) -> Vec<String> {
    let tile =
        Tile::decode(bytes).unwrap_or_else(|e| panic!("{what}: the body is not an MVT tile: {e}"));
    let name = TileLayer::Tracts.name();
    let layer = tile
        .layers
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("{what}: the tile has no {name:?} layer"));
    assert!(
        !layer.features.is_empty(),
        "{what}: the {name:?} layer has no feature"
    );
    layer
        .features
        .iter()
        .map(|f| {
            assert!(
                !f.geometry.is_empty(),
                "{what}: tract feature {:?} has no geometry",
                f.id
            );
            f.tags
                .chunks_exact(2)
                .find(|kv| layer.keys.get(kv[0] as usize).map(String::as_str) == Some("town"))
                .and_then(|kv| layer.values.get(kv[1] as usize))
                .and_then(|v| v.string_value.clone())
                .unwrap_or_else(|| panic!("{what}: tract feature {:?} has no town", f.id))
        })
        .collect()
}

/// Asserts that a tile request answered 200 with a non-empty MVT tile
/// whose `tracts` layer holds at least one tract of `town`; returns the
/// number of tract features. Panics with a message naming `what` otherwise.
fn assert_tract_tile(what: &str, status: StatusCode, body: &[u8], town: &str) -> usize {
    assert_eq!(
        status,
        StatusCode::OK,
        "{what}: answered {status}, not 200 with a tile"
    );
    assert!(!body.is_empty(), "{what}: answered 200 with an empty body");
    let towns = tract_towns(what, body);
    assert!(
        towns.iter().any(|t| t == town),
        "{what}: none of its {} tracts is in {town}",
        towns.len()
    );
    towns.len()
}

/// Asserts that a validate call answered 200 with a JSON report of `hecs`
/// HECs (in `plan.hecs` and the `hecs` list) and at least one finding;
/// returns the number of findings. Panics with a message naming what is
/// wrong otherwise.
fn assert_report(status: StatusCode, body: &[u8], hecs: usize) -> usize {
    let text = String::from_utf8_lossy(body);
    assert_eq!(
        status,
        StatusCode::OK,
        "validate answered {status}, not 200: {text}"
    );
    let report: Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("validate answered something other than JSON ({e}): {text}"));
    assert_eq!(
        report["plan"]["hecs"].as_u64(),
        Some(hecs as u64),
        "validate: plan.hecs is not {hecs}"
    );
    let listed = report["hecs"].as_array().map_or(0, Vec::len);
    assert_eq!(listed, hecs, "validate: the report lists {listed} HECs");
    let findings = report["findings"]
        .as_array()
        .expect("validate: the report has no findings list")
        .len();
    assert!(findings > 0, "validate: the report has no finding");
    findings
}

fn serving(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let data = Arc::new(Dataset::load(&DataConfig::default()).unwrap());
    let mut plan = String::from("geoid,hec\n");
    for t in data.tracts.units.ids() {
        plan.push_str(&format!(
            "{},{}\n",
            data.tracts.units.geoid[t as usize],
            data.tract_county(t)
        ));
    }
    let state = AppState::new(data, RulesConfig::default(), ServerConfig::default());
    let app = router(state.clone());
    let get = |uri: String| {
        let app = app.clone();
        async move { send(app, Request::get(uri).body(Body::empty()).unwrap()).await }
    };
    let validate = |plan: String| {
        let app = app.clone();
        async move {
            let request = Request::post("/api/validate")
                .header("content-type", "text/csv")
                .body(Body::from(plan))
                .unwrap();
            send(app, request).await
        }
    };

    // The tiles are where they are said to be.
    let (z, x, y) = UNCACHED;
    assert_eq!(
        slippy_tile(HARTFORD.0, HARTFORD.1, z),
        (x, y),
        "the uncached tile is not Hartford's at zoom {z}"
    );
    assert_eq!(
        tile_containing(HARTFORD.0, HARTFORD.1, z),
        (x, y),
        "hecmap_tiles::mercator disagrees with the slippy-map formula"
    );

    // Cached: the first request renders and fills the cache, later ones hit it.
    let cached_uri = tile_uri(CACHED);
    let (z, x, y) = CACHED;
    let cached_key = (TileLayer::Tracts, z, x, y);
    let (status, body) = runtime.block_on(get(cached_uri.clone()));
    let tracts = assert_tract_tile(&cached_uri, status, &body, "Hartford");
    assert!(
        matches!(state.tile_cache.get(&cached_key), Some(Some(_))),
        "{cached_uri}: the tile is not in the cache after the first request"
    );
    let (status, again) = runtime.block_on(get(cached_uri.clone()));
    assert_tract_tile(&cached_uri, status, &again, "Hartford");
    assert_eq!(again, body, "{cached_uri}: the cached tile differs");
    eprintln!("{cached_uri}: {tracts} tracts, {} bytes", body.len());

    // Uncached: clearing empties the cache, so the request renders anew.
    let uncached_uri = tile_uri(UNCACHED);
    let (z, x, y) = UNCACHED;
    let uncached_key = (TileLayer::Tracts, z, x, y);
    state.tile_cache.clear();
    assert_eq!(state.tile_cache.len(), 0, "clear() left tiles in the cache");
    let (status, body) = runtime.block_on(get(uncached_uri.clone()));
    let tracts = assert_tract_tile(&uncached_uri, status, &body, "Hartford");
    assert!(
        matches!(state.tile_cache.get(&uncached_key), Some(Some(_))),
        "{uncached_uri}: the request did not render the tile into the cache"
    );
    eprintln!("{uncached_uri}: {tracts} tracts, {} bytes", body.len());

    let (status, body) = runtime.block_on(validate(plan.clone()));
    let findings = assert_report(status, &body, COUNTY_HECS);
    eprintln!(
        "validate: {COUNTY_HECS} HECs, {findings} findings, {} bytes",
        body.len()
    );

    let mut group = c.benchmark_group("server");
    runtime.block_on(get(cached_uri.clone()));
    group.bench_function("cached_tract_tile_z12", |b| {
        b.to_async(&runtime).iter(|| get(cached_uri.clone()))
    });
    // The cache is emptied before each request, outside the timed span.
    group.bench_function("uncached_tract_tile_z10", |b| {
        b.to_async(&runtime).iter_custom(|iters| {
            let (state, get, uri) = (state.clone(), get, uncached_uri.clone());
            async move {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    state.tile_cache.clear();
                    let start = Instant::now();
                    std::hint::black_box(get(uri.clone()).await);
                    timed += start.elapsed();
                }
                timed
            }
        })
    });
    group.bench_function("validate_statewide_csv", |b| {
        b.to_async(&runtime).iter(|| validate(plan.clone()))
    });
    group.finish();
}

criterion_group!(benches, serving);
criterion_main!(benches);
