//! Registration (`POST /api/v1/accounts`) in every registration mode, its validation
//! errors, and the key pair each new account gets.

use serde_json::{Value, json};
use starling_core::config::RegistrationMode;

use crate::support::TestApp;

async fn register_json(app: &TestApp, token: &str, body: Value) -> crate::support::Reply {
    app.post_json("/api/v1/accounts", Some(token), body).await
}

fn new_account(username: &str) -> Value {
    json!({
        "username": username,
        "email": format!("{username}@mail.example"),
        "password": "correct horse battery",
        "agreement": true,
        "locale": "en",
    })
}

#[tokio::test]
async fn open_registration_returns_a_token_usable_at_once() {
    let app = TestApp::start().await;
    let app_token = app.app_token("read write follow push").await;
    let token = register_json(&app, &app_token, new_account("newbie"))
        .await
        .expect(200);
    assert_eq!(token["token_type"], "Bearer", "{token}");
    assert_eq!(token["scope"], "read write follow push", "{token}");
    assert!(token["created_at"].is_i64(), "{token}");
    let access = token["access_token"].as_str().unwrap();
    assert!(access.len() >= 32, "{token}");

    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(access))
        .await
        .expect(200);
    assert_eq!(me["username"], "newbie");
    assert_eq!(me["acct"], "newbie");

    let status = app
        .post_json(
            "/api/v1/statuses",
            Some(access),
            json!({ "status": "my first post" }),
        )
        .await
        .expect(200);
    assert_eq!(status["account"]["id"], me["id"]);
    assert_eq!(status["content"], "<p>my first post</p>");

    // The new account signs in with its password too.
    app.password_token("newbie@mail.example", "correct horse battery", "read")
        .await;
}

#[tokio::test]
async fn registration_accepts_a_form_body() {
    let app = TestApp::start().await;
    let app_token = app.app_token("read write").await;
    let token = app
        .post_form(
            "/api/v1/accounts",
            Some(&app_token),
            &[
                ("username", "formuser"),
                ("email", "FormUser@Mail.Example"),
                ("password", "long enough password"),
                ("agreement", "1"),
                ("locale", "de"),
            ],
        )
        .await
        .expect(200);
    let access = token["access_token"].as_str().unwrap();
    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(access))
        .await
        .expect(200);
    assert_eq!(me["username"], "formuser");
    // The address is kept lower-cased and works as a login.
    app.password_token("formuser@mail.example", "long enough password", "read")
        .await;
}

#[tokio::test]
async fn approval_mode_creates_an_account_that_cannot_log_in_yet() {
    let app = TestApp::builder()
        .config(|c| c.instance.registrations = RegistrationMode::Approval)
        .start()
        .await;
    let app_token = app.app_token("read write").await;
    let mut body = new_account("waiting");
    body["reason"] = json!("I would like to join");
    let token = register_json(&app, &app_token, body).await.expect(200);
    let access = token["access_token"].as_str().unwrap().to_string();

    // The token exists but its user may not act yet.
    let err = app
        .get("/api/v1/accounts/verify_credentials", Some(&access))
        .await
        .expect_error(403);
    assert_eq!(err, "Your login is currently pending approval");
    app.post_json(
        "/api/v1/statuses",
        Some(&access),
        json!({"status": "too early"}),
    )
    .await
    .expect_error(403);

    // Password sign-in is refused too.
    let (id, secret) = app.create_app("read").await;
    let refused = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("username", "waiting@mail.example"),
                ("password", "correct horse battery"),
            ],
        )
        .await
        .expect(400);
    assert_eq!(refused["error"], "invalid_grant");

    // Nobody else can see the account while it waits.
    app.get("/api/v1/accounts/lookup?acct=waiting", None)
        .await
        .expect_error(404);

    // Once approved, the same token works.
    let local = starling_core::accounts::find_local(&app.inst, "waiting")
        .await
        .unwrap()
        .unwrap();
    app.approve(local.id).await;
    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(&access))
        .await
        .expect(200);
    assert_eq!(me["username"], "waiting");
}

#[tokio::test]
async fn closed_registrations_are_refused() {
    let app = TestApp::builder()
        .config(|c| c.instance.registrations = RegistrationMode::Closed)
        .start()
        .await;
    let app_token = app.app_token("read write").await;
    let err = register_json(&app, &app_token, new_account("nope"))
        .await
        .expect_error(403);
    assert!(!err.is_empty());
    app.get("/api/v1/accounts/lookup?acct=nope", None)
        .await
        .expect_error(404);
}

