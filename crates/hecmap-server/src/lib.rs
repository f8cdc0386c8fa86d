//! The HTTP service: a thin axum layer over the engine. It loads the data
//! once, then serves the validation API, vector tiles, an OpenAPI
//! description with an interactive page, and the web UI's static files.
//! Nothing in the engine depends on this crate.
//!
//! # Layout
//!
//! - `state`: the settings ([`ServerConfig`]) and what every handler
//!   shares ([`AppState`]);
//! - `routes/`: the handlers, one file per API tag (`service`, `units`,
//!   `plans`, `tiles`, `negotiation/`);
//! - `openapi`: the OpenAPI description, listing the routes' handlers
//!   (the routes know nothing of it);
//! - `guard`: what every request passes through (access log, same-origin
//!   writes, security headers); `client`: the client's address;
//! - `error`: [`ApiError`], the one error type of every handler.
//!
//! This file assembles the router and runs the server.

pub mod client;
mod error;
mod guard;
mod openapi;
mod routes;
mod state;

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::response::IntoResponse;
use axum::{Router, middleware};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;

pub use error::{ApiError, ErrorBody};
pub use state::{AppState, HEAVY_QUEUE_WAIT, ServerConfig, SharedState};

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
        .merge(routes::all())
        .merge(openapi::routes())
        .with_state(state.clone());
    if let Some(dir) = &config.web_dir {
        let files = ServeDir::new(dir)
            .append_index_html_on_directories(true)
            .precompressed_gzip();
        app = app.fallback_service(
            Router::new()
                .fallback_service(files)
                .layer(middleware::from_fn(static_cache_control)),
        );
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

/// Cache-Control for the page's files: a file whose name carries a
/// content hash (`chunk-3FQ2K7ZX.js`) never changes, so it is kept for a
/// year; any other (`index.html`, `app.js`) is revalidated on every use
/// (a 304 when unchanged), so that a new build shows at once.
async fn static_cache_control(
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let hashed = is_content_hashed(req.uri().path());
    let mut res = next.run(req).await;
    if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
        let value = if hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        res.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            HeaderValue::from_static(value),
        );
    }
    res
}

/// True for a file name with an esbuild content hash: a dash, eight
/// upper-case letters or digits, then the extension
/// (`chunk-B6IGBXKG.js`, `terra-draw.modern-BFEFTJDP.js`).
fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.rsplit_once('-').is_some_and(|(_, rest)| {
        let (hash, extension) = rest.split_at(rest.find('.').unwrap_or(rest.len()));
        !extension.is_empty()
            && hash.len() == 8
            && hash
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    })
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

#[cfg(test)]
mod tests {
    #[test]
    fn content_hashed_names() {
        for hashed in [
            "/chunks/chunk-B6IGBXKG.js",
            "/chunks/terra-draw.modern-BFEFTJDP.js",
            "/x/negotiation-HSIYFR4Q.js.map",
        ] {
            assert!(super::is_content_hashed(hashed), "{hashed}");
        }
        for plain in [
            "/app.js",
            "/index.html",
            "/maplibre-gl-worker.mjs",
            "/chunks/chunk-B6IGBXKG",
            "/my-notes-ABCDEFG.js",
            "/",
        ] {
            assert!(!super::is_content_hashed(plain), "{plain}");
        }
    }
}
