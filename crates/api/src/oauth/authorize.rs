//! The browser side of OAuth: `GET /oauth/authorize` shows a sign-in form (when there
//! is no session) and then a consent page; `POST /oauth/authorize` records the
//! decision and redirects back to the app with a code (or shows the code, for the
//! out-of-band redirect). Server-rendered, no JavaScript.
//!
//! Sessions are an HttpOnly, SameSite=Lax cookie; every form (sign-in included) carries
//! a CSRF token, checked with its origin by [`crate::web::csrf::guard`]; every page
//! refuses framing (clickjacking).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;
use starling_core::accounts::{self, LocalAccount};
use starling_core::entities::{oauth_application, web_session};
use starling_core::oauth::{self, Scopes};

use crate::params::{Params, de};
use crate::state::{AppState, ClientIp};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "_starling_session";

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage<'a> {
    site_title: &'a str,
    domain: &'a str,
    app_name: Option<String>,
    error: Option<String>,
    email: String,
    return_to: String,
    csrf_token: String,
}

#[derive(Template)]
#[template(path = "authorize.html")]
struct AuthorizePage<'a> {
    site_title: &'a str,
    domain: &'a str,
    app_name: String,
    website: Option<String>,
    username: String,
    scopes: Vec<(String, &'static str)>,
    csrf_token: String,
    client_id: String,
    redirect_uri: String,
    scope: String,
    state: String,
    code_challenge: String,
    code_challenge_method: String,
}

#[derive(Template)]
#[template(path = "oob_code.html")]
struct OobPage<'a> {
    site_title: &'a str,
    app_name: String,
    code: String,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub site_title: &'a str,
    pub heading: String,
    pub message: String,
    pub signed_in: bool,
    pub csrf_token: String,
}

/// Renders a template, or a plain 500 if rendering fails.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => (
            status,
            [
                (header::X_FRAME_OPTIONS, "DENY"),
                (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            Html(html),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal server error").into_response()
        }
    }
}

/// A page that says one thing: `heading`, then `text`.
pub(crate) fn message(app: &AppState, status: StatusCode, heading: &str, text: &str) -> Response {
    render(
        status,
        &MessagePage {
            site_title: &app.inst.config.instance.title,
            heading: heading.into(),
            message: text.into(),
            signed_in: false,
            csrf_token: String::new(),
        },
    )
}

/// Human descriptions of scopes on the consent page.
fn describe(scope: &str) -> &'static str {
    match scope {
        "read" => "read all your account's data",
        "write" => "change all your account's data",
        "follow" => "follow, block and mute accounts",
        "push" => "receive push notifications",
        "profile" => "read only your basic profile",
        s if s.starts_with("admin:read") => "read data of the whole server (moderators only)",
        s if s.starts_with("admin:write") => "moderate the server (moderators only)",
        s if s.starts_with("read:") => "read part of your account's data",
        s if s.starts_with("write:") => "change part of your account's data",
        _ => "",
    }
}

/// The signed-in browser session, if any.
pub async fn current_session(
    app: &AppState,
    jar: &CookieJar,
) -> Option<(web_session::Model, LocalAccount)> {
    let token = jar.get(SESSION_COOKIE)?.value().to_string();
    oauth::find_session(&app.inst, &token).await.ok().flatten()
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct AuthorizeParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    response_type: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    client_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    redirect_uri: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    scope: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    state: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    code_challenge: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    code_challenge_method: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    force_login: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    decision: Option<String>,
}

/// A checked authorization request.
struct Request {
    app: oauth_application::Model,
    redirect_uri: String,
    scopes: Scopes,
    state: Option<String>,
    challenge: Option<(String, String)>,
}

/// Adds OAuth result parameters to the app's redirect URI.
fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    match url::Url::parse(redirect_uri) {
        Ok(mut url) => {
            {
                let mut q = url.query_pairs_mut();
                for (k, v) in pairs {
                    q.append_pair(k, v);
                }
            }
            crate::web::redirect::to(url.as_str())
        }
        Err(_) => (StatusCode::BAD_REQUEST, "Invalid redirect URI").into_response(),
    }
}

