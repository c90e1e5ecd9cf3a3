//! `/api/v1/admin/domain_blocks` and `/api/v1/admin/domain_allows`.

use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use starling_core::entities::{domain_allow, domain_block};
use starling_core::moderation::blocks::{self, BlockFields};
use starling_core::moderation::effects::Direction;
use starling_core::moderation::{Severity, csv, domains};

use super::Admin;
use crate::auth::scope;
use crate::error::{ApiError, ApiResult};
use crate::mastodon::accounts::path_id;
use crate::mastodon::format::timestamp;
use crate::paging::{self, NextLink, PageQuery, PrevParam};
use crate::params::{Params, ParamsWithFiles, de};
use crate::state::AppState;

/// Mastodon's `Admin::DomainBlock`.
#[derive(Debug, Serialize)]
pub struct AdminDomainBlock {
    pub id: String,
    pub domain: String,
    pub digest: String,
    pub created_at: String,
    pub severity: String,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: bool,
}

fn digest(domain: &str) -> String {
    hex::encode(Sha256::digest(domain.as_bytes()))
}

impl From<domain_block::Model> for AdminDomainBlock {
    fn from(b: domain_block::Model) -> Self {
        AdminDomainBlock {
            id: b.id.to_string(),
            digest: digest(&b.domain),
            domain: domains::to_unicode(&b.domain),
            created_at: timestamp(b.created_at),
            severity: b.severity,
            reject_media: b.reject_media,
            reject_reports: b.reject_reports,
            private_comment: b.private_comment,
            public_comment: b.public_comment,
            obfuscate: b.obfuscate,
        }
    }
}

/// Mastodon's `Admin::DomainAllow`.
#[derive(Debug, Serialize)]
pub struct AdminDomainAllow {
    pub id: String,
    pub domain: String,
    pub created_at: String,
}

impl From<domain_allow::Model> for AdminDomainAllow {
    fn from(a: domain_allow::Model) -> Self {
        AdminDomainAllow {
            id: a.id.to_string(),
            domain: domains::to_unicode(&a.domain),
            created_at: timestamp(a.created_at),
        }
    }
}

/// The parameters of a block, created or changed.
#[derive(Debug, Default, Deserialize)]
pub struct BlockParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    pub domain: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub severity: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub reject_media: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub reject_reports: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub private_comment: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub public_comment: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub obfuscate: Option<bool>,
}

impl BlockParams {
    fn fields(self) -> ApiResult<BlockFields> {
        let severity = match self.severity.as_deref() {
            Some(s) => Some(Severity::parse(s)?),
            None => None,
        };
        Ok(BlockFields {
            severity,
            reject_media: self.reject_media,
            reject_reports: self.reject_reports,
            private_comment: self.private_comment,
            public_comment: self.public_comment,
            obfuscate: self.obfuscate,
        })
    }
}

fn page_headers(
    app: &AppState,
    uri: &axum::http::Uri,
    page: &starling_core::paging::Page,
    ids: &[i64],
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(link) = paging::link_header(
        app.inst.urls.base(),
        uri,
        page,
        ids,
        NextLink::WhenFull,
        PrevParam::MinId,
    ) {
        headers.insert(axum::http::header::LINK, link);
    }
    headers
}

/// # `GET /api/v1/admin/domain_blocks`
pub async fn list_blocks(
    State(app): State<AppState>,
    _admin: Admin<scope::AdminReadDomainBlocks>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<AdminDomainBlock>>)> {
    paging::check(&p)?;
    let page = p.page(100);
    let rows = blocks::list_blocks(&app.inst, &page).await?;
    let ids: Vec<i64> = rows.iter().map(|b| b.id).collect();
    let headers = page_headers(&app, &uri, &page, &ids);
    Ok((headers, Json(rows.into_iter().map(Into::into).collect())))
}

