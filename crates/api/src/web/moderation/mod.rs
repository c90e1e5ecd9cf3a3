//! The moderation pages under `/admin/moderation`, server-rendered and usable without
//! JavaScript: the audit log (here), domain blocks with Mastodon CSV import and its dry
//! run ([`domains`]), the report queue ([`reports`]), account actions ([`accounts`]) and
//! the posts held for review ([`held`]).
//!
//! They use the browser session of `/auth/sign_in`: anonymous visitors are sent there
//! (and back), users who are not moderators or admins get a 403 page. Every form carries
//! the session's CSRF token and is refused (403) without it, by
//! [`crate::web::csrf::guard`] before any handler runs. Domain blocks are the
//! admin's, as in the admin API (Mastodon's `manage_federation`); reports, accounts and
//! the audit log are for moderators and admins. Handlers call the same core functions
//! as the admin API, with the signed-in moderator as the actor, so the audit log
//! records who did what.

mod accounts;
mod domains;
mod held;
mod reports;

/// What the pages of this module share.
mod prelude {

    pub(super) use askama::Template;
    pub(super) use axum::Router;
    pub(super) use axum::extract::{Path, State};
    pub(super) use axum::http::StatusCode;
    pub(super) use axum::routing::{get, post};
    pub(super) use axum_extra::extract::CookieJar;
    pub(super) use serde::Deserialize;
    pub(super) use starling_core::accounts::Role;
    pub(super) use starling_core::paging::Page;
    pub(super) use starling_core::{CoreError, CoreResult, Instance};

    pub(super) use super::{
        Answer, LIST_SIZE, Staff, acct_of, done, error_page, form_problem, page_guard, row, when,
    };
    pub(super) use crate::oauth::authorize::render;
    pub(super) use crate::params::{Params, ParamsWithFiles, de};
    pub(super) use crate::state::AppState;
    pub(super) use crate::web::redirect;
}

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum_extra::extract::CookieJar;
use chrono::{DateTime, Utc};
use starling_core::accounts::{LocalAccount, Role};
use starling_core::entities::web_session;
use starling_core::moderation::blocks;
use starling_core::reports::Person;
use starling_core::{CoreError, CoreResult};

use crate::error::ApiError;
use crate::oauth::authorize::{current_session, message, render};
use crate::state::AppState;
use crate::web::redirect;

/// What a page handler answers: the page, or the page that says why not (sign in, not
/// allowed, an error), so that guards and core errors end a handler with `?`.
type Answer = Result<Response, Response>;

/// Rows shown per list, and entries of the audit log.
const LIST_SIZE: u64 = 100;
const LOG_SIZE: u64 = 50;

/// The signed-in moderator or admin.
struct Staff {
    session: web_session::Model,
    local: LocalAccount,
}

impl Staff {
    fn is_admin(&self) -> bool {
        self.local.role() == Role::Admin
    }

    fn id(&self) -> i64 {
        self.local.account.id
    }
}

fn not_allowed(app: &AppState, text: &str) -> Response {
    message(app, StatusCode::FORBIDDEN, "Not allowed", text)
}

/// A core error as a page, with the status the admin API answers (never a 500 page
/// that shows internals).
fn error_page(app: &AppState, e: CoreError) -> Response {
    let api = ApiError::from(e);
    if api.status.is_server_error() {
        return message(
            app,
            StatusCode::SERVICE_UNAVAILABLE,
            "Try again",
            "The server could not do this right now.",
        );
    }
    let text = api.body["error"].as_str().unwrap_or("This did not work.");
    message(app, api.status, "Not done", text)
}

fn sign_in_redirect(return_to: &str) -> Response {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("return_to", return_to)
        .finish();
    redirect::to(&format!("/auth/sign_in?{query}"))
}

