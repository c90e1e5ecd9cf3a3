//! Registering applications (`POST /api/v1/apps`, form and JSON bodies, validation)
//! and `GET /api/v1/apps/verify_credentials`.

use serde_json::{Value, json};

use super::{CALLBACK, OOB};
use crate::support::TestApp;

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
    // No push is served, so no push key is given (it::instance checks the claim).
    assert!(created.get("vapid_key").is_none(), "{created}");
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
