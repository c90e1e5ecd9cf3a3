//! OAuth 2 as Mastodon clients use it: registering apps, the authorization code flow
//! with PKCE through the server-rendered sign-in and consent pages, the password and
//! client-credentials grants, revocation, server metadata, and scope enforcement.

use reqwest::Method;
use serde_json::{Value, json};

use starling_core::config::RegistrationMode;

use crate::support::{TestApp, User, form_input, html_unescape};

/// RFC 7636, appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const CALLBACK: &str = "https://client.example/callback";
const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";

fn query(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The `name=value` of the session cookie set by a response.
fn session_cookie(reply: &crate::support::Reply) -> String {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("_starling_session="))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no session cookie in {:?}", reply.headers))
        .to_string()
}

/// Registers an app with `redirect` and returns `(client_id, client_secret)`.
async fn app_with_redirect(app: &TestApp, redirect: &str, scopes: &str) -> (String, String) {
    let created = app
        .post_form(
            "/api/v1/apps",
            None,
            &[
                ("client_name", "Flow Client"),
                ("redirect_uris", redirect),
                ("scopes", scopes),
                ("website", "https://client.example"),
            ],
        )
        .await
        .expect(200);
    (
        created["client_id"].as_str().unwrap().to_string(),
        created["client_secret"].as_str().unwrap().to_string(),
    )
}

/// Signs `user` in through the sign-in form that `/oauth/authorize` shows, approves
/// the consent page, and returns the final response of `POST /oauth/authorize`.
async fn authorize_in_browser(
    app: &TestApp,
    user: &User,
    authorize_query: &str,
    decision: &str,
) -> crate::support::Reply {
    let path = format!("/oauth/authorize?{authorize_query}");
    let sign_in = app.get(&path, None).await;
    assert_eq!(sign_in.status.as_u16(), 200, "{}", sign_in.text);
    assert!(
        sign_in.text.contains("action=\"/auth/sign_in\""),
        "{}",
        sign_in.text
    );
    let return_to = form_input(&sign_in.text, "return_to").expect("return_to input");
    assert!(return_to.starts_with("/oauth/authorize?"), "{return_to}");

    let signed_in = app
        .sign_in_form(&[
            ("email", &user.email),
            ("password", &user.password),
            ("return_to", &return_to),
        ])
        .await;
    assert!(
        signed_in.status.is_redirection(),
        "sign-in: {} {}",
        signed_in.status,
        signed_in.text
    );
    assert_eq!(signed_in.header("location"), Some(return_to.as_str()));
    let cookie = session_cookie(&signed_in);
    let set_cookie = signed_in.header("set-cookie").unwrap().to_ascii_lowercase();
    assert!(set_cookie.contains("httponly"), "{set_cookie}");

    let consent = app
        .send(
            app.request(Method::GET, &return_to, None)
                .header("cookie", &cookie),
        )
        .await;
    assert_eq!(consent.status.as_u16(), 200, "{}", consent.text);
    assert!(consent.text.contains("Flow Client"), "{}", consent.text);
    assert!(
        consent.text.contains(&format!("@{}@", user.username)),
        "{}",
        consent.text
    );
    let mut form: Vec<(String, String)> = Vec::new();
    for name in [
        "csrf_token",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    ] {
        let value = form_input(&consent.text, name).unwrap_or_else(|| panic!("no {name} input"));
        form.push((name.to_string(), value));
    }
    form.push(("decision".into(), decision.into()));
    app.send(
        app.request(Method::POST, "/oauth/authorize", None)
            .header("cookie", &cookie)
            .form(&form),
    )
    .await
}

