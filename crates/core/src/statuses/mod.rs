//! Statuses: posting (validation, formatting, mentions, hashtags, media, idempotency,
//! home-feed fan-out and notifications, all in one transaction), who may see a status,
//! threads, pins and deletion.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect, Set,
};

use crate::accounts::{self, LocalAccount};
use crate::counters::{self, Counter};
use crate::entities::{
    account, favourite, follow, home_feed, idempotency_key, media_attachment, notification, status,
    status_mention, status_pin, status_tag, tag,
};
use crate::error::{CoreError, CoreResult, ValidationErrors};
use crate::events::{self, Event};
use crate::id::next_id;
use crate::instance::Instance;
pub use crate::languages::is_valid_language;
use crate::text;

pub mod edit;
pub mod inbound;

/// How long an `Idempotency-Key` is remembered (Mastodon: one hour).
pub const IDEMPOTENCY_WINDOW_MINUTES: i64 = 60;
/// Statuses an account may pin.
pub const MAX_PINS: u64 = 5;
/// Ancestors and descendants returned by a thread.
pub const MAX_ANCESTORS: usize = 40;
pub const MAX_DESCENDANTS: usize = 4096;
pub const MAX_DESCENDANTS_ANONYMOUS: usize = 60;
pub const MAX_DESCENDANT_DEPTH: usize = 20;

/// Who can see a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Everyone, in public timelines.
    Public,
    /// Everyone, but not in public timelines.
    Unlisted,
    /// Followers and mentioned accounts.
    Private,
    /// Mentioned accounts only.
    Direct,
}

impl Visibility {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Self::Public),
            "unlisted" => Some(Self::Unlisted),
            "private" => Some(Self::Private),
            "direct" => Some(Self::Direct),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Unlisted => "unlisted",
            Self::Private => "private",
            Self::Direct => "direct",
        }
    }

    /// Of a stored status (unknown values read as the most restrictive).
    pub fn of(status: &status::Model) -> Self {
        Self::parse(&status.visibility).unwrap_or(Self::Direct)
    }

    /// Public and unlisted statuses count as "distributable" (boostable, counted).
    pub fn is_distributable(self) -> bool {
        matches!(self, Self::Public | Self::Unlisted)
    }
}

/// A status as a local user submits it.
#[derive(Debug, Clone, Default)]
pub struct NewStatus {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: Option<bool>,
    /// `None`: the author's default.
    pub visibility: Option<Visibility>,
    pub language: Option<String>,
    pub in_reply_to_id: Option<i64>,
    pub media_ids: Vec<i64>,
    pub application_id: Option<i64>,
    pub idempotency_key: Option<String>,
}

/// Mastodon's answer when the status replied to cannot be seen.
pub const REPLY_NOT_FOUND: &str = "The post you are trying to reply to does not appear to exist.";

