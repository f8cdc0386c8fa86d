//! Proposals, their versions and comments in the database. Each save is
//! one transaction that bumps the proposal's head only if it is still the
//! version the edit was based on.

use std::sync::Arc;

use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::audit::{Entry, audit, record};
use super::{Store, next_id};
use crate::access::{Actor, Role};
use crate::compose::SubmittedVersion;
use crate::error::{NegotiationError, Result};
use crate::limits::{MAX_COMMENT, MAX_RATIONALE, required};
use crate::proposals::{
    CheckedPlan, Comment, CommentTarget, NewVersion, Proposal, Version, VersionStatus, check_plan,
    dispute_exists, may_comment, may_read_comments,
};
use crate::util::{blocking, now};
use hecmap_core::dataset::Dataset;

const VERSION_COLUMNS: &str =
    "v.organization_id, v.version, v.status, v.rationale, v.created_at, v.submitted_at,
    a.username AS author, s.username AS submitter";

fn version_from(row: &AnyRow, plan: Option<Value>) -> Result<Version> {
    Ok(Version {
        organization_id: row.try_get("organization_id")?,
        version: row.try_get("version")?,
        status: VersionStatus::parse(&row.try_get::<String, _>("status")?)?,
        rationale: row.try_get("rationale")?,
        author: row.try_get("author")?,
        created_at: row.try_get("created_at")?,
        submitted_at: row.try_get("submitted_at")?,
        submitted_by: row.try_get("submitter")?,
        plan,
    })
}

