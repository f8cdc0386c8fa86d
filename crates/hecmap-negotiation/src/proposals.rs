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
//!
//! This module holds the types, who may comment, and the checks of a new
//! version's plan; `store/proposals.rs` keeps them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::access::{Actor, Role};
use crate::accounts::Organization;
use crate::compose::{self, StateInputs, normalize_proposal};
use crate::error::{NegotiationError, Result};
use crate::limits::{self, MAX_PLAN_BYTES, MAX_WAIVER_REASON};
use hecmap_core::dataset::Dataset;
use hecmap_core::plan::Waiver;

/// Where a version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum VersionStatus {
    Draft,
    Submitted,
}

impl VersionStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Self> {
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

/// May the actor comment on the target? State staff on anything; an HEC
/// editor on a dispute its organization is party to, or on its own
/// organization's versions.
pub(crate) fn may_comment(actor: &Actor, target: &CommentTarget) -> bool {
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

/// May the actor read the comments on the target? Everyone but HEC
/// editors, and those where they may comment.
pub(crate) fn may_read_comments(actor: &Actor, target: &CommentTarget) -> bool {
    actor.role != Role::Editor || may_comment(actor, target)
}

/// A new version's plan, checked and normalized.
pub(crate) struct CheckedPlan {
    /// The assignment JSON to store.
    pub plan: String,
    /// How many tracts its HEC has.
    pub tracts: usize,
    /// The waiver it requests.
    pub waiver: Option<Waiver>,
}

/// Checks a new version's plan (CPU: call on a blocking thread): at most
/// [`MAX_PLAN_BYTES`] before and after normalizing, one HEC named after the
/// organization, its reasons bounded.
pub(crate) fn check_plan(data: &Dataset, organization: &str, plan: &Value) -> Result<CheckedPlan> {
    if serde_json::to_vec(plan)?.len() > MAX_PLAN_BYTES {
        return Err(limits::too_long("plan", MAX_PLAN_BYTES, "bytes"));
    }
    let (plan, parsed) = normalize_proposal(data, organization, plan)?;
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
    Ok(CheckedPlan {
        plan,
        tracts,
        waiver,
    })
}

/// True when a dispute between exactly these organizations (sorted) exists
/// now: some unit is claimed by exactly them in their latest submitted
/// versions (CPU: call on a blocking thread).
pub(crate) fn dispute_exists(data: &Dataset, inputs: &StateInputs, orgs: &[i64]) -> Result<bool> {
    let c = compose::compose(data, inputs)?;
    Ok(c.proposed.claims.iter().any(|claims| {
        claims.len() == orgs.len() && {
            let mut claimants: Vec<i64> = claims
                .iter()
                .map(|&r| c.organization_of[r as usize])
                .collect();
            claimants.sort_unstable();
            claimants == orgs
        }
    }))
}
