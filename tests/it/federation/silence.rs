//! Silence (Mastodon's "Limit"), of a whole domain by alpha's admins or of one account
//! by its moderators: the limited accounts are seen only by those who follow them.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use starling_core::accounts::Role;
use starling_core::entities::{account, notification, status};

use super::{address, eventually, url_escape};
use crate::support::{TestApp, User};

/// The `uri` of each status of a timeline.
async fn uris(app: &TestApp, path: &str, token: Option<&str>) -> Vec<String> {
    app.get(path, token)
        .await
        .expect(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["uri"].as_str().unwrap().to_owned())
        .collect()
}

async fn search(app: &TestApp, viewer: &User, q: &str, kind: &str) -> Vec<Value> {
    app.get(
        &format!(
            "/api/v2/search?q={}&type={kind}&resolve=true",
            url_escape(q)
        ),
        Some(&viewer.token),
    )
    .await
    .expect(200)[kind]
        .as_array()
        .unwrap()
        .clone()
}

fn uri_of(post: &Value) -> String {
    post["uri"].as_str().unwrap().to_owned()
}

/// Waits until alpha stores the post `uri` and has written `recipient`'s notification
/// of it, so that its absence from the API is the filter's doing.
async fn await_stored_notification(alpha: &TestApp, recipient: &User, uri: &str) {
    let recipient_id: i64 = recipient.id.parse().unwrap();
    eventually(&format!("{uri} and its notification at alpha"), || async {
        let s = status::Entity::find()
            .filter(status::Column::Uri.eq(uri))
            .one(&alpha.inst.store.read)
            .await
            .unwrap()?;
        notification::Entity::find()
            .filter(notification::Column::AccountId.eq(recipient_id))
            .filter(notification::Column::StatusId.eq(s.id))
            .one(&alpha.inst.store.read)
            .await
            .unwrap()
            .map(|_| ())
    })
    .await;
}

async fn mentions_from(app: &TestApp, user: &User, acct: &str) -> usize {
    app.notifications(user)
        .await
        .iter()
        .filter(|n| n["type"] == "mention" && n["account"]["acct"] == acct)
        .count()
}

