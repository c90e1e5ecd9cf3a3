//! Moderation: domain blocks and allows through the admin API, their audit log, and
//! their effect at the federation doors.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use starling_core::accounts::Role;

use crate::support::{TestApp, User};

async fn admin(app: &TestApp) -> User {
    app.user_with_scopes("root", Role::Admin, "read write admin:read admin:write")
        .await
}

#[tokio::test]
async fn domain_blocks_are_created_changed_and_lifted_as_in_mastodon() {
    let app = TestApp::start().await;
    let root = admin(&app).await;
    let token = Some(root.token.as_str());
    let created = app
        .post_json(
            "/api/v1/admin/domain_blocks",
            token,
            json!({
                "domain": " Evil.Example. ",
                "severity": "silence",
                "reject_media": true,
                "public_comment": "spam",
                "private_comment": "reported twice",
            }),
        )
        .await
        .expect(200);
    assert_eq!(created["domain"], "evil.example");
    assert_eq!(created["severity"], "silence");
    assert_eq!(created["reject_media"], true);
    assert_eq!(created["reject_reports"], false);
    assert_eq!(created["obfuscate"], false);
    assert_eq!(created["public_comment"], "spam");
    assert_eq!(created["private_comment"], "reported twice");
    assert_eq!(
        created["digest"],
        hex::encode(Sha256::digest(b"evil.example"))
    );
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    let id = created["id"].as_str().unwrap().to_owned();

    // The same domain again: refused, the first block kept.
    let again = app
        .post_json(
            "/api/v1/admin/domain_blocks",
            token,
            json!({"domain": "evil.example"}),
        )
        .await
        .expect_error(422);
    assert!(again.contains("blocked already"), "{again}");

    let listed = app
        .get("/api/v1/admin/domain_blocks", token)
        .await
        .expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], id.as_str());

    let changed = app
        .put_json(
            &format!("/api/v1/admin/domain_blocks/{id}"),
            token,
            json!({"severity": "suspend", "obfuscate": true}),
        )
        .await
        .expect(200);
    assert_eq!(changed["severity"], "suspend");
    assert_eq!(changed["obfuscate"], true);
    assert_eq!(changed["reject_media"], true, "untouched fields are kept");
    assert_eq!(changed["public_comment"], "spam");
    let shown = app
        .get(&format!("/api/v1/admin/domain_blocks/{id}"), token)
        .await
        .expect(200);
    assert_eq!(shown["severity"], "suspend");
    assert!(app.inst.policy.is_suspended("a.evil.example"));

    app.delete(&format!("/api/v1/admin/domain_blocks/{id}"), token)
        .await
        .expect(200);
    app.get(&format!("/api/v1/admin/domain_blocks/{id}"), token)
        .await
        .expect_error(404);
    assert!(!app.inst.policy.is_suspended("a.evil.example"));

    // Every change is in the audit log: who, what, when.
    let log = starling_core::moderation::blocks::audit_log(&app.inst, 10)
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "domain_block.delete",
            "domain_block.update",
            "domain_block.create"
        ]
    );
    let root_id: i64 = root.id.parse().unwrap();
    assert!(
        log.iter()
            .all(|e| e.account_id == Some(root_id) && e.target == "evil.example")
    );
    let update: Value = serde_json::from_str(&log[1].details).unwrap();
    assert_eq!(update["before"]["severity"], "silence");
    assert_eq!(update["after"]["severity"], "suspend");
}

