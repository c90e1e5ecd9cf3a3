//! Discovery: WebFinger (RFC 7033), host-meta (RFC 6415) and NodeInfo 2.0 / 2.1.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use starling_core::config::RegistrationMode;
use starling_core::visibility;

use super::error_response;
use crate::error::FedError;
use crate::state::Federation;

#[derive(Debug, Deserialize)]
pub struct Resource {
    resource: Option<String>,
}

/// The local username a WebFinger resource names: `acct:alice@domain`, `alice@domain`,
/// or one of our actor or profile URLs.
fn username_of(fed: &Federation, resource: &str) -> Option<String> {
    let domain = fed.inst.domain();
    let base = fed.inst.urls.base();
    let resource = resource.trim();
    if let Some(rest) = resource
        .strip_prefix(&format!("{base}/users/"))
        .or_else(|| resource.strip_prefix(&format!("{base}/@")))
    {
        return Some(rest.trim_end_matches('/').to_string());
    }
    let acct = resource.strip_prefix("acct:").unwrap_or(resource);
    let acct = acct.strip_prefix('@').unwrap_or(acct);
    let (user, host) = acct.rsplit_once('@')?;
    host.eq_ignore_ascii_case(domain).then(|| user.to_string())
}

/// # `GET /.well-known/webfinger?resource=acct:user@domain`
pub async fn webfinger(State(fed): State<Arc<Federation>>, Query(q): Query<Resource>) -> Response {
    let Some(resource) = q.resource.filter(|r| !r.is_empty()) else {
        return error_response(&FedError::BadRequest("resource is required".into()));
    };
    let urls = &fed.inst.urls;
    if resource == urls.instance_actor() || resource == format!("acct:{0}@{0}", fed.inst.domain()) {
        let doc = json!({
            "subject": format!("acct:{0}@{0}", fed.inst.domain()),
            "aliases": [urls.instance_actor()],
            "links": [{"rel": "self", "type": "application/activity+json", "href": urls.instance_actor()}],
        });
        return jrd(doc);
    }
    let Some(username) = username_of(&fed, &resource) else {
        return error_response(&FedError::NotFound);
    };
    let account = match visibility::local_account(&fed.inst, &username).await {
        Ok(Some(a)) if a.suspended_at.is_none() => a,
        Ok(_) => return error_response(&FedError::NotFound),
        Err(e) => return error_response(&e.into()),
    };
    let doc = json!({
        "subject": format!("acct:{}@{}", account.username, fed.inst.domain()),
        "aliases": [urls.profile(&account.username), account.uri],
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": urls.profile(&account.username)},
            {"rel": "self", "type": "application/activity+json", "href": account.uri},
            {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": format!("{}/authorize_interaction?uri={{uri}}", urls.base())},
        ],
    });
    jrd(doc)
}

fn jrd(doc: Value) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/jrd+json; charset=utf-8"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
        ],
        doc.to_string(),
    )
        .into_response()
}

/// # `GET /.well-known/host-meta`
pub async fn host_meta(State(fed): State<Arc<Federation>>) -> Response {
    let template = format!(
        "{}/.well-known/webfinger?resource={{uri}}",
        fed.inst.urls.base()
    );
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  <Link rel=\"lrdd\" template=\"{}\"/>\n</XRD>\n",
        template.replace('&', "&amp;").replace('"', "&quot;")
    );
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xrd+xml; charset=utf-8"),
        )],
        xml,
    )
        .into_response()
}

/// # `GET /.well-known/nodeinfo`
pub async fn nodeinfo_links(State(fed): State<Arc<Federation>>) -> Response {
    let base = fed.inst.urls.base();
    axum::Json(json!({
        "links": [
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("{base}/nodeinfo/2.0")},
            {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": format!("{base}/nodeinfo/2.1")},
        ]
    }))
    .into_response()
}

/// How long NodeInfo's counts are reused: counting is not free on a big database.
const STATS_TTL: Duration = Duration::from_secs(300);

async fn nodeinfo(fed: &Federation, version: &str) -> Result<Value, FedError> {
    let cached = fed.stats_cache.lock().ok().and_then(|g| {
        g.as_ref()
            .filter(|(at, _)| at.elapsed() < STATS_TTL)
            .map(|(_, s)| *s)
    });
    let stats = match cached {
        Some(s) => s,
        None => {
            let s = starling_core::stats::compute(&fed.inst).await?;
            if let Ok(mut g) = fed.stats_cache.lock() {
                *g = Some((Instant::now(), s));
            }
            s
        }
    };
    let cfg = &fed.inst.config.instance;
    let mut software = json!({"name": "starling", "version": starling_core::VERSION});
    if version == "2.1" {
        software["repository"] = json!(env!("CARGO_PKG_REPOSITORY"));
        software["homepage"] = json!(env!("CARGO_PKG_REPOSITORY"));
    }
    Ok(json!({
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"outbound": [], "inbound": []},
        "usage": {
            "users": {
                "total": stats.user_count,
                "activeMonth": stats.active_month,
                "activeHalfyear": stats.active_halfyear,
            },
            "localPosts": stats.status_count,
        },
        "openRegistrations": cfg.registrations != RegistrationMode::Closed,
        "metadata": {
            "nodeName": cfg.title,
            "nodeDescription": cfg.description,
            "upstream": {"name": "mastodon", "version": starling_core::MASTODON_VERSION},
        },
    }))
}

fn nodeinfo_response(doc: Result<Value, FedError>, version: &str) -> Response {
    match doc {
        Ok(doc) => {
            let content_type = format!(
                "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\""
            );
            (
                StatusCode::OK,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_str(&content_type)
                        .unwrap_or(HeaderValue::from_static("application/json")),
                )],
                doc.to_string(),
            )
                .into_response()
        }
        Err(e) => error_response(&e),
    }
}

/// # `GET /nodeinfo/2.0`
pub async fn nodeinfo_20(State(fed): State<Arc<Federation>>) -> Response {
    nodeinfo_response(nodeinfo(&fed, "2.0").await, "2.0")
}

/// # `GET /nodeinfo/2.1`
pub async fn nodeinfo_21(State(fed): State<Arc<Federation>>) -> Response {
    nodeinfo_response(nodeinfo(&fed, "2.1").await, "2.1")
}
