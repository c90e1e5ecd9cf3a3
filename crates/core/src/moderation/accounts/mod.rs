//! Account moderation, Mastodon's model: the account actions a moderator takes
//! (`none` — a warning —, `sensitive`, `disable`, `silence`, `suspend`), their undoing,
//! and the review of registrations (`approve`, `reject`), for local and remote accounts.
//!
//! Every action writes, in one transaction with the change: a row of the audit log
//! ([`super::blocks::log`]), an [`account_warning`] ("strike") for the five actions, and
//! the resolution of the reports it answers. Who may act follows Mastodon's policies: a
//! moderator or admin, and for the actions against an account (not their undoing) one
//! whose role is above the target's, so that staff cannot be acted on by their peers or
//! by lower roles. The command line may do anything.
//!
//! What a suspension does:
//! - **local account**: its tokens and sign-in are refused, its profile and posts hidden
//!   (see [`crate::accounts::login_problem`], [`crate::visibility::visible_subset`]); the
//!   `Delete` of its actor goes to every server that knew it (the inboxes computed
//!   before anything is severed) and its follows with remote accounts are severed, as
//!   those servers forget it. Local follows, posts and media stay, so that lifting the
//!   suspension gives the account back (an `Update` of the actor is sent then).
//! - **remote account**: its cached posts, media, follows and notifications are removed
//!   and the inbox refuses its activities.

mod list;
mod registrations;
mod suspension;

use list::load;
pub use list::{Filter, Moderated, Origin, Status, find, get, list, warnings};
pub use registrations::{approve, reject};
use suspension::{suspend_local, suspend_remote};

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde_json::json;

use super::blocks::{Moderator, log};
use crate::accounts::{self, LocalAccount, Role, remote};
use crate::changes::{self, Change};
use crate::entities::{account, account_warning, report, user};
use crate::error::{CoreError, CoreResult};
use crate::events::{self, Event};
use crate::id::next_id;
use crate::instance::Instance;

/// Rows per `IN (…)` list.
const CHUNK: usize = 500;

/// Mastodon's answer when a policy refuses.
const NOT_ALLOWED: &str = "This action is not allowed";

fn not_allowed() -> CoreError {
    CoreError::Forbidden(NOT_ALLOWED.into())
}

/// An account action (`POST /api/v1/admin/accounts/:id/action`, `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    /// A warning only.
    None,
    /// The local login cannot be used; the account stays visible.
    Disable,
    /// The account's media is shown as sensitive.
    Sensitive,
    /// "Limit": hidden from those who do not follow it.
    Silence,
    /// Nothing in or out; hidden from everyone.
    Suspend,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::None => "none",
            ActionKind::Disable => "disable",
            ActionKind::Sensitive => "sensitive",
            ActionKind::Silence => "silence",
            ActionKind::Suspend => "suspend",
        }
    }

    /// Mastodon's type names; anything else is Mastodon's validation error.
    pub fn parse(s: &str) -> CoreResult<Self> {
        match s {
            "none" => Ok(ActionKind::None),
            "disable" => Ok(ActionKind::Disable),
            "sensitive" => Ok(ActionKind::Sensitive),
            "silence" => Ok(ActionKind::Silence),
            "suspend" => Ok(ActionKind::Suspend),
            _ => Err(CoreError::Unprocessable(
                "Validation failed: Type is not included in the list".into(),
            )),
        }
    }

    /// The audit log's name of the action.
    fn log_action(self) -> &'static str {
        match self {
            ActionKind::None => "account.warn",
            ActionKind::Disable => "account.disable",
            ActionKind::Sensitive => "account.sensitive",
            ActionKind::Silence => "account.silence",
            ActionKind::Suspend => "account.suspend",
        }
    }
}

/// The undoing of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undo {
    Enable,
    Unsensitive,
    Unsilence,
    Unsuspend,
}