/// Validates the request; errors are a page (unknown client or redirect URI, which
/// must never be redirected to) or a redirect carrying `error=…`.
async fn check(app: &AppState, p: &AuthorizeParams) -> Result<Request, Response> {
    let Some(client_id) = p.client_id.as_deref().filter(|c| !c.is_empty()) else {
        return Err(message(
            app,
            StatusCode::BAD_REQUEST,
            "Invalid request",
            "The client_id parameter is missing.",
        ));
    };
    let application = match oauth::find_application(&app.inst, client_id).await {
        Ok(Some(a)) => a,
        Ok(None) => {
            return Err(message(
                app,
                StatusCode::BAD_REQUEST,
                "Unknown application",
                "No application is registered with this client_id.",
            ));
        }
        Err(e) => {
            tracing::error!(error = %e, "authorize lookup failed");
            return Err(message(
                app,
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again",
                "The server could not check this request.",
            ));
        }
    };
    let registered = oauth::redirect_uris(&application);
    let redirect_uri = match p.redirect_uri.as_deref().filter(|r| !r.is_empty()) {
        Some(r) if registered.iter().any(|u| u == r) => r.to_string(),
        None if registered.len() == 1 => registered[0].clone(),
        _ => {
            return Err(message(
                app,
                StatusCode::BAD_REQUEST,
                "Invalid redirect URI",
                "The redirect URI does not match any URI registered by this application.",
            ));
        }
    };
    let state = p.state.clone().filter(|s| !s.is_empty());
    let fail = |error: &str, description: &str| -> Response {
        if redirect_uri == oauth::OOB_REDIRECT {
            return message(app, StatusCode::BAD_REQUEST, "Invalid request", description);
        }
        let mut pairs = vec![("error", error), ("error_description", description)];
        if let Some(s) = &state {
            pairs.push(("state", s));
        }
        redirect_with(&redirect_uri, &pairs)
    };
    if p.response_type.as_deref().is_some_and(|t| t != "code") {
        return Err(fail(
            "unsupported_response_type",
            "Only response_type=code is supported.",
        ));
    }
    let scopes = match Scopes::parse(p.scope.as_deref().unwrap_or_default()) {
        Ok(s) if s.is_subset_of(&Scopes::from_stored(&application.scopes)) => s,
        _ => {
            return Err(fail(
                "invalid_scope",
                "The requested scope is invalid, unknown, or malformed.",
            ));
        }
    };
    let challenge = match p.code_challenge.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => match p.code_challenge_method.as_deref().unwrap_or("plain") {
            "S256" => Some((c.to_string(), "S256".to_string())),
            _ => {
                return Err(fail(
                    "invalid_request",
                    "Only the S256 code challenge method is supported.",
                ));
            }
        },
    };
    Ok(Request {
        app: application,
        redirect_uri,
        scopes,
        state,
        challenge,
    })
}

/// The sign-in form, with the browser's form token (see [`crate::web::csrf`]).
async fn sign_in_page(
    app: &AppState,
    jar: CookieJar,
    status: StatusCode,
    app_name: Option<String>,
    error: Option<String>,
    email: String,
    return_to: String,
) -> Response {
    let (csrf_token, jar) = crate::web::csrf::form_token(app, jar).await;
    let page = render(
        status,
        &SignInPage {
            site_title: &app.inst.config.instance.title,
            domain: app.inst.domain(),
            app_name,
            error,
            email,
            return_to,
            csrf_token,
        },
    );
    (jar, page).into_response()
}

