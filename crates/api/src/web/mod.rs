//! Server-rendered pages, readable without JavaScript: the landing page, profiles
//! (`/@username`), statuses (`/@username/:id`), hashtags (`/tags/:tag`), plus the
//! default images and uploaded media. Only what an anonymous visitor may see is shown.

pub mod csrf;
pub mod moderation;
pub mod redirect;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use starling_core::entities::account;
use starling_core::paging::Page;
use starling_core::timelines::{self, AccountFilter, PublicFilter};
use starling_core::views::{self, StatusView};
use starling_core::{Instance, statuses, visibility};

use crate::mastodon::accounts::entity::Account;
use crate::mastodon::format::timestamp;
use crate::mastodon::instance::cached_stats;
use crate::mastodon::media::entity::MediaAttachment;
use crate::oauth::authorize::{message, render};
use crate::params::{Params, de};
use crate::state::AppState;

const PAGE_SIZE: u64 = 20;

/// A status as the pages show it.
pub struct PageStatus {
    pub id: String,
    pub avatar: String,
    pub author_url: String,
    pub display_name: String,
    pub acct: String,
    pub url: String,
    pub created_at: String,
    pub created_at_text: String,
    pub visibility: String,
    pub spoiler_text: String,
    pub content: String,
    /// `(full url, preview url, description)`.
    pub media: Vec<(String, String, String)>,
    pub replies_count: i64,
}

impl PageStatus {
    fn build(inst: &Instance, v: &StatusView) -> Self {
        let s = &v.status;
        let author = Account::build(inst, &v.account, None);
        Self {
            id: s.id.to_string(),
            avatar: author.avatar,
            author_url: author.url,
            display_name: if author.display_name.is_empty() {
                author.username
            } else {
                author.display_name
            },
            acct: v.account.acct(),
            url: s.url.clone().unwrap_or_else(|| s.uri.clone()),
            created_at: timestamp(s.created_at),
            created_at_text: s.created_at.format("%b %-d, %Y, %H:%M UTC").to_string(),
            visibility: s.visibility.clone(),
            spoiler_text: s.spoiler_text.clone(),
            content: s.content.clone(),
            media: v
                .media
                .iter()
                .map(|m| {
                    let e = MediaAttachment::build(inst, m);
                    (
                        e.url.clone().unwrap_or_default(),
                        e.preview_url.or(e.url).unwrap_or_default(),
                        e.description.unwrap_or_default(),
                    )
                })
                .collect(),
            replies_count: s.replies_count,
        }
    }
}

#[derive(Template)]
#[template(path = "landing.html")]
struct LandingPage<'a> {
    site_title: &'a str,
    description: &'a str,
    domain: &'a str,
    registrations: &'static str,
    contact_email: &'a str,
    rules: &'a [String],
    user_count: u64,
    status_count: u64,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage<'a> {
    site_title: &'a str,
    display_name: String,
    acct: String,
    acct_full: String,
    uri: String,
    avatar: String,
    header: String,
    note: String,
    fields: Vec<(String, String)>,
    locked: bool,
    bot: bool,
    suspended: bool,
    noindex: bool,
    statuses_count: i64,
    following_count: i64,
    followers_count: i64,
    statuses: Vec<PageStatus>,
    older: Option<String>,
}

#[derive(Template)]
#[template(path = "status_page.html")]
struct StatusPage<'a> {
    site_title: &'a str,
    title: String,
    uri: String,
    ancestors: Vec<PageStatus>,
    main: Vec<PageStatus>,
    descendants: Vec<PageStatus>,
}

#[derive(Template)]
#[template(path = "tag.html")]
struct TagPage<'a> {
    site_title: &'a str,
    tag: String,
    statuses: Vec<PageStatus>,
    older: Option<String>,
}

/// A 404 (or other) page.
pub fn not_found_page(app: &AppState) -> Response {
    message(
        app,
        StatusCode::NOT_FOUND,
        "Not found",
        "There is nothing here. It may have been deleted, or it may not be public.",
    )
}

