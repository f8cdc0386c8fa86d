//! Signing in and credentials in the database: sessions and tokens
//! issued, checked and revoked; password changes. The policy (lifetimes,
//! the bound on hashing, the hashing itself) is `auth.rs`, the throttle's
//! `throttle.rs`.

use std::net::IpAddr;

use sqlx::{Any, Row, Transaction};

use super::Store;
use super::audit::{Entry, audit, record};
use crate::access::{Actor, Role};
use crate::auth::{
    AuthStats, Credential, CredentialKind, Login, check_password_text, client_text, new_secret,
    secret_hash,
};
use crate::error::{NegotiationError, Result};
use crate::limits::{self, MAX_PASSWORD_BYTES, MAX_TOKEN_LABEL, MAX_USERNAME_BYTES};
use crate::throttle::Keys;
use crate::util::{now, unix_now};

impl Store {
    /// What password hashing has done in this process.
    pub fn auth_stats(&self) -> AuthStats {
        self.auth.stats()
    }

    /// A credential's lifetime in seconds: the maximum when not asked,
    /// refused (422, saying the bound) when asked for longer.
    pub fn lifetime(&self, kind: CredentialKind, ttl_seconds: Option<i64>) -> Result<i64> {
        self.auth.settings.lifetime(kind, ttl_seconds)
    }

