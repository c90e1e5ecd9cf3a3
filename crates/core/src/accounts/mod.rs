//! Accounts: creating local accounts with their login and key pair, looking accounts up,
//! editing profiles, and the admin actions the command line offers (suspend, delete,
//! reset password).

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};

mod create;
mod login;
mod profile;
pub(crate) mod purge;
pub mod remote;

pub use create::{
    NewLocalAccount, REGISTRATIONS_CLOSED, Registration, create_local, register, validate_password,
};
pub use login::{authenticate, delete_local, login_problem, reset_password, touch_sign_in};
pub use profile::{
    ProfileField, ProfileUpdate, format_with_mentions, mention_links, profile_fields,
    update_profile,
};

use crate::entities::{account, user};
use crate::error::{CoreError, CoreResult};
use crate::instance::Instance;

/// Longest local username.
pub const MAX_USERNAME_CHARS: usize = 30;
/// Password length bounds (bcrypt's old 72-byte limit kept for compatibility).
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 72;
/// Usernames nobody may register (admins may still create them from the command line).
pub const RESERVED_USERNAMES: &[&str] = &[
    "admin",
    "administrator",
    "help",
    "mod",
    "moderator",
    "root",
    "support",
    "webmaster",
    "starling",
    "instance",
    "actor",
];

/// A local user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Role {
        match s {
            "admin" => Role::Admin,
            "moderator" => Role::Moderator,
            _ => Role::User,
        }
    }
}

/// A local account with its login.
#[derive(Debug, Clone)]
pub struct LocalAccount {
    pub account: account::Model,
    pub user: user::Model,
}

impl LocalAccount {
    pub fn role(&self) -> Role {
        Role::parse(&self.user.role)
    }
}

/// The local account with this username (any case).
pub async fn find_local(inst: &Instance, username: &str) -> CoreResult<Option<account::Model>> {
    Ok(account::Entity::find()
        .filter(account::Column::AcctKey.eq(username.to_lowercase()))
        .filter(account::Column::Domain.is_null())
        .one(&inst.store.read)
        .await?)
}

/// A local account and its login, by username.
pub async fn find_local_with_user(
    inst: &Instance,
    username: &str,
) -> CoreResult<Option<LocalAccount>> {
    let Some(account) = find_local(inst, username).await? else {
        return Ok(None);
    };
    let user = user::Entity::find()
        .filter(user::Column::AccountId.eq(account.id))
        .one(&inst.store.read)
        .await?;
    Ok(user.map(|user| LocalAccount { account, user }))
}

/// An account (local or remote) by id, if it exists.
pub async fn find(inst: &Instance, id: i64) -> CoreResult<Option<account::Model>> {
    Ok(account::Entity::find_by_id(id)
        .one(&inst.store.read)
        .await?)
}

/// An account (local or remote) by id.
pub async fn get(inst: &Instance, id: i64) -> CoreResult<account::Model> {
    account::Entity::find_by_id(id)
        .one(&inst.store.read)
        .await?
        .ok_or(CoreError::NotFound)
}

/// Accounts by id, in no particular order.
pub async fn get_many(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> CoreResult<Vec<account::Model>> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(account::Entity::find()
        .filter(account::Column::Id.is_in(ids))
        .all(conn)
        .await?)
}

/// An account by its address: `alice`, `alice@this.domain`, `@alice@remote.example`.
/// Only accounts already known to this instance are found.
pub async fn lookup(inst: &Instance, acct: &str) -> CoreResult<Option<account::Model>> {
    let acct = acct.trim().trim_start_matches('@');
    let (username, domain) = match acct.split_once('@') {
        Some((u, d)) => (u, Some(d.to_lowercase())),
        None => (acct, None),
    };
    match domain {
        None => find_local(inst, username).await,
        Some(d) if d == inst.domain() => find_local(inst, username).await,
        Some(d) => Ok(account::Entity::find()
            .filter(account::Column::AcctKey.eq(format!("{}@{d}", username.to_lowercase())))
            .one(&inst.store.read)
            .await?),
    }
}

/// The login with this email address (any case).
pub async fn find_user_by_email(inst: &Instance, email: &str) -> CoreResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(&inst.store.read)
        .await?)
}

/// A login and its account by user id.
pub async fn get_local_by_user_id(inst: &Instance, user_id: i64) -> CoreResult<LocalAccount> {
    let user = user::Entity::find_by_id(user_id)
        .one(&inst.store.read)
        .await?
        .ok_or(CoreError::NotFound)?;
    let account = get(inst, user.account_id).await?;
    Ok(LocalAccount { account, user })
}

/// All local accounts, oldest first (for the command line).
pub async fn list_local(inst: &Instance) -> CoreResult<Vec<LocalAccount>> {
    let accounts = account::Entity::find()
        .filter(account::Column::Domain.is_null())
        .order_by_asc(account::Column::Id)
        .all(&inst.store.read)
        .await?;
    let users = user::Entity::find().all(&inst.store.read).await?;
    Ok(accounts
        .into_iter()
        .filter_map(|account| {
            let user = users.iter().find(|u| u.account_id == account.id)?.clone();
            Some(LocalAccount { account, user })
        })
        .collect())
}

/// Domains of the remote accounts this instance knows, sorted.
pub async fn known_domains(inst: &Instance) -> CoreResult<Vec<String>> {
    use sea_orm::QuerySelect;
    let mut domains: Vec<String> = account::Entity::find()
        .select_only()
        .column(account::Column::Domain)
        .filter(account::Column::Domain.is_not_null())
        .distinct()
        .into_tuple::<Option<String>>()
        .all(&inst.store.read)
        .await?
        .into_iter()
        .flatten()
        .collect();
    domains.sort();
    Ok(domains)
}