impl Undo {
    fn log_action(self) -> &'static str {
        match self {
            Undo::Enable => "account.enable",
            Undo::Unsensitive => "account.unsensitive",
            Undo::Unsilence => "account.unsilence",
            Undo::Unsuspend => "account.unsuspend",
        }
    }
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The command line: may do anything; logged without an account.
    Cli,
    /// A signed-in local user with their role.
    Staff { account_id: i64, role: Role },
}

impl Actor {
    /// The actor of `local`.
    pub fn of(local: &LocalAccount) -> Self {
        Actor::Staff {
            account_id: local.account.id,
            role: local.role(),
        }
    }

    fn moderator(self) -> Moderator {
        match self {
            Actor::Cli => None,
            Actor::Staff { account_id, .. } => Some(account_id),
        }
    }

    /// Mastodon's `manage_users`: moderators and admins.
    fn require_staff(self) -> CoreResult<()> {
        match self {
            Actor::Staff { role, .. } if role < Role::Moderator => Err(not_allowed()),
            _ => Ok(()),
        }
    }

    /// Mastodon's `delete_user_data`: admins.
    fn require_admin(self) -> CoreResult<()> {
        match self {
            Actor::Staff { role, .. } if role < Role::Admin => Err(not_allowed()),
            _ => Ok(()),
        }
    }

    /// Mastodon's `UserRole#overrides?`: a role strictly above the target's (remote
    /// accounts have none).
    fn require_overrides(self, target: Option<Role>) -> CoreResult<()> {
        self.require_staff()?;
        match self {
            Actor::Staff { role, .. } if role <= target.unwrap_or(Role::User) => Err(not_allowed()),
            _ => Ok(()),
        }
    }
}

/// What an action says and answers.
#[derive(Debug, Clone)]
pub struct Action {
    pub kind: ActionKind,
    /// The moderator's words to the account.
    pub text: String,
    /// The report the action answers.
    pub report_id: Option<i64>,
    /// Mastodon's warning presets (none exist here: any id is unknown).
    pub warning_preset_id: Option<i64>,
    /// Whether the account is told (by email in Mastodon; Starling sends no email yet,
    /// the warning is recorded either way).
    pub send_email_notification: bool,
}

impl Action {
    pub fn new(kind: ActionKind) -> Self {
        Action {
            kind,
            text: String::new(),
            report_id: None,
            warning_preset_id: None,
            send_email_notification: false,
        }
    }
}