    /// Signs in with a username and password from a client's address,
    /// issuing a session or a token (for `ttl_seconds`, by default and at
    /// most the settings' maximum).
    ///
    /// Refused before anything else: a username over 64 bytes or a
    /// password over 1024 (422), a lifetime over the bound (422). Then the
    /// throttle ([`NegotiationError::TooManyAttempts`], 429), then the
    /// bounded password check ([`NegotiationError::Busy`], 503). A wrong
    /// username and a wrong password are refused alike. Both outcomes go to
    /// the audit log (`auth.login`, `auth.login_failed`) with the address.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        kind: CredentialKind,
        label: &str,
        ttl_seconds: Option<i64>,
        client: IpAddr,
    ) -> Result<Login> {
        limits::bounded_bytes("username", username, MAX_USERNAME_BYTES)?;
        limits::bounded_bytes("password", password, MAX_PASSWORD_BYTES)?;
        limits::bounded("label", label, MAX_TOKEN_LABEL)?;
        let lifetime = self.lifetime(kind, ttl_seconds)?;
        let name = username.trim().to_ascii_lowercase();
        let keys = Keys::new(&name, client);
        self.throttle_attempt(&keys).await?;
        self.throttle_maybe_prune().await?;
        let row = sqlx::query("SELECT id, password_hash, active FROM users WHERE username = $1")
            .bind(&name)
            .fetch_optional(&self.pool)
            .await?;
        let account = match &row {
            Some(row) => Some((
                row.try_get::<i64, _>("id")?,
                row.try_get::<String, _>("password_hash")?,
                row.try_get::<i64, _>("active")? != 0,
            )),
            None => None,
        };
        let phc = account.as_ref().map(|(_, phc, _)| phc.clone());
        let matches = match self.auth.verify(password, phc).await {
            Ok(matches) => matches,
            Err(e) => {
                // No password was checked: the attempt does not count.
                let mut tx = self.write().await?;
                self.throttle_undo(&mut tx, &keys, false).await?;
                tx.commit().await?;
                return Err(e);
            }
        };
        let client = client_text(client);
        let (user_id, why) = match account {
            Some((id, _, true)) if matches => (id, None),
            Some((id, _, true)) => (id, Some("wrong password")),
            Some((id, _, false)) => (id, Some("account disabled")),
            None => (0, Some("no such account")),
        };
        if let Some(why) = why {
            let target = if user_id > 0 {
                format!("user:{user_id}")
            } else {
                format!("username:{name}")
            };
            let mut tx = self.write().await?;
            record(
                &mut tx,
                Entry {
                    actor_id: None,
                    actor: &name,
                    action: "auth.login_failed",
                    target: &target,
                    reason: None,
                    details: serde_json::json!({ "client": client, "why": why }),
                    draft_of: None,
                },
            )
            .await?;
            tx.commit().await?;
            return Err(NegotiationError::Unauthenticated(
                "wrong username or password".into(),
            ));
        }
        let actor = self.actor_of(user_id).await?;
        let mut tx = self.write().await?;
        self.throttle_undo(&mut tx, &keys, true).await?;
        sqlx::query("DELETE FROM credentials WHERE expires_at <= $1")
            .bind(unix_now())
            .execute(&mut *tx)
            .await?;
        let credential = issue(&mut tx, user_id, kind, label, lifetime).await?;
        audit(
            &mut tx,
            &actor,
            "auth.login",
            &format!("user:{user_id}"),
            None,
            serde_json::json!({ "client": client, "kind": kind, "expires_at": credential.expires_at }),
        )
        .await?;
        tx.commit().await?;
        Ok(Login { actor, credential })
    }

    /// Issues a bearer token to a signed-in account (or, from the command
    /// line, to any account), for `ttl_seconds` (by default and at most
    /// [`AuthSettings::token_max_days`](crate::auth::AuthSettings::token_max_days)).
    pub async fn create_token(
        &self,
        actor: &Actor,
        user_id: i64,
        label: &str,
        ttl_seconds: Option<i64>,
    ) -> Result<Credential> {
        actor.require(
            actor.user_id == Some(user_id) || (actor.user_id.is_none() && actor.is(Role::Admin)),
            "create a token for another account",
        )?;
        limits::bounded("label", label, MAX_TOKEN_LABEL)?;
        let lifetime = self.lifetime(CredentialKind::Token, ttl_seconds)?;
        self.actor_of(user_id).await?;
        let mut tx = self.write().await?;
        let credential = issue(&mut tx, user_id, CredentialKind::Token, label, lifetime).await?;
        // Recorded under the one who asked.
        audit(
            &mut tx,
            actor,
            "token.create",
            &format!("user:{user_id}"),
            None,
            serde_json::json!({ "label": label.trim(), "expires_at": credential.expires_at }),
        )
        .await?;
        tx.commit().await?;
        Ok(credential)
    }

    /// The account behind a session or token, if it is valid (not expired,
    /// not revoked, the account active).
    pub async fn authenticate(&self, secret: &str) -> Result<Actor> {
        let refused = || {
            NegotiationError::Unauthenticated(
                "the session or token is unknown, expired or revoked: sign in again".into(),
            )
        };
        if secret.len() > 200 {
            return Err(refused());
        }
        let row = sqlx::query(
            "SELECT c.user_id FROM credentials c JOIN users u ON u.id = c.user_id
             WHERE c.token_hash = $1 AND u.active = 1 AND c.expires_at IS NOT NULL AND c.expires_at > $2",
        )
        .bind(secret_hash(secret.trim()))
        .bind(unix_now())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(refused)?;
        self.actor_of(row.try_get("user_id")?).await
    }

    /// Ends a session or revokes a token.
    pub async fn logout(&self, secret: &str) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM credentials WHERE token_hash = $1")
            .bind(secret_hash(secret.trim()))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes the signed-in account's own password, given the current one
    /// (a guess like any other: throttled as sign-ins are, for the account
    /// and the client's address). Ends all its sessions and tokens. A wrong
    /// current password is in the audit log (`auth.password_failed`), the
    /// change too (`user.password`), with the address.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
        client: IpAddr,
    ) -> Result<()> {
        let user_id = actor.author_id()?;
        limits::bounded_bytes("current_password", current, MAX_PASSWORD_BYTES)?;
        check_password_text("new_password", new)?;
        let keys = Keys::new(&actor.username, client);
        self.throttle_attempt(&keys).await?;
        self.throttle_maybe_prune().await?;
        let phc: String = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?
            .try_get("password_hash")?;
        let hashed = match self.auth.verify(current, Some(phc)).await {
            Ok(true) => self.auth.hash(new).await.map(Some),
            Ok(false) => Ok(None),
            Err(e) => Err(e),
        };
        let client = client_text(client);
        let hash = match hashed {
            Ok(Some(hash)) => hash,
            Ok(None) => {
                let mut tx = self.write().await?;
                audit(
                    &mut tx,
                    actor,
                    "auth.password_failed",
                    &format!("user:{user_id}"),
                    None,
                    serde_json::json!({ "client": client }),
                )
                .await?;
                tx.commit().await?;
                return Err(NegotiationError::Unauthenticated(
                    "the current password is wrong".into(),
                ));
            }
            Err(e) => {
                let mut tx = self.write().await?;
                self.throttle_undo(&mut tx, &keys, false).await?;
                tx.commit().await?;
                return Err(e);
            }
        };
        self.store_password(
            actor,
            user_id,
            &hash,
            serde_json::json!({ "client": client }),
            Some(&keys),
        )
        .await
    }

    pub(super) async fn actor_of(&self, user_id: i64) -> Result<Actor> {
        let row = sqlx::query(
            "SELECT id, username, display_name, role, organization_id FROM users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| NegotiationError::not_found(format!("no account {user_id}")))?;
        Ok(Actor {
            user_id: Some(row.try_get("id")?),
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            role: Role::parse(&row.try_get::<String, _>("role")?)?,
            organization_id: row.try_get("organization_id")?,
        })
    }
}

/// Stores a new credential (inside the caller's transaction).
async fn issue(
    tx: &mut Transaction<'static, Any>,
    user_id: i64,
    kind: CredentialKind,
    label: &str,
    lifetime: i64,
) -> Result<Credential> {
    let token = new_secret(kind)?;
    let expires_at = Some(unix_now().saturating_add(lifetime.max(1)));
    sqlx::query(
        "INSERT INTO credentials (token_hash, user_id, kind, label, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(secret_hash(&token))
    .bind(user_id)
    .bind(kind.as_str())
    .bind(label.trim())
    .bind(now())
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(Credential {
        kind,
        token,
        expires_at,
    })
}
