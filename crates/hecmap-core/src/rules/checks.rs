//! The registered rules. Plan rules look at the whole plan; region rules
//! look at one HEC and depend only on that HEC's tracts (so the validator
//! can cache them and re-run only the HECs a move touched).

use std::collections::BTreeMap;

use serde_json::json;

use super::{
    Context, Details, Figures, Finding, PlanCheck, PlanRule, RegionRule, RuleId, Severity,
    abbreviate,
};
use crate::compactness;
use crate::dataset::Dataset;
use crate::graph::EdgeKind;
use crate::measures::{Measure, keys};
use crate::plan::RegionId;
use crate::plan::polygons::PieceKind;
use crate::plan::{PlanScope, Waivable, WaiverStatus};
use crate::shape;
use crate::units::UnitId;
use crate::unitset;
use geo::Coord;

/// Rules over the whole plan, in report order.
pub const PLAN_RULES: &[PlanRule] = &[
    PlanRule {
        key: RuleId::CoverageGap,
        version: 1,
        check: PlanCheck::Whole(gaps),
    },
    PlanRule {
        key: RuleId::CoverageOverlap,
        version: 1,
        check: PlanCheck::Whole(overlaps),
    },
    PlanRule {
        key: RuleId::CountRegions,
        version: 1,
        check: PlanCheck::Whole(region_count),
    },
    PlanRule {
        key: RuleId::TownSplit,
        version: 1,
        check: PlanCheck::PerTown(town_split),
    },
];

/// Rules per HEC, in report order.
pub const REGION_RULES: &[RegionRule] = &[
    RegionRule {
        key: RuleId::ThresholdPopulation,
        version: 1,
        check: population_threshold,
    },
    RegionRule {
        key: RuleId::ThresholdMedicare,
        version: 1,
        check: medicare_threshold,
    },
    RegionRule {
        key: RuleId::Contiguity,
        version: 1,
        check: contiguity,
    },
    RegionRule {
        key: RuleId::Waiver,
        version: 1,
        check: waiver,
    },
    RegionRule {
        key: RuleId::Enclave,
        version: 1,
        check: enclaves,
    },
    RegionRule {
        key: RuleId::CherryPickHighNeed,
        version: 1,
        check: cherry_picking,
    },
    RegionRule {
        key: RuleId::Compactness,
        version: 1,
        check: compactness_scores,
    },
];

