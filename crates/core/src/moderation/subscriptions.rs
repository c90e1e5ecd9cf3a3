//! Blocklist subscriptions: lists of domain blocks published at a URL (Mastodon's CSV, the
//! JSON of Mastodon's `GET /api/v1/instance/domain_blocks`, or a plain list of domains)
//! that this instance fetches on a schedule and applies, every severity kept.
//!
//! Fetching is the federation crate's (`starling_federation::blocklists`: it owns the
//! guarded HTTP client); this module reads a fetched list ([`parse`]), compares it with
//! the entries stored for its source and applies the result ([`apply_list`]), all in one
//! transaction: a list that cannot be read changes nothing.
//!
//! Each source's entries say what the list says now and what of it is in force (the
//! `approved` values). Which block a domain gets is then decided over all sources
//! ([`reconcile`]):
//!
//! - a block made by a moderator (no source) always wins and is never touched;
//! - otherwise the source with the highest priority decides; between sources of equal
//!   priority the most severe entry wins (suspend > silence > noop) and the
//!   `reject_media` / `reject_reports` flags of all of them are OR-ed;
//! - no entry in force: a block applied from a source is lifted.
//!
//! Every block created, changed or lifted goes through the writers of
//! [`super::blocks`], in the same transaction, so it is written to the audit log (its
//! `source_id` in the details) and gets the effects of a block made by hand.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::blocks::{self, Moderator};
use super::csv::Entry;
use super::{Severity, domains};
use crate::entities::{blocklist_entry, blocklist_source, domain_block};
use crate::error::{CoreError, CoreResult};
use crate::id::next_id;
use crate::instance::Instance;

mod lists;
mod review;

pub use lists::{Format, MAX_ENTRIES, ParsedList, detect, parse};
pub use review::{approve, approve_all, reject, unsubscribe};

/// What becomes of a domain's block when the domain leaves its list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retraction {
    /// The block is lifted (unless another source still lists the domain: then that
    /// source's entry takes over).
    Remove,
    /// The block stays; the entry is marked `retracted`.
    Keep,
}

impl Retraction {
    pub fn as_str(self) -> &'static str {
        match self {
            Retraction::Remove => "remove",
            Retraction::Keep => "keep",
        }
    }

    pub fn parse(s: &str) -> CoreResult<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "remove" => Ok(Retraction::Remove),
            "keep" => Ok(Retraction::Keep),
            other => Err(CoreError::Unprocessable(format!(
                "unknown retraction {other:?}: use remove or keep"
            ))),
        }
    }
}

/// The states of an entry.
pub mod state {
    /// Waiting for a moderator (sources in review mode); what it proposes is not in force.
    pub const DRAFT: &str = "draft";
    /// In force.
    pub const APPROVED: &str = "approved";
    /// Refused by a moderator; stays so until the list changes the entry.
    pub const REJECTED: &str = "rejected";
    /// Gone from a list whose retraction is `keep`: its block stays.
    pub const RETRACTED: &str = "retracted";
}

/// The values of a block an entry proposes or puts in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Values {
    severity: String,
    reject_media: bool,
    reject_reports: bool,
    public_comment: Option<String>,
    obfuscate: bool,
}

impl Values {
    fn of(e: &Entry) -> Self {
        Values {
            severity: e.severity.as_str().into(),
            reject_media: e.reject_media,
            reject_reports: e.reject_reports,
            public_comment: e.public_comment.clone(),
            obfuscate: e.obfuscate,
        }
    }

    /// What the list says, as stored in `row`.
    fn listed(row: &blocklist_entry::Model) -> Self {
        Values {
            severity: row.severity.clone(),
            reject_media: row.reject_media,
            reject_reports: row.reject_reports,
            public_comment: row.public_comment.clone(),
            obfuscate: row.obfuscate,
        }
    }

    /// What `row` puts in force, if anything.
    fn in_force(row: &blocklist_entry::Model) -> Option<Self> {
        row.approved
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
    }

    fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    fn severity(&self) -> Severity {
        Severity::parse(&self.severity).unwrap_or(Severity::Suspend)
    }
}

/// A new subscription.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub url: String,
    pub format: Format,
    pub priority: i32,
    /// New and changed entries wait for a moderator's approval.
    pub review: bool,
    pub retraction: Retraction,
    /// The severity of a plain list's domains (Mastodon's default, suspend, if unsure).
    pub plain_severity: Severity,
}