/// # `GET /oauth/authorize`
pub async fn show(
    State(app): State<AppState>,
    jar: CookieJar,
    uri: axum::http::Uri,
    Query(raw): Query<Vec<(String, String)>>,
) -> Response {
    let p: AuthorizeParams = match crate::params::from_value(pairs_to_value(&raw)) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let request = match check(&app, &p).await {
        Ok(r) => r,
        Err(page) => return page,
    };
    let session = current_session(&app, &jar).await;
    let (session, local) = match session {
        Some(s) if !p.force_login.unwrap_or(false) => s,
        _ => {
            // Come back here (without force_login) once signed in.
            let kept: Vec<(String, String)> = raw
                .into_iter()
                .filter(|(k, _)| k != "force_login")
                .collect();
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(kept)
                .finish();
            let return_to = format!("{}?{query}", uri.path());
            return sign_in_page(
                &app,
                jar,
                StatusCode::OK,
                Some(request.app.name.clone()),
                None,
                String::new(),
                return_to,
            )
            .await;
        }
    };
    render(
        StatusCode::OK,
        &AuthorizePage {
            site_title: &app.inst.config.instance.title,
            domain: app.inst.domain(),
            app_name: request.app.name.clone(),
            website: request.app.website.clone(),
            username: local.account.username.clone(),
            scopes: request
                .scopes
                .iter()
                .map(|s| (s.to_string(), describe(s)))
                .collect(),
            csrf_token: session.csrf_token,
            client_id: request.app.client_id.clone(),
            redirect_uri: request.redirect_uri,
            scope: request.scopes.to_string(),
            state: request.state.unwrap_or_default(),
            code_challenge: request
                .challenge
                .as_ref()
                .map(|c| c.0.clone())
                .unwrap_or_default(),
            code_challenge_method: request.challenge.map(|c| c.1).unwrap_or_default(),
        },
    )
}

fn pairs_to_value(pairs: &[(String, String)]) -> serde_json::Value {
    let mut v = serde_json::Value::Object(Default::default());
    for (k, val) in pairs {
        crate::params::insert_pair(&mut v, k, val.clone());
    }
    v
}

/// # `POST /oauth/authorize`
pub async fn decide(
    State(app): State<AppState>,
    jar: CookieJar,
    Params(p): Params<AuthorizeParams>,
) -> Response {
    // The form's token was checked by `web::csrf::guard` before this ran.
    let Some((_, local)) = current_session(&app, &jar).await else {
        return message(
            &app,
            StatusCode::FORBIDDEN,
            "Session expired",
            "Sign in again and retry from your app.",
        );
    };
    let request = match check(&app, &p).await {
        Ok(r) => r,
        Err(page) => return page,
    };
    let state = request.state.clone().unwrap_or_default();
    if p.decision.as_deref() != Some("approve") {
        if request.redirect_uri == oauth::OOB_REDIRECT {
            return message(
                &app,
                StatusCode::OK,
                "Access denied",
                "You denied the application access to your account.",
            );
        }
        let mut pairs = vec![
            ("error", "access_denied"),
            (
                "error_description",
                "The resource owner or authorization server denied the request.",
            ),
        ];
        if !state.is_empty() {
            pairs.push(("state", &state));
        }
        return redirect_with(&request.redirect_uri, &pairs);
    }
    let code = match oauth::issue_code(
        &app.inst,
        &request.app,
        local.user.id,
        &request.redirect_uri,
        &request.scopes,
        request.challenge.clone(),
    )
    .await
    {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = %e, "issuing authorization code failed");
            return message(
                &app,
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again",
                "The server could not complete the authorization.",
            );
        }
    };
    if request.redirect_uri == oauth::OOB_REDIRECT {
        return render(
            StatusCode::OK,
            &OobPage {
                site_title: &app.inst.config.instance.title,
                app_name: request.app.name,
                code,
            },
        );
    }
    let mut pairs = vec![("code", code.as_str())];
    if !state.is_empty() {
        pairs.push(("state", &state));
    }
    redirect_with(&request.redirect_uri, &pairs)
}

#[derive(Debug, Deserialize)]
pub struct ReturnTo {
    #[serde(default, deserialize_with = "de::opt_string")]
    return_to: Option<String>,
}

