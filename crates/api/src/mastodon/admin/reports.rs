//! `/api/v1/admin/reports`: moderators list, read, assign, resolve and reopen reports,
//! and change their category and rules. Mastodon's
//! [Admin::Report](https://docs.joinmastodon.org/entities/Admin_Report/) entity.
//!
//! The [Admin::Account](https://docs.joinmastodon.org/entities/Admin_Account/) shape of
//! the accounts a report names is rendered here by a private serializer until the
//! admin accounts API offers one to share.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Deserializer, Serialize};
use starling_core::entities::report;
use starling_core::reports::{self, ReportFilter};
use starling_core::views;

use super::Staff;
use super::accounts::AdminAccount;
use crate::auth::scope;
use crate::error::{ApiError, ApiResult};
use crate::mastodon::accounts::path_id;
use crate::mastodon::format::timestamp;
use crate::mastodon::instance::entity::{Rule, rules};
use crate::mastodon::statuses::entity::Status;
use crate::paging::{self, NextLink, PageQuery, PrevParam};
use crate::params::{Params, de};
use crate::state::AppState;

/// Mastodon's `Admin::Report`.
#[derive(Debug, Serialize)]
pub struct AdminReport {
    pub id: String,
    pub action_taken: bool,
    pub action_taken_at: Option<String>,
    pub category: String,
    pub comment: String,
    pub forwarded: bool,
    pub created_at: String,
    pub updated_at: String,
    pub account: AdminAccount,
    pub target_account: AdminAccount,
    pub assigned_account: Option<AdminAccount>,
    pub action_taken_by_account: Option<AdminAccount>,
    pub statuses: Vec<Status>,
    pub rules: Vec<Rule>,
}

/// Renders `rows` for moderator `viewer`, in order. A report whose reporter or target
/// is gone is left out (Mastodon deletes such reports with the account).
async fn render(
    app: &AppState,
    viewer: i64,
    rows: Vec<report::Model>,
) -> ApiResult<Vec<AdminReport>> {
    let inst = &app.inst;
    let people = reports::people(inst, reports::account_ids(&rows)).await?;
    let statuses = reports::statuses_of(inst, &rows).await?;
    let statuses: HashMap<i64, Status> = views::status_views(inst, statuses, Some(viewer))
        .await?
        .iter()
        .map(|v| (v.status.id, Status::build(inst, v, false)))
        .collect();
    let instance_rules = rules(inst);
    let admin_account = |id: i64| people.get(&id).map(|p| AdminAccount::build(app, p));
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (Some(account), Some(target_account)) = (
            admin_account(r.account_id),
            admin_account(r.target_account_id),
        ) else {
            continue;
        };
        let rule_ids = reports::rule_ids(&r);
        out.push(AdminReport {
            id: r.id.to_string(),
            action_taken: r.action_taken_at.is_some(),
            action_taken_at: r.action_taken_at.map(timestamp),
            category: r.category.clone(),
            comment: r.comment.clone(),
            forwarded: r.forwarded,
            created_at: timestamp(r.created_at),
            updated_at: timestamp(r.updated_at),
            account,
            target_account,
            assigned_account: r.assigned_account_id.and_then(admin_account),
            action_taken_by_account: r.action_taken_by_account_id.and_then(admin_account),
            statuses: reports::status_ids(&r)
                .iter()
                .filter_map(|id| statuses.get(id))
                .cloned()
                .collect(),
            rules: instance_rules
                .iter()
                .filter(|rule| rule_ids.iter().any(|id| id.to_string() == rule.id))
                .cloned()
                .collect(),
        });
    }
    Ok(out)
}

async fn render_one(app: &AppState, viewer: i64, r: report::Model) -> ApiResult<Json<AdminReport>> {
    render(app, viewer, vec![r])
        .await?
        .pop()
        .map(Json)
        .ok_or_else(ApiError::not_found)
}

/// The filters of `GET /api/v1/admin/reports`.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    #[serde(flatten)]
    page: PageQuery,
    #[serde(default, deserialize_with = "de::opt_bool")]
    resolved: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_id")]
    account_id: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_id")]
    target_account_id: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_string")]
    by_target_domain: Option<String>,
    /// `local` or `remote`.
    #[serde(default, deserialize_with = "de::opt_string")]
    target_origin: Option<String>,
}

