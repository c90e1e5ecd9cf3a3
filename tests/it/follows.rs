//! Follows: follow and unfollow, relationships, locked accounts and follow requests,
//! follower and following lists, follow notifications, and the home timeline after.

use serde_json::{Value, json};

use crate::support::{TestApp, User, link_rels};

async fn relationship(app: &TestApp, viewer: &User, target: &User) -> Value {
    let list = app
        .get(
            &format!("/api/v1/accounts/relationships?id[]={}", target.id),
            Some(&viewer.token),
        )
        .await
        .expect(200);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    list[0].clone()
}

async fn lock(app: &TestApp, user: &User) {
    let me = app
        .send(
            app.request(
                reqwest::Method::PATCH,
                "/api/v1/accounts/update_credentials",
                Some(&user.token),
            )
            .form(&[("locked", "true")]),
        )
        .await
        .expect(200);
    assert_eq!(me["locked"], true);
}

async fn account(app: &TestApp, user: &User) -> Value {
    app.get(&format!("/api/v1/accounts/{}", user.id), None)
        .await
        .expect(200)
}

#[tokio::test]
async fn follow_answers_a_relationship_and_updates_counts() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let rel = app.follow(&alice, &bob).await;
    assert_eq!(rel["id"], bob.id.as_str());
    assert_eq!(rel["following"], true);
    assert_eq!(rel["showing_reblogs"], true);
    assert_eq!(rel["notifying"], false);
    assert_eq!(rel["followed_by"], false);
    assert_eq!(rel["requested"], false);
    assert_eq!(rel["requested_by"], false);
    assert_eq!(rel["blocking"], false);
    assert_eq!(rel["blocked_by"], false);
    assert_eq!(rel["muting"], false);
    assert_eq!(rel["muting_notifications"], false);
    assert_eq!(rel["domain_blocking"], false);
    assert_eq!(rel["endorsed"], false);
    assert_eq!(rel["note"], "");
    assert!(rel.as_object().unwrap().contains_key("languages"), "{rel}");

    assert_eq!(account(&app, &alice).await["following_count"], 1);
    assert_eq!(account(&app, &bob).await["followers_count"], 1);

    // Following again changes nothing (and is not an error).
    let again = app.follow(&alice, &bob).await;
    assert_eq!(again["following"], true);
    assert_eq!(account(&app, &bob).await["followers_count"], 1);

    // Bob sees that alice follows him.
    let seen = relationship(&app, &bob, &alice).await;
    assert_eq!(seen["following"], false);
    assert_eq!(seen["followed_by"], true);

    let rel = app
        .post_json(
            &format!("/api/v1/accounts/{}/unfollow", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(rel["following"], false);
    assert_eq!(account(&app, &alice).await["following_count"], 0);
    assert_eq!(account(&app, &bob).await["followers_count"], 0);
    assert_eq!(relationship(&app, &bob, &alice).await["followed_by"], false);
}

#[tokio::test]
async fn relationships_of_several_accounts_in_order() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    app.follow(&alice, &carol).await;
    app.follow(&bob, &alice).await;
    let list = app
        .get(
            &format!(
                "/api/v1/accounts/relationships?id[]={}&id[]={}",
                carol.id, bob.id
            ),
            Some(&alice.token),
        )
        .await
        .expect(200);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], carol.id.as_str());
    assert_eq!(list[0]["following"], true);
    assert_eq!(list[0]["followed_by"], false);
    assert_eq!(list[1]["id"], bob.id.as_str());
    assert_eq!(list[1]["following"], false);
    assert_eq!(list[1]["followed_by"], true);

    app.get(
        &format!("/api/v1/accounts/relationships?id[]={}", bob.id),
        None,
    )
    .await
    .expect_error(401);
}

