//! The rules file: every threshold and switch, with defaults taken from the
//! state's framework for Health Enhancement Communities.

use serde::{Deserialize, Serialize};

use super::Severity;
use crate::need::NeedConfig;
use crate::plan::PolygonOptions;

/// Population and Medicare floors (provisional in the state's framework).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    pub population_min: f64,
    pub medicare_min: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            population_min: 150_000.0,
            medicare_min: 20_000.0,
        }
    }
}

/// How many HECs a statewide plan may have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegionCount {
    pub min: usize,
    pub max: usize,
}

impl Default for RegionCount {
    fn default() -> Self {
        Self { min: 8, max: 12 }
    }
}

/// What makes an HEC rural (and so able to ask for waivers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rural {
    /// An HEC is rural when its 2020 population per km² of land is below
    /// this. The state as a whole has about 279; Windham (88), Litchfield
    /// (78) and Tolland (141) counties fall below the default, Middlesex
    /// (172) does not.
    pub max_density_per_km2: f64,
}

impl Default for Rural {
    fn default() -> Self {
        Self {
            max_density_per_km2: 150.0,
        }
    }
}

/// The severity of a rule whose findings can be tuned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeveritySetting {
    pub severity: Severity,
}

impl Default for SeveritySetting {
    fn default() -> Self {
        Self {
            severity: Severity::Error,
        }
    }
}

/// When a left-out high-need tract counts as cherry-picked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CherryPick {
    /// A high-need tract outside an HEC that shares at least this share of
    /// its boundary with the HEC.
    pub edge_share: f64,
    /// A high-need tract outside an HEC that holds at least this share of
    /// the tract's town's people.
    pub town_share: f64,
    pub severity: Severity,
}

impl Default for CherryPick {
    fn default() -> Self {
        Self {
            edge_share: 0.5,
            town_share: 0.5,
            severity: Severity::Error,
        }
    }
}

/// Every setting of the rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    pub thresholds: Thresholds,
    pub regions: RegionCount,
    pub rural: Rural,
    pub town_split: SeveritySetting,
    pub enclave: SeveritySetting,
    pub need: NeedConfig,
    pub cherry_pick: CherryPick,
    pub polygons: PolygonOptions,
}

impl Default for RulesConfig {
    fn default() -> Self {
        Self {
            thresholds: Thresholds::default(),
            regions: RegionCount::default(),
            rural: Rural::default(),
            town_split: SeveritySetting::default(),
            enclave: SeveritySetting {
                severity: Severity::Warning,
            },
            need: NeedConfig::default(),
            cherry_pick: CherryPick::default(),
            polygons: PolygonOptions::default(),
        }
    }
}

/// A problem with a rules file or an override.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {reason}")]
    Invalid { file: String, reason: String },
}

/// Documentation of each setting, printed by `hecmap rules`.
const DOCS: &[(&str, &str)] = &[
    (
        "thresholds",
        "Floors every HEC must reach (provisional in the state's framework).",
    ),
    (
        "thresholds.population_min",
        "Least 2020 population of an HEC.",
    ),
    (
        "thresholds.medicare_min",
        concat!(
            "Least Medicare beneficiaries of an HEC (",
            crate::medicare::caveat!(),
            ")."
        ),
    ),
    ("regions", "Number of HECs in a statewide plan."),
    (
        "rural",
        "An HEC is rural, and may ask for waivers, when its population density is low.",
    ),
    (
        "rural.max_density_per_km2",
        "Rural below this many people per km2 of land (state: ~279; Windham County 88, Tolland 141).",
    ),
    (
        "town_split",
        "A town divided between HECs; with a reason the finding is information only.",
    ),
    (
        "enclave",
        "An HEC that wholly surrounds land of another HEC or a gap.",
    ),
    (
        "need",
        "High-need index: weighted mean of z-scores of the components over tracts, ranked 0-100 within the state.",
    ),
    (
        "need.high_need_percentile",
        "Tracts at or above this percentile are high need.",
    ),
    (
        "need.min_population",
        "Tracts with fewer people are not ranked.",
    ),
    (
        "cherry_pick",
        "High-need tracts left out of an HEC that surrounds, borders or shares a town with them.",
    ),
    (
        "cherry_pick.edge_share",
        "Left out tract shares at least this share of its boundary with the HEC.",
    ),
    (
        "cherry_pick.town_share",
        "Left out tract's town has at least this share of its people in the HEC.",
    ),
    ("polygons", "Resolving drawn polygons to tracts."),
    (
        "polygons.majority_share",
        "A tract joins an HEC whose polygons cover at least this share of its land.",
    ),
    (
        "polygons.sliver_area_m2",
        "Overlaps and gaps smaller than this are digitizing slivers.",
    ),
    (
        "polygons.sliver_width_m",
        "Overlaps and gaps narrower than this are digitizing slivers.",
    ),
];

