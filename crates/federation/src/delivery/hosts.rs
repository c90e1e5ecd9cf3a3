//! Health of the remote hosts we deliver to (`federation_hosts`): failures in a row,
//! the backoff before the next attempt, and the state shown by
//! `starling federation status`.
//!
//! - **reachable**: the last delivery succeeded (or none failed yet);
//! - **failing**: the last deliveries failed, for less than a day and fewer than
//!   [`UNREACHABLE_AFTER_FAILURES`] times in a row; retried with backoff;
//! - **unreachable**: failing for a day or more, or that many times in a row. Deliveries
//!   are still kept (up to `federation.delivery_max_age_hours`) and retried at the
//!   longest backoff, and the first success makes the host reachable again.

use std::collections::HashMap;
use std::time::Duration;

use crate::entities::{delivery, federation_host};
use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use crate::error::FedResult;

/// Hosts named per statement, at most (well under SQLite's variable limit).
const CHUNK: usize = 500;

/// Failures in a row after which a host counts as unreachable.
pub const UNREACHABLE_AFTER_FAILURES: i32 = 10;

/// The health of a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Reachable,
    Failing,
    Unreachable,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Reachable => "reachable",
            Health::Failing => "failing",
            Health::Unreachable => "unreachable",
        }
    }

    /// The health a stored host record shows at `now`.
    pub fn of(host: &federation_host::Model, now: DateTime<Utc>) -> Self {
        if host.consecutive_failures == 0 {
            return Health::Reachable;
        }
        let failing_for = host
            .first_failure_at
            .map(|t| now - t)
            .unwrap_or_else(chrono::Duration::zero);
        if host.consecutive_failures >= UNREACHABLE_AFTER_FAILURES
            || failing_for >= chrono::Duration::days(1)
        {
            Health::Unreachable
        } else {
            Health::Failing
        }
    }
}

