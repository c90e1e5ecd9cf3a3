//! Posting a local status: validation, formatting, mentions, hashtags, media,
//! idempotency, counters, home feeds and notifications, all in one transaction.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter, Set};

use crate::accounts::{self, LocalAccount};
use crate::counters::{self, Counter};
use crate::entities::{
    account, idempotency_key, media_attachment, status, status_mention, status_tag, tag,
};
use crate::error::{CoreError, CoreResult, ValidationErrors};
use crate::events::{self, Event};
use crate::id::next_id;
use crate::instance::Instance;
use crate::text;

use super::{
    IDEMPOTENCY_WINDOW_MINUTES, NewStatus, REPLY_NOT_FOUND, Visibility, fan_out, is_valid_language,
};

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
    fan_out(txn, &[model.id]).await?;

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
