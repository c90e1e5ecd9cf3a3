//! Images, media attachments and tags (mentions, hashtags, custom emoji), read leniently
//! from whatever shape a peer uses.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::id::{IdRef, value_to_id, value_to_link};
use super::kind::type_names;
use super::lenient::{value_items, value_to_datetime, value_to_f64, value_to_string, value_to_u32};

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(value_to_string)
}

/// An image: an avatar, a header, an emoji's picture, a video thumbnail.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Where the image is.
    pub url: IdRef,
    /// MIME type, when given.
    pub media_type: Option<String>,
    /// Alt text (`name`).
    pub name: Option<String>,
    /// Width in pixels.
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
    /// BlurHash placeholder.
    pub blurhash: Option<String>,
}

impl Image {
    /// Reads an Image object, a bare URL string, or a list (the largest entry wins, as
    /// PeerTube lists several sizes). `None` without a usable URL.
    pub fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Array(items) => items
                .iter()
                .take(64)
                .filter_map(Self::from_value)
                .max_by_key(|image| {
                    u64::from(image.width.unwrap_or(0)) * u64::from(image.height.unwrap_or(0))
                }),
            Value::String(_) => value_to_link(value).map(|url| Self {
                url,
                media_type: None,
                name: None,
                width: None,
                height: None,
                blurhash: None,
            }),
            Value::Object(map) => {
                let url = map.get("url").and_then(value_to_link).or_else(|| {
                    map.get("href")
                        .and_then(Value::as_str)
                        .and_then(IdRef::parse)
                })?;
                let link_type = map
                    .get("url")
                    .and_then(|link| link.get("mediaType"))
                    .and_then(value_to_string);
                Some(Self {
                    url,
                    media_type: text(map, "mediaType").or(link_type),
                    name: text(map, "name"),
                    width: map.get("width").and_then(value_to_u32),
                    height: map.get("height").and_then(value_to_u32),
                    blurhash: text(map, "blurhash"),
                })
            }
            _ => None,
        }
    }
}

/// A media attachment on a post (`Document`, `Image`, `Video`, `Audio`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    /// The attachment's `type` (`Document` when absent).
    pub kind: String,
    /// The file, or the Link target for `Link` attachments.
    pub url: Option<IdRef>,
    /// MIME type, from the attachment or its Link.
    pub media_type: Option<String>,
    /// Alt text as Mastodon sends it.
    pub name: Option<String>,
    /// Alt text as GoToSocial sends it.
    pub summary: Option<String>,
    /// BlurHash placeholder.
    pub blurhash: Option<String>,
    /// Width in pixels.
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
    /// Mastodon focal point, `x` and `y` in `-1.0..=1.0`.
    pub focal_point: Option<(f64, f64)>,
}

impl Attachment {
    /// Reads an attachment object; `None` for anything that is not an object.
    pub fn from_value(value: &Value) -> Option<Self> {
        let map = value.as_object()?;
        let url_value = map.get("url").or_else(|| map.get("href"));
        let first_link = url_value.and_then(|url| value_items(url).find(|item| item.is_object()));
        let focal_point =
            map.get("focalPoint")
                .and_then(Value::as_array)
                .and_then(|pair| match pair.as_slice() {
                    [x, y] => Some((
                        value_to_f64(x)?.clamp(-1.0, 1.0),
                        value_to_f64(y)?.clamp(-1.0, 1.0),
                    )),
                    _ => None,
                });
        Some(Self {
            kind: type_names(map.get("type").unwrap_or(&Value::Null))
                .first()
                .map_or_else(|| "Document".to_owned(), |name| (*name).to_owned()),
            // The first entry: for media, a list of links names files, not pages.
            url: url_value.and_then(|url| value_items(url).take(64).find_map(value_to_link)),
            media_type: text(map, "mediaType").or_else(|| {
                first_link
                    .and_then(|link| link.get("mediaType"))
                    .and_then(value_to_string)
            }),
            name: text(map, "name"),
            summary: text(map, "summary"),
            blurhash: text(map, "blurhash"),
            width: map.get("width").and_then(value_to_u32),
            height: map.get("height").and_then(value_to_u32),
            focal_point,
        })
    }

    /// The alt text: `name`, else `summary`, ignoring empty strings.
    pub fn alt_text(&self) -> Option<&str> {
        [&self.name, &self.summary]
            .into_iter()
            .flatten()
            .map(|text| text.trim())
            .find(|text| !text.is_empty())
    }
}

/// An entry of `tag`.
#[derive(Debug, Clone, PartialEq)]
pub enum Tag {
    /// A mention of an actor.
    Mention {
        /// The actor's id (or profile URL, from some servers).
        href: Option<IdRef>,
        /// `@user@domain` as written.
        name: Option<String>,
    },
    /// A hashtag.
    Hashtag {
        /// A web page about the tag; not an ActivityPub id.
        href: Option<IdRef>,
        /// `#tag` as written.
        name: String,
    },
    /// A custom emoji.
    Emoji {
        /// The emoji's id.
        id: Option<IdRef>,
        /// `:shortcode:`.
        name: String,
        /// The picture.
        icon: Option<Box<Image>>,
        /// When the emoji last changed.
        updated: Option<DateTime<Utc>>,
    },
    /// Any other tag type (PeerTube `Infohash`, Lemmy `CommunityPostTag`, …).
    Other {
        /// Its type name.
        kind: String,
    },
}

