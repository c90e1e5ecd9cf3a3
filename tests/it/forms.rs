//! The browser's forms as an attacker tries them: cross-site posts (login CSRF
//! included), forms without their token or with another browser's, redirects after
//! signing in that would leave the site or break the `Location` header.

use reqwest::Method;
use sea_orm::{EntityTrait, PaginatorTrait};
use starling_core::accounts::Role;
use starling_core::entities::{domain_block, web_session};

use crate::support::{Reply, TestApp, form_input};

fn session_set(reply: &Reply) -> bool {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("_starling_session="))
}

async fn sessions(app: &TestApp) -> u64 {
    web_session::Entity::find()
        .count(&app.inst.store.read)
        .await
        .unwrap()
}

#[tokio::test]
async fn signing_in_needs_the_form_token_and_our_origin() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let credentials = [
        ("email", alice.email.as_str()),
        ("password", alice.password.as_str()),
    ];
    let (cookie, token) = app.sign_in_visit().await;
    let post = |cookie: Option<&str>, token: Option<&str>, headers: &[(&str, &str)]| {
        let mut form: Vec<(&str, &str)> = credentials.to_vec();
        if let Some(t) = token {
            form.push(("csrf_token", t));
        }
        let mut req = app.request(Method::POST, "/auth/sign_in", None).form(&form);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        app.send(req)
    };

    // A page on another site posting the victim's browser into the attacker's account.
    for (what, reply) in [
        ("no token at all", post(None, None, &[]).await),
        (
            "no token, another site",
            post(None, None, &[("origin", "http://evil.example")]).await,
        ),
        ("a token but no cookie", post(None, Some(&token), &[]).await),
        (
            "the cookie but no token",
            post(Some(&cookie), None, &[]).await,
        ),
        (
            "another token",
            post(Some(&cookie), Some("forged"), &[]).await,
        ),
        (
            "the right token from another origin",
            post(
                Some(&cookie),
                Some(&token),
                &[("origin", "http://evil.example")],
            )
            .await,
        ),
        (
            "an opaque origin",
            post(Some(&cookie), Some(&token), &[("origin", "null")]).await,
        ),
        (
            "a cross-site referer",
            post(
                Some(&cookie),
                Some(&token),
                &[("referer", "http://evil.example/x")],
            )
            .await,
        ),
        (
            "a cross-site fetch",
            post(
                Some(&cookie),
                Some(&token),
                &[("sec-fetch-site", "cross-site")],
            )
            .await,
        ),
    ] {
        assert_eq!(reply.status.as_u16(), 403, "{what}: {}", reply.text);
        assert!(!session_set(&reply), "{what}: signed in");
    }
    assert_eq!(sessions(&app).await, 0);

    // The form as our page sends it.
    let origin = app.base.clone();
    let ok = post(Some(&cookie), Some(&token), &[("origin", origin.as_str())]).await;
    assert_eq!(ok.status.as_u16(), 303, "{}", ok.text);
    assert!(session_set(&ok));
    assert_eq!(sessions(&app).await, 1);
}

