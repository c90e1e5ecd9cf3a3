//! The instance: `GET /api/v1/instance`, `GET /api/v2/instance`,
//! `GET /api/v1/instance/rules`, `GET /api/v1/instance/peers`.

pub mod entity;

use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use serde_json::Value;
use starling_core::stats::{self, Stats};
use starling_core::{Instance, accounts};

use crate::error::ApiResult;
use crate::mastodon::accounts::entity::Account;
use crate::state::AppState;

/// Statistics are full counts; they are recomputed at most once a minute.
pub(crate) async fn cached_stats(app: &AppState) -> ApiResult<Stats> {
    if let Ok(guard) = app.stats_cache.lock()
        && let Some((at, stats)) = guard.as_ref()
        && at.elapsed() < Duration::from_secs(60)
    {
        return Ok(*stats);
    }
    let fresh = stats::compute(&app.inst).await?;
    if let Ok(mut guard) = app.stats_cache.lock() {
        *guard = Some((Instant::now(), fresh));
    }
    Ok(fresh)
}

async fn contact(inst: &Instance) -> ApiResult<Option<Account>> {
    let Some(username) = &inst.config.instance.contact_account else {
        return Ok(None);
    };
    Ok(accounts::find_local_with_user(inst, username)
        .await?
        .map(|l| Account::build(inst, &l.account, Some(l.role()))))
}

/// # `GET /api/v1/instance`
pub async fn v1(State(app): State<AppState>) -> ApiResult<Json<Value>> {
    let stats = cached_stats(&app).await?;
    Ok(Json(entity::v1(
        &app.inst,
        &stats,
        contact(&app.inst).await?,
    )))
}

/// # `GET /api/v2/instance`
pub async fn v2(State(app): State<AppState>) -> ApiResult<Json<Value>> {
    let stats = cached_stats(&app).await?;
    Ok(Json(entity::v2(
        &app.inst,
        &stats,
        contact(&app.inst).await?,
    )))
}

/// # `GET /api/v1/instance/rules`
pub async fn rules(State(app): State<AppState>) -> Json<Vec<entity::Rule>> {
    Json(entity::rules(&app.inst))
}

/// # `GET /api/v1/instance/peers`
///
/// Domains this instance knows accounts on, but not those it does not federate with
/// (suspended, or not allowed in allow-list mode), as Mastodon leaves them out.
pub async fn peers(State(app): State<AppState>) -> ApiResult<Json<Vec<String>>> {
    let mut domains = starling_core::accounts::known_domains(&app.inst).await?;
    domains.retain(|d| !app.inst.policy.is_suspended(d));
    Ok(Json(domains))
}
