//! The HTTP API in process: requests through the router, as a browser
//! (session cookie) or an API client (bearer token) sends them.

use std::net::IpAddr;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use hecmap_core::rules::RulesConfig;
use hecmap_negotiation::Store;
use hecmap_server::{AppState, ServerConfig, router};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::fixtures::{DATA, PASSWORD};

pub struct Api {
    pub app: Router,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub json: Value,
}

impl Api {
    pub fn new(store: Store) -> Self {
        let state = AppState::with_store(
            DATA.clone(),
            RulesConfig::default(),
            ServerConfig::default(),
            Some(store),
        );
        Self { app: router(state) }
    }

    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let body = body.map(|v| (v.to_string().into_bytes(), "application/json"));
        self.send_raw(method, uri, auth, body, None).await
    }

    /// A JSON request from a client address (as the socket would give it).
    pub async fn send_from(
        &self,
        client: &str,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        body: Value,
    ) -> Reply {
        let body = Some((body.to_string().into_bytes(), "application/json"));
        self.send_raw(method, uri, auth, body, Some(client.parse().unwrap()))
            .await
    }

    /// Any body with any content type, from any address.
    pub async fn send_raw(
        &self,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        body: Option<(Vec<u8>, &str)>,
        client: Option<IpAddr>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(ip) = client {
            req = req.extension(axum::extract::ConnectInfo(std::net::SocketAddr::new(
                ip, 40_000,
            )));
        }
        if let Some(token) = auth {
            req = if token.starts_with("hecs_") {
                req.header(
                    header::COOKIE,
                    format!("theme=dark; hecmap_session={token}"),
                )
            } else {
                req.header(header::AUTHORIZATION, format!("Bearer {token}"))
            };
        }
        let body = match body {
            Some((bytes, content_type)) => {
                req = req.header(header::CONTENT_TYPE, content_type);
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let res = self
            .app
            .clone()
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{method} {uri}: not JSON ({e}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        Reply {
            status,
            headers,
            json,
        }
    }

    pub async fn get(&self, uri: &str, auth: &str) -> Value {
        let r = self.send("GET", uri, Some(auth), None).await;
        assert_eq!(r.status, StatusCode::OK, "GET {uri}: {}", r.json);
        r.json
    }

    pub async fn post(&self, uri: &str, auth: &str, body: Value) -> Value {
        let r = self.send("POST", uri, Some(auth), Some(body)).await;
        assert!(r.status.is_success(), "POST {uri}: {} {}", r.status, r.json);
        r.json
    }

    /// Expects a refusal with this status and error code.
    pub async fn refused(
        &self,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        body: Option<Value>,
        status: StatusCode,
        code: &str,
    ) {
        let r = self.send(method, uri, auth, body).await;
        assert_eq!(r.status, status, "{method} {uri} as {auth:?}: {}", r.json);
        assert_eq!(r.json["error"]["code"], code, "{method} {uri}: {}", r.json);
    }

    /// A request the caller's role may not make: 403 `forbidden`.
    pub async fn forbidden(
        &self,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) {
        self.refused(method, uri, auth, body, StatusCode::FORBIDDEN, "forbidden")
            .await;
    }

    /// Signs in for a bearer token.
    pub async fn token(&self, username: &str, password: &str) -> String {
        let r = self
            .send("POST", "/api/auth/login", None, Some(json!({"username": username, "password": password, "kind": "token", "label": "test"})))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        r.json["token"].as_str().unwrap().to_string()
    }
}

/// Creates an organization and its editor through the API.
pub async fn org_with_editor(api: &Api, admin: &str, name: &str, editor: &str) -> (i64, String) {
    let org = api
        .post("/api/organizations", admin, json!({"name": name}))
        .await;
    let id = org["id"].as_i64().unwrap();
    api.post(
        "/api/users",
        admin,
        json!({"username": editor, "role": "editor", "organization_id": id, "password": PASSWORD}),
    )
    .await;
    (id, api.token(editor, PASSWORD).await)
}