pub(crate) fn fmt_people(v: f64) -> String {
    let n = v.round() as i64;
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "both A and B", or "3 HECs at once: A, B and C".
fn claimants_phrase(names: &[&str]) -> String {
    match names {
        [a, b] => format!("both {a} and {b}"),
        [init @ .., last] if !init.is_empty() => {
            format!(
                "{} HECs at once: {} and {last}",
                names.len(),
                init.join(", ")
            )
        }
        _ => names.join(""),
    }
}

/// Tracts as GEOIDs with names and people, for details.
fn tract_rows(data: &Dataset, tracts: &[UnitId]) -> serde_json::Value {
    let units = &data.tracts.units;
    tracts
        .iter()
        .map(|&t| {
            json!({
                "geoid": units.geoid[t as usize],
                "name": units.name[t as usize],
                "population": unitset::population_of(&data.tracts.attributes, &[t]),
            })
        })
        .collect()
}

/// Details holding `figures` (made now) and the rows of `tracts` (rendered
/// when asked for) under the key "tracts".
fn with_tract_rows(figures: serde_json::Value, tracts: &[UnitId]) -> Details {
    let tracts = tracts.to_vec();
    Details::later(move |data| {
        let mut details = figures.clone();
        details["tracts"] = tract_rows(data, &tracts);
        details
    })
}

fn gaps(ctx: &Context) -> Result<Vec<Finding>, String> {
    if ctx.scope != PlanScope::Statewide {
        return Ok(Vec::new());
    }
    let claims = &ctx.plan.claims;
    let pieces = if ctx.unclaimed_tracts > 0 {
        unitset::unclaimed_components(&ctx.data.tracts.graph, claims)
    } else {
        Vec::new()
    };
    let mut findings: Vec<Finding> = pieces
        .into_iter()
        .map(|tracts| {
            let people = ctx.population_of(&tracts);
            let towns = ctx.towns_of(&tracts);
            let whole: Vec<&str> = towns
                .iter()
                .filter(|&&town| {
                    ctx.data.nesting.town_tracts[town as usize]
                        .iter()
                        .all(|t| claims[*t as usize].is_empty())
                })
                .map(|&t| ctx.town_name(t))
                .collect();
            Finding {
                towns,
                measured: Some(people),
                limit: Some(0.0),
                unit: "people",
                details: with_tract_rows(json!({ "whole_towns": whole }), &tracts),
                message: format!(
                    "{} in {} ({} people) {} in no HEC.",
                    plural(tracts.len(), "tract", "tracts"),
                    ctx.town_list(&tracts),
                    fmt_people(people),
                    if tracts.len() == 1 { "is" } else { "are" }
                ),
                tracts,
                ..Finding::new(RuleId::CoverageGap, Severity::Error, String::new())
            }
        })
        .collect();
    findings.extend(polygon_pieces(ctx, PieceKind::Gap));
    Ok(findings)
}

/// Findings for the overlaps or gaps between drawn polygons: disputes as
/// errors, digitizing slivers as information.
fn polygon_pieces(ctx: &Context, kind: PieceKind) -> Vec<Finding> {
    let Some(resolution) = ctx.polygons else {
        return Vec::new();
    };
    resolution
        .pieces
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| {
            let what = match kind {
                PieceKind::Gap => "land in no HEC's polygon".to_string(),
                PieceKind::Overlap => {
                    let names: Vec<&str> = p.regions.iter().map(|&r| ctx.region_name(r)).collect();
                    format!("land drawn into {}", names.join(" and "))
                }
            };
            let (rule, severity, verdict) = if p.sliver {
                (
                    RuleId::CoverageSliver,
                    Severity::Info,
                    "a digitizing sliver, not a dispute",
                )
            } else if kind == PieceKind::Gap {
                (RuleId::CoverageGap, Severity::Error, "a real gap")
            } else {
                (RuleId::CoverageOverlap, Severity::Error, "a real overlap")
            };
            Finding {
                region: p.regions.first().copied(),
                others: p.regions.iter().skip(1).copied().collect(),
                tracts: p.tracts.clone(),
                towns: ctx.towns_of(&p.tracts),
                measured: Some(p.area_m2 / 1e6),
                unit: "km2",
                estimate: true,
                details: json!({
                    "kind": kind, "area_m2": p.area_m2, "width_m": p.width_m, "sliver": p.sliver,
                    "people_estimate": p.people, "bbox": p.bbox,
                    "people_method": "area-weighted share of each touched tract's population (estimate)",
                }).into(),
                ..Finding::new(
                    rule,
                    severity,
                    format!(
                        "{:.3} km2 of {what} ({verdict}), about {} m wide, touching {} in {}; about {} people affected (area-weighted estimate).",
                        p.area_m2 / 1e6,
                        p.width_m.round(),
                        plural(p.tracts.len(), "tract", "tracts"),
                        ctx.town_list(&p.tracts),
                        fmt_people(p.people)
                    ),
                )
            }
        })
        .collect()
}

