//! The audit log in the database: entries written inside each change's
//! transaction, and read back as the actor may see them.

use sqlx::{Any, Row, Transaction};

use super::{Store, next_id};
use crate::access::{Actor, Role};
use crate::audit::AuditEntry;
use crate::error::Result;
use crate::util::now;

/// An audit entry to write.
pub(super) struct Entry<'a> {
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub reason: Option<&'a str>,
    pub details: serde_json::Value,
    /// The organization whose draft it is about: shown to no one else.
    pub draft_of: Option<i64>,
}

/// Records a change in the audit log (inside the change's transaction).
pub(super) async fn audit(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    action: &str,
    target: &str,
    reason: Option<&str>,
    details: serde_json::Value,
) -> Result<i64> {
    record(
        tx,
        Entry {
            actor_id: actor.user_id,
            actor: &actor.username,
            action,
            target,
            reason,
            details,
            draft_of: None,
        },
    )
    .await
}

/// Writes an audit entry (inside the change's transaction).
pub(super) async fn record(tx: &mut Transaction<'static, Any>, entry: Entry<'_>) -> Result<i64> {
    let id = next_id(tx, "audit").await?;
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, actor, action, target, reason, details, draft_of)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(now())
    .bind(entry.actor_id)
    .bind(entry.actor)
    .bind(entry.action)
    .bind(entry.target)
    .bind(entry.reason)
    .bind(entry.details.to_string())
    .bind(entry.draft_of)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

impl Store {
    /// The audit log, newest first, as the actor may see it: entries about
    /// an organization's drafts only for its own editors (so for none of
    /// the roles that read the log), sign-ins (with client addresses) only
    /// for administrators.
    pub async fn audit(
        &self,
        actor: &Actor,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<AuditEntry>> {
        actor.require(
            actor.role != Role::Editor,
            "read the audit log (staff, analysts and administrators do)",
        )?;
        let own_drafts = match actor.role {
            Role::Editor => actor.organization_id.unwrap_or(-1),
            _ => -1,
        };
        let rows = sqlx::query(
            "SELECT id, at, actor_id, actor, action, target, reason, details FROM audit_log
             WHERE id < $1 AND (draft_of IS NULL OR draft_of = $3)
               AND (action NOT LIKE 'auth.%' OR $4 = 1)
             ORDER BY id DESC LIMIT $2",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit.clamp(1, 1000))
        .bind(own_drafts)
        .bind(actor.is(Role::Admin) as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    actor_id: r.try_get("actor_id")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    reason: r.try_get("reason")?,
                    details: serde_json::from_str(&r.try_get::<String, _>("details")?)?,
                })
            })
            .collect()
    }
}
