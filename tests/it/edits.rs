//! Editing statuses: `PUT /api/v1/statuses/:id` re-renders the content and sets
//! `edited_at`, `GET …/history` lists every version oldest first, `GET …/source` gives
//! the text as typed; only the author edits, invalid edits change nothing, scopes are
//! checked, boosters hear of the edit and the edit is an outbox event.

use reqwest::Method;
use serde_json::{Value, json};
use starling_core::events::{self, Event};

use crate::support::{Reply, TestApp, User};

async fn put_json(app: &TestApp, path: &str, token: Option<&str>, body: Value) -> Reply {
    app.send(app.request(Method::PUT, path, token).json(&body))
        .await
}

async fn edit(app: &TestApp, user: &User, id: &str, body: Value) -> Reply {
    put_json(
        app,
        &format!("/api/v1/statuses/{id}"),
        Some(&user.token),
        body,
    )
    .await
}

async fn history(app: &TestApp, id: &str, token: Option<&str>) -> Vec<Value> {
    app.get(&format!("/api/v1/statuses/{id}/history"), token)
        .await
        .expect(200)
        .as_array()
        .expect("a list")
        .clone()
}

fn id(s: &Value) -> String {
    s["id"].as_str().expect("id").to_string()
}

#[tokio::test]
async fn an_edit_re_renders_the_content_and_keeps_the_history() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let s = app.post_status(&alice, "Hello #old").await;
    let sid = id(&s);

    // Never edited: one version, the current one.
    let before = history(&app, &sid, None).await;
    assert_eq!(before.len(), 1, "{before:?}");
    assert_eq!(before[0]["content"], s["content"]);
    assert_eq!(before[0]["created_at"], s["created_at"]);
    assert_eq!(before[0]["account"]["id"], alice.id.as_str());

    let edited = edit(
        &app,
        &alice,
        &sid,
        json!({"status": "Hello @bob #new", "spoiler_text": "a warning", "language": "de"}),
    )
    .await
    .expect(200);
    assert_eq!(edited["id"], sid.as_str());
    assert_eq!(edited["created_at"], s["created_at"]);
    let edited_at = edited["edited_at"].as_str().expect("edited_at is set");
    assert!(edited_at >= s["created_at"].as_str().unwrap());
    let content = edited["content"].as_str().unwrap();
    assert!(content.contains("class=\"u-url mention\""), "{content}");
    assert!(content.contains("/tags/new"), "{content}");
    assert_eq!(edited["spoiler_text"], "a warning");
    assert_eq!(edited["sensitive"], true);
    assert_eq!(edited["language"], "de");
    assert_eq!(edited["tags"][0]["name"], "new");
    assert_eq!(edited["mentions"][0]["id"], bob.id.as_str());
    assert_eq!(edited["visibility"], "public");

    let shown = app
        .get(&format!("/api/v1/statuses/{sid}"), None)
        .await
        .expect(200);
    assert_eq!(shown["content"], edited["content"]);
    assert_eq!(shown["edited_at"], edited["edited_at"]);

    // Oldest first: the original (dated when it was posted), then the edit.
    let after = history(&app, &sid, Some(&bob.token)).await;
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(after[0]["content"], s["content"]);
    assert_eq!(after[0]["created_at"], s["created_at"]);
    assert_eq!(after[0]["spoiler_text"], "");
    assert_eq!(after[0]["sensitive"], false);
    assert_eq!(after[1]["content"], edited["content"]);
    assert_eq!(after[1]["created_at"], edited["edited_at"]);
    assert_eq!(after[1]["spoiler_text"], "a warning");
    for v in &after {
        for key in ["media_attachments", "emojis", "account", "poll"] {
            assert!(v.as_object().unwrap().contains_key(key), "{key} in {v}");
        }
    }

    let source = app
        .get(
            &format!("/api/v1/statuses/{sid}/source"),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(
        source,
        json!({"id": sid, "text": "Hello @bob #new", "spoiler_text": "a warning"})
    );

    // The hashtags were re-linked, and the new mention was notified.
    let new_tag = app.get("/api/v1/timelines/tag/new", None).await.expect(200);
    assert_eq!(TestApp::ids_of(&new_tag), vec![sid.clone()]);
    let old_tag = app.get("/api/v1/timelines/tag/old", None).await.expect(200);
    assert_eq!(old_tag, json!([]));
    let notes = app
        .get("/api/v1/notifications", Some(&bob.token))
        .await
        .expect(200);
    assert_eq!(notes[0]["type"], "mention", "{notes}");
    assert_eq!(notes[0]["status"]["id"], sid.as_str());

    // A second edit adds one version.
    edit(&app, &alice, &sid, json!({"status": "third"}))
        .await
        .expect(200);
    let third = history(&app, &sid, None).await;
    assert_eq!(third.len(), 3);
    assert_eq!(third[2]["content"], "<p>third</p>");
    assert_eq!(third[2]["spoiler_text"], "");
}

