//! `POST /api/v1/statuses`: the entity's fields, language, visibility, content warnings,
//! replies, media attachments, idempotency keys, and form bodies.

use serde_json::{Value, json};

use super::{assert_id, assert_timestamp, status_of};
use crate::support::TestApp;

#[tokio::test]
async fn a_new_status_has_every_key_of_mastodons_status_entity() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let s = app.post_status(&alice, "Hello, world").await;

    let id = assert_id(&s["id"]);
    assert_timestamp(&s["created_at"]);
    let keys = [
        "id",
        "created_at",
        "in_reply_to_id",
        "in_reply_to_account_id",
        "sensitive",
        "spoiler_text",
        "visibility",
        "language",
        "uri",
        "url",
        "replies_count",
        "reblogs_count",
        "favourites_count",
        "edited_at",
        "favourited",
        "reblogged",
        "muted",
        "bookmarked",
        "pinned",
        "content",
        "reblog",
        "application",
        "account",
        "media_attachments",
        "mentions",
        "tags",
        "emojis",
        "card",
        "poll",
    ];
    let obj = s.as_object().unwrap();
    for key in keys {
        assert!(obj.contains_key(key), "missing {key:?} in {s}");
    }
    // `text` only comes back from a delete (for redrafting).
    assert!(!obj.contains_key("text"), "{s}");

    assert_eq!(s["in_reply_to_id"], Value::Null);
    assert_eq!(s["in_reply_to_account_id"], Value::Null);
    assert_eq!(s["sensitive"], false);
    assert_eq!(s["spoiler_text"], "");
    assert_eq!(s["visibility"], "public");
    assert_eq!(s["replies_count"], 0);
    assert_eq!(s["reblogs_count"], 0);
    assert_eq!(s["favourites_count"], 0);
    assert_eq!(s["edited_at"], Value::Null);
    assert_eq!(s["favourited"], false);
    assert_eq!(s["reblogged"], false);
    assert_eq!(s["muted"], false);
    assert_eq!(s["bookmarked"], false);
    assert_eq!(s["pinned"], false);
    assert_eq!(s["reblog"], Value::Null);
    assert_eq!(s["card"], Value::Null);
    assert_eq!(s["poll"], Value::Null);
    assert_eq!(s["media_attachments"], json!([]));
    assert_eq!(s["mentions"], json!([]));
    assert_eq!(s["tags"], json!([]));
    assert_eq!(s["emojis"], json!([]));
    assert_eq!(s["content"], "<p>Hello, world</p>");
    assert_eq!(
        s["uri"],
        format!("{}/users/alice/statuses/{id}", app.base),
        "{s}"
    );
    assert_eq!(s["url"], format!("{}/@alice/{id}", app.base));
    assert_eq!(s["application"]["name"], "starling tests");
    assert!(
        s["application"]
            .as_object()
            .unwrap()
            .contains_key("website")
    );
    assert_eq!(s["account"]["id"], alice.id.as_str());
    assert_eq!(s["account"]["username"], "alice");
    assert_eq!(s["account"]["acct"], "alice");
    assert_eq!(s["account"]["statuses_count"], 1, "{s}");

    // The same entity comes back from GET, anonymously without the viewer's marks.
    let shown = status_of(&app, &id, Some(&alice.token)).await.expect(200);
    assert_eq!(shown["id"], s["id"]);
    assert_eq!(shown["created_at"], s["created_at"]);
    assert_eq!(shown["content"], s["content"]);
    assert_eq!(shown["pinned"], false);
    let anon = status_of(&app, &id, None).await.expect(200);
    assert_eq!(anon["content"], s["content"]);
    for key in ["favourited", "reblogged", "muted", "bookmarked", "pinned"] {
        assert!(
            !anon.as_object().unwrap().contains_key(key),
            "{key} in {anon}"
        );
    }
}

#[tokio::test]
async fn the_language_is_kept_and_defaults_to_the_posting_language() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let de = app
        .post_status_json(&alice, json!({"status": "Guten Tag", "language": "de"}))
        .await;
    assert_eq!(de["language"], "de");
    // Mastodon falls back to the user's posting language (here the locale, `en`) when
    // none or an unknown one is given.
    let none = app.post_status(&alice, "Hello").await;
    assert_eq!(none["language"], "en", "{none}");
    let bad = app
        .post_status_json(
            &alice,
            json!({"status": "Hello", "language": "not a language"}),
        )
        .await;
    assert_eq!(bad["language"], "en", "{bad}");
}

