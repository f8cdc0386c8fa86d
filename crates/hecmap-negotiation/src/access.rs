//! Who does something and what their role allows: the [`Role`]s, the
//! [`Actor`] every operation takes, and the checks operations make on it.
//! The rules about particular things (who may comment on a dispute, which
//! rulings an HEC editor sees) live with those things, in `proposals` and
//! `rulings`.

use serde::{Deserialize, Serialize};

use crate::error::{NegotiationError, Result};

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Creates organizations and accounts.
    Admin,
    /// State staff: rules on disputes and waivers, comments.
    Staff,
    /// Reads everything that is not a draft; changes nothing.
    Analyst,
    /// Edits the proposal of one organization (an HEC).
    Editor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Analyst => "analyst",
            Role::Editor => "editor",
        }
    }

    pub fn parse(text: &str) -> Result<Self> {
        Ok(match text.trim().to_ascii_lowercase().as_str() {
            "admin" | "administrator" => Role::Admin,
            "staff" => Role::Staff,
            "analyst" => Role::Analyst,
            "editor" | "hec" | "hec_editor" => Role::Editor,
            other => {
                return Err(NegotiationError::invalid(format!(
                    "role {other:?}: expected admin, staff, analyst or editor"
                )));
            }
        })
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is doing something: a signed-in account, or the command line
/// (which has the database itself and acts as an administrator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    /// The account; None for the command line.
    pub user_id: Option<i64>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The organization of an HEC editor.
    pub organization_id: Option<i64>,
}

impl Actor {
    /// The command line, acting as an administrator.
    pub fn command_line() -> Self {
        let who = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
        Self {
            user_id: None,
            username: format!("cli:{who}"),
            display_name: format!("hecmap command line ({who})"),
            role: Role::Admin,
            organization_id: None,
        }
    }

    pub(crate) fn is(&self, role: Role) -> bool {
        self.role == role
    }

    /// An HEC editor of this organization.
    pub(crate) fn edits(&self, organization: i64) -> bool {
        self.role == Role::Editor && self.organization_id == Some(organization)
    }

    /// Refuses (forbidden) unless `allowed`, saying what the actor may not do.
    pub(crate) fn require(&self, allowed: bool, what: &str) -> Result<()> {
        if allowed {
            Ok(())
        } else {
            Err(NegotiationError::Forbidden(format!(
                "{} ({}) may not {what}",
                self.username, self.role
            )))
        }
    }

    /// The user id an action is recorded under (the command line has none).
    pub(crate) fn author_id(&self) -> Result<i64> {
        self.user_id.ok_or_else(|| {
            NegotiationError::Forbidden(
                "this action needs a signed-in account, not the command line".into(),
            )
        })
    }
}
