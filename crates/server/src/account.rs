//! `starling account …`: create, list, suspend, unsuspend, approve, delete and reset
//! the password of local accounts.

use std::path::Path;

use anyhow::{Context, anyhow, bail};
use clap::Subcommand;
use starling_core::accounts::{self, LocalAccount, NewLocalAccount, Role};
use starling_core::error::CoreError;
use starling_core::{Config, Instance};

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create a local account; its generated password is printed once.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        /// Make the account an admin.
        #[arg(long, conflicts_with = "moderator")]
        admin: bool,
        /// Make the account a moderator.
        #[arg(long)]
        moderator: bool,
    },
    /// List local accounts.
    List,
    /// Suspend an account: it cannot sign in and its content is hidden.
    Suspend { username: String },
    /// Lift a suspension.
    Unsuspend { username: String },
    /// Approve an account waiting for approval.
    Approve { username: String },
    /// Delete an account's content and login (its username stays reserved).
    Delete {
        username: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Set a new random password (printed once) and sign the user out everywhere.
    ResetPassword { username: String },
}

async fn find(inst: &Instance, username: &str) -> anyhow::Result<LocalAccount> {
    accounts::find_local_with_user(inst, username.trim_start_matches('@'))
        .await?
        .ok_or_else(|| anyhow!("no local account named {username:?}"))
}

pub async fn run(
    config: Config,
    cmd: AccountCommand,
    config_path: Option<&Path>,
) -> anyhow::Result<()> {
    let inst = Instance::open(config)
        .await
        .context("cannot open the database")?;
    match cmd {
        AccountCommand::Create {
            username,
            email,
            admin,
            moderator,
        } => {
            let password = starling_core::crypto::random_password(20);
            let role = if admin {
                Role::Admin
            } else if moderator {
                Role::Moderator
            } else {
                Role::User
            };
            let created = accounts::create_local(
                &inst,
                NewLocalAccount {
                    username,
                    email,
                    password: password.clone(),
                    role,
                    approved: true,
                    locale: None,
                    reason: String::new(),
                    allow_reserved: true,
                },
            )
            .await
            .map_err(|e| match e {
                CoreError::Validation(v) => anyhow!("{v}"),
                other => anyhow!(other),
            })?;
            eprintln!(
                "Created {} @{}@{} ({}).",
                role.as_str(),
                created.account.username,
                inst.domain(),
                created.user.email
            );
            eprintln!("Password (shown only once, store it now):");
            println!("{password}");
            let _ = config_path;
            eprintln!(
                "Log in from any Mastodon app with the server {} and the email address above.",
                inst.urls.base()
            );
        }
        AccountCommand::List => {
            let all = accounts::list_local(&inst).await?;
            println!(
                "{:<20} {:<10} {:<10} {:<32} created",
                "username", "role", "state", "email"
            );
            for l in all {
                let state = if l.account.suspended_at.is_some() {
                    "suspended"
                } else if l.user.disabled {
                    "disabled"
                } else if !l.user.approved {
                    "pending"
                } else {
                    "active"
                };
                println!(
                    "{:<20} {:<10} {:<10} {:<32} {}",
                    l.account.username,
                    l.user.role,
                    state,
                    l.user.email,
                    l.account.created_at.format("%Y-%m-%d")
                );
            }
        }
        AccountCommand::Suspend { username } => {
            let l = find(&inst, &username).await?;
            accounts::set_suspended(&inst, l.account.id, true).await?;
            eprintln!("Suspended @{}.", l.account.username);
        }
        AccountCommand::Unsuspend { username } => {
            let l = find(&inst, &username).await?;
            accounts::set_suspended(&inst, l.account.id, false).await?;
            eprintln!("Lifted the suspension of @{}.", l.account.username);
        }
        AccountCommand::Approve { username } => {
            let l = find(&inst, &username).await?;
            accounts::approve(&inst, l.account.id).await?;
            eprintln!("Approved @{}.", l.account.username);
        }
        AccountCommand::Delete { username, yes } => {
            let l = find(&inst, &username).await?;
            if !yes {
                bail!(
                    "this deletes every post and follow of @{} and cannot be undone; run again with --yes",
                    l.account.username
                );
            }
            accounts::delete_local(&inst, &l).await?;
            eprintln!(
                "Deleted @{} (the username stays reserved).",
                l.account.username
            );
        }
        AccountCommand::ResetPassword { username } => {
            let l = find(&inst, &username).await?;
            let password = accounts::reset_password(&inst, l.user.id).await?;
            eprintln!(
                "New password for @{} (shown only once); all sessions were signed out:",
                l.account.username
            );
            println!("{password}");
        }
    }
    Ok(())
}
