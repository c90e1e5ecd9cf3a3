//! Time-sortable 64-bit ids, in the layout Mastodon uses: the upper 48 bits are
//! milliseconds since the Unix epoch, the lower 16 a sequence. Sorting by id sorts by
//! creation time, so `max_id`/`min_id` paging walks a primary-key index.
//!
//! Within one process ids are strictly increasing. Several processes on one PostgreSQL
//! start their sequence at a random point each millisecond, so a collision needs two
//! processes to draw the same 16-bit value in the same millisecond; the unique primary
//! key turns that rare event into a retried insert rather than corruption.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

static LAST: AtomicI64 = AtomicI64::new(0);

/// A new id for a row created now.
pub fn next_id() -> i64 {
    let now = Utc::now().timestamp_millis();
    loop {
        let last = LAST.load(Ordering::Relaxed);
        let candidate = if (last >> 16) >= now {
            last + 1
        } else {
            (now << 16) | i64::from(rand::random::<u16>() & 0x3fff)
        };
        if LAST
            .compare_exchange_weak(last, candidate, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            return candidate;
        }
    }
}

/// An id for an object created at `at` (used for remote objects, which keep their
/// published time). Not monotonic: callers must tolerate a rare unique-key conflict.
pub fn id_at(at: DateTime<Utc>) -> i64 {
    (at.timestamp_millis().max(0) << 16) | i64::from(rand::random::<u16>())
}

/// The smallest id that can belong to something created at or after `at`.
pub fn min_id_at(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis().max(0) << 16
}

/// When the object with this id was created (to the millisecond).
pub fn created_at(id: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(id >> 16).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase_and_carry_their_time() {
        let before = Utc::now().timestamp_millis();
        let ids: Vec<i64> = (0..10_000).map(|_| next_id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        let t = created_at(ids[0]).timestamp_millis();
        assert!(t >= before && t <= Utc::now().timestamp_millis());
    }

    #[test]
    fn min_id_at_bounds_ids_created_later() {
        let at = Utc::now();
        let id = next_id();
        assert!(id >= min_id_at(at));
    }
}
