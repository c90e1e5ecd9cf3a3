//! Client applications: `POST /api/v1/apps`, `GET /api/v1/apps/verify_credentials`.

pub mod entity;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;
use starling_core::oauth::{self, NewApplication};

use crate::auth::{AppToken, scope};
use crate::error::ApiResult;
use crate::params::{Params, de};
use crate::state::AppState;
use entity::{Application, CredentialApplication};

#[derive(Debug, Deserialize)]
pub struct CreateApp {
    #[serde(default, deserialize_with = "de::opt_string")]
    client_name: Option<String>,
    /// A string (one URI per line) or an array.
    #[serde(default)]
    redirect_uris: Option<Value>,
    #[serde(default, deserialize_with = "de::opt_string")]
    scopes: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    website: Option<String>,
}

fn redirect_uri_list(v: Option<Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => oauth::split_redirect_uris(&s),
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .flat_map(|s| oauth::split_redirect_uris(&s))
            .collect(),
        _ => Vec::new(),
    }
}

/// # `POST /api/v1/apps`
pub async fn create(
    State(app): State<AppState>,
    Params(p): Params<CreateApp>,
) -> ApiResult<Json<CredentialApplication>> {
    let created = oauth::create_application(
        &app.inst,
        NewApplication {
            name: p.client_name.unwrap_or_default(),
            redirect_uris: redirect_uri_list(p.redirect_uris),
            scopes: p.scopes.unwrap_or_default(),
            website: p.website,
        },
        None,
    )
    .await?;
    Ok(Json(CredentialApplication::build(&created)))
}

/// # `GET /api/v1/apps/verify_credentials`
pub async fn verify_credentials(
    State(app): State<AppState>,
    token: AppToken<scope::Any>,
) -> ApiResult<Json<Application>> {
    let application = oauth::get_application(&app.inst, token.auth.token.application_id).await?;
    Ok(Json(Application::build(&application)))
}
