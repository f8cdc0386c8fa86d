//! The negotiation tests' fixtures: the data, accounts made through the
//! store, proposal plans by town, and small helpers on results.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, LazyLock};

use hecmap_core::dataset::{DataConfig, Dataset};
use hecmap_negotiation::{
    Actor, CredentialKind, NegotiationError, NewUser, NewVersion, Role, Store, VersionStatus,
};
use serde_json::{Value, json};

pub static DATA: LazyLock<Arc<Dataset>> = LazyLock::new(|| {
    Arc::new(Dataset::load(&DataConfig::default()).expect("the Connecticut data loads"))
});

pub fn data() -> &'static Arc<Dataset> {
    &DATA
}

/// Where in-process requests come from (no socket: loopback).
pub const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

pub const PASSWORD: &str = "a long test password";

pub fn cli() -> Actor {
    Actor::command_line()
}

pub async fn user(store: &Store, username: &str, role: Role, org: Option<i64>) -> Actor {
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

/// The first administrator, made as `hecmap admin create-admin` does.
pub async fn first_admin(store: &Store) {
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

/// The towns of each planning region, in the data's order.
pub fn planning_regions() -> BTreeMap<String, Vec<String>> {
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

pub fn town_population(name: &str) -> f64 {
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

pub fn proposal_plan(towns: &[String], waiver: Option<&str>) -> Value {
    let mut hec = json!({ "units": towns });
    if let Some(reason) = waiver {
        hec["waiver"] = json!({ "reason": reason, "waive": ["thresholds"] });
    }
    json!({ "hecs": [hec] })
}

pub fn new_version(base: i64, status: VersionStatus, towns: &[String]) -> NewVersion {
    NewVersion {
        base_version: base,
        status,
        rationale: "Our hospitals, clinics and community partners serve these towns.".into(),
        plan: proposal_plan(towns, None),
    }
}

pub fn slug(region: &str) -> String {
    region
        .trim_end_matches(" Planning Region")
        .to_ascii_lowercase()
        .replace(' ', "-")
}

pub fn assert_forbidden<T: std::fmt::Debug>(r: Result<T, NegotiationError>) {
    assert!(
        matches!(r, Err(NegotiationError::Forbidden(_))),
        "expected forbidden, got {r:?}"
    );
}

pub async fn futures_join<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

pub fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

pub fn is_throttled<T: std::fmt::Debug>(r: &Result<T, NegotiationError>) -> Option<u64> {
    match r {
        Err(NegotiationError::TooManyAttempts { retry_after_secs }) => Some(*retry_after_secs),
        _ => None,
    }
}

/// `n` wrong guesses at `username` at once, from `addresses` in turn;
/// (password checks made, results).
pub async fn guesses(
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
