//! `starling domain …`: domain blocks and allows from the command line, and Mastodon's
//! CSV both ways. Every change is written to the audit log (with no moderator: the
//! command line) and is in force for a running server within
//! [`starling_core::moderation::RELOAD_EVERY`].

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use starling_core::moderation::blocks::{self, BlockFields};
use starling_core::moderation::effects::Direction;
use starling_core::moderation::{Severity, csv, domains};
use starling_core::{Config, Instance};

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Block a domain and its subdomains, or change its block.
    Block {
        domain: String,
        /// suspend (nothing in or out), silence (hidden from non-followers) or noop.
        #[arg(long, default_value = "suspend")]
        severity: String,
        /// Do not fetch or keep its media.
        #[arg(long)]
        reject_media: bool,
        /// Drop its reports.
        #[arg(long)]
        reject_reports: bool,
        /// Shown in the public list of blocks, if published.
        #[arg(long)]
        public_comment: Option<String>,
        /// For the moderators only.
        #[arg(long)]
        private_comment: Option<String>,
        /// Show the domain half hidden (`exa****.*om`) in the public list.
        #[arg(long)]
        obfuscate: bool,
    },
    /// Lift the block of a domain (what a suspension purged stays purged).
    Unblock { domain: String },
    /// List the blocks and allows in force.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Import blocks from Mastodon's CSV (or a plain list of domains, one per line);
    /// `-` reads standard input. All of the file or, on any bad line, none of it.
    Import {
        file: PathBuf,
        /// Show what would change, change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Export the blocks as Mastodon's CSV.
    Export {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Allow a domain and its subdomains to federate (`federation.mode = "allowlist"`).
    Allow { domain: String },
    /// Remove the allow of a domain.
    Disallow { domain: String },
}

pub async fn run(config: Config, cmd: DomainCommand) -> anyhow::Result<()> {
    let inst = Instance::open(config).await?;
    let result = run_on(&inst, cmd).await;
    inst.store.close().await;
    result
}

async fn run_on(inst: &Instance, cmd: DomainCommand) -> anyhow::Result<()> {
    match cmd {
        DomainCommand::Block {
            domain,
            severity,
            reject_media,
            reject_reports,
            public_comment,
            private_comment,
            obfuscate,
        } => {
            let fields = BlockFields {
                severity: Some(Severity::parse(&severity)?),
                reject_media: Some(reject_media),
                reject_reports: Some(reject_reports),
                private_comment,
                public_comment,
                obfuscate: Some(obfuscate),
            };
            let normal = blocks::normalize(inst, &domain)?;
            let block = match blocks::find_block(&inst.store.read, &normal).await? {
                Some(existing) => {
                    let b = blocks::update_block(inst, None, existing.id, fields).await?;
                    outln!("Changed the block of {}: {}", b.domain, b.severity);
                    b
                }
                None => {
                    let b = blocks::create_block(inst, None, &normal, fields).await?;
                    outln!("Blocked {}: {}", b.domain, b.severity);
                    b
                }
            };
            if block.domain != domains::to_unicode(&block.domain) {
                outln!(
                    "({} is {})",
                    block.domain,
                    domains::to_unicode(&block.domain)
                );
            }
        }
        DomainCommand::Unblock { domain } => {
            let normal = blocks::normalize(inst, &domain)?;
            let block = blocks::find_block(&inst.store.read, &normal)
                .await?
                .with_context(|| format!("{normal} is not blocked"))?;
            blocks::delete_block(inst, None, block.id).await?;
            outln!("Unblocked {normal}");
        }
        DomainCommand::List { json } => {
            let list = blocks::all_blocks(inst).await?;
            let allows =
                blocks::list_allows(inst, &starling_core::paging::Page::first(10_000)).await?;
            if json {
                let doc = serde_json::json!({
                    "mode": if inst.policy.is_allowlist() { "allowlist" } else { "blocklist" },
                    "blocks": list.iter().map(|b| serde_json::json!({
                        "domain": b.domain,
                        "severity": b.severity,
                        "reject_media": b.reject_media,
                        "reject_reports": b.reject_reports,
                        "public_comment": b.public_comment,
                        "private_comment": b.private_comment,
                        "obfuscate": b.obfuscate,
                        "created_at": b.created_at,
                    })).collect::<Vec<_>>(),
                    "allows": allows.iter().map(|a| &a.domain).collect::<Vec<_>>(),
                });
                outln!("{}", serde_json::to_string_pretty(&doc)?);
            } else {
                if inst.policy.is_allowlist() {
                    outln!("Allow-list mode: only allowed domains federate.");
                }
                if list.is_empty() {
                    outln!("No domain is blocked.");
                } else {
                    outln!(
                        "{:<40} {:<8} {:<6} {:<7} {:<9}  COMMENT",
                        "DOMAIN",
                        "SEVERITY",
                        "MEDIA",
                        "REPORTS",
                        "OBFUSCATE"
                    );
                    for b in &list {
                        let no = |v: bool| if v { "reject" } else { "-" };
                        outln!(
                            "{:<40} {:<8} {:<6} {:<7} {:<9}  {}",
                            b.domain,
                            b.severity,
                            no(b.reject_media),
                            no(b.reject_reports),
                            if b.obfuscate { "yes" } else { "-" },
                            b.public_comment.as_deref().unwrap_or_default()
                        );
                    }
                }
                if !allows.is_empty() {
                    outln!(
                        "Allowed: {}",
                        allows
                            .iter()
                            .map(|a| a.domain.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
            }
        }
        DomainCommand::Import { file, dry_run } => {
            let mut bytes = Vec::new();
            let limit = csv::MAX_BYTES as u64 + 1;
            if file.as_os_str() == "-" {
                std::io::stdin().take(limit).read_to_end(&mut bytes)?;
            } else {
                std::fs::File::open(&file)
                    .with_context(|| format!("cannot open {}", file.display()))?
                    .take(limit)
                    .read_to_end(&mut bytes)?;
            }
            let entries = csv::parse(&bytes, inst.config.federation.allow_private_addresses)?;
            let plan = blocks::plan_import(inst, entries).await?;
            for e in &plan.create {
                outln!("+ {} {}", e.domain, e.severity.as_str());
            }
            for (old, e) in &plan.update {
                outln!("~ {} {} -> {}", e.domain, old.severity, e.severity.as_str());
            }
            for f in &plan.severed {
                let arrow = match f.direction {
                    Direction::Following => "->",
                    Direction::Follower => "<-",
                };
                outln!("! severs {} {arrow} {}", f.local, f.remote);
            }
            let summary = format!(
                "{} new, {} changed, {} unchanged, {} local follow{} severed",
                plan.create.len(),
                plan.update.len(),
                plan.unchanged,
                plan.severed.len(),
                if plan.severed.len() == 1 { "" } else { "s" }
            );
            if dry_run {
                outln!("Dry run: {summary}; nothing changed.");
            } else {
                blocks::apply_import(inst, None, &plan).await?;
                outln!("Imported: {summary}.");
            }
        }
        DomainCommand::Export { output } => {
            let text = csv::export(&blocks::all_blocks(inst).await?);
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => out!("{text}"),
            }
        }
        DomainCommand::Allow { domain } => {
            let allow = blocks::create_allow(inst, None, &domain).await?;
            outln!("Allowed {}", allow.domain);
        }
        DomainCommand::Disallow { domain } => {
            let normal = blocks::normalize(inst, &domain)?;
            let allows =
                blocks::list_allows(inst, &starling_core::paging::Page::first(10_000)).await?;
            let allow = allows
                .into_iter()
                .find(|a| a.domain == normal)
                .with_context(|| format!("{normal} is not allowed"))?;
            blocks::delete_allow(inst, None, allow.id).await?;
            outln!("Removed the allow of {normal}");
        }
    }
    Ok(())
}
