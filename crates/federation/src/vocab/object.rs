//! Posts and other objects (`Note`, `Article`, `Page`, `Question`, `Video`, `Event`,
//! `Tombstone`, …). Parse with [`super::parse_object`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::id::{IdRef, value_to_id};
use super::kind::{ActorKind, ObjectKind, type_names};
use super::lenient::{
    LangMap, de_addresses, de_bool, de_datetime, de_id, de_lang_map, de_link, de_string, de_u64,
    de_value, value_items, value_to_string, value_to_u64,
};
use super::media::{Attachment, Image, Tag, de_attachments, de_image, de_tags};

/// An object that is not an actor or an activity.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Object {
    /// The JSON-LD `@context`, kept as sent (never fetched).
    #[serde(rename = "@context", default, deserialize_with = "de_value")]
    pub json_ld_context: Option<Value>,
    /// The object's id.
    pub id: IdRef,
    /// The object type; unknown types are kept as [`ObjectKind::Other`].
    #[serde(rename = "type")]
    pub kind: ObjectKind,
    /// The author: from a string, an object, or a list (first actor-like entry).
    #[serde(default, deserialize_with = "de_attributed_to")]
    pub attributed_to: Option<IdRef>,
    /// `actor`, which Pleroma, Mobilizon and others also put on objects.
    #[serde(default, deserialize_with = "de_id")]
    pub actor: Option<IdRef>,
    /// Body, as HTML (or Markdown, see `media_type`).
    #[serde(default, deserialize_with = "de_string")]
    pub content: Option<String>,
    /// Body per language.
    #[serde(default, deserialize_with = "de_lang_map")]
    pub content_map: LangMap,
    /// Title (articles, videos, events, poll options).
    #[serde(default, deserialize_with = "de_string")]
    pub name: Option<String>,
    /// Title per language.
    #[serde(default, deserialize_with = "de_lang_map")]
    pub name_map: LangMap,
    /// Content warning, or an article's summary.
    #[serde(default, deserialize_with = "de_string")]
    pub summary: Option<String>,
    /// Summary per language.
    #[serde(default, deserialize_with = "de_lang_map")]
    pub summary_map: LangMap,
    /// MIME type of `content` (PeerTube sends `text/markdown`).
    #[serde(default, deserialize_with = "de_string")]
    pub media_type: Option<String>,
    /// The source the author wrote (Misskey MFM, Lemmy Markdown, Pleroma plain text).
    #[serde(default, deserialize_with = "de_source")]
    pub source: Option<Source>,
    /// Misskey's copy of the source text.
    #[serde(default, rename = "_misskey_content", deserialize_with = "de_string")]
    pub misskey_content: Option<String>,
    /// Marked sensitive.
    #[serde(default, deserialize_with = "de_bool")]
    pub sensitive: Option<bool>,
    /// The post this replies to.
    #[serde(default, deserialize_with = "de_id")]
    pub in_reply_to: Option<IdRef>,
    /// When published.
    #[serde(default, deserialize_with = "de_datetime")]
    pub published: Option<DateTime<Utc>>,
    /// When last edited.
    #[serde(default, deserialize_with = "de_datetime")]
    pub updated: Option<DateTime<Utc>>,
    /// The web page: a string, a Link, or a list (the `text/html` entry is preferred).
    #[serde(default, deserialize_with = "de_link")]
    pub url: Option<IdRef>,
    /// Primary audience, with `as:Public` normalised to [`super::AS_PUBLIC`].
    #[serde(default, deserialize_with = "de_addresses")]
    pub to: Vec<IdRef>,
    /// Secondary audience.
    #[serde(default, deserialize_with = "de_addresses")]
    pub cc: Vec<IdRef>,
    /// Lemmy/Mitra community audience.
    #[serde(default, deserialize_with = "de_addresses")]
    pub audience: Vec<IdRef>,
    /// Mentions, hashtags and custom emoji.
    #[serde(default, deserialize_with = "de_tags")]
    pub tag: Vec<Tag>,
    /// Media.
    #[serde(default, deserialize_with = "de_attachments")]
    pub attachment: Vec<Attachment>,
    /// A preview image (videos, link posts).
    #[serde(default, deserialize_with = "de_image")]
    pub icon: Option<Image>,
    /// Thread marker (`ostatus:conversation`; often a `tag:` URI).
    #[serde(default, deserialize_with = "de_id_text")]
    pub conversation: Option<String>,
    /// Thread or context collection (ActivityStreams `context`).
    #[serde(default, deserialize_with = "de_id_text")]
    pub context: Option<String>,
    /// The replies collection.
    #[serde(default, deserialize_with = "de_id")]
    pub replies: Option<IdRef>,
    /// Quoted post (`quoteUrl`, Misskey and others).
    #[serde(default, deserialize_with = "de_id")]
    pub quote_url: Option<IdRef>,
    /// Quoted post, Misskey's spelling.
    #[serde(default, rename = "_misskey_quote", deserialize_with = "de_id")]
    pub misskey_quote: Option<IdRef>,
    /// Quoted post, Fedibird's spelling.
    #[serde(default, deserialize_with = "de_id")]
    pub quote_uri: Option<IdRef>,
    /// Quoted post (FEP-044f `quote`, Mastodon 4.4+).
    #[serde(default, deserialize_with = "de_id")]
    pub quote: Option<IdRef>,
    /// Poll options when only one may be chosen.
    #[serde(default, deserialize_with = "de_options")]
    pub one_of: Vec<QuestionOption>,
    /// Poll options when several may be chosen.
    #[serde(default, deserialize_with = "de_options")]
    pub any_of: Vec<QuestionOption>,
    /// When a poll (or an event) ends.
    #[serde(default, deserialize_with = "de_datetime")]
    pub end_time: Option<DateTime<Utc>>,
    /// When a poll closed.
    #[serde(default, deserialize_with = "de_datetime")]
    pub closed: Option<DateTime<Utc>>,
    /// Number of people who voted.
    #[serde(default, deserialize_with = "de_u64")]
    pub voters_count: Option<u64>,
    /// When an event starts.
    #[serde(default, deserialize_with = "de_datetime")]
    pub start_time: Option<DateTime<Utc>>,
}