#[tokio::test]
async fn every_visibility_is_stored_and_echoed() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    for v in ["public", "unlisted", "private", "direct"] {
        let s = app
            .post_status_json(
                &alice,
                json!({"status": format!("{v} @bob"), "visibility": v}),
            )
            .await;
        assert_eq!(s["visibility"], v);
        let shown = status_of(&app, s["id"].as_str().unwrap(), Some(&alice.token))
            .await
            .expect(200);
        assert_eq!(shown["visibility"], v);
        // Mentioned, bob may read all four.
        let seen = status_of(&app, s["id"].as_str().unwrap(), Some(&bob.token))
            .await
            .expect(200);
        assert_eq!(seen["visibility"], v);
    }
    // Direct messages are not counted in statuses_count, as in Mastodon.
    assert_eq!(app.statuses_count(&alice).await, 3);
}

#[tokio::test]
async fn a_content_warning_makes_the_status_sensitive() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let cw = app
        .post_status_json(
            &alice,
            json!({"status": "the plot twist", "spoiler_text": "  Spoilers  "}),
        )
        .await;
    assert_eq!(cw["spoiler_text"], "Spoilers");
    assert_eq!(cw["sensitive"], true);

    let sensitive = app
        .post_status_json(&alice, json!({"status": "nsfw-ish", "sensitive": true}))
        .await;
    assert_eq!(sensitive["spoiler_text"], "");
    assert_eq!(sensitive["sensitive"], true);

    let plain = app
        .post_status_json(&alice, json!({"status": "plain", "sensitive": false}))
        .await;
    assert_eq!(plain["sensitive"], false);

    // A content warning alone becomes the text (Mastodon's PostStatusService), and the
    // post stays sensitive.
    let only_cw = app
        .post_status_json(&alice, json!({"status": " ", "spoiler_text": "just this"}))
        .await;
    assert_eq!(only_cw["content"], "<p>just this</p>");
    assert_eq!(only_cw["spoiler_text"], "");
    assert_eq!(only_cw["sensitive"], true);
}

#[tokio::test]
async fn replies_link_to_their_parent_and_count() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let root = app.post_status(&alice, "root").await;
    let root_id = root["id"].as_str().unwrap();

    let reply = app
        .post_status_json(
            &bob,
            json!({"status": "@alice a reply", "in_reply_to_id": root_id}),
        )
        .await;
    assert_eq!(reply["in_reply_to_id"], root_id);
    assert_eq!(reply["in_reply_to_account_id"], alice.id.as_str());

    let again = status_of(&app, root_id, Some(&bob.token)).await.expect(200);
    assert_eq!(again["replies_count"], 1, "{again}");

    // A private reply is not counted (Mastodon counts only public and unlisted ones).
    app.post_status_json(
        &bob,
        json!({"status": "@alice hush", "in_reply_to_id": root_id, "visibility": "private"}),
    )
    .await;
    let again = status_of(&app, root_id, None).await.expect(200);
    assert_eq!(again["replies_count"], 1, "{again}");

    // Deleting the reply takes the count back down.
    app.delete(
        &format!("/api/v1/statuses/{}", reply["id"].as_str().unwrap()),
        Some(&bob.token),
    )
    .await
    .expect(200);
    let again = status_of(&app, root_id, None).await.expect(200);
    assert_eq!(again["replies_count"], 0, "{again}");
}

#[tokio::test]
async fn a_status_can_carry_an_uploaded_png() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let media = app.upload_png(&alice).await;
    let media_id = assert_id(&media["id"]);
    assert_eq!(media["type"], "image");
    assert_eq!(media["description"], "a small gradient");
    assert_eq!(media["meta"]["original"]["width"], 8, "{media}");
    assert_eq!(media["meta"]["original"]["height"], 6, "{media}");

    // Media alone is a valid post (no text needed).
    let s = app
        .post_status_json(&alice, json!({"media_ids": [media_id.clone()]}))
        .await;
    assert_eq!(s["content"], "");
    let attachments = s["media_attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1, "{s}");
    assert_eq!(attachments[0]["id"], media_id.as_str());
    assert_eq!(attachments[0]["type"], "image");
    assert_eq!(attachments[0]["description"], "a small gradient");
    // The file is served where `url` says.
    let url = attachments[0]["url"].as_str().unwrap();
    let path = url.strip_prefix(&app.base).expect("a local URL");
    let file = app.http.get(app.url(path)).send().await.unwrap();
    assert_eq!(file.status(), 200, "{url}");
    let bytes = file.bytes().await.unwrap();
    assert!(!bytes.is_empty());

    // An attachment cannot be used twice, and nothing is written when that fails.
    let count = app.statuses_count(&alice).await;
    let err = app
        .post_json(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "again", "media_ids": [media_id]}),
        )
        .await
        .expect_error(422);
    assert!(!err.is_empty());
    assert_eq!(app.statuses_count(&alice).await, count);
}

