//! Fetching remote documents: actors (and their keys), objects, WebFinger.
//!
//! Every fetch goes through the SSRF-guarded client ([`crate::net`]), is signed by the
//! instance actor (servers in secure mode, bovine and some of fediverse-pasture's actors
//! refuse unsigned GETs), reads at most `federation.max_fetch_bytes`, and checks that
//! the document really lives where it claims: its `id` must be on the host it was
//! fetched from.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderValue, Method, header};
use serde_json::Value;
use starling_core::accounts::remote::{self, RemoteActor};
use starling_core::entities::account;
use url::Url;

use crate::error::{FedError, FedResult};
use crate::net::read_limited;
use crate::signatures;
use crate::state::Federation;
use crate::vocab;

/// What we ask for: ActivityPub JSON in either of its media types.
pub const AP_ACCEPT: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

/// A stored remote actor younger than this is not fetched again for a key lookup.
pub const ACTOR_REFRESH: Duration = Duration::from_secs(24 * 3600);

/// `host[:port]` of a URL, lower case: what "same server" means.
pub fn authority(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// Nothing is fetched from a suspended domain (nor from one outside the allow-list).
pub fn refuse_suspended(fed: &Federation, url: &Url) -> FedResult<()> {
    match authority(url) {
        Some(domain) if fed.inst.policy.is_suspended(&domain) => Err(FedError::Forbidden(format!(
            "{domain} is suspended by this instance"
        ))),
        _ => Ok(()),
    }
}

/// GETs `url` signed by the instance actor and returns the JSON document and the URL it
/// was finally read from (after redirects).
pub async fn get_signed(fed: &Federation, url: &Url, accept: &str) -> FedResult<(Value, Url)> {
    // What lives here is read from the database, never fetched: a document this server
    // would answer is not trusted as a remote one.
    if fed.inst.urls.is_local(url.as_str()) {
        return Err(FedError::NotFound);
    }
    refuse_suspended(fed, url)?;
    let key = fed.instance_key().await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::ACCEPT,
        HeaderValue::from_str(accept).map_err(|e| FedError::Internal(e.to_string()))?,
    );
    signatures::sign_request(
        &Method::GET,
        url,
        &mut headers,
        None,
        &fed.instance_key_id(),
        &key,
        SystemTime::now(),
    )?;
    let req = fed
        .http
        .request(Method::GET, url)?
        .headers(headers)
        .build()
        .map_err(crate::net::NetError::from)?;
    let resp = fed.http.send(req).await?;
    let status = resp.status();
    let final_url = resp.url().clone();
    if status.as_u16() == 404 || status.as_u16() == 410 {
        return Err(FedError::Gone(format!("{url} answered {status}")));
    }
    if status.is_server_error() || status.as_u16() == 429 {
        return Err(FedError::Remote(format!("{url} answered {status}")));
    }
    if !status.is_success() {
        return Err(FedError::Gone(format!("{url} answered {status}")));
    }
    let body = read_limited(resp, fed.inst.config.federation.max_fetch_bytes).await?;
    let value = vocab::parse_json(&body).map_err(|e| FedError::BadRequest(e.to_string()))?;
    Ok((value, final_url))
}

/// GETs an ActivityPub document and checks that its `id` is on the host it came from.
pub async fn get_document(fed: &Federation, url: &Url) -> FedResult<Value> {
    let (doc, final_url) = get_signed(fed, url, AP_ACCEPT).await?;
    if fed.inst.urls.is_local(final_url.as_str()) {
        return Err(FedError::NotFound);
    }
    let id = doc
        .get("id")
        .and_then(Value::as_str)
        .and_then(|s| Url::parse(s).ok())
        .ok_or_else(|| FedError::BadRequest(format!("{url}: document without an id")))?;
    if authority(&id) != authority(&final_url) {
        return Err(FedError::BadRequest(format!(
            "{url}: document claims id {id} on another host"
        )));
    }
    Ok(doc)
}

