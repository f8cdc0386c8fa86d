//! The negotiation of HEC geographies between prospective HECs and the
//! state, in rounds: organizations (prospective HECs) save versions of
//! their proposal and submit them; the state composes the latest submitted
//! version of every proposal into one statewide plan and validates it with
//! the full rules, showing disputes (units claimed by more than one
//! proposal) and gaps (units no one claims); staff rule on disputes and
//! waivers, each ruling producing a new version of the state's draft plan;
//! the HECs revise. Comments, diffs between versions and an audit log of
//! every change go with it.
//!
//! Storage is SQLite (a file in a data directory, the default) or
//! PostgreSQL (a connection URL) through the same migrations
//! (`migrations/`). Every write is one transaction, committed before the
//! caller answers; edits of a proposal or of the state plan name the
//! version they were based on, and a stale one is refused
//! ([`NegotiationError::Conflict`]) instead of overwriting another edit.
//!
//! Access: every operation takes the [`Actor`] doing it and checks its
//! [`Role`] itself, so no caller (HTTP or CLI) can forget a check. This
//! module knows nothing of HTTP (a client's address comes in as an
//! [`std::net::IpAddr`]).
//!
//! Confidentiality: a draft is its organization's own. Its plan, rationale
//! and waiver reason, and the audit entries about it, are shown to that
//! organization's editors only; others see a proposal's latest *submitted*
//! version, never how many drafts follow it.
//!
//! Work on the CPU (parsing a plan against the units, composing the state
//! plan, validating, diffing, hashing passwords) runs on tokio's blocking
//! threads, never on the async runtime's, and never inside a write
//! transaction.

mod accounts;
pub mod auth;
pub mod compose;
pub mod limits;
mod proposals;
mod rulings;
mod store;
mod throttle;

use serde::{Deserialize, Serialize};

pub use accounts::{NewUser, Organization, User};
pub use auth::{AuthSettings, AuthStats, Credential, CredentialKind, Login};
pub use compose::{
    Claimant, Diff, Dispute, Gap, HecDiff, StateInputs, StateView, SubmittedVersion, Totals,
    UnitSet,
};
pub use proposals::{Comment, CommentTarget, NewVersion, Proposal, Version, VersionStatus};
pub use rulings::{NewRuling, Ruling, RulingKind, StateVersion, WaiverDecision, visible_to};
pub use store::{AuditEntry, Backend, Store, StoreLocation};

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Creates organizations and accounts.
    Admin,
    /// State staff: rules on disputes and waivers, comments.
    Staff,
    /// Reads everything that is not a draft; changes nothing.
    Analyst,
    /// Edits the proposal of one organization (an HEC).
    Editor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Analyst => "analyst",
            Role::Editor => "editor",
        }
    }

    pub fn parse(text: &str) -> Result<Self, NegotiationError> {
        Ok(match text.trim().to_ascii_lowercase().as_str() {
            "admin" | "administrator" => Role::Admin,
            "staff" => Role::Staff,
            "analyst" => Role::Analyst,
            "editor" | "hec" | "hec_editor" => Role::Editor,
            other => {
                return Err(NegotiationError::invalid(format!(
                    "role {other:?}: expected admin, staff, analyst or editor"
                )));
            }
        })
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is doing something: a signed-in account, or the command line
/// (which has the database itself and acts as an administrator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    /// The account; None for the command line.
    pub user_id: Option<i64>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The organization of an HEC editor.
    pub organization_id: Option<i64>,
}

impl Actor {
    /// The command line, acting as an administrator.
    pub fn command_line() -> Self {
        let who = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
        Self {
            user_id: None,
            username: format!("cli:{who}"),
            display_name: format!("hecmap command line ({who})"),
            role: Role::Admin,
            organization_id: None,
        }
    }

    fn is(&self, role: Role) -> bool {
        self.role == role
    }

    /// An HEC editor of this organization.
    fn edits(&self, organization: i64) -> bool {
        self.role == Role::Editor && self.organization_id == Some(organization)
    }

    fn require(&self, allowed: bool, what: &str) -> Result<(), NegotiationError> {
        if allowed {
            Ok(())
        } else {
            Err(NegotiationError::Forbidden(format!(
                "{} ({}) may not {what}",
                self.username, self.role
            )))
        }
    }

    /// The user id an action is recorded under (the command line has none).
    fn author_id(&self) -> Result<i64, NegotiationError> {
        self.user_id.ok_or_else(|| {
            NegotiationError::Forbidden(
                "this action needs a signed-in account, not the command line".into(),
            )
        })
    }
}

/// What can go wrong in the negotiation.
#[derive(Debug, thiserror::Error)]
pub enum NegotiationError {
    /// No valid credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// Signed in, but the role does not allow it.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The edit was based on a version that is no longer the latest.
    #[error("{message}")]
    Conflict { message: String, current: i64 },
    /// The request is well-formed but says something impossible.
    #[error("{0}")]
    Invalid(String),
    /// Too many failed sign-ins (from this address, for this account):
    /// wait `retry_after_secs` and try again. HTTP 429 with `Retry-After`.
    #[error("too many failed sign-ins: try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    /// Every password-hashing slot stayed busy for the whole wait
    /// ([`AuthSettings::hash_wait_ms`]): try again in `retry_after_secs`.
    /// HTTP 503 with `Retry-After`.
    #[error("the server is busy checking passwords: try again in {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    #[error(transparent)]
    Plan(#[from] hecmap_core::plan::PlanError),
    #[error(transparent)]
    Need(#[from] hecmap_core::need::NeedError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("password hashing: {0}")]
    Hash(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl NegotiationError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(message.into())
    }

    fn corrupt(e: impl std::fmt::Display) -> Self {
        Self::Corrupt(e.to_string())
    }
}

impl From<serde_json::Error> for NegotiationError {
    fn from(e: serde_json::Error) -> Self {
        Self::corrupt(e)
    }
}

pub type Result<T, E = NegotiationError> = std::result::Result<T, E>;

/// Now, as RFC 3339 text in UTC (what the tables store).
fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// Now, in Unix seconds.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Text that must say something (a reason, a rationale, a name), at most
/// `max` characters (`field` names it in the refusal).
fn required(what: &str, field: &str, text: &str, max: usize) -> Result<String> {
    limits::bounded(field, text, max)?;
    let text = text.trim();
    if text.is_empty() {
        return Err(NegotiationError::invalid(format!("{what} is required")));
    }
    Ok(text.to_string())
}

/// Runs CPU-bound work on tokio's blocking threads (never on the async
/// runtime's). A panic in it is passed on.
async fn blocking<T, F>(work: F) -> Result<T>
where
    F: FnOnce() -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(NegotiationError::Io(std::io::Error::other(e.to_string()))),
    }
}
