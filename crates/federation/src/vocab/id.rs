//! Identifiers: [`IdRef`] (an absolute URL kept exactly as the peer wrote it) and the
//! readers that pull one out of a string, an object with `id`, a Link with `href`, or a
//! list; plus public addressing.

use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use url::Url;

use super::lenient::value_items;

/// The ActivityStreams public collection.
pub const AS_PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Longest identifier accepted, in bytes. Real ids stay far below this.
pub const MAX_ID_LEN: usize = 4096;

/// True for the three spellings of the public collection seen on input:
/// [`AS_PUBLIC`], `as:Public` and `Public`.
pub fn is_public(address: &str) -> bool {
    matches!(address, AS_PUBLIC | "as:Public" | "Public")
}

/// An absolute URL identifying an object, actor, collection or link target.
///
/// The original text is kept byte for byte (`url::Url` would rewrite
/// `https://example.org?c=1` to `https://example.org/?c=1`, and peers look ids up by
/// exact string); [`IdRef::url`] gives the parsed form for fetching.
#[derive(Clone)]
pub struct IdRef {
    raw: String,
    url: Url,
}

impl IdRef {
    /// Accepts `text` if it is an absolute URL with no whitespace or control characters,
    /// at most [`MAX_ID_LEN`] bytes, and not of a scheme that only makes sense in a
    /// browser (`javascript:`, `data:`, `file:`, …).
    pub fn parse(text: &str) -> Option<Self> {
        if text.is_empty()
            || text.len() > MAX_ID_LEN
            || text.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return None;
        }
        let url = Url::parse(text).ok()?;
        if matches!(
            url.scheme(),
            "javascript" | "vbscript" | "data" | "file" | "about" | "blob"
        ) {
            return None;
        }
        Some(Self {
            raw: text.to_owned(),
            url,
        })
    }

    /// The identifier exactly as received.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The parsed URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The host, if the URL has one.
    pub fn host(&self) -> Option<&str> {
        self.url.host_str()
    }

    /// True for `http` and `https` URLs, the only ones worth dereferencing.
    pub fn is_http(&self) -> bool {
        matches!(self.url.scheme(), "http" | "https")
    }

    /// True when this is the public collection.
    pub fn is_public(&self) -> bool {
        self.raw == AS_PUBLIC
    }
}

impl PartialEq for IdRef {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Eq for IdRef {}

impl std::hash::Hash for IdRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.raw.hash(state);
    }
}

impl PartialEq<str> for IdRef {
    fn eq(&self, other: &str) -> bool {
        self.raw == other
    }
}

impl PartialEq<&str> for IdRef {
    fn eq(&self, other: &&str) -> bool {
        self.raw == *other
    }
}

impl AsRef<str> for IdRef {
    fn as_ref(&self) -> &str {
        &self.raw
    }
}

impl fmt::Display for IdRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl fmt::Debug for IdRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdRef({:?})", self.raw)
    }
}

impl Serialize for IdRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for IdRef {
    /// Strict: a URL string, an object with an `id`, or a list whose first usable entry
    /// is one of those; otherwise an error.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        value_to_id(&value)
            .ok_or_else(|| D::Error::custom("expected an absolute URL or an object with an `id`"))
    }
}

/// An `object`-like property: either a bare link or an embedded object.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectOrLink {
    /// A URL (a string, or a Link object's `href`).
    Link(IdRef),
    /// An embedded JSON object, kept whole.
    Object(serde_json::Map<String, Value>),
}

impl ObjectOrLink {
    /// Reads a string or an object; anything else is `None`.
    pub fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::String(text) => IdRef::parse(text).map(Self::Link),
            Value::Object(map) if is_link_object(map) => value_to_link(value).map(Self::Link),
            Value::Object(map) => Some(Self::Object(map.clone())),
            _ => None,
        }
    }

    /// The identifier: the link itself, or the embedded object's `id`.
    pub fn id(&self) -> Option<IdRef> {
        match self {
            Self::Link(link) => Some(link.clone()),
            Self::Object(map) => map.get("id").and_then(Value::as_str).and_then(IdRef::parse),
        }
    }
}

impl<'de> Deserialize<'de> for ObjectOrLink {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(&value).ok_or_else(|| D::Error::custom("expected a URL or an object"))
    }
}

fn is_link_object(map: &serde_json::Map<String, Value>) -> bool {
    map.get("type").and_then(Value::as_str) == Some("Link")
        || !map.contains_key("id") && map.contains_key("href")
}

/// An id from a URL string, an object's `id` (or a Link's `href`), or the first usable
/// entry of a list.
pub fn value_to_id(value: &Value) -> Option<IdRef> {
    match value {
        Value::String(text) => IdRef::parse(text),
        Value::Object(map) => map
            .get("id")
            .and_then(Value::as_str)
            .and_then(IdRef::parse)
            .or_else(|| {
                map.get("href")
                    .and_then(Value::as_str)
                    .and_then(IdRef::parse)
            }),
        Value::Array(items) => items.iter().take(64).find_map(value_to_id),
        _ => None,
    }
}

