//! Who may read ActivityPub documents, decided in one place for the whole server.
//!
//! [`guard`] wraps every route of the server (the federation routes and the pages that
//! answer ActivityPub JSON by content negotiation, `/@alice` and `/@alice/:id`). Any
//! response whose body is ActivityPub JSON — whichever route made it, by whatever
//! means — passes [`crate::signed::authorize_get`] before it leaves: with
//! `federation.authorized_fetch`, an unsigned or badly signed request gets the error
//! instead of the document. Only a response marked [`Public`] (the instance actor,
//! whose key everyone must be able to fetch) is exempt.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;

use super::error_response;
use crate::state::Federation;

/// Marks a response as readable by anyone, signed or not.
#[derive(Debug, Clone, Copy)]
pub struct Public;

/// Whether a response carries an ActivityPub document.
pub fn is_activity_document(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_start().to_ascii_lowercase())
        .is_some_and(|t| {
            t.starts_with("application/activity+json") || t.starts_with("application/ld+json")
        })
}

/// The middleware: see the module docs.
pub async fn guard(State(fed): State<Arc<Federation>>, req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let uri = req.uri().clone();
    let headers = req.headers().clone();
    let response = next.run(req).await;
    if !is_activity_document(response.headers()) || response.extensions().get::<Public>().is_some()
    {
        return response;
    }
    match crate::signed::authorize_get(&fed, &uri, &headers).await {
        Ok(()) => response,
        Err(e) => error_response(&e),
    }
}