/// # `GET /auth/sign_in`
pub async fn sign_in_form(
    State(app): State<AppState>,
    jar: CookieJar,
    Params(p): Params<ReturnTo>,
) -> Response {
    if let Some((session, local)) = current_session(&app, &jar).await {
        return render(
            StatusCode::OK,
            &MessagePage {
                site_title: &app.inst.config.instance.title,
                heading: "Signed in".into(),
                message: format!(
                    "You are signed in as @{}@{}. To read and post, add this account to any Mastodon app with the server {}.",
                    local.account.username,
                    app.inst.domain(),
                    app.inst.domain()
                ),
                signed_in: true,
                csrf_token: session.csrf_token,
            },
        );
    }
    let return_to = safe_return_to(&app, p.return_to.as_deref());
    sign_in_page(
        &app,
        jar,
        StatusCode::OK,
        None,
        None,
        String::new(),
        return_to,
    )
    .await
}

/// Where to go after signing in: `return_to` when it is a path of this origin
/// ([`crate::web::redirect::same_origin_path`]), else the sign-in page itself.
fn safe_return_to(app: &AppState, r: Option<&str>) -> String {
    r.and_then(|r| crate::web::redirect::same_origin_path(app.inst.urls.base_url(), r))
        .unwrap_or_else(|| "/auth/sign_in".to_string())
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default, deserialize_with = "de::opt_string")]
    email: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    password: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    return_to: Option<String>,
}

/// # `POST /auth/sign_in`
pub async fn sign_in(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    Params(form): Params<SignInForm>,
) -> Response {
    let return_to = safe_return_to(&app, form.return_to.as_deref());
    let email = form.email.unwrap_or_default();
    if let Err(e) = app.limits.check_sign_in(ip) {
        let _ = e;
        return sign_in_page(
            &app,
            jar,
            StatusCode::TOO_MANY_REQUESTS,
            None,
            Some("Too many sign-in attempts. Wait a few minutes and try again.".into()),
            email,
            return_to,
        )
        .await;
    }
    let local = match accounts::authenticate(
        &app.inst,
        &email,
        form.password.as_deref().unwrap_or_default(),
    )
    .await
    {
        Ok(Some(local)) => local,
        Ok(None) => {
            return sign_in_page(
                &app,
                jar,
                StatusCode::UNAUTHORIZED,
                None,
                Some("Invalid email address or password.".into()),
                email,
                return_to,
            )
            .await;
        }
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            return sign_in_page(
                &app,
                jar,
                StatusCode::SERVICE_UNAVAILABLE,
                None,
                Some("The server could not check your sign-in. Try again.".into()),
                email,
                return_to,
            )
            .await;
        }
    };
    if let Some(problem) = accounts::login_problem(&local) {
        return sign_in_page(
            &app,
            jar,
            StatusCode::FORBIDDEN,
            None,
            Some(problem.into()),
            email,
            return_to,
        )
        .await;
    }
    let (token, _) = match oauth::create_session(&app.inst, local.user.id).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "creating session failed");
            return sign_in_page(
                &app,
                jar,
                StatusCode::SERVICE_UNAVAILABLE,
                None,
                Some("The server could not sign you in. Try again.".into()),
                email,
                return_to,
            )
            .await;
        }
    };
    let _ = accounts::touch_sign_in(&app.inst, local.user.id).await;
    let cookie = Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(app.inst.config.scheme() == "https")
        .max_age(time_days(oauth::SESSION_LIFETIME_DAYS))
        .build();
    (jar.add(cookie), crate::web::redirect::to(&return_to)).into_response()
}

fn time_days(days: i64) -> time::Duration {
    time::Duration::days(days)
}

/// # `POST /auth/sign_out` (its form token checked by [`crate::web::csrf::guard`]).
pub async fn sign_out(State(app): State<AppState>, jar: CookieJar) -> Response {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        let _ = oauth::delete_session(&app.inst, cookie.value()).await;
    }
    (
        jar.remove(Cookie::build(SESSION_COOKIE).path("/").build()),
        crate::web::redirect::to("/"),
    )
        .into_response()
}
