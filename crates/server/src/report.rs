//! `starling report …`: the moderators' reports from the command line. Resolving and
//! reopening are written to the audit log with no moderator (the command line), as
//! `starling domain` does.

use clap::Subcommand;
use starling_core::entities::report;
use starling_core::paging::Page;
use starling_core::reports::{self, ReportFilter};
use starling_core::{Config, CoreError, Instance};

/// The most reports `list` prints of each kind (open, resolved).
const LIST_LIMIT: u64 = 10_000;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// List the open reports, newest first.
    List {
        /// Resolved reports too.
        #[arg(long)]
        all: bool,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Mark a report resolved.
    Resolve { id: i64 },
    /// Open a resolved report again.
    Reopen { id: i64 },
}

pub async fn run(config: Config, cmd: ReportCommand) -> anyhow::Result<()> {
    let inst = Instance::open(config).await?;
    let result = run_on(&inst, cmd).await;
    inst.store.close().await;
    result
}

fn not_found(id: i64) -> impl FnOnce(CoreError) -> anyhow::Error {
    move |e| match e {
        CoreError::NotFound => anyhow::anyhow!("report {id} not found"),
        e => e.into(),
    }
}

async fn run_on(inst: &Instance, cmd: ReportCommand) -> anyhow::Result<()> {
    match cmd {
        ReportCommand::List { all, json } => list(inst, all, json).await?,
        ReportCommand::Resolve { id } => {
            reports::resolve(inst, None, id)
                .await
                .map_err(not_found(id))?;
            outln!("Resolved report {id}");
        }
        ReportCommand::Reopen { id } => {
            reports::reopen(inst, None, id)
                .await
                .map_err(not_found(id))?;
            outln!("Reopened report {id}");
        }
    }
    Ok(())
}

async fn list(inst: &Instance, all: bool, json: bool) -> anyhow::Result<()> {
    let page = Page::first(LIST_LIMIT);
    let mut rows = reports::list(inst, &ReportFilter::default(), &page).await?;
    if all {
        let resolved = ReportFilter {
            resolved: true,
            ..ReportFilter::default()
        };
        rows.extend(reports::list(inst, &resolved, &page).await?);
        rows.sort_by_key(|r| std::cmp::Reverse(r.id));
    }
    let people = reports::people(inst, reports::account_ids(&rows)).await?;
    let acct = |id: Option<i64>| -> Option<String> {
        let id = id?;
        Some(
            people
                .get(&id)
                .map(|p| p.account.acct())
                .unwrap_or_else(|| format!("(account {id} is gone)")),
        )
    };
    if json {
        let doc: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.id.to_string(),
                    "created_at": r.created_at,
                    "resolved": r.action_taken_at.is_some(),
                    "action_taken_at": r.action_taken_at,
                    "category": r.category,
                    "comment": r.comment,
                    "forwarded": r.forwarded,
                    "reporter": acct(Some(r.account_id)),
                    "target": acct(Some(r.target_account_id)),
                    "status_ids": reports::status_ids(r).iter().map(i64::to_string).collect::<Vec<_>>(),
                    "rule_ids": reports::rule_ids(r).iter().map(i64::to_string).collect::<Vec<_>>(),
                    "assigned_to": acct(r.assigned_account_id),
                    "resolved_by": acct(r.action_taken_by_account_id),
                })
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    if rows.is_empty() {
        outln!(
            "{}",
            if all {
                "No reports."
            } else {
                "No open reports."
            }
        );
        return Ok(());
    }
    outln!(
        "{:<20} {:<16} {:<8} {:<9} {:<30} {:<30} {:>8}  COMMENT",
        "ID",
        "CREATED",
        "STATE",
        "CATEGORY",
        "REPORTER",
        "TARGET",
        "STATUSES"
    );
    for r in &rows {
        outln!(
            "{:<20} {:<16} {:<8} {:<9} {:<30} {:<30} {:>8}  {}",
            r.id,
            r.created_at.format("%Y-%m-%d %H:%M"),
            state(r),
            r.category,
            acct(Some(r.account_id)).unwrap_or_default(),
            acct(Some(r.target_account_id)).unwrap_or_default(),
            reports::status_ids(r).len(),
            one_line(&r.comment, 60)
        );
    }
    Ok(())
}

fn state(r: &report::Model) -> &'static str {
    if r.action_taken_at.is_some() {
        "resolved"
    } else {
        "open"
    }
}

/// The first `max` characters of `s` on one line.
pub(crate) fn one_line(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > max {
        format!("{}…", flat.chars().take(max).collect::<String>())
    } else {
        flat
    }
}
