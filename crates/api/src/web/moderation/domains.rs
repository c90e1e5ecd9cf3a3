//! `/admin/moderation/domains`: domain blocks, created and lifted one by one or
//! imported from Mastodon's CSV (with a dry run). Admins only.

use super::prelude::*;
use starling_core::entities::domain_block;
use starling_core::moderation::blocks::{self, BlockFields, ImportPlan};
use starling_core::moderation::effects::Direction;
use starling_core::moderation::{Severity, csv, domains};

const PATH: &str = "/admin/moderation/domains";

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
async fn page(State(app): State<AppState>, jar: CookieJar) -> Answer {
    let staff = page_guard(&app, &jar, PATH, Role::Admin).await?;
    domains_page(&app, &staff, StatusCode::OK, |_| {}).await
}

#[derive(Debug, Deserialize)]
struct BlockForm {
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
    let staff = page_guard(&app, &jar, PATH, Role::Admin).await?;
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
        Ok(_) => Ok(redirect::to(PATH)),
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

/// # `POST /admin/moderation/domains/:id/delete`
async fn delete_block(
    State(app): State<AppState>,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Answer {
    let (staff, id) = row(&app, &jar, &id, PATH, Role::Admin).await?;
    let result = blocks::delete_block(&app.inst, Some(staff.id()), id).await;
    Ok(done(&app, result, PATH))
}

#[derive(Debug, Deserialize)]
struct ImportForm {
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
    let staff = page_guard(&app, &jar, PATH, Role::Admin).await?;
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

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(page).post(create_block))
        .route("/admin/moderation/domains/import", post(import))
        .route("/admin/moderation/domains/{id}/delete", post(delete_block))
}
