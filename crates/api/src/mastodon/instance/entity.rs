//! [Instance](https://docs.joinmastodon.org/entities/Instance/) (v2),
//! [V1::Instance](https://docs.joinmastodon.org/entities/V1_Instance/) and
//! [Rule](https://docs.joinmastodon.org/entities/Rule/).

use serde::Serialize;
use serde_json::{Value, json};
use starling_core::config::RegistrationMode;
use starling_core::stats::Stats;
use starling_core::{Instance, MASTODON_VERSION};

use crate::mastodon::accounts::entity::Account;

/// `4.2.0 (compatible; Starling 0.1.0)`: clients parse the leading version, which
/// claims no more than is served ([`MASTODON_VERSION`]).
pub fn version_string() -> String {
    format!(
        "{MASTODON_VERSION} (compatible; Starling {})",
        starling_core::VERSION
    )
}

pub const SOURCE_URL: &str = "https://github.com/starling-social/starling";

/// Image types accepted for uploads.
pub const SUPPORTED_MIME_TYPES: &[&str] = &["image/jpeg", "image/png", "image/gif", "image/webp"];

#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: String,
    pub text: String,
    pub hint: String,
}

pub fn rules(inst: &Instance) -> Vec<Rule> {
    inst.config
        .instance
        .rules
        .iter()
        .enumerate()
        .map(|(i, text)| Rule {
            id: (i + 1).to_string(),
            text: text.clone(),
            hint: String::new(),
        })
        .collect()
}

fn statuses_config(inst: &Instance) -> Value {
    json!({
        "max_characters": inst.config.limits.max_post_chars,
        "max_media_attachments": inst.config.limits.max_media_attachments,
        "characters_reserved_per_url": starling_core::text::URL_PLACEHOLDER_CHARS,
    })
}

fn media_config(inst: &Instance, v2: bool) -> Value {
    let limits = &inst.config.limits;
    let mut v = json!({
        "supported_mime_types": SUPPORTED_MIME_TYPES,
        "image_size_limit": limits.max_image_bytes,
        "image_matrix_limit": limits.max_image_pixels,
        "video_size_limit": 0,
        "video_frame_rate_limit": 0,
        "video_matrix_limit": 0,
    });
    if v2 {
        v["description_limit"] = json!(1500);
    }
    v
}

fn polls_config() -> Value {
    // Polls cannot be created yet.
    json!({
        "max_options": 0,
        "max_characters_per_option": 0,
        "min_expiration": 300,
        "max_expiration": 2_629_746,
    })
}

/// `GET /api/v1/instance`.
pub fn v1(inst: &Instance, stats: &Stats, contact: Option<Account>) -> Value {
    let c = &inst.config.instance;
    json!({
        "uri": inst.domain(),
        "title": c.title,
        "short_description": c.description,
        "description": c.description,
        "email": c.contact_email,
        "version": version_string(),
        "stats": {
            "user_count": stats.user_count,
            "status_count": stats.status_count,
            "domain_count": stats.domain_count,
        },
        "thumbnail": inst.urls.absolute("/thumbnail.png"),
        "languages": c.languages,
        "registrations": c.registrations != RegistrationMode::Closed,
        "approval_required": c.registrations == RegistrationMode::Approval,
        "invites_enabled": false,
        "configuration": {
            "accounts": { "max_featured_tags": 0, "max_pinned_statuses": starling_core::statuses::MAX_PINS },
            "statuses": statuses_config(inst),
            "media_attachments": media_config(inst, false),
            "polls": polls_config(),
        },
        "contact_account": contact,
        "rules": rules(inst),
    })
}

/// `GET /api/v2/instance`.
pub fn v2(inst: &Instance, stats: &Stats, contact: Option<Account>) -> Value {
    let c = &inst.config.instance;
    let limits = &inst.config.limits;
    json!({
        "domain": inst.domain(),
        "title": c.title,
        "version": version_string(),
        "source_url": SOURCE_URL,
        "description": c.description,
        "usage": { "users": { "active_month": stats.active_month } },
        "thumbnail": { "url": inst.urls.absolute("/thumbnail.png") },
        "icon": [],
        "languages": c.languages,
        "configuration": {
            "urls": {
                // No streaming server: clients then poll (Phanpy) or do without
                // live updates (Elk), instead of retrying a socket for ever.
                "streaming": null,
                "status": null,
                "about": inst.urls.absolute("/about"),
                "privacy_policy": null,
                "terms_of_service": null,
            },
            "accounts": {
                "max_note_length": limits.max_bio_chars,
                "max_featured_tags": 0,
                "max_pinned_statuses": starling_core::statuses::MAX_PINS,
                "max_profile_fields": limits.max_profile_fields,
                "profile_field_name_limit": 255,
                "profile_field_value_limit": 255,
            },
            "statuses": statuses_config(inst),
            "media_attachments": media_config(inst, true),
            "polls": polls_config(),
            "translation": { "enabled": false },
            "timelines_access": {
                "live_feeds": { "local": "public", "remote": "public" },
                "hashtag_feeds": { "local": "public", "remote": "public" },
                "trending_link_feeds": { "local": "disabled", "remote": "disabled" },
            },
            "limited_federation": false,
        },
        "registrations": {
            "enabled": c.registrations != RegistrationMode::Closed,
            "approval_required": c.registrations == RegistrationMode::Approval,
            "reason_required": false,
            "message": null,
            "min_age": null,
            "url": null,
        },
        "contact": { "email": c.contact_email, "account": contact },
        "rules": rules(inst),
    })
}
