//! ActivityPub documents: actors, notes and the collections Mastodon publishes
//! (outbox, followers, following, featured, replies), paged like Mastodon's.
//!
//! The same URLs answer HTML to a browser: a request that does not ask for ActivityPub
//! JSON is redirected to the page (`/@alice`, `/@alice/123`). Who may read a document
//! (`federation.authorized_fetch`) is not decided here but by [`super::access`], for
//! every response of the server that carries ActivityPub JSON.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;
use starling_core::entities::{account, status};
use starling_core::paging::Page;
use starling_core::statuses::Visibility;
use starling_core::timelines::{self, AccountFilter};
use starling_core::{follows, views, visibility};

use super::{activity_json, error_response, public_activity_json, wants_activity_json};
use crate::error::{FedError, FedResult};
use crate::objects::{self, activities, actor as actor_doc, note};
use crate::state::Federation;

const PAGE_SIZE: u64 = 20;

/// The local account `name`, as the fediverse may see it.
async fn local(fed: &Federation, name: &str) -> FedResult<account::Model> {
    visibility::local_account(&fed.inst, name)
        .await?
        .ok_or(FedError::NotFound)
}

/// Only a valid username is redirected to its page (the name comes decoded from the
/// path, and could hold anything a `Location` header cannot).
fn page_redirect(fed: &Federation, name: &str, id: Option<&str>) -> Response {
    let valid_name =
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let valid_id = id.is_none_or(|id| id.parse::<i64>().is_ok());
    if !valid_name || !valid_id {
        return error_response(&FedError::NotFound);
    }
    let profile = fed.inst.urls.profile(name);
    match id {
        Some(id) => Redirect::to(&format!("{profile}/{id}")).into_response(),
        None => Redirect::to(&profile).into_response(),
    }
}

/// The actor document of local `name` (also used for `/@name` with an ActivityPub
/// `Accept`).
pub async fn actor_response(fed: &Federation, name: &str) -> Response {
    match local(fed, name).await {
        Ok(a) if a.suspended_at.is_some() => (
            axum::http::StatusCode::GONE,
            activity_json(actor_doc::deleted_actor(&a)),
        )
            .into_response(),
        Ok(a) => activity_json(actor_doc::local_actor(&fed.inst, &a)),
        Err(e) => error_response(&e),
    }
}

/// # `GET /users/:name`
pub async fn actor(
    State(fed): State<Arc<Federation>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !wants_activity_json(&headers) {
        return page_redirect(&fed, &name, None);
    }
    actor_response(&fed, &name).await
}

/// # `GET /actor`: the instance actor (never requires a signature, or nobody could fetch
/// its key).
pub async fn instance_actor(State(fed): State<Arc<Federation>>) -> Response {
    match starling_core::settings::instance_actor_keys(&fed.inst).await {
        Ok(keys) => public_activity_json(actor_doc::instance_actor(&fed.inst, &keys.public_pem)),
        Err(e) => error_response(&e.into()),
    }
}

/// A public or unlisted local status of `name`, as an anonymous reader sees it.
async fn public_status(fed: &Federation, name: &str, id: &str) -> FedResult<status::Model> {
    let author = local(fed, name).await?;
    let id: i64 = id.parse().map_err(|_| FedError::NotFound)?;
    let s = visibility::status_of(&fed.inst, &author, id, None).await?;
    if !Visibility::of(&s).is_distributable() {
        return Err(FedError::NotFound);
    }
    Ok(s)
}

/// The `Note` of a status (also used for `/@name/:id` with an ActivityPub `Accept`).
pub async fn status_response(fed: &Federation, name: &str, id: &str) -> Response {
    let result = async {
        let s = public_status(fed, name, id).await?;
        let view = views::status_view(&fed.inst, s, None).await?;
        note::note_document(&fed.inst, &view).await
    }
    .await;
    match result {
        Ok(doc) => activity_json(doc),
        Err(e) => error_response(&e),
    }
}

