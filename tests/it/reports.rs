//! Reports: `POST /api/v1/reports` (Mastodon's `Report`), the admin reports API
//! (`Admin::Report`) with its audit log, and `starling report` on the command line.

use serde_json::{Value, json};
use starling_core::accounts::Role;

use crate::support::{TestApp, User};

const RULES: [&str; 2] = ["No spam", "Be kind to each other"];

async fn app_with_rules() -> TestApp {
    TestApp::builder()
        .config(|c| c.instance.rules = RULES.iter().map(|r| r.to_string()).collect())
        .start()
        .await
}

async fn moderator(app: &TestApp) -> User {
    app.user_with_scopes(
        "mod",
        Role::Moderator,
        "read write admin:read:reports admin:write:reports",
    )
    .await
}

async fn report(app: &TestApp, by: &User, body: Value) -> crate::support::Reply {
    app.post_json("/api/v1/reports", Some(&by.token), body)
        .await
}

/// The JSON array at `path`, as `user` reads it.
async fn list_of(app: &TestApp, path: &str, user: &User) -> Vec<Value> {
    app.get(path, Some(&user.token))
        .await
        .expect(200)
        .as_array()
        .cloned()
        .unwrap()
}

/// The open reports as a moderator sees them.
async fn open_reports(app: &TestApp, staff: &User) -> Vec<Value> {
    list_of(app, "/api/v1/admin/reports", staff).await
}

#[tokio::test]
async fn a_report_names_statuses_category_and_rules_as_mastodon_does() {
    let app = app_with_rules().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let first = app.post_status(&bob, "buy my pills").await;
    let second = app.post_status(&bob, "buy them now").await;

    // Naming rules makes it a violation, whatever the category sent.
    let r = report(
        &app,
        &alice,
        json!({
            "account_id": bob.id,
            "status_ids": [first["id"], second["id"]],
            "comment": "selling things",
            "category": "spam",
            "rule_ids": ["2"],
            "forward": true,
        }),
    )
    .await
    .expect(200);
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "action_taken",
            "action_taken_at",
            "category",
            "comment",
            "created_at",
            "forwarded",
            "id",
            "rule_ids",
            "status_ids",
            "target_account",
        ]
    );
    assert!(r["id"].as_str().unwrap().parse::<i64>().is_ok(), "{r}");
    assert_eq!(r["action_taken"], false);
    assert_eq!(r["action_taken_at"], Value::Null);
    assert_eq!(r["category"], "violation");
    assert_eq!(r["comment"], "selling things");
    // A local account is not forwarded anywhere.
    assert_eq!(r["forwarded"], false);
    let created = r["created_at"].as_str().unwrap();
    assert!(created.ends_with('Z') && created.len() == 24, "{created}");
    let mut status_ids = vec![first["id"].clone(), second["id"].clone()];
    status_ids.sort_by_key(|v| v.as_str().unwrap().parse::<i64>().unwrap());
    assert_eq!(r["status_ids"], json!(status_ids));
    assert_eq!(r["rule_ids"], json!(["2"]));
    assert_eq!(r["target_account"]["id"], bob.id);
    assert_eq!(r["target_account"]["acct"], "bob");

    // A form body, as Rails reads it; no rules: `other` and `rule_ids: null`.
    let r = app
        .post_form(
            "/api/v1/reports",
            Some(&alice.token),
            &[
                ("account_id", &bob.id),
                ("status_ids[]", first["id"].as_str().unwrap()),
                ("forward", "0"),
            ],
        )
        .await
        .expect(200);
    assert_eq!(r["category"], "other");
    assert_eq!(r["comment"], "");
    assert_eq!(r["rule_ids"], Value::Null);
    assert_eq!(r["status_ids"], json!([first["id"]]));
    let r = report(
        &app,
        &alice,
        json!({"account_id": bob.id, "category": "legal"}),
    )
    .await
    .expect(200);
    assert_eq!(r["category"], "legal");
    assert_eq!(r["status_ids"], json!([]));
}

