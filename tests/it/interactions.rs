//! Favourites and boosts: `POST /api/v1/statuses/:id/favourite`, `/unfavourite`,
//! `/reblog`, `/unreblog`, `GET …/favourited_by`, `…/reblogged_by` and
//! `GET /api/v1/favourites` — counts, the viewer's marks, notifications, home feeds,
//! Mastodon's boosting rules, scopes, paging, the outbox events they write — and the
//! core functions the federation inbox calls for remote `Like`s and `Announce`s.

use serde_json::{Value, json};
use starling_core::accounts::{self, Role};
use starling_core::events::{self, Event};
use starling_core::statuses::Visibility;
use starling_core::{favourites, follows, reblogs};

use crate::support::{Reply, TestApp, User, link_rels};

async fn act(app: &TestApp, user: &User, id: &str, action: &str) -> Reply {
    app.post_json(
        &format!("/api/v1/statuses/{id}/{action}"),
        Some(&user.token),
        json!({}),
    )
    .await
}

async fn status(app: &TestApp, id: &str, user: &User) -> Value {
    app.get(&format!("/api/v1/statuses/{id}"), Some(&user.token))
        .await
        .expect(200)
}

async fn notifications(app: &TestApp, user: &User, kind: &str) -> Vec<Value> {
    app.get(
        &format!("/api/v1/notifications?types[]={kind}"),
        Some(&user.token),
    )
    .await
    .expect(200)
    .as_array()
    .unwrap()
    .clone()
}

async fn home(app: &TestApp, user: &User) -> Vec<Value> {
    app.get("/api/v1/timelines/home", Some(&user.token))
        .await
        .expect(200)
        .as_array()
        .unwrap()
        .clone()
}

/// The outbox events waiting, in order.
async fn events(app: &TestApp) -> Vec<(i64, Event)> {
    events::take(&app.inst, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.expect("readable event"))
        .map(|e| (e.account_id, e.event))
        .collect()
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("string id").to_string()
}

fn num(s: &str) -> i64 {
    s.parse().unwrap()
}

async fn post_private(app: &TestApp, user: &User, text: &str) -> Value {
    app.post_status_json(user, json!({ "status": text, "visibility": "private" }))
        .await
}

// ---- Favourites ----

#[tokio::test]
async fn favourite_and_unfavourite_change_the_count_and_the_viewers_mark_only() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let s = id(&app.post_status(&alice, "like me").await);

    let faved = act(&app, &bob, &s, "favourite").await.expect(200);
    assert_eq!(faved["id"], s.as_str());
    assert_eq!(faved["favourited"], true);
    assert_eq!(faved["favourites_count"], 1);

    assert_eq!(status(&app, &s, &bob).await["favourited"], true);
    let for_carol = status(&app, &s, &carol).await;
    assert_eq!(for_carol["favourited"], false);
    assert_eq!(for_carol["favourites_count"], 1);
    let for_alice = status(&app, &s, &alice).await;
    assert_eq!(for_alice["favourited"], false);
    assert_eq!(for_alice["favourites_count"], 1);
    let anonymous = app
        .get(&format!("/api/v1/statuses/{s}"), None)
        .await
        .expect(200);
    assert!(anonymous.get("favourited").is_none(), "{anonymous}");

    let unfaved = act(&app, &bob, &s, "unfavourite").await.expect(200);
    assert_eq!(unfaved["id"], s.as_str());
    assert_eq!(unfaved["favourited"], false);
    assert_eq!(unfaved["favourites_count"], 0);
    assert_eq!(status(&app, &s, &bob).await["favourited"], false);
}

#[tokio::test]
async fn favouriting_twice_counts_once_and_unfavouriting_twice_is_no_error() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let s = id(&app.post_status(&alice, "once").await);

    act(&app, &bob, &s, "favourite").await.expect(200);
    let again = act(&app, &bob, &s, "favourite").await.expect(200);
    assert_eq!(again["favourites_count"], 1);
    assert_eq!(again["favourited"], true);
    assert_eq!(notifications(&app, &alice, "favourite").await.len(), 1);

    act(&app, &bob, &s, "unfavourite").await.expect(200);
    let again = act(&app, &bob, &s, "unfavourite").await.expect(200);
    assert_eq!(again["favourites_count"], 0);
    assert_eq!(again["favourited"], false);

    // Never favourited at all: the status as it is.
    let never = act(&app, &alice, &s, "unfavourite").await.expect(200);
    assert_eq!(never["favourites_count"], 0);
}

