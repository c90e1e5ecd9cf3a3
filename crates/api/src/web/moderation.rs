//! The moderation pages under `/admin/moderation`, server-rendered and usable without
//! JavaScript: domain blocks (with Mastodon CSV import and its dry run), the report
//! queue, account actions, the posts held for review and the audit log.
//!
//! They use the browser session of `/auth/sign_in`: anonymous visitors are sent there
//! (and back), users who are not moderators or admins get a 403 page. Every form carries
//! the session's CSRF token and is refused (403) without it. Domain blocks are the
//! admin's, as in the admin API (Mastodon's `manage_federation`); reports, accounts and
//! the audit log are for moderators and admins. Handlers call the same core functions
//! as the admin API, with the signed-in moderator as the actor, so the audit log
//! records who did what.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use starling_core::accounts::{LocalAccount, Role};
use starling_core::entities::{domain_block, report, web_session};
use starling_core::moderation::accounts::{self as actions, Action, ActionKind, Actor, Undo};
use starling_core::moderation::blocks::{self, BlockFields, ImportPlan};
use starling_core::moderation::effects::Direction;
use starling_core::moderation::held::{self, HeldKind};
use starling_core::moderation::{Severity, csv, domains};
use starling_core::paging::Page;
use starling_core::reports::{self, Person, ReportFilter};
use starling_core::{CoreError, CoreResult, Instance};

use crate::error::ApiError;
use crate::oauth::authorize::{MessagePage, current_session, render};
use crate::params::{Params, ParamsWithFiles, de};
use crate::state::AppState;

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

