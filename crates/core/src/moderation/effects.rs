//! What domain blocks do to what this instance holds already.
//!
//! - A **suspension** severs every follow between local accounts and the domain's
//!   accounts, in both directions; each local user who lost some gets Mastodon's
//!   `severed_relationships` notification, and the severed follows are kept for them.
//!   The domain's accounts are suspended and their cached posts, media and profiles
//!   purged.
//! - **`reject_media`** purges the domain's cached media: attachments and profile images.
//! - **Lifting** a suspension unsuspends the accounts it suspended, so that they can
//!   federate again; what it purged stays purged, as in Mastodon.
//!
//! [`enforce`] compares what is stored with the blocks in force and does what is left to
//! do. It is idempotent, so it runs after every change of blocks, on start and on the
//! policy's reload schedule, and a purge interrupted by a crash finishes on the next run.
//! Allow-list mode refuses strangers at every door but destroys nothing: only blocks
//! sever and purge.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use serde_json::json;

use super::Policy;
use crate::entities::{
    account, account_relationship_severance_event as account_event, domain_allow, domain_block,
    follow, media_attachment, notification, relationship_severance_event as severance_event,
    severed_relationship, status,
};
use crate::error::CoreResult;
use crate::id::next_id;
use crate::instance::Instance;

/// Rows per `IN (…)` list.
const CHUNK: usize = 500;

/// What one run of [`enforce`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Enforcement {
    /// Remote accounts newly suspended by a domain suspension.
    pub suspended_accounts: usize,
    /// Follows severed, both directions counted.
    pub severed_follows: usize,
    /// Suspended accounts whose cached content was purged.
    pub purged_accounts: usize,
    /// Accounts unsuspended because their domain's suspension was lifted.
    pub unsuspended_accounts: usize,
    /// Remote accounts whose cached media was purged under `reject_media`.
    pub media_purged_accounts: usize,
}

/// Which way a severed follow went, seen from the local account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    /// The local account followed the remote one.
    Following,
    /// The remote account followed the local one.
    Follower,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::Following => "active",
            Direction::Follower => "passive",
        }
    }
}

/// A follow between a local account and a remote one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeveredFollow {
    /// The local account's username.
    pub local: String,
    /// The remote account's `user@domain`.
    pub remote: String,
    pub direction: Direction,
}

/// A severance event as one local account lived it (Mastodon's
/// `RelationshipSeveranceEvent` entity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeveranceEvent {
    /// The account's own record of the event.
    pub id: i64,
    /// `domain_block`.
    pub kind: String,
    /// The list of severed follows is no longer available.
    pub purged: bool,
    /// The blocked domain.
    pub target_name: String,
    pub followers_count: i64,
    pub following_count: i64,
    pub created_at: DateTime<Utc>,
}

/// Brings what is stored in line with the blocks in force (see the module docs).
pub async fn enforce(inst: &Instance) -> CoreResult<Enforcement> {
    let mut done = Enforcement::default();
    let conn = &inst.store.write;
    let mut suspended: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for domain in remote_domains(conn).await? {
        let Some((rule, verdict)) = inst.policy.block_rule(&domain) else {
            continue;
        };
        if verdict.suspended {
            suspended.entry(rule).or_default().push(domain);
        } else if verdict.reject_media && purge_media_of(inst, &domain).await? {
            done.media_purged_accounts += 1;
        }
    }
    for (rule, domains) in &suspended {
        let fresh = account_ids(conn, domains, false).await?;
        if !fresh.is_empty() {
            done.severed_follows += suspend_accounts(inst, rule, &fresh).await?;
            done.suspended_accounts += fresh.len();
        }
        for id in with_content(conn, &account_ids(conn, domains, true).await?).await? {
            purge_account(inst, id).await?;
            done.purged_accounts += 1;
        }
    }
    done.unsuspended_accounts = lift_ended(inst).await?;
    if done.suspended_accounts > 0 || done.unsuspended_accounts > 0 {
        // Accounts changed state: what remembers them (verified keys) forgets them.
        if let Err(e) = crate::changes::publish(inst, crate::changes::Change::DomainRules).await {
            tracing::warn!(error = %e, "suspended accounts' keys stay remembered a while");
        }
    }
    Ok(done)
}

