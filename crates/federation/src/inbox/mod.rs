//! The inbox: `POST /inbox` and `POST /users/:name/inbox`.
//!
//! [`receive`] does everything that decides the answer BEFORE answering: size limit,
//! parse, signature (key fetched and cached, fetched again once when it fails, for key
//! rotation), the signer must be the activity's actor and the activity must live on the
//! actor's host; then the activity is stored (de-duplicated by id) and the sender gets
//! 202. Peers judge an inbox by its status code, so a forged post must never get a 2xx.
//! [`process`] then applies stored activities from the database, so a crash between
//! the answer and the processing loses nothing.

pub mod process;
pub(crate) mod queue;

use std::time::SystemTime;

use bytes::Bytes;
use chrono::Utc;
use http::{HeaderMap, Method};
use sea_orm::Set;
use starling_core::accounts::remote;
use starling_core::entities::{account, inbox_activity};
use starling_core::id::next_id;

use crate::error::{FedError, FedResult};
use crate::fetch;
use crate::signatures::{self, ParsedSignature, PublicKey, RequestParts};
use crate::state::Federation;
use crate::vocab::{self, ActivityKind};

/// A request to an inbox, as the HTTP layer received it.
#[derive(Debug)]
pub struct InboxRequest<'a> {
    pub method: &'a Method,
    /// Path and query as received (for `(request-target)`).
    pub path_and_query: &'a str,
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

/// Verifies and stores one incoming activity.
pub async fn receive(fed: &Federation, req: InboxRequest<'_>) -> FedResult<Received> {
    if req.body.len() > fed.inst.config.federation.max_inbox_bytes {
        return Err(FedError::TooLarge);
    }
    let value = vocab::parse_json(&req.body).map_err(|e| FedError::BadRequest(e.to_string()))?;
    let activity =
        vocab::parse_activity_value(value).map_err(|e| FedError::BadRequest(e.to_string()))?;
    let actor_uri = activity.actor.as_str().to_string();
    if fetch::authority(activity.id.url()) != fetch::authority(activity.actor.url()) {
        return Err(FedError::BadRequest(format!(
            "activity {} is not on its actor's host",
            activity.id.as_str()
        )));
    }
    let inst = &fed.inst;
    // Before the signature: a suspended domain's keys are not even fetched.
    if let Some(domain) = fetch::authority(activity.actor.url())
        && inst.policy.is_suspended(&domain)
    {
        return Err(FedError::Forbidden(format!(
            "{domain} is suspended by this instance"
        )));
    }
    let urls = &inst.urls;
    let parts = RequestParts::new(
        req.method,
        inst.config.scheme(),
        inst.domain(),
        req.path_and_query,
    );
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
    if actor_uri.starts_with(&format!("{}/", urls.base())) {
        return Err(FedError::Unauthorized(
            "an activity by a local actor".into(),
        ));
    }

    let signer = verified_signer(fed, &parsed, self_delete).await?;
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

/// The account whose key made `sig`: a key verified recently is remembered
/// ([`Federation::known_key`]); otherwise it is found by key id (or fetched through the
/// key's actor), verified; on failure its actor is fetched again once, in case the key
/// rotated. `stored_only`: do not fetch (a deleted actor's document is gone).
pub async fn verified_signer(
    fed: &Federation,
    sig: &ParsedSignature,
    stored_only: bool,
) -> FedResult<account::Model> {
    let key_id = sig.key_id.as_str();
    if let Some(known) = fed.known_key(key_id)
        && sig.verify(&known.key).is_ok()
    {
        return Ok(known.account);
    }
    let (account, key) = stored_signer(fed, sig, stored_only).await?;
    fed.remember_key(key_id, &account, key);
    Ok(account)
}

async fn stored_signer(
    fed: &Federation,
    sig: &ParsedSignature,
    stored_only: bool,
) -> FedResult<(account::Model, PublicKey)> {
    let inst = &fed.inst;
    let key_id = sig.key_id.as_str();
    let actor_uri = signatures::key_id_actor(key_id);
    let known = match remote::find_by_key_id(inst, key_id).await? {
        Some(a) => Some(a),
        None => remote::find_by_uri(inst, &actor_uri)
            .await?
            .filter(|a| !a.is_local()),
    };
    let (account, fetched) = match known {
        Some(a) => (a, false),
        None if stored_only => {
            return Err(FedError::Unauthorized(format!("unknown key {key_id}")));
        }
        None => (fetch_key_owner(fed, &actor_uri).await?, true),
    };
    match check(&account, key_id, sig) {
        Ok(key) => Ok((account, key)),
        Err(e) if fetched || stored_only => Err(e),
        Err(_) => {
            let refreshed = fetch_key_owner(fed, &account.uri).await?;
            let key = check(&refreshed, key_id, sig)?;
            Ok((refreshed, key))
        }
    }
}

async fn fetch_key_owner(fed: &Federation, actor_uri: &str) -> FedResult<account::Model> {
    fetch::fetch_actor(fed, actor_uri)
        .await
        .map_err(|e| match e {
            FedError::Remote(m) => FedError::Remote(m),
            other => {
                FedError::Unauthorized(format!("cannot get the key's actor {actor_uri}: {other}"))
            }
        })
}

/// The key must be the account's (by its published id, or by its owner's URL) and must
/// verify the signature; answers the parsed key.
fn check(account: &account::Model, key_id: &str, sig: &ParsedSignature) -> FedResult<PublicKey> {
    let owns = match &account.public_key_id {
        Some(id) => id == key_id,
        None => signatures::key_id_belongs_to(key_id, &account.uri),
    };
    if !owns {
        return Err(FedError::Unauthorized(format!(
            "key {key_id} is not the key of {}",
            account.uri
        )));
    }
    let key = PublicKey::from_pem(&account.public_key_pem)?;
    sig.verify(&key)?;
    Ok(key)
}
