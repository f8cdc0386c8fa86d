//! Organizations and accounts in the database.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::audit::audit;
use super::{Store, next_id, taken_or};
use crate::access::{Actor, Role};
use crate::accounts::{NewUser, Organization, User, check_new_user};
use crate::error::{NegotiationError, Result};
use crate::limits::{MAX_ORGANIZATION_NAME, required};
use crate::throttle::Keys;
use crate::util::now;

pub(super) fn organization_from(row: &AnyRow) -> Result<Organization> {
    Ok(Organization {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
    })
}

fn user_from(row: &AnyRow) -> Result<User> {
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
        let (username, display_name) = check_new_user(&new)?;
        if let (Role::Editor, Some(org)) = (new.role, new.organization_id) {
            self.organization(org).await.map_err(|_| {
                NegotiationError::invalid(format!("no organization {org} for the editor"))
            })?;
        }
        let hash = self.auth.hash(&new.password).await?;
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
        let hash = self.auth.hash(password).await?;
        self.store_password(actor, user_id, &hash, serde_json::json!({}), None)
            .await
    }

    /// Stores a password hash, ends the account's credentials and records
    /// the change; after a throttled password check, clears its failure.
    pub(super) async fn store_password(
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