/// Posts a status for a local account.
pub async fn create(
    inst: &Instance,
    author: &LocalAccount,
    new: NewStatus,
) -> CoreResult<status::Model> {
    let account = &author.account;
    if let Some(key) = &new.idempotency_key
        && let Some(existing) = find_idempotent(inst, account.id, key).await?
    {
        return Ok(existing);
    }

    let CheckedText {
        text,
        spoiler_text,
        sensitive,
        language,
    } = check_text(
        inst,
        author,
        &new.text,
        &new.spoiler_text,
        new.sensitive,
        &[new.language.as_deref()],
        new.media_ids.len(),
    )?;

    let visibility = new
        .visibility
        .or_else(|| Visibility::parse(&author.user.default_visibility))
        .unwrap_or(Visibility::Public);

    let parent = match new.in_reply_to_id {
        Some(id) => {
            let parent = status::Entity::find_by_id(id).one(&inst.store.read).await?;
            match parent {
                Some(p)
                    if p.reblog_of_id.is_none()
                        && crate::visibility::can_view(inst, &p, Some(account.id)).await? =>
                {
                    Some(p)
                }
                _ => return Err(CoreError::NotFound.with_message(REPLY_NOT_FOUND)),
            }
        }
        None => None,
    };

    let mentioned = accounts::mention_links(inst, &text::extract_mentions(&text)).await?;
    let sensitive = sensitive
        || crate::moderation::content::screen_local(
            inst,
            account,
            &text,
            &spoiler_text,
            mentioned.len(),
        )
        .await?;
    let content = accounts::format_with_mentions(inst, &text, &mentioned, true, false);
    let hashtags = text::extract_hashtags(&text);
    let now = Utc::now();
    let id = next_id();
    let model = status::Model {
        id,
        uri: inst.urls.status(&account.username, id),
        url: Some(inst.urls.status_page(&account.username, id)),
        account_id: account.id,
        local: true,
        in_reply_to_id: parent.as_ref().map(|p| p.id),
        in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
        reblog_of_id: None,
        text,
        content,
        spoiler_text: spoiler_text.clone(),
        sensitive,
        visibility: visibility.as_str().into(),
        language: Some(language),
        application_id: new.application_id,
        has_media: !new.media_ids.is_empty(),
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        edited_at: None,
        conversation: Some(
            parent
                .as_ref()
                .and_then(|p| p.conversation.clone())
                .unwrap_or_else(|| inst.urls.conversation(id)),
        ),
        created_at: now,
        updated_at: now,
    };

    let txn = inst.store.begin().await?;
    match write_new_status(
        &txn,
        &model,
        &new.media_ids,
        &mentioned,
        &hashtags,
        new.idempotency_key.as_deref(),
    )
    .await
    {
        Ok(()) => {}
        Err(e) if e.is_unique_violation() && new.idempotency_key.is_some() => {
            // A concurrent request with the same key won; answer with its status.
            txn.rollback().await?;
            let key = new.idempotency_key.as_deref().unwrap_or_default();
            return find_idempotent(inst, account.id, key)
                .await?
                .ok_or(CoreError::Unprocessable("Duplicate request".into()));
        }
        Err(e) => return Err(e),
    }
    events::emit(
        &txn,
        account.id,
        &Event::StatusCreated {
            status_id: model.id,
        },
    )
    .await?;
    txn.commit().await?;
    inst.events_written();
    Ok(model)
}

/// A local status's text fields once [`check_text`] accepted them.
pub(crate) struct CheckedText {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub language: String,
}

/// The checks a local status's text passes when it is posted and when it is edited.
/// `languages` are tried before the author's defaults; `media_count` is the number of
/// distinct attachments.
pub(crate) fn check_text(
    inst: &Instance,
    author: &LocalAccount,
    text: &str,
    spoiler_text: &str,
    sensitive: Option<bool>,
    languages: &[Option<&str>],
    media_count: usize,
) -> CoreResult<CheckedText> {
    let mut text = text.trim().to_string();
    let mut spoiler_text = spoiler_text.trim().to_string();
    // Mastodon: a content warning makes the post sensitive, and a content warning
    // alone becomes the text.
    let sensitive = sensitive.unwrap_or(author.user.default_sensitive) || !spoiler_text.is_empty();
    if text.is_empty() && !spoiler_text.is_empty() {
        text = std::mem::take(&mut spoiler_text);
    }
    let limits = &inst.config.limits;
    let mut errors = ValidationErrors::default();
    if text.is_empty() && media_count == 0 {
        errors.add("text", "ERR_BLANK", "can't be blank");
    }
    let length = text::countable_length(&text) + text::char_count(&spoiler_text);
    if length > limits.max_post_chars {
        errors.add(
            "text",
            "ERR_TOO_LONG",
            format!("character limit of {} exceeded", limits.max_post_chars),
        );
    }
    if media_count > limits.max_media_attachments {
        errors.add(
            "media_attachments",
            "ERR_TOO_LONG",
            format!("must be at most {}", limits.max_media_attachments),
        );
    }
    // Mastodon's `valid_locale_cascade`: the first valid one of the requested language,
    // the user's default posting language, their locale and English; an unknown
    // language is skipped, not an error.
    let language = languages
        .iter()
        .copied()
        .chain([
            author.user.default_language.as_deref(),
            Some(author.user.locale.as_str()),
        ])
        .flatten()
        .find(|l| is_valid_language(l))
        .unwrap_or("en")
        .to_string();
    errors.into_result()?;
    Ok(CheckedText {
        text,
        spoiler_text,
        sensitive,
        language,
    })
}