#[tokio::test]
async fn form_bodies_work_and_an_edit_that_changes_nothing_is_no_edit() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let s = app.post_status(&alice, "steady").await;
    let sid = id(&s);
    let same = app
        .send(
            app.request(
                Method::PUT,
                &format!("/api/v1/statuses/{sid}"),
                Some(&alice.token),
            )
            .form(&[("status", "steady")]),
        )
        .await
        .expect(200);
    assert_eq!(same["edited_at"], Value::Null);
    assert_eq!(history(&app, &sid, None).await.len(), 1);

    let changed = app
        .send(
            app.request(
                Method::PUT,
                &format!("/api/v1/statuses/{sid}"),
                Some(&alice.token),
            )
            .form(&[("status", "steady, then not"), ("sensitive", "true")]),
        )
        .await
        .expect(200);
    assert_eq!(changed["content"], "<p>steady, then not</p>");
    assert_eq!(changed["sensitive"], true);
    assert!(changed["edited_at"].is_string());
}

#[tokio::test]
async fn only_the_author_edits_and_invalid_edits_change_nothing() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let s = app.post_status(&alice, "mine").await;
    let sid = id(&s);

    edit(&app, &bob, &sid, json!({"status": "hijacked"}))
        .await
        .expect_error(404);
    edit(&app, &alice, "123456789", json!({"status": "x"}))
        .await
        .expect_error(404);
    edit(&app, &alice, "not-an-id", json!({"status": "x"}))
        .await
        .expect_error(404);

    let too_long = "a".repeat(501);
    let err = edit(&app, &alice, &sid, json!({"status": too_long}))
        .await
        .expect(422);
    assert!(
        err["error"].as_str().unwrap().contains("character limit"),
        "{err}"
    );
    let err = edit(&app, &alice, &sid, json!({"status": "  "}))
        .await
        .expect(422);
    assert!(
        err["error"].as_str().unwrap().contains("can't be blank"),
        "{err}"
    );
    // Someone else's attachment cannot be taken.
    let bobs_media = app.upload_png(&bob).await;
    edit(
        &app,
        &alice,
        &sid,
        json!({"status": "with media", "media_ids": [bobs_media["id"]]}),
    )
    .await
    .expect_error(422);
    edit(
        &app,
        &alice,
        &sid,
        json!({"status": "a poll", "poll": {"options": ["a", "b"], "expires_in": 600}}),
    )
    .await
    .expect_error(422);

    let shown = app
        .get(&format!("/api/v1/statuses/{sid}"), None)
        .await
        .expect(200);
    assert_eq!(shown["content"], "<p>mine</p>");
    assert_eq!(shown["edited_at"], Value::Null);
    assert_eq!(shown["media_attachments"], json!([]));
    assert_eq!(history(&app, &sid, None).await.len(), 1);
}

