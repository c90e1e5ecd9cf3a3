//! Editing statuses as Mastodon 4 does, and their edit history.
//!
//! An edit replaces the text, content warning, sensitivity, language and attachments
//! of a status; its visibility and its place in a thread stay. The history keeps every
//! version in `status_edits`: on the first edit the original version is stored first
//! (dated when the status was posted), then each edit adds the version it made. A
//! status never edited has no rows; its history is its current version.
//!
//! Mentions that an edit removes become silent (the mentioned account keeps access,
//! as in Mastodon), attachments it removes are detached but kept for the history, and
//! local accounts that boosted the status get an `update` notification. The helpers
//! here serve remote edits too ([`super::inbound::update`]).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Unchanged,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{CheckedText, check_text, fan_out, upsert_tags};
use crate::accounts::{self, LocalAccount};
use crate::entities::{
    account, block, media_attachment, status, status_edit, status_mention, status_tag,
};
use crate::error::{CoreError, CoreResult};
use crate::events::{self, Event};
use crate::id::next_id;
use crate::instance::Instance;
use crate::text;

/// Longest attachment description (Mastodon's `MAX_DESCRIPTION_LENGTH`).
pub const MAX_DESCRIPTION_CHARS: usize = 1500;

/// A local author's edit of their status. Like Mastodon's `PUT /api/v1/statuses/:id`
/// it replaces every field: an empty `media_ids` removes all attachments.
#[derive(Debug, Clone, Default)]
pub struct StatusEdit {
    pub text: String,
    pub spoiler_text: String,
    /// `None`: the author's default (a content warning always makes it sensitive).
    pub sensitive: Option<bool>,
    /// `None` or an unknown code: the status's current language.
    pub language: Option<String>,
    /// The attachments of the new version: those kept and the author's new uploads.
    pub media_ids: Vec<i64>,
    /// Changes to attachments of the new version (others are ignored).
    pub media_attributes: Vec<MediaAttributes>,
}

/// New description or focal point of an attachment, made with an edit.
#[derive(Debug, Clone, Default)]
pub struct MediaAttributes {
    pub id: i64,
    /// `Some("")` clears the description.
    pub description: Option<String>,
    pub focus: Option<(f64, f64)>,
}

/// One version of a status, as `GET /api/v1/statuses/:id/history` shows it.
#[derive(Debug, Clone)]
pub struct StatusVersion {
    pub account: account::Model,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: DateTime<Utc>,
    /// The attachments of that version, with that version's descriptions.
    pub media: Vec<media_attachment::Model>,
}

/// An attachment as a version in `status_edits.media` names it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct VersionMedia {
    id: i64,
    description: Option<String>,
}

