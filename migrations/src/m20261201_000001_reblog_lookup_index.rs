//! Replaces the `statuses(reblog_of_id)` index with `statuses(reblog_of_id, account_id)`.
//!
//! Every page of statuses asks "which of these has the viewer boosted?"
//! (`account_id = viewer AND reblog_of_id IN (…)`). With only the single-column index,
//! SQLite walks all of the viewer's statuses through `statuses(account_id, id)` instead:
//! 5 ms per page for an account with 1,000 posts, against 40 µs with both columns in one
//! index. The new index serves every lookup the old one did.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("statuses_reblog_of_account")
                .table("statuses")
                .col("reblog_of_id")
                .col("account_id")
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("statuses_reblog_of")
                .table("statuses")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("statuses_reblog_of")
                .table("statuses")
                .col("reblog_of_id")
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("statuses_reblog_of_account")
                .table("statuses")
                .to_owned(),
        )
        .await
    }
}