#[tokio::test]
async fn bad_reports_are_refused_with_mastodon_errors() {
    let app = app_with_rules().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let staff = moderator(&app).await;
    let bobs = app.post_status(&bob, "hello").await;
    let carols = app.post_status(&carol, "not bob's").await;
    let hidden = app
        .post_status_json(
            &bob,
            json!({"status": "followers only", "visibility": "private"}),
        )
        .await;

    let err = report(
        &app,
        &alice,
        json!({"account_id": bob.id, "category": "rude"}),
    )
    .await
    .expect_error(422);
    assert!(err.contains("spam, legal, violation or other"), "{err}");

    let long = "x".repeat(1001);
    let err = report(&app, &alice, json!({"account_id": bob.id, "comment": long}))
        .await
        .expect_error(422);
    assert_eq!(
        err,
        "Validation failed: Comment is too long (maximum is 1000 characters)"
    );

    let err = report(&app, &alice, json!({"comment": "who?"}))
        .await
        .expect_error(422);
    assert_eq!(err, "Validation failed: Account can't be blank");

    for rules in [json!(["9"]), json!(["0"]), json!(["x"])] {
        let err = report(
            &app,
            &alice,
            json!({"account_id": bob.id, "rule_ids": rules}),
        )
        .await
        .expect_error(422);
        assert_eq!(
            err,
            "Validation failed: Rule ids does not reference valid rules"
        );
    }
    // A violation names the rules it breaks.
    report(
        &app,
        &alice,
        json!({"account_id": bob.id, "category": "violation"}),
    )
    .await
    .expect_error(422);

    // As Mastodon's `find`: an account or status that is not there (for this reporter)
    // is a 404 — someone else's status, or one the reporter cannot see.
    report(&app, &alice, json!({"account_id": "123456789"}))
        .await
        .expect_error(404);
    report(&app, &alice, json!({"account_id": "bob"}))
        .await
        .expect_error(404);
    for status in [&carols["id"], &hidden["id"], &json!("nope")] {
        report(
            &app,
            &alice,
            json!({"account_id": bob.id, "status_ids": [bobs["id"], status]}),
        )
        .await
        .expect_error(404);
    }

    // Nothing half-written.
    assert!(open_reports(&app, &staff).await.is_empty());
    // Exactly 1000 characters is fine.
    report(
        &app,
        &alice,
        json!({"account_id": bob.id, "comment": "y".repeat(1000)}),
    )
    .await
    .expect(200);
    assert_eq!(open_reports(&app, &staff).await.len(), 1);
}

#[tokio::test]
async fn scopes_and_roles_guard_reports() {
    let app = TestApp::start().await;
    let bob = app.user("bob").await;
    let reader = app
        .user_with_scopes("reader", Role::User, "read write:statuses")
        .await;
    report(&app, &reader, json!({"account_id": bob.id}))
        .await
        .expect_error(403);
    let granular = app
        .user_with_scopes("granular", Role::User, "write:reports")
        .await;
    report(&app, &granular, json!({"account_id": bob.id}))
        .await
        .expect(200);
    report(&app, &bob, json!({"account_id": granular.id}))
        .await
        .expect(200);

    // A user with admin scopes but no staff role.
    let user = app
        .user_with_scopes("pretender", Role::User, "read write admin:read admin:write")
        .await;
    app.get("/api/v1/admin/reports", Some(&user.token))
        .await
        .expect_error(403);
    // A moderator without the scope.
    let plain_mod = app
        .user_with_scopes("plainmod", Role::Moderator, "read write")
        .await;
    app.get("/api/v1/admin/reports", Some(&plain_mod.token))
        .await
        .expect_error(403);
    // A moderator who may read but not write.
    let read_mod = app
        .user_with_scopes("readmod", Role::Moderator, "admin:read:reports")
        .await;
    let list = app
        .get("/api/v1/admin/reports", Some(&read_mod.token))
        .await
        .expect(200);
    assert_eq!(list.as_array().unwrap().len(), 2);
    let id = list[0]["id"].as_str().unwrap();
    app.post_json(
        &format!("/api/v1/admin/reports/{id}/resolve"),
        Some(&read_mod.token),
        json!({}),
    )
    .await
    .expect_error(403);
    app.post_json(
        &format!("/api/v1/admin/reports/{id}/resolve"),
        Some(&user.token),
        json!({}),
    )
    .await
    .expect_error(403);
    // A moderator with `admin:write` acts; unknown ids are 404.
    let moderator = moderator(&app).await;
    app.post_json(
        &format!("/api/v1/admin/reports/{id}/resolve"),
        Some(&moderator.token),
        json!({}),
    )
    .await
    .expect(200);
    app.get("/api/v1/admin/reports/42", Some(&moderator.token))
        .await
        .expect_error(404);
    app.post_json(
        "/api/v1/admin/reports/nope/assign_to_self",
        Some(&moderator.token),
        json!({}),
    )
    .await
    .expect_error(404);
    app.get("/api/v1/admin/reports", None)
        .await
        .expect_error(401);
}

