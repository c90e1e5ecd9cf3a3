//! Domain blocks and allows: created, changed and lifted by moderators (admin API or
//! command line), each change written to the audit log in its transaction and put in
//! force at once.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use super::csv::Entry;
use super::{Severity, domains};
use crate::entities::{domain_allow, domain_block, moderation_log};
use crate::error::{CoreError, CoreResult};
use crate::id::next_id;
use crate::instance::Instance;
use crate::paging::Page;

/// The fields of a new block; `None` keeps Mastodon's defaults (suspend, no flags).
#[derive(Debug, Clone, Default)]
pub struct BlockFields {
    pub severity: Option<Severity>,
    pub reject_media: Option<bool>,
    pub reject_reports: Option<bool>,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: Option<bool>,
}

/// Who acts: a moderator's account, or `None` for the command line.
pub type Moderator = Option<i64>;

/// Normalises `domain` as this instance accepts it (ports only on test networks).
pub fn normalize(inst: &Instance, domain: &str) -> CoreResult<String> {
    domains::normalize(domain, inst.config.federation.allow_private_addresses)
}

/// Puts the stored rules in force: the policy every door asks, then what they do to
/// what is stored already ([`super::effects::enforce`]). The change is committed by
/// then, so a failure of the second step is logged, not returned: the policy's reload
/// schedule and the next start finish it.
pub(crate) async fn put_in_force(inst: &Instance) -> CoreResult<()> {
    inst.policy.reload(&inst.store.write).await?;
    // Other processes on the database reload them within a second (or, should this
    // fail, at their next scheduled reload).
    if let Err(e) = crate::changes::publish(inst, crate::changes::Change::DomainRules).await {
        tracing::warn!(error = %e, "other processes will read the new rules at their next reload");
    }
    if let Err(e) = super::effects::enforce(inst).await {
        tracing::warn!(error = %e, "domain block effects left for the next run");
    }
    Ok(())
}

/// A page of blocks, most recent first.
pub async fn list_blocks(inst: &Instance, page: &Page) -> CoreResult<Vec<domain_block::Model>> {
    let rows = page
        .apply(domain_block::Entity::find(), domain_block::Column::Id)
        .all(&inst.store.read)
        .await?;
    Ok(page.finish(rows))
}

/// The blocks users can notice (suspend, silence, or media rejected), as
/// `GET /api/v1/instance/domain_blocks` lists them, by domain.
pub async fn user_facing_blocks(inst: &Instance) -> CoreResult<Vec<domain_block::Model>> {
    Ok(all_blocks(inst)
        .await?
        .into_iter()
        .filter(|b| b.severity != Severity::Noop.as_str() || b.reject_media)
        .collect())
}

/// Every block, by domain.
pub async fn all_blocks(inst: &Instance) -> CoreResult<Vec<domain_block::Model>> {
    Ok(domain_block::Entity::find()
        .order_by_asc(domain_block::Column::Domain)
        .all(&inst.store.read)
        .await?)
}

pub async fn get_block(inst: &Instance, id: i64) -> CoreResult<domain_block::Model> {
    domain_block::Entity::find_by_id(id)
        .one(&inst.store.read)
        .await?
        .ok_or(CoreError::NotFound)
}

/// The block of exactly `domain` (normalised), if any.
pub async fn find_block(
    conn: &impl ConnectionTrait,
    domain: &str,
) -> CoreResult<Option<domain_block::Model>> {
    Ok(domain_block::Entity::find()
        .filter(domain_block::Column::Domain.eq(domain))
        .one(conn)
        .await?)
}

