//! Group commit of received activities.
//!
//! Every accepted activity must be stored before its sender gets 202, and on SQLite
//! every commit queues for the one writer. One transaction per request would cap the
//! inbox at the writer's commit rate and starve the processor of the writer; instead the
//! requests that arrive while a commit runs wait together and are stored by the next
//! one, in a single transaction. Each request still learns whether its own activity was
//! new (stored) or a duplicate (its id was seen before), and nobody is answered before
//! the transaction holding their activity committed.
//!
//! There is no background task: the first waiting request that gets the commit lock
//! commits everything queued, and those whose activity it stored find their answer
//! waiting when they get the lock in turn (tokio's mutex is fair, first come first
//! served). The commit itself runs on a task of its own, so a sender hanging up while
//! its request leads a commit cannot cancel it halfway.

use std::collections::HashSet;
use std::sync::Mutex;

use crate::entities::inbox_activity;
use sea_orm::{
    ActiveValue, DatabaseConnection, DbErr, EntityTrait, TransactionTrait, TryInsertResult,
};
use tokio::sync::oneshot;

use crate::error::{FedError, FedResult};

/// Activities stored by one transaction, at most.
const MAX_BATCH: usize = 512;

/// One activity waiting to be stored, and where its outcome goes.
struct Waiting {
    row: inbox_activity::ActiveModel,
    outcome: oneshot::Sender<Result<bool, String>>,
}

/// Activities waiting for the next group commit.
#[derive(Default)]
pub struct InboxQueue {
    waiting: Mutex<Vec<Waiting>>,
    commit: tokio::sync::Mutex<()>,
}

impl InboxQueue {
    /// Stores `row` in `inbox_activities` with the activities received at about the
    /// same time; `true` if it was new, `false` if its activity id was stored already.
    pub async fn insert(
        &self,
        conn: &DatabaseConnection,
        row: inbox_activity::ActiveModel,
    ) -> FedResult<bool> {
        let (outcome, mut answer) = oneshot::channel();
        self.lock_waiting().push(Waiting { row, outcome });
        let _turn = self.commit.lock().await;
        loop {
            // A commit that ran while this request waited for its turn may have stored
            // it; otherwise this request commits what is waiting, its own row included.
            match answer.try_recv() {
                Ok(result) => return result.map_err(FedError::Internal),
                Err(oneshot::error::TryRecvError::Closed) => {
                    return Err(FedError::Internal("the inbox commit was lost".into()));
                }
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let batch: Vec<Waiting> = {
                let mut waiting = self.lock_waiting();
                let n = waiting.len().min(MAX_BATCH);
                waiting.drain(..n).collect()
            };
            if batch.is_empty() {
                // The row left the queue with a commit still running: that of a request
                // that was dropped while it led (its commit task goes on).
                return match answer.await {
                    Ok(result) => result.map_err(FedError::Internal),
                    Err(_) => Err(FedError::Internal("the inbox commit was lost".into())),
                };
            }
            // Its own task: finishes even if this request is dropped.
            let _ = tokio::spawn(commit(conn.clone(), batch)).await;
        }
    }

    fn lock_waiting(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Stores `batch` in one transaction and answers each; if that fails, row by row, so
/// that one bad row cannot refuse the others.
async fn commit(conn: DatabaseConnection, batch: Vec<Waiting>) {
    let rows: Vec<inbox_activity::ActiveModel> = batch.iter().map(|w| w.row.clone()).collect();
    let outcomes = match insert_all(&conn, &rows).await {
        Ok(outcomes) => outcomes,
        Err(e) => {
            tracing::warn!(error = %e, n = rows.len(), "inbox group commit failed; storing one by one");
            let mut outcomes = Vec::with_capacity(rows.len());
            for row in rows {
                outcomes.push(insert_one(&conn, row).await.map_err(|e| e.to_string()));
            }
            outcomes
        }
    };
    for (waiting, outcome) in batch.into_iter().zip(outcomes) {
        let _ = waiting.outcome.send(outcome);
    }
}

/// Rows per `INSERT` (nine columns each, well under SQLite's variable limit).
const ROWS_PER_STATEMENT: usize = 256;

async fn insert_all(
    conn: &DatabaseConnection,
    rows: &[inbox_activity::ActiveModel],
) -> Result<Vec<Result<bool, String>>, DbErr> {
    let txn = conn.begin().await?;
    let mut inserted: HashSet<i64> = HashSet::new();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let keys = inbox_activity::Entity::insert_many(chunk.iter().cloned())
            .on_conflict_do_nothing_on([inbox_activity::Column::ActivityUri])
            .exec_with_returning_keys(&txn)
            .await?;
        if let TryInsertResult::Inserted(keys) = keys {
            inserted.extend(keys);
        }
    }
    txn.commit().await?;
    Ok(rows
        .iter()
        .map(|row| Ok(id_of(row).is_some_and(|id| inserted.contains(&id))))
        .collect())
}

fn id_of(row: &inbox_activity::ActiveModel) -> Option<i64> {
    match &row.id {
        ActiveValue::Set(id) | ActiveValue::Unchanged(id) => Some(*id),
        ActiveValue::NotSet => None,
    }
}

async fn insert_one(
    conn: &impl sea_orm::ConnectionTrait,
    row: inbox_activity::ActiveModel,
) -> Result<bool, DbErr> {
    let inserted = inbox_activity::Entity::insert(row)
        .on_conflict_do_nothing_on([inbox_activity::Column::ActivityUri])
        .exec_without_returning(conn)
        .await?;
    Ok(matches!(inserted, TryInsertResult::Inserted(n) if n > 0))
}
