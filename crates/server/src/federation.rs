//! `starling federation status`: the delivery queue and the health of each remote host.

use clap::Subcommand;
use starling_core::{Config, Instance};
use starling_federation::delivery::{self, hosts};

#[derive(Debug, Subcommand)]
pub enum FederationCommand {
    /// Show queued deliveries and the health of each remote host.
    Status {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "-".into())
}

pub async fn run(config: Config, cmd: FederationCommand) -> anyhow::Result<()> {
    let inst = Instance::open(config).await?;
    let FederationCommand::Status { json } = cmd;
    let statuses = hosts::status(&inst.store.read).await?;
    let queued = delivery::pending(&inst.store.read).await?;
    let events = starling_core::events::pending(&inst).await?;
    if json {
        let doc = serde_json::json!({
            "queued_deliveries": queued,
            "pending_events": events,
            "hosts": statuses,
        });
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        outln!("{queued} deliveries queued, {events} events waiting to be federated");
        if statuses.is_empty() {
            outln!("No remote host has been delivered to yet.");
        } else {
            outln!(
                "{:<40} {:<12} {:>7} {:>9} {:>7} {:>8}  {:<19}  {:<19}  LAST ERROR",
                "HOST",
                "HEALTH",
                "QUEUED",
                "DELIVERED",
                "DROPPED",
                "FAILURES",
                "LAST SUCCESS",
                "NEXT RETRY"
            );
            for h in statuses {
                outln!(
                    "{:<40} {:<12} {:>7} {:>9} {:>7} {:>8}  {:<19}  {:<19}  {}",
                    h.host,
                    h.health.as_str(),
                    h.queued,
                    h.delivered,
                    h.dropped,
                    h.consecutive_failures,
                    when(h.last_success_at),
                    when(h.retry_at),
                    h.last_error.unwrap_or_default()
                );
            }
        }
    }
    inst.store.close().await;
    Ok(())
}
