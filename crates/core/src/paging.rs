//! Mastodon's id-based paging: `max_id` (older than), `since_id` (newer than, newest
//! first), `min_id` (newer than, immediately after it) and `limit`. Results are always
//! returned newest first; with `min_id` the query walks upwards and the page is reversed.

use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef, SelectStatement};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

/// One page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: u64,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            max_id: None,
            since_id: None,
            min_id: None,
            limit: 20,
        }
    }
}

impl Page {
    /// A first page of `limit` items.
    pub fn first(limit: u64) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }

    /// Whether the query walks upwards from `min_id` (and the result must be reversed).
    pub fn ascending(&self) -> bool {
        self.min_id.is_some()
    }

    /// Adds the bounds, order and limit to an entity query on the id column `col`.
    pub fn apply<E: EntityTrait>(&self, mut select: Select<E>, col: E::Column) -> Select<E> {
        if let Some(max) = self.max_id {
            select = select.filter(col.lt(max));
        }
        if let Some(since) = self.since_id {
            select = select.filter(col.gt(since));
        }
        if let Some(min) = self.min_id {
            select = select.filter(col.gt(min)).order_by_asc(col);
        } else {
            select = select.order_by_desc(col);
        }
        select.limit(self.limit)
    }

    /// The same for a hand-built query on the id column `col`.
    pub fn apply_stmt<C: IntoColumnRef + Clone>(&self, stmt: &mut SelectStatement, col: C) {
        if let Some(max) = self.max_id {
            stmt.and_where(Expr::col(col.clone()).lt(max));
        }
        if let Some(since) = self.since_id {
            stmt.and_where(Expr::col(col.clone()).gt(since));
        }
        if let Some(min) = self.min_id {
            stmt.and_where(Expr::col(col.clone()).gt(min));
            stmt.order_by(col, sea_orm::Order::Asc);
        } else {
            stmt.order_by(col, sea_orm::Order::Desc);
        }
        stmt.limit(self.limit);
    }

    /// Puts a fetched page newest first.
    pub fn finish<T>(&self, mut items: Vec<T>) -> Vec<T> {
        if self.ascending() {
            items.reverse();
        }
        items
    }
}
