//! How status text becomes HTML: paragraphs, escaping, links, mentions and hashtags.

use serde_json::json;

use crate::support::TestApp;

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
async fn apostrophes_are_escaped_as_rails_does() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    // ERB::Util.html_escape writes `&#39;`, and so does Mastodon's content.
    let s = app.post_status(&alice, "it's <fine>").await;
    assert_eq!(s["content"], "<p>it&#39;s &lt;fine&gt;</p>");
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
