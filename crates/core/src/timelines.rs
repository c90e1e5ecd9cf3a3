//! Timelines: home (the reader's fanned-out feed), public (local / remote), hashtag and
//! account timelines, each paged by status id.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::entities::{account, home_feed, status, status_mention, status_pin, status_tag, tag};
use crate::error::CoreResult;
use crate::follows;
use crate::instance::Instance;
use crate::paging::Page;
use crate::text;

/// Loads statuses by id, keeping the order of `ids`.
async fn statuses_in_order(
    conn: &impl ConnectionTrait,
    ids: Vec<i64>,
) -> CoreResult<Vec<status::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = status::Entity::find()
        .filter(status::Column::Id.is_in(ids.clone()))
        .all(conn)
        .await?;
    let position: std::collections::HashMap<i64, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_by_key(|s| position.get(&s.id).copied().unwrap_or(usize::MAX));
    Ok(rows)
}

/// The reader's home timeline.
pub async fn home(inst: &Instance, reader: i64, page: &Page) -> CoreResult<Vec<status::Model>> {
    let conn = &inst.store.read;
    let ids: Vec<i64> = page
        .apply(
            home_feed::Entity::find().filter(home_feed::Column::AccountId.eq(reader)),
            home_feed::Column::StatusId,
        )
        .select_only()
        .column(home_feed::Column::StatusId)
        .into_tuple()
        .all(conn)
        .await?;
    statuses_in_order(conn, page.finish(ids)).await
}

/// Filters of the public timelines.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicFilter {
    /// Only statuses from this instance.
    pub local: bool,
    /// Only statuses from other instances.
    pub remote: bool,
    /// Only statuses with media.
    pub only_media: bool,
}

/// The statuses columns of alias `s`, for hand-built queries.
fn select_statuses(s: &Alias) -> SelectStatement {
    let mut q = Query::select();
    q.column((s.clone(), sea_orm::sea_query::Asterisk))
        .from_as(status::Entity, s.clone());
    q
}

/// Conditions every public timeline shares: public, not a boost, not a reply to someone
/// else, author not suspended.
fn public_conditions(q: &mut SelectStatement, s: &Alias, filter: &PublicFilter) {
    let a = Alias::new("a");
    q.join_as(
        JoinType::InnerJoin,
        account::Entity,
        a.clone(),
        Expr::col((a.clone(), account::Column::Id)).equals((s.clone(), status::Column::AccountId)),
    )
    .and_where(Expr::col((a, account::Column::SuspendedAt)).is_null())
    .and_where(Expr::col((s.clone(), status::Column::Visibility)).eq("public"))
    .and_where(Expr::col((s.clone(), status::Column::ReblogOfId)).is_null())
    .and_where(
        Expr::col((s.clone(), status::Column::InReplyToAccountId))
            .is_null()
            .or(Expr::col((s.clone(), status::Column::InReplyToAccountId))
                .equals((s.clone(), status::Column::AccountId))),
    );
    if filter.local {
        q.and_where(Expr::col((s.clone(), status::Column::Local)).eq(true));
    }
    if filter.remote {
        q.and_where(Expr::col((s.clone(), status::Column::Local)).eq(false));
    }
    if filter.only_media {
        q.and_where(Expr::col((s.clone(), status::Column::HasMedia)).eq(true));
    }
}

async fn run(conn: &impl ConnectionTrait, q: &SelectStatement) -> CoreResult<Vec<status::Model>> {
    let stmt = conn.get_database_backend().build(q);
    Ok(status::Entity::find().from_raw_sql(stmt).all(conn).await?)
}

/// The federated (or local, or remote) public timeline.
pub async fn public(
    inst: &Instance,
    filter: &PublicFilter,
    page: &Page,
) -> CoreResult<Vec<status::Model>> {
    let s = Alias::new("s");
    let mut q = select_statuses(&s);
    public_conditions(&mut q, &s, filter);
    page.apply_stmt(&mut q, (s, status::Column::Id));
    Ok(page.finish(run(&inst.store.read, &q).await?))
}

