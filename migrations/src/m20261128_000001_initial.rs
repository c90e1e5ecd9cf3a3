//! The initial schema: accounts and their logins, OAuth, statuses with their mentions,
//! tags, pins and media, follows, home feeds, notifications and idempotency keys.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `timestamp with time zone`, not null.
fn ts(name: &'static str) -> ColumnDef {
    timestamp_with_time_zone(name)
}

/// `timestamp with time zone`, nullable.
fn ts_null(name: &'static str) -> ColumnDef {
    timestamp_with_time_zone_null(name)
}

fn flag(name: &'static str, default: bool) -> ColumnDef {
    boolean(name).default(default).to_owned()
}

fn counter(name: &'static str) -> ColumnDef {
    big_integer(name).default(0).to_owned()
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

fn unique_index(
    table: &'static str,
    name: &'static str,
    cols: &[&'static str],
) -> IndexCreateStatement {
    index(table, name, cols).unique().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Local and remote actors. `acct_key` is the lower-cased `username` (local) or
        // `username@domain` (remote): the case-insensitive unique handle.
        m.create_table(
            Table::create()
                .table("accounts")
                .col(id_pk())
                .col(text("username"))
                .col(text_null("domain"))
                .col(text_uniq("acct_key"))
                .col(text("display_name").default(""))
                .col(text("note").default(""))
                .col(text("note_source").default(""))
                .col(text("fields").default("[]"))
                .col(flag("locked", false))
                .col(flag("bot", false))
                .col(flag("discoverable", true))
                .col(flag("indexable", false))
                .col(flag("hide_collections", false))
                .col(text("actor_type").default("Person"))
                .col(text_null("avatar_file"))
                .col(text_null("avatar_remote_url"))
                .col(text_null("header_file"))
                .col(text_null("header_remote_url"))
                .col(text_uniq("uri"))
                .col(text_null("url"))
                .col(text_null("inbox_url"))
                .col(text_null("shared_inbox_url"))
                .col(text_null("outbox_url"))
                .col(text_null("followers_url"))
                .col(text_null("following_url"))
                .col(text_null("featured_url"))
                .col(text("public_key_pem"))
                .col(text_null("private_key_pem"))
                .col(counter("followers_count"))
                .col(counter("following_count"))
                .col(counter("statuses_count"))
                .col(ts_null("last_status_at"))
                .col(ts_null("suspended_at"))
                .col(ts_null("silenced_at"))
                .col(ts_null("sensitized_at"))
                .col(ts_null("fetched_at"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("accounts", "accounts_domain", &["domain"]))
            .await?;

        // Local logins.
        m.create_table(
            Table::create()
                .table("users")
                .col(id_pk())
                .col(big_integer_uniq("account_id"))
                .col(text_uniq("email"))
                .col(text("password_hash"))
                .col(text("role").default("user"))
                .col(flag("approved", true))
                .col(flag("disabled", false))
                .col(text("locale").default("en"))
                .col(text("registration_reason").default(""))
                .col(text("default_visibility").default("public"))
                .col(flag("default_sensitive", false))
                .col(text_null("default_language"))
                .col(ts_null("confirmed_at"))
                .col(ts_null("last_sign_in_at"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("oauth_applications")
                .col(id_pk())
                .col(text("name"))
                .col(text_null("website"))
                .col(text("redirect_uris"))
                .col(text("scopes"))
                .col(text_uniq("client_id"))
                .col(text("client_secret"))
                .col(big_integer_null("owner_user_id"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("oauth_authorization_codes")
                .col(id_pk())
                .col(text_uniq("code_hash"))
                .col(big_integer("application_id"))
                .col(big_integer("user_id"))
                .col(text("redirect_uri"))
                .col(text("scopes"))
                .col(text_null("code_challenge"))
                .col(text_null("code_challenge_method"))
                .col(ts("expires_at"))
                .col(ts_null("used_at"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;

        // Tokens are stored as SHA-256 digests: a leaked database does not leak sessions.
        m.create_table(
            Table::create()
                .table("oauth_access_tokens")
                .col(id_pk())
                .col(text_uniq("token_hash"))
                .col(big_integer("application_id"))
                .col(big_integer_null("user_id"))
                .col(text("scopes"))
                .col(ts_null("expires_at"))
                .col(ts_null("revoked_at"))
                .col(ts_null("last_used_at"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "oauth_access_tokens",
            "oauth_access_tokens_user",
            &["user_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("web_sessions")
                .col(id_pk())
                .col(text_uniq("token_hash"))
                .col(text("csrf_token"))
                .col(big_integer("user_id"))
                .col(ts("expires_at"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("statuses")
                .col(id_pk())
                .col(text_uniq("uri"))
                .col(text_null("url"))
                .col(big_integer("account_id"))
                .col(flag("local", true))
                .col(big_integer_null("in_reply_to_id"))
                .col(big_integer_null("in_reply_to_account_id"))
                .col(big_integer_null("reblog_of_id"))
                .col(text("text").default(""))
                .col(text("content").default(""))
                .col(text("spoiler_text").default(""))
                .col(flag("sensitive", false))
                .col(text("visibility"))
                .col(text_null("language"))
                .col(big_integer_null("application_id"))
                .col(flag("has_media", false))
                .col(counter("replies_count"))
                .col(counter("reblogs_count"))
                .col(counter("favourites_count"))
                .col(ts_null("edited_at"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "statuses",
            "statuses_account_id_id",
            &["account_id", "id"],
        ))
        .await?;
        m.create_index(index(
            "statuses",
            "statuses_in_reply_to",
            &["in_reply_to_id"],
        ))
        .await?;
        m.create_index(index("statuses", "statuses_reblog_of", &["reblog_of_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("status_mentions")
                .col(big_integer("status_id"))
                .col(big_integer("account_id"))
                .col(flag("silent", false))
                .primary_key(Index::create().col("status_id").col("account_id"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "status_mentions",
            "status_mentions_account",
            &["account_id", "status_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("tags")
                .col(id_pk())
                .col(text_uniq("name"))
                .col(text("display_name"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("status_tags")
                .col(big_integer("tag_id"))
                .col(big_integer("status_id"))
                .primary_key(Index::create().col("tag_id").col("status_id"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("status_tags", "status_tags_status", &["status_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("status_pins")
                .col(id_pk())
                .col(big_integer("account_id"))
                .col(big_integer("status_id"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique_index(
            "status_pins",
            "status_pins_account_status",
            &["account_id", "status_id"],
        ))
        .await?;
        m.create_index(index("status_pins", "status_pins_status", &["status_id"]))
            .await?;

        for table in ["follows", "follow_requests"] {
            m.create_table(
                Table::create()
                    .table(table)
                    .col(id_pk())
                    .col(big_integer("account_id"))
                    .col(big_integer("target_account_id"))
                    .col(flag("show_reblogs", true))
                    .col(flag("notify", false))
                    .col(text_null("languages"))
                    .col(text_null("uri"))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(unique_index(
            "follows",
            "follows_account_target",
            &["account_id", "target_account_id"],
        ))
        .await?;
        m.create_index(index(
            "follows",
            "follows_target",
            &["target_account_id", "account_id"],
        ))
        .await?;
        m.create_index(unique_index(
            "follow_requests",
            "follow_requests_account_target",
            &["account_id", "target_account_id"],
        ))
        .await?;
        m.create_index(index(
            "follow_requests",
            "follow_requests_target",
            &["target_account_id", "id"],
        ))
        .await?;

        // Fan-out on write: one row per (reader, status) for local readers' home timelines.
        m.create_table(
            Table::create()
                .table("home_feed")
                .col(big_integer("account_id"))
                .col(big_integer("status_id"))
                .col(big_integer("author_id"))
                .primary_key(Index::create().col("account_id").col("status_id"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("home_feed", "home_feed_status", &["status_id"]))
            .await?;
        m.create_index(index(
            "home_feed",
            "home_feed_account_author",
            &["account_id", "author_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("notifications")
                .col(id_pk())
                .col(big_integer("account_id"))
                .col(big_integer("from_account_id"))
                .col(text("kind"))
                .col(big_integer_null("status_id"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "notifications",
            "notifications_account_id",
            &["account_id", "id"],
        ))
        .await?;
        m.create_index(index(
            "notifications",
            "notifications_status",
            &["status_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("media_attachments")
                .col(id_pk())
                .col(big_integer("account_id"))
                .col(big_integer_null("status_id"))
                .col(text("kind"))
                .col(text_null("file_path"))
                .col(text_null("preview_path"))
                .col(text_null("remote_url"))
                .col(text_null("content_type"))
                .col(big_integer("file_size").default(0))
                .col(text("meta").default("{}"))
                .col(text_null("description"))
                .col(text_null("blurhash"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "media_attachments",
            "media_attachments_status",
            &["status_id"],
        ))
        .await?;
        m.create_index(index(
            "media_attachments",
            "media_attachments_account",
            &["account_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("idempotency_keys")
                .col(big_integer("account_id"))
                .col(text("key"))
                .col(big_integer("status_id"))
                .col(ts("created_at"))
                .primary_key(Index::create().col("account_id").col("key"))
                .to_owned(),
        )
        .await?;

        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "idempotency_keys",
            "media_attachments",
            "notifications",
            "home_feed",
            "follow_requests",
            "follows",
            "status_pins",
            "status_tags",
            "tags",
            "status_mentions",
            "statuses",
            "web_sessions",
            "oauth_access_tokens",
            "oauth_authorization_codes",
            "oauth_applications",
            "users",
            "accounts",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
