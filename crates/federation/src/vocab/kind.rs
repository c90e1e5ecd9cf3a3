//! The `type` property: a string or a list of strings, sometimes written as `as:Note` or
//! as a full ActivityStreams IRI. Sorted into actor, object and activity kinds.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::lenient::value_items;

const AS_PREFIX: &str = "https://www.w3.org/ns/activitystreams#";

/// The type names of a `type` value, in order, with `as:` and the full ActivityStreams
/// IRI stripped. Non-string entries are skipped.
pub fn type_names(value: &Value) -> Vec<&str> {
    value_items(value)
        .take(16)
        .filter_map(Value::as_str)
        .map(|name| {
            let name = name.trim();
            name.strip_prefix(AS_PREFIX)
                .or_else(|| name.strip_prefix("as:"))
                .unwrap_or(name)
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// Actor types accepted as accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActorKind {
    /// A human account.
    Person,
    /// A bot.
    Service,
    /// An instance or application actor.
    Application,
    /// A community, channel or group.
    Group,
    /// An organisation account.
    Organization,
}

impl ActorKind {
    /// The first actor type among `value`'s type names.
    pub fn from_type_value(value: &Value) -> Option<Self> {
        type_names(value).into_iter().find_map(|name| match name {
            "Person" => Some(Self::Person),
            "Service" => Some(Self::Service),
            "Application" => Some(Self::Application),
            "Group" => Some(Self::Group),
            "Organization" => Some(Self::Organization),
            _ => None,
        })
    }

    /// The type name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Person => "Person",
            Self::Service => "Service",
            Self::Application => "Application",
            Self::Group => "Group",
            Self::Organization => "Organization",
        }
    }
}

/// Object types. Anything unrecognised is kept as [`ObjectKind::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A short post.
    Note,
    /// A long post (blogs, Lemmy posts from some servers).
    Article,
    /// A link post (Lemmy).
    Page,
    /// A poll.
    Question,
    /// An image post.
    Image,
    /// A video (PeerTube).
    Video,
    /// An audio post (Funkwhale).
    Audio,
    /// A generic document.
    Document,
    /// An event (Mobilizon).
    Event,
    /// A deleted object.
    Tombstone,
    /// Any other type name.
    Other(String),
}

impl ObjectKind {
    /// The first recognised type in `value`, else the first name as `Other`.
    pub fn from_type_value(value: &Value) -> Option<Self> {
        let names = type_names(value);
        let known = names.iter().find_map(|name| match *name {
            "Note" => Some(Self::Note),
            "Article" => Some(Self::Article),
            "Page" => Some(Self::Page),
            "Question" => Some(Self::Question),
            "Image" => Some(Self::Image),
            "Video" => Some(Self::Video),
            "Audio" => Some(Self::Audio),
            "Document" => Some(Self::Document),
            "Event" => Some(Self::Event),
            "Tombstone" => Some(Self::Tombstone),
            _ => None,
        });
        known.or_else(|| names.first().map(|name| Self::Other((*name).to_owned())))
    }

    /// The type name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Note => "Note",
            Self::Article => "Article",
            Self::Page => "Page",
            Self::Question => "Question",
            Self::Image => "Image",
            Self::Video => "Video",
            Self::Audio => "Audio",
            Self::Document => "Document",
            Self::Event => "Event",
            Self::Tombstone => "Tombstone",
            Self::Other(name) => name,
        }
    }

    /// True for the types Starling can show as a status.
    pub fn is_status_like(&self) -> bool {
        !matches!(self, Self::Tombstone | Self::Other(_))
    }
}

/// Activity types. Anything unrecognised parses as [`ActivityKind::Unknown`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ActivityKind {
    /// `Follow`.
    Follow,
    /// `Accept`.
    Accept,
    /// `Reject`.
    Reject,
    /// `Undo`.
    Undo,
    /// `Create`.
    Create,
    /// `Update`.
    Update,
    /// `Delete`.
    Delete,
    /// `Like` (Misskey reactions arrive as `Like` with content).
    Like,
    /// `Announce` (boost).
    Announce,
    /// `Block`.
    Block,
    /// `Flag` (report).
    Flag,
    /// `Move` (account migration).
    Move,
    /// `Add` (pin, featured collection).
    Add,
    /// `Remove`.
    Remove,
    /// `EmojiReact` (also Pleroma's older `EmojiReaction`).
    EmojiReact,
    /// Any other type name, kept verbatim.
    Unknown(String),
}