impl Object {
    /// The author: `attributedTo`, else `actor`.
    pub fn author(&self) -> Option<&IdRef> {
        self.attributed_to.as_ref().or(self.actor.as_ref())
    }

    /// The body and its language. `content` wins; its language is the `contentMap` key
    /// whose text matches. Without `content`, the first `contentMap` entry is used.
    pub fn content_and_language(&self) -> Option<(&str, Option<&str>)> {
        match &self.content {
            Some(content) => Some((content.as_str(), self.content_map.language_of(content))),
            None => self
                .content_map
                .first()
                .map(|(lang, text)| (text, Some(lang))),
        }
    }

    /// The quoted post under any of its four spellings.
    pub fn quote_id(&self) -> Option<&IdRef> {
        [
            &self.quote,
            &self.quote_url,
            &self.misskey_quote,
            &self.quote_uri,
        ]
        .into_iter()
        .find_map(Option::as_ref)
    }

    /// Poll options and whether several may be chosen; `None` when this is no poll.
    pub fn poll_options(&self) -> Option<(&[QuestionOption], bool)> {
        if !self.any_of.is_empty() {
            Some((&self.any_of, true))
        } else if !self.one_of.is_empty() {
            Some((&self.one_of, false))
        } else {
            None
        }
    }

    /// True when `to` or `cc` holds the public collection.
    pub fn is_public(&self) -> bool {
        self.to.iter().chain(&self.cc).any(IdRef::is_public)
    }

    /// Mentioned actors' ids.
    pub fn mentions(&self) -> impl Iterator<Item = &IdRef> {
        self.tag.iter().filter_map(|tag| match tag {
            Tag::Mention { href, .. } => href.as_ref(),
            _ => None,
        })
    }
}

/// The `source` property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The text as written.
    pub content: String,
    /// Its format (`text/markdown`, `text/x.misskeymarkdown`, `text/bbcode`, …).
    pub media_type: Option<String>,
}

/// One option of a poll (`Question`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionOption {
    /// The option's text.
    pub name: String,
    /// Votes so far (`replies.totalItems`).
    pub votes: Option<u64>,
}

