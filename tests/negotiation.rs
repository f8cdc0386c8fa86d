//! The negotiation of HEC geographies on the real Connecticut data: storage
//! (SQLite and PostgreSQL), authentication and authorization, version
//! checks, the full round through the HTTP API, and a `kill -9` of the
//! server during writes.
//!
//! Every storage test runs twice: on SQLite in a temporary directory and on
//! PostgreSQL in a fresh database made from `HECMAP_TEST_DATABASE_URL`
//! (`scripts/start-postgres.sh`). Without that variable the PostgreSQL runs
//! fail in CI (`CI=true`) and are skipped elsewhere.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_core::rules::RulesConfig;
use hecmap_negotiation::{
    Actor, AuthSettings, CredentialKind, NegotiationError, NewRuling, NewUser, NewVersion, Role,
    RulingKind, Store, StoreLocation, VersionStatus, WaiverDecision,
};
use hecmap_server::{AppState, ServerConfig, router};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

static DATA: LazyLock<Arc<Dataset>> = LazyLock::new(|| {
    Arc::new(Dataset::load(&DataConfig::default()).expect("the Connecticut data loads"))
});

fn data() -> &'static Arc<Dataset> {
    &DATA
}

/// Where in-process requests come from (no socket: loopback).
const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

// ---------------------------------------------------------------- databases

/// A database for one test, removed by `cleanup`.
enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

#[derive(Clone, Copy, Debug)]
enum Backend {
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
    async fn open(backend: Backend) -> Option<(Store, TestDb)> {
        Self::open_with(backend, AuthSettings::default()).await
    }

    /// A fresh, migrated store with these sign-in settings.
    async fn open_with(backend: Backend, settings: AuthSettings) -> Option<(Store, TestDb)> {
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

    fn location(&self) -> StoreLocation {
        match self {
            TestDb::Sqlite(dir) => StoreLocation::DataDir(dir.path().to_path_buf()),
            TestDb::Postgres { admin_url, name } => {
                StoreLocation::Url(with_database(admin_url, name))
            }
        }
    }

    async fn cleanup(self, store: Store) {
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
                super::$name(super::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$name(super::Backend::Postgres).await
            }
        }
    )*};
}

on_both_backends!(
    accounts_sessions_and_tokens,
    store_enforces_roles,
    concurrent_edits_conflict_instead_of_overwriting,
    concurrent_rulings_conflict,
    waiver_rulings_and_diffs,
    full_round_through_the_api,
    api_refuses_across_every_role_boundary,
    server_killed_during_writes_loses_nothing_acknowledged,
    command_line_creates_the_first_administrator_and_accounts,
    parallel_guesses_check_few_passwords_and_never_lock_the_real_user_out,
    throttle_is_bounded_and_survives_a_restart,
    password_hashing_is_bounded_in_concurrency,
    api_bounds_every_text_and_body_and_wants_json,
    credential_lifetimes_are_bounded,
    drafts_stay_with_their_organization,
    two_servers_share_sessions_throttle_and_version_checks,
);

// ------------------------------------------------------------------ fixtures

const PASSWORD: &str = "a long test password";

fn cli() -> Actor {
    Actor::command_line()
}

async fn user(store: &Store, username: &str, role: Role, org: Option<i64>) -> Actor {
    store
        .create_user(
            &cli(),
            NewUser {
                username: username.into(),
                display_name: None,
                role,
                organization_id: org,
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    store
        .login(
            username,
            PASSWORD,
            CredentialKind::Session,
            "test",
            None,
            LOCAL,
        )
        .await
        .unwrap()
        .actor
}

/// The towns of each planning region, in the data's order.
fn planning_regions() -> BTreeMap<String, Vec<String>> {
    let d = data();
    let mut regions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for town in d.towns.units.ids() {
        regions
            .entry(d.town_planning_region[town as usize].clone())
            .or_default()
            .push(d.towns.units.name[town as usize].clone());
    }
    regions
}

fn town_population(name: &str) -> f64 {
    let d = data();
    let town = d.lookup.town(name).unwrap();
    let attrs = &d.tracts.attributes;
    attrs
        .aggregate(
            attrs.id("population").unwrap(),
            d.nesting.town_tracts[town as usize].iter().copied(),
        )
        .value
        .unwrap()
}

fn proposal_plan(towns: &[String], waiver: Option<&str>) -> Value {
    let mut hec = json!({ "units": towns });
    if let Some(reason) = waiver {
        hec["waiver"] = json!({ "reason": reason, "waive": ["thresholds"] });
    }
    json!({ "hecs": [hec] })
}

fn new_version(base: i64, status: VersionStatus, towns: &[String]) -> NewVersion {
    NewVersion {
        base_version: base,
        status,
        rationale: "Our hospitals, clinics and community partners serve these towns.".into(),
        plan: proposal_plan(towns, None),
    }
}

fn assert_forbidden<T: std::fmt::Debug>(r: Result<T, NegotiationError>) {
    assert!(
        matches!(r, Err(NegotiationError::Forbidden(_))),
        "expected forbidden, got {r:?}"
    );
}

// ------------------------------------------------------------ storage tests

async fn accounts_sessions_and_tokens(backend: Backend) {
    let Some((store, db)) = TestDb::open(backend).await else {
        return;
    };
    // SQLite: the write-ahead log, synced on every commit.
    match backend {
        Backend::Sqlite => assert_eq!(
            store.sqlite_durability().await.unwrap(),
            Some(("wal".to_string(), 2))
        ),
        Backend::Postgres => assert_eq!(store.sqlite_durability().await.unwrap(), None),
    }
    let admin = user(&store, "admin", Role::Admin, None).await;
    assert_eq!(store.admin_count().await.unwrap(), 1);
    let org = store
        .create_organization(&admin, "Capitol HEC")
        .await
        .unwrap();
    // Names and usernames are unique.
    assert!(matches!(
        store.create_organization(&admin, "Capitol HEC").await,
        Err(NegotiationError::Conflict { .. })
    ));
    user(&store, "editor", Role::Editor, Some(org.id)).await;
    assert!(matches!(
        store
            .create_user(
                &admin,
                NewUser {
                    username: "Editor".into(),
                    display_name: None,
                    role: Role::Staff,
                    organization_id: None,
                    password: PASSWORD.into()
                }
            )
            .await,
        Err(NegotiationError::Conflict { .. })
    ));
    // An editor needs an organization; no one else has one.
    for (role, org_id) in [(Role::Editor, None), (Role::Staff, Some(org.id))] {
        let r = store
            .create_user(
                &admin,
                NewUser {
                    username: "x".repeat(5),
                    display_name: None,
                    role,
                    organization_id: org_id,
                    password: PASSWORD.into(),
                },
            )
            .await;
        assert!(matches!(r, Err(NegotiationError::Invalid(_))), "{r:?}");
    }
    // Short passwords are refused.
    let r = store
        .create_user(
            &admin,
            NewUser {
                username: "shorty".into(),
                display_name: None,
                role: Role::Analyst,
                organization_id: None,
                password: "short".into(),
            },
        )
        .await;
    assert!(matches!(r, Err(NegotiationError::Invalid(_))), "{r:?}");

    // Passwords are stored as Argon2id PHC strings, never in clear.
    let users = store.users(&admin).await.unwrap();
    assert_eq!(users.len(), 2);

    // Wrong password or unknown user: the same refusal.
    for (u, p) in [("editor", "wrong password!!"), ("nobody", PASSWORD)] {
        let r = store
            .login(u, p, CredentialKind::Session, "t", None, LOCAL)
            .await;
        assert!(
            matches!(r, Err(NegotiationError::Unauthenticated(_))),
            "{r:?}"
        );
    }
    let session = store
        .login(
            "EDITOR",
            PASSWORD,
            CredentialKind::Session,
            "browser",
            None,
            LOCAL,
        )
        .await
        .unwrap();
    assert_eq!(session.actor.role, Role::Editor);
    assert_eq!(session.actor.organization_id, Some(org.id));
    assert!(session.credential.expires_at.is_some());
    let who = store.authenticate(&session.credential.token).await.unwrap();
    assert_eq!(who.username, "editor");
    // A token, then its revocation.
    let token = store
        .create_token(&who, who.user_id.unwrap(), "script", None)
        .await
        .unwrap();
    // A token asked for without an expiry gets the maximum (90 days).
    let expires = token.expires_at.expect("every token expires");
    let max = hecmap_negotiation::auth::unix_seconds() + 90 * 86_400;
    assert!(token.token.starts_with("hect_") && (max - 5..=max).contains(&expires));
    assert_eq!(store.authenticate(&token.token).await.unwrap(), who);
    store.logout(&token.token).await.unwrap();
    assert!(matches!(
        store.authenticate(&token.token).await,
        Err(NegotiationError::Unauthenticated(_))
    ));
    assert!(store.authenticate("hect_made_up").await.is_err());
    // An expired session is refused.
    let short = store
        .login(
            "editor",
            PASSWORD,
            CredentialKind::Session,
            "b",
            Some(1),
            LOCAL,
        )
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert!(store.authenticate(&short.credential.token).await.is_err());
    // A disabled account cannot sign in and its sessions end.
    store
        .set_active(&admin, who.user_id.unwrap(), false)
        .await
        .unwrap();
    assert!(store.authenticate(&session.credential.token).await.is_err());
    assert!(
        store
            .login(
                "editor",
                PASSWORD,
                CredentialKind::Session,
                "b",
                None,
                LOCAL
            )
            .await
            .is_err()
    );
    store
        .set_active(&admin, who.user_id.unwrap(), true)
        .await
        .unwrap();
    // Changing one's password needs the current one and ends the sessions.
    let s2 = store
        .login(
            "editor",
            PASSWORD,
            CredentialKind::Session,
            "b",
            None,
            LOCAL,
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .change_password(&who, "not the password", "another long password", LOCAL)
            .await,
        Err(NegotiationError::Unauthenticated(_))
    ));
    store
        .change_password(&who, PASSWORD, "another long password", LOCAL)
        .await
        .unwrap();
    assert!(store.authenticate(&s2.credential.token).await.is_err());
    store
        .login(
            "editor",
            "another long password",
            CredentialKind::Token,
            "b",
            None,
            LOCAL,
        )
        .await
        .unwrap();
    // Everything is in the audit log.
    let actions: Vec<String> = store
        .audit(&admin, 100, None)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    for action in [
        "organization.create",
        "user.create",
        "token.create",
        "user.disable",
        "user.enable",
        "user.password",
        "auth.login",
        "auth.login_failed",
        "auth.password_failed",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} not in {actions:?}"
        );
    }
    db.cleanup(store).await;
}

