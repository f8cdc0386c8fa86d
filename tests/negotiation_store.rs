//! The negotiation's store on the real Connecticut data, on SQLite and on
//! PostgreSQL (every test runs on both; see `common/negotiation/db.rs`):
//! accounts, sessions and tokens, roles, version checks under concurrent
//! edits and rulings, waivers and diffs; the sign-in throttle and the bound
//! on password hashing.

#[path = "common/negotiation/mod.rs"]
mod negotiation;

use hecmap_core::report::Verdict;
use hecmap_core::rules::RulesConfig;
use hecmap_negotiation::{
    AuthSettings, CredentialKind, NegotiationError, NewRuling, NewUser, Role, RulingKind,
    StateView, Store, VersionStatus, WaiverDecision,
};
use serde_json::json;

use negotiation::db::{Backend, TestDb, on_both_backends};
use negotiation::fixtures::*;

on_both_backends!(
    accounts_sessions_and_tokens,
    store_enforces_roles,
    concurrent_edits_conflict_instead_of_overwriting,
    concurrent_rulings_conflict,
    waiver_rulings_and_diffs,
    parallel_guesses_check_few_passwords_and_never_lock_the_real_user_out,
    throttle_is_bounded_and_survives_a_restart,
    password_hashing_is_bounded_in_concurrency,
);

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
    // Requested, not yet ruled on: pending, and the HEC does not pass.
    assert_eq!(hec.verdict, Verdict::Pending);
    assert!(!hec.passes);
    assert_eq!(
        (hec.if_approved, hec.if_refused),
        (Some(Verdict::Passes), Some(Verdict::Fails))
    );
    let floor_severity = |view: &StateView| {
        let floor = view
            .report
            .findings
            .iter()
            .find(|f| f.rule == "threshold.population")
            .expect("a population finding");
        format!("{:?}", floor.severity)
    };
    assert_eq!(floor_severity(&view), "Pending");
    // Refused: the thresholds apply in full.
    store.rule(&staff, d, refuse(0)).await.unwrap();
    let view = store.state_view(&staff, d, &rules).await.unwrap();
    assert_eq!(view.state_version, 1);
    assert_eq!(floor_severity(&view), "Error");
    // Approved on a second look.
    let approve = NewRuling {
        decision: Some(WaiverDecision::Approved),
        reason: "Rural, and no neighbour wants it.".into(),
        ..refuse(1)
    };
    store.rule(&staff, d, approve).await.unwrap();
    let view = store.state_view(&staff, d, &rules).await.unwrap();
    assert_eq!(floor_severity(&view), "Waived");
    assert_eq!(view.report.hecs[0].verdict, Verdict::Passes);
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

// ------------------------------------------------------------- security

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
