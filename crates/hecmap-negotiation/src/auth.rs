//! Authentication: passwords hashed with Argon2id (PHC strings), and
//! credentials — browser sessions and API bearer tokens — that are random
//! secrets of which only a SHA-256 is stored.
//!
//! Password hashing is bounded: at most
//! [`AuthSettings::max_concurrent_hashes`] Argon2 computations (19 MiB
//! each) run at once in a process, on tokio's blocking threads; an attempt
//! that finds every slot busy for [`AuthSettings::hash_wait_ms`] is refused
//! with [`NegotiationError::Busy`] (HTTP 503, `Retry-After`). Password
//! guesses are throttled per client address and per account, in the
//! database (see the `throttle` module's policy). Every sign-in, failed or
//! not, is in the audit log with the client's address (never a password).
//!
//! Lifetimes are bounded: a session lasts at most
//! [`AuthSettings::session_max_secs`] (12 h), a token at most
//! [`AuthSettings::token_max_days`] (90 days); a token asked for without an
//! expiry gets that maximum, and asking for longer is refused (422).
//!
//! This module holds the policy and the hashing; signing in, issuing and
//! checking credentials against the database is `store/auth.rs`.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::access::Actor;
use crate::error::{NegotiationError, Result};
use crate::limits::{self, MAX_PASSWORD_BYTES};
use crate::util::{blocking, unix_now};

/// How long a browser session lasts by default (and at most, unless
/// [`AuthSettings::session_max_secs`] says otherwise).
pub const SESSION_SECONDS: i64 = 12 * 3600;
/// Shortest password accepted.
pub const MIN_PASSWORD: usize = limits::MIN_PASSWORD;

/// Settings of sign-in: credential lifetimes, the bound on password
/// hashing and the throttle's policy. The defaults suit a public server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// Longest a browser session lasts, in seconds (default 12 h).
    pub session_max_secs: i64,
    /// Longest a bearer token lasts, in days (default 90); a token asked
    /// for without an expiry gets this.
    pub token_max_days: i64,
    /// Argon2 computations (19 MiB each) run at once (default: the CPUs,
    /// from 2 to 4).
    pub max_concurrent_hashes: usize,
    /// How long an attempt waits for a hashing slot before it is refused
    /// as busy (503), in milliseconds (default 2000).
    pub hash_wait_ms: u64,
    /// Failures of one account from one address before it is locked out
    /// for that address (default 5).
    pub pair_free_failures: u32,
    /// Failures from one address, whatever the accounts, before the
    /// address is locked out (default 20).
    pub address_free_failures: u32,
    /// Failures of one account, from anywhere, before its password checks
    /// are spaced out (default 10).
    pub account_free_failures: u32,
    /// The first lockout of an address, in seconds; it doubles with each
    /// further failure (default 30).
    pub first_lockout_secs: u64,
    /// The longest lockout of one account for one address (default 900).
    pub pair_max_lockout_secs: u64,
    /// The longest lockout of an address (default 3600).
    pub address_max_lockout_secs: u64,
    /// The longest an account's password checks are spaced out, in
    /// seconds (default 10): failures from many addresses slow an account,
    /// never lock it.
    pub account_max_delay_secs: u64,
    /// An address an account signed in from is not slowed by the account's
    /// failures elsewhere for this many days (default 30).
    pub known_address_days: u64,
    /// Failures are forgotten after this many quiet seconds (default a day).
    pub forget_after_secs: u64,
    /// The most keys the throttle keeps (default 100,000).
    pub max_throttle_rows: u64,
    /// The throttle is pruned once every this many attempts (default 64).
    pub prune_every: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            session_max_secs: SESSION_SECONDS,
            token_max_days: 90,
            max_concurrent_hashes: cpus.clamp(2, 4),
            hash_wait_ms: 2_000,
            pair_free_failures: 5,
            address_free_failures: 20,
            account_free_failures: 10,
            first_lockout_secs: 30,
            pair_max_lockout_secs: 900,
            address_max_lockout_secs: 3_600,
            account_max_delay_secs: 10,
            known_address_days: 30,
            forget_after_secs: 86_400,
            max_throttle_rows: 100_000,
            prune_every: 64,
        }
    }
}

