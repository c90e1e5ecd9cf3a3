//! The accounts moderators see: listed with Mastodon's admin filters, one by id or
//! address, with the login of a local one, and the warnings they received.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::CHUNK;
use crate::accounts::{self, Role};
use crate::entities::{account, account_warning, user};
use crate::error::{CoreError, CoreResult};
use crate::instance::Instance;
use crate::paging::Page;

/// An account as moderators see it: with its login when local.
#[derive(Debug, Clone)]
pub struct Moderated {
    pub account: account::Model,
    /// `None` for remote accounts (and for deleted local ones).
    pub user: Option<user::Model>,
}

impl Moderated {
    /// The local user's role.
    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| Role::parse(&u.role))
    }
}

/// Which accounts a list shows (`origin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Local,
    Remote,
}

impl Origin {
    pub fn parse(s: &str) -> CoreResult<Self> {
        match s {
            "local" => Ok(Origin::Local),
            "remote" => Ok(Origin::Remote),
            other => Err(CoreError::Invalid(format!("Unknown origin: {other}"))),
        }
    }
}

/// The state a list filters on (`status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Not suspended.
    Active,
    /// Local logins awaiting approval.
    Pending,
    /// Disabled local logins (not suspended).
    Disabled,
    Silenced,
    Suspended,
    Sensitized,
}

impl Status {
    pub fn parse(s: &str) -> CoreResult<Self> {
        match s {
            "active" => Ok(Status::Active),
            "pending" => Ok(Status::Pending),
            "disabled" => Ok(Status::Disabled),
            "silenced" => Ok(Status::Silenced),
            "suspended" => Ok(Status::Suspended),
            "sensitized" => Ok(Status::Sensitized),
            other => Err(CoreError::Invalid(format!("Unknown status: {other}"))),
        }
    }
}

/// The filters of Mastodon's `AccountFilter`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub origin: Option<Origin>,
    pub status: Option<Status>,
    /// Only moderators and admins.
    pub staff: bool,
    /// Usernames starting with this (any case).
    pub username: Option<String>,
    /// Display names starting with this (any case).
    pub display_name: Option<String>,
    /// Accounts of exactly this domain.
    pub by_domain: Option<String>,
    /// Logins whose email address starts with this (any case).
    pub email: Option<String>,
}

/// `LOWER(col) LIKE 'prefix%'`, the prefix's own `%`, `_` and `\` taken literally.
fn starts_with<C: sea_orm::sea_query::IntoColumnRef>(col: C, prefix: &str) -> sea_orm::Condition {
    let escaped: String = prefix
        .trim()
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    sea_orm::Condition::all().add(
        Expr::expr(Func::lower(Expr::col(col)))
            .like(LikeExpr::new(format!("{escaped}%")).escape('\\')),
    )
}

/// The ids of local accounts whose login matches `cond`.
fn users_where(cond: sea_orm::Condition) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(user::Column::AccountId)
        .from(user::Entity)
        .cond_where(cond)
        .to_owned()
}

/// A page of accounts matching `filter`, most recent first.
pub async fn list(inst: &Instance, filter: &Filter, page: &Page) -> CoreResult<Vec<Moderated>> {
    let mut q = account::Entity::find();
    match filter.origin {
        Some(Origin::Local) => q = q.filter(account::Column::Domain.is_null()),
        Some(Origin::Remote) => q = q.filter(account::Column::Domain.is_not_null()),
        None => {}
    }
    match filter.status {
        Some(Status::Active) => q = q.filter(account::Column::SuspendedAt.is_null()),
        Some(Status::Suspended) => q = q.filter(account::Column::SuspendedAt.is_not_null()),
        Some(Status::Silenced) => q = q.filter(account::Column::SilencedAt.is_not_null()),
        Some(Status::Sensitized) => q = q.filter(account::Column::SensitizedAt.is_not_null()),
        Some(Status::Pending) => {
            q = q.filter(account::Column::Id.in_subquery(users_where(
                sea_orm::Condition::all().add(user::Column::Approved.eq(false)),
            )));
        }
        Some(Status::Disabled) => {
            q = q.filter(account::Column::SuspendedAt.is_null()).filter(
                account::Column::Id.in_subquery(users_where(
                    sea_orm::Condition::all().add(user::Column::Disabled.eq(true)),
                )),
            );
        }
        None => {}
    }
    if filter.staff {
        q =
            q.filter(account::Column::Id.in_subquery(users_where(
                sea_orm::Condition::all().add(
                    user::Column::Role.is_in([Role::Moderator.as_str(), Role::Admin.as_str()]),
                ),
            )));
    }
    if let Some(u) = filter.username.as_deref().filter(|s| !s.trim().is_empty()) {
        q = q.filter(starts_with(account::Column::Username, u));
    }
    if let Some(d) = filter
        .display_name
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        q = q.filter(starts_with(account::Column::DisplayName, d));
    }
    if let Some(d) = filter.by_domain.as_deref().filter(|s| !s.trim().is_empty()) {
        q = q.filter(account::Column::Domain.eq(d.trim().to_lowercase()));
    }
    if let Some(e) = filter.email.as_deref().filter(|s| !s.trim().is_empty()) {
        q = q.filter(account::Column::Id.in_subquery(users_where(starts_with(
            (user::Entity, user::Column::Email),
            e,
        ))));
    }
    let rows = page
        .apply(q, account::Column::Id)
        .all(&inst.store.read)
        .await?;
    let rows = page.finish(rows);
    let local: Vec<i64> = rows.iter().filter(|a| a.is_local()).map(|a| a.id).collect();
    let mut users = Vec::new();
    for chunk in local.chunks(CHUNK) {
        users.extend(
            user::Entity::find()
                .filter(user::Column::AccountId.is_in(chunk.iter().copied()))
                .all(&inst.store.read)
                .await?,
        );
    }
    Ok(rows
        .into_iter()
        .map(|account| {
            let user = users.iter().find(|u| u.account_id == account.id).cloned();
            Moderated { account, user }
        })
        .collect())
}

pub(super) async fn load(conn: &impl ConnectionTrait, id: i64) -> CoreResult<Moderated> {
    let account = account::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)?;
    let user = user::Entity::find()
        .filter(user::Column::AccountId.eq(id))
        .one(conn)
        .await?;
    Ok(Moderated { account, user })
}

/// One account, local or remote.
pub async fn get(inst: &Instance, id: i64) -> CoreResult<Moderated> {
    load(&inst.store.read, id).await
}

/// An account by address: `alice` (local) or `alice@remote.example`.
pub async fn find(inst: &Instance, acct: &str) -> CoreResult<Moderated> {
    let Some(account) = accounts::lookup(inst, acct).await? else {
        let remote = acct
            .trim_start_matches('@')
            .split_once('@')
            .is_some_and(|(_, d)| !d.eq_ignore_ascii_case(inst.domain()));
        return Err(CoreError::NotFoundMessage(if remote {
            format!("no account {acct:?} is known here")
        } else {
            format!("no local account named {acct:?}")
        }));
    };
    get(inst, account.id).await
}

/// The warnings ("strikes") an account received, most recent first.
pub async fn warnings(inst: &Instance, id: i64) -> CoreResult<Vec<account_warning::Model>> {
    use sea_orm::QueryOrder;
    Ok(account_warning::Entity::find()
        .filter(account_warning::Column::TargetAccountId.eq(id))
        .order_by_desc(account_warning::Column::Id)
        .all(&inst.store.read)
        .await?)
}
