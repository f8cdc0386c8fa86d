//! Repair options: for each rule an HEC fails, the smallest sets of whole
//! neighbouring towns whose move into the HEC makes that rule pass, each
//! checked by the real validator on the changed plan (never estimated), and
//! ranked by the fewest people taken from other HECs, then the fewest towns,
//! then the most compact result.
//!
//! A set of towns is tried only if it is contiguous with the HEC (each town
//! touches the HEC or another town of the set). An option that fixes one
//! rule by breaking another (a neighbour pushed under the floor, a new
//! split) says so, and is ranked after every option that does not.
//!
//! What this does not do yet: give land away (drop a detached piece, hand
//! over part of a split town), or move towns whose tracts are claimed by
//! two HECs at once (a dispute is for staff to rule on).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::limits::{LimitError, checkpoint};
use crate::measures::Measure;
use crate::plan::{RegionId, WaiverStatus};
use crate::report::Verdict;
use crate::rules::{Finding, RuleId, Severity};
use crate::units::UnitId;
use crate::validate::Validator;

/// How far the search goes.
#[derive(Debug, Clone, Copy)]
pub struct SuggestOptions {
    /// The most towns one option moves (1 to 4).
    pub max_towns: usize,
    /// The most options listed per failing rule.
    pub max_options: usize,
}

impl Default for SuggestOptions {
    fn default() -> Self {
        Self {
            max_towns: 3,
            max_options: 5,
        }
    }
}

/// A town an option moves into the HEC.
#[derive(Debug, Clone, Serialize)]
pub struct TownMove {
    pub town: String,
    /// The HECs it leaves (none: it was in no HEC).
    pub from: Vec<String>,
    /// Its tracts that move (2020 GEOIDs): those not in the HEC already.
    pub tracts: Vec<String>,
    /// People in those tracts (2020 Census).
    pub people: f64,
}

/// An HEC as an option leaves it.
#[derive(Debug, Clone, Serialize)]
pub struct HecAfter {
    pub hec: String,
    pub population: f64,
    pub medicare: f64,
    /// True when `medicare` is an estimate.
    pub medicare_estimate: bool,
    pub verdict: Verdict,
    /// The rules it still fails (errors and pending waivers).
    pub failing: Vec<RuleId>,
}

/// One way to make an HEC pass a rule.
#[derive(Debug, Clone, Serialize)]
pub struct RepairOption {
    /// "Add Griswold and Preston: +17,230 people; the HEC passes."
    pub summary: String,
    pub adds: Vec<TownMove>,
    /// People moved into the HEC, and of those, people taken from other HECs.
    pub people_added: f64,
    pub people_from_other_hecs: f64,
    /// For a floor: how far past the floor the option goes, in the
    /// floor's unit.
    pub overshoot: Option<f64>,
    /// The HEC and every HEC that gives up land, after the move.
    pub after: Vec<HecAfter>,
    /// Failures the move creates that were not there before.
    pub new_errors: Vec<String>,
}

/// The options for one rule an HEC fails.
#[derive(Debug, Clone, Serialize)]
pub struct Repair {
    pub hec: String,
    pub rule: RuleId,
    /// The finding as the report words it.
    pub finding: String,
    pub options: Vec<RepairOption>,
    /// For a rural HEC, the waiver it could ask for (or has asked for).
    pub waiver_alternative: Option<String>,
    /// Why there is no option, when there is none.
    pub note: Option<String>,
}

/// A failure: the rule and the HEC it is about.
type Failure = (RuleId, RegionId);

fn fails(f: &Finding) -> bool {
    matches!(f.severity, Severity::Error | Severity::Pending)
}

/// The failures of a set of findings, each HEC a finding names counted.
fn failures(findings: &[Finding]) -> BTreeSet<Failure> {
    findings
        .iter()
        .filter(|f| fails(f))
        .flat_map(|f| {
            f.region
                .into_iter()
                .chain(f.others.iter().copied())
                .map(move |r| (f.rule, r))
        })
        .collect()
}

/// Rules a move of towns into the HEC can repair.
fn repairable(rule: RuleId) -> bool {
    matches!(
        rule,
        RuleId::ThresholdPopulation
            | RuleId::ThresholdMedicare
            | RuleId::Contiguity
            | RuleId::TownSplit
            | RuleId::Enclave
            | RuleId::CherryPickHighNeed
    )
}

