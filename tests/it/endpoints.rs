//! The smaller endpoints clients call: search, media, notification dismissal, instance
//! rules and peers, and the start-up lists for features not built yet (which must exist,
//! answer an empty list, and still check the token and its scope).

use reqwest::Method;
use serde_json::json;
use starling_core::accounts::Role;

use crate::support::TestApp;

#[tokio::test]
async fn search_finds_an_account_by_its_address_in_every_form() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let domain = app.inst.domain().to_string();
    for q in [
        "bob".to_string(),
        "@bob".to_string(),
        format!("bob@{domain}"),
        format!("@bob@{domain}"),
    ] {
        let found = app
            .send(
                app.request(Method::GET, "/api/v2/search", Some(&alice.token))
                    .query(&[("q", q.as_str()), ("resolve", "true")]),
            )
            .await
            .expect(200);
        assert_eq!(found["accounts"][0]["id"], bob.id, "q={q}: {found}");
        assert_eq!(found["accounts"].as_array().unwrap().len(), 1);
        assert_eq!(found["statuses"], json!([]));
        assert_eq!(found["hashtags"], json!([]));
    }
    let none = app
        .get("/api/v2/search?q=nobody&type=accounts", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(none["accounts"], json!([]));
    let only_statuses = app
        .get("/api/v2/search?q=bob&type=statuses", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(only_statuses["accounts"], json!([]));
}

#[tokio::test]
async fn search_errors_are_mastodons() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let missing = app
        .get("/api/v2/search", Some(&alice.token))
        .await
        .expect_error(400);
    assert!(missing.contains("q"), "{missing}");
    // Resolving remote resources needs a signed-in user.
    app.get("/api/v2/search?q=alice&resolve=true", None)
        .await
        .expect_error(401);
    // Without resolve, anonymous search works.
    let anon = app.get("/api/v2/search?q=alice", None).await.expect(200);
    assert_eq!(anon["accounts"][0]["id"], alice.id);
}