/// The session behind a page: anonymous visitors are sent to sign in and back to
/// `here`; accounts below `need` get a 403 page.
async fn page_guard(
    app: &AppState,
    jar: &CookieJar,
    here: &str,
    need: Role,
) -> Result<Staff, Response> {
    let Some((session, local)) = current_session(app, jar).await else {
        return Err(sign_in_redirect(here));
    };
    if local.role() < Role::Moderator {
        return Err(not_allowed(
            app,
            "The moderation pages are for moderators and admins of this server.",
        ));
    }
    if local.role() < need {
        return Err(not_allowed(app, "Only admins manage domain blocks."));
    }
    Ok(Staff { session, local })
}

/// A core error as a form's message and status.
fn form_problem(e: CoreError) -> (StatusCode, String) {
    let api = ApiError::from(e);
    if api.status.is_server_error() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "The server could not do this right now. Try again.".into(),
        );
    }
    let text = api.body["error"]
        .as_str()
        .unwrap_or("This did not work.")
        .to_string();
    (api.status, text)
}

/// A form acting on the row `id` of a list: the signed-in staff and the id (not a
/// number is not found).
async fn row(
    app: &AppState,
    jar: &CookieJar,
    id: &str,
    back: &str,
    need: Role,
) -> Result<(Staff, i64), Response> {
    let staff = page_guard(app, jar, back, need).await?;
    let id = id
        .parse::<i64>()
        .map_err(|_| error_page(app, CoreError::NotFound))?;
    Ok((staff, id))
}

/// Back to `back` once `result` is done, or the page that says why it is not.
fn done<T>(app: &AppState, result: CoreResult<T>, back: &str) -> Response {
    match result {
        Ok(_) => redirect::to(back),
        Err(e) => error_page(app, e),
    }
}

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `user` for local accounts, `user@domain` (Unicode) for remote ones.
fn acct_of(people: &HashMap<i64, Person>, id: i64) -> String {
    match people.get(&id) {
        Some(p) => match &p.account.domain {
            Some(d) => format!(
                "{}@{}",
                p.account.username,
                starling_core::moderation::domains::to_unicode(d)
            ),
            None => p.account.username.clone(),
        },
        None => format!("account {id}"),
    }
}

// --- the overview and the audit log ----------------------------------------------------

/// One row of the audit log.
struct LogRow {
    created_at: String,
    by: String,
    action: String,
    target: String,
    details: String,
}

#[derive(Template)]
#[template(path = "moderation.html")]
struct OverviewPage<'a> {
    site_title: &'a str,
    username: String,
    is_admin: bool,
    csrf_token: String,
    section: &'static str,
    log: Vec<LogRow>,
}

/// # `GET /admin/moderation`
async fn overview(State(app): State<AppState>, jar: CookieJar) -> Answer {
    let staff = page_guard(&app, &jar, "/admin/moderation", Role::Moderator).await?;
    let rows = blocks::audit_log(&app.inst, LOG_SIZE)
        .await
        .map_err(|e| error_page(&app, e))?;
    let people =
        starling_core::reports::people(&app.inst, rows.iter().filter_map(|r| r.account_id))
            .await
            .map_err(|e| error_page(&app, e))?;
    let log = rows
        .into_iter()
        .map(|r| LogRow {
            created_at: when(r.created_at),
            by: r
                .account_id
                .map_or_else(|| "command line".into(), |id| acct_of(&people, id)),
            action: r.action,
            target: if r.target_type == "domain_block" || r.target_type == "domain_allow" {
                starling_core::moderation::domains::to_unicode(&r.target)
            } else {
                format!("{} {}", r.target_type, r.target)
            },
            details: r.details,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &OverviewPage {
            site_title: &app.inst.config.instance.title,
            username: staff.local.account.username.clone(),
            is_admin: staff.is_admin(),
            csrf_token: staff.session.csrf_token.clone(),
            section: "log",
            log,
        },
    ))
}

/// The moderation pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/moderation", get(overview))
        .merge(domains::routes())
        .merge(reports::routes())
        .merge(held::routes())
        .merge(accounts::routes())
}