impl Tag {
    /// Reads a tag object. A missing `type` is inferred from the name's first character
    /// (`#` hashtag, `@` mention); a tag without a usable name is `None`.
    pub fn from_value(value: &Value) -> Option<Self> {
        let map = value.as_object()?;
        let name = text(map, "name");
        let href = map.get("href").and_then(value_to_link);
        let names = type_names(map.get("type").unwrap_or(&Value::Null));
        let kind = names
            .first()
            .copied()
            .unwrap_or_else(|| match name.as_deref() {
                Some(name) if name.starts_with('#') => "Hashtag",
                Some(name) if name.starts_with('@') => "Mention",
                _ => "",
            });
        match kind {
            "Mention" => (href.is_some() || name.is_some()).then_some(Self::Mention { href, name }),
            "Hashtag" => Some(Self::Hashtag { href, name: name? }),
            "Emoji" => Some(Self::Emoji {
                id: map.get("id").and_then(value_to_id),
                name: name?,
                icon: map.get("icon").and_then(Image::from_value).map(Box::new),
                updated: map.get("updated").and_then(value_to_datetime),
            }),
            "" => None,
            other => Some(Self::Other {
                kind: other.to_owned(),
            }),
        }
    }

    /// For an emoji, its shortcode without colons.
    pub fn emoji_shortcode(&self) -> Option<&str> {
        match self {
            Self::Emoji { name, .. } => Some(name.trim_matches(':')),
            _ => None,
        }
    }
}

/// `#[serde(deserialize_with)]` adapter for one [`Image`].
pub fn de_image<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Image>, D::Error> {
    Ok(Image::from_value(&Value::deserialize(deserializer)?))
}

/// Adapter for a one-or-many list of [`Attachment`]s.
pub fn de_attachments<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Attachment>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(value_items(&value)
        .filter_map(Attachment::from_value)
        .collect())
}

/// Adapter for a one-or-many list of [`Tag`]s.
pub fn de_tags<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Tag>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(value_items(&value).filter_map(Tag::from_value).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn images_from_objects_strings_and_lists() {
        let list = json!([
            {"type": "Image", "url": "https://v.example/48.jpg", "width": 48, "height": 48},
            {"type": "Image", "url": "https://v.example/120.jpg", "width": "120", "height": 120}
        ]);
        assert_eq!(
            Image::from_value(&list)
                .map(|i| i.url.to_string())
                .as_deref(),
            Some("https://v.example/120.jpg")
        );
        assert!(Image::from_value(&json!("https://i.example/a.png")).is_some());
        assert!(Image::from_value(&json!({"type": "Image", "url": null})).is_none());
        assert!(Image::from_value(&json!(5)).is_none());
    }

    #[test]
    fn attachments_take_alt_text_from_name_or_summary() {
        let gts = json!({"type": "Image", "summary": "a cat", "url": "https://g.example/a.jpg",
                         "focalPoint": [-0.5, 7], "width": "10"});
        let attachment = Attachment::from_value(&gts);
        assert_eq!(
            attachment.as_ref().and_then(Attachment::alt_text),
            Some("a cat")
        );
        assert_eq!(
            attachment.as_ref().and_then(|a| a.focal_point),
            Some((-0.5, 1.0))
        );
        assert_eq!(attachment.as_ref().and_then(|a| a.width), Some(10));
        let linked = json!({"url": [{"type": "Link", "mediaType": "video/mp4", "href": "https://v.example/a.mp4"}]});
        let attachment = Attachment::from_value(&linked);
        assert_eq!(
            attachment.as_ref().map(|a| a.kind.as_str()),
            Some("Document")
        );
        assert_eq!(
            attachment.and_then(|a| a.media_type).as_deref(),
            Some("video/mp4")
        );
    }

    #[test]
    fn tags_of_every_kind() {
        let mention = Tag::from_value(
            &json!({"type": "Mention", "href": "https://a.example/u/1", "name": "@a@a.example"}),
        );
        assert!(matches!(mention, Some(Tag::Mention { href: Some(_), .. })));
        let untyped =
            Tag::from_value(&json!({"name": "#rust", "href": "https://a.example/tags/rust"}));
        assert!(matches!(untyped, Some(Tag::Hashtag { .. })));
        let emoji = Tag::from_value(&json!({"type": "Emoji", "name": ":blob:",
            "icon": {"type": "Image", "url": "https://a.example/blob.png"}, "updated": "1970-01-01T00:00:00Z"}));
        assert_eq!(emoji.as_ref().and_then(Tag::emoji_shortcode), Some("blob"));
        assert!(matches!(
            Tag::from_value(&json!({"type": "Infohash", "name": "ab"})),
            Some(Tag::Other { .. })
        ));
        assert!(Tag::from_value(&json!({"type": "Hashtag"})).is_none());
        assert!(Tag::from_value(&json!("#loose")).is_none());
    }
}
