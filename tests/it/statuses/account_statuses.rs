//! `GET /api/v1/accounts/:id/statuses`: its filters, visibility, and pinned statuses.

use serde_json::{Value, json};

use super::status_of;
use crate::support::TestApp;

#[tokio::test]
async fn account_statuses_filter_replies_media_and_pins() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let bobs = app.post_status(&bob, "bob's").await;
    let plain = app.post_status(&alice, "plain").await;
    let reply_to_bob = app
        .post_status_json(
            &alice,
            json!({"status": "@bob yes", "in_reply_to_id": bobs["id"]}),
        )
        .await;
    let self_reply = app
        .post_status_json(
            &alice,
            json!({"status": "thread 2/2", "in_reply_to_id": plain["id"]}),
        )
        .await;
    let media = app.upload_png(&alice).await;
    let with_media = app
        .post_status_json(&alice, json!({"status": "pic", "media_ids": [media["id"]]}))
        .await;
    let id = |s: &Value| s["id"].as_str().unwrap().to_string();
    let list = |query: &'static str| {
        let path = format!("/api/v1/accounts/{}/statuses{query}", alice.id);
        let app = &app;
        async move { TestApp::ids_of(&app.get(&path, None).await.expect(200)) }
    };

    assert_eq!(
        list("").await,
        vec![
            id(&with_media),
            id(&self_reply),
            id(&reply_to_bob),
            id(&plain)
        ]
    );
    // Replies to others go; self-replies (threads) stay, as in Mastodon.
    assert_eq!(
        list("?exclude_replies=true").await,
        vec![id(&with_media), id(&self_reply), id(&plain)]
    );
    assert_eq!(list("?only_media=true").await, vec![id(&with_media)]);
    assert_eq!(list("?pinned=true").await, Vec::<String>::new());

    let pinned = app
        .post_json(
            &format!("/api/v1/statuses/{}/pin", id(&plain)),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(pinned["pinned"], true);
    assert_eq!(list("?pinned=true").await, vec![id(&plain)]);
    let shown = status_of(&app, &id(&plain), Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(shown["pinned"], true);

    // Pinning someone else's status is refused.
    app.post_json(
        &format!("/api/v1/statuses/{}/pin", id(&plain)),
        Some(&bob.token),
        json!({}),
    )
    .await
    .expect_error(422);

    let unpinned = app
        .post_json(
            &format!("/api/v1/statuses/{}/unpin", id(&plain)),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(unpinned["pinned"], false);
    assert_eq!(list("?pinned=true").await, Vec::<String>::new());
}

#[tokio::test]
async fn account_statuses_respect_visibility() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let eve = app.user("eve").await;
    app.follow(&bob, &alice).await;
    let public = app.post_status(&alice, "public").await;
    let unlisted = app
        .post_status_json(
            &alice,
            json!({"status": "unlisted", "visibility": "unlisted"}),
        )
        .await;
    let private = app
        .post_status_json(
            &alice,
            json!({"status": "private", "visibility": "private"}),
        )
        .await;
    let dm = app
        .post_status_json(&alice, json!({"status": "@eve hi", "visibility": "direct"}))
        .await;
    let path = format!("/api/v1/accounts/{}/statuses", alice.id);
    let id = |s: &Value| s["id"].as_str().unwrap().to_string();

    let anon = TestApp::ids_of(&app.get(&path, None).await.expect(200));
    assert_eq!(anon, vec![id(&unlisted), id(&public)]);
    let follower = TestApp::ids_of(&app.get(&path, Some(&bob.token)).await.expect(200));
    assert_eq!(follower, vec![id(&private), id(&unlisted), id(&public)]);
    let mentioned = TestApp::ids_of(&app.get(&path, Some(&eve.token)).await.expect(200));
    assert_eq!(mentioned, vec![id(&dm), id(&unlisted), id(&public)]);
    let own = TestApp::ids_of(&app.get(&path, Some(&alice.token)).await.expect(200));
    assert_eq!(own, vec![id(&dm), id(&private), id(&unlisted), id(&public)]);
}

#[tokio::test]
async fn at_most_five_statuses_can_be_pinned() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(
            app.post_status(&alice, &format!("pin me {i}")).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    for id in &ids[..5] {
        app.post_json(
            &format!("/api/v1/statuses/{id}/pin"),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    }
    // Pinning a pinned one again is fine.
    app.post_json(
        &format!("/api/v1/statuses/{}/pin", ids[0]),
        Some(&alice.token),
        json!({}),
    )
    .await
    .expect(200);
    app.post_json(
        &format!("/api/v1/statuses/{}/pin", ids[5]),
        Some(&alice.token),
        json!({}),
    )
    .await
    .expect_error(422);
    let pinned = app
        .get(
            &format!("/api/v1/accounts/{}/statuses?pinned=true", alice.id),
            None,
        )
        .await
        .expect(200);
    assert_eq!(pinned.as_array().unwrap().len(), 5);

    // A direct message cannot be pinned.
    let dm = app
        .post_status_json(
            &alice,
            json!({"status": "@alice note to self", "visibility": "direct"}),
        )
        .await;
    app.post_json(
        &format!("/api/v1/statuses/{}/pin", dm["id"].as_str().unwrap()),
        Some(&alice.token),
        json!({}),
    )
    .await
    .expect_error(422);

    // Deleting a pinned status frees its place.
    app.delete(&format!("/api/v1/statuses/{}", ids[1]), Some(&alice.token))
        .await
        .expect(200);
    app.post_json(
        &format!("/api/v1/statuses/{}/pin", ids[5]),
        Some(&alice.token),
        json!({}),
    )
    .await
    .expect(200);
}
