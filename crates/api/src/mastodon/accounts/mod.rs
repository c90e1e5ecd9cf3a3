//! Accounts: registration, the signed-in user's profile, looking accounts up, their
//! statuses, followers and following, and following them.

pub mod domain_blocks;
pub mod entity;
pub mod mutes;

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::Value;
use starling_core::accounts::{self, ProfileUpdate, Registration};
use starling_core::entities::account;
use starling_core::error::CoreError;
use starling_core::follows::{self, FollowOptions};
use starling_core::paging::Page;
use starling_core::{oauth, timelines, views};

use crate::auth::{AppToken, MaybeUser, User, scope};
use crate::error::{ApiError, ApiResult};
use crate::mastodon::apps::entity::Token;
use crate::mastodon::statuses::entity::Status;
use crate::paging::{self, NextLink, PageQuery, PrevParam};
use crate::params::{Params, ParamsWithFiles, de};
use crate::state::{AppState, ClientIp};
use entity::{Account, CredentialAccount, Relationship};

/// Parses an id from the path; anything that is not an id is simply not found.
pub fn path_id(raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>().map_err(|_| ApiError::not_found())
}

#[derive(Debug, Deserialize)]
pub struct RegisterParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    email: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    password: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    agreement: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    locale: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    reason: Option<String>,
}

/// # `POST /api/v1/accounts`
///
/// Registers an account with an application token (`client_credentials`) and answers
/// with a token for the new user, as Mastodon does.
pub async fn register(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    token: AppToken<scope::WriteAccounts>,
    Params(p): Params<RegisterParams>,
) -> ApiResult<Json<Token>> {
    if token.auth.token.user_id.is_some() {
        return Err(ApiError::forbidden(
            "This method requires an client credentials authentication",
        ));
    }
    app.limits.check_sign_up(ip)?;
    let application = oauth::get_application(&app.inst, token.auth.token.application_id).await?;
    let local = accounts::register(
        &app.inst,
        Registration {
            username: p.username.unwrap_or_default(),
            email: p.email.unwrap_or_default(),
            password: p.password.unwrap_or_default(),
            agreement: p.agreement.unwrap_or(false),
            locale: p.locale,
            reason: p.reason.unwrap_or_default(),
        },
    )
    .await
    .map_err(|e| match e {
        CoreError::Validation(v) => ApiError::validation_with_details(&v),
        other => other.into(),
    })?;
    let scopes = oauth::Scopes::from_stored(&application.scopes);
    let issued =
        oauth::issue_token(&app.inst, &application, Some(local.user.id), &scopes, None).await?;
    Ok(Json(Token::build(&issued)))
}

async fn credential_account(
    app: &AppState,
    local: &accounts::LocalAccount,
) -> ApiResult<CredentialAccount> {
    let requests = follows::follow_requests(&app.inst, local.account.id, &Page::first(40)).await?;
    Ok(CredentialAccount::build(
        &app.inst,
        local,
        requests.len() as u64,
    ))
}

/// # `GET /api/v1/accounts/verify_credentials`
pub async fn verify_credentials(
    State(app): State<AppState>,
    user: User<scope::ReadProfile>,
) -> ApiResult<Json<CredentialAccount>> {
    Ok(Json(credential_account(&app, &user.local).await?))
}

#[derive(Debug, Deserialize, Default)]
pub struct SourceParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    privacy: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    language: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct UpdateCredentials {
    #[serde(default, deserialize_with = "de::opt_string")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    note: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    locked: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    bot: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    discoverable: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    indexable: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    hide_collections: Option<bool>,
    #[serde(default)]
    fields_attributes: Option<Value>,
    #[serde(default)]
    source: Option<SourceParams>,
}

