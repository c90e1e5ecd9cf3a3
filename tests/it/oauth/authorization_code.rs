//! The authorization code flow: `/oauth/authorize`, PKCE, codes bound to their client
//! and redirect URI, denial, out-of-band codes, and errors sent back to the app.

use super::{
    CALLBACK, CHALLENGE, OOB, VERIFIER, app_with_redirect, authorize_in_browser,
    code_from_redirect, query,
};
use crate::support::{TestApp, html_unescape};

#[tokio::test]
async fn authorize_shows_an_html_sign_in_page() {
    let app = TestApp::start().await;
    let (client_id, _) = app_with_redirect(&app, CALLBACK, "read write").await;
    let reply = app
        .get(
            &format!(
                "/oauth/authorize?{}",
                query(&[
                    ("client_id", &client_id),
                    ("response_type", "code"),
                    ("redirect_uri", CALLBACK),
                    ("scope", "read"),
                ])
            ),
            None,
        )
        .await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("text/html"),
        "{:?}",
        reply.headers
    );
    assert_eq!(reply.header("x-frame-options"), Some("DENY"));
    assert!(reply.text.starts_with("<!DOCTYPE html>"));
    assert!(reply.text.contains("Flow Client"), "{}", reply.text);
    assert!(reply.text.contains("name=\"email\""));
    assert!(reply.text.contains("name=\"password\""));

    // An unknown client or an unregistered redirect is an error page, never a redirect.
    let unknown = app
        .get(
            "/oauth/authorize?client_id=nope&response_type=code&redirect_uri=https%3A%2F%2Fevil.example",
            None,
        )
        .await;
    assert_eq!(unknown.status.as_u16(), 400);
    assert!(unknown.header("location").is_none());
    assert!(
        unknown.text.contains("Unknown application"),
        "{}",
        unknown.text
    );
    let bad_redirect = app
        .get(
            &format!(
                "/oauth/authorize?{}",
                query(&[
                    ("client_id", &client_id),
                    ("response_type", "code"),
                    ("redirect_uri", "https://evil.example/steal"),
                ])
            ),
            None,
        )
        .await;
    assert_eq!(bad_redirect.status.as_u16(), 400);
    assert!(bad_redirect.header("location").is_none());
}

#[tokio::test]
async fn authorization_code_flow_with_pkce() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let (client_id, client_secret) = app_with_redirect(&app, CALLBACK, "read write").await;
    let q = query(&[
        ("client_id", &client_id),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("scope", "read write"),
        ("state", "st@te&x=1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]);
    let approved = authorize_in_browser(&app, &alice, &q, "approve").await;
    let (code, location) = code_from_redirect(&approved);
    assert_eq!(
        format!(
            "{}://{}{}",
            location.scheme(),
            location.host_str().unwrap(),
            location.path()
        ),
        CALLBACK
    );
    let state = location
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned());
    assert_eq!(state.as_deref(), Some("st@te&x=1"));

    let token = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", &client_id),
                ("client_secret", &client_secret),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(token.header("cache-control"), Some("no-store"));
    let token = token.expect(200);
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["scope"], "read write");
    assert!(token["created_at"].is_i64());
    let access = token["access_token"].as_str().unwrap();
    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(access))
        .await
        .expect(200);
    assert_eq!(me["id"], alice.id.as_str());

    // A code works once.
    let again = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", &client_id),
                ("client_secret", &client_secret),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
        )
        .await
        .expect(400);
    assert_eq!(again["error"], "invalid_grant");
    assert!(again["error_description"].is_string());
}

#[tokio::test]
async fn a_wrong_or_missing_code_verifier_is_refused() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let (client_id, client_secret) = app_with_redirect(&app, CALLBACK, "read").await;
    let q = query(&[
        ("client_id", &client_id),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]);
    let (code, _) = code_from_redirect(&authorize_in_browser(&app, &alice, &q, "approve").await);
    for verifier in [
        Some("wrong-verifier-wrong-verifier-wrong-verifier-xx"),
        None,
    ] {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
            ("redirect_uri", CALLBACK),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v));
        }
        let refused = app.post_form("/oauth/token", None, &form).await.expect(400);
        assert_eq!(refused["error"], "invalid_grant", "{verifier:?}");
        assert!(refused.get("access_token").is_none());
    }
    // A public client (no secret) proves itself with the right verifier.
    let ok = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", &client_id),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
        )
        .await
        .expect(200);
    assert_eq!(ok["scope"], "read");
}

