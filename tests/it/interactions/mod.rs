//! Favourites and boosts: `POST /api/v1/statuses/:id/favourite`, `/unfavourite`,
//! `/reblog`, `/unreblog`, `GET …/favourited_by`, `…/reblogged_by` and
//! `GET /api/v1/favourites` — counts, the viewer's marks, notifications, home feeds,
//! Mastodon's boosting rules, scopes, paging, the outbox events they write — and the
//! core functions the federation inbox calls for remote `Like`s and `Announce`s.

mod boosts;
mod favourites;
mod inbound;
mod outbox;
mod scopes;

use serde_json::{Value, json};
use starling_core::events::{self, Event};

use crate::support::{Reply, TestApp, User};

pub(super) async fn act(app: &TestApp, user: &User, id: &str, action: &str) -> Reply {
    app.post_json(
        &format!("/api/v1/statuses/{id}/{action}"),
        Some(&user.token),
        json!({}),
    )
    .await
}

pub(super) async fn status(app: &TestApp, id: &str, user: &User) -> Value {
    app.get(&format!("/api/v1/statuses/{id}"), Some(&user.token))
        .await
        .expect(200)
}

pub(super) async fn notifications(app: &TestApp, user: &User, kind: &str) -> Vec<Value> {
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

pub(super) async fn home(app: &TestApp, user: &User) -> Vec<Value> {
    app.get("/api/v1/timelines/home", Some(&user.token))
        .await
        .expect(200)
        .as_array()
        .unwrap()
        .clone()
}

/// The outbox events waiting, in order.
pub(super) async fn events(app: &TestApp) -> Vec<(i64, Event)> {
    events::take(&app.inst, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.expect("readable event"))
        .map(|e| (e.account_id, e.event))
        .collect()
}

pub(super) fn id(v: &Value) -> String {
    v["id"].as_str().expect("string id").to_string()
}

pub(super) fn num(s: &str) -> i64 {
    s.parse().unwrap()
}

pub(super) async fn post_private(app: &TestApp, user: &User, text: &str) -> Value {
    app.post_status_json(user, json!({ "status": text, "visibility": "private" }))
        .await
}