/// # `GET /api/v1/admin/reports`
///
/// Open reports (resolved ones with `resolved=true`), newest first, 100 a page;
/// `account_id`, `target_account_id`, `by_target_domain` and `target_origin`
/// (`local`, `remote`) filter them as Mastodon's `ReportFilter` does.
pub async fn list(
    State(app): State<AppState>,
    staff: Staff<scope::AdminReadReports>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<ListParams>,
) -> ApiResult<(HeaderMap, Json<Vec<AdminReport>>)> {
    paging::check(&p.page)?;
    let page = p.page.page(100);
    let target_local = match p.target_origin.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("local") => Some(true),
        Some("remote") => Some(false),
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "target_origin {other:?} is not one of local, remote"
            )));
        }
    };
    let filter = ReportFilter {
        resolved: p.resolved.unwrap_or(false),
        account_id: p.account_id,
        target_account_id: p.target_account_id,
        by_target_domain: p.by_target_domain.filter(|d| !d.trim().is_empty()),
        target_local,
    };
    let rows = reports::list(&app.inst, &filter, &page).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut headers = HeaderMap::new();
    if let Some(link) = paging::link_header(
        app.inst.urls.base(),
        &uri,
        &page,
        &ids,
        NextLink::WhenFull,
        PrevParam::MinId,
    ) {
        headers.insert(axum::http::header::LINK, link);
    }
    let list = render(&app, staff.account_id(), rows).await?;
    Ok((headers, Json(list)))
}

/// # `GET /api/v1/admin/reports/:id`
pub async fn show(
    State(app): State<AppState>,
    staff: Staff<scope::AdminReadReports>,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminReport>> {
    let r = reports::get(&app.inst, path_id(&id)?).await?;
    render_one(&app, staff.account_id(), r).await
}

/// A list parameter that may be absent (`None`) or sent empty (`Some([])`).
fn opt_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    de::strings(d).map(Some)
}

/// The parameters of `PUT /api/v1/admin/reports/:id`.
#[derive(Debug, Deserialize)]
pub struct UpdateParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    category: Option<String>,
    #[serde(default, deserialize_with = "opt_strings")]
    rule_ids: Option<Vec<String>>,
}

/// # `PUT /api/v1/admin/reports/:id`
///
/// Changes the category and the rules broken (`violation` needs at least one rule).
pub async fn update(
    State(app): State<AppState>,
    staff: Staff<scope::AdminWriteReports>,
    Path(id): Path<String>,
    Params(p): Params<UpdateParams>,
) -> ApiResult<Json<AdminReport>> {
    let id = path_id(&id)?;
    let rules = p
        .rule_ids
        .map(|list| {
            list.iter()
                .filter(|s| !s.trim().is_empty())
                .map(|s| {
                    s.trim().parse::<i64>().map_err(|_| {
                        ApiError::unprocessable(
                            "Validation failed: Rule ids does not reference valid rules",
                        )
                    })
                })
                .collect::<ApiResult<Vec<i64>>>()
        })
        .transpose()?;
    let by = staff.account_id();
    let r = reports::update(&app.inst, Some(by), id, p.category.as_deref(), rules).await?;
    render_one(&app, by, r).await
}

/// # `POST /api/v1/admin/reports/:id/assign_to_self`
pub async fn assign_to_self(
    State(app): State<AppState>,
    staff: Staff<scope::AdminWriteReports>,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminReport>> {
    let by = staff.account_id();
    let r = reports::assign(&app.inst, by, path_id(&id)?).await?;
    render_one(&app, by, r).await
}

/// # `POST /api/v1/admin/reports/:id/unassign`
pub async fn unassign(
    State(app): State<AppState>,
    staff: Staff<scope::AdminWriteReports>,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminReport>> {
    let by = staff.account_id();
    let r = reports::unassign(&app.inst, Some(by), path_id(&id)?).await?;
    render_one(&app, by, r).await
}

/// # `POST /api/v1/admin/reports/:id/resolve`
pub async fn resolve(
    State(app): State<AppState>,
    staff: Staff<scope::AdminWriteReports>,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminReport>> {
    let by = staff.account_id();
    let r = reports::resolve(&app.inst, Some(by), path_id(&id)?).await?;
    render_one(&app, by, r).await
}

/// # `POST /api/v1/admin/reports/:id/reopen`
pub async fn reopen(
    State(app): State<AppState>,
    staff: Staff<scope::AdminWriteReports>,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminReport>> {
    let by = staff.account_id();
    let r = reports::reopen(&app.inst, Some(by), path_id(&id)?).await?;
    render_one(&app, by, r).await
}