/// Repair options for every rule each HEC fails (or only `only`'s). The
/// validator is left as it was found, also when the thread's deadline
/// ([`crate::limits`]) stops the search.
pub fn suggest(
    v: &mut Validator,
    only: Option<RegionId>,
    options: &SuggestOptions,
) -> Result<Vec<Repair>, LimitError> {
    let findings = v.findings();
    let before = failures(&findings);
    let mut repairs = Vec::new();
    let mut seen: BTreeSet<Failure> = BTreeSet::new();
    for f in findings.iter().filter(|f| fails(f)) {
        let Some(region) = f.region else { continue };
        if only.is_some_and(|o| o != region) || !seen.insert((f.rule, region)) {
            continue;
        }
        if !repairable(f.rule) {
            continue;
        }
        repairs.push(repair_one(v, region, f, &before, options)?);
    }
    Ok(repairs)
}

fn repair_one(
    v: &mut Validator,
    region: RegionId,
    finding: &Finding,
    before: &BTreeSet<Failure>,
    options: &SuggestOptions,
) -> Result<Repair, LimitError> {
    let name = v.plan().regions[region as usize].name.clone();
    let candidates = candidate_towns(v, region);
    let floor = floor_of(finding);
    let mut found: Vec<(Vec<UnitId>, RepairOption)> = Vec::new();
    let mut tried: BTreeSet<Vec<UnitId>> = BTreeSet::new();
    let mut frontier: Vec<Vec<UnitId>> = vec![Vec::new()];
    for _size in 1..=options.max_towns.clamp(1, 4) {
        let mut next = Vec::new();
        for set in &frontier {
            for town in extensions(v, region, set, &candidates) {
                let mut grown = set.clone();
                grown.push(town);
                grown.sort_unstable();
                if !tried.insert(grown.clone()) {
                    continue;
                }
                // A set that holds a working smaller one is not minimal.
                if found
                    .iter()
                    .any(|(s, _)| s.iter().all(|t| grown.contains(t)))
                {
                    continue;
                }
                if let Some((measure, limit)) = floor {
                    let gain = gain_of(v, region, &grown, measure);
                    if v.measures(region).total(measure) + gain < limit {
                        next.push(grown);
                        continue;
                    }
                }
                checkpoint("suggesting repairs")?;
                match try_option(v, region, finding.rule, &grown, before, floor) {
                    Some(option) => found.push((grown, option)),
                    None => next.push(grown),
                }
            }
        }
        if found.len() >= options.max_options {
            break;
        }
        frontier = next;
    }
    let mut ranked: Vec<RepairOption> = found.into_iter().map(|(_, o)| o).collect();
    ranked.sort_by(|a, b| {
        (!a.new_errors.is_empty())
            .cmp(&!b.new_errors.is_empty())
            .then(
                a.people_from_other_hecs
                    .total_cmp(&b.people_from_other_hecs),
            )
            .then(a.adds.len().cmp(&b.adds.len()))
            .then(a.people_added.total_cmp(&b.people_added))
            .then_with(|| town_names(a).cmp(&town_names(b)))
    });
    ranked.truncate(options.max_options);
    let note = ranked.is_empty().then(|| {
        format!(
            "No set of up to {} whole neighbouring towns repairs this on its own.",
            options.max_towns
        )
    });
    Ok(Repair {
        hec: name,
        rule: finding.rule,
        finding: finding.message.clone(),
        options: ranked,
        waiver_alternative: waiver_alternative(v, region, finding.rule),
        note,
    })
}

fn town_names(o: &RepairOption) -> Vec<&str> {
    o.adds.iter().map(|m| m.town.as_str()).collect()
}

/// The measure and floor of a threshold finding.
fn floor_of(f: &Finding) -> Option<(Measure, f64)> {
    let measure = match f.rule {
        RuleId::ThresholdPopulation => Measure::Population,
        RuleId::ThresholdMedicare => Measure::Medicare,
        _ => return None,
    };
    f.limit.map(|l| (measure, l))
}

/// Towns the HEC touches (wholly or in part) and their neighbours, less
/// the towns it holds whole and towns with a tract claimed twice.
fn candidate_towns(v: &Validator, region: RegionId) -> BTreeSet<UnitId> {
    let data = v.data();
    let nesting = &data.nesting;
    let mut touched: BTreeSet<UnitId> = BTreeSet::new();
    for &t in &v.members()[region as usize] {
        touched.insert(nesting.tract_town[t as usize]);
    }
    let mut out = BTreeSet::new();
    for &town in &touched {
        out.insert(town);
        for e in data.towns.graph.neighbours(town) {
            out.insert(e.to);
        }
    }
    out.retain(|&town| movable(v, region, town));
    out
}

