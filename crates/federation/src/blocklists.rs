//! Blocklist subscriptions, the fetching side: GET a subscribed list through the guarded
//! client ([`crate::net`]: no private addresses outside test networks), with a total
//! deadline (`moderation.blocklist_timeout_secs`) and a size cap enforced while the body
//! streams in (`moderation.blocklist_max_bytes`), then hand it to
//! [`starling_core::moderation::subscriptions`] to read and apply.
//!
//! A sync is all or nothing per source: a failed request, a non-2xx answer, a timeout, an
//! oversized body or one unreadable entry records the error on the source
//! (`last_error`) and changes nothing else. Lists are fetched again when they may have
//! changed only: `ETag` / `Last-Modified` are sent back, and a `304` changes nothing.
//!
//! [`run`] is the schedule: every minute it syncs the sources whose last fetch is older
//! than `moderation.blocklist_sync_every_minutes`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use http::{Method, StatusCode};
use starling_core::entities::blocklist_source;
use starling_core::moderation::Severity;
use starling_core::moderation::subscriptions::{self, Format, SyncReport, Validators};
use starling_core::{CoreError, Instance};
use url::Url;

use crate::net::{HttpClient, NetConfig, NetError, read_limited};

/// How often the schedule looks for sources due for a fetch.
const CHECK_EVERY: Duration = Duration::from_secs(60);

/// What a list is asked for as.
const ACCEPT_LISTS: &str = "text/csv, application/json;q=0.9, text/plain;q=0.8, */*;q=0.1";

/// Why a sync failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The list could not be fetched or read. Recorded on the source as its
    /// `last_error`; nothing else changed.
    #[error("{0}")]
    List(String),
    /// The source does not exist, or the database failed (nothing changed either).
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// A fetched list, or the news that it has not changed.
#[derive(Debug)]
pub enum Fetched {
    NotModified,
    List { body: Bytes, validators: Validators },
}

/// The client for lists: the federation guard, this instance's user agent, the
/// blocklist deadline and size cap.
fn client(inst: &Instance) -> Result<HttpClient, NetError> {
    let cfg = &inst.config;
    let timeout = Duration::from_secs(cfg.moderation.blocklist_timeout_secs.max(1));
    HttpClient::new(NetConfig {
        allow_private_addresses: cfg.federation.allow_private_addresses,
        connect_timeout: Duration::from_secs(cfg.federation.connect_timeout_secs).min(timeout),
        request_timeout: timeout,
        max_redirects: 3,
        max_response_bytes: cfg.moderation.blocklist_max_bytes,
        user_agent: format!(
            "Starling/{} (+{}/; blocklist subscription)",
            starling_core::VERSION,
            inst.urls.base()
        ),
    })
}

/// GETs the list of `source`. The error is a sentence for the moderators.
pub async fn fetch(inst: &Instance, source: &blocklist_source::Model) -> Result<Fetched, String> {
    let max = inst.config.moderation.blocklist_max_bytes;
    let secs = inst.config.moderation.blocklist_timeout_secs.max(1);
    let explain = |e: NetError| match e {
        NetError::Timeout => {
            format!("no complete answer within {secs} s (moderation.blocklist_timeout_secs)")
        }
        NetError::TooLarge => {
            format!("the list is larger than {max} bytes (moderation.blocklist_max_bytes)")
        }
        other => other.to_string(),
    };
    let url = Url::parse(&source.url).map_err(|e| format!("{:?} is not a URL: {e}", source.url))?;
    let http = client(inst).map_err(explain)?;
    let mut req = http
        .request(Method::GET, &url)
        .map_err(explain)?
        .header(ACCEPT, ACCEPT_LISTS);
    if let Some(etag) = &source.etag {
        req = req.header(IF_NONE_MATCH, etag);
    }
    if let Some(at) = &source.last_modified {
        req = req.header(IF_MODIFIED_SINCE, at);
    }
    let conditional = source.etag.is_some() || source.last_modified.is_some();
    let work = async {
        let req = req.build().map_err(NetError::from)?;
        let resp = http.send(req).await?;
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED && conditional {
            return Ok(Ok(Fetched::NotModified));
        }
        if !status.is_success() {
            return Ok(Err(format!("the server answered {status}")));
        }
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &http::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let validators = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let body = read_limited(resp, max).await?;
        Ok::<_, NetError>(Ok(Fetched::List { body, validators }))
    };
    // The client's deadline covers the body too; this one holds whatever happens.
    match tokio::time::timeout(Duration::from_secs(secs), work).await {
        Err(_) => Err(explain(NetError::Timeout)),
        Ok(Err(e)) => Err(explain(e)),
        Ok(Ok(result)) => result,
    }
}

/// Fetches, reads and applies the list of source `source_id`: all of it or, on any
/// error, nothing (the error recorded on the source).
pub async fn sync(inst: &Instance, source_id: i64) -> Result<SyncReport, SyncError> {
    let source = subscriptions::get_source(inst, source_id).await?;
    let url = source.url.as_str();
    let fail = |message: String| async move {
        if let Err(e) = subscriptions::record_failure(inst, source_id, &message).await {
            tracing::warn!(error = %e, source_id, "cannot record a failed blocklist sync");
        }
        tracing::warn!(url, error = %message, "blocklist sync failed");
        SyncError::List(message)
    };
    let (body, validators) = match fetch(inst, &source).await {
        Err(message) => return Err(fail(message).await),
        Ok(Fetched::NotModified) => {
            subscriptions::record_not_modified(inst, source_id).await?;
            return Ok(SyncReport {
                not_modified: true,
                ..SyncReport::default()
            });
        }
        Ok(Fetched::List { body, validators }) => (body, validators),
    };
    let format = Format::parse(&source.format).unwrap_or(Format::Auto);
    let severity = Severity::parse(&source.plain_severity).unwrap_or(Severity::Suspend);
    let allow_ports = inst.config.federation.allow_private_addresses;
    let list = match subscriptions::parse(format, &body, severity, allow_ports) {
        Ok(list) => list,
        Err(e) => return Err(fail(e.to_string()).await),
    };
    match subscriptions::apply_list(inst, source_id, list, validators).await {
        Ok(report) => {
            tracing::info!(url = %source.url, %report, "blocklist synced");
            Ok(report)
        }
        Err(e) => {
            let _ = fail(format!("applying the list failed: {e}")).await;
            Err(SyncError::Core(e))
        }
    }
}

/// The schedule: syncs every enabled source whose last fetch is older than
/// `moderation.blocklist_sync_every_minutes` (never fetched ones at once), checking
/// every minute. Off when that setting is 0.
pub async fn run(inst: Arc<Instance>) {
    let minutes = inst.config.moderation.blocklist_sync_every_minutes;
    if minutes == 0 {
        return;
    }
    let every = Duration::from_secs(minutes.saturating_mul(60));
    let mut tick = tokio::time::interval(CHECK_EVERY.min(every));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let due = match subscriptions::due_sources(&inst, every).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the blocklist subscriptions");
                continue;
            }
        };
        for source in due {
            // Failures are recorded on the source and logged by `sync`.
            let _ = sync(&inst, source.id).await;
        }
    }
}
