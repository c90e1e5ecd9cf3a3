//! Starling's database schema, as an ordered list of sea-orm migrations.
//!
//! Every migration runs on both SQLite and PostgreSQL, so it is written with the
//! sea-query schema builders; raw SQL appears only where both backends accept the same
//! text. One migration per schema change: never edit a migration that has been released,
//! add a new one. See `migrations/README.md`.

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod m20261128_000001_initial;
mod m20261201_000001_reblog_lookup_index;
mod m20261201_000002_federation;
mod m20261201_000003_moderation;
mod m20261201_000004_user_tools;
mod m20261201_000005_blocklist_subscriptions;
mod m20261201_000006_severed_relationships;
mod m20261201_000007_account_actions;
mod m20261202_000001_held_posts;
mod m20261202_000002_notification_reports;
mod m20261204_000001_changes;

/// All migrations, oldest first.
#[derive(Debug)]
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_initial::Migration),
            Box::new(m20261201_000001_reblog_lookup_index::Migration),
            Box::new(m20261201_000002_federation::Migration),
            Box::new(m20261201_000003_moderation::Migration),
            Box::new(m20261201_000004_user_tools::Migration),
            Box::new(m20261201_000005_blocklist_subscriptions::Migration),
            Box::new(m20261201_000006_severed_relationships::Migration),
            Box::new(m20261201_000007_account_actions::Migration),
            Box::new(m20261202_000001_held_posts::Migration),
            Box::new(m20261202_000002_notification_reports::Migration),
            Box::new(m20261204_000001_changes::Migration),
        ]
    }
}
