//! A user's own domain blocks: `GET`, `POST` and `DELETE /api/v1/domain_blocks`.

use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};
use starling_core::user_domain_blocks;

use crate::auth::{User, scope};
use crate::error::{ApiError, ApiResult};
use crate::paging::{self, NextLink, PageQuery, PrevParam};
use crate::params::{Params, de};
use crate::state::AppState;

/// # `GET /api/v1/domain_blocks`
///
/// The domains the user blocks, newest first, as plain strings; `limit` 100 by default.
pub async fn list(
    State(app): State<AppState>,
    user: User<scope::ReadBlocks>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<String>>)> {
    paging::check(&p)?;
    let page = p.page(100);
    let rows = user_domain_blocks::list(&app.inst, user.account_id(), &page).await?;
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
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
        Json(rows.into_iter().map(|(_, domain)| domain).collect()),
    ))
}

#[derive(Debug, Deserialize)]
pub struct DomainParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    domain: Option<String>,
}

fn domain_param(p: DomainParams) -> ApiResult<String> {
    p.domain
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| ApiError::unprocessable("Validation failed: Domain can't be blank"))
}

/// # `POST /api/v1/domain_blocks`
///
/// Blocks `domain`: its accounts' follows of the user end, the user's follows of them
/// too, and they leave the user's timelines and notifications.
pub async fn create(
    State(app): State<AppState>,
    user: User<scope::WriteBlocks>,
    Params(p): Params<DomainParams>,
) -> ApiResult<Json<Value>> {
    let domain = domain_param(p)?;
    user_domain_blocks::block(&app.inst, &user.local, &domain).await?;
    Ok(Json(json!({})))
}

/// # `DELETE /api/v1/domain_blocks`
pub async fn delete(
    State(app): State<AppState>,
    user: User<scope::WriteBlocks>,
    Params(p): Params<DomainParams>,
) -> ApiResult<Json<Value>> {
    let domain = domain_param(p)?;
    user_domain_blocks::unblock(&app.inst, &user.local, &domain).await?;
    Ok(Json(json!({})))
}
