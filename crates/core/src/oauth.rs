//! OAuth 2 state as Mastodon keeps it: registered applications, authorization codes
//! (with PKCE), bearer tokens, and the browser sessions of the consent page.
//!
//! Scopes follow Mastodon: `read`, `write`, `follow`, `push`, `profile`, `admin:read`,
//! `admin:write` and their granular forms (`read:statuses`, `admin:write:accounts`, …).
//! A token holding a parent scope holds every granular scope below it; the legacy
//! `follow` scope holds the follow, block and mute scopes. Only digests of tokens and
//! codes are stored.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::accounts::{self, LocalAccount};
use crate::crypto;
use crate::entities::{
    oauth_access_token, oauth_application, oauth_authorization_code, web_session,
};
use crate::error::{CoreError, CoreResult};
use crate::id::next_id;
use crate::instance::Instance;

/// The out-of-band redirect: the code is shown to the person instead of redirected.
pub const OOB_REDIRECT: &str = "urn:ietf:wg:oauth:2.0:oob";

/// Every scope a client may ask for.
pub const ALL_SCOPES: &[&str] = &[
    "read",
    "write",
    "follow",
    "push",
    "profile",
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
    "admin:read",
    "admin:read:accounts",
    "admin:read:reports",
    "admin:read:domain_allows",
    "admin:read:domain_blocks",
    "admin:read:ip_blocks",
    "admin:read:email_domain_blocks",
    "admin:read:canonical_email_blocks",
    "admin:write",
    "admin:write:accounts",
    "admin:write:reports",
    "admin:write:domain_allows",
    "admin:write:domain_blocks",
    "admin:write:ip_blocks",
    "admin:write:email_domain_blocks",
    "admin:write:canonical_email_blocks",
];

/// Granular scopes the legacy `follow` scope grants.
const FOLLOW_SCOPES: &[&str] = &[
    "read:follows",
    "write:follows",
    "read:blocks",
    "write:blocks",
    "read:mutes",
    "write:mutes",
];

/// Lifetime of an authorization code.
pub const CODE_LIFETIME_MINUTES: i64 = 10;
/// Lifetime of a browser session on the consent page.
pub const SESSION_LIFETIME_DAYS: i64 = 14;

/// A set of OAuth scopes, in the order they were asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Parses a space- (or `+`-) separated list. Empty means `read`, as Mastodon does.
    /// Unknown scopes are an error naming them.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut list: Vec<String> = Vec::new();
        for scope in s.split(|c: char| c.is_whitespace() || c == '+' || c == ',') {
            if scope.is_empty() {
                continue;
            }
            if !ALL_SCOPES.contains(&scope) {
                return Err(format!("unknown scope {scope:?}"));
            }
            if !list.iter().any(|s| s == scope) {
                list.push(scope.to_string());
            }
        }
        if list.is_empty() {
            list.push("read".into());
        }
        Ok(Self(list))
    }

    /// Reads a stored list (trusted, already validated).
    pub fn from_stored(s: &str) -> Self {
        let mut list: Vec<String> = Vec::new();
        for scope in s.split_whitespace() {
            if !list.iter().any(|s| s == scope) {
                list.push(scope.to_string());
            }
        }
        Self(list)
    }

    /// Whether these scopes grant `required` (a scope from [`ALL_SCOPES`]).
    pub fn grants(&self, required: &str) -> bool {
        if self.contains(required) {
            return true;
        }
        if let Some((parent, _)) = required.rsplit_once(':')
            && self.contains(parent)
        {
            return true;
        }
        self.contains("follow") && FOLLOW_SCOPES.contains(&required)
    }

    /// Whether every scope of `self` is granted by `other` (a token's request must stay
    /// within its application's scopes).
    pub fn is_subset_of(&self, other: &Scopes) -> bool {
        self.0.iter().all(|s| other.grants(s))
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.0.iter().any(|s| s == scope)
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v: Vec<&str> = self.iter().collect();
        f.write_str(&v.join(" "))
    }
}

/// A new application's registration.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub scopes: String,
    pub website: Option<String>,
}

