//! `GET /api/v2/search`, the exact-address subset: `q` naming an account this instance
//! knows (`alice`, `@alice`, `alice@this.domain`, `@bob@remote.example`) finds it.
//! Clients resolve account names this way before following, showing or listing one
//! (toot's `whois`, `follow`, `followers` …). With `resolve=true` (signed-in users
//! only, as Mastodon), an address of another server is looked up through WebFinger and
//! the URL of a remote actor or post is fetched. Full-text search of accounts, statuses
//! and hashtags is not supported yet: those lists are empty.
//!
//! Results are what core's rule lists for the viewer ([`starling_core::visibility`]):
//! no account awaiting approval, nothing the viewer may not see, and nothing by
//! accounts the viewer blocks, is blocked by, mutes or whose domain the viewer blocks,
//! nor by accounts this instance limits that the viewer does not follow.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use starling_core::{accounts, visibility};

use crate::auth::{MaybeUser, scope};
use crate::error::{ApiError, ApiResult};
use crate::mastodon::accounts::entity::Account;
use crate::mastodon::statuses::entity::Status;
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
    let viewer_id = viewer.account_id();
    let mut known = false;
    if wants_accounts
        && looks_like_address
        && let Some(account) = accounts::lookup(&app.inst, q).await?
    {
        known = true;
        if visibility::is_listed(&app.inst, viewer_id, &account).await? {
            found.push(Account::build(&app.inst, &account, None));
        }
    }
    let mut statuses = Vec::new();
    if !known
        && p.resolve == Some(true)
        && let Some(me) = &viewer.local
    {
        use starling_federation::resolve::{Resolved, resolve};
        match resolve(&app.fed, q).await {
            Ok(Some(Resolved::Account(account))) if wants_accounts => {
                if visibility::is_listed(&app.inst, viewer_id, &account).await? {
                    found.push(Account::build(&app.inst, &account, None));
                }
            }
            Ok(Some(Resolved::Status(status)))
                if p.kind.as_deref().is_none_or(|k| k == "statuses") =>
            {
                let viewer_id = Some(me.account.id);
                if visibility::is_status_listed(&app.inst, viewer_id, &status).await? {
                    let view =
                        starling_core::views::status_view(&app.inst, *status, viewer_id).await?;
                    statuses.push(
                        serde_json::to_value(Status::build(&app.inst, &view, false))
                            .unwrap_or_default(),
                    );
                }
            }
            Ok(_) => {}
            // Mastodon answers an unresolvable query with no results.
            Err(e) => tracing::info!(q, error = %e, "search could not resolve a remote resource"),
        }
    }
    Ok(Json(SearchResults {
        accounts: found,
        statuses,
        hashtags: Vec::new(),
    }))
}
