//! The audit log's entries: every change, and every sign-in, with who did
//! it and why. Written and read by `store/audit.rs`.

use serde::Serialize;

/// One entry of the audit log.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who: an account's username, or `cli:<user>` for the command line.
    pub actor: String,
    pub actor_id: Option<i64>,
    /// What: `proposal.save`, `ruling.assign`, `user.create`, ...
    pub action: String,
    /// What it was done to: `organization:3`, `user:7`, `state`, ...
    pub target: String,
    /// Why, when the change has a reason (a rationale, a ruling's reason).
    pub reason: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}