async fn store_enforces_roles(backend: Backend) {
    let Some((store, db)) = TestDb::open(backend).await else {
        return;
    };
    let d = data();
    let admin = user(&store, "admin", Role::Admin, None).await;
    let a = store.create_organization(&admin, "A").await.unwrap();
    let b = store.create_organization(&admin, "B").await.unwrap();
    let editor_a = user(&store, "ed-a", Role::Editor, Some(a.id)).await;
    let editor_b = user(&store, "ed-b", Role::Editor, Some(b.id)).await;
    let staff = user(&store, "staff", Role::Staff, None).await;
    let analyst = user(&store, "analyst", Role::Analyst, None).await;
    let towns = vec!["Hartford".to_string()];

    // Only an organization's editors edit its proposal.
    for actor in [&editor_b, &staff, &analyst, &admin, &cli()] {
        assert_forbidden(
            store
                .save_version(actor, d, a.id, new_version(0, VersionStatus::Draft, &towns))
                .await,
        );
    }
    let v1 = store
        .save_version(
            &editor_a,
            d,
            a.id,
            new_version(0, VersionStatus::Draft, &towns),
        )
        .await
        .unwrap();
    assert_eq!(v1.version, 1);
    assert_forbidden(store.submit(&editor_b, a.id, 1).await);
    assert_forbidden(store.submit(&staff, a.id, 1).await);
    // Drafts are the organization's own.
    for actor in [&editor_b, &staff, &analyst, &admin] {
        assert!(matches!(
            store.version(actor, a.id, 1).await,
            Err(NegotiationError::NotFound(_))
        ));
        assert!(
            store
                .proposal(actor, a.id)
                .await
                .unwrap()
                .versions
                .is_empty()
        );
    }
    assert_eq!(
        store
            .proposal(&editor_a, a.id)
            .await
            .unwrap()
            .versions
            .len(),
        1
    );
    store.submit(&editor_a, a.id, 1).await.unwrap();
    assert_eq!(
        store.version(&analyst, a.id, 1).await.unwrap().status,
        VersionStatus::Submitted
    );
    // An editor cannot approve its own waiver.
    let mut sneaky = new_version(1, VersionStatus::Submitted, &towns);
    sneaky.plan =
        json!({"hecs": [{"units": towns, "waiver": {"reason": "rural", "status": "approved"}}]});
    assert_forbidden(store.save_version(&editor_a, d, a.id, sneaky).await);
    // Only staff rule.
    let ruling = |base| NewRuling {
        base_state_version: base,
        kind: RulingKind::Assign,
        organization_id: a.id,
        units: vec!["Hartford".into()],
        decision: None,
        reason: "Hartford belongs to A".into(),
    };
    for actor in [&editor_a, &editor_b, &analyst, &admin, &cli()] {
        assert_forbidden(store.rule(actor, d, ruling(0)).await);
    }
    store.rule(&staff, d, ruling(0)).await.unwrap();
    // Only administrators manage organizations and accounts.
    for actor in [&editor_a, &staff, &analyst] {
        assert_forbidden(store.create_organization(actor, "C").await);
        assert_forbidden(store.users(actor).await);
        assert_forbidden(
            store
                .create_user(
                    actor,
                    NewUser {
                        username: "zed".into(),
                        display_name: None,
                        role: Role::Admin,
                        organization_id: None,
                        password: PASSWORD.into(),
                    },
                )
                .await,
        );
        assert_forbidden(
            store
                .set_active(actor, editor_b.user_id.unwrap(), false)
                .await,
        );
        assert_forbidden(
            store
                .set_password(actor, editor_b.user_id.unwrap(), "a new long password")
                .await,
        );
    }
    // Comments: staff anywhere, editors on their own; analysts never.
    let on_a = hecmap_negotiation::CommentTarget::Version {
        organization_id: a.id,
        version: 1,
    };
    let dispute =
        hecmap_negotiation::CommentTarget::dispute(&format!("{}+{}", a.id, b.id)).unwrap();
    store
        .comment(&staff, data(), &on_a, "Please explain the eastern edge.")
        .await
        .unwrap();
    store
        .comment(&editor_a, data(), &on_a, "It follows the river.")
        .await
        .unwrap();
    assert_forbidden(store.comment(&editor_b, data(), &on_a, "no").await);
    assert_forbidden(store.comment(&analyst, data(), &on_a, "no").await);
    assert_forbidden(store.comment(&admin, data(), &on_a, "no").await);
    // No dispute between A and B until both claim a unit.
    let none = store
        .comment(&editor_b, data(), &dispute, "We claim it too.")
        .await;
    assert!(
        matches!(none, Err(NegotiationError::NotFound(_))),
        "{none:?}"
    );
    assert!(matches!(
        store
            .comment(&staff, data(), &dispute, "Is there a dispute?")
            .await,
        Err(NegotiationError::NotFound(_))
    ));
    store
        .save_version(
            &editor_b,
            d,
            b.id,
            new_version(0, VersionStatus::Submitted, &towns),
        )
        .await
        .unwrap();
    store
        .comment(&editor_b, data(), &dispute, "We claim it too.")
        .await
        .unwrap();
    assert_forbidden(store.comments(&editor_b, &on_a).await);
    assert_eq!(store.comments(&analyst, &on_a).await.unwrap().len(), 2);
    // The audit log is not for editors.
    assert_forbidden(store.audit(&editor_a, 10, None).await);
    assert!(!store.audit(&analyst, 10, None).await.unwrap().is_empty());
    // Editors see the rulings that concern them.
    assert_eq!(store.rulings(&editor_a).await.unwrap().len(), 1);
    assert_eq!(store.rulings(&editor_b).await.unwrap().len(), 0);
    assert_eq!(store.rulings(&analyst).await.unwrap().len(), 1);
    db.cleanup(store).await;
}

async fn concurrent_edits_conflict_instead_of_overwriting(backend: Backend) {
    let Some((store, db)) = TestDb::open(backend).await else {
        return;
    };
    let admin = user(&store, "admin", Role::Admin, None).await;
    let org = store
        .create_organization(&admin, "Capitol HEC")
        .await
        .unwrap();
    let ed1 = user(&store, "ed1", Role::Editor, Some(org.id)).await;
    let ed2 = user(&store, "ed2", Role::Editor, Some(org.id)).await;
    // Eight editors save at once, all based on version 0: one wins.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (store, actor) = (
            store.clone(),
            if i % 2 == 0 { ed1.clone() } else { ed2.clone() },
        );
        let towns = vec![["Hartford", "Bloomfield", "Windsor", "Avon"][i % 4].to_string()];
        tasks.push(tokio::spawn(async move {
            store
                .save_version(
                    &actor,
                    data(),
                    org.id,
                    new_version(0, VersionStatus::Draft, &towns),
                )
                .await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(v) => {
                assert_eq!(v.version, 1);
                won += 1;
            }
            Err(NegotiationError::Conflict { current, message }) => {
                assert_eq!(current, 1, "{message}");
                assert!(message.contains("version 1"), "{message}");
            }
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(won, 1);
    let proposal = store.proposal(&ed1, org.id).await.unwrap();
    assert_eq!(proposal.head, 1);
    assert_eq!(proposal.versions.len(), 1);
    // A stale base is refused even long after; the right one works.
    let stale = store
        .save_version(
            &ed2,
            data(),
            org.id,
            new_version(0, VersionStatus::Draft, &["Enfield".into()]),
        )
        .await;
    assert!(
        matches!(stale, Err(NegotiationError::Conflict { current: 1, .. })),
        "{stale:?}"
    );
    let v2 = store
        .save_version(
            &ed2,
            data(),
            org.id,
            new_version(1, VersionStatus::Draft, &["Enfield".into()]),
        )
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    // Submitting a version that is no longer the latest is a conflict too.
    assert!(matches!(
        store.submit(&ed1, org.id, 1).await,
        Err(NegotiationError::Conflict { .. })
    ));
    store.submit(&ed1, org.id, 2).await.unwrap();
    assert!(matches!(
        store.submit(&ed2, org.id, 2).await,
        Err(NegotiationError::Conflict { .. })
    ));
    assert!(matches!(
        store.submit(&ed2, org.id, 9).await,
        Err(NegotiationError::NotFound(_))
    ));
    db.cleanup(store).await;
}

async fn concurrent_rulings_conflict(backend: Backend) {
    let Some((store, db)) = TestDb::open(backend).await else {
        return;
    };
    let admin = user(&store, "admin", Role::Admin, None).await;
    let a = store.create_organization(&admin, "A").await.unwrap();
    let staff1 = user(&store, "staff1", Role::Staff, None).await;
    let staff2 = user(&store, "staff2", Role::Staff, None).await;
    let mut tasks = Vec::new();
    for (i, town) in [
        "Hartford",
        "Bloomfield",
        "Windsor",
        "Avon",
        "Canton",
        "Granby",
    ]
    .into_iter()
    .enumerate()
    {
        let store = store.clone();
        let actor = if i % 2 == 0 {
            staff1.clone()
        } else {
            staff2.clone()
        };
        tasks.push(tokio::spawn(async move {
            store
                .rule(
                    &actor,
                    data(),
                    NewRuling {
                        base_state_version: 0,
                        kind: RulingKind::Assign,
                        organization_id: a.id,
                        units: vec![town.into()],
                        decision: None,
                        reason: format!("{town} to A"),
                    },
                )
                .await
        }));
    }
    let results: Vec<_> = futures_join(tasks).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    assert!(results.iter().all(|r| matches!(
        r,
        Ok(_) | Err(NegotiationError::Conflict { current: 1, .. })
    )));
    assert_eq!(store.state_versions(&staff1).await.unwrap().len(), 1);
    assert_eq!(store.rulings(&staff1).await.unwrap().len(), 1);
    db.cleanup(store).await;
}

async fn futures_join<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

async fn waiver_rulings_and_diffs(backend: Backend) {
    let Some((store, db)) = TestDb::open(backend).await else {
        return;
    };
    let d = data();
    let rules = RulesConfig::default();
    let regions = planning_regions();
    let ne_towns = regions["Northeastern Connecticut Planning Region"].clone();
    let admin = user(&store, "admin", Role::Admin, None).await;
    let ne = store
        .create_organization(&admin, "Northeastern HEC")
        .await
        .unwrap();
    let editor = user(&store, "ne-editor", Role::Editor, Some(ne.id)).await;
    let staff = user(&store, "staff", Role::Staff, None).await;
    // A waiver cannot be ruled on before it is requested.
    let refuse = |base| NewRuling {
        base_state_version: base,
        kind: RulingKind::Waiver,
        organization_id: ne.id,
        units: vec![],
        decision: Some(WaiverDecision::Refused),
        reason: "The region can join a neighbour.".into(),
    };
    let early = store.rule(&staff, d, refuse(0)).await;
    assert!(
        matches!(early, Err(NegotiationError::Invalid(_))),
        "{early:?}"
    );
    let mut v = new_version(0, VersionStatus::Submitted, &ne_towns[1..]);
    v.plan = proposal_plan(
        &ne_towns[1..],
        Some("Sixteen rural towns, 58 people per km2, one hospital."),
    );
    store.save_version(&editor, d, ne.id, v).await.unwrap();
    let view = store.state_view(&staff, d, &rules).await.unwrap();
    let hec = &view.report.hecs[0];
    assert_eq!(
        hec.waiver.as_ref().unwrap().status,
        hecmap_core::plan::WaiverStatus::Requested
    );
    // Refused: the thresholds apply in full.
    store.rule(&staff, d, refuse(0)).await.unwrap();
    let view = store.state_view(&staff, d, &rules).await.unwrap();
    assert_eq!(view.state_version, 1);
    let floor = view
        .report
        .findings
        .iter()
        .find(|f| f.rule == "threshold.population")
        .expect("a population finding");
    assert_eq!(format!("{:?}", floor.severity), "Error");
    // Approved on a second look.
    let approve = NewRuling {
        decision: Some(WaiverDecision::Approved),
        reason: "Rural, and no neighbour wants it.".into(),
        ..refuse(1)
    };
    store.rule(&staff, d, approve).await.unwrap();
    let view = store.state_view(&staff, d, &rules).await.unwrap();
    let floor = view
        .report
        .findings
        .iter()
        .find(|f| f.rule == "threshold.population")
        .unwrap();
    assert_eq!(format!("{:?}", floor.severity), "Waived");
    assert_eq!(
        view.report.hecs[0].waiver.as_ref().unwrap().status,
        hecmap_core::plan::WaiverStatus::Approved
    );
    // The editor sees both rulings on its organization.
    assert_eq!(store.rulings(&editor).await.unwrap().len(), 2);

    // A revision adds the first town: the diff says so, with totals.
    let mut v2 = new_version(1, VersionStatus::Submitted, &ne_towns);
    v2.plan = proposal_plan(&ne_towns, Some("Sixteen rural towns, one hospital."));
    store.save_version(&editor, d, ne.id, v2).await.unwrap();
    let diff = store.proposal_diff(&staff, d, ne.id, 1, 2).await.unwrap();
    assert_eq!(diff.hecs.len(), 1);
    let h = &diff.hecs[0];
    assert_eq!(h.added.towns, vec![ne_towns[0].clone()]);
    assert!(h.removed.tracts.is_empty());
    assert!((h.added.people - town_population(&ne_towns[0])).abs() < 0.5);
    assert!((h.after.population - h.before.population - h.added.people).abs() < 0.5);
    assert_eq!(h.after.tracts, h.before.tracts + h.added.tracts.len());
    assert!(diff.rationale_before.is_some() && diff.rationale_after.is_some());
    // Two state versions, one per ruling; the second only changed the waiver.
    let versions = store.state_versions(&staff).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1]
    );
    let sdiff = store.state_diff(&staff, d, 1, 2).await.unwrap();
    assert_eq!(sdiff.hecs.len(), 1);
    assert!(sdiff.hecs[0].added.tracts.is_empty());
    assert_eq!(
        sdiff.hecs[0].waiver_after.as_ref().unwrap().status,
        hecmap_core::plan::WaiverStatus::Approved
    );
    let from_nothing = store.state_diff(&staff, d, 0, 1).await.unwrap();
    assert_eq!(from_nothing.hecs[0].before.tracts, 0);
    db.cleanup(store).await;
}

