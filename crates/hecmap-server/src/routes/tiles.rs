//! Vector tile routes: `/tiles/{layer}/{z}/{x}/{y}` (MVT) and
//! `/tiles/{layer}/tilejson.json`, with an in-memory cache and caching
//! headers. Tiles do not depend on any plan.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::{ApiError, ErrorBody};
use crate::state::{EncodedTile, SharedState};
use hecmap_tiles::TileLayer;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/tiles/{layer}/tilejson.json", get(tilejson))
        .route("/tiles/{layer}/{z}/{x}/{y}", get(tile))
}

fn parse_layer(name: &str) -> Result<TileLayer, ApiError> {
    TileLayer::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = TileLayer::ALL.iter().map(|l| l.name()).collect();
        ApiError::not_found(format!(
            "no tile layer {name:?}: layers are {}",
            known.join(", ")
        ))
    })
}

/// The base URL clients reached us by, for TileJSON's tile template.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

/// TileJSON 3.0 for a layer.
#[utoipa::path(get, path = "/tiles/{layer}/tilejson.json", tag = "tiles",
    params(("layer" = super::params::TileLayerParam, Path, description = "tracts, towns or town_labels")),
    responses((status = 200, description = "TileJSON 3.0.0", body = serde_json::Value), (status = 404, body = ErrorBody)))]
pub async fn tilejson(
    State(state): State<SharedState>,
    Path(layer): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer = parse_layer(&layer)?;
    let json = state.tiles.tilejson(layer, &base_url(&headers));
    Ok((
        [(header::CACHE_CONTROL, "public, max-age=3600")],
        axum::Json(json),
    )
        .into_response())
}

/// A Mapbox Vector Tile (`.pbf` or `.mvt` suffix on y accepted).
#[utoipa::path(get, path = "/tiles/{layer}/{z}/{x}/{y}", tag = "tiles",
    params(("layer" = super::params::TileLayerParam, Path, description = "tracts, towns or town_labels"),
           ("z" = u8, Path), ("x" = u32, Path), ("y" = String, Path, description = "row, optionally with .pbf or .mvt")),
    responses((status = 200, description = "application/vnd.mapbox-vector-tile"),
              (status = 204, description = "empty tile"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn tile(
    State(state): State<SharedState>,
    Path((layer, z, x, y)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let layer = parse_layer(&layer)?;
    let number = |s: &str, what: &str| {
        s.trim_end_matches(".pbf")
            .trim_end_matches(".mvt")
            .parse::<u32>()
            .map_err(|_| {
                ApiError::bad_request(
                    "bad_tile",
                    format!("tile {what} {s:?} is not a whole number"),
                )
            })
    };
    let (z, x, y) = (
        number(&z, "zoom")?,
        number(&x, "column")?,
        number(&y, "row")?,
    );
    let z =
        u8::try_from(z).map_err(|_| ApiError::not_found(format!("zoom {z} is out of range")))?;
    let key = (layer, z, x, y);
    let cached = match state.tile_cache.get(&key) {
        Some(hit) => hit,
        None => {
            let state2 = state.clone();
            let encoded = tokio::task::spawn_blocking(move || {
                let tile = state2.tiles.tile(layer, z, x, y)?;
                tile.map(|bytes| EncodedTile::new(bytes).map(Arc::new))
                    .transpose()
                    .map_err(|e| ApiError::internal(format!("tile compression failed: {e}")))
            })
            .await
            .map_err(|e| ApiError::internal(format!("tile encoder failed: {e}")))??;
            state.tile_cache.insert(key, encoded.clone());
            encoded
        }
    };
    let cache = (header::CACHE_CONTROL, "public, max-age=86400");
    let vary = (header::VARY, "accept-encoding");
    Ok(match cached {
        // The gzipped bytes as cached: the compression layer leaves a
        // response that already has a Content-Encoding alone.
        Some(tile) if accepts_gzip(&headers) => (
            [
                (header::CONTENT_TYPE, "application/vnd.mapbox-vector-tile"),
                (header::CONTENT_ENCODING, "gzip"),
                cache,
                vary,
            ],
            tile.gzip.clone(),
        )
            .into_response(),
        Some(tile) => (
            [
                (header::CONTENT_TYPE, "application/vnd.mapbox-vector-tile"),
                cache,
                vary,
            ],
            tile.plain.clone(),
        )
            .into_response(),
        None => (StatusCode::NO_CONTENT, [cache]).into_response(),
    })
}

/// True when the client takes gzip (`Accept-Encoding: gzip`, not `gzip;q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| p.replace(' ', "") == "q=0" || p == "q=0.0");
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}
