//! Posts held for review: remote posts (and edits of stored ones) that a content rule
//! with `action = "hold"` matched.
//!
//! A held post is not stored: nobody sees it, nobody is notified. It waits in
//! `held_posts`, as federation parsed it, until a moderator acts on it (command line
//! `starling held`, or the moderation page):
//!
//! - **release**: it is stored as if it had just arrived (home feeds, mentions,
//!   notifications), or, for an edit, applied; the other rules' marks (sensitive,
//!   media dropped) stay as they were when it was held;
//! - **discard**: it is dropped.
//!
//! Both are written to the audit log (`held.release`, `held.discard`), as holding is
//! (`policy.hold`). When the author deletes the post, or the account is purged (its
//! domain suspended, the actor deleted), what it had waiting goes with it.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::blocks::{self, Moderator};
use super::content::{Decision, visible_text};
use crate::entities::{account, held_post, status};
use crate::error::{CoreError, CoreResult};
use crate::id::next_id;
use crate::instance::Instance;
use crate::statuses::inbound::{self, RemoteStatus};

/// What a held post would do when released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldKind {
    /// A new post.
    Create,
    /// An edit of a stored post.
    Update,
}

impl HeldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HeldKind::Create => "create",
            HeldKind::Update => "update",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "update" {
            HeldKind::Update
        } else {
            HeldKind::Create
        }
    }
}

/// A post waiting for a moderator.
#[derive(Debug, Clone)]
pub struct HeldPost {
    pub id: i64,
    pub uri: String,
    pub kind: HeldKind,
    pub account_id: i64,
    /// `user@domain` of the author (empty if the account row is gone).
    pub acct: String,
    /// The rule that held it, and why.
    pub rule: String,
    pub reason: String,
    pub held_at: DateTime<Utc>,
    pub post: RemoteStatus,
}

impl HeldPost {
    /// The post's text as the rules read it: content warning, then content.
    pub fn text(&self) -> String {
        let body = visible_text(&self.post.content_html);
        let body = body.trim();
        match self.post.spoiler_text.trim() {
            "" => body.to_string(),
            cw => format!("[{cw}] {body}"),
        }
    }
}

/// Keeps `post` for review, as `decision` said. Holding the same post again (a
/// redelivery) changes nothing; a later edit replaces an earlier held one.
pub(crate) async fn hold(
    inst: &Instance,
    kind: HeldKind,
    post: &RemoteStatus,
    decision: &Decision,
) -> CoreResult<()> {
    let row = held_post::ActiveModel {
        id: Set(next_id()),
        uri: Set(post.uri.clone()),
        kind: Set(kind.as_str().into()),
        account_id: Set(post.account_id),
        rule: Set(decision.rule.clone()),
        reason: Set(decision.reason.clone()),
        post: Set(serde_json::to_string(post).map_err(|e| CoreError::Internal(e.to_string()))?),
        created_at: Set(Utc::now()),
    };
    let mut conflict = OnConflict::columns([held_post::Column::Uri, held_post::Column::Kind]);
    match kind {
        HeldKind::Create => conflict.do_nothing(),
        HeldKind::Update => conflict.update_columns([
            held_post::Column::Rule,
            held_post::Column::Reason,
            held_post::Column::Post,
            held_post::Column::CreatedAt,
        ]),
    };
    held_post::Entity::insert(row)
        .on_conflict(conflict)
        .try_insert()
        .exec_without_returning(&inst.store.write)
        .await?;
    Ok(())
}

/// The posts waiting, oldest first, at most `limit`, and how many wait in all.
pub async fn list(inst: &Instance, limit: u64) -> CoreResult<(Vec<HeldPost>, u64)> {
    use sea_orm::PaginatorTrait;
    let rows = held_post::Entity::find()
        .order_by_asc(held_post::Column::Id)
        .limit(limit)
        .all(&inst.store.read)
        .await?;
    let total = held_post::Entity::find().count(&inst.store.read).await?;
    Ok((of_rows(inst, rows).await?, total))
}

/// One waiting post.
pub async fn get(inst: &Instance, id: i64) -> CoreResult<HeldPost> {
    let row = held_post::Entity::find_by_id(id)
        .one(&inst.store.write)
        .await?
        .ok_or_else(|| {
            CoreError::NotFoundMessage(format!("no post held for review has id {id}"))
        })?;
    Ok(of_rows(inst, vec![row]).await?.remove(0))
}