fn overlaps(ctx: &Context) -> Result<Vec<Finding>, String> {
    let mut by_claimants: BTreeMap<&[RegionId], Vec<UnitId>> = BTreeMap::new();
    let claims_of_all = if ctx.overlapped_tracts > 0 {
        ctx.plan.claims.as_slice()
    } else {
        &[]
    };
    for (t, claims) in claims_of_all.iter().enumerate() {
        if claims.len() > 1 {
            by_claimants
                .entry(claims.as_slice())
                .or_default()
                .push(t as UnitId);
        }
    }
    let mut findings: Vec<Finding> = by_claimants
        .into_iter()
        .map(|(claimants, tracts)| {
            let people = ctx.population_of(&tracts);
            let names: Vec<&str> = claimants.iter().map(|&r| ctx.region_name(r)).collect();
            Finding {
                region: Some(claimants[0]),
                others: claimants[1..].to_vec(),
                towns: ctx.towns_of(&tracts),
                measured: Some(people),
                limit: Some(0.0),
                unit: "people",
                details: with_tract_rows(json!({ "claimed_by": names }), &tracts),
                message: format!(
                    "Claimed by {}: {} in {} ({} people at stake).",
                    claimants_phrase(&names),
                    plural(tracts.len(), "tract", "tracts"),
                    ctx.town_list(&tracts),
                    fmt_people(people)
                ),
                tracts,
                ..Finding::new(RuleId::CoverageOverlap, Severity::Error, String::new())
            }
        })
        .collect();
    findings.extend(polygon_pieces(ctx, PieceKind::Overlap));
    Ok(findings)
}

fn region_count(ctx: &Context) -> Result<Vec<Finding>, String> {
    if ctx.scope != PlanScope::Statewide {
        return Ok(Vec::new());
    }
    let n = ctx.members.iter().filter(|m| !m.is_empty()).count();
    let limits = &ctx.rules.regions;
    if (limits.min..=limits.max).contains(&n) {
        return Ok(Vec::new());
    }
    let (limit, side) = if n < limits.min {
        (limits.min, "fewer")
    } else {
        (limits.max, "more")
    };
    Ok(vec![Finding {
        measured: Some(n as f64),
        limit: Some(limit as f64),
        unit: "HECs",
        details: json!({ "min": limits.min, "max": limits.max }).into(),
        ..Finding::new(
            RuleId::CountRegions,
            Severity::Error,
            format!(
                "The plan has {}, {side} than the {}-{} the state allows.",
                plural(n, "HEC", "HECs"),
                limits.min,
                limits.max
            ),
        )
    }])
}

fn town_split(ctx: &Context, town: UnitId) -> Result<Vec<Finding>, String> {
    let tracts = &ctx.data.nesting.town_tracts[town as usize];
    // Divided land: the town's claimed tracts do not all have the same
    // claimants (two HECs claiming all of it is an overlap, not a split).
    let mut claim_sets = tracts
        .iter()
        .map(|&t| ctx.plan.claims[t as usize].as_slice())
        .filter(|c| !c.is_empty());
    let Some(first) = claim_sets.next() else {
        return Ok(Vec::new());
    };
    if claim_sets.all(|c| c == first) {
        return Ok(Vec::new());
    }
    let mut people: BTreeMap<RegionId, f64> = BTreeMap::new();
    for &t in tracts {
        for &r in &ctx.plan.claims[t as usize] {
            *people.entry(r).or_default() += ctx.population_of(&[t]);
        }
    }
    let mut holders: Vec<(RegionId, f64)> = people.into_iter().collect();
    holders.sort_by(|a, b| b.1.total_cmp(&a.1));
    let total: f64 = ctx.population_of(tracts);
    let shares: Vec<String> = holders
        .iter()
        .map(|(r, p)| format!("{} {:.0}%", ctx.region_name(*r), 100.0 * p / total.max(1.0)))
        .collect();
    let reason = ctx.plan.split_reasons.get(&town);
    let (severity, why) = match reason {
        Some(reason) if !reason.is_empty() => (Severity::Info, format!(" Reason given: {reason}")),
        _ => (
            ctx.rules.town_split.severity,
            " No reason was given.".to_string(),
        ),
    };
    Ok(vec![Finding {
        region: Some(holders[0].0),
        others: holders[1..].iter().map(|h| h.0).collect(),
        tracts: tracts.clone(),
        towns: vec![town],
        measured: Some(holders.len() as f64),
        limit: Some(1.0),
        unit: "HECs",
        details: json!({
            "shares": holders.iter().map(|(r, p)| json!({"hec": ctx.region_name(*r), "population": p})).collect::<Vec<_>>(),
            "reason": reason,
        }).into(),
        ..Finding::new(
            RuleId::TownSplit,
            severity,
            format!(
                "{} is split between {}.{why}",
                ctx.town_name(town),
                shares.join(", ")
            ),
        )
    }])
}

