//! # starling-api
//!
//! The HTTP face of a Starling instance: the Mastodon client API, OAuth 2, and the
//! server-rendered pages, as one axum router over an [`AppState`].
//!
//! Handlers are thin: they authenticate (the [`auth`] extractors carry the required
//! OAuth scope in their type), parse parameters ([`params`]), call one core function,
//! and convert the result to a Mastodon entity (`mastodon/<resource>/entity.rs`).
//! Errors are [`error::ApiError`], rendered as Mastodon's `{"error": …}`.

pub mod auth;
pub mod error;
pub mod mastodon;
pub mod oauth;
pub mod paging;
pub mod params;
pub mod ratelimit;
pub mod state;
pub mod web;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::Layer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use state::AppState;

use crate::error::ApiError;

/// CORS for the API: browser clients (Elk, Phanpy, …) run on other origins.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::LINK,
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-ratelimit-reset"),
        ])
}

/// Unknown routes: JSON under `/api`, a page elsewhere.
async fn fallback(
    axum::extract::State(app): axum::extract::State<AppState>,
    req: Request,
) -> Response {
    let path = req.uri().path();
    if path.starts_with("/api/") || path.starts_with("/oauth/") || path.starts_with("/.well-known/")
    {
        ApiError::new(StatusCode::NOT_FOUND, "Record not found").into_response()
    } else {
        web::not_found_page(&app)
    }
}

async fn method_not_allowed() -> Response {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed").into_response()
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("a request handler panicked").into_response()
}

/// The whole router.
pub fn router(state: AppState) -> Router {
    let limits = &state.inst.config.limits;
    let api = mastodon::routes(&state)
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/revoke", post(oauth::revoke))
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth::metadata),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            ratelimit::api_limit,
        ))
        .layer(cors());
    let media = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ))
        .service(ServeDir::new(state.inst.media.root()));
    // The browser's pages and forms: every form passes the CSRF guard.
    let browser = Router::new()
        .route(
            "/oauth/authorize",
            get(oauth::authorize::show).post(oauth::authorize::decide),
        )
        .route(
            "/auth/sign_in",
            get(oauth::authorize::sign_in_form).post(oauth::authorize::sign_in),
        )
        .route("/auth/sign_out", post(oauth::authorize::sign_out))
        .merge(web::routes())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            web::csrf::guard,
        ));
    let client = Router::new()
        .merge(api)
        .merge(browser)
        .nest_service("/media", media)
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .with_state(state.clone());
    let federation = starling_federation::routes::router(state.fed.clone()).layer(
        DefaultBodyLimit::max(state.inst.config.federation.max_inbox_bytes),
    );
    Router::new()
        .merge(federation)
        .merge(client)
        // Every ActivityPub document the server answers, on any route, passes the
        // signed-fetch rule (`federation.authorized_fetch`) here.
        .layer(middleware::from_fn_with_state(
            state.fed.clone(),
            starling_federation::routes::access::guard,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TraceLayer::new_for_http())
}

/// The router behind trailing-slash normalisation (`/api/v1/instance/` works).
pub fn app(state: AppState) -> NormalizePath<Router> {
    NormalizePathLayer::trim_trailing_slash().layer(router(state))
}

/// Serves the instance on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let janitor = ratelimit::spawn_janitor(state.limits.clone());
    let service = app(state);
    let result = axum::serve(
        listener,
        axum::ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(service),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    janitor.abort();
    result
}
