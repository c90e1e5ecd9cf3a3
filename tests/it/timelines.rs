//! Timelines: home, public (local / remote), hashtag; paging with `max_id`, `since_id`,
//! `min_id` and `limit`, and Mastodon's `Link` header.

use serde_json::{Value, json};

use crate::support::{TestApp, User, link_rels};

fn id(s: &Value) -> String {
    s["id"].as_str().unwrap().to_string()
}

async fn post_many(app: &TestApp, user: &User, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(id(&app
            .post_status(user, &format!("post number {i}"))
            .await));
    }
    ids
}

#[tokio::test]
async fn home_has_own_and_followed_posts_only() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let eve = app.user("eve").await;
    app.follow(&alice, &bob).await;

    let own = app.post_status(&alice, "mine").await;
    let followed = app.post_status(&bob, "bob's").await;
    let followed_private = app
        .post_status_json(
            &bob,
            json!({"status": "bob's private", "visibility": "private"}),
        )
        .await;
    let followed_unlisted = app
        .post_status_json(
            &bob,
            json!({"status": "bob's unlisted", "visibility": "unlisted"}),
        )
        .await;
    let stranger = app.post_status(&eve, "eve's").await;

    let home = app
        .get("/api/v1/timelines/home", Some(&alice.token))
        .await
        .expect(200);
    let ids = TestApp::ids_of(&home);
    assert_eq!(
        ids,
        vec![
            id(&followed_unlisted),
            id(&followed_private),
            id(&followed),
            id(&own)
        ]
    );
    assert!(!ids.contains(&id(&stranger)));

    // Bob's home does not have alice's posts: he does not follow her.
    let bobs = app
        .get("/api/v1/timelines/home", Some(&bob.token))
        .await
        .expect(200);
    assert!(!TestApp::ids_of(&bobs).contains(&id(&own)));

    // The home timeline needs a token.
    app.get("/api/v1/timelines/home", None)
        .await
        .expect_error(401);
}

#[tokio::test]
async fn public_timeline_has_public_posts_only() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let public = app.post_status(&alice, "for everyone #news").await;
    let unlisted = app
        .post_status_json(
            &alice,
            json!({"status": "quiet #news", "visibility": "unlisted"}),
        )
        .await;
    let private = app
        .post_status_json(
            &alice,
            json!({"status": "followers #news", "visibility": "private"}),
        )
        .await;
    let direct = app
        .post_status_json(
            &alice,
            json!({"status": "@bob #news", "visibility": "direct"}),
        )
        .await;
    // A reply to someone else is not in the public timelines; a self-reply is.
    let reply = app
        .post_status_json(
            &bob,
            json!({"status": "@alice nice", "in_reply_to_id": public["id"]}),
        )
        .await;
    let self_reply = app
        .post_status_json(
            &alice,
            json!({"status": "more", "in_reply_to_id": public["id"]}),
        )
        .await;

    for path in [
        "/api/v1/timelines/public",
        "/api/v1/timelines/public?local=true",
    ] {
        let list = app.get(path, None).await.expect(200);
        let ids = TestApp::ids_of(&list);
        assert_eq!(ids, vec![id(&self_reply), id(&public)], "{path}");
        for hidden in [&unlisted, &private, &direct, &reply] {
            assert!(!ids.contains(&id(hidden)), "{path}: {hidden}");
        }
    }
    // Nothing has come from other servers yet.
    let remote = app
        .get("/api/v1/timelines/public?remote=true", None)
        .await
        .expect(200);
    assert_eq!(remote, json!([]));
    assert_eq!(
        app.get("/api/v1/timelines/public?remote=true", None)
            .await
            .header("link"),
        None
    );
    // only_media: none of these have media.
    let media = app
        .get("/api/v1/timelines/public?only_media=true", None)
        .await
        .expect(200);
    assert_eq!(media, json!([]));
}

