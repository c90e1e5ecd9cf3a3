//! Reports to moderators, in Mastodon's model: a local user reports an account (and
//! some of its statuses, the rules it broke) with [`create`]; a remote server's `Flag`
//! is stored by [`record`]; moderators work through them with [`list`], [`assign`],
//! [`resolve`], [`reopen`] and [`update`], each change written to the audit log in its
//! transaction.
//!
//! A report against a remote account may be forwarded to its server: [`create`] writes
//! an [`Event::ReportForwarded`] in the report's transaction, and the federation crate
//! turns it into a `Flag` from the instance actor through the durable delivery queue.
//! "Action taken" is Mastodon's: a report is resolved when `action_taken_at` is set.
//! Moderators and admins hear of a new report through an `admin.report` notification,
//! written in the report's transaction.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use crate::accounts::Role;
use crate::entities::{account, report, status, user};
use crate::error::{CoreError, CoreResult};
use crate::events::{self, Event};
use crate::id::next_id;
use crate::instance::Instance;
use crate::moderation::blocks::{Moderator, log};
use crate::paging::Page;

/// Longest comment a local user may write (Mastodon's limit).
pub const MAX_COMMENT_CHARS: usize = 1000;
/// Longest comment kept from a remote `Flag`.
const MAX_REMOTE_COMMENT_CHARS: usize = 5000;

/// Why an account is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Spam,
    Legal,
    /// It breaks some of the instance's rules (named by `rule_ids`).
    Violation,
    Other,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Spam => "spam",
            Category::Legal => "legal",
            Category::Violation => "violation",
            Category::Other => "other",
        }
    }

    /// Mastodon's names; anything else is refused with the list of valid ones.
    pub fn parse(s: &str) -> CoreResult<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "spam" => Ok(Category::Spam),
            "legal" => Ok(Category::Legal),
            "violation" => Ok(Category::Violation),
            "other" => Ok(Category::Other),
            _ => Err(CoreError::Unprocessable(format!(
                "Validation failed: Category {s:?} is not a valid category: use spam, legal, violation or other"
            ))),
        }
    }
}

/// A report as a local user files it.
#[derive(Debug, Clone, Default)]
pub struct NewReport {
    pub target_id: i64,
    /// The target's statuses the report is about; each must be one the reporter can see.
    pub status_ids: Vec<i64>,
    pub comment: String,
    /// `None` is `other`, or `violation` when rules are named.
    pub category: Option<String>,
    /// Ids of the instance's rules (`GET /api/v1/instance/rules`).
    pub rule_ids: Vec<i64>,
    /// Send a copy to the target's server (remote targets only).
    pub forward: bool,
    /// Which servers to forward to: the target's and those its reported statuses
    /// reply to. `None` is the target's server alone.
    pub forward_to_domains: Option<Vec<String>>,
}

/// The ids of the instance's rules: rule `n` is the `n`-th of `instance.rules`.
pub fn rule_ids_of_instance(inst: &Instance) -> Vec<i64> {
    (1..=inst.config.instance.rules.len() as i64).collect()
}

fn invalid_rules() -> CoreError {
    CoreError::Unprocessable("Validation failed: Rule ids does not reference valid rules".into())
}

/// Checks `rule_ids` for `category` as Mastodon does: a violation names at least one
/// of the instance's rules, any other category none. Returns them sorted, once each.
fn checked_rules(inst: &Instance, category: Category, rule_ids: &[i64]) -> CoreResult<Vec<i64>> {
    let mut ids: Vec<i64> = rule_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if category != Category::Violation {
        if !ids.is_empty() {
            return Err(CoreError::Unprocessable(
                "Validation failed: Rule ids must be blank".into(),
            ));
        }
        return Ok(ids);
    }
    let known = rule_ids_of_instance(inst);
    if ids.is_empty() || ids.iter().any(|id| !known.contains(id)) {
        return Err(invalid_rules());
    }
    Ok(ids)
}