// ---------------------------------------------------------------- HTTP API

struct Api {
    app: Router,
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    json: Value,
}

impl Api {
    fn new(store: Store) -> Self {
        let state = AppState::with_store(
            DATA.clone(),
            RulesConfig::default(),
            ServerConfig::default(),
            Some(store),
        );
        Self { app: router(state) }
    }

    async fn send(
        &self,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let body = body.map(|v| (v.to_string().into_bytes(), "application/json"));
        self.send_raw(method, uri, auth, body, None).await
    }

    /// A JSON request from a client address (as the socket would give it).
    async fn send_from(
        &self,
        client: &str,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        body: Value,
    ) -> Reply {
        let body = Some((body.to_string().into_bytes(), "application/json"));
        self.send_raw(method, uri, auth, body, Some(client.parse().unwrap()))
            .await
    }

    /// Any body with any content type, from any address.
    async fn send_raw(
        &self,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        body: Option<(Vec<u8>, &str)>,
        client: Option<IpAddr>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(ip) = client {
            req = req.extension(axum::extract::ConnectInfo(std::net::SocketAddr::new(
                ip, 40_000,
            )));
        }
        if let Some(token) = auth {
            req = if token.starts_with("hecs_") {
                req.header(
                    header::COOKIE,
                    format!("theme=dark; hecmap_session={token}"),
                )
            } else {
                req.header(header::AUTHORIZATION, format!("Bearer {token}"))
            };
        }
        let body = match body {
            Some((bytes, content_type)) => {
                req = req.header(header::CONTENT_TYPE, content_type);
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let res = self
            .app
            .clone()
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{method} {uri}: not JSON ({e}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        Reply {
            status,
            headers,
            json,
        }
    }

    async fn get(&self, uri: &str, auth: &str) -> Value {
        let r = self.send("GET", uri, Some(auth), None).await;
        assert_eq!(r.status, StatusCode::OK, "GET {uri}: {}", r.json);
        r.json
    }

    async fn post(&self, uri: &str, auth: &str, body: Value) -> Value {
        let r = self.send("POST", uri, Some(auth), Some(body)).await;
        assert!(r.status.is_success(), "POST {uri}: {} {}", r.status, r.json);
        r.json
    }

    /// Expects a refusal with this status and error code.
    async fn refused(
        &self,
        method: &str,
        uri: &str,
        auth: Option<&str>,
        body: Option<Value>,
        status: StatusCode,
        code: &str,
    ) {
        let r = self.send(method, uri, auth, body).await;
        assert_eq!(r.status, status, "{method} {uri} as {auth:?}: {}", r.json);
        assert_eq!(r.json["error"]["code"], code, "{method} {uri}: {}", r.json);
    }

    /// A request the caller's role may not make: 403 `forbidden`.
    async fn forbidden(&self, method: &str, uri: &str, auth: Option<&str>, body: Option<Value>) {
        self.refused(method, uri, auth, body, StatusCode::FORBIDDEN, "forbidden")
            .await;
    }

    /// Signs in for a bearer token.
    async fn token(&self, username: &str, password: &str) -> String {
        let r = self
            .send("POST", "/api/auth/login", None, Some(json!({"username": username, "password": password, "kind": "token", "label": "test"})))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        r.json["token"].as_str().unwrap().to_string()
    }
}

/// The first administrator, made as `hecmap admin create-admin` does.
async fn first_admin(store: &Store) {
    store
        .create_user(
            &cli(),
            NewUser {
                username: "admin".into(),
                display_name: Some("State administrator".into()),
                role: Role::Admin,
                organization_id: None,
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
}

/// Creates an organization and its editor through the API.
async fn org_with_editor(api: &Api, admin: &str, name: &str, editor: &str) -> (i64, String) {
    let org = api
        .post("/api/organizations", admin, json!({"name": name}))
        .await;
    let id = org["id"].as_i64().unwrap();
    api.post(
        "/api/users",
        admin,
        json!({"username": editor, "role": "editor", "organization_id": id, "password": PASSWORD}),
    )
    .await;
    (id, api.token(editor, PASSWORD).await)
}

fn slug(region: &str) -> String {
    region
        .trim_end_matches(" Planning Region")
        .to_ascii_lowercase()
        .replace(' ', "-")
}

async fn full_round_through_the_api(backend: Backend) {
    let Some((store, db)) = TestDb::open(backend).await else {
        return;
    };
    first_admin(&store).await;
    let api = Api::new(store.clone());
    let admin = api.token("admin", PASSWORD).await;
    api.post(
        "/api/users",
        &admin,
        json!({"username": "staff", "role": "staff", "password": PASSWORD}),
    )
    .await;
    api.post(
        "/api/users",
        &admin,
        json!({"username": "analyst", "role": "analyst", "password": PASSWORD}),
    )
    .await;
    let staff = api.token("staff", PASSWORD).await;
    let analyst = api.token("analyst", PASSWORD).await;

    // Nine prospective HECs: the nine planning regions, town by town.
    let regions = planning_regions();
    assert_eq!(regions.len(), 9);
    let mut orgs: BTreeMap<String, (i64, String)> = BTreeMap::new();
    for region in regions.keys() {
        let name = format!("{} HEC", region.trim_end_matches(" Planning Region"));
        orgs.insert(
            region.clone(),
            org_with_editor(&api, &admin, &name, &slug(region)).await,
        );
    }
    let capitol = "Capitol Planning Region";
    let naugatuck = "Naugatuck Valley Planning Region";
    let southeastern = "Southeastern Connecticut Planning Region";
    let rural = [
        "Northwest Hills Planning Region",
        "Northeastern Connecticut Planning Region",
    ];
    let (overlap, gap) = ("Plainville", "Sprague");
    assert!(regions[capitol].iter().any(|t| t == overlap));
    assert!(regions[southeastern].iter().any(|t| t == gap));

    // Round 1: every HEC proposes. Naugatuck Valley also claims Plainville
    // (Capitol's); Southeastern leaves Sprague out; the two small rural
    // regions ask to waive the thresholds.
    for (region, towns) in &regions {
        let (id, token) = &orgs[region];
        let mut towns = towns.clone();
        if region == naugatuck {
            towns.push(overlap.to_string());
        }
        if region == southeastern {
            towns.retain(|t| t != gap);
        }
        let waiver = rural
            .contains(&region.as_str())
            .then_some("A rural region: fewer than 120 people per km2, one hospital, and the towns already work together.");
        let body = json!({
            "base_version": 0,
            "status": if region == capitol { "draft" } else { "submitted" },
            "rationale": format!("The {region}'s towns already plan together and share health services."),
            "plan": proposal_plan(&towns, waiver),
        });
        let v = api
            .post(
                &format!("/api/organizations/{id}/proposal/versions"),
                token,
                body,
            )
            .await;
        assert_eq!(v["version"], 1);
        assert_eq!(
            v["plan"]["hecs"][0]["name"],
            format!("{} HEC", region.trim_end_matches(" Planning Region"))
        );
    }
    // Capitol's draft is not in the statewide picture until submitted.
    let view = api.get("/api/state", &staff).await;
    assert_eq!(view["missing"].as_array().unwrap().len(), 1);
    assert_eq!(view["proposals"].as_array().unwrap().len(), 8);
    let (cap_id, cap_token) = &orgs[capitol];
    api.post(
        &format!("/api/organizations/{cap_id}/proposal/versions/1/submit"),
        cap_token,
        json!({}),
    )
    .await;

    // The statewide picture: one dispute, one gap, not valid.
    let view = api.get("/api/state", &staff).await;
    assert_eq!(view["state_version"], 0);
    assert!(view["missing"].as_array().unwrap().is_empty());
    assert_eq!(view["report"]["passes"], false);
    let disputes = view["disputes"].as_array().unwrap();
    assert_eq!(disputes.len(), 1, "{disputes:?}");
    let (nv_id, nv_token) = &orgs[naugatuck];
    let dispute = &disputes[0];
    let mut claimants = [*cap_id, *nv_id];
    claimants.sort();
    assert_eq!(dispute["key"], format!("{}+{}", claimants[0], claimants[1]));
    assert_eq!(dispute["towns"], json!([overlap]));
    assert!((dispute["people"].as_f64().unwrap() - town_population(overlap)).abs() < 0.5);
    assert_eq!(dispute["resolved"], false);
    let gaps = view["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0]["towns"], json!([gap]));
    assert!((gaps[0]["people"].as_f64().unwrap() - town_population(gap)).abs() < 0.5);
    let rules: Vec<&str> = view["report"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"coverage.overlap") && rules.contains(&"coverage.gap"),
        "{rules:?}"
    );
    // Each proposal can be checked on its own.
    let report = api
        .get(
            &format!("/api/organizations/{nv_id}/proposal/versions/1/report"),
            &analyst,
        )
        .await;
    assert_eq!(report["plan"]["scope"], "partial");

    // The claimants and staff discuss the dispute.
    let key = dispute["key"].as_str().unwrap().to_string();
    api.post(
        &format!("/api/disputes/{key}/comments"),
        nv_token,
        json!({"body": "Plainville's patients use Bristol Hospital."}),
    )
    .await;
    api.post(
        &format!("/api/disputes/{key}/comments"),
        cap_token,
        json!({"body": "Plainville is in our planning region and council of governments."}),
    )
    .await;
    api.post(
        &format!("/api/disputes/{key}/comments"),
        &staff,
        json!({"body": "We will follow the planning regions."}),
    )
    .await;
    let comments = api
        .get(&format!("/api/disputes/{key}/comments"), &analyst)
        .await;
    assert_eq!(comments.as_array().unwrap().len(), 3);
    let (_, west_token) = &orgs["Western Connecticut Planning Region"];
    api.refused(
        "POST",
        &format!("/api/disputes/{key}/comments"),
        Some(west_token),
        Some(json!({"body": "me too"})),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // Staff rule: Plainville to Capitol, Sprague to Southeastern, both waivers approved.
    let (se_id, se_token) = &orgs[southeastern];
    let rulings = [
        json!({"kind": "assign", "organization_id": cap_id, "units": [overlap], "reason": "Plainville is in the Capitol Planning Region; Bristol Hospital remains a partner."}),
        json!({"kind": "assign", "organization_id": se_id, "units": [gap], "reason": "Sprague was left out by mistake; it belongs with Norwich."}),
        json!({"kind": "waiver", "organization_id": orgs[rural[0]].0, "decision": "approved", "reason": "Rural and below the floor with no willing neighbour."}),
        json!({"kind": "waiver", "organization_id": orgs[rural[1]].0, "decision": "approved", "reason": "Rural; the Quiet Corner's towns act as one."}),
    ];
    for (i, mut ruling) in rulings.into_iter().enumerate() {
        ruling["base_state_version"] = json!(i);
        let r = api.post("/api/rulings", &staff, ruling).await;
        assert_eq!(r["state_version"], i as i64 + 1);
    }
    // A ruling based on a stale state version is refused.
    api.refused("POST", "/api/rulings", Some(&staff), Some(json!({"base_state_version": 2, "kind": "assign", "organization_id": nv_id, "units": [overlap], "reason": "late"})), StatusCode::CONFLICT, "conflict").await;
    // The conflict says which version is the latest now.
    let late = api
        .send("POST", "/api/rulings", Some(&staff), Some(json!({"base_state_version": 2, "kind": "assign", "organization_id": nv_id, "units": [overlap], "reason": "late"})))
        .await;
    assert!(
        late.json["error"]["current"]
            .as_i64()
            .is_some_and(|v| v > 2),
        "{}",
        late.json
    );

    // With the rulings, the state plan is valid already.
    let view = api.get("/api/state", &staff).await;
    assert_eq!(view["state_version"], 4);
    assert_eq!(
        view["report"]["passes"], true,
        "{}",
        view["report"]["findings"]
    );
    assert_eq!(view["disputes"][0]["resolved"], true);
    assert!(view["gaps"].as_array().unwrap().is_empty());
    // The HECs see the rulings that concern them.
    let seen = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(seen(&api.get("/api/rulings", nv_token).await), vec![1]);
    assert_eq!(seen(&api.get("/api/rulings", cap_token).await), vec![1]);
    assert_eq!(seen(&api.get("/api/rulings", se_token).await), vec![2]);
    assert!(seen(&api.get("/api/rulings", west_token).await).is_empty());
    assert_eq!(
        seen(&api.get("/api/rulings", &analyst).await),
        vec![1, 2, 3, 4]
    );
    assert_eq!(
        api.get("/api/state", nv_token).await["rulings"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Round 2: the HECs revise to match.
    let nv_towns = regions[naugatuck].clone();
    api.post(
        &format!("/api/organizations/{nv_id}/proposal/versions"),
        nv_token,
        json!({
            "base_version": 1, "status": "submitted",
            "rationale": "Following the ruling, Plainville stays with Capitol.",
            "plan": proposal_plan(&nv_towns, None),
        }),
    )
    .await;
    api.post(
        &format!("/api/organizations/{se_id}/proposal/versions"),
        se_token,
        json!({
            "base_version": 1, "status": "submitted",
            "rationale": "Sprague added, as ruled.",
            "plan": proposal_plan(&regions[southeastern], None),
        }),
    )
    .await;
    let diff = api
        .get(
            &format!("/api/organizations/{nv_id}/proposal/diff?from=1&to=2"),
            &staff,
        )
        .await;
    assert_eq!(diff["hecs"][0]["removed"]["towns"], json!([overlap]));
    assert!(
        (diff["hecs"][0]["before"]["population"].as_f64().unwrap()
            - diff["hecs"][0]["after"]["population"].as_f64().unwrap()
            - town_population(overlap))
        .abs()
            < 0.5
    );

    // The state plan ends valid: no dispute, no gap, nine HECs.
    let started = std::time::Instant::now();
    let view = api.get("/api/state", &analyst).await;
    eprintln!(
        "{backend:?}: GET /api/state (9 proposals, 4 rulings) took {:?}",
        started.elapsed()
    );
    assert_eq!(
        view["report"]["passes"], true,
        "{}",
        view["report"]["findings"]
    );
    assert!(view["disputes"].as_array().unwrap().is_empty());
    assert!(view["gaps"].as_array().unwrap().is_empty());
    assert_eq!(view["report"]["hecs"].as_array().unwrap().len(), 9);
    for hec in view["report"]["hecs"].as_array().unwrap() {
        if rural.iter().any(|r| {
            hec["name"]
                .as_str()
                .unwrap()
                .starts_with(r.trim_end_matches(" Planning Region"))
        }) {
            assert_eq!(hec["waiver"]["status"], "approved");
        }
    }
    let total: f64 = view["report"]["hecs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["population"].as_f64().unwrap())
        .sum();
    let state: f64 = regions.values().flatten().map(|t| town_population(t)).sum();
    assert!((total - state).abs() < 1.0, "{total} vs {state}");
    // The state plan's versions and their differences.
    let versions = api.get("/api/state/versions", &analyst).await;
    assert_eq!(versions.as_array().unwrap().len(), 4);
    let v1 = api.get("/api/state/versions/1", &analyst).await;
    assert_eq!(v1["plan"]["hecs"].as_array().unwrap().len(), 9);
    let sdiff = api.get("/api/state/diff?from=1&to=2", &analyst).await;
    assert_eq!(sdiff["hecs"].as_array().unwrap().len(), 1);
    assert_eq!(sdiff["hecs"][0]["added"]["towns"], json!([gap]));

    // The audit log tells who did what, when and why.
    let log = api.get("/api/audit?limit=1000", &analyst).await;
    let entries = log.as_array().unwrap();
    let rulings: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("ruling."))
        .collect();
    assert_eq!(rulings.len(), 4);
    assert!(rulings.iter().all(|e| e["actor"] == "staff"
        && !e["reason"].as_str().unwrap().is_empty()
        && !e["at"].as_str().unwrap().is_empty()));
    assert_eq!(
        entries
            .iter()
            .filter(|e| e["action"] == "proposal.submit")
            .count(),
        11
    );
    assert_eq!(
        entries
            .iter()
            .filter(|e| e["action"] == "organization.create")
            .count(),
        9
    );
    db.cleanup(store).await;
}

async fn api_refuses_across_every_role_boundary(backend: Backend) {
    let Some((store, db)) = TestDb::open(backend).await else {
        return;
    };
    first_admin(&store).await;
    let api = Api::new(store.clone());
    let admin = api.token("admin", PASSWORD).await;
    api.post(
        "/api/users",
        &admin,
        json!({"username": "staff", "role": "staff", "password": PASSWORD}),
    )
    .await;
    api.post(
        "/api/users",
        &admin,
        json!({"username": "analyst", "role": "analyst", "password": PASSWORD}),
    )
    .await;
    let staff = api.token("staff", PASSWORD).await;
    let analyst = api.token("analyst", PASSWORD).await;
    let (a, ed_a) = org_with_editor(&api, &admin, "A HEC", "ed-a").await;
    let (b, ed_b) = org_with_editor(&api, &admin, "B HEC", "ed-b").await;
    let version = |base: i64, status: &str| json!({"base_version": base, "status": status, "rationale": "why", "plan": proposal_plan(&["Hartford".into()], None)});
    api.post(
        &format!("/api/organizations/{a}/proposal/versions"),
        &ed_a,
        version(0, "draft"),
    )
    .await;
    use StatusCode as S;

    // No credentials, or bad ones: 401 everywhere.
    for (method, uri) in [
        ("GET", "/api/state"),
        ("GET", "/api/auth/me"),
        ("GET", "/api/organizations"),
        ("GET", "/api/rulings"),
        ("GET", "/api/audit"),
        ("POST", "/api/rulings"),
        ("POST", "/api/organizations"),
    ] {
        api.refused(
            method,
            uri,
            None,
            Some(json!({})),
            S::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
        api.refused(
            method,
            uri,
            Some("hect_0000"),
            Some(json!({})),
            S::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
        api.refused(
            method,
            uri,
            Some("hecs_0000"),
            Some(json!({})),
            S::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
    }
    api.refused(
        "POST",
        "/api/auth/login",
        None,
        Some(json!({"username": "ed-a", "password": "not it at all"})),
        S::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    api.refused(
        "POST",
        "/api/auth/login",
        None,
        Some(json!({"username": "ed-a"})),
        S::BAD_REQUEST,
        "bad_body",
    )
    .await;
    // Guessing passwords: five failures in a row lock the account out for
    // this address (429 with Retry-After), even with the right password;
    // other accounts are unaffected.
    let guess = json!({"username": "ed-b", "password": "guess guess guess"});
    for _ in 0..5 {
        api.refused(
            "POST",
            "/api/auth/login",
            None,
            Some(guess.clone()),
            S::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
    }
    api.refused(
        "POST",
        "/api/auth/login",
        None,
        Some(guess),
        S::TOO_MANY_REQUESTS,
        "too_many_attempts",
    )
    .await;
    let locked_out = json!({"username": "ed-b", "password": PASSWORD});
    let r = api
        .send("POST", "/api/auth/login", None, Some(locked_out))
        .await;
    assert_eq!(r.status, S::TOO_MANY_REQUESTS, "{}", r.json);
    assert_eq!(r.json["error"]["code"], "too_many_attempts");
    let wait: u64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "Retry-After {wait}");
    api.token("ed-a", PASSWORD).await;

    let ruling = json!({"base_state_version": 0, "kind": "assign", "organization_id": a, "units": ["Hartford"], "reason": "r"});
    let user = json!({"username": "new-user", "role": "analyst", "password": PASSWORD});
    // HEC editor: not another organization's proposal, never a ruling, no accounts.
    api.forbidden(
        "POST",
        &format!("/api/organizations/{a}/proposal/versions"),
        Some(&ed_b),
        Some(version(1, "submitted")),
    )
    .await;
    api.forbidden(
        "POST",
        &format!("/api/organizations/{a}/proposal/versions/1/submit"),
        Some(&ed_b),
        None,
    )
    .await;
    api.refused(
        "GET",
        &format!("/api/organizations/{a}/proposal/versions/1"),
        Some(&ed_b),
        None,
        S::NOT_FOUND,
        "not_found",
    )
    .await;
    api.forbidden(
        "POST",
        &format!("/api/organizations/{a}/proposal/versions/1/comments"),
        Some(&ed_b),
        Some(json!({"body": "x"})),
    )
    .await;
    api.forbidden("POST", "/api/rulings", Some(&ed_a), Some(ruling.clone()))
        .await;
    api.forbidden(
        "POST",
        "/api/organizations",
        Some(&ed_a),
        Some(json!({"name": "C"})),
    )
    .await;
    api.forbidden("POST", "/api/users", Some(&ed_a), Some(user.clone()))
        .await;
    api.forbidden("GET", "/api/users", Some(&ed_a), None).await;
    api.forbidden("GET", "/api/audit", Some(&ed_a), None).await;
    let waived = json!({"base_version": 1, "rationale": "why", "plan": {"hecs": [{"units": ["Hartford"], "waiver": {"reason": "r", "status": "approved"}}]}});
    api.forbidden(
        "POST",
        &format!("/api/organizations/{a}/proposal/versions"),
        Some(&ed_a),
        Some(waived),
    )
    .await;
    // Analyst: reads, changes nothing.
    api.get("/api/state", &analyst).await;
    api.get("/api/audit", &analyst).await;
    api.forbidden(
        "POST",
        &format!("/api/organizations/{a}/proposal/versions"),
        Some(&analyst),
        Some(version(1, "draft")),
    )
    .await;
    api.forbidden(
        "POST",
        &format!("/api/organizations/{a}/proposal/versions/1/submit"),
        Some(&analyst),
        None,
    )
    .await;
    api.forbidden("POST", "/api/rulings", Some(&analyst), Some(ruling.clone()))
        .await;
    api.forbidden(
        "POST",
        &format!("/api/disputes/{a}+{b}/comments"),
        Some(&analyst),
        Some(json!({"body": "x"})),
    )
    .await;
    api.forbidden(
        "POST",
        "/api/organizations",
        Some(&analyst),
        Some(json!({"name": "C"})),
    )
    .await;
    api.forbidden("POST", "/api/users", Some(&analyst), Some(user.clone()))
        .await;
    api.refused(
        "GET",
        &format!("/api/organizations/{a}/proposal/versions/1"),
        Some(&analyst),
        None,
        S::NOT_FOUND,
        "not_found",
    )
    .await;
    // Staff: rules, but edits no proposal and manages no account.
    api.forbidden(
        "POST",
        &format!("/api/organizations/{a}/proposal/versions"),
        Some(&staff),
        Some(version(1, "draft")),
    )
    .await;
    api.forbidden(
        "POST",
        &format!("/api/organizations/{a}/proposal/versions/1/submit"),
        Some(&staff),
        None,
    )
    .await;
    api.forbidden(
        "POST",
        "/api/organizations",
        Some(&staff),
        Some(json!({"name": "C"})),
    )
    .await;
    api.forbidden("POST", "/api/users", Some(&staff), Some(user.clone()))
        .await;
    api.refused("POST", "/api/rulings", Some(&staff), Some(json!({"base_state_version": 0, "kind": "assign", "organization_id": a, "units": ["Hartford"], "reason": " "})), S::UNPROCESSABLE_ENTITY, "invalid").await;
    api.refused("POST", "/api/rulings", Some(&staff), Some(json!({"base_state_version": 0, "kind": "assign", "organization_id": a, "units": ["Atlantis"], "reason": "r"})), S::UNPROCESSABLE_ENTITY, "invalid").await;
    api.post("/api/rulings", &staff, ruling.clone()).await;
    // Administrator: accounts and organizations, but no ruling and no proposal.
    api.forbidden("POST", "/api/rulings", Some(&admin), Some(json!({"base_state_version": 1, "kind": "assign", "organization_id": b, "units": ["Hartford"], "reason": "r"}))).await;
    api.forbidden(
        "POST",
        &format!("/api/organizations/{a}/proposal/versions"),
        Some(&admin),
        Some(version(1, "draft")),
    )
    .await;
    api.post("/api/users", &admin, user.clone()).await;
    api.refused(
        "POST",
        "/api/users",
        Some(&admin),
        Some(user),
        S::CONFLICT,
        "conflict",
    )
    .await;

    // A concurrent edit through the API: the loser gets 409 and nothing is lost.
    let first = api
        .send(
            "POST",
            &format!("/api/organizations/{b}/proposal/versions"),
            Some(&ed_b),
            Some(version(0, "draft")),
        )
        .await;
    assert_eq!(first.status, S::CREATED);
    let second = api
        .send(
            "POST",
            &format!("/api/organizations/{b}/proposal/versions"),
            Some(&ed_b),
            Some(version(0, "submitted")),
        )
        .await;
    assert_eq!(second.status, S::CONFLICT, "{}", second.json);
    assert!(
        second.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("version 1")
    );
    let proposal = api
        .get(&format!("/api/organizations/{b}/proposal"), &ed_b)
        .await;
    assert_eq!(proposal["head"], 1);
    assert_eq!(proposal["versions"][0]["status"], "draft");

    // The browser's session: an HttpOnly cookie, ended by logout.
    let login = api
        .send(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"username": "ed-a", "password": PASSWORD})),
        )
        .await;
    assert_eq!(login.status, S::OK);
    assert!(
        login.json["token"].is_null(),
        "a session's secret stays in the cookie"
    );
    let cookie = login
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("hecmap_session=")
        .to_string();
    assert_eq!(api.get("/api/auth/me", &session).await["username"], "ed-a");
    let out = api
        .send("POST", "/api/auth/logout", Some(&session), None)
        .await;
    assert_eq!(out.status, S::NO_CONTENT);
    assert!(
        out.headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    api.refused(
        "GET",
        "/api/auth/me",
        Some(&session),
        None,
        S::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    // A disabled account's token stops working at once.
    let ed_b_id = api.get("/api/auth/me", &ed_b).await["user_id"]
        .as_i64()
        .unwrap();
    let r = api
        .send(
            "POST",
            &format!("/api/users/{ed_b_id}/active"),
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(r.status, S::NO_CONTENT);
    api.refused(
        "GET",
        "/api/state",
        Some(&ed_b),
        None,
        S::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    db.cleanup(store).await;
}

// --------------------------------------------------------- kill -9 of the server

/// One HTTP/1.1 request over a fresh connection: (status, JSON body).
async fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = body.map(Value::to_string).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let text = String::from_utf8_lossy(&response).to_string();
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("incomplete response: {text:?}")))?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut rest = rest;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 || tail.len() < n {
                break;
            }
            out.push_str(&tail[..n]);
            rest = tail[n..].trim_start_matches("\r\n");
        }
        out
    } else {
        rest.to_string()
    };
    let json = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body).map_err(std::io::Error::other)?
    };
    Ok((status, json))
}

struct Server {
    child: std::process::Child,
    port: u16,
}

impl Server {
    async fn start(location: &StoreLocation) -> Self {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hecmap"));
        cmd.args(["serve", "--port", &port.to_string()]);
        match location {
            StoreLocation::DataDir(dir) => cmd.arg("--data-dir").arg(dir),
            StoreLocation::Url(url) => cmd.args(["--database-url", url]),
        };
        cmd.env_remove("HECMAP_DATABASE_URL")
            .env_remove("HECMAP_DATA_DIR")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let child = cmd.spawn().unwrap();
        let mut server = Server { child, port };
        for _ in 0..600 {
            if let Ok((200, _)) = http(port, "GET", "/api/health", None, None).await {
                return server;
            }
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("the server exited: {status}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        server.kill();
        panic!("the server did not start");
    }

    /// SIGKILL: no shutdown, no flush.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn server_killed_during_writes_loses_nothing_acknowledged(backend: Backend) {
    let Some((store, db)) = TestDb::open(backend).await else {
        return;
    };
    // Accounts made beforehand, as the command line would.
    first_admin(&store).await;
    let org = store
        .create_organization(&cli(), "Capitol HEC")
        .await
        .unwrap();
    for name in ["ed1", "ed2"] {
        store
            .create_user(
                &cli(),
                NewUser {
                    username: name.into(),
                    display_name: None,
                    role: Role::Editor,
                    organization_id: Some(org.id),
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap();
    }
    store
        .create_user(
            &cli(),
            NewUser {
                username: "staff".into(),
                display_name: None,
                role: Role::Staff,
                organization_id: None,
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    let tokens: Vec<String> = {
        let mut t = Vec::new();
        for name in ["ed1", "ed2", "staff"] {
            let id = store.find_user(name).await.unwrap().id;
            t.push(
                store
                    .create_token(&cli(), id, "kill test", None)
                    .await
                    .unwrap()
                    .token,
            );
        }
        t
    };
    store.close().await;
    let location = db.location();
    let mut server = Server::start(&location).await;
    let port = server.port;
    let towns = planning_regions()["Capitol Planning Region"].clone();

    // Writers: two editors racing to save versions (each retrying on 409
    // with the head it is told), staff commenting on version 1.
    let (first_status, _) = http(port, "POST", &format!("/api/organizations/{}/proposal/versions", org.id), Some(&tokens[0]), Some(&json!({
        "base_version": 0, "status": "submitted", "rationale": "start", "plan": proposal_plan(&towns, None)}))).await.unwrap();
    assert_eq!(first_status, 201);
    let acked_versions = Arc::new(std::sync::Mutex::new(vec![(1i64, "start".to_string())]));
    let acked_comments = Arc::new(std::sync::Mutex::new(Vec::<(i64, String)>::new()));
    let mut writers = Vec::new();
    for (w, token) in tokens.iter().take(2).cloned().enumerate() {
        let (acked, towns) = (acked_versions.clone(), towns.clone());
        writers.push(tokio::spawn(async move {
            let mut base = 1i64;
            for i in 0.. {
                let rationale = format!("writer {w} edit {i}");
                let n = 1 + (i + w) % (towns.len() - 1);
                let body = json!({"base_version": base, "status": "submitted", "rationale": rationale, "plan": proposal_plan(&towns[..n], None)});
                match http(port, "POST", &format!("/api/organizations/{}/proposal/versions", org.id), Some(&token), Some(&body)).await {
                    Ok((201, v)) => {
                        base = v["version"].as_i64().unwrap();
                        acked.lock().unwrap().push((base, rationale));
                    }
                    Ok((409, _)) => base += 1,
                    Ok((status, body)) => panic!("unexpected {status}: {body}"),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    for c in 0..2 {
        let (token, acked) = (tokens[2].clone(), acked_comments.clone());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let text = format!("comment {c}.{i}");
                match http(
                    port,
                    "POST",
                    &format!("/api/organizations/{}/proposal/versions/1/comments", org.id),
                    Some(&token),
                    Some(&json!({"body": text})),
                )
                .await
                {
                    Ok((201, v)) => acked
                        .lock()
                        .unwrap()
                        .push((v["id"].as_i64().unwrap(), text)),
                    Ok((status, body)) => panic!("unexpected {status}: {body}"),
                    Err(_) => return,
                }
            }
        }));
    }
    // Let writes pile up, then kill the server mid-flight.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    server.kill();
    for w in writers {
        w.await.unwrap();
    }
    let versions = acked_versions.lock().unwrap().clone();
    let comments = acked_comments.lock().unwrap().clone();
    assert!(
        versions.len() >= 3 && comments.len() >= 3,
        "too few writes before the kill: {} versions, {} comments",
        versions.len(),
        comments.len()
    );

    // Restart: everything acknowledged is there, exactly as acknowledged.
    let server = Server::start(&location).await;
    let port = server.port;
    let (status, proposal) = http(
        port,
        "GET",
        &format!("/api/organizations/{}/proposal", org.id),
        Some(&tokens[0]),
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    let head = proposal["head"].as_i64().unwrap();
    let stored: BTreeMap<i64, String> = proposal["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["rationale"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(stored.len() as i64, head, "versions 1..head, none missing");
    for (version, rationale) in &versions {
        assert_eq!(
            stored.get(version),
            Some(rationale),
            "acknowledged version {version} lost"
        );
    }
    let (status, listed) = http(
        port,
        "GET",
        &format!("/api/organizations/{}/proposal/versions/1/comments", org.id),
        Some(&tokens[2]),
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    let listed: BTreeMap<i64, String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().unwrap(),
                c["body"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (id, text) in &comments {
        assert_eq!(listed.get(id), Some(text), "acknowledged comment {id} lost");
    }
    // The store still takes writes after the crash.
    let (status, _) = http(port, "POST", &format!("/api/organizations/{}/proposal/versions", org.id), Some(&tokens[1]), Some(&json!({
        "base_version": head, "rationale": "after the crash", "plan": proposal_plan(&towns, None)}))).await.unwrap();
    assert_eq!(status, 201);
    eprintln!(
        "{backend:?}: {} versions and {} comments acknowledged before the kill; head {head} after restart",
        versions.len(),
        comments.len()
    );
    drop(server);
    let store = Store::open(&location).await.unwrap();
    db.cleanup(store).await;
}

// ------------------------------------------------------------- command line

/// Runs `hecmap admin ...` on a store; (exit code, stdout, stderr).
fn hecmap_admin(
    location: &StoreLocation,
    args: &[&str],
    stdin: Option<&str>,
) -> (i32, String, String) {
    use std::io::Write;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hecmap"));
    cmd.arg("admin").args(args);
    match location {
        StoreLocation::DataDir(dir) => cmd.arg("--data-dir").arg(dir),
        StoreLocation::Url(url) => cmd.args(["--database-url", url]),
    };
    cmd.env_remove("HECMAP_DATABASE_URL")
        .env_remove("HECMAP_DATA_DIR")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

async fn command_line_creates_the_first_administrator_and_accounts(backend: Backend) {
    let Some((store, db)) = TestDb::open(backend).await else {
        return;
    };
    let location = db.location();
    let password = format!("{PASSWORD}\n");
    let (code, out, err) = hecmap_admin(
        &location,
        &["create-admin", "--username", "root", "--password-stdin"],
        Some(&password),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("created admin account \"root\""), "{out}");
    // Only the first: a second create-admin is refused.
    let (code, _, err) = hecmap_admin(
        &location,
        &["create-admin", "--username", "root2"],
        Some(&password),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("exists already"), "{err}");
    let (code, out, err) = hecmap_admin(&location, &["create-org", "--name", "Capitol HEC"], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(id 1)"), "{out}");
    // Without --password-stdin a random password is made and shown once.
    let (code, out, err) = hecmap_admin(
        &location,
        &[
            "create-user",
            "--username",
            "ed",
            "--role",
            "editor",
            "--org",
            "Capitol HEC",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let generated = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("a generated password")
        .to_string();
    let (code, _, err) = hecmap_admin(
        &location,
        &["create-user", "--username", "bad", "--role", "editor"],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("organization"), "{err}");
    let (code, out, _) = hecmap_admin(
        &location,
        &["create-token", "--username", "ed", "--label", "sync"],
        None,
    );
    assert_eq!(code, 0);
    let token = out.trim().to_string();
    let (code, out, _) = hecmap_admin(&location, &["list"], None);
    assert_eq!(code, 0);
    assert!(
        out.contains("Capitol HEC") && out.contains("root") && out.contains("editor"),
        "{out}"
    );

    // What the command line made works: sign-ins, the token, the audit log.
    store
        .login("root", PASSWORD, CredentialKind::Session, "t", None, LOCAL)
        .await
        .unwrap();
    let ed = store
        .login("ed", &generated, CredentialKind::Session, "t", None, LOCAL)
        .await
        .unwrap()
        .actor;
    assert_eq!(ed.organization_id, Some(1));
    assert_eq!(store.authenticate(&token).await.unwrap().username, "ed");
    let root = store
        .authenticate(
            &store
                .login("root", PASSWORD, CredentialKind::Token, "t", None, LOCAL)
                .await
                .unwrap()
                .credential
                .token,
        )
        .await
        .unwrap();
    let log = store.audit(&root, 100, None).await.unwrap();
    let (sign_ins, changes): (Vec<_>, Vec<_>) =
        log.into_iter().partition(|e| e.action.starts_with("auth."));
    assert!(
        changes.iter().all(|e| e.actor.starts_with("cli:")),
        "{changes:?}"
    );
    assert_eq!(changes.len(), 4, "{changes:?}");
    // The sign-ins are there too (an administrator sees them).
    assert_eq!(sign_ins.len(), 3, "{sign_ins:?}");
    assert!(
        sign_ins
            .iter()
            .all(|e| e.action == "auth.login" && e.details["client"] == "127.0.0.1")
    );
    db.cleanup(store).await;
}

// ------------------------------------------------------------- security

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn is_throttled<T: std::fmt::Debug>(r: &Result<T, NegotiationError>) -> Option<u64> {
    match r {
        Err(NegotiationError::TooManyAttempts { retry_after_secs }) => Some(*retry_after_secs),
        _ => None,
    }
}

/// `n` wrong guesses at `username` at once, from `addresses` in turn;
/// (password checks made, results).
async fn guesses(
    store: &Store,
    username: &str,
    n: usize,
    addresses: impl Fn(usize) -> IpAddr,
) -> (
    u64,
    Vec<Result<hecmap_negotiation::Login, NegotiationError>>,
) {
    let before = store.auth_stats().password_checks;
    let mut tasks = Vec::new();
    for i in 0..n {
        let (store, username, client) = (store.clone(), username.to_string(), addresses(i));
        tasks.push(tokio::spawn(async move {
            store
                .login(
                    &username,
                    &format!("guess number {i}"),
                    CredentialKind::Session,
                    "t",
                    None,
                    client,
                )
                .await
        }));
    }
    let results = futures_join(tasks).await;
    (store.auth_stats().password_checks - before, results)
}

async fn parallel_guesses_check_few_passwords_and_never_lock_the_real_user_out(backend: Backend) {
    let Some((store, db)) = TestDb::open(backend).await else {
        return;
    };
    first_admin(&store).await;
    let settings = store.auth_settings().clone();
    let attacker = ip("198.51.100.1");

    // 40 guesses at once from one address: at most 5 passwords checked
    // (check and record are one step), the rest refused with a wait.
    let (checked, results) = guesses(&store, "admin", 40, |_| attacker).await;
    assert!(
        checked <= settings.pair_free_failures as u64,
        "{checked} passwords checked"
    );
    let refused: Vec<u64> = results.iter().filter_map(is_throttled).collect();
    let wrong = results
        .iter()
        .filter(|r| matches!(r, Err(NegotiationError::Unauthenticated(_))))
        .count();
    assert_eq!(refused.len() + wrong, 40, "{results:?}");
    assert_eq!(wrong as u64, checked);
    assert!(
        refused.iter().all(|&w| (1..=30).contains(&w)),
        "{refused:?}"
    );
    // Each checked guess is in the audit log, with the address, and no password.
    let admin = store
        .login(
            "admin",
            PASSWORD,
            CredentialKind::Session,
            "t",
            None,
            ip("203.0.113.9"),
        )
        .await
        .expect("the real user, from elsewhere, is not locked out")
        .actor;
    let log = store.audit(&admin, 1000, None).await.unwrap();
    let failed: Vec<_> = log
        .iter()
        .filter(|e| e.action == "auth.login_failed")
        .collect();
    assert_eq!(failed.len(), wrong);
    assert!(failed.iter().all(|e| e.details["client"] == "198.51.100.1"));
    assert!(
        !serde_json::to_string(&log)
            .unwrap()
            .contains("guess number")
    );
    let ok = log.iter().find(|e| e.action == "auth.login").unwrap();
    assert_eq!(ok.details["client"], "203.0.113.9");
    // The attacker's address stays locked out of the account, even with
    // the right password.
    let r = store
        .login(
            "admin",
            PASSWORD,
            CredentialKind::Session,
            "t",
            None,
            attacker,
        )
        .await;
    assert!(is_throttled(&r).is_some(), "{r:?}");

    // 40 guesses at once from 40 addresses: the account is only slowed:
    // a few more checks, then refusals of at most the account's delay.
    let (checked, results) =
        guesses(&store, "admin", 40, |i| ip(&format!("192.0.2.{}", i + 10))).await;
    assert!(
        checked <= settings.account_free_failures as u64,
        "{checked} passwords checked"
    );
    let waits: Vec<u64> = results.iter().filter_map(is_throttled).collect();
    assert!(waits.len() >= 30, "{results:?}");
    assert!(
        waits.iter().all(|&w| w <= settings.account_max_delay_secs),
        "{waits:?}"
    );
    // The real user's usual address is not slowed at all.
    store
        .login(
            "admin",
            PASSWORD,
            CredentialKind::Session,
            "t",
            None,
            ip("203.0.113.9"),
        )
        .await
        .expect("a known address passes the account's delay");
    // From a new address, after at most the short capped delay.
    let started = std::time::Instant::now();
    let mut signed_in = false;
    for _ in 0..4 {
        match store
            .login(
                "admin",
                PASSWORD,
                CredentialKind::Session,
                "t",
                None,
                ip("203.0.113.77"),
            )
            .await
        {
            Ok(_) => {
                signed_in = true;
                break;
            }
            Err(NegotiationError::TooManyAttempts { retry_after_secs }) => {
                assert!(retry_after_secs <= settings.account_max_delay_secs);
                tokio::time::sleep(std::time::Duration::from_secs(retry_after_secs)).await;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(signed_in);
    assert!(
        started.elapsed().as_secs() <= settings.account_max_delay_secs + 1,
        "{:?}",
        started.elapsed()
    );
    db.cleanup(store).await;
}

async fn throttle_is_bounded_and_survives_a_restart(backend: Backend) {
    let settings = AuthSettings {
        max_throttle_rows: 30,
        prune_every: 1,
        ..AuthSettings::default()
    };
    let Some((store, db)) = TestDb::open_with(backend, settings.clone()).await else {
        return;
    };
    first_admin(&store).await;
    let rows = store.throttle_rows().await.unwrap();
    // A 1 MB username is refused at once: no lookup, no hashing, no row.
    let started = std::time::Instant::now();
    let huge = "a".repeat(1024 * 1024);
    let r = store
        .login(&huge, PASSWORD, CredentialKind::Session, "t", None, LOCAL)
        .await;
    match &r {
        Err(NegotiationError::Invalid(m)) => {
            assert!(m.contains("username") && m.contains("64"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    let r = store
        .login("admin", &huge, CredentialKind::Session, "t", None, LOCAL)
        .await;
    assert!(
        matches!(&r, Err(NegotiationError::Invalid(m)) if m.contains("password") && m.contains("1024")),
        "{r:?}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    assert_eq!(store.auth_stats().password_checks, 0);
    assert_eq!(store.throttle_rows().await.unwrap(), rows);

    // Unknown names from many addresses: the table stays within its bound.
    for i in 0..20 {
        let r = store
            .login(
                &format!("nobody{i}"),
                "wrong password",
                CredentialKind::Session,
                "t",
                None,
                ip(&format!("10.1.0.{i}")),
            )
            .await;
        assert!(matches!(r, Err(NegotiationError::Unauthenticated(_))));
    }
    let rows = store.throttle_rows().await.unwrap();
    assert!(rows <= 30, "{rows} rows");

    // Failures survive a restart: the store is opened again.
    let attacker = ip("198.51.100.7");
    for _ in 0..settings.pair_free_failures {
        let r = store
            .login(
                "admin",
                "wrong password",
                CredentialKind::Session,
                "t",
                None,
                attacker,
            )
            .await;
        assert!(
            matches!(r, Err(NegotiationError::Unauthenticated(_))),
            "{r:?}"
        );
    }
    store.close().await;
    let store = Store::open_with(&db.location(), settings).await.unwrap();
    let r = store
        .login(
            "admin",
            PASSWORD,
            CredentialKind::Session,
            "t",
            None,
            attacker,
        )
        .await;
    assert!(is_throttled(&r).is_some(), "forgotten on restart: {r:?}");
    assert_eq!(store.auth_stats().password_checks, 0);
    store
        .login("admin", PASSWORD, CredentialKind::Session, "t", None, LOCAL)
        .await
        .unwrap();
    db.cleanup(store).await;
}

async fn password_hashing_is_bounded_in_concurrency(backend: Backend) {
    let settings = AuthSettings {
        max_concurrent_hashes: 2,
        hash_wait_ms: 300,
        ..AuthSettings::default()
    };
    let Some((store, db)) = TestDb::open_with(backend, settings).await else {
        return;
    };
    // 100 sign-ins with unknown names at once, each from its own address
    // (so the throttle lets every one through): never more than 2 Argon2
    // at once; those that wait too long are refused as busy, with a wait.
    let mut tasks = Vec::new();
    for i in 0..100 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .login(
                    &format!("unknown{i}"),
                    "some password",
                    CredentialKind::Session,
                    "t",
                    None,
                    ip(&format!("10.2.{}.{}", i / 200, i % 200 + 1)),
                )
                .await
        }));
    }
    let results = futures_join(tasks).await;
    let stats = store.auth_stats();
    assert!(
        (1..=2).contains(&stats.peak_hashing),
        "{} Argon2 at once",
        stats.peak_hashing
    );
    assert_eq!(stats.hashing_now, 0);
    let busy = results
        .iter()
        .filter(|r| matches!(r, Err(NegotiationError::Busy { retry_after_secs }) if *retry_after_secs >= 1))
        .count();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(NegotiationError::Unauthenticated(_))))
        .count();
    assert_eq!(busy + refused, 100, "{results:?}");
    assert_eq!(busy as u64, stats.busy);
    assert_eq!(refused as u64, stats.password_checks);
    eprintln!(
        "{backend:?}: 100 concurrent sign-ins: {refused} checked, {busy} busy, peak {}",
        stats.peak_hashing
    );
    db.cleanup(store).await;
}

async fn api_bounds_every_text_and_body_and_wants_json(backend: Backend) {
    let Some((store, db)) = TestDb::open(backend).await else {
        return;
    };
    first_admin(&store).await;
    let api = Api::new(store.clone());
    let admin = api.token("admin", PASSWORD).await;
    let (a, ed_a) = org_with_editor(&api, &admin, "A HEC", "ed-a").await;
    use StatusCode as S;
    let invalid = |r: &Reply, field: &str, limit: &str| {
        assert_eq!(r.status, S::UNPROCESSABLE_ENTITY, "{}", r.json);
        let m = r.json["error"]["message"].as_str().unwrap();
        assert!(m.contains(field) && m.contains(limit), "{m}");
    };

    // JSON routes want JSON.
    for (uri, auth) in [
        ("/api/auth/login", None),
        ("/api/organizations", Some(admin.as_str())),
        ("/api/rulings", Some(admin.as_str())),
    ] {
        let body = json!({"username": "admin", "password": PASSWORD, "name": "X"});
        let r = api
            .send_raw(
                "POST",
                uri,
                auth,
                Some((body.to_string().into_bytes(), "text/plain")),
                None,
            )
            .await;
        assert_eq!(r.status, S::UNSUPPORTED_MEDIA_TYPE, "{uri}: {}", r.json);
        assert_eq!(r.json["error"]["code"], "unsupported_media_type");
    }
    let r = api
        .send_raw(
            "POST",
            "/api/auth/login",
            None,
            Some((
                json!({"username": "admin", "password": PASSWORD, "kind": "token"})
                    .to_string()
                    .into_bytes(),
                "application/json; charset=utf-8",
            )),
            None,
        )
        .await;
    assert_eq!(r.status, S::OK, "{}", r.json);

    // Bodies are bounded per route, before they are read.
    let started = std::time::Instant::now();
    let huge_name = json!({"username": "a".repeat(1024 * 1024), "password": PASSWORD});
    let r = api
        .send("POST", "/api/auth/login", None, Some(huge_name))
        .await;
    assert_eq!(r.status, S::PAYLOAD_TOO_LARGE, "{}", r.json);
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("16384")
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    let towns = vec!["Hartford".to_string()];
    let version = |rationale: String| json!({"base_version": 0, "rationale": rationale, "plan": proposal_plan(&towns, None)});
    let uri = format!("/api/organizations/{a}/proposal/versions");
    let r = api
        .send(
            "POST",
            &uri,
            Some(&ed_a),
            Some(version("x".repeat(15 * 1024 * 1024))),
        )
        .await;
    assert_eq!(r.status, S::PAYLOAD_TOO_LARGE, "{}", r.json);
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2097152")
    );
    // Within the body's bound, each text has its own.
    let r = api
        .send("POST", &uri, Some(&ed_a), Some(version("y".repeat(20_001))))
        .await;
    invalid(&r, "rationale", "20000");
    let mut waived = version("why".into());
    waived["plan"] = proposal_plan(&towns, Some(&"w".repeat(5_001)));
    let r = api.send("POST", &uri, Some(&ed_a), Some(waived)).await;
    invalid(&r, "waiver", "5000");
    let mut padded = version("why".into());
    padded["plan"]["hecs"][0]["units"] = json!(vec!["Hartford"; 100_000]);
    let r = api.send("POST", &uri, Some(&ed_a), Some(padded)).await;
    invalid(&r, "plan", "1048576");
    api.post(&uri, &ed_a, version("y".repeat(20_000))).await;
    let r = api
        .send(
            "POST",
            &format!("/api/organizations/{a}/proposal/versions/1/comments"),
            Some(&ed_a),
            Some(json!({"body": "c".repeat(10_001)})),
        )
        .await;
    invalid(&r, "body", "10000");
    let r = api
        .send(
            "POST",
            "/api/organizations",
            Some(&admin),
            Some(json!({"name": "o".repeat(201)})),
        )
        .await;
    invalid(&r, "name", "200");
    let user = |name: &str, display: &str| json!({"username": name, "display_name": display, "role": "analyst", "password": PASSWORD});
    let r = api
        .send(
            "POST",
            "/api/users",
            Some(&admin),
            Some(user(&"u".repeat(65), "U")),
        )
        .await;
    invalid(&r, "username", "64");
    let r = api
        .send(
            "POST",
            "/api/users",
            Some(&admin),
            Some(user("analyst", &"d".repeat(201))),
        )
        .await;
    invalid(&r, "display_name", "200");
    let mut long_password = user("analyst", "A");
    long_password["password"] = json!("p".repeat(1025));
    let r = api
        .send("POST", "/api/users", Some(&admin), Some(long_password))
        .await;
    invalid(&r, "password", "1024");
    let r = api
        .send(
            "POST",
            "/api/auth/tokens",
            Some(&admin),
            Some(json!({"label": "l".repeat(201)})),
        )
        .await;
    invalid(&r, "label", "200");
    let r = api
        .send(
            "POST",
            "/api/rulings",
            Some(&admin),
            Some(json!({"base_state_version": 0, "kind": "assign", "organization_id": a, "units": ["Hartford"], "reason": "r".repeat(20_001)})),
        )
        .await;
    assert_eq!(r.status, S::FORBIDDEN, "only staff rule, whatever the size");

    // A dispute that does not exist takes no comment (404), even from staff.
    api.post(
        "/api/users",
        &admin,
        json!({"username": "staff", "role": "staff", "password": PASSWORD}),
    )
    .await;
    let staff = api.token("staff", PASSWORD).await;
    let (b, _) = org_with_editor(&api, &admin, "B HEC", "ed-b").await;
    api.refused(
        "POST",
        &format!("/api/disputes/{a}+{b}/comments"),
        Some(&staff),
        Some(json!({"body": "about nothing"})),
        S::NOT_FOUND,
        "not_found",
    )
    .await;

    // Changing a password: the current one is a guess like any other.
    let wrong =
        json!({"current_password": "not my password", "new_password": "a brand new password"});
    for _ in 0..5 {
        api.refused(
            "POST",
            "/api/auth/password",
            Some(&ed_a),
            Some(wrong.clone()),
            S::UNAUTHORIZED,
            "unauthenticated",
        )
        .await;
    }
    let r = api
        .send("POST", "/api/auth/password", Some(&ed_a), Some(wrong))
        .await;
    assert_eq!(r.status, S::TOO_MANY_REQUESTS, "{}", r.json);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    // Sign-in from this address is locked for ed-a; from another it works,
    // and the other address's password change goes through.
    let locked = json!({"username": "ed-a", "password": PASSWORD, "kind": "token"});
    let r = api
        .send("POST", "/api/auth/login", None, Some(locked.clone()))
        .await;
    assert_eq!(r.status, S::TOO_MANY_REQUESTS);
    let r = api
        .send_from("2001:db8:5:6::1", "POST", "/api/auth/login", None, locked)
        .await;
    assert_eq!(r.status, S::OK, "{}", r.json);
    let token = r.json["token"].as_str().unwrap().to_string();
    let r = api
        .send_from(
            "2001:db8:5:6::2",
            "POST",
            "/api/auth/password",
            Some(&token),
            json!({"current_password": PASSWORD, "new_password": "a brand new password"}),
        )
        .await;
    assert_eq!(r.status, S::NO_CONTENT, "{}", r.json);

    // Sign-ins and password changes are in the audit log, with the
    // address, for administrators; staff see none of it.
    let log = api.get("/api/audit?limit=1000", &admin).await;
    let entries = log.as_array().unwrap();
    let count = |action: &str| entries.iter().filter(|e| e["action"] == action).count();
    assert_eq!(count("auth.password_failed"), 5);
    assert!(count("auth.login") >= 4);
    let change = entries
        .iter()
        .find(|e| e["action"] == "user.password")
        .unwrap();
    assert_eq!(change["details"]["client"], "2001:db8:5:6::2");
    let text = log.to_string();
    assert!(!text.contains("not my password") && !text.contains(PASSWORD));
    let seen = api.get("/api/audit?limit=1000", &staff).await;
    assert!(
        seen.as_array()
            .unwrap()
            .iter()
            .all(|e| !e["action"].as_str().unwrap().starts_with("auth.")),
        "{seen}"
    );
    db.cleanup(store).await;
}

async fn credential_lifetimes_are_bounded(backend: Backend) {
    let Some((store, db)) = TestDb::open(backend).await else {
        return;
    };
    first_admin(&store).await;
    let api = Api::new(store.clone());
    let admin = api.token("admin", PASSWORD).await;
    use StatusCode as S;
    let now = hecmap_negotiation::auth::unix_seconds();
    // Tokens: 90 days by default and at most.
    let t = api
        .post("/api/auth/tokens", &admin, json!({"label": "ci"}))
        .await;
    let expires = t["expires_at"].as_i64().unwrap();
    assert!(
        (now + 90 * 86_400 - 5..=now + 90 * 86_400 + 5).contains(&expires),
        "{t}"
    );
    let t = api
        .post(
            "/api/auth/tokens",
            &admin,
            json!({"label": "ci", "expires_in_days": 7}),
        )
        .await;
    assert!(t["expires_at"].as_i64().unwrap() <= now + 7 * 86_400 + 5);
    for days in [91, 3650, 0, -1, i64::MAX] {
        let r = api
            .send(
                "POST",
                "/api/auth/tokens",
                Some(&admin),
                Some(json!({"label": "ci", "expires_in_days": days})),
            )
            .await;
        assert_eq!(r.status, S::UNPROCESSABLE_ENTITY, "{days}: {}", r.json);
    }
    let r = api
        .send(
            "POST",
            "/api/auth/tokens",
            Some(&admin),
            Some(json!({"label": "ci", "expires_in_days": 3650})),
        )
        .await;
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("90 days"),
        "{}",
        r.json
    );
    // Sessions: 12 hours; asking for ten years is refused, saying so.
    let r = api
        .send(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"username": "admin", "password": PASSWORD, "expires_in_days": 3650})),
        )
        .await;
    assert_eq!(r.status, S::UNPROCESSABLE_ENTITY);
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("12 hours"),
        "{}",
        r.json
    );
    let r = api
        .send(
            "POST",
            "/api/auth/login",
            None,
            Some(json!({"username": "admin", "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, S::OK);
    assert!(r.json["expires_at"].as_i64().unwrap() <= now + 12 * 3600 + 5);
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Max-Age=4320"),
        "{cookie}"
    );
    // The command line, too: a token over the bound is refused.
    let admin_id = store.find_user("admin").await.unwrap().id;
    let r = store
        .create_token(&cli(), admin_id, "cli", Some(91 * 86_400))
        .await;
    assert!(matches!(r, Err(NegotiationError::Invalid(_))), "{r:?}");

    // Credentials made before the bounds (no expiry, ten years) are cut to
    // them when the store opens; an expired one is refused.
    let old = store
        .create_token(&cli(), admin_id, "old", None)
        .await
        .unwrap();
    store.close().await;
    {
        use sqlx::Connection;
        let url = match db.location() {
            StoreLocation::DataDir(dir) => {
                format!("sqlite:{}", dir.join("hecmap.sqlite3").display())
            }
            StoreLocation::Url(url) => url,
        };
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::query("UPDATE credentials SET expires_at = NULL WHERE label = 'old'")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("UPDATE credentials SET expires_at = $1 WHERE label = 'ci'")
            .bind(now + 3650 * 86_400)
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let settings = AuthSettings {
        token_max_days: 1,
        ..AuthSettings::default()
    };
    let store = Store::open_with(&db.location(), settings).await.unwrap();
    store.authenticate(&old.token).await.unwrap();
    {
        use sqlx::{Connection, Row};
        let url = match db.location() {
            StoreLocation::DataDir(dir) => {
                format!("sqlite:{}", dir.join("hecmap.sqlite3").display())
            }
            StoreLocation::Url(url) => url,
        };
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        let longest: i64 = sqlx::query("SELECT MAX(expires_at) AS m FROM credentials")
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .get("m");
        assert!(
            longest <= now + 86_400 + 60,
            "a credential outlives the bound"
        );
        let unbounded: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM credentials WHERE expires_at IS NULL")
                .fetch_one(&mut conn)
                .await
                .unwrap()
                .get("n");
        assert_eq!(unbounded, 0);
        sqlx::query("UPDATE credentials SET expires_at = $1 WHERE label = 'old'")
            .bind(now - 1)
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    assert!(matches!(
        store.authenticate(&old.token).await,
        Err(NegotiationError::Unauthenticated(_))
    ));
    db.cleanup(store).await;
}

async fn drafts_stay_with_their_organization(backend: Backend) {
    let Some((store, db)) = TestDb::open(backend).await else {
        return;
    };
    first_admin(&store).await;
    let api = Api::new(store.clone());
    let admin = api.token("admin", PASSWORD).await;
    for (name, role) in [("staff", "staff"), ("analyst", "analyst")] {
        api.post(
            "/api/users",
            &admin,
            json!({"username": name, "role": role, "password": PASSWORD}),
        )
        .await;
    }
    let staff = api.token("staff", PASSWORD).await;
    let analyst = api.token("analyst", PASSWORD).await;
    let regions = planning_regions();
    let ne = regions["Northeastern Connecticut Planning Region"].clone();
    let (a, ed_a) = org_with_editor(&api, &admin, "A HEC", "ed-a").await;
    let (_, ed_b) = org_with_editor(&api, &admin, "B HEC", "ed-b").await;
    let uri = format!("/api/organizations/{a}/proposal/versions");
    let save = |base: i64, status: &str, rationale: &str, waiver: &str| json!({"base_version": base, "status": status, "rationale": rationale, "plan": proposal_plan(&ne, Some(waiver))});
    api.post(
        &uri,
        &ed_a,
        save(0, "draft", "SECRET DRAFT RATIONALE", "SECRET DRAFT WAIVER"),
    )
    .await;
    api.post(
        &format!("{uri}/1/comments"),
        &ed_a,
        json!({"body": "note to ourselves"}),
    )
    .await;
    api.post(
        &uri,
        &ed_a,
        save(1, "submitted", "Our public rationale.", "Rural towns."),
    )
    .await;
    api.post(
        &uri,
        &ed_a,
        save(2, "draft", "ANOTHER SECRET", "SECRET WAIVER TOO"),
    )
    .await;
    api.post(
        &uri,
        &ed_a,
        save(3, "draft", "A THIRD SECRET", "SECRET AGAIN"),
    )
    .await;

    // Outside the organization: the latest submitted version is the head,
    // and no draft is listed.
    for token in [&staff, &analyst, &admin, &ed_b] {
        let p = api
            .get(&format!("/api/organizations/{a}/proposal"), token)
            .await;
        assert_eq!(p["head"], 2, "{p}");
        let versions: Vec<i64> = p["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_i64().unwrap())
            .collect();
        assert_eq!(versions, vec![2]);
    }
    let own = api
        .get(&format!("/api/organizations/{a}/proposal"), &ed_a)
        .await;
    assert_eq!(own["head"], 4);
    assert_eq!(own["versions"].as_array().unwrap().len(), 4);

    // The audit log shows none of the drafts to those who may read it.
    for token in [&staff, &analyst, &admin] {
        let log = api.get("/api/audit?limit=1000", token).await;
        let text = log.to_string();
        assert!(!text.contains("SECRET"), "a draft leaks: {text}");
        let entries = log.as_array().unwrap();
        assert!(entries.iter().all(|e| e["action"] != "proposal.save"));
        assert!(
            entries
                .iter()
                .all(|e| e["target"] != format!("version:{a}:1")),
            "{text}"
        );
        // What was submitted is there, with its rationale.
        assert!(entries.iter().any(|e| e["action"] == "proposal.submit"
            && e["reason"] == "Our public rationale."));
    }
    // Nor through versions, reports, diffs or comments.
    for path in [
        format!("/api/organizations/{a}/proposal/versions/3"),
        format!("/api/organizations/{a}/proposal/versions/3/report"),
        format!("/api/organizations/{a}/proposal/diff?from=2&to=3"),
        format!("/api/organizations/{a}/proposal/versions/1/comments"),
    ] {
        let r = api.send("GET", &path, Some(&staff), None).await;
        assert!(r.status.is_client_error(), "{path}: {}", r.json);
        assert!(!r.json.to_string().contains("SECRET"));
    }
    db.cleanup(store).await;
}

async fn two_servers_share_sessions_throttle_and_version_checks(backend: Backend) {
    let Some((one, db)) = TestDb::open(backend).await else {
        return;
    };
    // A second server over the same database.
    let two = Store::open(&db.location()).await.unwrap();
    first_admin(&one).await;
    let (api1, api2) = (Api::new(one.clone()), Api::new(two.clone()));
    // A session made through one works on the other.
    let admin = api1.token("admin", PASSWORD).await;
    assert_eq!(api2.get("/api/auth/me", &admin).await["username"], "admin");
    let session = one
        .login("admin", PASSWORD, CredentialKind::Session, "t", None, LOCAL)
        .await
        .unwrap();
    assert_eq!(
        two.authenticate(&session.credential.token)
            .await
            .unwrap()
            .username,
        "admin"
    );
    // Logging out on one ends it on both.
    two.logout(&session.credential.token).await.unwrap();
    assert!(one.authenticate(&session.credential.token).await.is_err());

    // The throttle counts across both: 40 guesses at once, half through
    // each, check at most 5 passwords in all.
    let attacker = ip("198.51.100.20");
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = if i % 2 == 0 { one.clone() } else { two.clone() };
        tasks.push(tokio::spawn(async move {
            store
                .login(
                    "admin",
                    &format!("guess {i}"),
                    CredentialKind::Session,
                    "t",
                    None,
                    attacker,
                )
                .await
        }));
    }
    let results = futures_join(tasks).await;
    let checks = one.auth_stats().password_checks + two.auth_stats().password_checks;
    let wrong = results
        .iter()
        .filter(|r| matches!(r, Err(NegotiationError::Unauthenticated(_))))
        .count();
    assert!(wrong <= 5, "{wrong} guesses checked across two servers");
    assert!(results.iter().all(
        |r| is_throttled(r).is_some() || matches!(r, Err(NegotiationError::Unauthenticated(_)))
    ));
    // (The sign-ins above checked 2 passwords.)
    assert_eq!(checks, wrong as u64 + 2);
    for store in [&one, &two] {
        let r = store
            .login(
                "admin",
                PASSWORD,
                CredentialKind::Session,
                "t",
                None,
                attacker,
            )
            .await;
        assert!(is_throttled(&r).is_some(), "{r:?}");
    }

    // A stale save through one server conflicts with the other's.
    let (a, ed) = org_with_editor(&api1, &admin, "A HEC", "ed-a").await;
    let uri = format!("/api/organizations/{a}/proposal/versions");
    let body = json!({"base_version": 0, "rationale": "first", "plan": proposal_plan(&["Hartford".into()], None)});
    api1.post(&uri, &ed, body.clone()).await;
    let r = api2.send("POST", &uri, Some(&ed), Some(body)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.json);
    assert_eq!(r.json["error"]["current"], 1);
    two.close().await;
    db.cleanup(one).await;
}
