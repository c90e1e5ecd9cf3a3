//! Timelines: home, public (local / remote) and hashtag.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use starling_core::paging::Page;
use starling_core::timelines::{self, PublicFilter};
use starling_core::{entities::status, views};

use crate::auth::{MaybeUser, User, scope};
use crate::error::{ApiError, ApiResult};
use crate::mastodon::statuses::entity::Status;
use crate::paging::{self, NextLink, PageQuery, PrevParam};
use crate::params::{Params, de};
use crate::state::AppState;

async fn render(
    app: &AppState,
    uri: &axum::http::Uri,
    page: &Page,
    rows: Vec<status::Model>,
    viewer: Option<i64>,
) -> ApiResult<(HeaderMap, Json<Vec<Status>>)> {
    let ids: Vec<i64> = rows.iter().map(|s| s.id).collect();
    let views = views::status_views(&app.inst, rows, viewer).await?;
    let headers = paging::link_headers(
        app.inst.urls.base(),
        uri,
        page,
        &ids,
        NextLink::Always,
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

/// # `GET /api/v1/timelines/home`
pub async fn home(
    State(app): State<AppState>,
    user: User<scope::ReadStatuses>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<Status>>)> {
    paging::check(&p)?;
    let page = p.page(20);
    let rows = timelines::home(&app.inst, user.account_id(), &page).await?;
    render(&app, &uri, &page, rows, Some(user.account_id())).await
}

#[derive(Debug, Deserialize)]
pub struct PublicParams {
    #[serde(flatten)]
    page: PageQuery,
    #[serde(default, deserialize_with = "de::opt_bool")]
    local: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    remote: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    only_media: Option<bool>,
}

impl PublicParams {
    /// As Mastodon's `PublicFeed`: `local` and `remote` together cancel out. `viewer`'s
    /// blocks, mutes and domain blocks apply, and the limited accounts they follow show.
    fn filter(&self, viewer: Option<i64>) -> PublicFilter {
        let local = self.local.unwrap_or(false);
        let remote = self.remote.unwrap_or(false);
        PublicFilter {
            local: local && !remote,
            remote: remote && !local,
            only_media: self.only_media.unwrap_or(false),
            viewer,
        }
    }
}

/// # `GET /api/v1/timelines/public`
pub async fn public(
    State(app): State<AppState>,
    viewer: MaybeUser<scope::ReadStatuses>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<PublicParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Status>>)> {
    paging::check(&p.page)?;
    let page = p.page.page(20);
    let rows = timelines::public(&app.inst, &p.filter(viewer.account_id()), &page).await?;
    render(&app, &uri, &page, rows, viewer.account_id()).await
}

/// # `GET /api/v1/timelines/tag/:hashtag`
pub async fn tag(
    State(app): State<AppState>,
    viewer: MaybeUser<scope::ReadStatuses>,
    Path(hashtag): Path<String>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<PublicParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Status>>)> {
    paging::check(&p.page)?;
    let name = hashtag.trim_start_matches('#');
    if !starling_core::text::is_valid_tag(name) {
        return Err(ApiError::not_found());
    }
    let page = p.page.page(20);
    let rows = timelines::tag(&app.inst, name, &p.filter(viewer.account_id()), &page).await?;
    render(&app, &uri, &page, rows, viewer.account_id()).await
}
