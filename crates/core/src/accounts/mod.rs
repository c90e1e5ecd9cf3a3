//! Accounts: creating local accounts with their login and key pair, looking accounts up,
//! editing profiles, and the admin actions the command line offers (suspend, delete,
//! reset password).

use std::sync::LazyLock;

use chrono::Utc;
use regex::Regex;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

pub(crate) mod purge;
pub mod remote;

use crate::crypto;
use crate::entities::{account, oauth_access_token, user, web_session};
use crate::error::{CoreError, CoreResult, ValidationErrors};
use crate::id::next_id;
use crate::instance::Instance;
use crate::text::{self, FormatOptions, MentionLink, MentionRef};

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

static USERNAME_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_]+$").expect("username regex"));
static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$")
        .expect("email regex")
});

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

/// What it takes to create a local account.
#[derive(Debug, Clone)]
pub struct NewLocalAccount {
    pub username: String,
    pub email: String,
    pub password: String,
    pub role: Role,
    /// False in approval mode: the account exists but cannot be used yet.
    pub approved: bool,
    pub locale: Option<String>,
    /// Why the person wants to join (approval mode).
    pub reason: String,
    /// Whether reserved usernames may be taken (admins on the command line).
    pub allow_reserved: bool,
}

fn validate_username(username: &str, allow_reserved: bool, errors: &mut ValidationErrors) {
    if username.is_empty() {
        errors.add("username", "ERR_BLANK", "can't be blank");
    } else if !USERNAME_RE.is_match(username) {
        errors.add(
            "username",
            "ERR_INVALID",
            "must contain only letters, numbers and underscores",
        );
    } else if username.chars().count() > MAX_USERNAME_CHARS {
        errors.add(
            "username",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_USERNAME_CHARS} characters)"),
        );
    } else if !allow_reserved && RESERVED_USERNAMES.contains(&username.to_lowercase().as_str()) {
        errors.add("username", "ERR_RESERVED", "is reserved");
    }
}

fn validate_email(email: &str, errors: &mut ValidationErrors) {
    if email.is_empty() {
        errors.add("email", "ERR_BLANK", "can't be blank");
    } else if email.len() > 254 || !EMAIL_RE.is_match(email) {
        errors.add("email", "ERR_INVALID", "is invalid");
    }
}

/// Checks a new password's length.
pub fn validate_password(password: &str, errors: &mut ValidationErrors) {
    let n = password.chars().count();
    if password.is_empty() {
        errors.add("password", "ERR_BLANK", "can't be blank");
    } else if n < MIN_PASSWORD_CHARS {
        errors.add(
            "password",
            "ERR_TOO_SHORT",
            format!("is too short (minimum is {MIN_PASSWORD_CHARS} characters)"),
        );
    } else if n > MAX_PASSWORD_CHARS {
        errors.add(
            "password",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_PASSWORD_CHARS} characters)"),
        );
    }
}

