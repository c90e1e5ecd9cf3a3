//! [Application](https://docs.joinmastodon.org/entities/Application/) and
//! [CredentialApplication](https://docs.joinmastodon.org/entities/Application/#CredentialApplication).

use serde::Serialize;
use starling_core::entities::oauth_application;
use starling_core::oauth::{self, Scopes};

#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub id: String,
    pub name: String,
    pub website: Option<String>,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
    pub redirect_uris: Vec<String>,
}

impl Application {
    pub fn build(app: &oauth_application::Model) -> Self {
        let uris = oauth::redirect_uris(app);
        Self {
            id: app.id.to_string(),
            name: app.name.clone(),
            website: app.website.clone(),
            scopes: Scopes::from_stored(&app.scopes)
                .iter()
                .map(str::to_string)
                .collect(),
            redirect_uri: uris.first().cloned().unwrap_or_default(),
            redirect_uris: uris,
        }
    }
}

/// The registration answer, with the client credentials.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialApplication {
    #[serde(flatten)]
    pub application: Application,
    pub client_id: String,
    pub client_secret: String,
    pub client_secret_expires_at: i64,
}

impl CredentialApplication {
    pub fn build(app: &oauth_application::Model) -> Self {
        Self {
            application: Application::build(app),
            client_id: app.client_id.clone(),
            client_secret: app.client_secret.clone(),
            client_secret_expires_at: 0,
        }
    }
}

/// The OAuth token answer (`/oauth/token`, registration).
#[derive(Debug, Clone, Serialize)]
pub struct Token {
    pub access_token: String,
    pub token_type: &'static str,
    pub scope: String,
    pub created_at: i64,
}

impl Token {
    pub fn build(issued: &oauth::IssuedToken) -> Self {
        Self {
            access_token: issued.token.clone(),
            token_type: "Bearer",
            scope: issued.model.scopes.clone(),
            created_at: issued.model.created_at.timestamp(),
        }
    }
}
