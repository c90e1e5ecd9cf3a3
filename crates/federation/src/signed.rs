//! Received signed requests, inbox POSTs and signed GETs alike: which origin the
//! signature is checked against, who signed, and whether a GET may read a document.
//!
//! Every signature is verified against this server's configured public origin
//! (`instance.domain`, `instance.scheme`), never against what the request says about
//! itself, and a signed request whose `Host` names another server is refused: a request
//! signed for another server, replayed here, cannot verify.

use std::time::SystemTime;

use http::{HeaderMap, Method, Uri, header};
use starling_core::accounts::remote;
use starling_core::entities::account;

use crate::error::{FedError, FedResult};
use crate::fetch;
use crate::signatures::{self, ParsedSignature, PublicKey, RequestParts};
use crate::state::Federation;

/// `host[:port]` lower-cased, without the default port of `scheme`.
fn normalised_authority(authority: &str, scheme: &str) -> String {
    let lower = authority.trim().to_ascii_lowercase();
    let default = if scheme == "https" { ":443" } else { ":80" };
    match lower.strip_suffix(default) {
        Some(host) => host.to_owned(),
        None => lower,
    }
}

/// The parts of a received request as its signature is checked: our own scheme and
/// authority, the request line as received. Refused (400) when the request's `Host`
/// (or, in HTTP/2, its `:authority`) names another server.
pub fn received<'a>(
    fed: &'a Federation,
    method: &'a Method,
    path_and_query: &'a str,
    uri: &Uri,
    headers: &HeaderMap,
) -> FedResult<RequestParts<'a>> {
    let scheme = fed.inst.config.scheme();
    let ours = normalised_authority(fed.inst.domain(), scheme);
    let claimed = match headers.get(header::HOST) {
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| FedError::BadRequest("the Host header is not text".into()))?
                .to_owned(),
        ),
        None => uri.authority().map(|a| a.as_str().to_owned()),
    };
    if let Some(claimed) = claimed
        && normalised_authority(&claimed, scheme) != ours
    {
        return Err(FedError::BadRequest(format!(
            "the request is addressed to {claimed}, not to {}",
            fed.inst.domain()
        )));
    }
    Ok(RequestParts::new(
        method,
        scheme,
        fed.inst.domain(),
        path_and_query,
    ))
}

/// Whether a GET may read an ActivityPub document. With
/// `federation.authorized_fetch`, it must be signed, freshly, by a key that verifies.
/// In either mode, a GET signed by a key of a suspended domain is refused (403); a
/// signature that cannot be read counts as none outside secure mode.
pub async fn authorize_get(fed: &Federation, uri: &Uri, headers: &HeaderMap) -> FedResult<()> {
    let secure = fed.inst.config.federation.authorized_fetch;
    let signed = headers.contains_key("signature") || headers.contains_key("signature-input");
    if !secure && !signed {
        return Ok(());
    }
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let parsed = received(fed, &Method::GET, path, uri, headers)
        .and_then(|parts| Ok(signatures::parse_request_signature(&parts, headers)?));
    let sig = match parsed {
        Ok(sig) => sig,
        Err(_) if !secure => return Ok(()),
        Err(e) => return Err(e),
    };
    if let Ok(key) = url::Url::parse(sig.key_id.as_str()) {
        fetch::refuse_suspended(fed, &key)?;
    }
    if !secure {
        return Ok(());
    }
    sig.check_freshness(headers, SystemTime::now())?;
    let signer = verified_signer(fed, &sig, false).await?;
    if signer.suspended_at.is_some() {
        return Err(FedError::Forbidden(format!(
            "{} is suspended by this instance",
            signer.uri
        )));
    }
    Ok(())
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