/// `fields_attributes` as an array of `{name, value}` or an object keyed by index. As in
/// Mastodon, the keys do not matter: fields keep the order in which they were sent.
fn parse_fields(v: Value) -> ApiResult<Vec<(String, String)>> {
    let items: Vec<Value> = match v {
        Value::Array(items) => items,
        Value::Object(map) => map.into_iter().map(|(_, v)| v).collect(),
        Value::Null => Vec::new(),
        _ => {
            return Err(ApiError::bad_request(
                "fields_attributes must be a list of {name, value}",
            ));
        }
    };
    items
        .into_iter()
        .map(|item| {
            let get = |k: &str| match item.get(k) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(Value::Null) | None => Ok(String::new()),
                Some(other) => Err(ApiError::bad_request(format!(
                    "fields_attributes {k} must be a string, not {other}"
                ))),
            };
            Ok((get("name")?, get("value")?))
        })
        .collect()
}

/// # `PATCH /api/v1/accounts/update_credentials`
pub async fn update_credentials(
    State(app): State<AppState>,
    user: User<scope::WriteAccounts>,
    mut form: ParamsWithFiles<UpdateCredentials>,
) -> ApiResult<Json<CredentialAccount>> {
    let avatar = form.take_file("avatar").map(|f| f.bytes.to_vec());
    let header = form.take_file("header").map(|f| f.bytes.to_vec());
    let p = form.params;
    let source = p.source.unwrap_or_default();
    let update = ProfileUpdate {
        display_name: p.display_name,
        note: p.note,
        locked: p.locked,
        bot: p.bot,
        discoverable: p.discoverable,
        indexable: p.indexable,
        hide_collections: p.hide_collections,
        fields: p.fields_attributes.map(parse_fields).transpose()?,
        avatar: avatar.filter(|b| !b.is_empty()),
        header: header.filter(|b| !b.is_empty()),
        default_visibility: source.privacy,
        default_sensitive: source.sensitive,
        default_language: source.language.map(|l| Some(l).filter(|l| !l.is_empty())),
    };
    let local = accounts::update_profile(&app.inst, &user.local, update).await?;
    Ok(Json(credential_account(&app, &local).await?))
}

/// # `GET /api/v1/accounts/:id`
pub async fn show(
    State(app): State<AppState>,
    _viewer: MaybeUser<scope::ReadAccounts>,
    Path(id): Path<String>,
) -> ApiResult<Json<Account>> {
    let account = starling_core::visibility::account(&app.inst, path_id(&id)?).await?;
    let role = if account.is_local() {
        accounts::find_local_with_user(&app.inst, &account.username)
            .await?
            .map(|l| l.role())
    } else {
        None
    };
    Ok(Json(Account::build(&app.inst, &account, role)))
}

#[derive(Debug, Deserialize)]
pub struct LookupParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    acct: Option<String>,
}

/// # `GET /api/v1/accounts/lookup`
pub async fn lookup(
    State(app): State<AppState>,
    _viewer: MaybeUser<scope::ReadAccounts>,
    Params(p): Params<LookupParams>,
) -> ApiResult<Json<Account>> {
    let acct = p
        .acct
        .filter(|a| !a.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("param is missing or the value is empty: acct"))?;
    let account = accounts::lookup(&app.inst, &acct)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let account = starling_core::visibility::account(&app.inst, account.id).await?;
    Ok(Json(Account::build(&app.inst, &account, None)))
}

#[derive(Debug, Deserialize)]
pub struct AccountStatusesParams {
    #[serde(flatten)]
    page: PageQuery,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pinned: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    exclude_replies: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    exclude_reblogs: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    only_media: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    tagged: Option<String>,
}

