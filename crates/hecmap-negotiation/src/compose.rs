//! The statewide picture, computed from what is stored: the latest
//! submitted version of every proposal composed into one plan, the staff
//! rulings applied over it, validated with the full rules; the disputes
//! and gaps; and the differences between two versions of a plan. Pure
//! functions of the dataset and their inputs (no database here).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Value, json};

use crate::accounts::Organization;
use crate::error::{NegotiationError, Result};
use crate::rulings::{Ruling, RulingKind, WaiverDecision};
use hecmap_core::dataset::Dataset;
use hecmap_core::plan::{Plan, PlanScope, Waiver, WaiverStatus, parse_json_plan};
use hecmap_core::report::Report;
use hecmap_core::rules::RulesConfig;
use hecmap_core::units::{Level, UnitId};
use hecmap_core::validate::Validator;

/// The latest submitted version of one organization's proposal.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmittedVersion {
    pub organization_id: i64,
    pub organization: String,
    pub version: i64,
    pub rationale: String,
    pub submitted_at: Option<String>,
    /// The plan (assignment JSON).
    #[serde(skip)]
    pub plan: String,
}

/// What the statewide picture is composed from.
#[derive(Debug, Clone)]
pub struct StateInputs {
    pub organizations: Vec<Organization>,
    pub submitted: Vec<SubmittedVersion>,
    /// Every ruling, oldest first.
    pub rulings: Vec<Ruling>,
    /// The state plan's latest version number (0 before the first ruling).
    pub state_version: i64,
}

/// An organization claiming units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Claimant {
    pub organization_id: i64,
    pub name: String,
}

/// Units claimed by more than one proposal.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dispute {
    /// The claimants' organization ids joined by `+` (`3+5`): comments on
    /// a dispute are filed under it.
    pub key: String,
    pub claimants: Vec<Claimant>,
    /// Every disputed tract (GEOID) and its towns.
    pub tracts: Vec<String>,
    pub towns: Vec<String>,
    /// The people living in the disputed tracts.
    pub people: f64,
    /// Tracts no ruling has settled yet, and their people.
    pub open_tracts: Vec<String>,
    pub open_people: f64,
    pub resolved: bool,
    /// The rulings that settled some of these tracts.
    pub rulings: Vec<i64>,
}

/// Units no one claims (after the rulings): a connected piece.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gap {
    pub tracts: Vec<String>,
    pub towns: Vec<String>,
    pub people: f64,
}

/// The statewide picture.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StateView {
    /// The state draft plan's latest version (0 before the first ruling):
    /// the version a ruling must be based on.
    pub state_version: i64,
    /// The proposal versions composed.
    pub proposals: Vec<SubmittedVersion>,
    /// Organizations that have not submitted yet.
    pub missing: Vec<Claimant>,
    pub disputes: Vec<Dispute>,
    pub gaps: Vec<Gap>,
    /// The rulings (for an HEC editor, those that concern its organization).
    pub rulings: Vec<Ruling>,
    /// The composed plan (assignment JSON, tracts), rulings applied.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub plan: Value,
    /// The composed plan validated with the full rules (`hecmap.report/1`).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub report: Report,
}

/// Totals of a set of tracts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    pub tracts: usize,
    pub population: f64,
    pub medicare: f64,
}

/// Tracts added or removed, with the towns they make up.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitSet {
    pub tracts: Vec<String>,
    /// Towns all of whose tracts are in the set.
    pub towns: Vec<String>,
    /// Towns only some of whose tracts are in the set.
    pub partial_towns: Vec<String>,
    pub people: f64,
}

/// How one HEC changed between two versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HecDiff {
    pub hec: String,
    pub added: UnitSet,
    pub removed: UnitSet,
    pub before: Totals,
    pub after: Totals,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub waiver_before: Option<Waiver>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub waiver_after: Option<Waiver>,
}

/// The difference between two versions of a proposal or of the state plan.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Diff {
    /// `proposal:<organization id>` or `state`.
    pub subject: String,
    pub from: i64,
    pub to: i64,
    /// Only the HECs that changed.
    pub hecs: Vec<HecDiff>,
    /// For proposals: the rationales of both versions.
    pub rationale_before: Option<String>,
    pub rationale_after: Option<String>,
}

fn population_of(data: &Dataset, tracts: &[UnitId]) -> f64 {
    hecmap_core::unitset::population_of(&data.tracts.attributes, tracts)
}

fn sum_of(data: &Dataset, key: &str, tracts: &[UnitId]) -> f64 {
    hecmap_core::unitset::sum_of(&data.tracts.attributes, key, tracts)
}