/// Creates a local account, its login and its RSA key pair, in one transaction.
pub async fn create_local(inst: &Instance, new: NewLocalAccount) -> CoreResult<LocalAccount> {
    let email = new.email.trim().to_lowercase();
    let username = new.username.trim().to_string();
    let mut errors = ValidationErrors::default();
    validate_username(&username, new.allow_reserved, &mut errors);
    validate_email(&email, &mut errors);
    validate_password(&new.password, &mut errors);
    if errors.0.iter().all(|e| e.field != "username")
        && find_local(inst, &username).await?.is_some()
    {
        errors.add("username", "ERR_TAKEN", "has already been taken");
    }
    if errors.0.iter().all(|e| e.field != "email")
        && find_user_by_email(inst, &email).await?.is_some()
    {
        errors.add("email", "ERR_TAKEN", "has already been taken");
    }
    errors.into_result()?;

    let (keys, hash) = tokio::join!(
        crypto::generate_actor_keys_async(),
        crypto::hash_password_async(new.password.clone())
    );
    let (keys, hash) = (keys?, hash?);
    let now = Utc::now();
    let urls = &inst.urls;
    let account = account::Model {
        id: next_id(),
        username: username.clone(),
        domain: None,
        acct_key: username.to_lowercase(),
        display_name: String::new(),
        note: String::new(),
        note_source: String::new(),
        fields: "[]".into(),
        locked: false,
        bot: false,
        discoverable: true,
        indexable: false,
        hide_collections: false,
        actor_type: "Person".into(),
        avatar_file: None,
        avatar_remote_url: None,
        header_file: None,
        header_remote_url: None,
        uri: urls.actor(&username),
        url: Some(urls.profile(&username)),
        inbox_url: Some(urls.inbox(&username)),
        shared_inbox_url: Some(urls.shared_inbox()),
        outbox_url: Some(urls.outbox(&username)),
        followers_url: Some(urls.followers(&username)),
        following_url: Some(urls.following(&username)),
        featured_url: Some(urls.featured(&username)),
        public_key_pem: keys.public_pem,
        private_key_pem: Some(keys.private_pem),
        public_key_id: None,
        also_known_as: "[]".into(),
        followers_count: 0,
        following_count: 0,
        statuses_count: 0,
        last_status_at: None,
        suspended_at: None,
        silenced_at: None,
        sensitized_at: None,
        fetched_at: None,
        created_at: now,
        updated_at: now,
    };
    let user = user::Model {
        id: next_id(),
        account_id: account.id,
        email,
        password_hash: hash,
        role: new.role.as_str().into(),
        approved: new.approved,
        disabled: false,
        locale: new.locale.unwrap_or_else(|| "en".into()),
        registration_reason: new.reason,
        default_visibility: "public".into(),
        default_sensitive: false,
        default_language: None,
        confirmed_at: Some(now),
        last_sign_in_at: None,
        created_at: now,
        updated_at: now,
    };
    let txn = inst.store.begin().await?;
    let inserted = async {
        account::Entity::insert(account.clone().into_active_model())
            .exec_without_returning(&txn)
            .await?;
        user::Entity::insert(user.clone().into_active_model())
            .exec_without_returning(&txn)
            .await?;
        Ok::<_, sea_orm::DbErr>(())
    }
    .await;
    if let Err(e) = inserted {
        // Lost a race with a concurrent sign-up for the same name or address.
        if crate::error::is_unique_violation(&e) {
            let field = if find_user_by_email(inst, &user.email).await?.is_some() {
                "email"
            } else {
                "username"
            };
            return Err(CoreError::field(
                field,
                "ERR_TAKEN",
                "has already been taken",
            ));
        }
        return Err(e.into());
    }
    txn.commit().await?;
    Ok(LocalAccount { account, user })
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

/// Why a login cannot be used right now, in Mastodon's words; `None` when it can.
pub fn login_problem(local: &LocalAccount) -> Option<&'static str> {
    if local.account.suspended_at.is_some() || local.user.disabled {
        Some("Your login is currently disabled")
    } else if local.user.confirmed_at.is_none() {
        Some("Your login is missing a confirmed e-mail address")
    } else if !local.user.approved {
        Some("Your login is currently pending approval")
    } else {
        None
    }
}

/// Checks an email address (or username) and password. Unknown addresses and wrong
/// passwords take the same time and give the same answer.
pub async fn authenticate(
    inst: &Instance,
    login: &str,
    password: &str,
) -> CoreResult<Option<LocalAccount>> {
    let user = match find_user_by_email(inst, login).await? {
        Some(user) => Some(user),
        None => match find_local_with_user(inst, login).await? {
            Some(local) => Some(local.user),
            None => None,
        },
    };
    let ok = crypto::verify_password_async(
        user.as_ref().map(|u| u.password_hash.clone()),
        password.to_string(),
    )
    .await;
    match user {
        Some(user) if ok => {
            let account = get(inst, user.account_id).await?;
            Ok(Some(LocalAccount { account, user }))
        }
        _ => Ok(None),
    }
}

/// Records a successful sign-in.
pub async fn touch_sign_in(inst: &Instance, user_id: i64) -> CoreResult<()> {
    user::Entity::update_many()
        .col_expr(user::Column::LastSignInAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user_id))
        .exec(&inst.store.write)
        .await?;
    Ok(())
}

/// One profile metadata field as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProfileField {
    pub name: String,
    /// HTML.
    pub value: String,
    /// As typed (local accounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_source: Option<String>,
    #[serde(default)]
    pub verified_at: Option<chrono::DateTime<Utc>>,
}

