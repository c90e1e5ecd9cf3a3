//! Authentication and OAuth scopes, as extractors: a handler's signature says which
//! token it needs and which scope, so no endpoint can forget the check.
//!
//! - [`User<S>`]: a token of a usable local user, holding scope `S`.
//! - [`MaybeUser<S>`]: anonymous is fine; a token, if sent, must be valid and hold `S`.
//! - [`AppToken<S>`]: any valid token (application or user) holding `S`.
//!
//! The checks and messages follow Mastodon (Doorkeeper and `require_user!`): no or bad
//! token 401, missing scope 403, application token where a user is needed 422, user
//! suspended, disabled or awaiting approval 403.

use std::marker::PhantomData;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use starling_core::accounts::{self, LocalAccount};
use starling_core::oauth::{self, Authenticated};

use crate::error::ApiError;
use crate::state::AppState;

/// A scope requirement: the token must hold one of `SCOPES`.
pub trait ScopeSpec: Send + Sync + 'static {
    const SCOPES: &'static [&'static str];
}

macro_rules! scopes {
    ($($name:ident => [$($scope:literal),+]),+ $(,)?) => {
        $(
            #[doc = concat!("Requires one of: ", $("`", $scope, "` "),+)]
            #[derive(Debug)]
            pub struct $name;
            impl ScopeSpec for $name {
                const SCOPES: &'static [&'static str] = &[$($scope),+];
            }
        )+
    };
}

/// The scope markers endpoints use.
pub mod scope {
    use super::ScopeSpec;

    scopes! {
        ReadAccounts => ["read:accounts"],
        ReadProfile => ["read:accounts", "profile"],
        WriteAccounts => ["write:accounts"],
        ReadStatuses => ["read:statuses"],
        WriteStatuses => ["write:statuses"],
        WriteMedia => ["write:media"],
        ReadFollows => ["read:follows"],
        WriteFollows => ["write:follows"],
        ReadNotifications => ["read:notifications"],
        WriteNotifications => ["write:notifications"],
        ReadBlocks => ["read:blocks"],
        WriteBlocks => ["write:blocks"],
        ReadMutes => ["read:mutes"],
        WriteMutes => ["write:mutes"],
        WriteReports => ["write:reports"],
        ReadFilters => ["read:filters"],
        ReadLists => ["read:lists"],
        ReadFavourites => ["read:favourites"],
        WriteFavourites => ["write:favourites"],
        ReadBookmarks => ["read:bookmarks"],
        ReadSearch => ["read:search"],
        Read => ["read"],
        AdminReadDomainBlocks => ["admin:read:domain_blocks"],
        AdminWriteDomainBlocks => ["admin:write:domain_blocks"],
        AdminReadDomainAllows => ["admin:read:domain_allows"],
        AdminWriteDomainAllows => ["admin:write:domain_allows"],
        AdminRead => ["admin:read"],
        AdminReadAccounts => ["admin:read:accounts"],
        AdminWriteAccounts => ["admin:write:accounts"],
        AdminReadReports => ["admin:read:reports"],
        AdminWriteReports => ["admin:write:reports"],
        Any => ["read", "write", "follow", "push", "profile", "admin:read", "admin:write"],
    }
}

/// The bearer token of a request: `Authorization: Bearer …` or `?access_token=…`.
pub fn bearer_token(parts: &Parts) -> Option<String> {
    if let Some(value) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let value = value.trim();
        if value.len() > 7 && value[..7].eq_ignore_ascii_case("bearer ") {
            let token = value[7..].trim();
            if !token.is_empty() {
                return Some(token.to_string());
            }
        }
    }
    parts.uri.query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.into_owned())
            .filter(|v| !v.is_empty())
    })
}

/// Checks a presented token and its scope.
async fn authenticate<S: ScopeSpec>(
    app: &AppState,
    token: &str,
) -> Result<Authenticated, ApiError> {
    let auth = oauth::authenticate_token(&app.inst, token)
        .await?
        .map_err(|problem| ApiError::invalid_token(problem.message()))?;
    if !S::SCOPES.iter().any(|s| auth.scopes.grants(s)) {
        return Err(ApiError::insufficient_scope());
    }
    // A suspended account's tokens stop working everywhere (`require_not_suspended!`).
    if let Some(local) = &auth.user
        && local.account.suspended_at.is_some()
    {
        return Err(ApiError::forbidden("Your login is currently disabled"));
    }
    Ok(auth)
}

/// Mastodon's `require_user!`.
fn require_user(auth: Authenticated) -> Result<(LocalAccount, Authenticated), ApiError> {
    let Some(local) = auth.user.clone() else {
        return Err(ApiError::unprocessable(
            "This method requires an authenticated user",
        ));
    };
    if let Some(problem) = accounts::login_problem(&local) {
        return Err(ApiError::forbidden(problem));
    }
    Ok((local, auth))
}

/// An authenticated, usable local user whose token holds scope `S`.
#[derive(Debug)]
pub struct User<S: ScopeSpec> {
    pub local: LocalAccount,
    pub auth: Authenticated,
    _scope: PhantomData<S>,
}

impl<S: ScopeSpec> User<S> {
    /// The user's account id.
    pub fn account_id(&self) -> i64 {
        self.local.account.id
    }
}

impl<S, St> FromRequestParts<St> for User<S>
where
    S: ScopeSpec,
    AppState: FromRef<St>,
    St: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let token = bearer_token(parts)
            .ok_or_else(|| ApiError::invalid_token("The access token is invalid"))?;
        let auth = authenticate::<S>(&app, &token).await?;
        let (local, auth) = require_user(auth)?;
        Ok(Self {
            local,
            auth,
            _scope: PhantomData,
        })
    }
}

/// An optional user: anonymous requests pass; a token, if sent, must be valid, hold
/// scope `S` and belong to a usable user.
#[derive(Debug)]
pub struct MaybeUser<S: ScopeSpec> {
    pub local: Option<LocalAccount>,
    _scope: PhantomData<S>,
}

impl<S: ScopeSpec> MaybeUser<S> {
    /// The viewer's account id, if signed in.
    pub fn account_id(&self) -> Option<i64> {
        self.local.as_ref().map(|l| l.account.id)
    }
}

impl<S, St> FromRequestParts<St> for MaybeUser<S>
where
    S: ScopeSpec,
    AppState: FromRef<St>,
    St: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let Some(token) = bearer_token(parts) else {
            return Ok(Self {
                local: None,
                _scope: PhantomData,
            });
        };
        let auth = authenticate::<S>(&app, &token).await?;
        let local = match auth.user {
            Some(_) => Some(require_user(auth)?.0),
            None => None,
        };
        Ok(Self {
            local,
            _scope: PhantomData,
        })
    }
}

/// Any valid token holding scope `S`: an application token or a user's.
#[derive(Debug)]
pub struct AppToken<S: ScopeSpec> {
    pub auth: Authenticated,
    _scope: PhantomData<S>,
}

impl<S, St> FromRequestParts<St> for AppToken<S>
where
    S: ScopeSpec,
    AppState: FromRef<St>,
    St: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let token = bearer_token(parts)
            .ok_or_else(|| ApiError::invalid_token("The access token is invalid"))?;
        Ok(Self {
            auth: authenticate::<S>(&app, &token).await?,
            _scope: PhantomData,
        })
    }
}