/// # `GET /api/v1/accounts/:id/statuses`
pub async fn statuses(
    State(app): State<AppState>,
    viewer: MaybeUser<scope::ReadStatuses>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<AccountStatusesParams>,
) -> ApiResult<(HeaderMap, Json<Vec<Status>>)> {
    paging::check(&p.page)?;
    let account = starling_core::visibility::account(&app.inst, path_id(&id)?).await?;
    let page = p.page.page(20);
    let filter = timelines::AccountFilter {
        pinned: p.pinned.unwrap_or(false),
        exclude_replies: p.exclude_replies.unwrap_or(false),
        exclude_reblogs: p.exclude_reblogs.unwrap_or(false),
        only_media: p.only_media.unwrap_or(false),
        tagged: p.tagged.filter(|t| !t.is_empty()),
    };
    let rows =
        timelines::account_statuses(&app.inst, &account, viewer.account_id(), &filter, &page)
            .await?;
    let ids: Vec<i64> = rows.iter().map(|s| s.id).collect();
    let views = views::status_views(&app.inst, rows, viewer.account_id()).await?;
    let headers = paging::link_headers(
        app.inst.urls.base(),
        &uri,
        &page,
        &ids,
        NextLink::WhenFull,
        PrevParam::MinId,
    );
    Ok((
        headers,
        Json(
            views
                .iter()
                .map(|v| Status::build(&app.inst, v, false))
                .collect(),
        ),
    ))
}

/// Renders a page of `(paging id, account)` pairs with Mastodon's `Link` header.
pub fn account_page(
    app: &AppState,
    uri: &axum::http::Uri,
    page: &Page,
    rows: Vec<(i64, account::Model)>,
) -> (HeaderMap, Json<Vec<Account>>) {
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let headers = paging::link_headers(
        app.inst.urls.base(),
        uri,
        page,
        &ids,
        NextLink::WhenFull,
        PrevParam::SinceId,
    );
    (
        headers,
        Json(
            rows.iter()
                .map(|(_, a)| Account::build(&app.inst, a, None))
                .collect(),
        ),
    )
}

/// # `GET /api/v1/accounts/:id/followers`
pub async fn followers(
    State(app): State<AppState>,
    viewer: MaybeUser<scope::ReadAccounts>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<Account>>)> {
    paging::check(&p)?;
    let account = starling_core::visibility::account(&app.inst, path_id(&id)?).await?;
    let page = p.page(40);
    let rows = if !starling_core::visibility::shows_network(&account, viewer.account_id()) {
        Vec::new()
    } else {
        follows::followers(&app.inst, account.id, &page).await?
    };
    Ok(account_page(&app, &uri, &page, rows))
}

/// # `GET /api/v1/accounts/:id/following`
pub async fn following(
    State(app): State<AppState>,
    viewer: MaybeUser<scope::ReadAccounts>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<Account>>)> {
    paging::check(&p)?;
    let account = starling_core::visibility::account(&app.inst, path_id(&id)?).await?;
    let page = p.page(40);
    let rows = if !starling_core::visibility::shows_network(&account, viewer.account_id()) {
        Vec::new()
    } else {
        follows::following(&app.inst, account.id, &page).await?
    };
    Ok(account_page(&app, &uri, &page, rows))
}

#[derive(Debug, Deserialize)]
pub struct FollowParams {
    #[serde(default, deserialize_with = "de::opt_bool")]
    reblogs: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    notify: Option<bool>,
    #[serde(default)]
    languages: Option<Value>,
}

/// The viewer's relationship to one account.
pub(crate) async fn relationship(
    app: &AppState,
    viewer: i64,
    target: i64,
) -> ApiResult<Relationship> {
    let mut list = follows::relationships(&app.inst, viewer, &[target]).await?;
    list.pop()
        .map(Relationship::from)
        .ok_or_else(ApiError::not_found)
}

/// # `POST /api/v1/accounts/:id/follow`
pub async fn follow(
    State(app): State<AppState>,
    user: User<scope::WriteFollows>,
    Path(id): Path<String>,
    Params(p): Params<FollowParams>,
) -> ApiResult<Json<Relationship>> {
    let target = starling_core::visibility::account(&app.inst, path_id(&id)?).await?;
    let languages = match p.languages {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            crate::params::from_value::<LanguageList>(serde_json::json!({ "languages": v }))?
                .languages,
        ),
    };
    follows::follow(
        &app.inst,
        &user.local,
        target.id,
        FollowOptions {
            reblogs: p.reblogs,
            notify: p.notify,
            languages,
        },
    )
    .await?;
    Ok(Json(
        relationship(&app, user.account_id(), target.id).await?,
    ))
}