fn message(app: &AppState, status: StatusCode, heading: &str, text: &str) -> Response {
    render(
        status,
        &MessagePage {
            site_title: &app.inst.config.instance.title,
            heading: heading.into(),
            message: text.into(),
            signed_in: false,
            csrf_token: String::new(),
        },
    )
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
    Redirect::to(&format!("/auth/sign_in?{query}")).into_response()
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

/// As [`page_guard`] for a form, which must also carry the session's CSRF token.
async fn form_guard(
    app: &AppState,
    jar: &CookieJar,
    csrf_token: Option<&str>,
    back: &str,
    need: Role,
) -> Result<Staff, Response> {
    let staff = page_guard(app, jar, back, need).await?;
    if !csrf_token
        .is_some_and(|t| starling_core::crypto::secrets_equal(t, &staff.session.csrf_token))
    {
        return Err(message(
            app,
            StatusCode::FORBIDDEN,
            "Invalid form",
            "This form has expired. Reload the page and try again.",
        ));
    }
    Ok(staff)
}

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `user` for local accounts, `user@domain` (Unicode) for remote ones.
fn acct_of(people: &HashMap<i64, Person>, id: i64) -> String {
    match people.get(&id) {
        Some(p) => match &p.account.domain {
            Some(d) => format!("{}@{}", p.account.username, domains::to_unicode(d)),
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
    let people = reports::people(&app.inst, rows.iter().filter_map(|r| r.account_id))
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
                domains::to_unicode(&r.target)
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

// --- domain blocks ----------------------------------------------------------------------

const DOMAINS: &str = "/admin/moderation/domains";

struct BlockRow {
    id: i64,
    domain: String,
    /// The punycode form, when it differs from the Unicode one.
    ascii: Option<String>,
    severity: String,
    flags: Vec<&'static str>,
    public_comment: String,
    private_comment: String,
    created_at: String,
}

impl BlockRow {
    fn of(b: &domain_block::Model) -> Self {
        let unicode = domains::to_unicode(&b.domain);
        let mut flags = Vec::new();
        if b.reject_media {
            flags.push("reject media");
        }
        if b.reject_reports {
            flags.push("reject reports");
        }
        if b.obfuscate {
            flags.push("obfuscate");
        }
        if b.source_id.is_some() {
            flags.push("from a subscription");
        }
        Self {
            id: b.id,
            ascii: (unicode != b.domain).then(|| b.domain.clone()),
            domain: unicode,
            severity: b.severity.clone(),
            flags,
            public_comment: b.public_comment.clone().unwrap_or_default(),
            private_comment: b.private_comment.clone().unwrap_or_default(),
            created_at: when(b.created_at),
        }
    }
}

/// An import plan as the page shows it.
struct PlanView {
    dry_run: bool,
    /// `(domain, severity)`.
    create: Vec<(String, String)>,
    /// `(domain, old severity, new severity)`.
    update: Vec<(String, String, String)>,
    unchanged: usize,
    /// `local → remote` or `local ← remote`.
    severed: Vec<String>,
    summary: String,
}

impl PlanView {
    fn of(plan: &ImportPlan, dry_run: bool) -> Self {
        let summary = format!(
            "{} new, {} changed, {} unchanged, {} local follow{} severed",
            plan.create.len(),
            plan.update.len(),
            plan.unchanged,
            plan.severed.len(),
            if plan.severed.len() == 1 { "" } else { "s" }
        );
        Self {
            dry_run,
            create: plan
                .create
                .iter()
                .map(|e| (domains::to_unicode(&e.domain), e.severity.as_str().into()))
                .collect(),
            update: plan
                .update
                .iter()
                .map(|(old, e)| {
                    (
                        domains::to_unicode(&e.domain),
                        old.severity.clone(),
                        e.severity.as_str().into(),
                    )
                })
                .collect(),
            unchanged: plan.unchanged,
            severed: plan
                .severed
                .iter()
                .map(|f| {
                    let arrow = match f.direction {
                        Direction::Following => "follows",
                        Direction::Follower => "is followed by",
                    };
                    format!("{} {arrow} {}", f.local, f.remote)
                })
                .collect(),
            summary,
        }
    }
}

#[derive(Template)]
#[template(path = "moderation_domains.html")]
struct DomainsPage<'a> {
    site_title: &'a str,
    username: String,
    is_admin: bool,
    csrf_token: String,
    section: &'static str,
    blocks: Vec<BlockRow>,
    /// A problem with the add form.
    block_error: Option<String>,
    block_domain: String,
    /// A problem with the import form (the parse error, naming the bad lines).
    import_error: Option<String>,
    plan: Option<PlanView>,
    csv_text: String,
}

/// Renders the domain-block page with what a form left to say.
async fn domains_page(
    app: &AppState,
    staff: &Staff,
    status: StatusCode,
    fill: impl FnOnce(&mut DomainsPage<'_>),
) -> Answer {
    let list = blocks::all_blocks(&app.inst)
        .await
        .map_err(|e| error_page(app, e))?;
    let mut page = DomainsPage {
        site_title: &app.inst.config.instance.title,
        username: staff.local.account.username.clone(),
        is_admin: staff.is_admin(),
        csrf_token: staff.session.csrf_token.clone(),
        section: "domains",
        blocks: list.iter().map(BlockRow::of).collect(),
        block_error: None,
        block_domain: String::new(),
        import_error: None,
        plan: None,
        csv_text: String::new(),
    };
    fill(&mut page);
    Ok(render(status, &page))
}

/// # `GET /admin/moderation/domains`
async fn domains(State(app): State<AppState>, jar: CookieJar) -> Answer {
    let staff = page_guard(&app, &jar, DOMAINS, Role::Admin).await?;
    domains_page(&app, &staff, StatusCode::OK, |_| {}).await
}

#[derive(Debug, Deserialize)]
struct BlockForm {
    #[serde(default, deserialize_with = "de::opt_string")]
    csrf_token: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    domain: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    severity: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    reject_media: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    reject_reports: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    public_comment: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    private_comment: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    obfuscate: Option<bool>,
}

/// # `POST /admin/moderation/domains`
async fn create_block(
    State(app): State<AppState>,
    jar: CookieJar,
    Params(form): Params<BlockForm>,
) -> Answer {
    let staff = form_guard(&app, &jar, form.csrf_token.as_deref(), DOMAINS, Role::Admin).await?;
    let domain = form.domain.unwrap_or_default();
    let result = match Severity::parse(form.severity.as_deref().unwrap_or("suspend")) {
        Ok(severity) => {
            let fields = BlockFields {
                severity: Some(severity),
                reject_media: Some(form.reject_media.unwrap_or(false)),
                reject_reports: Some(form.reject_reports.unwrap_or(false)),
                private_comment: form.private_comment,
                public_comment: form.public_comment,
                obfuscate: Some(form.obfuscate.unwrap_or(false)),
            };
            blocks::create_block(&app.inst, Some(staff.id()), domain.trim(), fields).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(DOMAINS).into_response()),
        Err(e) => {
            let (status, text) = form_problem(e);
            domains_page(&app, &staff, status, |p| {
                p.block_error = Some(text);
                p.block_domain = domain;
            })
            .await
        }
    }
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

#[derive(Debug, Deserialize)]
struct CsrfForm {
    #[serde(default, deserialize_with = "de::opt_string")]
    csrf_token: Option<String>,
}

/// # `POST /admin/moderation/domains/:id/delete`
async fn delete_block(
    State(app): State<AppState>,
    jar: CookieJar,
    Path(id): Path<String>,
    Params(form): Params<CsrfForm>,
) -> Answer {
    let (staff, id) = row_form(&app, &jar, &form, &id, DOMAINS, Role::Admin).await?;
    let result = blocks::delete_block(&app.inst, Some(staff.id()), id).await;
    Ok(done(&app, result, DOMAINS))
}

/// A form acting on the row `id` of a list: the signed-in staff (the form carrying the
/// session's CSRF token) and the id (not a number is not found).
async fn row_form(
    app: &AppState,
    jar: &CookieJar,
    form: &CsrfForm,
    id: &str,
    back: &str,
    need: Role,
) -> Result<(Staff, i64), Response> {
    let staff = form_guard(app, jar, form.csrf_token.as_deref(), back, need).await?;
    let id = id
        .parse::<i64>()
        .map_err(|_| error_page(app, CoreError::NotFound))?;
    Ok((staff, id))
}

/// Back to `back` once `result` is done, or the page that says why it is not.
fn done<T>(app: &AppState, result: CoreResult<T>, back: &str) -> Response {
    match result {
        Ok(_) => Redirect::to(back).into_response(),
        Err(e) => error_page(app, e),
    }
}

#[derive(Debug, Deserialize)]
struct ImportForm {
    #[serde(default, deserialize_with = "de::opt_string")]
    csrf_token: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    csv: Option<String>,
    /// `dry_run` (the default) or `import`.
    #[serde(default, deserialize_with = "de::opt_string")]
    action: Option<String>,
}

/// # `POST /admin/moderation/domains/import`
///
/// Parses the CSV, uploaded as `file` or pasted as `csv`, and shows the plan
/// (`action=dry_run`), or carries it out in one transaction (`action=import`). A bad
/// file changes nothing and shows the problems. After a dry run the text box holds
/// what was read, so that Import applies exactly what was shown.
async fn import(
    State(app): State<AppState>,
    jar: CookieJar,
    mut form: ParamsWithFiles<ImportForm>,
) -> Answer {
    let staff = form_guard(
        &app,
        &jar,
        form.params.csrf_token.as_deref(),
        DOMAINS,
        Role::Admin,
    )
    .await?;
    // A browser sends an empty file part when no file was chosen.
    let text = match form.take_file("file").filter(|f| !f.bytes.is_empty()) {
        Some(upload) => String::from_utf8_lossy(&upload.bytes).into_owned(),
        None => form.params.csv.take().unwrap_or_default(),
    };
    let dry_run = form.params.action.as_deref() != Some("import");
    let result = plan_and_apply(&app.inst, staff.id(), &text, dry_run).await;
    match result {
        Ok(plan) => {
            let view = PlanView::of(&plan, dry_run);
            domains_page(&app, &staff, StatusCode::OK, |p| {
                p.plan = Some(view);
                if dry_run {
                    p.csv_text = text;
                }
            })
            .await
        }
        Err(e) => {
            let (status, problem) = form_problem(e);
            domains_page(&app, &staff, status, |p| {
                p.import_error = Some(problem);
                p.csv_text = text;
            })
            .await
        }
    }
}

async fn plan_and_apply(
    inst: &Instance,
    by: i64,
    text: &str,
    dry_run: bool,
) -> CoreResult<ImportPlan> {
    let entries = csv::parse(
        text.as_bytes(),
        inst.config.federation.allow_private_addresses,
    )?;
    if entries.is_empty() {
        return Err(CoreError::Unprocessable(
            "the file names no domain to block".into(),
        ));
    }
    let plan = blocks::plan_import(inst, entries).await?;
    if !dry_run {
        blocks::apply_import(inst, Some(by), &plan).await?;
    }
    Ok(plan)
}

// --- reports ------------------------------------------------------------------------

const REPORTS: &str = "/admin/moderation/reports";

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
async fn reports_page(
    State(app): State<AppState>,
    jar: CookieJar,
    Params(q): Params<ReportsQuery>,
) -> Answer {
    let resolved = q.resolved.unwrap_or(false);
    let here = if resolved {
        "/admin/moderation/reports?resolved=1"
    } else {
        REPORTS
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
async fn report_action(
    State(app): State<AppState>,
    jar: CookieJar,
    Path((id, verb)): Path<(String, String)>,
    Params(form): Params<CsrfForm>,
) -> Answer {
    let (staff, id) = row_form(&app, &jar, &form, &id, REPORTS, Role::Moderator).await?;
    let by = Some(staff.id());
    let result = match verb.as_str() {
        "resolve" => reports::resolve(&app.inst, by, id).await,
        "reopen" => reports::reopen(&app.inst, by, id).await,
        "assign" => reports::assign(&app.inst, staff.id(), id).await,
        _ => Err(CoreError::NotFound),
    };
    Ok(done(&app, result, REPORTS))
}

// --- accounts -----------------------------------------------------------------------

const ACCOUNTS: &str = "/admin/moderation/accounts";

struct AccountRow {
    id: i64,
    acct: String,
    local: bool,
    role: &'static str,
    states: Vec<&'static str>,
    suspended: bool,
    silenced: bool,
    sensitized: bool,
    /// Local accounts only: whether the login is disabled.
    disabled: bool,
    created_at: String,
}

#[derive(Template)]
#[template(path = "moderation_accounts.html")]
struct AccountsPage<'a> {
    site_title: &'a str,
    username: String,
    is_admin: bool,
    csrf_token: String,
    section: &'static str,
    origin: &'static str,
    accounts: Vec<AccountRow>,
}

#[derive(Debug, Deserialize)]
struct AccountsQuery {
    /// `local`, `remote`, or anything else for both.
    #[serde(default, deserialize_with = "de::opt_string")]
    origin: Option<String>,
}

/// # `GET /admin/moderation/accounts`
async fn accounts_page(
    State(app): State<AppState>,
    jar: CookieJar,
    Params(q): Params<AccountsQuery>,
) -> Answer {
    let (origin, here) = match q.origin.as_deref() {
        Some("local") => (Some(actions::Origin::Local), "local"),
        Some("remote") => (Some(actions::Origin::Remote), "remote"),
        _ => (None, ""),
    };
    let path = if here.is_empty() {
        ACCOUNTS.to_string()
    } else {
        format!("{ACCOUNTS}?origin={here}")
    };
    let staff = page_guard(&app, &jar, &path, Role::Moderator).await?;
    let filter = actions::Filter {
        origin,
        ..actions::Filter::default()
    };
    let list = actions::list(&app.inst, &filter, &Page::first(LIST_SIZE))
        .await
        .map_err(|e| error_page(&app, e))?;
    let accounts = list
        .iter()
        .map(|m| {
            let a = &m.account;
            let mut states = Vec::new();
            if a.suspended_at.is_some() {
                states.push("suspended");
            }
            if a.silenced_at.is_some() {
                states.push("silenced");
            }
            if m.user.as_ref().is_some_and(|u| u.disabled) {
                states.push("disabled");
            }
            if a.sensitized_at.is_some() {
                states.push("sensitive");
            }
            if m.user.as_ref().is_some_and(|u| !u.approved) {
                states.push("pending");
            }
            AccountRow {
                id: a.id,
                acct: match &a.domain {
                    Some(d) => format!("{}@{}", a.username, domains::to_unicode(d)),
                    None => a.username.clone(),
                },
                local: a.domain.is_none(),
                role: m.role().map_or("", Role::as_str),
                suspended: a.suspended_at.is_some(),
                silenced: a.silenced_at.is_some(),
                sensitized: a.sensitized_at.is_some(),
                disabled: m.user.as_ref().is_some_and(|u| u.disabled),
                states,
                created_at: when(a.created_at),
            }
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &AccountsPage {
            site_title: &app.inst.config.instance.title,
            username: staff.local.account.username.clone(),
            is_admin: staff.is_admin(),
            csrf_token: staff.session.csrf_token.clone(),
            section: "accounts",
            origin: here,
            accounts,
        },
    ))
}

/// # `POST /admin/moderation/accounts/:id/:verb` (`suspend`, `unsuspend`, `silence`,
/// `unsilence`, `sensitive`, `unsensitive`, `disable`, `enable`)
async fn account_action(
    State(app): State<AppState>,
    jar: CookieJar,
    Path((id, verb)): Path<(String, String)>,
    Params(form): Params<CsrfForm>,
) -> Answer {
    let (staff, id) = row_form(&app, &jar, &form, &id, ACCOUNTS, Role::Moderator).await?;
    let actor = Actor::of(&staff.local);
    let inst = &app.inst;
    let act = |kind| actions::act(inst, actor, id, Action::new(kind));
    let undo = |u| async move { actions::undo(inst, actor, id, u).await.map(|_| ()) };
    let result = match verb.as_str() {
        "suspend" => act(ActionKind::Suspend).await,
        "silence" => act(ActionKind::Silence).await,
        "sensitive" => act(ActionKind::Sensitive).await,
        "disable" => act(ActionKind::Disable).await,
        "unsuspend" => undo(Undo::Unsuspend).await,
        "unsilence" => undo(Undo::Unsilence).await,
        "unsensitive" => undo(Undo::Unsensitive).await,
        "enable" => undo(Undo::Enable).await,
        _ => Err(CoreError::NotFound),
    };
    Ok(done(&app, result, ACCOUNTS))
}

// --- posts held for review -------------------------------------------------------------

const HELD: &str = "/admin/moderation/held";

struct HeldRow {
    id: i64,
    held_at: String,
    kind: &'static str,
    author: String,
    rule: String,
    reason: String,
    text: String,
    media: usize,
    uri: String,
    /// Linked only when it is an `http(s)` URL.
    link: bool,
}

#[derive(Template)]
#[template(path = "moderation_held.html")]
struct HeldPage<'a> {
    site_title: &'a str,
    username: String,
    is_admin: bool,
    csrf_token: String,
    section: &'static str,
    posts: Vec<HeldRow>,
    /// How many wait in all (the page shows the oldest [`LIST_SIZE`]).
    total: u64,
}

/// # `GET /admin/moderation/held`
async fn held_page(State(app): State<AppState>, jar: CookieJar) -> Answer {
    let staff = page_guard(&app, &jar, HELD, Role::Moderator).await?;
    let (posts, total) = held::list(&app.inst, LIST_SIZE)
        .await
        .map_err(|e| error_page(&app, e))?;
    let posts = posts
        .iter()
        .map(|p| HeldRow {
            id: p.id,
            held_at: when(p.held_at),
            kind: match p.kind {
                HeldKind::Create => "new post",
                HeldKind::Update => "edit",
            },
            author: match p.acct.split_once('@') {
                Some((user, domain)) => format!("{user}@{}", domains::to_unicode(domain)),
                None => p.acct.clone(),
            },
            rule: p.rule.clone(),
            reason: p.reason.clone(),
            text: p.text(),
            media: p.post.media.len(),
            uri: p.uri.clone(),
            link: p.uri.starts_with("https://") || p.uri.starts_with("http://"),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &HeldPage {
            site_title: &app.inst.config.instance.title,
            username: staff.local.account.username.clone(),
            is_admin: staff.is_admin(),
            csrf_token: staff.session.csrf_token.clone(),
            section: "held",
            posts,
            total,
        },
    ))
}

/// # `POST /admin/moderation/held/:id/:verb` (`release`, `discard`)
async fn held_action(
    State(app): State<AppState>,
    jar: CookieJar,
    Path((id, verb)): Path<(String, String)>,
    Params(form): Params<CsrfForm>,
) -> Answer {
    let (staff, id) = row_form(&app, &jar, &form, &id, HELD, Role::Moderator).await?;
    let by = Some(staff.id());
    let result = match verb.as_str() {
        "release" => held::release(&app.inst, by, id).await.map(|_| ()),
        "discard" => held::discard(&app.inst, by, id).await,
        _ => Err(CoreError::NotFound),
    };
    Ok(done(&app, result, HELD))
}

/// The moderation pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/moderation", get(overview))
        .route(DOMAINS, get(domains).post(create_block))
        .route("/admin/moderation/domains/import", post(import))
        .route("/admin/moderation/domains/{id}/delete", post(delete_block))
        .route(REPORTS, get(reports_page))
        .route("/admin/moderation/reports/{id}/{verb}", post(report_action))
        .route(HELD, get(held_page))
        .route("/admin/moderation/held/{id}/{verb}", post(held_action))
        .route(ACCOUNTS, get(accounts_page))
        .route(
            "/admin/moderation/accounts/{id}/{verb}",
            post(account_action),
        )
}
