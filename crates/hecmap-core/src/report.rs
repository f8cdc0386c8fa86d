//! The validation report: what `hecmap validate --format json`, the API and
//! the web UI all return. Identifiers here are the edges' (GEOIDs, names)
//! next to the integer unit ids the map colours by. The schema is
//! documented in `docs/report.md`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::attributes::Provenance;
use crate::compactness::Compactness;
use crate::plan::{PlanScope, Waiver};
use crate::rules::{Column, Context, Finding, PLAN_RULES, REGION_RULES, Severity};
use crate::tally::RegionId;
use crate::units::{Level, UnitId};
use crate::validate::Validator;

/// Identifies this report format.
pub const SCHEMA: &str = "hecmap.report/1";

#[derive(Debug, Clone, Serialize)]
pub struct PlanInfo {
    pub name: String,
    pub source: String,
    pub level: Level,
    /// The scope the rules used (auto resolved).
    pub scope: PlanScope,
    pub hecs: usize,
}

/// A figure with its provenance flag.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub value: f64,
    pub estimate: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct HecReport {
    pub id: RegionId,
    pub name: String,
    pub tracts: usize,
    /// Towns wholly in this HEC.
    pub towns: Vec<String>,
    /// Towns partly in this HEC.
    pub partial_towns: Vec<String>,
    pub population: f64,
    pub medicare: Figure,
    pub pop_65plus: f64,
    pub share_below_200pct_fpl: Option<f64>,
    /// Population-weighted mean need percentile of its tracts.
    pub need_percentile: Option<f64>,
    pub high_need_tracts: usize,
    pub area_km2: f64,
    pub density_per_km2: f64,
    pub rural: bool,
    pub waiver: Option<Waiver>,
    pub compactness: Option<Compactness>,
    /// No error or unknown finding is about this HEC.
    pub passes: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingReport {
    pub rule: &'static str,
    pub severity: Severity,
    pub hec: Option<String>,
    pub other_hecs: Vec<String>,
    /// Tract GEOIDs (2020) and, in the same order, their integer ids.
    pub tracts: Vec<String>,
    pub tract_ids: Vec<UnitId>,
    pub towns: Vec<String>,
    pub measured: Option<f64>,
    pub limit: Option<f64>,
    pub unit: &'static str,
    pub estimate: bool,
    pub message: String,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleStatus {
    pub key: &'static str,
    pub version: u32,
    /// False when the rule failed to compute for some part of the plan.
    pub computed: bool,
}

/// A tract partly inside a drawn HEC polygon.
#[derive(Debug, Clone, Serialize)]
pub struct PartialTractReport {
    pub tract: String,
    pub tract_id: UnitId,
    pub hec: String,
    pub share: f64,
    pub assigned: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolygonReport {
    pub partial_tracts: Vec<PartialTractReport>,
    pub outside_state_km2: BTreeMap<String, f64>,
    pub majority_share: f64,
}

/// Where a figure comes from.
#[derive(Debug, Clone, Serialize)]
pub struct SourceNote {
    pub key: String,
    pub label: String,
    pub estimate: bool,
    pub provenance: Provenance,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub hecmap_version: &'static str,
    pub plan: PlanInfo,
    /// True when no finding is an error and every rule was computed.
    pub passes: bool,
    /// Findings per severity.
    pub counts: BTreeMap<Severity, usize>,
    pub hecs: Vec<HecReport>,
    pub findings: Vec<FindingReport>,
    pub rules: Vec<RuleStatus>,
    pub polygons: Option<PolygonReport>,
    pub sources: Vec<SourceNote>,
}

fn fails(severity: Severity) -> bool {
    matches!(severity, Severity::Error | Severity::Unknown)
}

impl Report {
    pub fn build(validator: &Validator, findings: Vec<Finding>) -> Self {
        validator.with_context(|ctx| Self::from_context(ctx, findings))
    }

    fn from_context(ctx: &Context, findings: Vec<Finding>) -> Self {
        let data = ctx.data;
        let mut counts = BTreeMap::new();
        for f in &findings {
            *counts.entry(f.severity).or_insert(0) += 1;
        }
        let failed_rules: Vec<&str> = findings
            .iter()
            .filter(|f| f.severity == Severity::Unknown)
            .map(|f| f.rule)
            .collect();
        let rules = PLAN_RULES
            .iter()
            .map(|r| (r.key, r.version))
            .chain(REGION_RULES.iter().map(|r| (r.key, r.version)))
            .map(|(key, version)| RuleStatus {
                key,
                version,
                computed: !failed_rules.contains(&key),
            })
            .collect();
        let hecs = (0..ctx.plan.regions.len() as RegionId)
            .map(|r| hec_report(ctx, r, &findings))
            .collect();
        let polygons = ctx.polygons.map(|p| PolygonReport {
            partial_tracts: p
                .partial
                .iter()
                .map(|pt| PartialTractReport {
                    tract: data.tracts.units.geoid[pt.tract as usize].clone(),
                    tract_id: pt.tract,
                    hec: ctx.region_name(pt.region).to_string(),
                    share: pt.share,
                    assigned: pt.assigned,
                })
                .collect(),
            outside_state_km2: p
                .outside_state_m2
                .iter()
                .enumerate()
                .filter(|(_, a)| **a > 0.0)
                .map(|(r, a)| (ctx.region_name(r as RegionId).to_string(), a / 1e6))
                .collect(),
            majority_share: p.options.majority_share,
        });
        let sources = data
            .tracts
            .attributes
            .defs()
            .iter()
            .map(|d| SourceNote {
                key: d.key.clone(),
                label: d.label.clone(),
                estimate: d.provenance.is_estimate(),
                provenance: d.provenance.clone(),
            })
            .collect();
        Report {
            schema: SCHEMA,
            hecmap_version: env!("CARGO_PKG_VERSION"),
            plan: PlanInfo {
                name: ctx.plan.name.clone(),
                source: ctx.plan.source.clone(),
                level: ctx.plan.level,
                scope: ctx.scope,
                hecs: ctx.plan.regions.len(),
            },
            passes: !findings.iter().any(|f| fails(f.severity)),
            counts,
            hecs,
            findings: findings
                .into_iter()
                .map(|f| finding_report(ctx, f))
                .collect(),
            rules,
            polygons,
            sources,
        }
    }

    /// The process exit code for this report: 0 passes, 1 breaks a rule.
    pub fn exit_code(&self) -> u8 {
        if self.passes { 0 } else { 1 }
    }
}

fn hec_report(ctx: &Context, r: RegionId, findings: &[Finding]) -> HecReport {
    let members = &ctx.members[r as usize];
    let towns = ctx.towns_of(members);
    let (whole, partial): (Vec<UnitId>, Vec<UnitId>) = towns.into_iter().partition(|&town| {
        ctx.data.nesting.town_tracts[town as usize]
            .iter()
            .all(|&t| ctx.is_member(r, t))
    });
    let names = |ts: Vec<UnitId>| {
        ts.into_iter()
            .map(|t| ctx.town_name(t).to_string())
            .collect()
    };
    let ratio = |num: Column, den: Column| {
        let d = ctx.total(r, den);
        (d > 0.0).then(|| ctx.total(r, num) / d)
    };
    let compactness = findings
        .iter()
        .find(|f| f.rule == "compactness" && f.region == Some(r))
        .and_then(|f| serde_json::from_value::<Compactness>(f.details.clone()).ok());
    HecReport {
        id: r,
        name: ctx.region_name(r).to_string(),
        tracts: members.len(),
        towns: names(whole),
        partial_towns: names(partial),
        population: ctx.total(r, Column::Population),
        medicare: Figure {
            value: ctx.total(r, Column::Medicare),
            estimate: ctx.medicare_is_estimate(members),
        },
        pop_65plus: ctx.total(r, Column::Pop65),
        share_below_200pct_fpl: ratio(Column::Below200, Column::PovertyUniverse),
        need_percentile: ratio(Column::NeedTimesPopulation, Column::RankedPopulation),
        high_need_tracts: ctx.total(r, Column::HighNeedTracts).round() as usize,
        area_km2: ctx.total(r, Column::AreaM2) / 1e6,
        density_per_km2: ctx.density(r),
        rural: ctx.is_rural(r),
        waiver: ctx.plan.regions[r as usize].waiver.clone(),
        compactness,
        passes: !findings
            .iter()
            .any(|f| fails(f.severity) && (f.region == Some(r) || f.others.contains(&r))),
    }
}

fn finding_report(ctx: &Context, f: Finding) -> FindingReport {
    FindingReport {
        rule: f.rule,
        severity: f.severity,
        hec: f.region.map(|r| ctx.region_name(r).to_string()),
        other_hecs: f
            .others
            .iter()
            .map(|&r| ctx.region_name(r).to_string())
            .collect(),
        tracts: f
            .tracts
            .iter()
            .map(|&t| ctx.data.tracts.units.geoid[t as usize].clone())
            .collect(),
        tract_ids: f.tracts,
        towns: f
            .towns
            .iter()
            .map(|&t| ctx.town_name(t).to_string())
            .collect(),
        measured: f.measured,
        limit: f.limit,
        unit: f.unit,
        estimate: f.estimate,
        message: f.message,
        details: f.details,
    }
}
