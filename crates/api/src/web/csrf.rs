//! Cross-site request forgery, refused in one place for every browser form: signing
//! in and out, the OAuth consent, the moderation pages, and any form added later.
//!
//! [`guard`] wraps the router of the browser pages. A request that changes something
//! (any method but `GET`, `HEAD` and `OPTIONS`) passes only when
//!
//! 1. it comes from our own pages: its `Origin` (or, without one, its `Referer`) is this
//!    server's origin, and the browser does not call it `cross-site`; and
//! 2. its body carries the form's token (`csrf_token`): the signed-in session's own
//!    token, or for a visitor not signed in yet (the sign-in form: no login CSRF), the
//!    token of the browser's `_starling_csrf` cookie, which [`form_token`] gives the
//!    pages that show a form.
//!
//! Anything else is a 403 page, and the handler never runs.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

use crate::oauth::authorize::{current_session, message};
use crate::state::AppState;

/// The cookie that carries a visitor's token before they sign in.
pub const CSRF_COOKIE: &str = "_starling_csrf";

/// The token a form shown to this browser must carry, and the jar to answer with (it
/// gains the `_starling_csrf` cookie when the visitor had none).
pub async fn form_token(app: &AppState, jar: CookieJar) -> (String, CookieJar) {
    if let Some((session, _)) = current_session(app, &jar).await {
        return (session.csrf_token, jar);
    }
    if let Some(token) = jar.get(CSRF_COOKIE).map(|c| c.value().to_string())
        && !token.is_empty()
    {
        return (token, jar);
    }
    let token = starling_core::crypto::random_token();
    let cookie = Cookie::build((CSRF_COOKIE, token.clone()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(app.inst.config.scheme() == "https")
        .build();
    (token, jar.add(cookie))
}

/// The token this browser's forms carry, if it has one.
async fn expected_token(app: &AppState, jar: &CookieJar) -> Option<String> {
    match current_session(app, jar).await {
        Some((session, _)) => Some(session.csrf_token),
        None => jar
            .get(CSRF_COOKIE)
            .map(|c| c.value().to_string())
            .filter(|t| !t.is_empty()),
    }
}

fn refused(app: &AppState, text: &str) -> Response {
    message(app, StatusCode::FORBIDDEN, "Invalid form", text)
}

/// `scheme://host[:port]` of a URL, as browsers write `Origin`.
fn origin_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    match url.origin() {
        origin @ url::Origin::Tuple(..) => Some(origin.ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}

/// Whether the request says it comes from a page of ours (or says nothing).
fn same_origin(app: &AppState, headers: &HeaderMap) -> bool {
    let ours = origin_of(app.inst.urls.base());
    let header = |name| headers.get(name).map(|v| v.to_str().unwrap_or("\u{0}"));
    if header("sec-fetch-site") == Some("cross-site") {
        return false;
    }
    match (
        header(header::ORIGIN.as_str()),
        header(header::REFERER.as_str()),
    ) {
        (Some(origin), _) => Some(origin.trim().to_ascii_lowercase()) == ours,
        (None, Some(referer)) => origin_of(referer) == ours,
        (None, None) => true,
    }
}

/// The `csrf_token` field of a form body (URL-encoded, multipart or JSON).
async fn token_in(content_type: &str, body: &Bytes) -> Option<String> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/x-www-form-urlencoded" => {
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == "csrf_token")
                .map(|(_, v)| v)
        }
        "multipart/form-data" => {
            let boundary = multer::parse_boundary(content_type).ok()?;
            let stream = futures::stream::once({
                let body = body.clone();
                async move { Ok::<_, std::convert::Infallible>(body) }
            });
            let mut form = multer::Multipart::new(stream, boundary);
            while let Ok(Some(field)) = form.next_field().await {
                if field.name() == Some("csrf_token") {
                    return field.text().await.ok();
                }
            }
            None
        }
        "application/json" => serde_json::from_slice::<serde_json::Value>(body)
            .ok()?
            .get("csrf_token")?
            .as_str()
            .map(str::to_string),
        _ => None,
    }
}

/// The middleware: see the module docs.
pub async fn guard(State(app): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    if !same_origin(&app, req.headers()) {
        let message = format!(
            "This form was sent from another site. Open this server at {} and try again.",
            app.inst.urls.base()
        );
        return refused(&app, &message);
    }
    let jar = CookieJar::from_headers(req.headers());
    let Some(expected) = expected_token(&app, &jar).await else {
        return refused(
            &app,
            "This form has expired. Open the page again and retry.",
        );
    };
    let (parts, body) = req.into_parts();
    let limit = app.inst.config.limits.max_body_bytes;
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return crate::error::ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large")
            .into_response();
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let matches = token_in(content_type, &bytes)
        .await
        .is_some_and(|t| starling_core::crypto::secrets_equal(&t, &expected));
    if !matches {
        return refused(
            &app,
            "This form has expired. Open the page again and retry.",
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