#[tokio::test]
async fn bad_domain_blocks_are_refused_and_nothing_is_stored() {
    let app = TestApp::start().await;
    let root = admin(&app).await;
    let token = Some(root.token.as_str());
    for body in [
        json!({"domain": "https://evil.example/users/a"}),
        json!({"domain": "evil.example/path"}),
        json!({"domain": "*.evil.example"}),
        // (An IP address is a domain on this test network: see
        // federation::moderation for both kinds of server.)
        json!({"domain": "evil.example:port"}),
        json!({"domain": ""}),
        json!({}),
        json!({"domain": "evil.example", "severity": "obliterate"}),
    ] {
        let error = app
            .post_json("/api/v1/admin/domain_blocks", token, body.clone())
            .await
            .expect_error(422);
        assert!(!error.is_empty(), "{body}");
    }
    let listed = app
        .get("/api/v1/admin/domain_blocks", token)
        .await
        .expect(200);
    assert_eq!(listed, json!([]));
    // An internationalised name is stored as punycode and shown as written.
    let idn = app
        .post_json(
            "/api/v1/admin/domain_blocks",
            token,
            json!({"domain": "bücher.example"}),
        )
        .await
        .expect(200);
    assert_eq!(idn["domain"], "bücher.example");
    assert_eq!(idn["severity"], "suspend", "Mastodon's default severity");
    assert!(app.inst.policy.is_suspended("xn--bcher-kva.example"));
}

#[tokio::test]
async fn the_admin_api_needs_an_admin_and_an_admin_scope() {
    let app = TestApp::start().await;
    let path = "/api/v1/admin/domain_blocks";
    app.get(path, None).await.expect_error(401);
    let moderator = app
        .user_with_scopes("mod", Role::Moderator, "read write admin:read admin:write")
        .await;
    app.get(path, Some(&moderator.token))
        .await
        .expect_error(403);
    let user = app
        .user_with_scopes("user", Role::User, "read write admin:read admin:write")
        .await;
    app.get(path, Some(&user.token)).await.expect_error(403);
    let unscoped = app
        .user_with_scopes("root", Role::Admin, "read write")
        .await;
    app.get(path, Some(&unscoped.token)).await.expect_error(403);
    let reader = app
        .user_with_scopes("reader", Role::Admin, "admin:read:domain_blocks")
        .await;
    app.get(path, Some(&reader.token)).await.expect(200);
    app.post_json(path, Some(&reader.token), json!({"domain": "evil.example"}))
        .await
        .expect_error(403);
}