#[tokio::test]
async fn a_favourite_notifies_the_author_but_a_self_favourite_does_not() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let s = id(&app.post_status(&alice, "notify me").await);

    act(&app, &alice, &s, "favourite").await.expect(200);
    assert!(notifications(&app, &alice, "favourite").await.is_empty());

    act(&app, &bob, &s, "favourite").await.expect(200);
    let list = notifications(&app, &alice, "favourite").await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["type"], "favourite");
    assert_eq!(list[0]["account"]["id"], bob.id.as_str());
    assert_eq!(list[0]["status"]["id"], s.as_str());
    assert!(notifications(&app, &bob, "favourite").await.is_empty());

    // Taking the favourite back takes the notification back.
    act(&app, &bob, &s, "unfavourite").await.expect(200);
    assert!(notifications(&app, &alice, "favourite").await.is_empty());
}

#[tokio::test]
async fn favourited_by_lists_the_accounts_newest_first_with_paging() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let s = id(&app.post_status(&alice, "popular").await);
    let mut fans = Vec::new();
    for name in ["bob", "carol", "dave"] {
        let fan = app.user(name).await;
        act(&app, &fan, &s, "favourite").await.expect(200);
        fans.push(fan);
    }

    let path = format!("/api/v1/statuses/{s}/favourited_by");
    let all = app.get(&path, None).await.expect(200);
    assert_eq!(
        TestApp::ids_of(&all),
        vec![fans[2].id.clone(), fans[1].id.clone(), fans[0].id.clone()]
    );
    assert_eq!(all[0]["username"], "dave");

    let first = app.get(&format!("{path}?limit=2"), None).await;
    let (next, prev) = link_rels(first.header("link").expect("Link header"));
    let first = first.expect(200);
    assert_eq!(
        TestApp::ids_of(&first),
        vec![fans[2].id.clone(), fans[1].id.clone()]
    );
    assert!(prev.unwrap().contains("since_id="));
    let next = next.expect("a full page has a next link");
    let next_path = next.strip_prefix(&app.base).unwrap();
    let rest = app.get(next_path, None).await.expect(200);
    assert_eq!(TestApp::ids_of(&rest), vec![fans[0].id.clone()]);

    let reblogged_by = app
        .get(&format!("/api/v1/statuses/{s}/reblogged_by"), None)
        .await
        .expect(200);
    assert_eq!(reblogged_by, json!([]));
}

#[tokio::test]
async fn the_favourites_list_pages_by_favourite_with_link_headers() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let mut posts = Vec::new();
    for i in 0..3 {
        posts.push(id(&app.post_status(&alice, &format!("post {i}")).await));
    }
    // Favourited in another order than posted: the list follows the favourites.
    for s in [&posts[1], &posts[0], &posts[2]] {
        act(&app, &bob, s, "favourite").await.expect(200);
    }

    let all = app
        .get("/api/v1/favourites", Some(&bob.token))
        .await
        .expect(200);
    assert_eq!(
        TestApp::ids_of(&all),
        vec![posts[2].clone(), posts[0].clone(), posts[1].clone()]
    );
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .all(|s| s["favourited"] == true)
    );

    let first = app
        .get("/api/v1/favourites?limit=2", Some(&bob.token))
        .await;
    let (next, prev) = link_rels(first.header("link").expect("Link header"));
    assert_eq!(
        TestApp::ids_of(&first.expect(200)),
        vec![posts[2].clone(), posts[0].clone()]
    );
    assert!(prev.unwrap().contains("min_id="));
    let next = next.expect("a full page has a next link");
    let rest = app
        .get(next.strip_prefix(&app.base).unwrap(), Some(&bob.token))
        .await;
    assert!(
        rest.header("link")
            .is_some_and(|l| !l.contains("rel=\"next\"")),
        "a short page has no next link"
    );
    assert_eq!(TestApp::ids_of(&rest.expect(200)), vec![posts[1].clone()]);

    // Alice favourited nothing; a deleted status leaves Bob's list.
    let none = app
        .get("/api/v1/favourites", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(none, json!([]));
    app.delete(
        &format!("/api/v1/statuses/{}", posts[0]),
        Some(&alice.token),
    )
    .await
    .expect(200);
    let after = app
        .get("/api/v1/favourites", Some(&bob.token))
        .await
        .expect(200);
    assert_eq!(
        TestApp::ids_of(&after),
        vec![posts[2].clone(), posts[1].clone()]
    );
}

