//! Account moderation: Mastodon's admin accounts API (v1 and v2), account actions and
//! their undoing, their effects (sign-in, tokens, visibility), the audit log, and the
//! `starling account` actions of the real binary.

use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};
use starling_core::accounts::{self, NewLocalAccount, Role};
use starling_core::entities::report;
use starling_core::moderation::{accounts as moderation, blocks};

use crate::support::{TestApp, User};

const ADMIN_SCOPES: &str = "read write admin:read admin:write";

async fn admin(app: &TestApp) -> User {
    app.user_with_scopes("root", Role::Admin, ADMIN_SCOPES)
        .await
}

async fn moderator(app: &TestApp) -> User {
    app.user_with_scopes("modo", Role::Moderator, ADMIN_SCOPES)
        .await
}

async fn action(app: &TestApp, by: &User, target: &str, body: Value) -> crate::support::Reply {
    app.post_json(
        &format!("/api/v1/admin/accounts/{target}/action"),
        Some(&by.token),
        body,
    )
    .await
}

async fn shown(app: &TestApp, by: &User, target: &str) -> Value {
    app.get(&format!("/api/v1/admin/accounts/{target}"), Some(&by.token))
        .await
        .expect(200)
}

fn usernames(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap().to_owned())
        .collect()
}

/// A local account waiting for approval, created as a sign-up in approval mode is.
async fn pending(app: &TestApp, username: &str) -> String {
    accounts::create_local(
        &app.inst,
        NewLocalAccount {
            username: username.into(),
            email: format!("{username}@example.com"),
            password: format!("{username}-secret-password"),
            role: Role::User,
            approved: false,
            locale: Some("fr".into()),
            reason: "I like birds".into(),
            allow_reserved: false,
        },
    )
    .await
    .unwrap()
    .account
    .id
    .to_string()
}

