//! Moderation: domain blocks and allows (Mastodon's model), and the audit log of
//! moderation actions.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn ts(name: &'static str) -> ColumnDef {
    timestamp_with_time_zone(name)
}

fn id_pk() -> ColumnDef {
    big_integer("id").primary_key().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("domain_blocks")
                .col(id_pk())
                // Lower-case ASCII (punycode), no trailing dot; covers its subdomains.
                .col(text("domain"))
                // `silence`, `suspend` or `noop`.
                .col(text("severity"))
                .col(boolean("reject_media").default(false))
                .col(boolean("reject_reports").default(false))
                .col(text_null("private_comment"))
                .col(text_null("public_comment"))
                .col(boolean("obfuscate").default(false))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("domain_blocks_domain")
                .table("domain_blocks")
                .col("domain")
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("domain_allows")
                .col(id_pk())
                .col(text("domain"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("domain_allows_domain")
                .table("domain_allows")
                .col("domain")
                .unique()
                .to_owned(),
        )
        .await?;

        // Who did what to whom, when and why: every moderation action.
        m.create_table(
            Table::create()
                .table("moderation_log")
                .col(id_pk())
                // The moderator's account; null for the command line.
                .col(big_integer_null("account_id"))
                // `domain_block.create`, `domain_block.update`, `account.suspend`, …
                .col(text("action"))
                // `domain_block`, `domain_allow`, `account`, `report`.
                .col(text("target_type"))
                // The target's id or domain.
                .col(text("target"))
                // JSON: what changed, and the moderator's reason when given.
                .col(text("details").default("{}"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("moderation_log_created")
                .table("moderation_log")
                .col("created_at")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["moderation_log", "domain_allows", "domain_blocks"] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