/// The audit log rows about report `id`, oldest first: `(action, moderator)`.
async fn audit_of(app: &TestApp, id: &str) -> Vec<(String, Option<i64>)> {
    let mut rows: Vec<(String, Option<i64>)> =
        starling_core::moderation::blocks::audit_log(&app.inst, 500)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.target_type == "report" && r.target == id)
            .map(|r| (r.action, r.account_id))
            .collect();
    rows.reverse();
    rows
}

#[tokio::test]
async fn moderators_assign_resolve_and_reopen_reports_with_an_audit_log() {
    let app = app_with_rules().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let staff = moderator(&app).await;
    let staff_id: i64 = staff.id.parse().unwrap();
    let post = app.post_status(&bob, "reported words").await;
    let first = report(
        &app,
        &alice,
        json!({"account_id": bob.id, "status_ids": [post["id"]], "comment": "rude", "rule_ids": [1, 2]}),
    )
    .await
    .expect(200);
    let id = first["id"].as_str().unwrap().to_string();
    let second = report(&app, &carol, json!({"account_id": alice.id}))
        .await
        .expect(200);

    let path = |action: &str| format!("/api/v1/admin/reports/{id}/{action}");
    let token = Some(staff.token.as_str());
    let shown = app
        .get(&format!("/api/v1/admin/reports/{id}"), token)
        .await
        .expect(200);
    let mut keys: Vec<&str> = shown
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "account",
            "action_taken",
            "action_taken_at",
            "action_taken_by_account",
            "assigned_account",
            "category",
            "comment",
            "created_at",
            "forwarded",
            "id",
            "rules",
            "statuses",
            "target_account",
            "updated_at",
        ]
    );
    assert_eq!(shown["category"], "violation");
    assert_eq!(shown["comment"], "rude");
    assert_eq!(shown["action_taken"], false);
    assert_eq!(shown["assigned_account"], Value::Null);
    assert_eq!(shown["action_taken_by_account"], Value::Null);
    // Admin::Account of the reporter and of the target.
    let reporter = &shown["account"];
    assert_eq!(reporter["id"], alice.id);
    assert_eq!(reporter["username"], "alice");
    assert_eq!(reporter["domain"], Value::Null);
    assert_eq!(reporter["email"], "alice@example.com");
    assert_eq!(reporter["approved"], true);
    assert_eq!(reporter["suspended"], false);
    assert_eq!(reporter["silenced"], false);
    assert_eq!(reporter["disabled"], false);
    assert_eq!(reporter["ips"], json!([]));
    assert_eq!(reporter["account"]["acct"], "alice");
    assert!(reporter["role"]["permissions"].is_number(), "{reporter}");
    assert_eq!(shown["target_account"]["account"]["id"], bob.id);
    // The statuses as Status entities, the rules as Rule entities.
    assert_eq!(shown["statuses"][0]["id"], post["id"]);
    assert_eq!(shown["statuses"][0]["content"], post["content"]);
    assert_eq!(
        shown["rules"],
        json!([
            {"id": "1", "text": RULES[0], "hint": ""},
            {"id": "2", "text": RULES[1], "hint": ""},
        ])
    );

    // Filters.
    let by_alice = app
        .get(
            &format!("/api/v1/admin/reports?account_id={}", alice.id),
            token,
        )
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&by_alice), [id.as_str()]);
    let against_alice = app
        .get(
            &format!("/api/v1/admin/reports?target_account_id={}", alice.id),
            token,
        )
        .await
        .expect(200);
    assert_eq!(
        TestApp::ids_of(&against_alice),
        [second["id"].as_str().unwrap()]
    );
    let count = |q: &'static str| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/admin/reports?{q}"), token)
                .await
                .expect(200)
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(count("target_origin=local").await, 2);
    assert_eq!(count("target_origin=remote").await, 0);
    assert_eq!(count("by_target_domain=elsewhere.example").await, 0);
    app.get("/api/v1/admin/reports?target_origin=mars", token)
        .await
        .expect_error(422);
    // Paging with Mastodon's Link header, newest first.
    let page = app.get("/api/v1/admin/reports?limit=1", token).await;
    let link = page.header("link").expect("a Link header").to_string();
    let body = page.expect(200);
    assert_eq!(TestApp::ids_of(&body), [second["id"].as_str().unwrap()]);
    let (next, _) = crate::support::link_rels(&link);
    let next = next.expect("a next page");
    let rest = app
        .get(next.strip_prefix(&app.base).unwrap(), token)
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&rest), [id.as_str()]);

    // Assign, unassign.
    let assigned = app
        .post_json(&path("assign_to_self"), token, json!({}))
        .await
        .expect(200);
    assert_eq!(assigned["assigned_account"]["id"], staff.id);
    assert_eq!(assigned["assigned_account"]["role"]["name"], "Moderator");
    let unassigned = app
        .post_json(&path("unassign"), token, json!({}))
        .await
        .expect(200);
    assert_eq!(unassigned["assigned_account"], Value::Null);

    // Change the category: leaving `violation` drops the rules; rules need a violation.
    let changed = app
        .put_json(
            &format!("/api/v1/admin/reports/{id}"),
            token,
            json!({"category": "spam"}),
        )
        .await
        .expect(200);
    assert_eq!(changed["category"], "spam");
    assert_eq!(changed["rules"], json!([]));
    app.put_json(
        &format!("/api/v1/admin/reports/{id}"),
        token,
        json!({"rule_ids": ["1"]}),
    )
    .await
    .expect_error(422);
    app.put_json(
        &format!("/api/v1/admin/reports/{id}"),
        token,
        json!({"category": "worse"}),
    )
    .await
    .expect_error(422);
    let changed = app
        .put_json(
            &format!("/api/v1/admin/reports/{id}"),
            token,
            json!({"category": "violation", "rule_ids": ["2"]}),
        )
        .await
        .expect(200);
    assert_eq!(changed["rules"][0]["id"], "2");

    // Resolve: gone from the open list, in the resolved one; then reopen.
    let resolved = app
        .post_json(&path("resolve"), token, json!({}))
        .await
        .expect(200);
    assert_eq!(resolved["action_taken"], true);
    assert!(resolved["action_taken_at"].is_string());
    assert_eq!(resolved["action_taken_by_account"]["id"], staff.id);
    let open = open_reports(&app, &staff).await;
    assert_eq!(
        TestApp::ids_of(&json!(open)),
        [second["id"].as_str().unwrap()]
    );
    let done = app
        .get("/api/v1/admin/reports?resolved=true", token)
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&done), [id.as_str()]);
    let reopened = app
        .post_json(&path("reopen"), token, json!({}))
        .await
        .expect(200);
    assert_eq!(reopened["action_taken"], false);
    assert_eq!(reopened["action_taken_at"], Value::Null);
    assert_eq!(reopened["action_taken_by_account"], Value::Null);
    assert_eq!(open_reports(&app, &staff).await.len(), 2);

    let me = Some(staff_id);
    assert_eq!(
        audit_of(&app, &id).await,
        [
            ("report.assigned_to_self".to_string(), me),
            ("report.unassigned".to_string(), me),
            ("report.update".to_string(), me),
            ("report.update".to_string(), me),
            ("report.resolve".to_string(), me),
            ("report.reopen".to_string(), me),
        ]
    );
}

