//! `/api/v1/admin/accounts` and `/api/v2/admin/accounts`: moderators' view of accounts,
//! [account actions](https://docs.joinmastodon.org/methods/admin/accounts/#action) and
//! their undoing, and the review of registrations.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use starling_core::accounts::Role as CoreRole;
use starling_core::moderation::accounts::{
    self as moderation, Action, ActionKind, Actor, Filter, Moderated, Origin, Status, Undo,
};

use super::Staff;
use crate::auth::scope;
use crate::error::ApiResult;
use crate::mastodon::accounts::entity::Account;
use crate::mastodon::accounts::path_id;
use crate::mastodon::format::timestamp;
use crate::paging::{self, NextLink, PageQuery, PrevParam};
use crate::params::{Params, de};
use crate::state::AppState;

/// The built-in roles' creation time, which Mastodon's role rows carry.
const ROLES_CREATED_AT: &str = "2026-12-01T00:00:00.000Z";

/// A role as Mastodon's `Admin::Account` shows it: the role row itself (integer id and
/// permissions, with its position).
#[derive(Debug, Clone, Serialize)]
pub struct AdminRole {
    pub id: i64,
    pub name: String,
    pub color: String,
    pub position: i64,
    pub permissions: i64,
    pub highlighted: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl AdminRole {
    fn of(role: CoreRole) -> Self {
        let (id, name, position, permissions, highlighted) = match role {
            CoreRole::Admin => (3, "Admin", 100, 1, true),
            // view_audit_log | view_dashboard | manage_reports | manage_taxonomies | manage_users
            CoreRole::Moderator => (2, "Moderator", 10, 1308, true),
            // The "everyone" role: invite_users.
            CoreRole::User => (-99, "", -1, 65536, false),
        };
        AdminRole {
            id,
            name: name.into(),
            color: String::new(),
            position,
            permissions,
            highlighted,
            created_at: ROLES_CREATED_AT.into(),
            updated_at: ROLES_CREATED_AT.into(),
        }
    }
}

/// One address a user signed in from (`Admin::Ip`).
#[derive(Debug, Clone, Serialize)]
pub struct AdminIp {
    pub ip: String,
    pub used_at: String,
}

/// Mastodon's [`Admin::Account`](https://docs.joinmastodon.org/entities/Admin_Account/).
/// The login's fields are `null` for remote accounts, as Mastodon's serializer leaves them.
#[derive(Debug, Clone, Serialize)]
pub struct AdminAccount {
    pub id: String,
    pub username: String,
    pub domain: Option<String>,
    pub created_at: String,
    pub email: Option<String>,
    /// Starling does not record sign-in addresses.
    pub ip: Option<String>,
    pub ips: Vec<AdminIp>,
    pub locale: Option<String>,
    pub invite_request: Option<String>,
    pub role: Option<AdminRole>,
    pub confirmed: Option<bool>,
    pub approved: Option<bool>,
    pub disabled: Option<bool>,
    pub silenced: bool,
    pub suspended: bool,
    pub sensitized: bool,
    pub account: Account,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by_application_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invited_by_account_id: Option<String>,
}

impl AdminAccount {
    pub fn build(app: &AppState, m: &Moderated) -> Self {
        let a = &m.account;
        let u = m.user.as_ref();
        AdminAccount {
            id: a.id.to_string(),
            username: a.username.clone(),
            domain: a.domain.clone(),
            created_at: timestamp(a.created_at),
            email: u.map(|u| u.email.clone()),
            ip: None,
            ips: Vec::new(),
            locale: u.map(|u| u.locale.clone()).filter(|l| !l.is_empty()),
            invite_request: u
                .map(|u| u.registration_reason.clone())
                .filter(|r| !r.is_empty()),
            role: m.role().map(AdminRole::of),
            confirmed: u.map(|u| u.confirmed_at.is_some()),
            approved: u.map(|u| u.approved),
            disabled: u.map(|u| u.disabled),
            silenced: a.silenced_at.is_some(),
            suspended: a.suspended_at.is_some(),
            sensitized: a.sensitized_at.is_some(),
            account: Account::build(&app.inst, a, m.role()),
            created_by_application_id: None,
            invited_by_account_id: None,
        }
    }
}

fn actor<S: crate::auth::ScopeSpec>(staff: &Staff<S>) -> Actor {
    Actor::of(&staff.0.local)
}

/// The filters of `GET /api/v1/admin/accounts` (Mastodon's v1 names).
#[derive(Debug, Default, Deserialize)]
pub struct V1Filters {
    // `local` is the default origin, so only `remote` is read.
    #[serde(default, deserialize_with = "de::opt_bool")]
    remote: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    by_domain: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    active: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pending: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    disabled: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    silenced: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    suspended: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    sensitized: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    email: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    staff: Option<bool>,
    #[serde(flatten)]
    page: PageQuery,
}

impl V1Filters {
    /// As Mastodon translates them: local and active unless told otherwise; of several
    /// states, the last of active, pending, disabled, silenced, suspended (then
    /// sensitized) wins.
    fn filter(&self) -> Filter {
        let on = |v: Option<bool>| v == Some(true);
        let mut status = Status::Active;
        for (given, s) in [
            (self.active, Status::Active),
            (self.pending, Status::Pending),
            (self.disabled, Status::Disabled),
            (self.silenced, Status::Silenced),
            (self.suspended, Status::Suspended),
            (self.sensitized, Status::Sensitized),
        ] {
            if on(given) {
                status = s;
            }
        }
        Filter {
            origin: Some(if on(self.remote) {
                Origin::Remote
            } else {
                Origin::Local
            }),
            status: Some(status),
            staff: on(self.staff),
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            by_domain: self.by_domain.clone(),
            email: self.email.clone(),
        }
    }
}

/// The filters of `GET /api/v2/admin/accounts`.
#[derive(Debug, Default, Deserialize)]
pub struct V2Filters {
    #[serde(default, deserialize_with = "de::opt_string")]
    origin: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    status: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    permissions: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    by_domain: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    email: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

impl V2Filters {
    fn filter(&self) -> ApiResult<Filter> {
        fn present(v: &Option<String>) -> Option<&str> {
            v.as_deref().filter(|s| !s.is_empty())
        }
        Ok(Filter {
            origin: present(&self.origin).map(Origin::parse).transpose()?,
            status: present(&self.status).map(Status::parse).transpose()?,
            staff: self.permissions.as_deref() == Some("staff"),
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            by_domain: self.by_domain.clone(),
            email: self.email.clone(),
        })
    }
}

async fn page_of(
    app: &AppState,
    uri: &axum::http::Uri,
    filter: &Filter,
    p: &PageQuery,
) -> ApiResult<(HeaderMap, Json<Vec<AdminAccount>>)> {
    paging::check(p)?;
    let page = p.page(100);
    let rows = moderation::list(&app.inst, filter, &page).await?;
    let ids: Vec<i64> = rows.iter().map(|m| m.account.id).collect();
    let headers = paging::link_headers(
        app.inst.urls.base(),
        uri,
        &page,
        &ids,
        NextLink::WhenFull,
        PrevParam::MinId,
    );
    Ok((
        headers,
        Json(rows.iter().map(|m| AdminAccount::build(app, m)).collect()),
    ))
}

/// # `GET /api/v1/admin/accounts`
pub async fn list_v1(
    State(app): State<AppState>,
    _staff: Staff<scope::AdminReadAccounts>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<V1Filters>,
) -> ApiResult<(HeaderMap, Json<Vec<AdminAccount>>)> {
    page_of(&app, &uri, &p.filter(), &p.page).await
}

/// # `GET /api/v2/admin/accounts`
pub async fn list_v2(
    State(app): State<AppState>,
    _staff: Staff<scope::AdminReadAccounts>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<V2Filters>,
) -> ApiResult<(HeaderMap, Json<Vec<AdminAccount>>)> {
    page_of(&app, &uri, &p.filter()?, &p.page).await
}

/// # `GET /api/v1/admin/accounts/:id`
pub async fn show(
    State(app): State<AppState>,
    _staff: Staff<scope::AdminReadAccounts>,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminAccount>> {
    let m = moderation::get(&app.inst, path_id(&id)?).await?;
    Ok(Json(AdminAccount::build(&app, &m)))
}

/// The parameters of an account action.
#[derive(Debug, Default, Deserialize)]
pub struct ActionParams {
    #[serde(default, rename = "type", deserialize_with = "de::opt_string")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "de::opt_id")]
    report_id: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_id")]
    warning_preset_id: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_string")]
    text: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    send_email_notification: Option<bool>,
}

/// # `POST /api/v1/admin/accounts/:id/action`
pub async fn action(
    State(app): State<AppState>,
    staff: Staff<scope::AdminWriteAccounts>,
    Path(id): Path<String>,
    Params(p): Params<ActionParams>,
) -> ApiResult<Json<serde_json::Value>> {
    let id = path_id(&id)?;
    let kind = ActionKind::parse(p.kind.as_deref().unwrap_or_default())?;
    let action = Action {
        kind,
        text: p.text.unwrap_or_default(),
        report_id: p.report_id,
        warning_preset_id: p.warning_preset_id,
        send_email_notification: p.send_email_notification.unwrap_or(false),
    };
    moderation::act(&app.inst, actor(&staff), id, action).await?;
    Ok(Json(serde_json::json!({})))
}

async fn undo(app: &AppState, actor: Actor, id: &str, what: Undo) -> ApiResult<Json<AdminAccount>> {
    let m = moderation::undo(&app.inst, actor, path_id(id)?, what).await?;
    Ok(Json(AdminAccount::build(app, &m)))
}

/// # `POST /api/v1/admin/accounts/:id/enable`
pub async fn enable(
    State(app): State<AppState>,
    staff: Staff<scope::AdminWriteAccounts>,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminAccount>> {
    undo(&app, actor(&staff), &id, Undo::Enable).await
}

/// # `POST /api/v1/admin/accounts/:id/unsensitive`
pub async fn unsensitive(
    State(app): State<AppState>,
    staff: Staff<scope::AdminWriteAccounts>,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminAccount>> {
    undo(&app, actor(&staff), &id, Undo::Unsensitive).await
}

/// # `POST /api/v1/admin/accounts/:id/unsilence`
pub async fn unsilence(
    State(app): State<AppState>,
    staff: Staff<scope::AdminWriteAccounts>,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminAccount>> {
    undo(&app, actor(&staff), &id, Undo::Unsilence).await
}

/// # `POST /api/v1/admin/accounts/:id/unsuspend`
pub async fn unsuspend(
    State(app): State<AppState>,
    staff: Staff<scope::AdminWriteAccounts>,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminAccount>> {
    undo(&app, actor(&staff), &id, Undo::Unsuspend).await
}

/// # `POST /api/v1/admin/accounts/:id/approve`
pub async fn approve(
    State(app): State<AppState>,
    staff: Staff<scope::AdminWriteAccounts>,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminAccount>> {
    let m = moderation::approve(&app.inst, actor(&staff), path_id(&id)?).await?;
    Ok(Json(AdminAccount::build(&app, &m)))
}

/// # `POST /api/v1/admin/accounts/:id/reject`
pub async fn reject(
    State(app): State<AppState>,
    staff: Staff<scope::AdminWriteAccounts>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    moderation::reject(&app.inst, actor(&staff), path_id(&id)?).await?;
    Ok(Json(serde_json::json!({})))
}

/// # `DELETE /api/v1/admin/accounts/:id`
pub async fn destroy(
    State(app): State<AppState>,
    staff: Staff<scope::AdminWriteAccounts>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let id = path_id(&id)?;
    moderation::destroy(&app.inst, actor(&staff), id).await?;
    Ok(Json(serde_json::json!({})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_lists_local_active_accounts_unless_told_otherwise() {
        let f = V1Filters::default().filter();
        assert_eq!(f.origin, Some(Origin::Local));
        assert_eq!(f.status, Some(Status::Active));
        let f = V1Filters {
            remote: Some(true),
            pending: Some(true),
            suspended: Some(true),
            ..Default::default()
        }
        .filter();
        assert_eq!(f.origin, Some(Origin::Remote));
        assert_eq!(f.status, Some(Status::Suspended), "the last state wins");
    }

    #[test]
    fn v2_refuses_unknown_origins_and_states() {
        let bad = V2Filters {
            origin: Some("elsewhere".into()),
            ..Default::default()
        };
        assert!(bad.filter().is_err());
        let f = V2Filters::default().filter().unwrap();
        assert_eq!(f.origin, None);
        assert_eq!(f.status, None);
    }
}
