//! Mastodon's admin API (`/api/v1/admin/…`): `admin:read` / `admin:write` scopes (or
//! their granular forms) and a role that may do it.

pub mod domains;

use axum::Router;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::routing::get;
use starling_core::accounts::Role;

use crate::auth::{ScopeSpec, User};
use crate::error::ApiError;
use crate::state::AppState;

/// A user with scope `S` whose role is admin. Federation (domain blocks and allows) is
/// the admin's: Mastodon gives moderators no `manage_federation` permission either.
#[derive(Debug)]
pub struct Admin<S: ScopeSpec>(pub User<S>);

impl<S: ScopeSpec> Admin<S> {
    pub fn account_id(&self) -> i64 {
        self.0.account_id()
    }
}

impl<S, St> FromRequestParts<St> for Admin<S>
where
    S: ScopeSpec,
    AppState: FromRef<St>,
    St: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        let user = User::<S>::from_request_parts(parts, state).await?;
        if user.local.role() != Role::Admin {
            return Err(ApiError::forbidden("This action is not allowed"));
        }
        Ok(Admin(user))
    }
}

/// The admin routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/admin/domain_blocks",
            get(domains::list_blocks).post(domains::create_block),
        )
        .route(
            "/api/v1/admin/domain_blocks/{id}",
            get(domains::get_block)
                .put(domains::update_block)
                .delete(domains::delete_block),
        )
        .route(
            "/api/v1/admin/domain_allows",
            get(domains::list_allows).post(domains::create_allow),
        )
        .route(
            "/api/v1/admin/domain_allows/{id}",
            get(domains::get_allow).delete(domains::delete_allow),
        )
}