fn unavailable(app: &AppState, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "page failed");
    message(
        app,
        StatusCode::SERVICE_UNAVAILABLE,
        "Try again",
        "The server could not show this page right now.",
    )
}

/// # `GET /`
async fn landing(State(app): State<AppState>) -> Response {
    let stats = match cached_stats(&app).await {
        Ok(s) => s,
        Err(e) => return unavailable(&app, format!("{:?}", e.body)),
    };
    let c = &app.inst.config.instance;
    render(
        StatusCode::OK,
        &LandingPage {
            site_title: &c.title,
            description: &c.description,
            domain: app.inst.domain(),
            registrations: match c.registrations {
                starling_core::config::RegistrationMode::Open => "open",
                starling_core::config::RegistrationMode::Approval => "approval",
                starling_core::config::RegistrationMode::Closed => "closed",
            },
            contact_email: &c.contact_email,
            rules: &c.rules,
            user_count: stats.user_count,
            status_count: stats.status_count,
        },
    )
}

#[derive(Debug, Deserialize)]
struct OlderThan {
    #[serde(default, deserialize_with = "de::opt_id")]
    max_id: Option<i64>,
}

async fn page_statuses(
    app: &AppState,
    rows: Vec<starling_core::entities::status::Model>,
) -> Result<Vec<PageStatus>, starling_core::CoreError> {
    Ok(views::status_views(&app.inst, rows, None)
        .await?
        .iter()
        .map(|v| PageStatus::build(&app.inst, v))
        .collect())
}

async fn local_account(
    app: &AppState,
    handle: &str,
) -> Result<Option<account::Model>, starling_core::CoreError> {
    let Some(username) = handle.strip_prefix('@') else {
        return Ok(None);
    };
    visibility::local_account(&app.inst, username).await
}

/// # `GET /@:username`
async fn profile(
    State(app): State<AppState>,
    Path(handle): Path<String>,
    headers: HeaderMap,
    Params(q): Params<OlderThan>,
) -> Response {
    if starling_federation::routes::wants_activity_json(&headers)
        && let Some(username) = handle.strip_prefix('@')
    {
        return starling_federation::routes::actor_response(&app.fed, username).await;
    }
    let account = match local_account(&app, &handle).await {
        Ok(Some(a)) => a,
        Ok(None) => return not_found_page(&app),
        Err(e) => return unavailable(&app, e),
    };
    let page = Page {
        max_id: q.max_id,
        ..Page::first(PAGE_SIZE)
    };
    let filter = AccountFilter {
        exclude_reblogs: true,
        ..AccountFilter::default()
    };
    let rows = match timelines::account_statuses(&app.inst, &account, None, &filter, &page).await {
        Ok(rows) => rows,
        Err(e) => return unavailable(&app, e),
    };
    let older = (rows.len() as u64 == PAGE_SIZE)
        .then(|| {
            rows.last()
                .map(|s| format!("/@{}?max_id={}", account.username, s.id))
        })
        .flatten();
    let statuses = match page_statuses(&app, rows).await {
        Ok(s) => s,
        Err(e) => return unavailable(&app, e),
    };
    let e = Account::build(&app.inst, &account, None);
    render(
        StatusCode::OK,
        &ProfilePage {
            site_title: &app.inst.config.instance.title,
            display_name: if e.display_name.is_empty() {
                e.username.clone()
            } else {
                e.display_name.clone()
            },
            acct: e.acct.clone(),
            acct_full: format!("{}@{}", account.username, app.inst.domain()),
            uri: account.uri.clone(),
            avatar: e.avatar,
            header: e.header,
            note: e.note,
            fields: e.fields.into_iter().map(|f| (f.name, f.value)).collect(),
            locked: e.locked,
            bot: e.bot,
            suspended: e.suspended.unwrap_or(false),
            noindex: !account.discoverable,
            statuses_count: e.statuses_count,
            following_count: e.following_count,
            followers_count: e.followers_count,
            statuses,
            older,
        },
    )
}

