//! Reading a plan from a request body in any form the CLI takes: CSV,
//! assignment JSON, GeoJSON, a zipped shapefile or a GeoPackage (raw body
//! or a multipart upload), with optional rule overrides for a what-if check.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use serde::Deserialize;

use crate::error::ApiError;
use crate::state::SharedState;
use std::time::Duration;

use hecmap_core::limits::{Deadline, with_deadline};
use hecmap_core::plan::{LoadedPlan, PlanFormat, PlanScope, read_plan_upload};
use hecmap_core::rules::RulesConfig;

/// Query parameters of the endpoints that take a plan.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// The plan's form when the Content-Type does not say: csv, json, shp (zipped), gpkg.
    #[param(value_type = Option<super::params::PlanFormatParam>)]
    pub format: Option<PlanFormat>,
    /// statewide, partial or auto (default).
    #[param(value_type = Option<super::params::ScopeParam>)]
    pub scope: Option<PlanScope>,
    /// For polygons: the property naming each HEC.
    pub name_field: Option<String>,
    /// Rule settings to override for this request only, as JSON (any
    /// subset of `GET /api/rules`), e.g. `{"thresholds":{"population_min":100000}}`.
    pub rules: Option<String>,
    /// A name for the plan in the report.
    pub name: Option<String>,
}

impl PlanQuery {
    /// The server's rules with this request's overrides.
    pub fn rules(&self, base: &RulesConfig) -> Result<RulesConfig, ApiError> {
        for (field, value) in [("name", &self.name), ("name_field", &self.name_field)] {
            let length = value.as_deref().map_or(0, |v| v.chars().count());
            if length > MAX_NAME_CHARS {
                return Err(ApiError::new(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "too_long",
                    format!(
                        "{field} is {length} characters long; at most {MAX_NAME_CHARS} are accepted"
                    ),
                ));
            }
        }
        let mut rules = match &self.rules {
            Some(text) => {
                let overrides: serde_json::Value = serde_json::from_str(text).map_err(|e| {
                    ApiError::bad_request("bad_rules", format!("rules override is not JSON: {e}"))
                })?;
                base.with_overrides(&overrides)?
            }
            None => base.clone(),
        };
        if self.name_field.is_some() {
            rules.polygons.name_field = self.name_field.clone();
        }
        Ok(rules)
    }
}

/// The longest plan name or property name a request may give.
pub const MAX_NAME_CHARS: usize = 200;

/// A plan's bytes and the form they are in.
pub struct PlanUpload {
    pub bytes: Bytes,
    pub format: Option<PlanFormat>,
    pub file_name: String,
}

/// The name an upload is shown by in messages: the client's file name,
/// without any directories, trimmed to 100 characters.
fn upload_name(file_name: Option<&str>) -> String {
    let name = file_name
        .unwrap_or("upload")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("upload")
        .trim();
    let name: String = name.chars().filter(|c| !c.is_control()).take(100).collect();
    if name.is_empty() {
        "upload".into()
    } else {
        name
    }
}

fn format_from_content_type(content_type: &str) -> Option<PlanFormat> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    Some(match essence.as_str() {
        "text/csv" | "text/plain" | "application/csv" => PlanFormat::Csv,
        "application/json" | "application/geo+json" => PlanFormat::Json,
        "application/zip" | "application/x-zip-compressed" | "application/x-shapefile" => {
            PlanFormat::Shp
        }
        "application/geopackage+sqlite3" | "application/x-sqlite3" | "application/vnd.sqlite3" => {
            PlanFormat::Gpkg
        }
        _ => return None,
    })
}

impl<S: Send + Sync> FromRequest<S> for PlanUpload {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if content_type.starts_with("multipart/form-data") {
            let mut multipart = Multipart::from_request(req, state).await?;
            while let Some(field) = multipart.next_field().await? {
                let file_name = upload_name(field.file_name());
                if field.name() != Some("file") && field.file_name().is_none() {
                    continue;
                }
                let format = PlanFormat::from_path(std::path::Path::new(&file_name))
                    .or_else(|| field.content_type().and_then(format_from_content_type));
                let bytes = field.bytes().await?;
                return Ok(Self {
                    bytes,
                    format,
                    file_name,
                });
            }
            return Err(ApiError::bad_request(
                "bad_upload",
                "the upload has no \"file\" field",
            ));
        }
        let bytes = Bytes::from_request(req, state).await?;
        Ok(Self {
            bytes,
            format: format_from_content_type(&content_type),
            file_name: "request body".into(),
        })
    }
}

/// Runs CPU-bound work on a plan off the async runtime: waits at most
/// [`crate::state::HEAVY_QUEUE_WAIT`] for one of the server's heavy-work slots
/// (503 with `Retry-After` past that), then runs `work` on a blocking
/// thread with the upload's time budget installed, so that the engine's
/// loops stop themselves when it runs out. The slot is held until the work
/// ends, even if the client has gone: the bound is on real CPU work.
pub async fn heavy<T: Send + 'static>(
    state: &SharedState,
    what: &'static str,
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let permit = tokio::time::timeout(
        crate::state::HEAVY_QUEUE_WAIT,
        state.heavy_work.clone().acquire_owned(),
    )
    .await
    .map_err(|_| ApiError::busy(what))?
    .map_err(|_| ApiError::busy(what))?;
    let budget = Duration::from_secs(state.config.limits.max_seconds);
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        with_deadline(Deadline::after(budget), work)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "heavy work panicked");
        ApiError::internal("the server failed on this request; it has been logged")
    })?
}

/// Reads the uploaded plan under the server's caps: text forms here,
/// binary forms in the limited reader process. Call it inside [`heavy`].
pub fn read_upload(
    state: &SharedState,
    query: &PlanQuery,
    upload: PlanUpload,
    rules: &RulesConfig,
) -> Result<LoadedPlan, ApiError> {
    if upload.bytes.is_empty() {
        return Err(ApiError::bad_request(
            "bad_plan",
            "the request has no plan in its body",
        ));
    }
    let format = query.format.or(upload.format).ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unknown_format",
            "say the plan's form with Content-Type (text/csv, application/json, application/geo+json, application/zip, application/geopackage+sqlite3) or ?format=",
        )
    })?;
    let mut loaded = read_plan_upload(
        &state.data,
        &upload.bytes,
        format,
        &upload.file_name,
        &rules.polygons,
        &state.config.limits,
        &state.config.reader,
    )?;
    if let Some(scope) = query.scope {
        loaded.0.scope = scope;
    }
    if let Some(name) = &query.name {
        loaded.0.name = name.clone();
    }
    Ok(loaded)
}
