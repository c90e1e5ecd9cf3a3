//! Account moderation: warnings sent with account actions, and what registrations await.
//!
//! `account_warnings` is Mastodon's table of the same name ("strikes"): one row per
//! account action taken by a moderator (API) or, with a reason, by the command line.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("account_warnings")
                .col(big_integer("id").primary_key())
                // The moderator's account; null for the command line.
                .col(big_integer_null("account_id"))
                // Who the action was taken against.
                .col(big_integer("target_account_id"))
                // `none`, `disable`, `sensitive`, `silence` or `suspend`.
                .col(text("action"))
                // The moderator's words to the account (may be empty).
                .col(text("text").default(""))
                // The report the action answers, if any.
                .col(big_integer_null("report_id"))
                // JSON list of the reported statuses' ids.
                .col(text("status_ids").default("[]"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("account_warnings_target")
                .table("account_warnings")
                .col("target_account_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("account_warnings").to_owned())
            .await
    }
}