fn geoids(data: &Dataset, tracts: &[UnitId]) -> Vec<String> {
    tracts
        .iter()
        .map(|&t| data.tracts.units.geoid[t as usize].clone())
        .collect()
}

/// The towns of a set of tracts: (whole, partial), by name.
fn towns_of(data: &Dataset, tracts: &[UnitId]) -> (Vec<String>, Vec<String>) {
    let (whole, partial) = hecmap_core::unitset::whole_and_partial_towns(&data.nesting, tracts);
    let names = |towns: Vec<UnitId>| -> Vec<String> {
        towns
            .into_iter()
            .map(|t| data.towns.units.name[t as usize].clone())
            .collect()
    };
    (names(whole), names(partial))
}

fn all_towns(data: &Dataset, tracts: &[UnitId]) -> Vec<String> {
    let (mut whole, partial) = towns_of(data, tracts);
    whole.extend(partial);
    whole.sort();
    whole
}

/// Resolves units (tract GEOIDs, town names or FIPS) to tracts, sorted.
pub fn resolve_units(data: &Dataset, units: &[String]) -> Result<Vec<UnitId>> {
    let mut tracts = BTreeSet::new();
    for unit in units {
        if let Some(t) = data.lookup.tract(unit) {
            tracts.insert(t);
        } else if let Some(town) = data.lookup.town(unit) {
            tracts.extend(data.nesting.town_tracts[town as usize].iter().copied());
        } else {
            return Err(NegotiationError::invalid(format!(
                "{unit:?} is neither a Connecticut tract GEOID nor a town"
            )));
        }
    }
    Ok(tracts.into_iter().collect())
}

/// Checks and normalizes one organization's proposal plan: assignment
/// JSON with exactly one HEC, renamed after the organization; a waiver
/// request is stored as requested (only staff decide on it). Returns the
/// JSON to store and the parsed plan.
pub fn normalize_proposal(
    data: &Dataset,
    organization: &str,
    plan: &Value,
) -> Result<(String, Plan)> {
    let mut plan = plan.clone();
    let object = plan.as_object_mut().ok_or_else(|| {
        NegotiationError::invalid("the plan must be a JSON object (assignment JSON)")
    })?;
    if object
        .get("assignment")
        .is_some_and(|a| a.as_object().is_some_and(|m| !m.is_empty()))
    {
        return Err(NegotiationError::invalid(
            "a proposal lists its units in hecs[0].units, not in an assignment map",
        ));
    }
    object.remove("assignment");
    let hecs = object
        .get_mut("hecs")
        .and_then(Value::as_array_mut)
        .filter(|h| h.len() == 1)
        .ok_or_else(|| {
            NegotiationError::invalid(
                "a proposal has exactly one HEC: {\"hecs\": [{\"units\": [...], \"waiver\": {...}}]}",
            )
        })?;
    let hec = hecs[0]
        .as_object_mut()
        .ok_or_else(|| NegotiationError::invalid("hecs[0] must be an object"))?;
    hec.insert("name".into(), json!(organization));
    if let Some(waiver) = hec.get_mut("waiver").and_then(Value::as_object_mut) {
        match waiver.get("status").and_then(Value::as_str) {
            None | Some("requested") => {}
            Some(other) => {
                return Err(NegotiationError::Forbidden(format!(
                    "a waiver's status ({other}) is decided by state staff, not in a proposal"
                )));
            }
        }
        waiver.insert("status".into(), json!("requested"));
    }
    object.insert("name".into(), json!(organization));
    object.insert("scope".into(), json!("partial"));
    let text = serde_json::to_string(&plan)?;
    let parsed = parse_json_plan(data, &text, &format!("proposal of {organization}"))?;
    Ok((text, parsed))
}

/// The tracts and waiver of a stored proposal plan.
pub fn proposal_hec(data: &Dataset, text: &str, source: &str) -> Result<(Vec<UnitId>, Plan)> {
    let plan = parse_json_plan(data, text, source)?;
    let tracts = plan.members().into_iter().next().unwrap_or_default();
    Ok((tracts, plan))
}

/// The statewide plan before and after the rulings.
pub struct Composition {
    /// The proposals alone: overlaps are disputes.
    pub proposed: Plan,
    /// With every ruling applied.
    pub ruled: Plan,
    /// The organization of each HEC (region) of both plans.
    pub organization_of: Vec<i64>,
}

