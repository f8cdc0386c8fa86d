//! The database: SQLite in a data directory or PostgreSQL by URL, through
//! sqlx's `Any` driver so that one set of queries and migrations serves
//! both. Queries use `$1`-style parameters, which both understand.
//!
//! All the SQL of the negotiation is under this folder, one file per
//! domain module: the pool, migrations and transactions here; accounts,
//! sign-in, the throttle, proposals and comments, rulings and the state
//! plan, the audit log in their own files. Every operation checks the
//! actor's permission with the domain's rules before it touches the
//! database, and does its CPU work (composing, validating, hashing) with
//! the domain's functions outside the write transaction.

mod accounts;
mod audit;
mod auth;
mod proposals;
mod rulings;
mod throttle;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Any, AnyPool, ConnectOptions, Executor, Row, SqlSafeStr, Transaction};

use crate::auth::{AuthSettings, AuthState};
use crate::error::{NegotiationError, Result};
use crate::util::unix_now;

/// The migrations, embedded: the same SQL for both databases.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "negotiation",
        include_str!("../../migrations/0001_negotiation.sql"),
    ),
    (
        2,
        "security",
        include_str!("../../migrations/0002_security.sql"),
    ),
];

/// The name of the SQLite file inside the data directory.
pub const SQLITE_FILE: &str = "hecmap.sqlite3";

/// Where the negotiation is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// An SQLite file (`hecmap.sqlite3`) in this directory, created if missing.
    DataDir(PathBuf),
    /// A database URL: `postgres://...` for a shared deployment, or `sqlite:...`.
    Url(String),
}

impl StoreLocation {
    /// A URL when given, else the data directory.
    pub fn from_options(data_dir: &Path, database_url: Option<&str>) -> Self {
        match database_url {
            Some(url) if !url.trim().is_empty() => Self::Url(url.trim().to_string()),
            _ => Self::DataDir(data_dir.to_path_buf()),
        }
    }
}

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The negotiation's storage: a connection pool over a migrated database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// A description without secrets, for logs.
    description: String,
    /// Sign-in settings and the bound on password hashing, shared by every
    /// clone of the store (the throttle itself is in the database).
    auth: Arc<AuthState>,
}

/// Removes the password from a URL, for logs and errors.
fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((auth, host)) => {
                let user = auth.split(':').next().unwrap_or("");
                format!("{scheme}://{user}:***@{host}")
            }
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

impl Store {
    /// Opens (creating if needed) and migrates the store, with the default
    /// [`AuthSettings`].
    pub async fn open(location: &StoreLocation) -> Result<Self> {
        Self::open_with(location, AuthSettings::default()).await
    }

    /// Opens (creating if needed) and migrates the store. Credentials
    /// issued before that outlive the settings' bounds (or never expire)
    /// are cut to them.
    pub async fn open_with(location: &StoreLocation, settings: AuthSettings) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (url, description) = match location {
            StoreLocation::DataDir(dir) => {
                std::fs::create_dir_all(dir)?;
                let file = dir.join(SQLITE_FILE);
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(&file)
                    .create_if_missing(true);
                (
                    options.to_url_lossy().to_string(),
                    format!("SQLite {}", file.display()),
                )
            }
            StoreLocation::Url(url) => (url.clone(), redact(url)),
        };
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(NegotiationError::invalid(format!(
                "database URL {}: expected postgres://... or sqlite:...",
                redact(&url)
            )));
        };
        let options: AnyConnectOptions = url.parse()?;
        let options = options.disable_statement_logging();
        let pool_options = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(30));
        let pool_options = if backend == Backend::Sqlite {
            pool_options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // Durability: the write-ahead log, synced on every
                    // commit, so an acknowledged write survives a kill.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 30000").await?;
                    Ok(())
                })
            })
        } else {
            pool_options
        };
        let pool = pool_options.connect_with(options).await?;
        let store = Self {
            pool,
            backend,
            description,
            auth: Arc::new(AuthState::new(settings)),
        };
        store.migrate().await?;
        store.bound_credentials().await?;
        Ok(store)
    }

    /// Cuts every credential's lifetime to the settings' bounds (tokens
    /// once made without an expiry, sessions asked for years).
    async fn bound_credentials(&self) -> Result<()> {
        let now = unix_now();
        let settings = &self.auth.settings;
        let mut tx = self.write().await?;
        for (kind, max) in [
            ("session", settings.session_max()),
            ("token", settings.token_max()),
        ] {
            sqlx::query(
                "UPDATE credentials SET expires_at = $1
                 WHERE kind = $2 AND (expires_at IS NULL OR expires_at > $1)",
            )
            .bind(now.saturating_add(max))
            .bind(kind)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The sign-in settings.
    pub fn auth_settings(&self) -> &AuthSettings {
        &self.auth.settings
    }

    async fn migrate(&self) -> Result<()> {
        let migrations = MIGRATIONS
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    (*description).into(),
                    MigrationType::Simple,
                    sqlx::AssertSqlSafe(*sql).into_sql_str(),
                    false,
                )
            })
            .collect();
        Migrator::with_migrations(migrations)
            .run(&self.pool)
            .await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// SQLite's durability settings as a connection sees them:
    /// (journal mode, synchronous level: 2 is FULL); None on PostgreSQL.
    pub async fn sqlite_durability(&self) -> Result<Option<(String, i64)>> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let mut conn = self.pool.acquire().await?;
        let mode: String = sqlx::query("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        let sync: i64 = sqlx::query("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        Ok(Some((mode, sync)))
    }

    /// Which database, without secrets.
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write transaction. On SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`), so that a transaction that reads before it
    /// writes waits for other writers instead of failing.
    async fn write(&self) -> Result<Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Starts a read-only transaction that sees one consistent snapshot
    /// (PostgreSQL: `REPEATABLE READ`; SQLite's read transactions do).
    async fn snapshot(&self) -> Result<Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin().await?,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        })
    }
}

/// The next id from a named counter (inside the caller's transaction).
async fn next_id(tx: &mut Transaction<'static, Any>, counter: &str) -> Result<i64> {
    sqlx::query("UPDATE counters SET value = value + 1 WHERE name = $1")
        .bind(counter)
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query("SELECT value FROM counters WHERE name = $1")
        .bind(counter)
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get("value")?)
}

/// A database error as the caller should see it: a unique-key violation
/// (a name or username already in use) is a conflict saying `taken`.
fn taken_or(e: sqlx::Error, taken: impl FnOnce() -> String) -> NegotiationError {
    if e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
    {
        NegotiationError::Conflict {
            message: taken(),
            current: 0,
        }
    } else {
        e.into()
    }
}

impl From<sqlx::Error> for NegotiationError {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(Box::new(e))
    }
}

impl From<sqlx::migrate::MigrateError> for NegotiationError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::Migrate(Box::new(e))
    }
}