/// Blocks `domain`. A domain that is blocked already is refused (422), as Mastodon
/// does: change the existing block instead.
pub async fn create_block(
    inst: &Instance,
    by: Moderator,
    domain: &str,
    fields: BlockFields,
) -> CoreResult<domain_block::Model> {
    let domain = normalize(inst, domain)?;
    let now = Utc::now();
    let model = domain_block::Model {
        id: next_id(),
        domain: domain.clone(),
        severity: fields.severity.unwrap_or(Severity::Suspend).as_str().into(),
        reject_media: fields.reject_media.unwrap_or(false),
        reject_reports: fields.reject_reports.unwrap_or(false),
        private_comment: fields.private_comment.filter(|c| !c.trim().is_empty()),
        public_comment: fields.public_comment.filter(|c| !c.trim().is_empty()),
        obfuscate: fields.obfuscate.unwrap_or(false),
        source_id: None,
        created_at: now,
        updated_at: now,
    };
    let txn = inst.store.begin().await?;
    if find_block(&txn, &domain).await?.is_some() {
        return Err(CoreError::Unprocessable(format!(
            "{domain} is blocked already: change that block instead"
        )));
    }
    match write_new(&txn, by, &model, false).await {
        Err(CoreError::Db(e)) if crate::error::is_unique_violation(&e) => {
            return Err(CoreError::Unprocessable(format!(
                "{domain} is blocked already: change that block instead"
            )));
        }
        other => other?,
    }
    txn.commit().await?;
    put_in_force(inst).await?;
    Ok(model)
}

/// Changes a block; fields left `None` keep their value.
pub async fn update_block(
    inst: &Instance,
    by: Moderator,
    id: i64,
    fields: BlockFields,
) -> CoreResult<domain_block::Model> {
    let txn = inst.store.begin().await?;
    let old = domain_block::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(CoreError::NotFound)?;
    let mut new = old.clone();
    if let Some(s) = fields.severity {
        new.severity = s.as_str().into();
    }
    if let Some(v) = fields.reject_media {
        new.reject_media = v;
    }
    if let Some(v) = fields.reject_reports {
        new.reject_reports = v;
    }
    if let Some(c) = fields.private_comment {
        new.private_comment = Some(c).filter(|c| !c.trim().is_empty());
    }
    if let Some(c) = fields.public_comment {
        new.public_comment = Some(c).filter(|c| !c.trim().is_empty());
    }
    if let Some(v) = fields.obfuscate {
        new.obfuscate = v;
    }
    new.updated_at = Utc::now();
    write_changed(&txn, by, &old, &new, false).await?;
    txn.commit().await?;
    put_in_force(inst).await?;
    Ok(new)
}

/// Lifts a block. What a suspension purged stays purged.
pub async fn delete_block(
    inst: &Instance,
    by: Moderator,
    id: i64,
) -> CoreResult<domain_block::Model> {
    let txn = inst.store.begin().await?;
    let old = domain_block::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(CoreError::NotFound)?;
    domain_block::Entity::delete_by_id(id).exec(&txn).await?;
    log(
        &txn,
        by,
        "domain_block.delete",
        "domain_block",
        &old.domain,
        describe(&old),
    )
    .await?;
    txn.commit().await?;
    put_in_force(inst).await?;
    Ok(old)
}

/// A page of allows, most recent first.
pub async fn list_allows(inst: &Instance, page: &Page) -> CoreResult<Vec<domain_allow::Model>> {
    let rows = page
        .apply(domain_allow::Entity::find(), domain_allow::Column::Id)
        .all(&inst.store.read)
        .await?;
    Ok(page.finish(rows))
}

pub async fn get_allow(inst: &Instance, id: i64) -> CoreResult<domain_allow::Model> {
    domain_allow::Entity::find_by_id(id)
        .one(&inst.store.read)
        .await?
        .ok_or(CoreError::NotFound)
}

