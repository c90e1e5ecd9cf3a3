//! Federation: remote key ids and aliases on accounts, conversations on statuses,
//! favourites, blocks, reports, edit history, the transactional outbox of domain events,
//! the persistent delivery queue with per-host health, the inbox of received activities,
//! and instance-wide settings (the instance actor's keys).
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

fn index(table: &'static str, name: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(*col);
    }
    index.to_owned()
}

async fn add_column(
    m: &SchemaManager<'_>,
    table: &'static str,
    col: ColumnDef,
) -> Result<(), DbErr> {
    // SQLite adds one column per ALTER TABLE.
    m.alter_table(Table::alter().table(table).add_column(col).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The id of the actor's key as it publishes it (`…#main-key`, `…/main-key`).
        add_column(m, "accounts", text_null("public_key_id")).await?;
        // JSON list of actor URIs (`alsoKnownAs`).
        add_column(
            m,
            "accounts",
            text("also_known_as").default("[]").to_owned(),
        )
        .await?;
        // ActivityPub `conversation`/`context` of a thread.
        add_column(m, "statuses", text_null("conversation")).await?;
        // Signature verification finds the signer by its key id.
        m.create_index(index(
            "accounts",
            "accounts_public_key_id",
            &["public_key_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("favourites")
                .col(id_pk())
                .col(big_integer("account_id"))
                .col(big_integer("status_id"))
                .col(text_null("uri"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "favourites",
                "favourites_account_status",
                &["account_id", "status_id"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_index(index("favourites", "favourites_status", &["status_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("blocks")
                .col(id_pk())
                .col(big_integer("account_id"))
                .col(big_integer("target_account_id"))
                .col(text_null("uri"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "blocks",
                "blocks_account_target",
                &["account_id", "target_account_id"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_index(index("blocks", "blocks_target", &["target_account_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("reports")
                .col(id_pk())
                .col(big_integer("account_id"))
                .col(big_integer("target_account_id"))
                .col(text("status_ids").default("[]"))
                .col(text("comment").default(""))
                .col(text("category").default("other"))
                .col(text("rule_ids").default("[]"))
                .col(boolean("forwarded").default(false))
                .col(text_null("uri"))
                .col(big_integer_null("assigned_account_id"))
                .col(big_integer_null("action_taken_by_account_id"))
                .col(ts_null("action_taken_at"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("reports", "reports_target", &["target_account_id"]))
            .await?;

        // One row per version of an edited status, oldest first (Mastodon's
        // `status_edits`): `GET /api/v1/statuses/:id/history`.
        m.create_table(
            Table::create()
                .table("status_edits")
                .col(id_pk())
                .col(big_integer("status_id"))
                .col(big_integer("account_id"))
                .col(text("text").default(""))
                .col(text("content").default(""))
                .col(text("spoiler_text").default(""))
                .col(boolean("sensitive").default(false))
                .col(text("media").default("[]"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "status_edits",
            "status_edits_status",
            &["status_id", "id"],
        ))
        .await?;

        // The transactional outbox: core writes an event in the same transaction as the
        // change; federation turns it into an activity and deliveries, then deletes it.
        m.create_table(
            Table::create()
                .table("outbox_events")
                .col(id_pk())
                .col(text("kind"))
                .col(big_integer("account_id"))
                .col(big_integer_null("subject_id"))
                .col(text("payload").default("{}"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;

        // An activity as it is sent, once, whatever the number of inboxes.
        m.create_table(
            Table::create()
                .table("outgoing_activities")
                .col(id_pk())
                .col(big_integer("account_id"))
                .col(text("uri"))
                .col(text("body"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;

        // The delivery queue: one row per (activity, inbox), deleted once delivered.
        m.create_table(
            Table::create()
                .table("deliveries")
                .col(id_pk())
                .col(big_integer("activity_id"))
                .col(text("inbox_url"))
                .col(text("host"))
                .col(integer("attempts").default(0))
                .col(ts("next_attempt_at"))
                .col(text_null("last_error"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("deliveries", "deliveries_host_id", &["host", "id"]))
            .await?;
        m.create_index(index("deliveries", "deliveries_activity", &["activity_id"]))
            .await?;
        m.create_index(index("deliveries", "deliveries_due", &["next_attempt_at"]))
            .await?;

        // Health of each remote host we deliver to.
        m.create_table(
            Table::create()
                .table("federation_hosts")
                .col(text("host").primary_key())
                .col(integer("consecutive_failures").default(0))
                .col(ts_null("first_failure_at"))
                .col(ts_null("last_failure_at"))
                .col(ts_null("last_success_at"))
                .col(ts_null("retry_at"))
                .col(text_null("last_error"))
                .col(big_integer("delivered_count").default(0))
                .col(big_integer("dropped_count").default(0))
                .col(ts("updated_at"))
                .to_owned(),
        )
        .await?;

        // Received activities: persisted before the inbox answers 202, processed from
        // here, kept a while for de-duplication by activity id.
        m.create_table(
            Table::create()
                .table("inbox_activities")
                .col(id_pk())
                .col(text_uniq("activity_uri"))
                .col(text("actor_uri"))
                .col(text("kind"))
                .col(text("body"))
                .col(integer("attempts").default(0))
                .col(ts("received_at"))
                .col(ts_null("processed_at"))
                .col(text_null("error"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "inbox_activities",
            "inbox_activities_pending",
            &["processed_at", "id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("settings")
                .col(text("key").primary_key())
                .col(text("value"))
                .col(ts("updated_at"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "settings",
            "inbox_activities",
            "federation_hosts",
            "deliveries",
            "outgoing_activities",
            "outbox_events",
            "status_edits",
            "reports",
            "blocks",
            "favourites",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        for (table, col) in [
            ("statuses", "conversation"),
            ("accounts", "also_known_as"),
            ("accounts", "public_key_id"),
        ] {
            m.alter_table(Table::alter().table(table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
