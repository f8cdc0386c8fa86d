//! The sign-in throttle, kept in the database (`login_throttle`) so that
//! every server over one database shares it and a restart keeps it.
//!
//! # Policy
//!
//! Every password check (a sign-in, or the current password when changing
//! it) is an *attempt*, counted under three keys:
//!
//! * **the account from this address** (`pair:`): after
//!   [`AuthSettings::pair_free_failures`] failures (5) the address may not
//!   try this account again for [`AuthSettings::first_lockout_secs`] (30 s),
//!   doubling with each further failure up to
//!   [`AuthSettings::pair_max_lockout_secs`] (15 min). A success clears it.
//! * **this address, whatever the account** (`address:`, an IPv6 client by
//!   its /64): after [`AuthSettings::address_free_failures`] failures (20)
//!   the address is refused for 30 s, doubling up to
//!   [`AuthSettings::address_max_lockout_secs`] (1 h). Only its own failures
//!   count, so one address cannot lock out another.
//! * **the account, from anywhere** (`account:`): failures from many
//!   addresses only *slow* the account, never lock it: past
//!   [`AuthSettings::account_free_failures`] (10) one password is checked at
//!   most every 1 s, doubling up to [`AuthSettings::account_max_delay_secs`]
//!   (10 s). Addresses the account signed in from within
//!   [`AuthSettings::known_address_days`] (30 days) are not slowed at all,
//!   so guesses from elsewhere cannot keep the real user out.
//!
//! A refused attempt checks no password, is not counted and answers
//! [`NegotiationError::TooManyAttempts`] with the seconds to wait.
//!
//! Check and record are one step: inside one write transaction (rows
//! locked with `FOR UPDATE` on PostgreSQL; SQLite's write lock is the
//! database's) the keys are read, the attempt refused if any is locked, and
//! otherwise counted as a failure *before* the password is checked. A
//! success then takes its failure back. So 40 simultaneous guesses at one
//! account from one address check at most 5 passwords, on one server or
//! several.
//!
//! Bounded: usernames longer than 64 bytes are refused before any of this;
//! a key quiet for [`AuthSettings::forget_after_secs`] (a day) and not
//! locked is forgotten, and pruned; past [`AuthSettings::max_throttle_rows`]
//! rows the oldest unlocked ones go first.

use std::net::IpAddr;

use sqlx::{Any, Row, Transaction};

use super::auth::AuthSettings;
use super::store::Backend;
use super::{NegotiationError, Result, Store, unix_now};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Address,
    Account,
    Pair,
}

/// The keys one attempt is counted under.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    address: String,
    account: String,
    pair: String,
    known: String,
}

/// An address as the throttle counts it: IPv4 (also when mapped into
/// IPv6) whole, IPv6 by its /64 (one subscriber's usual allocation).
pub(crate) fn address_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

impl Keys {
    /// `username` already trimmed, lower-cased and at most 64 bytes.
    pub(crate) fn new(username: &str, client: IpAddr) -> Self {
        let address = address_key(client);
        Self {
            pair: format!("pair:{username}|{address}"),
            known: format!("known:{username}|{address}"),
            account: format!("account:{username}"),
            address: format!("address:{address}"),
        }
    }

    /// In a fixed order (address, account, pair), so that concurrent
    /// transactions lock rows in the same order and cannot deadlock.
    fn counted(&self) -> [(&str, Kind); 3] {
        [
            (&self.address, Kind::Address),
            (&self.account, Kind::Account),
            (&self.pair, Kind::Pair),
        ]
    }
}

impl AuthSettings {
    fn free_failures(&self, kind: Kind) -> i64 {
        i64::from(match kind {
            Kind::Address => self.address_free_failures,
            Kind::Account => self.account_free_failures,
            Kind::Pair => self.pair_free_failures,
        })
    }

    /// How long a key stays locked after its `failures`-th failure (0: not).
    fn lock_secs(&self, kind: Kind, failures: i64) -> i64 {
        let over = failures - self.free_failures(kind);
        if over < 0 {
            return 0;
        }
        let (first, max) = match kind {
            Kind::Address => (self.first_lockout_secs, self.address_max_lockout_secs),
            Kind::Pair => (self.first_lockout_secs, self.pair_max_lockout_secs),
            Kind::Account => (1, self.account_max_delay_secs),
        };
        let doubled = first.saturating_mul(1u64 << over.min(32) as u32);
        doubled.min(max).min(i64::MAX as u64) as i64
    }
}

impl Store {
    fn for_update(&self) -> &'static str {
        match self.backend() {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }

