//! The inbox: `POST /inbox` and `POST /users/:name/inbox`.
//!
//! [`receive`] does everything that decides the answer BEFORE answering: size limit,
//! parse, signature (key fetched and cached, fetched again once when it fails, for key
//! rotation), the signer must be the activity's actor, and the activity must keep the
//! origin rules ([`origin`]); then the activity is stored (de-duplicated by id) and the sender gets
//! 202. Peers judge an inbox by its status code, so a forged post must never get a 2xx.
//! [`process`] then applies stored activities from the database, so a crash between
//! the answer and the processing loses nothing.

pub mod origin;
pub mod process;
pub(crate) mod queue;

use std::time::SystemTime;

use crate::entities::inbox_activity;
use bytes::Bytes;
use chrono::Utc;
use http::{HeaderMap, Method};
use sea_orm::Set;
use starling_core::accounts::remote;
use starling_core::id::next_id;

use crate::error::{FedError, FedResult};
use crate::fetch;
use crate::signatures;
use crate::signed;
use crate::state::Federation;
use crate::vocab::{self, ActivityKind};

/// A request to an inbox, as the HTTP layer received it.
#[derive(Debug)]
pub struct InboxRequest<'a> {
    pub method: &'a Method,
    /// Path and query as received (for `(request-target)`).
    pub path_and_query: &'a str,
    /// The request URI (its authority, in HTTP/2, names the server addressed).
    pub uri: &'a http::Uri,
    pub headers: &'a HeaderMap,
    pub body: Bytes,
}

/// What [`receive`] did with an activity that passed every check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Stored; it will be processed.
    Accepted,
    /// Seen before (same id): nothing stored again.
    Duplicate,
    /// Valid but of no interest (the `Delete` of an actor we never knew).
    Ignored,
}

/// The media types an inbox reads: ActivityPub's two (`application/ld+json` with any
/// profile) and plain `application/json`, which some servers send.
fn is_activity_media_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    matches!(
        essence.as_str(),
        "application/activity+json" | "application/ld+json" | "application/json"
    )
}

/// Verifies and stores one incoming activity.
pub async fn receive(fed: &Federation, req: InboxRequest<'_>) -> FedResult<Received> {
    if req.body.len() > fed.inst.config.federation.max_inbox_bytes {
        return Err(FedError::TooLarge);
    }
    if !is_activity_media_type(req.headers) {
        return Err(FedError::UnsupportedMediaType);
    }
    let value = vocab::parse_json(&req.body).map_err(|e| FedError::BadRequest(e.to_string()))?;
    let activity =
        vocab::parse_activity_value(value).map_err(|e| FedError::BadRequest(e.to_string()))?;
    let inst = &fed.inst;
    origin::check(&activity, inst.urls.base_url())?;
    let actor_uri = activity.actor.as_str().to_string();
    // Before the signature: a suspended domain's keys are not even fetched.
    if let Some(domain) = fetch::authority(activity.actor.url())
        && inst.policy.is_suspended(&domain)
    {
        return Err(FedError::Forbidden(format!(
            "{domain} is suspended by this instance"
        )));
    }
    let parts = signed::received(fed, req.method, req.path_and_query, req.uri, req.headers)?;
    let parsed = signatures::parse_request_signature(&parts, req.headers)?;
    parsed.check_freshness(req.headers, SystemTime::now())?;
    signatures::verify_body_digest(req.headers, &req.body)?;

    // Servers announce deleted accounts to everyone they ever talked to; an account we
    // never stored cannot be verified (its key is gone) and concerns nobody here.
    let self_delete = activity.kind == ActivityKind::Delete
        && activity
            .object_id()
            .is_some_and(|o| o.as_str() == actor_uri);
    if self_delete && remote::find_by_uri(inst, &actor_uri).await?.is_none() {
        return Ok(Received::Ignored);
    }

    let signer = signed::verified_signer(fed, &parsed, self_delete).await?;
    if signer.uri != actor_uri {
        return Err(FedError::Unauthorized(format!(
            "signed by {}, which is not the actor {actor_uri}",
            signer.uri
        )));
    }
    // An account suspended here is refused; its own `Delete` only purges what is left.
    if signer.suspended_at.is_some() && !self_delete {
        return Err(FedError::Forbidden(format!(
            "{actor_uri} is suspended by this instance"
        )));
    }

    let row = inbox_activity::ActiveModel {
        id: Set(next_id()),
        activity_uri: Set(activity.id.as_str().to_string()),
        actor_uri: Set(actor_uri),
        kind: Set(activity.kind.as_str().to_string()),
        body: Set(String::from_utf8_lossy(&req.body).into_owned()),
        attempts: Set(0),
        received_at: Set(Utc::now()),
        processed_at: Set(None),
        error: Set(None),
    };
    if !fed.inbox_queue.insert(&inst.store.write, row).await? {
        return Ok(Received::Duplicate);
    }
    fed.inbox_notify.notify_one();
    Ok(Received::Accepted)
}
