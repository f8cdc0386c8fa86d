//! The HTTP layer's one error type: a status and a JSON body that names the
//! problem (and, for a plan, the row or feature).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use hecmap_core::export::ExportError;
use hecmap_core::limits::LimitError;
use hecmap_core::need::NeedError;
use hecmap_core::plan::PlanError;
use hecmap_core::rules::RulesError;
use hecmap_negotiation::NegotiationError;
use hecmap_tiles::TileError;

/// Body of every error response: `{"error": {"code", "message"}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable code: `bad_plan`, `bad_rules`, `not_found`, `too_large`, ...
    pub code: &'static str,
    /// What is wrong and where, for a person.
    pub message: String,
    /// For a version conflict (409): the version that is now the latest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<i64>,
}

/// An error a handler returns.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The latest version, for a conflict.
    pub current: Option<i64>,
    /// Seconds to wait before trying again (a `Retry-After` header), for
    /// 429 and 503.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            current: None,
            retry_after: None,
        }
    }

    /// The same error with a `Retry-After` of `seconds`.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    /// 503: the server is at its bound of concurrent heavy work.
    pub fn busy(what: &str) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            format!("the server is busy with other {what}; try again in a few seconds"),
        )
        .retry_after(2)
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, message = %self.message, "request failed");
        } else {
            tracing::info!(code = self.code, message = %self.message, "request refused");
        }
        let retry_after = self.retry_after;
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                current: self.current,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<PlanError> for ApiError {
    fn from(e: PlanError) -> Self {
        match e.limit() {
            Some(LimitError::TooLarge { .. }) => {
                Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", e.to_string())
            }
            Some(LimitError::OutOfTime { .. }) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "out_of_time",
                e.to_string(),
            ),
            None => Self::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_plan", e.to_string()),
        }
    }
}

impl From<LimitError> for ApiError {
    fn from(e: LimitError) -> Self {
        PlanError::from(e).into()
    }
}

impl From<RulesError> for ApiError {
    fn from(e: RulesError) -> Self {
        Self::bad_request("bad_rules", e.to_string())
    }
}

impl From<NeedError> for ApiError {
    fn from(e: NeedError) -> Self {
        Self::bad_request("bad_rules", e.to_string())
    }
}

impl From<ExportError> for ApiError {
    fn from(e: ExportError) -> Self {
        // The message may name a scratch path on this server: log it, not send it.
        tracing::error!(error = %e, "export failed");
        Self::internal("the export failed on this server; it has been logged")
    }
}

impl From<TileError> for ApiError {
    fn from(e: TileError) -> Self {
        match e {
            TileError::OutOfRange { .. } => Self::not_found(e.to_string()),
            other => Self::internal(other.to_string()),
        }
    }
}

impl From<NegotiationError> for ApiError {
    fn from(e: NegotiationError) -> Self {
        let message = e.to_string();
        match e {
            NegotiationError::Unauthenticated(m) => {
                Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", m)
            }
            NegotiationError::Forbidden(m) => Self::new(StatusCode::FORBIDDEN, "forbidden", m),
            NegotiationError::NotFound(m) => Self::not_found(m),
            NegotiationError::Conflict { message, current } => Self {
                current: Some(current),
                ..Self::new(StatusCode::CONFLICT, "conflict", message)
            },
            NegotiationError::TooManyAttempts { retry_after_secs } => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message)
                    .retry_after(retry_after_secs)
            }
            NegotiationError::Busy { retry_after_secs } => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message)
                    .retry_after(retry_after_secs)
            }
            NegotiationError::Invalid(m) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m)
            }
            NegotiationError::Plan(e) => e.into(),
            NegotiationError::Need(e) => e.into(),
            other => {
                // Storage details go to the log, not to the client.
                tracing::error!(error = %other, "negotiation storage failed");
                Self::internal(
                    "the negotiation's storage failed on this request; it has been logged",
                )
            }
        }
    }
}

impl From<axum::extract::rejection::BytesRejection> for ApiError {
    fn from(e: axum::extract::rejection::BytesRejection) -> Self {
        Self::new(
            e.status(),
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "too_large"
            } else {
                "bad_body"
            },
            e.body_text(),
        )
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(e: axum::extract::rejection::QueryRejection) -> Self {
        Self::bad_request("bad_query", e.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(e: axum::extract::rejection::PathRejection) -> Self {
        Self::bad_request("bad_path", e.body_text())
    }
}

impl From<axum::extract::multipart::MultipartError> for ApiError {
    fn from(e: axum::extract::multipart::MultipartError) -> Self {
        Self::new(e.status(), "bad_upload", e.body_text())
    }
}

impl From<axum::extract::multipart::MultipartRejection> for ApiError {
    fn from(e: axum::extract::multipart::MultipartRejection) -> Self {
        Self::new(e.status(), "bad_upload", e.body_text())
    }
}
