//! The state's rules for HEC plans. Each rule is a registered check with a
//! key and a version that turns a plan into findings: data (rule id,
//! severity, HEC, units, towns, measured value, limit, a sentence), so the
//! UI, the API and the CLI all show the same thing. A rule that fails to
//! compute yields a finding saying so and never hides the others.

mod checks;
pub mod config;

use serde::Serialize;

pub use checks::{PLAN_RULES, REGION_RULES};
pub use config::{RulesConfig, RulesError};

use crate::dataset::Dataset;
use crate::need::NeedIndex;
use crate::plan::{Plan, PlanScope, PolygonResolution, Waivable, WaiverStatus};
use crate::tally::{RegionId, Tallies};
use crate::units::UnitId;

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
    /// Worth a look; does not fail the plan.
    Warning,
    /// Would be an error, but a rural HEC's waiver covers it.
    Waived,
    /// Information (compactness, justified town splits, slivers).
    Info,
}

/// One finding of one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Rule id, e.g. `threshold.population`.
    pub rule: &'static str,
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
    pub details: serde_json::Value,
}

impl Finding {
    /// A finding with only a rule, severity and message; fill in the rest
    /// with struct update syntax.
    pub fn new(rule: &'static str, severity: Severity, message: String) -> Self {
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
            details: serde_json::Value::Null,
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
    /// Per-HEC totals of [`Column`]s.
    pub tallies: &'a Tallies,
    pub polygons: Option<&'a PolygonResolution>,
}

/// The columns the validator tallies per HEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Column {
    Population = 0,
    Medicare,
    Pop65,
    PovertyUniverse,
    Below200,
    AreaM2,
    /// Need percentile times population (for a population-weighted mean).
    NeedTimesPopulation,
    /// Population of ranked tracts (the weight of the mean above).
    RankedPopulation,
    HighNeedTracts,
}

pub const COLUMN_COUNT: usize = 9;

impl<'a> Context<'a> {
    pub fn total(&self, region: RegionId, column: Column) -> f64 {
        self.tallies.total(region, column as usize)
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

    /// People in a set of tracts.
    pub fn population_of(&self, tracts: &[UnitId]) -> f64 {
        let attrs = &self.data.tracts.attributes;
        let pop = attrs.id("population");
        tracts
            .iter()
            .map(|&t| pop.and_then(|p| attrs.value(p, t)).unwrap_or(0.0))
            .sum()
    }

    /// The towns of a set of tracts, sorted.
    pub fn towns_of(&self, tracts: &[UnitId]) -> Vec<UnitId> {
        let mut towns: Vec<UnitId> = tracts
            .iter()
            .map(|&t| self.data.nesting.tract_town[t as usize])
            .collect();
        towns.sort_unstable();
        towns.dedup();
        towns
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
        let km2 = self.total(region, Column::AreaM2) / 1e6;
        if km2 > 0.0 {
            self.total(region, Column::Population) / km2
        } else {
            0.0
        }
    }

    pub fn is_rural(&self, region: RegionId) -> bool {
        self.density(region) < self.rules.rural.max_density_per_km2
    }

    /// True when the HEC's waiver covers `what`: rural, with a reason, and
    /// not refused by staff.
    pub fn waived(&self, region: RegionId, what: Waivable) -> bool {
        self.plan.regions[region as usize]
            .waiver
            .as_ref()
            .is_some_and(|w| {
                w.covers(what)
                    && w.status != WaiverStatus::Refused
                    && !w.reason.trim().is_empty()
                    && self.is_rural(region)
            })
    }

    /// Error, or Waived when the HEC's waiver covers it.
    pub fn error_unless_waived(&self, region: RegionId, what: Waivable) -> Severity {
        if self.waived(region, what) {
            Severity::Waived
        } else {
            Severity::Error
        }
    }

    /// True when the Medicare figure of these tracts is an estimate.
    pub fn medicare_is_estimate(&self, tracts: &[UnitId]) -> bool {
        use crate::attributes::Basis;
        let attrs = &self.data.tracts.attributes;
        let Some(id) = attrs.id(crate::medicare::MEDICARE) else {
            return true;
        };
        match attrs.def(id).provenance.basis {
            Basis::Counted => false,
            Basis::Estimated => true,
            // Apportioned town counts are exact for whole towns only.
            Basis::CountedPerTown => self.towns_of(tracts).iter().any(|&town| {
                self.data.nesting.town_tracts[town as usize]
                    .iter()
                    .any(|t| tracts.binary_search(t).is_err())
            }),
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
    pub key: &'static str,
    pub version: u32,
    pub check: fn(&Context) -> Result<Vec<Finding>, String>,
}

/// A check of one HEC.
pub struct RegionRule {
    pub key: &'static str,
    pub version: u32,
    pub check: fn(&Context, RegionId) -> Result<Vec<Finding>, String>,
}

/// Runs a check, turning an error or a panic into a finding that says the
/// rule could not be computed.
pub fn run_guarded(
    key: &'static str,
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
