//! Service routes: liveness and version.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::state::SharedState;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/version", get(version))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    status: &'static str,
    tracts: usize,
    towns: usize,
}

/// Liveness: the data is loaded.
#[utoipa::path(get, path = "/api/health", tag = "service", responses((status = 200, body = Health)))]
pub async fn health(State(state): State<SharedState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        tracts: state.data.tracts.units.len(),
        towns: state.data.towns.units.len(),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Version {
    name: &'static str,
    version: &'static str,
    report_schema: &'static str,
}

/// The service's version and the report schema it returns.
#[utoipa::path(get, path = "/api/version", tag = "service", responses((status = 200, body = Version)))]
pub async fn version() -> Json<Version> {
    Json(Version {
        name: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        report_schema: hecmap_core::report::SCHEMA,
    })
}
