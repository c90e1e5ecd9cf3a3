//! `starling blocklist …`: subscriptions to published lists of domain blocks (Mastodon's
//! CSV, Mastodon's `/api/v1/instance/domain_blocks` JSON, plain lists), fetched by a
//! running server every `moderation.blocklist_sync_every_minutes` or here with `sync`.
//! Every change is written to the audit log (with no moderator: the command line) and is
//! in force for a running server within [`starling_core::moderation::RELOAD_EVERY`].

use clap::{Args, Subcommand};
use starling_core::entities::{blocklist_entry, blocklist_source};
use starling_core::moderation::Severity;
use starling_core::moderation::subscriptions::{self, Format, NewSource, Retraction, shown, state};
use starling_core::{Config, Instance};
use starling_federation::blocklists;

#[derive(Debug, Subcommand)]
pub enum BlocklistCommand {
    /// Subscribe to the list of domain blocks at URL.
    Subscribe(SubscribeArgs),
    /// List the subscriptions and how their last sync went.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Fetch and apply one subscription now, or all of them. Exits non-zero when a
    /// sync fails (which then changes nothing).
    Sync {
        /// The subscription's id (see `list`); all of them when left out.
        id: Option<i64>,
    },
    /// Show the entries waiting for review (of one subscription, or of all).
    Drafts { id: Option<i64> },
    /// Put a draft entry in force, or every draft with --all.
    Approve {
        /// The entry's id (see `drafts`).
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<i64>,
        #[arg(long)]
        all: bool,
    },
    /// Refuse an entry: it is not applied, and stays refused until its list changes it.
    Reject {
        /// The entry's id (see `drafts`).
        id: i64,
    },
    /// End a subscription: its blocks are lifted (unless another subscription lists the
    /// domain), or kept as blocks made by hand with --keep-blocks.
    Unsubscribe {
        id: i64,
        #[arg(long)]
        keep_blocks: bool,
    },
}

#[derive(Debug, Args)]
pub struct SubscribeArgs {
    /// Where the list is published (https://).
    url: String,
    /// auto (detected from the content), csv (Mastodon's export), mastodon (the JSON of
    /// /api/v1/instance/domain_blocks) or plain (one domain per line).
    #[arg(long, default_value = "auto")]
    format: String,
    /// When two subscriptions list one domain, the higher priority wins.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    priority: i32,
    /// New and changed entries wait for `starling blocklist approve`.
    #[arg(long)]
    review: bool,
    /// When a domain leaves the list: remove its block, or keep it.
    #[arg(long, default_value = "remove")]
    retraction: String,
    /// The severity of the domains of a plain list: suspend, silence or noop.
    #[arg(long, default_value = "suspend")]
    severity: String,
}

pub async fn run(config: Config, cmd: BlocklistCommand) -> anyhow::Result<()> {
    let inst = Instance::open(config).await?;
    let result = run_on(&inst, cmd).await;
    inst.store.close().await;
    result
}

