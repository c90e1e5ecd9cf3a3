//! `starling account …`: create, list, approve, reject, delete and reset the password of
//! local accounts, and take account actions (suspend, silence, disable, sensitive and
//! their undoing) on local and remote accounts, audit-logged as the command line.

use std::path::Path;

use anyhow::{Context, anyhow, bail};
use clap::Subcommand;
use starling_core::accounts::{self, LocalAccount, NewLocalAccount, Role};
use starling_core::error::CoreError;
use starling_core::moderation::accounts::{self as moderation, Action, ActionKind, Actor, Undo};
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
    /// Suspend an account (local, or `user@domain`): it cannot sign in, its content is
    /// hidden, and the servers that knew it are told it is gone.
    Suspend(Target),
    /// Lift a suspension.
    Unsuspend(Target),
    /// Limit an account: hidden from those who do not follow it.
    Silence(Target),
    /// Lift a limit.
    Unsilence(Target),
    /// Disable a local login (the account stays visible).
    Disable(Target),
    /// Enable a disabled login.
    Enable(Target),
    /// Show an account's media as sensitive.
    Sensitive(Target),
    /// Stop marking an account's media as sensitive.
    Unsensitive(Target),
    /// Approve an account waiting for approval.
    Approve { username: String },
    /// Reject an account waiting for approval: its login and account are deleted.
    Reject { username: String },
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

/// The account an action is taken against, and why.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// `alice` for a local account, `alice@remote.example` for a remote one.
    name: String,
    /// Why: kept in the audit log and, as a warning, on the account.
    #[arg(long)]
    reason: Option<String>,
}

/// Takes an account action as the command line (audit-logged without a moderator).
async fn act(inst: &Instance, t: &Target, kind: ActionKind) -> anyhow::Result<String> {
    let target = moderation::find(inst, &t.name).await.map_err(cli_error)?;
    let mut action = Action::new(kind);
    action.text = t.reason.clone().unwrap_or_default();
    moderation::act(inst, Actor::Cli, target.account.id, action)
        .await
        .map_err(cli_error)?;
    Ok(target.account.acct())
}

/// Undoes an account action as the command line.
async fn undo(inst: &Instance, t: &Target, what: Undo) -> anyhow::Result<String> {
    let target = moderation::find(inst, &t.name).await.map_err(cli_error)?;
    moderation::undo(inst, Actor::Cli, target.account.id, what)
        .await
        .map_err(cli_error)?;
    Ok(target.account.acct())
}

fn cli_error(e: CoreError) -> anyhow::Error {
    match e {
        CoreError::NotFoundMessage(m) | CoreError::Forbidden(m) | CoreError::Unprocessable(m) => {
            anyhow!(m)
        }
        other => anyhow!(other),
    }
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
            outln!("{password}");
            let _ = config_path;
            eprintln!(
                "Log in from any Mastodon app with the server {} and the email address above.",
                inst.urls.base()
            );
        }
        AccountCommand::List => {
            let all = accounts::list_local(&inst).await?;
            outln!(
                "{:<20} {:<10} {:<10} {:<32} created",
                "username",
                "role",
                "state",
                "email"
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
                outln!(
                    "{:<20} {:<10} {:<10} {:<32} {}",
                    l.account.username,
                    l.user.role,
                    state,
                    l.user.email,
                    l.account.created_at.format("%Y-%m-%d")
                );
            }
        }
        AccountCommand::Suspend(t) => {
            eprintln!("Suspended @{}.", act(&inst, &t, ActionKind::Suspend).await?);
        }
        AccountCommand::Unsuspend(t) => {
            let acct = undo(&inst, &t, Undo::Unsuspend).await?;
            eprintln!("Lifted the suspension of @{acct}.");
        }
        AccountCommand::Silence(t) => {
            eprintln!("Limited @{}.", act(&inst, &t, ActionKind::Silence).await?);
        }
        AccountCommand::Unsilence(t) => {
            eprintln!(
                "Lifted the limit of @{}.",
                undo(&inst, &t, Undo::Unsilence).await?
            );
        }
        AccountCommand::Disable(t) => {
            eprintln!(
                "Disabled the login of @{}.",
                act(&inst, &t, ActionKind::Disable).await?
            );
        }
        AccountCommand::Enable(t) => {
            eprintln!(
                "Enabled the login of @{}.",
                undo(&inst, &t, Undo::Enable).await?
            );
        }
        AccountCommand::Sensitive(t) => {
            let acct = act(&inst, &t, ActionKind::Sensitive).await?;
            eprintln!("The media of @{acct} is now shown as sensitive.");
        }
        AccountCommand::Unsensitive(t) => {
            let acct = undo(&inst, &t, Undo::Unsensitive).await?;
            eprintln!("The media of @{acct} is no longer forced sensitive.");
        }
        AccountCommand::Approve { username } => {
            let l = find(&inst, &username).await?;
            moderation::approve(&inst, Actor::Cli, l.account.id)
                .await
                .map_err(cli_error)?;
            eprintln!("Approved @{}.", l.account.username);
        }
        AccountCommand::Reject { username } => {
            let l = find(&inst, &username).await?;
            moderation::reject(&inst, Actor::Cli, l.account.id)
                .await
                .map_err(cli_error)?;
            eprintln!(
                "Rejected @{}: its login and account are deleted.",
                l.account.username
            );
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
            outln!("{password}");
        }
    }
    Ok(())
}
