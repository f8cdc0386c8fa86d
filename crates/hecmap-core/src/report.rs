//! The validation report: what `hecmap validate --format json`, the API and
//! the web UI all return. Identifiers here are the edges' (GEOIDs, names)
//! next to the integer unit ids the map colours by. The schema is
//! documented in `docs/report.md`.
//!
//! A report is built from typed results ([`ReportInput`]): the findings
//! and each HEC's [`HecFigures`] (its [`MeasureValues`] by typed key and
//! its compactness scores). This module does not know the validator.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::attributes::Provenance;
use crate::compactness::Compactness;
use crate::dataset::Dataset;
use crate::measures::{Measure, MeasureValues};
use crate::plan::RegionId;
use crate::plan::{Plan, PlanScope, PolygonResolution, Waiver};
use crate::profile::ProfileFigure;
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
    /// Its needs profile: every count and rate the data holds, beside the
    /// state's, with the tracts that drive it and where it comes from.
    pub profile: Arc<Vec<ProfileFigure>>,
    /// No error, unknown or pending finding is about this HEC.
    pub passes: bool,
    /// Passes, fails, or pending a staff decision on its waiver.
    pub verdict: Verdict,
    /// With a pending waiver: the verdict if staff approve it.
    pub if_approved: Option<Verdict>,
    /// With a pending waiver: the verdict if staff refuse it.
    pub if_refused: Option<Verdict>,
}

/// Where a plan or an HEC stands with the rules.
///
/// A rural HEC's waiver request that staff have not ruled on leaves the
/// findings it covers *pending*: the HEC does not pass yet, and the report
/// says what the verdict would be either way.
///
/// ```
/// use hecmap_core::report::Verdict;
/// use hecmap_core::rules::Severity;
///
/// let pending = [Severity::Pending, Severity::Info];
/// assert_eq!(Verdict::of(pending), Verdict::Pending);
/// assert_eq!(Verdict::if_approved(pending), Some(Verdict::Passes));
/// assert_eq!(Verdict::if_refused(pending), Some(Verdict::Fails));
/// assert_eq!(Verdict::of([Severity::Pending, Severity::Error]), Verdict::Fails);
/// assert_eq!(Verdict::if_approved([Severity::Waived]), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No error, unknown or pending finding.
    Passes,
    /// An error, or a rule that could not be computed.
    Fails,
    /// Passes only if staff approve the waiver requests still pending.
    Pending,
}

impl Verdict {
    /// The verdict of findings with these severities.
    pub fn of(severities: impl IntoIterator<Item = Severity>) -> Self {
        let mut verdict = Verdict::Passes;
        for severity in severities {
            match severity {
                Severity::Error | Severity::Unknown => return Verdict::Fails,
                Severity::Pending => verdict = Verdict::Pending,
                _ => {}
            }
        }
        verdict
    }

    /// The verdict once staff approve every pending waiver; `None` when
    /// none is pending.
    pub fn if_approved(severities: impl IntoIterator<Item = Severity> + Clone) -> Option<Self> {
        Self::ruled(severities, Severity::Waived)
    }

    /// The verdict once staff refuse every pending waiver; `None` when none
    /// is pending.
    pub fn if_refused(severities: impl IntoIterator<Item = Severity> + Clone) -> Option<Self> {
        Self::ruled(severities, Severity::Error)
    }

    fn ruled(
        severities: impl IntoIterator<Item = Severity> + Clone,
        ruling: Severity,
    ) -> Option<Self> {
        let any_pending = severities
            .clone()
            .into_iter()
            .any(|s| s == Severity::Pending);
        any_pending.then(|| {
            Self::of(severities.into_iter().map(
                |s| {
                    if s == Severity::Pending { ruling } else { s }
                },
            ))
        })
    }
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
    /// True when no finding is an error or pending a staff decision, and
    /// every rule was computed.
    pub passes: bool,
    /// Passes, fails, or pending staff decisions on waivers.
    pub verdict: Verdict,
    /// With pending waivers: the verdict if staff approve them all.
    pub if_approved: Option<Verdict>,
    /// With pending waivers: the verdict if staff refuse them all.
    pub if_refused: Option<Verdict>,
    /// Findings per severity.
    pub counts: BTreeMap<Severity, usize>,
    pub hecs: Vec<HecReport>,
    pub findings: Vec<FindingReport>,
    pub rules: Vec<RuleStatus>,
    pub polygons: Option<PolygonReport>,
    pub sources: Vec<SourceNote>,
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
    /// Its needs profile (shared with the validator's cache).
    pub profile: Arc<Vec<ProfileFigure>>,
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
        let severities = || findings.iter().map(|f| f.severity);
        let verdict = Verdict::of(severities());
        let (if_approved, if_refused) = (
            Verdict::if_approved(severities()),
            Verdict::if_refused(severities()),
        );
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
            passes: verdict == Verdict::Passes,
            verdict,
            if_approved,
            if_refused,
            counts,
            hecs,
            findings,
            rules,
            polygons,
            sources,
        }
    }

    /// The process exit code for this report: 0 passes, 1 breaks a rule,
    /// 3 passes only if staff approve the waivers still pending (2 is kept
    /// for unreadable input).
    pub fn exit_code(&self) -> u8 {
        match self.verdict {
            Verdict::Passes => 0,
            Verdict::Fails => 1,
            Verdict::Pending => 3,
        }
    }
}

fn hec_report(names: Names, r: RegionId, figures: &HecFigures, findings: &[Finding]) -> HecReport {
    let m = &figures.measures;
    let severities = || {
        findings
            .iter()
            .filter(move |f| f.region == Some(r) || f.others.contains(&r))
            .map(|f| f.severity)
    };
    let verdict = Verdict::of(severities());
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
        profile: figures.profile.clone(),
        passes: verdict == Verdict::Passes,
        verdict,
        if_approved: Verdict::if_approved(severities()),
        if_refused: Verdict::if_refused(severities()),
    }
}
