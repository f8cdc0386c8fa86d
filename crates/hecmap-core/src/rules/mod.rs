//! The state's rules for HEC plans. Each rule is a registered check with a
//! key and a version that turns a plan into findings: data (rule id,
//! severity, HEC, units, towns, measured value, limit, a sentence), so the
//! UI, the API and the CLI all show the same thing. A rule that fails to
//! compute yields a finding saying so and never hides the others.

mod checks;
pub(crate) use checks::fmt_people;
pub mod config;

use serde::Serialize;

pub use checks::{PLAN_RULES, REGION_RULES};

pub use config::{RulesConfig, RulesError};

use crate::compactness::Compactness;
use crate::dataset::Dataset;
use crate::measures::{Aggregation, Measure};
use crate::need::NeedIndex;
use crate::plan::RegionId;
use crate::plan::{Plan, PlanScope, PolygonResolution, Waivable, WaiverStatus};
use crate::shape::RegionShapes;
use crate::tally::MeasureTallies;
use crate::units::UnitId;
use crate::unitset;

/// The id of a rule, as findings, the report and the API name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleId {
    /// `coverage.gap`: land in no HEC.
    CoverageGap,
    /// `coverage.overlap`: land in two HECs or more.
    CoverageOverlap,
    /// `coverage.sliver`: a digitizing sliver between drawn polygons
    /// (found by the gap and overlap rules).
    CoverageSliver,
    /// `count.regions`: the number of HECs.
    CountRegions,
    /// `town.split`: a town divided between HECs.
    TownSplit,
    /// `threshold.population`: the population floor.
    ThresholdPopulation,
    /// `threshold.medicare`: the Medicare beneficiaries floor.
    ThresholdMedicare,
    /// `contiguity`: an HEC in pieces.
    Contiguity,
    /// `waiver`: a rural HEC's waiver.
    Waiver,
    /// `enclave`: land an HEC wholly surrounds.
    Enclave,
    /// `cherry_pick.high_need`: high-need tracts left out.
    CherryPickHighNeed,
    /// `compactness`: the compactness scores.
    Compactness,
}

impl RuleId {
    /// Every rule id.
    pub const ALL: &'static [RuleId] = &[
        RuleId::CoverageGap,
        RuleId::CoverageOverlap,
        RuleId::CoverageSliver,
        RuleId::CountRegions,
        RuleId::TownSplit,
        RuleId::ThresholdPopulation,
        RuleId::ThresholdMedicare,
        RuleId::Contiguity,
        RuleId::Waiver,
        RuleId::Enclave,
        RuleId::CherryPickHighNeed,
        RuleId::Compactness,
    ];

    /// The id as findings and the report spell it (`threshold.population`).
    pub const fn as_str(self) -> &'static str {
        match self {
            RuleId::CoverageGap => "coverage.gap",
            RuleId::CoverageOverlap => "coverage.overlap",
            RuleId::CoverageSliver => "coverage.sliver",
            RuleId::CountRegions => "count.regions",
            RuleId::TownSplit => "town.split",
            RuleId::ThresholdPopulation => "threshold.population",
            RuleId::ThresholdMedicare => "threshold.medicare",
            RuleId::Contiguity => "contiguity",
            RuleId::Waiver => "waiver",
            RuleId::Enclave => "enclave",
            RuleId::CherryPickHighNeed => "cherry_pick.high_need",
            RuleId::Compactness => "compactness",
        }
    }

    /// The rule id spelled `id`, if any.
    pub fn parse(id: &str) -> Option<RuleId> {
        RuleId::ALL.iter().copied().find(|r| r.as_str() == id)
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Compares with an id as spelled outside (JSON, a query, a test).
impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// Typed figures a finding carries besides its `details`, for the report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figures {
    Compactness(Compactness),
}

impl Figures {
    /// The compactness scores, if these are they.
    pub fn compactness(self) -> Option<Compactness> {
        match self {
            Figures::Compactness(c) => Some(c),
        }
    }
}

/// How much a finding matters.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The plan breaks a rule.
    Error,
    /// A rule could not be computed: the plan cannot be said to pass.
    Unknown,
    /// Would be an error, but a rural HEC has asked for a waiver that
    /// covers it and staff have not ruled yet: the HEC does not pass until
    /// they approve, and fails if they refuse.
    Pending,
    /// Worth a look; does not fail the plan.
    Warning,
    /// Would be an error, but staff approved a rural HEC's waiver of it.
    Waived,
    /// Information (compactness, justified town splits, slivers).
    Info,
}