async fn find_idempotent(
    inst: &Instance,
    account_id: i64,
    key: &str,
) -> CoreResult<Option<status::Model>> {
    let Some(row) = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::AccountId.eq(account_id))
        .filter(idempotency_key::Column::Key.eq(key))
        .filter(
            idempotency_key::Column::CreatedAt
                .gt(Utc::now() - Duration::minutes(IDEMPOTENCY_WINDOW_MINUTES)),
        )
        .one(&inst.store.write)
        .await?
    else {
        return Ok(None);
    };
    Ok(status::Entity::find_by_id(row.status_id)
        .one(&inst.store.write)
        .await?)
}

/// Everything a new local status writes, inside the caller's transaction.
async fn write_new_status(
    txn: &DatabaseTransaction,
    model: &status::Model,
    media_ids: &[i64],
    mentioned: &[(text::MentionRef, account::Model)],
    hashtags: &[String],
    idempotency_key: Option<&str>,
) -> CoreResult<()> {
    let author_id = model.account_id;
    if let Some(key) = idempotency_key {
        idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::AccountId.eq(author_id))
            .filter(
                idempotency_key::Column::CreatedAt
                    .lte(Utc::now() - Duration::minutes(IDEMPOTENCY_WINDOW_MINUTES)),
            )
            .exec(txn)
            .await?;
        idempotency_key::Entity::insert(
            idempotency_key::Model {
                account_id: author_id,
                key: key.to_string(),
                status_id: model.id,
                created_at: model.created_at,
            }
            .into_active_model(),
        )
        .exec_without_returning(txn)
        .await?;
    }

    status::Entity::insert(model.clone().into_active_model())
        .exec_without_returning(txn)
        .await?;

    if !media_ids.is_empty() {
        let attached = media_attachment::Entity::update_many()
            .col_expr(
                media_attachment::Column::StatusId,
                Expr::value(Some(model.id)),
            )
            .filter(media_attachment::Column::Id.is_in(media_ids.iter().copied()))
            .filter(media_attachment::Column::AccountId.eq(author_id))
            .filter(media_attachment::Column::StatusId.is_null())
            .exec(txn)
            .await?;
        if attached.rows_affected != media_ids.iter().collect::<HashSet<_>>().len() as u64 {
            return Err(CoreError::field(
                "media_ids",
                "ERR_INVALID",
                "must name your own media that is not attached to another post",
            ));
        }
    }

    let mut mention_ids = Vec::new();
    for (_, account) in mentioned {
        if mention_ids.contains(&account.id) {
            continue;
        }
        mention_ids.push(account.id);
        status_mention::Entity::insert(
            status_mention::Model {
                status_id: model.id,
                account_id: account.id,
                silent: false,
            }
            .into_active_model(),
        )
        .exec_without_returning(txn)
        .await?;
    }

    if !hashtags.is_empty() {
        let tag_ids = upsert_tags(txn, hashtags).await?;
        status_tag::Entity::insert_many(tag_ids.into_iter().map(|tag_id| {
            status_tag::Model {
                tag_id,
                status_id: model.id,
            }
            .into_active_model()
        }))
        .exec_without_returning(txn)
        .await?;
    }

    count_new_status(txn, model).await?;
    fan_out(txn, model, &mention_ids).await?;

    let local_mentions: Vec<i64> = mentioned
        .iter()
        .filter(|(_, a)| a.is_local() && a.id != author_id && a.suspended_at.is_none())
        .map(|(_, a)| a.id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    crate::notifications::notify_many(txn, &local_mentions, author_id, "mention", Some(model.id))
        .await?;
    Ok(())
}

/// The counters a new status adds to: its author's `statuses_count` and
/// `last_status_at` (not for direct messages), its parent's `replies_count` (when
/// distributable).
pub(crate) async fn count_new_status(
    txn: &DatabaseTransaction,
    model: &status::Model,
) -> CoreResult<()> {
    count_new_statuses(txn, std::slice::from_ref(model)).await
}

