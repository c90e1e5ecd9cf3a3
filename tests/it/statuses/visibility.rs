//! Who can see private and direct statuses, also when fetching several by id.

use serde_json::json;

use super::status_of;
use crate::support::TestApp;

#[tokio::test]
async fn private_statuses_are_hidden_from_non_followers() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let eve = app.user("eve").await;
    app.follow(&bob, &alice).await;
    let private = app
        .post_status_json(
            &alice,
            json!({"status": "followers only", "visibility": "private"}),
        )
        .await;
    let id = private["id"].as_str().unwrap();

    assert_eq!(
        status_of(&app, id, Some(&eve.token))
            .await
            .expect_error(404),
        "Record not found"
    );
    assert_eq!(
        status_of(&app, id, None).await.expect_error(404),
        "Record not found"
    );
    status_of(&app, id, Some(&bob.token)).await.expect(200);
    status_of(&app, id, Some(&alice.token)).await.expect(200);
    // The thread of a hidden status is hidden too.
    app.get(&format!("/api/v1/statuses/{id}/context"), Some(&eve.token))
        .await
        .expect_error(404);

    // Unlisted statuses can be read by anyone with the link.
    let unlisted = app
        .post_status_json(&alice, json!({"status": "quiet", "visibility": "unlisted"}))
        .await;
    status_of(&app, unlisted["id"].as_str().unwrap(), None)
        .await
        .expect(200);
}

#[tokio::test]
async fn direct_statuses_are_only_for_the_mentioned() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let eve = app.user("eve").await;
    // Even a follower does not see a direct message that does not mention them.
    app.follow(&eve, &alice).await;
    let dm = app
        .post_status_json(
            &alice,
            json!({"status": "@bob psst", "visibility": "direct"}),
        )
        .await;
    let id = dm["id"].as_str().unwrap();
    // Direct messages cannot be pinned, so Mastodon leaves `pinned` out.
    assert!(!dm.as_object().unwrap().contains_key("pinned"), "{dm}");
    status_of(&app, id, Some(&bob.token)).await.expect(200);
    status_of(&app, id, Some(&alice.token)).await.expect(200);
    status_of(&app, id, Some(&eve.token))
        .await
        .expect_error(404);
    status_of(&app, id, None).await.expect_error(404);

    // Nor is it in their home timeline, while bob's home has it.
    let eve_home = app
        .get("/api/v1/timelines/home", Some(&eve.token))
        .await
        .expect(200);
    assert!(!TestApp::ids_of(&eve_home).contains(&id.to_string()));
}

#[tokio::test]
async fn several_statuses_by_id_skip_the_invisible() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let a = app.post_status(&alice, "a").await;
    let hidden = app
        .post_status_json(&alice, json!({"status": "b", "visibility": "private"}))
        .await;
    let c = app.post_status(&alice, "c").await;
    let path = format!(
        "/api/v1/statuses?id[]={}&id[]={}&id[]={}&id[]=12345",
        c["id"].as_str().unwrap(),
        hidden["id"].as_str().unwrap(),
        a["id"].as_str().unwrap()
    );
    let list = app.get(&path, None).await.expect(200);
    assert_eq!(
        TestApp::ids_of(&list),
        vec![c["id"].as_str().unwrap(), a["id"].as_str().unwrap()]
    );
}
