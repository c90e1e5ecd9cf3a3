//! The federation endpoints, as an axum router over [`Federation`]: discovery
//! (WebFinger, host-meta, NodeInfo), ActivityPub documents (actors, notes, collections)
//! with content negotiation, and the inboxes.

mod discovery;
mod documents;
mod inbox;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;

pub use documents::{actor_response, status_response};

use crate::error::FedError;
use crate::state::Federation;

/// Content type of the ActivityPub documents we serve.
pub const ACTIVITY_JSON_UTF8: &str = "application/activity+json; charset=utf-8";

/// Whether a request asks for ActivityPub JSON rather than a page.
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim().to_ascii_lowercase();
            t.starts_with("application/activity+json")
                || (t.starts_with("application/ld+json")
                    && (t.contains("activitystreams") || !t.contains("profile")))
                || t.starts_with("application/json")
        })
}

/// An ActivityPub JSON response.
pub fn activity_json(doc: Value) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(ACTIVITY_JSON_UTF8),
        )],
        doc.to_string(),
    )
        .into_response()
}

/// An error as ActivityPub peers read it: a status and `{"error": …}`.
pub fn error_response(e: &FedError) -> Response {
    let status = e.status();
    if status.is_server_error() {
        tracing::warn!(error = %e, "federation request failed");
    } else {
        tracing::debug!(error = %e, "federation request refused");
    }
    let message = match status {
        StatusCode::INTERNAL_SERVER_ERROR => "Internal error".to_string(),
        _ => e.to_string(),
    };
    (status, axum::Json(serde_json::json!({"error": message}))).into_response()
}

/// The router: mount it beside the client API.
pub fn router(fed: Arc<Federation>) -> Router {
    Router::new()
        .route("/.well-known/webfinger", get(discovery::webfinger))
        .route("/.well-known/host-meta", get(discovery::host_meta))
        .route("/.well-known/nodeinfo", get(discovery::nodeinfo_links))
        .route("/nodeinfo/2.0", get(discovery::nodeinfo_20))
        .route("/nodeinfo/2.1", get(discovery::nodeinfo_21))
        .route("/actor", get(documents::instance_actor))
        .route("/actor/inbox", post(inbox::shared_inbox))
        .route("/inbox", post(inbox::shared_inbox))
        .route("/users/{name}", get(documents::actor))
        .route("/users/{name}/inbox", post(inbox::personal_inbox))
        .route("/users/{name}/outbox", get(documents::outbox))
        .route("/users/{name}/followers", get(documents::followers))
        .route("/users/{name}/following", get(documents::following))
        .route(
            "/users/{name}/collections/featured",
            get(documents::featured),
        )
        .route("/users/{name}/statuses/{id}", get(documents::status))
        .route(
            "/users/{name}/statuses/{id}/activity",
            get(documents::status_activity),
        )
        .route(
            "/users/{name}/statuses/{id}/replies",
            get(documents::replies),
        )
        .with_state(fed)
}
