//! The moderation pages (`/admin/moderation/…`): who may see them (anonymous visitors
//! are sent to sign in, users get a 403 page, domain blocks are the admin's), the CSRF
//! token every form needs, and that the forms act through core (audit log included).

use reqwest::Method;
use serde_json::json;
use starling_core::accounts::Role;
use starling_core::moderation::blocks;

use crate::support::{Reply, TestApp, User, form_input, html_unescape};

/// Signs `user` in through `/auth/sign_in` and answers the session cookie.
async fn sign_in(app: &TestApp, user: &User) -> String {
    let reply = app
        .sign_in_form(&[
            ("email", &user.email),
            ("password", &user.password),
            ("return_to", "/admin/moderation"),
        ])
        .await;
    assert!(reply.status.is_redirection(), "{}", reply.text);
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("_starling_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_string()
}

async fn page(app: &TestApp, path: &str, cookie: &str) -> Reply {
    app.send(
        app.request(Method::GET, path, None)
            .header("cookie", cookie),
    )
    .await
}

async fn post(app: &TestApp, path: &str, cookie: &str, form: &[(&str, &str)]) -> Reply {
    app.send(
        app.request(Method::POST, path, None)
            .header("cookie", cookie)
            .form(form),
    )
    .await
}

/// Presses a button: a form with nothing but the session's CSRF token.
async fn press(app: &TestApp, path: &str, cookie: &str, csrf: &str) -> Reply {
    post(app, path, cookie, &[("csrf_token", csrf)]).await
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_sign_in_and_back() {
    let app = TestApp::start().await;
    for path in [
        "/admin/moderation",
        "/admin/moderation/domains",
        "/admin/moderation/reports",
        "/admin/moderation/accounts",
        "/admin/moderation/held",
    ] {
        let reply = app.get(path, None).await;
        assert_eq!(reply.status.as_u16(), 303, "{path}: {}", reply.text);
        let location = reply.header("location").unwrap_or_default();
        let expected = format!("/auth/sign_in?return_to={}", path.replace('/', "%2F"));
        assert_eq!(location, expected, "{path}");
    }
    // The sign-in page keeps the return path, and signing in goes back there.
    let form = app
        .get(
            "/auth/sign_in?return_to=%2Fadmin%2Fmoderation%2Freports",
            None,
        )
        .await;
    assert_eq!(
        form_input(&form.text, "return_to").as_deref(),
        Some("/admin/moderation/reports")
    );
    // A form posted without a session has no token to match: refused, nothing changes.
    let reply = app
        .post_form(
            "/admin/moderation/domains",
            None,
            &[("domain", "evil.example"), ("csrf_token", "x")],
        )
        .await;
    assert_eq!(reply.status.as_u16(), 403, "{}", reply.text);
    assert!(blocks::all_blocks(&app.inst).await.unwrap().is_empty());
}

#[tokio::test]
async fn users_get_a_403_page_and_moderators_no_domain_blocks() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let cookie = sign_in(&app, &alice).await;
    for path in [
        "/admin/moderation",
        "/admin/moderation/domains",
        "/admin/moderation/reports",
        "/admin/moderation/accounts",
        "/admin/moderation/held",
    ] {
        let reply = page(&app, path, &cookie).await;
        assert_eq!(reply.status.as_u16(), 403, "{path}: {}", reply.text);
        assert!(
            reply
                .header("content-type")
                .unwrap_or_default()
                .starts_with("text/html"),
            "{path}"
        );
        assert!(
            reply.text.contains("for moderators and admins"),
            "{path}: {}",
            reply.text
        );
    }

    let moderator = app
        .user_with_scopes("mod", Role::Moderator, "read write")
        .await;
    let cookie = sign_in(&app, &moderator).await;
    let overview = page(&app, "/admin/moderation", &cookie).await;
    assert_eq!(overview.status.as_u16(), 200, "{}", overview.text);
    // Domain blocks are the admin's, as in the admin API.
    assert!(!overview.text.contains("href=\"/admin/moderation/domains\""));
    let domains = page(&app, "/admin/moderation/domains", &cookie).await;
    assert_eq!(domains.status.as_u16(), 403, "{}", domains.text);
    assert!(domains.text.contains("Only admins"), "{}", domains.text);
    let csrf = form_input(&overview.text, "csrf_token").expect("csrf token");
    let refused = post(
        &app,
        "/admin/moderation/domains",
        &cookie,
        &[("csrf_token", &csrf), ("domain", "evil.example")],
    )
    .await;
    assert_eq!(refused.status.as_u16(), 403, "{}", refused.text);
    assert!(blocks::all_blocks(&app.inst).await.unwrap().is_empty());
}

#[tokio::test]
async fn moderators_see_and_resolve_open_reports() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    app.post_json(
        "/api/v1/reports",
        Some(&alice.token),
        json!({"account_id": bob.id, "comment": "spam <b>everywhere</b>", "category": "spam"}),
    )
    .await
    .expect(200);
    let moderator = app
        .user_with_scopes("mod", Role::Moderator, "read write")
        .await;
    let cookie = sign_in(&app, &moderator).await;

    let reports = page(&app, "/admin/moderation/reports", &cookie).await;
    assert_eq!(reports.status.as_u16(), 200, "{}", reports.text);
    let html = &reports.text;
    assert!(html.contains("<td>alice</td>"), "{html}");
    assert!(html.contains("<td>bob</td>"), "{html}");
    assert!(html.contains("<td>spam</td>"), "{html}");
    // What users typed is escaped.
    assert!(!html.contains("<b>everywhere</b>"), "{html}");
    assert!(
        html_unescape(html).contains("spam <b>everywhere</b>"),
        "{html}"
    );
    let id = html
        .split("data-report=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a report row")
        .to_string();
    let csrf = form_input(html, "csrf_token").expect("csrf token");

    let assigned = press(
        &app,
        &format!("/admin/moderation/reports/{id}/assign"),
        &cookie,
        &csrf,
    )
    .await;
    assert_eq!(assigned.status.as_u16(), 303, "{}", assigned.text);
    let resolved = press(
        &app,
        &format!("/admin/moderation/reports/{id}/resolve"),
        &cookie,
        &csrf,
    )
    .await;
    assert_eq!(resolved.status.as_u16(), 303, "{}", resolved.text);
    let open = page(&app, "/admin/moderation/reports", &cookie).await;
    assert!(open.text.contains("No open report."), "{}", open.text);
    let done = page(&app, "/admin/moderation/reports?resolved=1", &cookie).await;
    assert!(done.text.contains(&format!("data-report=\"{id}\"")));
    assert!(
        done.text.contains("<td>mod</td>"),
        "assigned: {}",
        done.text
    );

    // The audit log names the moderator.
    let log = blocks::audit_log(&app.inst, 10).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["report.resolve", "report.assigned_to_self"],
        "{log:?}"
    );
    assert!(
        log.iter()
            .all(|e| e.account_id.map(|a| a.to_string()) == Some(moderator.id.clone()))
    );
    let overview = page(&app, "/admin/moderation", &cookie).await;
    assert!(
        overview.text.contains("report.resolve"),
        "{}",
        overview.text
    );
}

