//! The database handle: sea-orm over SQLite or PostgreSQL.
//!
//! SQLite allows one writer at a time. Rather than let concurrent transactions race for
//! the write lock and fail with `SQLITE_BUSY`, the store keeps two pools there: `write`
//! with a single connection (writers queue for it without error) and `read` with several
//! read-only connections, which WAL mode lets run beside the writer. On PostgreSQL both
//! names are the same pool.
//!
//! SQLite normally checkpoints its write-ahead log inside whichever commit crosses
//! 1,000 pages, so that one request pays for copying the log into the database file and
//! its `fsync`. Here a background task on a connection of its own runs a `PASSIVE`
//! checkpoint every [`CHECKPOINT_INTERVAL`], beside the writer and readers without
//! blocking either; the writer checkpoints itself only when the log passes 10,000
//! pages, which happens only under sustained bulk writes. Durability is unchanged: a
//! commit is durable once it is in the log.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::config::DatabaseConfig;
use crate::error::CoreError;

/// How often the SQLite write-ahead log is checkpointed in the background.
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// The writer's own automatic checkpoint, in pages of log (40 MB): a backstop that only
/// fires when sustained writes outrun the background checkpoint, which cannot finish
/// while the writer keeps appending, so that the log cannot grow without bound.
const WRITER_CHECKPOINT_PAGES: &str = "10000";

/// Connections to one instance's database.
#[derive(Clone, Debug)]
pub struct Store {
    /// For reads outside a write transaction.
    pub read: DatabaseConnection,
    /// For writes; on SQLite a single connection.
    pub write: DatabaseConnection,
    /// The SQLite checkpoint task; it stops when the last clone of the store is dropped.
    checkpointer: Option<Arc<Checkpointer>>,
}

/// Stops the background checkpoint task when dropped.
#[derive(Debug)]
struct Checkpointer(tokio::task::AbortHandle);

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Store {
    /// Opens the database at `url` (`sqlite://…` or `postgres://…`); SQLite files and
    /// their folder are created when missing.
    pub async fn connect(url: &str, config: &DatabaseConfig) -> Result<Self, CoreError> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url, config).await
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let unavailable = |e: sqlx::Error| {
                CoreError::Unavailable(format!("cannot connect to PostgreSQL: {e}"))
            };
            let options = PgConnectOptions::from_str(url)
                .map_err(|e| CoreError::Invalid(format!("bad PostgreSQL URL: {e}")))?;
            // One plain connection first: the pool retries a refused connection until
            // its acquire timeout and then reports only "pool timed out", hiding the
            // cause (connection refused, unknown database, bad password).
            let probe = tokio::time::timeout(
                Duration::from_secs(10),
                <sqlx::PgConnection as sqlx::Connection>::connect_with(&options),
            )
            .await
            .map_err(|_| {
                CoreError::Unavailable("cannot connect to PostgreSQL: timed out after 10s".into())
            })?
            .map_err(unavailable)?;
            let _ = sqlx::Connection::close(probe).await;
            let pool = PgPoolOptions::new()
                .max_connections(config.max_connections.max(2))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(unavailable)?;
            let conn = DatabaseConnection::from(pool);
            Ok(Self {
                read: conn.clone(),
                write: conn,
                checkpointer: None,
            })
        } else {
            Err(CoreError::Invalid(format!(
                "unsupported database URL {url:?}: use sqlite://… or postgres://…"
            )))
        }
    }

    async fn connect_sqlite(url: &str, config: &DatabaseConfig) -> Result<Self, CoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| CoreError::Invalid(format!("bad SQLite URL {url:?}: {e}")))?;
        if let Some(parent) = options.get_filename().parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                CoreError::Unavailable(format!(
                    "cannot create database folder {}: {e}",
                    parent.display()
                ))
            })?;
        }
        let synchronous = if config.sqlite_synchronous == "full" {
            SqliteSynchronous::Full
        } else {
            SqliteSynchronous::Normal
        };
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(false)
            .pragma("cache_size", "-16000")
            .pragma("temp_store", "memory")
            // After a checkpoint resets the log, shrink its file back to this size.
            .pragma("journal_size_limit", "67108864");
        let unavailable = |e: sqlx::Error| {
            CoreError::Unavailable(format!("cannot open SQLite database {url}: {e}"))
        };
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(
                options
                    .clone()
                    .create_if_missing(true)
                    .pragma("wal_autocheckpoint", WRITER_CHECKPOINT_PAGES),
            )
            .await
            .map_err(unavailable)?;
        let checkpoint = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(unavailable)?;
        let read = SqlitePoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.read_only(true))
            .await
            .map_err(unavailable)?;
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(CHECKPOINT_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&checkpoint)
                    .await
                {
                    tracing::warn!(error = %e, "SQLite checkpoint failed; retrying later");
                }
            }
        });
        Ok(Self {
            read: DatabaseConnection::from(read),
            write: DatabaseConnection::from(write),
            checkpointer: Some(Arc::new(Checkpointer(task.abort_handle()))),
        })
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), CoreError> {
        starling_migrations::Migrator::up(&self.write, None).await?;
        Ok(())
    }

    /// Names of migrations not yet applied.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, CoreError> {
        Ok(
            starling_migrations::Migrator::get_pending_migrations(&self.write)
                .await?
                .iter()
                .map(|m| m.name().to_string())
                .collect(),
        )
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<DatabaseTransaction, CoreError> {
        Ok(self.write.begin().await?)
    }

    pub fn backend(&self) -> DbBackend {
        self.write.get_database_backend()
    }

    /// Closes every connection (after a final WAL checkpoint on SQLite). Takes a
    /// reference so that shut-down works while request handlers still hold the store;
    /// they see closed pools afterwards.
    pub async fn close(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.0.abort();
        }
        // Readers first: a checkpoint cannot truncate the log while a reader uses it.
        let _ = self.read.close_by_ref().await;
        if self.backend() == DbBackend::Sqlite {
            let _ = self
                .write
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await;
        }
        let _ = self.write.close_by_ref().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_log_reaches_the_database_file_without_a_checkpointing_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let url = format!("sqlite://{}", path.display());
        let store = Store::connect(&url, &DatabaseConfig::default())
            .await
            .unwrap();
        store
            .write
            .execute_unprepared("CREATE TABLE t (v TEXT)")
            .await
            .unwrap();
        // Give the first checkpoint time to copy the table definition in.
        tokio::time::sleep(CHECKPOINT_INTERVAL * 2).await;
        let before = std::fs::metadata(&path).unwrap().len();
        // About 200 pages: far below the writer's own 10,000-page checkpoint, so only the
        // background task can move them into the database file.
        let row = "x".repeat(800);
        for _ in 0..1000 {
            store
                .write
                .execute_unprepared(&format!("INSERT INTO t VALUES ('{row}')"))
                .await
                .unwrap();
        }
        let deadline = std::time::Instant::now() + CHECKPOINT_INTERVAL * 10;
        while std::fs::metadata(&path).unwrap().len() <= before {
            assert!(
                std::time::Instant::now() < deadline,
                "the background checkpoint never ran"
            );
            tokio::time::sleep(CHECKPOINT_INTERVAL / 4).await;
        }
        store.close().await;
    }
}
