//! The needs profile of an HEC: every measure the data holds that combines
//! over tracts (counts summed, rates as population-weighted means), beside
//! the state's figure, with the tracts that drive it and where each figure
//! comes from (estimates say so).
//!
//! It reads the dataset's attribute registry, so a measure added to the
//! manifest (a new PLACES column) is in every profile without code.
//!
//! ```
//! use hecmap_core::profile::weighted_mean;
//! // Two tracts: 10% of 1,000 people and 30% of 3,000 people.
//! assert_eq!(weighted_mean([(0.1, 1000.0), (0.3, 3000.0)]), Some(0.25));
//! assert_eq!(weighted_mean([]), None);
//! ```

use serde::Serialize;

use crate::attributes::{AttrKind, Attributes};
use crate::dataset::Dataset;
use crate::units::UnitId;

/// How many tracts a profile names as the ones driving a figure.
pub const HOT_SPOTS: usize = 3;

/// Tracts with fewer people than this are left out of hot spots: a rate
/// over a handful of people says little.
pub const HOT_SPOT_MIN_WEIGHT: f64 = 100.0;

/// A tract that drives a figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HotSpot {
    /// 2020 GEOID.
    pub tract: String,
    pub name: String,
    pub value: f64,
}

/// Whether a profile figure is a count or a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FigureKind {
    /// Summed over the HEC's tracts.
    Count,
    /// A share (0.09 = 9%), the mean of the tracts' rates weighted by
    /// `weight` (population, or the poverty universe).
    Rate,
}

/// One figure of a profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileFigure {
    pub key: String,
    pub label: String,
    pub kind: FigureKind,
    /// The count attribute a rate is weighted by.
    pub weight: Option<String>,
    /// The HEC's figure (None: no tract has a value).
    pub value: Option<f64>,
    /// The whole state's figure.
    pub state: Option<f64>,
    /// True when the figure is an estimate (Medicare, CDC PLACES).
    pub estimate: bool,
    /// The publication, and how an estimate is made.
    pub source: String,
    pub method: Option<String>,
    /// The tracts with the highest values: for a rate, the highest rates;
    /// for a count, the largest counts.
    pub hot_spots: Vec<HotSpot>,
}

/// The mean of `(value, weight)` pairs weighted by weight; None without
/// weight.
pub fn weighted_mean(pairs: impl IntoIterator<Item = (f64, f64)>) -> Option<f64> {
    let (sum, weight) = pairs
        .into_iter()
        .fold((0.0, 0.0), |(s, w), (v, wt)| (s + v * wt, w + wt));
    (weight > 0.0).then(|| sum / weight)
}

/// The figure of one attribute over some tracts.
fn figure_over(attrs: &Attributes, id: usize, tracts: &[UnitId]) -> Option<f64> {
    match &attrs.def(id).kind {
        AttrKind::Count => {
            let mut values = tracts.iter().filter_map(|&t| attrs.value(id, t)).peekable();
            values.peek()?;
            Some(values.sum())
        }
        AttrKind::Fraction { weight } => {
            let w = attrs.id(weight)?;
            weighted_mean(
                tracts
                    .iter()
                    .filter_map(|&t| Some((attrs.value(id, t)?, attrs.value(w, t)?))),
            )
        }
        AttrKind::Statistic => None,
    }
}

/// The state's figure of every attribute, by attribute id (None for
/// statistics that do not combine).
pub fn state_figures(data: &Dataset) -> Vec<Option<f64>> {
    let attrs = &data.tracts.attributes;
    let all: Vec<UnitId> = data.tracts.units.ids().collect();
    (0..attrs.defs().len())
        .map(|id| figure_over(attrs, id, &all))
        .collect()
}

/// The profile of an HEC (its tracts), beside the state's figures
/// ([`state_figures`]).
pub fn profile(data: &Dataset, members: &[UnitId], state: &[Option<f64>]) -> Vec<ProfileFigure> {
    let attrs = &data.tracts.attributes;
    (0..attrs.defs().len())
        .filter_map(|id| {
            let def = attrs.def(id);
            let (kind, weight) = match &def.kind {
                AttrKind::Count => (FigureKind::Count, None),
                AttrKind::Fraction { weight } => (FigureKind::Rate, Some(weight.clone())),
                AttrKind::Statistic => return None,
            };
            Some(ProfileFigure {
                key: def.key.clone(),
                label: def.label.clone(),
                kind,
                value: figure_over(attrs, id, members),
                state: state.get(id).copied().flatten(),
                estimate: def.provenance.is_estimate(),
                source: def.provenance.source.clone(),
                method: def.provenance.method.clone(),
                hot_spots: hot_spots(data, id, weight.as_deref(), members),
                weight,
            })
        })
        .collect()
}

/// The tracts with the highest values of an attribute (rates only over
/// tracts with at least [`HOT_SPOT_MIN_WEIGHT`] of their weight).
fn hot_spots(data: &Dataset, id: usize, weight: Option<&str>, tracts: &[UnitId]) -> Vec<HotSpot> {
    let attrs = &data.tracts.attributes;
    let w = weight.and_then(|k| attrs.id(k));
    let mut valued: Vec<(f64, UnitId)> = tracts
        .iter()
        .filter(|&&t| w.is_none_or(|w| attrs.value(w, t).unwrap_or(0.0) >= HOT_SPOT_MIN_WEIGHT))
        .filter_map(|&t| Some((attrs.value(id, t)?, t)))
        .collect();
    valued.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let units = &data.tracts.units;
    valued
        .into_iter()
        .take(HOT_SPOTS)
        .map(|(value, t)| HotSpot {
            tract: units.geoid[t as usize].clone(),
            name: units.name[t as usize].clone(),
            value,
        })
        .collect()
}