/// # `GET /@:username/:id`
async fn status_page(
    State(app): State<AppState>,
    Path((handle, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if starling_federation::routes::wants_activity_json(&headers)
        && let Some(username) = handle.strip_prefix('@')
    {
        return starling_federation::routes::status_response(&app.fed, username, &id).await;
    }
    let Ok(id) = id.parse::<i64>() else {
        return not_found_page(&app);
    };
    let account = match local_account(&app, &handle).await {
        Ok(Some(a)) => a,
        Ok(None) => return not_found_page(&app),
        Err(e) => return unavailable(&app, e),
    };
    let status = match visibility::status_of(&app.inst, &account, id, None).await {
        Ok(s) => s,
        Err(starling_core::CoreError::NotFound) => return not_found_page(&app),
        Err(e) => return unavailable(&app, e),
    };
    let (ancestors, descendants) = match statuses::context(&app.inst, &status, None).await {
        Ok(c) => c,
        Err(e) => return unavailable(&app, e),
    };
    let title = {
        let text = starling_core::text::html_to_text(&status.content);
        let name = if account.display_name.is_empty() {
            &account.username
        } else {
            &account.display_name
        };
        let snippet: String = text.chars().take(60).collect();
        format!("{name}: \"{snippet}\"")
    };
    let uri = status.uri.clone();
    let (a, m, d) = match (
        page_statuses(&app, ancestors).await,
        page_statuses(&app, vec![status]).await,
        page_statuses(&app, descendants).await,
    ) {
        (Ok(a), Ok(m), Ok(d)) => (a, m, d),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return unavailable(&app, e),
    };
    render(
        StatusCode::OK,
        &StatusPage {
            site_title: &app.inst.config.instance.title,
            title,
            uri,
            ancestors: a,
            main: m,
            descendants: d,
        },
    )
}

/// # `GET /tags/:tag`
async fn tag_page(
    State(app): State<AppState>,
    Path(tag): Path<String>,
    Params(q): Params<OlderThan>,
) -> Response {
    if !starling_core::text::is_valid_tag(&tag) {
        return not_found_page(&app);
    }
    let page = Page {
        max_id: q.max_id,
        ..Page::first(PAGE_SIZE)
    };
    let rows = match timelines::tag(&app.inst, &tag, &PublicFilter::default(), &page).await {
        Ok(rows) => rows,
        Err(e) => return unavailable(&app, e),
    };
    let older = (rows.len() as u64 == PAGE_SIZE)
        .then(|| rows.last().map(|s| format!("/tags/{tag}?max_id={}", s.id)))
        .flatten();
    match page_statuses(&app, rows).await {
        Ok(statuses) => render(
            StatusCode::OK,
            &TagPage {
                site_title: &app.inst.config.instance.title,
                tag,
                statuses,
                older,
            },
        ),
        Err(e) => unavailable(&app, e),
    }
}

fn png(bytes: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes,
    )
        .into_response()
}

/// The pages that answer ActivityPub JSON to a request that asks for it (`/@alice`,
/// `/@alice/:id`): the actor and its posts, as at `/users/alice…`.
pub const ACTIVITY_PAGES: [&str; 2] = ["/{handle}", "/{handle}/{id}"];

/// The pages and static images.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(moderation::routes())
        .route("/", get(landing))
        .route("/about", get(landing))
        .route(ACTIVITY_PAGES[0], get(profile))
        .route(ACTIVITY_PAGES[1], get(status_page))
        .route("/tags/{tag}", get(tag_page))
        .route(
            "/avatars/original/missing.png",
            get(|| async { png(include_bytes!("../../assets/missing-avatar.png")) }),
        )
        .route(
            "/headers/original/missing.png",
            get(|| async { png(include_bytes!("../../assets/missing-header.png")) }),
        )
        .route(
            "/thumbnail.png",
            get(|| async { png(include_bytes!("../../assets/thumbnail.png")) }),
        )
}