#[tokio::test]
async fn favouriting_a_boost_favourites_the_original() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let s = id(&app.post_status(&alice, "original").await);
    let boost = id(&act(&app, &bob, &s, "reblog").await.expect(200));

    let faved = act(&app, &carol, &boost, "favourite").await.expect(200);
    assert_eq!(faved["id"], s.as_str());
    assert_eq!(faved["favourites_count"], 1);
    let unfaved = act(&app, &carol, &boost, "unfavourite").await.expect(200);
    assert_eq!(unfaved["id"], s.as_str());
    assert_eq!(unfaved["favourites_count"], 0);
}

// ---- Boosts ----

#[tokio::test]
async fn a_boost_reaches_the_followers_home_with_counts_and_marks() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    app.follow(&carol, &bob).await;
    let s = id(&app.post_status(&alice, "boost me").await);
    let bob_before = app.statuses_count(&bob).await;

    let boost = act(&app, &bob, &s, "reblog").await.expect(200);
    let boost_id = id(&boost);
    assert_ne!(boost_id, s);
    assert_eq!(boost["reblog"]["id"], s.as_str());
    assert_eq!(boost["reblog"]["reblogs_count"], 1);
    assert_eq!(boost["reblog"]["reblogged"], true);
    assert_eq!(boost["reblogged"], true);
    assert_eq!(boost["account"]["id"], bob.id.as_str());
    assert_eq!(boost["visibility"], "public");
    assert_eq!(boost["content"], "");
    let uri = format!("{}/users/bob/statuses/{boost_id}/activity", app.base);
    assert_eq!(boost["uri"], uri.as_str());
    assert_eq!(boost["url"], uri.as_str());
    assert_eq!(app.statuses_count(&bob).await, bob_before + 1);

    let carol_home = home(&app, &carol).await;
    assert_eq!(carol_home.len(), 1, "{carol_home:?}");
    assert_eq!(carol_home[0]["id"], boost_id.as_str());
    assert_eq!(carol_home[0]["reblog"]["id"], s.as_str());
    assert_eq!(carol_home[0]["reblog"]["reblogged"], false);

    let for_bob = status(&app, &s, &bob).await;
    assert_eq!(for_bob["reblogged"], true);
    assert_eq!(for_bob["reblogs_count"], 1);
    assert_eq!(status(&app, &s, &carol).await["reblogged"], false);
    let bobs_posts = app
        .get(&format!("/api/v1/accounts/{}/statuses", bob.id), None)
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&bobs_posts), vec![boost_id.clone()]);

    let by = app
        .get(&format!("/api/v1/statuses/{s}/reblogged_by"), None)
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&by), vec![bob.id.clone()]);
}

#[tokio::test]
async fn unreblog_answers_the_original_and_takes_the_boost_back_everywhere() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    app.follow(&carol, &bob).await;
    let s = id(&app.post_status(&alice, "boost me").await);
    let bob_before = app.statuses_count(&bob).await;
    let boost = id(&act(&app, &bob, &s, "reblog").await.expect(200));

    let original = act(&app, &bob, &s, "unreblog").await.expect(200);
    assert_eq!(original["id"], s.as_str());
    assert_eq!(original["reblogged"], false);
    assert_eq!(original["reblogs_count"], 0);
    assert_eq!(original["reblog"], Value::Null);
    assert_eq!(app.statuses_count(&bob).await, bob_before);
    assert!(home(&app, &carol).await.is_empty());
    assert!(notifications(&app, &alice, "reblog").await.is_empty());
    app.get(&format!("/api/v1/statuses/{boost}"), Some(&bob.token))
        .await
        .expect_error(404);

    // Again, and by someone who never boosted: the original as it is.
    let again = act(&app, &bob, &s, "unreblog").await.expect(200);
    assert_eq!(again["reblogs_count"], 0);
    act(&app, &carol, &s, "unreblog").await.expect(200);
}

