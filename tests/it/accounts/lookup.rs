//! Looking accounts up by id and by `acct`.

use serde_json::json;

use super::assert_midnight_timestamp;
use crate::support::TestApp;

#[tokio::test]
async fn show_account_by_id() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let shown = app
        .get(&format!("/api/v1/accounts/{}", alice.id), None)
        .await
        .expect(200);
    assert_eq!(shown["id"], alice.id.as_str());
    assert_eq!(shown["username"], "alice");
    assert_eq!(shown["acct"], "alice");
    assert_midnight_timestamp(&shown["created_at"]);
    assert!(shown.get("source").is_none());
    assert!(shown.get("role").is_none());
    // Signed in, the same entity.
    let as_bob = app
        .get(&format!("/api/v1/accounts/{}", alice.id), Some(&bob.token))
        .await
        .expect(200);
    assert_eq!(as_bob, shown);

    for id in ["1", "999999999999", "not-an-id"] {
        let reply = app.get(&format!("/api/v1/accounts/{id}"), None).await;
        assert_eq!(reply.status.as_u16(), 404, "{id}: {}", reply.text);
        assert_eq!(reply.json, json!({"error": "Record not found"}));
    }
    // A bad token is not ignored.
    app.get(&format!("/api/v1/accounts/{}", alice.id), Some("garbage"))
        .await
        .expect_error(401);
}

#[tokio::test]
async fn lookup_by_acct() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let domain = app.inst.domain().to_string();
    for acct in [
        "alice".to_string(),
        "@alice".to_string(),
        "ALICE".to_string(),
        format!("alice@{domain}"),
        format!("@alice@{domain}"),
    ] {
        let q = url::form_urlencoded::byte_serialize(acct.as_bytes()).collect::<String>();
        let found = app
            .get(&format!("/api/v1/accounts/lookup?acct={q}"), None)
            .await
            .expect(200);
        assert_eq!(found["id"], alice.id.as_str(), "{acct}");
        assert_eq!(found["acct"], "alice");
    }
    let reply = app.get("/api/v1/accounts/lookup?acct=nobody", None).await;
    assert_eq!(reply.status.as_u16(), 404);
    assert_eq!(reply.json, json!({"error": "Record not found"}));
    app.get("/api/v1/accounts/lookup?acct=alice@unknown.example", None)
        .await
        .expect_error(404);
}