/// Edits a status of `author`. A status of someone else, or a boost, is NotFound; an
/// edit that changes nothing answers the status as it is, without a new version.
pub async fn edit(
    inst: &Instance,
    author: &LocalAccount,
    id: i64,
    edit: StatusEdit,
) -> CoreResult<status::Model> {
    let current = status::Entity::find_by_id(id)
        .one(&inst.store.write)
        .await?
        .filter(|s| s.account_id == author.account.id && s.reblog_of_id.is_none())
        .ok_or(CoreError::NotFound)?;
    let mut media_ids = Vec::new();
    for m in edit.media_ids {
        if !media_ids.contains(&m) {
            media_ids.push(m);
        }
    }
    let CheckedText {
        text,
        spoiler_text,
        sensitive,
        language,
    } = check_text(
        inst,
        author,
        &edit.text,
        &edit.spoiler_text,
        edit.sensitive,
        &[edit.language.as_deref(), current.language.as_deref()],
        media_ids.len(),
    )?;
    for a in &edit.media_attributes {
        if a.description
            .as_deref()
            .is_some_and(|d| text::char_count(d) > MAX_DESCRIPTION_CHARS)
        {
            return Err(CoreError::field(
                "description",
                "ERR_TOO_LONG",
                format!("is too long (maximum is {MAX_DESCRIPTION_CHARS} characters)"),
            ));
        }
    }
    let mentioned = accounts::mention_links(inst, &text::extract_mentions(&text)).await?;
    let content = accounts::format_with_mentions(inst, &text, &mentioned, true, false);
    let hashtags = text::extract_hashtags(&text);

    let txn = inst.store.begin().await?;
    // The status as it is now that concurrent edits wait for this one.
    let current = lock_status(&txn, id)
        .await?
        .filter(|s| s.account_id == author.account.id)
        .ok_or(CoreError::NotFound)?;
    let before_media = media_of(&txn, id).await?;
    let mut after_media = if media_ids.is_empty() {
        Vec::new()
    } else {
        media_attachment::Entity::find()
            .filter(media_attachment::Column::Id.is_in(media_ids.iter().copied()))
            .filter(media_attachment::Column::AccountId.eq(author.account.id))
            .order_by_asc(media_attachment::Column::Id)
            .all(&txn)
            .await?
    };
    if after_media.len() != media_ids.len()
        || after_media
            .iter()
            .any(|m| m.status_id.is_some_and(|s| s != id))
    {
        return Err(CoreError::field(
            "media_ids",
            "ERR_INVALID",
            "must name your own media that is not attached to another post",
        ));
    }
    let mut attributes_changed = Vec::new();
    for m in &mut after_media {
        if let Some(a) = edit.media_attributes.iter().rev().find(|a| a.id == m.id)
            && apply_attributes(m, a)
        {
            attributes_changed.push(m.clone());
        }
    }
    let ids_of = |list: &[media_attachment::Model]| list.iter().map(|m| m.id).collect::<Vec<_>>();
    let media_changed = ids_of(&before_media) != ids_of(&after_media);
    let unchanged = !media_changed
        && attributes_changed.is_empty()
        && text == current.text
        && spoiler_text == current.spoiler_text
        && sensitive == current.sensitive
        && Some(&language) == current.language.as_ref();
    if unchanged {
        txn.rollback().await?;
        return Ok(current);
    }

    let now = Utc::now();
    snapshot_original(&txn, &current, &before_media).await?;
    let newly_attached = after_media.iter().filter(|m| m.status_id.is_none()).count();
    if replace_media(&txn, id, &after_media).await? != newly_attached as u64 {
        // A concurrent post took one of them.
        return Err(CoreError::field(
            "media_ids",
            "ERR_INVALID",
            "must name your own media that is not attached to another post",
        ));
    }
    for m in attributes_changed {
        media_attachment::ActiveModel {
            id: Unchanged(m.id),
            description: Set(m.description),
            meta: Set(m.meta),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&txn)
        .await?;
    }
    let mut row = current.clone().into_active_model();
    row.text = Set(text);
    row.content = Set(content);
    row.spoiler_text = Set(spoiler_text);
    row.sensitive = Set(sensitive);
    row.language = Set(Some(language));
    row.has_media = Set(!after_media.is_empty());
    row.edited_at = Set(Some(now));
    row.updated_at = Set(now);
    let updated = row.update(&txn).await?;

    let mention_ids: Vec<i64> = mentioned.iter().map(|(_, a)| a.id).collect();
    let added = sync_mentions(&txn, id, &mention_ids).await?;
    replace_tags(&txn, id, &hashtags).await?;
    fan_out(&txn, &[updated.id]).await?;
    notify_mentioned(&txn, &updated, &added).await?;
    notify_boosters(&txn, &updated).await?;
    snapshot(&txn, &updated, &after_media, now).await?;
    events::emit(
        &txn,
        author.account.id,
        &Event::StatusUpdated { status_id: id },
    )
    .await?;
    txn.commit().await?;
    inst.events_written();
    Ok(updated)
}