/// # `GET /api/v1/admin/domain_blocks/:id`
pub async fn get_block(
    State(app): State<AppState>,
    _admin: Admin<scope::AdminReadDomainBlocks>,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminDomainBlock>> {
    Ok(Json(
        blocks::get_block(&app.inst, path_id(&id)?).await?.into(),
    ))
}

/// # `POST /api/v1/admin/domain_blocks`
pub async fn create_block(
    State(app): State<AppState>,
    admin: Admin<scope::AdminWriteDomainBlocks>,
    Params(p): Params<BlockParams>,
) -> ApiResult<Json<AdminDomainBlock>> {
    let Some(domain) = p.domain.clone().filter(|d| !d.trim().is_empty()) else {
        return Err(ApiError::unprocessable(
            "Validation failed: Domain can't be blank",
        ));
    };
    let fields = p.fields()?;
    let block = blocks::create_block(&app.inst, Some(admin.account_id()), &domain, fields).await?;
    Ok(Json(block.into()))
}

/// # `PUT /api/v1/admin/domain_blocks/:id`
pub async fn update_block(
    State(app): State<AppState>,
    admin: Admin<scope::AdminWriteDomainBlocks>,
    Path(id): Path<String>,
    Params(p): Params<BlockParams>,
) -> ApiResult<Json<AdminDomainBlock>> {
    let id = path_id(&id)?;
    let fields = p.fields()?;
    let block = blocks::update_block(&app.inst, Some(admin.account_id()), id, fields).await?;
    Ok(Json(block.into()))
}

/// # `DELETE /api/v1/admin/domain_blocks/:id`
pub async fn delete_block(
    State(app): State<AppState>,
    admin: Admin<scope::AdminWriteDomainBlocks>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    blocks::delete_block(&app.inst, Some(admin.account_id()), path_id(&id)?).await?;
    Ok(Json(serde_json::json!({})))
}

/// The parameters of an import: Mastodon's CSV as `csv` (JSON or form) or as an
/// uploaded `file`, and `dry_run`.
#[derive(Debug, Default, Deserialize)]
pub struct ImportParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    pub csv: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub dry_run: Option<bool>,
}

/// What an import changed, or with `dry_run` would change.
#[derive(Debug, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Blocks added (their domains and severities).
    pub created: Vec<ImportedBlock>,
    /// Blocks changed: the domain, its severity before and after.
    pub updated: Vec<ChangedBlock>,
    pub unchanged: usize,
    /// Follows between local and remote accounts that the new suspensions sever.
    pub severed: Vec<SeveredFollowEntity>,
}

#[derive(Debug, Serialize)]
pub struct ImportedBlock {
    pub domain: String,
    pub severity: String,
}

#[derive(Debug, Serialize)]
pub struct ChangedBlock {
    pub domain: String,
    pub severity_before: String,
    pub severity: String,
}

#[derive(Debug, Serialize)]
pub struct SeveredFollowEntity {
    /// The local account's username.
    pub local: String,
    /// The remote account's `user@domain`.
    pub remote: String,
    /// `following` (the local account follows the remote one) or `follower`.
    pub direction: &'static str,
}

/// # `POST /api/v1/admin/domain_blocks/import`
///
/// Not in Mastodon (whose admins import in its web interface): Mastodon's CSV in, all
/// or nothing, with a dry run that changes nothing and says which local follows the
/// new suspensions would sever.
pub async fn import_blocks(
    State(app): State<AppState>,
    admin: Admin<scope::AdminWriteDomainBlocks>,
    mut form: ParamsWithFiles<ImportParams>,
) -> ApiResult<Json<ImportReport>> {
    let bytes = match form.take_file("file") {
        Some(upload) => upload.bytes.to_vec(),
        None => form.params.csv.take().unwrap_or_default().into_bytes(),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::unprocessable(
            "Send the blocks as Mastodon's CSV, in `csv` or as an uploaded `file`",
        ));
    }
    let inst = &app.inst;
    let entries = csv::parse(&bytes, inst.config.federation.allow_private_addresses)?;
    let plan = blocks::plan_import(inst, entries).await?;
    let dry_run = form.params.dry_run.unwrap_or(false);
    if !dry_run {
        blocks::apply_import(inst, Some(admin.account_id()), &plan).await?;
    }
    Ok(Json(ImportReport {
        dry_run,
        created: plan
            .create
            .iter()
            .map(|e| ImportedBlock {
                domain: domains::to_unicode(&e.domain),
                severity: e.severity.as_str().into(),
            })
            .collect(),
        updated: plan
            .update
            .iter()
            .map(|(old, e)| ChangedBlock {
                domain: domains::to_unicode(&e.domain),
                severity_before: old.severity.clone(),
                severity: e.severity.as_str().into(),
            })
            .collect(),
        unchanged: plan.unchanged,
        severed: plan
            .severed
            .iter()
            .map(|f| SeveredFollowEntity {
                local: f.local.clone(),
                remote: f.remote.clone(),
                direction: match f.direction {
                    Direction::Following => "following",
                    Direction::Follower => "follower",
                },
            })
            .collect(),
    }))
}

