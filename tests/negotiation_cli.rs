//! The negotiation from the command line (`hecmap admin`), on SQLite and
//! on PostgreSQL: the first administrator, organizations and accounts.

#[path = "common/negotiation/mod.rs"]
mod negotiation;

use hecmap_negotiation::CredentialKind;

use negotiation::db::{Backend, TestDb, on_both_backends};
use negotiation::fixtures::*;
use negotiation::process::hecmap_admin;

on_both_backends!(command_line_creates_the_first_administrator_and_accounts,);

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
