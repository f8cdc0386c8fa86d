//! Small helpers every part of the negotiation shares: the clock, and
//! CPU-bound work moved off the async runtime's threads.

use crate::error::{NegotiationError, Result};

/// Now, as RFC 3339 text in UTC (what the tables store).
pub(crate) fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// Now, in Unix seconds.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Runs CPU-bound work on tokio's blocking threads (never on the async
/// runtime's). A panic in it is passed on.
pub(crate) async fn blocking<T, F>(work: F) -> Result<T>
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