fn code_from_redirect(reply: &crate::support::Reply) -> (String, url::Url) {
    assert!(
        reply.status.is_redirection(),
        "{} {}",
        reply.status,
        reply.text
    );
    let location = url::Url::parse(reply.header("location").unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no code in {location}"));
    (code, location)
}

// ---------------------------------------------------------------------------------
// Applications
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn create_app_with_a_form_body() {
    let app = TestApp::start().await;
    let created = app
        .post_form(
            "/api/v1/apps",
            None,
            &[
                ("client_name", "Form App"),
                (
                    "redirect_uris",
                    "https://a.example/cb\nurn:ietf:wg:oauth:2.0:oob",
                ),
                ("scopes", "read write push"),
                ("website", "https://a.example"),
            ],
        )
        .await
        .expect(200);
    assert!(
        created["id"].as_str().unwrap().parse::<i64>().is_ok(),
        "{created}"
    );
    assert_eq!(created["name"], "Form App");
    assert_eq!(created["website"], "https://a.example");
    assert_eq!(created["scopes"], json!(["read", "write", "push"]));
    assert_eq!(created["redirect_uri"], "https://a.example/cb");
    assert_eq!(
        created["redirect_uris"],
        json!(["https://a.example/cb", OOB])
    );
    assert!(created["client_id"].as_str().unwrap().len() >= 32);
    assert!(created["client_secret"].as_str().unwrap().len() >= 32);
    assert_ne!(created["client_id"], created["client_secret"]);
    assert_eq!(created["client_secret_expires_at"], 0);
    assert!(created.get("vapid_key").is_some());
}

#[tokio::test]
async fn create_app_with_a_json_body() {
    let app = TestApp::start().await;
    let created = app
        .post_json(
            "/api/v1/apps",
            None,
            json!({
                "client_name": "JSON App",
                "redirect_uris": [CALLBACK, OOB],
                "scopes": "read:statuses write:statuses",
            }),
        )
        .await
        .expect(200);
    assert_eq!(created["name"], "JSON App");
    assert_eq!(created["website"], Value::Null);
    assert_eq!(
        created["scopes"],
        json!(["read:statuses", "write:statuses"])
    );
    assert_eq!(created["redirect_uris"], json!([CALLBACK, OOB]));

    // No scopes means `read`.
    let default = app
        .post_json(
            "/api/v1/apps",
            None,
            json!({"client_name": "Default", "redirect_uris": OOB}),
        )
        .await
        .expect(200);
    assert_eq!(default["scopes"], json!(["read"]));
}

#[tokio::test]
async fn invalid_apps_are_422() {
    let app = TestApp::start().await;
    let err = app
        .post_json("/api/v1/apps", None, json!({"redirect_uris": OOB}))
        .await
        .expect_error(422);
    assert!(err.starts_with("Validation failed: Name"), "{err}");
    app.post_json(
        "/api/v1/apps",
        None,
        json!({"client_name": "x", "redirect_uris": OOB, "scopes": "read destroy"}),
    )
    .await
    .expect_error(422);
    app.post_json(
        "/api/v1/apps",
        None,
        json!({"client_name": "x", "redirect_uris": "javascript:alert(1)"}),
    )
    .await
    .expect_error(422);
    app.post_json("/api/v1/apps", None, json!({"client_name": "x"}))
        .await
        .expect_error(422);
}

#[tokio::test]
async fn apps_verify_credentials() {
    let app = TestApp::start().await;
    let token = app.app_token("read write").await;
    let verified = app
        .get("/api/v1/apps/verify_credentials", Some(&token))
        .await
        .expect(200);
    assert_eq!(verified["name"], "starling tests");
    assert_eq!(verified["scopes"], json!(["read", "write"]));
    assert_eq!(verified["redirect_uris"], json!([OOB]));
    assert!(verified.get("client_secret").is_none(), "{verified}");

    // A user's token answers for its app too.
    let alice = app.user("alice").await;
    let verified = app
        .get("/api/v1/apps/verify_credentials", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(verified["name"], "starling tests");

    let err = app
        .get("/api/v1/apps/verify_credentials", None)
        .await
        .expect_error(401);
    assert_eq!(err, "The access token is invalid");
}

// ---------------------------------------------------------------------------------
// Authorization code flow
// ---------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------
// Other grants, revocation, metadata
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn client_credentials_grant_with_a_json_body() {
    let app = TestApp::start().await;
    let (id, secret) = app.create_app("read write").await;
    let token = app
        .post_json(
            "/oauth/token",
            None,
            json!({
                "grant_type": "client_credentials",
                "client_id": id,
                "client_secret": secret,
                "scope": "read",
            }),
        )
        .await
        .expect(200);
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["scope"], "read");
    let access = token["access_token"].as_str().unwrap();
    app.get("/api/v1/apps/verify_credentials", Some(access))
        .await
        .expect(200);
    // An application token speaks for no user.
    let err = app
        .get("/api/v1/accounts/verify_credentials", Some(access))
        .await
        .expect_error(422);
    assert_eq!(err, "This method requires an authenticated user");

    // Without a scope, the default `read`.
    let token = app
        .post_json(
            "/oauth/token",
            None,
            json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}),
        )
        .await
        .expect(200);
    assert_eq!(token["scope"], "read");

    // A wrong secret is invalid_client.
    let refused = app
        .post_json(
            "/oauth/token",
            None,
            json!({"grant_type": "client_credentials", "client_id": id, "client_secret": "nope"}),
        )
        .await
        .expect(401);
    assert_eq!(refused["error"], "invalid_client");
    assert!(refused["error_description"].is_string());
}