/// A finding's rule-specific figures, as JSON: given when the finding is
/// made (small figures), or rendered on first ask from what the rule kept
/// (per-tract rows, pieces with their GEOIDs), so that a validator that
/// only wants verdicts, as a solver or an ensemble does move after move,
/// never builds them. [`Validator::report`] renders them all. Shared, not
/// copied: a validator hands out its cached findings on every move.
///
/// Rendering reads only the dataset: whatever depends on the plan is
/// captured when the finding is made, so details rendered after later
/// moves still describe the plan the finding was about. Until rendered, a
/// deferred finding's details read as `null`.
///
/// [`Validator::report`]: crate::validate::Validator::report
#[derive(Clone, Default)]
pub struct Details(std::sync::Arc<DetailsCell>);

type Render = dyn Fn(&Dataset) -> serde_json::Value + Send + Sync;

#[derive(Default)]
struct DetailsCell {
    value: std::sync::OnceLock<serde_json::Value>,
    render: Option<Box<Render>>,
}

impl Details {
    /// Details rendered from the dataset when first asked for.
    pub fn later(render: impl Fn(&Dataset) -> serde_json::Value + Send + Sync + 'static) -> Self {
        Self(std::sync::Arc::new(DetailsCell {
            value: std::sync::OnceLock::new(),
            render: Some(Box::new(render)),
        }))
    }

    /// Renders deferred details (once; a panic renders as a note saying so).
    pub fn render(&self, data: &Dataset) {
        let cell = &self.0;
        if let Some(render) = &cell.render {
            cell.value.get_or_init(|| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| render(data)))
                    .unwrap_or_else(
                        |_| serde_json::json!({ "error": "details could not be computed" }),
                    )
            });
        }
    }

    /// The details, if given or rendered.
    pub fn get(&self) -> Option<&serde_json::Value> {
        self.0.value.get()
    }
}

impl From<serde_json::Value> for Details {
    fn from(value: serde_json::Value) -> Self {
        Self(std::sync::Arc::new(DetailsCell {
            value: value.into(),
            render: None,
        }))
    }
}

impl std::ops::Deref for Details {
    type Target = serde_json::Value;
    fn deref(&self) -> &serde_json::Value {
        static NULL: serde_json::Value = serde_json::Value::Null;
        self.get().unwrap_or(&NULL)
    }
}

impl PartialEq for Details {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl std::fmt::Debug for Details {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.get() {
            Some(value) => value.fmt(f),
            None => f.write_str("<details not rendered>"),
        }
    }
}

impl Serialize for Details {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let value: &serde_json::Value = self;
        value.serialize(s)
    }
}

/// One finding of one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Rule id, e.g. `threshold.population`.
    pub rule: RuleId,
    pub severity: Severity,
    /// The HEC the finding is about.
    pub region: Option<RegionId>,
    /// Other HECs involved (the other claimants of an overlap, the HEC a
    /// cherry-picked tract went to).
    pub others: Vec<RegionId>,
    /// Tracts involved.
    pub tracts: Vec<UnitId>,
    /// Towns involved.
    pub towns: Vec<UnitId>,
    /// The measured value and the limit it is held to, in `unit`.
    pub measured: Option<f64>,
    pub limit: Option<f64>,
    pub unit: &'static str,
    /// True when `measured` is an estimate.
    pub estimate: bool,
    /// A sentence a person understands.
    pub message: String,
    /// Rule-specific figures.
    pub details: Details,
    /// The same figures typed, where the report needs them.
    #[serde(skip)]
    pub figures: Option<Figures>,
}

impl Finding {
    /// A finding with only a rule, severity and message; fill in the rest
    /// with struct update syntax.
    pub fn new(rule: RuleId, severity: Severity, message: String) -> Self {
        Self {
            rule,
            severity,
            region: None,
            others: Vec::new(),
            tracts: Vec::new(),
            towns: Vec::new(),
            measured: None,
            limit: None,
            unit: "",
            estimate: false,
            message,
            details: Details::default(),
            figures: None,
        }
    }
}

