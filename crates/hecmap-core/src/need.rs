//! The need index: a documented, configurable measure of how much need a
//! tract has, ranked within the state, used to find cherry-picking and to
//! colour the map's "hot spots".
//!
//! Each component attribute (by default the share of people below 200% of
//! the poverty line, with the PLACES prevalence of diabetes and of any
//! disability) is turned into a z-score over the state's populated tracts;
//! the index is the weighted mean of the z-scores, and its percentile rank
//! (0-100) is what rules compare. A tract is *high need* at or above
//! [`NeedConfig::high_need_percentile`].

use serde::{Deserialize, Serialize};

use crate::attributes::Attributes;
use crate::measures::keys;
use crate::units::UnitId;

/// One input of the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeedComponent {
    /// Attribute key (see `hecmap units` for the columns).
    pub key: String,
    pub weight: f64,
}

/// How need is measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NeedConfig {
    pub components: Vec<NeedComponent>,
    /// Tracts at or above this percentile of the index are high need.
    pub high_need_percentile: f64,
    /// Tracts with fewer people are not ranked (their rates are noise).
    pub min_population: f64,
}

impl Default for NeedConfig {
    fn default() -> Self {
        let c = |key: &str, weight| NeedComponent {
            key: key.into(),
            weight,
        };
        Self {
            components: vec![
                c(keys::SHARE_BELOW_200PCT_FPL, 0.6),
                c("diabetes", 0.2),
                c("any_disability", 0.2),
            ],
            high_need_percentile: 80.0,
            min_population: 200.0,
        }
    }
}

/// The index for every tract.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedIndex {
    /// Weighted mean z-score (`None`: not ranked).
    pub score: Vec<Option<f64>>,
    /// Percentile rank within the state, 0-100.
    pub percentile: Vec<Option<f64>>,
    pub high_need: Vec<bool>,
}

/// A problem with the need configuration.
#[derive(Debug, thiserror::Error)]
pub enum NeedError {
    #[error("need index component {0:?} is not an attribute of the loaded data")]
    UnknownAttribute(String),
    #[error("the need index has no component with a positive weight")]
    NoComponents,
}

impl NeedIndex {
    /// Computes the index over tract attributes.
    pub fn compute(attrs: &Attributes, config: &NeedConfig) -> Result<Self, NeedError> {
        let n = attrs.unit_count();
        let population = attrs.id(keys::POPULATION);
        let ranked: Vec<bool> = (0..n as UnitId)
            .map(|t| {
                population.and_then(|p| attrs.value(p, t)).unwrap_or(0.0) >= config.min_population
            })
            .collect();
        let mut weighted = vec![0.0; n];
        let mut weights = vec![0.0; n];
        let mut any = false;
        for c in config.components.iter().filter(|c| c.weight > 0.0) {
            let id = attrs
                .id(&c.key)
                .ok_or_else(|| NeedError::UnknownAttribute(c.key.clone()))?;
            any = true;
            let values: Vec<f64> = (0..n as UnitId)
                .filter(|&t| ranked[t as usize])
                .filter_map(|t| attrs.value(id, t))
                .collect();
            let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
            let var =
                values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len().max(1) as f64;
            let sd = var.sqrt().max(f64::EPSILON);
            for t in 0..n {
                if let (true, Some(v)) = (ranked[t], attrs.value(id, t as UnitId)) {
                    weighted[t] += c.weight * (v - mean) / sd;
                    weights[t] += c.weight;
                }
            }
        }
        if !any {
            return Err(NeedError::NoComponents);
        }
        let score: Vec<Option<f64>> = (0..n)
            .map(|t| (weights[t] > 0.0).then(|| weighted[t] / weights[t]))
            .collect();
        let mut order: Vec<usize> = (0..n).filter(|&t| score[t].is_some()).collect();
        order.sort_by(|&a, &b| score[a].unwrap().total_cmp(&score[b].unwrap()));
        let mut percentile = vec![None; n];
        let denominator = (order.len().max(2) - 1) as f64;
        for (rank, &t) in order.iter().enumerate() {
            percentile[t] = Some(100.0 * rank as f64 / denominator);
        }
        let high_need = percentile
            .iter()
            .map(|p| p.is_some_and(|p| p >= config.high_need_percentile))
            .collect();
        Ok(Self {
            score,
            percentile,
            high_need,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::{AttrKind, AttributeDef, Provenance};

    #[test]
    fn percentiles_rank_the_weighted_components() {
        let mut a = Attributes::new(4);
        let p = || Provenance::counted("t.csv", "c", "test");
        a.insert(
            AttributeDef::new("population", "Pop", AttrKind::Count, p()),
            vec![Some(1000.0), Some(1000.0), Some(1000.0), Some(10.0)],
        );
        a.insert(
            AttributeDef::new("poor", "Poor", AttrKind::Statistic, p()),
            vec![Some(0.1), Some(0.5), Some(0.3), Some(0.9)],
        );
        let config = NeedConfig {
            components: vec![NeedComponent {
                key: "poor".into(),
                weight: 1.0,
            }],
            high_need_percentile: 90.0,
            min_population: 100.0,
        };
        let need = NeedIndex::compute(&a, &config).unwrap();
        assert_eq!(
            need.percentile,
            vec![Some(0.0), Some(100.0), Some(50.0), None]
        );
        assert_eq!(need.high_need, vec![false, true, false, false]);
        let bad = NeedConfig {
            components: vec![NeedComponent {
                key: "nope".into(),
                weight: 1.0,
            }],
            ..config
        };
        assert!(matches!(
            NeedIndex::compute(&a, &bad),
            Err(NeedError::UnknownAttribute(_))
        ));
    }
}
