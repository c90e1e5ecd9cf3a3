//! The consumer of core's domain events: each event becomes an activity and its
//! deliveries, written in one transaction with the event's deletion, so an event is
//! turned into deliveries exactly once even across crashes.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use starling_core::accounts::remote::{follower_inboxes, inboxes_of};
use starling_core::entities::account;
use starling_core::events::{self, Event, StoredEvent};
use starling_core::statuses::Visibility;
use starling_core::{Instance, accounts, reports, statuses, views};

use crate::delivery;
use crate::error::{FedError, FedResult};
use crate::objects::{activities, actor, note};
use crate::state::Federation;

/// Runs until aborted: consumes events as they are written.
pub async fn run(fed: Arc<Federation>) {
    loop {
        match drain(&fed).await {
            Ok(0) => {}
            Ok(_) => {
                fed.deliveries_notify.notify_one();
                continue;
            }
            Err(e) => tracing::warn!(error = %e, "cannot consume outbox events"),
        }
        tokio::select! {
            () = fed.inst.events_notify.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// Consumes up to one batch of events; returns how many.
pub async fn drain(fed: &Federation) -> FedResult<usize> {
    let inst = &fed.inst;
    let batch = events::take(inst, 100).await?;
    let n = batch.len();
    for item in batch {
        match item {
            Ok(event) => {
                let id = event.id;
                // Planning reads only (the SQLite writer is not held meanwhile); the
                // deliveries and the event's deletion commit together.
                let planned = match plan(inst, &event).await {
                    Ok(planned) => planned,
                    Err(FedError::Core(starling_core::CoreError::Db(e))) => {
                        return Err(FedError::Core(starling_core::CoreError::Db(e)));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, event = id, "event cannot be federated; skipped");
                        None
                    }
                };
                let txn = inst.store.begin().await?;
                if let Some((activity, inboxes)) = planned {
                    let uri = activity["id"].as_str().unwrap_or_default().to_string();
                    // A forwarded report is the instance's, not its reporter's.
                    let signer = match event.event {
                        Event::ReportForwarded { .. } => delivery::INSTANCE_ACTOR_SIGNER,
                        _ => event.account_id,
                    };
                    delivery::enqueue(&txn, signer, &uri, &activity, &inboxes).await?;
                }
                events::finish(&txn, id).await?;
                txn.commit().await?;
            }
            Err(id) => {
                tracing::warn!(event = id, "unreadable outbox event; skipped");
                events::finish(&inst.store.write, id).await?;
            }
        }
    }
    Ok(n)
}

async fn account(inst: &Instance, id: i64) -> FedResult<Option<account::Model>> {
    Ok(accounts::find(inst, id).await?)
}

/// The personal inbox of a remote account (follows, likes and blocks go there).
fn personal_inbox(a: &account::Model) -> Vec<String> {
    match (&a.domain, &a.inbox_url) {
        (Some(_), Some(inbox)) => vec![inbox.clone()],
        _ => vec![],
    }
}

/// The activity an event becomes, and where it goes; `None` when nobody remote needs it.
async fn plan(inst: &Instance, event: &StoredEvent) -> FedResult<Option<(Value, Vec<String>)>> {
    let Some(me) = account(inst, event.account_id).await? else {
        return Ok(None);
    };
    if !me.is_local() {
        return Ok(None);
    }
    let conn = &inst.store.read;
    Ok(match &event.event {
        Event::StatusCreated { status_id } | Event::StatusUpdated { status_id } => {
            let Some(s) = statuses::find(inst, *status_id).await? else {
                return Ok(None);
            };
            let visibility = Visibility::of(&s);
            if let Some(original_id) = s.reblog_of_id {
                let Some(original) = statuses::find(inst, original_id).await? else {
                    return Ok(None);
                };
                let Some(author) = account(inst, original.account_id).await? else {
                    return Ok(None);
                };
                let mut inboxes = follower_inboxes(conn, me.id).await?;
                inboxes.extend(inboxes_of(conn, &[author.id]).await?);
                let activity = activities::announce(
                    &me,
                    &s.uri,
                    &original.uri,
                    &author.uri,
                    visibility == Visibility::Public,
                    s.created_at,
                );
                return Ok(Some((activity, inboxes)));
            }
            let view = views::status_view(inst, s.clone(), None).await?;
            let object = note::note(inst, &view).await?;
            let mut recipients: Vec<i64> = view.mentions.iter().map(|m| m.id).collect();
            if let Some(parent_author) = s.in_reply_to_account_id {
                recipients.push(parent_author);
            }
            let mut inboxes = inboxes_of(conn, &recipients).await?;
            if visibility != Visibility::Direct {
                inboxes.extend(follower_inboxes(conn, me.id).await?);
            }
            let activity = match event.event {
                Event::StatusCreated { .. } => activities::create(&me, object),
                _ => activities::update_note(&me, object, s.edited_at.unwrap_or_else(Utc::now)),
            };
            Some((activity, inboxes))
        }
        Event::StatusDeleted {
            uri,
            visibility,
            mentioned,
            reblog_of_author,
            reblog_of_uri,
        } => {
            let visibility = Visibility::parse(visibility).unwrap_or(Visibility::Direct);
            let mut recipients = mentioned.clone();
            recipients.extend(reblog_of_author.iter().copied());
            let mut inboxes = inboxes_of(conn, &recipients).await?;
            if visibility != Visibility::Direct {
                inboxes.extend(follower_inboxes(conn, me.id).await?);
            }
            let activity = match (reblog_of_uri, reblog_of_author) {
                (Some(object_uri), Some(author_id)) => {
                    let author_uri = account(inst, *author_id)
                        .await?
                        .map(|a| a.uri)
                        .unwrap_or_default();
                    let announce = activities::announce(
                        &me,
                        uri,
                        object_uri,
                        &author_uri,
                        visibility == Visibility::Public,
                        Utc::now(),
                    );
                    activities::undo(&me, announce)
                }
                _ => {
                    let mentions = accounts::get_many(conn, mentioned.iter().copied()).await?;
                    let (to, cc) = note::addressing(visibility, &me, &mentions);
                    activities::delete_note(&me, uri, to, cc)
                }
            };
            Some((activity, inboxes))
        }
        Event::FollowRequested { target_id, uri } => {
            let Some(target) = account(inst, *target_id).await? else {
                return Ok(None);
            };
            Some((
                activities::follow(&me, uri, &target),
                personal_inbox(&target),
            ))
        }
        Event::FollowUndone { target_id, uri } => {
            let Some(target) = account(inst, *target_id).await? else {
                return Ok(None);
            };
            let follow = activities::follow(&me, uri, &target);
            Some((activities::undo(&me, follow), personal_inbox(&target)))
        }
        Event::FollowAccepted { follower_id, uri } | Event::FollowRejected { follower_id, uri } => {
            let Some(follower) = account(inst, *follower_id).await? else {
                return Ok(None);
            };
            let kind = match event.event {
                Event::FollowAccepted { .. } => "Accept",
                _ => "Reject",
            };
            let follow = activities::remote_follow(&follower, uri.as_deref(), &me);
            let answer_id = inst.urls.activity(
                &me.username,
                &kind.to_ascii_lowercase(),
                starling_core::id::next_id(),
            );
            Some((
                activities::answer_follow(kind, &me, &answer_id, follow),
                personal_inbox(&follower),
            ))
        }
        Event::Favourited { status_id, uri } => {
            let Some(s) = statuses::find(inst, *status_id).await? else {
                return Ok(None);
            };
            let Some(author) = account(inst, s.account_id).await? else {
                return Ok(None);
            };
            Some((activities::like(&me, uri, &s.uri), personal_inbox(&author)))
        }
        Event::Unfavourited {
            status_id,
            uri,
            status_author_id,
        } => {
            let Some(author) = account(inst, *status_author_id).await? else {
                return Ok(None);
            };
            let object_uri = statuses::find(inst, *status_id)
                .await?
                .map(|s| s.uri)
                .unwrap_or_default();
            let like = activities::like(&me, uri, &object_uri);
            Some((activities::undo(&me, like), personal_inbox(&author)))
        }
        Event::Blocked { target_id, uri } | Event::Unblocked { target_id, uri } => {
            let Some(target) = account(inst, *target_id).await? else {
                return Ok(None);
            };
            let block = activities::block(&me, uri, &target);
            let activity = match event.event {
                Event::Blocked { .. } => block,
                _ => activities::undo(&me, block),
            };
            Some((activity, personal_inbox(&target)))
        }
        Event::ProfileUpdated => {
            let doc = actor::local_actor(inst, &me);
            let inboxes = follower_inboxes(conn, me.id).await?;
            Some((activities::update_actor(&me, doc, Utc::now()), inboxes))
        }
        Event::AccountDeleted { uri, inboxes } => {
            Some((activities::delete_actor(uri), inboxes.clone()))
        }
        Event::ReportForwarded { report_id, domains } => {
            report_flag(inst, *report_id, domains).await?
        }
    })
}

/// The `Flag` of a forwarded report, from the instance actor, and the inboxes of the
/// servers among `domains` that hear of it: the target's, and those of the accounts
/// its reported statuses reply to (shared inboxes where known).
async fn report_flag(
    inst: &Instance,
    report_id: i64,
    domains: &[String],
) -> FedResult<Option<(Value, Vec<String>)>> {
    let r = match reports::get(inst, report_id).await {
        Ok(r) => r,
        Err(starling_core::CoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let Some(target) = account(inst, r.target_account_id).await? else {
        return Ok(None);
    };
    let mut statuses = reports::statuses_of(inst, std::slice::from_ref(&r)).await?;
    statuses.retain(|s| s.account_id == target.id);
    let chosen = |a: &account::Model| {
        a.domain
            .as_deref()
            .is_some_and(|d| domains.iter().any(|c| c.eq_ignore_ascii_case(d)))
    };
    let inbox = |a: &account::Model| a.shared_inbox_url.clone().or_else(|| a.inbox_url.clone());
    let mut inboxes = Vec::new();
    if chosen(&target) {
        inboxes.extend(inbox(&target));
    }
    let replied_to: Vec<i64> = statuses
        .iter()
        .filter_map(|s| s.in_reply_to_account_id)
        .filter(|id| *id != target.id)
        .collect();
    let replied_to = accounts::get_many(&inst.store.read, replied_to).await?;
    inboxes.extend(replied_to.iter().filter(|a| chosen(a)).filter_map(inbox));
    let mut object = vec![target.uri.clone()];
    object.extend(statuses.into_iter().map(|s| s.uri));
    let flag = activities::flag(&inst.urls.instance_actor(), r.id, &r.comment, object);
    Ok(Some((flag, inboxes)))
}
