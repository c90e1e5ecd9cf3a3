//! Notifications: list, show, dismiss, clear.

pub mod entity;

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};
use starling_core::notifications::{self, NotificationFilter};
use starling_core::views;

use crate::auth::{User, scope};
use crate::error::{ApiError, ApiResult};
use crate::mastodon::accounts::path_id;
use crate::paging::{self, NextLink, PageQuery, PrevParam};
use crate::params::{Params, de};
use crate::state::AppState;
use entity::Notification;

#[derive(Debug, Deserialize)]
pub struct ListParams {
    #[serde(flatten)]
    page: PageQuery,
    #[serde(default, deserialize_with = "de::strings")]
    types: Vec<String>,
    #[serde(default, deserialize_with = "de::strings")]
    exclude_types: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_id")]
    account_id: Option<i64>,
}

fn check_types(types: &[String]) -> ApiResult<()> {
    match types
        .iter()
        .find(|t| !notifications::TYPES.contains(&t.as_str()))
    {
        Some(bad) => Err(ApiError::bad_request(format!(
            "Unknown notification type {bad:?}"
        ))),
        None => Ok(()),
    }
}

/// # `GET /api/v1/notifications`
pub async fn list(
    State(app): State<AppState>,
    user: User<scope::ReadNotifications>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<ListParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Notification>>)> {
    paging::check(&p.page)?;
    check_types(&p.types)?;
    check_types(&p.exclude_types)?;
    let page = p.page.page(40);
    let filter = NotificationFilter {
        types: p.types,
        exclude_types: p.exclude_types,
        account_id: p.account_id,
    };
    let rows = notifications::list(&app.inst, user.account_id(), &filter, &page).await?;
    let ids: Vec<i64> = rows.iter().map(|n| n.id).collect();
    let views = views::notification_views(&app.inst, rows, user.account_id()).await?;
    let headers = paging::link_headers(
        app.inst.urls.base(),
        &uri,
        &page,
        &ids,
        NextLink::Always,
        PrevParam::MinId,
    );
    Ok((
        headers,
        Json(
            views
                .iter()
                .map(|v| Notification::build(&app.inst, v))
                .collect(),
        ),
    ))
}

/// # `GET /api/v1/notifications/:id`
pub async fn show(
    State(app): State<AppState>,
    user: User<scope::ReadNotifications>,
    Path(id): Path<String>,
) -> ApiResult<Json<Notification>> {
    let n = notifications::get(&app.inst, user.account_id(), path_id(&id)?).await?;
    let view = views::notification_views(&app.inst, vec![n], user.account_id())
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(Notification::build(&app.inst, &view)))
}

/// # `POST /api/v1/notifications/:id/dismiss`
pub async fn dismiss(
    State(app): State<AppState>,
    user: User<scope::WriteNotifications>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    notifications::dismiss(&app.inst, user.account_id(), path_id(&id)?).await?;
    Ok(Json(json!({})))
}

/// # `POST /api/v1/notifications/clear`
pub async fn clear(
    State(app): State<AppState>,
    user: User<scope::WriteNotifications>,
) -> ApiResult<Json<Value>> {
    notifications::clear(&app.inst, user.account_id()).await?;
    Ok(Json(json!({})))
}