/// Every version of `status`, oldest first; one (the current) if it was never edited.
pub async fn history(inst: &Instance, status: &status::Model) -> CoreResult<Vec<StatusVersion>> {
    let conn = &inst.store.read;
    let rows = status_edit::Entity::find()
        .filter(status_edit::Column::StatusId.eq(status.id))
        .order_by_asc(status_edit::Column::Id)
        .all(conn)
        .await?;
    if rows.is_empty() {
        let account = accounts::get(inst, status.account_id).await?;
        return Ok(vec![StatusVersion {
            account,
            content: status.content.clone(),
            spoiler_text: status.spoiler_text.clone(),
            sensitive: status.sensitive,
            created_at: status.edited_at.unwrap_or(status.created_at),
            media: media_of(conn, status.id).await?,
        }]);
    }
    let versions: Vec<Vec<VersionMedia>> = rows.iter().map(|r| version_media(&r.media)).collect();
    let media_ids: HashSet<i64> = versions.iter().flatten().map(|m| m.id).collect();
    let media: HashMap<i64, media_attachment::Model> = if media_ids.is_empty() {
        HashMap::new()
    } else {
        media_attachment::Entity::find()
            .filter(media_attachment::Column::Id.is_in(media_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect()
    };
    let authors: HashMap<i64, account::Model> =
        accounts::get_many(conn, rows.iter().map(|r| r.account_id))
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
    Ok(rows
        .into_iter()
        .zip(versions)
        .filter_map(|(row, version)| {
            Some(StatusVersion {
                account: authors.get(&row.account_id)?.clone(),
                content: row.content,
                spoiler_text: row.spoiler_text,
                sensitive: row.sensitive,
                created_at: row.created_at,
                media: version
                    .into_iter()
                    .filter_map(|v| {
                        let mut m = media.get(&v.id)?.clone();
                        m.description = v.description;
                        Some(m)
                    })
                    .collect(),
            })
        })
        .collect())
}

/// Applies `a` to `m`; true when something changed.
fn apply_attributes(m: &mut media_attachment::Model, a: &MediaAttributes) -> bool {
    let mut changed = false;
    if let Some(d) = &a.description {
        let d = Some(d.clone()).filter(|d| !d.trim().is_empty());
        if d != m.description {
            m.description = d;
            changed = true;
        }
    }
    if let Some((x, y)) = a.focus {
        let mut meta: serde_json::Value =
            serde_json::from_str(&m.meta).unwrap_or_else(|_| json!({}));
        let focus = json!({"x": x, "y": y});
        if meta.get("focus") != Some(&focus) {
            meta["focus"] = focus;
            m.meta = meta.to_string();
            changed = true;
        }
    }
    changed
}

fn version_media(stored: &str) -> Vec<VersionMedia> {
    serde_json::from_str(stored).unwrap_or_default()
}

/// Locks the row of status `id` until the end of `txn` (so that concurrent edits
/// take turns: on PostgreSQL an update holds the row; SQLite has one writer) and
/// reads it.
pub(crate) async fn lock_status(
    txn: &DatabaseTransaction,
    id: i64,
) -> CoreResult<Option<status::Model>> {
    status::Entity::update_many()
        .col_expr(
            status::Column::UpdatedAt,
            Expr::col(status::Column::UpdatedAt),
        )
        .filter(status::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(status::Entity::find_by_id(id).one(txn).await?)
}

/// The attachments of a status, oldest first (the order the Status entity shows).
pub(crate) async fn media_of(
    conn: &impl ConnectionTrait,
    status_id: i64,
) -> CoreResult<Vec<media_attachment::Model>> {
    Ok(media_attachment::Entity::find()
        .filter(media_attachment::Column::StatusId.eq(status_id))
        .order_by_asc(media_attachment::Column::Id)
        .all(conn)
        .await?)
}

/// Stores the version `status` is now, with `media`, dated `at`.
pub(crate) async fn snapshot(
    txn: &DatabaseTransaction,
    status: &status::Model,
    media: &[media_attachment::Model],
    at: DateTime<Utc>,
) -> CoreResult<()> {
    let media: Vec<VersionMedia> = media
        .iter()
        .map(|m| VersionMedia {
            id: m.id,
            description: m.description.clone(),
        })
        .collect();
    status_edit::Entity::insert(
        status_edit::Model {
            id: next_id(),
            status_id: status.id,
            account_id: status.account_id,
            text: status.text.clone(),
            content: status.content.clone(),
            spoiler_text: status.spoiler_text.clone(),
            sensitive: status.sensitive,
            media: serde_json::to_string(&media)
                .map_err(|e| CoreError::Internal(format!("edit media: {e}")))?,
            created_at: at,
        }
        .into_active_model(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// Before the first edit of `status`: stores its original version, dated when it was
/// posted (Mastodon's `create_previous_edit!`).
pub(crate) async fn snapshot_original(
    txn: &DatabaseTransaction,
    status: &status::Model,
    media: &[media_attachment::Model],
) -> CoreResult<()> {
    let versions = status_edit::Entity::find()
        .filter(status_edit::Column::StatusId.eq(status.id))
        .count(txn)
        .await?;
    if versions == 0 {
        snapshot(txn, status, media, status.created_at).await?;
    }
    Ok(())
}

/// Makes `media` (rows that exist, owned by the author) the attachments of
/// `status_id`; attachments no longer in it are detached and kept for the history.
/// Returns how many were attached that were attached to nothing.
pub(crate) async fn replace_media(
    txn: &DatabaseTransaction,
    status_id: i64,
    media: &[media_attachment::Model],
) -> CoreResult<u64> {
    let ids: Vec<i64> = media.iter().map(|m| m.id).collect();
    media_attachment::Entity::update_many()
        .col_expr(
            media_attachment::Column::StatusId,
            Expr::value(Option::<i64>::None),
        )
        .filter(media_attachment::Column::StatusId.eq(status_id))
        .filter(media_attachment::Column::Id.is_not_in(ids.clone()))
        .exec(txn)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(media_attachment::Entity::update_many()
        .col_expr(
            media_attachment::Column::StatusId,
            Expr::value(Some(status_id)),
        )
        .filter(media_attachment::Column::Id.is_in(ids))
        .filter(media_attachment::Column::StatusId.is_null())
        .exec(txn)
        .await?
        .rows_affected)
}

/// Makes `account_ids` the active mentions of `status_id`: new ones are added, earlier
/// ones no longer named become silent (they keep access, as in Mastodon). Returns the
/// accounts mentioned for the first time.
pub(crate) async fn sync_mentions(
    txn: &DatabaseTransaction,
    status_id: i64,
    account_ids: &[i64],
) -> CoreResult<Vec<i64>> {
    let existing: HashMap<i64, bool> = status_mention::Entity::find()
        .filter(status_mention::Column::StatusId.eq(status_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| (m.account_id, m.silent))
        .collect();
    let wanted: HashSet<i64> = account_ids.iter().copied().collect();
    let added: Vec<i64> = wanted
        .iter()
        .copied()
        .filter(|id| !existing.contains_key(id))
        .collect();
    if !added.is_empty() {
        status_mention::Entity::insert_many(added.iter().map(|&account_id| {
            status_mention::Model {
                status_id,
                account_id,
                silent: false,
            }
            .into_active_model()
        }))
        .exec_without_returning(txn)
        .await?;
    }
    let back: Vec<i64> = existing
        .iter()
        .filter(|(id, silent)| **silent && wanted.contains(id))
        .map(|(id, _)| *id)
        .collect();
    let gone: Vec<i64> = existing
        .iter()
        .filter(|(id, silent)| !**silent && !wanted.contains(id))
        .map(|(id, _)| *id)
        .collect();
    set_silent(txn, status_id, false, back).await?;
    set_silent(txn, status_id, true, gone).await?;
    Ok(added)
}

async fn set_silent(
    txn: &DatabaseTransaction,
    status_id: i64,
    silent: bool,
    account_ids: Vec<i64>,
) -> CoreResult<()> {
    if account_ids.is_empty() {
        return Ok(());
    }
    status_mention::Entity::update_many()
        .col_expr(status_mention::Column::Silent, Expr::value(silent))
        .filter(status_mention::Column::StatusId.eq(status_id))
        .filter(status_mention::Column::AccountId.is_in(account_ids))
        .exec(txn)
        .await?;
    Ok(())
}

/// Makes `names` the hashtags of `status_id`.
pub(crate) async fn replace_tags(
    txn: &DatabaseTransaction,
    status_id: i64,
    names: &[String],
) -> CoreResult<()> {
    status_tag::Entity::delete_many()
        .filter(status_tag::Column::StatusId.eq(status_id))
        .exec(txn)
        .await?;
    if names.is_empty() {
        return Ok(());
    }
    let tag_ids = upsert_tags(txn, names).await?;
    status_tag::Entity::insert_many(
        tag_ids
            .into_iter()
            .map(|tag_id| status_tag::Model { tag_id, status_id }.into_active_model()),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// `mention` notifications for those of `account_ids` that are local, usable, not the
/// author and not blocking the author.
pub(crate) async fn notify_mentioned(
    txn: &DatabaseTransaction,
    status: &status::Model,
    account_ids: &[i64],
) -> CoreResult<()> {
    if account_ids.is_empty() {
        return Ok(());
    }
    let candidates: Vec<i64> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::Id.is_in(account_ids.iter().copied()))
        .filter(account::Column::Id.ne(status.account_id))
        .filter(account::Column::Domain.is_null())
        .filter(account::Column::SuspendedAt.is_null())
        .into_tuple()
        .all(txn)
        .await?;
    let blocking: HashSet<i64> = if candidates.is_empty() {
        HashSet::new()
    } else {
        block::Entity::find()
            .select_only()
            .column(block::Column::AccountId)
            .filter(block::Column::AccountId.is_in(candidates.iter().copied()))
            .filter(block::Column::TargetAccountId.eq(status.account_id))
            .into_tuple::<i64>()
            .all(txn)
            .await?
            .into_iter()
            .collect()
    };
    let recipients: Vec<i64> = candidates
        .into_iter()
        .filter(|id| !blocking.contains(id))
        .collect();
    crate::notifications::notify_many(
        txn,
        &recipients,
        status.account_id,
        "mention",
        Some(status.id),
    )
    .await
}

/// `update` notifications for the local accounts (other than the author) that boosted
/// `status` (Mastodon's `notify_about_update!`).
pub(crate) async fn notify_boosters(
    txn: &DatabaseTransaction,
    status: &status::Model,
) -> CoreResult<()> {
    let boosters: HashSet<i64> = status::Entity::find()
        .select_only()
        .column(status::Column::AccountId)
        .filter(status::Column::ReblogOfId.eq(status.id))
        .filter(status::Column::AccountId.ne(status.account_id))
        .into_tuple::<i64>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    if boosters.is_empty() {
        return Ok(());
    }
    let local: Vec<i64> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::Id.is_in(boosters))
        .filter(account::Column::Domain.is_null())
        .filter(account::Column::SuspendedAt.is_null())
        .into_tuple()
        .all(txn)
        .await?;
    crate::notifications::notify_many(txn, &local, status.account_id, "update", Some(status.id))
        .await
}

/// Attachments that edits took off `status_ids` and that nothing else uses: they go
/// when the status goes.
pub(crate) async fn media_left_by_edits(
    conn: &impl ConnectionTrait,
    status_ids: &[i64],
) -> CoreResult<Vec<i64>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = status_edit::Entity::find()
        .filter(status_edit::Column::StatusId.is_in(status_ids.iter().copied()))
        .all(conn)
        .await?;
    let ids: HashSet<i64> = rows
        .iter()
        .flat_map(|r| version_media(&r.media))
        .map(|m| m.id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let authors: HashSet<i64> = rows.iter().map(|r| r.account_id).collect();
    Ok(media_attachment::Entity::find()
        .select_only()
        .column(media_attachment::Column::Id)
        .filter(media_attachment::Column::Id.is_in(ids))
        .filter(media_attachment::Column::AccountId.is_in(authors))
        .filter(media_attachment::Column::StatusId.is_null())
        .into_tuple()
        .all(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_media_reads_what_snapshot_writes() {
        let stored = serde_json::to_string(&[VersionMedia {
            id: 7,
            description: Some("a cat".into()),
        }])
        .unwrap();
        let read = version_media(&stored);
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].id, 7);
        assert_eq!(read[0].description.as_deref(), Some("a cat"));
        assert!(version_media("not json").is_empty());
    }
}