fn to_json(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

fn from_json(s: &str) -> Vec<i64> {
    serde_json::from_str(s).unwrap_or_default()
}

/// The statuses a report names.
pub fn status_ids(r: &report::Model) -> Vec<i64> {
    from_json(&r.status_ids)
}

/// The rules a report names.
pub fn rule_ids(r: &report::Model) -> Vec<i64> {
    from_json(&r.rule_ids)
}

/// Files a report by local account `reporter_id`. The target must exist and not be
/// suspended, and each status must be the target's and visible to the reporter
/// (`NotFound` otherwise, as Mastodon answers); the comment, category and rules are
/// validated (`Unprocessable`). With `forward` and a remote target, a `Flag` is queued
/// for the chosen servers in the same transaction.
pub async fn create(
    inst: &Instance,
    reporter_id: i64,
    new: NewReport,
) -> CoreResult<report::Model> {
    let conn = &inst.store.read;
    let target = account::Entity::find_by_id(new.target_id)
        .one(conn)
        .await?
        .filter(|a| a.suspended_at.is_none())
        .ok_or(CoreError::NotFound)?;
    let mut wanted: Vec<i64> = new.status_ids.clone();
    wanted.sort_unstable();
    wanted.dedup();
    let statuses = status::Entity::find()
        .filter(status::Column::Id.is_in(wanted.iter().copied()))
        .filter(status::Column::AccountId.eq(target.id))
        .all(conn)
        .await?;
    let visible = crate::visibility::visible_subset(conn, &statuses, Some(reporter_id)).await?;
    if wanted.iter().any(|id| !visible.contains(id)) {
        return Err(CoreError::NotFound);
    }
    if new.comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(CoreError::Unprocessable(format!(
            "Validation failed: Comment is too long (maximum is {MAX_COMMENT_CHARS} characters)"
        )));
    }
    // Naming rules makes the report a violation, whatever category was sent.
    let category = if !new.rule_ids.is_empty() {
        Category::Violation
    } else {
        match new.category.as_deref().map(str::trim) {
            None | Some("") => Category::Other,
            Some(c) => Category::parse(c)?,
        }
    };
    let rules = checked_rules(inst, category, &new.rule_ids)?;
    let domains = forward_domains(inst, &target, &new);
    let forwarded = match (&target.domain, &domains) {
        (Some(d), Some(domains)) => domains.contains(&d.to_ascii_lowercase()),
        _ => false,
    };
    let now = Utc::now();
    let model = report::Model {
        id: next_id(),
        account_id: reporter_id,
        target_account_id: target.id,
        status_ids: to_json(&wanted),
        comment: new.comment,
        category: category.as_str().into(),
        rule_ids: to_json(&rules),
        forwarded,
        uri: None,
        assigned_account_id: None,
        action_taken_by_account_id: None,
        action_taken_at: None,
        created_at: now,
        updated_at: now,
    };
    let txn = inst.store.begin().await?;
    insert(&txn, &model).await?;
    if let Some(domains) = domains {
        let event = Event::ReportForwarded {
            report_id: model.id,
            domains,
        };
        events::emit(&txn, reporter_id, &event).await?;
    }
    txn.commit().await?;
    inst.events_written();
    Ok(model)
}

/// The servers a report is forwarded to, lower-case; `None` when it is not forwarded
/// (not asked for, or a local target).
fn forward_domains(
    inst: &Instance,
    target: &account::Model,
    new: &NewReport,
) -> Option<Vec<String>> {
    let target_domain = target.domain.as_deref()?;
    if !new.forward {
        return None;
    }
    let allow_ports = inst.config.federation.allow_private_addresses;
    let mut domains: Vec<String> = match &new.forward_to_domains {
        Some(list) if !list.is_empty() => list
            .iter()
            .filter_map(|d| crate::moderation::domains::normalize(d, allow_ports).ok())
            .collect(),
        _ => vec![target_domain.to_ascii_lowercase()],
    };
    domains.sort();
    domains.dedup();
    Some(domains)
}

