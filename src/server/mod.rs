//! The HTTP service: a thin axum layer over the engine. It loads the data
//! once, then serves the validation API, vector tiles, an OpenAPI
//! description with an interactive page, and the web UI's static files.
//! Nothing in the engine depends on this module.

mod api;
mod error;
mod negotiation_routes;
mod openapi;
mod plan_body;
mod tile_routes;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::dataset::Dataset;
use crate::rules::RulesConfig;
use crate::tiles::{TileLayer, TileSource};

pub use error::{ApiError, ErrorBody};

/// Settings of the service.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerConfig {
    /// Address to listen on (loopback by default).
    pub addr: SocketAddr,
    /// Largest request body accepted, in bytes (plans and uploads).
    pub body_limit_bytes: usize,
    /// Longest a request may take.
    pub timeout_secs: u64,
    /// Origins allowed to call the API from a browser (CORS); empty: none
    /// but the service's own pages; `*`: any.
    pub cors_origins: Vec<String>,
    /// Tiles kept in memory.
    pub tile_cache_entries: usize,
    /// Directory of the web UI's built files, served at `/`.
    pub web_dir: Option<PathBuf>,
    /// Mark the session cookie `Secure` (serve over HTTPS, or behind a
    /// proxy that does).
    pub secure_cookies: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit_bytes: 20 * 1024 * 1024,
            timeout_secs: 30,
            cors_origins: Vec::new(),
            tile_cache_entries: 20_000,
            web_dir: None,
            secure_cookies: false,
        }
    }
}

/// A cached tile: its encoded bytes, or None for an empty tile.
type CachedTile = Option<Arc<Vec<u8>>>;

/// What every handler shares.
pub struct AppState {
    pub data: Arc<Dataset>,
    pub rules: RulesConfig,
    pub tiles: TileSource,
    pub tile_cache: quick_cache::sync::Cache<(TileLayer, u8, u32, u32), CachedTile>,
    pub config: ServerConfig,
    /// The negotiation's storage (proposals, rulings, accounts); None:
    /// its routes answer 503.
    pub store: Option<crate::negotiation::Store>,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    /// Prepares the state: builds the tile source over the dataset.
    pub fn new(data: Arc<Dataset>, rules: RulesConfig, config: ServerConfig) -> SharedState {
        Self::with_store(data, rules, config, None)
    }

    /// Prepares the state with the negotiation's storage.
    pub fn with_store(
        data: Arc<Dataset>,
        rules: RulesConfig,
        config: ServerConfig,
        store: Option<crate::negotiation::Store>,
    ) -> SharedState {
        let tiles = TileSource::new(&data);
        Arc::new(Self {
            tile_cache: quick_cache::sync::Cache::new(config.tile_cache_entries.max(1)),
            data,
            rules,
            tiles,
            config,
            store,
        })
    }
}

fn cors(origins: &[String]) -> CorsLayer {
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([
            axum::http::header::CONTENT_TYPE,
            axum::http::header::AUTHORIZATION,
        ])
}

/// The whole application: routes and middleware.
pub fn router(state: SharedState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let config = state.config.clone();
    let mut app = Router::new()
        .merge(api::routes())
        .merge(tile_routes::routes())
        .merge(negotiation_routes::routes())
        .merge(openapi::routes())
        .with_state(state);
    if let Some(dir) = &config.web_dir {
        app = app.fallback_service(ServeDir::new(dir).append_index_html_on_directories(true));
    }
    app.layer(DefaultBodyLimit::max(config.body_limit_bytes))
        .layer(CompressionLayer::new())
        .layer(cors(&config.cors_origins))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.timeout_secs),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("the server failed on this request; it has been logged").into_response()
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), uri = %req.uri(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(state: SharedState) -> std::io::Result<()> {
    let addr = state.config.addr;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "hecmap listening");
    eprintln!("hecmap: serving on http://{}", listener.local_addr()?);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