#[tokio::test]
async fn domain_allows_are_listed_created_and_deleted() {
    let app = TestApp::start().await;
    let root = admin(&app).await;
    let token = Some(root.token.as_str());
    let allowed = app
        .post_json(
            "/api/v1/admin/domain_allows",
            token,
            json!({"domain": "Friendly.Example"}),
        )
        .await
        .expect(200);
    assert_eq!(allowed["domain"], "friendly.example");
    let id = allowed["id"].as_str().unwrap().to_owned();
    // Allowing it again answers the same allow.
    let again = app
        .post_json(
            "/api/v1/admin/domain_allows",
            token,
            json!({"domain": "friendly.example"}),
        )
        .await
        .expect(200);
    assert_eq!(again["id"], id.as_str());
    let listed = app
        .get("/api/v1/admin/domain_allows", token)
        .await
        .expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    app.get(&format!("/api/v1/admin/domain_allows/{id}"), token)
        .await
        .expect(200);
    app.delete(&format!("/api/v1/admin/domain_allows/{id}"), token)
        .await
        .expect(200);
    let listed = app
        .get("/api/v1/admin/domain_allows", token)
        .await
        .expect(200);
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn the_public_list_of_blocks_is_shown_as_the_admins_choose() {
    use starling_core::config::Audience;

    let path = "/api/v1/instance/domain_blocks";
    // Mastodon's default: not published.
    let hidden = TestApp::start().await;
    hidden.get(path, None).await.expect_error(404);

    let app = TestApp::builder()
        .config(|c| {
            c.instance.show_domain_blocks = Audience::All;
            c.instance.show_domain_blocks_rationale = Audience::Users;
        })
        .start()
        .await;
    let root = admin(&app).await;
    for body in [
        json!({"domain": "evil.example", "severity": "suspend", "public_comment": "spam"}),
        json!({"domain": "secret.example", "severity": "silence", "obfuscate": true}),
        json!({"domain": "media.example", "severity": "noop", "reject_media": true}),
        json!({"domain": "nothing.example", "severity": "noop", "reject_reports": true}),
    ] {
        app.post_json("/api/v1/admin/domain_blocks", Some(&root.token), body)
            .await
            .expect(200);
    }
    let anonymous = app.get(path, None).await.expect(200);
    assert_eq!(
        anonymous,
        json!([
            {"domain": "evil.example", "digest": hex::encode(Sha256::digest(b"evil.example")), "severity": "suspend"},
            {"domain": "media.example", "digest": hex::encode(Sha256::digest(b"media.example")), "severity": "noop"},
            {"domain": "secr**.****ple", "digest": hex::encode(Sha256::digest(b"secret.example")), "severity": "silence"},
        ]),
        "a block users cannot notice (reports only) is not listed"
    );
    let user = app.user("alice").await;
    let signed_in = app.get(path, Some(&user.token)).await.expect(200);
    assert_eq!(signed_in[0]["comment"], "spam", "the rationale for users");
    assert_eq!(signed_in[2]["comment"], "");
}

#[tokio::test]
async fn measures_count_a_domains_accounts_follows_and_posts_for_staff() {
    use sea_orm::EntityTrait;
    use starling_core::accounts::remote::{RemoteActor, upsert};
    use starling_core::entities::follow;

    let app = TestApp::start().await;
    let root = admin(&app).await;
    let alice = app.user("alice").await;
    let mut remote = Vec::new();
    for (name, domain) in [
        ("zoe", "far.example"),
        ("yann", "sub.far.example"),
        ("xena", "near.example"),
    ] {
        let actor = RemoteActor {
            uri: format!("https://{domain}/users/{name}"),
            username: name.into(),
            domain: domain.into(),
            inbox: Some(format!("https://{domain}/users/{name}/inbox")),
            public_key_pem: "-".into(),
            ..Default::default()
        };
        remote.push(upsert(&app.inst, actor).await.unwrap());
    }
    // alice follows zoe and yann (far.example and its subdomain), xena follows alice.
    let alice_id: i64 = alice.id.parse().unwrap();
    for (from, to) in [
        (alice_id, remote[0].id),
        (alice_id, remote[1].id),
        (remote[2].id, alice_id),
    ] {
        follow::Entity::insert(follow::ActiveModel {
            id: sea_orm::Set(starling_core::id::next_id()),
            account_id: sea_orm::Set(from),
            target_account_id: sea_orm::Set(to),
            show_reblogs: sea_orm::Set(true),
            notify: sea_orm::Set(false),
            languages: sea_orm::Set(None),
            uri: sea_orm::Set(None),
            created_at: sea_orm::Set(chrono::Utc::now()),
        })
        .exec_without_returning(&app.inst.store.write)
        .await
        .unwrap();
    }
    let ask = |domain: &'static str| {
        json!({
            "keys": ["instance_accounts", "instance_follows", "instance_followers", "new_users"],
            "instance_accounts": {"domain": domain},
            "instance_follows": {"domain": domain},
            "instance_followers": {"domain": domain},
        })
    };
    let far = app
        .post_json(
            "/api/v1/admin/measures",
            Some(&root.token),
            ask("far.example"),
        )
        .await
        .expect(200);
    let totals: Vec<(&str, &str)> = far
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["key"].as_str().unwrap(), m["total"].as_str().unwrap()))
        .collect();
    assert_eq!(
        totals,
        vec![
            ("instance_accounts", "2"),
            ("instance_follows", "2"),
            ("instance_followers", "0")
        ],
        "subdomains counted; keys not computed here left out: {far}"
    );
    let days = far[1]["data"].as_array().unwrap();
    assert_eq!(days.len(), 30, "the last 30 days by default");
    assert_eq!(
        days.last().unwrap()["value"],
        "2",
        "both follows are today's"
    );
    assert!(days[0]["date"].as_str().unwrap().ends_with("T00:00:00Z"));
    let near = app
        .post_json(
            "/api/v1/admin/measures",
            Some(&root.token),
            ask("near.example"),
        )
        .await
        .expect(200);
    assert_eq!(near[2]["total"], "1", "xena follows alice: {near}");

    // Staff only, with admin:read; a bad date or a missing domain is a clear error.
    app.post_json(
        "/api/v1/admin/measures",
        Some(&alice.token),
        ask("far.example"),
    )
    .await
    .expect_error(403);
    let bad = app
        .post_json(
            "/api/v1/admin/measures",
            Some(&root.token),
            json!({"keys": ["instance_follows"], "instance_follows": {"domain": "far.example"}, "start_at": "yesterday"}),
        )
        .await
        .expect_error(422);
    assert!(bad.contains("start_at"), "{bad}");
    app.post_json(
        "/api/v1/admin/measures",
        Some(&root.token),
        json!({"keys": ["instance_follows"]}),
    )
    .await
    .expect_error(400);
}

