//! "Resolve this remote thing" for search (`resolve=true`): an address
//! (`@user@domain`) through WebFinger, or the URL of an actor or a post.

use starling_core::entities::{account, status};
use url::Url;

use crate::error::{FedError, FedResult};
use crate::state::Federation;
use crate::{fetch, notes, vocab};

/// What a query resolved to.
#[derive(Debug, Clone)]
pub enum Resolved {
    Account(Box<account::Model>),
    Status(Box<status::Model>),
}

/// `user@domain` (with or without a leading `@` or `acct:`) of another server.
pub fn parse_address<'a>(q: &'a str, local_domain: &str) -> Option<(&'a str, &'a str)> {
    let q = q.trim();
    let q = q.strip_prefix("acct:").unwrap_or(q);
    let q = q.strip_prefix('@').unwrap_or(q);
    let (user, domain) = q.split_once('@')?;
    let plausible = !user.is_empty()
        && !domain.is_empty()
        && !domain.contains(['@', '/', ' '])
        && !user.contains(['/', ' ', ':']);
    (plausible && !domain.eq_ignore_ascii_case(local_domain)).then_some((user, domain))
}

/// Resolves `q`: a remote address or an `http(s)` URL. `Ok(None)` when `q` is neither.
pub async fn resolve(fed: &Federation, q: &str) -> FedResult<Option<Resolved>> {
    if let Some((user, domain)) = parse_address(q, fed.inst.domain()) {
        return Ok(Some(Resolved::Account(Box::new(
            fetch::resolve_handle(fed, user, domain).await?,
        ))));
    }
    let Ok(url) = Url::parse(q.trim()) else {
        return Ok(None);
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Ok(None);
    }
    // Known already (ours, or stored): no fetch.
    if let Some(a) = starling_core::accounts::remote::find_by_uri(&fed.inst, url.as_str()).await? {
        return Ok(Some(Resolved::Account(Box::new(a))));
    }
    if let Some(s) = starling_core::statuses::inbound::find_by_uri(&fed.inst, url.as_str()).await? {
        return Ok(Some(Resolved::Status(Box::new(s))));
    }
    let doc = fetch::get_document(fed, &url).await?;
    match vocab::parse_document_value(doc).map_err(|e| FedError::BadRequest(e.to_string()))? {
        vocab::Document::Actor(actor) => {
            let remote = fetch::remote_actor(&actor)?;
            Ok(Some(Resolved::Account(Box::new(
                starling_core::accounts::remote::upsert(&fed.inst, remote).await?,
            ))))
        }
        vocab::Document::Object(object) if object.kind.is_status_like() => {
            if fetch::authority(object.id.url()) != fetch::authority(&url) {
                return Err(FedError::BadRequest(format!(
                    "{url}: post id on another host"
                )));
            }
            let depth = fed.inst.config.federation.max_thread_fetch_depth;
            Ok(Some(Resolved::Status(Box::new(
                notes::store_object(fed, &object, depth).await?,
            ))))
        }
        _ => Ok(None),
    }
}
