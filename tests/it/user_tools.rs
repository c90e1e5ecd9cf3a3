//! Users' own moderation tools, through the client API: mutes (with and without
//! notifications, with an end, paged) and domain blocks (normalised, paged, severing
//! follows with another instance), and what they hide from the home and public
//! timelines, notifications, search and threads; the relationship fields they set.

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use starling_core::accounts::Role;
use starling_core::entities::mute;

use crate::federation::{address, eventually, url_escape};
use crate::support::{TestApp, User, link_rels};

async fn relationship(app: &TestApp, viewer: &User, id: &str) -> Value {
    app.get(
        &format!("/api/v1/accounts/relationships?id[]={id}"),
        Some(&viewer.token),
    )
    .await
    .expect(200)[0]
        .clone()
}

async fn mute(app: &TestApp, muter: &User, target_id: &str, body: Value) -> Value {
    app.post_json(
        &format!("/api/v1/accounts/{target_id}/mute"),
        Some(&muter.token),
        body,
    )
    .await
    .expect(200)
}

async fn unmute(app: &TestApp, muter: &User, target_id: &str) -> Value {
    app.post_json(
        &format!("/api/v1/accounts/{target_id}/unmute"),
        Some(&muter.token),
        json!({}),
    )
    .await
    .expect(200)
}

/// The `content` of each status of a timeline (boosts: the boosted content, marked).
async fn contents(app: &TestApp, path: &str, token: Option<&str>) -> Vec<String> {
    app.get(path, token)
        .await
        .expect(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|s| match s["reblog"].as_object() {
            Some(r) => format!("boost:{}", r["content"].as_str().unwrap()),
            None => s["content"].as_str().unwrap().to_owned(),
        })
        .collect()
}

fn has(list: &[String], needle: &str) -> bool {
    list.iter().any(|c| c.contains(needle))
}