/// Subscribes to the list at `url` (`https`; plain `http` only under
/// `federation.allow_private_addresses`). Nothing is fetched yet: a server does it within
/// a minute, or `starling blocklist sync`.
pub async fn subscribe(
    inst: &Instance,
    by: Moderator,
    new: NewSource,
) -> CoreResult<blocklist_source::Model> {
    let url = url::Url::parse(new.url.trim())
        .map_err(|e| CoreError::Unprocessable(format!("{:?} is not a URL: {e}", new.url)))?;
    match url.scheme() {
        "https" => {}
        "http" if inst.config.federation.allow_private_addresses => {}
        "http" => {
            return Err(CoreError::Unprocessable(
                "blocklists are fetched over https:// only".into(),
            ));
        }
        other => {
            return Err(CoreError::Unprocessable(format!(
                "cannot fetch {other}: URLs, only https://"
            )));
        }
    }
    if url.host_str().is_none() || !url.username().is_empty() || url.password().is_some() {
        return Err(CoreError::Unprocessable(format!(
            "{url} must name a host, without user or password"
        )));
    }
    let now = Utc::now();
    let model = blocklist_source::Model {
        id: next_id(),
        url: url.to_string(),
        format: new.format.as_str().into(),
        priority: new.priority,
        review: new.review,
        retraction: new.retraction.as_str().into(),
        plain_severity: new.plain_severity.as_str().into(),
        enabled: true,
        etag: None,
        last_modified: None,
        last_fetched_at: None,
        last_status: None,
        last_error: None,
        entry_count: 0,
        created_at: now,
        updated_at: now,
    };
    let txn = inst.store.begin().await?;
    if let Some(existing) = blocklist_source::Entity::find()
        .filter(blocklist_source::Column::Url.eq(&model.url))
        .one(&txn)
        .await?
    {
        return Err(CoreError::Unprocessable(format!(
            "already subscribed to {} (source {})",
            existing.url, existing.id
        )));
    }
    model.clone().into_active_model().insert(&txn).await?;
    blocks::log(
        &txn,
        by,
        "blocklist_source.create",
        "blocklist_source",
        &model.url,
        describe_source(&model),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

fn describe_source(s: &blocklist_source::Model) -> serde_json::Value {
    json!({
        "source_id": s.id,
        "url": s.url,
        "format": s.format,
        "priority": s.priority,
        "review": s.review,
        "retraction": s.retraction,
        "plain_severity": s.plain_severity,
    })
}

/// Every subscription, oldest first.
pub async fn list_sources(inst: &Instance) -> CoreResult<Vec<blocklist_source::Model>> {
    Ok(blocklist_source::Entity::find()
        .order_by_asc(blocklist_source::Column::Id)
        .all(&inst.store.read)
        .await?)
}

pub async fn get_source(inst: &Instance, id: i64) -> CoreResult<blocklist_source::Model> {
    blocklist_source::Entity::find_by_id(id)
        .one(&inst.store.read)
        .await?
        .ok_or_else(|| CoreError::NotFoundMessage(format!("no blocklist subscription {id}")))
}

/// The entries of `source` (or of every source), by domain.
pub async fn entries(
    inst: &Instance,
    source: Option<i64>,
    only_state: Option<&str>,
) -> CoreResult<Vec<blocklist_entry::Model>> {
    let mut q = blocklist_entry::Entity::find().order_by_asc(blocklist_entry::Column::Domain);
    if let Some(id) = source {
        q = q.filter(blocklist_entry::Column::SourceId.eq(id));
    }
    if let Some(s) = only_state {
        q = q.filter(blocklist_entry::Column::State.eq(s));
    }
    Ok(q.all(&inst.store.read).await?)
}

/// Which sources are due for a fetch: enabled, and never fetched or last fetched
/// `every` ago or longer.
pub async fn due_sources(
    inst: &Instance,
    every: std::time::Duration,
) -> CoreResult<Vec<blocklist_source::Model>> {
    let every = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX);
    let now = Utc::now();
    Ok(list_sources(inst)
        .await?
        .into_iter()
        .filter(|s| {
            s.enabled
                && s.last_fetched_at
                    .is_none_or(|at| now.signed_duration_since(at) >= every)
        })
        .collect())
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// The list had not changed since the last fetch (HTTP 304): nothing was read.
    pub not_modified: bool,
    /// Entries new in the list (or back in it).
    pub added: usize,
    /// Entries the list changed.
    pub changed: usize,
    /// Entries gone from the list.
    pub retracted: usize,
    /// Entries as they were.
    pub unchanged: usize,
    /// Entries that cannot be applied (domains obfuscated with `*`).
    pub skipped: usize,
    /// Entries of the source waiting for review after the sync.
    pub drafts: usize,
    /// What happened to the domain blocks, over all sources.
    pub blocks: BlockChanges,
}

/// Domain blocks created, changed and lifted by applying the entries of all sources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BlockChanges {
    pub created: usize,
    pub changed: usize,
    pub lifted: usize,
    /// Domains some source lists that are blocked by hand: left as they are.
    pub manual: usize,
}

