//! `GET /api/v2/search`, the exact-address subset: `q` naming an account this instance
//! knows (`alice`, `@alice`, `alice@this.domain`, `@bob@remote.example`) finds it.
//! Clients resolve account names this way before following, showing or listing one
//! (toot's `whois`, `follow`, `followers` …). Full-text search of accounts, statuses
//! and hashtags is not supported yet: those lists are empty.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use starling_core::accounts;

use crate::auth::{MaybeUser, scope};
use crate::error::{ApiError, ApiResult};
use crate::mastodon::accounts::entity::Account;
use crate::mastodon::accounts::visible_account;
use crate::params::{Params, de};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    q: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "de::opt_string")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    resolve: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct SearchResults {
    accounts: Vec<Account>,
    statuses: Vec<Value>,
    hashtags: Vec<Value>,
}

/// # `GET /api/v2/search`
pub async fn v2(
    State(app): State<AppState>,
    viewer: MaybeUser<scope::ReadSearch>,
    Params(p): Params<SearchParams>,
) -> ApiResult<Json<SearchResults>> {
    let q =
        p.q.filter(|q| !q.trim().is_empty())
            .ok_or_else(|| ApiError::bad_request("param is missing or the value is empty: q"))?;
    if p.resolve == Some(true) && viewer.local.is_none() {
        return Err(ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "Search queries that resolve remote resources are not supported without authentication",
        ));
    }
    let mut found = Vec::new();
    let wants_accounts = p.kind.as_deref().is_none_or(|k| k == "accounts");
    let q = q.trim();
    let looks_like_address = !q.contains(char::is_whitespace) && !q.contains('/');
    if wants_accounts
        && looks_like_address
        && let Some(account) = accounts::lookup(&app.inst, q).await?
    {
        // An account others may not see yet is no result; any other failure is one.
        match visible_account(&app.inst, account.id).await {
            Ok(account) => found.push(Account::build(&app.inst, &account, None)),
            Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Json(SearchResults {
        accounts: found,
        statuses: Vec::new(),
        hashtags: Vec::new(),
    }))
}