/// Everything a rule may read.
pub struct Context<'a> {
    pub data: &'a Dataset,
    pub rules: &'a RulesConfig,
    pub plan: &'a Plan,
    pub scope: PlanScope,
    pub need: &'a NeedIndex,
    /// Tracts of each HEC, sorted.
    pub members: &'a [Vec<UnitId>],
    /// Per-HEC tallies of every [`Measure`].
    pub tallies: &'a MeasureTallies,
    /// People per tract (2020 Census; missing as 0), read once.
    pub people: &'a [f64],
    /// Each HEC's perimeter and (when settled) hull.
    pub shapes: &'a RegionShapes,
    /// How many tracts no HEC claims, and how many two or more claim.
    pub unclaimed_tracts: usize,
    pub overlapped_tracts: usize,
    /// The land the last HEC asked about wholly surrounds, kept for the
    /// rules that follow (enclaves, then cherry-picking); start empty.
    pub enclosed: std::cell::OnceCell<(RegionId, Vec<Vec<UnitId>>)>,
    pub polygons: Option<&'a PolygonResolution>,
}

impl<'a> Context<'a> {
    /// An HEC's total of a summed measure (people, beneficiaries, m²).
    pub fn total(&self, region: RegionId, measure: Measure) -> f64 {
        self.tallies.total(region, measure)
    }

    /// An HEC's mean or ratio of a measure (`None`: nothing to weigh).
    pub fn mean(&self, region: RegionId, measure: Measure) -> Option<f64> {
        self.tallies.value(region, measure)
    }

    /// True when a measure over these tracts is an estimate (see
    /// [`Aggregation::Estimate`]).
    pub fn is_estimate(&self, measure: Measure, tracts: &[UnitId]) -> bool {
        match (measure.def().aggregation, measure.attribute()) {
            (Aggregation::Estimate, Some(key)) => unitset::is_estimate(
                &self.data.tracts.attributes,
                &self.data.nesting,
                key,
                tracts,
            ),
            (Aggregation::Estimate, None) => true,
            _ => false,
        }
    }

    pub fn is_member(&self, region: RegionId, tract: UnitId) -> bool {
        self.plan.claims[tract as usize]
            .binary_search(&region)
            .is_ok()
    }

    pub fn region_name(&self, region: RegionId) -> &str {
        &self.plan.regions[region as usize].name
    }

    pub fn town_name(&self, town: UnitId) -> &str {
        &self.data.towns.units.name[town as usize]
    }

    /// People in a set of tracts (as [`unitset::population_of`]).
    pub fn population_of(&self, tracts: &[UnitId]) -> f64 {
        tracts.iter().map(|&t| self.people[t as usize]).sum()
    }

    /// The towns of a set of tracts, sorted ([`unitset::towns_of`]).
    pub fn towns_of(&self, tracts: &[UnitId]) -> Vec<UnitId> {
        unitset::towns_of(&self.data.nesting, tracts)
    }

    /// Town names of a set of tracts, for messages ("Hartford, Bloomfield").
    pub fn town_list(&self, tracts: &[UnitId]) -> String {
        let names: Vec<&str> = self
            .towns_of(tracts)
            .into_iter()
            .map(|t| self.town_name(t))
            .collect();
        abbreviate(&names, 6)
    }

    /// People per km² of land in an HEC.
    pub fn density(&self, region: RegionId) -> f64 {
        let km2 = self.total(region, Measure::AreaM2) / 1e6;
        if km2 > 0.0 {
            self.total(region, Measure::Population) / km2
        } else {
            0.0
        }
    }

    pub fn is_rural(&self, region: RegionId) -> bool {
        self.density(region) < self.rules.rural.max_density_per_km2
    }

    /// The status of the HEC's waiver of `what` when one applies: the HEC
    /// is rural, gives a reason and asks to waive `what`. Refused when staff
    /// refused it; `None` when no waiver applies.
    pub fn waiver_status(&self, region: RegionId, what: Waivable) -> Option<WaiverStatus> {
        self.plan.regions[region as usize]
            .waiver
            .as_ref()
            .filter(|w| w.covers(what) && !w.reason.trim().is_empty() && self.is_rural(region))
            .map(|w| w.status)
    }

    /// Error, Waived when staff approved the HEC's waiver of `what`, or
    /// Pending while they have not ruled on it.
    pub fn error_unless_waived(&self, region: RegionId, what: Waivable) -> Severity {
        match self.waiver_status(region, what) {
            Some(WaiverStatus::Approved) => Severity::Waived,
            Some(WaiverStatus::Requested) => Severity::Pending,
            Some(WaiverStatus::Refused) | None => Severity::Error,
        }
    }
}