#[tokio::test]
async fn tag_timeline_has_public_posts_with_the_tag() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let tagged = app.post_status(&alice, "I like #Rust").await;
    let lower = app.post_status(&alice, "#rust again").await;
    app.post_status(&alice, "no tag here, just rust").await;
    app.post_status(&alice, "#golang").await;
    app.post_status_json(
        &alice,
        json!({"status": "#rust quietly", "visibility": "unlisted"}),
    )
    .await;

    for tag in ["rust", "Rust", "RUST"] {
        let list = app
            .get(&format!("/api/v1/timelines/tag/{tag}"), None)
            .await
            .expect(200);
        assert_eq!(
            TestApp::ids_of(&list),
            vec![id(&lower), id(&tagged)],
            "{tag}"
        );
    }
    let none = app
        .get("/api/v1/timelines/tag/neverused", None)
        .await
        .expect(200);
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn limit_defaults_to_20_and_is_capped_at_40() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    post_many(&app, &alice, 45).await;
    let count = |path: &'static str| {
        let app = &app;
        let token = alice.token.clone();
        async move {
            app.get(path, Some(&token))
                .await
                .expect(200)
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(count("/api/v1/timelines/public").await, 20);
    assert_eq!(count("/api/v1/timelines/public?limit=5").await, 5);
    assert_eq!(count("/api/v1/timelines/public?limit=40").await, 40);
    assert_eq!(count("/api/v1/timelines/public?limit=1000").await, 40);
    assert_eq!(count("/api/v1/timelines/home").await, 20);
    assert_eq!(count("/api/v1/timelines/home?limit=100").await, 40);
    let account = format!("/api/v1/accounts/{}/statuses?limit=100", alice.id);
    let n = app.get(&account, None).await.expect(200);
    assert_eq!(n.as_array().unwrap().len(), 40);
}

#[tokio::test]
async fn link_header_is_in_mastodons_exact_form() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let ids = post_many(&app, &alice, 5).await;
    let reply = app
        .get("/api/v1/timelines/public?local=true&limit=2", None)
        .await;
    let link = reply.header("link").expect("a Link header").to_string();
    let page = reply.expect(200);
    assert_eq!(TestApp::ids_of(&page), vec![ids[4].clone(), ids[3].clone()]);
    let base = &app.base;
    assert_eq!(
        link,
        format!(
            "<{base}/api/v1/timelines/public?limit=2&local=true&max_id={}>; rel=\"next\", \
             <{base}/api/v1/timelines/public?limit=2&local=true&min_id={}>; rel=\"prev\"",
            ids[3], ids[4]
        )
    );
}

#[tokio::test]
async fn max_id_since_id_and_min_id_page_the_timeline() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let ids = post_many(&app, &alice, 10).await; // oldest first
    let get = |query: String| {
        let app = &app;
        let token = alice.token.clone();
        async move {
            TestApp::ids_of(
                &app.get(&format!("/api/v1/timelines/home?{query}"), Some(&token))
                    .await
                    .expect(200),
            )
        }
    };
    let rev = |range: std::ops::Range<usize>| -> Vec<String> {
        ids[range].iter().rev().cloned().collect()
    };

    // max_id: older than, newest first.
    assert_eq!(get(format!("max_id={}&limit=3", ids[5])).await, rev(2..5));
    // since_id: newer than, the newest ones first.
    assert_eq!(
        get(format!("since_id={}&limit=3", ids[2])).await,
        rev(7..10)
    );
    // min_id: newer than, the ones right after it (still newest first).
    assert_eq!(get(format!("min_id={}&limit=3", ids[2])).await, rev(3..6));
    // Both bounds.
    assert_eq!(
        get(format!("max_id={}&since_id={}", ids[8], ids[4])).await,
        rev(5..8)
    );
    assert_eq!(
        get(format!("max_id={}&min_id={}&limit=2", ids[8], ids[4])).await,
        rev(5..7)
    );
    // Past the ends: empty, and then no Link header.
    assert_eq!(
        get(format!("since_id={}", ids[9])).await,
        Vec::<String>::new()
    );
    assert_eq!(
        get(format!("max_id={}", ids[0])).await,
        Vec::<String>::new()
    );
    let empty = app
        .get(
            &format!("/api/v1/timelines/home?max_id={}", ids[0]),
            Some(&alice.token),
        )
        .await;
    assert_eq!(empty.header("link"), None);
}

