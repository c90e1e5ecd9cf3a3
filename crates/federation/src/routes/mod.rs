//! The federation endpoints, as an axum router over [`Federation`]: discovery
//! (WebFinger, host-meta, NodeInfo), ActivityPub documents (actors, notes, collections)
//! with content negotiation, and the inboxes.

pub mod access;
mod discovery;
mod documents;
mod inbox;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
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

/// An ActivityPub JSON response that anyone may read, signed or not (see [`access`]).
pub fn public_activity_json(doc: Value) -> Response {
    let mut response = activity_json(doc);
    response.extensions_mut().insert(access::Public);
    response
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

/// The GET routes that answer ActivityPub documents, as the router serves them (the
/// pages `/@name` and `/@name/:id` answer them too, by content negotiation).
pub fn document_routes() -> Vec<(&'static str, MethodRouter<Arc<Federation>>)> {
    vec![
        ("/actor", get(documents::instance_actor)),
        ("/users/{name}", get(documents::actor)),
        ("/users/{name}/outbox", get(documents::outbox)),
        ("/users/{name}/followers", get(documents::followers)),
        ("/users/{name}/following", get(documents::following)),
        (
            "/users/{name}/collections/featured",
            get(documents::featured),
        ),
        ("/users/{name}/statuses/{id}", get(documents::status)),
        (
            "/users/{name}/statuses/{id}/activity",
            get(documents::status_activity),
        ),
        (
            "/users/{name}/statuses/{id}/replies",
            get(documents::replies),
        ),
    ]
}

/// The router: mount it beside the client API, and wrap the whole server in
/// [`access::guard`].
pub fn router(fed: Arc<Federation>) -> Router {
    let mut router = Router::new()
        .route("/.well-known/webfinger", get(discovery::webfinger))
        .route("/.well-known/host-meta", get(discovery::host_meta))
        .route("/.well-known/nodeinfo", get(discovery::nodeinfo_links))
        .route("/nodeinfo/2.0", get(discovery::nodeinfo_20))
        .route("/nodeinfo/2.1", get(discovery::nodeinfo_21))
        .route("/actor/inbox", post(inbox::shared_inbox))
        .route("/inbox", post(inbox::shared_inbox))
        .route("/users/{name}/inbox", post(inbox::personal_inbox));
    for (path, method_router) in document_routes() {
        router = router.route(path, method_router);
    }
    router.with_state(fed)
}
