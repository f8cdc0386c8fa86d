//! Organizations (prospective HECs) and accounts, managed by
//! administrators (or the command line).

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::limits::{self, MAX_DISPLAY_NAME, MAX_ORGANIZATION_NAME, MAX_USERNAME_BYTES};
use super::store::{audit, next_id, taken_or};
use super::throttle::Keys;
use super::{Actor, NegotiationError, Result, Role, Store, now, required};

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

pub(crate) fn organization_from(row: &AnyRow) -> Result<Organization> {
    Ok(Organization {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) fn user_from(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&row.try_get::<String, _>("role")?)?,
        organization_id: row.try_get("organization_id")?,
        active: row.try_get::<i64, _>("active")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

const USER_COLUMNS: &str = "id, username, display_name, role, organization_id, active, created_at";

fn check_username(name: &str) -> Result<String> {
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

impl Store {
    /// Creates an organization and its (empty) proposal. Administrators only.
    pub async fn create_organization(&self, actor: &Actor, name: &str) -> Result<Organization> {
        actor.require(actor.is(Role::Admin), "create organizations")?;
        let name = required(
            "the organization's name",
            "name",
            name,
            MAX_ORGANIZATION_NAME,
        )?;
        let mut tx = self.write().await?;
        let id = next_id(&mut tx, "organizations").await?;
        let at = now();
        let inserted =
            sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(&name)
                .bind(&at)
                .execute(&mut *tx)
                .await;
        inserted.map_err(|e| {
            taken_or(e, || {
                format!("an organization named {name:?} already exists")
            })
        })?;
        sqlx::query("INSERT INTO proposals (organization_id, head, updated_at) VALUES ($1, 0, $2)")
            .bind(id)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            actor,
            "organization.create",
            &format!("organization:{id}"),
            None,
            serde_json::json!({ "name": name }),
        )
        .await?;
        tx.commit().await?;
        Ok(Organization {
            id,
            name,
            created_at: at,
        })
    }

    /// Every organization (any signed-in account may list them).
    pub async fn organizations(&self, _actor: &Actor) -> Result<Vec<Organization>> {
        let rows = sqlx::query("SELECT id, name, created_at FROM organizations ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(organization_from).collect()
    }

    pub async fn organization(&self, id: i64) -> Result<Organization> {
        let row = sqlx::query("SELECT id, name, created_at FROM organizations WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| NegotiationError::not_found(format!("no organization {id}")))?;
        organization_from(&row)
    }

    /// An organization by id or exact name (for the command line).
    pub async fn find_organization(&self, key: &str) -> Result<Organization> {
        if let Ok(id) = key.trim().parse::<i64>() {
            return self.organization(id).await;
        }
        let row = sqlx::query("SELECT id, name, created_at FROM organizations WHERE name = $1")
            .bind(key.trim())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| NegotiationError::not_found(format!("no organization {key:?}")))?;
        organization_from(&row)
    }

    /// Creates an account. Administrators only.
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User> {
        actor.require(actor.is(Role::Admin), "create accounts")?;
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
            (Role::Editor, Some(org)) => {
                self.organization(org).await.map_err(|_| {
                    NegotiationError::invalid(format!("no organization {org} for the editor"))
                })?;
            }
            (role, Some(_)) => {
                return Err(NegotiationError::invalid(format!(
                    "only HEC editors belong to an organization, not {role}"
                )));
            }
            (_, None) => {}
        }
        let hash = self.hash(&new.password).await?;
        let mut tx = self.write().await?;
        let id = next_id(&mut tx, "users").await?;
        let at = now();
        let inserted = sqlx::query(
            "INSERT INTO users (id, username, display_name, role, organization_id, password_hash, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7)",
        )
        .bind(id)
        .bind(&username)
        .bind(&display_name)
        .bind(new.role.as_str())
        .bind(new.organization_id)
        .bind(&hash)
        .bind(&at)
        .execute(&mut *tx)
        .await;
        inserted.map_err(|e| taken_or(e, || format!("the username {username:?} is taken")))?;
        audit(
            &mut tx,
            actor,
            "user.create",
            &format!("user:{id}"),
            None,
            serde_json::json!({ "username": username, "role": new.role, "organization_id": new.organization_id }),
        )
        .await?;
        tx.commit().await?;
        Ok(User {
            id,
            username,
            display_name,
            role: new.role,
            organization_id: new.organization_id,
            active: true,
            created_at: at,
        })
    }

    /// Every account. Administrators only.
    pub async fn users(&self, actor: &Actor) -> Result<Vec<User>> {
        actor.require(actor.is(Role::Admin), "list accounts")?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from).collect()
    }

    /// An account by username (for the command line).
    pub async fn find_user(&self, username: &str) -> Result<User> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        )))
        .bind(username.trim().to_ascii_lowercase())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| NegotiationError::not_found(format!("no account {username:?}")))?;
        user_from(&row)
    }

    /// How many administrators exist (the first is made from the command line).
    pub async fn admin_count(&self) -> Result<i64> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND active = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok(row.try_get("n")?)
    }

    /// Sets an account's password: its own, or anyone's for an administrator.
    /// Ends the account's sessions and tokens.
    pub async fn set_password(&self, actor: &Actor, user_id: i64, password: &str) -> Result<()> {
        actor.require(
            actor.is(Role::Admin) || actor.user_id == Some(user_id),
            "change another account's password",
        )?;
        let hash = self.hash(password).await?;
        self.store_password(actor, user_id, &hash, serde_json::json!({}), None)
            .await
    }

    /// Stores a password hash, ends the account's credentials and records
    /// the change; after a throttled password check, clears its failure.
    pub(crate) async fn store_password(
        &self,
        actor: &Actor,
        user_id: i64,
        hash: &str,
        details: serde_json::Value,
        throttled: Option<&Keys>,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        if let Some(keys) = throttled {
            self.throttle_undo(&mut tx, keys, true).await?;
        }
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(NegotiationError::not_found(format!("no account {user_id}")));
        }
        end_credentials(&mut tx, user_id).await?;
        audit(
            &mut tx,
            actor,
            "user.password",
            &format!("user:{user_id}"),
            None,
            details,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Enables or disables an account (a disabled one cannot sign in and
    /// its sessions and tokens end). Administrators only.
    pub async fn set_active(&self, actor: &Actor, user_id: i64, active: bool) -> Result<()> {
        actor.require(actor.is(Role::Admin), "disable or enable accounts")?;
        let mut tx = self.write().await?;
        let done = sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
            .bind(active as i64)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(NegotiationError::not_found(format!("no account {user_id}")));
        }
        if !active {
            end_credentials(&mut tx, user_id).await?;
        }
        audit(
            &mut tx,
            actor,
            if active {
                "user.enable"
            } else {
                "user.disable"
            },
            &format!("user:{user_id}"),
            None,
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Ends every session and token of an account (its password changed, or
/// it was disabled).
async fn end_credentials(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: i64,
) -> Result<()> {
    sqlx::query("DELETE FROM credentials WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