#[tokio::test]
async fn password_grant_with_email_returns_every_scope_asked_for() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let (id, secret) = app.create_app("read write follow push").await;
    for scope in [
        "read write follow push",
        "read write follow",
        "read:accounts write:statuses",
    ] {
        let token = app
            .post_form(
                "/oauth/token",
                None,
                &[
                    ("grant_type", "password"),
                    ("client_id", &id),
                    ("client_secret", &secret),
                    ("username", &alice.email),
                    ("password", &alice.password),
                    ("scope", scope),
                ],
            )
            .await
            .expect(200);
        let granted: Vec<&str> = token["scope"].as_str().unwrap().split(' ').collect();
        for asked in scope.split(' ') {
            assert!(granted.contains(&asked), "{asked} missing from {token}");
        }
        let access = token["access_token"].as_str().unwrap();
        let me = app
            .get("/api/v1/accounts/verify_credentials", Some(access))
            .await
            .expect(200);
        assert_eq!(me["id"], alice.id.as_str());
    }
    // The email address in any case.
    app.password_token("ALICE@Example.COM", &alice.password, "read")
        .await;
}

async fn password_grant(
    app: &TestApp,
    id: &str,
    secret: &str,
    username: &str,
    password: &str,
    scope: &str,
) -> crate::support::Reply {
    app.post_form(
        "/oauth/token",
        None,
        &[
            ("grant_type", "password"),
            ("client_id", id),
            ("client_secret", secret),
            ("username", username),
            ("password", password),
            ("scope", scope),
        ],
    )
    .await
}

#[tokio::test]
async fn password_grant_refusals() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let (id, secret) = app.create_app("read write").await;
    let wrong = password_grant(&app, &id, &secret, &alice.email, "not the password", "read").await;
    assert!(
        matches!(wrong.status.as_u16(), 400 | 401),
        "{} {}",
        wrong.status,
        wrong.text
    );
    assert_eq!(wrong.json["error"], "invalid_grant", "{}", wrong.text);
    assert!(wrong.json.get("access_token").is_none());

    // Beyond the app's scopes.
    let beyond = password_grant(
        &app,
        &id,
        &secret,
        &alice.email,
        &alice.password,
        "read follow",
    )
    .await
    .expect(400);
    assert_eq!(beyond["error"], "invalid_scope");
    let unknown = password_grant(
        &app,
        &id,
        &secret,
        &alice.email,
        &alice.password,
        "read destroy",
    )
    .await
    .expect(400);
    assert_eq!(unknown["error"], "invalid_scope");

    let unsupported = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "implicit"),
                ("client_id", &id),
                ("client_secret", &secret),
            ],
        )
        .await
        .expect(400);
    assert_eq!(unsupported["error"], "unsupported_grant_type");
    let missing = app
        .post_form("/oauth/token", None, &[("client_id", &id)])
        .await
        .expect(400);
    assert_eq!(missing["error"], "invalid_request");
}