#[tokio::test]
async fn the_command_line_lists_resolves_and_reopens_reports() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let staff = moderator(&app).await;
    let r = report(
        &app,
        &alice,
        json!({"account_id": bob.id, "comment": "spammy", "category": "spam"}),
    )
    .await
    .expect(200);
    let id = r["id"].as_str().unwrap().to_string();

    let (code, out, err) = app.cli(&["report", "list"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&id) && out.contains("open") && out.contains("spammy"),
        "{out}"
    );
    assert!(out.contains("alice") && out.contains("bob"), "{out}");

    let (code, out, err) = app.cli(&["report", "resolve", &id]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("Resolved report {id}")), "{out}");
    // The server sees it at once: it reads the same database.
    assert!(open_reports(&app, &staff).await.is_empty());
    let (code, out, _) = app.cli(&["report", "list"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("No open reports."), "{out}");
    let (code, out, _) = app.cli(&["report", "list", "--all", "--json"]).await;
    assert_eq!(code, 0);
    let listed: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["resolved"], true);
    assert_eq!(listed[0]["category"], "spam");
    assert_eq!(listed[0]["reporter"], "alice");
    assert_eq!(listed[0]["target"], "bob");

    let (code, out, err) = app.cli(&["report", "reopen", &id]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(open_reports(&app, &staff).await.len(), 1);
    let (code, _, err) = app.cli(&["report", "resolve", "12345"]).await;
    assert_ne!(code, 0);
    assert!(err.contains("report 12345 not found"), "{err}");

    // The command line acts as nobody in the audit log.
    assert_eq!(
        audit_of(&app, &id).await,
        [
            ("report.resolve".to_string(), None),
            ("report.reopen".to_string(), None),
        ]
    );
}

