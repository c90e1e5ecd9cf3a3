//! The token endpoint's other grants (client credentials, password), Basic auth and JSON
//! bodies, revocation, and the authorization server metadata.

use reqwest::Method;
use serde_json::json;

use crate::support::TestApp;

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