/// "a, b, c and 4 more".
pub fn abbreviate(names: &[&str], max: usize) -> String {
    if names.len() <= max {
        names.join(", ")
    } else {
        format!("{} and {} more", names[..max].join(", "), names.len() - max)
    }
}

/// A check over the whole plan.
pub struct PlanRule {
    pub key: RuleId,
    pub version: u32,
    pub check: PlanCheck,
}

/// How a plan rule looks at the plan.
#[derive(Clone, Copy)]
pub enum PlanCheck {
    /// At all of it at once.
    Whole(fn(&Context) -> Result<Vec<Finding>, String>),
    /// One town at a time: a town's findings depend only on who claims its
    /// tracts, so a validator re-checks only the towns a move touched.
    PerTown(fn(&Context, UnitId) -> Result<Vec<Finding>, String>),
}

impl PlanRule {
    /// Every finding of the rule over the whole plan, a failure included.
    pub fn run(&self, ctx: &Context) -> Vec<Finding> {
        match self.check {
            PlanCheck::Whole(check) => run_guarded(self.key, None, || check(ctx)),
            PlanCheck::PerTown(_) => (0..ctx.data.towns.units.len() as UnitId)
                .flat_map(|town| self.run_town(ctx, town))
                .collect(),
        }
    }

    /// The findings of a per-town rule for one town (none for a rule over
    /// the whole plan).
    pub fn run_town(&self, ctx: &Context, town: UnitId) -> Vec<Finding> {
        match self.check {
            PlanCheck::Whole(_) => Vec::new(),
            PlanCheck::PerTown(check) => run_guarded(self.key, None, || check(ctx, town)),
        }
    }
}

/// A check of one HEC.
pub struct RegionRule {
    pub key: RuleId,
    pub version: u32,
    pub check: fn(&Context, RegionId) -> Result<Vec<Finding>, String>,
}

/// Runs a check, turning an error or a panic into a finding that says the
/// rule could not be computed.
pub fn run_guarded(
    key: RuleId,
    region: Option<RegionId>,
    check: impl FnOnce() -> Result<Vec<Finding>, String>,
) -> Vec<Finding> {
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)).unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "internal error".into());
            Err(what)
        });
    match outcome {
        Ok(findings) => findings,
        Err(reason) => vec![Finding {
            region,
            ..Finding::new(
                key,
                Severity::Unknown,
                format!(
                    "The rule {key} could not be computed: {reason}. Other rules are unaffected."
                ),
            )
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_spell_as_before() {
        let spelled: Vec<&str> = RuleId::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            spelled,
            [
                "coverage.gap",
                "coverage.overlap",
                "coverage.sliver",
                "count.regions",
                "town.split",
                "threshold.population",
                "threshold.medicare",
                "contiguity",
                "waiver",
                "enclave",
                "cherry_pick.high_need",
                "compactness",
            ]
        );
        for &id in RuleId::ALL {
            assert_eq!(RuleId::parse(id.as_str()), Some(id));
            assert_eq!(
                serde_json::to_value(id).unwrap(),
                serde_json::json!(id.as_str())
            );
            assert_eq!(id.to_string(), id.as_str());
        }
        assert_eq!(RuleId::parse("no.such.rule"), None);
    }

    #[test]
    fn every_registered_rule_has_its_own_id() {
        let mut keys: Vec<RuleId> = PLAN_RULES
            .iter()
            .map(|r| r.key)
            .chain(REGION_RULES.iter().map(|r| r.key))
            .collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n);
        // Slivers are found by the gap and overlap rules.
        assert!(!keys.contains(&RuleId::CoverageSliver));
        assert_eq!(n + 1, RuleId::ALL.len());
    }

    #[test]
    fn a_failing_rule_becomes_an_unknown_finding() {
        let findings = run_guarded(RuleId::Enclave, Some(3), || Err("no graph".into()));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule, RuleId::Enclave);
        assert_eq!(findings[0].severity, Severity::Unknown);
        assert_eq!(findings[0].region, Some(3));
        assert!(findings[0].message.contains("no graph"));
        let panics = run_guarded(RuleId::Waiver, None, || panic!("boom"));
        assert!(panics[0].message.contains("boom"));
    }
}