/// One host as `starling federation status` and the admin API show it.
#[derive(Debug, Clone, Serialize)]
pub struct HostStatus {
    pub host: String,
    pub health: Health,
    pub queued: u64,
    pub consecutive_failures: i32,
    pub delivered: i64,
    pub dropped: i64,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub retry_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// The pause before the next attempt after `failures` failures in a row: `base`
/// doubling each time, capped at `max`, with ±20 % jitter so that hosts that failed
/// together do not all come back at the same instant.
pub fn backoff(failures: i32, base: Duration, max: Duration) -> Duration {
    let exp = failures.saturating_sub(1).clamp(0, 30) as u32;
    let raw = base.saturating_mul(2u32.saturating_pow(exp)).min(max);
    let jitter = rand::thread_rng().gen_range(0.8..1.2);
    raw.mul_f64(jitter).min(max)
}

fn new_host(host: &str) -> federation_host::ActiveModel {
    federation_host::ActiveModel {
        host: sea_orm::Set(host.to_string()),
        consecutive_failures: sea_orm::Set(0),
        first_failure_at: sea_orm::Set(None),
        last_failure_at: sea_orm::Set(None),
        last_success_at: sea_orm::Set(None),
        retry_at: sea_orm::Set(None),
        last_error: sea_orm::Set(None),
        delivered_count: sea_orm::Set(0),
        dropped_count: sea_orm::Set(0),
        updated_at: sea_orm::Set(Utc::now()),
    }
}

async fn ensure(conn: &impl ConnectionTrait, host: &str) -> FedResult<()> {
    federation_host::Entity::insert(new_host(host))
        .on_conflict_do_nothing()
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Records successful deliveries, `n` per host: each host is reachable again, its
/// backoff over and its counter up by `n`. Returns whether one of them had been
/// failing; the deliveries it held back are then due now, to go in order.
pub async fn record_delivered(
    conn: &impl ConnectionTrait,
    delivered: &HashMap<&str, i64>,
    now: DateTime<Utc>,
) -> FedResult<bool> {
    let names: Vec<&str> = delivered.keys().copied().collect();
    let mut recovered: Vec<String> = Vec::new();
    for chunk in names.chunks(CHUNK) {
        federation_host::Entity::insert_many(chunk.iter().map(|h| new_host(h)))
            .on_conflict_do_nothing()
            .exec_without_returning(conn)
            .await?;
        let was_failing: Vec<String> = federation_host::Entity::find()
            .select_only()
            .column(federation_host::Column::Host)
            .filter(federation_host::Column::Host.is_in(chunk.iter().copied()))
            .filter(
                federation_host::Column::ConsecutiveFailures
                    .gt(0)
                    .or(federation_host::Column::RetryAt.is_not_null()),
            )
            .into_tuple()
            .all(conn)
            .await?;
        recovered.extend(was_failing);
    }
    // One statement per distinct count (in a fan-out nearly every host has the same).
    let mut by_count: HashMap<i64, Vec<&str>> = HashMap::new();
    for (host, n) in delivered {
        by_count.entry(*n).or_default().push(host);
    }
    for (n, hosts) in by_count {
        for chunk in hosts.chunks(CHUNK) {
            federation_host::Entity::update_many()
                .col_expr(federation_host::Column::ConsecutiveFailures, Expr::value(0))
                .col_expr(
                    federation_host::Column::FirstFailureAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(
                    federation_host::Column::RetryAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(
                    federation_host::Column::LastSuccessAt,
                    Expr::value(Some(now)),
                )
                .col_expr(
                    federation_host::Column::DeliveredCount,
                    Expr::col(federation_host::Column::DeliveredCount).add(n),
                )
                .col_expr(federation_host::Column::UpdatedAt, Expr::value(now))
                .filter(federation_host::Column::Host.is_in(chunk.iter().copied()))
                .exec(conn)
                .await?;
        }
    }
    for chunk in recovered.chunks(CHUNK) {
        // Everything held back for these hosts may go now, in order.
        delivery::Entity::update_many()
            .col_expr(delivery::Column::NextAttemptAt, Expr::value(now))
            .filter(delivery::Column::Host.is_in(chunk.iter().cloned()))
            .filter(delivery::Column::NextAttemptAt.gt(now))
            .exec(conn)
            .await?;
    }
    Ok(!recovered.is_empty())
}

/// Records a failed attempt; the host is not tried again before the returned time
/// (`retry_after` from a 429 or 503 wins over the computed backoff, within reason).
pub async fn record_failure(
    conn: &impl ConnectionTrait,
    host: &str,
    error: &str,
    retry_after: Option<Duration>,
    base: Duration,
    max: Duration,
) -> FedResult<DateTime<Utc>> {
    ensure(conn, host).await?;
    let current = federation_host::Entity::find_by_id(host.to_string())
        .one(conn)
        .await?;
    let failures = current.as_ref().map_or(0, |h| h.consecutive_failures) + 1;
    let now = Utc::now();
    let pause = retry_after
        .map(|d| d.min(Duration::from_secs(24 * 3600)))
        .unwrap_or_else(|| backoff(failures, base, max));
    let retry_at = now + chrono::Duration::from_std(pause).unwrap_or(chrono::Duration::hours(1));
    let first = current.and_then(|h| h.first_failure_at).unwrap_or(now);
    federation_host::Entity::update_many()
        .col_expr(
            federation_host::Column::ConsecutiveFailures,
            Expr::value(failures),
        )
        .col_expr(
            federation_host::Column::FirstFailureAt,
            Expr::value(Some(first)),
        )
        .col_expr(
            federation_host::Column::LastFailureAt,
            Expr::value(Some(now)),
        )
        .col_expr(
            federation_host::Column::RetryAt,
            Expr::value(Some(retry_at)),
        )
        .col_expr(
            federation_host::Column::LastError,
            Expr::value(Some(error.chars().take(500).collect::<String>())),
        )
        .col_expr(federation_host::Column::UpdatedAt, Expr::value(now))
        .filter(federation_host::Column::Host.eq(host))
        .exec(conn)
        .await?;
    Ok(retry_at)
}

/// Counts deliveries given up on (refused for good, or too old).
pub async fn record_dropped(conn: &impl ConnectionTrait, host: &str, n: u64) -> FedResult<()> {
    ensure(conn, host).await?;
    federation_host::Entity::update_many()
        .col_expr(
            federation_host::Column::DroppedCount,
            Expr::col(federation_host::Column::DroppedCount).add(n as i64),
        )
        .filter(federation_host::Column::Host.eq(host))
        .exec(conn)
        .await?;
    Ok(())
}

/// Hosts that are failing, which get one delivery at a time.
pub async fn failing(conn: &impl ConnectionTrait) -> FedResult<Vec<String>> {
    Ok(federation_host::Entity::find()
        .select_only()
        .column(federation_host::Column::Host)
        .filter(federation_host::Column::ConsecutiveFailures.gt(0))
        .into_tuple()
        .all(conn)
        .await?)
}

/// Every known host with its queue length, the unhealthy first.
pub async fn status(conn: &impl ConnectionTrait) -> FedResult<Vec<HostStatus>> {
    let hosts = federation_host::Entity::find()
        .order_by_desc(federation_host::Column::ConsecutiveFailures)
        .order_by_asc(federation_host::Column::Host)
        .all(conn)
        .await?;
    let queued: Vec<(String, i64)> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Host)
        .column_as(delivery::Column::Id.count(), "n")
        .group_by(delivery::Column::Host)
        .into_tuple()
        .all(conn)
        .await?;
    let now = Utc::now();
    let mut out: Vec<HostStatus> = hosts
        .into_iter()
        .map(|h| HostStatus {
            health: Health::of(&h, now),
            queued: queued
                .iter()
                .find(|(host, _)| *host == h.host)
                .map_or(0, |(_, n)| *n as u64),
            consecutive_failures: h.consecutive_failures,
            delivered: h.delivered_count,
            dropped: h.dropped_count,
            last_success_at: h.last_success_at,
            last_failure_at: h.last_failure_at,
            retry_at: h.retry_at,
            last_error: h.last_error,
            host: h.host,
        })
        .collect();
    // Hosts with queued deliveries that were never tried yet.
    for (host, n) in queued {
        if !out.iter().any(|s| s.host == host) {
            out.push(HostStatus {
                host,
                health: Health::Reachable,
                queued: n as u64,
                consecutive_failures: 0,
                delivered: 0,
                dropped: 0,
                last_success_at: None,
                last_failure_at: None,
                retry_at: None,
                last_error: None,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let base = Duration::from_secs(10);
        let max = Duration::from_secs(3600);
        for _ in 0..50 {
            let first = backoff(1, base, max);
            assert!(first >= Duration::from_secs(8) && first <= Duration::from_secs(12));
            let fourth = backoff(4, base, max);
            assert!(fourth >= Duration::from_secs(64) && fourth <= Duration::from_secs(96));
            assert!(backoff(40, base, max) <= max);
        }
    }

    #[test]
    fn health_follows_failures_and_time() {
        let now = Utc::now();
        let mut h = federation_host::Model {
            host: "x.example".into(),
            consecutive_failures: 0,
            first_failure_at: None,
            last_failure_at: None,
            last_success_at: None,
            retry_at: None,
            last_error: None,
            delivered_count: 0,
            dropped_count: 0,
            updated_at: now,
        };
        assert_eq!(Health::of(&h, now), Health::Reachable);
        h.consecutive_failures = 2;
        h.first_failure_at = Some(now - chrono::Duration::minutes(5));
        assert_eq!(Health::of(&h, now), Health::Failing);
        h.first_failure_at = Some(now - chrono::Duration::hours(25));
        assert_eq!(Health::of(&h, now), Health::Unreachable);
        h.first_failure_at = Some(now);
        h.consecutive_failures = UNREACHABLE_AFTER_FAILURES;
        assert_eq!(Health::of(&h, now), Health::Unreachable);
    }
}