/// The stored fields of an account (an unreadable column reads as no fields).
pub fn profile_fields(account: &account::Model) -> Vec<ProfileField> {
    serde_json::from_str(&account.fields).unwrap_or_default()
}

/// Changes to a profile; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    pub note: Option<String>,
    pub locked: Option<bool>,
    pub bot: Option<bool>,
    pub discoverable: Option<bool>,
    pub indexable: Option<bool>,
    pub hide_collections: Option<bool>,
    /// `(name, value)` pairs, replacing all fields.
    pub fields: Option<Vec<(String, String)>>,
    /// Image bytes.
    pub avatar: Option<Vec<u8>>,
    pub header: Option<Vec<u8>>,
    pub default_visibility: Option<String>,
    pub default_sensitive: Option<bool>,
    /// `Some(None)` clears the default language.
    pub default_language: Option<Option<String>>,
}

/// Resolves `@user` (local) mentions for text typed on this instance.
pub async fn mention_links(
    inst: &Instance,
    mentions: &[MentionRef],
) -> CoreResult<Vec<(MentionRef, account::Model)>> {
    let mut out = Vec::new();
    for m in mentions {
        let acct = match &m.domain {
            Some(d) => format!("{}@{d}", m.username),
            None => m.username.clone(),
        };
        if let Some(account) = lookup(inst, &acct).await? {
            out.push((m.clone(), account));
        }
    }
    Ok(out)
}

/// Formats text typed by a local user, linking the mentions that resolve.
pub fn format_with_mentions(
    inst: &Instance,
    text: &str,
    resolved: &[(MentionRef, account::Model)],
    multiline: bool,
    rel_me: bool,
) -> String {
    let resolve = |m: &MentionRef| -> Option<MentionLink> {
        resolved
            .iter()
            .find(|(r, _)| r.username.eq_ignore_ascii_case(&m.username) && r.domain == m.domain)
            .map(|(_, a)| MentionLink {
                url: a.url.clone().unwrap_or_else(|| a.uri.clone()),
                display: a.username.clone(),
            })
    };
    text::format_plain(
        text,
        FormatOptions {
            base_url: inst.urls.base(),
            multiline,
            rel_me,
            hashtags: true,
        },
        &resolve,
    )
}

