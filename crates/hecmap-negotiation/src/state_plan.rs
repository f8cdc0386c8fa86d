//! The state's draft plan: its versions, the next version a ruling
//! produces, and the differences between two stored plan versions.
//!
//! Each ruling writes the next state plan version: the latest submitted
//! proposals with every ruling so far applied. The version is prepared
//! here from a snapshot of the inputs, on a blocking thread, *before* the
//! write transaction (`store/rulings.rs`); under the transaction the store
//! checks that its base is still the latest (else a conflict) and that the
//! submitted proposals it composed are still the latest (else it prepares
//! again), so SQLite's write lock is never held during the CPU work.

use serde::Serialize;
use serde_json::{Value, json};

use crate::compose::{
    HecDiff, StateInputs, claimants_of, compose, diff_plans, plan_json, proposal_hec, resolve_units,
};
use crate::error::{NegotiationError, Result};
use crate::rulings::{NewRuling, Ruling, RulingKind};
use hecmap_core::dataset::Dataset;
use hecmap_core::plan::{Plan, parse_json_plan};
use hecmap_core::units::Level;

/// A version of the state's draft plan.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StateVersion {
    pub version: i64,
    /// The ruling that produced it.
    pub ruling_id: Option<i64>,
    pub author: String,
    pub created_at: String,
    /// What it was composed from: `{"proposals": {"<org id>": version}, "rulings": [ids]}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub inputs: Value,
    /// The plan (assignment JSON by tract); left out of lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub plan: Option<Value>,
}

/// A ruling ready to write: composed from a snapshot, off the runtime.
pub(crate) struct Prepared {
    /// Its id and time are set under the write transaction.
    pub ruling: Ruling,
    /// The state plan version it produces.
    pub plan: Value,
    /// The proposal versions composed: (organization, version).
    pub submitted: Vec<(i64, i64)>,
    /// The rulings before it.
    pub earlier: Vec<i64>,
}

/// Checks a ruling against the state it is based on and composes the state
/// plan it produces (CPU: call on a blocking thread).
pub(crate) fn prepare_ruling(
    data: &Dataset,
    mut inputs: StateInputs,
    new: &NewRuling,
    reason: String,
    author: String,
) -> Result<Prepared> {
    let organization = inputs
        .organizations
        .iter()
        .find(|o| o.id == new.organization_id)
        .cloned()
        .ok_or_else(|| {
            NegotiationError::invalid(format!("no organization {}", new.organization_id))
        })?;
    let before = compose(data, &inputs)?;
    let (units, decision, mut concerns) = match new.kind {
        RulingKind::Assign => {
            if new.decision.is_some() {
                return Err(NegotiationError::invalid(
                    "an assign ruling has units, not a decision",
                ));
            }
            if new.units.is_empty() {
                return Err(NegotiationError::invalid(
                    "an assign ruling names the units it gives (tract GEOIDs or towns)",
                ));
            }
            let tracts = resolve_units(data, &new.units)?;
            let units: Vec<String> = tracts
                .iter()
                .map(|&t| data.tracts.units.geoid[t as usize].clone())
                .collect();
            (units, None, claimants_of(&before, &tracts))
        }
        RulingKind::Waiver => {
            let decision = new.decision.ok_or_else(|| {
                NegotiationError::invalid("a waiver ruling says approved or refused")
            })?;
            if !new.units.is_empty() {
                return Err(NegotiationError::invalid(
                    "a waiver ruling has a decision, not units",
                ));
            }
            let requested = inputs
                .submitted
                .iter()
                .find(|s| s.organization_id == organization.id)
                .map(|s| proposal_hec(data, &s.plan, "proposal"))
                .transpose()?
                .is_some_and(|(_, plan)| plan.regions.iter().any(|r| r.waiver.is_some()));
            if !requested {
                return Err(NegotiationError::invalid(format!(
                    "{}'s latest submitted proposal requests no waiver",
                    organization.name
                )));
            }
            (Vec::new(), Some(decision), Default::default())
        }
    };
    concerns.insert(organization.id);
    let state_version = new.base_state_version + 1;
    let ruling = Ruling {
        id: 0,
        kind: new.kind,
        organization_id: organization.id,
        organization: organization.name.clone(),
        units,
        decision,
        reason,
        concerns: concerns.into_iter().collect(),
        state_version,
        author,
        created_at: String::new(),
    };
    let earlier = inputs.rulings.iter().map(|r| r.id).collect();
    inputs.rulings.push(ruling.clone());
    let composed = compose(data, &inputs)?;
    let mut plan = plan_json(data, &composed.ruled);
    plan["name"] = json!(format!("State draft plan, version {state_version}"));
    Ok(Prepared {
        ruling,
        plan,
        submitted: inputs
            .submitted
            .iter()
            .map(|s| (s.organization_id, s.version))
            .collect(),
        earlier,
    })
}

/// The difference between two plans stored as assignment JSON, each with
/// the name of its source (None: the empty plan before a first version).
/// CPU: call on a blocking thread.
pub(crate) fn diff_stored(
    data: &Dataset,
    before: Option<&(String, String)>,
    after: Option<&(String, String)>,
) -> Result<Vec<HecDiff>> {
    let parse = |stored: Option<&(String, String)>| -> Result<Plan> {
        Ok(match stored {
            None => no_plan(data),
            Some((text, source)) => parse_json_plan(data, text, source)?,
        })
    };
    Ok(diff_plans(data, &parse(before)?, &parse(after)?))
}

/// The plan before a first version: no HEC claims anything.
fn no_plan(data: &Dataset) -> Plan {
    Plan::empty("none", "none", Level::Tract, data.tracts.units.len())
}
