//! Incoming activities. Parse with [`super::parse_activity`]; `object` stays raw JSON
//! and the helpers read it as an id, a post, an actor or a nested activity.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::actor::Actor;
use super::error::VocabError;
use super::id::{IdRef, value_to_id, value_to_ids};
use super::kind::{ActivityKind, ActorKind, type_names};
use super::lenient::{de_addresses, de_datetime, de_id, de_string, de_value};
use super::media::{Tag, de_tags};
use super::object::Object;
use super::parse::{parse_activity_value, parse_actor, parse_object};

/// An activity as delivered to an inbox or found in an outbox.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    /// The JSON-LD `@context`, kept as sent (never fetched).
    #[serde(rename = "@context", default, deserialize_with = "de_value")]
    pub json_ld_context: Option<Value>,
    /// The activity's id.
    pub id: IdRef,
    /// The activity type; unknown types parse as [`ActivityKind::Unknown`].
    #[serde(rename = "type")]
    pub kind: ActivityKind,
    /// Who did it (a string, an embedded actor, or a list's first entry).
    pub actor: IdRef,
    /// The object, as sent: an id string, an embedded object, a list, or `null`.
    #[serde(default)]
    pub object: Value,
    /// The target (`Move`'s new account, `Add`'s collection, …).
    #[serde(default, deserialize_with = "de_id")]
    pub target: Option<IdRef>,
    /// Primary audience, with `as:Public` normalised to [`super::AS_PUBLIC`].
    #[serde(default, deserialize_with = "de_addresses")]
    pub to: Vec<IdRef>,
    /// Secondary audience.
    #[serde(default, deserialize_with = "de_addresses")]
    pub cc: Vec<IdRef>,
    /// Hidden primary audience.
    #[serde(default, deserialize_with = "de_addresses")]
    pub bto: Vec<IdRef>,
    /// Hidden secondary audience.
    #[serde(default, deserialize_with = "de_addresses")]
    pub bcc: Vec<IdRef>,
    /// Community audience (Lemmy).
    #[serde(default, deserialize_with = "de_addresses")]
    pub audience: Vec<IdRef>,
    /// When it happened.
    #[serde(default, deserialize_with = "de_datetime")]
    pub published: Option<DateTime<Utc>>,
    /// A `Flag`'s comment, or an emoji reaction.
    #[serde(default, deserialize_with = "de_string")]
    pub content: Option<String>,
    /// A reason (Lemmy puts a `Flag`'s or `Block`'s reason here).
    #[serde(default, deserialize_with = "de_string")]
    pub summary: Option<String>,
    /// Custom emoji used by a reaction.
    #[serde(default, deserialize_with = "de_tags")]
    pub tag: Vec<Tag>,
    /// Misskey's reaction on a `Like`.
    #[serde(default, rename = "_misskey_reaction", deserialize_with = "de_string")]
    pub misskey_reaction: Option<String>,
}

impl Activity {
    /// The object's id: the string itself, an embedded object's `id`, or the first
    /// usable entry of a list.
    pub fn object_id(&self) -> Option<IdRef> {
        value_to_id(&self.object)
    }

    /// Every object id, for activities with a list (`Flag` names an account and posts).
    pub fn object_ids(&self) -> Vec<IdRef> {
        value_to_ids(&self.object)
    }

    /// True when `object` is embedded rather than a bare link.
    pub fn has_embedded_object(&self) -> bool {
        self.object.is_object()
    }

    /// The type names of an embedded object (empty for a link).
    pub fn object_type_names(&self) -> Vec<&str> {
        self.object.get("type").map(type_names).unwrap_or_default()
    }

    /// Parses an embedded object as a post. `None` when `object` is only a link.
    pub fn object_as_note(&self) -> Option<Result<Object, VocabError>> {
        self.has_embedded_object()
            .then(|| parse_object(self.object.clone()))
    }

    /// Parses an embedded activity (the inner `Follow` of an `Accept`, the `Like` of an
    /// `Undo`, the `Create` of a Lemmy `Announce`). `None` when `object` is only a link.
    pub fn object_as_activity(&self) -> Option<Result<Activity, VocabError>> {
        self.has_embedded_object()
            .then(|| parse_activity_value(self.object.clone()))
    }

    /// Parses an embedded actor (`Update` of a profile). `None` when `object` is only a
    /// link or names a non-actor type.
    pub fn object_as_actor(&self) -> Option<Result<Actor, VocabError>> {
        let is_actor = self
            .object
            .get("type")
            .and_then(ActorKind::from_type_value)
            .is_some();
        is_actor.then(|| parse_actor(self.object.clone()))
    }

    /// The reaction of a `Like` or `EmojiReact`: `content`, else `_misskey_reaction`.
    pub fn reaction(&self) -> Option<&str> {
        self.content
            .as_deref()
            .or(self.misskey_reaction.as_deref())
            .map(str::trim)
            .filter(|reaction| !reaction.is_empty())
    }

    /// True when any audience field holds the public collection.
    pub fn is_public(&self) -> bool {
        self.to.iter().chain(&self.cc).any(IdRef::is_public)
    }

    /// Every addressee (`to`, `cc`, `bto`, `bcc`, `audience`), in that order.
    pub fn recipients(&self) -> impl Iterator<Item = &IdRef> {
        self.to
            .iter()
            .chain(&self.cc)
            .chain(&self.bto)
            .chain(&self.bcc)
            .chain(&self.audience)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn activity(value: Value) -> Option<Activity> {
        parse_activity_value(value).ok()
    }

    #[test]
    fn object_helpers() {
        let accept = activity(json!({
            "id": "https://a.example/accept/1", "type": "Accept",
            "actor": {"type": "Person", "id": "https://a.example/u/1"},
            "object": {"id": "https://b.example/follow/1", "type": "Follow",
                       "actor": "https://b.example/u/2", "object": "https://a.example/u/1"},
            "to": "as:Public"
        }));
        let Some(accept) = accept else {
            panic!("accept did not parse");
        };
        assert_eq!(accept.actor, "https://a.example/u/1");
        assert_eq!(
            accept.object_id().map(|id| id.to_string()).as_deref(),
            Some("https://b.example/follow/1")
        );
        assert!(accept.is_public());
        let inner = accept.object_as_activity().and_then(Result::ok);
        assert_eq!(inner.map(|follow| follow.kind), Some(ActivityKind::Follow));
        assert!(accept.object_as_actor().is_none());
    }

    #[test]
    fn flags_name_several_objects_and_reactions() {
        let flag = activity(json!({
            "id": "https://a.example/flag/1", "type": "Flag", "actor": "https://a.example/actor",
            "object": ["https://b.example/u/2", "https://b.example/n/3"], "content": "spam"
        }));
        assert_eq!(flag.as_ref().map(|f| f.object_ids().len()), Some(2));
        assert!(flag.as_ref().is_some_and(|f| f.object_as_note().is_none()));
        let like = activity(json!({
            "id": "https://m.example/likes/1", "type": "Like", "actor": "https://m.example/u/1",
            "object": "https://a.example/n/1", "_misskey_reaction": ":blob:"
        }));
        assert_eq!(like.as_ref().and_then(Activity::reaction), Some(":blob:"));
    }
}