#[derive(Debug, Deserialize)]
struct LanguageList {
    #[serde(deserialize_with = "de::strings")]
    languages: Vec<String>,
}

/// # `POST /api/v1/accounts/:id/unfollow`
pub async fn unfollow(
    State(app): State<AppState>,
    user: User<scope::WriteFollows>,
    Path(id): Path<String>,
) -> ApiResult<Json<Relationship>> {
    let target = path_id(&id)?;
    follows::unfollow(&app.inst, &user.local, target).await?;
    Ok(Json(relationship(&app, user.account_id(), target).await?))
}

/// # `POST /api/v1/accounts/:id/block`
pub async fn block(
    State(app): State<AppState>,
    user: User<scope::WriteBlocks>,
    Path(id): Path<String>,
) -> ApiResult<Json<Relationship>> {
    let target = path_id(&id)?;
    starling_core::blocks::block(&app.inst, &user.local, target).await?;
    Ok(Json(relationship(&app, user.account_id(), target).await?))
}

/// # `POST /api/v1/accounts/:id/unblock`
pub async fn unblock(
    State(app): State<AppState>,
    user: User<scope::WriteBlocks>,
    Path(id): Path<String>,
) -> ApiResult<Json<Relationship>> {
    let target = path_id(&id)?;
    starling_core::blocks::unblock(&app.inst, &user.local, target).await?;
    Ok(Json(relationship(&app, user.account_id(), target).await?))
}

/// # `GET /api/v1/blocks`
pub async fn blocks(
    State(app): State<AppState>,
    user: User<scope::ReadBlocks>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<Account>>)> {
    paging::check(&p)?;
    let page = p.page(40);
    let rows = starling_core::blocks::blocked_accounts(&app.inst, user.account_id(), &page).await?;
    Ok(account_page(&app, &uri, &page, rows))
}

#[derive(Debug, Deserialize)]
pub struct IdsParams {
    #[serde(default, deserialize_with = "de::ids")]
    id: Vec<i64>,
}

/// # `GET /api/v1/accounts/relationships`
pub async fn relationships(
    State(app): State<AppState>,
    user: User<scope::ReadFollows>,
    Params(p): Params<IdsParams>,
) -> ApiResult<Json<Vec<Relationship>>> {
    let mut ids = p.id;
    ids.dedup();
    ids.truncate(80);
    let known: Vec<i64> = accounts::get_many(&app.inst.store.read, ids.iter().copied())
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    ids.retain(|id| known.contains(id));
    let list = follows::relationships(&app.inst, user.account_id(), &ids).await?;
    Ok(Json(list.into_iter().map(Relationship::from).collect()))
}

/// # `GET /api/v1/accounts/familiar_followers`
///
/// For each account: the accounts the viewer follows that also follow it.
pub async fn familiar_followers(
    State(app): State<AppState>,
    user: User<scope::ReadFollows>,
    Params(p): Params<IdsParams>,
) -> ApiResult<Json<Vec<Value>>> {
    let mut out = Vec::new();
    for id in p.id.into_iter().take(40) {
        let familiar = follows::familiar_followers(&app.inst, user.account_id(), id).await?;
        out.push(serde_json::json!({
            "id": id.to_string(),
            "accounts": familiar.iter().map(|a| Account::build(&app.inst, a, None)).collect::<Vec<_>>(),
        }));
    }
    Ok(Json(out))
}

/// # `GET /api/v1/preferences`
pub async fn preferences(user: User<scope::ReadAccounts>) -> Json<Value> {
    let u = &user.local.user;
    Json(serde_json::json!({
        "posting:default:visibility": u.default_visibility,
        "posting:default:sensitive": u.default_sensitive,
        "posting:default:language": u.default_language,
        "posting:default:quote_policy": "nobody",
        "reading:expand:media": "default",
        "reading:expand:spoilers": false,
    }))
}
