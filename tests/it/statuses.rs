//! `POST /api/v1/statuses` and the status endpoints: the entity field for field,
//! visibility, content warnings, languages, replies, media, idempotency, form and JSON
//! bodies, the HTML of the content, who may read a status, deletion, threads, and an
//! account's statuses with their filters.

use serde_json::{Value, json};

use crate::support::{TestApp, User};

/// Mastodon's timestamps: `2026-11-28T14:00:00.000Z`.
#[track_caller]
fn assert_timestamp(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    assert_eq!(s.len(), 24, "{s:?}");
    assert!(s.ends_with('Z'), "{s:?}");
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.3fZ")
        .unwrap_or_else(|e| panic!("{s:?}: {e}"));
}

/// Ids are strings of digits.
#[track_caller]
fn assert_id(v: &Value) -> String {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("id is not a string: {v}"));
    assert!(
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()),
        "{s:?}"
    );
    s.to_string()
}

async fn status_of(app: &TestApp, id: &str, token: Option<&str>) -> crate::support::Reply {
    app.get(&format!("/api/v1/statuses/{id}"), token).await
}

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
async fn content_is_html_with_paragraphs_and_line_breaks() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let s = app
        .post_status(&alice, "first line\nsecond line\n\nnew paragraph")
        .await;
    assert_eq!(
        s["content"],
        "<p>first line<br />second line</p><p>new paragraph</p>"
    );
}

#[tokio::test]
async fn everything_in_the_text_is_escaped() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let text = "<script>alert(\"x\")</script> & <b>bold</b>";
    let s = app.post_status(&alice, text).await;
    assert_eq!(
        s["content"],
        "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;</p>"
    );
    // The source text comes back unchanged from a delete.
    let deleted = app
        .delete(
            &format!("/api/v1/statuses/{}", s["id"].as_str().unwrap()),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(deleted["text"], text);
}

#[tokio::test]
async fn urls_become_mastodon_style_links() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let s = app
        .post_status(
            &alice,
            "read https://example.org/articles/2026/a-very-long-article-name now",
        )
        .await;
    assert_eq!(
        s["content"],
        "<p>read <a href=\"https://example.org/articles/2026/a-very-long-article-name\" \
         target=\"_blank\" rel=\"nofollow noopener\" translate=\"no\">\
         <span class=\"invisible\">https://</span>\
         <span class=\"ellipsis\">example.org/articles/2026/a-ve</span>\
         <span class=\"invisible\">ry-long-article-name</span></a> now</p>"
    );
    let short = app.post_status(&alice, "https://example.org/").await;
    assert_eq!(
        short["content"],
        "<p><a href=\"https://example.org/\" target=\"_blank\" rel=\"nofollow noopener\" \
         translate=\"no\"><span class=\"invisible\">https://</span><span class=\"\">\
         example.org/</span><span class=\"invisible\"></span></a></p>"
    );
}

#[tokio::test]
async fn mentions_link_to_local_accounts_and_are_listed() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let domain = app.inst.domain().to_string();
    let s = app
        .post_status(
            &alice,
            &format!("hi @bob and @carol@{domain}, not @nobody or @dave@remote.example"),
        )
        .await;
    let h_card = |name: &str| {
        format!(
            "<span class=\"h-card\" translate=\"no\"><a href=\"{}/@{name}\" class=\"u-url mention\">@<span>{name}</span></a></span>",
            app.base
        )
    };
    assert_eq!(
        s["content"],
        format!(
            "<p>hi {} and {}, not @nobody or @dave@remote.example</p>",
            h_card("bob"),
            h_card("carol")
        )
    );
    let mentions = s["mentions"].as_array().unwrap();
    assert_eq!(mentions.len(), 2, "{s}");
    let bob_m = mentions.iter().find(|m| m["username"] == "bob").unwrap();
    assert_eq!(bob_m["id"], bob.id.as_str());
    assert_eq!(bob_m["acct"], "bob");
    assert_eq!(bob_m["url"], format!("{}/@bob", app.base));
    let carol_m = mentions.iter().find(|m| m["username"] == "carol").unwrap();
    assert_eq!(carol_m["id"], carol.id.as_str());
    assert_eq!(carol_m["acct"], "carol");

    // Bob is told.
    let notes = app
        .get("/api/v1/notifications", Some(&bob.token))
        .await
        .expect(200);
    let notes = notes.as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["type"], "mention");
    assert_eq!(notes[0]["account"]["id"], alice.id.as_str());
    assert_eq!(notes[0]["status"]["id"], s["id"]);
}

#[tokio::test]
async fn hashtags_link_to_tag_pages_and_are_listed() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let s = app
        .post_status(
            &alice,
            "Loving #Rust and #fediverse, again #rust, not a#b or #123",
        )
        .await;
    let tag_link = |name: &str| {
        format!(
            "<a href=\"{}/tags/{name}\" class=\"mention hashtag\" rel=\"tag\">#<span>{name}</span></a>",
            app.base
        )
    };
    assert_eq!(
        s["content"],
        format!(
            "<p>Loving {} and {}, again {}, not a#b or #123</p>",
            tag_link("Rust"),
            tag_link("fediverse"),
            tag_link("rust")
        )
    );
    let mut tags: Vec<(String, String)> = s["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["url"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    tags.sort();
    assert_eq!(
        tags,
        vec![
            (
                "fediverse".to_string(),
                format!("{}/tags/fediverse", app.base)
            ),
            ("rust".to_string(), format!("{}/tags/rust", app.base)),
        ]
    );
}

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

#[tokio::test]
async fn apostrophes_are_escaped_as_rails_does() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    // ERB::Util.html_escape writes `&#39;`, and so does Mastodon's content.
    let s = app.post_status(&alice, "it's <fine>").await;
    assert_eq!(s["content"], "<p>it&#39;s &lt;fine&gt;</p>");
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

#[tokio::test]
async fn mentions_ignore_case_and_deleting_takes_the_notification_back() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let s = app.post_status(&alice, "hey @BOB").await;
    assert_eq!(s["mentions"][0]["id"], bob.id.as_str(), "{s}");
    assert_eq!(s["mentions"][0]["acct"], "bob");
    assert!(
        s["content"]
            .as_str()
            .unwrap()
            .contains(&format!("href=\"{}/@bob\"", app.base)),
        "{s}"
    );
    let notes = app
        .get("/api/v1/notifications", Some(&bob.token))
        .await
        .expect(200);
    assert_eq!(notes.as_array().unwrap().len(), 1);
    app.delete(
        &format!("/api/v1/statuses/{}", s["id"].as_str().unwrap()),
        Some(&alice.token),
    )
    .await
    .expect(200);
    let notes = app
        .get("/api/v1/notifications", Some(&bob.token))
        .await
        .expect(200);
    assert_eq!(notes, json!([]));
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
