//! The delivery scheduler: picks due deliveries oldest first, never more than
//! `federation.delivery_concurrency` at once in all, `federation.per_host_concurrency`
//! to one host (one to a failing host), and none to a host whose backoff runs; signs
//! and POSTs each, and records the outcome.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::entities::{delivery, federation_host, outgoing_activity};
use chrono::Utc;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::task::JoinSet;

use super::hosts;
use crate::error::{FedError, FedResult};
use crate::signatures;
use crate::state::Federation;

/// Content type of every activity we send.
pub const ACTIVITY_JSON: &str = "application/activity+json";

/// What became of one attempt.
#[derive(Debug)]
enum Outcome {
    Delivered,
    /// Refused for good (410, most 4xx): not retried.
    Refused(String),
    /// Worth trying again, after `Retry-After` if the server said so.
    Failed(String, Option<Duration>),
}

/// How long finished attempts are gathered before their outcomes are recorded.
const GATHER: Duration = Duration::from_millis(2);

/// The scheduler picks due deliveries when an eighth of its places are free, or at
/// least this often while any is.
const PICK_AT_LEAST_EVERY: Duration = Duration::from_millis(20);

/// A finished attempt, waiting to be recorded.
#[derive(Debug)]
struct Finished {
    delivery: delivery::Model,
    /// `None`: the activity is gone (nothing to send).
    outcome: Option<Outcome>,
}

