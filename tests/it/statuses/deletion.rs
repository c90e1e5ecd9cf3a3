//! Deleting statuses: the source returned for redrafting, and only by their author.

use serde_json::json;

use super::status_of;
use crate::support::TestApp;

#[tokio::test]
async fn delete_returns_the_source_for_redrafting() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let media = app.upload_png(&alice).await;
    let s = app
        .post_status_json(
            &alice,
            json!({
                "status": "to be redrafted #tag",
                "spoiler_text": "cw",
                "visibility": "unlisted",
                "media_ids": [media["id"]],
            }),
        )
        .await;
    let id = s["id"].as_str().unwrap();
    assert_eq!(app.statuses_count(&alice).await, 1);
    let media_url = s["media_attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let media_path = media_url.strip_prefix(&app.base).unwrap().to_string();
    let file = app.http.get(app.url(&media_path)).send().await.unwrap();
    assert_eq!(file.status(), 200);

    let deleted = app
        .delete(&format!("/api/v1/statuses/{id}"), Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(deleted["id"], id);
    assert_eq!(deleted["text"], "to be redrafted #tag");
    assert!(
        !deleted.as_object().unwrap().contains_key("content"),
        "{deleted}"
    );
    assert_eq!(deleted["spoiler_text"], "cw");
    assert_eq!(deleted["visibility"], "unlisted");
    assert_eq!(deleted["media_attachments"][0]["id"], media["id"]);

    status_of(&app, id, Some(&alice.token))
        .await
        .expect_error(404);
    assert_eq!(app.statuses_count(&alice).await, 0);
    // The attachment's files go with it.
    let file = app.http.get(app.url(&media_path)).send().await.unwrap();
    assert_eq!(file.status(), 404, "{media_url}");
    // Deleting twice: not found.
    app.delete(&format!("/api/v1/statuses/{id}"), Some(&alice.token))
        .await
        .expect_error(404);
}

#[tokio::test]
async fn nobody_deletes_someone_elses_status() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let s = app.post_status(&alice, "mine").await;
    let id = s["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/api/v1/statuses/{id}"), Some(&bob.token))
            .await
            .expect_error(404),
        "Record not found"
    );
    app.delete(&format!("/api/v1/statuses/{id}"), None)
        .await
        .expect_error(401);
    status_of(&app, id, None).await.expect(200);
    assert_eq!(app.statuses_count(&alice).await, 1);
}
