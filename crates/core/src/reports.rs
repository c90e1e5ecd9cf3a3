//! Reports to moderators. This module stores the reports other servers send (`Flag`);
//! the reporting and moderation tools of the client and admin APIs build on it.

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::entities::report;
use crate::error::CoreResult;
use crate::id::next_id;
use crate::instance::Instance;

/// A report as received.
#[derive(Debug, Clone, Default)]
pub struct IncomingReport {
    /// The reporting actor (on a remote server, often its instance actor).
    pub reporter_id: i64,
    /// The reported (local) account.
    pub target_id: i64,
    pub status_ids: Vec<i64>,
    pub comment: String,
    /// The `Flag` activity id; a report with a known id is not stored twice.
    pub uri: Option<String>,
}

/// Stores a report; returns its id (the existing one for a repeated `Flag`).
pub async fn record(inst: &Instance, r: IncomingReport) -> CoreResult<i64> {
    if let Some(uri) = &r.uri
        && let Some(existing) = report::Entity::find()
            .filter(report::Column::Uri.eq(uri.clone()))
            .one(&inst.store.write)
            .await?
    {
        return Ok(existing.id);
    }
    let id = next_id();
    let now = Utc::now();
    report::Entity::insert(report::ActiveModel {
        id: Set(id),
        account_id: Set(r.reporter_id),
        target_account_id: Set(r.target_id),
        status_ids: Set(serde_json::to_string(&r.status_ids).unwrap_or_else(|_| "[]".into())),
        comment: Set(r.comment.chars().take(5000).collect()),
        category: Set("other".into()),
        rule_ids: Set("[]".into()),
        forwarded: Set(false),
        uri: Set(r.uri),
        assigned_account_id: Set(None),
        action_taken_by_account_id: Set(None),
        action_taken_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&inst.store.write)
    .await?;
    Ok(id)
}

/// Reports against `target_id`, newest first.
pub async fn of_target(inst: &Instance, target_id: i64) -> CoreResult<Vec<report::Model>> {
    use sea_orm::QueryOrder;
    Ok(report::Entity::find()
        .filter(report::Column::TargetAccountId.eq(target_id))
        .order_by_desc(report::Column::Id)
        .all(&inst.store.read)
        .await?)
}
