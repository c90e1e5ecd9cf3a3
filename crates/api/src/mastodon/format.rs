//! Wire formats shared by the entities: timestamps as Mastodon writes them.

use chrono::{DateTime, Utc};

/// `2026-11-28T14:00:00.000Z`: UTC, milliseconds, `Z`.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// An account's `created_at`: the day, at midnight.
pub fn midnight(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT00:00:00.000Z").to_string()
}

/// A date: `2026-11-28`.
pub fn date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let at = DateTime::parse_from_rfc3339("2026-11-28T14:05:06.789123Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(timestamp(at), "2026-11-28T14:05:06.789Z");
        assert_eq!(midnight(at), "2026-11-28T00:00:00.000Z");
        assert_eq!(date(at), "2026-11-28");
    }
}