/// The follows that suspending the domains newly suspended by `blocks` (the blocks in
/// force after some change) would sever; changes nothing.
pub async fn severed_by(
    inst: &Instance,
    blocks: &[domain_block::Model],
) -> CoreResult<Vec<SeveredFollow>> {
    let conn = &inst.store.read;
    let after = Policy::new(false);
    let allows = domain_allow::Entity::find().all(conn).await?;
    after.replace(blocks, &allows);
    let mut domains = Vec::new();
    for domain in remote_domains(conn).await? {
        if after.block_rule(&domain).is_some_and(|(_, v)| v.suspended) {
            domains.push(domain);
        }
    }
    let remote = account_ids(conn, &domains, false).await?;
    let follows = local_follows(conn, &remote).await?;
    let ids = follows
        .iter()
        .flat_map(|(f, _)| [f.account_id, f.target_account_id]);
    let names: HashMap<i64, String> = crate::accounts::get_many(conn, ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a.acct()))
        .collect();
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let mut severed: Vec<SeveredFollow> = follows
        .iter()
        .map(|(f, direction)| {
            let (local, remote) = match direction {
                Direction::Following => (f.account_id, f.target_account_id),
                Direction::Follower => (f.target_account_id, f.account_id),
            };
            SeveredFollow {
                local: name(local),
                remote: name(remote),
                direction: *direction,
            }
        })
        .collect();
    severed.sort();
    Ok(severed)
}