/// Validates and applies a profile update of a local account.
pub async fn update_profile(
    inst: &Instance,
    local: &LocalAccount,
    update: ProfileUpdate,
) -> CoreResult<LocalAccount> {
    let limits = &inst.config.limits;
    let mut errors = ValidationErrors::default();
    if let Some(name) = &update.display_name
        && text::char_count(name) > limits.max_display_name_chars
    {
        errors.add(
            "display_name",
            "ERR_TOO_LONG",
            format!(
                "is too long (maximum is {} characters)",
                limits.max_display_name_chars
            ),
        );
    }
    if let Some(note) = &update.note
        && text::countable_length(note) > limits.max_bio_chars
    {
        errors.add(
            "note",
            "ERR_TOO_LONG",
            format!(
                "is too long (maximum is {} characters)",
                limits.max_bio_chars
            ),
        );
    }
    if let Some(fields) = &update.fields {
        if fields.len() > limits.max_profile_fields {
            errors.add(
                "fields",
                "ERR_TOO_LONG",
                format!(
                    "is too long (maximum is {} fields)",
                    limits.max_profile_fields
                ),
            );
        }
        if fields
            .iter()
            .any(|(n, v)| text::char_count(n) > 255 || text::char_count(v) > 255)
        {
            errors.add(
                "fields",
                "ERR_TOO_LONG",
                "name and value must each be at most 255 characters",
            );
        }
    }
    if let Some(v) = &update.default_visibility
        && !matches!(v.as_str(), "public" | "unlisted" | "private")
    {
        errors.add(
            "source[privacy]",
            "ERR_INCLUSION",
            "is not included in the list",
        );
    }
    if let Some(Some(lang)) = &update.default_language
        && !crate::statuses::is_valid_language(lang)
    {
        errors.add(
            "source[language]",
            "ERR_INVALID",
            "is not a valid language code",
        );
    }
    errors.into_result()?;

    // Process images before touching the database: a bad image changes nothing. Their
    // errors name the parameter ("Avatar is too large"), as Mastodon's do.
    let name_image_field = |field: &'static str| {
        move |e: CoreError| match e {
            CoreError::Validation(mut v) => {
                for fe in &mut v.0 {
                    if fe.field == "file" {
                        fe.field = field.to_string();
                    }
                }
                CoreError::Validation(v)
            }
            other => other,
        }
    };
    let avatar = match update.avatar {
        Some(bytes) => Some(
            inst.media
                .store_profile_image(
                    bytes,
                    crate::media::ProfileImage::Avatar,
                    &inst.config.limits,
                )
                .await
                .map_err(name_image_field("avatar"))?,
        ),
        None => None,
    };
    let header = match update.header {
        Some(bytes) => match inst
            .media
            .store_profile_image(
                bytes,
                crate::media::ProfileImage::Header,
                &inst.config.limits,
            )
            .await
        {
            Ok(path) => Some(path),
            Err(e) => {
                // The avatar stored just before is not used: remove it.
                if let Some(path) = &avatar {
                    inst.media.remove(path).await;
                }
                return Err(name_image_field("header")(e));
            }
        },
        None => None,
    };

    let mut account = local.account.clone().into_active_model();
    if let Some(name) = update.display_name {
        account.display_name = Set(name.trim().to_string());
    }
    if let Some(note) = update.note {
        let resolved = mention_links(inst, &text::extract_mentions(&note)).await?;
        account.note = Set(format_with_mentions(inst, &note, &resolved, true, false));
        account.note_source = Set(note);
    }
    if let Some(v) = update.locked {
        account.locked = Set(v);
    }
    if let Some(v) = update.bot {
        account.bot = Set(v);
        account.actor_type = Set(if v { "Service" } else { "Person" }.into());
    }
    if let Some(v) = update.discoverable {
        account.discoverable = Set(v);
    }
    if let Some(v) = update.indexable {
        account.indexable = Set(v);
    }
    if let Some(v) = update.hide_collections {
        account.hide_collections = Set(v);
    }
    if let Some(fields) = update.fields {
        let mut stored = Vec::new();
        for (name, value) in fields {
            if name.trim().is_empty() && value.trim().is_empty() {
                continue;
            }
            let resolved = mention_links(inst, &text::extract_mentions(&value)).await?;
            stored.push(ProfileField {
                name: name.trim().to_string(),
                value: format_with_mentions(inst, value.trim(), &resolved, false, true),
                value_source: Some(value.trim().to_string()),
                verified_at: None,
            });
        }
        account.fields = Set(serde_json::to_string(&stored).unwrap_or_else(|_| "[]".into()));
    }
    let old_avatar = local.account.avatar_file.clone();
    let old_header = local.account.header_file.clone();
    if let Some(path) = &avatar {
        account.avatar_file = Set(Some(path.clone()));
    }
    if let Some(path) = &header {
        account.header_file = Set(Some(path.clone()));
    }
    let profile_changed = account.is_changed();
    account.updated_at = Set(Utc::now());

    let mut user = local.user.clone().into_active_model();
    if let Some(v) = update.default_visibility {
        user.default_visibility = Set(v);
    }
    if let Some(v) = update.default_sensitive {
        user.default_sensitive = Set(v);
    }
    if let Some(v) = update.default_language {
        user.default_language = Set(v);
    }
    user.updated_at = Set(Utc::now());

    let txn = inst.store.begin().await?;
    let account = account.update(&txn).await?;
    let user = user.update(&txn).await?;
    if profile_changed {
        crate::events::emit(&txn, account.id, &crate::events::Event::ProfileUpdated).await?;
    }
    txn.commit().await?;
    inst.events_written();

    // Replaced images are removed only once the new ones are committed.
    if avatar.is_some()
        && let Some(old) = old_avatar
    {
        inst.media.remove(&old).await;
    }
    if header.is_some()
        && let Some(old) = old_header
    {
        inst.media.remove(&old).await;
    }
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

/// Sets a new random password, signs the user out everywhere, and returns the password.
pub async fn reset_password(inst: &Instance, user_id: i64) -> CoreResult<String> {
    let password = crypto::random_password(20);
    let hash = crypto::hash_password_async(password.clone()).await?;
    let txn = inst.store.begin().await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    revoke_all_sessions(&txn, user_id).await?;
    txn.commit().await?;
    Ok(password)
}

