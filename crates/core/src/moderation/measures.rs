//! Measures of a remote domain, for moderators deciding about it (Mastodon's
//! `instance_*` admin measures): how many of its accounts this instance knows, how many
//! follows go each way, how many of its posts are cached. Tools such as FediBlockHole
//! ask `instance_follows` before suspending a domain that local users follow.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::domains;
use crate::entities::{account, follow, status};
use crate::error::{CoreError, CoreResult};
use crate::instance::Instance;

/// Rows per `IN (…)` list.
const CHUNK: usize = 500;

/// The measures this server computes.
pub const KEYS: &[&str] = &[
    "instance_accounts",
    "instance_follows",
    "instance_followers",
    "instance_statuses",
];

/// One measure over a time range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    pub key: &'static str,
    /// All time.
    pub total: u64,
    /// Per day of the range, oldest first: what was created that day.
    pub data: Vec<(NaiveDate, u64)>,
}

/// Computes `key` for `domain` (and its subdomains) over the days from `start` to `end`.
pub async fn instance_measure(
    inst: &Instance,
    key: &str,
    domain: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> CoreResult<Measure> {
    let Some(&key) = KEYS.iter().find(|k| **k == key) else {
        return Err(CoreError::Unprocessable(format!("unknown measure {key:?}")));
    };
    if end < start || end - start > Duration::days(366) {
        return Err(CoreError::Unprocessable(
            "end_at must follow start_at, at most a year later".into(),
        ));
    }
    let domain = domains::normalize(domain, true)?;
    let conn = &inst.store.read;
    let accounts = accounts_of(conn, &domain).await?;
    let mut created: Vec<DateTime<Utc>> = Vec::new();
    match key {
        "instance_accounts" => {
            for chunk in accounts.chunks(CHUNK) {
                let rows: Vec<DateTime<Utc>> = account::Entity::find()
                    .select_only()
                    .column(account::Column::CreatedAt)
                    .filter(account::Column::Id.is_in(chunk.iter().copied()))
                    .into_tuple()
                    .all(conn)
                    .await?;
                created.extend(rows);
            }
        }
        "instance_statuses" => {
            for chunk in accounts.chunks(CHUNK) {
                let rows: Vec<DateTime<Utc>> = status::Entity::find()
                    .select_only()
                    .column(status::Column::CreatedAt)
                    .filter(status::Column::AccountId.is_in(chunk.iter().copied()))
                    .into_tuple()
                    .all(conn)
                    .await?;
                created.extend(rows);
            }
        }
        _ => {
            // Follows between local accounts and the domain's, one way or the other.
            let (remote_side, local_side) = if key == "instance_follows" {
                (follow::Column::TargetAccountId, follow::Column::AccountId)
            } else {
                (follow::Column::AccountId, follow::Column::TargetAccountId)
            };
            for chunk in accounts.chunks(CHUNK) {
                let rows: Vec<(i64, DateTime<Utc>)> = follow::Entity::find()
                    .select_only()
                    .column(local_side)
                    .column(follow::Column::CreatedAt)
                    .filter(remote_side.is_in(chunk.iter().copied()))
                    .into_tuple()
                    .all(conn)
                    .await?;
                let locals =
                    super::effects::local_ids(conn, rows.iter().map(|(id, _)| *id)).await?;
                created.extend(
                    rows.into_iter()
                        .filter(|(id, _)| locals.contains(id))
                        .map(|(_, at)| at),
                );
            }
        }
    }
    Ok(Measure {
        key,
        total: created.len() as u64,
        data: per_day(&created, start, end),
    })
}

/// Counts `times` per day from `start`'s day to `end`'s day.
fn per_day(
    times: &[DateTime<Utc>],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<(NaiveDate, u64)> {
    let (first, last) = (start.date_naive(), end.date_naive());
    let mut days: Vec<(NaiveDate, u64)> = first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| (d, 0))
        .collect();
    for t in times {
        let day = t.date_naive();
        if let Some(slot) = days.iter_mut().find(|(d, _)| *d == day) {
            slot.1 += 1;
        }
    }
    days
}

/// Ids of the accounts on `domain` or its subdomains.
async fn accounts_of(conn: &impl ConnectionTrait, domain: &str) -> CoreResult<Vec<i64>> {
    let known = super::effects::remote_domains(conn).await?;
    let covered: Vec<String> = known
        .into_iter()
        .filter(|d| domains::candidates(d).any(|c| c == domain))
        .collect();
    let mut ids = Vec::new();
    for chunk in covered.chunks(CHUNK) {
        let found: Vec<i64> = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .filter(account::Column::Domain.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(conn)
            .await?;
        ids.extend(found);
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn days_are_counted_from_start_to_end() {
        let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();
        let data = per_day(
            &[at(2, 1), at(2, 23), at(4, 0), at(9, 0)],
            at(1, 12),
            at(4, 3),
        );
        let counts: Vec<u64> = data.iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, vec![0, 2, 0, 1], "the 9th is outside the range");
        assert_eq!(data[0].0, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
    }
}