impl AuthSettings {
    /// A session's longest lifetime, in seconds.
    pub fn session_max(&self) -> i64 {
        self.session_max_secs.max(1)
    }

    /// A token's longest lifetime, in seconds.
    pub fn token_max(&self) -> i64 {
        self.token_max_days.clamp(1, 36_500) * 86_400
    }

    /// A credential's lifetime in seconds: the maximum when not asked,
    /// refused (422, saying the bound) when asked for longer.
    pub fn lifetime(&self, kind: CredentialKind, ttl_seconds: Option<i64>) -> Result<i64> {
        let max = match kind {
            CredentialKind::Session => self.session_max(),
            CredentialKind::Token => self.token_max(),
        };
        match ttl_seconds {
            None => Ok(max),
            Some(ttl) if ttl < 1 => Err(NegotiationError::invalid(format!(
                "a {}'s lifetime must be positive",
                kind.as_str()
            ))),
            Some(ttl) if ttl > max => Err(NegotiationError::invalid(format!(
                "a {} lasts at most {} ({max} s); asked for {}",
                kind.as_str(),
                duration_text(max),
                duration_text(ttl)
            ))),
            Some(ttl) => Ok(ttl),
        }
    }
}

/// What password hashing has done in this process (for monitoring and
/// tests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AuthStats {
    /// Passwords verified (sign-ins, including unknown accounts, and
    /// current passwords).
    pub password_checks: u64,
    /// New passwords hashed.
    pub hashes: u64,
    /// Argon2 computations running now, and the most ever at once.
    pub hashing_now: usize,
    pub peak_hashing: usize,
    /// Attempts refused because every hashing slot stayed busy.
    pub busy: u64,
}

/// The store's share of sign-in: settings, the hashing bound, counters.
#[derive(Debug)]
pub(crate) struct AuthState {
    pub(crate) settings: AuthSettings,
    hashing: Arc<tokio::sync::Semaphore>,
    running: AtomicUsize,
    peak: AtomicUsize,
    checks: AtomicU64,
    hashes: AtomicU64,
    busy: AtomicU64,
    /// Throttled attempts so far (pruning runs every so many).
    pub(crate) attempts: AtomicU64,
}

impl AuthState {
    pub(crate) fn new(settings: AuthSettings) -> Self {
        Self {
            hashing: Arc::new(tokio::sync::Semaphore::new(
                settings.max_concurrent_hashes.max(1),
            )),
            settings,
            running: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            checks: AtomicU64::new(0),
            hashes: AtomicU64::new(0),
            busy: AtomicU64::new(0),
            attempts: AtomicU64::new(0),
        }
    }

    /// What password hashing has done in this process.
    pub(crate) fn stats(&self) -> AuthStats {
        AuthStats {
            password_checks: self.checks.load(Ordering::SeqCst),
            hashes: self.hashes.load(Ordering::SeqCst),
            hashing_now: self.running.load(Ordering::SeqCst),
            peak_hashing: self.peak.load(Ordering::SeqCst),
            busy: self.busy.load(Ordering::SeqCst),
        }
    }

    /// Runs Argon2 work in one of the bounded slots, on a blocking thread;
    /// [`NegotiationError::Busy`] when no slot frees up in time. The slot
    /// is held by the work itself, so a cancelled request cannot free it
    /// early.
    async fn argon<T, F>(self: &Arc<Self>, work: F) -> Result<T>
    where
        F: FnOnce(&AuthState) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let state = self.clone();
        let wait = Duration::from_millis(state.settings.hash_wait_ms);
        let permit = match tokio::time::timeout(wait, state.hashing.clone().acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            _ => {
                state.busy.fetch_add(1, Ordering::SeqCst);
                return Err(NegotiationError::Busy {
                    retry_after_secs: wait.as_secs().max(1),
                });
            }
        };
        blocking(move || {
            let _permit = permit;
            let _running = Running::start(&state);
            work(&state)
        })
        .await
    }

    /// Hashes a new password in a bounded slot.
    pub(crate) async fn hash(self: &Arc<Self>, password: &str) -> Result<String> {
        check_password_text("password", password)?;
        let password = password.to_string();
        self.argon(move |state| {
            state.hashes.fetch_add(1, Ordering::SeqCst);
            hash_now(&password)
        })
        .await
    }

    /// Verifies a password (against the decoy when there is no account)
    /// in a bounded slot.
    pub(crate) async fn verify(
        self: &Arc<Self>,
        password: &str,
        phc: Option<String>,
    ) -> Result<bool> {
        let password = password.to_string();
        self.argon(move |state| {
            state.checks.fetch_add(1, Ordering::SeqCst);
            Ok(verify_now(
                &password,
                phc.as_deref().unwrap_or_else(|| decoy_hash()),
            ))
        })
        .await
    }
}