/// Composes the latest submitted proposals and the rulings.
pub fn compose(data: &Dataset, inputs: &StateInputs) -> Result<Composition> {
    let n = data.tracts.units.len();
    let mut plan = Plan::empty("State draft plan", "negotiation", Level::Tract, n);
    plan.scope = PlanScope::Statewide;
    let mut organization_of = Vec::new();
    let name_of: BTreeMap<i64, &str> = inputs
        .organizations
        .iter()
        .map(|o| (o.id, o.name.as_str()))
        .collect();
    let mut region_of_org = |plan: &mut Plan, org: i64| -> Result<u32> {
        let name = name_of
            .get(&org)
            .ok_or_else(|| NegotiationError::corrupt(format!("no organization {org}")))?;
        let before = plan.regions.len();
        let r = plan.region_named(name);
        if plan.regions.len() > before {
            organization_of.push(org);
        }
        Ok(r)
    };
    let mut submitted: Vec<&SubmittedVersion> = inputs.submitted.iter().collect();
    submitted.sort_by_key(|s| s.organization_id);
    for s in submitted {
        let r = region_of_org(&mut plan, s.organization_id)?;
        let (tracts, own) = proposal_hec(
            data,
            &s.plan,
            &format!("proposal of {} v{}", s.organization, s.version),
        )?;
        for t in tracts {
            plan.claim(t, r);
        }
        plan.regions[r as usize].waiver = own.regions.first().and_then(|h| h.waiver.clone());
        plan.split_reasons.extend(own.split_reasons);
    }
    let proposed = plan.clone();
    for ruling in &inputs.rulings {
        let r = region_of_org(&mut plan, ruling.organization_id)?;
        match ruling.kind {
            RulingKind::Assign => {
                let tracts = resolve_units(data, &ruling.units)?;
                plan.assign(&tracts, Some(r));
            }
            RulingKind::Waiver => {
                if let Some(w) = plan.regions[r as usize].waiver.as_mut() {
                    w.status = match ruling.decision {
                        Some(WaiverDecision::Approved) => WaiverStatus::Approved,
                        Some(WaiverDecision::Refused) => WaiverStatus::Refused,
                        None => WaiverStatus::Requested,
                    };
                }
            }
        }
    }
    Ok(Composition {
        proposed,
        ruled: plan,
        organization_of,
    })
}

/// The organizations claiming each tract in a plan, by tract.
pub fn claimants_of(composition: &Composition, tracts: &[UnitId]) -> BTreeSet<i64> {
    tracts
        .iter()
        .flat_map(|&t| composition.proposed.claims[t as usize].iter())
        .map(|&r| composition.organization_of[r as usize])
        .collect()
}

/// The disputes: tracts claimed by two or more proposals, grouped by who
/// claims them, with what the rulings settled.
pub fn disputes(data: &Dataset, inputs: &StateInputs, c: &Composition) -> Vec<Dispute> {
    let mut settled: BTreeMap<UnitId, Vec<i64>> = BTreeMap::new();
    for ruling in inputs
        .rulings
        .iter()
        .filter(|r| r.kind == RulingKind::Assign)
    {
        if let Ok(tracts) = resolve_units(data, &ruling.units) {
            for t in tracts {
                settled.entry(t).or_default().push(ruling.id);
            }
        }
    }
    let mut groups: BTreeMap<Vec<i64>, Vec<UnitId>> = BTreeMap::new();
    for (t, claims) in c.proposed.claims.iter().enumerate() {
        if claims.len() > 1 {
            let mut orgs: Vec<i64> = claims
                .iter()
                .map(|&r| c.organization_of[r as usize])
                .collect();
            orgs.sort_unstable();
            groups.entry(orgs).or_default().push(t as UnitId);
        }
    }
    groups
        .into_iter()
        .map(|(orgs, tracts)| {
            let open: Vec<UnitId> = tracts
                .iter()
                .copied()
                .filter(|t| !settled.contains_key(t))
                .collect();
            let mut rulings: Vec<i64> = tracts
                .iter()
                .filter_map(|t| settled.get(t))
                .flatten()
                .copied()
                .collect();
            rulings.sort_unstable();
            rulings.dedup();
            Dispute {
                key: orgs
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join("+"),
                claimants: orgs
                    .iter()
                    .map(|&id| Claimant {
                        organization_id: id,
                        name: inputs
                            .organizations
                            .iter()
                            .find(|o| o.id == id)
                            .map(|o| o.name.clone())
                            .unwrap_or_default(),
                    })
                    .collect(),
                towns: all_towns(data, &tracts),
                people: population_of(data, &tracts),
                tracts: geoids(data, &tracts),
                open_people: population_of(data, &open),
                resolved: open.is_empty(),
                open_tracts: geoids(data, &open),
                rulings,
            }
        })
        .collect()
}