#[tokio::test]
async fn media_can_be_read_back_and_described_by_its_owner_only() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let media = app.upload_png(&alice).await;
    let id = media["id"].as_str().unwrap();
    assert_eq!(media["type"], "image");
    assert_eq!(media["description"], "a small gradient");
    assert!(media["blurhash"].is_string(), "{media}");

    let shown = app
        .get(&format!("/api/v1/media/{id}"), Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(shown["id"], id);

    let updated = app
        .send(
            app.request(
                Method::PUT,
                &format!("/api/v1/media/{id}"),
                Some(&alice.token),
            )
            .json(&json!({"description": "a better description", "focus": "0.5,-0.25"})),
        )
        .await
        .expect(200);
    assert_eq!(updated["description"], "a better description");
    assert_eq!(updated["meta"]["focus"]["x"], 0.5, "{updated}");
    assert_eq!(updated["meta"]["focus"]["y"], -0.25, "{updated}");

    // Somebody else's upload does not exist for them.
    app.get(&format!("/api/v1/media/{id}"), Some(&bob.token))
        .await
        .expect_error(404);
    app.send(
        app.request(
            Method::PUT,
            &format!("/api/v1/media/{id}"),
            Some(&bob.token),
        )
        .json(&json!({"description": "mine now"})),
    )
    .await
    .expect_error(404);
    let again = app
        .get(&format!("/api/v1/media/{id}"), Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(again["description"], "a better description");
}

#[tokio::test]
async fn notifications_can_be_dismissed_one_by_one_or_cleared() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    app.follow(&bob, &alice).await;
    app.follow(&carol, &alice).await;
    let list = app
        .get("/api/v1/notifications", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    let first = list[0]["id"].as_str().unwrap().to_string();
    let second = list[1]["id"].as_str().unwrap().to_string();

    let one = app
        .get(
            &format!("/api/v1/notifications/{first}"),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(one["type"], "follow");
    // Another user cannot see or dismiss it.
    app.get(&format!("/api/v1/notifications/{first}"), Some(&bob.token))
        .await
        .expect_error(404);

    app.post_json(
        &format!("/api/v1/notifications/{first}/dismiss"),
        Some(&alice.token),
        json!({}),
    )
    .await
    .expect(200);
    let after = app
        .get("/api/v1/notifications", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&after), vec![second]);

    app.post_json("/api/v1/notifications/clear", Some(&alice.token), json!({}))
        .await
        .expect(200);
    let cleared = app
        .get("/api/v1/notifications", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(cleared, json!([]));
}

#[tokio::test]
async fn instance_rules_and_peers() {
    let app = TestApp::builder()
        .config(|c| c.instance.rules = vec!["Be kind".into(), "No spam".into()])
        .start()
        .await;
    let rules = app.get("/api/v1/instance/rules", None).await.expect(200);
    assert_eq!(rules[0]["text"], "Be kind", "{rules}");
    assert_eq!(rules[1]["text"], "No spam");
    assert!(rules[0]["id"].is_string());
    let v2 = app.get("/api/v2/instance", None).await.expect(200);
    assert_eq!(v2["rules"], rules);
    // No remote accounts yet: no peers.
    let peers = app.get("/api/v1/instance/peers", None).await.expect(200);
    assert_eq!(peers, json!([]));
}

#[tokio::test]
async fn start_up_lists_exist_are_empty_and_check_their_scope() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let profile_only = app.user_with_scopes("bob", Role::User, "profile").await;
    for path in [
        "/api/v1/filters",
        "/api/v2/filters",
        "/api/v1/lists",
        "/api/v1/blocks",
        "/api/v1/domain_blocks",
        "/api/v1/mutes",
        "/api/v1/favourites",
        "/api/v1/bookmarks",
        "/api/v1/conversations",
        "/api/v1/followed_tags",
        "/api/v1/featured_tags",
        "/api/v1/announcements",
        "/api/v1/endorsements",
        "/api/v1/suggestions",
        "/api/v2/suggestions",
    ] {
        let list = app.get(path, Some(&alice.token)).await.expect(200);
        assert_eq!(list, json!([]), "{path}");
        let anon = app.get(path, None).await;
        assert_eq!(
            anon.status.as_u16(),
            401,
            "{path} without a token: {}",
            anon.text
        );
        let scoped = app.get(path, Some(&profile_only.token)).await;
        assert_eq!(
            scoped.status.as_u16(),
            403,
            "{path} with only `profile`: {}",
            scoped.text
        );
    }
    let markers = app
        .get("/api/v1/markers", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(markers, json!({}));
    for path in [
        "/api/v1/custom_emojis",
        "/api/v1/trends",
        "/api/v1/trends/tags",
        "/api/v1/trends/statuses",
        "/api/v1/trends/links",
        &format!("/api/v1/accounts/{}/featured_tags", alice.id),
    ] {
        let list = app.get(path, None).await.expect(200);
        assert_eq!(list, json!([]), "{path}");
    }
    let lists = app
        .get(
            &format!("/api/v1/accounts/{}/lists", alice.id),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(lists, json!([]));
}

#[tokio::test]
async fn familiar_followers_are_the_followed_accounts_that_follow_them_too() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let dave = app.user("dave").await;
    // Alice follows bob and carol; bob follows dave, carol does not.
    app.follow(&alice, &bob).await;
    app.follow(&alice, &carol).await;
    app.follow(&bob, &dave).await;
    let found = app
        .get(
            &format!(
                "/api/v1/accounts/familiar_followers?id[]={}&id[]={}",
                dave.id, carol.id
            ),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(found[0]["id"], dave.id, "{found}");
    assert_eq!(TestApp::ids_of(&found[0]["accounts"]), vec![bob.id.clone()]);
    assert_eq!(found[1]["id"], carol.id);
    assert_eq!(found[1]["accounts"], json!([]));
}