#[tokio::test]
async fn registration_needs_an_application_token_with_write_scope() {
    let app = TestApp::start().await;
    let err = app
        .post_json("/api/v1/accounts", None, new_account("anon"))
        .await
        .expect_error(401);
    assert_eq!(err, "The access token is invalid");
    let read_only = app.app_token("read").await;
    let err = register_json(&app, &read_only, new_account("anon"))
        .await
        .expect_error(403);
    assert_eq!(err, "This action is outside the authorized scopes");
}

#[tokio::test]
async fn taken_username_is_422_in_mastodons_shape() {
    let app = TestApp::start().await;
    app.user("alice").await;
    let app_token = app.app_token("read write").await;
    for name in ["alice", "ALICE"] {
        let mut body = new_account(name);
        body["email"] = json!(format!("other-{name}@mail.example"));
        let reply = register_json(&app, &app_token, body).await.expect(422);
        assert_eq!(
            reply,
            json!({
                "error": "Validation failed: Username has already been taken",
                "details": {
                    "username": [{"error": "ERR_TAKEN", "description": "has already been taken"}]
                }
            })
        );
    }
    // A taken email address is reported the same way.
    let mut body = new_account("alice2");
    body["email"] = json!("Alice@Example.com");
    let reply = register_json(&app, &app_token, body).await.expect(422);
    assert_eq!(
        reply,
        json!({
            "error": "Validation failed: Email has already been taken",
            "details": {
                "email": [{"error": "ERR_TAKEN", "description": "has already been taken"}]
            }
        })
    );
}

#[tokio::test]
async fn invalid_username_email_and_short_password_are_422() {
    let app = TestApp::start().await;
    let app_token = app.app_token("read write").await;

    let mut body = new_account("x");
    body["username"] = json!("not valid!");
    let reply = register_json(&app, &app_token, body).await.expect(422);
    assert_eq!(
        reply["details"]["username"],
        json!([{"error": "ERR_INVALID", "description": "must contain only letters, numbers and underscores"}]),
        "{reply}"
    );
    assert_eq!(
        reply["error"],
        "Validation failed: Username must contain only letters, numbers and underscores"
    );

    let mut body = new_account("admin");
    body["username"] = json!("admin");
    let reply = register_json(&app, &app_token, body).await.expect(422);
    assert_eq!(reply["details"]["username"][0]["error"], "ERR_RESERVED");

    let mut body = new_account("bademail");
    body["email"] = json!("not-an-address");
    let reply = register_json(&app, &app_token, body).await.expect(422);
    assert_eq!(
        reply,
        json!({
            "error": "Validation failed: Email is invalid",
            "details": {"email": [{"error": "ERR_INVALID", "description": "is invalid"}]}
        })
    );

    let mut body = new_account("shortpw");
    body["password"] = json!("short");
    let reply = register_json(&app, &app_token, body).await.expect(422);
    assert_eq!(
        reply,
        json!({
            "error": "Validation failed: Password is too short (minimum is 8 characters)",
            "details": {"password": [{"error": "ERR_TOO_SHORT", "description": "is too short (minimum is 8 characters)"}]}
        })
    );

    // Several problems at once, in a form body: every field is reported.
    let reply = app
        .post_form(
            "/api/v1/accounts",
            Some(&app_token),
            &[
                ("username", ""),
                ("email", "nope"),
                ("password", "123"),
                ("agreement", "true"),
            ],
        )
        .await
        .expect(422);
    let details = reply["details"].as_object().unwrap();
    assert_eq!(details["username"][0]["error"], "ERR_BLANK", "{reply}");
    assert_eq!(details["email"][0]["error"], "ERR_INVALID", "{reply}");
    assert_eq!(details["password"][0]["error"], "ERR_TOO_SHORT", "{reply}");
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .starts_with("Validation failed: Username can't be blank, "),
        "{reply}"
    );

    // None of it created an account.
    for name in ["bademail", "shortpw"] {
        app.get(&format!("/api/v1/accounts/lookup?acct={name}"), None)
            .await
            .expect_error(404);
    }
}

