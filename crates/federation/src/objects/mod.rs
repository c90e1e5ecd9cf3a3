//! Local rows rendered as ActivityPub documents, the way Mastodon renders them: actors,
//! notes, collections and the activities that carry them. The input side (documents
//! from other servers) is [`crate::vocab`].

pub mod activities;
pub mod actor;
pub mod note;

use serde_json::{Value, json};

/// `https://www.w3.org/ns/activitystreams#Public`.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The JSON-LD context Mastodon puts on actors and notes: the ActivityStreams and
/// security vocabularies plus the extension terms we use.
pub fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "featured": {"@id": "toot:featured", "@type": "@id"},
            "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
            "movedTo": {"@id": "as:movedTo", "@type": "@id"},
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "sensitive": "as:sensitive",
            "Hashtag": "as:Hashtag",
            "Emoji": "toot:Emoji",
            "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
            "blurhash": "toot:blurhash",
            "ostatus": "http://ostatus.org#",
            "atomUri": "ostatus:atomUri",
            "conversation": "ostatus:conversation"
        }
    ])
}

/// Puts `@context` first on a document.
pub fn with_context(mut doc: Value) -> Value {
    if let Value::Object(map) = &mut doc {
        let mut out = serde_json::Map::new();
        out.insert("@context".into(), context());
        for (k, v) in std::mem::take(map) {
            if k != "@context" {
                out.insert(k, v);
            }
        }
        return Value::Object(out);
    }
    doc
}

/// RFC 3339 with milliseconds and `Z`, as Mastodon writes `published`.
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An `OrderedCollection` with a total and its first page URL.
pub fn ordered_collection(id: &str, total: u64, first: Option<String>) -> Value {
    let mut doc = json!({
        "id": id,
        "type": "OrderedCollection",
        "totalItems": total,
    });
    if let Some(first) = first {
        doc["first"] = Value::String(first);
    }
    with_context(doc)
}

/// One page of an `OrderedCollection`.
pub fn ordered_page(id: &str, part_of: &str, items: Vec<Value>, next: Option<String>) -> Value {
    let mut doc = json!({
        "id": id,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "orderedItems": items,
    });
    if let Some(next) = next {
        doc["next"] = Value::String(next);
    }
    with_context(doc)
}
