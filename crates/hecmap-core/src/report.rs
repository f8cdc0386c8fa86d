//! The validation report: what `hecmap validate --format json`, the API and
//! the web UI all return. Identifiers here are the edges' (GEOIDs, names)
//! next to the integer unit ids the map colours by. The schema is
//! documented in `docs/report.md`.
//!
//! A report is built from typed results ([`ReportInput`]): the findings
//! and each HEC's [`HecFigures`] (its [`MeasureValues`] by typed key and
//! its compactness scores). This module does not know the validator.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::attributes::Provenance;
use crate::compactness::Compactness;
use crate::dataset::Dataset;
use crate::measures::{Measure, MeasureValues};
use crate::plan::RegionId;
use crate::plan::{Plan, PlanScope, PolygonResolution, Waiver};
use crate::rules::{Details, Finding, PLAN_RULES, REGION_RULES, RuleId, Severity};
use crate::units::{Level, UnitId};

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
    pub rule: RuleId,
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
    pub details: Details,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleStatus {
    pub key: RuleId,
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

/// The typed figures of one HEC, as the validator computed them.
#[derive(Debug, Clone, PartialEq)]
pub struct HecFigures {
    /// Tracts in the HEC.
    pub tracts: usize,
    /// Towns wholly and partly in the HEC.
    pub whole_towns: Vec<UnitId>,
    pub partial_towns: Vec<UnitId>,
    /// Every registered measure of the HEC.
    pub measures: MeasureValues,
    pub density_per_km2: f64,
    pub rural: bool,
    /// `None` when the HEC is empty or its scores could not be computed.
    pub compactness: Option<Compactness>,
}

/// What a report is built from.
pub struct ReportInput<'a> {
    pub data: &'a Dataset,
    pub plan: &'a Plan,
    /// The scope the rules used.
    pub scope: PlanScope,
    pub polygons: Option<&'a PolygonResolution>,
    /// Every finding, in report order.
    pub findings: Vec<Finding>,
    /// Per HEC, in region id order.
    pub hecs: Vec<HecFigures>,
}

/// Names at the edges: HECs, towns and tract GEOIDs.
#[derive(Clone, Copy)]
struct Names<'a> {
    data: &'a Dataset,
    plan: &'a Plan,
}

impl Names<'_> {
    fn region_name(&self, region: RegionId) -> &str {
        &self.plan.regions[region as usize].name
    }

    fn town_names(&self, towns: &[UnitId]) -> Vec<String> {
        towns
            .iter()
            .map(|&t| self.data.towns.units.name[t as usize].clone())
            .collect()
    }

    fn finding_report(&self, f: Finding) -> FindingReport {
        f.details.render(self.data);
        FindingReport {
            rule: f.rule,
            severity: f.severity,
            hec: f.region.map(|r| self.region_name(r).to_string()),
            other_hecs: f
                .others
                .iter()
                .map(|&r| self.region_name(r).to_string())
                .collect(),
            tracts: f
                .tracts
                .iter()
                .map(|&t| self.data.tracts.units.geoid[t as usize].clone())
                .collect(),
            tract_ids: f.tracts,
            towns: self.town_names(&f.towns),
            measured: f.measured,
            limit: f.limit,
            unit: f.unit,
            estimate: f.estimate,
            message: f.message,
            details: f.details,
        }
    }
}

impl Report {
    /// The report of typed validation results.
    pub fn build(input: ReportInput) -> Self {
        let ReportInput {
            data,
            plan,
            scope,
            polygons,
            findings,
            hecs,
        } = input;
        let names = Names { data, plan };
        let mut counts = BTreeMap::new();
        for f in &findings {
            *counts.entry(f.severity).or_insert(0) += 1;
        }
        let failed_rules: Vec<RuleId> = findings
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
        let hecs = hecs
            .iter()
            .enumerate()
            .map(|(r, figures)| hec_report(names, r as RegionId, figures, &findings))
            .collect();
        let polygons = polygons.map(|p| PolygonReport {
            partial_tracts: p
                .partial
                .iter()
                .map(|pt| PartialTractReport {
                    tract: data.tracts.units.geoid[pt.tract as usize].clone(),
                    tract_id: pt.tract,
                    hec: names.region_name(pt.region).to_string(),
                    share: pt.share,
                    assigned: pt.assigned,
                })
                .collect(),
            outside_state_km2: p
                .outside_state_m2
                .iter()
                .enumerate()
                .filter(|(_, a)| **a > 0.0)
                .map(|(r, a)| (names.region_name(r as RegionId).to_string(), a / 1e6))
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
        let passes = !findings.iter().any(|f| fails(f.severity));
        let findings = findings
            .into_iter()
            .map(|f| names.finding_report(f))
            .collect();
        Report {
            schema: SCHEMA,
            hecmap_version: env!("CARGO_PKG_VERSION"),
            plan: PlanInfo {
                name: plan.name.clone(),
                source: plan.source.clone(),
                level: plan.level,
                scope,
                hecs: plan.regions.len(),
            },
            passes,
            counts,
            hecs,
            findings,
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

fn hec_report(names: Names, r: RegionId, figures: &HecFigures, findings: &[Finding]) -> HecReport {
    let m = &figures.measures;
    HecReport {
        id: r,
        name: names.region_name(r).to_string(),
        tracts: figures.tracts,
        towns: names.town_names(&figures.whole_towns),
        partial_towns: names.town_names(&figures.partial_towns),
        population: m.total(Measure::Population),
        medicare: Figure {
            value: m.total(Measure::Medicare),
            estimate: m.estimate(Measure::Medicare),
        },
        pop_65plus: m.total(Measure::Pop65Plus),
        share_below_200pct_fpl: m.value(Measure::ShareBelow200PctFpl),
        need_percentile: m.value(Measure::NeedPercentile),
        high_need_tracts: m.total(Measure::HighNeedTracts).round() as usize,
        area_km2: m.total(Measure::AreaM2) / 1e6,
        density_per_km2: figures.density_per_km2,
        rural: figures.rural,
        waiver: names.plan.regions[r as usize].waiver.clone(),
        compactness: figures.compactness,
        passes: !findings
            .iter()
            .any(|f| fails(f.severity) && (f.region == Some(r) || f.others.contains(&r))),
    }
}