#[tokio::test]
async fn a_boost_notifies_the_original_author_but_a_self_boost_does_not() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let s = id(&app.post_status(&alice, "notify me").await);

    act(&app, &alice, &s, "reblog").await.expect(200);
    assert!(notifications(&app, &alice, "reblog").await.is_empty());

    act(&app, &bob, &s, "reblog").await.expect(200);
    let list = notifications(&app, &alice, "reblog").await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["type"], "reblog");
    assert_eq!(list[0]["account"]["id"], bob.id.as_str());
    // As Mastodon: the notification carries the boosted status, not the boost.
    assert_eq!(list[0]["status"]["id"], s.as_str());
}

#[tokio::test]
async fn boosting_twice_answers_the_same_boost_and_counts_once() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let s = id(&app.post_status(&alice, "once").await);
    let first = act(&app, &bob, &s, "reblog").await.expect(200);
    let second = act(&app, &bob, &s, "reblog").await.expect(200);
    assert_eq!(first["id"], second["id"]);
    assert_eq!(second["reblog"]["reblogs_count"], 1);
    assert_eq!(notifications(&app, &alice, "reblog").await.len(), 1);
}

#[tokio::test]
async fn boosting_a_boost_boosts_the_original() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let s = id(&app.post_status(&alice, "original").await);
    let bobs = id(&act(&app, &bob, &s, "reblog").await.expect(200));

    let carols = act(&app, &carol, &bobs, "reblog").await.expect(200);
    assert_eq!(carols["reblog"]["id"], s.as_str());
    assert_eq!(carols["reblog"]["reblogs_count"], 2);
    assert_eq!(status(&app, &s, &alice).await["reblogs_count"], 2);
    // And unboosting through the boost's id takes back the boost of the original.
    let original = act(&app, &carol, &bobs, "unreblog").await.expect(200);
    assert_eq!(original["id"], s.as_str());
    assert_eq!(original["reblogs_count"], 1);
}

#[tokio::test]
async fn followers_only_posts_are_boosted_by_their_author_only_and_direct_never() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    app.follow(&bob, &alice).await;
    app.follow(&carol, &alice).await;
    let private = id(&post_private(&app, &alice, "followers only").await);

    // Bob sees it (he follows Alice) but may not boost it.
    let refused = act(&app, &bob, &private, "reblog").await;
    assert_eq!(refused.expect_error(403), "This action is not allowed");
    assert_eq!(status(&app, &private, &alice).await["reblogs_count"], 0);

    // Alice may, and her boost stays followers-only even when asked otherwise.
    let own = app
        .post_json(
            &format!("/api/v1/statuses/{private}/reblog"),
            Some(&alice.token),
            json!({ "visibility": "public" }),
        )
        .await
        .expect(200);
    assert_eq!(own["visibility"], "private");
    assert_eq!(own["reblog"]["id"], private.as_str());

    let direct = id(&app
        .post_status_json(
            &alice,
            json!({ "status": "@bob psst", "visibility": "direct" }),
        )
        .await);
    let refused = act(&app, &bob, &direct, "reblog").await;
    assert_eq!(refused.expect_error(403), "This action is not allowed");
    act(&app, &alice, &direct, "reblog").await.expect_error(403);
    // Carol cannot see it at all.
    act(&app, &carol, &direct, "reblog").await.expect_error(404);
}

#[tokio::test]
async fn the_boost_visibility_is_asked_in_json_or_form_and_checked() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let s = id(&app.post_status(&alice, "boost me quietly").await);

    let form = app
        .post_form(
            &format!("/api/v1/statuses/{s}/reblog"),
            Some(&bob.token),
            &[("visibility", "unlisted")],
        )
        .await
        .expect(200);
    assert_eq!(form["visibility"], "unlisted");
    let json = app
        .post_json(
            &format!("/api/v1/statuses/{s}/reblog"),
            Some(&carol.token),
            json!({ "visibility": "private" }),
        )
        .await
        .expect(200);
    assert_eq!(json["visibility"], "private");
    // A followers-only boost is not listed among the public boosters.
    let by = app
        .get(&format!("/api/v1/statuses/{s}/reblogged_by"), None)
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&by), vec![bob.id.clone()]);

    for bad in ["everyone", "direct"] {
        let dave = app.user(&format!("dave{}", bad.len())).await;
        let reply = app
            .post_json(
                &format!("/api/v1/statuses/{s}/reblog"),
                Some(&dave.token),
                json!({ "visibility": bad }),
            )
            .await;
        let error = reply.expect_error(422);
        assert!(error.starts_with("Validation failed"), "{error}");
    }
}

