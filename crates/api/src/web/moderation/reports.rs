//! `/admin/moderation/reports`: the report queue, assigned, resolved and reopened.

use super::prelude::*;
use starling_core::entities::report;
use starling_core::reports::{self, ReportFilter};

const PATH: &str = "/admin/moderation/reports";

struct ReportRow {
    id: i64,
    reporter: String,
    target: String,
    comment: String,
    category: String,
    statuses_count: usize,
    created_at: String,
    assigned: String,
    assigned_to_me: bool,
    resolved: bool,
}

#[derive(Template)]
#[template(path = "moderation_reports.html")]
struct ReportsPage<'a> {
    site_title: &'a str,
    username: String,
    is_admin: bool,
    csrf_token: String,
    section: &'static str,
    resolved: bool,
    reports: Vec<ReportRow>,
}

#[derive(Debug, Deserialize)]
struct ReportsQuery {
    #[serde(default, deserialize_with = "de::opt_bool")]
    resolved: Option<bool>,
}

/// # `GET /admin/moderation/reports`
async fn page(
    State(app): State<AppState>,
    jar: CookieJar,
    Params(q): Params<ReportsQuery>,
) -> Answer {
    let resolved = q.resolved.unwrap_or(false);
    let here = if resolved {
        "/admin/moderation/reports?resolved=1"
    } else {
        PATH
    };
    let staff = page_guard(&app, &jar, here, Role::Moderator).await?;
    let filter = ReportFilter {
        resolved,
        ..ReportFilter::default()
    };
    let rows: Vec<report::Model> = reports::list(&app.inst, &filter, &Page::first(LIST_SIZE))
        .await
        .map_err(|e| error_page(&app, e))?;
    let people = reports::people(&app.inst, reports::account_ids(&rows))
        .await
        .map_err(|e| error_page(&app, e))?;
    let me = staff.id();
    let reports = rows
        .iter()
        .map(|r| ReportRow {
            id: r.id,
            reporter: acct_of(&people, r.account_id),
            target: acct_of(&people, r.target_account_id),
            comment: r.comment.clone(),
            category: r.category.clone(),
            statuses_count: reports::status_ids(r).len(),
            created_at: when(r.created_at),
            assigned: r
                .assigned_account_id
                .map(|id| acct_of(&people, id))
                .unwrap_or_default(),
            assigned_to_me: r.assigned_account_id == Some(me),
            resolved: r.action_taken_at.is_some(),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &ReportsPage {
            site_title: &app.inst.config.instance.title,
            username: staff.local.account.username.clone(),
            is_admin: staff.is_admin(),
            csrf_token: staff.session.csrf_token.clone(),
            section: "reports",
            resolved,
            reports,
        },
    ))
}

/// # `POST /admin/moderation/reports/:id/:verb` (`resolve`, `reopen`, `assign`)
async fn action(
    State(app): State<AppState>,
    jar: CookieJar,
    Path((id, verb)): Path<(String, String)>,
) -> Answer {
    let (staff, id) = row(&app, &jar, &id, PATH, Role::Moderator).await?;
    let by = Some(staff.id());
    let result = match verb.as_str() {
        "resolve" => reports::resolve(&app.inst, by, id).await,
        "reopen" => reports::reopen(&app.inst, by, id).await,
        "assign" => reports::assign(&app.inst, staff.id(), id).await,
        _ => Err(CoreError::NotFound),
    };
    Ok(done(&app, result, PATH))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(page))
        .route("/admin/moderation/reports/{id}/{verb}", post(action))
}
