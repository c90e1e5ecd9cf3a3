//! Remote actors (`Person`, `Service`, `Application`, `Group`, `Organization`) as other
//! servers publish them. Parse with [`super::parse_actor`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::id::{IdRef, value_to_id};
use super::kind::ActorKind;
use super::lenient::{
    LangMap, de_addresses, de_bool, de_datetime, de_id, de_ids, de_lang_map, de_link, de_string,
    de_value, value_items, value_to_string,
};
use super::media::{Image, Tag, de_image, de_tags};

/// A remote actor document.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    /// The JSON-LD `@context`, kept as sent (never fetched).
    #[serde(rename = "@context", default, deserialize_with = "de_value")]
    pub json_ld_context: Option<Value>,
    /// The actor's id.
    pub id: IdRef,
    /// The actor type.
    #[serde(rename = "type")]
    pub kind: ActorKind,
    /// The username; optional (some servers have none, or no WebFinger).
    #[serde(default, deserialize_with = "de_string")]
    pub preferred_username: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "de_string")]
    pub name: Option<String>,
    /// Display name per language.
    #[serde(default, deserialize_with = "de_lang_map")]
    pub name_map: LangMap,
    /// Bio, as HTML.
    #[serde(default, deserialize_with = "de_string")]
    pub summary: Option<String>,
    /// Bio per language.
    #[serde(default, deserialize_with = "de_lang_map")]
    pub summary_map: LangMap,
    /// Profile page.
    #[serde(default, deserialize_with = "de_link")]
    pub url: Option<IdRef>,
    /// Avatar.
    #[serde(default, deserialize_with = "de_image")]
    pub icon: Option<Image>,
    /// Header image.
    #[serde(default, deserialize_with = "de_image")]
    pub image: Option<Image>,
    /// Personal inbox. Required for delivery; its absence is for the caller to judge.
    #[serde(default, deserialize_with = "de_id")]
    pub inbox: Option<IdRef>,
    /// Outbox collection.
    #[serde(default, deserialize_with = "de_id")]
    pub outbox: Option<IdRef>,
    /// Followers collection.
    #[serde(default, deserialize_with = "de_id")]
    pub followers: Option<IdRef>,
    /// Following collection.
    #[serde(default, deserialize_with = "de_id")]
    pub following: Option<IdRef>,
    /// Pinned posts collection.
    #[serde(default, deserialize_with = "de_id")]
    pub featured: Option<IdRef>,
    /// Featured hashtags collection.
    #[serde(default, deserialize_with = "de_id")]
    pub featured_tags: Option<IdRef>,
    /// `endpoints` (only `sharedInbox` is read).
    #[serde(default, deserialize_with = "de_endpoints")]
    pub endpoints: Endpoints,
    /// Misskey also puts `sharedInbox` at the top level.
    #[serde(default, deserialize_with = "de_id")]
    pub shared_inbox: Option<IdRef>,
    /// Every usable public key, in document order (`publicKey` may be a list).
    #[serde(default, deserialize_with = "de_public_keys")]
    pub public_key: Vec<PublicKey>,
    /// Follow requests need approval ("locked").
    #[serde(default, deserialize_with = "de_bool")]
    pub manually_approves_followers: Option<bool>,
    /// Opted in to discovery features.
    #[serde(default, deserialize_with = "de_bool")]
    pub discoverable: Option<bool>,
    /// Opted in to full-text search of posts.
    #[serde(default, deserialize_with = "de_bool")]
    pub indexable: Option<bool>,
    /// Suspended on its home server (Mastodon).
    #[serde(default, deserialize_with = "de_bool")]
    pub suspended: Option<bool>,
    /// Profile fields (`PropertyValue` attachments only).
    #[serde(default, rename = "attachment", deserialize_with = "de_fields")]
    pub fields: Vec<PropertyValue>,
    /// Aliases (`alsoKnownAs`, a string or a list).
    #[serde(default, deserialize_with = "de_ids")]
    pub also_known_as: Vec<IdRef>,
    /// The account this one moved to.
    #[serde(default, deserialize_with = "de_id")]
    pub moved_to: Option<IdRef>,
    /// When the account was created.
    #[serde(default, deserialize_with = "de_datetime")]
    pub published: Option<DateTime<Utc>>,
    /// When the profile last changed.
    #[serde(default, deserialize_with = "de_datetime")]
    pub updated: Option<DateTime<Utc>>,
    /// Custom emoji and hashtags in the profile.
    #[serde(default, deserialize_with = "de_tags")]
    pub tag: Vec<Tag>,
    /// Addressing, rarely present on actors.
    #[serde(default, deserialize_with = "de_addresses")]
    pub to: Vec<IdRef>,
}

impl Actor {
    /// The shared inbox from `endpoints`, else Misskey's top-level `sharedInbox`.
    pub fn shared_inbox(&self) -> Option<&IdRef> {
        self.endpoints
            .shared_inbox
            .as_ref()
            .or(self.shared_inbox.as_ref())
    }

    /// Where to deliver: the shared inbox if any, else the personal inbox.
    pub fn delivery_inbox(&self) -> Option<&IdRef> {
        self.shared_inbox().or(self.inbox.as_ref())
    }