/// A floor on a summed measure of an HEC (in the measure's unit).
fn threshold(
    ctx: &Context,
    region: RegionId,
    rule: RuleId,
    measure: Measure,
    limit: f64,
    what: &str,
) -> Vec<Finding> {
    let measured = ctx.total(region, measure);
    if measured >= limit {
        return Vec::new();
    }
    let severity = ctx.error_unless_waived(region, Waivable::Thresholds);
    let estimate = ctx.is_estimate(measure, &ctx.members[region as usize]);
    let est = if estimate { " (estimate)" } else { "" };
    let short = format!(
        "{} {what}{est}, {} short of the floor of {}",
        fmt_people(measured),
        fmt_people(limit - measured),
        fmt_people(limit)
    );
    let note = waiver_note(ctx, region, severity, Waivable::Thresholds);
    vec![Finding {
        region: Some(region),
        measured: Some(measured),
        limit: Some(limit),
        unit: measure.def().unit,
        estimate,
        ..Finding::new(
            rule,
            severity,
            format!("{} has {short}.{note}", ctx.region_name(region)),
        )
    }]
}

/// What a rule's finding says about the HEC's waiver: approved, pending,
/// refused, or possible (a rural HEC may ask).
fn waiver_note(ctx: &Context, region: RegionId, severity: Severity, waivable: Waivable) -> String {
    let what = match waivable {
        Waivable::Thresholds => "floors",
        Waivable::Contiguity => "contiguity rule",
    };
    let refused = ctx.plan.regions[region as usize]
        .waiver
        .as_ref()
        .is_some_and(|w| w.status == WaiverStatus::Refused && w.covers(waivable));
    match severity {
        Severity::Waived => {
            format!(" Waived: staff approved this rural HEC's waiver of the {what}.")
        }
        Severity::Pending => format!(
            " A waiver of the {what} is requested and pending staff decision: the HEC does not pass until staff approve it, and fails if they refuse."
        ),
        _ if refused => format!(" Staff refused this HEC's waiver of the {what}."),
        _ if ctx.is_rural(region) => format!(
            " As a rural HEC ({:.0} people per km2, under {:.0}) it may ask staff to waive the {what}, with a reason.",
            ctx.density(region),
            ctx.rules.rural.max_density_per_km2
        ),
        _ => String::new(),
    }
}

fn population_threshold(ctx: &Context, region: RegionId) -> Result<Vec<Finding>, String> {
    let limit = ctx.rules.thresholds.population_min;
    Ok(threshold(
        ctx,
        region,
        RuleId::ThresholdPopulation,
        Measure::Population,
        limit,
        "people",
    ))
}

fn medicare_threshold(ctx: &Context, region: RegionId) -> Result<Vec<Finding>, String> {
    let limit = ctx.rules.thresholds.medicare_min;
    Ok(threshold(
        ctx,
        region,
        RuleId::ThresholdMedicare,
        Measure::Medicare,
        limit,
        "Medicare beneficiaries",
    ))
}