/// A report as received.
#[derive(Debug, Clone, Default)]
pub struct IncomingReport {
    /// The reporting actor (on a remote server, often its instance actor).
    pub reporter_id: i64,
    /// The reported (local) account.
    pub target_id: i64,
    pub status_ids: Vec<i64>,
    pub comment: String,
    /// The `Flag` activity id; a `Flag` is not stored twice for the same target.
    pub uri: Option<String>,
}

/// Stores a report from another server (category `other`, as Mastodon files them);
/// returns its id (the existing one for a repeated `Flag`).
pub async fn record(inst: &Instance, r: IncomingReport) -> CoreResult<i64> {
    if let Some(uri) = &r.uri
        && let Some(existing) = report::Entity::find()
            .filter(report::Column::Uri.eq(uri.clone()))
            .filter(report::Column::TargetAccountId.eq(r.target_id))
            .one(&inst.store.write)
            .await?
    {
        return Ok(existing.id);
    }
    let now = Utc::now();
    let model = report::Model {
        id: next_id(),
        account_id: r.reporter_id,
        target_account_id: r.target_id,
        status_ids: to_json(&r.status_ids),
        comment: r.comment.chars().take(MAX_REMOTE_COMMENT_CHARS).collect(),
        category: Category::Other.as_str().into(),
        rule_ids: "[]".into(),
        forwarded: false,
        uri: r.uri,
        assigned_account_id: None,
        action_taken_by_account_id: None,
        action_taken_at: None,
        created_at: now,
        updated_at: now,
    };
    let txn = inst.store.begin().await?;
    insert(&txn, &model).await?;
    txn.commit().await?;
    Ok(model.id)
}

/// Stores a new report and tells the staff of it, in `txn`.
async fn insert(txn: &DatabaseTransaction, model: &report::Model) -> CoreResult<()> {
    model.clone().into_active_model().insert(txn).await?;
    notify_staff(txn, model).await
}

/// Tells the moderators and admins of a new report (Mastodon's `admin.report`
/// notification), unless its target has another open report already, as Mastodon
/// does: they know of that one. Neither the reporter nor the target is told, when
/// either is staff.
async fn notify_staff(txn: &DatabaseTransaction, r: &report::Model) -> CoreResult<()> {
    let open_siblings = report::Entity::find()
        .filter(report::Column::TargetAccountId.eq(r.target_account_id))
        .filter(report::Column::ActionTakenAt.is_null())
        .filter(report::Column::Id.ne(r.id))
        .count(txn)
        .await?;
    if open_siblings > 0 {
        return Ok(());
    }
    let staff: Vec<i64> = user::Entity::find()
        .select_only()
        .column(user::Column::AccountId)
        .filter(user::Column::Role.is_in([Role::Moderator.as_str(), Role::Admin.as_str()]))
        .filter(user::Column::Approved.eq(true))
        .filter(user::Column::Disabled.eq(false))
        .filter(user::Column::AccountId.is_not_in([r.account_id, r.target_account_id]))
        .filter(
            user::Column::AccountId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(account::Column::Id)
                    .from(account::Entity)
                    .and_where(account::Column::SuspendedAt.is_null())
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(txn)
        .await?;
    crate::notifications::notify_report(txn, &staff, r.account_id, r.id).await
}

/// Reports against `target_id`, newest first.
pub async fn of_target(inst: &Instance, target_id: i64) -> CoreResult<Vec<report::Model>> {
    Ok(report::Entity::find()
        .filter(report::Column::TargetAccountId.eq(target_id))
        .order_by_desc(report::Column::Id)
        .all(&inst.store.read)
        .await?)
}

/// Which reports a moderator lists (Mastodon's `ReportFilter`).
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Resolved reports instead of open ones.
    pub resolved: bool,
    /// Filed by this account.
    pub account_id: Option<i64>,
    /// Against this account.
    pub target_account_id: Option<i64>,
    /// Against accounts of this domain (normalised as accounts store it).
    pub by_target_domain: Option<String>,
    /// Against local accounts (`Some(true)`) or remote ones (`Some(false)`).
    pub target_local: Option<bool>,
}