impl RulesConfig {
    /// Reads a rules file (TOML); settings it leaves out keep their defaults.
    pub fn read(path: &std::path::Path) -> Result<Self, RulesError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Io {
            file: file.clone(),
            source,
        })?;
        Self::from_toml(&text, &file)
    }

    pub fn from_toml(text: &str, file: &str) -> Result<Self, RulesError> {
        let config: Self = toml::from_str(text).map_err(|e| RulesError::Invalid {
            file: file.to_string(),
            reason: e.to_string(),
        })?;
        config.check(file)
    }

    /// These settings with some overridden (JSON, any subset of the
    /// settings): a what-if check that leaves the originals alone.
    pub fn with_overrides(&self, overrides: &serde_json::Value) -> Result<Self, RulesError> {
        let mut merged = serde_json::to_value(self).expect("rules serialise");
        merge(&mut merged, overrides);
        let config: Self = serde_json::from_value(merged).map_err(|e| RulesError::Invalid {
            file: "rules override".into(),
            reason: e.to_string(),
        })?;
        config.check("rules override")
    }

    fn check(self, file: &str) -> Result<Self, RulesError> {
        let invalid = |reason: &str| {
            Err(RulesError::Invalid {
                file: file.to_string(),
                reason: reason.to_string(),
            })
        };
        if self.regions.min > self.regions.max {
            return invalid("regions.min is larger than regions.max");
        }
        if !(0.0..=1.0).contains(&self.polygons.majority_share)
            || self.polygons.majority_share == 0.0
        {
            return invalid("polygons.majority_share must be in (0, 1]");
        }
        if !(0.0..=100.0).contains(&self.need.high_need_percentile) {
            return invalid("need.high_need_percentile must be between 0 and 100");
        }
        if self.thresholds.population_min < 0.0 || self.thresholds.medicare_min < 0.0 {
            return invalid("thresholds must not be negative");
        }
        Ok(self)
    }

    /// The effective rules as TOML with a comment on each setting.
    pub fn to_documented_toml(&self) -> String {
        let text = toml::to_string(self).expect("rules serialise as TOML");
        let mut out = String::from(
            "# hecmap rules: the effective settings (defaults from the state's HEC framework).\n",
        );
        let mut section = String::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                section = name.trim_matches('[').trim_matches(']').to_string();
                out.push('\n');
                if let Some(doc) = doc_for(&section) {
                    out.push_str(&format!("# {doc}\n"));
                }
            } else if let Some((key, _)) = trimmed.split_once(" = ")
                && let Some(doc) = doc_for(&format!("{section}.{key}"))
            {
                out.push_str(&format!("# {doc}\n"));
            }
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

fn doc_for(path: &str) -> Option<&'static str> {
    DOCS.iter().find(|(k, _)| *k == path).map(|(_, d)| *d)
}

fn merge(base: &mut serde_json::Value, overrides: &serde_json::Value) {
    match (base, overrides) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                merge(b.entry(k.clone()).or_insert(serde_json::Value::Null), v);
            }
        }
        (b, o) => *b = o.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_framework() {
        let r = RulesConfig::default();
        assert_eq!(r.thresholds.population_min, 150_000.0);
        assert_eq!(r.thresholds.medicare_min, 20_000.0);
        assert_eq!((r.regions.min, r.regions.max), (8, 12));
    }

    #[test]
    fn partial_files_keep_defaults_and_unknown_keys_are_refused() {
        let r =
            RulesConfig::from_toml("[thresholds]\npopulation_min = 100000\n", "r.toml").unwrap();
        assert_eq!(r.thresholds.population_min, 100_000.0);
        assert_eq!(r.thresholds.medicare_min, 20_000.0);
        let err =
            RulesConfig::from_toml("[thresholds]\npopulaton_min = 1\n", "r.toml").unwrap_err();
        assert!(err.to_string().contains("popul"), "{err}");
        let err = RulesConfig::from_toml("[regions]\nmin = 13\n", "r.toml").unwrap_err();
        assert!(err.to_string().contains("regions.min"), "{err}");
    }

    #[test]
    fn overrides_change_only_what_they_name() {
        let base = RulesConfig::default();
        let r = base
            .with_overrides(&serde_json::json!({"thresholds": {"medicare_min": 1.0}}))
            .unwrap();
        assert_eq!(r.thresholds.medicare_min, 1.0);
        assert_eq!(r.thresholds.population_min, 150_000.0);
        assert_eq!(base.thresholds.medicare_min, 20_000.0);
    }

    #[test]
    fn documented_toml_round_trips() {
        let text = RulesConfig::default().to_documented_toml();
        assert!(
            text.contains("# Least 2020 population of an HEC."),
            "{text}"
        );
        assert_eq!(
            RulesConfig::from_toml(&text, "x").unwrap(),
            RulesConfig::default()
        );
    }
}