/// The severance events behind `notification_ids` (those of `severed_relationships`
/// notifications), by notification id.
pub async fn events_of_notifications(
    conn: &impl ConnectionTrait,
    notification_ids: &[i64],
) -> CoreResult<HashMap<i64, SeveranceEvent>> {
    let mut out = HashMap::new();
    for chunk in notification_ids.chunks(CHUNK) {
        let rows = account_event::Entity::find()
            .filter(account_event::Column::NotificationId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?;
        let events: HashMap<i64, severance_event::Model> = severance_event::Entity::find()
            .filter(severance_event::Column::Id.is_in(rows.iter().map(|r| r.event_id)))
            .all(conn)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        for r in rows {
            let (Some(n), Some(e)) = (r.notification_id, events.get(&r.event_id)) else {
                continue;
            };
            out.insert(
                n,
                SeveranceEvent {
                    id: r.id,
                    kind: e.kind.clone(),
                    purged: e.purged,
                    target_name: e.target_name.clone(),
                    followers_count: r.followers_count,
                    following_count: r.following_count,
                    created_at: e.created_at,
                },
            );
        }
    }
    Ok(out)
}

/// The follows `account_id` lost in its severance event `event_id` (its own record's id).
pub async fn severed_follows_of(
    inst: &Instance,
    account_id: i64,
    event_id: i64,
) -> CoreResult<Vec<severed_relationship::Model>> {
    let conn = &inst.store.read;
    let Some(mine) = account_event::Entity::find_by_id(event_id)
        .filter(account_event::Column::AccountId.eq(account_id))
        .one(conn)
        .await?
    else {
        return Err(crate::error::CoreError::NotFound);
    };
    Ok(severed_relationship::Entity::find()
        .filter(severed_relationship::Column::EventId.eq(mine.event_id))
        .filter(severed_relationship::Column::LocalAccountId.eq(account_id))
        .all(conn)
        .await?)
}

/// Distinct domains of the remote accounts this instance knows.
pub(crate) async fn remote_domains(conn: &impl ConnectionTrait) -> CoreResult<Vec<String>> {
    Ok(account::Entity::find()
        .select_only()
        .column(account::Column::Domain)
        .filter(account::Column::Domain.is_not_null())
        .distinct()
        .into_tuple::<Option<String>>()
        .all(conn)
        .await?
        .into_iter()
        .flatten()
        .collect())
}

/// The distinct domains of the remote accounts with an id of at least `min_id` (created
/// since the time it stands for): a range of the primary key, deduplicated here (a
/// `DISTINCT` would have SQLite walk the domain index, every account, instead).
pub(crate) async fn remote_domains_since(
    conn: &impl ConnectionTrait,
    min_id: i64,
) -> CoreResult<Vec<String>> {
    let domains: std::collections::BTreeSet<String> = account::Entity::find()
        .select_only()
        .column(account::Column::Domain)
        .filter(account::Column::Id.gte(min_id))
        .filter(account::Column::Domain.is_not_null())
        .into_tuple::<Option<String>>()
        .all(conn)
        .await?
        .into_iter()
        .flatten()
        .collect();
    Ok(domains.into_iter().collect())
}

/// Ids of the accounts on `domains`, suspended or not.
async fn account_ids(
    conn: &impl ConnectionTrait,
    domains: &[String],
    suspended: bool,
) -> CoreResult<Vec<i64>> {
    let mut ids = Vec::new();
    for chunk in domains.chunks(CHUNK) {
        let mut q = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .filter(account::Column::Domain.is_in(chunk.iter().cloned()));
        q = if suspended {
            q.filter(account::Column::SuspendedAt.is_not_null())
        } else {
            q.filter(account::Column::SuspendedAt.is_null())
        };
        ids.extend(q.into_tuple::<i64>().all(conn).await?);
    }
    Ok(ids)
}

/// Of `ids`, the accounts that still have cached statuses or a profile.
async fn with_content(conn: &impl ConnectionTrait, ids: &[i64]) -> CoreResult<Vec<i64>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let posting: Vec<i64> = status::Entity::find()
            .select_only()
            .column(status::Column::AccountId)
            .filter(status::Column::AccountId.is_in(chunk.iter().copied()))
            .distinct()
            .into_tuple()
            .all(conn)
            .await?;
        let profiled: Vec<i64> = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .filter(account::Column::Id.is_in(chunk.iter().copied()))
            .filter(
                Condition::any()
                    .add(account::Column::DisplayName.ne(""))
                    .add(account::Column::Note.ne(""))
                    .add(has_profile_image()),
            )
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(posting);
        out.extend(profiled);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Follows between local accounts and the accounts `remote`, with their direction.
async fn local_follows(
    conn: &impl ConnectionTrait,
    remote: &[i64],
) -> CoreResult<Vec<(follow::Model, Direction)>> {
    let mut found = Vec::new();
    for chunk in remote.chunks(CHUNK) {
        let following = follow::Entity::find()
            .filter(follow::Column::TargetAccountId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?;
        let followers = follow::Entity::find()
            .filter(follow::Column::AccountId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?;
        found.extend(following.into_iter().map(|f| (f, Direction::Following)));
        found.extend(followers.into_iter().map(|f| (f, Direction::Follower)));
    }
    let locals = local_ids(
        conn,
        found.iter().map(|(f, d)| match d {
            Direction::Following => f.account_id,
            Direction::Follower => f.target_account_id,
        }),
    )
    .await?;
    found.retain(|(f, d)| {
        locals.contains(&match d {
            Direction::Following => f.account_id,
            Direction::Follower => f.target_account_id,
        })
    });
    Ok(found)
}

/// Which of `ids` are local accounts.
pub(crate) async fn local_ids(
    conn: &impl ConnectionTrait,
    ids: impl Iterator<Item = i64>,
) -> CoreResult<std::collections::HashSet<i64>> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    let mut locals = std::collections::HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let found: Vec<i64> = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .filter(account::Column::Id.is_in(chunk.iter().copied()))
            .filter(account::Column::Domain.is_null())
            .into_tuple()
            .all(conn)
            .await?;
        locals.extend(found);
    }
    Ok(locals)
}

/// Suspends the remote accounts `ids` for the suspension of `rule`, in one
/// transaction: records and severs their follows with local accounts, notifies the
/// local accounts, and stamps the accounts. Returns the number of follows severed.
async fn suspend_accounts(inst: &Instance, rule: &str, ids: &[i64]) -> CoreResult<usize> {
    // Whole microseconds: what PostgreSQL keeps, so that the stamp compares equal.
    let at = Utc::now().trunc_subsecs(6);
    let txn = inst.store.begin().await?;
    let follows = local_follows(&txn, ids).await?;
    let event_id = next_id();
    severance_event::Entity::insert(severance_event::ActiveModel {
        id: Set(event_id),
        kind: Set("domain_block".into()),
        target_name: Set(rule.to_owned()),
        purged: Set(false),
        created_at: Set(at),
        lifted_at: Set(None),
    })
    .exec_without_returning(&txn)
    .await?;
    let mut per_account: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    let mut severed = Vec::with_capacity(follows.len());
    for (f, direction) in &follows {
        let (local, remote) = match direction {
            Direction::Following => (f.account_id, f.target_account_id),
            Direction::Follower => (f.target_account_id, f.account_id),
        };
        let counts = per_account.entry(local).or_default();
        match direction {
            Direction::Follower => counts.0 += 1,
            Direction::Following => counts.1 += 1,
        }
        severed.push(severed_relationship::ActiveModel {
            id: Set(next_id()),
            event_id: Set(event_id),
            local_account_id: Set(local),
            remote_account_id: Set(remote),
            direction: Set(direction.as_str().into()),
            show_reblogs: Set(f.show_reblogs),
            notify: Set(f.notify),
            languages: Set(f.languages.clone()),
            created_at: Set(at),
        });
    }
    for chunk in severed.chunks(CHUNK) {
        severed_relationship::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    notify_severed(&txn, event_id, at, &per_account).await?;
    for &id in ids {
        crate::follows::remove_all_of_account(&txn, id).await?;
    }
    let mut stamped = 0;
    for chunk in ids.chunks(CHUNK) {
        stamped += account::Entity::update_many()
            .col_expr(account::Column::SuspendedAt, Expr::value(Some(at)))
            .filter(account::Column::Id.is_in(chunk.iter().copied()))
            .filter(account::Column::SuspendedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected;
    }
    if stamped < ids.len() as u64 {
        // Another run (another process on the same database) got there first: it
        // severs and notifies; this one must not do it twice.
        return Ok(0);
    }
    super::blocks::log(
        &txn,
        None,
        "domain_block.enforce_suspension",
        "domain_block",
        rule,
        json!({
            "suspended_accounts": ids.len(),
            "severed_follows": follows.len(),
            "notified_accounts": per_account.len(),
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(follows.len())
}

/// One `severed_relationships` notification per local account that lost follows, with
/// its record of the event.
async fn notify_severed(
    txn: &DatabaseTransaction,
    event_id: i64,
    at: DateTime<Utc>,
    per_account: &BTreeMap<i64, (i64, i64)>,
) -> CoreResult<()> {
    for (&account_id, &(followers, following)) in per_account {
        let notification_id = next_id();
        notification::Entity::insert(notification::ActiveModel {
            id: Set(notification_id),
            account_id: Set(account_id),
            // Mastodon's severance notifications come "from" their recipient.
            from_account_id: Set(account_id),
            kind: Set("severed_relationships".into()),
            status_id: Set(None),
            created_at: Set(at),
            report_id: Set(None),
        })
        .exec_without_returning(txn)
        .await?;
        account_event::Entity::insert(account_event::ActiveModel {
            id: Set(next_id()),
            account_id: Set(account_id),
            event_id: Set(event_id),
            notification_id: Set(Some(notification_id)),
            followers_count: Set(followers),
            following_count: Set(following),
            created_at: Set(at),
        })
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

/// Purges a suspended remote account ([`crate::accounts::purge`]); the row stays
/// (suspended, emptied) so that its id keeps pointing at nothing.
async fn purge_account(inst: &Instance, id: i64) -> CoreResult<()> {
    let txn = inst.store.begin().await?;
    let files = crate::accounts::purge::purge(&txn, id).await?;
    txn.commit().await?;
    crate::accounts::purge::remove_files(inst, files).await;
    Ok(())
}

/// Accounts with an avatar or a header, remote or stored.
fn has_profile_image() -> Condition {
    Condition::any()
        .add(account::Column::AvatarRemoteUrl.is_not_null())
        .add(account::Column::HeaderRemoteUrl.is_not_null())
        .add(account::Column::AvatarFile.is_not_null())
        .add(account::Column::HeaderFile.is_not_null())
}

/// Forgets the profile images of the accounts `ids`.
async fn clear_profile_images(conn: &impl ConnectionTrait, ids: &[i64]) -> CoreResult<()> {
    let none = || Expr::value(Option::<String>::None);
    account::Entity::update_many()
        .col_expr(account::Column::AvatarRemoteUrl, none())
        .col_expr(account::Column::HeaderRemoteUrl, none())
        .col_expr(account::Column::AvatarFile, none())
        .col_expr(account::Column::HeaderFile, none())
        .filter(account::Column::Id.is_in(ids.iter().copied()))
        .filter(account::Column::Domain.is_not_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Purges the cached media of `domain`'s accounts (attachments and profile images);
/// returns whether there was any.
async fn purge_media_of(inst: &Instance, domain: &str) -> CoreResult<bool> {
    let conn = &inst.store.write;
    let ids: Vec<i64> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::Domain.eq(domain))
        .into_tuple()
        .all(conn)
        .await?;
    let mut any = false;
    for chunk in ids.chunks(CHUNK) {
        let media = media_attachment::Entity::find()
            .filter(media_attachment::Column::AccountId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?;
        let imaged: Vec<i64> = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .filter(account::Column::Id.is_in(chunk.iter().copied()))
            .filter(has_profile_image())
            .into_tuple()
            .all(conn)
            .await?;
        if media.is_empty() && imaged.is_empty() {
            continue;
        }
        any = true;
        let mut files = Vec::new();
        for id in &imaged {
            if let Some(a) = account::Entity::find_by_id(*id).one(conn).await? {
                files.extend(a.avatar_file);
                files.extend(a.header_file);
            }
        }
        for m in &media {
            files.extend(m.file_path.clone());
            files.extend(m.preview_path.clone());
        }
        let txn = inst.store.begin().await?;
        media_attachment::Entity::delete_many()
            .filter(media_attachment::Column::Id.is_in(media.iter().map(|m| m.id)))
            .exec(&txn)
            .await?;
        clear_profile_images(&txn, &imaged).await?;
        txn.commit().await?;
        for path in files {
            inst.media.remove(&path).await;
        }
    }
    Ok(any)
}

/// Unsuspends the accounts of suspensions that are no longer in force; returns how
/// many.
async fn lift_ended(inst: &Instance) -> CoreResult<usize> {
    let conn = &inst.store.write;
    let open = severance_event::Entity::find()
        .filter(severance_event::Column::LiftedAt.is_null())
        .all(conn)
        .await?;
    let mut lifted = 0;
    for event in open {
        if inst
            .policy
            .block_rule(&event.target_name)
            .is_some_and(|(_, v)| v.suspended)
        {
            continue;
        }
        let stamped: Vec<(i64, Option<String>)> = account::Entity::find()
            .select_only()
            .column(account::Column::Id)
            .column(account::Column::Domain)
            .filter(account::Column::SuspendedAt.eq(event.created_at))
            .filter(account::Column::Domain.is_not_null())
            .into_tuple()
            .all(conn)
            .await?;
        // A subdomain may still be suspended by a rule of its own.
        let ids: Vec<i64> = stamped
            .into_iter()
            .filter(|(_, d)| {
                d.as_deref()
                    .and_then(|d| inst.policy.block_rule(d))
                    .is_none_or(|(_, v)| !v.suspended)
            })
            .map(|(id, _)| id)
            .collect();
        let txn = inst.store.begin().await?;
        for chunk in ids.chunks(CHUNK) {
            account::Entity::update_many()
                .col_expr(
                    account::Column::SuspendedAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .filter(account::Column::Id.is_in(chunk.iter().copied()))
                .exec(&txn)
                .await?;
        }
        let ended = severance_event::Entity::update_many()
            .col_expr(severance_event::Column::LiftedAt, Expr::value(Utc::now()))
            .filter(severance_event::Column::Id.eq(event.id))
            .filter(severance_event::Column::LiftedAt.is_null())
            .exec(&txn)
            .await?;
        if ended.rows_affected == 0 {
            continue; // lifted by another run meanwhile
        }
        super::blocks::log(
            &txn,
            None,
            "domain_block.lift_suspension",
            "domain_block",
            &event.target_name,
            json!({"unsuspended_accounts": ids.len()}),
        )
        .await?;
        txn.commit().await?;
        lifted += ids.len();
    }
    Ok(lifted)
}
