//! The negotiation through the HTTP API (the router in process), on SQLite
//! and on PostgreSQL: the full round from accounts to rulings, every role
//! boundary, bounds on every text and body, credential lifetimes, drafts
//! kept within their organization.

#[path = "common/negotiation/mod.rs"]
mod negotiation;

use std::collections::BTreeMap;

use axum::http::{StatusCode, header};
use hecmap_negotiation::{AuthSettings, NegotiationError, Store, StoreLocation};
use serde_json::{Value, json};

use negotiation::api::{Api, Reply, org_with_editor};
use negotiation::db::{Backend, TestDb, on_both_backends};
use negotiation::fixtures::*;

on_both_backends!(
    full_round_through_the_api,
    api_refuses_across_every_role_boundary,
    api_bounds_every_text_and_body_and_wants_json,
    credential_lifetimes_are_bounded,
    drafts_stay_with_their_organization,
);

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
    // The page's probe: 200 whether signed in or not, never a 401.
    let probe = api.get("/api/auth/session", &session).await;
    assert_eq!(
        (&probe["sign_in"], &probe["actor"]["username"]),
        (&json!(true), &json!("ed-a"))
    );
    let anonymous = api.send("GET", "/api/auth/session", None, None).await;
    assert_eq!(anonymous.status, S::OK);
    assert_eq!(anonymous.json, json!({"sign_in": true, "actor": null}));
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
    let expired = api
        .send("GET", "/api/auth/session", Some(&session), None)
        .await;
    assert_eq!(
        (expired.status, &expired.json["actor"]),
        (S::OK, &Value::Null),
        "a revoked session is no one, not an error"
    );
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