#[tokio::test]
async fn forms_without_the_session_csrf_token_are_refused() {
    let app = TestApp::start().await;
    let root = app
        .user_with_scopes("root", Role::Admin, "read write")
        .await;
    let cookie = sign_in(&app, &root).await;
    let domains = page(&app, "/admin/moderation/domains", &cookie).await;
    assert_eq!(domains.status.as_u16(), 200, "{}", domains.text);
    let csrf = form_input(&domains.text, "csrf_token").expect("csrf token");

    for form in [
        vec![("domain", "evil.example")],
        vec![("domain", "evil.example"), ("csrf_token", "not-the-token")],
    ] {
        let reply = post(&app, "/admin/moderation/domains", &cookie, &form).await;
        assert_eq!(reply.status.as_u16(), 403, "{}", reply.text);
        assert!(reply.text.contains("Invalid form"), "{}", reply.text);
    }
    let import = post(
        &app,
        "/admin/moderation/domains/import",
        &cookie,
        &[("csv", "evil.example"), ("action", "import")],
    )
    .await;
    assert_eq!(import.status.as_u16(), 403, "{}", import.text);
    assert!(blocks::all_blocks(&app.inst).await.unwrap().is_empty());

    // With the token the same form blocks the domain, and the log says who.
    let reply = post(
        &app,
        "/admin/moderation/domains",
        &cookie,
        &[
            ("csrf_token", &csrf),
            ("domain", "Evil.Example"),
            ("severity", "silence"),
            ("reject_media", "true"),
        ],
    )
    .await;
    assert_eq!(reply.status.as_u16(), 303, "{}", reply.text);
    let list = blocks::all_blocks(&app.inst).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].domain, "evil.example");
    assert_eq!(list[0].severity, "silence");
    assert!(list[0].reject_media && !list[0].reject_reports);
    let log = blocks::audit_log(&app.inst, 1).await.unwrap();
    assert_eq!(log[0].action, "domain_block.create");
    assert_eq!(
        log[0].account_id.map(|a| a.to_string()),
        Some(root.id.clone())
    );

    // A bad import shows the line and changes nothing.
    let bad = post(
        &app,
        "/admin/moderation/domains/import",
        &cookie,
        &[
            ("csrf_token", &csrf),
            (
                "csv",
                "#domain,#severity\nok.example,silence\nbad.example,explode\n",
            ),
            ("action", "import"),
        ],
    )
    .await;
    assert_eq!(bad.status.as_u16(), 422, "{}", bad.text);
    assert!(bad.text.contains("line 3"), "{}", bad.text);
    assert_eq!(blocks::all_blocks(&app.inst).await.unwrap().len(), 1);

    // Account actions are refused without the token too, and act with it.
    let alice = app.user("alice").await;
    let path = format!("/admin/moderation/accounts/{}/suspend", alice.id);
    let refused = post(&app, &path, &cookie, &[]).await;
    assert_eq!(refused.status.as_u16(), 403, "{}", refused.text);
    let done = press(&app, &path, &cookie, &csrf).await;
    assert_eq!(done.status.as_u16(), 303, "{}", done.text);
    let accounts = page(&app, "/admin/moderation/accounts?origin=local", &cookie).await;
    assert!(
        accounts.text.contains("<td>suspended</td>"),
        "{}",
        accounts.text
    );
    assert!(
        accounts
            .text
            .contains(&format!("/accounts/{}/unsuspend", alice.id))
    );
}

