//! Account actions across instances: a local account suspended on alpha is deleted
//! on the servers of its followers, and alpha forgets those follows too.

use serde_json::json;
use starling_core::accounts::Role;

use super::{address, eventually};
use crate::support::TestApp;

#[tokio::test]
async fn suspending_a_local_account_deletes_its_actor_on_its_followers_servers() {
    let alpha = TestApp::start().await;
    let beta = TestApp::start().await;
    let root = alpha
        .user_with_scopes("root", Role::Admin, "read write admin:read admin:write")
        .await;
    let alice = alpha.user("alice").await;
    let bob = beta.user("bob").await;
    let alice_on_beta = beta.follow_remote(&bob, &address(&alpha, &alice)).await;
    let post = alpha.post_status(&alice, "hello beta").await;
    let uri = post["uri"].as_str().unwrap().to_owned();
    beta.await_in_home(&bob, &uri).await;

    alpha
        .post_json(
            &format!("/api/v1/admin/accounts/{}/action", alice.id),
            Some(&root.token),
            json!({"type": "suspend", "text": "spam"}),
        )
        .await
        .expect(200);

    // Beta hears the `Delete` of the actor and drops the account and its posts.
    eventually("beta to drop alice", || async {
        let a = beta
            .get(
                &format!("/api/v1/accounts/{alice_on_beta}"),
                Some(&bob.token),
            )
            .await
            .expect(200);
        (a["suspended"] == true).then_some(())
    })
    .await;
    assert!(
        beta.home(&bob)
            .await
            .iter()
            .all(|s| s["uri"] != uri.as_str())
    );
    let rel = beta
        .get(
            &format!("/api/v1/accounts/relationships?id[]={alice_on_beta}"),
            Some(&bob.token),
        )
        .await
        .expect(200);
    assert_eq!(rel[0]["following"], false, "{rel}");

    // Alpha severed the remote follow on its side, as beta did.
    let me = alpha
        .get(
            &format!("/api/v1/admin/accounts/{}", alice.id),
            Some(&root.token),
        )
        .await
        .expect(200);
    assert_eq!(me["suspended"], true);
    assert_eq!(me["account"]["followers_count"], 0, "{me}");
}

#[tokio::test]
async fn a_suspended_remote_account_is_purged_and_refused_at_the_inbox() {
    use sea_orm::EntityTrait;
    use starling_federation::entities::federation_host;

    let alpha = TestApp::start().await;
    let beta = TestApp::start().await;
    let root = alpha
        .user_with_scopes("root", Role::Admin, "read write admin:read admin:write")
        .await;
    let alice = alpha.user("alice").await;
    let bob = beta.user("bob").await;
    let bob_on_alpha = alpha.follow_remote(&alice, &address(&beta, &bob)).await;
    let post = beta.post_status(&bob, "from beta").await;
    let uri = post["uri"].as_str().unwrap().to_owned();
    alpha.await_in_home(&alice, &uri).await;

    alpha
        .post_json(
            &format!("/api/v1/admin/accounts/{bob_on_alpha}/action"),
            Some(&root.token),
            json!({"type": "suspend"}),
        )
        .await
        .expect(200);
    // Its cached posts and follows are gone from alpha.
    assert!(
        alpha
            .home(&alice)
            .await
            .iter()
            .all(|s| s["uri"] != uri.as_str())
    );
    let rel = alpha
        .get(
            &format!("/api/v1/accounts/relationships?id[]={bob_on_alpha}"),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(rel[0]["following"], false, "{rel}");
    let listed = alpha
        .get(
            "/api/v2/admin/accounts?origin=remote&status=suspended",
            Some(&root.token),
        )
        .await
        .expect(200);
    assert_eq!(listed[0]["id"], bob_on_alpha.as_str(), "{listed}");
    assert_eq!(listed[0]["email"], serde_json::Value::Null);
    assert_eq!(listed[0]["role"], serde_json::Value::Null);

    // What bob sends now is refused at alpha's inbox: beta drops the delivery.
    let alice_on_beta = beta.resolve_account(&bob, &address(&alpha, &alice)).await;
    beta.post_json(
        &format!("/api/v1/accounts/{alice_on_beta}/follow"),
        Some(&bob.token),
        json!({}),
    )
    .await
    .expect(200);
    let alpha_host = alpha.inst.domain().to_owned();
    // (Refused for good: a 403 is not retried.)
    eventually("beta to drop its delivery to alpha", || async {
        federation_host::Entity::find_by_id(alpha_host.clone())
            .one(&beta.inst.store.read)
            .await
            .unwrap()
            .filter(|h| h.dropped_count > 0)
    })
    .await;
    let followers = alpha
        .get(
            &format!("/api/v1/accounts/{}/followers", alice.id),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(followers, json!([]));
}
