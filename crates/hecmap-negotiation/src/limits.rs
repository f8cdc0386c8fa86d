//! How long each text the negotiation stores may be. Every refusal names
//! the field and its limit ([`NegotiationError::Invalid`], HTTP 422).
//! Lengths are in characters, except usernames and passwords (bytes, as
//! they are compared and hashed).

use crate::error::{NegotiationError, Result};

/// Usernames: 2 to 64 bytes. A longer one is refused before any lookup.
pub const MAX_USERNAME_BYTES: usize = 64;
/// An account's display name.
pub const MAX_DISPLAY_NAME: usize = 200;
/// An organization's name (the HEC's name in plans).
pub const MAX_ORGANIZATION_NAME: usize = 200;
/// Shortest password, in characters.
pub const MIN_PASSWORD: usize = 10;
/// Longest password, in bytes (refused before hashing).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// A proposal version's rationale.
pub const MAX_RATIONALE: usize = 20_000;
/// A waiver request's reason, and a reason for splitting a town.
pub const MAX_WAIVER_REASON: usize = 5_000;
/// A comment.
pub const MAX_COMMENT: usize = 10_000;
/// A ruling's reason.
pub const MAX_RULING_REASON: usize = 20_000;
/// What a bearer token is for.
pub const MAX_TOKEN_LABEL: usize = 200;
/// A proposal's plan as stored (assignment JSON), in bytes.
pub const MAX_PLAN_BYTES: usize = 1024 * 1024;
/// Units named in one ruling.
pub const MAX_RULING_UNITS: usize = 5_000;

/// Refuses a text longer than `max` characters, naming the field.
pub fn bounded(field: &str, text: &str, max: usize) -> Result<()> {
    // A UTF-8 character is at most 4 bytes: no need to count a huge text.
    if text.len() > max && (text.len() > 4 * max || text.chars().count() > max) {
        return Err(too_long(field, max, "characters"));
    }
    Ok(())
}

/// Refuses a text longer than `max` bytes, naming the field.
pub fn bounded_bytes(field: &str, text: &str, max: usize) -> Result<()> {
    if text.len() > max {
        return Err(too_long(field, max, "bytes"));
    }
    Ok(())
}

pub(crate) fn too_long(field: &str, max: usize, unit: &str) -> NegotiationError {
    NegotiationError::Invalid(format!("{field} is too long: at most {max} {unit}"))
}

/// Text that must say something (a reason, a rationale, a name), at most
/// `max` characters (`field` names it in the refusal); trimmed.
pub(crate) fn required(what: &str, field: &str, text: &str, max: usize) -> Result<String> {
    bounded(field, text, max)?;
    let text = text.trim();
    if text.is_empty() {
        return Err(NegotiationError::invalid(format!("{what} is required")));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_characters_and_name_the_field() {
        assert!(bounded("rationale", &"é".repeat(20), 20).is_ok());
        let e = bounded("rationale", &"é".repeat(21), 20).unwrap_err();
        assert_eq!(
            e.to_string(),
            "rationale is too long: at most 20 characters"
        );
        let huge = "x".repeat(15 * 1024 * 1024);
        assert!(bounded("rationale", &huge, MAX_RATIONALE).is_err());
        assert!(bounded_bytes("username", &"é".repeat(33), 64).is_err());
        assert!(bounded_bytes("username", &"e".repeat(64), 64).is_ok());
    }
}