#[tokio::test]
async fn a_silenced_domain_is_seen_only_by_its_followers() {
    let alpha = TestApp::start().await;
    let beta = TestApp::start().await;
    let gamma = TestApp::start().await;
    let root = alpha
        .user_with_scopes("root", Role::Admin, "read write admin:read admin:write")
        .await;
    let alice = alpha.user("alice").await;
    let dan = alpha.user("dan").await;
    let bob = beta.user("bob").await;
    let erin = beta.user("erin").await;
    let gus = gamma.user("gus").await;
    let (bob_addr, erin_addr, gus_addr) = (
        address(&beta, &bob),
        address(&beta, &erin),
        address(&gamma, &gus),
    );
    let dan_addr = address(&alpha, &dan);
    alpha.follow_remote(&alice, &bob_addr).await;
    alpha.follow_remote(&alice, &gus_addr).await;

    alpha
        .post_json(
            "/api/v1/admin/domain_blocks",
            Some(&root.token),
            json!({"domain": beta.inst.domain(), "severity": "silence"}),
        )
        .await
        .expect(200);

    let beta_post = beta.post_status(&bob, "limited news #starling").await;
    let gamma_post = gamma.post_status(&gus, "open news #starling").await;
    // A follower still sees the silenced domain's posts, in home and public timelines.
    alpha.await_in_home(&alice, &uri_of(&beta_post)).await;
    alpha.await_in_home(&alice, &uri_of(&gamma_post)).await;
    let followers_view = uris(&alpha, "/api/v1/timelines/public", Some(&alice.token)).await;
    assert!(followers_view.contains(&uri_of(&beta_post)));
    // Everyone else: not in the public or hashtag timelines, and not in search.
    for path in [
        "/api/v1/timelines/public",
        "/api/v1/timelines/public?remote=true",
        "/api/v1/timelines/tag/starling",
    ] {
        for token in [Some(dan.token.as_str()), None] {
            let seen = uris(&alpha, path, token).await;
            assert!(!seen.contains(&uri_of(&beta_post)), "{path}: {seen:?}");
            assert!(seen.contains(&uri_of(&gamma_post)), "{path}: {seen:?}");
        }
    }
    assert!(
        search(&alpha, &dan, &uri_of(&beta_post), "statuses")
            .await
            .is_empty()
    );
    assert_eq!(
        search(&alpha, &alice, &uri_of(&beta_post), "statuses")
            .await
            .len(),
        1
    );
    assert_eq!(
        search(&alpha, &dan, &uri_of(&gamma_post), "statuses")
            .await
            .len(),
        1
    );
    assert!(search(&alpha, &dan, &bob_addr, "accounts").await.is_empty());
    assert_eq!(search(&alpha, &alice, &bob_addr, "accounts").await.len(), 1);
    assert_eq!(search(&alpha, &dan, &gus_addr, "accounts").await.len(), 1);

    // A new follow from the silenced domain of an unlocked account is only a request.
    let dan_on_beta = beta.resolve_account(&erin, &dan_addr).await;
    beta.post_json(
        &format!("/api/v1/accounts/{dan_on_beta}/follow"),
        Some(&erin.token),
        json!({}),
    )
    .await
    .expect(200);
    let requests = eventually("erin's follow request at alpha", || async {
        let list = alpha
            .get("/api/v1/follow_requests", Some(&dan.token))
            .await
            .expect(200);
        (!list.as_array().unwrap().is_empty()).then_some(list)
    })
    .await;
    assert_eq!(requests[0]["acct"], erin_addr);
    let followers = alpha
        .get(
            &format!("/api/v1/accounts/{}/followers", dan.id),
            Some(&dan.token),
        )
        .await
        .expect(200);
    assert_eq!(followers, json!([]), "not followed until dan says so");

    // Mentions from an unfollowed silenced account are not shown; from a followed one
    // and from gamma they are.
    let from_erin = beta
        .post_status(&erin, &format!("@{dan_addr} hello from a limited place"))
        .await;
    await_stored_notification(&alpha, &dan, &uri_of(&from_erin)).await;
    assert_eq!(mentions_from(&alpha, &dan, &erin_addr).await, 0);
    let alice_addr = address(&alpha, &alice);
    let from_bob = beta
        .post_status(&bob, &format!("@{alice_addr} hello follower"))
        .await;
    await_stored_notification(&alpha, &alice, &uri_of(&from_bob)).await;
    assert_eq!(mentions_from(&alpha, &alice, &bob_addr).await, 1);
    gamma.resolve_account(&gus, &dan_addr).await;
    let from_gus = gamma
        .post_status(&gus, &format!("@{dan_addr} hello from gamma"))
        .await;
    await_stored_notification(&alpha, &dan, &uri_of(&from_gus)).await;
    assert_eq!(mentions_from(&alpha, &dan, &gus_addr).await, 1);
    // The follow request itself waits in the list; its notification is filtered too.
    assert!(
        !alpha
            .notifications(&dan)
            .await
            .iter()
            .any(|n| n["account"]["acct"] == erin_addr)
    );

    // Lifting the silence lets everyone see the domain again.
    let blocks = alpha
        .get("/api/v1/admin/domain_blocks", Some(&root.token))
        .await
        .expect(200);
    let id = blocks[0]["id"].as_str().unwrap();
    alpha
        .delete(
            &format!("/api/v1/admin/domain_blocks/{id}"),
            Some(&root.token),
        )
        .await
        .expect(200);
    let seen = uris(&alpha, "/api/v1/timelines/public", Some(&dan.token)).await;
    assert!(seen.contains(&uri_of(&beta_post)), "{seen:?}");
    assert_eq!(mentions_from(&alpha, &dan, &erin_addr).await, 1);
}

#[tokio::test]
async fn a_silenced_account_is_seen_only_by_its_followers() {
    let app = TestApp::start().await;
    let loud = app.user("loud").await;
    let alice = app.user("alice").await;
    let dan = app.user("dan").await;
    app.follow(&alice, &loud).await;
    let post = app.post_status(&loud, "from a limited account").await;
    app.post_status(&loud, "@dan unasked").await;
    app.post_status(&loud, "@alice asked").await;
    // As a moderator's `silence` account action leaves it.
    account::Entity::update_many()
        .col_expr(
            account::Column::SilencedAt,
            Expr::value(Some(chrono::Utc::now())),
        )
        .filter(account::Column::Id.eq(loud.id.parse::<i64>().unwrap()))
        .exec(&app.inst.store.write)
        .await
        .unwrap();

    let shown = uris(
        &app,
        "/api/v1/timelines/public?local=true",
        Some(&alice.token),
    )
    .await;
    assert!(shown.contains(&uri_of(&post)));
    for token in [Some(dan.token.as_str()), None] {
        let seen = uris(&app, "/api/v1/timelines/public?local=true", token).await;
        assert!(!seen.contains(&uri_of(&post)), "{seen:?}");
    }
    let own = uris(&app, "/api/v1/timelines/public", Some(&loud.token)).await;
    assert!(own.contains(&uri_of(&post)), "its own posts stay");
    assert_eq!(mentions_from(&app, &dan, "loud").await, 0);
    assert_eq!(mentions_from(&app, &alice, "loud").await, 1);
    let found = app
        .get("/api/v2/search?q=loud&type=accounts", Some(&dan.token))
        .await
        .expect(200);
    assert_eq!(found["accounts"], json!([]));
    let found = app
        .get("/api/v2/search?q=loud&type=accounts", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(found["accounts"][0]["limited"], true);

    // A new follow by the limited account is a request, even of an unlocked account.
    let rel = app
        .post_json(
            &format!("/api/v1/accounts/{}/follow", dan.id),
            Some(&loud.token),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(rel["following"], false);
    assert_eq!(rel["requested"], true);
}
