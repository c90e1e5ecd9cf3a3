//! Media uploads: `POST /api/v1/media`, `POST /api/v2/media`, `GET`/`PUT /api/v1/media/:id`.

pub mod entity;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use starling_core::media;

use crate::auth::{User, scope};
use crate::error::{ApiError, ApiResult};
use crate::mastodon::accounts::path_id;
use crate::params::{Params, ParamsWithFiles, de};
use crate::state::AppState;
use entity::MediaAttachment;

#[derive(Debug, Deserialize)]
pub struct MediaParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    description: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    focus: Option<String>,
}

/// # `POST /api/v1/media`, `POST /api/v2/media`
///
/// Images are processed before answering, so the answer is always 200 with `url` set.
pub async fn upload(
    State(app): State<AppState>,
    user: User<scope::WriteMedia>,
    mut form: ParamsWithFiles<MediaParams>,
) -> ApiResult<Json<MediaAttachment>> {
    let file = form
        .take_file("file")
        .ok_or_else(|| ApiError::bad_request("param is missing or the value is empty: file"))?;
    let focus = form
        .params
        .focus
        .as_deref()
        .filter(|f| !f.is_empty())
        .map(media::parse_focus)
        .transpose()?;
    let m = media::upload(
        &app.inst,
        user.account_id(),
        file.bytes.to_vec(),
        form.params.description,
        focus,
    )
    .await?;
    Ok(Json(MediaAttachment::build(&app.inst, &m)))
}

/// # `GET /api/v1/media/:id`
pub async fn show(
    State(app): State<AppState>,
    user: User<scope::WriteMedia>,
    Path(id): Path<String>,
) -> ApiResult<Json<MediaAttachment>> {
    let m = media::get_own(&app.inst, user.account_id(), path_id(&id)?).await?;
    Ok(Json(MediaAttachment::build(&app.inst, &m)))
}

/// # `PUT /api/v1/media/:id`
pub async fn update(
    State(app): State<AppState>,
    user: User<scope::WriteMedia>,
    Path(id): Path<String>,
    Params(p): Params<MediaParams>,
) -> ApiResult<Json<MediaAttachment>> {
    let focus = p
        .focus
        .as_deref()
        .filter(|f| !f.is_empty())
        .map(media::parse_focus)
        .transpose()?;
    let m = media::update(
        &app.inst,
        user.account_id(),
        path_id(&id)?,
        p.description,
        focus,
    )
    .await?;
    Ok(Json(MediaAttachment::build(&app.inst, &m)))
}
