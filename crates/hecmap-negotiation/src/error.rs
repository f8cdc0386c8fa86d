//! What can go wrong in the negotiation, and the crate's `Result`.
//!
//! Storage failures arrive boxed ([`NegotiationError::Database`],
//! [`NegotiationError::Migrate`]): the conversions from the database
//! driver's errors live with the store (`store/mod.rs`), so this module,
//! like the rest of the domain, knows no SQL.

/// A failure of the storage underneath (the database driver's error).
pub type StorageError = Box<dyn std::error::Error + Send + Sync + 'static>;

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
    /// ([`crate::AuthSettings::hash_wait_ms`]): try again in
    /// `retry_after_secs`. HTTP 503 with `Retry-After`.
    #[error("the server is busy checking passwords: try again in {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    #[error(transparent)]
    Plan(#[from] hecmap_core::plan::PlanError),
    #[error(transparent)]
    Need(#[from] hecmap_core::need::NeedError),
    #[error("database: {0}")]
    Database(#[source] StorageError),
    #[error("database migration: {0}")]
    Migrate(#[source] StorageError),
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

    pub(crate) fn corrupt(e: impl std::fmt::Display) -> Self {
        Self::Corrupt(e.to_string())
    }
}

impl From<serde_json::Error> for NegotiationError {
    fn from(e: serde_json::Error) -> Self {
        Self::corrupt(e)
    }
}

pub type Result<T, E = NegotiationError> = std::result::Result<T, E>;
