//! The server-rendered pages: the landing page, profiles (`/@username`), status pages
//! (`/@username/:id`), the 404 page, and HTML escaping of what users typed.

use serde_json::json;
use starling_core::config::RegistrationMode;

use crate::support::{Reply, TestApp};

#[track_caller]
fn assert_html(reply: &Reply, status: u16) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
    let ct = reply.header("content-type").unwrap_or_default();
    assert!(ct.starts_with("text/html"), "content-type {ct}");
    assert!(reply.text.starts_with("<!DOCTYPE html>"), "{}", reply.text);
}

/// The text of the page's `<title>`.
fn title(html: &str) -> &str {
    let start = html.find("<title>").expect("a <title>") + 7;
    let end = start + html[start..].find("</title>").expect("</title>");
    &html[start..end]
}

async fn app_with_description(mode: RegistrationMode) -> TestApp {
    TestApp::builder()
        .config(move |c| {
            c.instance.description = "A test instance for <people> & birds.".into();
            c.instance.rules = vec!["Be kind".into(), "No <spam> please".into()];
            c.instance.contact_email = "admin@starling.example".into();
            c.instance.registrations = mode;
        })
        .start()
        .await
}

#[tokio::test]
async fn landing_page_describes_the_instance() {
    let app = app_with_description(RegistrationMode::Open).await;
    let alice = app.user("alice").await;
    app.post_status(&alice, "hello").await;
    let page = app.get("/", None).await;
    assert_html(&page, 200);
    let html = &page.text;
    assert_eq!(title(html), "Starling test");
    assert!(html.contains("<h1>Starling test</h1>"), "{html}");
    // Config text is escaped too.
    assert!(
        html.contains("A test instance for &#60;people&#62; &#38; birds."),
        "{html}"
    );
    assert!(html.contains("<li>Be kind</li>"), "{html}");
    assert!(html.contains("<li>No &#60;spam&#62; please</li>"), "{html}");
    assert!(
        html.contains("Sign-ups are <strong>open</strong>"),
        "{html}"
    );
    assert!(html.contains("href=\"/auth/sign_in\""), "{html}");
    assert!(html.contains(app.inst.domain()), "{html}");
    assert!(html.contains("mailto:admin@starling.example"), "{html}");
    assert!(!html.contains("<spam>"));

    // /about is the same page.
    let about = app.get("/about", None).await;
    assert_html(&about, 200);
    assert!(about.text.contains("<li>Be kind</li>"));
}