async fn run_on(inst: &Instance, cmd: BlocklistCommand) -> anyhow::Result<()> {
    match cmd {
        BlocklistCommand::Subscribe(args) => {
            let new = NewSource {
                url: args.url,
                format: Format::parse(&args.format)?,
                priority: args.priority,
                review: args.review,
                retraction: Retraction::parse(&args.retraction)?,
                plain_severity: Severity::parse(&args.severity)?,
            };
            let source = subscriptions::subscribe(inst, None, new).await?;
            outln!("Subscribed to {} as {}.", source.url, source.id);
            outln!(
                "A running server fetches it within a minute; `starling blocklist sync {}` \
                 fetches it now.",
                source.id
            );
        }
        BlocklistCommand::List { json } => list(inst, json).await?,
        BlocklistCommand::Sync { id } => {
            let sources = match id {
                Some(id) => vec![subscriptions::get_source(inst, id).await?],
                None => subscriptions::list_sources(inst).await?,
            };
            if sources.is_empty() {
                outln!("No subscription.");
            }
            let mut failed = 0;
            for s in &sources {
                match blocklists::sync(inst, s.id).await {
                    Ok(report) => outln!("{} {}: {report}", s.id, s.url),
                    Err(e) => {
                        failed += 1;
                        eprintln!("{} {}: sync failed, nothing changed: {e}", s.id, s.url);
                    }
                }
            }
            if failed > 0 {
                anyhow::bail!("{failed} of {} sync(s) failed", sources.len());
            }
        }
        BlocklistCommand::Drafts { id } => {
            let drafts = subscriptions::entries(inst, id, Some(state::DRAFT)).await?;
            if drafts.is_empty() {
                outln!("No entry waits for review.");
            } else {
                outln!(
                    "{:<20} {:<20} {:<40} {:<8} {:<13}  COMMENT",
                    "ENTRY",
                    "SOURCE",
                    "DOMAIN",
                    "SEVERITY",
                    "FLAGS"
                );
                for e in &drafts {
                    outln!(
                        "{:<20} {:<20} {:<40} {:<8} {:<13}  {}",
                        e.id,
                        e.source_id,
                        shown(&e.domain),
                        e.severity,
                        flags(e),
                        e.public_comment.as_deref().unwrap_or_default()
                    );
                }
            }
        }
        BlocklistCommand::Approve { id, all } => {
            let changes = match (id, all) {
                (Some(id), _) => subscriptions::approve(inst, None, id).await?,
                (None, _) => subscriptions::approve_all(inst, None).await?,
            };
            outln!("Approved; {}.", changes);
        }
        BlocklistCommand::Reject { id } => {
            let changes = subscriptions::reject(inst, None, id).await?;
            outln!("Rejected; {}.", changes);
        }
        BlocklistCommand::Unsubscribe { id, keep_blocks } => {
            let source = subscriptions::get_source(inst, id).await?;
            let changes = subscriptions::unsubscribe(inst, None, id, keep_blocks).await?;
            outln!("Unsubscribed from {}; {}.", source.url, changes);
        }
    }
    Ok(())
}

fn flags(e: &blocklist_entry::Model) -> String {
    let mut out = Vec::new();
    if e.reject_media {
        out.push("media");
    }
    if e.reject_reports {
        out.push("reports");
    }
    if out.is_empty() {
        "-".into()
    } else {
        format!("reject {}", out.join(","))
    }
}

async fn list(inst: &Instance, json: bool) -> anyhow::Result<()> {
    let sources = subscriptions::list_sources(inst).await?;
    let drafts = subscriptions::entries(inst, None, Some(state::DRAFT)).await?;
    let drafts_of =
        |s: &blocklist_source::Model| drafts.iter().filter(|e| e.source_id == s.id).count();
    if json {
        let doc: Vec<_> = sources
            .iter()
            .map(|s| {
                serde_json::json!({
                    "id": s.id.to_string(),
                    "url": s.url,
                    "format": s.format,
                    "priority": s.priority,
                    "review": s.review,
                    "retraction": s.retraction,
                    "plain_severity": s.plain_severity,
                    "enabled": s.enabled,
                    "last_fetched_at": s.last_fetched_at,
                    "last_status": s.last_status,
                    "last_error": s.last_error,
                    "entry_count": s.entry_count,
                    "drafts": drafts_of(s),
                    "created_at": s.created_at,
                })
            })
            .collect();
        outln!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    if sources.is_empty() {
        outln!("No subscription.");
        return Ok(());
    }
    outln!(
        "{:<20} {:>8} {:<8} {:<6} {:<10} {:>7} {:>6} {:<20} {:<9}  URL",
        "ID",
        "PRIORITY",
        "FORMAT",
        "REVIEW",
        "RETRACTION",
        "ENTRIES",
        "DRAFTS",
        "LAST FETCH",
        "STATUS"
    );
    for s in &sources {
        outln!(
            "{:<20} {:>8} {:<8} {:<6} {:<10} {:>7} {:>6} {:<20} {:<9}  {}",
            s.id,
            s.priority,
            s.format,
            if s.review { "yes" } else { "-" },
            s.retraction,
            s.entry_count,
            drafts_of(s),
            s.last_fetched_at
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_else(|| "never".into()),
            s.last_status.as_deref().unwrap_or("-"),
            s.url
        );
        if let Some(error) = &s.last_error {
            outln!("{:<20} error: {error}", "");
        }
    }
    Ok(())
}