#[tokio::test]
async fn the_code_is_bound_to_its_client_and_redirect_uri() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let (client_id, client_secret) = app_with_redirect(&app, CALLBACK, "read").await;
    let (other_id, other_secret) = app_with_redirect(&app, CALLBACK, "read").await;
    let q = query(&[("client_id", &client_id), ("response_type", "code")]);
    let (code, _) = code_from_redirect(&authorize_in_browser(&app, &alice, &q, "approve").await);
    let other_client = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", &other_id),
                ("client_secret", &other_secret),
                ("redirect_uri", CALLBACK),
            ],
        )
        .await
        .expect(400);
    assert_eq!(other_client["error"], "invalid_grant");
    let other_redirect = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", &client_id),
                ("client_secret", &client_secret),
                ("redirect_uri", "https://client.example/other"),
            ],
        )
        .await
        .expect(400);
    assert_eq!(other_redirect["error"], "invalid_grant");
    let wrong_secret = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", &client_id),
                ("client_secret", "not-the-secret"),
                ("redirect_uri", CALLBACK),
            ],
        )
        .await
        .expect(401);
    assert_eq!(wrong_secret["error"], "invalid_client");
}

#[tokio::test]
async fn denying_redirects_with_access_denied() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let (client_id, _) = app_with_redirect(&app, CALLBACK, "read").await;
    let q = query(&[
        ("client_id", &client_id),
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("state", "abc"),
    ]);
    let denied = authorize_in_browser(&app, &alice, &q, "deny").await;
    assert!(denied.status.is_redirection(), "{}", denied.text);
    let location = url::Url::parse(denied.header("location").unwrap()).unwrap();
    let pairs: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    assert!(
        pairs.contains(&("error".into(), "access_denied".into())),
        "{location}"
    );
    assert!(
        pairs.contains(&("state".into(), "abc".into())),
        "{location}"
    );
    assert!(!pairs.iter().any(|(k, _)| k == "code"), "{location}");
}

#[tokio::test]
async fn out_of_band_redirect_shows_the_code() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let (client_id, client_secret) = app_with_redirect(&app, OOB, "read write follow").await;
    let q = query(&[
        ("client_id", &client_id),
        ("response_type", "code"),
        ("redirect_uri", OOB),
        ("scope", "read follow"),
    ]);
    let page = authorize_in_browser(&app, &alice, &q, "approve").await;
    assert_eq!(page.status.as_u16(), 200, "{}", page.text);
    assert!(page.header("location").is_none());
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let marker = "id=\"authorization-code\">";
    let at = page.text.find(marker).expect("code on the page") + marker.len();
    let code = html_unescape(&page.text[at..at + page.text[at..].find('<').unwrap()]);
    assert!(code.len() >= 32, "{code}");
    let token = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", &client_id),
                ("client_secret", &client_secret),
                ("redirect_uri", OOB),
            ],
        )
        .await
        .expect(200);
    assert_eq!(token["scope"], "read follow");
    let access = token["access_token"].as_str().unwrap();
    app.get("/api/v1/accounts/verify_credentials", Some(access))
        .await
        .expect(200);
}

#[tokio::test]
async fn authorize_errors_go_back_to_the_app() {
    let app = TestApp::start().await;
    let (client_id, _) = app_with_redirect(&app, CALLBACK, "read").await;
    for (extra, error) in [
        (vec![("scope", "read write")], "invalid_scope"),
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (
            vec![
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "plain"),
            ],
            "invalid_request",
        ),
    ] {
        let mut pairs = vec![
            ("client_id", client_id.as_str()),
            ("redirect_uri", CALLBACK),
            ("state", "s1"),
        ];
        if !extra.iter().any(|(k, _)| *k == "response_type") {
            pairs.push(("response_type", "code"));
        }
        pairs.extend(extra);
        let reply = app
            .get(&format!("/oauth/authorize?{}", query(&pairs)), None)
            .await;
        assert!(reply.status.is_redirection(), "{error}: {}", reply.text);
        let location = url::Url::parse(reply.header("location").unwrap()).unwrap();
        assert!(location.as_str().starts_with(CALLBACK), "{location}");
        let got: Vec<(String, String)> = location.query_pairs().into_owned().collect();
        assert!(got.contains(&("error".into(), error.into())), "{location}");
        assert!(got.contains(&("state".into(), "s1".into())), "{location}");
    }
}

#[tokio::test]
async fn a_code_without_pkce_needs_the_client_secret() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let (client_id, client_secret) = app_with_redirect(&app, CALLBACK, "read").await;
    // Authorized without a code challenge.
    let q = query(&[("client_id", &client_id), ("response_type", "code")]);
    let (code, _) = code_from_redirect(&authorize_in_browser(&app, &alice, &q, "approve").await);
    // Someone holding only the code and the public client id cannot exchange it by
    // sending any code_verifier.
    let stolen = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", &client_id),
                ("redirect_uri", CALLBACK),
                (
                    "code_verifier",
                    "anything-at-all-anything-at-all-anything-at-all",
                ),
            ],
        )
        .await;
    assert!(
        matches!(stolen.status.as_u16(), 400 | 401),
        "{} {}",
        stolen.status,
        stolen.text
    );
    assert!(stolen.json.get("access_token").is_none(), "{}", stolen.text);
    // The real client still can.
    app.post_form(
        "/oauth/token",
        None,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &client_id),
            ("client_secret", &client_secret),
            ("redirect_uri", CALLBACK),
        ],
    )
    .await
    .expect(200);
}
