//! Follow requests to a locked account: list, authorize, reject.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use starling_core::follows;

use crate::auth::{User, scope};
use crate::error::{ApiError, ApiResult};
use crate::mastodon::accounts::entity::{Account, Relationship};
use crate::mastodon::accounts::{account_page, path_id};
use crate::paging::{self, PageQuery};
use crate::params::Params;
use crate::state::AppState;

/// # `GET /api/v1/follow_requests`
pub async fn list(
    State(app): State<AppState>,
    user: User<scope::ReadFollows>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<Account>>)> {
    paging::check(&p)?;
    let page = p.page(40);
    let rows = follows::follow_requests(&app.inst, user.account_id(), &page).await?;
    Ok(account_page(&app, &uri, &page, rows))
}

async fn relationship(app: &AppState, viewer: i64, target: i64) -> ApiResult<Json<Relationship>> {
    let mut list = follows::relationships(&app.inst, viewer, &[target]).await?;
    list.pop()
        .map(|r| Json(r.into()))
        .ok_or_else(ApiError::not_found)
}

/// # `POST /api/v1/follow_requests/:account_id/authorize`
pub async fn authorize(
    State(app): State<AppState>,
    user: User<scope::WriteFollows>,
    Path(id): Path<String>,
) -> ApiResult<Json<Relationship>> {
    let requester = path_id(&id)?;
    follows::authorize_request(&app.inst, &user.local, requester).await?;
    relationship(&app, user.account_id(), requester).await
}

/// # `POST /api/v1/follow_requests/:account_id/reject`
pub async fn reject(
    State(app): State<AppState>,
    user: User<scope::WriteFollows>,
    Path(id): Path<String>,
) -> ApiResult<Json<Relationship>> {
    let requester = path_id(&id)?;
    follows::reject_request(&app.inst, &user.local, requester).await?;
    relationship(&app, user.account_id(), requester).await
}
