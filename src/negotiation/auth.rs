//! Authentication: passwords hashed with Argon2id (PHC strings), and
//! credentials — browser sessions and API bearer tokens — that are random
//! secrets of which only a SHA-256 is stored.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::store::audit;
use super::{Actor, NegotiationError, Result, Role, Store, now, unix_now};

/// How long a browser session lasts.
pub const SESSION_SECONDS: i64 = 12 * 3600;
/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 10;

/// A session (browser, in an HttpOnly cookie) or a token (API clients, in
/// an `Authorization: Bearer` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CredentialKind {
    Session,
    Token,
}

impl CredentialKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Session => "session",
            Self::Token => "token",
        }
    }
}

/// A credential just issued: the secret is shown once, here.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Credential {
    pub kind: CredentialKind,
    /// The secret: the cookie's value or the bearer token.
    pub token: String,
    /// Unix seconds; None: until revoked.
    pub expires_at: Option<i64>,
}

/// A successful sign-in.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Login {
    pub actor: Actor,
    pub credential: Credential,
}

/// Now, in Unix seconds (credential expiry times are in these).
pub fn unix_seconds() -> i64 {
    unix_now()
}

fn argon2() -> Argon2<'static> {
    Argon2::default()
}

fn check_password_text(password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        return Err(NegotiationError::invalid(format!(
            "the password is too short: at least {MIN_PASSWORD} characters"
        )));
    }
    if password.len() > 1024 {
        return Err(NegotiationError::invalid(
            "the password is longer than 1024 bytes",
        ));
    }
    Ok(())
}

/// Hashes a password (Argon2id, random salt) off the async threads.
pub async fn hash_password(password: &str) -> Result<String> {
    check_password_text(password)?;
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|e| NegotiationError::Hash(e.to_string()))?
}

fn hash_now(password: &str) -> Result<String> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| NegotiationError::Hash(e.to_string()))
}

/// True when the password matches the PHC string.
pub async fn verify_password(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_string(), phc.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc)
            .map(|hash| argon2().verify_password(password.as_bytes(), &hash).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so that a
/// wrong username takes as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_now("decoy password, never valid").unwrap_or_default())
}

/// A new random secret: a prefix saying what it is, then 256 bits in hex.
pub fn new_secret(kind: CredentialKind) -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| NegotiationError::Hash(e.to_string()))?;
    let prefix = match kind {
        CredentialKind::Session => "hecs_",
        CredentialKind::Token => "hect_",
    };
    Ok(format!("{prefix}{}", hex(&bytes)))
}

