//! Interactions with a status: favouriting and boosting it (and taking either back),
//! who did, and the signed-in user's favourites. The rules live in
//! `starling_core::favourites` and `starling_core::reblogs`; these handlers authenticate,
//! parse, call one core function and render Mastodon's entities
//! (<https://docs.joinmastodon.org/methods/statuses/>,
//! <https://docs.joinmastodon.org/methods/favourites/>).

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use starling_core::statuses::Visibility;
use starling_core::views::{self, StatusView};
use starling_core::{entities::status, favourites, reblogs};

use crate::auth::{MaybeUser, User, scope};
use crate::error::{ApiError, ApiResult};
use crate::mastodon::accounts::entity::Account;
use crate::mastodon::accounts::{account_page, path_id};
use crate::paging::{self, NextLink, PageQuery, PrevParam};
use crate::params::{Params, de};
use crate::state::AppState;

use super::entity::Status;

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/statuses/{id}/favourite", post(favourite))
        .route("/api/v1/statuses/{id}/unfavourite", post(unfavourite))
        .route("/api/v1/statuses/{id}/reblog", post(reblog))
        .route("/api/v1/statuses/{id}/unreblog", post(unreblog))
        .route("/api/v1/statuses/{id}/favourited_by", get(favourited_by))
        .route("/api/v1/statuses/{id}/reblogged_by", get(reblogged_by))
        .route("/api/v1/favourites", get(favourites))
}

/// Renders one status the way Mastodon answers a single status: the viewer's marks of
/// a boost are those of the boosted status (`Account#reblogged?` looks at
/// `status.proper`), so a new boost says `reblogged: true`.
async fn render_one(app: &AppState, status: status::Model, viewer: i64) -> ApiResult<Json<Status>> {
    let mut view: StatusView = views::status_view(&app.inst, status, Some(viewer)).await?;
    if let (Some(marks), Some(proper)) = (view.viewer.as_mut(), view.reblog.as_ref())
        && let Some(proper_marks) = proper.viewer
    {
        marks.favourited = proper_marks.favourited;
        marks.reblogged = proper_marks.reblogged;
        marks.bookmarked = proper_marks.bookmarked;
    }
    Ok(Json(Status::build(&app.inst, &view, false)))
}

/// # `POST /api/v1/statuses/:id/favourite`
///
/// Answers the favourited status (for a boost: the boosted one).
pub async fn favourite(
    State(app): State<AppState>,
    user: User<scope::WriteFavourites>,
    Path(id): Path<String>,
) -> ApiResult<Json<Status>> {
    let status = favourites::favourite(&app.inst, &user.local, path_id(&id)?).await?;
    render_one(&app, status, user.account_id()).await
}

/// # `POST /api/v1/statuses/:id/unfavourite`
pub async fn unfavourite(
    State(app): State<AppState>,
    user: User<scope::WriteFavourites>,
    Path(id): Path<String>,
) -> ApiResult<Json<Status>> {
    let status = favourites::unfavourite(&app.inst, &user.local, path_id(&id)?).await?;
    render_one(&app, status, user.account_id()).await
}

#[derive(Debug, Deserialize)]
pub struct ReblogParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    visibility: Option<String>,
}

/// # `POST /api/v1/statuses/:id/reblog`
///
/// Answers the boost, with the boosted status in `reblog`.
pub async fn reblog(
    State(app): State<AppState>,
    user: User<scope::WriteStatuses>,
    Path(id): Path<String>,
    Params(p): Params<ReblogParams>,
) -> ApiResult<Json<Status>> {
    let id = path_id(&id)?;
    let visibility = match p.visibility.as_deref().filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(Visibility::parse(v).ok_or_else(|| {
            ApiError::unprocessable(format!(
                "Validation failed: Visibility {v:?} is not one of public, unlisted, private"
            ))
        })?),
    };
    let boost = reblogs::reblog(&app.inst, &user.local, id, visibility).await?;
    render_one(&app, boost, user.account_id()).await
}

/// # `POST /api/v1/statuses/:id/unreblog`
///
/// Answers the boosted status, `reblogged: false`.
pub async fn unreblog(
    State(app): State<AppState>,
    user: User<scope::WriteStatuses>,
    Path(id): Path<String>,
) -> ApiResult<Json<Status>> {
    let original = reblogs::unreblog(&app.inst, &user.local, path_id(&id)?).await?;
    render_one(&app, original, user.account_id()).await
}

/// # `GET /api/v1/statuses/:id/favourited_by`
///
/// Paged by favourite id (`max_id`, `since_id`), 40 by default.
pub async fn favourited_by(
    State(app): State<AppState>,
    viewer: MaybeUser<scope::ReadAccounts>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<Account>>)> {
    paging::check(&p)?;
    let page = p.page(40);
    let rows =
        favourites::favourited_by(&app.inst, path_id(&id)?, viewer.account_id(), &page).await?;
    Ok(account_page(&app, &uri, &page, rows))
}

/// # `GET /api/v1/statuses/:id/reblogged_by`
///
/// Paged by boost id (`max_id`, `since_id`), 40 by default.
pub async fn reblogged_by(
    State(app): State<AppState>,
    viewer: MaybeUser<scope::ReadAccounts>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<Account>>)> {
    paging::check(&p)?;
    let page = p.page(40);
    let rows = reblogs::reblogged_by(&app.inst, path_id(&id)?, viewer.account_id(), &page).await?;
    Ok(account_page(&app, &uri, &page, rows))
}

/// # `GET /api/v1/favourites`
///
/// The signed-in user's favourites, newest first, paged by favourite id (`max_id`,
/// `since_id`, `min_id`), 20 by default.
pub async fn favourites(
    State(app): State<AppState>,
    user: User<scope::ReadFavourites>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<Status>>)> {
    paging::check(&p)?;
    let page = p.page(20);
    let rows = favourites::of_account(&app.inst, user.account_id(), &page).await?;
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let statuses = rows.into_iter().map(|(_, s)| s).collect();
    let views = views::status_views(&app.inst, statuses, Some(user.account_id())).await?;
    let headers = paging::link_headers(
        app.inst.urls.base(),
        &uri,
        &page,
        &ids,
        NextLink::WhenFull,
        PrevParam::MinId,
    );
    Ok((
        headers,
        Json(
            views
                .iter()
                .map(|v| Status::build(&app.inst, v, false))
                .collect(),
        ),
    ))
}
