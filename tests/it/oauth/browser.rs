//! The server-rendered sign-in and consent pages: wrong passwords, CSRF, `force_login`,
//! signing out, and accounts still awaiting approval.

use reqwest::Method;
use serde_json::json;

use starling_core::config::RegistrationMode;

use super::{CALLBACK, app_with_redirect, query, session_cookie};
use crate::support::{TestApp, form_input};

#[tokio::test]
async fn sign_in_form_rejects_a_wrong_password() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let reply = app
        .sign_in_form(&[
            ("email", &alice.email),
            ("password", "wrong password"),
            ("return_to", "/oauth/authorize?client_id=x"),
        ])
        .await;
    assert_eq!(reply.status.as_u16(), 401, "{}", reply.text);
    assert!(reply.header("set-cookie").is_none());
    assert!(reply.text.contains("Invalid email address or password"));
    // The typed address is kept, escaped.
    assert!(reply.text.contains("alice@example.com"));

    // return_to never leaves the site.
    let reply = app
        .sign_in_form(&[
            ("email", &alice.email),
            ("password", &alice.password),
            ("return_to", "//evil.example/"),
        ])
        .await;
    assert!(reply.status.is_redirection());
    assert_eq!(reply.header("location"), Some("/auth/sign_in"));
}

#[tokio::test]
async fn consent_needs_the_csrf_token() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let (client_id, _) = app_with_redirect(&app, CALLBACK, "read").await;
    let signed_in = app
        .sign_in_form(&[("email", &alice.email), ("password", &alice.password)])
        .await;
    let cookie = session_cookie(&signed_in);
    let forged = app
        .send(
            app.request(Method::POST, "/oauth/authorize", None)
                .header("cookie", &cookie)
                .form(&[
                    ("client_id", client_id.as_str()),
                    ("redirect_uri", CALLBACK),
                    ("decision", "approve"),
                    ("csrf_token", "forged"),
                ]),
        )
        .await;
    assert_eq!(forged.status.as_u16(), 403);
    assert!(forged.header("location").is_none());
    // Without a session at all.
    let anonymous = app
        .post_form(
            "/oauth/authorize",
            None,
            &[
                ("client_id", client_id.as_str()),
                ("redirect_uri", CALLBACK),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(anonymous.status.as_u16(), 403);
    assert!(anonymous.header("location").is_none());
}

#[tokio::test]
async fn force_login_shows_the_sign_in_form_and_sign_out_ends_the_session() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let (client_id, _) = app_with_redirect(&app, CALLBACK, "read").await;
    let signed_in = app
        .sign_in_form(&[("email", &alice.email), ("password", &alice.password)])
        .await;
    let cookie = session_cookie(&signed_in);
    let q = query(&[("client_id", &client_id), ("response_type", "code")]);
    let consent = app
        .send(
            app.request(Method::GET, &format!("/oauth/authorize?{q}"), None)
                .header("cookie", &cookie),
        )
        .await;
    assert_eq!(consent.status.as_u16(), 200);
    assert!(
        consent.text.contains("name=\"decision\""),
        "{}",
        consent.text
    );
    let forced = app
        .send(
            app.request(
                Method::GET,
                &format!("/oauth/authorize?{q}&force_login=true"),
                None,
            )
            .header("cookie", &cookie),
        )
        .await;
    assert_eq!(forced.status.as_u16(), 200);
    assert!(forced.text.contains("action=\"/auth/sign_in\""));
    assert!(!forced.text.contains("name=\"decision\""));
    let return_to = form_input(&forced.text, "return_to").unwrap();
    assert!(!return_to.contains("force_login"), "{return_to}");

    // Sign out with the page's CSRF token.
    let csrf = form_input(&consent.text, "csrf_token").unwrap();
    let out = app
        .send(
            app.request(Method::POST, "/auth/sign_out", None)
                .header("cookie", &cookie)
                .form(&[("csrf_token", csrf.as_str())]),
        )
        .await;
    assert!(out.status.is_redirection(), "{}", out.text);
    let after = app
        .send(
            app.request(Method::GET, &format!("/oauth/authorize?{q}"), None)
                .header("cookie", &cookie),
        )
        .await;
    assert!(
        after.text.contains("action=\"/auth/sign_in\""),
        "{}",
        after.text
    );
}

#[tokio::test]
async fn the_sign_in_form_refuses_accounts_awaiting_approval() {
    let app = TestApp::builder()
        .config(|c| c.instance.registrations = RegistrationMode::Approval)
        .start()
        .await;
    let app_token = app.app_token("read write").await;
    app.post_json(
        "/api/v1/accounts",
        Some(&app_token),
        json!({
            "username": "pending",
            "email": "pending@mail.example",
            "password": "long enough password",
            "agreement": true,
        }),
    )
    .await
    .expect(200);
    let reply = app
        .sign_in_form(&[
            ("email", "pending@mail.example"),
            ("password", "long enough password"),
        ])
        .await;
    assert_eq!(reply.status.as_u16(), 403, "{}", reply.text);
    assert!(reply.header("set-cookie").is_none());
    assert!(
        reply
            .text
            .contains("Your login is currently pending approval")
    );
}