    /// Checks the throttle and records the attempt as a failure, in one
    /// transaction; refuses with [`NegotiationError::TooManyAttempts`]
    /// (recording nothing) while a key is locked.
    pub(crate) async fn throttle_attempt(&self, keys: &Keys) -> Result<()> {
        let settings = &self.auth.settings;
        let now = unix_now();
        let forgotten = now - settings.forget_after_secs as i64;
        let known_since = now - settings.known_address_days as i64 * 86_400;
        let mut tx = self.write().await?;
        let known = sqlx::query("SELECT updated_at FROM login_throttle WHERE key = $1")
            .bind(&keys.known)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get::<i64, _>("updated_at"))
            .transpose()?
            .is_some_and(|at| at >= known_since);
        let mut wait = 0i64;
        let mut counts = Vec::with_capacity(3);
        for (key, kind) in keys.counted() {
            sqlx::query(
                "INSERT INTO login_throttle (key, failures, locked_until, updated_at)
                 VALUES ($1, 0, 0, $2) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT failures, locked_until, updated_at FROM login_throttle WHERE key = $1{}",
                self.for_update()
            )))
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            // (None: pruned since the insert found it; a fresh key.)
            let (failures, locked_until, updated_at): (i64, i64, i64) = match row {
                Some(row) => (
                    row.try_get("failures")?,
                    row.try_get("locked_until")?,
                    row.try_get("updated_at")?,
                ),
                None => (0, 0, now),
            };
            let exempt = kind == Kind::Account && known;
            if locked_until > now && !exempt {
                wait = wait.max(locked_until - now);
            }
            let failures = if updated_at < forgotten && locked_until <= now {
                0
            } else {
                failures
            };
            counts.push((key, kind, failures, locked_until));
        }
        if wait > 0 {
            tx.rollback().await?;
            return Err(NegotiationError::TooManyAttempts {
                retry_after_secs: wait as u64,
            });
        }
        for (key, kind, failures, locked_until) in counts {
            let failures = failures + 1;
            let lock = settings.lock_secs(kind, failures);
            // Never shortens a lock (a known address passes the account's).
            let locked_until = if lock > 0 {
                locked_until.max(now + lock)
            } else {
                locked_until
            };
            sqlx::query(
                "INSERT INTO login_throttle (key, failures, locked_until, updated_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
                   locked_until = excluded.locked_until, updated_at = excluded.updated_at",
            )
            .bind(key)
            .bind(failures)
            .bind(locked_until)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Takes back an attempt that checked no password or succeeded: one
    /// failure less for the address and the account (their locks lifted
    /// when back under the free count). `success` also clears the pair and
    /// remembers the address as the account's.
    pub(crate) async fn throttle_undo(
        &self,
        tx: &mut Transaction<'static, Any>,
        keys: &Keys,
        success: bool,
    ) -> Result<()> {
        let settings = &self.auth.settings;
        let now = unix_now();
        for (key, kind) in keys.counted() {
            if success && kind == Kind::Pair {
                sqlx::query("DELETE FROM login_throttle WHERE key = $1")
                    .bind(key)
                    .execute(&mut **tx)
                    .await?;
                continue;
            }
            sqlx::query(
                "UPDATE login_throttle SET
                   failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END,
                   locked_until = CASE WHEN failures - 1 < $2 THEN 0 ELSE locked_until END
                 WHERE key = $1",
            )
            .bind(key)
            .bind(settings.free_failures(kind))
            .execute(&mut **tx)
            .await?;
        }
        if success {
            sqlx::query(
                "INSERT INTO login_throttle (key, failures, locked_until, updated_at)
                 VALUES ($1, 0, 0, $2)
                 ON CONFLICT (key) DO UPDATE SET updated_at = excluded.updated_at",
            )
            .bind(&keys.known)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Every [`AuthSettings::prune_every`] attempts: forgets quiet keys and
    /// keeps at most [`AuthSettings::max_throttle_rows`] rows.
    pub(crate) async fn throttle_maybe_prune(&self) -> Result<()> {
        let every = self.auth.settings.prune_every.max(1);
        let n = self
            .auth
            .attempts
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n.is_multiple_of(every) {
            self.prune_throttle().await?;
        }
        Ok(())
    }

    /// Forgets quiet keys and bounds the table; returns the rows left.
    pub async fn prune_throttle(&self) -> Result<i64> {
        let settings = &self.auth.settings;
        let now = unix_now();
        let mut tx = self.write().await?;
        sqlx::query(
            "DELETE FROM login_throttle WHERE locked_until <= $1 AND (
                (key NOT LIKE 'known:%' AND updated_at < $2)
                OR (key LIKE 'known:%' AND updated_at < $3))",
        )
        .bind(now)
        .bind(now - settings.forget_after_secs as i64)
        .bind(now - settings.known_address_days as i64 * 86_400)
        .execute(&mut *tx)
        .await?;
        let rows: i64 = sqlx::query("SELECT COUNT(*) AS n FROM login_throttle")
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        let max = settings.max_throttle_rows as i64;
        if rows > max {
            // The oldest first, unlocked before locked.
            sqlx::query(
                "DELETE FROM login_throttle WHERE key IN (
                    SELECT key FROM login_throttle
                    ORDER BY CASE WHEN locked_until > $1 THEN 1 ELSE 0 END, updated_at
                    LIMIT $2)",
            )
            .bind(now)
            .bind(rows - max)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(rows.min(max))
    }

    /// How many keys the throttle holds (for monitoring and tests).
    pub async fn throttle_rows(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM login_throttle")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_double_and_are_capped() {
        let s = AuthSettings::default();
        assert_eq!(s.lock_secs(Kind::Pair, 4), 0);
        assert_eq!(s.lock_secs(Kind::Pair, 5), 30);
        assert_eq!(s.lock_secs(Kind::Pair, 6), 60);
        assert_eq!(s.lock_secs(Kind::Pair, 500), 900);
        assert_eq!(s.lock_secs(Kind::Address, 19), 0);
        assert_eq!(s.lock_secs(Kind::Address, 20), 30);
        assert_eq!(s.lock_secs(Kind::Address, 10_000), 3600);
        // The account is only slowed, by at most a few seconds.
        assert_eq!(s.lock_secs(Kind::Account, 9), 0);
        assert_eq!(s.lock_secs(Kind::Account, 10), 1);
        assert_eq!(s.lock_secs(Kind::Account, 1_000_000), 10);
    }

    #[test]
    fn addresses_are_keyed_whole_or_by_their_64() {
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(address_key(v4), "203.0.113.7");
        assert_eq!(address_key(mapped), "203.0.113.7");
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_eq!(address_key(a), "2001:db8:1:2::/64");
        let k = Keys::new("ada", v4);
        assert_eq!(k.pair, "pair:ada|203.0.113.7");
        assert_eq!(k.address, "address:203.0.113.7");
    }
}
