//! Reading a plan from a request body in any form the CLI takes: CSV,
//! assignment JSON, GeoJSON, a zipped shapefile or a GeoPackage (raw body
//! or a multipart upload), with optional rule overrides for a what-if check.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use serde::Deserialize;

use super::SharedState;
use super::error::ApiError;
use crate::plan::{LoadedPlan, PlanFormat, PlanScope, read_plan, read_plan_text};
use crate::rules::RulesConfig;

/// Query parameters of the endpoints that take a plan.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// The plan's form when the Content-Type does not say: csv, json, shp (zipped), gpkg.
    #[param(value_type = Option<super::openapi::PlanFormatParam>)]
    pub format: Option<PlanFormat>,
    /// statewide, partial or auto (default).
    #[param(value_type = Option<super::openapi::ScopeParam>)]
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

/// A plan's bytes and the form they are in.
pub struct PlanUpload {
    pub bytes: Bytes,
    pub format: Option<PlanFormat>,
    pub file_name: String,
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
                let file_name = field.file_name().unwrap_or("upload").to_string();
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

/// Reads the uploaded plan (on a blocking thread: polygons take real work).
pub async fn load_plan(
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
    let state = state.clone();
    let options = rules.polygons.clone();
    let scope = query.scope;
    let name = query.name.clone();
    let source = upload.file_name.clone();
    let mut loaded = tokio::task::spawn_blocking(move || -> Result<LoadedPlan, ApiError> {
        match format {
            PlanFormat::Csv | PlanFormat::Json => Ok(read_plan_text(
                &state.data,
                &upload.bytes,
                format,
                &source,
                &options,
            )?),
            PlanFormat::Shp | PlanFormat::Gpkg => {
                let suffix = if format == PlanFormat::Shp {
                    ".zip"
                } else {
                    ".gpkg"
                };
                let mut file = tempfile::Builder::new()
                    .prefix("hecmap-upload-")
                    .suffix(suffix)
                    .tempfile()
                    .map_err(|e| ApiError::internal(format!("cannot store the upload: {e}")))?;
                std::io::Write::write_all(&mut file, &upload.bytes)
                    .map_err(|e| ApiError::internal(format!("cannot store the upload: {e}")))?;
                // Errors name the upload, not the temporary file it was kept in.
                let temp = file.path().display().to_string();
                let (mut plan, resolution) =
                    read_plan(&state.data, file.path(), Some(format), &options)
                        .map_err(|e| ApiError::from(e).renaming(&temp, &source))?;
                plan.source = source.clone();
                Ok((plan, resolution))
            }
        }
    })
    .await
    .map_err(|e| ApiError::internal(format!("plan reader failed: {e}")))??;
    if let Some(scope) = scope {
        loaded.0.scope = scope;
    }
    if let Some(name) = name {
        loaded.0.name = name;
    }
    Ok(loaded)
}