#[tokio::test]
async fn the_admin_account_entity_is_mastodons_field_for_field() {
    let app = TestApp::start().await;
    let root = admin(&app).await;
    let alice = app.user("alice").await;
    let a = shown(&app, &root, &alice.id).await;
    let keys: Vec<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "id",
        "username",
        "domain",
        "created_at",
        "email",
        "ip",
        "ips",
        "locale",
        "invite_request",
        "role",
        "confirmed",
        "approved",
        "disabled",
        "silenced",
        "suspended",
        "sensitized",
        "account",
    ] {
        assert!(keys.contains(&key), "{key} missing from {a}");
    }
    assert_eq!(a["id"], alice.id.as_str());
    assert_eq!(a["username"], "alice");
    assert_eq!(a["domain"], Value::Null);
    assert_eq!(a["email"], "alice@example.com");
    assert!(a["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(a["ips"], json!([]));
    assert_eq!(a["confirmed"], true);
    assert_eq!(a["approved"], true);
    for flag in ["disabled", "silenced", "suspended", "sensitized"] {
        assert_eq!(a[flag], false, "{flag}");
    }
    assert_eq!(a["role"]["id"], -99);
    assert_eq!(a["role"]["permissions"], 65536);
    for key in [
        "name",
        "color",
        "position",
        "highlighted",
        "created_at",
        "updated_at",
    ] {
        assert!(a["role"].get(key).is_some(), "role.{key} missing: {a}");
    }
    assert_eq!(a["account"]["id"], alice.id.as_str());
    assert_eq!(a["account"]["acct"], "alice");
    let r = shown(&app, &root, &root.id).await;
    assert_eq!(r["role"]["name"], "Admin");
    assert_eq!(r["role"]["id"], 3);

    // A sign-up awaiting approval shows its reason and locale.
    let carol = pending(&app, "carol").await;
    let c = shown(&app, &root, &carol).await;
    assert_eq!(c["approved"], false);
    assert_eq!(c["invite_request"], "I like birds");
    assert_eq!(c["locale"], "fr");

    let missing = app
        .get("/api/v1/admin/accounts/12345", Some(&root.token))
        .await
        .expect_error(404);
    assert_eq!(missing, "Record not found");
}

#[tokio::test]
async fn lists_filter_as_mastodons_v1_and_v2() {
    let app = TestApp::start().await;
    let root = admin(&app).await;
    let token = Some(root.token.as_str());
    let alice = app.user("alice").await;
    let _bob = app.user("bob").await;
    let _modo = moderator(&app).await;
    let carol = pending(&app, "carol").await;
    action(&app, &root, &alice.id, json!({"type": "silence"}))
        .await
        .expect(200);

    // v1: local and active by default, newest first.
    let all = app.get("/api/v1/admin/accounts", token).await.expect(200);
    assert_eq!(usernames(&all), ["carol", "modo", "bob", "alice", "root"]);
    let list = |q: &'static str| {
        let app = &app;
        async move {
            usernames(
                &app.get(&format!("/api/v1/admin/accounts?{q}"), token)
                    .await
                    .expect(200),
            )
        }
    };
    assert_eq!(list("pending=true").await, ["carol"]);
    assert_eq!(list("silenced=true").await, ["alice"]);
    assert_eq!(list("staff=true").await, ["modo", "root"]);
    assert_eq!(list("username=AL").await, ["alice"]);
    assert_eq!(list("email=bob%40").await, ["bob"]);
    assert!(list("remote=true").await.is_empty());
    assert!(list("suspended=true").await.is_empty());

    // Paging: Link headers as Mastodon writes them.
    let page = app.get("/api/v1/admin/accounts?limit=2", token).await;
    assert_eq!(page.status, 200);
    assert_eq!(usernames(&page.json), ["carol", "modo"]);
    let link = page.header("link").unwrap().to_owned();
    assert!(
        link.contains("limit=2&max_id=") && link.contains("rel=\"next\""),
        "{link}"
    );
    assert!(
        link.contains("min_id=") && link.contains("rel=\"prev\""),
        "{link}"
    );

    // v2: origin / status / permissions; no defaults.
    let v2 = |q: &'static str| {
        let app = &app;
        async move { app.get(&format!("/api/v2/admin/accounts?{q}"), token).await }
    };
    assert_eq!(usernames(&v2("").await.expect(200)).len(), 5);
    assert_eq!(
        usernames(&v2("origin=local&status=pending").await.expect(200)),
        ["carol"]
    );
    assert_eq!(
        usernames(&v2("permissions=staff").await.expect(200)),
        ["modo", "root"]
    );
    assert_eq!(
        usernames(&v2("status=silenced").await.expect(200)),
        ["alice"]
    );
    assert!(usernames(&v2("origin=remote").await.expect(200)).is_empty());
    let bad = v2("status=banned").await.expect_error(400);
    assert!(bad.contains("Unknown status"), "{bad}");
    let bad = v2("origin=mars").await.expect_error(400);
    assert!(bad.contains("Unknown origin"), "{bad}");
    let _ = carol;
}