/// # `GET /api/v1/admin/domain_allows`
pub async fn list_allows(
    State(app): State<AppState>,
    _admin: Admin<scope::AdminReadDomainAllows>,
    OriginalUri(uri): OriginalUri,
    Params(p): Params<PageQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<AdminDomainAllow>>)> {
    paging::check(&p)?;
    let page = p.page(100);
    let rows = blocks::list_allows(&app.inst, &page).await?;
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    let headers = page_headers(&app, &uri, &page, &ids);
    Ok((headers, Json(rows.into_iter().map(Into::into).collect())))
}

/// # `GET /api/v1/admin/domain_allows/:id`
pub async fn get_allow(
    State(app): State<AppState>,
    _admin: Admin<scope::AdminReadDomainAllows>,
    Path(id): Path<String>,
) -> ApiResult<Json<AdminDomainAllow>> {
    Ok(Json(
        blocks::get_allow(&app.inst, path_id(&id)?).await?.into(),
    ))
}

/// The parameters of a new allow.
#[derive(Debug, Default, Deserialize)]
pub struct AllowParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    pub domain: Option<String>,
}

/// # `POST /api/v1/admin/domain_allows`
pub async fn create_allow(
    State(app): State<AppState>,
    admin: Admin<scope::AdminWriteDomainAllows>,
    Params(p): Params<AllowParams>,
) -> ApiResult<Json<AdminDomainAllow>> {
    let Some(domain) = p.domain.filter(|d| !d.trim().is_empty()) else {
        return Err(ApiError::unprocessable(
            "Validation failed: Domain can't be blank",
        ));
    };
    let allow = blocks::create_allow(&app.inst, Some(admin.account_id()), &domain).await?;
    Ok(Json(allow.into()))
}

/// # `DELETE /api/v1/admin/domain_allows/:id`
pub async fn delete_allow(
    State(app): State<AppState>,
    admin: Admin<scope::AdminWriteDomainAllows>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    blocks::delete_allow(&app.inst, Some(admin.account_id()), path_id(&id)?).await?;
    Ok(Json(serde_json::json!({})))
}

/// Mastodon's `DomainBlock`, the public form.
#[derive(Debug, Serialize)]
pub struct PublicDomainBlock {
    pub domain: String,
    pub digest: String,
    pub severity: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// # `GET /api/v1/instance/domain_blocks`
///
/// As the admins choose (`instance.show_domain_blocks`): 404 when the list is not
/// published to this viewer. Obfuscated blocks show their domain half hidden; the
/// digest lets anyone check a domain they know against it.
pub async fn public_blocks(
    State(app): State<AppState>,
    viewer: crate::auth::MaybeUser<scope::Read>,
) -> ApiResult<Json<Vec<PublicDomainBlock>>> {
    let cfg = &app.inst.config.instance;
    let signed_in = viewer.local.is_some();
    if !cfg.show_domain_blocks.admits(signed_in) {
        return Err(ApiError::not_found());
    }
    let rationale = cfg.show_domain_blocks_rationale.admits(signed_in);
    let list = blocks::user_facing_blocks(&app.inst)
        .await?
        .into_iter()
        .map(|b| {
            let shown = domains::to_unicode(&b.domain);
            PublicDomainBlock {
                digest: digest(&b.domain),
                domain: if b.obfuscate {
                    domains::obfuscate(&shown)
                } else {
                    shown
                },
                severity: b.severity,
                comment: if rationale {
                    Some(b.public_comment.unwrap_or_default())
                } else {
                    None
                },
            }
        })
        .collect();
    Ok(Json(list))
}
