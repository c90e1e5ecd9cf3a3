//! Instance statistics for the instance API and NodeInfo.

use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

use crate::entities::{account, status, user};
use crate::error::CoreResult;
use crate::instance::Instance;

/// Counts shown publicly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Local accounts that can sign in.
    pub user_count: u64,
    /// Local statuses.
    pub status_count: u64,
    /// Other instances this one knows.
    pub domain_count: u64,
    /// Users signed in during the last 30 days.
    pub active_month: u64,
    /// Users signed in during the last 180 days.
    pub active_halfyear: u64,
}

/// Counts the statistics (several full counts: cache the result).
pub async fn compute(inst: &Instance) -> CoreResult<Stats> {
    let conn = &inst.store.read;
    let user_count = user::Entity::find().count(conn).await?;
    let status_count = status::Entity::find()
        .filter(status::Column::Local.eq(true))
        .count(conn)
        .await?;
    let domains: Vec<Option<String>> = account::Entity::find()
        .select_only()
        .column(account::Column::Domain)
        .filter(account::Column::Domain.is_not_null())
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    let active_since = |days| {
        user::Entity::find()
            .filter(user::Column::LastSignInAt.gt(Utc::now() - Duration::days(days)))
            .count(conn)
    };
    Ok(Stats {
        user_count,
        status_count,
        domain_count: domains.len() as u64,
        active_month: active_since(30).await?,
        active_halfyear: active_since(180).await?,
    })
}