/// # `GET /users/:name/statuses/:id`
pub async fn status(
    State(fed): State<Arc<Federation>>,
    Path((name, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !wants_activity_json(&headers) {
        return page_redirect(&fed, &name, Some(&id));
    }
    status_response(&fed, &name, &id).await
}

/// # `GET /users/:name/statuses/:id/activity`: the `Create` of a status.
pub async fn status_activity(
    State(fed): State<Arc<Federation>>,
    Path((name, id)): Path<(String, String)>,
) -> Response {
    let result = async {
        let s = public_status(&fed, &name, &id).await?;
        let view = views::status_view(&fed.inst, s, None).await?;
        let doc = note::note(&fed.inst, &view).await?;
        Ok::<_, FedError>(activities::create(&view.account, doc))
    }
    .await;
    match result {
        Ok(doc) => activity_json(doc),
        Err(e) => error_response(&e),
    }
}

/// `?page=true&max_id=…` of a paged collection.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<String>,
    max_id: Option<i64>,
}

fn page_url(base: &str, max_id: Option<i64>) -> String {
    match max_id {
        Some(id) => format!("{base}?page=true&max_id={id}"),
        None => format!("{base}?page=true"),
    }
}

/// # `GET /users/:name/outbox`: public posts as `Create` activities, newest first.
pub async fn outbox(
    State(fed): State<Arc<Federation>>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let result = async {
        let author = local(&fed, &name).await?;
        let id = fed.inst.urls.outbox(&author.username);
        if q.page.is_none() {
            return Ok(objects::ordered_collection(
                &id,
                author.statuses_count.max(0) as u64,
                Some(page_url(&id, None)),
            ));
        }
        let page = Page {
            max_id: q.max_id,
            ..Page::first(PAGE_SIZE)
        };
        let filter = AccountFilter {
            exclude_reblogs: true,
            ..AccountFilter::default()
        };
        let statuses =
            timelines::account_statuses(&fed.inst, &author, None, &filter, &page).await?;
        let last = statuses.last().map(|s| s.id);
        let full = statuses.len() as u64 == PAGE_SIZE;
        let mut items: Vec<Value> = Vec::new();
        for view in views::status_views(&fed.inst, statuses, None).await? {
            if Visibility::of(&view.status) == Visibility::Public {
                let doc = note::note(&fed.inst, &view).await?;
                items.push(activities::create(&author, doc));
            }
        }
        for item in &mut items {
            if let Some(map) = item.as_object_mut() {
                map.remove("@context");
            }
        }
        let next = full.then(|| page_url(&id, last));
        Ok::<_, FedError>(objects::ordered_page(
            &page_url(&id, q.max_id),
            &id,
            items,
            next,
        ))
    }
    .await;
    match result {
        Ok(doc) => activity_json(doc),
        Err(e) => error_response(&e),
    }
}

async fn relation_collection(
    fed: &Federation,
    name: &str,
    q: &PageQuery,
    followers: bool,
) -> FedResult<Value> {
    let a = local(fed, name).await?;
    let urls = &fed.inst.urls;
    let (id, total) = if followers {
        (urls.followers(&a.username), a.followers_count)
    } else {
        (urls.following(&a.username), a.following_count)
    };
    let shown = visibility::shows_network(&a, None);
    if q.page.is_none() || !shown {
        let first = shown.then(|| page_url(&id, None));
        return Ok(objects::ordered_collection(&id, total.max(0) as u64, first));
    }
    let page = Page {
        max_id: q.max_id,
        ..Page::first(PAGE_SIZE)
    };
    let rows = if followers {
        follows::followers(&fed.inst, a.id, &page).await?
    } else {
        follows::following(&fed.inst, a.id, &page).await?
    };
    let next = (rows.len() as u64 == PAGE_SIZE)
        .then(|| rows.last().map(|(id_, _)| page_url(&id, Some(*id_))))
        .flatten();
    let items = rows
        .into_iter()
        .map(|(_, acc)| Value::String(acc.uri))
        .collect();
    Ok(objects::ordered_page(
        &page_url(&id, q.max_id),
        &id,
        items,
        next,
    ))
}

async fn relation_response(
    fed: &Federation,
    name: &str,
    q: &PageQuery,
    followers: bool,
) -> Response {
    let result = async { relation_collection(fed, name, q, followers).await };
    match result.await {
        Ok(doc) => activity_json(doc),
        Err(e) => error_response(&e),
    }
}

/// # `GET /users/:name/followers`
pub async fn followers(
    State(fed): State<Arc<Federation>>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    relation_response(&fed, &name, &q, true).await
}

/// # `GET /users/:name/following`
pub async fn following(
    State(fed): State<Arc<Federation>>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    relation_response(&fed, &name, &q, false).await
}

/// # `GET /users/:name/collections/featured`: pinned posts.
pub async fn featured(State(fed): State<Arc<Federation>>, Path(name): Path<String>) -> Response {
    let result = async {
        let a = local(&fed, &name).await?;
        let filter = AccountFilter {
            pinned: true,
            ..AccountFilter::default()
        };
        let pinned =
            timelines::account_statuses(&fed.inst, &a, None, &filter, &Page::first(PAGE_SIZE))
                .await?;
        let mut items = Vec::new();
        for view in views::status_views(&fed.inst, pinned, None).await? {
            if Visibility::of(&view.status).is_distributable() {
                items.push(note::note(&fed.inst, &view).await?);
            }
        }
        let id = fed.inst.urls.featured(&a.username);
        Ok::<_, FedError>(objects::with_context(serde_json::json!({
            "id": id,
            "type": "OrderedCollection",
            "totalItems": items.len(),
            "orderedItems": items,
        })))
    };
    match result.await {
        Ok(doc) => activity_json(doc),
        Err(e) => error_response(&e),
    }
}

/// # `GET /users/:name/statuses/:id/replies`: the ids of public replies.
pub async fn replies(
    State(fed): State<Arc<Federation>>,
    Path((name, id)): Path<(String, String)>,
) -> Response {
    let result = async {
        let s = public_status(&fed, &name, &id).await?;
        let (_, descendants) = starling_core::statuses::context(&fed.inst, &s, None).await?;
        let items: Vec<Value> = descendants
            .into_iter()
            .filter(|d| d.in_reply_to_id == Some(s.id) && Visibility::of(d) == Visibility::Public)
            .map(|d| Value::String(d.uri))
            .collect();
        let collection = format!("{}/replies", s.uri);
        Ok::<_, FedError>(objects::with_context(serde_json::json!({
            "id": collection,
            "type": "Collection",
            "first": {
                "type": "CollectionPage",
                "partOf": collection,
                "items": items,
            },
        })))
    };
    match result.await {
        Ok(doc) => activity_json(doc),
        Err(e) => error_response(&e),
    }
}