#[tokio::test]
async fn following_yourself_or_nobody_fails_cleanly() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    // Mastodon's FollowService treats following yourself as following nobody.
    assert_eq!(
        app.post_json(
            &format!("/api/v1/accounts/{}/follow", alice.id),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect_error(404),
        "Record not found"
    );
    for id in ["123456789", "not-an-id"] {
        assert_eq!(
            app.post_json(
                &format!("/api/v1/accounts/{id}/follow"),
                Some(&alice.token),
                json!({}),
            )
            .await
            .expect_error(404),
            "Record not found"
        );
    }
    assert_eq!(account(&app, &alice).await["following_count"], 0);
}

#[tokio::test]
async fn a_locked_account_gets_a_follow_request() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    lock(&app, &bob).await;
    let private = app
        .post_status_json(
            &bob,
            json!({"status": "for followers", "visibility": "private"}),
        )
        .await;

    let rel = app.follow(&alice, &bob).await;
    assert_eq!(rel["following"], false);
    assert_eq!(rel["requested"], true);
    assert_eq!(relationship(&app, &alice, &bob).await["requested"], true);
    assert_eq!(relationship(&app, &bob, &alice).await["requested_by"], true);
    assert_eq!(account(&app, &bob).await["followers_count"], 0);
    // Not yet a follower: the private post stays hidden.
    app.get(
        &format!("/api/v1/statuses/{}", private["id"].as_str().unwrap()),
        Some(&alice.token),
    )
    .await
    .expect_error(404);

    app.follow(&carol, &bob).await;
    let requests = app
        .get("/api/v1/follow_requests", Some(&bob.token))
        .await
        .expect(200);
    assert_eq!(
        TestApp::ids_of(&requests),
        vec![carol.id.clone(), alice.id.clone()]
    );

    let notes = app
        .get("/api/v1/notifications", Some(&bob.token))
        .await
        .expect(200);
    let notes = notes.as_array().unwrap();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes.iter().all(|n| n["type"] == "follow_request"),
        "{notes:?}"
    );

    // Authorize alice.
    let rel = app
        .post_json(
            &format!("/api/v1/follow_requests/{}/authorize", alice.id),
            Some(&bob.token),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(rel["id"], alice.id.as_str());
    assert_eq!(rel["followed_by"], true);
    assert_eq!(rel["requested_by"], false);
    let now = relationship(&app, &alice, &bob).await;
    assert_eq!(now["following"], true);
    assert_eq!(now["requested"], false);
    assert_eq!(account(&app, &bob).await["followers_count"], 1);
    // Now a follower: the private post is visible and in alice's home.
    app.get(
        &format!("/api/v1/statuses/{}", private["id"].as_str().unwrap()),
        Some(&alice.token),
    )
    .await
    .expect(200);
    let home = app
        .get("/api/v1/timelines/home", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(
        TestApp::ids_of(&home),
        vec![private["id"].as_str().unwrap().to_string()]
    );

    // Reject carol.
    let rel = app
        .post_json(
            &format!("/api/v1/follow_requests/{}/reject", carol.id),
            Some(&bob.token),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(rel["followed_by"], false);
    assert_eq!(rel["requested_by"], false);
    let carol_rel = relationship(&app, &carol, &bob).await;
    assert_eq!(carol_rel["following"], false);
    assert_eq!(carol_rel["requested"], false);

    let requests = app
        .get("/api/v1/follow_requests", Some(&bob.token))
        .await
        .expect(200);
    assert_eq!(requests, json!([]));
    // The answered requests' notifications are gone.
    let notes = app
        .get(
            "/api/v1/notifications?types[]=follow_request",
            Some(&bob.token),
        )
        .await
        .expect(200);
    assert_eq!(notes, json!([]));

    // Answering a request that does not exist: not found.
    app.post_json(
        &format!("/api/v1/follow_requests/{}/authorize", carol.id),
        Some(&bob.token),
        json!({}),
    )
    .await
    .expect_error(404);
}

#[tokio::test]
async fn withdrawing_a_follow_request() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    lock(&app, &bob).await;
    app.follow(&alice, &bob).await;
    let rel = app
        .post_json(
            &format!("/api/v1/accounts/{}/unfollow", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(rel["requested"], false);
    assert_eq!(
        app.get("/api/v1/follow_requests", Some(&bob.token))
            .await
            .expect(200),
        json!([])
    );
}

#[tokio::test]
async fn follow_notifications_name_the_follower() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    app.follow(&alice, &bob).await;
    let notes = app
        .get("/api/v1/notifications", Some(&bob.token))
        .await
        .expect(200);
    let notes = notes.as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    let n = &notes[0];
    assert!(n["id"].is_string());
    assert_eq!(n["type"], "follow");
    assert_eq!(n["account"]["id"], alice.id.as_str());
    assert_eq!(n["account"]["acct"], "alice");
    assert!(n["created_at"].as_str().unwrap().ends_with('Z'));
    // A follow notification has no status key at all.
    assert!(!n.as_object().unwrap().contains_key("status"), "{n}");
    // The follower is not notified.
    assert_eq!(
        app.get("/api/v1/notifications", Some(&alice.token))
            .await
            .expect(200),
        json!([])
    );
}

#[tokio::test]
async fn follower_and_following_lists_page_newest_first() {
    let app = TestApp::start().await;
    let star = app.user("star").await;
    let mut fans = Vec::new();
    for name in ["fan_a", "fan_b", "fan_c"] {
        let fan = app.user(name).await;
        app.follow(&fan, &star).await;
        fans.push(fan);
    }
    app.follow(&star, &fans[1]).await;

    let followers = app
        .get(&format!("/api/v1/accounts/{}/followers", star.id), None)
        .await
        .expect(200);
    assert_eq!(
        TestApp::ids_of(&followers),
        vec![fans[2].id.clone(), fans[1].id.clone(), fans[0].id.clone()]
    );
    let following = app
        .get(&format!("/api/v1/accounts/{}/following", star.id), None)
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&following), vec![fans[1].id.clone()]);
    let fan_following = app
        .get(&format!("/api/v1/accounts/{}/following", fans[0].id), None)
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&fan_following), vec![star.id.clone()]);

    // Paging by follow, two at a time: a full page has `next`, the last one does not.
    let first = app
        .get(
            &format!("/api/v1/accounts/{}/followers?limit=2", star.id),
            None,
        )
        .await;
    let link = first.header("link").expect("Link").to_string();
    assert_eq!(
        TestApp::ids_of(&first.expect(200)),
        vec![fans[2].id.clone(), fans[1].id.clone()]
    );
    let (next, prev) = link_rels(&link);
    assert!(prev.unwrap().contains("since_id="), "{link}");
    let next = next.expect("next on a full page");
    let second = app.get(next.strip_prefix(&app.base).unwrap(), None).await;
    let link = second.header("link").map(str::to_string);
    assert_eq!(
        TestApp::ids_of(&second.expect(200)),
        vec![fans[0].id.clone()]
    );
    let (next, _) = link_rels(&link.expect("Link"));
    assert_eq!(next, None);

    // Unknown accounts.
    app.get("/api/v1/accounts/99999/followers", None)
        .await
        .expect_error(404);
}