#[tokio::test]
async fn landing_page_shows_the_registration_state() {
    let approval = app_with_description(RegistrationMode::Approval).await;
    let page = approval.get("/", None).await;
    assert_html(&page, 200);
    assert!(
        page.text
            .contains("Sign-ups <strong>need approval</strong>"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("Sign-ups are <strong>open</strong>"));

    let closed = app_with_description(RegistrationMode::Closed).await;
    let page = closed.get("/", None).await;
    assert_html(&page, 200);
    assert!(
        page.text.contains("Sign-ups are <strong>closed</strong>"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("need approval"));
    assert!(page.text.contains("href=\"/auth/sign_in\""));
}

#[tokio::test]
async fn profile_page_shows_the_account_and_its_public_posts() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    app.patch_json(
        "/api/v1/accounts/update_credentials",
        Some(&alice.token),
        json!({
            "display_name": "Alice Liddell",
            "note": "Curiouser and curiouser",
            "fields_attributes": [{"name": "Home", "value": "Wonderland"}],
        }),
    )
    .await
    .expect(200);
    app.post_status(&alice, "a public thought").await;
    app.post_json(
        "/api/v1/statuses",
        Some(&alice.token),
        json!({"status": "followers only secret", "visibility": "private"}),
    )
    .await
    .expect(200);

    let page = app.get("/@alice", None).await;
    assert_html(&page, 200);
    let html = &page.text;
    assert_eq!(title(html), "Alice Liddell (@alice) · Starling test");
    assert!(
        html.contains("<h1 class=\"p-name\">Alice Liddell</h1>"),
        "{html}"
    );
    assert!(html.contains("<p>Curiouser and curiouser</p>"), "{html}");
    assert!(html.contains("<dt>Home</dt><dd>Wonderland</dd>"), "{html}");
    assert!(html.contains("<p>a public thought</p>"), "{html}");
    assert!(!html.contains("followers only secret"), "{html}");
    assert!(
        html.contains(&format!("href=\"{}/users/alice\"", app.base)),
        "ActivityPub alternate link: {html}"
    );
    assert!(html.contains(&format!("@alice@{}", app.inst.domain())));
    assert!(
        html.contains("2 posts · 0 following · 0 followers"),
        "{html}"
    );

    // Any case of the username.
    let page = app.get("/@ALICE", None).await;
    assert_html(&page, 200);
    assert!(page.text.contains("Alice Liddell"));
}

#[tokio::test]
async fn status_page_shows_the_post_and_its_replies() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let post = app.post_status(&alice, "the main post").await;
    let id = post["id"].as_str().unwrap();
    app.post_json(
        "/api/v1/statuses",
        Some(&bob.token),
        json!({"status": "@alice a reply", "in_reply_to_id": id}),
    )
    .await
    .expect(200);

    let page = app.get(&format!("/@alice/{id}"), None).await;
    assert_html(&page, 200);
    let html = &page.text;
    assert_eq!(
        title(html),
        "alice: &#34;the main post&#34; · Starling test"
    );
    assert!(html.contains("<p>the main post</p>"), "{html}");
    assert!(html.contains(&format!("id=\"status-{id}\"")), "{html}");
    assert!(html.contains("<h2>Replies</h2>"), "{html}");
    assert!(html.contains("a reply"), "{html}");
    assert!(
        html.contains(&format!("href=\"{}\"", post["uri"].as_str().unwrap())),
        "{html}"
    );
    // `created_at` in the page's machine-readable time.
    let created = post["created_at"].as_str().unwrap();
    assert!(html.contains(&format!("datetime=\"{created}\"")), "{html}");
}

#[tokio::test]
async fn unknown_pages_are_a_404_page() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let post = app.post_status(&alice, "alice's post").await;
    let id = post["id"].as_str().unwrap();
    let private = app
        .post_json(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "private", "visibility": "private"}),
        )
        .await
        .expect(200);
    let private_id = private["id"].as_str().unwrap();
    for path in [
        "/@nobody".to_string(),
        "/@nobody/1".to_string(),
        "/nobody".to_string(),
        format!("/@bob/{id}"),
        "/@alice/999999999".to_string(),
        "/@alice/not-a-number".to_string(),
        format!("/@alice/{private_id}"),
    ] {
        let page = app.get(&path, None).await;
        assert_html(&page, 404);
        assert!(page.text.contains("Not found"), "{path}: {}", page.text);
    }
    let _ = bob;
}

#[tokio::test]
async fn accounts_awaiting_approval_have_no_page() {
    let app = TestApp::builder()
        .config(|c| c.instance.registrations = RegistrationMode::Approval)
        .start()
        .await;
    let app_token = app.app_token("read write").await;
    app.post_json(
        "/api/v1/accounts",
        Some(&app_token),
        json!({
            "username": "pending",
            "email": "pending@mail.example",
            "password": "long enough password",
            "agreement": true,
        }),
    )
    .await
    .expect(200);
    assert_html(&app.get("/@pending", None).await, 404);
}