impl Store {
    /// A proposal with the versions the actor may see (and, outside the
    /// organization, its latest submitted version as `head`).
    pub async fn proposal(&self, actor: &Actor, organization_id: i64) -> Result<Proposal> {
        let organization = self.organization(organization_id).await?;
        let drafts = actor.edits(organization_id);
        let head: i64 = if drafts {
            sqlx::query("SELECT head FROM proposals WHERE organization_id = $1")
                .bind(organization_id)
                .fetch_one(&self.pool)
                .await?
                .try_get("head")?
        } else {
            sqlx::query(
                "SELECT COALESCE(MAX(version), 0) AS head FROM proposal_versions
                 WHERE organization_id = $1 AND status = 'submitted'",
            )
            .bind(organization_id)
            .fetch_one(&self.pool)
            .await?
            .try_get("head")?
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLUMNS} FROM proposal_versions v
             JOIN users a ON a.id = v.author_id LEFT JOIN users s ON s.id = v.submitted_by
             WHERE v.organization_id = $1 AND (v.status = 'submitted' OR $2 = 1)
             ORDER BY v.version DESC"
        )))
        .bind(organization_id)
        .bind(drafts as i64)
        .fetch_all(&self.pool)
        .await?;
        let versions = rows
            .iter()
            .map(|r| version_from(r, None))
            .collect::<Result<_>>()?;
        Ok(Proposal {
            organization,
            head,
            versions,
        })
    }

    /// One version with its plan (a draft only for its organization's editors).
    pub async fn version(
        &self,
        actor: &Actor,
        organization_id: i64,
        version: i64,
    ) -> Result<Version> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLUMNS}, v.plan FROM proposal_versions v
             JOIN users a ON a.id = v.author_id LEFT JOIN users s ON s.id = v.submitted_by
             WHERE v.organization_id = $1 AND v.version = $2"
        )))
        .bind(organization_id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        let missing = || {
            NegotiationError::not_found(format!(
                "organization {organization_id} has no version {version} of its proposal that you may see"
            ))
        };
        let row = row.ok_or_else(missing)?;
        let plan: Value = serde_json::from_str(&row.try_get::<String, _>("plan")?)?;
        let v = version_from(&row, Some(plan))?;
        if v.status == VersionStatus::Draft && !actor.edits(organization_id) {
            return Err(missing());
        }
        Ok(v)
    }

    /// Saves a new version of an organization's proposal (its editors
    /// only), as a draft or submitted. Refused with a conflict when
    /// `base_version` is not the latest.
    pub async fn save_version(
        &self,
        actor: &Actor,
        data: &Arc<Dataset>,
        organization_id: i64,
        new: NewVersion,
    ) -> Result<Version> {
        actor.require(
            actor.edits(organization_id),
            &format!(
                "edit the proposal of organization {organization_id} (only its HEC editors do)"
            ),
        )?;
        let author_id = actor.author_id()?;
        let organization = self.organization(organization_id).await?;
        let rationale = required(
            "a rationale (why this geography)",
            "rationale",
            &new.rationale,
            MAX_RATIONALE,
        )?;
        let (data, name, plan) = (data.clone(), organization.name.clone(), new.plan);
        let CheckedPlan {
            plan,
            tracts,
            waiver,
        } = blocking(move || check_plan(&data, &name, &plan)).await?;
        let mut tx = self.write().await?;
        let version = new.base_version + 1;
        let at = now();
        let bumped = sqlx::query(
            "UPDATE proposals SET head = $1, updated_at = $2 WHERE organization_id = $3 AND head = $4",
        )
        .bind(version)
        .bind(&at)
        .bind(organization_id)
        .bind(new.base_version)
        .execute(&mut *tx)
        .await?;
        if bumped.rows_affected() != 1 {
            let current = current_head(&mut tx, organization_id).await?;
            return Err(NegotiationError::Conflict {
                message: format!(
                    "the proposal of {} changed since version {}: it is at version {current}; reload it and redo the edit",
                    organization.name, new.base_version
                ),
                current,
            });
        }
        let submitted = new.status == VersionStatus::Submitted;
        sqlx::query(
            "INSERT INTO proposal_versions
               (organization_id, version, status, plan, rationale, author_id, created_at, submitted_at, submitted_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(organization_id)
        .bind(version)
        .bind(new.status.as_str())
        .bind(&plan)
        .bind(&rationale)
        .bind(author_id)
        .bind(&at)
        .bind(submitted.then_some(at.clone()))
        .bind(submitted.then_some(author_id))
        .execute(&mut *tx)
        .await?;
        // A draft's entry (its rationale, its waiver) is its organization's own.
        record(
            &mut tx,
            Entry {
                actor_id: actor.user_id,
                actor: &actor.username,
                action: if submitted {
                    "proposal.submit"
                } else {
                    "proposal.save"
                },
                target: &format!("organization:{organization_id}"),
                reason: Some(&rationale),
                details: serde_json::json!({ "version": version, "status": new.status, "tracts": tracts, "waiver": waiver }),
                draft_of: (!submitted).then_some(organization_id),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Version {
            organization_id,
            version,
            status: new.status,
            rationale,
            author: actor.username.clone(),
            created_at: at.clone(),
            submitted_at: submitted.then_some(at),
            submitted_by: submitted.then(|| actor.username.clone()),
            plan: Some(serde_json::from_str(&plan)?),
        })
    }

    /// Submits the latest version, a draft (its organization's editors
    /// only). Refused with a conflict when it is no longer the latest or
    /// was already submitted.
    pub async fn submit(
        &self,
        actor: &Actor,
        organization_id: i64,
        version: i64,
    ) -> Result<Version> {
        actor.require(
            actor.edits(organization_id),
            &format!(
                "submit the proposal of organization {organization_id} (only its HEC editors do)"
            ),
        )?;
        let author_id = actor.author_id()?;
        let mut tx = self.write().await?;
        let at = now();
        let done = sqlx::query(
            "UPDATE proposal_versions SET status = 'submitted', submitted_at = $1, submitted_by = $2
             WHERE organization_id = $3 AND version = $4 AND status = 'draft'
               AND version = (SELECT head FROM proposals WHERE organization_id = $3)",
        )
        .bind(&at)
        .bind(author_id)
        .bind(organization_id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            let current = current_head(&mut tx, organization_id).await?;
            let status: Option<String> = sqlx::query(
                "SELECT status FROM proposal_versions WHERE organization_id = $1 AND version = $2",
            )
            .bind(organization_id)
            .bind(version)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("status"))
            .transpose()?;
            return Err(match status {
                None => NegotiationError::not_found(format!(
                    "organization {organization_id} has no version {version}"
                )),
                Some(s) if s == "submitted" => NegotiationError::Conflict {
                    message: format!("version {version} is already submitted"),
                    current,
                },
                Some(_) => NegotiationError::Conflict {
                    message: format!(
                        "version {version} is no longer the latest (the proposal is at version {current}); submit the latest"
                    ),
                    current,
                },
            });
        }
        sqlx::query("UPDATE proposals SET updated_at = $1 WHERE organization_id = $2")
            .bind(&at)
            .bind(organization_id)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            actor,
            "proposal.submit",
            &format!("organization:{organization_id}"),
            None,
            serde_json::json!({ "version": version }),
        )
        .await?;
        tx.commit().await?;
        self.version(actor, organization_id, version).await
    }

    /// The latest submitted version of every proposal (with its plan).
    pub(super) async fn latest_submitted<'e, E>(executor: E) -> Result<Vec<SubmittedVersion>>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let rows = sqlx::query(
            "SELECT v.organization_id, o.name, v.version, v.rationale, v.submitted_at, v.plan
             FROM proposal_versions v JOIN organizations o ON o.id = v.organization_id
             WHERE v.status = 'submitted' AND v.version = (
                SELECT MAX(w.version) FROM proposal_versions w
                WHERE w.organization_id = v.organization_id AND w.status = 'submitted')
             ORDER BY v.organization_id",
        )
        .fetch_all(executor)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SubmittedVersion {
                    organization_id: r.try_get("organization_id")?,
                    organization: r.try_get("name")?,
                    version: r.try_get("version")?,
                    rationale: r.try_get("rationale")?,
                    submitted_at: r.try_get("submitted_at")?,
                    plan: r.try_get("plan")?,
                })
            })
            .collect()
    }

    /// Checks that a comment's target exists and the actor may see it;
    /// for a version, the organization whose draft it is (None when
    /// submitted).
    async fn check_target(&self, actor: &Actor, target: &CommentTarget) -> Result<Option<i64>> {
        match target {
            CommentTarget::Version {
                organization_id,
                version,
            } => {
                let v = self.version(actor, *organization_id, *version).await?;
                Ok((v.status == VersionStatus::Draft).then_some(*organization_id))
            }
            CommentTarget::Dispute(orgs) => {
                for &org in orgs {
                    self.organization(org).await?;
                }
                Ok(None)
            }
        }
    }

    /// Refuses (404) a dispute that does not exist now: no unit is claimed
    /// by exactly these organizations in their latest submitted versions.
    async fn check_dispute_now(&self, data: &Arc<Dataset>, orgs: &[i64]) -> Result<()> {
        let inputs = self.snapshot_inputs().await?;
        let (data, wanted) = (data.clone(), orgs.to_vec());
        let exists = blocking(move || dispute_exists(&data, &inputs, &wanted)).await?;
        if !exists {
            return Err(NegotiationError::not_found(format!(
                "there is no dispute between organizations {} now: none of their latest submitted versions claim the same unit",
                orgs.iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(" and ")
            )));
        }
        Ok(())
    }

    /// Comments (at most 10,000 characters) on a dispute that exists now
    /// (staff and the claimants' editors) or a proposal version (staff and
    /// the organization's editors).
    pub async fn comment(
        &self,
        actor: &Actor,
        data: &Arc<Dataset>,
        target: &CommentTarget,
        body: &str,
    ) -> Result<Comment> {
        actor.require(
            may_comment(actor, target),
            &format!("comment on {}", target.key()),
        )?;
        let author_id = actor.author_id()?;
        let body = required("the comment", "body", body, MAX_COMMENT)?;
        let draft_of = self.check_target(actor, target).await?;
        if let CommentTarget::Dispute(orgs) = target {
            self.check_dispute_now(data, orgs).await?;
        }
        let key = target.key();
        let mut tx = self.write().await?;
        let id = next_id(&mut tx, "comments").await?;
        let at = now();
        sqlx::query(
            "INSERT INTO comments (id, target, body, author_id, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(&key)
        .bind(&body)
        .bind(author_id)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        record(
            &mut tx,
            Entry {
                actor_id: actor.user_id,
                actor: &actor.username,
                action: "comment.create",
                target: &key,
                reason: None,
                details: serde_json::json!({ "comment": id }),
                draft_of,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Comment {
            id,
            target: key,
            body,
            author: actor.username.clone(),
            author_role: actor.role,
            created_at: at,
        })
    }

    /// The comments on a target, oldest first.
    pub async fn comments(&self, actor: &Actor, target: &CommentTarget) -> Result<Vec<Comment>> {
        actor.require(
            may_read_comments(actor, target),
            &format!("read the comments on {}", target.key()),
        )?;
        self.check_target(actor, target).await?;
        let rows = sqlx::query(
            "SELECT c.id, c.target, c.body, c.created_at, u.username, u.role
             FROM comments c JOIN users u ON u.id = c.author_id
             WHERE c.target = $1 ORDER BY c.id",
        )
        .bind(target.key())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Comment {
                    id: r.try_get("id")?,
                    target: r.try_get("target")?,
                    body: r.try_get("body")?,
                    author: r.try_get("username")?,
                    author_role: Role::parse(&r.try_get::<String, _>("role")?)?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }
}

async fn current_head(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    organization_id: i64,
) -> Result<i64> {
    Ok(
        sqlx::query("SELECT head FROM proposals WHERE organization_id = $1")
            .bind(organization_id)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.try_get("head"))
            .transpose()?
            .unwrap_or(0),
    )
}
