//! Profiles: their fields, and their edits by the account's owner (name, bio with
//! mentions, fields, images, settings).

use chrono::Utc;
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
use serde::{Deserialize, Serialize};

use super::{LocalAccount, lookup};
use crate::entities::account;
use crate::error::{CoreError, CoreResult, ValidationErrors};
use crate::instance::Instance;
use crate::text::{self, FormatOptions, MentionLink, MentionRef};

/// One profile metadata field as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProfileField {
    pub name: String,
    /// HTML.
    pub value: String,
    /// As typed (local accounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_source: Option<String>,
    #[serde(default)]
    pub verified_at: Option<chrono::DateTime<Utc>>,
}

/// The stored fields of an account (an unreadable column reads as no fields).
pub fn profile_fields(account: &account::Model) -> Vec<ProfileField> {
    serde_json::from_str(&account.fields).unwrap_or_default()
}

/// Changes to a profile; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    pub note: Option<String>,
    pub locked: Option<bool>,
    pub bot: Option<bool>,
    pub discoverable: Option<bool>,
    pub indexable: Option<bool>,
    pub hide_collections: Option<bool>,
    /// `(name, value)` pairs, replacing all fields.
    pub fields: Option<Vec<(String, String)>>,
    /// Image bytes.
    pub avatar: Option<Vec<u8>>,
    pub header: Option<Vec<u8>>,
    pub default_visibility: Option<String>,
    pub default_sensitive: Option<bool>,
    /// `Some(None)` clears the default language.
    pub default_language: Option<Option<String>>,
}

/// Resolves `@user` (local) mentions for text typed on this instance.
pub async fn mention_links(
    inst: &Instance,
    mentions: &[MentionRef],
) -> CoreResult<Vec<(MentionRef, account::Model)>> {
    let mut out = Vec::new();
    for m in mentions {
        let acct = match &m.domain {
            Some(d) => format!("{}@{d}", m.username),
            None => m.username.clone(),
        };
        if let Some(account) = lookup(inst, &acct).await? {
            out.push((m.clone(), account));
        }
    }
    Ok(out)
}

/// Formats text typed by a local user, linking the mentions that resolve.
pub fn format_with_mentions(
    inst: &Instance,
    text: &str,
    resolved: &[(MentionRef, account::Model)],
    multiline: bool,
    rel_me: bool,
) -> String {
    let resolve = |m: &MentionRef| -> Option<MentionLink> {
        resolved
            .iter()
            .find(|(r, _)| r.username.eq_ignore_ascii_case(&m.username) && r.domain == m.domain)
            .map(|(_, a)| MentionLink {
                url: a.url.clone().unwrap_or_else(|| a.uri.clone()),
                display: a.username.clone(),
            })
    };
    text::format_plain(
        text,
        FormatOptions {
            base_url: inst.urls.base(),
            multiline,
            rel_me,
            hashtags: true,
        },
        &resolve,
    )
}

