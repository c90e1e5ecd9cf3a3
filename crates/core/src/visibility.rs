//! Who may see what: the one rule every door asks — the client API, the pages,
//! WebFinger and the ActivityPub documents, search, and the streams to come — so that
//! no two of them can disagree.
//!
//! **Accounts.** A local account awaiting approval exists for nobody yet (the admin
//! API and the moderation tools read it through [`crate::moderation::accounts`]): it
//! is not found by id or by name, not served to the fediverse, not listed in results.
//! A suspended account is still found (the client API says `suspended`, the actor
//! document answers `410 Gone`); what it posted is not.
//!
//! **Statuses.** Public and unlisted statuses are seen by everyone, followers-only ones
//! by the author's followers and the accounts they mention, direct ones by the accounts
//! they mention; a suspended author's statuses by nobody but the author.
//!
//! **Results** (search, threads, timelines) also leave out what the reader chose not to
//! see and what the instance limits ([`crate::hidden`]).

use std::collections::HashSet;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::entities::{account, follow, status, status_mention, user};
use crate::error::{CoreError, CoreResult};
use crate::instance::Instance;
use crate::statuses::Visibility;

/// Whether `account` is a local account whose sign-up waits for approval.
async fn is_pending(conn: &impl ConnectionTrait, account: &account::Model) -> CoreResult<bool> {
    if !account.is_local() {
        return Ok(false);
    }
    let approved: Option<bool> = user::Entity::find()
        .select_only()
        .column(user::Column::Approved)
        .filter(user::Column::AccountId.eq(account.id))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(approved == Some(false))
}

/// Account `id` (local or remote), unless it may not be seen (NotFound).
pub async fn account(inst: &Instance, id: i64) -> CoreResult<account::Model> {
    let account = crate::accounts::get(inst, id).await?;
    if is_pending(&inst.store.read, &account).await? {
        return Err(CoreError::NotFound);
    }
    Ok(account)
}

/// The local account `username` (any case), unless it may not be seen.
pub async fn local_account(inst: &Instance, username: &str) -> CoreResult<Option<account::Model>> {
    let Some(account) = crate::accounts::find_local(inst, username).await? else {
        return Ok(None);
    };
    Ok((!is_pending(&inst.store.read, &account).await?).then_some(account))
}

/// Whether `viewer` may see whom `account` follows and who follows it: not when the
/// account is suspended, nor when it hides its network (`hide_collections`) from
/// anyone but itself. The counts stay public, as in Mastodon.
pub fn shows_network(account: &account::Model, viewer: Option<i64>) -> bool {
    account.suspended_at.is_none() && (!account.hide_collections || viewer == Some(account.id))
}

/// Whether `account` is a result for `viewer` (search, lists of accounts): it may be
/// seen, and the viewer does not hide it (blocks either way, mutes, domain blocks) nor
/// the instance limit it to its followers.
pub async fn is_listed(
    inst: &Instance,
    viewer: Option<i64>,
    account: &account::Model,
) -> CoreResult<bool> {
    if is_pending(&inst.store.read, account).await? {
        return Ok(false);
    }
    let authors = HashSet::from([account.id]);
    Ok(!crate::hidden::hidden_authors(inst, viewer, &authors)
        .await?
        .contains(&account.id))
}

/// Whether `status` is a result for `viewer`: [`can_view`], and its author
/// [`is_listed`] for the viewer.
pub async fn is_status_listed(
    inst: &Instance,
    viewer: Option<i64>,
    status: &status::Model,
) -> CoreResult<bool> {
    if !can_view(inst, status, viewer).await? {
        return Ok(false);
    }
    let authors = HashSet::from([status.account_id]);
    Ok(!crate::hidden::hidden_authors(inst, viewer, &authors)
        .await?
        .contains(&status.account_id))
}

/// Status `id` of `author` (not a boost) as `viewer` may see it: what a status page or
/// an ActivityPub document at `/@author/id` shows. NotFound otherwise.
pub async fn status_of(
    inst: &Instance,
    author: &account::Model,
    id: i64,
    viewer: Option<i64>,
) -> CoreResult<status::Model> {
    let status = get_status(inst, id, viewer).await?;
    if status.account_id != author.id || status.reblog_of_id.is_some() {
        return Err(CoreError::NotFound);
    }
    Ok(status)
}

/// A status by id, if `viewer` may see it (NotFound otherwise, so that private posts
/// do not reveal that they exist).
pub async fn get_status(
    inst: &Instance,
    id: i64,
    viewer: Option<i64>,
) -> CoreResult<status::Model> {
    let status = crate::statuses::get(inst, id).await?;
    if can_view(inst, &status, viewer).await? {
        Ok(status)
    } else {
        Err(CoreError::NotFound)
    }
}

/// Whether `viewer` (an account id, or anonymous) may see `status`.
pub async fn can_view(
    inst: &Instance,
    status: &status::Model,
    viewer: Option<i64>,
) -> CoreResult<bool> {
    Ok(
        visible_subset(&inst.store.read, std::slice::from_ref(status), viewer)
            .await?
            .contains(&status.id),
    )
}

/// The ids among `statuses` that `viewer` may see. Suspended authors' statuses are
/// hidden from everyone but themselves.
pub async fn visible_subset(
    conn: &impl ConnectionTrait,
    statuses: &[status::Model],
    viewer: Option<i64>,
) -> CoreResult<HashSet<i64>> {
    let author_ids: HashSet<i64> = statuses.iter().map(|s| s.account_id).collect();
    let suspended: HashSet<i64> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::Id.is_in(author_ids.iter().copied()))
        .filter(account::Column::SuspendedAt.is_not_null())
        .into_tuple::<i64>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let restricted: Vec<&status::Model> = statuses
        .iter()
        .filter(|s| !Visibility::of(s).is_distributable() && Some(s.account_id) != viewer)
        .collect();
    let (following, mentioned) = match (viewer, restricted.is_empty()) {
        (Some(viewer), false) => {
            let following: HashSet<i64> = follow::Entity::find()
                .select_only()
                .column(follow::Column::TargetAccountId)
                .filter(follow::Column::AccountId.eq(viewer))
                .filter(
                    follow::Column::TargetAccountId.is_in(restricted.iter().map(|s| s.account_id)),
                )
                .into_tuple::<i64>()
                .all(conn)
                .await?
                .into_iter()
                .collect();
            let mentioned: HashSet<i64> = status_mention::Entity::find()
                .select_only()
                .column(status_mention::Column::StatusId)
                .filter(status_mention::Column::AccountId.eq(viewer))
                .filter(status_mention::Column::StatusId.is_in(restricted.iter().map(|s| s.id)))
                .into_tuple::<i64>()
                .all(conn)
                .await?
                .into_iter()
                .collect();
            (following, mentioned)
        }
        _ => Default::default(),
    };
    Ok(statuses
        .iter()
        .filter(|s| {
            let own = Some(s.account_id) == viewer;
            if suspended.contains(&s.account_id) && !own {
                return false;
            }
            own || match Visibility::of(s) {
                Visibility::Public | Visibility::Unlisted => true,
                Visibility::Private => {
                    following.contains(&s.account_id) || mentioned.contains(&s.id)
                }
                Visibility::Direct => mentioned.contains(&s.id),
            }
        })
        .map(|s| s.id)
        .collect())
}