#[tokio::test]
async fn the_admin_api_imports_mastodon_csv_with_a_dry_run_all_or_nothing() {
    let app = TestApp::start().await;
    let root = admin(&app).await;
    let token = Some(root.token.as_str());
    let csv = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
               spam.example,suspend,true,true,Spam,false\n\
               xn--bcher-kva.example,silence,false,false,,false\n";
    let dry = app
        .post_json(
            "/api/v1/admin/domain_blocks/import",
            token,
            json!({"csv": csv, "dry_run": true}),
        )
        .await
        .expect(200);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["created"][0]["domain"], "spam.example");
    assert_eq!(dry["created"][1]["domain"], "bücher.example", "{dry}");
    assert_eq!(dry["severed"], json!([]));
    let none = app
        .get("/api/v1/admin/domain_blocks", token)
        .await
        .expect(200);
    assert_eq!(none, json!([]), "a dry run changes nothing");

    let done = app
        .post_json(
            "/api/v1/admin/domain_blocks/import",
            token,
            json!({"csv": csv}),
        )
        .await
        .expect(200);
    assert_eq!(done["dry_run"], false);
    let listed = app
        .get("/api/v1/admin/domain_blocks", token)
        .await
        .expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // Again: nothing new. A bad line refuses the whole file, naming the line.
    let again = app
        .post_json(
            "/api/v1/admin/domain_blocks/import",
            token,
            json!({"csv": csv}),
        )
        .await
        .expect(200);
    assert_eq!(again["unchanged"], 2);
    let bad = app
        .post_json(
            "/api/v1/admin/domain_blocks/import",
            token,
            json!({"csv": "#domain,#severity\nfine.example,suspend\nbad.example/path,suspend\n"}),
        )
        .await
        .expect_error(422);
    assert!(bad.contains("line 3"), "{bad}");
    assert_eq!(
        app.get("/api/v1/admin/domain_blocks", token)
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        2,
        "nothing of a bad file is applied"
    );
    let user = app.user("alice").await;
    app.post_json(
        "/api/v1/admin/domain_blocks/import",
        Some(&user.token),
        json!({"csv": csv}),
    )
    .await
    .expect_error(403);
}

#[tokio::test]
async fn limited_domains_follow_new_accounts_and_changed_rules() {
    use starling_core::hidden::limited_domains;
    use starling_core::moderation::Severity;
    use starling_core::moderation::blocks::{self, BlockFields};

    let app = TestApp::start().await;
    let silence = BlockFields {
        severity: Some(Severity::Silence),
        ..BlockFields::default()
    };
    blocks::create_block(&app.inst, None, "limited.example", silence)
        .await
        .unwrap();
    app.remote_account("early", "limited.example").await;
    app.remote_account("open", "open.example").await;
    assert_eq!(
        *limited_domains(&app.inst).await.unwrap(),
        ["limited.example"]
    );
    // An account that arrives later, on a subdomain, is seen at the next read.
    app.remote_account("late", "sub.limited.example").await;
    assert_eq!(
        *limited_domains(&app.inst).await.unwrap(),
        ["limited.example", "sub.limited.example"]
    );
    // A changed rule is worked out again: lifted, nothing is limited; a new one counts.
    let block = blocks::all_blocks(&app.inst).await.unwrap().remove(0);
    blocks::delete_block(&app.inst, None, block.id)
        .await
        .unwrap();
    let suspend = BlockFields {
        severity: Some(Severity::Suspend),
        ..BlockFields::default()
    };
    blocks::create_block(&app.inst, None, "open.example", suspend)
        .await
        .unwrap();
    assert_eq!(*limited_domains(&app.inst).await.unwrap(), ["open.example"]);
}
