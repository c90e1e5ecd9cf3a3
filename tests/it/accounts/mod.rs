//! Accounts: registration (`POST /api/v1/accounts`) in every registration mode and its
//! validation errors, the signed-in user's profile (`verify_credentials`,
//! `update_credentials` with fields and images), looking accounts up, preferences.

mod images;
mod lookup;
mod profile;
mod registration;

use serde_json::Value;

/// `created_at` of an account: the day at midnight, Mastodon's format.
pub(super) fn assert_midnight_timestamp(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    assert_eq!(s.len(), 24, "{s}");
    assert!(s.ends_with("T00:00:00.000Z"), "{s}");
    assert!(
        chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        "not RFC 3339: {s}"
    );
}
