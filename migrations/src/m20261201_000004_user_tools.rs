//! Users' own tools: mutes and user-level domain blocks.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn ts(name: &'static str) -> ColumnDef {
    timestamp_with_time_zone(name)
}

fn ts_null(name: &'static str) -> ColumnDef {
    timestamp_with_time_zone_null(name)
}

fn id_pk() -> ColumnDef {
    big_integer("id").primary_key().to_owned()
}

fn unique(
    table: &'static str,
    name: &'static str,
    cols: [&'static str; 2],
) -> IndexCreateStatement {
    Index::create()
        .name(name)
        .table(table)
        .col(cols[0])
        .col(cols[1])
        .unique()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // `account_id` mutes `target_account_id`: their posts and boosts leave its
        // timelines, and with `hide_notifications` their notifications too.
        m.create_table(
            Table::create()
                .table("mutes")
                .col(id_pk())
                .col(big_integer("account_id"))
                .col(big_integer("target_account_id"))
                .col(boolean("hide_notifications").default(true))
                // Null: until lifted.
                .col(ts_null("expires_at"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "mutes",
            "mutes_account_target",
            ["account_id", "target_account_id"],
        ))
        .await?;

        // `account_id` hides everything from accounts of `domain` (exact, normalised
        // as domain blocks are: lower-case ASCII, punycode).
        m.create_table(
            Table::create()
                .table("user_domain_blocks")
                .col(id_pk())
                .col(big_integer("account_id"))
                .col(text("domain"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "user_domain_blocks",
            "user_domain_blocks_account_domain",
            ["account_id", "domain"],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["user_domain_blocks", "mutes"] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