/// Public statuses with a hashtag (looked up by its normalised name).
pub async fn tag(
    inst: &Instance,
    name: &str,
    filter: &PublicFilter,
    page: &Page,
) -> CoreResult<Vec<status::Model>> {
    let conn = &inst.store.read;
    let Some(tag) = tag::Entity::find()
        .filter(tag::Column::Name.eq(text::normalize_tag(name)))
        .one(conn)
        .await?
    else {
        return Ok(Vec::new());
    };
    let s = Alias::new("s");
    let st = Alias::new("st");
    let mut q = select_statuses(&s);
    q.join_as(
        JoinType::InnerJoin,
        status_tag::Entity,
        st.clone(),
        Expr::col((st.clone(), status_tag::Column::StatusId))
            .equals((s.clone(), status::Column::Id)),
    )
    .and_where(Expr::col((st.clone(), status_tag::Column::TagId)).eq(tag.id));
    public_conditions(&mut q, &s, filter);
    page.apply_stmt(&mut q, (st, status_tag::Column::StatusId));
    Ok(page.finish(run(conn, &q).await?))
}

/// Filters of an account's statuses.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    pub pinned: bool,
    /// Leave out replies to others (self-replies, i.e. threads, stay).
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    pub only_media: bool,
    /// Only statuses with this hashtag.
    pub tagged: Option<String>,
}

/// `target`'s statuses as `viewer` may see them: everything for the owner; public,
/// unlisted and (for followers) private ones for others, plus any that mention them.
pub async fn account_statuses(
    inst: &Instance,
    target: &account::Model,
    viewer: Option<i64>,
    filter: &AccountFilter,
    page: &Page,
) -> CoreResult<Vec<status::Model>> {
    let conn = &inst.store.read;
    if target.suspended_at.is_some() && viewer != Some(target.id) {
        return Ok(Vec::new());
    }
    let s = Alias::new("s");
    let mut q = select_statuses(&s);
    q.and_where(Expr::col((s.clone(), status::Column::AccountId)).eq(target.id));

    if viewer != Some(target.id) {
        let mut allowed = vec!["public", "unlisted"];
        if let Some(viewer) = viewer
            && follows::is_following(conn, viewer, target.id).await?
        {
            allowed.push("private");
        }
        let mut condition = Expr::col((s.clone(), status::Column::Visibility)).is_in(allowed);
        if let Some(viewer) = viewer {
            let mut mentioning = Query::select();
            mentioning
                .column(status_mention::Column::StatusId)
                .from(status_mention::Entity)
                .and_where(Expr::col(status_mention::Column::AccountId).eq(viewer));
            condition =
                condition.or(Expr::col((s.clone(), status::Column::Id)).in_subquery(mentioning));
        }
        q.and_where(condition);
    }
    if filter.pinned {
        let mut pinned = Query::select();
        pinned
            .column(status_pin::Column::StatusId)
            .from(status_pin::Entity)
            .and_where(Expr::col(status_pin::Column::AccountId).eq(target.id));
        q.and_where(Expr::col((s.clone(), status::Column::Id)).in_subquery(pinned));
    }
    if filter.exclude_replies {
        q.and_where(
            Expr::col((s.clone(), status::Column::InReplyToAccountId))
                .is_null()
                .or(Expr::col((s.clone(), status::Column::InReplyToAccountId)).eq(target.id)),
        );
    }
    if filter.exclude_reblogs {
        q.and_where(Expr::col((s.clone(), status::Column::ReblogOfId)).is_null());
    }
    if filter.only_media {
        q.and_where(Expr::col((s.clone(), status::Column::HasMedia)).eq(true));
    }
    if let Some(tagged) = &filter.tagged {
        let mut with_tag = Query::select();
        with_tag
            .column((Alias::new("st"), status_tag::Column::StatusId))
            .from_as(status_tag::Entity, Alias::new("st"))
            .join_as(
                JoinType::InnerJoin,
                tag::Entity,
                Alias::new("t"),
                Expr::col((Alias::new("t"), tag::Column::Id))
                    .equals((Alias::new("st"), status_tag::Column::TagId)),
            )
            .and_where(
                Expr::col((Alias::new("t"), tag::Column::Name)).eq(text::normalize_tag(tagged)),
            );
        q.and_where(Expr::col((s.clone(), status::Column::Id)).in_subquery(with_tag));
    }
    page.apply_stmt(&mut q, (s, status::Column::Id));
    Ok(page.finish(run(conn, &q).await?))
}
