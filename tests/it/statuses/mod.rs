//! `POST /api/v1/statuses` and the status endpoints: the entity field for field,
//! visibility, content warnings, languages, replies, media, idempotency, form and JSON
//! bodies, the HTML of the content, who may read a status, deletion, threads, and an
//! account's statuses with their filters.

mod account_statuses;
mod content;
mod deletion;
mod posting;
mod threads;
mod visibility;

use serde_json::Value;

use crate::support::TestApp;

/// Mastodon's timestamps: `2026-11-28T14:00:00.000Z`.
#[track_caller]
pub(super) fn assert_timestamp(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    assert_eq!(s.len(), 24, "{s:?}");
    assert!(s.ends_with('Z'), "{s:?}");
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.3fZ")
        .unwrap_or_else(|e| panic!("{s:?}: {e}"));
}

/// Ids are strings of digits.
#[track_caller]
pub(super) fn assert_id(v: &Value) -> String {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("id is not a string: {v}"));
    assert!(
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()),
        "{s:?}"
    );
    s.to_string()
}

pub(super) async fn status_of(
    app: &TestApp,
    id: &str,
    token: Option<&str>,
) -> crate::support::Reply {
    app.get(&format!("/api/v1/statuses/{id}"), token).await
}