/// Takes an account action against account `id`.
pub async fn act(inst: &Instance, actor: Actor, id: i64, action: Action) -> CoreResult<()> {
    let target = get(inst, id).await?;
    actor.require_overrides(target.role())?;
    if action.warning_preset_id.is_some() {
        return Err(CoreError::NotFound);
    }
    if action.kind == ActionKind::Disable && target.user.is_none() {
        return Err(CoreError::Unprocessable(
            "Only local accounts can be disabled".into(),
        ));
    }
    let report = match action.report_id {
        Some(rid) => {
            let r = report::Entity::find_by_id(rid)
                .one(&inst.store.read)
                .await?
                .ok_or(CoreError::NotFound)?;
            if r.target_account_id != id {
                return Err(CoreError::Unprocessable(
                    "The report is not about this account".into(),
                ));
            }
            Some(r)
        }
        None => None,
    };
    let now = Utc::now();
    let txn = inst.store.begin().await?;
    let mut federates = false;
    let mut files = Vec::new();
    match action.kind {
        ActionKind::None => {}
        ActionKind::Disable => {
            user::Entity::update_many()
                .col_expr(user::Column::Disabled, Expr::value(true))
                .col_expr(user::Column::UpdatedAt, Expr::value(now))
                .filter(user::Column::AccountId.eq(id))
                .exec(&txn)
                .await?;
        }
        ActionKind::Sensitive => {
            account::Entity::update_many()
                .col_expr(account::Column::SensitizedAt, Expr::value(Some(now)))
                .filter(account::Column::Id.eq(id))
                .filter(account::Column::SensitizedAt.is_null())
                .exec(&txn)
                .await?;
        }
        ActionKind::Silence => {
            account::Entity::update_many()
                .col_expr(account::Column::SilencedAt, Expr::value(Some(now)))
                .filter(account::Column::Id.eq(id))
                .filter(account::Column::SilencedAt.is_null())
                .exec(&txn)
                .await?;
        }
        ActionKind::Suspend if target.account.suspended_at.is_some() => {}
        ActionKind::Suspend if target.account.is_local() => {
            federates = suspend_local(&txn, &target.account).await?;
        }
        ActionKind::Suspend => files = suspend_remote(&txn, id).await?,
    }
    let warning = account_warning::Model {
        id: next_id(),
        account_id: actor.moderator(),
        target_account_id: id,
        action: action.kind.as_str().into(),
        text: action.text.trim().to_owned(),
        report_id: report.as_ref().map(|r| r.id),
        status_ids: report
            .as_ref()
            .map(|r| r.status_ids.clone())
            .unwrap_or_else(|| "[]".into()),
        created_at: now,
    };
    account_warning::ActiveModel::from(warning.clone())
        .insert(&txn)
        .await?;
    log(
        &txn,
        actor.moderator(),
        action.kind.log_action(),
        "account",
        &id.to_string(),
        json!({
            "acct": target.account.acct(),
            "text": warning.text,
            "report_id": warning.report_id.map(|r| r.to_string()),
            "warning_id": warning.id.to_string(),
        }),
    )
    .await?;
    resolve_reports(&txn, actor, id, action.kind, report.as_ref()).await?;
    txn.commit().await?;
    if action.kind == ActionKind::Suspend {
        inst.changes.announce(Change::AccountModerated(id));
    }
    if federates {
        inst.events_written();
    }
    crate::accounts::purge::remove_files(inst, files).await;
    Ok(())
}

/// Marks the reports an action answers resolved: the given one for a warning, every
/// open report about the account for the other actions (as Mastodon does).
async fn resolve_reports(
    txn: &DatabaseTransaction,
    actor: Actor,
    target: i64,
    kind: ActionKind,
    given: Option<&report::Model>,
) -> CoreResult<()> {
    let reports: Vec<report::Model> = match kind {
        ActionKind::None => given
            .filter(|r| r.action_taken_at.is_none())
            .cloned()
            .into_iter()
            .collect(),
        _ => {
            report::Entity::find()
                .filter(report::Column::TargetAccountId.eq(target))
                .filter(report::Column::ActionTakenAt.is_null())
                .all(txn)
                .await?
        }
    };
    let now = Utc::now();
    for r in reports {
        report::Entity::update_many()
            .col_expr(report::Column::ActionTakenAt, Expr::value(Some(now)))
            .col_expr(
                report::Column::ActionTakenByAccountId,
                Expr::value(actor.moderator()),
            )
            .col_expr(report::Column::UpdatedAt, Expr::value(now))
            .filter(report::Column::Id.eq(r.id))
            .exec(txn)
            .await?;
        log(
            txn,
            actor.moderator(),
            "report.resolve",
            "report",
            &r.id.to_string(),
            json!({"by_action": kind.as_str()}),
        )
        .await?;
    }
    Ok(())
}