#[tokio::test]
async fn someone_elses_media_cannot_be_attached() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let media = app.upload_png(&alice).await;
    app.post_json(
        "/api/v1/statuses",
        Some(&bob.token),
        json!({"status": "stolen", "media_ids": [media["id"]]}),
    )
    .await
    .expect_error(422);
    assert_eq!(app.statuses_count(&bob).await, 0);
    // Alice can still use it.
    let s = app
        .post_status_json(
            &alice,
            json!({"status": "mine", "media_ids": [media["id"]]}),
        )
        .await;
    assert_eq!(s["media_attachments"][0]["id"], media["id"]);
}

#[tokio::test]
async fn the_same_idempotency_key_posts_once() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let post = |key: &'static str, text: &'static str| {
        let req = app
            .request(
                reqwest::Method::POST,
                "/api/v1/statuses",
                Some(&alice.token),
            )
            .header("Idempotency-Key", key)
            .json(&json!({ "status": text }));
        app.send(req)
    };
    let first = post("key-1", "only once").await.expect(200);
    let second = post("key-1", "only once").await.expect(200);
    assert_eq!(first["id"], second["id"]);
    assert_eq!(second["content"], "<p>only once</p>");
    assert_eq!(app.statuses_count(&alice).await, 1);

    let other = post("key-2", "only once").await.expect(200);
    assert_ne!(other["id"], first["id"]);
    assert_eq!(app.statuses_count(&alice).await, 2);

    // Keys belong to one account: bob's key-1 is a new post.
    let bob = app.user("bob").await;
    let req = app
        .request(reqwest::Method::POST, "/api/v1/statuses", Some(&bob.token))
        .header("Idempotency-Key", "key-1")
        .json(&json!({ "status": "bob's" }));
    let bobs = app.send(req).await.expect(200);
    assert_ne!(bobs["id"], first["id"]);
    assert_eq!(bobs["account"]["id"], bob.id.as_str());

    let listed = app
        .get(
            &format!("/api/v1/accounts/{}/statuses", alice.id),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
}

#[tokio::test]
async fn form_bodies_work_like_json_bodies() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let media = app.upload_png(&alice).await;
    let media_id = media["id"].as_str().unwrap();
    let s = app
        .post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[
                ("status", "from a form"),
                ("visibility", "unlisted"),
                ("spoiler_text", "cw"),
                ("language", "fr"),
                ("media_ids[]", media_id),
                ("sensitive", "true"),
            ],
        )
        .await
        .expect(200);
    assert_eq!(s["content"], "<p>from a form</p>");
    assert_eq!(s["visibility"], "unlisted");
    assert_eq!(s["spoiler_text"], "cw");
    assert_eq!(s["sensitive"], true);
    assert_eq!(s["language"], "fr");
    assert_eq!(s["media_attachments"][0]["id"], media_id);

    let reply = app
        .post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[
                ("status", "threaded"),
                ("in_reply_to_id", s["id"].as_str().unwrap()),
                ("sensitive", "0"),
            ],
        )
        .await
        .expect(200);
    assert_eq!(reply["in_reply_to_id"], s["id"]);
    assert_eq!(reply["sensitive"], false);
}

#[tokio::test]
async fn concurrent_posts_with_one_idempotency_key_make_one_status() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let requests = (0..6).map(|_| {
        app.send(
            app.request(
                reqwest::Method::POST,
                "/api/v1/statuses",
                Some(&alice.token),
            )
            .header("Idempotency-Key", "racing")
            .json(&json!({ "status": "once, really" })),
        )
    });
    let replies = futures::future::join_all(requests).await;
    let mut ids = Vec::new();
    for r in replies {
        ids.push(r.expect(200)["id"].as_str().unwrap().to_string());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(app.statuses_count(&alice).await, 1);
    let listed = app
        .get(&format!("/api/v1/accounts/{}/statuses", alice.id), None)
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&listed), ids);
}
