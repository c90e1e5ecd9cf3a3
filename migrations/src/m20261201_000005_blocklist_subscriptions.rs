//! Blocklist subscriptions: sources of domain blocks fetched on a schedule, and their entries.
//! Each domain block records the source it came from (`domain_blocks.source_id`, null for
//! blocks made by a moderator).
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
                .table("blocklist_sources")
                .col(id_pk())
                .col(text("url"))
                // `auto`, `csv`, `mastodon` (the JSON of `/api/v1/instance/domain_blocks`)
                // or `plain` (one domain per line).
                .col(text("format").default("auto"))
                // The higher wins when two sources list one domain.
                .col(integer("priority").default(0))
                // New and changed entries wait for a moderator's approval.
                .col(boolean("review").default(false))
                // What happens when a domain leaves the list: `remove` (its block is
                // lifted) or `keep`.
                .col(text("retraction").default("remove"))
                // The severity of the domains of a plain list.
                .col(text("plain_severity").default("suspend"))
                .col(boolean("enabled").default(true))
                // For conditional requests: the list's `ETag` and `Last-Modified`.
                .col(text_null("etag"))
                .col(text_null("last_modified"))
                .col(timestamp_with_time_zone_null("last_fetched_at"))
                // `ok`, `unchanged` or `error`.
                .col(text_null("last_status"))
                .col(text_null("last_error"))
                .col(integer("entry_count").default(0))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("blocklist_sources_url")
                .table("blocklist_sources")
                .col("url")
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("blocklist_entries")
                .col(id_pk())
                // The source; its entries are deleted with it (by the code: no foreign
                // keys in this schema).
                .col(big_integer("source_id"))
                // Lower-case ASCII (punycode), as in `domain_blocks`.
                .col(text("domain"))
                // What the list says now.
                .col(text("severity"))
                .col(boolean("reject_media").default(false))
                .col(boolean("reject_reports").default(false))
                .col(text_null("public_comment"))
                .col(boolean("obfuscate").default(false))
                // `draft` (waiting for review), `approved`, `rejected` (by a moderator,
                // until the list changes the entry) or `retracted` (gone from a list whose
                // retraction is `keep`).
                .col(text("state"))
                // JSON of the values a moderator approved (or the list gave, without
                // review), which are what this entry puts in force; null when none are.
                .col(text_null("approved"))
                .col(ts("first_seen_at"))
                .col(ts("last_seen_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("blocklist_entries_source_domain")
                .table("blocklist_entries")
                .col("source_id")
                .col("domain")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("blocklist_entries_domain")
                .table("blocklist_entries")
                .col("domain")
                .to_owned(),
        )
        .await?;

        // Where an applied block came from; null for blocks made by a moderator.
        // Unsubscribing decides what becomes of the source's blocks.
        m.alter_table(
            Table::alter()
                .table("domain_blocks")
                .add_column(big_integer_null("source_id"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("domain_blocks_source")
                .table("domain_blocks")
                .col("source_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("domain_blocks_source")
                .table("domain_blocks")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("domain_blocks")
                .drop_column("source_id")
                .to_owned(),
        )
        .await?;
        for table in ["blocklist_entries", "blocklist_sources"] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