/// The gaps of the ruled plan: connected pieces of unclaimed tracts.
pub fn gaps(data: &Dataset, plan: &Plan) -> Vec<Gap> {
    hecmap_core::unitset::unclaimed_components(&data.tracts.graph, &plan.claims)
        .into_iter()
        .map(|tracts| Gap {
            towns: all_towns(data, &tracts),
            people: population_of(data, &tracts),
            tracts: geoids(data, &tracts),
        })
        .collect()
}

/// A plan as assignment JSON by tract (what a state version stores).
pub fn plan_json(data: &Dataset, plan: &Plan) -> Value {
    let members = plan.members();
    let hecs: Vec<Value> = plan
        .regions
        .iter()
        .zip(&members)
        .map(|(region, tracts)| {
            let mut hec = json!({ "name": region.name, "units": geoids(data, tracts) });
            if let Some(w) = &region.waiver {
                hec["waiver"] = json!(w);
            }
            hec
        })
        .collect();
    let split_reasons: BTreeMap<&str, &str> = plan
        .split_reasons
        .iter()
        .map(|(&town, reason)| {
            (
                data.towns.units.name[town as usize].as_str(),
                reason.as_str(),
            )
        })
        .collect();
    json!({
        "name": plan.name,
        "scope": plan.scope,
        "hecs": hecs,
        "split_reasons": split_reasons,
    })
}

/// Validates a plan with the full rules.
pub fn validate(data: &Dataset, rules: &RulesConfig, plan: Plan) -> Result<Report> {
    Ok(Validator::new(data, rules.clone(), plan, None)?.report())
}

/// The statewide picture. `visible` filters the rulings listed (an HEC
/// editor sees those that concern its organization).
pub fn state_view(
    data: &Dataset,
    rules: &RulesConfig,
    inputs: &StateInputs,
    visible: impl Fn(&Ruling) -> bool,
) -> Result<StateView> {
    let c = compose(data, inputs)?;
    let disputes = disputes(data, inputs, &c);
    let gaps = gaps(data, &c.ruled);
    let plan = plan_json(data, &c.ruled);
    let submitted: BTreeSet<i64> = inputs.submitted.iter().map(|s| s.organization_id).collect();
    let missing = inputs
        .organizations
        .iter()
        .filter(|o| !submitted.contains(&o.id))
        .map(|o| Claimant {
            organization_id: o.id,
            name: o.name.clone(),
        })
        .collect();
    let report = validate(data, rules, c.ruled)?;
    Ok(StateView {
        state_version: inputs.state_version,
        proposals: inputs.submitted.clone(),
        missing,
        disputes,
        gaps,
        rulings: inputs
            .rulings
            .iter()
            .filter(|r| visible(r))
            .cloned()
            .collect(),
        plan,
        report,
    })
}

fn unit_set(data: &Dataset, tracts: &[UnitId]) -> UnitSet {
    let (towns, partial_towns) = towns_of(data, tracts);
    UnitSet {
        tracts: geoids(data, tracts),
        towns,
        partial_towns,
        people: population_of(data, tracts),
    }
}

fn totals(data: &Dataset, tracts: &[UnitId]) -> Totals {
    Totals {
        tracts: tracts.len(),
        population: population_of(data, tracts),
        medicare: sum_of(data, hecmap_core::medicare::MEDICARE, tracts),
    }
}

/// How each HEC changed from one plan to another (only those that did).
pub fn diff_plans(data: &Dataset, before: &Plan, after: &Plan) -> Vec<HecDiff> {
    let members = |plan: &Plan| -> BTreeMap<String, (BTreeSet<UnitId>, Option<Waiver>)> {
        plan.regions
            .iter()
            .zip(plan.members())
            .map(|(r, m)| (r.name.clone(), (m.into_iter().collect(), r.waiver.clone())))
            .collect()
    };
    let (b, a) = (members(before), members(after));
    let names: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    let empty = (BTreeSet::new(), None);
    names
        .into_iter()
        .filter_map(|name| {
            let (old, old_waiver) = b.get(name).unwrap_or(&empty);
            let (new, new_waiver) = a.get(name).unwrap_or(&empty);
            let added: Vec<UnitId> = new.difference(old).copied().collect();
            let removed: Vec<UnitId> = old.difference(new).copied().collect();
            if added.is_empty() && removed.is_empty() && old_waiver == new_waiver {
                return None;
            }
            let old: Vec<UnitId> = old.iter().copied().collect();
            let new: Vec<UnitId> = new.iter().copied().collect();
            Some(HecDiff {
                hec: name.clone(),
                added: unit_set(data, &added),
                removed: unit_set(data, &removed),
                before: totals(data, &old),
                after: totals(data, &new),
                waiver_before: old_waiver.clone(),
                waiver_after: new_waiver.clone(),
            })
        })
        .collect()
}
