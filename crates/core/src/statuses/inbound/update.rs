//! Edits and deletions of stored remote statuses, by their authors.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set, Unchanged};

use super::{Cleaned, RemoteStatus, existing_accounts, find_on, media_row, stopped_error};
use crate::entities::{media_attachment, status};
use crate::error::{CoreError, CoreResult};
use crate::instance::Instance;
use crate::moderation::content::Stopped;
use crate::moderation::held::{self, HeldKind};
use crate::statuses::edit::{
    lock_status, media_of, notify_boosters, notify_mentioned, replace_media, replace_tags,
    snapshot, snapshot_original, sync_mentions,
};
use crate::statuses::{delete_rows, fan_out, media_files_of};

/// Applies a remote edit of a status to the stored one, keeping the history as local
/// edits do. `None` when no status has the `uri` or its author is someone else. An
/// edit older than the stored one, or one that changes nothing, leaves it as it is.
pub async fn update(inst: &Instance, s: RemoteStatus) -> CoreResult<Option<status::Model>> {
    let Some(current) = find_on(&inst.store.write, &s.uri).await? else {
        return Ok(None);
    };
    if current.account_id != s.account_id || current.local || current.reblog_of_id.is_some() {
        return Ok(None);
    }
    // An edit passes the content policy as a new post does: a refused one is not
    // applied, a held one waits for a moderator.
    let mut screened = [s];
    let stop = crate::moderation::content::screen_remote(inst, &mut screened)
        .await?
        .pop()
        .flatten();
    let [s] = screened;
    let Some(stop) = stop else {
        return apply_update(inst, s).await;
    };
    if let Stopped::Held(d) = &stop {
        held::hold(inst, HeldKind::Update, &s, d).await?;
    }
    Err(stopped_error(&stop))
}

/// Applies an edit that has passed the content policy (as [`update`] does after it).
pub(crate) async fn apply_update(
    inst: &Instance,
    s: RemoteStatus,
) -> CoreResult<Option<status::Model>> {
    let Some(current) = find_on(&inst.store.write, &s.uri).await? else {
        return Ok(None);
    };
    if current.account_id != s.account_id || current.local || current.reblog_of_id.is_some() {
        return Ok(None);
    }
    let now = Utc::now();
    let edited_at = s.edited_at.unwrap_or(now).min(now);
    if current.edited_at.is_some_and(|stored| stored >= edited_at) {
        return Ok(Some(current));
    }
    let clean = Cleaned::of(&s);

    let txn = inst.store.begin().await?;
    // Re-read under the row lock: a concurrent update of the same status waits.
    let Some(current) = lock_status(&txn, current.id).await? else {
        txn.rollback().await?;
        return Ok(None);
    };
    if current.edited_at.is_some_and(|stored| stored >= edited_at) {
        txn.rollback().await?;
        return Ok(Some(current));
    }
    let before_media = media_of(&txn, current.id).await?;
    let mut after_media = Vec::new();
    let mut media_changed = false;
    for m in &clean.media {
        let mut row = media_row(m, current.account_id, current.id, now);
        match before_media.iter().find(|b| {
            b.remote_url.as_deref() == Some(m.remote_url.as_str())
                && !after_media
                    .iter()
                    .any(|a: &media_attachment::Model| a.id == b.id)
        }) {
            Some(kept) => {
                row.id = kept.id;
                row.created_at = kept.created_at;
                let same = (&row.kind, &row.description, &row.meta, &row.blurhash)
                    == (&kept.kind, &kept.description, &kept.meta, &kept.blurhash);
                if same {
                    row.updated_at = kept.updated_at;
                } else {
                    media_changed = true;
                }
                after_media.push(row);
            }
            None => {
                media_changed = true;
                after_media.push(row);
            }
        }
    }
    let ids = |list: &[media_attachment::Model]| list.iter().map(|m| m.id).collect::<Vec<_>>();
    media_changed |= ids(&before_media) != ids(&after_media);
    let changed = media_changed
        || clean.content != current.content
        || clean.spoiler_text != current.spoiler_text
        || s.sensitive != current.sensitive
        || clean.language != current.language;
    if !changed {
        txn.rollback().await?;
        return Ok(Some(current));
    }

    snapshot_original(&txn, &current, &before_media).await?;
    for m in &after_media {
        match before_media.iter().find(|b| b.id == m.id) {
            Some(kept) if kept == m => {}
            Some(_) => {
                media_attachment::ActiveModel {
                    id: Unchanged(m.id),
                    kind: Set(m.kind.clone()),
                    content_type: Set(m.content_type.clone()),
                    meta: Set(m.meta.clone()),
                    description: Set(m.description.clone()),
                    blurhash: Set(m.blurhash.clone()),
                    updated_at: Set(m.updated_at),
                    ..Default::default()
                }
                .update(&txn)
                .await?;
            }
            None => {
                media_attachment::Entity::insert(m.clone().into_active_model())
                    .exec_without_returning(&txn)
                    .await?;
            }
        }
    }
    replace_media(&txn, current.id, &after_media).await?;
    let mut row = current.clone().into_active_model();
    if clean.url.is_some() {
        row.url = Set(clean.url.clone());
    }
    row.content = Set(clean.content.clone());
    row.spoiler_text = Set(clean.spoiler_text.clone());
    row.sensitive = Set(s.sensitive);
    row.language = Set(clean.language.clone());
    row.has_media = Set(!after_media.is_empty());
    row.edited_at = Set(Some(edited_at));
    row.updated_at = Set(now);
    let updated = row.update(&txn).await?;

    let mentions = existing_accounts(&txn, &clean.mentions).await?;
    let added = sync_mentions(&txn, updated.id, &mentions).await?;
    replace_tags(&txn, updated.id, &clean.tags).await?;
    fan_out(&txn, &[updated.id]).await?;
    notify_mentioned(&txn, &updated, &added).await?;
    notify_boosters(&txn, &updated).await?;
    snapshot(&txn, &updated, &after_media, edited_at).await?;
    txn.commit().await?;
    Ok(Some(updated))
}

/// Deletes the status with `uri` on behalf of `actor_account_id`, who must be its
/// author (Forbidden otherwise). Returns whether there was such a status.
pub async fn delete(inst: &Instance, uri: &str, actor_account_id: i64) -> CoreResult<bool> {
    // Whatever of it waits for review goes too.
    held::forget_post(&inst.store.write, uri, actor_account_id).await?;
    let Some(status) = find_on(&inst.store.write, uri).await? else {
        return Ok(false);
    };
    if status.account_id != actor_account_id {
        return Err(CoreError::Forbidden(
            "only the author may delete a status".into(),
        ));
    }
    let files = media_files_of(&inst.store.write, &[status.id]).await?;
    let txn = inst.store.begin().await?;
    delete_rows(&txn, std::slice::from_ref(&status)).await?;
    txn.commit().await?;
    for f in files {
        inst.media.remove(&f).await;
    }
    Ok(true)
}
