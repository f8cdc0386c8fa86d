//! Staff rulings: what a ruling decides, the ruling asked for and the one
//! made, which rulings an HEC editor sees, and the checks a new ruling
//! passes before anything is composed.
//!
//! A ruling assigns units (to one of the claimants, or another HEC) or
//! approves or refuses a waiver, always with a reason. It names the state
//! plan version it was based on: a ruling based on a stale version is
//! refused with a conflict, so two staff members cannot silently overrule
//! each other. What a ruling does to the state's draft plan is
//! `state_plan.rs`; storing it, `store/rulings.rs`.

use serde::{Deserialize, Serialize};

use crate::access::{Actor, Role};
use crate::error::{NegotiationError, Result};
use crate::limits::{self, MAX_RULING_REASON, MAX_RULING_UNITS, required};

/// What a ruling decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RulingKind {
    /// Gives units to an organization's HEC.
    Assign,
    /// Approves or refuses an organization's waiver request.
    Waiver,
}

impl RulingKind {
    /// As stored.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Assign => "assign",
            Self::Waiver => "waiver",
        }
    }

    /// From its stored text.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        match text {
            "assign" => Ok(Self::Assign),
            "waiver" => Ok(Self::Waiver),
            other => Err(NegotiationError::corrupt(format!("ruling kind {other:?}"))),
        }
    }
}

/// A decision on a waiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum WaiverDecision {
    Approved,
    Refused,
}

impl WaiverDecision {
    /// As stored.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Refused => "refused",
        }
    }

    /// From its stored text (None: no decision).
    pub(crate) fn parse(text: Option<&str>) -> Result<Option<Self>> {
        Ok(match text {
            None => None,
            Some("approved") => Some(Self::Approved),
            Some("refused") => Some(Self::Refused),
            Some(other) => return Err(NegotiationError::corrupt(format!("decision {other:?}"))),
        })
    }
}

/// A staff ruling.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ruling {
    pub id: i64,
    pub kind: RulingKind,
    /// The organization given the units, or whose waiver is decided.
    pub organization_id: i64,
    pub organization: String,
    /// Assign: the tracts (GEOIDs) given.
    pub units: Vec<String>,
    pub decision: Option<WaiverDecision>,
    pub reason: String,
    /// The organizations it concerns: the claimants of the units and the
    /// organization ruled for.
    pub concerns: Vec<i64>,
    /// The state plan version it produced.
    pub state_version: i64,
    pub author: String,
    pub created_at: String,
}

/// A ruling to make.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRuling {
    /// The state plan version the ruling is based on (0 before the first).
    pub base_state_version: i64,
    pub kind: RulingKind,
    /// Assign: who gets the units; waiver: whose waiver.
    pub organization_id: i64,
    /// Assign: tract GEOIDs or town names (at most 5,000).
    #[serde(default)]
    pub units: Vec<String>,
    /// Waiver: approved or refused.
    #[serde(default)]
    pub decision: Option<WaiverDecision>,
    /// Why (required, at most 20,000 characters).
    pub reason: String,
}

/// Checks the bounds of a ruling asked for (before anything is read or
/// composed): returns its reason, trimmed.
pub(crate) fn check_new_ruling(new: &NewRuling) -> Result<String> {
    let reason = required(
        "a reason for the ruling",
        "reason",
        &new.reason,
        MAX_RULING_REASON,
    )?;
    if new.units.len() > MAX_RULING_UNITS {
        return Err(NegotiationError::invalid(format!(
            "units: at most {MAX_RULING_UNITS} in one ruling"
        )));
    }
    for unit in &new.units {
        limits::bounded("a unit", unit, 200)?;
    }
    Ok(reason)
}

/// An HEC editor sees the rulings that concern its organization; every
/// other role sees all.
pub fn visible_to(actor: &Actor, ruling: &Ruling) -> bool {
    match actor.role {
        Role::Editor => actor
            .organization_id
            .is_some_and(|o| ruling.concerns.contains(&o)),
        _ => true,
    }
}