#[tokio::test]
async fn after_following_home_has_the_followed_accounts_posts() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let early = app.post_status(&bob, "bob before").await;
    let private_early = app
        .post_status_json(
            &bob,
            json!({"status": "bob private", "visibility": "private"}),
        )
        .await;
    let carols = app.post_status(&carol, "carol").await;
    // A reply to someone alice does not follow stays out of her home.
    let reply_to_carol = app
        .post_status_json(
            &bob,
            json!({"status": "@carol hey", "in_reply_to_id": carols["id"]}),
        )
        .await;
    app.follow(&alice, &bob).await;
    let later = app.post_status(&bob, "bob after").await;
    let reply_later = app
        .post_status_json(
            &bob,
            json!({"status": "@carol again", "in_reply_to_id": carols["id"]}),
        )
        .await;

    let home = app
        .get("/api/v1/timelines/home", Some(&alice.token))
        .await
        .expect(200);
    let ids = TestApp::ids_of(&home);
    let id = |s: &Value| s["id"].as_str().unwrap().to_string();
    assert_eq!(ids, vec![id(&later), id(&private_early), id(&early)]);
    assert!(!ids.contains(&id(&carols)));
    assert!(!ids.contains(&id(&reply_to_carol)));
    assert!(!ids.contains(&id(&reply_later)));
}