/// [`count_new_status`] for several new statuses: one statement per author and per
/// parent.
pub(crate) async fn count_new_statuses(
    txn: &DatabaseTransaction,
    models: &[status::Model],
) -> CoreResult<()> {
    let mut authors: HashMap<i64, (i32, chrono::DateTime<Utc>)> = HashMap::new();
    let mut parents: HashMap<i64, i32> = HashMap::new();
    for model in models {
        let visibility = Visibility::of(model);
        if visibility != Visibility::Direct {
            let entry = authors
                .entry(model.account_id)
                .or_insert((0, model.created_at));
            entry.0 += 1;
            entry.1 = std::cmp::Ord::max(entry.1, model.created_at);
        }
        if let Some(parent_id) = model.in_reply_to_id
            && visibility.is_distributable()
        {
            *parents.entry(parent_id).or_default() += 1;
        }
    }
    for (author_id, (n, last)) in authors {
        counters::posted(txn, author_id, n, last).await?;
    }
    counters::add_each(txn, Counter::Replies, &parents).await
}

/// Finds or creates tags by name; returns their ids.
pub(crate) async fn upsert_tags(
    txn: &DatabaseTransaction,
    names: &[String],
) -> CoreResult<Vec<i64>> {
    let now = Utc::now();
    let mut by_name: HashMap<String, String> = HashMap::new();
    for display in names {
        by_name
            .entry(text::normalize_tag(display))
            .or_insert_with(|| display.clone());
    }
    let insert = tag::Entity::insert_many(by_name.iter().map(|(name, display)| tag::ActiveModel {
        id: Set(next_id()),
        name: Set(name.clone()),
        display_name: Set(display.clone()),
        created_at: Set(now),
    }))
    .on_conflict_do_nothing_on([tag::Column::Name])
    .exec_without_returning(txn)
    .await;
    insert?;
    Ok(tag::Entity::find()
        .filter(tag::Column::Name.is_in(by_name.keys().cloned()))
        .all(txn)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect())
}

/// Writes the home-feed rows of a new status: its author, local followers (replies
/// only to followers who also follow the account replied to, as Mastodon does), and
/// for direct messages only the mentioned accounts that follow the author.
pub(crate) async fn fan_out(
    txn: &DatabaseTransaction,
    model: &status::Model,
    mention_ids: &[i64],
) -> CoreResult<()> {
    let author_is_local = account::Entity::find_by_id(model.account_id)
        .one(txn)
        .await?
        .is_some_and(|author| author.is_local());
    fan_out_by(txn, model, mention_ids, author_is_local).await
}

/// [`fan_out`] when the caller knows whether the author is local.
pub(crate) async fn fan_out_by(
    txn: &DatabaseTransaction,
    model: &status::Model,
    mention_ids: &[i64],
    author_is_local: bool,
) -> CoreResult<()> {
    let author_id = model.account_id;
    let feed_row = |account_id: i64| home_feed::ActiveModel {
        account_id: Set(account_id),
        status_id: Set(model.id),
        author_id: Set(author_id),
    };
    if author_is_local {
        home_feed::Entity::insert(feed_row(author_id))
            .on_conflict_do_nothing()
            .exec_without_returning(txn)
            .await?;
    }

    if Visibility::of(model) == Visibility::Direct {
        if mention_ids.is_empty() {
            return Ok(());
        }
        let followers: Vec<i64> = follow::Entity::find()
            .select_only()
            .column(follow::Column::AccountId)
            .inner_join_local_account()
            .filter(follow::Column::TargetAccountId.eq(author_id))
            .filter(follow::Column::AccountId.is_in(mention_ids.iter().copied()))
            .into_tuple()
            .all(txn)
            .await?;
        if !followers.is_empty() {
            home_feed::Entity::insert_many(followers.into_iter().map(feed_row))
                .on_conflict_do_nothing()
                .exec_without_returning(txn)
                .await?;
        }
        return Ok(());
    }

    let f = Alias::new("f");
    let a = Alias::new("a");
    let mut select = Query::select();
    select
        .column((f.clone(), follow::Column::AccountId))
        .expr(Expr::val(model.id))
        .expr(Expr::val(author_id))
        .from_as(follow::Entity, f.clone())
        .join_as(
            JoinType::InnerJoin,
            account::Entity,
            a.clone(),
            Expr::col((a.clone(), account::Column::Id))
                .equals((f.clone(), follow::Column::AccountId)),
        )
        .and_where(Expr::col((f.clone(), follow::Column::TargetAccountId)).eq(author_id))
        .and_where(Expr::col((a.clone(), account::Column::Domain)).is_null());
    if let Some(replied_to) = model.in_reply_to_account_id.filter(|id| *id != author_id) {
        let f2 = Alias::new("f2");
        let mut follows_replied_to = Query::select();
        follows_replied_to
            .expr(Expr::val(1))
            .from_as(follow::Entity, f2.clone())
            .and_where(
                Expr::col((f2.clone(), follow::Column::AccountId))
                    .equals((f.clone(), follow::Column::AccountId)),
            )
            .and_where(Expr::col((f2, follow::Column::TargetAccountId)).eq(replied_to));
        select.and_where(
            Expr::exists(follows_replied_to)
                .or(Expr::col((f.clone(), follow::Column::AccountId)).eq(replied_to)),
        );
    }
    insert_feed_rows(txn, select).await?;
    Ok(())
}