/// The `admin.report` notifications of `user`.
async fn report_notifications(app: &TestApp, user: &User) -> Vec<Value> {
    list_of(app, "/api/v1/notifications?types[]=admin.report", user).await
}

#[tokio::test]
async fn moderators_and_admins_are_notified_of_new_reports() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let staff = moderator(&app).await;
    let root = app
        .user_with_scopes("root", Role::Admin, "read write")
        .await;
    let post = app.post_status(&bob, "reported words").await;
    let first = report(
        &app,
        &alice,
        json!({"account_id": bob.id, "status_ids": [post["id"]], "comment": "rude", "category": "spam"}),
    )
    .await
    .expect(200);

    // Mastodon's `admin.report`: from the reporter, with the Report entity.
    for user in [&staff, &root] {
        let got = report_notifications(&app, user).await;
        assert_eq!(got.len(), 1, "{}: {got:?}", user.username);
        let n = &got[0];
        assert_eq!(n["type"], "admin.report");
        assert_eq!(n["account"]["id"], alice.id);
        assert_eq!(n["report"]["id"], first["id"]);
        assert_eq!(n["report"]["comment"], "rude");
        assert_eq!(n["report"]["category"], "spam");
        assert_eq!(n["report"]["action_taken"], false);
        assert_eq!(n["report"]["status_ids"], json!([post["id"]]));
        assert_eq!(n["report"]["target_account"]["id"], bob.id);
    }
    // Users are not told; nor is the target.
    assert!(report_notifications(&app, &carol).await.is_empty());
    assert!(report_notifications(&app, &bob).await.is_empty());

    // Another report on bob while the first is open: staff know already.
    report(
        &app,
        &carol,
        json!({"account_id": bob.id, "comment": "again"}),
    )
    .await
    .expect(200);
    assert_eq!(report_notifications(&app, &staff).await.len(), 1);
    // Once it is resolved, a new one is news again; a moderator reporting is not told
    // of their own report.
    for r in open_reports(&app, &staff).await {
        let id = r["id"].as_str().unwrap();
        app.post_json(
            &format!("/api/v1/admin/reports/{id}/resolve"),
            Some(&staff.token),
            json!({}),
        )
        .await
        .expect(200);
    }
    report(
        &app,
        &staff,
        json!({"account_id": bob.id, "comment": "third"}),
    )
    .await
    .expect(200);
    assert_eq!(report_notifications(&app, &staff).await.len(), 1);
    let root_sees = report_notifications(&app, &root).await;
    assert_eq!(root_sees.len(), 2, "{root_sees:?}");
    assert_eq!(root_sees[0]["report"]["comment"], "third");
    assert_eq!(root_sees[0]["account"]["id"], staff.id);
}
