//! Relationships severed by a domain suspension, kept so that the affected users can see
//! which follows they lost (Mastodon's relationship severance events).
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
        // One moderation event that severed follows: a domain suspension.
        m.create_table(
            Table::create()
                .table("relationship_severance_events")
                .col(id_pk())
                // Mastodon's `type`: `domain_block` (the only one Starling produces yet).
                .col(text("kind"))
                // The blocked domain.
                .col(text("target_name"))
                // The list of severed relationships is gone (the block was lifted and
                // the rows cleaned up); counts stay.
                .col(boolean("purged").default(false))
                // Also the `suspended_at` stamped on the accounts this suspension
                // suspended, so that lifting it unsuspends exactly those.
                .col(ts("created_at"))
                // When the suspension ended and its accounts were unsuspended.
                .col(timestamp_with_time_zone_null("lifted_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("relationship_severance_events_target")
                .table("relationship_severance_events")
                .col("target_name")
                .to_owned(),
        )
        .await?;

        // What one local account lost in an event, with the notification that told it.
        m.create_table(
            Table::create()
                .table("account_relationship_severance_events")
                .col(id_pk())
                .col(big_integer("account_id"))
                .col(big_integer("event_id"))
                .col(big_integer_null("notification_id"))
                .col(big_integer("followers_count").default(0))
                .col(big_integer("following_count").default(0))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("account_severance_events_account")
                .table("account_relationship_severance_events")
                .col("account_id")
                .col("event_id")
                .unique()
                .to_owned(),
        )
        .await?;

        // Each severed follow, so that it can be listed, exported or followed again.
        m.create_table(
            Table::create()
                .table("severed_relationships")
                .col(id_pk())
                .col(big_integer("event_id"))
                .col(big_integer("local_account_id"))
                .col(big_integer("remote_account_id"))
                // `active`: the local account followed the remote one; `passive`: the
                // remote account followed the local one.
                .col(text("direction"))
                .col(boolean("show_reblogs").default(true))
                .col(boolean("notify").default(false))
                .col(text_null("languages"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("severed_relationships_event_local")
                .table("severed_relationships")
                .col("event_id")
                .col("local_account_id")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "severed_relationships",
            "account_relationship_severance_events",
            "relationship_severance_events",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
