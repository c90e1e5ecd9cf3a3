//! OAuth 2 as Mastodon speaks it: `POST /oauth/token` (authorization code with PKCE
//! S256, password, client credentials), `POST /oauth/revoke`, the authorization server
//! metadata, and the server-rendered sign-in and consent pages in [`authorize`].

pub mod authorize;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use starling_core::accounts;
use starling_core::entities::oauth_application;
use starling_core::oauth::{self, Scopes};

use crate::error::{ApiError, ApiResult};
use crate::mastodon::apps::entity::Token;
use crate::params::{Params, de};
use crate::state::{AppState, ClientIp};

const INVALID_CLIENT: &str = "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.";
const INVALID_GRANT: &str = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.";
const INVALID_SCOPE: &str = "The requested scope is invalid, unknown, or malformed.";
const UNSUPPORTED_GRANT: &str =
    "The authorization grant type is not supported by the authorization server.";

#[derive(Debug, Deserialize)]
pub struct TokenParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    grant_type: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    client_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    client_secret: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    code: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    redirect_uri: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    code_verifier: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    password: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    scope: Option<String>,
}

fn invalid_client() -> ApiError {
    ApiError::oauth(StatusCode::UNAUTHORIZED, "invalid_client", INVALID_CLIENT).with_header(
        header::WWW_AUTHENTICATE,
        "Basic realm=\"Doorkeeper\"".parse().expect("header"),
    )
}

fn invalid_request(what: &str) -> ApiError {
    ApiError::oauth(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        format!(
            "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed. {what}"
        ),
    )
}

/// Client credentials from `Authorization: Basic` or the body.
fn client_credentials(headers: &HeaderMap, p: &TokenParams) -> (Option<String>, Option<String>) {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        && let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(basic.trim())
        && let Ok(pair) = String::from_utf8(decoded)
        && let Some((id, secret)) = pair.split_once(':')
    {
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        return (Some(decode(id)), Some(decode(secret)));
    }
    (p.client_id.clone(), p.client_secret.clone())
}

/// Requested scopes, which must stay within the application's.
fn requested_scopes(app: &oauth_application::Model, scope: Option<&str>) -> ApiResult<Scopes> {
    let requested = Scopes::parse(scope.unwrap_or_default())
        .map_err(|_| ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_scope", INVALID_SCOPE))?;
    if !requested.is_subset_of(&Scopes::from_stored(&app.scopes)) {
        return Err(ApiError::oauth(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            INVALID_SCOPE,
        ));
    }
    Ok(requested)
}

fn token_response(issued: &oauth::IssuedToken) -> (HeaderMap, Json<Token>) {
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, "no-store".parse().expect("header"));
    headers.insert(header::PRAGMA, "no-cache".parse().expect("header"));
    (headers, Json(Token::build(issued)))
}

/// # `POST /oauth/token`
pub async fn token(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Params(p): Params<TokenParams>,
) -> ApiResult<(HeaderMap, Json<Token>)> {
    let inst = &app.inst;
    let grant_type = p
        .grant_type
        .clone()
        .filter(|g| !g.is_empty())
        .ok_or_else(|| invalid_request("Missing required parameter: grant_type."))?;
    let (client_id, client_secret) = client_credentials(&headers, &p);
    let client_id = client_id
        .filter(|c| !c.is_empty())
        .ok_or_else(invalid_client)?;
    let client_authenticated = client_secret.as_deref().is_some_and(|s| !s.is_empty());
    let application = match client_secret.as_deref().filter(|s| !s.is_empty()) {
        Some(secret) => oauth::authenticate_application(inst, &client_id, secret).await?,
        // A public client may prove itself with PKCE instead of a secret.
        None if grant_type == "authorization_code" && p.code_verifier.is_some() => {
            oauth::find_application(inst, &client_id).await?
        }
        None => None,
    }
    .ok_or_else(invalid_client)?;

    let issued = match grant_type.as_str() {
        "authorization_code" => {
            let code = p
                .code
                .as_deref()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| invalid_request("Missing required parameter: code."))?;
            oauth::exchange_code(
                inst,
                &application,
                code,
                p.redirect_uri.as_deref(),
                p.code_verifier.as_deref(),
                client_authenticated,
            )
            .await?
            .map_err(|e| {
                tracing::debug!(reason = e.0, "authorization code refused");
                ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_grant", INVALID_GRANT)
            })?
        }
        "password" => {
            app.limits.check_sign_in(ip)?;
            let scopes = requested_scopes(&application, p.scope.as_deref())?;
            let (Some(username), Some(password)) = (p.username.as_deref(), p.password.as_deref())
            else {
                return Err(invalid_request(
                    "Missing required parameter: username and password.",
                ));
            };
            let local = accounts::authenticate(inst, username, password)
                .await?
                .ok_or_else(|| {
                    ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_grant", INVALID_GRANT)
                })?;
            if let Some(problem) = accounts::login_problem(&local) {
                return Err(ApiError::oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    problem,
                ));
            }
            accounts::touch_sign_in(inst, local.user.id).await?;
            oauth::issue_token(inst, &application, Some(local.user.id), &scopes, None).await?
        }
        "client_credentials" => {
            let scopes = requested_scopes(&application, p.scope.as_deref())?;
            oauth::issue_token(inst, &application, None, &scopes, None).await?
        }
        _ => {
            return Err(ApiError::oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                UNSUPPORTED_GRANT,
            ));
        }
    };
    Ok(token_response(&issued))
}

#[derive(Debug, Deserialize)]
pub struct RevokeParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    client_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    client_secret: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    token: Option<String>,
}

/// # `POST /oauth/revoke`
pub async fn revoke(
    State(app): State<AppState>,
    headers: HeaderMap,
    Params(p): Params<RevokeParams>,
) -> ApiResult<Json<Value>> {
    let as_token_params = TokenParams {
        grant_type: None,
        client_id: p.client_id,
        client_secret: p.client_secret,
        code: None,
        redirect_uri: None,
        code_verifier: None,
        username: None,
        password: None,
        scope: None,
    };
    let (id, secret) = client_credentials(&headers, &as_token_params);
    let (Some(id), Some(secret)) = (id, secret) else {
        return Err(invalid_client());
    };
    let application = oauth::authenticate_application(&app.inst, &id, &secret)
        .await?
        .ok_or_else(invalid_client)?;
    let token = p
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid_request("Missing required parameter: token."))?;
    oauth::revoke_token(&app.inst, &application, &token).await?;
    Ok(Json(json!({})))
}

/// # `GET /.well-known/oauth-authorization-server`
pub async fn metadata(State(app): State<AppState>) -> Json<Value> {
    let u = &app.inst.urls;
    Json(json!({
        "issuer": u.absolute("/"),
        "authorization_endpoint": u.absolute("/oauth/authorize"),
        "token_endpoint": u.absolute("/oauth/token"),
        "revocation_endpoint": u.absolute("/oauth/revoke"),
        "scopes_supported": oauth::ALL_SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": ["authorization_code", "password", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "service_documentation": "https://docs.joinmastodon.org/",
        "app_registration_endpoint": u.absolute("/api/v1/apps"),
    }))
}
