//! Remote accounts: the local copy of actors on other servers, written from their
//! ActivityPub documents (the federation crate parses those and calls [`upsert`]).
//!
//! Everything that came from elsewhere is cleaned here, once: HTML is sanitised, text
//! lengths are capped, and an actor can never claim a local handle.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect, Set,
};

use super::ProfileField;
use crate::entities::{account, follow};
use crate::error::{CoreError, CoreResult};
use crate::id::next_id;
use crate::instance::Instance;
use crate::text;

/// Longest remote display name, bio and field kept (in characters); longer ones are cut.
const MAX_REMOTE_NAME: usize = 200;
const MAX_REMOTE_NOTE: usize = 20_000;
const MAX_REMOTE_FIELDS: usize = 16;

/// An actor as another server describes it.
#[derive(Debug, Clone, Default)]
pub struct RemoteActor {
    pub uri: String,
    /// `preferredUsername` (or a fallback the caller derived from the id).
    pub username: String,
    /// The account's domain (`host[:port]`), as its address shows it.
    pub domain: String,
    pub display_name: String,
    /// Bio as remote HTML; sanitised here.
    pub note_html: String,
    /// Profile fields, values as remote HTML.
    pub fields: Vec<(String, String)>,
    pub locked: bool,
    /// `Person`, `Service`, `Application`, `Group`, `Organization`.
    pub actor_type: String,
    pub discoverable: bool,
    pub indexable: bool,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    pub url: Option<String>,
    pub inbox: Option<String>,
    pub shared_inbox: Option<String>,
    pub outbox: Option<String>,
    pub followers: Option<String>,
    pub following: Option<String>,
    pub featured: Option<String>,
    pub public_key_pem: String,
    pub public_key_id: Option<String>,
    pub also_known_as: Vec<String>,
    pub published: Option<DateTime<Utc>>,
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Creates or refreshes the local copy of a remote actor, found by its id. An actor that
/// takes over the address of another stored actor (a server reinstalled, an account
/// re-created) replaces it.
pub async fn upsert(inst: &Instance, actor: RemoteActor) -> CoreResult<account::Model> {
    if actor.uri.is_empty() || actor.username.is_empty() || actor.domain.is_empty() {
        return Err(CoreError::Invalid(
            "an actor needs an id, a username and a domain".into(),
        ));
    }
    if actor.domain.eq_ignore_ascii_case(inst.domain()) {
        return Err(CoreError::Invalid(
            "a remote actor cannot use this instance's domain".into(),
        ));
    }
    let domain = actor.domain.to_lowercase();
    let acct_key = format!("{}@{domain}", actor.username.to_lowercase());
    let fields: Vec<ProfileField> = actor
        .fields
        .iter()
        .take(MAX_REMOTE_FIELDS)
        .map(|(name, value)| ProfileField {
            name: cut(&text::strip_tags(name), MAX_REMOTE_NAME),
            value: text::sanitize_html(&cut(value, MAX_REMOTE_NOTE)),
            value_source: None,
            verified_at: None,
        })
        .collect();
    let now = Utc::now();
    let existing = match find_by_uri(inst, &actor.uri).await? {
        Some(a) => Some(a),
        None => {
            account::Entity::find()
                .filter(account::Column::AcctKey.eq(acct_key.clone()))
                .one(&inst.store.write)
                .await?
        }
    };
    let bot = matches!(actor.actor_type.as_str(), "Service" | "Application");
    let mut model = match &existing {
        Some(a) if a.is_local() => {
            return Err(CoreError::Invalid(
                "a remote actor cannot replace a local one".into(),
            ));
        }
        Some(a) => a.clone().into_active_model(),
        None => account::ActiveModel {
            id: Set(next_id()),
            note_source: Set(String::new()),
            hide_collections: Set(false),
            avatar_file: Set(None),
            header_file: Set(None),
            private_key_pem: Set(None),
            followers_count: Set(0),
            following_count: Set(0),
            statuses_count: Set(0),
            last_status_at: Set(None),
            suspended_at: Set(None),
            silenced_at: Set(None),
            sensitized_at: Set(None),
            created_at: Set(actor.published.unwrap_or(now)),
            ..Default::default()
        },
    };
    model.username = Set(cut(&actor.username, MAX_REMOTE_NAME));
    // Under `reject_media` no media of the domain is kept, profile images included.
    let keep_media = !inst.policy.for_domain(Some(&domain)).reject_media;
    model.domain = Set(Some(domain));
    model.acct_key = Set(acct_key);
    model.display_name = Set(cut(&text::strip_tags(&actor.display_name), MAX_REMOTE_NAME));
    model.note = Set(text::sanitize_html(&cut(&actor.note_html, MAX_REMOTE_NOTE)));
    model.fields = Set(serde_json::to_string(&fields).unwrap_or_else(|_| "[]".into()));
    model.locked = Set(actor.locked);
    model.bot = Set(bot);
    model.discoverable = Set(actor.discoverable);
    model.indexable = Set(actor.indexable);
    model.actor_type = Set(actor.actor_type.clone());
    model.avatar_remote_url = Set(actor.avatar_url.filter(|_| keep_media));
    model.header_remote_url = Set(actor.header_url.filter(|_| keep_media));
    model.uri = Set(actor.uri);
    model.url = Set(actor.url);
    model.inbox_url = Set(actor.inbox);
    model.shared_inbox_url = Set(actor.shared_inbox);
    model.outbox_url = Set(actor.outbox);
    model.followers_url = Set(actor.followers);
    model.following_url = Set(actor.following);
    model.featured_url = Set(actor.featured);
    model.public_key_pem = Set(actor.public_key_pem);
    model.public_key_id = Set(actor.public_key_id);
    model.also_known_as =
        Set(serde_json::to_string(&actor.also_known_as).unwrap_or_else(|_| "[]".into()));
    model.fetched_at = Set(Some(now));
    model.updated_at = Set(now);
    let saved = if existing.is_some() {
        model.update(&inst.store.write).await?
    } else {
        match model.clone().insert(&inst.store.write).await {
            Ok(saved) => saved,
            // Another request stored the same actor a moment ago: refresh that one.
            Err(e) if crate::error::is_unique_violation(&e) => {
                let uri = model.uri.clone().unwrap();
                let found = find_by_uri(inst, &uri).await?.ok_or(CoreError::Db(e))?;
                let mut again = model;
                again.id = Set(found.id);
                again.created_at = Set(found.created_at);
                again.reset_all().update(&inst.store.write).await?
            }
            Err(e) => return Err(e.into()),
        }
    };
    Ok(saved)
}

/// The stored accounts with these ActivityPub ids.
pub async fn find_many_by_uri(inst: &Instance, uris: &[&str]) -> CoreResult<Vec<account::Model>> {
    let mut found = Vec::with_capacity(uris.len());
    for chunk in uris.chunks(500) {
        found.extend(
            account::Entity::find()
                .filter(account::Column::Uri.is_in(chunk.iter().copied()))
                .all(&inst.store.read)
                .await?,
        );
    }
    Ok(found)
}

/// The delivery inboxes of the remote followers of `account_id` ([`inboxes_of`]).
pub async fn follower_inboxes(
    conn: &impl ConnectionTrait,
    account_id: i64,
) -> CoreResult<Vec<String>> {
    let followers: Vec<i64> = follow::Entity::find()
        .select_only()
        .column(follow::Column::AccountId)
        .filter(follow::Column::TargetAccountId.eq(account_id))
        .into_tuple()
        .all(conn)
        .await?;
    inboxes_of(conn, &followers).await
}

/// A stored account by its ActivityPub id.
pub async fn find_by_uri(inst: &Instance, uri: &str) -> CoreResult<Option<account::Model>> {
    Ok(account::Entity::find()
        .filter(account::Column::Uri.eq(uri))
        .one(&inst.store.read)
        .await?)
}

/// A stored remote account whose key has this id.
pub async fn find_by_key_id(inst: &Instance, key_id: &str) -> CoreResult<Option<account::Model>> {
    Ok(account::Entity::find()
        .filter(account::Column::PublicKeyId.eq(key_id))
        .filter(account::Column::Domain.is_not_null())
        .one(&inst.store.read)
        .await?)
}

/// A remote actor deleted itself (`Delete` of the actor): purged ([`super::purge`]),
/// the row kept suspended so that a replayed or late activity cannot bring it back.
pub async fn remove(inst: &Instance, account_id: i64) -> CoreResult<()> {
    use crate::changes::Change;
    let txn = inst.store.begin().await?;
    let files = super::purge::purge(&txn, account_id).await?;
    super::purge::suspend(&txn, account_id).await?;
    txn.commit().await?;
    inst.changes.announce(Change::AccountModerated(account_id));
    super::purge::remove_files(inst, files).await;
    Ok(())
}

/// Inboxes (shared where published) of the remote accounts that follow or are followed
/// by `account_id`: who must hear that the account is gone.
pub(crate) async fn related_inboxes(
    txn: &DatabaseTransaction,
    account_id: i64,
) -> CoreResult<Vec<String>> {
    let mut ids: Vec<i64> = follow::Entity::find()
        .select_only()
        .column(follow::Column::AccountId)
        .filter(follow::Column::TargetAccountId.eq(account_id))
        .into_tuple()
        .all(txn)
        .await?;
    let followed: Vec<i64> = follow::Entity::find()
        .select_only()
        .column(follow::Column::TargetAccountId)
        .filter(follow::Column::AccountId.eq(account_id))
        .into_tuple()
        .all(txn)
        .await?;
    ids.extend(followed);
    inboxes_of(txn, &ids).await
}

/// The delivery inboxes of the remote accounts among `ids`: each account's shared inbox
/// when it has one, else its own; deduplicated, in a stable order.
pub async fn inboxes_of(conn: &impl ConnectionTrait, ids: &[i64]) -> CoreResult<Vec<String>> {
    let mut inboxes = std::collections::BTreeSet::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(Option<String>, Option<String>)> = account::Entity::find()
            .select_only()
            .column(account::Column::SharedInboxUrl)
            .column(account::Column::InboxUrl)
            .filter(account::Column::Id.is_in(chunk.iter().copied()))
            .filter(account::Column::Domain.is_not_null())
            .filter(account::Column::SuspendedAt.is_null())
            .into_tuple()
            .all(conn)
            .await?;
        inboxes.extend(rows.into_iter().filter_map(|(shared, own)| shared.or(own)));
    }
    Ok(inboxes.into_iter().collect())
}
