//! Scope enforcement (broad, granular and `profile` scopes) and missing, invalid or
//! suspended users' tokens.

use serde_json::json;

use crate::support::TestApp;

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