/// Counts a running Argon2 computation while it lives.
struct Running<'a>(&'a AuthState);

impl<'a> Running<'a> {
    fn start(state: &'a AuthState) -> Self {
        let now = state.running.fetch_add(1, Ordering::SeqCst) + 1;
        state.peak.fetch_max(now, Ordering::SeqCst);
        Self(state)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A session (browser, in an HttpOnly cookie) or a token (API clients, in
/// an `Authorization: Bearer` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CredentialKind {
    Session,
    Token,
}

impl CredentialKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Session => "session",
            Self::Token => "token",
        }
    }
}

/// A credential just issued: the secret is shown once, here.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credential {
    pub kind: CredentialKind,
    /// The secret: the cookie's value or the bearer token.
    pub token: String,
    /// Unix seconds. Always set: no credential lasts forever (the field
    /// stays optional for older clients).
    pub expires_at: Option<i64>,
}

/// A successful sign-in.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

pub(crate) fn check_password_text(field: &str, password: &str) -> Result<()> {
    limits::bounded_bytes(field, password, MAX_PASSWORD_BYTES)?;
    if password.chars().count() < MIN_PASSWORD {
        return Err(NegotiationError::invalid(format!(
            "{field} is too short: at least {MIN_PASSWORD} characters"
        )));
    }
    Ok(())
}

/// Hashes a password (Argon2id, random salt) off the async threads, but
/// without the store's bound on concurrent hashing: servers hash through
/// the [`crate::Store`].
pub async fn hash_password(password: &str) -> Result<String> {
    check_password_text("password", password)?;
    let password = password.to_string();
    blocking(move || hash_now(&password)).await
}

fn hash_now(password: &str) -> Result<String> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| NegotiationError::Hash(e.to_string()))
}

fn verify_now(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| argon2().verify_password(password.as_bytes(), &hash).is_ok())
        .unwrap_or(false)
}

/// True when the password matches the PHC string (off the async threads,
/// without the store's bound).
pub async fn verify_password(password: &str, phc: &str) -> bool {
    let (password, phc) = (password.to_string(), phc.to_string());
    blocking(move || Ok(verify_now(&password, &phc)))
        .await
        .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so that a
/// wrong username takes as long as a wrong password. Made on first use, on
/// a blocking thread.
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
pub(crate) fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// "12 hours", "90 days", "3600 s".
fn duration_text(secs: i64) -> String {
    if secs % 86_400 == 0 {
        format!("{} days", secs / 86_400)
    } else if secs % 3_600 == 0 {
        format!("{} hours", secs / 3_600)
    } else {
        format!("{secs} s")
    }
}

/// The client's address as the audit log shows it.
pub(crate) fn client_text(client: IpAddr) -> String {
    client.to_canonical().to_string()
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
        let long = "x".repeat(MAX_PASSWORD_BYTES + 1);
        let e = hash_password(&long).await.unwrap_err();
        assert!(e.to_string().contains("1024 bytes"), "{e}");
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

    #[test]
    fn lifetimes_are_described_in_their_units() {
        assert_eq!(duration_text(12 * 3600), "12 hours");
        assert_eq!(duration_text(90 * 86_400), "90 days");
        assert_eq!(duration_text(61), "61 s");
        let s = AuthSettings::default();
        assert_eq!(s.session_max(), 43_200);
        assert_eq!(s.token_max(), 90 * 86_400);
        assert!((2..=4).contains(&s.max_concurrent_hashes));
    }
}