#[tokio::test]
async fn moderators_mark_accounts_sensitive_and_disable_logins_from_the_list() {
    let app = TestApp::start().await;
    let moderator = app
        .user_with_scopes("mod", Role::Moderator, "read write")
        .await;
    let alice = app.user("alice").await;
    let cookie = sign_in(&app, &moderator).await;
    let accounts = "/admin/moderation/accounts?origin=local";
    let list = page(&app, accounts, &cookie).await;
    let csrf = form_input(&list.text, "csrf_token").expect("csrf token");
    for verb in ["sensitive", "disable"] {
        let path = format!("/admin/moderation/accounts/{}/{verb}", alice.id);
        assert!(list.text.contains(&path), "{verb}: {}", list.text);
        let done = press(&app, &path, &cookie, &csrf).await;
        assert_eq!(done.status.as_u16(), 303, "{verb}: {}", done.text);
    }
    let list = page(&app, accounts, &cookie).await;
    assert!(
        list.text.contains("<td>disabled, sensitive</td>"),
        "{}",
        list.text
    );
    for verb in ["unsensitive", "enable"] {
        let path = format!("/admin/moderation/accounts/{}/{verb}", alice.id);
        assert!(list.text.contains(&path), "{verb}: {}", list.text);
        let done = press(&app, &path, &cookie, &csrf).await;
        assert_eq!(done.status.as_u16(), 303, "{verb}: {}", done.text);
    }
    let list = page(&app, accounts, &cookie).await;
    let row = list
        .text
        .split(&format!("data-acct=\"{}\"", alice.username))
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .expect("alice's row");
    assert!(row.contains("<td>active</td>"), "{row}");
    // An unknown verb is not found, and changes nothing.
    let unknown = press(
        &app,
        &format!("/admin/moderation/accounts/{}/explode", alice.id),
        &cookie,
        &csrf,
    )
    .await;
    assert_eq!(unknown.status.as_u16(), 404, "{}", unknown.text);

    let log = blocks::audit_log(&app.inst, 10).await.unwrap();
    let mut actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            "account.sensitive",
            "account.disable",
            "account.unsensitive",
            "account.enable"
        ]
    );
    assert!(
        log.iter()
            .all(|e| e.account_id.map(|a| a.to_string()) == Some(moderator.id.clone()))
    );
}

#[tokio::test]
async fn an_uploaded_csv_file_is_dry_run_then_imported() {
    let app = TestApp::start().await;
    let root = app
        .user_with_scopes("root", Role::Admin, "read write")
        .await;
    let cookie = sign_in(&app, &root).await;
    let domains = page(&app, "/admin/moderation/domains", &cookie).await;
    let csrf = form_input(&domains.text, "csrf_token").expect("csrf token");
    let file = "#domain,#severity,#reject_media\nuploaded.example,silence,true\n";
    let upload = |action: &'static str, csv: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", csrf.clone())
            .text("action", action)
            .text("csv", csv)
            .part(
                "file",
                reqwest::multipart::Part::bytes(file.as_bytes().to_vec())
                    .file_name("blocks.csv")
                    .mime_str("text/csv")
                    .unwrap(),
            );
        app.send(
            app.request(Method::POST, "/admin/moderation/domains/import", None)
                .header("cookie", &cookie)
                .multipart(form),
        )
    };

    // The file wins over the text box; a dry run shows it and puts it in the box.
    let dry = upload("dry_run", "ignored.example").await;
    assert_eq!(dry.status.as_u16(), 200, "{}", dry.text);
    assert!(
        dry.text.contains("uploaded.example: silence"),
        "{}",
        dry.text
    );
    assert!(!dry.text.contains("ignored.example"), "{}", dry.text);
    assert_eq!(
        html_unescape(&dry.text)
            .split("<textarea name=\"csv\">")
            .nth(1)
            .and_then(|t| t.split("</textarea>").next()),
        Some(file)
    );
    assert!(blocks::all_blocks(&app.inst).await.unwrap().is_empty());

    let done = upload("import", "").await;
    assert_eq!(done.status.as_u16(), 200, "{}", done.text);
    let list = blocks::all_blocks(&app.inst).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].domain, "uploaded.example");
    assert!(list[0].reject_media);
}