/// The session cookie and form token of `user`, signed in through the form.
async fn signed_in(app: &TestApp, email: &str, password: &str) -> (String, String) {
    let reply = app
        .sign_in_form(&[
            ("email", email),
            ("password", password),
            ("return_to", "/admin/moderation"),
        ])
        .await;
    assert_eq!(reply.status.as_u16(), 303, "{}", reply.text);
    let cookie = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("_starling_session="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();
    let page = app
        .send(
            app.request(Method::GET, "/admin/moderation", None)
                .header("cookie", &cookie),
        )
        .await;
    let token = form_input(&page.text, "csrf_token").expect("a form token");
    (cookie, token)
}

#[tokio::test]
async fn every_form_of_a_signed_in_browser_needs_its_own_token() {
    let app = TestApp::start().await;
    let admin = app.user_with_scopes("admin", Role::Admin, "read").await;
    let other = app.user_with_scopes("other", Role::Admin, "read").await;
    let (cookie, token) = signed_in(&app, &admin.email, &admin.password).await;
    let (_, other_token) = signed_in(&app, &other.email, &other.password).await;
    let forms: [(&str, &[(&str, &str)]); 9] = [
        (
            "/admin/moderation/domains",
            &[("domain", "evil.example"), ("severity", "suspend")],
        ),
        (
            "/admin/moderation/domains/import",
            &[("csv", "evil.example,suspend"), ("action", "import")],
        ),
        ("/admin/moderation/domains/1/delete", &[]),
        ("/admin/moderation/reports/1/resolve", &[]),
        ("/admin/moderation/held/1/discard", &[]),
        ("/admin/moderation/accounts/1/suspend", &[]),
        (
            "/oauth/authorize",
            &[("client_id", "x"), ("decision", "approve")],
        ),
        ("/auth/sign_out", &[]),
        ("/auth/sign_in", &[("email", "x"), ("password", "y")]),
    ];
    for (path, fields) in forms {
        for token in [None, Some(other_token.as_str()), Some("")] {
            let mut form: Vec<(&str, &str)> = fields.to_vec();
            if let Some(t) = token {
                form.push(("csrf_token", t));
            }
            let reply = app
                .send(
                    app.request(Method::POST, path, None)
                        .header("cookie", &cookie)
                        .form(&form),
                )
                .await;
            assert_eq!(
                reply.status.as_u16(),
                403,
                "{path} with {token:?}: {}",
                reply.text
            );
        }
        // Multipart forms too.
        let multipart = reqwest::multipart::Form::new().text("csrf_token", other_token.clone());
        let reply = app
            .send(
                app.request(Method::POST, path, None)
                    .header("cookie", &cookie)
                    .multipart(multipart),
            )
            .await;
        assert_eq!(
            reply.status.as_u16(),
            403,
            "{path} multipart: {}",
            reply.text
        );
    }
    let blocks = domain_block::Entity::find()
        .count(&app.inst.store.read)
        .await
        .unwrap();
    assert_eq!(blocks, 0, "no form did anything");
    assert_eq!(sessions(&app).await, 2, "nobody was signed out");

    // With the session's own token, the same form works (as a multipart upload too).
    let multipart = reqwest::multipart::Form::new()
        .text("csrf_token", token.clone())
        .text("action", "import")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"#domain,#severity\nevil.example,suspend\n".to_vec())
                .file_name("blocks.csv"),
        );
    let reply = app
        .send(
            app.request(Method::POST, "/admin/moderation/domains/import", None)
                .header("cookie", &cookie)
                .multipart(multipart),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    let blocks = domain_block::Entity::find()
        .count(&app.inst.store.read)
        .await
        .unwrap();
    assert_eq!(blocks, 1);
}

#[tokio::test]
async fn after_signing_in_only_paths_of_this_site_are_followed() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    for (return_to, expected) in [
        ("/admin/moderation?x=1", "/admin/moderation?x=1"),
        ("/\t/evil.example/", "/auth/sign_in"),
        ("//evil.example/", "/auth/sign_in"),
        ("/\\evil.example", "/auth/sign_in"),
        ("https://evil.example/", "/auth/sign_in"),
        ("/a\nb", "/ab"),
        ("/\r\n/evil.example", "/auth/sign_in"),
        ("/ok\r\nSet-Cookie: x=1", "/okSet-Cookie:%20x=1"),
    ] {
        let reply = app
            .sign_in_form(&[
                ("email", &alice.email),
                ("password", &alice.password),
                ("return_to", return_to),
            ])
            .await;
        assert_eq!(reply.status.as_u16(), 303, "{return_to:?}: {}", reply.text);
        assert_eq!(reply.header("location"), Some(expected), "{return_to:?}");
        let injected = reply
            .headers
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.starts_with("x=")));
        assert!(!injected, "{return_to:?}");
        // The sign-in page itself keeps only what it would follow.
        let page = app
            .get(
                &format!(
                    "/auth/sign_in?return_to={}",
                    url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect::<String>()
                ),
                None,
            )
            .await;
        assert_eq!(page.status.as_u16(), 200, "{return_to:?}");
        assert_eq!(
            form_input(&page.text, "return_to").as_deref(),
            Some(expected)
        );
    }
}

#[tokio::test]
async fn no_path_makes_a_bad_header_or_a_500() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let post = app.post_status(&alice, "hello").await;
    let id = post["id"].as_str().unwrap();
    for path in [
        "/users/a%0Ab".to_string(),
        "/users/a%0D%0ALocation:%20x".to_string(),
        format!("/users/alice/statuses/{id}%0A"),
        "/users/alice/statuses/x%0Ay".to_string(),
        "/@a%0Ab".to_string(),
        "/@alice/1%0A2".to_string(),
        "/auth/sign_in?return_to=%0D%0A".to_string(),
    ] {
        let reply = app
            .send(
                app.request(Method::GET, &path, None)
                    .header("accept", "text/html"),
            )
            .await;
        let status = reply.status.as_u16();
        assert!(
            (200..500).contains(&status),
            "{path}: {status} {}",
            reply.text
        );
        if let Some(location) = reply.header("location") {
            assert!(!location.contains(['\r', '\n']), "{path}: {location:?}");
        }
    }
}
