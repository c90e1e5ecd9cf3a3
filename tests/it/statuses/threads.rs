//! Threads: the context of a status, and who may reply to it.

use serde_json::{Value, json};

use crate::support::{TestApp, User};

#[tokio::test]
async fn context_lists_ancestors_and_descendants_in_thread_order() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let eve = app.user("eve").await;
    let reply = |user: &User, to: &Value, text: &str| {
        let body = json!({"status": text, "in_reply_to_id": to["id"]});
        let user = user.clone();
        let app = &app;
        async move { app.post_status_json(&user, body).await }
    };
    let root = app.post_status(&alice, "root").await;
    let a1 = reply(&bob, &root, "a1").await;
    let a1x = reply(&alice, &a1, "a1x").await;
    let a2 = reply(&eve, &root, "a2").await;
    let hidden = app
        .post_status_json(
            &bob,
            json!({"status": "for followers", "in_reply_to_id": root["id"], "visibility": "private"}),
        )
        .await;

    let ctx = app
        .get(
            &format!("/api/v1/statuses/{}/context", a1["id"].as_str().unwrap()),
            None,
        )
        .await
        .expect(200);
    assert_eq!(
        TestApp::ids_of(&ctx["ancestors"]),
        vec![root["id"].as_str().unwrap()]
    );
    assert_eq!(
        TestApp::ids_of(&ctx["descendants"]),
        vec![a1x["id"].as_str().unwrap()]
    );

    let ctx = app
        .get(
            &format!("/api/v1/statuses/{}/context", root["id"].as_str().unwrap()),
            Some(&eve.token),
        )
        .await
        .expect(200);
    assert_eq!(ctx["ancestors"], json!([]));
    // Depth first, oldest first; bob's followers-only reply is not shown to eve.
    assert_eq!(
        TestApp::ids_of(&ctx["descendants"]),
        vec![
            a1["id"].as_str().unwrap(),
            a1x["id"].as_str().unwrap(),
            a2["id"].as_str().unwrap(),
        ]
    );
    // Bob sees his own.
    let ctx = app
        .get(
            &format!("/api/v1/statuses/{}/context", root["id"].as_str().unwrap()),
            Some(&bob.token),
        )
        .await
        .expect(200);
    assert!(
        TestApp::ids_of(&ctx["descendants"]).contains(&hidden["id"].as_str().unwrap().to_string())
    );

    let ctx = app
        .get(
            &format!("/api/v1/statuses/{}/context", a1x["id"].as_str().unwrap()),
            None,
        )
        .await
        .expect(200);
    assert_eq!(
        TestApp::ids_of(&ctx["ancestors"]),
        vec![root["id"].as_str().unwrap(), a1["id"].as_str().unwrap()]
    );
    assert_eq!(ctx["descendants"], json!([]));
}

#[tokio::test]
async fn only_those_who_can_see_a_status_can_reply_to_it() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let eve = app.user("eve").await;
    let dm = app
        .post_status_json(
            &alice,
            json!({"status": "@bob secret", "visibility": "direct"}),
        )
        .await;
    let answer = app
        .post_status_json(
            &bob,
            json!({"status": "@alice ok", "in_reply_to_id": dm["id"], "visibility": "direct"}),
        )
        .await;
    assert_eq!(answer["in_reply_to_id"], dm["id"]);
    assert_eq!(answer["in_reply_to_account_id"], alice.id.as_str());
    app.post_json(
        "/api/v1/statuses",
        Some(&eve.token),
        json!({"status": "me too", "in_reply_to_id": dm["id"]}),
    )
    .await
    .expect_error(404);
    assert_eq!(app.statuses_count(&eve).await, 0);
    // The thread is theirs alone.
    let ctx = app
        .get(
            &format!("/api/v1/statuses/{}/context", dm["id"].as_str().unwrap()),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(
        TestApp::ids_of(&ctx["descendants"]),
        vec![answer["id"].as_str().unwrap()]
    );
}