/// `(type, sender acct)` of each notification of `user`.
async fn notifications(app: &TestApp, user: &User) -> Vec<(String, String)> {
    app.get("/api/v1/notifications", Some(&user.token))
        .await
        .expect(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["type"].as_str().unwrap().to_owned(),
                n["account"]["acct"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn search_accounts(app: &TestApp, viewer: &User, q: &str) -> usize {
    app.get(
        &format!("/api/v2/search?q={}&type=accounts", url_escape(q)),
        Some(&viewer.token),
    )
    .await
    .expect(200)["accounts"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_muted_account_leaves_home_public_notifications_search_and_threads_until_unmuted() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let erin = app.user("erin").await;
    app.follow(&alice, &bob).await;
    app.follow(&alice, &carol).await;

    let root = app.post_status(&bob, "bob speaks").await;
    let root_id = root["id"].as_str().unwrap();
    // Alice does not follow erin: erin's post reaches her only as carol's boost.
    let erins = app.post_status(&erin, "erin speaks").await;
    app.post_json(
        &format!("/api/v1/statuses/{}/reblog", erins["id"].as_str().unwrap()),
        Some(&carol.token),
        json!({}),
    )
    .await
    .expect(200);
    let reply = app
        .post_status_json(
            &carol,
            json!({"status": "@bob carol answers", "in_reply_to_id": root_id}),
        )
        .await;
    app.post_status(&carol, "carol alone").await;
    app.post_status(&bob, "@alice hello from bob").await;
    let home = contents(&app, "/api/v1/timelines/home", Some(&alice.token)).await;
    assert!(
        has(&home, "bob speaks") && has(&home, "boost:<p>erin speaks"),
        "{home:?}"
    );
    assert!(has(&home, "carol answers"), "{home:?}");
    assert!(
        notifications(&app, &alice)
            .await
            .contains(&("mention".into(), "bob".into()))
    );

    let rel = mute(&app, &alice, &bob.id, json!({})).await;
    assert_eq!(rel["id"], bob.id.as_str());
    assert_eq!(rel["muting"], true);
    assert_eq!(rel["muting_notifications"], true);
    assert_eq!(rel["following"], true, "a mute leaves the follow alone");
    // Bob cannot tell.
    assert_eq!(relationship(&app, &bob, &alice.id).await["muting"], false);
    mute(&app, &alice, &erin.id, json!({})).await;

    // Home: bob's posts, carol's reply mentioning him, carol's boost of erin are gone.
    let home = contents(&app, "/api/v1/timelines/home", Some(&alice.token)).await;
    assert!(!has(&home, "bob"), "{home:?}");
    assert_eq!(home, vec!["<p>carol alone</p>".to_string()]);
    // Public: gone for alice, there for everyone else.
    let public = contents(&app, "/api/v1/timelines/public", Some(&alice.token)).await;
    assert!(
        !has(&public, "bob speaks") && has(&public, "carol alone"),
        "{public:?}"
    );
    let anonymous = contents(&app, "/api/v1/timelines/public", None).await;
    assert!(has(&anonymous, "bob speaks"));
    // Notifications, search, threads.
    assert!(
        !notifications(&app, &alice)
            .await
            .iter()
            .any(|(_, from)| from == "bob")
    );
    assert_eq!(search_accounts(&app, &alice, "bob").await, 0);
    assert_eq!(search_accounts(&app, &carol, "bob").await, 1);
    let reply_id = reply["id"].as_str().unwrap();
    let context = |token: Option<String>| {
        let app = &app;
        async move {
            app.get(
                &format!("/api/v1/statuses/{reply_id}/context"),
                token.as_deref(),
            )
            .await
            .expect(200)["ancestors"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(context(Some(alice.token.clone())).await, 0);
    assert_eq!(context(None).await, 1);

    let list = app
        .get("/api/v1/mutes", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(
        TestApp::ids_of(&list),
        vec![erin.id.clone(), bob.id.clone()]
    );
    assert_eq!(list[1]["acct"], "bob");
    assert!(list[1]["mute_expires_at"].is_null(), "{list}");

    let rel = unmute(&app, &alice, &bob.id).await;
    assert_eq!(rel["muting"], false);
    assert_eq!(rel["muting_notifications"], false);
    let home = contents(&app, "/api/v1/timelines/home", Some(&alice.token)).await;
    assert!(has(&home, "bob speaks") && has(&home, "carol answers"));
    assert!(!has(&home, "erin speaks"), "erin is still muted: {home:?}");
    assert!(
        notifications(&app, &alice)
            .await
            .contains(&("mention".into(), "bob".into()))
    );
    let list = app
        .get("/api/v1/mutes", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&list), vec![erin.id.clone()]);
}

#[tokio::test]
async fn a_mute_without_notifications_keeps_them_and_an_expired_mute_counts_no_more() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    app.follow(&alice, &bob).await;
    app.post_status(&bob, "@alice still here").await;

    let rel = mute(
        &app,
        &alice,
        &bob.id,
        json!({"notifications": false, "duration": 3600}),
    )
    .await;
    assert_eq!(rel["muting"], true);
    assert_eq!(rel["muting_notifications"], false);
    assert!(
        notifications(&app, &alice)
            .await
            .contains(&("mention".into(), "bob".into()))
    );
    let home = contents(&app, "/api/v1/timelines/home", Some(&alice.token)).await;
    assert!(!has(&home, "still here"), "the posts are hidden: {home:?}");
    let list = app
        .get("/api/v1/mutes", Some(&alice.token))
        .await
        .expect(200);
    let ends: DateTime<Utc> = list[0]["mute_expires_at"]
        .as_str()
        .expect("an end")
        .parse()
        .unwrap();
    let expected = Utc::now() + Duration::hours(1);
    assert!((ends - expected).num_seconds().abs() < 120, "{ends}");

    // Muting again changes the options: notifications hidden, no end.
    let rel = mute(&app, &alice, &bob.id, json!({"notifications": "true"})).await;
    assert_eq!(rel["muting_notifications"], true);
    assert!(
        notifications(&app, &alice).await.is_empty(),
        "hidden with the mute"
    );
    let list = app
        .get("/api/v1/mutes", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0]["mute_expires_at"].is_null());
    // What comes while notifications are muted is not sent at all.
    app.post_status(&bob, "@alice during the mute").await;

    // The mute's end passes (set in the database rather than waited for).
    mute::Entity::update_many()
        .col_expr(
            mute::Column::ExpiresAt,
            Expr::value(Some(Utc::now() - Duration::minutes(1))),
        )
        .filter(mute::Column::AccountId.eq(alice.id.parse::<i64>().unwrap()))
        .exec(&app.inst.store.write)
        .await
        .unwrap();
    let rel = relationship(&app, &alice, &bob.id).await;
    assert_eq!(rel["muting"], false);
    assert_eq!(rel["muting_notifications"], false);
    assert_eq!(
        app.get("/api/v1/mutes", Some(&alice.token))
            .await
            .expect(200),
        json!([])
    );
    let home = contents(&app, "/api/v1/timelines/home", Some(&alice.token)).await;
    assert!(has(&home, "still here"));
    // The mention from before the mute shows again; the one during it was never sent.
    assert_eq!(
        notifications(&app, &alice).await,
        [("mention".to_string(), "bob".to_string())]
    );
}

#[tokio::test]
async fn what_a_blocked_account_does_meanwhile_is_not_notified_after_the_block() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    app.post_json(
        &format!("/api/v1/accounts/{}/block", bob.id),
        Some(&alice.token),
        json!({}),
    )
    .await
    .expect(200);
    app.post_status(&bob, "@alice @carol while blocked").await;
    assert_eq!(
        notifications(&app, &carol).await,
        [("mention".to_string(), "bob".to_string())],
        "others are notified"
    );
    app.post_json(
        &format!("/api/v1/accounts/{}/unblock", bob.id),
        Some(&alice.token),
        json!({}),
    )
    .await
    .expect(200);
    assert!(notifications(&app, &alice).await.is_empty());
    app.post_status(&bob, "@alice after the block").await;
    assert_eq!(
        notifications(&app, &alice).await,
        [("mention".to_string(), "bob".to_string())]
    );
}

#[tokio::test]
async fn mutes_refuse_bad_input_and_check_their_scope() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let reader = app.user_with_scopes("reader", Role::User, "read").await;
    let follow_scope = app.user_with_scopes("follower", Role::User, "follow").await;
    let path = format!("/api/v1/accounts/{}/mute", bob.id);
    let error = app
        .post_json(&path, Some(&alice.token), json!({"duration": -5}))
        .await
        .expect_error(422);
    assert!(error.contains("duration"), "{error}");
    app.post_json(&path, Some(&alice.token), json!({"duration": "soon"}))
        .await
        .expect_error(400);
    app.post_json(
        &format!("/api/v1/accounts/{}/mute", alice.id),
        Some(&alice.token),
        json!({}),
    )
    .await
    .expect_error(422);
    app.post_json(
        "/api/v1/accounts/999999999/mute",
        Some(&alice.token),
        json!({}),
    )
    .await
    .expect_error(404);
    app.post_json(
        "/api/v1/accounts/nope/unmute",
        Some(&alice.token),
        json!({}),
    )
    .await
    .expect_error(404);
    app.post_json(&path, None, json!({}))
        .await
        .expect_error(401);
    app.post_json(&path, Some(&reader.token), json!({}))
        .await
        .expect_error(403);
    // `follow` covers mutes, as in Mastodon.
    mute(&app, &follow_scope, &bob.id, json!({})).await;
    let list = app
        .get("/api/v1/mutes", Some(&follow_scope.token))
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&list), vec![bob.id.clone()]);
    assert!(
        app.get("/api/v1/mutes", Some(&alice.token))
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing half-written by the refused requests"
    );
}

#[tokio::test]
async fn the_mute_list_pages_newest_first_with_link_headers() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let mut muted = Vec::new();
    for name in ["m1", "m2", "m3"] {
        let user = app.user(name).await;
        mute(&app, &alice, &user.id, json!({})).await;
        muted.push(user.id);
    }
    let first = app.get("/api/v1/mutes?limit=2", Some(&alice.token)).await;
    let link = first.header("link").expect("a Link header").to_owned();
    let page = first.expect(200);
    assert_eq!(
        TestApp::ids_of(&page),
        vec![muted[2].clone(), muted[1].clone()]
    );
    let (next, prev) = link_rels(&link);
    assert!(prev.unwrap().contains("since_id="));
    let next = next.expect("a next link on a full page");
    let path = next.trim_start_matches(&app.base).to_owned();
    let second = app.get(&path, Some(&alice.token)).await.expect(200);
    assert_eq!(TestApp::ids_of(&second), vec![muted[0].clone()]);
}

