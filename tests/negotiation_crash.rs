//! Servers over one database, on SQLite and on PostgreSQL: `kill -9` of
//! `hecmap serve` during writes loses nothing it acknowledged, and two
//! servers at once share sessions, the throttle and version checks.

#[path = "common/negotiation/mod.rs"]
mod negotiation;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::StatusCode;
use hecmap_negotiation::{CredentialKind, NegotiationError, NewUser, Role, Store};
use serde_json::json;

use negotiation::api::{Api, org_with_editor};
use negotiation::db::{Backend, TestDb, on_both_backends};
use negotiation::fixtures::*;
use negotiation::process::{Server, http};

on_both_backends!(
    server_killed_during_writes_loses_nothing_acknowledged,
    two_servers_share_sessions_throttle_and_version_checks,
);

// --------------------------------------------------------- kill -9 of the server

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

// ---------------------------------------------------------- two servers

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
