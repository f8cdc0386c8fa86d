//! The HTTP service: a thin axum layer over the engine. It loads the data
//! once, then serves the validation API, vector tiles, an OpenAPI
//! description with an interactive page, and the web UI's static files.
//! Nothing in the engine depends on this module.

mod api;
pub mod client;
mod error;
mod guard;
mod negotiation_routes;
mod openapi;
mod plan_body;
mod tile_routes;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use std::future::IntoFuture;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::response::IntoResponse;
use axum::{Router, middleware};
use serde::{Deserialize, Serialize};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;

use hecmap_core::dataset::Dataset;
use hecmap_core::rules::RulesConfig;
use hecmap_tiles::{TileLayer, TileSource};

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
    /// Proxies (load balancers) whose `X-Forwarded-For` names the client;
    /// from anyone else the header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Plans validated or exported at once (reading, resolving, checking);
    /// past it a request waits [`HEAVY_QUEUE_WAIT`], then gets 503.
    pub heavy_concurrency: usize,
    /// Caps on uploaded plans.
    pub limits: hecmap_core::limits::InputLimits,
    /// How binary uploads are read: in a separate, limited process by
    /// `hecmap serve`; in process where no executable is at hand (tests).
    #[serde(skip, default = "in_process")]
    pub reader: hecmap_core::source::ForeignReader,
}

fn in_process() -> hecmap_core::source::ForeignReader {
    hecmap_core::source::ForeignReader::InProcess
}

/// How long a plan may wait for a free slot before the answer is 503.
pub const HEAVY_QUEUE_WAIT: Duration = Duration::from_secs(2);

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
            trusted_proxies: Vec::new(),
            heavy_concurrency: 2,
            limits: hecmap_core::limits::InputLimits::default(),
            reader: in_process(),
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
    pub store: Option<hecmap_negotiation::Store>,
    /// Slots for CPU-bound work on plans ([`ServerConfig::heavy_concurrency`]).
    pub heavy_work: Arc<tokio::sync::Semaphore>,
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
        store: Option<hecmap_negotiation::Store>,
    ) -> SharedState {
        let tiles = TileSource::new(&data);
        Arc::new(Self {
            tile_cache: quick_cache::sync::Cache::new(config.tile_cache_entries.max(1)),
            heavy_work: Arc::new(tokio::sync::Semaphore::new(config.heavy_concurrency.max(1))),
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
        .with_state(state.clone());
    if let Some(dir) = &config.web_dir {
        app = app.fallback_service(ServeDir::new(dir).append_index_html_on_directories(true));
    }
    let app = app
        .layer(DefaultBodyLimit::max(config.body_limit_bytes))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::same_origin_writes,
        ))
        .layer(cors(&config.cors_origins))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.timeout_secs),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("the server failed on this request; it has been logged")
                .into_response()
        }));
    guard::security_headers(app, config.secure_cookies)
        .layer(middleware::from_fn_with_state(state, guard::log_request))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// How long in-flight requests may take to finish once the server is told
/// to stop; past it the server stops anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Serves until Ctrl-C or SIGTERM, then stops within [`SHUTDOWN_GRACE`]
/// whatever the requests in flight are doing.
pub async fn serve(state: SharedState) -> std::io::Result<()> {
    let addr = state.config.addr;
    guard::remove_stale_scratch();
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "hecmap listening");
    eprintln!("hecmap: serving on http://{}", listener.local_addr()?);
    let (stopping, mut stopped) = tokio::sync::watch::channel(false);
    let server = axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("stopping: finishing requests in flight");
        let _ = stopping.send(true);
    });
    let grace = async move {
        let _ = stopped.wait_for(|s| *s).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        result = server.into_future() => result,
        () = grace => {
            tracing::warn!("stopping without waiting for the requests still in flight");
            Ok(())
        }
    }
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