#[tokio::test]
async fn walking_45_posts_with_max_id_sees_each_once_in_order() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    app.follow(&bob, &alice).await;
    let mut posted = post_many(&app, &alice, 45).await;
    posted.reverse(); // newest first, as timelines are

    let account_path = format!("/api/v1/accounts/{}/statuses", alice.id);
    for (path, token) in [
        ("/api/v1/timelines/home", Some(bob.token.clone())),
        ("/api/v1/timelines/public", None),
        (account_path.as_str(), None),
    ] {
        let mut seen: Vec<String> = Vec::new();
        let mut url = format!("{path}?limit=20");
        let mut pages = 0;
        loop {
            let reply = app.get(&url, token.as_deref()).await;
            let link = reply.header("link").map(str::to_string);
            let page = TestApp::ids_of(&reply.expect(200));
            if page.is_empty() {
                break;
            }
            pages += 1;
            assert!(pages <= 3, "{path}: too many pages");
            assert!(page.len() <= 20);
            seen.extend(page.iter().cloned());
            let link = link.expect("a Link header on a non-empty page");
            let (next, prev) = link_rels(&link);
            let prev = prev.expect("prev");
            assert!(prev.ends_with(&format!("min_id={}", page[0])), "{prev}");
            let Some(next) = next else {
                // Account statuses (like Mastodon) leave `next` out of a short page.
                assert!(page.len() < 20, "{path}: full page without next");
                break;
            };
            assert!(
                next.ends_with(&format!("max_id={}", page.last().unwrap())),
                "{next}"
            );
            let rel = next.strip_prefix(&app.base).expect("absolute next URL");
            url = rel.to_string();
        }
        assert_eq!(seen, posted, "{path}");
        assert_eq!(pages, 3, "{path}");
    }
}

#[tokio::test]
async fn walking_back_up_with_min_id_sees_newer_posts() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let ids = post_many(&app, &alice, 7).await;
    // Start at the oldest and follow `prev` upwards.
    let mut url = format!("/api/v1/timelines/public?limit=3&min_id={}", ids[0]);
    let mut seen = Vec::new();
    loop {
        let reply = app.get(&url, None).await;
        let link = reply.header("link").map(str::to_string);
        let page = TestApp::ids_of(&reply.expect(200));
        if page.is_empty() {
            break;
        }
        // Each page newest first; prepend, so `seen` ends up newest first.
        let mut next_seen = page.clone();
        next_seen.extend(seen);
        seen = next_seen;
        let (_, prev) = link_rels(&link.unwrap());
        url = prev.unwrap().strip_prefix(&app.base).unwrap().to_string();
    }
    let expected: Vec<String> = ids[1..].iter().rev().cloned().collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn unfollowing_removes_posts_from_home() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let before = app.post_status(&bob, "before the follow").await;
    app.follow(&alice, &bob).await;
    let after = app.post_status(&bob, "after the follow").await;
    let home = app
        .get("/api/v1/timelines/home", Some(&alice.token))
        .await
        .expect(200);
    // The followed account's earlier posts are merged in, as Mastodon does.
    assert_eq!(TestApp::ids_of(&home), vec![id(&after), id(&before)]);

    app.post_json(
        &format!("/api/v1/accounts/{}/unfollow", bob.id),
        Some(&alice.token),
        json!({}),
    )
    .await
    .expect(200);
    let home = app
        .get("/api/v1/timelines/home", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(home, json!([]));
}

#[tokio::test]
async fn deleted_posts_leave_every_timeline() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    app.follow(&bob, &alice).await;
    let s = app.post_status(&alice, "gone soon #ephemeral").await;
    app.delete(&format!("/api/v1/statuses/{}", id(&s)), Some(&alice.token))
        .await
        .expect(200);
    for (path, token) in [
        ("/api/v1/timelines/home", Some(bob.token.as_str())),
        ("/api/v1/timelines/home", Some(alice.token.as_str())),
        ("/api/v1/timelines/public", None),
        ("/api/v1/timelines/tag/ephemeral", None),
    ] {
        assert_eq!(app.get(path, token).await.expect(200), json!([]), "{path}");
    }
}

#[tokio::test]
async fn local_and_remote_together_mean_the_whole_public_timeline() {
    // Mastodon's PublicFeed: `local_only? = local && !remote`, `remote_only? = remote && !local`.
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let s = app.post_status(&alice, "hello").await;
    let both = app
        .get("/api/v1/timelines/public?local=true&remote=true", None)
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&both), vec![id(&s)]);
    let local_off = app
        .get("/api/v1/timelines/public?local=false", None)
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&local_off), vec![id(&s)]);
}

#[tokio::test]
async fn non_ascii_hashtags_have_timelines() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let s = app.post_status(&alice, "Morgens ins #Café").await;
    assert_eq!(s["tags"][0]["name"], "café", "{s}");
    let list = app
        .get("/api/v1/timelines/tag/caf%C3%A9", None)
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&list), vec![id(&s)]);
    let list = app
        .get("/api/v1/timelines/tag/%23Caf%C3%A9", None)
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&list), vec![id(&s)]);
}
