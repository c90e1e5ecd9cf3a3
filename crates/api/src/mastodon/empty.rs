//! Endpoints that Mastodon clients call on start-up for features this server does not
//! have yet (lists, filters, bookmarks, …). Clients break on a 404 here
//! (GoToSocial's record: Ivory, Ice Cubes), so they answer truthfully: the signed-in
//! user has no lists, no filters. Each still checks its token and scope.
//! `docs/compatibility.md` lists them as "empty: not yet supported".

use axum::Json;
use serde_json::{Value, json};

use crate::auth::{MaybeUser, User, scope};

/// `GET /api/v1/custom_emojis`: this server has no custom emoji.
pub async fn custom_emojis() -> Json<Vec<Value>> {
    Json(Vec::new())
}

/// `GET /api/v1/filters`, `GET /api/v2/filters`.
pub async fn filters(_user: User<scope::ReadFilters>) -> Json<Vec<Value>> {
    Json(Vec::new())
}

/// `GET /api/v1/lists`.
pub async fn lists(_user: User<scope::ReadLists>) -> Json<Vec<Value>> {
    Json(Vec::new())
}

/// `GET /api/v1/bookmarks`.
pub async fn bookmarks(_user: User<scope::ReadBookmarks>) -> Json<Vec<Value>> {
    Json(Vec::new())
}

/// `GET /api/v1/conversations`, `GET /api/v1/followed_tags`, `GET /api/v1/featured_tags`,
/// `GET /api/v1/announcements`, `GET /api/v1/endorsements`, `GET /api/v1/suggestions`.
pub async fn read_list(_user: User<scope::Read>) -> Json<Vec<Value>> {
    Json(Vec::new())
}

/// `GET /api/v1/markers`: no read positions saved.
pub async fn markers(_user: User<scope::Read>) -> Json<Value> {
    Json(json!({}))
}

/// `GET /api/v1/trends/*`, `GET /api/v1/accounts/:id/featured_tags`: nothing trending.
pub async fn public_list(_viewer: MaybeUser<scope::Read>) -> Json<Vec<Value>> {
    Json(Vec::new())
}