/// Undoes an action against account `id`; answers the account as it is now. Undoing
/// what is not in force changes nothing and (except `unsuspend`, as in Mastodon) logs
/// nothing.
pub async fn undo(inst: &Instance, actor: Actor, id: i64, undo: Undo) -> CoreResult<Moderated> {
    actor.require_staff()?;
    let target = get(inst, id).await?;
    let a = &target.account;
    let in_force = match undo {
        Undo::Enable => match &target.user {
            None => return Err(not_allowed()),
            Some(u) => u.disabled,
        },
        Undo::Unsensitive => a.sensitized_at.is_some(),
        Undo::Unsilence => a.silenced_at.is_some(),
        Undo::Unsuspend => a.suspended_at.is_some(),
    };
    if !in_force && undo != Undo::Unsuspend {
        return Ok(target);
    }
    let txn = inst.store.begin().await?;
    let none: Option<chrono::DateTime<Utc>> = None;
    let column = match undo {
        Undo::Enable => None,
        Undo::Unsensitive => Some(account::Column::SensitizedAt),
        Undo::Unsilence => Some(account::Column::SilencedAt),
        Undo::Unsuspend => Some(account::Column::SuspendedAt),
    };
    match column {
        Some(col) => {
            account::Entity::update_many()
                .col_expr(col, Expr::value(none))
                .filter(account::Column::Id.eq(id))
                .exec(&txn)
                .await?;
        }
        None => {
            user::Entity::update_many()
                .col_expr(user::Column::Disabled, Expr::value(false))
                .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(user::Column::AccountId.eq(id))
                .exec(&txn)
                .await?;
        }
    }
    if undo == Undo::Unsuspend && in_force {
        changes::record(&txn, Change::AccountModerated(id)).await?;
    }
    let federates = undo == Undo::Unsuspend && in_force && a.is_local();
    if federates {
        // The actor is back: those who follow it hear of it again.
        events::emit(&txn, id, &Event::ProfileUpdated).await?;
    }
    log(
        &txn,
        actor.moderator(),
        undo.log_action(),
        "account",
        &id.to_string(),
        json!({"acct": a.acct()}),
    )
    .await?;
    let now = load(&txn, id).await?;
    txn.commit().await?;
    if undo == Undo::Unsuspend && in_force {
        inst.changes.announce(Change::AccountModerated(id));
    }
    if federates {
        inst.events_written();
    }
    Ok(now)
}

/// Deletes a suspended account's data for good (`DELETE /api/v1/admin/accounts/:id`):
/// admins only, and only once the account is suspended, as in Mastodon. The row stays,
/// emptied, so that the username is never taken again.
pub async fn destroy(inst: &Instance, actor: Actor, id: i64) -> CoreResult<()> {
    actor.require_admin()?;
    let target = get(inst, id).await?;
    if target.account.suspended_at.is_none() {
        return Err(not_allowed());
    }
    match (&target.user, target.account.is_local()) {
        (Some(u), true) => {
            let local = LocalAccount {
                account: target.account.clone(),
                user: u.clone(),
            };
            accounts::delete_local(inst, &local).await?;
        }
        (None, true) => {}
        (_, false) => remote::remove(inst, id).await?,
    }
    log(
        &inst.store.write,
        actor.moderator(),
        "account.destroy",
        "account",
        &id.to_string(),
        json!({"acct": target.account.acct()}),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_types_are_mastodons() {
        for t in ["none", "disable", "sensitive", "silence", "suspend"] {
            assert_eq!(ActionKind::parse(t).unwrap().as_str(), t);
        }
        assert!(matches!(
            ActionKind::parse("ban"),
            Err(CoreError::Unprocessable(_))
        ));
    }

    #[test]
    fn only_a_higher_role_acts_on_staff() {
        let moderator = Actor::Staff {
            account_id: 1,
            role: Role::Moderator,
        };
        let admin = Actor::Staff {
            account_id: 2,
            role: Role::Admin,
        };
        let user = Actor::Staff {
            account_id: 3,
            role: Role::User,
        };
        assert!(moderator.require_overrides(Some(Role::User)).is_ok());
        assert!(moderator.require_overrides(None).is_ok(), "remote account");
        assert!(moderator.require_overrides(Some(Role::Moderator)).is_err());
        assert!(moderator.require_overrides(Some(Role::Admin)).is_err());
        assert!(admin.require_overrides(Some(Role::Moderator)).is_ok());
        assert!(admin.require_overrides(Some(Role::Admin)).is_err());
        assert!(user.require_overrides(None).is_err());
        assert!(Actor::Cli.require_overrides(Some(Role::Admin)).is_ok());
        assert!(moderator.require_admin().is_err());
    }
}
