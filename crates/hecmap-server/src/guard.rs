//! What every request passes through: the access log, the same-origin
//! rule for writes (cross-site request forgery), and the security headers
//! on every answer.

use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::client::ClientAddr;
use crate::error::ApiError;
use crate::state::SharedState;

/// Logs every request once it is answered: method, route (the matched
/// pattern, never query strings or ids that might be secrets), status,
/// latency, client address and request id.
pub async fn log_request(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let client = ClientAddr::of(&parts, &state.config.trusted_proxies);
    let method = parts.method.clone();
    let route = parts
        .extensions
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let request_id = parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let response = next.run(Request::from_parts(parts, body)).await;
    // Router-level layers run after routing, so a matched route is known;
    // the web map's files and unknown paths have none.
    let route = route.unwrap_or_else(|| "(static or unmatched)".into());
    tracing::info!(
        target: "hecmap_core::access",
        %method,
        route,
        status = response.status().as_u16(),
        latency_us = started.elapsed().as_micros() as u64,
        %client,
        request_id,
        "request"
    );
    response
}

/// Refuses a state-changing request (anything but GET, HEAD, OPTIONS)
/// that a browser sent from another site: its `Origin` must be this
/// server's own or one allowed by CORS. Requests without `Origin` (API
/// clients, the CLI, curl) pass; browsers always send it on such requests.
pub async fn same_origin_writes(
    State(state): State<SharedState>,
    req: Request,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let cross_site_fetch = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    let allowed = match origin {
        None => !cross_site_fetch,
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            same_host(origin, host)
                || state
                    .config
                    .cors_origins
                    .iter()
                    .any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
        }
    };
    if allowed {
        next.run(req).await
    } else {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_origin",
            format!(
                "a request from {} may not change anything here: only this server's own pages, or origins it allows (--cors-origin), may",
                origin.unwrap_or("another site")
            ),
        )
        .into_response()
    }
}

/// True when `origin` ("https://host:port") names the host the request was
/// sent to (its `Host` header, port included).
fn same_host(origin: &str, host: Option<&str>) -> bool {
    let Some(host) = host else {
        return false;
    };
    let Some((_, authority)) = origin.split_once("://") else {
        return false;
    };
    authority.eq_ignore_ascii_case(host)
}

/// The page's content policy: everything from this server, tiles and
/// workers as blobs (MapLibre), no framing, no plugins, no inline script.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
    connect-src 'self'; worker-src 'self' blob:; child-src 'self' blob:; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to every answer (unless a handler set its own).
pub fn security_headers(app: Router, behind_https: bool) -> Router {
    let set = |app: Router, name: &'static str, value: &'static str| {
        app.layer(SetResponseHeaderLayer::if_not_present(
            header::HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ))
    };
    let mut app = set(app, "content-security-policy", CONTENT_SECURITY_POLICY);
    app = set(app, "x-content-type-options", "nosniff");
    app = set(app, "x-frame-options", "DENY");
    app = set(app, "referrer-policy", "no-referrer");
    app = set(app, "cross-origin-opener-policy", "same-origin");
    app = set(
        app,
        "permissions-policy",
        "geolocation=(), camera=(), microphone=()",
    );
    if behind_https {
        app = set(app, "strict-transport-security", "max-age=31536000");
    }
    app
}

/// Scratch files older than this are left over from a crash.
const STALE_SCRATCH: Duration = Duration::from_secs(3600);

/// Removes the scratch directories and files of uploads and exports that a
/// crashed server (or reader process) left in the temporary directory.
/// Only old ones: another server on this machine may be using newer ones.
pub fn remove_stale_scratch() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("hecmap-upload-") || name.starts_with("hecmap-export-")) {
            continue;
        }
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > STALE_SCRATCH);
        if !old {
            continue;
        }
        let path = entry.path();
        let removed = if meta.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match removed {
            Ok(()) => tracing::info!(path = %path.display(), "removed stale scratch"),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot remove stale scratch")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_is_ours_only_with_the_same_host_and_port() {
        assert!(same_host("http://127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(same_host("https://HECMAP.ct.gov", Some("hecmap.ct.gov")));
        assert!(!same_host("http://127.0.0.1:9999", Some("127.0.0.1:8080")));
        assert!(!same_host("http://evil.example", Some("hecmap.ct.gov")));
        assert!(!same_host("null", Some("hecmap.ct.gov")));
        assert!(!same_host("http://hecmap.ct.gov", None));
    }
}
