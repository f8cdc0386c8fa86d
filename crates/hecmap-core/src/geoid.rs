//! Census identifiers (GEOIDs) as people and spreadsheets write them.
//!
//! GEOID strings live only at the edges of hecmap (files, plan tables, HTTP);
//! this module turns the many spellings of one identifier into one canonical
//! key, which [`crate::lookup::UnitLookup`] maps to an integer unit id.
//!
//! ```
//! use hecmap_core::geoid::{canonical_code, town_name_key};
//! // A spreadsheet that dropped the leading zero of a tract GEOID:
//! assert_eq!(canonical_code("9003524700", 11).as_deref(), Some("09003524700"));
//! // A GEO_ID with the summary-level prefix:
//! assert_eq!(canonical_code("1400000US09003524700", 11).as_deref(), Some("09003524700"));
//! assert_eq!(town_name_key("  NEW   Haven town "), "new haven");
//! ```

/// Digits in a tract GEOID: state (2) + county (3) + tract (6).
pub const TRACT_DIGITS: usize = 11;
/// Digits in a town (county subdivision) GEOID: state (2) + county (3) + cousub (5).
pub const TOWN_DIGITS: usize = 10;

/// The canonical form of a numeric code `width` digits long: surrounding
/// quotes, spaces and a `...US` summary-level prefix removed, and leading
/// zeros restored where a spreadsheet dropped them (also from a number
/// written as `9003524700.0`). `None` when it is not such a code.
pub fn canonical_code(raw: &str, width: usize) -> Option<String> {
    // Most codes come written in full: no searching or formatting for them.
    if raw.len() == width && raw.bytes().all(|b| b.is_ascii_digit()) {
        return Some(raw.to_string());
    }
    let mut s = raw.trim().trim_matches('"').trim();
    if let Some(pos) = s.find("US") {
        s = &s[pos + 2..];
    }
    if let Some(integral) = s.strip_suffix(".0") {
        s = integral;
    }
    if s.is_empty() || s.len() > width || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{s:0>width$}"))
}

/// The key a town name is looked up by: lower case, single spaces, and the
/// Census suffix (" town", " city", " borough") dropped, so that "Hartford",
/// "HARTFORD" and "Hartford town" are one town.
pub fn town_name_key(raw: &str) -> String {
    let words: Vec<String> = raw.split_whitespace().map(|w| w.to_lowercase()).collect();
    let mut key = words.join(" ");
    for suffix in [" town", " city", " borough"] {
        if let Some(stripped) = key.strip_suffix(suffix) {
            key = stripped.to_string();
            break;
        }
    }
    key
}

/// The old (2020 and earlier) Connecticut county of a tract or town GEOID,
/// from its county code 001..015; `None` for the 2022+ planning-region codes.
pub fn old_county_name(geoid: &str) -> Option<&'static str> {
    Some(match geoid.get(2..5)? {
        "001" => "Fairfield",
        "003" => "Hartford",
        "005" => "Litchfield",
        "007" => "Middlesex",
        "009" => "New Haven",
        "011" => "New London",
        "013" => "Tolland",
        "015" => "Windham",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_padded_and_cleaned() {
        assert_eq!(
            canonical_code("901301080", 10).as_deref(),
            Some("0901301080")
        );
        assert_eq!(
            canonical_code("\"09110400101\"", 11).as_deref(),
            Some("09110400101")
        );
        assert_eq!(
            canonical_code("0600000US0900104720", 10).as_deref(),
            Some("0900104720")
        );
        assert_eq!(
            canonical_code("9003524700.0", 11).as_deref(),
            Some("09003524700")
        );
    }

    #[test]
    fn non_codes_are_refused() {
        assert_eq!(canonical_code("", 11), None);
        assert_eq!(canonical_code("Hartford", 10), None);
        assert_eq!(canonical_code("123456789012", 11), None);
        assert_eq!(canonical_code("09-003", 11), None);
    }

    #[test]
    fn town_names_ignore_case_spacing_and_suffix() {
        assert_eq!(town_name_key("Hartford town"), "hartford");
        assert_eq!(town_name_key("east  HARTFORD"), "east hartford");
        assert_eq!(town_name_key("Windsor Locks"), "windsor locks");
    }

    #[test]
    fn old_counties_are_named() {
        assert_eq!(old_county_name("09003524700"), Some("Hartford"));
        assert_eq!(old_county_name("09110524700"), None);
    }
}
