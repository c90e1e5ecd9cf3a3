//! `POST /api/v1/reports` and Mastodon's
//! [Report](https://docs.joinmastodon.org/entities/Report/) entity.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use starling_core::Instance;
use starling_core::accounts::{self, Role as CoreRole};
use starling_core::entities::{account, report};
use starling_core::reports::{self, NewReport};

use crate::auth::{User, scope};
use crate::error::{ApiError, ApiResult};
use crate::mastodon::accounts::entity::Account;
use crate::mastodon::format::timestamp;
use crate::params::{Params, de};
use crate::state::AppState;

/// Mastodon's `Report`, as the reporter sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub id: String,
    pub action_taken: bool,
    pub action_taken_at: Option<String>,
    pub category: String,
    pub comment: String,
    pub forwarded: bool,
    pub created_at: String,
    pub status_ids: Vec<String>,
    /// `null` when no rule is named, as Mastodon writes it.
    pub rule_ids: Option<Vec<String>>,
    pub target_account: Account,
}

/// Ids as strings.
pub fn id_strings(ids: &[i64]) -> Vec<String> {
    ids.iter().map(i64::to_string).collect()
}

impl Report {
    pub fn build(r: &report::Model, target: Account) -> Self {
        let rules = reports::rule_ids(r);
        Report {
            id: r.id.to_string(),
            action_taken: r.action_taken_at.is_some(),
            action_taken_at: r.action_taken_at.map(timestamp),
            category: r.category.clone(),
            comment: r.comment.clone(),
            forwarded: r.forwarded,
            created_at: timestamp(r.created_at),
            status_ids: id_strings(&reports::status_ids(r)),
            rule_ids: (!rules.is_empty()).then(|| id_strings(&rules)),
            target_account: target,
        }
    }
}

/// The parameters of `POST /api/v1/reports`.
#[derive(Debug, Deserialize)]
pub struct CreateParams {
    /// Read as text: an id that is not a number names no account (404).
    #[serde(default, deserialize_with = "de::opt_string")]
    account_id: Option<String>,
    #[serde(default, deserialize_with = "de::strings")]
    status_ids: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    comment: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    forward: Option<bool>,
    #[serde(default, deserialize_with = "de::strings")]
    forward_to_domains: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    category: Option<String>,
    #[serde(default, deserialize_with = "de::strings")]
    rule_ids: Vec<String>,
}

/// The role of a local account, for its entity's `roles`.
pub async fn role_of(inst: &Instance, a: &account::Model) -> ApiResult<Option<CoreRole>> {
    Ok(if a.is_local() {
        accounts::find_local_with_user(inst, &a.username)
            .await?
            .map(|l| l.role())
    } else {
        None
    })
}

/// # `POST /api/v1/reports`
///
/// Reports an account, and some of its statuses, to the moderators; with `forward`, a
/// remote account's server gets a copy from the instance actor.
pub async fn create(
    State(app): State<AppState>,
    user: User<scope::WriteReports>,
    Params(p): Params<CreateParams>,
) -> ApiResult<Json<Report>> {
    let Some(account_id) = p
        .account_id
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    else {
        return Err(ApiError::unprocessable(
            "Validation failed: Account can't be blank",
        ));
    };
    let target_id = account_id
        .parse::<i64>()
        .map_err(|_| ApiError::not_found())?;
    let target = starling_core::visibility::account(&app.inst, target_id).await?;
    // Statuses are looked up as Mastodon's `find` does: one that is not found is a 404.
    let status_ids = p
        .status_ids
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<i64>().map_err(|_| ApiError::not_found()))
        .collect::<ApiResult<Vec<i64>>>()?;
    let rule_ids = p
        .rule_ids
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim().parse::<i64>().map_err(|_| {
                ApiError::unprocessable(
                    "Validation failed: Rule ids does not reference valid rules",
                )
            })
        })
        .collect::<ApiResult<Vec<i64>>>()?;
    let forward_to_domains = p
        .forward_to_domains
        .into_iter()
        .filter(|d| !d.trim().is_empty())
        .collect::<Vec<_>>();
    let new = NewReport {
        target_id: target.id,
        status_ids,
        comment: p.comment.unwrap_or_default(),
        category: p.category,
        rule_ids,
        forward: p.forward.unwrap_or(false),
        forward_to_domains: (!forward_to_domains.is_empty()).then_some(forward_to_domains),
    };
    let report = reports::create(&app.inst, user.account_id(), new).await?;
    let role = role_of(&app.inst, &target).await?;
    let entity = Account::build(&app.inst, &target, role);
    Ok(Json(Report::build(&report, entity)))
}