fn contiguity(ctx: &Context, region: RegionId) -> Result<Vec<Finding>, String> {
    let members = &ctx.members[region as usize];
    let pieces = ctx.data.tracts.graph.components(
        members.iter().copied(),
        |t| ctx.is_member(region, t),
        false,
    );
    if pieces.len() < 2 {
        return Ok(Vec::new());
    }
    let severity = ctx.error_unless_waived(region, Waivable::Contiguity);
    let detached: Vec<UnitId> = pieces[1..].iter().flatten().copied().collect();
    let mut described = Vec::with_capacity(pieces.len());
    let mut parts = Vec::with_capacity(pieces.len());
    for p in &pieces {
        let (towns, people) = (ctx.town_list(p), ctx.population_of(p));
        parts.push(format!("{towns} ({} people)", fmt_people(people)));
        described.push((p.clone(), towns, people));
    }
    let details = Details::later(move |data| {
        let geoids = &data.tracts.units.geoid;
        let pieces: Vec<serde_json::Value> = described
            .iter()
            .map(|(p, towns, people)| {
                let ids: Vec<&str> = p.iter().map(|&t| geoids[t as usize].as_str()).collect();
                json!({ "tracts": p.len(), "towns": towns, "population": people, "geoids": ids })
            })
            .collect();
        json!({ "pieces": pieces })
    });
    let note = waiver_note(ctx, region, severity, Waivable::Contiguity);
    Ok(vec![Finding {
        region: Some(region),
        towns: ctx.towns_of(&detached),
        tracts: detached,
        measured: Some(pieces.len() as f64),
        limit: Some(1.0),
        unit: "pieces",
        details,
        ..Finding::new(
            RuleId::Contiguity,
            severity,
            format!(
                "{} is in {} pieces: {}.{note}",
                ctx.region_name(region),
                pieces.len(),
                parts.join("; ")
            ),
        )
    }])
}

fn waiver(ctx: &Context, region: RegionId) -> Result<Vec<Finding>, String> {
    let Some(w) = &ctx.plan.regions[region as usize].waiver else {
        return Ok(Vec::new());
    };
    let name = ctx.region_name(region);
    let density = ctx.density(region);
    let limit = ctx.rules.rural.max_density_per_km2;
    let waived: Vec<&str> = w
        .waive
        .iter()
        .map(|x| match x {
            Waivable::Thresholds => "the population and Medicare thresholds",
            Waivable::Contiguity => "contiguity",
        })
        .collect();
    let (severity, message) = if w.reason.trim().is_empty() {
        (
            Severity::Error,
            format!(
                "{name} asks to waive {} but gives no reason.",
                waived.join(" and ")
            ),
        )
    } else if w.status == WaiverStatus::Refused {
        (
            Severity::Info,
            format!(
                "Staff refused {name}'s waiver of {}; the rules apply in full.",
                waived.join(" and ")
            ),
        )
    } else if density >= limit {
        (
            Severity::Error,
            format!(
                "{name} asks to waive {} but is not rural: {density:.0} people per km2, at or above the rural limit of {limit:.0}.",
                waived.join(" and ")
            ),
        )
    } else {
        let status = match w.status {
            WaiverStatus::Approved => "approved by staff",
            _ => "requested, pending staff decision: it does not count until staff approve it",
        };
        (
            Severity::Info,
            format!(
                "{name} is rural ({density:.0} people per km2, below {limit:.0}) and waives {} ({status}). Reason: {}",
                waived.join(" and "),
                w.reason.trim()
            ),
        )
    };
    Ok(vec![Finding {
        region: Some(region),
        measured: Some(density),
        limit: Some(limit),
        unit: "people/km2",
        details: json!({ "waiver": w, "rural": density < limit }).into(),
        ..Finding::new(RuleId::Waiver, severity, message)
    }])
}

/// Pieces of land outside an HEC that the HEC wholly surrounds: connected
/// sets of non-member tracts none of which touches the state's edge.
/// Found once per HEC and context, for both rules that ask.
fn enclosed_pieces(ctx: &Context, region: RegionId) -> Vec<Vec<UnitId>> {
    let find = || {
        let graph = &ctx.data.tracts.graph;
        // Only complements next to the HEC can be enclosed by it: start there.
        let starts = ctx.members[region as usize]
            .iter()
            .flat_map(|&t| graph.neighbours(t).iter().map(|e| e.to));
        graph.enclosed_pieces(starts, |t| !ctx.is_member(region, t))
    };
    match ctx.enclosed.get() {
        Some((r, pieces)) if *r == region => pieces.clone(),
        Some(_) => find(),
        None => ctx.enclosed.get_or_init(|| (region, find())).1.clone(),
    }
}