#[tokio::test]
async fn moderators_release_and_discard_held_posts() {
    use starling_core::config::{ContentAction, ContentPolicyConfig, ContentRule, RuleScope};
    use starling_core::moderation::held;

    use crate::federation::eventually;
    use crate::federation::peer::{Peer, create_note_saying, deliver};

    let app = TestApp::builder()
        .config(|c| {
            c.content_policy = ContentPolicyConfig {
                rules: vec![ContentRule {
                    name: "gambling".into(),
                    keyword: Some("casino".into()),
                    regex: None,
                    action: ContentAction::Hold,
                    applies_to: RuleScope::Remote,
                }],
                ..ContentPolicyConfig::default()
            }
        })
        .start()
        .await;
    let alice = app.user("alice").await;
    let moderator = app
        .user_with_scopes("mod", Role::Moderator, "read write")
        .await;
    let cookie = sign_in(&app, &moderator).await;
    let empty = page(&app, "/admin/moderation/held", &cookie).await;
    assert_eq!(empty.status.as_u16(), 200, "{}", empty.text);
    assert!(empty.text.contains("id=\"no-held\""), "{}", empty.text);

    let peer = Peer::start(&["zoe"]).await;
    let zoe = peer.actor("zoe");
    let target = format!("{}/users/{}", app.base, alice.username);
    for (id, content) in [
        ("keep", "<p>casino <script>alert(1)</script>night</p>"),
        ("drop", "<p>another casino</p>"),
    ] {
        let create = create_note_saying(&zoe, &peer.note_id(id), &target, content);
        assert_eq!(deliver(&app, &peer, "zoe", &create).await.0, 202);
    }
    eventually("two posts held", || async {
        (held::list(&app.inst, 10).await.unwrap().1 == 2).then_some(())
    })
    .await;

    let listed = page(&app, "/admin/moderation/held", &cookie).await;
    let html = &listed.text;
    assert!(html.contains("gambling"), "{html}");
    assert!(
        html_unescape(html).contains("matched keyword \"casino\""),
        "{html}"
    );
    assert!(!html.contains("<script>"), "markup is text: {html}");
    let row = |uri: &str| {
        let at = html.find(uri).expect("a row for the post");
        html[..at]
            .rsplit("data-held=\"")
            .next()
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string()
    };
    let (keep, drop) = (row(&peer.note_id("keep")), row(&peer.note_id("drop")));
    let csrf = form_input(html, "csrf_token").expect("csrf token");

    // Without the session's token, nothing happens.
    let forged = post(
        &app,
        &format!("/admin/moderation/held/{keep}/release"),
        &cookie,
        &[("csrf_token", "forged")],
    )
    .await;
    assert_eq!(forged.status.as_u16(), 403);
    assert_eq!(held::list(&app.inst, 10).await.unwrap().1, 2);

    let released = press(
        &app,
        &format!("/admin/moderation/held/{keep}/release"),
        &cookie,
        &csrf,
    )
    .await;
    assert_eq!(released.status.as_u16(), 303, "{}", released.text);
    let discarded = press(
        &app,
        &format!("/admin/moderation/held/{drop}/discard"),
        &cookie,
        &csrf,
    )
    .await;
    assert_eq!(discarded.status.as_u16(), 303, "{}", discarded.text);
    let mention = app.await_notification(&alice, "mention").await;
    assert_eq!(mention["status"]["uri"], peer.note_id("keep"));
    let after = page(&app, "/admin/moderation/held", &cookie).await;
    assert!(after.text.contains("id=\"no-held\""), "{}", after.text);
    let gone = press(
        &app,
        &format!("/admin/moderation/held/{drop}/release"),
        &cookie,
        &csrf,
    )
    .await;
    assert_eq!(gone.status.as_u16(), 404, "{}", gone.text);

    let log = blocks::audit_log(&app.inst, 10).await.unwrap();
    for action in ["held.release", "held.discard"] {
        let entry = log.iter().find(|e| e.action == action).expect(action);
        assert_eq!(
            entry.account_id.map(|a| a.to_string()),
            Some(moderator.id.clone())
        );
    }
}
