//! `changes`: what every process on the database must hear of at once (an account
//! suspended or reinstated, the domain rules changed), written in the transaction of
//! the change and read by each process's `starling_core::changes` poller.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("changes")
                // Time-sortable, like every id: the pollers read a recent range of it.
                .col(big_integer("id").primary_key())
                // `account_moderated`, `domain_rules`.
                .col(text("kind"))
                .col(big_integer_null("account_id"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("changes").to_owned())
            .await
    }
}