impl ActivityKind {
    /// The first recognised activity type in `value`, else the first name as `Unknown`.
    pub fn from_type_value(value: &Value) -> Option<Self> {
        let names = type_names(value);
        names
            .iter()
            .find_map(|name| Self::known(name))
            .or_else(|| names.first().map(|name| Self::Unknown((*name).to_owned())))
    }

    fn known(name: &str) -> Option<Self> {
        Some(match name {
            "Follow" => Self::Follow,
            "Accept" => Self::Accept,
            "Reject" => Self::Reject,
            "Undo" => Self::Undo,
            "Create" => Self::Create,
            "Update" => Self::Update,
            "Delete" => Self::Delete,
            "Like" => Self::Like,
            "Announce" => Self::Announce,
            "Block" => Self::Block,
            "Flag" => Self::Flag,
            "Move" => Self::Move,
            "Add" => Self::Add,
            "Remove" => Self::Remove,
            "EmojiReact" | "EmojiReaction" => Self::EmojiReact,
            _ => return None,
        })
    }

    /// True for a type listed above rather than [`ActivityKind::Unknown`].
    pub fn is_known(&self) -> bool {
        !matches!(self, Self::Unknown(_))
    }

    /// The type name (`EmojiReact` for both spellings).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Follow => "Follow",
            Self::Accept => "Accept",
            Self::Reject => "Reject",
            Self::Undo => "Undo",
            Self::Create => "Create",
            Self::Update => "Update",
            Self::Delete => "Delete",
            Self::Like => "Like",
            Self::Announce => "Announce",
            Self::Block => "Block",
            Self::Flag => "Flag",
            Self::Move => "Move",
            Self::Add => "Add",
            Self::Remove => "Remove",
            Self::EmojiReact => "EmojiReact",
            Self::Unknown(name) => name,
        }
    }
}

macro_rules! serde_by_name {
    ($name:ident, $what:literal) => {
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = Value::deserialize(deserializer)?;
                Self::from_type_value(&value)
                    .ok_or_else(|| D::Error::custom(concat!("expected ", $what)))
            }
        }
    };
}

serde_by_name!(ActorKind, "an actor type");
serde_by_name!(ObjectKind, "an object type");
serde_by_name!(ActivityKind, "an activity type");

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn type_is_a_string_or_a_list() {
        assert_eq!(
            ObjectKind::from_type_value(&json!("Note")),
            Some(ObjectKind::Note)
        );
        assert_eq!(
            ObjectKind::from_type_value(&json!(["schema:Thing", "as:Article"])),
            Some(ObjectKind::Article)
        );
        assert_eq!(
            ObjectKind::from_type_value(&json!("https://www.w3.org/ns/activitystreams#Question")),
            Some(ObjectKind::Question)
        );
        assert_eq!(
            ObjectKind::from_type_value(&json!("ChatMessage")),
            Some(ObjectKind::Other("ChatMessage".to_owned()))
        );
        assert_eq!(ObjectKind::from_type_value(&json!(7)), None);
        assert_eq!(ObjectKind::from_type_value(&json!([])), None);
    }

    #[test]
    fn unknown_activities_parse() {
        assert_eq!(
            ActivityKind::from_type_value(&json!("Dislike")),
            Some(ActivityKind::Unknown("Dislike".to_owned()))
        );
        assert_eq!(
            ActivityKind::from_type_value(&json!("EmojiReaction")),
            Some(ActivityKind::EmojiReact)
        );
        assert!(ActivityKind::Flag.is_known());
        assert_eq!(ActivityKind::Move.as_str(), "Move");
    }

    #[test]
    fn actor_kinds() {
        assert_eq!(
            ActorKind::from_type_value(&json!(["Service"])),
            Some(ActorKind::Service)
        );
        assert_eq!(ActorKind::from_type_value(&json!("Note")), None);
        let parsed: Result<ActorKind, _> = serde_json::from_value(json!("Group"));
        assert_eq!(parsed.ok(), Some(ActorKind::Group));
        assert_eq!(
            serde_json::to_value(ActorKind::Organization).ok(),
            Some(json!("Organization"))
        );
    }
}