#[tokio::test]
async fn followers_who_hide_boosts_or_already_see_the_original_get_no_boost() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let dave = app.user("dave").await;
    app.post_json(
        &format!("/api/v1/accounts/{}/follow", bob.id),
        Some(&carol.token),
        json!({ "reblogs": false }),
    )
    .await
    .expect(200);
    app.follow(&dave, &bob).await;
    app.follow(&dave, &alice).await;
    let s = id(&app.post_status(&alice, "seen already").await);

    act(&app, &bob, &s, "reblog").await.expect(200);
    assert!(home(&app, &carol).await.is_empty());
    let dave_home = home(&app, &dave).await;
    assert_eq!(TestApp::ids_of(&Value::Array(dave_home)), vec![s.clone()]);
}

#[tokio::test]
async fn deleting_the_original_removes_its_boosts() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    app.follow(&carol, &bob).await;
    let s = id(&app.post_status(&alice, "short-lived").await);
    let boost = id(&act(&app, &bob, &s, "reblog").await.expect(200));
    let bob_count = app.statuses_count(&bob).await;

    app.delete(&format!("/api/v1/statuses/{s}"), Some(&alice.token))
        .await
        .expect(200);
    app.get(&format!("/api/v1/statuses/{boost}"), Some(&bob.token))
        .await
        .expect_error(404);
    assert!(home(&app, &carol).await.is_empty());
    assert_eq!(app.statuses_count(&bob).await, bob_count - 1);
    // Nothing left to take back.
    act(&app, &bob, &s, "unreblog").await.expect_error(404);
}

// ---- Scopes and unknown ids ----

#[tokio::test]
async fn each_action_needs_its_scope() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let s = id(&app.post_status(&alice, "scoped").await);
    let reader = app.user_with_scopes("reader", Role::User, "read").await;
    let faver = app
        .user_with_scopes("faver", Role::User, "read write:favourites")
        .await;
    let poster = app
        .user_with_scopes("poster", Role::User, "read write:statuses")
        .await;

    for action in ["favourite", "unfavourite", "reblog", "unreblog"] {
        let reply = act(&app, &reader, &s, action).await;
        assert_eq!(
            reply.expect_error(403),
            "This action is outside the authorized scopes",
            "{action}"
        );
        let anonymous = app
            .post_json(&format!("/api/v1/statuses/{s}/{action}"), None, json!({}))
            .await;
        anonymous.expect_error(401);
    }
    // `write:favourites` favourites but does not boost; `write:statuses` the reverse.
    act(&app, &faver, &s, "favourite").await.expect(200);
    act(&app, &faver, &s, "reblog").await.expect_error(403);
    act(&app, &poster, &s, "reblog").await.expect(200);
    act(&app, &poster, &s, "favourite").await.expect_error(403);

    let profile_only = app.user_with_scopes("profile", Role::User, "profile").await;
    app.get("/api/v1/favourites", Some(&profile_only.token))
        .await
        .expect_error(403);
    app.get("/api/v1/favourites", None).await.expect_error(401);
    app.get(
        &format!("/api/v1/statuses/{s}/favourited_by"),
        Some(&profile_only.token),
    )
    .await
    .expect_error(403);
    let list = app
        .get("/api/v1/favourites", Some(&faver.token))
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&list), vec![s.clone()]);
}

#[tokio::test]
async fn unknown_and_invisible_statuses_are_not_found() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let private = id(&post_private(&app, &alice, "not for bob").await);
    for s in ["12345", "not-a-number", private.as_str()] {
        for action in ["favourite", "unfavourite", "reblog", "unreblog"] {
            let error = act(&app, &bob, s, action).await.expect_error(404);
            assert_eq!(error, "Record not found", "{action} {s}");
        }
        for list in ["favourited_by", "reblogged_by"] {
            let error = app
                .get(&format!("/api/v1/statuses/{s}/{list}"), Some(&bob.token))
                .await
                .expect_error(404);
            assert_eq!(error, "Record not found", "{list} {s}");
        }
    }
}

// ---- Outbox events ----