/// Splits a `redirect_uris` parameter written as one string (newline or space separated).
pub fn split_redirect_uris(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

fn valid_redirect_uri(uri: &str) -> bool {
    if uri == OOB_REDIRECT {
        return true;
    }
    let Ok(u) = url::Url::parse(uri) else {
        return false;
    };
    u.fragment().is_none() && !matches!(u.scheme(), "javascript" | "data" | "vbscript" | "file")
}

/// Registers an application.
pub async fn create_application(
    inst: &Instance,
    new: NewApplication,
    owner_user_id: Option<i64>,
) -> CoreResult<oauth_application::Model> {
    let mut errors = crate::error::ValidationErrors::default();
    let name = new.name.trim().to_string();
    if name.is_empty() {
        errors.add("name", "ERR_BLANK", "can't be blank");
    } else if crate::text::char_count(&name) > 60 {
        errors.add(
            "name",
            "ERR_TOO_LONG",
            "is too long (maximum is 60 characters)",
        );
    }
    if new.redirect_uris.is_empty() {
        errors.add("redirect_uri", "ERR_BLANK", "can't be blank");
    } else if let Some(bad) = new.redirect_uris.iter().find(|u| !valid_redirect_uri(u)) {
        errors.add(
            "redirect_uri",
            "ERR_INVALID",
            format!("must be an absolute URI without a fragment ({bad:?} is not)"),
        );
    }
    let scopes = match Scopes::parse(&new.scopes) {
        Ok(s) => Some(s),
        Err(e) => {
            errors.add("scopes", "ERR_INVALID", e);
            None
        }
    };
    let website = new.website.filter(|w| !w.trim().is_empty());
    if let Some(w) = &website
        && url::Url::parse(w)
            .map(|u| !matches!(u.scheme(), "http" | "https"))
            .unwrap_or(true)
    {
        errors.add("website", "ERR_INVALID", "is not a valid http(s) URL");
    }
    errors.into_result()?;
    let app = oauth_application::ActiveModel {
        id: Set(next_id()),
        name: Set(name),
        website: Set(website),
        redirect_uris: Set(new.redirect_uris.join("\n")),
        scopes: Set(scopes.unwrap_or_default().to_string()),
        client_id: Set(crypto::random_token()),
        client_secret: Set(crypto::random_token()),
        owner_user_id: Set(owner_user_id),
        created_at: Set(Utc::now()),
    };
    Ok(app.insert(&inst.store.write).await?)
}

/// The application with this client id.
pub async fn find_application(
    inst: &Instance,
    client_id: &str,
) -> CoreResult<Option<oauth_application::Model>> {
    Ok(oauth_application::Entity::find()
        .filter(oauth_application::Column::ClientId.eq(client_id))
        .one(&inst.store.read)
        .await?)
}

/// The application, when `client_secret` is its secret.
pub async fn authenticate_application(
    inst: &Instance,
    client_id: &str,
    client_secret: &str,
) -> CoreResult<Option<oauth_application::Model>> {
    Ok(find_application(inst, client_id)
        .await?
        .filter(|app| crypto::secrets_equal(&app.client_secret, client_secret)))
}

pub async fn get_application(inst: &Instance, id: i64) -> CoreResult<oauth_application::Model> {
    oauth_application::Entity::find_by_id(id)
        .one(&inst.store.read)
        .await?
        .ok_or(CoreError::NotFound)
}

/// A token's redirect URIs as a list.
pub fn redirect_uris(app: &oauth_application::Model) -> Vec<String> {
    split_redirect_uris(&app.redirect_uris)
}

/// A freshly issued bearer token; `token` is shown once and never stored.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub model: oauth_access_token::Model,
}

/// Issues a token for an application, on behalf of a user or (for
/// `client_credentials`) of the application alone.
pub async fn issue_token(
    inst: &Instance,
    app: &oauth_application::Model,
    user_id: Option<i64>,
    scopes: &Scopes,
    expires_in: Option<Duration>,
) -> CoreResult<IssuedToken> {
    let token = crypto::random_token();
    let now = Utc::now();
    let model = oauth_access_token::ActiveModel {
        id: Set(next_id()),
        token_hash: Set(crypto::sha256_hex(&token)),
        application_id: Set(app.id),
        user_id: Set(user_id),
        scopes: Set(scopes.to_string()),
        expires_at: Set(expires_in.map(|d| now + d)),
        revoked_at: Set(None),
        last_used_at: Set(None),
        created_at: Set(now),
    }
    .insert(&inst.store.write)
    .await?;
    Ok(IssuedToken { token, model })
}

/// Why a presented token is not accepted, in Doorkeeper's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Invalid,
    Expired,
    Revoked,
}

impl TokenProblem {
    pub fn message(self) -> &'static str {
        match self {
            TokenProblem::Invalid => "The access token is invalid",
            TokenProblem::Expired => "The access token expired",
            TokenProblem::Revoked => "The access token was revoked",
        }
    }
}

/// A valid token and whom it speaks for.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub token: oauth_access_token::Model,
    pub scopes: Scopes,
    /// `None` for application tokens.
    pub user: Option<LocalAccount>,
}