/// `INSERT INTO home_feeds (account_id, status_id, author_id) <select> ON CONFLICT DO
/// NOTHING`: home-feed rows from a query that yields those three columns.
pub(crate) async fn insert_feed_rows(
    txn: &DatabaseTransaction,
    select: sea_orm::sea_query::SelectStatement,
) -> CoreResult<()> {
    let insert = Query::insert()
        .into_table(home_feed::Entity)
        .columns([
            home_feed::Column::AccountId,
            home_feed::Column::StatusId,
            home_feed::Column::AuthorId,
        ])
        .select_from(select)
        .map_err(|e| CoreError::Internal(e.to_string()))?
        .on_conflict(
            OnConflict::columns([home_feed::Column::AccountId, home_feed::Column::StatusId])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    txn.execute(&insert).await?;
    Ok(())
}

/// Whether [`fan_out_remote_many`] can write the home-feed rows of `model`: a remote
/// status that is neither direct nor a reply to someone else, so that every local
/// follower of its author gets it.
pub(crate) fn feeds_all_followers(model: &status::Model) -> bool {
    Visibility::of(model) != Visibility::Direct
        && model
            .in_reply_to_account_id
            .is_none_or(|id| id == model.account_id)
}

/// [`fan_out_by`] for many stored remote statuses at once, each of which
/// [`feeds_all_followers`]: one `INSERT … SELECT` per chunk of ids instead of one per
/// status, so a batch of the inbox costs the single writer one statement.
pub(crate) async fn fan_out_remote_many(
    txn: &DatabaseTransaction,
    status_ids: &[i64],
) -> CoreResult<()> {
    let (s, f, a) = (Alias::new("s"), Alias::new("f"), Alias::new("a"));
    for chunk in status_ids.chunks(500) {
        let mut select = Query::select();
        select
            .column((f.clone(), follow::Column::AccountId))
            .column((s.clone(), status::Column::Id))
            .column((s.clone(), status::Column::AccountId))
            .from_as(status::Entity, s.clone())
            .join_as(
                JoinType::InnerJoin,
                follow::Entity,
                f.clone(),
                Expr::col((f.clone(), follow::Column::TargetAccountId))
                    .equals((s.clone(), status::Column::AccountId)),
            )
            .join_as(
                JoinType::InnerJoin,
                account::Entity,
                a.clone(),
                Expr::col((a.clone(), account::Column::Id))
                    .equals((f.clone(), follow::Column::AccountId)),
            )
            .and_where(Expr::col((s.clone(), status::Column::Id)).is_in(chunk.iter().copied()))
            .and_where(Expr::col((a.clone(), account::Column::Domain)).is_null());
        insert_feed_rows(txn, select).await?;
    }
    Ok(())
}

/// Join helper: restrict a follows query to local followers.
trait LocalFollowerJoin {
    fn inner_join_local_account(self) -> Self;
}

impl LocalFollowerJoin for sea_orm::Select<follow::Entity> {
    fn inner_join_local_account(self) -> Self {
        self.join(
            sea_orm::JoinType::InnerJoin,
            follow::Entity::belongs_to_account(),
        )
        .filter(account::Column::Domain.is_null())
    }
}

impl follow::Entity {
    fn belongs_to_account() -> sea_orm::RelationDef {
        follow::Entity::belongs_to(account::Entity)
            .from(follow::Column::AccountId)
            .to(account::Column::Id)
            .into()
    }
}

/// A status by id, whoever may see it.
pub async fn get(inst: &Instance, id: i64) -> CoreResult<status::Model> {
    status::Entity::find_by_id(id)
        .one(&inst.store.read)
        .await?
        .ok_or(CoreError::NotFound)
}

/// The thread around a status, as `viewer` may see it: ancestors oldest first, then
/// descendants in depth-first order.
pub async fn context(
    inst: &Instance,
    status: &status::Model,
    viewer: Option<i64>,
) -> CoreResult<(Vec<status::Model>, Vec<status::Model>)> {
    let conn = &inst.store.read;
    let mut ancestors = Vec::new();
    let mut next = status.in_reply_to_id;
    let mut seen = HashSet::from([status.id]);
    while let Some(id) = next {
        if ancestors.len() >= MAX_ANCESTORS || !seen.insert(id) {
            break;
        }
        let Some(parent) = status::Entity::find_by_id(id).one(conn).await? else {
            break;
        };
        next = parent.in_reply_to_id;
        ancestors.push(parent);
    }
    ancestors.reverse();

    let limit = if viewer.is_some() {
        MAX_DESCENDANTS
    } else {
        MAX_DESCENDANTS_ANONYMOUS
    };
    let mut found = Vec::new();
    let mut frontier = vec![status.id];
    for _ in 0..MAX_DESCENDANT_DEPTH {
        if frontier.is_empty() || found.len() >= limit {
            break;
        }
        let level = status::Entity::find()
            .filter(status::Column::InReplyToId.is_in(frontier.clone()))
            .filter(status::Column::ReblogOfId.is_null())
            .limit((limit - found.len()) as u64)
            .all(conn)
            .await?;
        frontier = level
            .iter()
            .map(|s| s.id)
            .filter(|id| seen.insert(*id))
            .collect();
        found.extend(level);
    }
    let mut descendants = depth_first(status.id, found);

    let visible_a = crate::visibility::visible_subset(conn, &ancestors, viewer).await?;
    let visible_d = crate::visibility::visible_subset(conn, &descendants, viewer).await?;
    ancestors.retain(|s| visible_a.contains(&s.id));
    descendants.retain(|s| visible_d.contains(&s.id));
    // Blocked, muted, domain-blocked and (unless followed) limited authors' posts.
    let authors: HashSet<i64> = ancestors
        .iter()
        .chain(&descendants)
        .map(|s| s.account_id)
        .collect();
    let hidden = crate::hidden::hidden_authors(inst, viewer, &authors).await?;
    ancestors.retain(|s| !hidden.contains(&s.account_id));
    descendants.retain(|s| !hidden.contains(&s.account_id));
    Ok((ancestors, descendants))
}

fn depth_first(root: i64, nodes: Vec<status::Model>) -> Vec<status::Model> {
    let mut by_parent: HashMap<i64, Vec<status::Model>> = HashMap::new();
    for n in nodes {
        by_parent
            .entry(n.in_reply_to_id.unwrap_or_default())
            .or_default()
            .push(n);
    }
    for kids in by_parent.values_mut() {
        kids.sort_by_key(|s| s.id);
    }
    let mut out = Vec::new();
    fn walk(
        id: i64,
        by_parent: &mut HashMap<i64, Vec<status::Model>>,
        out: &mut Vec<status::Model>,
    ) {
        if let Some(kids) = by_parent.remove(&id) {
            for kid in kids {
                let kid_id = kid.id;
                out.push(kid);
                walk(kid_id, by_parent, out);
            }
        }
    }
    walk(root, &mut by_parent, &mut out);
    out
}

/// Deletes a status of `author` with everything that hangs off it; returns the row as
/// it was.
pub async fn delete(inst: &Instance, author: &LocalAccount, id: i64) -> CoreResult<status::Model> {
    let status = status::Entity::find_by_id(id)
        .filter(status::Column::AccountId.eq(author.account.id))
        .one(&inst.store.read)
        .await?
        .ok_or(CoreError::NotFound)?;
    let files = media_files_of(&inst.store.read, &[status.id]).await?;
    let txn = inst.store.begin().await?;
    let event = deleted_event(&txn, &status).await?;
    delete_rows(&txn, std::slice::from_ref(&status)).await?;
    events::emit(&txn, author.account.id, &event).await?;
    txn.commit().await?;
    inst.events_written();
    for f in files {
        inst.media.remove(&f).await;
    }
    Ok(status)
}

/// The event announcing the deletion of `status` (or of a boost), computed while the
/// rows it names still exist.
pub(crate) async fn deleted_event(
    conn: &impl ConnectionTrait,
    status: &status::Model,
) -> CoreResult<Event> {
    let mentioned: Vec<i64> = status_mention::Entity::find()
        .select_only()
        .column(status_mention::Column::AccountId)
        .filter(status_mention::Column::StatusId.eq(status.id))
        .into_tuple()
        .all(conn)
        .await?;
    let original = match status.reblog_of_id {
        Some(id) => status::Entity::find_by_id(id).one(conn).await?,
        None => None,
    };
    Ok(Event::StatusDeleted {
        uri: status.uri.clone(),
        visibility: status.visibility.clone(),
        mentioned,
        reblog_of_author: original.as_ref().map(|o| o.account_id),
        reblog_of_uri: original.map(|o| o.uri),
    })
}

/// The stored files of the statuses' media, those their edits took off included.
pub(crate) async fn media_files_of(
    conn: &impl ConnectionTrait,
    status_ids: &[i64],
) -> CoreResult<Vec<String>> {
    let left_by_edits = edit::media_left_by_edits(conn, status_ids).await?;
    Ok(media_attachment::Entity::find()
        .filter(
            media_attachment::Column::StatusId
                .is_in(status_ids.iter().copied())
                .or(media_attachment::Column::Id.is_in(left_by_edits)),
        )
        .all(conn)
        .await?
        .into_iter()
        .flat_map(|m| m.file_path.into_iter().chain(m.preview_path))
        .collect())
}

/// Removes statuses, their boosts, and every row that refers to them, and fixes the
/// counters they contributed to.
pub(crate) async fn delete_rows(
    txn: &DatabaseTransaction,
    statuses: &[status::Model],
) -> CoreResult<()> {
    if statuses.is_empty() {
        return Ok(());
    }
    let mut all: Vec<status::Model> = statuses.to_vec();
    let boosts = status::Entity::find()
        .filter(status::Column::ReblogOfId.is_in(statuses.iter().map(|s| s.id)))
        .all(txn)
        .await?;
    all.extend(boosts);
    let ids: Vec<i64> = all.iter().map(|s| s.id).collect();

    let (mut authors, mut parents, mut originals) =
        (HashMap::new(), HashMap::new(), HashMap::new());
    for s in &all {
        let visibility = Visibility::of(s);
        if visibility != Visibility::Direct {
            *authors.entry(s.account_id).or_insert(0) -= 1;
        }
        if let (Some(parent), true) = (s.in_reply_to_id, visibility.is_distributable()) {
            *parents.entry(parent).or_insert(0) -= 1;
        }
        if let Some(original) = s.reblog_of_id {
            *originals.entry(original).or_insert(0) -= 1;
        }
    }
    counters::add_each(txn, Counter::Statuses, &authors).await?;
    counters::add_each(txn, Counter::Replies, &parents).await?;
    counters::add_each(txn, Counter::Reblogs, &originals).await?;
    home_feed::Entity::delete_many()
        .filter(home_feed::Column::StatusId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    favourite::Entity::delete_many()
        .filter(favourite::Column::StatusId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    // A boost's notification points at the original: remove the booster's.
    for boost in all.iter().filter(|s| s.reblog_of_id.is_some()) {
        notification::Entity::delete_many()
            .filter(notification::Column::FromAccountId.eq(boost.account_id))
            .filter(notification::Column::StatusId.eq(boost.reblog_of_id))
            .filter(notification::Column::Kind.eq("reblog"))
            .exec(txn)
            .await?;
    }
    notification::Entity::delete_many()
        .filter(notification::Column::StatusId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    status_mention::Entity::delete_many()
        .filter(status_mention::Column::StatusId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    status_tag::Entity::delete_many()
        .filter(status_tag::Column::StatusId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    status_pin::Entity::delete_many()
        .filter(status_pin::Column::StatusId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    let left_by_edits = edit::media_left_by_edits(txn, &ids).await?;
    media_attachment::Entity::delete_many()
        .filter(
            media_attachment::Column::StatusId
                .is_in(ids.clone())
                .or(media_attachment::Column::Id.is_in(left_by_edits)),
        )
        .exec(txn)
        .await?;
    crate::entities::status_edit::Entity::delete_many()
        .filter(crate::entities::status_edit::Column::StatusId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::StatusId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    status::Entity::delete_many()
        .filter(status::Column::Id.is_in(ids))
        .exec(txn)
        .await?;
    Ok(())
}

/// Deletes every status of an account (account deletion).
pub(crate) async fn delete_all_of_account(
    txn: &DatabaseTransaction,
    account_id: i64,
) -> CoreResult<()> {
    let statuses = status::Entity::find()
        .filter(status::Column::AccountId.eq(account_id))
        .all(txn)
        .await?;
    for chunk in statuses.chunks(500) {
        delete_rows(txn, chunk).await?;
    }
    // Favourites the account gave: counted down on the statuses, then removed.
    let favourited: Vec<i64> = favourite::Entity::find()
        .select_only()
        .column(favourite::Column::StatusId)
        .filter(favourite::Column::AccountId.eq(account_id))
        .into_tuple()
        .all(txn)
        .await?;
    counters::add(txn, Counter::Favourites, &favourited, -1).await?;
    favourite::Entity::delete_many()
        .filter(favourite::Column::AccountId.eq(account_id))
        .exec(txn)
        .await?;
    media_attachment::Entity::delete_many()
        .filter(media_attachment::Column::AccountId.eq(account_id))
        .exec(txn)
        .await?;
    home_feed::Entity::delete_many()
        .filter(home_feed::Column::AccountId.eq(account_id))
        .exec(txn)
        .await?;
    notification::Entity::delete_many()
        .filter(
            notification::Column::AccountId
                .eq(account_id)
                .or(notification::Column::FromAccountId.eq(account_id)),
        )
        .exec(txn)
        .await?;
    status_pin::Entity::delete_many()
        .filter(status_pin::Column::AccountId.eq(account_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Pins one of the author's own statuses to their profile.
pub async fn pin(inst: &Instance, author: &LocalAccount, id: i64) -> CoreResult<status::Model> {
    let status = get(inst, id).await?;
    if status.account_id != author.account.id || status.reblog_of_id.is_some() {
        return Err(CoreError::Unprocessable(
            "Validation failed: Status must be one of your own posts".into(),
        ));
    }
    if Visibility::of(&status) == Visibility::Direct {
        return Err(CoreError::Unprocessable(
            "Validation failed: Direct messages cannot be pinned".into(),
        ));
    }
    let txn = inst.store.begin().await?;
    let pins = status_pin::Entity::find()
        .filter(status_pin::Column::AccountId.eq(author.account.id))
        .count(&txn)
        .await?;
    let already = status_pin::Entity::find()
        .filter(status_pin::Column::AccountId.eq(author.account.id))
        .filter(status_pin::Column::StatusId.eq(id))
        .one(&txn)
        .await?;
    if already.is_none() {
        if pins >= MAX_PINS {
            return Err(CoreError::Unprocessable(
                "Validation failed: You have already pinned the maximum number of posts".into(),
            ));
        }
        status_pin::ActiveModel {
            id: Set(next_id()),
            account_id: Set(author.account.id),
            status_id: Set(id),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(status)
}

/// Unpins a status (a status that is not pinned is not an error).
pub async fn unpin(inst: &Instance, author: &LocalAccount, id: i64) -> CoreResult<status::Model> {
    let status = crate::visibility::get_status(inst, id, Some(author.account.id)).await?;
    status_pin::Entity::delete_many()
        .filter(status_pin::Column::AccountId.eq(author.account.id))
        .filter(status_pin::Column::StatusId.eq(id))
        .exec(&inst.store.write)
        .await?;
    Ok(status)
}

impl CoreError {
    /// A NotFound with Mastodon's specific wording for the case.
    pub fn with_message(self, message: &str) -> CoreError {
        match self {
            CoreError::NotFound => CoreError::NotFoundMessage(message.to_string()),
            other => other,
        }
    }
}