/// Every usable id in a one-or-many value, in order.
pub fn value_to_ids(value: &Value) -> Vec<IdRef> {
    value_items(value).filter_map(value_to_id).collect()
}

/// Addressing (`to`, `cc`, `audience`, …): ids with `as:Public` and `Public` rewritten to
/// [`AS_PUBLIC`], duplicates dropped.
pub fn value_to_addresses(value: &Value) -> Vec<IdRef> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for item in value_items(value) {
        let text = item
            .as_str()
            .or_else(|| item.get("id").and_then(Value::as_str));
        let id = match text {
            Some(text) if is_public(text) => IdRef::parse(AS_PUBLIC),
            _ => value_to_id(item),
        };
        if let Some(id) = id
            && seen.insert(id.raw.clone())
        {
            out.push(id);
        }
    }
    out
}

/// A `url`-style property: a string, a Link (`href`), an object with `url`/`id`, or a
/// list of those, preferring an entry whose `mediaType` is `text/html`.
pub fn value_to_link(value: &Value) -> Option<IdRef> {
    match value {
        Value::String(text) => IdRef::parse(text),
        Value::Object(map) => map
            .get("href")
            .and_then(Value::as_str)
            .and_then(IdRef::parse)
            .or_else(|| {
                map.get("url")
                    .filter(|url| !url.is_object())
                    .and_then(value_to_link)
            })
            .or_else(|| map.get("id").and_then(Value::as_str).and_then(IdRef::parse)),
        Value::Array(items) => {
            let html = items
                .iter()
                .take(64)
                .find(|item| item.get("mediaType").and_then(Value::as_str) == Some("text/html"));
            html.and_then(value_to_link)
                .or_else(|| items.iter().take(64).find_map(value_to_link))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_keep_their_exact_text() {
        let id = IdRef::parse("https://pfefferle.org?c=148");
        assert_eq!(
            id.as_ref().map(IdRef::as_str),
            Some("https://pfefferle.org?c=148")
        );
        assert_eq!(id.as_ref().and_then(IdRef::host), Some("pfefferle.org"));
        for bad in [
            "",
            "/users/alice",
            "alice",
            " https://a.example/",
            "https://a.example/\nx",
            "javascript:alert(1)",
        ] {
            assert!(IdRef::parse(bad).is_none(), "{bad:?}");
        }
        assert!(IdRef::parse(&format!("https://a.example/{}", "x".repeat(MAX_ID_LEN))).is_none());
    }

    #[test]
    fn ids_come_from_strings_objects_and_lists() {
        let want = Some("https://a.example/u/1");
        let read = |value: Value| value_to_id(&value).map(|id| id.to_string());
        assert_eq!(read(json!("https://a.example/u/1")).as_deref(), want);
        assert_eq!(
            read(json!({"type": "Person", "id": "https://a.example/u/1"})).as_deref(),
            want
        );
        assert_eq!(
            read(json!({"type": "Link", "href": "https://a.example/u/1"})).as_deref(),
            want
        );
        assert_eq!(
            read(json!([null, 3, "https://a.example/u/1"])).as_deref(),
            want
        );
        assert_eq!(read(json!({"id": null})), None);
        assert_eq!(read(json!(17)), None);
    }

    #[test]
    fn public_spellings_are_normalised() {
        let addresses = value_to_addresses(&json!(["as:Public", "Public", AS_PUBLIC, "bad", 4]));
        assert_eq!(addresses.len(), 1);
        assert!(addresses[0].is_public());
        assert!(is_public("as:Public") && !is_public("https://a.example/followers"));
        let single = value_to_addresses(&json!("https://a.example/followers"));
        assert_eq!(single.len(), 1);
    }

    #[test]
    fn links_prefer_html() {
        let urls = json!([
            {"type": "Link", "mediaType": "application/x-mpegURL", "href": "https://v.example/a.m3u8"},
            {"type": "Link", "mediaType": "text/html", "href": "https://v.example/w/1"}
        ]);
        assert_eq!(
            value_to_link(&urls).map(|id| id.to_string()).as_deref(),
            Some("https://v.example/w/1")
        );
        assert_eq!(
            value_to_link(&json!({"url": "https://i.example/a.png"}))
                .map(|id| id.to_string())
                .as_deref(),
            Some("https://i.example/a.png")
        );
    }

    #[test]
    fn object_or_link() {
        let link = ObjectOrLink::from_value(&json!("https://a.example/n/1"));
        assert!(matches!(link, Some(ObjectOrLink::Link(_))));
        let object =
            ObjectOrLink::from_value(&json!({"id": "https://a.example/n/1", "type": "Note"}));
        assert_eq!(
            object
                .and_then(|o| o.id())
                .map(|id| id.to_string())
                .as_deref(),
            Some("https://a.example/n/1")
        );
        assert!(ObjectOrLink::from_value(&json!(null)).is_none());
        let parsed: Result<IdRef, _> = serde_json::from_value(json!(null));
        assert!(parsed.is_err());
    }
}