#[tokio::test]
async fn html_typed_by_users_is_escaped() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    app.patch_json(
        "/api/v1/accounts/update_credentials",
        Some(&alice.token),
        json!({
            "display_name": "<script>alert(1)</script>",
            "note": "<img src=x onerror=alert(2)>",
            "fields_attributes": [{"name": "<b>x</b>", "value": "<i>y</i>"}],
        }),
    )
    .await
    .expect(200);
    let post = app
        .post_status(&alice, "<script>alert(3)</script> & <b>bold</b>")
        .await;
    let id = post["id"].as_str().unwrap();

    for path in ["/@alice".to_string(), format!("/@alice/{id}")] {
        let page = app.get(&path, None).await;
        assert_html(&page, 200);
        let html = &page.text;
        assert!(!html.contains("<script>"), "{path}: {html}");
        assert!(!html.contains("<img src=x"), "{path}: {html}");
        assert!(!html.contains("<b>bold</b>"), "{path}: {html}");
        assert!(!html.contains("<b>x</b>"), "{path}: {html}");
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{path}: display name not escaped: {html}"
        );
        assert!(
            html.contains("&lt;script&gt;alert(3)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"),
            "{path}: {html}"
        );
    }
    let profile = app.get("/@alice", None).await.text;
    assert!(
        profile.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "{profile}"
    );
    assert!(
        profile.contains("<dt>&#60;b&#62;x&#60;/b&#62;</dt>"),
        "{profile}"
    );
    assert!(
        profile.contains("<dd>&lt;i&gt;y&lt;/i&gt;</dd>"),
        "{profile}"
    );
}

#[tokio::test]
async fn profile_pages_page_back_through_older_posts() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    for i in 0..21 {
        app.post_status(&alice, &format!("post number {i}")).await;
    }
    let page = app.get("/@alice", None).await;
    assert_html(&page, 200);
    assert!(page.text.contains("<p>post number 20</p>"));
    assert!(page.text.contains("<p>post number 1</p>"));
    assert!(!page.text.contains("<p>post number 0</p>"));
    let marker = "<a href=\"";
    let at = page.text.find("rel=\"next\"").expect("an older link");
    let start = page.text[..at].rfind(marker).unwrap() + marker.len();
    let href = crate::support::html_unescape(
        &page.text[start..start + page.text[start..].find('"').unwrap()],
    );
    assert!(href.starts_with("/@alice?max_id="), "{href}");
    let older = app.get(&href, None).await;
    assert_html(&older, 200);
    assert!(
        older.text.contains("<p>post number 0</p>"),
        "{}",
        older.text
    );
    assert!(!older.text.contains("<p>post number 1</p>"));
    assert!(!older.text.contains("rel=\"next\""));
}

#[tokio::test]
async fn a_suspended_accounts_page_shows_no_posts() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let post = app.post_status(&alice, "before suspension").await;
    app.suspend(alice.id.parse().unwrap()).await;
    let page = app.get("/@alice", None).await;
    assert!(!page.text.contains("before suspension"), "{}", page.text);
    let status = app
        .get(&format!("/@alice/{}", post["id"].as_str().unwrap()), None)
        .await;
    assert_html(&status, 404);
}

#[tokio::test]
async fn unlisted_posts_have_a_page_and_spoilers_are_escaped() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let post = app
        .post_json(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "quiet one", "visibility": "unlisted", "spoiler_text": "<u>cw</u>"}),
        )
        .await
        .expect(200);
    let page = app
        .get(&format!("/@alice/{}", post["id"].as_str().unwrap()), None)
        .await;
    assert_html(&page, 200);
    assert!(page.text.contains("quiet one"));
    assert!(
        page.text.contains("&#60;u&#62;cw&#60;/u&#62;"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("<u>cw</u>"));
}

#[tokio::test]
async fn non_discoverable_profiles_ask_robots_not_to_index() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let page = app.get("/@alice", None).await.text;
    assert!(!page.contains("noindex"), "{page}");
    app.patch_json(
        "/api/v1/accounts/update_credentials",
        Some(&alice.token),
        json!({"discoverable": false}),
    )
    .await
    .expect(200);
    let page = app.get("/@alice", None).await.text;
    assert!(
        page.contains("<meta name=\"robots\" content=\"noindex"),
        "{page}"
    );
}
