//! A fresh database for each test, on both backends: SQLite in a
//! temporary directory, and PostgreSQL in a database made from
//! `HECMAP_TEST_DATABASE_URL` (`scripts/start-postgres.sh`). Without that
//! variable the PostgreSQL runs fail in CI (`CI=true`) and are skipped
//! elsewhere. `on_both_backends!` makes a `sqlite` and a `postgres` test
//! of each test body.

use std::sync::atomic::{AtomicUsize, Ordering};

use hecmap_negotiation::{AuthSettings, Store, StoreLocation};

/// A database for one test, removed by `cleanup`.
pub enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static DB_SEQ: AtomicUsize = AtomicUsize::new(0);

fn postgres_url() -> Option<String> {
    match std::env::var("HECMAP_TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "HECMAP_TEST_DATABASE_URL is not set: in CI the PostgreSQL storage tests must run (scripts/start-postgres.sh prints it)"
                );
            }
            eprintln!("skipped: HECMAP_TEST_DATABASE_URL is not set (scripts/start-postgres.sh)");
            None
        }
    }
}

/// The URL with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base.rfind('/').expect("a database URL with a path");
    format!("{}/{name}{query}", &base[..cut])
}

impl TestDb {
    /// A fresh, migrated store; None when PostgreSQL is not configured here.
    pub async fn open(backend: Backend) -> Option<(Store, TestDb)> {
        Self::open_with(backend, AuthSettings::default()).await
    }

    /// A fresh, migrated store with these sign-in settings.
    pub async fn open_with(backend: Backend, settings: AuthSettings) -> Option<(Store, TestDb)> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let store =
                    Store::open_with(&StoreLocation::DataDir(dir.path().to_path_buf()), settings)
                        .await
                        .unwrap();
                Some((store, TestDb::Sqlite(dir)))
            }
            Backend::Postgres => {
                let admin_url = postgres_url()?;
                if !STALE_DROPPED.swap(true, Ordering::SeqCst) {
                    drop_stale_databases(&admin_url).await;
                }
                let name = format!(
                    "hecmap_t_{}_{}",
                    std::process::id(),
                    DB_SEQ.fetch_add(1, Ordering::SeqCst)
                );
                pg_execute(
                    &admin_url,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                )
                .await;
                pg_execute(&admin_url, &format!("CREATE DATABASE {name}")).await;
                let store = Store::open_with(
                    &StoreLocation::Url(with_database(&admin_url, &name)),
                    settings,
                )
                .await
                .unwrap();
                Some((store, TestDb::Postgres { admin_url, name }))
            }
        }
    }

    pub fn location(&self) -> StoreLocation {
        match self {
            TestDb::Sqlite(dir) => StoreLocation::DataDir(dir.path().to_path_buf()),
            TestDb::Postgres { admin_url, name } => {
                StoreLocation::Url(with_database(admin_url, name))
            }
        }
    }

    pub async fn cleanup(self, store: Store) {
        store.close().await;
        if let TestDb::Postgres { admin_url, name } = self {
            pg_execute(
                &admin_url,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

static STALE_DROPPED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Drops the databases that test processes no longer running left behind
/// (a failed test does not reach its cleanup).
async fn drop_stale_databases(admin_url: &str) {
    use sqlx::{Connection, Row};
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(admin_url).await.unwrap();
    let names: Vec<String> =
        sqlx::query("SELECT datname::text FROM pg_database WHERE datname LIKE 'hecmap\\_t\\_%'")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
    conn.close().await.unwrap();
    for name in names {
        let pid = name
            .trim_start_matches("hecmap_t_")
            .split('_')
            .next()
            .unwrap_or("");
        let alive = pid
            .parse::<u32>()
            .is_ok_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            pg_execute(
                admin_url,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

async fn pg_execute(url: &str, sql: &str) {
    use sqlx::{Connection, Executor};
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL for the tests: {e}"));
    conn.execute(sqlx::AssertSqlSafe(sql.to_string()))
        .await
        .unwrap();
    conn.close().await.unwrap();
}

/// Runs an async test body on both backends.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name($crate::negotiation::db::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$name($crate::negotiation::db::Backend::Postgres).await
            }
        }
    )*};
}
pub(crate) use on_both_backends;
