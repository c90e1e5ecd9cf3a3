//! Creating local accounts: by an admin (`starling account create`) or by a sign-up
//! through the API ([`register`]), with the checks both pass.

use std::sync::LazyLock;

use chrono::Utc;
use regex::Regex;
use sea_orm::{EntityTrait, IntoActiveModel};

use super::{
    LocalAccount, MAX_PASSWORD_CHARS, MAX_USERNAME_CHARS, MIN_PASSWORD_CHARS, RESERVED_USERNAMES,
    Role, find_local, find_user_by_email,
};
use crate::crypto;
use crate::entities::{account, user};
use crate::error::{CoreError, CoreResult, ValidationErrors};
use crate::id::next_id;
use crate::instance::Instance;

static USERNAME_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_]+$").expect("username regex"));

static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$")
        .expect("email regex")
});

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
