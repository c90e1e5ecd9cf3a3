//! Redirects of the browser pages: the one place their `Location` is written.
//!
//! A location the server builds is written as it is; one a visitor hands in
//! (`return_to` after signing in) is followed only when it is a path of this very
//! origin, found by parsing it the way a browser does (tabs and newlines dropped,
//! backslashes read as slashes, `//host` read as another host), never by looking at
//! its first characters. Nothing here can fail on a header value.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use url::{Position, Url};

/// A `303 See Other` to `location`, a path or URL this server built. A location that
/// cannot be a header value (it never should) answers 400 instead of failing.
pub fn to(location: &str) -> Response {
    match HeaderValue::try_from(location) {
        Ok(value) => (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response(),
        Err(_) => (StatusCode::BAD_REQUEST, "Invalid redirect").into_response(),
    }
}

/// `requested`, resolved against `base` as a browser would, when it stays on `base`'s
/// origin: its path, query and fragment, serialised (so percent-encoded, with no
/// control characters). `None` for anything else.
pub fn same_origin_path(base: &Url, requested: &str) -> Option<String> {
    // Only paths: a full URL of our own origin is no use to a form, and absolute URLs
    // are where the tricks live.
    if !requested.trim_start().starts_with('/') {
        return None;
    }
    let resolved = base.join(requested).ok()?;
    let same = resolved.scheme() == base.scheme()
        && resolved.host_str() == base.host_str()
        && resolved.port_or_known_default() == base.port_or_known_default()
        && resolved.username().is_empty()
        && resolved.password().is_none();
    same.then(|| resolved[Position::BeforePath..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_origin_are_followed() {
        let base = Url::parse("https://social.example").unwrap();
        let ok = |r: &str| same_origin_path(&base, r);
        assert_eq!(
            ok("/oauth/authorize?a=1&b=2").as_deref(),
            Some("/oauth/authorize?a=1&b=2")
        );
        assert_eq!(
            ok("/admin/moderation#x").as_deref(),
            Some("/admin/moderation#x")
        );
        for hostile in [
            "//evil.example/",
            "/\t/evil.example/",
            "/\n/evil.example",
            "\\\\evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "https://social.example.evil.example/",
            "javascript:alert(1)",
            "evil.example",
            "",
        ] {
            assert_eq!(ok(hostile), None, "{hostile:?}");
        }
        // Control characters never reach the header: they are dropped or encoded.
        let cleaned = ok("/a\r\nSet-Cookie: x=1").unwrap();
        assert!(!cleaned.contains(['\r', '\n']), "{cleaned:?}");
        assert!(HeaderValue::try_from(cleaned).is_ok());
    }

    #[test]
    fn a_bad_location_is_a_400_not_a_panic() {
        assert_eq!(to("/ok").status(), StatusCode::SEE_OTHER);
        assert_eq!(to("/a\nb").status(), StatusCode::BAD_REQUEST);
    }
}