fn enclaves(ctx: &Context, region: RegionId) -> Result<Vec<Finding>, String> {
    Ok(enclosed_pieces(ctx, region)
        .into_iter()
        .map(|tracts| {
            let people = ctx.population_of(&tracts);
            Finding {
                region: Some(region),
                towns: ctx.towns_of(&tracts),
                measured: Some(people),
                unit: "people",
                details: with_tract_rows(json!({}), &tracts),
                message: format!(
                    "{} wholly surrounds {} in {} ({} people) that {} to another HEC or to none.",
                    ctx.region_name(region),
                    plural(tracts.len(), "tract", "tracts"),
                    ctx.town_list(&tracts),
                    fmt_people(people),
                    if tracts.len() == 1 {
                        "belongs"
                    } else {
                        "belong"
                    }
                ),
                tracts,
                ..Finding::new(RuleId::Enclave, ctx.rules.enclave.severity, String::new())
            }
        })
        .collect())
}

/// Why a left-out tract counts against an HEC.
fn left_out_reason(
    ctx: &Context,
    region: RegionId,
    tract: UnitId,
    enclosed: &[UnitId],
) -> Option<&'static str> {
    if enclosed.binary_search(&tract).is_ok() {
        return Some("surrounded by the HEC");
    }
    let graph = &ctx.data.tracts.graph;
    let town = ctx.data.nesting.tract_town[tract as usize];
    let town_tracts = &ctx.data.nesting.town_tracts[town as usize];
    let in_region: Vec<UnitId> = town_tracts
        .iter()
        .copied()
        .filter(|&t| ctx.is_member(region, t))
        .collect();
    if in_region.is_empty() {
        // The whole town lies outside the HEC: a boundary along town lines.
        return None;
    }
    let town_people = ctx.population_of(town_tracts);
    if town_people > 0.0
        && ctx.population_of(&in_region) / town_people >= ctx.rules.cherry_pick.town_share
    {
        return Some("its town is mostly in the HEC");
    }
    let perimeter = graph.perimeter_m(tract);
    let shared: f64 = graph
        .neighbours(tract)
        .iter()
        .filter(|e| e.kind == EdgeKind::Land && ctx.is_member(region, e.to))
        .map(|e| e.shared_m)
        .sum();
    (perimeter > 0.0 && shared / perimeter >= ctx.rules.cherry_pick.edge_share)
        .then_some("borders the HEC along most of its edge")
}

