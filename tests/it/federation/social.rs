//! People on different instances following, posting, replying, favouriting, boosting,
//! editing, deleting and writing directly to each other.

use serde_json::json;

use super::{address, eventually};
use crate::support::TestApp;

#[tokio::test]
async fn a_follow_across_instances_brings_posts_to_the_home_timeline() {
    let alpha = TestApp::start().await;
    let beta = TestApp::start().await;
    let alice = alpha.user("alice").await;
    let bob = beta.user("bob").await;

    let bob_id = alpha.follow_remote(&alice, &address(&beta, &bob)).await;
    // Beta knows alice follows bob, and told bob.
    let follow = beta.await_notification(&bob, "follow").await;
    assert_eq!(follow["account"]["acct"], address(&alpha, &alice));
    let followers = beta
        .get(
            &format!("/api/v1/accounts/{}/followers", bob.id),
            Some(&bob.token),
        )
        .await
        .expect(200);
    assert_eq!(followers[0]["acct"], address(&alpha, &alice));

    let post = beta.post_status(&bob, "Hello from beta <b>bold</b>").await;
    let seen = alpha
        .await_in_home(&alice, post["uri"].as_str().unwrap())
        .await;
    assert_eq!(seen["account"]["acct"], address(&beta, &bob));
    assert_eq!(seen["account"]["id"], bob_id);
    assert_eq!(seen["content"], post["content"]);
    assert_eq!(seen["url"], post["url"]);
    assert_eq!(seen["visibility"], "public");
    // The federated timeline of alpha shows it; the local one does not.
    let public = alpha
        .get("/api/v1/timelines/public?remote=true", None)
        .await
        .expect(200);
    assert!(
        public
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["uri"] == post["uri"])
    );
    let local = alpha
        .get("/api/v1/timelines/public?local=true", None)
        .await
        .expect(200);
    assert!(
        !local
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["uri"] == post["uri"])
    );

    // Unfollowing stops the flow; beta forgets the follower.
    alpha
        .post_json(
            &format!("/api/v1/accounts/{bob_id}/unfollow"),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    eventually("beta to drop the follower", || async {
        let f = beta
            .get(
                &format!("/api/v1/accounts/{}/followers", bob.id),
                Some(&bob.token),
            )
            .await
            .expect(200);
        f.as_array().unwrap().is_empty().then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_locked_account_answers_follow_requests() {
    let alpha = TestApp::start().await;
    let beta = TestApp::start().await;
    let alice = alpha.user("alice").await;
    let bob = beta.user("bob").await;
    beta.patch_json(
        "/api/v1/accounts/update_credentials",
        Some(&bob.token),
        json!({"locked": true}),
    )
    .await
    .expect(200);

    let bob_id = alpha.resolve_account(&alice, &address(&beta, &bob)).await;
    let rel = alpha
        .post_json(
            &format!("/api/v1/accounts/{bob_id}/follow"),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(rel["following"], false);
    assert_eq!(rel["requested"], true);
    beta.await_notification(&bob, "follow_request").await;
    let requests = beta
        .get("/api/v1/follow_requests", Some(&bob.token))
        .await
        .expect(200);
    assert_eq!(requests[0]["acct"], address(&alpha, &alice));
    let alice_on_beta = requests[0]["id"].as_str().unwrap().to_string();
    beta.post_json(
        &format!("/api/v1/follow_requests/{alice_on_beta}/authorize"),
        Some(&bob.token),
        json!({}),
    )
    .await
    .expect(200);
    eventually("the Accept to reach alpha", || async {
        let rel = alpha
            .get(
                &format!("/api/v1/accounts/relationships?id[]={bob_id}"),
                Some(&alice.token),
            )
            .await
            .expect(200);
        (rel[0]["following"] == true && rel[0]["requested"] == false).then_some(())
    })
    .await;
    let post = beta
        .post_status_json(
            &bob,
            json!({"status": "followers only", "visibility": "private"}),
        )
        .await;
    let seen = alpha
        .await_in_home(&alice, post["uri"].as_str().unwrap())
        .await;
    assert_eq!(seen["visibility"], "private");
}

#[tokio::test]
async fn a_rejected_request_leaves_no_follow() {
    let alpha = TestApp::start().await;
    let beta = TestApp::start().await;
    let alice = alpha.user("alice").await;
    let bob = beta.user("bob").await;
    beta.patch_json(
        "/api/v1/accounts/update_credentials",
        Some(&bob.token),
        json!({"locked": true}),
    )
    .await
    .expect(200);
    let bob_id = alpha.resolve_account(&alice, &address(&beta, &bob)).await;
    alpha
        .post_json(
            &format!("/api/v1/accounts/{bob_id}/follow"),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    beta.await_notification(&bob, "follow_request").await;
    let requests = beta
        .get("/api/v1/follow_requests", Some(&bob.token))
        .await
        .expect(200);
    let requester = requests[0]["id"].as_str().unwrap().to_string();
    beta.post_json(
        &format!("/api/v1/follow_requests/{requester}/reject"),
        Some(&bob.token),
        json!({}),
    )
    .await
    .expect(200);
    eventually("the Reject to reach alpha", || async {
        let rel = alpha
            .get(
                &format!("/api/v1/accounts/relationships?id[]={bob_id}"),
                Some(&alice.token),
            )
            .await
            .expect(200);
        (rel[0]["requested"] == false && rel[0]["following"] == false).then_some(())
    })
    .await;
}

#[tokio::test]
async fn replies_favourites_and_boosts_travel_both_ways() {
    let alpha = TestApp::start().await;
    let beta = TestApp::start().await;
    let alice = alpha.user("alice").await;
    let bob = beta.user("bob").await;
    let bob_id = alpha.follow_remote(&alice, &address(&beta, &bob)).await;
    let _alice_id = beta.follow_remote(&bob, &address(&alpha, &alice)).await;

    let post = beta.post_status(&bob, "Question from bob").await;
    let on_alpha = alpha
        .await_in_home(&alice, post["uri"].as_str().unwrap())
        .await;
    let local_id = on_alpha["id"].as_str().unwrap();

    // Alice replies on alpha; the reply threads under bob's post on beta.
    let reply = alpha
        .post_json(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": format!("@{} an answer", address(&beta, &bob)), "in_reply_to_id": local_id}),
        )
        .await
        .expect(200);
    assert_eq!(reply["in_reply_to_id"], local_id);
    assert_eq!(reply["in_reply_to_account_id"], bob_id);
    let mention = beta.await_notification(&bob, "mention").await;
    assert_eq!(mention["status"]["uri"], reply["uri"]);
    assert_eq!(mention["status"]["in_reply_to_id"], post["id"]);
    let context = beta
        .get(
            &format!("/api/v1/statuses/{}/context", post["id"].as_str().unwrap()),
            Some(&bob.token),
        )
        .await
        .expect(200);
    assert_eq!(context["descendants"][0]["uri"], reply["uri"]);

    // Alice favourites and boosts bob's post: bob is told of both.
    alpha
        .post_json(
            &format!("/api/v1/statuses/{local_id}/favourite"),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    let fav = beta.await_notification(&bob, "favourite").await;
    assert_eq!(fav["account"]["acct"], address(&alpha, &alice));
    assert_eq!(fav["status"]["id"], post["id"]);
    alpha
        .post_json(
            &format!("/api/v1/statuses/{local_id}/reblog"),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    let boost = beta.await_notification(&bob, "reblog").await;
    assert_eq!(boost["account"]["acct"], address(&alpha, &alice));
    let counted = eventually("the counts on beta", || async {
        let s = beta
            .get(
                &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
                Some(&bob.token),
            )
            .await
            .expect(200);
        (s["favourites_count"] == 1 && s["reblogs_count"] == 1 && s["replies_count"] == 1)
            .then_some(s)
    })
    .await;
    assert_eq!(counted["favourites_count"], 1);

    // And both are withdrawn.
    alpha
        .post_json(
            &format!("/api/v1/statuses/{local_id}/unfavourite"),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    alpha
        .post_json(
            &format!("/api/v1/statuses/{local_id}/unreblog"),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    eventually("the withdrawals on beta", || async {
        let s = beta
            .get(
                &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
                Some(&bob.token),
            )
            .await
            .expect(200);
        (s["favourites_count"] == 0 && s["reblogs_count"] == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn edits_deletes_and_profile_changes_propagate() {
    let alpha = TestApp::start().await;
    let beta = TestApp::start().await;
    let alice = alpha.user("alice").await;
    let bob = beta.user("bob").await;
    let bob_id = alpha.follow_remote(&alice, &address(&beta, &bob)).await;

    let post = beta.post_status(&bob, "first version").await;
    let uri = post["uri"].as_str().unwrap().to_string();
    let seen = alpha.await_in_home(&alice, &uri).await;
    let local_id = seen["id"].as_str().unwrap().to_string();

    beta.request(
        reqwest::Method::PUT,
        &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
        Some(&bob.token),
    )
    .json(&json!({"status": "second version"}))
    .send()
    .await
    .unwrap();
    let edited = eventually("the edit on alpha", || async {
        let s = alpha
            .get(&format!("/api/v1/statuses/{local_id}"), Some(&alice.token))
            .await
            .expect(200);
        s["content"]
            .as_str()
            .unwrap()
            .contains("second version")
            .then_some(s)
    })
    .await;
    assert!(edited["edited_at"].is_string());
    let history = alpha
        .get(
            &format!("/api/v1/statuses/{local_id}/history"),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(history.as_array().unwrap().len(), 2, "{history}");
    assert!(
        history[0]["content"]
            .as_str()
            .unwrap()
            .contains("first version")
    );

    beta.patch_json(
        "/api/v1/accounts/update_credentials",
        Some(&bob.token),
        json!({"display_name": "Bob on Beta", "note": "I moved my bio"}),
    )
    .await
    .expect(200);
    eventually("the profile on alpha", || async {
        let a = alpha
            .get(&format!("/api/v1/accounts/{bob_id}"), Some(&alice.token))
            .await
            .expect(200);
        (a["display_name"] == "Bob on Beta"
            && a["note"].as_str().unwrap().contains("I moved my bio"))
        .then_some(())
    })
    .await;

    beta.delete(
        &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
        Some(&bob.token),
    )
    .await
    .expect(200);
    eventually("the delete on alpha", || async {
        let gone = alpha
            .get(&format!("/api/v1/statuses/{local_id}"), Some(&alice.token))
            .await
            .status
            == 404;
        let home = alpha.home(&alice).await;
        (gone && !home.iter().any(|s| s["uri"] == uri.as_str())).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_direct_message_reaches_only_its_recipient() {
    let alpha = TestApp::start().await;
    let beta = TestApp::start().await;
    let gamma = TestApp::start().await;
    let alice = alpha.user("alice").await;
    let bob = beta.user("bob").await;
    let carol = gamma.user("carol").await;
    let dave = beta.user("dave").await;
    // Everyone follows alice, so only the addressing keeps the message private.
    beta.follow_remote(&bob, &address(&alpha, &alice)).await;
    beta.follow_remote(&dave, &address(&alpha, &alice)).await;
    gamma.follow_remote(&carol, &address(&alpha, &alice)).await;

    let dm = alpha
        .post_status_json(
            &alice,
            json!({"status": format!("@{} just for you", address(&beta, &bob)), "visibility": "direct"}),
        )
        .await;
    let public = alpha.post_status(&alice, "for everyone").await;
    let note = beta.await_notification(&bob, "mention").await;
    assert_eq!(note["status"]["uri"], dm["uri"]);
    assert_eq!(note["status"]["visibility"], "direct");
    // The public post (sent after the message) reached everyone; the message did not.
    gamma
        .await_in_home(&carol, public["uri"].as_str().unwrap())
        .await;
    beta.await_in_home(&dave, public["uri"].as_str().unwrap())
        .await;
    assert!(
        !gamma
            .home(&carol)
            .await
            .iter()
            .any(|s| s["uri"] == dm["uri"])
    );
    assert!(!beta.home(&dave).await.iter().any(|s| s["uri"] == dm["uri"]));
    assert!(
        !gamma
            .notifications(&carol)
            .await
            .iter()
            .any(|n| n["type"] == "mention")
    );
    let dm_id = note["status"]["id"].as_str().unwrap();
    assert_eq!(
        beta.get(&format!("/api/v1/statuses/{dm_id}"), Some(&dave.token))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn search_resolves_remote_post_and_actor_urls() {
    let alpha = TestApp::start().await;
    let beta = TestApp::start().await;
    let alice = alpha.user("alice").await;
    let bob = beta.user("bob").await;
    let post = beta.post_status(&bob, "find me by my address").await;

    let path = format!(
        "/api/v2/search?q={}&resolve=true",
        super::url_escape(post["uri"].as_str().unwrap())
    );
    let found = alpha.get(&path, Some(&alice.token)).await.expect(200);
    assert_eq!(found["statuses"][0]["uri"], post["uri"], "{found}");
    assert_eq!(
        found["statuses"][0]["account"]["acct"],
        address(&beta, &bob)
    );

    let actor = format!("{}/users/bob", beta.base);
    let path = format!(
        "/api/v2/search?q={}&resolve=true",
        super::url_escape(&actor)
    );
    let found = alpha.get(&path, Some(&alice.token)).await.expect(200);
    assert_eq!(
        found["accounts"][0]["acct"],
        address(&beta, &bob),
        "{found}"
    );

    // Without resolve, nothing is fetched; signed out, resolving is refused.
    let unknown = format!("{}/users/nobody", beta.base);
    let path = format!("/api/v2/search?q={}", super::url_escape(&unknown));
    let found = alpha.get(&path, Some(&alice.token)).await.expect(200);
    assert!(found["accounts"].as_array().unwrap().is_empty());
    let path = format!(
        "/api/v2/search?q={}&resolve=true",
        super::url_escape(&address(&beta, &bob))
    );
    assert_eq!(alpha.get(&path, None).await.status, 401);
    // An address nobody answers for is no result, not an error.
    let path = "/api/v2/search?q=ghost@127.0.0.1:9&resolve=true";
    let found = alpha.get(path, Some(&alice.token)).await.expect(200);
    assert!(found["accounts"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_block_severs_follows_on_both_servers_and_unblock_lifts_it() {
    let alpha = TestApp::start().await;
    let beta = TestApp::start().await;
    let alice = alpha.user("alice").await;
    let bob = beta.user("bob").await;
    let bob_id = alpha.follow_remote(&alice, &address(&beta, &bob)).await;
    let alice_id = beta.follow_remote(&bob, &address(&alpha, &alice)).await;

    let rel = alpha
        .post_json(
            &format!("/api/v1/accounts/{bob_id}/block"),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(rel["blocking"], true);
    assert_eq!(rel["following"], false);
    assert_eq!(rel["followed_by"], false);
    let blocks = alpha
        .get("/api/v1/blocks", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(blocks[0]["acct"], address(&beta, &bob));
    // Beta hears of it: both follows end there too, and bob sees he is blocked.
    eventually("the Block on beta", || async {
        let rel = beta
            .get(
                &format!("/api/v1/accounts/relationships?id[]={alice_id}"),
                Some(&bob.token),
            )
            .await
            .expect(200);
        (rel[0]["blocked_by"] == true
            && rel[0]["following"] == false
            && rel[0]["followed_by"] == false)
            .then_some(())
    })
    .await;

    let rel = alpha
        .post_json(
            &format!("/api/v1/accounts/{bob_id}/unblock"),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(rel["blocking"], false);
    eventually("the Undo on beta", || async {
        let rel = beta
            .get(
                &format!("/api/v1/accounts/relationships?id[]={alice_id}"),
                Some(&bob.token),
            )
            .await
            .expect(200);
        (rel[0]["blocked_by"] == false).then_some(())
    })
    .await;
}
