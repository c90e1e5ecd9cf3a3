//! Boosts as remote servers report them: a remote account's `Announce` of a status we
//! know, and its `Undo`. Nothing here emits an event: remote actions are not federated
//! again.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{BoostIds, boost_of, new_boost, original_of, remove_boost, write_boost};
use crate::entities::{account, status};
use crate::error::{CoreError, CoreResult};
use crate::id::next_id;
use crate::instance::Instance;
use crate::statuses::{self, Visibility};
use crate::visibility;

/// Remote `booster` boosts `original_id` (a boost: its original) with the `Announce`
/// id `uri`, published at `published`, addressed as `visibility`.
///
/// Returns the boost: the new one, or the one already stored under `uri` or for this
/// booster and status (an `Announce` delivered twice writes nothing). `None` when the
/// announce is ignored, as Mastodon ignores it: the booster may not see the status, or
/// it is followers-only and not the booster's own, or direct, or the boost would be
/// direct.
pub async fn announced(
    inst: &Instance,
    booster: &account::Model,
    original_id: i64,
    uri: &str,
    published: DateTime<Utc>,
    visibility: Visibility,
) -> CoreResult<Option<status::Model>> {
    if booster.is_local() {
        return Err(CoreError::Invalid(
            "a local account cannot boost remotely".into(),
        ));
    }
    if let Some(existing) = by_uri(inst, uri).await? {
        return if existing.account_id == booster.id && existing.reblog_of_id.is_some() {
            Ok(Some(existing))
        } else {
            Err(CoreError::Invalid(format!(
                "{uri} already names another status"
            )))
        };
    }
    let original = original_of(inst, statuses::get(inst, original_id).await?).await?;
    if !visibility::can_view(inst, &original, Some(booster.id)).await? {
        return Ok(None);
    }
    let visibility = match Visibility::of(&original) {
        Visibility::Public | Visibility::Unlisted => visibility,
        Visibility::Private if original.account_id == booster.id => Visibility::Private,
        Visibility::Private | Visibility::Direct => return Ok(None),
    };
    if visibility == Visibility::Direct {
        return Ok(None);
    }
    if let Some(existing) = boost_of(&inst.store.read, booster.id, original.id).await? {
        return Ok(Some(existing));
    }
    let ids = BoostIds {
        id: next_id(),
        uri: uri.to_string(),
        url: None,
        local: false,
    };
    let boost = new_boost(ids, booster.id, &original, visibility, published);

    let txn = inst.store.begin().await?;
    match write_boost(&txn, &boost, &original).await {
        Ok(None) => {}
        Ok(Some(existing)) => {
            txn.rollback().await?;
            return Ok(Some(existing));
        }
        Err(e) if e.is_unique_violation() => {
            // The same `Announce`, delivered twice at once: the other delivery won.
            txn.rollback().await?;
            return by_uri(inst, uri).await;
        }
        Err(e) => return Err(e),
    }
    txn.commit().await?;
    Ok(Some(boost))
}

/// Remote `booster_id` withdraws its boost `uri` (`Undo` `Announce`). Returns whether a
/// boost was removed.
pub async fn unannounced(inst: &Instance, booster_id: i64, uri: &str) -> CoreResult<bool> {
    let Some(boost) = by_uri(inst, uri).await? else {
        return Ok(false);
    };
    if boost.account_id != booster_id || boost.reblog_of_id.is_none() {
        return Ok(false);
    }
    let txn = inst.store.begin().await?;
    let removed = remove_boost(&txn, &boost).await?;
    txn.commit().await?;
    Ok(removed)
}

async fn by_uri(inst: &Instance, uri: &str) -> CoreResult<Option<status::Model>> {
    Ok(status::Entity::find()
        .filter(status::Column::Uri.eq(uri))
        .one(&inst.store.write)
        .await?)
}