/// Runs the scheduler until the task is aborted. Everything it needs is in the
/// database, so aborting it at any point loses nothing.
///
/// Attempts run as tasks of their own; their outcomes are recorded together, in one
/// transaction per turn of the loop ([`record`]), and a delivery leaves the in-flight
/// set only once its outcome is stored, so it is never picked twice.
pub async fn run(fed: Arc<Federation>) {
    let cfg = fed.inst.config.federation.clone();
    let mut tasks: JoinSet<Finished> = JoinSet::new();
    let mut in_flight: HashSet<i64> = HashSet::new();
    let mut per_host: HashMap<String, usize> = HashMap::new();
    let cache = Arc::new(ActivityCache::default());
    // Which delivery each running task attempts, for a task that panics.
    let mut owners: HashMap<tokio::task::Id, (i64, String)> = HashMap::new();
    let mut last_sweep = std::time::Instant::now() - Duration::from_secs(3600);
    let pick_at = (cfg.delivery_concurrency / 8).max(1);
    let mut last_pick = std::time::Instant::now() - PICK_AT_LEAST_EVERY;
    loop {
        if last_sweep.elapsed() > Duration::from_secs(600) {
            last_sweep = std::time::Instant::now();
            if let Err(e) = sweep_expired(&fed).await {
                tracing::warn!(error = %e, "cannot drop expired deliveries");
            }
        }
        let free = cfg.delivery_concurrency.saturating_sub(in_flight.len());
        // Picking costs a query: wait for a few places to free up, but never long.
        if free > 0 && (free >= pick_at || last_pick.elapsed() >= PICK_AT_LEAST_EVERY) {
            last_pick = std::time::Instant::now();
            match pick(&fed, &in_flight, &per_host, free).await {
                Ok(batch) => {
                    for d in batch {
                        in_flight.insert(d.id);
                        *per_host.entry(d.host.clone()).or_default() += 1;
                        let fed = fed.clone();
                        let cache = cache.clone();
                        let owner = (d.id, d.host.clone());
                        let task = tasks.spawn(async move { attempt(&fed, &cache, d).await });
                        owners.insert(task.id(), owner);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot read the delivery queue"),
            }
        }
        let mut ended = Vec::new();
        tokio::select! {
            () = fed.deliveries_notify.notified() => {}
            Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => ended.push(done),
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        // Attempts finish one by one: gather those of the next moment too, so that
        // their outcomes share a transaction.
        if !ended.is_empty() {
            let until = tokio::time::Instant::now() + GATHER;
            while ended.len() < cfg.delivery_concurrency {
                match tokio::time::timeout_at(until, tasks.join_next_with_id()).await {
                    Ok(Some(done)) => ended.push(done),
                    _ => break,
                }
            }
        }
        let mut freed: Vec<(i64, String)> = Vec::new();
        let mut finished: Vec<Finished> = Vec::new();
        for done in ended {
            match done {
                Ok((task, f)) => {
                    owners.remove(&task);
                    finished.push(f);
                }
                // A panicked attempt: its delivery is still queued; free its place.
                Err(e) => freed.extend(owners.remove(&e.id())),
            }
        }
        if !finished.is_empty() {
            match record(&fed, &finished).await {
                Ok(released) => {
                    if released {
                        fed.deliveries_notify.notify_one();
                    }
                }
                Err(e) => {
                    // Not stored: these deliveries will be attempted again.
                    tracing::warn!(error = %e, n = finished.len(), "delivery bookkeeping failed");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
            freed.extend(
                finished
                    .into_iter()
                    .map(|f| (f.delivery.id, f.delivery.host)),
            );
        }
        for (id, host) in freed {
            in_flight.remove(&id);
            if let Some(n) = per_host.get_mut(&host) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    per_host.remove(&host);
                }
            }
        }
    }
}

/// Due deliveries that may start now, oldest first.
async fn pick(
    fed: &Federation,
    in_flight: &HashSet<i64>,
    per_host: &HashMap<String, usize>,
    free: usize,
) -> FedResult<Vec<delivery::Model>> {
    let cfg = &fed.inst.config.federation;
    let conn = &fed.inst.store.read;
    let now = Utc::now();
    let failing: HashSet<String> = hosts::failing(conn).await?.into_iter().collect();
    let limit = |host: &str| {
        if failing.contains(host) {
            1
        } else {
            cfg.per_host_concurrency
        }
    };
    let saturated: Vec<String> = per_host
        .iter()
        .filter(|(host, n)| **n >= limit(host))
        .map(|(host, _)| host.clone())
        .collect();
    let h = Alias::new("h");
    let mut backing_off = Query::select();
    backing_off
        .expr(Expr::val(1))
        .from_as(federation_host::Entity, h.clone())
        .and_where(
            Expr::col((h.clone(), federation_host::Column::Host))
                .equals((delivery::Entity, delivery::Column::Host)),
        )
        .and_where(Expr::col((h, federation_host::Column::RetryAt)).gt(now));
    let rows = delivery::Entity::find()
        .filter(delivery::Column::NextAttemptAt.lte(now))
        .filter(delivery::Column::Host.is_not_in(saturated))
        .filter(delivery::Column::Id.is_not_in(in_flight.iter().copied()))
        .filter(Expr::exists(backing_off).not())
        .order_by_asc(delivery::Column::Id)
        .limit((free * 4) as u64)
        .all(conn)
        .await?;
    let mut counts = per_host.clone();
    let mut picked = Vec::new();
    for row in rows {
        if picked.len() >= free {
            break;
        }
        let n = counts.entry(row.host.clone()).or_default();
        if *n < limit(&row.host) {
            *n += 1;
            picked.push(row);
        }
    }
    Ok(picked)
}

/// Bodies of outgoing activities, shared by all the deliveries of a fan-out.
#[derive(Default)]
struct ActivityCache(Mutex<HashMap<i64, Arc<(i64, String)>>>);

impl ActivityCache {
    async fn get(&self, fed: &Federation, id: i64) -> FedResult<Option<Arc<(i64, String)>>> {
        if let Some(hit) = self.lock().get(&id) {
            return Ok(Some(hit.clone()));
        }
        let Some(row) = outgoing_activity::Entity::find_by_id(id)
            .one(&fed.inst.store.read)
            .await?
        else {
            return Ok(None);
        };
        let entry = Arc::new((row.account_id, row.body));
        let mut cache = self.lock();
        if cache.len() >= 256 {
            cache.clear();
        }
        cache.insert(id, entry.clone());
        Ok(Some(entry))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<(i64, String)>>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One attempt at one delivery.
async fn attempt(fed: &Federation, cache: &ActivityCache, d: delivery::Model) -> Finished {
    // Blocked since it was queued: dropped, never sent.
    if fed.inst.policy.is_suspended(&d.host) {
        let outcome = Some(Outcome::Refused(format!("{} is suspended", d.host)));
        return Finished {
            delivery: d,
            outcome,
        };
    }
    let activity = match cache.get(fed, d.activity_id).await {
        Ok(Some(activity)) => activity,
        Ok(None) => {
            return Finished {
                delivery: d,
                outcome: None,
            };
        }
        Err(e) => {
            let outcome = Some(Outcome::Failed(e.to_string(), None));
            return Finished {
                delivery: d,
                outcome,
            };
        }
    };
    let outcome = match send(fed, &d.inbox_url, activity.0, activity.1.as_bytes()).await {
        Ok(outcome) => outcome,
        Err(e) => Outcome::Refused(e.to_string()),
    };
    Finished {
        delivery: d,
        outcome: Some(outcome),
    }
}

/// Records the outcomes of finished attempts in one transaction: delivered and dropped
/// deliveries deleted, failed ones rescheduled, each host's health and counters
/// updated, and outgoing activities with no delivery left forgotten. Returns whether a
/// failing host answered again (its held-back deliveries are due now).
async fn record(fed: &Federation, finished: &[Finished]) -> FedResult<bool> {
    let cfg = &fed.inst.config.federation;
    let base = Duration::from_millis(cfg.retry_base_ms);
    let max = Duration::from_millis(cfg.retry_max_ms);
    let max_age = chrono::Duration::hours(cfg.delivery_max_age_hours as i64);
    let now = Utc::now();
    let mut gone: Vec<i64> = Vec::new();
    let mut delivered: HashMap<&str, i64> = HashMap::new();
    let mut dropped: HashMap<&str, i64> = HashMap::new();
    let mut failed: Vec<(&delivery::Model, String, Option<Duration>)> = Vec::new();
    for f in finished {
        let d = &f.delivery;
        match &f.outcome {
            None => gone.push(d.id),
            Some(Outcome::Delivered) => {
                tracing::debug!(inbox = %d.inbox_url, "delivered");
                gone.push(d.id);
                *delivered.entry(d.host.as_str()).or_default() += 1;
            }
            Some(Outcome::Refused(why)) => {
                tracing::info!(inbox = %d.inbox_url, why, "delivery refused for good, dropped");
                gone.push(d.id);
                *dropped.entry(d.host.as_str()).or_default() += 1;
            }
            Some(Outcome::Failed(why, _)) if now - d.created_at > max_age => {
                tracing::info!(inbox = %d.inbox_url, why, "delivery too old, dropped");
                gone.push(d.id);
                *dropped.entry(d.host.as_str()).or_default() += 1;
            }
            Some(Outcome::Failed(why, retry_after)) => {
                tracing::debug!(inbox = %d.inbox_url, why, attempts = d.attempts + 1, "delivery failed");
                failed.push((d, why.clone(), *retry_after));
            }
        }
    }

    let txn = fed.inst.store.begin().await?;
    let released = hosts::record_delivered(&txn, &delivered, now).await?;
    for (host, n) in &dropped {
        hosts::record_dropped(&txn, host, *n as u64).await?;
    }
    for (d, why, retry_after) in failed {
        let retry_at = hosts::record_failure(&txn, &d.host, &why, retry_after, base, max).await?;
        let own = now
            + chrono::Duration::from_std(hosts::backoff(d.attempts + 1, base, max))
                .unwrap_or(chrono::Duration::hours(1));
        delivery::Entity::update_many()
            .col_expr(
                delivery::Column::Attempts,
                Expr::col(delivery::Column::Attempts).add(1),
            )
            .col_expr(delivery::Column::LastError, Expr::value(Some(why)))
            .col_expr(
                delivery::Column::NextAttemptAt,
                Expr::value(std::cmp::Ord::max(own, retry_at)),
            )
            .filter(delivery::Column::Id.eq(d.id))
            .exec(&txn)
            .await?;
    }
    let activities: HashSet<i64> = finished.iter().map(|f| f.delivery.activity_id).collect();
    for chunk in gone.chunks(500) {
        delivery::Entity::delete_many()
            .filter(delivery::Column::Id.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    super::forget_activities_if_done(&txn, activities).await?;
    txn.commit().await.map_err(starling_core::CoreError::from)?;
    Ok(released)
}

/// Signs `body` with the key of local account `signer` and POSTs it to `inbox`.
async fn send(fed: &Federation, inbox: &str, signer: i64, body: &[u8]) -> FedResult<Outcome> {
    let url = url::Url::parse(inbox).map_err(|e| FedError::BadRequest(e.to_string()))?;
    let signer = fed.signer(signer).await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(ACTIVITY_JSON),
    );
    headers.insert(header::ACCEPT, HeaderValue::from_static(ACTIVITY_JSON));
    signatures::sign_request(
        &Method::POST,
        &url,
        &mut headers,
        Some(body),
        &signer.key_id,
        &signer.key,
        SystemTime::now(),
    )?;
    let req = match fed
        .delivery_http
        .request(Method::POST, &url)
        .and_then(|r| Ok(r.headers(headers).body(body.to_vec()).build()?))
    {
        Ok(req) => req,
        Err(e) if e.is_retryable() => return Ok(Outcome::Failed(e.to_string(), None)),
        Err(e) => return Ok(Outcome::Refused(e.to_string())),
    };
    let resp = match fed.delivery_http.send(req).await {
        Ok(resp) => resp,
        Err(e) if e.is_retryable() => return Ok(Outcome::Failed(e.to_string(), None)),
        Err(e) => return Ok(Outcome::Refused(e.to_string())),
    };
    let outcome = classify(resp.status(), resp.headers());
    // Read what little the server says, so that its connection goes back to the pool
    // for the next delivery; what it says does not matter.
    let _ = crate::net::read_limited(resp, ANSWER_READ_LIMIT).await;
    Ok(outcome)
}

/// The most of an inbox's answer read (and thrown away) after a delivery.
const ANSWER_READ_LIMIT: usize = 64 * 1024;

/// Mastodon's rule: 2xx delivered; 4xx other than 401, 408 and 429, and 501, are
/// permanent; anything else is retried, after `Retry-After` when given.
fn classify(status: StatusCode, headers: &HeaderMap) -> Outcome {
    if status.is_success() {
        return Outcome::Delivered;
    }
    let code = status.as_u16();
    let permanent = (400..500).contains(&code) && !matches!(code, 401 | 408 | 429) || code == 501;
    if permanent {
        return Outcome::Refused(format!("HTTP {code}"));
    }
    Outcome::Failed(format!("HTTP {code}"), retry_after(headers))
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// Drops deliveries older than `federation.delivery_max_age_hours`.
async fn sweep_expired(fed: &Federation) -> FedResult<()> {
    let cfg = &fed.inst.config.federation;
    let cutoff = Utc::now() - chrono::Duration::hours(cfg.delivery_max_age_hours as i64);
    let old: Vec<(i64, String, i64)> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Id)
        .column(delivery::Column::Host)
        .column(delivery::Column::ActivityId)
        .filter(delivery::Column::CreatedAt.lt(cutoff))
        .limit(10_000)
        .into_tuple()
        .all(&fed.inst.store.read)
        .await?;
    if old.is_empty() {
        return Ok(());
    }
    let mut dropped: HashMap<&str, u64> = HashMap::new();
    for (_, host, _) in &old {
        *dropped.entry(host.as_str()).or_default() += 1;
    }
    let txn = fed.inst.store.begin().await?;
    for chunk in old.chunks(500) {
        delivery::Entity::delete_many()
            .filter(delivery::Column::Id.is_in(chunk.iter().map(|(id, _, _)| *id)))
            .exec(&txn)
            .await?;
    }
    for (host, n) in dropped {
        hosts::record_dropped(&txn, host, n).await?;
    }
    let activities: HashSet<i64> = old.iter().map(|(_, _, activity)| *activity).collect();
    super::forget_activities_if_done(&txn, activities).await?;
    txn.commit().await.map_err(starling_core::CoreError::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permanent_and_temporary_failures_as_mastodon() {
        let none = HeaderMap::new();
        assert!(matches!(
            classify(StatusCode::ACCEPTED, &none),
            Outcome::Delivered
        ));
        for code in [400, 403, 404, 410, 422, 501] {
            let s = StatusCode::from_u16(code).unwrap();
            assert!(matches!(classify(s, &none), Outcome::Refused(_)), "{code}");
        }
        for code in [401, 408, 429, 500, 502, 503] {
            let s = StatusCode::from_u16(code).unwrap();
            assert!(matches!(classify(s, &none), Outcome::Failed(..)), "{code}");
        }
        let mut later = HeaderMap::new();
        later.insert(header::RETRY_AFTER, HeaderValue::from_static("120"));
        match classify(StatusCode::TOO_MANY_REQUESTS, &later) {
            Outcome::Failed(_, Some(d)) => assert_eq!(d, Duration::from_secs(120)),
            other => panic!("{other:?}"),
        }
    }
}