async fn domain_blocks(app: &TestApp, user: &User) -> Vec<String> {
    app.get("/api/v1/domain_blocks", Some(&user.token))
        .await
        .expect(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn domain_blocks_are_normalised_listed_paged_and_lifted() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let reader = app.user_with_scopes("reader", Role::User, "read").await;
    for domain in ["Evil.Example.", "bücher.example", "evil.example"] {
        app.post_form(
            "/api/v1/domain_blocks",
            Some(&alice.token),
            &[("domain", domain)],
        )
        .await
        .expect(200);
    }
    assert_eq!(
        domain_blocks(&app, &alice).await,
        vec!["xn--bcher-kva.example", "evil.example"],
        "stored once each, normalised, newest first"
    );
    let first = app
        .get("/api/v1/domain_blocks?limit=1", Some(&alice.token))
        .await;
    let (next, _) = link_rels(first.header("link").expect("Link"));
    assert_eq!(first.expect(200), json!(["xn--bcher-kva.example"]));
    let rest = app
        .get(
            next.unwrap().trim_start_matches(&app.base),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(rest, json!(["evil.example"]));

    for bad in [
        "",
        "https://evil.example/about",
        "*.evil.example",
        app.inst.domain(),
    ] {
        let error = app
            .post_form(
                "/api/v1/domain_blocks",
                Some(&alice.token),
                &[("domain", bad)],
            )
            .await
            .expect_error(422);
        assert!(!error.is_empty());
    }
    app.post_json("/api/v1/domain_blocks", Some(&alice.token), json!({}))
        .await
        .expect_error(422);
    app.post_form(
        "/api/v1/domain_blocks",
        Some(&reader.token),
        &[("domain", "other.example")],
    )
    .await
    .expect_error(403);
    assert_eq!(domain_blocks(&app, &reader).await, Vec::<String>::new());

    // Lifting, named in any form; lifting what is not blocked is no error.
    app.send(
        app.request(Method::DELETE, "/api/v1/domain_blocks", Some(&alice.token))
            .form(&[("domain", "EVIL.example")]),
    )
    .await
    .expect(200);
    app.delete(
        "/api/v1/domain_blocks?domain=never.example",
        Some(&alice.token),
    )
    .await
    .expect(200);
    assert_eq!(
        domain_blocks(&app, &alice).await,
        vec!["xn--bcher-kva.example"]
    );
}

#[tokio::test]
async fn blocking_a_domain_severs_follows_with_it_and_hides_it() {
    let alpha = TestApp::start().await;
    let beta = TestApp::start().await;
    let alice = alpha.user("alice").await;
    let carol = alpha.user("carol").await;
    let bob = beta.user("bob").await;
    let bob_addr = address(&beta, &bob);

    let bob_id = alpha.follow_remote(&alice, &bob_addr).await;
    alpha.follow_remote(&carol, &bob_addr).await;
    beta.follow_remote(&bob, &address(&alpha, &alice)).await;
    let post = beta.post_status(&bob, "news from beta").await;
    alpha
        .await_in_home(&alice, post["uri"].as_str().unwrap())
        .await;
    beta.post_status(&bob, &format!("@{} hi alice", address(&alpha, &alice)))
        .await;
    eventually("bob's mention at alpha", || async {
        notifications(&alpha, &alice)
            .await
            .contains(&("mention".into(), bob_addr.clone()))
            .then_some(())
    })
    .await;

    alpha
        .post_form(
            "/api/v1/domain_blocks",
            Some(&alice.token),
            &[("domain", beta.inst.domain())],
        )
        .await
        .expect(200);
    let rel = relationship(&alpha, &alice, &bob_id).await;
    assert_eq!(rel["domain_blocking"], true);
    assert_eq!(rel["following"], false);
    assert_eq!(rel["followed_by"], false);
    assert_eq!(
        relationship(&alpha, &carol, &bob_id).await["domain_blocking"],
        false
    );
    // Beta hears of both: bob no longer follows alice, nor is followed by her.
    eventually("beta to drop both follows", || async {
        let following = beta
            .get(
                &format!("/api/v1/accounts/{}/following", bob.id),
                Some(&bob.token),
            )
            .await
            .expect(200);
        let followers = beta
            .get(
                &format!("/api/v1/accounts/{}/followers", bob.id),
                Some(&bob.token),
            )
            .await
            .expect(200);
        let followers: Vec<&str> = followers
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["acct"].as_str().unwrap())
            .collect();
        (following.as_array().unwrap().is_empty()
            && followers == vec![address(&alpha, &carol).as_str()])
        .then_some(())
    })
    .await;

    // Hidden from alice, not from carol.
    assert!(notifications(&alpha, &alice).await.is_empty());
    let mine = contents(&alpha, "/api/v1/timelines/home", Some(&alice.token)).await;
    assert!(!has(&mine, "news from beta"), "{mine:?}");
    let public = contents(&alpha, "/api/v1/timelines/public", Some(&alice.token)).await;
    assert!(!has(&public, "news from beta"), "{public:?}");
    let theirs = contents(&alpha, "/api/v1/timelines/public", Some(&carol.token)).await;
    assert!(has(&theirs, "news from beta"), "{theirs:?}");
    assert_eq!(search_accounts(&alpha, &alice, &bob_addr).await, 0);
    assert_eq!(search_accounts(&alpha, &carol, &bob_addr).await, 1);

    // A new follow from the blocked domain is rejected.
    let alice_on_beta = beta.resolve_account(&bob, &address(&alpha, &alice)).await;
    beta.post_json(
        &format!("/api/v1/accounts/{alice_on_beta}/follow"),
        Some(&bob.token),
        json!({}),
    )
    .await
    .expect(200);
    eventually("the Reject to reach beta", || async {
        let rel = relationship(&beta, &bob, &alice_on_beta).await;
        (rel["requested"] == false && rel["following"] == false).then_some(())
    })
    .await;
    assert_eq!(
        relationship(&alpha, &alice, &bob_id).await["followed_by"],
        false
    );
}

#[tokio::test]
async fn a_block_hides_both_ways_in_public_timelines_notifications_search_and_threads() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let root = app.post_status(&alice, "alice posts").await;
    let reply = app
        .post_status_json(
            &bob,
            json!({"status": "@alice bob replies", "in_reply_to_id": root["id"]}),
        )
        .await;
    app.post_status(&bob, "bob posts").await;
    assert!(
        notifications(&app, &alice)
            .await
            .contains(&("mention".into(), "bob".into()))
    );

    app.post_json(
        &format!("/api/v1/accounts/{}/block", bob.id),
        Some(&alice.token),
        json!({}),
    )
    .await
    .expect(200);
    let hers = contents(&app, "/api/v1/timelines/public", Some(&alice.token)).await;
    assert_eq!(hers, vec!["<p>alice posts</p>".to_string()]);
    let his = contents(&app, "/api/v1/timelines/public", Some(&bob.token)).await;
    assert_eq!(his, vec!["<p>bob posts</p>".to_string()], "blocked by her");
    assert!(notifications(&app, &alice).await.is_empty());
    assert_eq!(search_accounts(&app, &alice, "bob").await, 0);
    assert_eq!(search_accounts(&app, &bob, "alice").await, 0);
    let context = app
        .get(
            &format!("/api/v1/statuses/{}/context", root["id"].as_str().unwrap()),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(context["descendants"], json!([]), "{context}");
    let anonymous = app
        .get(
            &format!("/api/v1/statuses/{}/context", root["id"].as_str().unwrap()),
            None,
        )
        .await
        .expect(200);
    assert_eq!(anonymous["descendants"][0]["id"], reply["id"]);
}
