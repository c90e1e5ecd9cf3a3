//! `GET /api/v2/search`, the exact-address subset: `q` naming an account this instance
//! knows (`alice`, `@alice`, `alice@this.domain`, `@bob@remote.example`) finds it.
//! Clients resolve account names this way before following, showing or listing one
//! (toot's `whois`, `follow`, `followers` …). With `resolve=true` (signed-in users
//! only, as Mastodon), an address of another server is looked up through WebFinger and
//! the URL of a remote actor or post is fetched. Full-text search of accounts, statuses
//! and hashtags is not supported yet: those lists are empty.
//!
//! Results leave out what the viewer does not see ([`starling_core::hidden`]): accounts
//! (and their posts) the viewer blocks, is blocked by, mutes or whose domain the viewer
//! blocks, and accounts this instance limits that the viewer does not follow.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use starling_core::accounts;
use starling_core::hidden::hidden_authors;

use crate::auth::{MaybeUser, scope};
use crate::error::{ApiError, ApiResult};
use crate::mastodon::accounts::entity::Account;
use crate::mastodon::accounts::visible_account;
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

/// Whether `viewer` does not see `account_id` in results: blocked either way, muted,
/// on a domain the viewer blocks, or limited by this instance and not followed.
async fn is_hidden(app: &AppState, viewer: Option<i64>, account_id: i64) -> ApiResult<bool> {
    let authors = std::collections::HashSet::from([account_id]);
    Ok(hidden_authors(&app.inst, viewer, &authors)
        .await?
        .contains(&account_id))
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
        // An account others may not see yet is no result; any other failure is one.
        match visible_account(&app.inst, account.id).await {
            Ok(account) if !is_hidden(&app, viewer_id, account.id).await? => {
                found.push(Account::build(&app.inst, &account, None))
            }
            Ok(_) => {}
            Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => {}
            Err(e) => return Err(e),
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
                if let Ok(account) = visible_account(&app.inst, account.id).await
                    && !is_hidden(&app, viewer_id, account.id).await?
                {
                    found.push(Account::build(&app.inst, &account, None));
                }
            }
            Ok(Some(Resolved::Status(status)))
                if p.kind.as_deref().is_none_or(|k| k == "statuses") =>
            {
                let viewer_id = Some(me.account.id);
                if starling_core::statuses::can_view(&app.inst, &status, viewer_id).await?
                    && !is_hidden(&app, viewer_id, status.account_id).await?
                {
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
