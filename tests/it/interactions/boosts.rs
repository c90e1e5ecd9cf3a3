//! Boosts: home feeds, counts and marks, notifications, Mastodon's boosting rules, and
//! cleaning up when boosts, originals or accounts are deleted.

use serde_json::{Value, json};

use super::{act, home, id, notifications, post_private, status};
use crate::support::TestApp;

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
