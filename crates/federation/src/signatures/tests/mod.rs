//! Whole-module tests: requests signed and verified end to end, in both schemes.
//! Expected signing strings are written out literally, independently of the code
//! under test.

mod cavage;
mod rfc9421;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderValue};

/// The body of RFC 9421's examples, and its SHA-256 digest.
pub(super) const BODY: &[u8] = br#"{"hello": "world"}"#;
pub(super) const BODY_SHA256: &str = "X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=";

/// Sun, 15 Jun 2025 15:06:40 GMT.
pub(super) fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_750_000_000)
}

pub(super) const NOW_HTTP_DATE: &str = "Sun, 15 Jun 2025 15:06:40 GMT";

pub(super) const HOUR: Duration = Duration::from_secs(3600);

pub(super) fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(*name, HeaderValue::from_str(value).unwrap());
    }
    map
}

pub(super) fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}