async fn revoke_all_sessions(conn: &impl ConnectionTrait, user_id: i64) -> CoreResult<()> {
    oauth_access_token::Entity::update_many()
        .col_expr(
            oauth_access_token::Column::RevokedAt,
            Expr::value(Utc::now()),
        )
        .filter(oauth_access_token::Column::UserId.eq(user_id))
        .filter(oauth_access_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    web_session::Entity::delete_many()
        .filter(web_session::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Deletes a local account's content ([`purge`]) and login. The account row stays,
/// suspended and emptied, so that its username (and ActivityPub id) can never be taken
/// by someone else, as Mastodon does; the servers that knew it hear of its deletion.
pub async fn delete_local(inst: &Instance, local: &LocalAccount) -> CoreResult<()> {
    use crate::changes::{self, Change};
    let account_id = local.account.id;
    let txn = inst.store.begin().await?;
    // Who knew the account, before its follows go.
    let inboxes = remote::related_inboxes(&txn, account_id).await?;
    if !inboxes.is_empty() {
        crate::events::emit(
            &txn,
            account_id,
            &crate::events::Event::AccountDeleted {
                uri: local.account.uri.clone(),
                inboxes,
            },
        )
        .await?;
    }
    let files = purge::purge(&txn, account_id).await?;
    revoke_all_sessions(&txn, local.user.id).await?;
    user::Entity::delete_by_id(local.user.id).exec(&txn).await?;
    account::Entity::update_many()
        .col_expr(account::Column::SuspendedAt, Expr::value(Some(Utc::now())))
        .filter(account::Column::Id.eq(account_id))
        .filter(account::Column::SuspendedAt.is_null())
        .exec(&txn)
        .await?;
    changes::record(&txn, Change::AccountModerated(account_id)).await?;
    txn.commit().await?;
    inst.changes.announce(Change::AccountModerated(account_id));
    inst.events_written();
    purge::remove_files(inst, files).await;
    Ok(())
}

/// A sign-up through the API (`POST /api/v1/accounts`).
#[derive(Debug, Clone)]
pub struct Registration {
    pub username: String,
    pub email: String,
    pub password: String,
    /// The person accepted the server rules.
    pub agreement: bool,
    pub locale: Option<String>,
    /// Why they want to join (shown to admins in approval mode).
    pub reason: String,
}

/// Message when sign-ups are closed.
pub const REGISTRATIONS_CLOSED: &str = "Registrations are closed on this server";

/// Creates an account for a sign-up, as the registration mode allows: open accounts
/// are usable at once; in approval mode they wait for an admin; closed refuses.
pub async fn register(inst: &Instance, reg: Registration) -> CoreResult<LocalAccount> {
    use crate::config::RegistrationMode;
    let mode = inst.config.instance.registrations;
    if mode == RegistrationMode::Closed {
        return Err(CoreError::Forbidden(REGISTRATIONS_CLOSED.into()));
    }
    let bad_locale = reg
        .locale
        .as_deref()
        .is_some_and(|l| !l.is_empty() && !crate::languages::is_valid_language(l));
    if !reg.agreement || bad_locale {
        // Report every problem at once, in Mastodon's order (the login's checks, then
        // the account's, then the agreement).
        let mut errors = ValidationErrors::default();
        validate_email(&reg.email.trim().to_lowercase(), &mut errors);
        validate_password(&reg.password, &mut errors);
        validate_username(reg.username.trim(), false, &mut errors);
        if bad_locale {
            errors.add("locale", "ERR_INCLUSION", "is not included in the list");
        }
        if !reg.agreement {
            errors.add("agreement", "ERR_ACCEPTED", "must be accepted");
        }
        return Err(CoreError::Validation(errors));
    }
    create_local(
        inst,
        NewLocalAccount {
            username: reg.username,
            email: reg.email,
            password: reg.password,
            role: Role::User,
            approved: mode == RegistrationMode::Open,
            locale: reg.locale.filter(|l| !l.is_empty()),
            reason: reg.reason,
            allow_reserved: false,
        },
    )
    .await
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
