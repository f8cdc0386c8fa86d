//! Lookup of GEOIDs and names (the edges) to unit ids (the inside).
//!
//! ```
//! use hecmap_core::lookup::UnitLookup;
//! let mut lookup = UnitLookup::default();
//! lookup.add_tract(&["09003524700", "09110524700"], 0);
//! lookup.add_town(&["0900337070"], "Hartford", 0);
//! assert_eq!(lookup.tract("9110524700"), Some(0));
//! assert_eq!(lookup.town("HARTFORD town"), Some(0));
//! assert_eq!(lookup.town("Hartfrod"), None);
//! // A misspelling gets a suggestion; so does a GEOID one digit off.
//! assert_eq!(lookup.suggest_town("Hartfrod"), Some(0));
//! assert_eq!(lookup.suggest_tracts("09003524701"), vec![0]);
//! assert_eq!(lookup.suggest_town("Springfield"), None);
//! ```

use crate::geoid::{TOWN_DIGITS, TRACT_DIGITS, canonical_code, town_name_key};
use crate::units::{FastMap, Level, UnitId, UnitLayer};

/// GEOIDs (both vintages) and town names to unit ids.
#[derive(Debug, Clone, Default)]
pub struct UnitLookup {
    tract: FastMap<String, UnitId>,
    town: FastMap<String, UnitId>,
}

impl UnitLookup {
    /// The lookup of two layers: tracts by both GEOIDs, towns by both FIPS
    /// codes and by name.
    pub fn of_layers(tracts: &UnitLayer, towns: &UnitLayer) -> Self {
        let mut lookup = Self::default();
        for (i, (a, b)) in tracts.geoid.iter().zip(&tracts.geoid_2022).enumerate() {
            lookup.add_tract(&[a, b], i as UnitId);
        }
        for i in 0..towns.len() {
            lookup.add_town(
                &[&towns.geoid[i], &towns.geoid_2022[i]],
                &towns.name[i],
                i as UnitId,
            );
        }
        lookup
    }

    /// Makes a tract findable by each of its codes (canonicalised).
    pub fn add_tract(&mut self, codes: &[&str], id: UnitId) {
        for code in codes {
            let key = canonical_code(code, TRACT_DIGITS).unwrap_or_else(|| code.to_string());
            self.tract.insert(key, id);
        }
    }

    /// Makes a town findable by each of its codes and by its name.
    pub fn add_town(&mut self, codes: &[&str], name: &str, id: UnitId) {
        for code in codes {
            let key = canonical_code(code, TOWN_DIGITS).unwrap_or_else(|| code.to_string());
            self.town.insert(key, id);
        }
        self.town.insert(town_name_key(name), id);
    }

    /// A tract by 11-digit GEOID of either vintage (leading zero optional).
    pub fn tract(&self, raw: &str) -> Option<UnitId> {
        // Most GEOIDs come written in full: look them up without a copy.
        if raw.len() == TRACT_DIGITS && raw.bytes().all(|b| b.is_ascii_digit()) {
            return self.tract.get(raw).copied();
        }
        canonical_code(raw, TRACT_DIGITS).and_then(|code| self.tract.get(&code).copied())
    }

    /// A town by name (any case, with or without "town") or by 10-digit FIPS
    /// of either vintage (leading zero optional).
    pub fn town(&self, raw: &str) -> Option<UnitId> {
        canonical_code(raw, TOWN_DIGITS)
            .and_then(|code| self.town.get(&code).copied())
            .or_else(|| self.town.get(&town_name_key(raw)).copied())
    }

    /// The town whose name is closest to a misspelt `raw` (at most two
    /// edits, and fewer than a third of its letters), for "did you mean".
    pub fn suggest_town(&self, raw: &str) -> Option<UnitId> {
        let typed = town_name_key(raw);
        if typed.is_empty() || typed.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let allowed = (typed.chars().count() / 3).clamp(1, 2);
        self.town
            .iter()
            .filter(|(key, _)| !key.bytes().all(|b| b.is_ascii_digit()))
            .map(|(key, &id)| (strsim::damerau_levenshtein(&typed, key), key, id))
            .filter(|&(edits, _, _)| edits <= allowed)
            .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
            .map(|(_, _, id)| id)
    }

    /// The tracts (at most three, in id order) whose GEOID is one digit
    /// off a mistyped 11-digit `raw` (one digit wrong, or two swapped).
    pub fn suggest_tracts(&self, raw: &str) -> Vec<UnitId> {
        let Some(typed) = canonical_code(raw, TRACT_DIGITS) else {
            return Vec::new();
        };
        let mut ids: Vec<UnitId> = self
            .tract
            .iter()
            .filter(|(code, _)| strsim::damerau_levenshtein(&typed, code) == 1)
            .map(|(_, &id)| id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.truncate(3);
        ids
    }

    /// A unit of either level.
    pub fn unit(&self, level: Level, raw: &str) -> Option<UnitId> {
        match level {
            Level::Tract => self.tract(raw),
            Level::Town => self.town(raw),
        }
    }
}
