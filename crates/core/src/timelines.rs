//! Timelines: home (the reader's fanned-out feed), public (local / remote), hashtag and
//! account timelines, each paged by status id.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::{account, home_feed, status, status_mention, status_pin, status_tag, tag};
use crate::error::CoreResult;
use crate::follows;
use crate::hidden::Hidden;
use crate::instance::Instance;
use crate::paging::Page;
use crate::text;

/// The reader's home timeline, without what the reader chose not to see: posts and
/// boosts by accounts they block, are blocked by, mute or whose domain they block, boosts
/// of such accounts' posts, and posts mentioning an account they block or mute (as
/// Mastodon's feed filter). See [`crate::hidden`].
pub async fn home(inst: &Instance, reader: i64, page: &Page) -> CoreResult<Vec<status::Model>> {
    let conn = &inst.store.read;
    let hidden = Hidden::personal(reader);
    let (h, s, r, m) = (
        Alias::new("h"),
        Alias::new("s"),
        Alias::new("r"),
        Alias::new("m"),
    );
    let mut q = select_statuses(&s);
    q.join_as(
        JoinType::InnerJoin,
        home_feed::Entity,
        h.clone(),
        Expr::col((h.clone(), home_feed::Column::StatusId)).equals((s.clone(), status::Column::Id)),
    )
    .join_as(
        JoinType::LeftJoin,
        status::Entity,
        r.clone(),
        Expr::col((r.clone(), status::Column::Id)).equals((s.clone(), status::Column::ReblogOfId)),
    )
    .and_where(Expr::col((h.clone(), home_feed::Column::AccountId)).eq(reader))
    .cond_where(hidden.not_excluded((s.clone(), status::Column::AccountId)))
    .cond_where(
        Condition::any()
            .add(Expr::col((r.clone(), status::Column::Id)).is_null())
            .add(hidden.not_excluded((r.clone(), status::Column::AccountId))),
    );
    let mut mentions_hidden = Query::select();
    mentions_hidden
        .expr(Expr::val(1))
        .from_as(status_mention::Entity, m.clone())
        .and_where(
            Expr::col((m.clone(), status_mention::Column::StatusId))
                .equals((s.clone(), status::Column::Id))
                .or(Expr::col((m.clone(), status_mention::Column::StatusId))
                    .equals((s.clone(), status::Column::ReblogOfId))),
        )
        .and_where(Expr::col((m.clone(), status_mention::Column::Silent)).eq(false));
    let [blocking, muted] = crate::hidden::blocked_or_muted(reader);
    mentions_hidden.and_where(
        Expr::col((m.clone(), status_mention::Column::AccountId))
            .in_subquery(blocking)
            .or(Expr::col((m, status_mention::Column::AccountId)).in_subquery(muted)),
    );
    q.and_where(Expr::exists(mentions_hidden).not());
    page.apply_stmt(&mut q, (h, home_feed::Column::StatusId));
    Ok(page.finish(run(conn, &q).await?))
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
    /// The signed-in reader, whose blocks, mutes and domain blocks apply and who sees
    /// the limited accounts they follow.
    pub viewer: Option<i64>,
}

/// The statuses columns of alias `s`, for hand-built queries.
fn select_statuses(s: &Alias) -> SelectStatement {
    let mut q = Query::select();
    q.column((s.clone(), sea_orm::sea_query::Asterisk))
        .from_as(status::Entity, s.clone());
    q
}

/// Conditions every public timeline shares: public, not a boost, not a reply to someone
/// else, author not suspended, not hidden from the reader ([`crate::hidden`]: neither
/// excluded by the reader nor limited by the instance unless the reader follows them).
fn public_conditions(q: &mut SelectStatement, s: &Alias, filter: &PublicFilter, hidden: &Hidden) {
    let a = Alias::new("a");
    q.join_as(
        JoinType::InnerJoin,
        account::Entity,
        a.clone(),
        Expr::col((a.clone(), account::Column::Id)).equals((s.clone(), status::Column::AccountId)),
    )
    .and_where(Expr::col((a.clone(), account::Column::SuspendedAt)).is_null())
    .cond_where(hidden.not_limited(&a))
    .cond_where(hidden.not_excluded((s.clone(), status::Column::AccountId)))
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
    let hidden = Hidden::for_viewer(inst, filter.viewer).await?;
    let s = Alias::new("s");
    let mut q = select_statuses(&s);
    public_conditions(&mut q, &s, filter, &hidden);
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
    let hidden = Hidden::for_viewer(inst, filter.viewer).await?;
    public_conditions(&mut q, &s, filter, &hidden);
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