fn de_source<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Source>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(match &value {
        Value::String(text) => Some(Source {
            content: text.clone(),
            media_type: None,
        }),
        Value::Object(map) => map
            .get("content")
            .and_then(value_to_string)
            .map(|content| Source {
                content,
                media_type: map.get("mediaType").and_then(value_to_string),
            }),
        _ => None,
    })
}

fn de_options<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<QuestionOption>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(value_items(&value)
        .filter_map(|option| {
            Some(QuestionOption {
                name: option.get("name").and_then(value_to_string)?,
                votes: option
                    .get("replies")
                    .and_then(|replies| replies.get("totalItems"))
                    .and_then(value_to_u64),
            })
        })
        .collect())
}

/// An id-like string (a URL, a `tag:` URI, or an object's `id`).
fn de_id_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    let text = match &value {
        Value::String(text) => Some(text.as_str()),
        Value::Object(map) => map.get("id").and_then(Value::as_str),
        _ => None,
    };
    Ok(text
        .map(str::trim)
        .filter(|text| !text.is_empty() && text.len() <= super::id::MAX_ID_LEN)
        .map(str::to_owned))
}

/// `attributedTo` may be a string, an object or a list mixing both (PeerTube lists the
/// account and the channel). An embedded actor that is not a `Group` wins; otherwise
/// the first usable entry.
fn de_attributed_to<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<IdRef>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    let items: Vec<&Value> = value_items(&value).take(64).collect();
    let person = items.iter().find(|item| {
        let kind = item.get("type").map(ActorKind::from_type_value);
        matches!(kind, Some(Some(kind)) if kind != ActorKind::Group) && value_to_id(item).is_some()
    });
    let usable = |item: &&&Value| {
        let names = item
            .get("type")
            .map(|kind| type_names(kind))
            .unwrap_or_default();
        !names.iter().any(|name| name.ends_with("Collection"))
    };
    Ok(person
        .or_else(|| {
            items
                .iter()
                .filter(usable)
                .find(|item| value_to_id(item).is_some())
        })
        .and_then(|item| value_to_id(item)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Option<Object> {
        serde_json::from_value(value).ok()
    }

    #[test]
    fn attributed_to_prefers_a_person() {
        let parsed = object(json!({
            "id": "https://v.example/videos/1", "type": "Video",
            "attributedTo": [
                {"type": "Group", "id": "https://v.example/c/channel"},
                {"type": "Person", "id": "https://v.example/a/alice"}
            ]
        }));
        assert_eq!(
            parsed
                .and_then(|o| o.attributed_to)
                .map(|id| id.to_string())
                .as_deref(),
            Some("https://v.example/a/alice")
        );
        let strings = object(json!({"id": "https://v.example/videos/1", "type": "Video",
            "attributedTo": ["https://v.example/a/alice", "https://v.example/c/channel"]}));
        assert_eq!(
            strings
                .and_then(|o| o.attributed_to)
                .map(|id| id.to_string())
                .as_deref(),
            Some("https://v.example/a/alice")
        );
    }

    #[test]
    fn content_language_and_polls() {
        let parsed = object(json!({
            "id": "https://a.example/n/1", "type": "Question",
            "contentMap": {"de": "<p>Hallo</p>"},
            "anyOf": [{"type": "Note", "name": "Ja", "replies": {"totalItems": "3"}}, {"type": "Note"}],
            "endTime": "2019-05-11T09:03:36Z", "votersCount": 7,
            "source": "plain text", "_misskey_quote": "https://m.example/notes/1",
            "conversation": {"id": "tag:a.example,2019:objectId=1"}
        }));
        let Some(parsed) = parsed else {
            panic!("object did not parse");
        };
        assert_eq!(
            parsed.content_and_language(),
            Some(("<p>Hallo</p>", Some("de")))
        );
        let (options, multiple) = parsed.poll_options().unwrap_or((&[], false));
        assert!(multiple);
        assert_eq!(
            options,
            [QuestionOption {
                name: "Ja".into(),
                votes: Some(3)
            }]
        );
        assert_eq!(
            parsed.quote_id().map(IdRef::as_str),
            Some("https://m.example/notes/1")
        );
        assert_eq!(
            parsed.source.map(|s| s.content).as_deref(),
            Some("plain text")
        );
        assert_eq!(
            parsed.conversation.as_deref(),
            Some("tag:a.example,2019:objectId=1")
        );
    }
}
