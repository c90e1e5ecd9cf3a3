//! Favourites: counts, the viewer's marks, notifications, `favourited_by` and the
//! paged favourites list.

use serde_json::json;

use super::{act, id, notifications, status};
use crate::support::{TestApp, link_rels};

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
