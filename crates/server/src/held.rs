//! `starling held …`: remote posts the content policy holds for review (rules with
//! `action = "hold"`). Releasing and discarding are written to the audit log with no
//! moderator (the command line), as `starling report` does.

use clap::Subcommand;
use starling_core::moderation::held::{self, HeldPost};
use starling_core::{Config, Instance};

use crate::report::one_line;

/// The most held posts `list` prints.
const LIST_LIMIT: u64 = 10_000;

#[derive(Debug, Subcommand)]
pub enum HeldCommand {
    /// List the posts waiting for review, oldest first.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one held post whole.
    Show { id: i64 },
    /// Release held posts: each is stored (or its edit applied) as if it had just
    /// arrived.
    Release {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Discard held posts.
    Discard {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
}

pub async fn run(config: Config, cmd: HeldCommand) -> anyhow::Result<()> {
    let inst = Instance::open(config).await?;
    let result = run_on(&inst, cmd).await;
    inst.store.close().await;
    result
}

async fn run_on(inst: &Instance, cmd: HeldCommand) -> anyhow::Result<()> {
    match cmd {
        HeldCommand::List { json } => list(inst, json).await?,
        HeldCommand::Show { id } => {
            let post = held::get(inst, id).await?;
            outln!("{}", serde_json::to_string_pretty(&doc(&post))?);
        }
        HeldCommand::Release { ids } => {
            // Each on its own: one that cannot be released leaves the others released.
            let mut failed = 0;
            for id in ids {
                match held::release(inst, None, id).await {
                    Ok(Some(status)) => outln!("Released {id}: stored as status {}", status.id),
                    Ok(None) => outln!("Released {id}: the post it edits is gone"),
                    Err(e) => {
                        failed += 1;
                        eprintln!("error: cannot release {id}: {e}");
                    }
                }
            }
            if failed > 0 {
                anyhow::bail!("{failed} held post(s) not released");
            }
        }
        HeldCommand::Discard { ids } => {
            let mut failed = 0;
            for id in ids {
                match held::discard(inst, None, id).await {
                    Ok(()) => outln!("Discarded {id}"),
                    Err(e) => {
                        failed += 1;
                        eprintln!("error: cannot discard {id}: {e}");
                    }
                }
            }
            if failed > 0 {
                anyhow::bail!("{failed} held post(s) not discarded");
            }
        }
    }
    Ok(())
}

fn doc(p: &HeldPost) -> serde_json::Value {
    serde_json::json!({
        "id": p.id.to_string(),
        "uri": p.uri,
        "kind": p.kind.as_str(),
        "author": p.acct,
        "rule": p.rule,
        "reason": p.reason,
        "held_at": p.held_at,
        "spoiler_text": p.post.spoiler_text,
        "content": p.post.content_html,
        "text": p.text(),
        "visibility": p.post.visibility,
        "sensitive": p.post.sensitive,
        "media": p.post.media.iter().map(|m| &m.remote_url).collect::<Vec<_>>(),
    })
}

async fn list(inst: &Instance, json: bool) -> anyhow::Result<()> {
    let (posts, total) = held::list(inst, LIST_LIMIT).await?;
    if json {
        let docs: Vec<_> = posts.iter().map(doc).collect();
        outln!("{}", serde_json::to_string_pretty(&docs)?);
        return Ok(());
    }
    if posts.is_empty() {
        outln!("No posts held for review.");
        return Ok(());
    }
    outln!(
        "{:<20} {:<16} {:<6} {:<30} {:<20}  TEXT",
        "ID",
        "HELD",
        "KIND",
        "AUTHOR",
        "RULE"
    );
    for p in &posts {
        outln!(
            "{:<20} {:<16} {:<6} {:<30} {:<20}  {}",
            p.id,
            p.held_at.format("%Y-%m-%d %H:%M"),
            p.kind.as_str(),
            p.acct,
            one_line(&p.rule, 20),
            one_line(&p.text(), 60)
        );
    }
    if total > posts.len() as u64 {
        outln!("… and {} more", total - posts.len() as u64);
    }
    Ok(())
}
