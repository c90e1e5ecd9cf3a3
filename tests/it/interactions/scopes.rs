//! The scope each action needs, and unknown or invisible statuses.

use serde_json::json;
use starling_core::accounts::Role;

use super::{act, id, post_private};
use crate::support::TestApp;

#[tokio::test]
async fn each_action_needs_its_scope() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let s = id(&app.post_status(&alice, "scoped").await);
    let reader = app.user_with_scopes("reader", Role::User, "read").await;
    let faver = app
        .user_with_scopes("faver", Role::User, "read write:favourites")
        .await;
    let poster = app
        .user_with_scopes("poster", Role::User, "read write:statuses")
        .await;

    for action in ["favourite", "unfavourite", "reblog", "unreblog"] {
        let reply = act(&app, &reader, &s, action).await;
        assert_eq!(
            reply.expect_error(403),
            "This action is outside the authorized scopes",
            "{action}"
        );
        let anonymous = app
            .post_json(&format!("/api/v1/statuses/{s}/{action}"), None, json!({}))
            .await;
        anonymous.expect_error(401);
    }
    // `write:favourites` favourites but does not boost; `write:statuses` the reverse.
    act(&app, &faver, &s, "favourite").await.expect(200);
    act(&app, &faver, &s, "reblog").await.expect_error(403);
    act(&app, &poster, &s, "reblog").await.expect(200);
    act(&app, &poster, &s, "favourite").await.expect_error(403);

    let profile_only = app.user_with_scopes("profile", Role::User, "profile").await;
    app.get("/api/v1/favourites", Some(&profile_only.token))
        .await
        .expect_error(403);
    app.get("/api/v1/favourites", None).await.expect_error(401);
    app.get(
        &format!("/api/v1/statuses/{s}/favourited_by"),
        Some(&profile_only.token),
    )
    .await
    .expect_error(403);
    let list = app
        .get("/api/v1/favourites", Some(&faver.token))
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&list), vec![s.clone()]);
}

#[tokio::test]
async fn unknown_and_invisible_statuses_are_not_found() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let private = id(&post_private(&app, &alice, "not for bob").await);
    for s in ["12345", "not-a-number", private.as_str()] {
        for action in ["favourite", "unfavourite", "reblog", "unreblog"] {
            let error = act(&app, &bob, s, action).await.expect_error(404);
            assert_eq!(error, "Record not found", "{action} {s}");
        }
        for list in ["favourited_by", "reblogged_by"] {
            let error = app
                .get(&format!("/api/v1/statuses/{s}/{list}"), Some(&bob.token))
                .await
                .expect_error(404);
            assert_eq!(error, "Record not found", "{list} {s}");
        }
    }
}