/// A town the HEC does not hold whole, none of whose tracts is disputed.
fn movable(v: &Validator, region: RegionId, town: UnitId) -> bool {
    let claims = &v.plan().claims;
    let tracts = &v.data().nesting.town_tracts[town as usize];
    let whole = tracts.iter().all(|&t| claims[t as usize].contains(&region));
    !whole && tracts.iter().all(|&t| claims[t as usize].len() <= 1)
}

/// Towns that can grow `set` and keep it contiguous with the HEC: the
/// HEC's own neighbours, and the neighbours of towns already in the set.
fn extensions(
    v: &Validator,
    region: RegionId,
    set: &[UnitId],
    candidates: &BTreeSet<UnitId>,
) -> Vec<UnitId> {
    let mut out: BTreeSet<UnitId> = candidates.clone();
    for &town in set {
        for e in v.data().towns.graph.neighbours(town) {
            if movable(v, region, e.to) {
                out.insert(e.to);
            }
        }
    }
    let last = set.last().copied();
    out.into_iter()
        .filter(|t| !set.contains(t) && last.is_none_or(|l| *t > l || !candidates.contains(t)))
        .collect()
}

/// What moving `towns` adds to the HEC's `measure`.
fn gain_of(v: &Validator, region: RegionId, towns: &[UnitId], measure: Measure) -> f64 {
    let Some(key) = measure.attribute() else {
        return 0.0;
    };
    let data = v.data();
    let attrs = &data.tracts.attributes;
    let Some(id) = attrs.id(key) else { return 0.0 };
    let claims = &v.plan().claims;
    towns
        .iter()
        .flat_map(|&town| data.nesting.town_tracts[town as usize].iter())
        .filter(|&&t| !claims[t as usize].contains(&region))
        .map(|&t| attrs.value(id, t).unwrap_or(0.0))
        .sum()
}

/// Moves `towns` into the HEC, checks the rule with the validator, and
/// puts everything back. `Some` when the rule passes for the HEC after.
fn try_option(
    v: &mut Validator,
    region: RegionId,
    rule: RuleId,
    towns: &[UnitId],
    before: &BTreeSet<Failure>,
    floor: Option<(Measure, f64)>,
) -> Option<RepairOption> {
    let data = v.data();
    // Where each moved tract was: one claimant or none (see `movable`).
    let mut previous: BTreeMap<Option<RegionId>, Vec<UnitId>> = BTreeMap::new();
    let mut adds = Vec::new();
    let mut people_added = 0.0;
    let mut from_others = 0.0;
    for &town in towns {
        let mut moved = Vec::new();
        let mut from: BTreeSet<RegionId> = BTreeSet::new();
        for &t in &data.nesting.town_tracts[town as usize] {
            let claim = v.plan().claims[t as usize].first().copied();
            if claim == Some(region) {
                continue;
            }
            previous.entry(claim).or_default().push(t);
            from.extend(claim);
            moved.push(t);
        }
        let people = v.with_context(|ctx| ctx.population_of(&moved));
        people_added += people;
        if !from.is_empty() {
            from_others += v.with_context(|ctx| {
                ctx.population_of(
                    &moved
                        .iter()
                        .copied()
                        .filter(|&t| !v.plan().claims[t as usize].is_empty())
                        .collect::<Vec<_>>(),
                )
            });
        }
        adds.push(TownMove {
            town: data.towns.units.name[town as usize].clone(),
            from: from
                .iter()
                .map(|&r| v.plan().regions[r as usize].name.clone())
                .collect(),
            tracts: moved
                .iter()
                .map(|&t| data.tracts.units.geoid[t as usize].clone())
                .collect(),
            people,
        });
    }
    let moved: Vec<UnitId> = previous.values().flatten().copied().collect();
    v.assign(&moved, Some(region));
    let findings = v.findings();
    let after = failures(&findings);
    let repaired = !after.contains(&(rule, region));
    let option = repaired.then(|| {
        let mut affected: BTreeSet<RegionId> = previous.keys().flatten().copied().collect();
        affected.insert(region);
        let new_errors = findings
            .iter()
            .filter(|f| fails(f))
            .filter(|f| {
                f.region
                    .into_iter()
                    .chain(f.others.iter().copied())
                    .any(|r| !before.contains(&(f.rule, r)))
            })
            .map(|f| f.message.clone())
            .collect();
        let overshoot = floor.map(|(measure, limit)| v.measures(region).total(measure) - limit);
        // The HEC repaired first, then those that give up land.
        let after: Vec<HecAfter> = std::iter::once(region)
            .chain(affected.iter().copied().filter(|&r| r != region))
            .map(|r| hec_after(v, r, &findings))
            .collect();
        RepairOption {
            summary: summary(&adds, people_added, overshoot, &after),
            adds,
            people_added,
            people_from_other_hecs: from_others,
            overshoot,
            after,
            new_errors,
        }
    });
    for (claim, tracts) in previous {
        v.assign(&tracts, claim);
    }
    option
}

