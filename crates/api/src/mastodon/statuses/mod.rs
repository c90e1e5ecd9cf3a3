//! Statuses: posting, reading, deleting, threads and pins.

pub mod edit;
pub mod entity;
pub mod interactions;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::Value;
use starling_core::statuses::{self, NewStatus, Visibility};
use starling_core::{CoreError, views, visibility};

use crate::auth::{MaybeUser, User, scope};
use crate::error::{ApiError, ApiResult};
use crate::mastodon::accounts::path_id;
use crate::params::{Params, de};
use crate::state::AppState;
use entity::{Context, Status};

/// Longest `Idempotency-Key` accepted.
const MAX_IDEMPOTENCY_KEY: usize = 128;

#[derive(Debug, Deserialize)]
pub struct CreateParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    status: Option<String>,
    #[serde(default, deserialize_with = "de::ids")]
    media_ids: Vec<i64>,
    #[serde(default, deserialize_with = "de::opt_string")]
    spoiler_text: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    visibility: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    language: Option<String>,
    /// Read as text: an id that is not a number names no status (404, as in Mastodon).
    #[serde(default, deserialize_with = "de::opt_string")]
    in_reply_to_id: Option<String>,
    #[serde(default)]
    poll: Option<Value>,
    #[serde(default, deserialize_with = "de::opt_string")]
    scheduled_at: Option<String>,
    #[serde(default, deserialize_with = "de::opt_id")]
    quoted_status_id: Option<i64>,
}

/// # `POST /api/v1/statuses`
pub async fn create(
    State(app): State<AppState>,
    user: User<scope::WriteStatuses>,
    headers: HeaderMap,
    Params(p): Params<CreateParams>,
) -> ApiResult<Json<Status>> {
    if p.poll.as_ref().is_some_and(|p| !p.is_null()) {
        return Err(ApiError::unprocessable(
            "Validation failed: Polls are not supported on this server",
        ));
    }
    if p.scheduled_at.as_ref().is_some_and(|s| !s.is_empty()) {
        return Err(ApiError::unprocessable(
            "Validation failed: Scheduled posts are not supported on this server",
        ));
    }
    if p.quoted_status_id.is_some() {
        return Err(ApiError::unprocessable(
            "Validation failed: Quote posts are not supported on this server",
        ));
    }
    let visibility = match p.visibility.as_deref().filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(Visibility::parse(v).ok_or_else(|| {
            ApiError::unprocessable(format!(
                "Validation failed: Visibility {v:?} is not one of public, unlisted, private, direct"
            ))
        })?),
    };
    let in_reply_to_id = match p.in_reply_to_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<i64>().map_err(|_| {
            ApiError::from(CoreError::NotFound.with_message(statuses::REPLY_NOT_FOUND))
        })?),
    };
    let idempotency_key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => {
            let key = v
                .to_str()
                .map_err(|_| ApiError::bad_request("Idempotency-Key must be printable text"))?;
            if key.len() > MAX_IDEMPOTENCY_KEY {
                return Err(ApiError::bad_request(format!(
                    "Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY} characters"
                )));
            }
            Some(key.to_string()).filter(|k| !k.is_empty())
        }
    };
    let status = statuses::create(
        &app.inst,
        &user.local,
        NewStatus {
            text: p.status.unwrap_or_default(),
            spoiler_text: p.spoiler_text.unwrap_or_default(),
            sensitive: p.sensitive,
            visibility,
            language: p.language,
            in_reply_to_id,
            media_ids: p.media_ids,
            application_id: Some(user.auth.token.application_id),
            idempotency_key,
        },
    )
    .await?;
    let view = views::status_view(&app.inst, status, Some(user.account_id())).await?;
    Ok(Json(Status::build(&app.inst, &view, false)))
}