#[tokio::test]
async fn revoked_tokens_stop_working() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let (id, secret) = app.create_app("read write").await;
    let token = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("username", &alice.email),
                ("password", &alice.password),
                ("scope", "read write"),
            ],
        )
        .await
        .expect(200);
    let access = token["access_token"].as_str().unwrap();
    app.get("/api/v1/accounts/verify_credentials", Some(access))
        .await
        .expect(200);

    // Another app cannot revoke it.
    let (other_id, other_secret) = app.create_app("read").await;
    app.post_form(
        "/oauth/revoke",
        None,
        &[
            ("client_id", &other_id),
            ("client_secret", &other_secret),
            ("token", access),
        ],
    )
    .await
    .expect(200);
    app.get("/api/v1/accounts/verify_credentials", Some(access))
        .await
        .expect(200);

    let revoked = app
        .post_form(
            "/oauth/revoke",
            None,
            &[
                ("client_id", &id),
                ("client_secret", &secret),
                ("token", access),
            ],
        )
        .await
        .expect(200);
    assert_eq!(revoked, json!({}));
    let reply = app
        .get("/api/v1/accounts/verify_credentials", Some(access))
        .await;
    assert_eq!(reply.status.as_u16(), 401);
    assert_eq!(reply.json["error"], "The access token was revoked");
    assert!(
        reply
            .header("www-authenticate")
            .unwrap()
            .starts_with("Bearer"),
    );
    app.post_json("/api/v1/statuses", Some(access), json!({"status": "x"}))
        .await
        .expect_error(401);
    // The other tokens of the user still work.
    app.get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect(200);

    // Revoking needs the client's credentials.
    let refused = app
        .post_form(
            "/oauth/revoke",
            None,
            &[
                ("client_id", &id),
                ("client_secret", "wrong"),
                ("token", access),
            ],
        )
        .await
        .expect(401);
    assert_eq!(refused["error"], "invalid_client");
}

#[tokio::test]
async fn authorization_server_metadata() {
    let app = TestApp::start().await;
    let meta = app
        .get("/.well-known/oauth-authorization-server", None)
        .await
        .expect(200);
    let grants: Vec<&str> = meta["grant_types_supported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap())
        .collect();
    for g in ["authorization_code", "password", "client_credentials"] {
        assert!(grants.contains(&g), "{g} missing: {meta}");
    }
    assert_eq!(meta["issuer"], format!("{}/", app.base));
    assert_eq!(
        meta["authorization_endpoint"],
        format!("{}/oauth/authorize", app.base)
    );
    assert_eq!(meta["token_endpoint"], format!("{}/oauth/token", app.base));
    assert_eq!(
        meta["revocation_endpoint"],
        format!("{}/oauth/revoke", app.base)
    );
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(meta["response_types_supported"], json!(["code"]));
    let scopes = meta["scopes_supported"].as_array().unwrap();
    for s in [
        "read",
        "write",
        "follow",
        "push",
        "profile",
        "read:accounts",
    ] {
        assert!(scopes.contains(&json!(s)), "{s}");
    }
}

// ---------------------------------------------------------------------------------
// Scope enforcement and bad tokens
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_read_token_cannot_write() {
    let app = TestApp::start().await;
    let alice = app
        .user_with_scopes("alice", starling_core::accounts::Role::User, "read")
        .await;
    let reply = app
        .post_json(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "nope"}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 403, "{}", reply.text);
    assert_eq!(
        reply.json,
        json!({"error": "This action is outside the authorized scopes"})
    );
    let reply = app
        .patch_json(
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            json!({"display_name": "nope"}),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 403, "{}", reply.text);
    assert_eq!(
        reply.json,
        json!({"error": "This action is outside the authorized scopes"})
    );
    // Reading is fine.
    app.get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect(200);
    app.get("/api/v1/timelines/home", Some(&alice.token))
        .await
        .expect(200);
    // And nothing was written.
    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(me["display_name"], "");
    assert_eq!(me["statuses_count"], 0);
}

#[tokio::test]
async fn granular_scopes_work_for_exactly_their_endpoints() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let accounts_only = app
        .password_token(&alice.email, &alice.password, "read:accounts")
        .await;
    let statuses_only = app
        .password_token(&alice.email, &alice.password, "write:statuses")
        .await;

    // read:accounts
    app.get("/api/v1/accounts/verify_credentials", Some(&accounts_only))
        .await
        .expect(200);
    app.get("/api/v1/preferences", Some(&accounts_only))
        .await
        .expect(200);
    let scope_error = "This action is outside the authorized scopes";
    assert_eq!(
        app.post_json(
            "/api/v1/statuses",
            Some(&accounts_only),
            json!({"status": "no"})
        )
        .await
        .expect_error(403),
        scope_error
    );
    assert_eq!(
        app.get("/api/v1/timelines/home", Some(&accounts_only))
            .await
            .expect_error(403),
        scope_error
    );
    assert_eq!(
        app.patch_json(
            "/api/v1/accounts/update_credentials",
            Some(&accounts_only),
            json!({"display_name": "no"}),
        )
        .await
        .expect_error(403),
        scope_error
    );

    // write:statuses
    let posted = app
        .post_json(
            "/api/v1/statuses",
            Some(&statuses_only),
            json!({"status": "granular"}),
        )
        .await
        .expect(200);
    assert_eq!(posted["account"]["id"], alice.id.as_str());
    for path in [
        "/api/v1/accounts/verify_credentials",
        "/api/v1/preferences",
        "/api/v1/timelines/home",
    ] {
        assert_eq!(
            app.get(path, Some(&statuses_only)).await.expect_error(403),
            scope_error,
            "{path}"
        );
    }
    assert_eq!(
        app.patch_json(
            "/api/v1/accounts/update_credentials",
            Some(&statuses_only),
            json!({"display_name": "no"}),
        )
        .await
        .expect_error(403),
        scope_error
    );
}