#[tokio::test]
async fn relationships_leave_out_unknown_accounts() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let list = app
        .get(
            &format!("/api/v1/accounts/relationships?id[]=424242&id[]={}", bob.id),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&list), vec![bob.id.clone()]);
    let single = app
        .get(
            &format!("/api/v1/accounts/relationships?id={}", bob.id),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&single), vec![bob.id.clone()]);
}

#[tokio::test]
async fn notifications_page_with_max_id_and_filter_by_type() {
    let app = TestApp::start().await;
    let star = app.user("star").await;
    let mut fans = Vec::new();
    for i in 0..4 {
        let fan = app.user(&format!("fan{i}")).await;
        app.follow(&fan, &star).await;
        fans.push(fan);
    }
    app.post_status(&fans[0], "@star hello").await;

    let all = app
        .get("/api/v1/notifications?limit=3", Some(&star.token))
        .await;
    let link = all.header("link").expect("Link").to_string();
    let first = all.expect(200);
    let kinds: Vec<&str> = first
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["mention", "follow", "follow"]);
    assert!(
        first[0]["status"]["content"]
            .as_str()
            .unwrap()
            .contains("hello"),
        "{first}"
    );
    let (next, prev) = link_rels(&link);
    assert!(
        prev.unwrap()
            .ends_with(&format!("min_id={}", first[0]["id"].as_str().unwrap()))
    );
    let next = next.unwrap();
    let rest = app
        .get(next.strip_prefix(&app.base).unwrap(), Some(&star.token))
        .await
        .expect(200);
    assert_eq!(rest.as_array().unwrap().len(), 2);
    assert_eq!(rest[1]["account"]["id"], fans[0].id.as_str());

    let follows_only = app
        .get("/api/v1/notifications?types[]=follow", Some(&star.token))
        .await
        .expect(200);
    assert_eq!(follows_only.as_array().unwrap().len(), 4);
    let no_follows = app
        .get(
            "/api/v1/notifications?exclude_types[]=follow",
            Some(&star.token),
        )
        .await
        .expect(200);
    assert_eq!(no_follows.as_array().unwrap().len(), 1);
    assert_eq!(no_follows[0]["type"], "mention");
}

#[tokio::test]
async fn blocking_ends_follows_both_ways_and_lists_the_account() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    app.follow(&alice, &bob).await;
    app.follow(&bob, &alice).await;
    let rel = app
        .post_json(
            &format!("/api/v1/accounts/{}/block", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(rel["blocking"], true);
    assert_eq!(rel["following"], false);
    assert_eq!(rel["followed_by"], false);
    assert_eq!(relationship(&app, &bob, &alice).await["blocked_by"], true);
    assert_eq!(account(&app, &alice).await["followers_count"], 0);
    assert_eq!(account(&app, &alice).await["following_count"], 0);
    let blocks = app
        .get("/api/v1/blocks", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(blocks.as_array().unwrap().len(), 1);
    assert_eq!(blocks[0]["id"], bob.id);
    // Blocking yourself or nobody is a 404; a read-only token may not block.
    let me = app
        .post_json(
            &format!("/api/v1/accounts/{}/block", alice.id),
            Some(&alice.token),
            json!({}),
        )
        .await;
    assert_eq!(me.status, 404);
    let reader = app
        .user_with_scopes("carol", starling_core::accounts::Role::User, "read")
        .await;
    let denied = app
        .post_json(
            &format!("/api/v1/accounts/{}/block", bob.id),
            Some(&reader.token),
            json!({}),
        )
        .await;
    assert_eq!(denied.status, 403);
    let rel = app
        .post_json(
            &format!("/api/v1/accounts/{}/unblock", bob.id),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(rel["blocking"], false);
    let blocks = app
        .get("/api/v1/blocks", Some(&alice.token))
        .await
        .expect(200);
    assert!(blocks.as_array().unwrap().is_empty());
}