/// Allows `domain` (and its subdomains) to federate in allow-list mode. Allowing a
/// domain that is allowed already answers the existing allow.
pub async fn create_allow(
    inst: &Instance,
    by: Moderator,
    domain: &str,
) -> CoreResult<domain_allow::Model> {
    let domain = normalize(inst, domain)?;
    let txn = inst.store.begin().await?;
    if let Some(existing) = domain_allow::Entity::find()
        .filter(domain_allow::Column::Domain.eq(&domain))
        .one(&txn)
        .await?
    {
        return Ok(existing);
    }
    let model = domain_allow::Model {
        id: next_id(),
        domain: domain.clone(),
        created_at: Utc::now(),
    };
    model.clone().into_active_model().insert(&txn).await?;
    log(
        &txn,
        by,
        "domain_allow.create",
        "domain_allow",
        &domain,
        json!({}),
    )
    .await?;
    txn.commit().await?;
    put_in_force(inst).await?;
    Ok(model)
}

pub async fn delete_allow(
    inst: &Instance,
    by: Moderator,
    id: i64,
) -> CoreResult<domain_allow::Model> {
    let txn = inst.store.begin().await?;
    let old = domain_allow::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(CoreError::NotFound)?;
    domain_allow::Entity::delete_by_id(id).exec(&txn).await?;
    log(
        &txn,
        by,
        "domain_allow.delete",
        "domain_allow",
        &old.domain,
        json!({}),
    )
    .await?;
    txn.commit().await?;
    put_in_force(inst).await?;
    Ok(old)
}

/// Inserts a new block and logs it, in the caller's transaction (also used by the
/// blocklist subscriptions, [`super::subscriptions`]).
pub async fn write_new(
    txn: &DatabaseTransaction,
    by: Moderator,
    model: &domain_block::Model,
    import: bool,
) -> CoreResult<()> {
    model.clone().into_active_model().insert(txn).await?;
    let details = json!({"import": import, "after": describe(model)});
    log(
        txn,
        by,
        "domain_block.create",
        "domain_block",
        &model.domain,
        details,
    )
    .await
}

/// Stores what changed from `old` to `new` (never the domain) and logs both, in the
/// caller's transaction.
pub async fn write_changed(
    txn: &DatabaseTransaction,
    by: Moderator,
    old: &domain_block::Model,
    new: &domain_block::Model,
    import: bool,
) -> CoreResult<()> {
    domain_block::ActiveModel {
        id: sea_orm::Unchanged(old.id),
        severity: Set(new.severity.clone()),
        reject_media: Set(new.reject_media),
        reject_reports: Set(new.reject_reports),
        private_comment: Set(new.private_comment.clone()),
        public_comment: Set(new.public_comment.clone()),
        obfuscate: Set(new.obfuscate),
        source_id: Set(new.source_id),
        updated_at: Set(new.updated_at),
        ..Default::default()
    }
    .update(txn)
    .await?;
    let details = json!({"import": import, "before": describe(old), "after": describe(new)});
    log(
        txn,
        by,
        "domain_block.update",
        "domain_block",
        &new.domain,
        details,
    )
    .await
}

/// Lifts `old` and logs it, in the caller's transaction.
pub async fn write_deleted(
    txn: &DatabaseTransaction,
    by: Moderator,
    old: &domain_block::Model,
) -> CoreResult<()> {
    domain_block::Entity::delete_by_id(old.id).exec(txn).await?;
    log(
        txn,
        by,
        "domain_block.delete",
        "domain_block",
        &old.domain,
        describe(old),
    )
    .await
}

fn describe(b: &domain_block::Model) -> serde_json::Value {
    json!({
        "source_id": b.source_id,
        "severity": b.severity,
        "reject_media": b.reject_media,
        "reject_reports": b.reject_reports,
        "obfuscate": b.obfuscate,
        "private_comment": b.private_comment,
        "public_comment": b.public_comment,
    })
}