#[tokio::test]
async fn missing_and_invalid_tokens_are_401() {
    let app = TestApp::start().await;
    for token in [None, Some("not-a-real-token"), Some("")] {
        let reply = app.get("/api/v1/accounts/verify_credentials", token).await;
        assert_eq!(reply.status.as_u16(), 401, "{token:?}: {}", reply.text);
        assert_eq!(reply.json, json!({"error": "The access token is invalid"}));
        assert!(reply.header("www-authenticate").is_some());
        app.post_json("/api/v1/statuses", token, json!({"status": "x"}))
            .await
            .expect_error(401);
        app.patch_json(
            "/api/v1/accounts/update_credentials",
            token,
            json!({"note": "x"}),
        )
        .await
        .expect_error(401);
    }
    // The token may also come as ?access_token=.
    let alice = app.user("alice").await;
    let me = app
        .get(
            &format!(
                "/api/v1/accounts/verify_credentials?access_token={}",
                alice.token
            ),
            None,
        )
        .await
        .expect(200);
    assert_eq!(me["username"], "alice");
}

#[tokio::test]
async fn a_suspended_users_tokens_stop_working() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    app.suspend(alice.id.parse().unwrap()).await;
    let err = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect_error(403);
    assert_eq!(err, "Your login is currently disabled");
    let (id, secret) = app.create_app("read").await;
    let refused = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("username", &alice.email),
                ("password", &alice.password),
            ],
        )
        .await
        .expect(400);
    assert_eq!(refused["error"], "invalid_grant");
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
async fn token_endpoint_takes_basic_auth_and_json() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let (id, secret) = app.create_app("read write").await;
    let token = app
        .send(
            app.request(Method::POST, "/oauth/token", None)
                .basic_auth(&id, Some(&secret))
                .form(&[
                    ("grant_type", "password"),
                    ("username", alice.email.as_str()),
                    ("password", alice.password.as_str()),
                    ("scope", "read write"),
                ]),
        )
        .await
        .expect(200);
    assert_eq!(token["scope"], "read write");
    let token = app
        .post_json(
            "/oauth/token",
            None,
            json!({
                "grant_type": "password",
                "client_id": id,
                "client_secret": secret,
                "username": alice.email,
                "password": alice.password,
                "scope": "write read",
            }),
        )
        .await
        .expect(200);
    let scope = token["scope"].as_str().unwrap();
    assert!(scope.split(' ').any(|s| s == "read") && scope.split(' ').any(|s| s == "write"));
    // Revoke with Basic auth too.
    let access = token["access_token"].as_str().unwrap();
    app.send(
        app.request(Method::POST, "/oauth/revoke", None)
            .basic_auth(&id, Some(&secret))
            .form(&[("token", access)]),
    )
    .await
    .expect(200);
    app.get("/api/v1/accounts/verify_credentials", Some(access))
        .await
        .expect_error(401);
}

#[tokio::test]
async fn a_profile_scope_token_can_only_verify_credentials() {
    let app = TestApp::start().await;
    let alice = app
        .user_with_scopes("alice", starling_core::accounts::Role::User, "profile")
        .await;
    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(me["username"], "alice");
    app.get("/api/v1/preferences", Some(&alice.token))
        .await
        .expect_error(403);
    app.get("/api/v1/timelines/home", Some(&alice.token))
        .await
        .expect_error(403);
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