/// # `GET /api/v1/statuses/:id`
pub async fn show(
    State(app): State<AppState>,
    viewer: MaybeUser<scope::ReadStatuses>,
    Path(id): Path<String>,
) -> ApiResult<Json<Status>> {
    let status = visibility::get_status(&app.inst, path_id(&id)?, viewer.account_id()).await?;
    let view = views::status_view(&app.inst, status, viewer.account_id()).await?;
    Ok(Json(Status::build(&app.inst, &view, false)))
}

#[derive(Debug, Deserialize)]
pub struct ManyParams {
    #[serde(default, deserialize_with = "de::ids")]
    id: Vec<i64>,
}

/// # `GET /api/v1/statuses`
///
/// Several statuses by id (those the viewer may see, in the order asked).
pub async fn show_many(
    State(app): State<AppState>,
    viewer: MaybeUser<scope::ReadStatuses>,
    Params(p): Params<ManyParams>,
) -> ApiResult<Json<Vec<Status>>> {
    let mut found = Vec::new();
    for id in p.id.into_iter().take(40) {
        match visibility::get_status(&app.inst, id, viewer.account_id()).await {
            Ok(s) => found.push(s),
            Err(starling_core::CoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let views = views::status_views(&app.inst, found, viewer.account_id()).await?;
    Ok(Json(
        views
            .iter()
            .map(|v| Status::build(&app.inst, v, false))
            .collect(),
    ))
}

/// # `DELETE /api/v1/statuses/:id`
///
/// Answers with the deleted status, its `text` in place of `content`, for redrafting.
pub async fn delete(
    State(app): State<AppState>,
    user: User<scope::WriteStatuses>,
    Path(id): Path<String>,
) -> ApiResult<Json<Status>> {
    let id = path_id(&id)?;
    let status = statuses::get(&app.inst, id).await?;
    if status.account_id != user.account_id() {
        return Err(ApiError::not_found());
    }
    let view = views::status_view(&app.inst, status, Some(user.account_id())).await?;
    statuses::delete(&app.inst, &user.local, id).await?;
    Ok(Json(Status::build(&app.inst, &view, true)))
}

/// # `GET /api/v1/statuses/:id/context`
pub async fn context(
    State(app): State<AppState>,
    viewer: MaybeUser<scope::ReadStatuses>,
    Path(id): Path<String>,
) -> ApiResult<Json<Context>> {
    let status = visibility::get_status(&app.inst, path_id(&id)?, viewer.account_id()).await?;
    let (ancestors, descendants) =
        statuses::context(&app.inst, &status, viewer.account_id()).await?;
    let ancestors = views::status_views(&app.inst, ancestors, viewer.account_id()).await?;
    let descendants = views::status_views(&app.inst, descendants, viewer.account_id()).await?;
    Ok(Json(Context {
        ancestors: ancestors
            .iter()
            .map(|v| Status::build(&app.inst, v, false))
            .collect(),
        descendants: descendants
            .iter()
            .map(|v| Status::build(&app.inst, v, false))
            .collect(),
    }))
}

/// # `POST /api/v1/statuses/:id/pin`
pub async fn pin(
    State(app): State<AppState>,
    user: User<scope::WriteAccounts>,
    Path(id): Path<String>,
) -> ApiResult<Json<Status>> {
    let status = statuses::pin(&app.inst, &user.local, path_id(&id)?).await?;
    let view = views::status_view(&app.inst, status, Some(user.account_id())).await?;
    Ok(Json(Status::build(&app.inst, &view, false)))
}

/// # `POST /api/v1/statuses/:id/unpin`
pub async fn unpin(
    State(app): State<AppState>,
    user: User<scope::WriteAccounts>,
    Path(id): Path<String>,
) -> ApiResult<Json<Status>> {
    let status = statuses::unpin(&app.inst, &user.local, path_id(&id)?).await?;
    let view = views::status_view(&app.inst, status, Some(user.account_id())).await?;
    Ok(Json(Status::build(&app.inst, &view, false)))
}