fn hec_after(v: &Validator, region: RegionId, findings: &[Finding]) -> HecAfter {
    let m = v.measures(region);
    let naming: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.region == Some(region) || f.others.contains(&region))
        .collect();
    let mut failing: Vec<RuleId> = naming.iter().filter(|f| fails(f)).map(|f| f.rule).collect();
    failing.sort_unstable_by_key(|r| r.as_str());
    failing.dedup();
    HecAfter {
        hec: v.plan().regions[region as usize].name.clone(),
        population: m.total(Measure::Population),
        medicare: m.total(Measure::Medicare),
        medicare_estimate: m.estimate(Measure::Medicare),
        verdict: Verdict::of(naming.iter().map(|f| f.severity)),
        failing,
    }
}

/// "Add Farmington and Granby (from Capitol): +37,615 people, 118 over the
/// floor. Northwest Hills then passes; Capitol still passes."
fn summary(adds: &[TownMove], people: f64, overshoot: Option<f64>, after: &[HecAfter]) -> String {
    let mut by_source: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for m in adds {
        let source = if m.from.is_empty() {
            "in no HEC".to_string()
        } else {
            format!("from {}", m.from.join(" and "))
        };
        by_source.entry(source).or_default().push(&m.town);
    }
    let groups: Vec<String> = by_source
        .iter()
        .map(|(source, towns)| format!("{} ({source})", and_list(towns)))
        .collect();
    let over = overshoot
        .filter(|o| *o >= 0.0)
        .map(|o| format!(", {} over the floor", crate::rules::fmt_people(o)))
        .unwrap_or_default();
    let verdicts: Vec<String> = after
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let (then, word) = match (i, h.verdict) {
                (0, Verdict::Passes) => ("then", "passes"),
                (0, Verdict::Fails) => ("still", "fails another rule"),
                (0, Verdict::Pending) => ("then", "waits on its waiver"),
                (_, Verdict::Passes) => ("still", "passes"),
                (_, Verdict::Fails) => ("then", "fails"),
                (_, Verdict::Pending) => ("then", "waits on its waiver"),
            };
            format!("{} {then} {word}", h.hec)
        })
        .collect();
    format!(
        "Add {}: +{} people{over}. {}.",
        and_list(&groups),
        crate::rules::fmt_people(people),
        verdicts.join("; ")
    )
}

/// "a", "a and b", "a, b and c".
fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

/// The waiver a rural HEC may ask for instead, or the one it asked for.
fn waiver_alternative(v: &Validator, region: RegionId, rule: RuleId) -> Option<String> {
    if !matches!(
        rule,
        RuleId::ThresholdPopulation | RuleId::ThresholdMedicare | RuleId::Contiguity
    ) {
        return None;
    }
    v.with_context(|ctx| {
        if !ctx.is_rural(region) {
            return None;
        }
        let what = if rule == RuleId::Contiguity {
            "contiguity rule"
        } else {
            "floors"
        };
        let density = ctx.density(region);
        let line = ctx.rules.rural.max_density_per_km2;
        let status = ctx.plan.regions[region as usize]
            .waiver
            .as_ref()
            .map(|w| w.status);
        Some(match status {
            Some(WaiverStatus::Requested) => format!(
                "A waiver of the {what} is pending: if staff approve it, the HEC passes this rule without moving any town."
            ),
            Some(WaiverStatus::Refused) => {
                "Staff refused this HEC's waiver: moving towns is the way left.".to_string()
            }
            _ => format!(
                "Instead of moving towns, this rural HEC ({density:.0} people per km2, under {line:.0}) may ask staff to waive the {what}, with a reason."
            ),
        })
    })
}