async fn of_rows(inst: &Instance, rows: Vec<held_post::Model>) -> CoreResult<Vec<HeldPost>> {
    let accts: std::collections::HashMap<i64, String> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .column(account::Column::Username)
        .column(account::Column::Domain)
        .filter(account::Column::Id.is_in(rows.iter().map(|r| r.account_id)))
        .into_tuple::<(i64, String, Option<String>)>()
        .all(&inst.store.read)
        .await?
        .into_iter()
        .map(|(id, user, domain)| (id, format!("{user}@{}", domain.unwrap_or_default())))
        .collect();
    rows.into_iter()
        .map(|r| {
            let post: RemoteStatus = serde_json::from_str(&r.post).map_err(|e| {
                CoreError::Internal(format!("held post {} is unreadable: {e}", r.id))
            })?;
            Ok(HeldPost {
                id: r.id,
                acct: accts.get(&r.account_id).cloned().unwrap_or_default(),
                uri: r.uri,
                kind: HeldKind::parse(&r.kind),
                account_id: r.account_id,
                rule: r.rule,
                reason: r.reason,
                held_at: r.created_at,
                post,
            })
        })
        .collect()
}

/// Releases a held post: stores it (or applies the edit) as if it had just arrived,
/// and answers the stored status (`None` for an edit of a post that is gone). If it
/// cannot be stored (its author was suspended since) it stays held, and the error
/// says why.
pub async fn release(inst: &Instance, by: Moderator, id: i64) -> CoreResult<Option<status::Model>> {
    let held = get(inst, id).await?;
    let mut post = held.post.clone();
    // What it pointed at when it arrived may be gone since.
    if let Some(parent) = post.in_reply_to_id
        && status::Entity::find_by_id(parent)
            .one(&inst.store.read)
            .await?
            .is_none()
    {
        post.in_reply_to_id = None;
    }
    if !post.mentions.is_empty() {
        let known: std::collections::HashSet<i64> = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .filter(account::Column::Id.is_in(post.mentions.clone()))
            .into_tuple::<i64>()
            .all(&inst.store.read)
            .await?
            .into_iter()
            .collect();
        post.mentions.retain(|m| known.contains(m));
    }
    let stored = match held.kind {
        HeldKind::Create => Some(inbound::store(inst, post).await?.0),
        HeldKind::Update => inbound::apply_update(inst, post).await?,
    };
    held_post::Entity::delete_by_id(id)
        .exec(&inst.store.write)
        .await?;
    audit(
        inst,
        by,
        "held.release",
        &held,
        json!({"status_id": stored.as_ref().map(|s| s.id.to_string())}),
    )
    .await?;
    Ok(stored)
}

/// Discards a held post.
pub async fn discard(inst: &Instance, by: Moderator, id: i64) -> CoreResult<()> {
    let held = get(inst, id).await?;
    let gone = held_post::Entity::delete_by_id(id)
        .exec(&inst.store.write)
        .await?;
    if gone.rows_affected == 0 {
        return Err(CoreError::NotFoundMessage(format!(
            "no post held for review has id {id}"
        )));
    }
    audit(inst, by, "held.discard", &held, json!({})).await
}

/// Writes what a moderator did with `held` to the audit log, with `extra` details.
async fn audit(
    inst: &Instance,
    by: Moderator,
    action: &str,
    held: &HeldPost,
    mut extra: serde_json::Value,
) -> CoreResult<()> {
    extra["rule"] = json!(held.rule);
    extra["reason"] = json!(held.reason);
    extra["author"] = json!(held.acct);
    extra["kind"] = json!(held.kind.as_str());
    blocks::log(&inst.store.write, by, action, "status", &held.uri, extra).await
}

/// Forgets what `account_id` has waiting under `uri` (the author deleted the post).
pub(crate) async fn forget_post(
    conn: &impl ConnectionTrait,
    uri: &str,
    account_id: i64,
) -> CoreResult<()> {
    held_post::Entity::delete_many()
        .filter(held_post::Column::Uri.eq(uri))
        .filter(held_post::Column::AccountId.eq(account_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Forgets everything `account_id` has waiting (the account is purged).
pub(crate) async fn forget_account(conn: &impl ConnectionTrait, account_id: i64) -> CoreResult<()> {
    held_post::Entity::delete_many()
        .filter(held_post::Column::AccountId.eq(account_id))
        .exec(conn)
        .await?;
    Ok(())
}