#[tokio::test]
async fn scopes_are_checked() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let s = app.post_status(&alice, "scoped").await;
    let sid = id(&s);
    let read_only = app
        .password_token(&alice.email, &alice.password, "read")
        .await;
    let write_only = app
        .password_token(&alice.email, &alice.password, "write:statuses")
        .await;

    put_json(
        &app,
        &format!("/api/v1/statuses/{sid}"),
        Some(&read_only),
        json!({"status": "nope"}),
    )
    .await
    .expect_error(403);
    put_json(
        &app,
        &format!("/api/v1/statuses/{sid}"),
        None,
        json!({"status": "nope"}),
    )
    .await
    .expect_error(401);
    app.get(&format!("/api/v1/statuses/{sid}/source"), None)
        .await
        .expect_error(401);
    app.get(&format!("/api/v1/statuses/{sid}/source"), Some(&write_only))
        .await
        .expect_error(403);
    app.get(
        &format!("/api/v1/statuses/{sid}/history"),
        Some(&write_only),
    )
    .await
    .expect_error(403);
    app.get(&format!("/api/v1/statuses/{sid}/source"), Some(&read_only))
        .await
        .expect(200);

    put_json(
        &app,
        &format!("/api/v1/statuses/{sid}"),
        Some(&write_only),
        json!({"status": "yes"}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn private_statuses_keep_their_history_private() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let s = app
        .post_status_json(
            &alice,
            json!({"status": "followers only", "visibility": "private"}),
        )
        .await;
    let sid = id(&s);
    edit(
        &app,
        &alice,
        &sid,
        json!({"status": "still followers only"}),
    )
    .await
    .expect(200);
    app.get(&format!("/api/v1/statuses/{sid}/history"), None)
        .await
        .expect_error(404);
    app.get(&format!("/api/v1/statuses/{sid}/source"), Some(&bob.token))
        .await
        .expect_error(404);
    assert_eq!(history(&app, &sid, Some(&alice.token)).await.len(), 2);
    // The visibility stays what it was.
    let shown = app
        .get(&format!("/api/v1/statuses/{sid}"), Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(shown["visibility"], "private");
}

#[tokio::test]
async fn attachments_change_with_an_edit_and_the_history_keeps_the_old_ones() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let first = app.upload_png(&alice).await;
    let second = app.upload_png(&alice).await;
    let s = app
        .post_status_json(
            &alice,
            json!({"status": "look", "media_ids": [first["id"]]}),
        )
        .await;
    let sid = id(&s);

    let edited = edit(
        &app,
        &alice,
        &sid,
        json!({
            "status": "look again",
            "media_ids": [second["id"]],
            "media_attributes": [{"id": second["id"], "description": "the second", "focus": "0.5,-0.5"}],
        }),
    )
    .await
    .expect(200);
    let media = edited["media_attachments"].as_array().unwrap();
    assert_eq!(media.len(), 1, "{edited}");
    assert_eq!(media[0]["id"], second["id"]);
    assert_eq!(media[0]["description"], "the second");
    assert_eq!(media[0]["meta"]["focus"]["x"], 0.5);

    let versions = history(&app, &sid, None).await;
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["media_attachments"][0]["id"], first["id"]);
    assert_eq!(
        versions[0]["media_attachments"][0]["description"],
        "a small gradient"
    );
    assert_eq!(versions[1]["media_attachments"][0]["id"], second["id"]);
    assert_eq!(
        versions[1]["media_attachments"][0]["description"],
        "the second"
    );

    // Without media and without text is blank.
    edit(&app, &alice, &sid, json!({"status": ""}))
        .await
        .expect_error(422);
    // Taking all media off leaves the text.
    let bare = edit(&app, &alice, &sid, json!({"status": "no pictures"}))
        .await
        .expect(200);
    assert_eq!(bare["media_attachments"], json!([]));

    // Deleting the status takes the old versions' media with it.
    app.delete(&format!("/api/v1/statuses/{sid}"), Some(&alice.token))
        .await
        .expect(200);
    for m in [&first, &second] {
        app.get(
            &format!("/api/v1/media/{}", m["id"].as_str().unwrap()),
            Some(&alice.token),
        )
        .await
        .expect_error(404);
    }
}

#[tokio::test]
async fn boosters_are_told_and_the_edit_is_an_outbox_event() {
    let app = TestApp::builder()
        .without_federation_workers()
        .start()
        .await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let s = app.post_status(&alice, "boost me").await;
    let sid = id(&s);
    app.post_json(
        &format!("/api/v1/statuses/{sid}/reblog"),
        Some(&bob.token),
        json!({}),
    )
    .await
    .expect(200);

    edit(&app, &alice, &sid, json!({"status": "boost me, edited"}))
        .await
        .expect(200);
    let notes = app
        .get("/api/v1/notifications?types[]=update", Some(&bob.token))
        .await
        .expect(200);
    assert_eq!(notes.as_array().unwrap().len(), 1, "{notes}");
    assert_eq!(notes[0]["type"], "update");
    assert_eq!(notes[0]["account"]["id"], alice.id.as_str());
    assert_eq!(notes[0]["status"]["id"], sid.as_str());

    let status_id: i64 = sid.parse().unwrap();
    let updated: Vec<_> = events::take(&app.inst, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.expect("readable event"))
        .filter(|e| e.event == Event::StatusUpdated { status_id })
        .collect();
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0].event.kind(), "status_updated");
    assert_eq!(updated[0].account_id.to_string(), alice.id);
}

#[tokio::test]
async fn concurrent_edits_take_turns() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let s = app.post_status(&alice, "version one").await;
    let sid = id(&s);
    let (a, b) = tokio::join!(
        edit(&app, &alice, &sid, json!({"status": "version two"})),
        edit(&app, &alice, &sid, json!({"status": "version three"})),
    );
    a.expect(200);
    b.expect(200);
    // One original, then both edits: never two originals.
    let versions = history(&app, &sid, None).await;
    assert_eq!(versions.len(), 3, "{versions:?}");
    assert_eq!(versions[0]["content"], "<p>version one</p>");
    let shown = app
        .get(&format!("/api/v1/statuses/{sid}"), None)
        .await
        .expect(200);
    assert_eq!(shown["content"], versions[2]["content"]);
}