#[tokio::test]
async fn each_action_and_its_undo_shows_in_the_entity_and_the_audit_log() {
    let app = TestApp::start().await;
    let root = admin(&app).await;
    let alice = app.user("alice").await;
    for (kind, flag, undo) in [
        ("sensitive", "sensitized", "unsensitive"),
        ("silence", "silenced", "unsilence"),
        ("disable", "disabled", "enable"),
        ("suspend", "suspended", "unsuspend"),
    ] {
        let body = action(
            &app,
            &root,
            &alice.id,
            json!({"type": kind, "text": format!("because {kind}")}),
        )
        .await
        .expect(200);
        assert_eq!(body, json!({}));
        assert_eq!(shown(&app, &root, &alice.id).await[flag], true, "{kind}");
        let after = app
            .post_json(
                &format!("/api/v1/admin/accounts/{}/{undo}", alice.id),
                Some(&root.token),
                json!({}),
            )
            .await
            .expect(200);
        assert_eq!(after[flag], false, "{undo}: {after}");
        assert_eq!(after["id"], alice.id.as_str());
    }
    // A warning alone.
    action(
        &app,
        &root,
        &alice.id,
        json!({"type": "none", "text": "be nice"}),
    )
    .await
    .expect(200);

    let log = blocks::audit_log(&app.inst, 50).await.unwrap();
    let actions: Vec<&str> = log
        .iter()
        .filter(|l| l.target == alice.id)
        .map(|l| l.action.as_str())
        .rev()
        .collect();
    assert_eq!(
        actions,
        [
            "account.sensitive",
            "account.unsensitive",
            "account.silence",
            "account.unsilence",
            "account.disable",
            "account.enable",
            "account.suspend",
            "account.unsuspend",
            "account.warn",
        ]
    );
    let suspend = log.iter().find(|l| l.action == "account.suspend").unwrap();
    assert_eq!(suspend.account_id, Some(root.id.parse().unwrap()));
    assert_eq!(suspend.target_type, "account");
    assert!(
        suspend.details.contains("because suspend"),
        "{}",
        suspend.details
    );

    // One warning ("strike") per action, with its text.
    let warnings = moderation::warnings(&app.inst, alice.id.parse().unwrap())
        .await
        .unwrap();
    let kinds: Vec<(&str, &str)> = warnings
        .iter()
        .rev()
        .map(|w| (w.action.as_str(), w.text.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("sensitive", "because sensitive"),
            ("silence", "because silence"),
            ("disable", "because disable"),
            ("suspend", "because suspend"),
            ("none", "be nice"),
        ]
    );

    // Undoing what is not in force changes nothing and logs nothing.
    app.post_json(
        &format!("/api/v1/admin/accounts/{}/unsilence", alice.id),
        Some(&root.token),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(
        blocks::audit_log(&app.inst, 50).await.unwrap().len(),
        log.len()
    );
}

#[tokio::test]
async fn bad_actions_are_refused_with_mastodons_errors() {
    let app = TestApp::start().await;
    let root = admin(&app).await;
    let alice = app.user("alice").await;
    let e = action(&app, &root, &alice.id, json!({"type": "ban"}))
        .await
        .expect_error(422);
    assert_eq!(e, "Validation failed: Type is not included in the list");
    action(&app, &root, &alice.id, json!({}))
        .await
        .expect_error(422);
    action(&app, &root, "999", json!({"type": "suspend"}))
        .await
        .expect_error(404);
    action(
        &app,
        &root,
        &alice.id,
        json!({"type": "none", "report_id": "777"}),
    )
    .await
    .expect_error(404);
    action(
        &app,
        &root,
        &alice.id,
        json!({"type": "none", "warning_preset_id": "1"}),
    )
    .await
    .expect_error(404);
    // Nothing was half-done.
    assert_eq!(shown(&app, &root, &alice.id).await["suspended"], false);
    assert!(
        moderation::warnings(&app.inst, alice.id.parse().unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    // DELETE only once suspended.
    let e = app
        .delete(
            &format!("/api/v1/admin/accounts/{}", alice.id),
            Some(&root.token),
        )
        .await
        .expect_error(403);
    assert_eq!(e, "This action is not allowed");
    // approve / reject only for pending local sign-ups.
    app.post_json(
        &format!("/api/v1/admin/accounts/{}/approve", alice.id),
        Some(&root.token),
        json!({}),
    )
    .await
    .expect_error(403);
}

#[tokio::test]
async fn roles_and_scopes_are_checked_as_in_mastodon() {
    let app = TestApp::start().await;
    let root = admin(&app).await;
    let modo = moderator(&app).await;
    let alice = app.user("alice").await;
    let bob = app.user_with_scopes("bob", Role::User, ADMIN_SCOPES).await;

    // A user, even with the scopes: 403.
    let e = app
        .get("/api/v1/admin/accounts", Some(&bob.token))
        .await
        .expect_error(403);
    assert_eq!(e, "This action is not allowed");
    action(&app, &bob, &alice.id, json!({"type": "suspend"}))
        .await
        .expect_error(403);
    // A token without admin scopes: 403.
    let e = app
        .get("/api/v1/admin/accounts", Some(&alice.token))
        .await
        .expect_error(403);
    assert!(e.contains("scope"), "{e}");
    let reader = app
        .password_token(&root.email, &root.password, "read admin:read:accounts")
        .await;
    app.get("/api/v1/admin/accounts", Some(&reader))
        .await
        .expect(200);
    let e = app
        .post_json(
            &format!("/api/v1/admin/accounts/{}/action", alice.id),
            Some(&reader),
            json!({"type": "silence"}),
        )
        .await
        .expect_error(403);
    assert!(e.contains("scope"), "{e}");
    let writer = app
        .password_token(&root.email, &root.password, "admin:write:accounts")
        .await;
    app.post_json(
        &format!("/api/v1/admin/accounts/{}/action", alice.id),
        Some(&writer),
        json!({"type": "silence"}),
    )
    .await
    .expect(200);

    // A moderator acts on users, not on staff; an admin not on another admin.
    action(&app, &modo, &alice.id, json!({"type": "sensitive"}))
        .await
        .expect(200);
    for target in [&root.id, &modo.id] {
        let e = action(&app, &modo, target, json!({"type": "suspend"}))
            .await
            .expect_error(403);
        assert_eq!(e, "This action is not allowed");
    }
    assert_eq!(shown(&app, &root, &root.id).await["suspended"], false);
    action(&app, &root, &modo.id, json!({"type": "silence"}))
        .await
        .expect(200);
    // Deleting data is the admins'.
    action(&app, &modo, &alice.id, json!({"type": "suspend"}))
        .await
        .expect(200);
    app.delete(
        &format!("/api/v1/admin/accounts/{}", alice.id),
        Some(&modo.token),
    )
    .await
    .expect_error(403);
}

#[tokio::test]
async fn a_suspended_local_account_cannot_sign_in_and_is_hidden() {
    let app = TestApp::start().await;
    let root = admin(&app).await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let post = app.post_status(&alice, "visible for now").await;
    let post_id = post["id"].as_str().unwrap().to_owned();
    let public = app.get("/api/v1/timelines/public", None).await.expect(200);
    assert!(crate::support::TestApp::ids_of(&public).contains(&post_id));

    action(
        &app,
        &root,
        &alice.id,
        json!({"type": "suspend", "text": "spam"}),
    )
    .await
    .expect(200);

    // Its token and its password are refused.
    let e = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect_error(403);
    assert_eq!(e, "Your login is currently disabled");
    let (id, secret) = app.create_app("read").await;
    let login = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("username", &alice.email),
                ("password", &alice.password),
                ("scope", "read"),
            ],
        )
        .await;
    assert!(login.status.is_client_error(), "{}", login.text);
    assert!(login.text.contains("disabled"), "{}", login.text);

    // Hidden from others: profile in Mastodon's suspended shape, no statuses.
    let shown = app
        .get(&format!("/api/v1/accounts/{}", alice.id), Some(&bob.token))
        .await
        .expect(200);
    assert_eq!(shown["suspended"], true);
    assert_eq!(shown["display_name"], "");
    let statuses = app
        .get(
            &format!("/api/v1/accounts/{}/statuses", alice.id),
            Some(&bob.token),
        )
        .await
        .expect(200);
    assert_eq!(statuses, json!([]));
    app.get(&format!("/api/v1/statuses/{post_id}"), Some(&bob.token))
        .await
        .expect_error(404);
    let public = app.get("/api/v1/timelines/public", None).await.expect(200);
    assert!(!crate::support::TestApp::ids_of(&public).contains(&post_id));

    // Lifted: everything is back.
    app.post_json(
        &format!("/api/v1/admin/accounts/{}/unsuspend", alice.id),
        Some(&root.token),
        json!({}),
    )
    .await
    .expect(200);
    app.get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect(200);
    app.get(&format!("/api/v1/statuses/{post_id}"), Some(&bob.token))
        .await
        .expect(200);
}

#[tokio::test]
async fn a_disabled_login_is_refused_but_the_account_stays_visible() {
    let app = TestApp::start().await;
    let root = admin(&app).await;
    let alice = app.user("alice").await;
    let post = app.post_status(&alice, "still here").await;
    action(&app, &root, &alice.id, json!({"type": "disable"}))
        .await
        .expect(200);
    let e = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect_error(403);
    assert_eq!(e, "Your login is currently disabled");
    let account = app
        .get(&format!("/api/v1/accounts/{}", alice.id), None)
        .await
        .expect(200);
    assert!(account.get("suspended").is_none(), "{account}");
    app.get(
        &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
        None,
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn sensitive_and_silence_show_in_the_client_api() {
    let app = TestApp::start().await;
    let root = admin(&app).await;
    let alice = app.user("alice").await;
    let media = app.upload_png(&alice).await;
    let post = app
        .post_status_json(
            &alice,
            json!({"status": "a picture", "media_ids": [media["id"]]}),
        )
        .await;
    assert_eq!(post["sensitive"], false);
    let path = format!("/api/v1/statuses/{}", post["id"].as_str().unwrap());
    action(&app, &root, &alice.id, json!({"type": "sensitive"}))
        .await
        .expect(200);
    assert_eq!(app.get(&path, None).await.expect(200)["sensitive"], true);
    action(&app, &root, &alice.id, json!({"type": "silence"}))
        .await
        .expect(200);
    let account = app
        .get(&format!("/api/v1/accounts/{}", alice.id), None)
        .await
        .expect(200);
    assert_eq!(account["limited"], true);
    app.post_json(
        &format!("/api/v1/admin/accounts/{}/unsensitive", alice.id),
        Some(&root.token),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(app.get(&path, None).await.expect(200)["sensitive"], false);
}

#[tokio::test]
async fn an_action_resolves_the_reports_about_the_account() {
    let app = TestApp::start().await;
    let root = admin(&app).await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let now = chrono::Utc::now();
    let mut ids = Vec::new();
    for comment in ["first", "second"] {
        let id = starling_core::id::next_id();
        report::ActiveModel {
            id: Set(id),
            account_id: Set(bob.id.parse().unwrap()),
            target_account_id: Set(alice.id.parse().unwrap()),
            status_ids: Set("[]".into()),
            comment: Set(comment.into()),
            category: Set("spam".into()),
            rule_ids: Set("[]".into()),
            forwarded: Set(false),
            uri: Set(None),
            assigned_account_id: Set(None),
            action_taken_by_account_id: Set(None),
            action_taken_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&app.inst.store.write)
        .await
        .unwrap();
        ids.push(id);
    }
    let resolved = |id: i64| {
        let app = &app;
        async move {
            report::Entity::find_by_id(id)
                .one(&app.inst.store.read)
                .await
                .unwrap()
                .unwrap()
                .action_taken_at
                .is_some()
        }
    };
    // A warning answering one report resolves that one only.
    action(
        &app,
        &root,
        &alice.id,
        json!({"type": "none", "report_id": ids[0].to_string(), "text": "careful"}),
    )
    .await
    .expect(200);
    assert!(resolved(ids[0]).await);
    assert!(!resolved(ids[1]).await);
    // Any other action resolves every open report about the account.
    action(&app, &root, &alice.id, json!({"type": "silence"}))
        .await
        .expect(200);
    assert!(resolved(ids[1]).await);
    let r = report::Entity::find_by_id(ids[1])
        .one(&app.inst.store.read)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.action_taken_by_account_id, Some(root.id.parse().unwrap()));
    let log = blocks::audit_log(&app.inst, 20).await.unwrap();
    assert_eq!(
        log.iter().filter(|l| l.action == "report.resolve").count(),
        2
    );
}

#[tokio::test]
async fn registrations_are_approved_or_rejected() {
    let app = TestApp::start().await;
    let modo = moderator(&app).await;
    let carol = pending(&app, "carol").await;
    let dave = pending(&app, "dave").await;
    let approved = app
        .post_json(
            &format!("/api/v1/admin/accounts/{carol}/approve"),
            Some(&modo.token),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(approved["approved"], true);
    let rejected = app
        .post_json(
            &format!("/api/v1/admin/accounts/{dave}/reject"),
            Some(&modo.token),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(rejected, json!({}));
    app.get(&format!("/api/v1/admin/accounts/{dave}"), Some(&modo.token))
        .await
        .expect_error(404);
    // The name is free again.
    pending(&app, "dave").await;
    let log = blocks::audit_log(&app.inst, 10).await.unwrap();
    assert!(
        log.iter()
            .any(|l| l.action == "account.approve" && l.target == carol)
    );
    assert!(
        log.iter()
            .any(|l| l.action == "account.reject" && l.target == dave)
    );
}

#[tokio::test]
async fn a_suspended_account_can_be_deleted_for_good() {
    let app = TestApp::start().await;
    let root = admin(&app).await;
    let alice = app.user("alice").await;
    app.post_status(&alice, "soon gone").await;
    action(&app, &root, &alice.id, json!({"type": "suspend"}))
        .await
        .expect(200);
    app.delete(
        &format!("/api/v1/admin/accounts/{}", alice.id),
        Some(&root.token),
    )
    .await
    .expect(200);
    let a = shown(&app, &root, &alice.id).await;
    assert_eq!(a["suspended"], true);
    assert_eq!(a["email"], Value::Null, "the login is gone");
    assert_eq!(a["account"]["statuses_count"], 0);
    assert!(
        blocks::audit_log(&app.inst, 5)
            .await
            .unwrap()
            .iter()
            .any(|l| l.action == "account.destroy")
    );
}

#[tokio::test]
async fn the_command_line_suspends_and_unsuspends_with_a_reason() {
    let app = TestApp::start().await;
    let root = admin(&app).await;
    let alice = app.user("alice").await;
    let (code, out, err) = app
        .cli(&["account", "suspend", "alice", "--reason", "spam waves"])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("Suspended @alice"), "{err}");
    app.get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect_error(403);
    assert_eq!(shown(&app, &root, &alice.id).await["suspended"], true);
    let log = blocks::audit_log(&app.inst, 5).await.unwrap();
    let entry = log.iter().find(|l| l.action == "account.suspend").unwrap();
    assert_eq!(entry.account_id, None, "logged as the command line");
    assert!(entry.details.contains("spam waves"), "{}", entry.details);

    for (verb, flag) in [
        ("silence", "silenced"),
        ("sensitive", "sensitized"),
        ("disable", "disabled"),
    ] {
        let (code, out, err) = app.cli(&["account", verb, "alice"]).await;
        assert_eq!(code, 0, "{verb}: {out}{err}");
        assert_eq!(shown(&app, &root, &alice.id).await[flag], true, "{verb}");
    }
    for verb in ["unsuspend", "unsilence", "unsensitive", "enable"] {
        let (code, out, err) = app.cli(&["account", verb, "alice"]).await;
        assert_eq!(code, 0, "{verb}: {out}{err}");
    }
    let a = shown(&app, &root, &alice.id).await;
    for flag in ["suspended", "silenced", "sensitized", "disabled"] {
        assert_eq!(a[flag], false, "{flag}: {a}");
    }
    app.get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect(200);

    let (code, _, err) = app
        .cli(&["account", "silence", "nobody@elsewhere.example"])
        .await;
    assert_ne!(code, 0);
    assert!(
        err.contains("no account \"nobody@elsewhere.example\""),
        "{err}"
    );
}