/// Writes one row of the audit log, in the caller's transaction.
pub async fn log(
    conn: &impl ConnectionTrait,
    by: Moderator,
    action: &str,
    target_type: &str,
    target: &str,
    details: serde_json::Value,
) -> CoreResult<()> {
    moderation_log::ActiveModel {
        id: Set(next_id()),
        account_id: Set(by),
        action: Set(action.into()),
        target_type: Set(target_type.into()),
        target: Set(target.into()),
        details: Set(details.to_string()),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The audit log, most recent first.
pub async fn audit_log(inst: &Instance, limit: u64) -> CoreResult<Vec<moderation_log::Model>> {
    use sea_orm::QuerySelect;
    Ok(moderation_log::Entity::find()
        .order_by_desc(moderation_log::Column::Id)
        .limit(limit)
        .all(&inst.store.read)
        .await?)
}

/// What importing a list of blocks would change.
#[derive(Debug, Default)]
pub struct ImportPlan {
    /// Domains not blocked yet.
    pub create: Vec<Entry>,
    /// Blocked already, but differently: the entry replaces the block's severity,
    /// flags and public comment (the private comment is kept).
    pub update: Vec<(domain_block::Model, Entry)>,
    /// Blocked already, the same way.
    pub unchanged: usize,
    /// The follows between local and remote accounts that the suspensions among the
    /// changes would sever.
    pub severed: Vec<super::effects::SeveredFollow>,
}

/// Compares `entries` with the blocks in force; changes nothing.
pub async fn plan_import(inst: &Instance, entries: Vec<Entry>) -> CoreResult<ImportPlan> {
    let existing: std::collections::HashMap<String, domain_block::Model> = all_blocks(inst)
        .await?
        .into_iter()
        .map(|b| (b.domain.clone(), b))
        .collect();
    let mut plan = ImportPlan::default();
    for e in entries {
        match existing.get(&e.domain) {
            None => plan.create.push(e),
            Some(b) if e.same_as(b) => plan.unchanged += 1,
            Some(b) => plan.update.push((b.clone(), e)),
        }
    }
    if plan
        .create
        .iter()
        .chain(plan.update.iter().map(|(_, e)| e))
        .any(|e| e.severity == Severity::Suspend)
    {
        let now = Utc::now();
        let mut after = existing;
        for e in &plan.create {
            after.insert(e.domain.clone(), block_of_entry(e, None, now));
        }
        for (old, e) in &plan.update {
            after.insert(e.domain.clone(), block_of_entry(e, Some(old), now));
        }
        let after: Vec<domain_block::Model> = after.into_values().collect();
        plan.severed = super::effects::severed_by(inst, &after).await?;
    }
    Ok(plan)
}

/// Carries out a plan in one transaction (all of it or, on any error, none of it),
/// each block written to the audit log; then puts the rules in force.
pub async fn apply_import(inst: &Instance, by: Moderator, plan: &ImportPlan) -> CoreResult<()> {
    let now = Utc::now();
    let txn = inst.store.begin().await?;
    for e in &plan.create {
        write_new(&txn, by, &block_of_entry(e, None, now), true).await?;
    }
    for (old, e) in &plan.update {
        write_changed(&txn, by, old, &block_of_entry(e, Some(old), now), true).await?;
    }
    txn.commit().await?;
    put_in_force(inst).await?;
    Ok(())
}

/// The block an imported entry makes: a new one, or `old` changed (its id, private
/// comment, source and creation time kept).
fn block_of_entry(
    e: &Entry,
    old: Option<&domain_block::Model>,
    now: chrono::DateTime<Utc>,
) -> domain_block::Model {
    domain_block::Model {
        id: old.map_or_else(next_id, |o| o.id),
        domain: e.domain.clone(),
        severity: e.severity.as_str().into(),
        reject_media: e.reject_media,
        reject_reports: e.reject_reports,
        private_comment: old.and_then(|o| o.private_comment.clone()),
        public_comment: e.public_comment.clone(),
        obfuscate: e.obfuscate,
        source_id: old.and_then(|o| o.source_id),
        created_at: old.map_or(now, |o| o.created_at),
        updated_at: now,
    }
}
