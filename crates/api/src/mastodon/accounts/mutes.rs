//! Mutes: muting and unmuting an account, and the list of muted accounts.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use starling_core::mutes;

use super::entity::{Account, Relationship};
use super::{path_id, relationship};
use crate::auth::{User, scope};
use crate::error::{ApiError, ApiResult};
use crate::mastodon::format::timestamp;
use crate::paging::{self, NextLink, PageQuery, PrevParam};
use crate::params::{Params, de};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct MuteParams {
    #[serde(default, deserialize_with = "de::opt_bool")]
    notifications: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    duration: Option<String>,
}

/// `duration` in seconds; absent or empty is 0, until lifted.
fn duration_secs(raw: Option<&str>) -> ApiResult<i64> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(0),
        Some(s) => s.parse::<i64>().map_err(|_| {
            ApiError::bad_request(format!(
                "Invalid value for parameter duration: expected a number of seconds, got {s:?}"
            ))
        }),
    }
}

/// # `POST /api/v1/accounts/:id/mute`
///
/// `notifications` (default true) also hides the account's notifications; `duration`
/// in seconds ends the mute (0, the default: until lifted). Muting again changes both.
pub async fn mute(
    State(app): State<AppState>,
    user: User<scope::WriteMutes>,
    Path(id): Path<String>,
    Params(p): Params<MuteParams>,
) -> ApiResult<Json<Relationship>> {
    let target = path_id(&id)?;
    let duration = duration_secs(p.duration.as_deref())?;
    mutes::mute(
        &app.inst,
        &user.local,
        target,
        p.notifications.unwrap_or(true),
        duration,
    )
    .await?;
    Ok(Json(relationship(&app, user.account_id(), target).await?))
}

/// # `POST /api/v1/accounts/:id/unmute`
pub async fn unmute(
    State(app): State<AppState>,
    user: User<scope::WriteMutes>,
    Path(id): Path<String>,
) -> ApiResult<Json<Relationship>> {
    let target = path_id(&id)?;
    mutes::unmute(&app.inst, &user.local, target).await?;
    Ok(Json(relationship(&app, user.account_id(), target).await?))
}

/// An account of the mute list: Mastodon's `MutedAccountSerializer` adds when the mute
/// ends.
#[derive(Debug, Serialize)]
pub struct MutedAccount {
    #[serde(flatten)]
    account: Account,
    mute_expires_at: Option<String>,
}

/// # `GET /api/v1/mutes`
pub async fn list(
    State(app): State<AppState>,
    user: User<scope::ReadMutes>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<MutedAccount>>)> {
    paging::check(&p)?;
    let page = p.page(40);
    let rows = mutes::muted_accounts(&app.inst, user.account_id(), &page).await?;
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let headers = paging::link_headers(
        app.inst.urls.base(),
        &uri,
        &page,
        &ids,
        NextLink::WhenFull,
        PrevParam::SinceId,
    );
    Ok((
        headers,
        Json(
            rows.iter()
                .map(|m| MutedAccount {
                    account: Account::build(&app.inst, &m.account, None),
                    mute_expires_at: m.expires_at.map(timestamp),
                })
                .collect(),
        ),
    ))
}