/// Maps a parsed actor to core's [`RemoteActor`].
pub fn remote_actor(actor: &vocab::Actor) -> FedResult<RemoteActor> {
    let id = actor.id.url();
    let domain =
        authority(id).ok_or_else(|| FedError::BadRequest("actor id without host".into()))?;
    let inbox = actor
        .inbox
        .as_ref()
        .ok_or_else(|| FedError::BadRequest(format!("actor {id} has no inbox")))?;
    let key = actor
        .main_public_key()
        .ok_or_else(|| FedError::BadRequest(format!("actor {id} has no public key")))?;
    let username = actor
        .preferred_username
        .clone()
        .filter(|u| !u.trim().is_empty())
        .or_else(|| {
            id.path_segments()
                .and_then(|mut s| s.next_back().map(str::to_string))
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| domain.clone());
    Ok(RemoteActor {
        uri: actor.id.as_str().to_string(),
        username,
        domain,
        display_name: actor.display_name().unwrap_or_default().to_string(),
        note_html: actor.summary.clone().unwrap_or_default(),
        fields: actor
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect(),
        locked: actor.manually_approves_followers.unwrap_or(false),
        actor_type: actor.kind.as_str().to_string(),
        discoverable: actor.discoverable.unwrap_or(false),
        indexable: actor.indexable.unwrap_or(false),
        avatar_url: actor.icon.as_ref().map(|i| i.url.as_str().to_string()),
        header_url: actor.image.as_ref().map(|i| i.url.as_str().to_string()),
        url: actor.url.as_ref().map(|u| u.as_str().to_string()),
        inbox: Some(inbox.as_str().to_string()),
        shared_inbox: actor.shared_inbox().map(|u| u.as_str().to_string()),
        outbox: actor.outbox.as_ref().map(|u| u.as_str().to_string()),
        followers: actor.followers.as_ref().map(|u| u.as_str().to_string()),
        following: actor.following.as_ref().map(|u| u.as_str().to_string()),
        featured: actor.featured.as_ref().map(|u| u.as_str().to_string()),
        public_key_pem: key.public_key_pem.clone(),
        public_key_id: key.id.as_ref().map(|k| k.as_str().to_string()),
        also_known_as: actor
            .also_known_as
            .iter()
            .map(|u| u.as_str().to_string())
            .collect(),
        published: actor.published,
    })
}

/// Fetches an actor and stores (or refreshes) its local copy.
pub async fn fetch_actor(fed: &Federation, uri: &str) -> FedResult<account::Model> {
    let url = Url::parse(uri).map_err(|e| FedError::BadRequest(format!("{uri}: {e}")))?;
    let doc = get_document(fed, &url).await?;
    let actor = vocab::parse_actor(doc).map_err(|e| FedError::BadRequest(e.to_string()))?;
    if authority(actor.id.url()) != authority(&url) {
        return Err(FedError::BadRequest(format!(
            "{uri}: actor id on another host"
        )));
    }
    let remote = remote_actor(&actor)?;
    let account = remote::upsert(&fed.inst, remote).await?;
    fed.forget_keys_of(&account);
    Ok(account)
}

/// The stored actor `uri`, fetched when unknown (or when `refresh` and stale).
pub async fn actor(fed: &Federation, uri: &str, refresh: bool) -> FedResult<account::Model> {
    if let Some(known) = remote::find_by_uri(&fed.inst, uri).await? {
        let fresh = known.fetched_at.is_some_and(|t| {
            chrono::Utc::now() - t < chrono::Duration::from_std(ACTOR_REFRESH).unwrap_or_default()
        });
        if known.is_local() || !refresh || fresh {
            return Ok(known);
        }
        return match fetch_actor(fed, uri).await {
            Ok(updated) => Ok(updated),
            Err(e) => {
                tracing::debug!(error = %e, uri, "actor refresh failed; keeping the stored copy");
                Ok(known)
            }
        };
    }
    fetch_actor(fed, uri).await
}

/// The scheme we use to reach `domain`: `https`, or `http` on test networks.
fn scheme(fed: &Federation) -> &'static str {
    if fed.inst.config.federation.allow_private_addresses {
        "http"
    } else {
        "https"
    }
}

/// Resolves `user@domain` through WebFinger to an actor id.
pub async fn webfinger(fed: &Federation, username: &str, domain: &str) -> FedResult<String> {
    let resource = format!("acct:{username}@{domain}");
    let mut url = Url::parse(&format!("{}://{domain}/.well-known/webfinger", scheme(fed)))
        .map_err(|e| FedError::BadRequest(format!("{domain}: {e}")))?;
    url.query_pairs_mut().append_pair("resource", &resource);
    let (doc, _) = get_signed(fed, &url, "application/jrd+json, application/json").await?;
    let links = doc
        .get("links")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    links
        .iter()
        .find(|l| {
            l.get("rel").and_then(Value::as_str) == Some("self")
                && l.get("type").and_then(Value::as_str).is_some_and(|t| {
                    t.starts_with("application/activity+json")
                        || t.starts_with("application/ld+json")
                })
        })
        .and_then(|l| l.get("href").and_then(Value::as_str))
        .map(str::to_string)
        .ok_or_else(|| FedError::Gone(format!("{resource}: no ActivityPub actor in WebFinger")))
}

/// The account `user@domain`: stored, or found through WebFinger and fetched.
pub async fn resolve_handle(
    fed: &Federation,
    username: &str,
    domain: &str,
) -> FedResult<account::Model> {
    let acct = format!("{username}@{domain}");
    if let Some(known) = starling_core::accounts::lookup(&fed.inst, &acct).await?
        && !known.is_local()
    {
        return Ok(known);
    }
    let uri = webfinger(fed, username, domain).await?;
    let url = Url::parse(&uri).map_err(|e| FedError::BadRequest(e.to_string()))?;
    if url.scheme() != "https" && !fed.inst.config.federation.allow_private_addresses {
        return Err(FedError::BadRequest(format!("{uri}: not https")));
    }
    fetch_actor(fed, &uri).await
}