    /// The key a signature's `keyId` names: the key with exactly that id; failing that,
    /// the only key if it has no id of its own.
    pub fn public_key(&self, key_id: &str) -> Option<&PublicKey> {
        self.public_key
            .iter()
            .find(|key| key.id.as_ref().is_some_and(|id| id == key_id))
            .or_else(|| match self.public_key.as_slice() {
                [only] if only.id.is_none() => Some(only),
                _ => None,
            })
    }

    /// The first public key, for callers that need one key per actor.
    pub fn main_public_key(&self) -> Option<&PublicKey> {
        self.public_key.first()
    }

    /// The display name, falling back to the first `nameMap` entry.
    pub fn display_name(&self) -> Option<&str> {
        self.name
            .as_deref()
            .or_else(|| self.name_map.first().map(|(_, text)| text))
    }

    /// True for bots (`Service`) and instance actors (`Application`).
    pub fn is_bot(&self) -> bool {
        matches!(self.kind, ActorKind::Service | ActorKind::Application)
    }
}

/// `endpoints` of an actor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Endpoints {
    /// The server's shared inbox.
    pub shared_inbox: Option<IdRef>,
}

/// One entry of `publicKey`.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicKey {
    /// The key id, as a signature's `keyId` names it.
    pub id: Option<IdRef>,
    /// The actor that owns the key.
    pub owner: Option<IdRef>,
    /// The PEM text (PKCS#8 `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`).
    pub public_key_pem: String,
}

impl PublicKey {
    /// Reads a key object; `None` without a non-empty `publicKeyPem`.
    pub fn from_value(value: &Value) -> Option<Self> {
        let map = value.as_object()?;
        let pem = map.get("publicKeyPem").and_then(Value::as_str)?.trim();
        if pem.is_empty() {
            return None;
        }
        Some(Self {
            id: map.get("id").and_then(value_to_id),
            owner: map.get("owner").and_then(value_to_id),
            public_key_pem: pem.to_owned(),
        })
    }
}

/// A profile field (`PropertyValue` with `name` and an HTML `value`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyValue {
    /// Field label.
    pub name: String,
    /// Field value, as HTML.
    pub value: String,
}

impl PropertyValue {
    /// Reads a `PropertyValue` (or an untyped object with `name` and `value`).
    pub fn from_value(value: &Value) -> Option<Self> {
        let map = value.as_object()?;
        let kind = map.get("type").and_then(Value::as_str);
        if !matches!(kind, None | Some("PropertyValue" | "schema:PropertyValue")) {
            return None;
        }
        Some(Self {
            name: map.get("name").and_then(value_to_string)?,
            value: map.get("value").and_then(value_to_string)?,
        })
    }
}

fn de_endpoints<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Endpoints, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(Endpoints {
        shared_inbox: value.get("sharedInbox").and_then(value_to_id),
    })
}

fn de_public_keys<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<PublicKey>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(value_items(&value)
        .take(32)
        .filter_map(PublicKey::from_value)
        .collect())
}

fn de_fields<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<PropertyValue>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(value_items(&value)
        .filter_map(PropertyValue::from_value)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn actor(value: Value) -> Option<Actor> {
        serde_json::from_value(value).ok()
    }

    #[test]
    fn minimal_actor_without_username() {
        let parsed = actor(json!({"id": "https://a.example/u/1", "type": "Person"}));
        let parsed = parsed.as_ref();
        assert!(parsed.is_some_and(|a| a.preferred_username.is_none() && a.inbox.is_none()));
        assert!(actor(json!({"id": "https://a.example/u/1", "type": "Note"})).is_none());
    }

    #[test]
    fn keys_fields_and_inboxes() {
        let parsed = actor(json!({
            "id": "https://a.example/u/1", "type": ["Service"],
            "inbox": "https://a.example/u/1/inbox", "sharedInbox": "https://a.example/inbox",
            "endpoints": "not an object",
            "publicKey": [
                {"id": "https://a.example/u/1#main-key", "publicKeyPem": "PEM-A"},
                {"id": "https://a.example/u/1#ed", "publicKeyMultibase": "z6Mk"},
                {"id": "https://a.example/u/1#other", "publicKeyPem": "PEM-B"}
            ],
            "attachment": [
                {"type": "PropertyValue", "name": "age", "value": 120},
                {"type": "IdentityProof", "name": "x", "signatureValue": "y"},
                {"type": "Link", "name": "Blog", "href": "https://b.example"}
            ],
            "alsoKnownAs": "https://b.example/u/1",
            "manuallyApprovesFollowers": "true",
            "icon": [], "name": null
        }));
        let Some(parsed) = parsed else {
            panic!("actor did not parse");
        };
        assert!(parsed.is_bot());
        assert_eq!(parsed.public_key.len(), 2);
        let key = parsed.public_key("https://a.example/u/1#other");
        assert_eq!(key.map(|k| k.public_key_pem.as_str()), Some("PEM-B"));
        assert!(parsed.public_key("https://a.example/u/1#missing").is_none());
        assert_eq!(
            parsed.fields,
            vec![PropertyValue {
                name: "age".into(),
                value: "120".into()
            }]
        );
        assert_eq!(
            parsed.delivery_inbox().map(IdRef::as_str),
            Some("https://a.example/inbox")
        );
        assert_eq!(parsed.also_known_as.len(), 1);
        assert_eq!(parsed.manually_approves_followers, Some(true));
        assert!(parsed.icon.is_none() && parsed.name.is_none());
    }
}
