//! What suspending a domain does to what an instance holds: alpha suspends beta, so the
//! follows between them are severed (and the users told), beta's cached accounts and
//! posts are purged from alpha; gamma is unaffected. Lifting the block lets beta
//! federate again, without bringing back what was purged.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use starling_core::accounts::Role;
use starling_core::entities::{account, status};
use starling_core::moderation::csv;
use starling_core::moderation::effects::{Direction, SeveredFollow};

use super::{address, eventually};
use crate::support::{TestApp, User};

async fn cached_statuses_of(app: &TestApp, domain: &str) -> u64 {
    let ids: Vec<i64> = account::Entity::find()
        .filter(account::Column::Domain.eq(domain))
        .all(&app.inst.store.read)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    status::Entity::find()
        .filter(status::Column::AccountId.is_in(ids))
        .count(&app.inst.store.read)
        .await
        .unwrap()
}

async fn relationship(app: &TestApp, viewer: &User, id: &str) -> Value {
    app.get(
        &format!("/api/v1/accounts/relationships?id[]={id}"),
        Some(&viewer.token),
    )
    .await
    .expect(200)[0]
        .clone()
}

#[tokio::test]
async fn suspending_a_domain_severs_follows_tells_the_users_and_purges_its_content() {
    let alpha = TestApp::start().await;
    let beta = TestApp::start().await;
    let gamma = TestApp::start().await;
    let root = alpha
        .user_with_scopes("root", Role::Admin, "read write admin:read admin:write")
        .await;
    let alice = alpha.user("alice").await;
    let carol = alpha.user("carol").await;
    let bob = beta.user("bob").await;
    let bea = beta.user("bea").await;
    let gus = gamma.user("gus").await;
    let beta_domain = beta.inst.domain().to_owned();

    // alice follows bob, bea follows alice, carol follows gus on gamma.
    let bob_id = alpha.follow_remote(&alice, &address(&beta, &bob)).await;
    beta.follow_remote(&bea, &address(&alpha, &alice)).await;
    let gus_id = alpha.follow_remote(&carol, &address(&gamma, &gus)).await;
    let bobs = beta.post_status(&bob, "bob, before the block").await;
    let seen = alpha
        .await_in_home(&alice, bobs["uri"].as_str().unwrap())
        .await;
    let seen_id = seen["id"].as_str().unwrap().to_owned();
    assert!(cached_statuses_of(&alpha, &beta_domain).await > 0);

    // A dry run of the import that suspends beta names what it would sever.
    let entries = csv::parse(
        format!("#domain,#severity\n{beta_domain},suspend\n").as_bytes(),
        true,
    )
    .unwrap();
    let plan = starling_core::moderation::blocks::plan_import(&alpha.inst, entries)
        .await
        .unwrap();
    assert_eq!(
        plan.severed,
        vec![
            SeveredFollow {
                local: "alice".into(),
                remote: address(&beta, &bea),
                direction: Direction::Follower,
            },
            SeveredFollow {
                local: "alice".into(),
                remote: address(&beta, &bob),
                direction: Direction::Following,
            },
        ]
    );
    assert_eq!(
        relationship(&alpha, &alice, &bob_id).await["following"],
        true,
        "a dry run changes nothing"
    );

    alpha
        .post_json(
            "/api/v1/admin/domain_blocks",
            Some(&root.token),
            json!({"domain": beta_domain, "severity": "suspend"}),
        )
        .await
        .expect(200);

    // alice is told what she lost, in Mastodon's shape; carol lost nothing.
    let told = alpha
        .await_notification(&alice, "severed_relationships")
        .await;
    assert_eq!(told["account"]["id"], alice.id, "{told}");
    let event = &told["event"];
    assert_eq!(event["type"], "domain_block", "{told}");
    assert_eq!(event["target_name"], beta_domain.as_str());
    assert_eq!(event["following_count"], 1);
    assert_eq!(event["followers_count"], 1);
    assert_eq!(event["purged"], false);
    assert!(event["id"].is_string() && event["created_at"].is_string());
    assert!(
        !alpha
            .notifications(&carol)
            .await
            .iter()
            .any(|n| n["type"] == "severed_relationships")
    );

    // The follows are gone both ways, with the counters.
    assert_eq!(
        relationship(&alpha, &alice, &bob_id).await["following"],
        false
    );
    let me = alpha
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(me["following_count"], 0, "{me}");
    assert_eq!(me["followers_count"], 0, "{me}");

    // beta's cached content is gone from alpha: the post, the home timeline entry, the
    // profile; the account row stays, suspended.
    assert_eq!(cached_statuses_of(&alpha, &beta_domain).await, 0);
    alpha
        .get(&format!("/api/v1/statuses/{seen_id}"), Some(&alice.token))
        .await
        .expect_error(404);
    assert!(
        !alpha
            .home(&alice)
            .await
            .iter()
            .any(|s| s["uri"] == bobs["uri"])
    );
    let bob_row = account::Entity::find_by_id(bob_id.parse::<i64>().unwrap())
        .one(&alpha.inst.store.read)
        .await
        .unwrap()
        .unwrap();
    assert!(bob_row.suspended_at.is_some());
    assert_eq!(bob_row.display_name, "");
    let peers = alpha.get("/api/v1/instance/peers", None).await.expect(200);
    assert!(
        !peers
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == beta_domain.as_str()),
        "{peers}"
    );

    // gamma is unaffected: carol still follows gus and gets his posts.
    assert_eq!(
        relationship(&alpha, &carol, &gus_id).await["following"],
        true
    );
    let guss = gamma.post_status(&gus, "gus, after the block").await;
    alpha
        .await_in_home(&carol, guss["uri"].as_str().unwrap())
        .await;

    // Another run of the effects finds nothing left to do.
    let again = starling_core::moderation::effects::enforce(&alpha.inst)
        .await
        .unwrap();
    assert_eq!(again, Default::default());

    // Lifting the block: bob's account is usable again and alice can follow him anew;
    // what was purged stays purged.
    let block_id = alpha
        .get("/api/v1/admin/domain_blocks", Some(&root.token))
        .await
        .expect(200)[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    alpha
        .delete(
            &format!("/api/v1/admin/domain_blocks/{block_id}"),
            Some(&root.token),
        )
        .await
        .expect(200);
    let bob_row = account::Entity::find_by_id(bob_id.parse::<i64>().unwrap())
        .one(&alpha.inst.store.read)
        .await
        .unwrap()
        .unwrap();
    assert!(bob_row.suspended_at.is_none(), "unsuspended with the block");
    alpha
        .get(&format!("/api/v1/statuses/{seen_id}"), Some(&alice.token))
        .await
        .expect_error(404);
    assert_eq!(
        alpha.follow_remote(&alice, &address(&beta, &bob)).await,
        bob_id
    );
    let after = beta.post_status(&bob, "bob, after the block").await;
    alpha
        .await_in_home(&alice, after["uri"].as_str().unwrap())
        .await;
    eventually("the audit log of both", || async {
        let log = starling_core::moderation::blocks::audit_log(&alpha.inst, 50)
            .await
            .unwrap();
        let has = |action: &str| log.iter().any(|l| l.action == action);
        (has("domain_block.enforce_suspension") && has("domain_block.lift_suspension"))
            .then_some(())
    })
    .await;
}