/// A page of reports, newest first.
pub async fn list(
    inst: &Instance,
    filter: &ReportFilter,
    page: &Page,
) -> CoreResult<Vec<report::Model>> {
    let mut select = report::Entity::find();
    select = if filter.resolved {
        select.filter(report::Column::ActionTakenAt.is_not_null())
    } else {
        select.filter(report::Column::ActionTakenAt.is_null())
    };
    if let Some(id) = filter.account_id {
        select = select.filter(report::Column::AccountId.eq(id));
    }
    if let Some(id) = filter.target_account_id {
        select = select.filter(report::Column::TargetAccountId.eq(id));
    }
    let targets = |f: sea_orm::Condition| {
        sea_orm::sea_query::Query::select()
            .column(account::Column::Id)
            .from(account::Entity)
            .cond_where(f)
            .to_owned()
    };
    if let Some(domain) = &filter.by_target_domain {
        let domain = crate::moderation::domains::normalize(
            domain,
            inst.config.federation.allow_private_addresses,
        )
        .unwrap_or_else(|_| domain.trim().to_ascii_lowercase());
        let cond = sea_orm::Condition::all().add(account::Column::Domain.eq(domain));
        select = select.filter(report::Column::TargetAccountId.in_subquery(targets(cond)));
    }
    if let Some(local) = filter.target_local {
        let cond = sea_orm::Condition::all().add(if local {
            account::Column::Domain.is_null()
        } else {
            account::Column::Domain.is_not_null()
        });
        select = select.filter(report::Column::TargetAccountId.in_subquery(targets(cond)));
    }
    let rows = page
        .apply(select, report::Column::Id)
        .all(&inst.store.read)
        .await?;
    Ok(page.finish(rows))
}

pub async fn get(inst: &Instance, id: i64) -> CoreResult<report::Model> {
    report::Entity::find_by_id(id)
        .one(&inst.store.read)
        .await?
        .ok_or(CoreError::NotFound)
}

fn describe(r: &report::Model) -> serde_json::Value {
    json!({
        "category": r.category,
        "rule_ids": rule_ids(r),
        "assigned_account_id": r.assigned_account_id,
        "action_taken_by_account_id": r.action_taken_by_account_id,
        "action_taken_at": r.action_taken_at,
    })
}