fn cherry_picking(ctx: &Context, region: RegionId) -> Result<Vec<Finding>, String> {
    let members = &ctx.members[region as usize];
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let mut enclosed: Vec<UnitId> = enclosed_pieces(ctx, region).into_iter().flatten().collect();
    enclosed.sort_unstable();
    let graph = &ctx.data.tracts.graph;
    // Candidates: tracts next to the HEC, in its towns, or inside its holes.
    let mut candidates: Vec<UnitId> = members
        .iter()
        .flat_map(|&t| graph.neighbours(t).iter().map(|e| e.to))
        .chain(
            ctx.towns_of(members)
                .iter()
                .flat_map(|&town| ctx.data.nesting.town_tracts[town as usize].iter().copied()),
        )
        .chain(enclosed.iter().copied())
        .filter(|&t| ctx.need.high_need[t as usize] && !ctx.is_member(region, t))
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    let attrs = &ctx.data.tracts.attributes;
    let poverty = attrs.id(keys::SHARE_BELOW_200PCT_FPL);
    let left_out: Vec<(UnitId, &str)> = candidates
        .into_iter()
        .filter_map(|t| left_out_reason(ctx, region, t, &enclosed).map(|why| (t, why)))
        .collect();
    if left_out.is_empty() {
        return Ok(Vec::new());
    }
    let tracts: Vec<UnitId> = left_out.iter().map(|(t, _)| *t).collect();
    let people = ctx.population_of(&tracts);
    let need_of = |ts: &[UnitId]| {
        let (mut num, mut den) = (0.0, 0.0);
        for &t in ts {
            if let Some(p) = ctx.need.percentile[t as usize] {
                let w = ctx.population_of(&[t]);
                num += p * w;
                den += w;
            }
        }
        if den > 0.0 { num / den } else { 0.0 }
    };
    let out_need = need_of(&tracts);
    let kept_need = ctx.mean(region, Measure::NeedPercentile).unwrap_or(0.0);
    let out_poverty = poverty.and_then(|p| attrs.aggregate(p, tracts.iter().copied()).value);
    let kept_poverty = ctx
        .mean(region, Measure::ShareBelow200PctFpl)
        .unwrap_or(0.0);
    // Per tract: who, why, and the figures that made it high need.
    let rows: Vec<(UnitId, &str, Option<f64>, Option<f64>)> = left_out
        .iter()
        .map(|&(t, why)| {
            let share = poverty.and_then(|p| attrs.value(p, t));
            (t, why, ctx.need.percentile[t as usize], share)
        })
        .collect();
    let figures = json!({
        "left_out_population": people,
        "left_out_share_below_200pct_fpl": out_poverty,
        "kept_need_percentile": kept_need,
        "kept_share_below_200pct_fpl": kept_poverty,
    });
    let details = Details::later(move |data| {
        let units = &data.tracts.units;
        let left_out: Vec<serde_json::Value> = rows
            .iter()
            .map(|&(t, why, need, share)| {
                json!({
                    "geoid": units.geoid[t as usize],
                    "name": units.name[t as usize],
                    "population": unitset::population_of(&data.tracts.attributes, &[t]),
                    "need_percentile": need,
                    "share_below_200pct_fpl": share,
                    "why": why,
                })
            })
            .collect();
        let mut details = json!({ "left_out": left_out });
        for (key, value) in figures.as_object().expect("an object") {
            details[key] = value.clone();
        }
        details
    });
    let names: Vec<&str> = left_out
        .iter()
        .map(|(t, _)| ctx.data.tracts.units.name[*t as usize].as_str())
        .collect();
    Ok(vec![Finding {
        region: Some(region),
        towns: ctx.towns_of(&tracts),
        measured: Some(out_need),
        limit: Some(ctx.rules.need.high_need_percentile),
        unit: "need percentile",
        details,
        message: format!(
            "{} leaves out {} high-need {} ({}; {} people, need percentile {:.0}, {:.0}% below 200% of poverty) on its edge or in its holes, while what it keeps averages percentile {:.0} and {:.0}% below 200% of poverty.",
            ctx.region_name(region),
            tracts.len(),
            if tracts.len() == 1 { "tract" } else { "tracts" },
            abbreviate(&names, 4),
            fmt_people(people),
            out_need,
            100.0 * out_poverty.unwrap_or(0.0),
            kept_need,
            100.0 * kept_poverty
        ),
        tracts,
        ..Finding::new(
            RuleId::CherryPickHighNeed,
            ctx.rules.cherry_pick.severity,
            String::new(),
        )
    }])
}

fn compactness_scores(ctx: &Context, region: RegionId) -> Result<Vec<Finding>, String> {
    let members = &ctx.members[region as usize];
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let graph = &ctx.data.tracts.graph;
    let is_member = |t: UnitId| ctx.is_member(region, t);
    // The validator keeps the hull up to date; without it, from scratch.
    let hull: Vec<Coord> = match ctx.shapes.hull(region) {
        Some(hull) => hull.iter().map(|p| p.0).collect(),
        None => shape::hull_of(graph, ctx.data.tract_hull_points(), members, is_member)
            .into_iter()
            .map(|p| p.0)
            .collect(),
    };
    let area = ctx.total(region, Measure::AreaM2);
    let scores = compactness::scores(area, ctx.shapes.perimeter(region), &hull);
    Ok(vec![Finding {
        region: Some(region),
        measured: Some(scores.polsby_popper),
        unit: "Polsby-Popper",
        details: json!(scores).into(),
        figures: Some(Figures::Compactness(scores)),
        ..Finding::new(
            RuleId::Compactness,
            Severity::Info,
            format!(
                "{}: Polsby-Popper {:.3}, Reock {:.3}, convex hull ratio {:.3} (1 is a disc).",
                ctx.region_name(region),
                scores.polsby_popper,
                scores.reock,
                scores.convex_hull
            ),
        )
    }])
}
