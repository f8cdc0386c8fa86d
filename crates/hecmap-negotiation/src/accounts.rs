//! Organizations (prospective HECs) and accounts, managed by
//! administrators (or the command line): the types, and the rules a new
//! account must follow. Stored by `store/accounts.rs`.

use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::error::{NegotiationError, Result};
use crate::limits::{self, MAX_DISPLAY_NAME, MAX_USERNAME_BYTES};

/// A prospective HEC: its proposal's HEC carries its name.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub created_at: String,
}

/// An account (never with its password hash).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub organization_id: Option<i64>,
    pub active: bool,
    pub created_at: String,
}

/// An account to create.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 2 to 64 letters, digits, '.', '_', '-' or '@'.
    pub username: String,
    /// At most 200 characters (default: the username).
    #[serde(default)]
    pub display_name: Option<String>,
    pub role: Role,
    /// Required for an HEC editor, refused for every other role.
    #[serde(default)]
    pub organization_id: Option<i64>,
    /// At least 10 characters, at most 1024 bytes.
    pub password: String,
}

/// A username as stored (trimmed, lower-cased), or why it is refused.
pub(crate) fn check_username(name: &str) -> Result<String> {
    limits::bounded_bytes("username", name, MAX_USERNAME_BYTES)?;
    let name = name.trim();
    let ok = (2..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !ok {
        return Err(NegotiationError::invalid(format!(
            "username {name:?}: 2 to 64 letters, digits, '.', '_', '-' or '@'"
        )));
    }
    Ok(name.to_ascii_lowercase())
}

/// Checks a new account's fields (all but the existence of an editor's
/// organization, which the store checks): its username and display name
/// as stored.
pub(crate) fn check_new_user(new: &NewUser) -> Result<(String, String)> {
    let username = check_username(&new.username)?;
    if let Some(display_name) = &new.display_name {
        limits::bounded("display_name", display_name, MAX_DISPLAY_NAME)?;
    }
    let display_name = new
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(&username)
        .to_string();
    match (new.role, new.organization_id) {
        (Role::Editor, None) => {
            return Err(NegotiationError::invalid(
                "an HEC editor needs an organization_id",
            ));
        }
        (Role::Editor, Some(_)) | (_, None) => {}
        (role, Some(_)) => {
            return Err(NegotiationError::invalid(format!(
                "only HEC editors belong to an organization, not {role}"
            )));
        }
    }
    Ok((username, display_name))
}
