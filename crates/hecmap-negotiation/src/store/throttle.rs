//! The sign-in throttle's table (`login_throttle`): an attempt checked
//! and counted in one transaction, taken back, pruned. The policy is
//! `throttle.rs`.

use sqlx::{Any, Row, Transaction};

use super::{Backend, Store};
use crate::error::{NegotiationError, Result};
use crate::throttle::{Keys, Kind};
use crate::util::unix_now;

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
    pub(super) async fn throttle_attempt(&self, keys: &Keys) -> Result<()> {
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
    pub(super) async fn throttle_undo(
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
    pub(super) async fn throttle_maybe_prune(&self) -> Result<()> {
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
