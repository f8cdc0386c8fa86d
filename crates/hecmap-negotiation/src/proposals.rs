//! Proposals and their versions, and comments.
//!
//! Each save makes a new version (versions are never rewritten); a draft
//! becomes submitted once. Every edit names the version it was based on
//! (`base_version`, the proposal's latest when the editor loaded it): if
//! another edit came first, the edit is refused with a conflict and
//! nothing is overwritten. Drafts are seen only by the organization's
//! editors — their plans, rationales, waiver reasons, the audit entries
//! about them, even how many there are; submitted versions by every
//! account.
//!
//! Comments on a dispute are taken only while the dispute exists (a unit
//! claimed by exactly those organizations in their latest submitted
//! versions), from state staff and the claimants' editors.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::compose::{SubmittedVersion, normalize_proposal};
use super::limits::{self, MAX_COMMENT, MAX_PLAN_BYTES, MAX_RATIONALE, MAX_WAIVER_REASON};
use super::store::{Entry, audit, next_id, record};
use super::{
    Actor, NegotiationError, Organization, Result, Role, Store, blocking, compose, now, required,
};
use hecmap_core::dataset::Dataset;

/// Where a version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum VersionStatus {
    Draft,
    Submitted,
}

impl VersionStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "draft" => Ok(Self::Draft),
            "submitted" => Ok(Self::Submitted),
            other => Err(NegotiationError::corrupt(format!(
                "version status {other:?}"
            ))),
        }
    }
}

/// One saved version of a proposal.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ProposalVersion))]
pub struct Version {
    pub organization_id: i64,
    pub version: i64,
    pub status: VersionStatus,
    /// Why this geography, in the HEC's words.
    pub rationale: String,
    pub author: String,
    pub created_at: String,
    pub submitted_at: Option<String>,
    pub submitted_by: Option<String>,
    /// The plan (assignment JSON, one HEC named after the organization).
    /// Left out of version lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub plan: Option<Value>,
}

/// A proposal: its organization, its latest version number and the
/// versions the reader may see (newest first).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proposal {
    pub organization: Organization,
    /// For the organization's editors, the latest version, draft or not
    /// (0 before the first): the `base_version` of their next edit. For
    /// everyone else, the latest submitted version (0 before the first):
    /// drafts, even their number, stay with the organization.
    pub head: i64,
    pub versions: Vec<Version>,
}

/// A version to save.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewVersion {
    /// The proposal's latest version this edit is based on (0 for the first).
    pub base_version: i64,
    /// Save as a draft (default) or submit at once.
    #[serde(default = "draft")]
    pub status: VersionStatus,
    /// Why this geography (at most 20,000 characters).
    pub rationale: String,
    /// At most 1 MiB. Assignment JSON with one HEC (a waiver's reason, and
    /// each reason for splitting a town, at most 5,000 characters): `{"hecs": [{"units": [...], "waiver":
    /// {"reason": "...", "waive": ["thresholds", "contiguity"]}}]}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub plan: Value,
}

fn draft() -> VersionStatus {
    VersionStatus::Draft
}

/// What a comment is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentTarget {
    /// A dispute, by its claimants' organization ids.
    Dispute(Vec<i64>),
    /// One version of a proposal.
    Version { organization_id: i64, version: i64 },
}

impl CommentTarget {
    /// A dispute from its key (`3+5`).
    pub fn dispute(key: &str) -> Result<Self> {
        let mut orgs: Vec<i64> = key
            .split(['+', ',', ' '])
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<i64>().map_err(|_| {
                    NegotiationError::invalid(format!(
                        "dispute {key:?}: expected organization ids joined by '+', like 3+5"
                    ))
                })
            })
            .collect::<Result<_>>()?;
        orgs.sort_unstable();
        orgs.dedup();
        if orgs.len() < 2 {
            return Err(NegotiationError::invalid(format!(
                "dispute {key:?}: a dispute is between two or more organizations"
            )));
        }
        Ok(Self::Dispute(orgs))
    }

    pub fn key(&self) -> String {
        match self {
            Self::Dispute(orgs) => format!(
                "dispute:{}",
                orgs.iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join("+")
            ),
            Self::Version {
                organization_id,
                version,
            } => format!("version:{organization_id}:{version}"),
        }
    }
}

/// A comment.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    pub id: i64,
    /// `dispute:3+5` or `version:3:2`.
    pub target: String,
    pub body: String,
    pub author: String,
    pub author_role: Role,
    pub created_at: String,
}

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
        let (plan, tracts, waiver) = blocking(move || {
            if serde_json::to_vec(&plan)?.len() > MAX_PLAN_BYTES {
                return Err(limits::too_long("plan", MAX_PLAN_BYTES, "bytes"));
            }
            let (plan, parsed) = normalize_proposal(&data, &name, &plan)?;
            limits::bounded_bytes("plan", &plan, MAX_PLAN_BYTES)?;
            let waiver = parsed.regions.first().and_then(|r| r.waiver.clone());
            if let Some(w) = &waiver {
                limits::bounded("the waiver's reason", &w.reason, MAX_WAIVER_REASON)?;
            }
            for reason in parsed.split_reasons.values() {
                limits::bounded("a reason for splitting a town", reason, MAX_WAIVER_REASON)?;
            }
            let tracts = parsed
                .members()
                .into_iter()
                .next()
                .unwrap_or_default()
                .len();
            Ok((plan, tracts, waiver))
        })
        .await?;
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
    pub(crate) async fn latest_submitted<'e, E>(executor: E) -> Result<Vec<SubmittedVersion>>
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

    fn may_comment(&self, actor: &Actor, target: &CommentTarget) -> bool {
        match (actor.role, target) {
            (Role::Staff, _) => true,
            (Role::Editor, CommentTarget::Dispute(orgs)) => {
                actor.organization_id.is_some_and(|o| orgs.contains(&o))
            }
            (
                Role::Editor,
                CommentTarget::Version {
                    organization_id, ..
                },
            ) => actor.edits(*organization_id),
            _ => false,
        }
    }

    fn may_read_comments(&self, actor: &Actor, target: &CommentTarget) -> bool {
        actor.role != Role::Editor || self.may_comment(actor, target)
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
        let exists = blocking(move || {
            let c = compose::compose(&data, &inputs)?;
            Ok(c.proposed.claims.iter().any(|claims| {
                claims.len() == wanted.len() && {
                    let mut claimants: Vec<i64> = claims
                        .iter()
                        .map(|&r| c.organization_of[r as usize])
                        .collect();
                    claimants.sort_unstable();
                    claimants == wanted
                }
            }))
        })
        .await?;
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
            self.may_comment(actor, target),
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
            self.may_read_comments(actor, target),
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