/// Reads report `id`, changes it with `change`, stores it and writes `action` to the
/// audit log, all in one transaction.
async fn change(
    inst: &Instance,
    by: Moderator,
    id: i64,
    action: &str,
    change: impl FnOnce(&mut report::Model) -> CoreResult<()>,
) -> CoreResult<report::Model> {
    let txn = inst.store.begin().await?;
    let old = report::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(CoreError::NotFound)?;
    let mut new = old.clone();
    change(&mut new)?;
    new.updated_at = Utc::now();
    report::ActiveModel {
        id: sea_orm::Unchanged(old.id),
        category: Set(new.category.clone()),
        rule_ids: Set(new.rule_ids.clone()),
        assigned_account_id: Set(new.assigned_account_id),
        action_taken_by_account_id: Set(new.action_taken_by_account_id),
        action_taken_at: Set(new.action_taken_at),
        updated_at: Set(new.updated_at),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    log(
        &txn,
        by,
        action,
        "report",
        &id.to_string(),
        json!({"before": describe(&old), "after": describe(&new)}),
    )
    .await?;
    txn.commit().await?;
    Ok(new)
}

/// Assigns report `id` to moderator `to` (`report.assigned_to_self`).
pub async fn assign(inst: &Instance, to: i64, id: i64) -> CoreResult<report::Model> {
    change(inst, Some(to), id, "report.assigned_to_self", |r| {
        r.assigned_account_id = Some(to);
        Ok(())
    })
    .await
}

/// Leaves report `id` to nobody (`report.unassigned`).
pub async fn unassign(inst: &Instance, by: Moderator, id: i64) -> CoreResult<report::Model> {
    change(inst, by, id, "report.unassigned", |r| {
        r.assigned_account_id = None;
        Ok(())
    })
    .await
}

/// Marks report `id` resolved by `by` (`report.resolve`).
pub async fn resolve(inst: &Instance, by: Moderator, id: i64) -> CoreResult<report::Model> {
    change(inst, by, id, "report.resolve", |r| {
        r.action_taken_at = Some(Utc::now());
        r.action_taken_by_account_id = by;
        Ok(())
    })
    .await
}

/// Opens resolved report `id` again (`report.reopen`).
pub async fn reopen(inst: &Instance, by: Moderator, id: i64) -> CoreResult<report::Model> {
    change(inst, by, id, "report.reopen", |r| {
        r.action_taken_at = None;
        r.action_taken_by_account_id = None;
        Ok(())
    })
    .await
}

/// Changes the category and rules of report `id` (`report.update`). Fields left
/// `None` keep their value, except that a report leaving `violation` without new
/// rules drops its rules; rules are checked as on [`create`].
pub async fn update(
    inst: &Instance,
    by: Moderator,
    id: i64,
    category: Option<&str>,
    rules: Option<Vec<i64>>,
) -> CoreResult<report::Model> {
    let category = category
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(Category::parse)
        .transpose()?;
    change(inst, by, id, "report.update", |r| {
        let old_category = Category::parse(&r.category).unwrap_or(Category::Other);
        let category = category.unwrap_or(old_category);
        let rules = match rules {
            Some(rules) => rules,
            None if category == Category::Violation => rule_ids(r),
            None => Vec::new(),
        };
        r.rule_ids = to_json(&checked_rules(inst, category, &rules)?);
        r.category = category.as_str().into();
        Ok(())
    })
    .await
}

/// Ids of the accounts named by `reports` (reporters, targets, assignees, resolvers).
pub fn account_ids(reports: &[report::Model]) -> HashSet<i64> {
    reports
        .iter()
        .flat_map(|r| {
            [
                Some(r.account_id),
                Some(r.target_account_id),
                r.assigned_account_id,
                r.action_taken_by_account_id,
            ]
        })
        .flatten()
        .collect()
}

/// The statuses reports name that still exist, oldest first.
pub async fn statuses_of(
    inst: &Instance,
    reports: &[report::Model],
) -> CoreResult<Vec<status::Model>> {
    let ids: HashSet<i64> = reports.iter().flat_map(status_ids).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(status::Entity::find()
        .filter(status::Column::Id.is_in(ids))
        .order_by_asc(status::Column::Id)
        .all(&inst.store.read)
        .await?)
}

/// An account a report names, with the login of a local one.
pub type Person = crate::moderation::accounts::Moderated;

/// The accounts `ids` (those that exist), with the logins of the local ones.
pub async fn people(
    inst: &Instance,
    ids: impl IntoIterator<Item = i64>,
) -> CoreResult<HashMap<i64, Person>> {
    let ids: Vec<i64> = ids
        .into_iter()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let conn = &inst.store.read;
    let accounts = account::Entity::find()
        .filter(account::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    let mut users: HashMap<i64, user::Model> = user::Entity::find()
        .filter(user::Column::AccountId.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.account_id, u))
        .collect();
    Ok(accounts
        .into_iter()
        .map(|a| {
            let user = users.remove(&a.id);
            (a.id, Person { account: a, user })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_parse_as_mastodon_names_them() {
        assert_eq!(Category::parse("spam").unwrap(), Category::Spam);
        assert_eq!(Category::parse(" Legal ").unwrap(), Category::Legal);
        assert_eq!(Category::parse("violation").unwrap(), Category::Violation);
        assert_eq!(Category::parse("other").unwrap(), Category::Other);
        let err = Category::parse("rude").unwrap_err().to_string();
        assert!(err.contains("spam, legal, violation or other"), "{err}");
    }

    #[test]
    fn id_lists_round_trip_and_bad_json_is_empty() {
        assert_eq!(from_json(&to_json(&[3, 1])), vec![3, 1]);
        assert_eq!(from_json("not json"), Vec::<i64>::new());
    }
}