/// Looks a presented bearer token up.
pub async fn authenticate_token(
    inst: &Instance,
    token: &str,
) -> CoreResult<Result<Authenticated, TokenProblem>> {
    let Some(model) = oauth_access_token::Entity::find()
        .filter(oauth_access_token::Column::TokenHash.eq(crypto::sha256_hex(token)))
        .one(&inst.store.read)
        .await?
    else {
        return Ok(Err(TokenProblem::Invalid));
    };
    if model.revoked_at.is_some() {
        return Ok(Err(TokenProblem::Revoked));
    }
    if model.expires_at.is_some_and(|t| t <= Utc::now()) {
        return Ok(Err(TokenProblem::Expired));
    }
    let user = match model.user_id {
        Some(user_id) => match accounts::get_local_by_user_id(inst, user_id).await {
            Ok(local) => Some(local),
            // The user was deleted: the token dies with it.
            Err(CoreError::NotFound) => return Ok(Err(TokenProblem::Invalid)),
            Err(e) => return Err(e),
        },
        None => None,
    };
    Ok(Ok(Authenticated {
        scopes: Scopes::from_stored(&model.scopes),
        token: model,
        user,
    }))
}

/// Revokes `token` if it belongs to `app` (RFC 7009: unknown tokens are not an error).
pub async fn revoke_token(
    inst: &Instance,
    app: &oauth_application::Model,
    token: &str,
) -> CoreResult<()> {
    oauth_access_token::Entity::update_many()
        .col_expr(
            oauth_access_token::Column::RevokedAt,
            Expr::value(Utc::now()),
        )
        .filter(oauth_access_token::Column::TokenHash.eq(crypto::sha256_hex(token)))
        .filter(oauth_access_token::Column::ApplicationId.eq(app.id))
        .filter(oauth_access_token::Column::RevokedAt.is_null())
        .exec(&inst.store.write)
        .await?;
    Ok(())
}

