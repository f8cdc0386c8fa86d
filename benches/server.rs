//! Serving benchmarks through the router (no socket): a cached tile, an
//! uncached tile, and a validate call.
//!
//! `cargo bench --bench server`

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_core::rules::RulesConfig;
use hecmap_server::{AppState, ServerConfig, router};
use http_body_util::BodyExt;
use tower::ServiceExt;

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
        async move {
            let res = app
                .oneshot(Request::get(uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
            res.into_body().collect().await.unwrap().to_bytes()
        }
    };
    // Hartford at zoom 12: x 1220, y 1513.
    runtime.block_on(get("/tiles/tracts/12/1220/1513".into()));
    let mut group = c.benchmark_group("server");
    group.bench_function("cached_tract_tile_z12", |b| {
        b.to_async(&runtime)
            .iter(|| get("/tiles/tracts/12/1220/1513".into()))
    });
    group.bench_function("uncached_tract_tile_z10", |b| {
        b.to_async(&runtime).iter(|| {
            state.tile_cache.clear();
            get("/tiles/tracts/10/305/378".into())
        })
    });
    group.bench_function("validate_statewide_csv", |b| {
        b.to_async(&runtime).iter(|| {
            let app = app.clone();
            let plan = plan.clone();
            async move {
                let req = Request::post("/api/validate")
                    .header("content-type", "text/csv")
                    .body(Body::from(plan))
                    .unwrap();
                app.oneshot(req)
                    .await
                    .unwrap()
                    .into_body()
                    .collect()
                    .await
                    .unwrap()
                    .to_bytes()
            }
        })
    });
    group.finish();
}

criterion_group!(benches, serving);
criterion_main!(benches);
