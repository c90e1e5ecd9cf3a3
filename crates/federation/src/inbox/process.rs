//! Applying stored activities: each kind maps to one core operation. Unknown kinds
//! and activities about things we do not know are ignored, never errors.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;

use crate::entities::inbox_activity;
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use starling_core::accounts::remote;
use starling_core::entities::{account, status};
use starling_core::statuses::inbound::{self, RemoteStatus};
use starling_core::{blocks, favourites, follows, reblogs, reports};

use crate::error::{FedError, FedResult};
use crate::state::Federation;
use crate::vocab::{self, Activity, ActivityKind, IdRef, Object};
use crate::{fetch, notes};

/// Attempts at an activity whose processing fails for a retryable reason.
const MAX_ATTEMPTS: i32 = 5;

/// How long processed activities are kept (their ids, for de-duplication).
pub const KEEP_PROCESSED: chrono::Duration = chrono::Duration::days(7);

/// Runs until aborted: processes stored activities as they arrive.
pub async fn run(fed: Arc<Federation>) {
    let mut last_prune = std::time::Instant::now() - Duration::from_secs(3600);
    loop {
        if last_prune.elapsed() > Duration::from_secs(600) {
            last_prune = std::time::Instant::now();
            if let Err(e) = prune(&fed).await {
                tracing::warn!(error = %e, "cannot prune processed activities");
            }
        }
        match drain(&fed).await {
            Ok(0) => {}
            Ok(_) => continue,
            Err(e) => tracing::warn!(error = %e, "cannot read the inbox queue"),
        }
        tokio::select! {
            () = fed.inbox_notify.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
}

/// Forgets activities processed more than [`KEEP_PROCESSED`] ago.
async fn prune(fed: &Federation) -> FedResult<u64> {
    let cutoff = Utc::now() - KEEP_PROCESSED;
    let deleted = inbox_activity::Entity::delete_many()
        .filter(inbox_activity::Column::ProcessedAt.lt(cutoff))
        .exec(&fed.inst.store.write)
        .await?;
    Ok(deleted.rows_affected)
}

/// Activities read and processed per batch.
const BATCH: u64 = 256;

/// Posts of a batch prepared at once (resolving a mention or a parent may mean a fetch).
const PREPARE_CONCURRENCY: usize = 16;

/// A stored activity, parsed, with the post it brings when it is a `Create`.
struct Pending<'a> {
    row: &'a inbox_activity::Model,
    activity: Result<Activity, String>,
    post: Option<Object>,
}

impl<'a> Pending<'a> {
    /// Parsed, and held to the origin rules again (the same [`super::origin::check`]
    /// as at the door, for what was stored by an older version).
    fn of(row: &'a inbox_activity::Model, base: &url::Url) -> Self {
        let activity = vocab::parse_activity(row.body.as_bytes())
            .map_err(|e| e.to_string())
            .and_then(|a| {
                super::origin::check(&a, base)
                    .map(|()| a)
                    .map_err(|e| e.to_string())
            });
        let post = match &activity {
            Ok(a) if a.kind == ActivityKind::Create => a.object_as_note().and_then(Result::ok),
            _ => None,
        };
        Pending {
            row,
            activity,
            post,
        }
    }
}

/// Why an activity was not applied, and whether trying again may help.
struct Failure {
    retry: bool,
    message: String,
}

impl From<FedError> for Failure {
    fn from(e: FedError) -> Self {
        let retry = matches!(
            e,
            FedError::Remote(_) | FedError::Core(starling_core::CoreError::Db(_))
        );
        Failure {
            retry,
            message: e.to_string(),
        }
    }
}

/// Processes one batch of pending activities, oldest first; returns how many.
///
/// Activities are applied in the order they arrived, but a run of `Create`s in a row is
/// prepared concurrently and written in one transaction ([`inbound::ingest_many`]): a
/// burst of posts costs a commit per batch, not per post. A reply to a post of the same
/// run starts a new run, so that its parent is stored first.
pub async fn drain(fed: &Federation) -> FedResult<usize> {
    let rows = inbox_activity::Entity::find()
        .filter(inbox_activity::Column::ProcessedAt.is_null())
        .filter(inbox_activity::Column::Attempts.lt(MAX_ATTEMPTS))
        .order_by_asc(inbox_activity::Column::Id)
        .limit(BATCH)
        .all(&fed.inst.store.read)
        .await?;
    let base = fed.inst.urls.base_url();
    let pending: Vec<Pending<'_>> = rows.iter().map(|row| Pending::of(row, base)).collect();
    let mut outcomes: Vec<Result<(), Failure>> = Vec::with_capacity(pending.len());
    let mut rest = &pending[..];
    while let Some(first) = rest.first() {
        let run = create_run(rest);
        if run > 0 {
            outcomes.extend(apply_creates(fed, &rest[..run]).await);
            rest = &rest[run..];
        } else {
            outcomes.push(process_one(fed, first).await.map_err(Failure::from));
            rest = &rest[1..];
        }
    }
    record(fed, &rows, outcomes).await?;
    Ok(rows.len())
}

/// How many of the first `pending` are `Create`s of posts that can be written together.
fn create_run(pending: &[Pending<'_>]) -> usize {
    let mut ids = std::collections::HashSet::new();
    for (i, p) in pending.iter().enumerate() {
        let Some(post) = &p.post else { return i };
        if post
            .in_reply_to
            .as_ref()
            .is_some_and(|parent| ids.contains(parent.as_str()))
        {
            return i;
        }
        ids.insert(post.id.as_str());
    }
    pending.len()
}

/// Applies a run of `Create`s: posts prepared concurrently, then stored together.
async fn apply_creates(fed: &Federation, run: &[Pending<'_>]) -> Vec<Result<(), Failure>> {
    let inst = &fed.inst;
    let depth = inst.config.federation.max_thread_fetch_depth;
    let mut uris: Vec<&str> = run.iter().map(|p| p.row.actor_uri.as_str()).collect();
    uris.sort_unstable();
    uris.dedup();
    let actors: HashMap<String, account::Model> = match remote::find_many_by_uri(inst, &uris).await
    {
        Ok(found) => found.into_iter().map(|a| (a.uri.clone(), a)).collect(),
        Err(e) => {
            return run
                .iter()
                .map(|_| {
                    Err(Failure {
                        retry: true,
                        message: e.to_string(),
                    })
                })
                .collect();
        }
    };
    // Futures made first, then run a few at a time: a closure inside the stream would
    // make the task's future not `Send` for every lifetime.
    let preparing: Vec<_> = run
        .iter()
        .map(|p| prepare_post(fed, &actors, depth, p))
        .collect();
    let prepared: Vec<FedResult<Option<RemoteStatus>>> = futures::stream::iter(preparing)
        .buffered(PREPARE_CONCURRENCY)
        .collect()
        .await;
    let mut outcomes: Vec<Result<(), Failure>> = Vec::with_capacity(run.len());
    let mut slots = Vec::new();
    let mut posts = Vec::new();
    for (i, p) in prepared.into_iter().enumerate() {
        match p {
            Ok(Some(remote)) => {
                slots.push(i);
                posts.push(remote);
                outcomes.push(Ok(()));
            }
            Ok(None) => outcomes.push(Ok(())),
            Err(e) => outcomes.push(Err(e.into())),
        }
    }
    if posts.is_empty() {
        return outcomes;
    }
    match inbound::ingest_many(inst, posts).await {
        Ok(results) => {
            for (slot, result) in slots.into_iter().zip(results) {
                if let Err(e) = result {
                    outcomes[slot] = Err(FedError::from(e).into());
                }
            }
        }
        Err(e) => {
            let message = e.to_string();
            for slot in slots {
                outcomes[slot] = Err(Failure {
                    retry: true,
                    message: message.clone(),
                });
            }
        }
    }
    outcomes
}

/// The post of one `Create` of a run, ready to store; `None` if it is not one to store.
async fn prepare_post(
    fed: &Federation,
    actors: &HashMap<String, account::Model>,
    depth: usize,
    p: &Pending<'_>,
) -> FedResult<Option<RemoteStatus>> {
    let (Ok(activity), Some(post)) = (&p.activity, &p.post) else {
        return Ok(None);
    };
    let actor = actors
        .get(activity.actor.as_str())
        .ok_or_else(|| FedError::BadRequest("the actor is gone".into()))?;
    if !post.kind.is_status_like() {
        return Ok(None);
    }
    Ok(Some(
        notes::to_remote_status(fed, post, actor, depth).await?,
    ))
}

/// Applies one stored activity on its own.
async fn process_one(fed: &Federation, p: &Pending<'_>) -> FedResult<()> {
    let activity = p
        .activity
        .as_ref()
        .map_err(|e| FedError::BadRequest(e.clone()))?;
    let actor = remote::find_by_uri(&fed.inst, activity.actor.as_str())
        .await?
        .ok_or_else(|| FedError::BadRequest("the actor is gone".into()))?;
    // Suspended after the activity came in: dropped (its own `Delete` excepted).
    let self_delete = activity.kind == ActivityKind::Delete
        && activity
            .object_id()
            .is_some_and(|o| o.as_str() == actor.uri);
    if actor.suspended_at.is_some() && !self_delete {
        return Err(FedError::Forbidden(format!(
            "{} is suspended by this instance",
            actor.uri
        )));
    }
    apply(fed, activity, &actor).await
}

/// Marks the batch's activities processed (or counts a failed attempt), in one
/// transaction.
async fn record(
    fed: &Federation,
    rows: &[inbox_activity::Model],
    outcomes: Vec<Result<(), Failure>>,
) -> FedResult<()> {
    let now = Utc::now();
    let mut done = Vec::new();
    let txn = fed.inst.store.begin().await?;
    for (row, outcome) in rows.iter().zip(outcomes) {
        let failure = match outcome {
            Ok(()) => {
                done.push(row.id);
                continue;
            }
            Err(failure) => failure,
        };
        tracing::info!(activity = %row.activity_uri, kind = %row.kind, error = %failure.message, "activity not applied");
        let finished = !failure.retry || row.attempts + 1 >= MAX_ATTEMPTS;
        let mut update = inbox_activity::Entity::update_many()
            .col_expr(
                inbox_activity::Column::Attempts,
                Expr::col(inbox_activity::Column::Attempts).add(1),
            )
            .col_expr(
                inbox_activity::Column::Error,
                Expr::value(Some(failure.message)),
            )
            .filter(inbox_activity::Column::Id.eq(row.id));
        if finished {
            update = update
                .col_expr(inbox_activity::Column::ProcessedAt, Expr::value(Some(now)))
                .col_expr(inbox_activity::Column::Body, Expr::value(""));
        }
        update.exec(&txn).await?;
    }
    for chunk in done.chunks(500) {
        inbox_activity::Entity::update_many()
            .col_expr(
                inbox_activity::Column::Attempts,
                Expr::col(inbox_activity::Column::Attempts).add(1),
            )
            .col_expr(inbox_activity::Column::ProcessedAt, Expr::value(Some(now)))
            .col_expr(inbox_activity::Column::Body, Expr::value(""))
            .filter(inbox_activity::Column::Id.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    txn.commit().await.map_err(starling_core::CoreError::from)?;
    Ok(())
}

/// A local account named by its actor id.
async fn local_account(fed: &Federation, id: Option<&IdRef>) -> FedResult<Option<account::Model>> {
    let Some(id) = id else { return Ok(None) };
    Ok(remote::find_by_uri(&fed.inst, id.as_str())
        .await?
        .filter(|a| a.is_local()))
}

/// A status we store (local or remote) by its id.
async fn known_status(fed: &Federation, uri: &str) -> FedResult<Option<status::Model>> {
    Ok(inbound::find_by_uri(&fed.inst, uri).await?)
}

/// Applies one verified activity by `actor`.
pub async fn apply(fed: &Federation, activity: &Activity, actor: &account::Model) -> FedResult<()> {
    let inst = &fed.inst;
    let depth = inst.config.federation.max_thread_fetch_depth;
    match &activity.kind {
        ActivityKind::Follow => {
            if let Some(target) = local_account(fed, activity.object_id().as_ref()).await? {
                follows::inbound::followed_by_remote(inst, actor, target.id, activity.id.as_str())
                    .await?;
            }
        }
        ActivityKind::Accept | ActivityKind::Reject => {
            let follow = followed_request(fed, activity, actor).await?;
            if let Some((follower_id, uri)) = follow {
                if activity.kind == ActivityKind::Accept {
                    follows::inbound::accepted(inst, follower_id, actor.id, uri.as_deref()).await?;
                } else {
                    follows::inbound::rejected(inst, follower_id, actor.id).await?;
                }
            }
        }
        ActivityKind::Undo => undo(fed, activity, actor).await?,
        ActivityKind::Create => {
            let Some(object) = activity.object_as_note() else {
                return Ok(());
            };
            let object = object.map_err(|e| FedError::BadRequest(e.to_string()))?;
            if object.kind.is_status_like() {
                let remote = notes::to_remote_status(fed, &object, actor, depth).await?;
                inbound::ingest(inst, remote).await?;
            }
        }
        ActivityKind::Update => {
            // The origin rules hold: an actor updates itself, a post is the actor's.
            if let Some(Ok(updated)) = activity.object_as_actor() {
                remote::upsert(inst, fetch::remote_actor(&updated)?).await?;
                fed.forget_keys_of(actor);
                return Ok(());
            }
            let Some(Ok(object)) = activity.object_as_note() else {
                return Ok(());
            };
            let remote = notes::to_remote_status(fed, &object, actor, depth).await?;
            inbound::update(inst, remote).await?;
        }
        ActivityKind::Delete => {
            let Some(object) = activity.object_id() else {
                return Ok(());
            };
            if object.as_str() == actor.uri {
                remote::remove(inst, actor.id).await?;
                fed.forget_keys_of(actor);
            } else {
                inbound::delete(inst, object.as_str(), actor.id).await?;
            }
        }
        ActivityKind::Like => {
            let Some(object) = activity.object_id() else {
                return Ok(());
            };
            if let Some(s) = known_status(fed, object.as_str()).await? {
                favourites::inbound::liked(inst, actor, s.id, activity.id.as_str()).await?;
            }
        }
        ActivityKind::Announce => {
            let Some(object) = activity.object_id() else {
                return Ok(());
            };
            let original = match known_status(fed, object.as_str()).await? {
                Some(s) => s,
                None => notes::fetch_note(fed, object.as_str(), depth).await?,
            };
            let visibility = if activity.to.iter().any(IdRef::is_public) {
                starling_core::statuses::Visibility::Public
            } else if activity.cc.iter().any(IdRef::is_public) {
                starling_core::statuses::Visibility::Unlisted
            } else {
                starling_core::statuses::Visibility::Private
            };
            let published = activity.published.unwrap_or_else(Utc::now);
            reblogs::inbound::announced(
                inst,
                actor,
                original.id,
                activity.id.as_str(),
                published,
                visibility,
            )
            .await?;
        }
        ActivityKind::Block => {
            if let Some(target) = local_account(fed, activity.object_id().as_ref()).await? {
                blocks::record(inst, actor.id, target.id, Some(activity.id.as_str())).await?;
            }
        }
        ActivityKind::Flag => flag(fed, activity, actor).await?,
        other => {
            tracing::debug!(kind = other.as_str(), "activity kind ignored");
        }
    }
    Ok(())
}

/// The local follower and `Follow` id an `Accept`/`Reject` by `actor` answers.
async fn followed_request(
    fed: &Federation,
    activity: &Activity,
    actor: &account::Model,
) -> FedResult<Option<(i64, Option<String>)>> {
    let inst = &fed.inst;
    let follow_id = activity.object_id().map(|i| i.as_str().to_string());
    // By the Follow's id: ours are `{actor}#follows/{id}`.
    if let Some(uri) = &follow_id
        && let Some(follower) =
            follows::inbound::follower_by_follow_uri(inst, uri, actor.id, false).await?
    {
        return Ok(Some((follower, Some(uri.clone()))));
    }
    // By the embedded Follow's actor (some servers make up their own object).
    if let Some(Ok(inner)) = activity.object_as_activity()
        && let Some(follower) = local_account(fed, Some(&inner.actor)).await?
    {
        return Ok(Some((follower.id, None)));
    }
    // A Reject of a follow that was already accepted has no request left.
    if activity.kind == ActivityKind::Reject
        && let Some(uri) = &follow_id
    {
        let follower = follows::inbound::follower_by_follow_uri(inst, uri, actor.id, true).await?;
        return Ok(follower.map(|id| (id, None)));
    }
    Ok(None)
}

async fn undo(fed: &Federation, activity: &Activity, actor: &account::Model) -> FedResult<()> {
    let inst = &fed.inst;
    let inner = match activity.object_as_activity() {
        Some(Ok(inner)) => inner,
        // An Undo naming its object by id only: we can still undo what we stored by it.
        _ => {
            if let Some(id) = activity.object_id() {
                reblogs::inbound::unannounced(inst, actor.id, id.as_str()).await?;
                favourites::inbound::unliked(inst, actor.id, Some(id.as_str()), None).await?;
            }
            return Ok(());
        }
    };
    match inner.kind {
        ActivityKind::Follow => {
            if let Some(target) = local_account(fed, inner.object_id().as_ref()).await? {
                follows::inbound::unfollowed_by_remote(inst, actor.id, target.id).await?;
            }
        }
        ActivityKind::Like => {
            let status = match inner.object_id() {
                Some(o) => known_status(fed, o.as_str()).await?.map(|s| s.id),
                None => None,
            };
            favourites::inbound::unliked(inst, actor.id, Some(inner.id.as_str()), status).await?;
        }
        ActivityKind::Announce => {
            reblogs::inbound::unannounced(inst, actor.id, inner.id.as_str()).await?;
        }
        ActivityKind::Block => {
            if let Some(target) = local_account(fed, inner.object_id().as_ref()).await? {
                blocks::lift(inst, actor.id, target.id).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A `Flag` becomes a report against each local account it names, with the local
/// statuses it names.
async fn flag(fed: &Federation, activity: &Activity, actor: &account::Model) -> FedResult<()> {
    if fed
        .inst
        .policy
        .for_domain(actor.domain.as_deref())
        .reject_reports
    {
        tracing::info!(actor = %actor.uri, "report dropped: its domain's reports are rejected");
        return Ok(());
    }
    let mut targets = Vec::new();
    let mut statuses = Vec::new();
    for id in activity.object_ids() {
        if let Some(a) = local_account(fed, Some(&id)).await? {
            targets.push(a);
        } else if let Some(s) = known_status(fed, id.as_str()).await?
            && s.local
        {
            statuses.push(s);
        }
    }
    if targets.is_empty()
        && let Some(first) = statuses.first()
        && let Some(author) = starling_core::accounts::find(&fed.inst, first.account_id).await?
    {
        targets.push(author);
    }
    for target in targets {
        let status_ids = statuses
            .iter()
            .filter(|s| s.account_id == target.id)
            .map(|s| s.id)
            .collect();
        reports::record(
            &fed.inst,
            reports::IncomingReport {
                reporter_id: actor.id,
                target_id: target.id,
                status_ids,
                comment: activity.content.clone().unwrap_or_default(),
                uri: Some(activity.id.as_str().to_string()),
            },
        )
        .await?;
    }
    Ok(())
}