#[tokio::test]
async fn every_action_writes_its_outbox_event_and_repeats_write_none() {
    let app = TestApp::builder()
        .without_federation_workers()
        .start()
        .await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let s = id(&app.post_status(&alice, "federate me").await);
    let bob_id = num(&bob.id);
    let before = events(&app).await.len();

    act(&app, &bob, &s, "favourite").await.expect(200);
    act(&app, &bob, &s, "favourite").await.expect(200);
    act(&app, &bob, &s, "unfavourite").await.expect(200);
    act(&app, &bob, &s, "unfavourite").await.expect(200);
    let boost = id(&act(&app, &bob, &s, "reblog").await.expect(200));
    act(&app, &bob, &s, "reblog").await.expect(200);
    act(&app, &bob, &s, "unreblog").await.expect(200);
    act(&app, &bob, &s, "unreblog").await.expect(200);

    let written: Vec<(i64, Event)> = events(&app).await.split_off(before);
    assert_eq!(written.len(), 4, "{written:?}");
    assert!(written.iter().all(|(actor, _)| *actor == bob_id));
    let like_uri = match &written[0].1 {
        Event::Favourited { status_id, uri } => {
            assert_eq!(*status_id, num(&s));
            assert!(
                uri.starts_with(&format!("{}/users/bob#likes/", app.base)),
                "{uri}"
            );
            uri.clone()
        }
        other => panic!("expected Favourited, got {other:?}"),
    };
    assert_eq!(
        written[1].1,
        Event::Unfavourited {
            status_id: num(&s),
            uri: like_uri,
            status_author_id: num(&alice.id),
        }
    );
    assert_eq!(
        written[2].1,
        Event::StatusCreated {
            status_id: num(&boost)
        }
    );
    match &written[3].1 {
        Event::StatusDeleted {
            uri,
            reblog_of_author,
            reblog_of_uri,
            ..
        } => {
            assert_eq!(
                *uri,
                format!("{}/users/bob/statuses/{boost}/activity", app.base)
            );
            assert_eq!(*reblog_of_author, Some(num(&alice.id)));
            assert_eq!(
                reblog_of_uri.as_deref(),
                Some(format!("{}/users/alice/statuses/{s}", app.base).as_str())
            );
        }
        other => panic!("expected StatusDeleted, got {other:?}"),
    }
}

// ---- Inbound (the federation inbox's calls) ----

#[tokio::test]
async fn remote_likes_count_notify_and_federate_nothing() {
    let app = TestApp::builder()
        .without_federation_workers()
        .start()
        .await;
    let alice = app.user("alice").await;
    let s = id(&app.post_status(&alice, "liked from afar").await);
    let remy = app.remote_account("remy", "remote.example").await;
    let like = "https://remote.example/likes/1";
    let before = events(&app).await.len();

    assert!(
        favourites::inbound::liked(&app.inst, &remy, num(&s), like)
            .await
            .unwrap()
    );
    assert!(
        !favourites::inbound::liked(&app.inst, &remy, num(&s), like)
            .await
            .unwrap()
    );
    assert_eq!(status(&app, &s, &alice).await["favourites_count"], 1);
    let list = notifications(&app, &alice, "favourite").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["account"]["acct"], "remy@remote.example");
    let by = app
        .get(&format!("/api/v1/statuses/{s}/favourited_by"), None)
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&by), vec![remy.id.to_string()]);

    assert!(
        favourites::inbound::unliked(&app.inst, remy.id, Some(like), None)
            .await
            .unwrap()
    );
    assert!(
        !favourites::inbound::unliked(&app.inst, remy.id, Some(like), Some(num(&s)))
            .await
            .unwrap()
    );
    assert_eq!(status(&app, &s, &alice).await["favourites_count"], 0);
    assert!(notifications(&app, &alice, "favourite").await.is_empty());

    // Undone by the status when the `Like` id is unknown here.
    favourites::inbound::liked(&app.inst, &remy, num(&s), like)
        .await
        .unwrap();
    assert!(
        favourites::inbound::unliked(
            &app.inst,
            remy.id,
            Some("https://x.example/?"),
            Some(num(&s))
        )
        .await
        .unwrap()
    );
    assert_eq!(events(&app).await.len(), before);

    // A followers-only post the remote account cannot see is not found.
    let private = id(&post_private(&app, &alice, "not for remy").await);
    let err = favourites::inbound::liked(
        &app.inst,
        &remy,
        num(&private),
        "https://remote.example/likes/2",
    )
    .await
    .unwrap_err();
    assert!(matches!(err, starling_core::CoreError::NotFound), "{err:?}");
}