/// A random password for accounts made without one (shown once).
pub fn random_password() -> Result<String> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| NegotiationError::Hash(e.to_string()))?;
    Ok(hex(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the database keeps of a secret.
fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

impl Store {
    /// Signs in with a username and password, issuing a session (12 hours)
    /// or a token (until revoked, or `ttl_seconds`).
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        kind: CredentialKind,
        label: &str,
        ttl_seconds: Option<i64>,
    ) -> Result<Login> {
        let refused = || NegotiationError::Unauthenticated("wrong username or password".into());
        let key = username.trim().to_ascii_lowercase();
        self.throttle.check(&key)?;
        let row = sqlx::query("SELECT id, password_hash, active FROM users WHERE username = $1")
            .bind(username.trim().to_ascii_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            verify_password(password, decoy_hash()).await;
            self.throttle.failed(&key);
            return Err(refused());
        };
        let user_id: i64 = row.try_get("id")?;
        let phc: String = row.try_get("password_hash")?;
        let active = row.try_get::<i64, _>("active")? != 0;
        if !verify_password(password, &phc).await || !active {
            self.throttle.failed(&key);
            return Err(refused());
        }
        self.throttle.succeeded(&key);
        let actor = self.actor_of(user_id).await?;
        let ttl = match kind {
            CredentialKind::Session => Some(ttl_seconds.unwrap_or(SESSION_SECONDS)),
            CredentialKind::Token => ttl_seconds,
        };
        let credential = self.issue(&actor, kind, label, ttl).await?;
        Ok(Login { actor, credential })
    }

    /// Issues a bearer token to a signed-in account (or, from the command
    /// line, to any account).
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
        let owner = self.actor_of(user_id).await?;
        let credential = self
            .issue(&owner, CredentialKind::Token, label, ttl_seconds)
            .await?;
        // Recorded under the one who asked.
        let mut tx = self.write().await?;
        audit(
            &mut tx,
            actor,
            "token.create",
            &format!("user:{user_id}"),
            None,
            serde_json::json!({ "label": label, "expires_at": credential.expires_at }),
        )
        .await?;
        tx.commit().await?;
        Ok(credential)
    }

    async fn issue(
        &self,
        actor: &Actor,
        kind: CredentialKind,
        label: &str,
        ttl_seconds: Option<i64>,
    ) -> Result<Credential> {
        let user_id = actor.author_id()?;
        let token = new_secret(kind)?;
        let expires_at = ttl_seconds.map(|s| unix_now() + s.max(1));
        let mut tx = self.write().await?;
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
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Credential {
            kind,
            token,
            expires_at,
        })
    }

    /// The account behind a session or token, if it is valid.
    pub async fn authenticate(&self, secret: &str) -> Result<Actor> {
        let row = sqlx::query(
            "SELECT c.user_id FROM credentials c JOIN users u ON u.id = c.user_id
             WHERE c.token_hash = $1 AND u.active = 1 AND (c.expires_at IS NULL OR c.expires_at > $2)",
        )
        .bind(secret_hash(secret.trim()))
        .bind(unix_now())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| {
            NegotiationError::Unauthenticated(
                "the session or token is unknown, expired or revoked: sign in again".into(),
            )
        })?;
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

    /// Changes the signed-in account's own password, given the current one.
    /// Ends all its sessions and tokens.
    pub async fn change_password(&self, actor: &Actor, current: &str, new: &str) -> Result<()> {
        let user_id = actor.author_id()?;
        let phc: String = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?
            .try_get("password_hash")?;
        if !verify_password(current, &phc).await {
            return Err(NegotiationError::Unauthenticated(
                "the current password is wrong".into(),
            ));
        }
        self.set_password(actor, user_id, new).await
    }

    pub(crate) async fn actor_of(&self, user_id: i64) -> Result<Actor> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let phc = hash_password("correct horse battery").await.unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify_password("correct horse battery", &phc).await);
        assert!(!verify_password("wrong horse battery", &phc).await);
        assert!(hash_password("short").await.is_err());
    }

    #[test]
    fn secrets_are_random_and_stored_hashed() {
        let a = new_secret(CredentialKind::Token).unwrap();
        let b = new_secret(CredentialKind::Token).unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("hect_") && a.len() == 5 + 64);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), a);
    }
}

/// Slows password guessing: after [`LoginThrottle::FREE_FAILURES`] failed
/// sign-ins in a row for one username, further attempts are refused for a
/// lockout that doubles with each failure (from 30 s to 15 minutes). A
/// success clears the count. Kept in memory: a restart forgets it.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: std::sync::Mutex<std::collections::HashMap<String, (u32, std::time::Instant)>>,
}

impl LoginThrottle {
    pub const FREE_FAILURES: u32 = 5;
    const FIRST_LOCKOUT_SECS: u64 = 30;
    const MAX_LOCKOUT_SECS: u64 = 900;

    fn lockout_secs(failures: u32) -> u64 {
        let doublings = failures.saturating_sub(Self::FREE_FAILURES).min(10);
        (Self::FIRST_LOCKOUT_SECS << doublings).min(Self::MAX_LOCKOUT_SECS)
    }

    /// Refuses an attempt while the account is locked out.
    pub fn check(&self, username: &str) -> Result<()> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&(count, last)) = failures.get(username)
            && count >= Self::FREE_FAILURES
        {
            let wait = Self::lockout_secs(count).saturating_sub(last.elapsed().as_secs());
            if wait > 0 {
                return Err(NegotiationError::TooManyAttempts {
                    retry_after_secs: wait,
                });
            }
        }
        Ok(())
    }

    pub fn failed(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let entry = failures
            .entry(username.to_string())
            .or_insert((0, std::time::Instant::now()));
        *entry = (entry.0 + 1, std::time::Instant::now());
    }

    pub fn succeeded(&self, username: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(username);
    }
}

#[cfg(test)]
mod throttle_tests {
    use super::*;

    #[test]
    fn repeated_failures_lock_an_account_out_and_success_clears_them() {
        let t = LoginThrottle::default();
        for _ in 0..LoginThrottle::FREE_FAILURES {
            assert!(t.check("ada").is_ok());
            t.failed("ada");
        }
        match t.check("ada") {
            Err(NegotiationError::TooManyAttempts { retry_after_secs }) => {
                assert!((1..=30).contains(&retry_after_secs))
            }
            other => panic!("not locked out: {other:?}"),
        }
        assert!(t.check("bob").is_ok(), "other accounts are unaffected");
        t.succeeded("ada");
        assert!(t.check("ada").is_ok());
        assert_eq!(LoginThrottle::lockout_secs(6), 60);
        assert_eq!(LoginThrottle::lockout_secs(30), 900);
    }
}
