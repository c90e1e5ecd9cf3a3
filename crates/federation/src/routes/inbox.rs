//! `POST /inbox` and `POST /users/:name/inbox`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error_response;
use crate::inbox::{self, InboxRequest};
use crate::state::Federation;

async fn handle(
    fed: &Federation,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let req = InboxRequest {
        method: &Method::POST,
        path_and_query,
        uri,
        headers,
        body,
    };
    match inbox::receive(fed, req).await {
        Ok(_) => StatusCode::ACCEPTED.into_response(),
        Err(e) => error_response(&e),
    }
}

/// # `POST /inbox`: the shared inbox.
pub async fn shared_inbox(
    State(fed): State<Arc<Federation>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(&fed, &uri, &headers, body).await
}

/// # `POST /users/:name/inbox`: an account's inbox (same processing as the shared one).
pub async fn personal_inbox(
    State(fed): State<Arc<Federation>>,
    Path(name): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match starling_core::visibility::local_account(&fed.inst, &name).await {
        Ok(Some(_)) => handle(&fed, &uri, &headers, body).await,
        Ok(None) => error_response(&crate::FedError::NotFound),
        Err(e) => error_response(&e.into()),
    }
}