#[tokio::test]
async fn missing_agreement_is_422_with_every_problem() {
    let app = TestApp::start().await;
    let app_token = app.app_token("read write").await;
    let mut body = new_account("noagree");
    body.as_object_mut().unwrap().remove("agreement");
    let reply = register_json(&app, &app_token, body).await.expect(422);
    assert_eq!(
        reply,
        json!({
            "error": "Validation failed: Agreement must be accepted",
            "details": {"agreement": [{"error": "ERR_ACCEPTED", "description": "must be accepted"}]}
        })
    );
    let reply = app
        .post_form(
            "/api/v1/accounts",
            Some(&app_token),
            &[
                ("username", "noagree"),
                ("email", "bad"),
                ("password", "long enough password"),
                ("agreement", "false"),
            ],
        )
        .await
        .expect(422);
    assert_eq!(reply["details"]["agreement"][0]["error"], "ERR_ACCEPTED");
    assert_eq!(reply["details"]["email"][0]["error"], "ERR_INVALID");
    app.get("/api/v1/accounts/lookup?acct=noagree", None)
        .await
        .expect_error(404);
}

#[tokio::test]
async fn too_long_username_is_422() {
    let app = TestApp::start().await;
    let app_token = app.app_token("read write").await;
    let name = "a".repeat(31);
    let reply = register_json(&app, &app_token, new_account(&name))
        .await
        .expect(422);
    assert_eq!(
        reply["details"]["username"],
        json!([{"error": "ERR_TOO_LONG", "description": "is too long (maximum is 30 characters)"}])
    );
    // 30 is fine.
    register_json(&app, &app_token, new_account(&"b".repeat(30)))
        .await
        .expect(200);
}

#[tokio::test]
async fn the_documented_registration_error_example() {
    // The example response of Mastodon's documentation for POST /api/v1/accounts.
    let app = TestApp::start().await;
    let app_token = app.app_token("read write").await;
    let reply = app
        .post_form(
            "/api/v1/accounts",
            Some(&app_token),
            &[
                ("username", "not valid!"),
                ("email", "docs@mail.example"),
                ("password", ""),
                ("locale", "en"),
            ],
        )
        .await
        .expect(422);
    assert_eq!(
        reply,
        json!({
            "error": "Validation failed: Password can't be blank, Username must contain only letters, numbers and underscores, Agreement must be accepted",
            "details": {
                "password": [{"error": "ERR_BLANK", "description": "can't be blank"}],
                "username": [{"error": "ERR_INVALID", "description": "must contain only letters, numbers and underscores"}],
                "agreement": [{"error": "ERR_ACCEPTED", "description": "must be accepted"}]
            }
        })
    );
}

#[tokio::test]
async fn an_unsupported_locale_is_err_inclusion() {
    let app = TestApp::start().await;
    let app_token = app.app_token("read write").await;
    let mut body = new_account("klingon");
    body["locale"] = json!("not a locale");
    let reply = register_json(&app, &app_token, body).await.expect(422);
    assert_eq!(
        reply,
        json!({
            "error": "Validation failed: Locale is not included in the list",
            "details": {"locale": [{"error": "ERR_INCLUSION", "description": "is not included in the list"}]}
        })
    );
}

/// The body of a PEM block, base64-decoded length in bytes.
fn pem_der_len(pem: &str, label: &str) -> usize {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    assert!(
        pem.starts_with(&format!("-----BEGIN {label}-----")),
        "not a {label} PEM: {pem}"
    );
    let padding = body.chars().rev().take_while(|c| *c == '=').count();
    body.len() / 4 * 3 - padding
}

#[tokio::test]
async fn every_account_gets_its_own_rsa_2048_key_pair_in_standard_pem() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let a = starling_core::accounts::find_local(&app.inst, &alice.username)
        .await
        .unwrap()
        .unwrap();
    let b = starling_core::accounts::find_local(&app.inst, &bob.username)
        .await
        .unwrap()
        .unwrap();
    // An RSA-2048 SubjectPublicKeyInfo is 294 bytes; its PKCS#8 private key ~1,190.
    assert_eq!(pem_der_len(&a.public_key_pem, "PUBLIC KEY"), 294);
    let private = a
        .private_key_pem
        .as_deref()
        .expect("local accounts keep a private key");
    let private_len = pem_der_len(private, "PRIVATE KEY");
    assert!((1100..1300).contains(&private_len), "{private_len}");
    assert_ne!(a.public_key_pem, b.public_key_pem);
}