#[tokio::test]
async fn remote_announces_reach_local_followers_notify_and_federate_nothing() {
    let app = TestApp::builder()
        .without_federation_workers()
        .start()
        .await;
    let alice = app.user("alice").await;
    let carol = app.user("carol").await;
    let s = id(&app.post_status(&alice, "announced from afar").await);
    let private = id(&post_private(&app, &alice, "not for remy").await);
    let remy = app.remote_account("remy", "remote.example").await;
    // Carol follows Remy (a request until Remy's server accepts).
    let carol_local = accounts::find_local_with_user(&app.inst, "carol")
        .await
        .unwrap()
        .unwrap();
    follows::follow(&app.inst, &carol_local, remy.id, Default::default())
        .await
        .unwrap();
    assert!(
        follows::inbound::accepted(&app.inst, num(&carol.id), remy.id, None)
            .await
            .unwrap()
    );
    let before = events(&app).await.len();
    let announce = "https://remote.example/users/remy/statuses/9/activity";
    let published = chrono::Utc::now();

    let boost = reblogs::inbound::announced(
        &app.inst,
        &remy,
        num(&s),
        announce,
        published,
        Visibility::Public,
    )
    .await
    .unwrap()
    .expect("a boost");
    assert!(!boost.local);
    assert_eq!(boost.uri, announce);
    assert_eq!(boost.reblog_of_id, Some(num(&s)));
    let again = reblogs::inbound::announced(
        &app.inst,
        &remy,
        num(&s),
        announce,
        published,
        Visibility::Public,
    )
    .await
    .unwrap()
    .expect("the same boost");
    assert_eq!(again.id, boost.id);
    assert_eq!(status(&app, &s, &alice).await["reblogs_count"], 1);
    let carol_home = home(&app, &carol).await;
    assert_eq!(
        TestApp::ids_of(&Value::Array(carol_home)),
        vec![boost.id.to_string()]
    );
    let list = notifications(&app, &alice, "reblog").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["account"]["id"], remy.id.to_string().as_str());

    // Followers-only posts of others are not announced.
    let ignored = reblogs::inbound::announced(
        &app.inst,
        &remy,
        num(&private),
        "https://remote.example/users/remy/statuses/10/activity",
        published,
        Visibility::Public,
    )
    .await
    .unwrap();
    assert!(ignored.is_none());

    assert!(
        !reblogs::inbound::unannounced(&app.inst, num(&carol.id), announce)
            .await
            .unwrap()
    );
    assert!(
        reblogs::inbound::unannounced(&app.inst, remy.id, announce)
            .await
            .unwrap()
    );
    assert!(
        !reblogs::inbound::unannounced(&app.inst, remy.id, announce)
            .await
            .unwrap()
    );
    assert_eq!(status(&app, &s, &alice).await["reblogs_count"], 0);
    assert!(home(&app, &carol).await.is_empty());
    assert!(notifications(&app, &alice, "reblog").await.is_empty());
    assert_eq!(events(&app).await.len(), before);
}

#[tokio::test]
async fn deleting_a_boost_or_an_account_cleans_up_notifications_and_counts() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let s = id(&app.post_status(&alice, "boost and like me").await);
    let boost = id(&act(&app, &bob, &s, "reblog").await.expect(200));
    act(&app, &bob, &s, "favourite").await.expect(200);
    assert_eq!(notifications(&app, &alice, "reblog").await.len(), 1);
    // Deleting the boost as a status takes its notification with it.
    app.delete(&format!("/api/v1/statuses/{boost}"), Some(&bob.token))
        .await
        .expect(200);
    assert!(notifications(&app, &alice, "reblog").await.is_empty());
    assert_eq!(status(&app, &s, &alice).await["reblogs_count"], 0);
    // Deleting the favouriting account counts its favourite down.
    assert_eq!(status(&app, &s, &alice).await["favourites_count"], 1);
    let local = starling_core::accounts::get_local_by_user_id(
        &app.inst,
        starling_core::accounts::find_user_by_email(&app.inst, &bob.email)
            .await
            .unwrap()
            .unwrap()
            .id,
    )
    .await
    .unwrap();
    starling_core::accounts::delete_local(&app.inst, &local)
        .await
        .unwrap();
    assert_eq!(status(&app, &s, &alice).await["favourites_count"], 0);
    let by = app
        .get(
            &format!("/api/v1/statuses/{s}/favourited_by"),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert!(by.as_array().unwrap().is_empty());
}
