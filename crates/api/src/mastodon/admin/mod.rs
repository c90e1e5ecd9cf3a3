//! Mastodon's admin API (`/api/v1/admin/…`): `admin:read` / `admin:write` scopes (or
//! their granular forms) and a role that may do it.

pub mod accounts;
pub mod domains;
pub mod measures;
pub mod reports;

use axum::Router;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::routing::{get, post};
use starling_core::accounts::Role;

use crate::auth::{ScopeSpec, User};
use crate::error::ApiError;
use crate::state::AppState;

/// Defines an extractor: a user with scope `S` whose role is at least `$min`.
macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $min:expr) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name<S: ScopeSpec>(pub User<S>);

        impl<S: ScopeSpec> $name<S> {
            pub fn account_id(&self) -> i64 {
                self.0.account_id()
            }
        }

        impl<S, St> FromRequestParts<St> for $name<S>
        where
            S: ScopeSpec,
            AppState: FromRef<St>,
            St: Send + Sync,
        {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &St,
            ) -> Result<Self, Self::Rejection> {
                let user = User::<S>::from_request_parts(parts, state).await?;
                if user.local.role() < $min {
                    return Err(ApiError::forbidden("This action is not allowed"));
                }
                Ok($name(user))
            }
        }
    };
}

role_extractor!(
    /// A user with scope `S` whose role is admin. Federation (domain blocks and allows)
    /// is the admin's: Mastodon gives moderators no `manage_federation` permission
    /// either.
    Admin,
    Role::Admin
);

role_extractor!(
    /// A user with scope `S` whose role is moderator or admin: reports and account
    /// actions (Mastodon's `manage_reports` and `manage_users`, which its Moderator role
    /// holds).
    Staff,
    Role::Moderator
);

/// The admin routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/admin/domain_blocks",
            get(domains::list_blocks).post(domains::create_block),
        )
        .route(
            "/api/v1/admin/domain_blocks/import",
            post(domains::import_blocks),
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
        .route("/api/v1/admin/measures", post(measures::measures))
        .route(
            "/api/v1/admin/domain_allows/{id}",
            get(domains::get_allow).delete(domains::delete_allow),
        )
        .route("/api/v1/admin/reports", get(reports::list))
        .route(
            "/api/v1/admin/reports/{id}",
            get(reports::show).put(reports::update),
        )
        .route(
            "/api/v1/admin/reports/{id}/assign_to_self",
            post(reports::assign_to_self),
        )
        .route(
            "/api/v1/admin/reports/{id}/unassign",
            post(reports::unassign),
        )
        .route("/api/v1/admin/reports/{id}/resolve", post(reports::resolve))
        .route("/api/v1/admin/reports/{id}/reopen", post(reports::reopen))
        .route("/api/v1/admin/accounts", get(accounts::list_v1))
        .route("/api/v2/admin/accounts", get(accounts::list_v2))
        .route(
            "/api/v1/admin/accounts/{id}",
            get(accounts::show).delete(accounts::destroy),
        )
        .route("/api/v1/admin/accounts/{id}/action", post(accounts::action))
        .route("/api/v1/admin/accounts/{id}/enable", post(accounts::enable))
        .route(
            "/api/v1/admin/accounts/{id}/unsensitive",
            post(accounts::unsensitive),
        )
        .route(
            "/api/v1/admin/accounts/{id}/unsilence",
            post(accounts::unsilence),
        )
        .route(
            "/api/v1/admin/accounts/{id}/unsuspend",
            post(accounts::unsuspend),
        )
        .route(
            "/api/v1/admin/accounts/{id}/approve",
            post(accounts::approve),
        )
        .route("/api/v1/admin/accounts/{id}/reject", post(accounts::reject))
}