/// Issues an authorization code after the person consented on the authorize page.
pub async fn issue_code(
    inst: &Instance,
    app: &oauth_application::Model,
    user_id: i64,
    redirect_uri: &str,
    scopes: &Scopes,
    code_challenge: Option<(String, String)>,
) -> CoreResult<String> {
    let code = crypto::random_token();
    let now = Utc::now();
    let (challenge, method) = code_challenge.unzip();
    oauth_authorization_code::ActiveModel {
        id: Set(next_id()),
        code_hash: Set(crypto::sha256_hex(&code)),
        application_id: Set(app.id),
        user_id: Set(user_id),
        redirect_uri: Set(redirect_uri.to_string()),
        scopes: Set(scopes.to_string()),
        code_challenge: Set(challenge),
        code_challenge_method: Set(method),
        expires_at: Set(now + Duration::minutes(CODE_LIFETIME_MINUTES)),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(&inst.store.write)
    .await?;
    Ok(code)
}

/// Why an authorization code cannot be exchanged (all `invalid_grant`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantError(pub &'static str);

/// Exchanges an authorization code for a token, once. `client_authenticated` says
/// whether the client proved itself with its secret; a client that did not (a public
/// client) may only exchange codes bound to a PKCE challenge, which the verifier proves.
pub async fn exchange_code(
    inst: &Instance,
    app: &oauth_application::Model,
    code: &str,
    redirect_uri: Option<&str>,
    code_verifier: Option<&str>,
    client_authenticated: bool,
) -> CoreResult<Result<IssuedToken, GrantError>> {
    let Some(grant) = oauth_authorization_code::Entity::find()
        .filter(oauth_authorization_code::Column::CodeHash.eq(crypto::sha256_hex(code)))
        .one(&inst.store.write)
        .await?
    else {
        return Ok(Err(GrantError("The authorization code is invalid")));
    };
    if grant.application_id != app.id {
        return Ok(Err(GrantError(
            "The authorization code was issued to another client",
        )));
    }
    if grant.used_at.is_some() {
        return Ok(Err(GrantError(
            "The authorization code has already been used",
        )));
    }
    if grant.expires_at <= Utc::now() {
        return Ok(Err(GrantError("The authorization code expired")));
    }
    if redirect_uri.is_some_and(|r| r != grant.redirect_uri) {
        return Ok(Err(GrantError(
            "The redirect URI does not match the authorization request",
        )));
    }
    if !client_authenticated && grant.code_challenge.is_none() {
        return Ok(Err(GrantError(
            "The code was issued without PKCE: the client secret is required",
        )));
    }
    if let Some(challenge) = &grant.code_challenge {
        let Some(verifier) = code_verifier else {
            return Ok(Err(GrantError("The code verifier is missing")));
        };
        if !crypto::secrets_equal(&crypto::pkce_s256(verifier), challenge) {
            return Ok(Err(GrantError(
                "The code verifier does not match the challenge",
            )));
        }
    }
    // Mark used first; only one concurrent exchange can flip it.
    let res = oauth_authorization_code::Entity::update_many()
        .col_expr(
            oauth_authorization_code::Column::UsedAt,
            Expr::value(Some(Utc::now())),
        )
        .filter(oauth_authorization_code::Column::Id.eq(grant.id))
        .filter(oauth_authorization_code::Column::UsedAt.is_null())
        .exec(&inst.store.write)
        .await?;
    if res.rows_affected == 0 {
        return Ok(Err(GrantError(
            "The authorization code has already been used",
        )));
    }
    let scopes = Scopes::from_stored(&grant.scopes);
    let issued = issue_token(inst, app, Some(grant.user_id), &scopes, None).await?;
    Ok(Ok(issued))
}

/// A new browser session; returns the cookie value.
pub async fn create_session(
    inst: &Instance,
    user_id: i64,
) -> CoreResult<(String, web_session::Model)> {
    let token = crypto::random_token();
    let now = Utc::now();
    let model = web_session::ActiveModel {
        id: Set(next_id()),
        token_hash: Set(crypto::sha256_hex(&token)),
        csrf_token: Set(crypto::random_token()),
        user_id: Set(user_id),
        expires_at: Set(now + Duration::days(SESSION_LIFETIME_DAYS)),
        created_at: Set(now),
    }
    .insert(&inst.store.write)
    .await?;
    Ok((token, model))
}

/// The session behind a cookie value, when it is still valid and its user may sign in.
pub async fn find_session(
    inst: &Instance,
    token: &str,
) -> CoreResult<Option<(web_session::Model, LocalAccount)>> {
    let Some(session) = web_session::Entity::find()
        .filter(web_session::Column::TokenHash.eq(crypto::sha256_hex(token)))
        .one(&inst.store.read)
        .await?
    else {
        return Ok(None);
    };
    if session.expires_at <= Utc::now() {
        return Ok(None);
    }
    let local = match accounts::get_local_by_user_id(inst, session.user_id).await {
        Ok(local) => local,
        Err(CoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    if accounts::login_problem(&local).is_some() {
        return Ok(None);
    }
    Ok(Some((session, local)))
}

/// Ends a browser session.
pub async fn delete_session(inst: &Instance, token: &str) -> CoreResult<()> {
    web_session::Entity::delete_many()
        .filter(web_session::Column::TokenHash.eq(crypto::sha256_hex(token)))
        .exec(&inst.store.write)
        .await?;
    Ok(())
}

/// When a token was issued, as the token endpoint reports it (Unix seconds).
pub fn created_at_unix(at: DateTime<Utc>) -> i64 {
    at.timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_scopes_grant_their_children() {
        let s = Scopes::parse("read write:statuses follow").unwrap();
        assert!(s.grants("read:statuses"));
        assert!(s.grants("read"));
        assert!(s.grants("write:statuses"));
        assert!(!s.grants("write:media"));
        assert!(!s.grants("write"));
        assert!(s.grants("write:follows"), "legacy follow scope");
        assert!(!s.grants("admin:read:accounts"));
        let admin = Scopes::parse("admin:read").unwrap();
        assert!(admin.grants("admin:read:domain_blocks"));
        assert!(!admin.grants("read:statuses"));
    }

    #[test]
    fn empty_means_read_and_unknown_is_an_error() {
        assert_eq!(Scopes::parse("").unwrap().to_string(), "read");
        assert!(
            Scopes::parse("read destroy")
                .unwrap_err()
                .contains("destroy")
        );
        assert_eq!(
            Scopes::parse("read+write").unwrap().to_string(),
            "read write"
        );
    }

    #[test]
    fn requested_scopes_must_stay_within_the_app() {
        let app = Scopes::parse("read write").unwrap();
        assert!(Scopes::parse("read:statuses").unwrap().is_subset_of(&app));
        assert!(!Scopes::parse("read follow").unwrap().is_subset_of(&app));
    }

    #[test]
    fn redirect_uris_are_checked() {
        assert!(valid_redirect_uri(OOB_REDIRECT));
        assert!(valid_redirect_uri("https://app.example/callback"));
        assert!(valid_redirect_uri("tusky://oauth"));
        assert!(!valid_redirect_uri("https://app.example/cb#frag"));
        assert!(!valid_redirect_uri("not a uri"));
        assert!(!valid_redirect_uri("javascript:alert(1)"));
    }
}
