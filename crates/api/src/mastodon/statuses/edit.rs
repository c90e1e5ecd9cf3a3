//! Editing statuses: `PUT /api/v1/statuses/:id`, `GET /api/v1/statuses/:id/history`,
//! `GET /api/v1/statuses/:id/source`, with the
//! [StatusEdit](https://docs.joinmastodon.org/entities/StatusEdit/) and
//! [StatusSource](https://docs.joinmastodon.org/entities/StatusSource/) entities.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, put};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use starling_core::statuses::edit as core_edit;
use starling_core::{CoreError, Instance, media, views, visibility};

use super::entity::Status;
use crate::auth::{MaybeUser, User, scope};
use crate::error::{ApiError, ApiResult};
use crate::mastodon::accounts::entity::Account;
use crate::mastodon::accounts::path_id;
use crate::mastodon::format::timestamp;
use crate::mastodon::media::entity::MediaAttachment;
use crate::params::{Params, de};
use crate::state::AppState;

/// The routes of this module (merged into the Mastodon router).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/statuses/{id}", put(update))
        .route("/api/v1/statuses/{id}/history", get(history))
        .route("/api/v1/statuses/{id}/source", get(source))
}

#[derive(Debug, Deserialize)]
pub struct UpdateParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    status: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    spoiler_text: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    language: Option<String>,
    #[serde(default, deserialize_with = "de::ids")]
    media_ids: Vec<i64>,
    #[serde(default, deserialize_with = "attribute_list")]
    media_attributes: Vec<MediaAttributeParams>,
    #[serde(default)]
    poll: Option<Value>,
}

/// One of `media_attributes[]`: `{id, description, focus}` (`thumbnail` is ignored).
#[derive(Debug, Deserialize)]
pub struct MediaAttributeParams {
    #[serde(default, deserialize_with = "de::opt_id")]
    id: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_string")]
    description: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    focus: Option<String>,
}

/// `media_attributes`: an array of objects (JSON, or `media_attributes[][id]=…`), an
/// object keyed by index (`media_attributes[0][id]=…`), or one object.
fn attribute_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<MediaAttributeParams>, D::Error> {
    use serde::de::Error;
    let items = match Value::deserialize(d)? {
        Value::Null => Vec::new(),
        Value::Array(items) => items,
        Value::Object(map) if map.contains_key("id") => vec![Value::Object(map)],
        Value::Object(map) => map.into_iter().map(|(_, v)| v).collect(),
        other => {
            return Err(D::Error::custom(format!(
                "expected a list of attachment attributes, got {other}"
            )));
        }
    };
    items
        .into_iter()
        .map(|v| MediaAttributeParams::deserialize(v).map_err(D::Error::custom))
        .collect()
}

/// # `PUT /api/v1/statuses/:id`
///
/// Replaces the text, content warning, sensitivity, language and attachments of one of
/// the user's own statuses; answers the Status with `edited_at` set.
pub async fn update(
    State(app): State<AppState>,
    user: User<scope::WriteStatuses>,
    Path(id): Path<String>,
    Params(p): Params<UpdateParams>,
) -> ApiResult<Json<Status>> {
    let id = path_id(&id)?;
    if p.poll.as_ref().is_some_and(|p| !p.is_null()) {
        return Err(ApiError::unprocessable(
            "Validation failed: Polls are not supported on this server",
        ));
    }
    let media_attributes = p
        .media_attributes
        .into_iter()
        .filter_map(|a| Some((a.id?, a)))
        .map(|(id, a)| {
            Ok(core_edit::MediaAttributes {
                id,
                description: a.description,
                focus: a
                    .focus
                    .as_deref()
                    .filter(|f| !f.is_empty())
                    .map(media::parse_focus)
                    .transpose()?,
            })
        })
        .collect::<Result<Vec<_>, CoreError>>()?;
    let status = core_edit::edit(
        &app.inst,
        &user.local,
        id,
        core_edit::StatusEdit {
            text: p.status.unwrap_or_default(),
            spoiler_text: p.spoiler_text.unwrap_or_default(),
            sensitive: p.sensitive,
            language: p.language,
            media_ids: p.media_ids,
            media_attributes,
        },
    )
    .await?;
    let view = views::status_view(&app.inst, status, Some(user.account_id())).await?;
    Ok(Json(Status::build(&app.inst, &view, false)))
}

/// # `GET /api/v1/statuses/:id/history`
///
/// Every version of a status, oldest first; a status never edited has one.
pub async fn history(
    State(app): State<AppState>,
    viewer: MaybeUser<scope::ReadStatuses>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<StatusEdit>>> {
    let status = visibility::get_status(&app.inst, path_id(&id)?, viewer.account_id()).await?;
    let versions = core_edit::history(&app.inst, &status).await?;
    Ok(Json(
        versions
            .iter()
            .map(|v| StatusEdit::build(&app.inst, v))
            .collect(),
    ))
}

/// # `GET /api/v1/statuses/:id/source`
///
/// The text of a status as typed, for editing (empty for remote statuses).
pub async fn source(
    State(app): State<AppState>,
    user: User<scope::ReadStatuses>,
    Path(id): Path<String>,
) -> ApiResult<Json<StatusSource>> {
    let status = visibility::get_status(&app.inst, path_id(&id)?, Some(user.account_id())).await?;
    Ok(Json(StatusSource {
        id: status.id.to_string(),
        text: status.text,
        spoiler_text: status.spoiler_text,
    }))
}

/// One version of a status.
#[derive(Debug, Clone, Serialize)]
pub struct StatusEdit {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: String,
    pub account: Account,
    pub poll: Option<Value>,
    pub media_attachments: Vec<MediaAttachment>,
    pub emojis: Vec<Value>,
}

impl StatusEdit {
    pub fn build(inst: &Instance, v: &core_edit::StatusVersion) -> Self {
        Self {
            content: v.content.clone(),
            spoiler_text: v.spoiler_text.clone(),
            sensitive: v.sensitive,
            created_at: timestamp(v.created_at),
            account: Account::build(inst, &v.account, None),
            poll: None,
            media_attachments: v
                .media
                .iter()
                .map(|m| MediaAttachment::build(inst, m))
                .collect(),
            emojis: Vec::new(),
        }
    }
}

/// The source of a status.
#[derive(Debug, Clone, Serialize)]
pub struct StatusSource {
    pub id: String,
    pub text: String,
    pub spoiler_text: String,
}
