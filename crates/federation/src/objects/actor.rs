//! Actor documents: local accounts as `Person` (`Service` for bots), and the instance
//! actor (`Application`) that signs fetches made for the whole instance.

use serde_json::{Value, json};
use starling_core::Instance;
use starling_core::accounts::profile_fields;
use starling_core::entities::account;

use super::{timestamp, with_context};

/// The key id of a local account: `{actor}#main-key`.
pub fn key_id(account: &account::Model) -> String {
    format!("{}#main-key", account.uri)
}

fn image(url: String, media_type: &str) -> Value {
    json!({"type": "Image", "mediaType": media_type, "url": url})
}

fn media_type_of(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        _ => "image/jpeg",
    }
}

/// A local account's actor document.
pub fn local_actor(inst: &Instance, a: &account::Model) -> Value {
    let urls = &inst.urls;
    let kind = if a.bot { "Service" } else { "Person" };
    let attachment: Vec<Value> = profile_fields(a)
        .into_iter()
        .map(|f| json!({"type": "PropertyValue", "name": f.name, "value": f.value}))
        .collect();
    let also_known_as: Vec<String> = serde_json::from_str(&a.also_known_as).unwrap_or_default();
    let mut doc = json!({
        "id": a.uri,
        "type": kind,
        "following": urls.following(&a.username),
        "followers": urls.followers(&a.username),
        "inbox": urls.inbox(&a.username),
        "outbox": urls.outbox(&a.username),
        "featured": urls.featured(&a.username),
        "preferredUsername": a.username,
        "name": a.display_name,
        "summary": a.note,
        "url": urls.profile(&a.username),
        "manuallyApprovesFollowers": a.locked,
        "discoverable": a.discoverable,
        "indexable": a.indexable,
        "published": timestamp(a.created_at),
        "publicKey": {
            "id": key_id(a),
            "owner": a.uri,
            "publicKeyPem": a.public_key_pem,
        },
        "tag": [],
        "attachment": attachment,
        "endpoints": {"sharedInbox": urls.shared_inbox()},
    });
    if !also_known_as.is_empty() {
        doc["alsoKnownAs"] = json!(also_known_as);
    }
    if let Some(path) = &a.avatar_file {
        doc["icon"] = image(urls.media(path), media_type_of(path));
    }
    if let Some(path) = &a.header_file {
        doc["image"] = image(urls.media(path), media_type_of(path));
    }
    with_context(doc)
}

/// A suspended or deleted local account: a `Tombstone`-like minimal actor, so that
/// servers learn it is gone (Mastodon answers 410 with the same).
pub fn deleted_actor(a: &account::Model) -> Value {
    with_context(json!({
        "id": a.uri,
        "type": "Tombstone",
    }))
}

/// The instance actor, `{base}/actor`.
pub fn instance_actor(inst: &Instance, public_key_pem: &str) -> Value {
    let urls = &inst.urls;
    let id = urls.instance_actor();
    with_context(json!({
        "id": id,
        "type": "Application",
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "preferredUsername": inst.domain(),
        "url": format!("{}/about/more?instance_actor=true", urls.base()),
        "manuallyApprovesFollowers": true,
        "publicKey": {
            "id": format!("{id}#main-key"),
            "owner": id,
            "publicKeyPem": public_key_pem,
        },
        "endpoints": {"sharedInbox": urls.shared_inbox()},
    }))
}
