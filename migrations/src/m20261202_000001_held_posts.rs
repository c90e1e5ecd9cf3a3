//! Posts held for review by the content policy (`action = "hold"`).
//!
//! A remote post (or an edit of one) that a hold rule matches is kept here, as it
//! arrived, instead of being stored: moderators release it (it is then stored as if it
//! had just come in) or discard it.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("held_posts")
                .col(big_integer("id").primary_key())
                // The post's ActivityPub id.
                .col(text("uri"))
                // `create` (a new post) or `update` (an edit of a stored one).
                .col(text("kind"))
                // The author's (remote) account.
                .col(big_integer("account_id"))
                // The rule that held it, and why.
                .col(text("rule"))
                .col(text("reason"))
                // The post as federation parsed it (JSON).
                .col(text("post"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        // One held version per post and kind: a later edit replaces an earlier one.
        m.create_index(
            Index::create()
                .name("held_posts_uri_kind")
                .table("held_posts")
                .col("uri")
                .col("kind")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("held_posts_account")
                .table("held_posts")
                .col("account_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("held_posts").to_owned())
            .await
    }
}