impl std::fmt::Display for SyncReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.not_modified {
            return f.write_str("not modified since the last fetch; nothing changed");
        }
        write!(
            f,
            "{} added, {} changed, {} retracted, {} skipped, {} unchanged",
            self.added, self.changed, self.retracted, self.skipped, self.unchanged
        )?;
        if self.drafts > 0 {
            write!(f, "; {} waiting for review", self.drafts)?;
        }
        write!(f, "; {}", self.blocks)
    }
}

impl std::fmt::Display for BlockChanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "blocks: {} created, {} changed, {} lifted",
            self.created, self.changed, self.lifted
        )?;
        if self.manual > 0 {
            write!(f, ", {} kept as blocked by hand", self.manual)?;
        }
        Ok(())
    }
}

/// The validators of a fetched list, for the next conditional request.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// Applies a fetched and parsed list to its source, in one transaction: entries added,
/// changed and retracted as the source's settings say, then the blocks of every domain
/// decided again ([`reconcile`]), each change in the audit log; then the rules are put in
/// force.
pub async fn apply_list(
    inst: &Instance,
    source_id: i64,
    list: ParsedList,
    validators: Validators,
) -> CoreResult<SyncReport> {
    let now = Utc::now();
    let txn = inst.store.begin().await?;
    let source = blocklist_source::Entity::find_by_id(source_id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            CoreError::NotFoundMessage(format!("no blocklist subscription {source_id}"))
        })?;
    let retraction = Retraction::parse(&source.retraction).unwrap_or(Retraction::Remove);
    let mut old: HashMap<String, blocklist_entry::Model> = blocklist_entry::Entity::find()
        .filter(blocklist_entry::Column::SourceId.eq(source_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|e| (e.domain.clone(), e))
        .collect();
    let mut report = SyncReport {
        skipped: list.skipped,
        ..SyncReport::default()
    };
    // Everything still listed was seen now; rows changed below are written whole.
    blocklist_entry::Entity::update_many()
        .col_expr(blocklist_entry::Column::LastSeenAt, Expr::value(now))
        .filter(blocklist_entry::Column::SourceId.eq(source_id))
        .exec(&txn)
        .await?;
    let mut inserts = Vec::new();
    for e in &list.entries {
        let values = Values::of(e);
        let Some(row) = old.remove(&e.domain) else {
            report.added += 1;
            inserts.push(blocklist_entry::ActiveModel {
                id: Set(next_id()),
                source_id: Set(source_id),
                domain: Set(e.domain.clone()),
                severity: Set(values.severity.clone()),
                reject_media: Set(values.reject_media),
                reject_reports: Set(values.reject_reports),
                public_comment: Set(values.public_comment.clone()),
                obfuscate: Set(values.obfuscate),
                state: Set(if source.review {
                    state::DRAFT
                } else {
                    state::APPROVED
                }
                .into()),
                approved: Set((!source.review).then(|| values.json())),
                first_seen_at: Set(now),
                last_seen_at: Set(now),
            });
            continue;
        };
        let same = Values::listed(&row) == values;
        let in_force = Values::in_force(&row);
        let (new_state, new_approved) = if same && row.state != state::RETRACTED {
            report.unchanged += 1;
            continue;
        } else if in_force.as_ref() == Some(&values) {
            // Back in the list as it was when approved.
            (state::APPROVED, row.approved.clone())
        } else if source.review {
            // What was approved stays in force until the change is.
            (state::DRAFT, row.approved.clone())
        } else {
            (state::APPROVED, Some(values.json()))
        };
        if row.state == state::RETRACTED {
            report.added += 1;
        } else {
            report.changed += 1;
        }
        blocklist_entry::ActiveModel {
            id: sea_orm::Unchanged(row.id),
            severity: Set(values.severity),
            reject_media: Set(values.reject_media),
            reject_reports: Set(values.reject_reports),
            public_comment: Set(values.public_comment),
            obfuscate: Set(values.obfuscate),
            state: Set(new_state.into()),
            approved: Set(new_approved),
            ..Default::default()
        }
        .update(&txn)
        .await?;
    }
    for chunk in inserts.chunks(500) {
        blocklist_entry::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    // What is left of `old` has gone from the list.
    let mut gone = Vec::new();
    for row in old.into_values() {
        if row.state != state::RETRACTED {
            report.retracted += 1;
        }
        if retraction == Retraction::Keep && row.approved.is_some() {
            // Its block stays; so does the time it was last seen.
            blocklist_entry::ActiveModel {
                id: sea_orm::Unchanged(row.id),
                state: Set(state::RETRACTED.into()),
                last_seen_at: Set(row.last_seen_at),
                ..Default::default()
            }
            .update(&txn)
            .await?;
        } else {
            gone.push(row.id);
        }
    }
    for chunk in gone.chunks(500) {
        blocklist_entry::Entity::delete_many()
            .filter(blocklist_entry::Column::Id.is_in(chunk.iter().copied()))
            .exec(&txn)
            .await?;
    }
    report.drafts = count_drafts(&txn, source_id).await?;
    blocklist_source::ActiveModel {
        id: sea_orm::Unchanged(source_id),
        etag: Set(validators.etag),
        last_modified: Set(validators.last_modified),
        last_fetched_at: Set(Some(now)),
        last_status: Set(Some("ok".into())),
        last_error: Set(None),
        entry_count: Set(i32::try_from(list.entries.len()).unwrap_or(i32::MAX)),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    report.blocks = reconcile(&txn, None).await?;
    blocks::log(
        &txn,
        None,
        "blocklist_source.sync",
        "blocklist_source",
        &source.url,
        json!({"source_id": source_id, "format": list.format.as_str(), "report": report}),
    )
    .await?;
    txn.commit().await?;
    blocks::put_in_force(inst).await?;
    Ok(report)
}

async fn count_drafts(txn: &DatabaseTransaction, source_id: i64) -> CoreResult<usize> {
    use sea_orm::PaginatorTrait;
    let n = blocklist_entry::Entity::find()
        .filter(blocklist_entry::Column::SourceId.eq(source_id))
        .filter(blocklist_entry::Column::State.eq(state::DRAFT))
        .count(txn)
        .await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// Records a fetch that did not change the list (HTTP 304).
pub async fn record_not_modified(inst: &Instance, source_id: i64) -> CoreResult<()> {
    record(inst, source_id, "unchanged", None).await
}

/// Records a sync that failed (the list could not be fetched or read): nothing else
/// changes.
pub async fn record_failure(inst: &Instance, source_id: i64, error: &str) -> CoreResult<()> {
    record(inst, source_id, "error", Some(error.to_owned())).await
}

async fn record(
    inst: &Instance,
    source_id: i64,
    status: &str,
    error: Option<String>,
) -> CoreResult<()> {
    let now = Utc::now();
    blocklist_source::Entity::update_many()
        .col_expr(blocklist_source::Column::LastFetchedAt, Expr::value(now))
        .col_expr(blocklist_source::Column::LastStatus, Expr::value(status))
        .col_expr(blocklist_source::Column::LastError, Expr::value(error))
        .col_expr(blocklist_source::Column::UpdatedAt, Expr::value(now))
        .filter(blocklist_source::Column::Id.eq(source_id))
        .exec(&inst.store.write)
        .await?;
    Ok(())
}

/// The block one domain should have from the subscriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wanted {
    source_id: i64,
    values: Values,
}

/// Decides the block of every domain listed by a source (or, with `only`, of those
/// domains) and of every block applied from a source, and writes what differs: the
/// highest priority wins; at equal priority the most severe entry, flags OR-ed; blocks
/// made by hand are never touched. In the caller's transaction.
pub async fn reconcile(
    txn: &DatabaseTransaction,
    only: Option<&HashSet<String>>,
) -> CoreResult<BlockChanges> {
    let sources: HashMap<i64, blocklist_source::Model> = blocklist_source::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut candidates: HashMap<String, Vec<(i32, i64, Values)>> = HashMap::new();
    for row in blocklist_entry::Entity::find()
        .filter(blocklist_entry::Column::Approved.is_not_null())
        .all(txn)
        .await?
    {
        let Some(source) = sources.get(&row.source_id).filter(|s| s.enabled) else {
            continue;
        };
        if only.is_some_and(|o| !o.contains(&row.domain)) {
            continue;
        }
        if let Some(values) = Values::in_force(&row) {
            candidates
                .entry(row.domain)
                .or_default()
                .push((source.priority, source.id, values));
        }
    }
    let mut existing: HashMap<String, domain_block::Model> = domain_block::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .filter(|b| only.is_none_or(|o| o.contains(&b.domain)))
        .map(|b| (b.domain.clone(), b))
        .collect();
    let mut changes = BlockChanges::default();
    let now = Utc::now();
    let mut domains: Vec<String> = candidates.keys().cloned().collect();
    domains.sort();
    for domain in domains {
        let wanted = decide(&candidates[&domain]);
        let url = sources
            .get(&wanted.source_id)
            .map(|s| s.url.as_str())
            .unwrap_or_default();
        let note = Some(format!("From the blocklist subscription {url}"));
        let v = &wanted.values;
        match existing.remove(&domain) {
            Some(b) if b.source_id.is_none() => changes.manual += 1,
            Some(b) => {
                let mut new = b.clone();
                new.severity = v.severity.clone();
                new.reject_media = v.reject_media;
                new.reject_reports = v.reject_reports;
                new.public_comment = v.public_comment.clone();
                new.obfuscate = v.obfuscate;
                new.source_id = Some(wanted.source_id);
                new.private_comment = note;
                if new != b {
                    new.updated_at = now;
                    blocks::write_changed(txn, None, &b, &new, true).await?;
                    changes.changed += 1;
                }
            }
            None => {
                let model = domain_block::Model {
                    id: next_id(),
                    domain,
                    severity: v.severity.clone(),
                    reject_media: v.reject_media,
                    reject_reports: v.reject_reports,
                    private_comment: note,
                    public_comment: v.public_comment.clone(),
                    obfuscate: v.obfuscate,
                    source_id: Some(wanted.source_id),
                    created_at: now,
                    updated_at: now,
                };
                blocks::write_new(txn, None, &model, true).await?;
                changes.created += 1;
            }
        }
    }
    // Blocks applied from a source that no source in force lists any more.
    let mut left: Vec<domain_block::Model> = existing
        .into_values()
        .filter(|b| b.source_id.is_some())
        .collect();
    left.sort_by(|a, b| a.domain.cmp(&b.domain));
    for b in left {
        blocks::write_deleted(txn, None, &b).await?;
        changes.lifted += 1;
    }
    Ok(changes)
}

/// The block wanted from the entries in force for one domain: `(priority, source,
/// values)`, at least one.
fn decide(entries: &[(i32, i64, Values)]) -> Wanted {
    let top = entries.iter().map(|e| e.0).max().unwrap_or_default();
    let mut best: Vec<&(i32, i64, Values)> = entries.iter().filter(|e| e.0 == top).collect();
    // Most severe first; then the oldest source, so the choice is stable.
    best.sort_by(|a, b| b.2.severity().cmp(&a.2.severity()).then(a.1.cmp(&b.1)));
    let (_, source_id, first) = best[0];
    let mut values = first.clone();
    for (_, _, v) in &best[1..] {
        values.reject_media |= v.reject_media;
        values.reject_reports |= v.reject_reports;
        values.obfuscate |= v.obfuscate;
    }
    Wanted {
        source_id: *source_id,
        values,
    }
}

/// The domain as people read it (punycode decoded).
pub fn shown(domain: &str) -> String {
    domains::to_unicode(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_priority_wins_then_the_most_severe_with_flags_ored() {
        let v = |severity: &str, media: bool, reports: bool| Values {
            severity: severity.into(),
            reject_media: media,
            reject_reports: reports,
            public_comment: None,
            obfuscate: false,
        };
        let w = decide(&[
            (0, 1, v("suspend", false, false)),
            (5, 2, v("noop", true, false)),
        ]);
        assert_eq!(w.source_id, 2);
        assert_eq!(w.values.severity, "noop");
        let w = decide(&[
            (1, 1, v("silence", true, false)),
            (1, 2, v("suspend", false, false)),
            (1, 3, v("noop", false, true)),
        ]);
        assert_eq!(w.source_id, 2);
        assert_eq!(w.values, v("suspend", true, true));
    }
}
