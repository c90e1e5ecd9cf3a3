//! Reports across instances: a report against a remote account, forwarded, reaches its
//! server as a `Flag` from the reporting server's instance actor (Mastodon's way), and
//! is filed there by that actor, with the statuses it names. (A domain blocked with
//! `reject_reports` dropping such `Flag`s is tested in `moderation.rs`.)

use serde_json::{Value, json};
use starling_core::accounts::Role;

use super::{address, eventually, url_escape};
use crate::support::{TestApp, User};

/// `bob`'s status `post` as alpha knows it: its local id there.
async fn remote_status_id(alpha: &TestApp, viewer: &User, post: &Value) -> String {
    let path = format!(
        "/api/v2/search?q={}&resolve=true&type=statuses",
        url_escape(post["uri"].as_str().unwrap())
    );
    let found = alpha.get(&path, Some(&viewer.token)).await.expect(200);
    assert_eq!(found["statuses"][0]["uri"], post["uri"], "{found}");
    found["statuses"][0]["id"].as_str().unwrap().to_string()
}

async fn moderator(app: &TestApp) -> User {
    app.user_with_scopes("mod", Role::Moderator, "admin:read:reports")
        .await
}

/// The open reports on `app`, once there is at least one.
async fn await_reports(app: &TestApp, staff: &User) -> Vec<Value> {
    eventually("a report to arrive", || async {
        let list = app
            .get("/api/v1/admin/reports", Some(&staff.token))
            .await
            .expect(200);
        let list = list.as_array().cloned().unwrap_or_default();
        (!list.is_empty()).then_some(list)
    })
    .await
}

#[tokio::test]
async fn a_forwarded_report_is_filed_by_the_reporting_instance_actor() {
    let alpha = TestApp::start().await;
    let beta = TestApp::start().await;
    let alice = alpha.user("alice").await;
    let bob = beta.user("bob").await;
    let staff = moderator(&beta).await;
    let post = beta.post_status(&bob, "something to report").await;
    let other = beta.post_status(&bob, "something else").await;
    let bob_on_alpha = alpha.resolve_account(&alice, &address(&beta, &bob)).await;
    let post_on_alpha = remote_status_id(&alpha, &alice, &post).await;
    remote_status_id(&alpha, &alice, &other).await;

    let filed = alpha
        .post_json(
            "/api/v1/reports",
            Some(&alice.token),
            json!({
                "account_id": bob_on_alpha,
                "status_ids": [post_on_alpha],
                "comment": "please have a look",
                "category": "spam",
                "forward": "true",
            }),
        )
        .await
        .expect(200);
    assert_eq!(filed["forwarded"], true);
    assert_eq!(filed["category"], "spam");
    assert_eq!(filed["target_account"]["acct"], address(&beta, &bob));

    let reports = await_reports(&beta, &staff).await;
    assert_eq!(reports.len(), 1, "{reports:?}");
    let r = &reports[0];
    // Filed by alpha's instance actor, not by alice, whom beta never hears of.
    assert_eq!(
        r["account"]["account"]["uri"],
        format!("{}/actor", alpha.base),
        "{r}"
    );
    assert_eq!(r["account"]["domain"], alpha.inst.domain());
    assert_eq!(r["target_account"]["id"], bob.id);
    assert_eq!(r["comment"], "please have a look");
    // Remote reports are `other` on the receiving side, as in Mastodon.
    assert_eq!(r["category"], "other");
    assert_eq!(r["forwarded"], false);
    let statuses: Vec<&Value> = r["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["id"])
        .collect();
    assert_eq!(statuses, [&post["id"]], "only the reported status: {r}");
}

#[tokio::test]
async fn only_reports_asked_to_be_forwarded_leave_the_instance() {
    let alpha = TestApp::start().await;
    let beta = TestApp::start().await;
    let alice = alpha.user("alice").await;
    let bob = beta.user("bob").await;
    let staff = moderator(&beta).await;
    let bob_on_alpha = alpha.resolve_account(&alice, &address(&beta, &bob)).await;
    let file = |body: Value| {
        let alpha = &alpha;
        let alice = &alice;
        async move {
            alpha
                .post_json("/api/v1/reports", Some(&alice.token), body)
                .await
                .expect(200)
        }
    };

    // Not forwarded: kept at home.
    let kept = file(json!({"account_id": bob_on_alpha, "comment": "kept here"})).await;
    assert_eq!(kept["forwarded"], false);
    let kept =
        file(json!({"account_id": bob_on_alpha, "comment": "kept too", "forward": false})).await;
    assert_eq!(kept["forwarded"], false);
    // Forwarded, but to other servers than bob's: not to bob's.
    let elsewhere = file(json!({
        "account_id": bob_on_alpha,
        "comment": "not for beta",
        "forward": true,
        "forward_to_domains": ["elsewhere.example"],
    }))
    .await;
    assert_eq!(elsewhere["forwarded"], false);
    // Forwarded to bob's server: the only one beta hears of (deliveries to one
    // server go out oldest first, so any earlier one would have come first).
    let sent = file(json!({
        "account_id": bob_on_alpha,
        "comment": "sent along",
        "forward": "1",
        "forward_to_domains": [beta.inst.domain()],
    }))
    .await;
    assert_eq!(sent["forwarded"], true);

    // At home, all four are kept, and found by the reported account's domain.
    let home_staff = moderator(&alpha).await;
    let list = |q: String| {
        let alpha = &alpha;
        let token = home_staff.token.clone();
        async move {
            let list = alpha
                .get(&format!("/api/v1/admin/reports?{q}"), Some(&token))
                .await
                .expect(200);
            list.as_array().unwrap().len()
        }
    };
    assert_eq!(
        list(format!("by_target_domain={}", beta.inst.domain())).await,
        4
    );
    assert_eq!(list("by_target_domain=elsewhere.example".into()).await, 0);
    assert_eq!(list("target_origin=remote".into()).await, 4);
    assert_eq!(list("target_origin=local".into()).await, 0);

    let reports = await_reports(&beta, &staff).await;
    let comments: Vec<&Value> = reports.iter().map(|r| &r["comment"]).collect();
    assert_eq!(comments, [&json!("sent along")]);
    assert_eq!(reports[0]["statuses"], json!([]));
}