/// Validates and applies a profile update of a local account.
pub async fn update_profile(
    inst: &Instance,
    local: &LocalAccount,
    update: ProfileUpdate,
) -> CoreResult<LocalAccount> {
    let limits = &inst.config.limits;
    let mut errors = ValidationErrors::default();
    if let Some(name) = &update.display_name
        && text::char_count(name) > limits.max_display_name_chars
    {
        errors.add(
            "display_name",
            "ERR_TOO_LONG",
            format!(
                "is too long (maximum is {} characters)",
                limits.max_display_name_chars
            ),
        );
    }
    if let Some(note) = &update.note
        && text::countable_length(note) > limits.max_bio_chars
    {
        errors.add(
            "note",
            "ERR_TOO_LONG",
            format!(
                "is too long (maximum is {} characters)",
                limits.max_bio_chars
            ),
        );
    }
    if let Some(fields) = &update.fields {
        if fields.len() > limits.max_profile_fields {
            errors.add(
                "fields",
                "ERR_TOO_LONG",
                format!(
                    "is too long (maximum is {} fields)",
                    limits.max_profile_fields
                ),
            );
        }
        if fields
            .iter()
            .any(|(n, v)| text::char_count(n) > 255 || text::char_count(v) > 255)
        {
            errors.add(
                "fields",
                "ERR_TOO_LONG",
                "name and value must each be at most 255 characters",
            );
        }
    }
    if let Some(v) = &update.default_visibility
        && !matches!(v.as_str(), "public" | "unlisted" | "private")
    {
        errors.add(
            "source[privacy]",
            "ERR_INCLUSION",
            "is not included in the list",
        );
    }
    if let Some(Some(lang)) = &update.default_language
        && !crate::statuses::is_valid_language(lang)
    {
        errors.add(
            "source[language]",
            "ERR_INVALID",
            "is not a valid language code",
        );
    }
    errors.into_result()?;

    // Process images before touching the database: a bad image changes nothing. Their
    // errors name the parameter ("Avatar is too large"), as Mastodon's do.
    let name_image_field = |field: &'static str| {
        move |e: CoreError| match e {
            CoreError::Validation(mut v) => {
                for fe in &mut v.0 {
                    if fe.field == "file" {
                        fe.field = field.to_string();
                    }
                }
                CoreError::Validation(v)
            }
            other => other,
        }
    };
    let avatar = match update.avatar {
        Some(bytes) => Some(
            inst.media
                .store_profile_image(
                    bytes,
                    crate::media::ProfileImage::Avatar,
                    &inst.config.limits,
                )
                .await
                .map_err(name_image_field("avatar"))?,
        ),
        None => None,
    };
    let header = match update.header {
        Some(bytes) => match inst
            .media
            .store_profile_image(
                bytes,
                crate::media::ProfileImage::Header,
                &inst.config.limits,
            )
            .await
        {
            Ok(path) => Some(path),
            Err(e) => {
                // The avatar stored just before is not used: remove it.
                if let Some(path) = &avatar {
                    inst.media.remove(path).await;
                }
                return Err(name_image_field("header")(e));
            }
        },
        None => None,
    };

    let mut account = local.account.clone().into_active_model();
    if let Some(name) = update.display_name {
        account.display_name = Set(name.trim().to_string());
    }
    if let Some(note) = update.note {
        let resolved = mention_links(inst, &text::extract_mentions(&note)).await?;
        account.note = Set(format_with_mentions(inst, &note, &resolved, true, false));
        account.note_source = Set(note);
    }
    if let Some(v) = update.locked {
        account.locked = Set(v);
    }
    if let Some(v) = update.bot {
        account.bot = Set(v);
        account.actor_type = Set(if v { "Service" } else { "Person" }.into());
    }
    if let Some(v) = update.discoverable {
        account.discoverable = Set(v);
    }
    if let Some(v) = update.indexable {
        account.indexable = Set(v);
    }
    if let Some(v) = update.hide_collections {
        account.hide_collections = Set(v);
    }
    if let Some(fields) = update.fields {
        let mut stored = Vec::new();
        for (name, value) in fields {
            if name.trim().is_empty() && value.trim().is_empty() {
                continue;
            }
            let resolved = mention_links(inst, &text::extract_mentions(&value)).await?;
            stored.push(ProfileField {
                name: name.trim().to_string(),
                value: format_with_mentions(inst, value.trim(), &resolved, false, true),
                value_source: Some(value.trim().to_string()),
                verified_at: None,
            });
        }
        account.fields = Set(serde_json::to_string(&stored).unwrap_or_else(|_| "[]".into()));
    }
    let old_avatar = local.account.avatar_file.clone();
    let old_header = local.account.header_file.clone();
    if let Some(path) = &avatar {
        account.avatar_file = Set(Some(path.clone()));
    }
    if let Some(path) = &header {
        account.header_file = Set(Some(path.clone()));
    }
    let profile_changed = account.is_changed();
    account.updated_at = Set(Utc::now());

    let mut user = local.user.clone().into_active_model();
    if let Some(v) = update.default_visibility {
        user.default_visibility = Set(v);
    }
    if let Some(v) = update.default_sensitive {
        user.default_sensitive = Set(v);
    }
    if let Some(v) = update.default_language {
        user.default_language = Set(v);
    }
    user.updated_at = Set(Utc::now());

    let txn = inst.store.begin().await?;
    let account = account.update(&txn).await?;
    let user = user.update(&txn).await?;
    if profile_changed {
        crate::events::emit(&txn, account.id, &crate::events::Event::ProfileUpdated).await?;
    }
    txn.commit().await?;
    inst.events_written();

    // Replaced images are removed only once the new ones are committed.
    if avatar.is_some()
        && let Some(old) = old_avatar
    {
        inst.media.remove(&old).await;
    }
    if header.is_some()
        && let Some(old) = old_header
    {
        inst.media.remove(&old).await;
    }
    Ok(LocalAccount { account, user })
}
