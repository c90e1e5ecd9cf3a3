//! Entry points: bytes or JSON in, typed documents or a [`VocabError`] out.
//!
//! Each parser checks nesting depth first (cheaply, before serde_json builds anything),
//! then the properties nothing works without (`id`, `type`, and `actor` for activities),
//! and only then reads the rest leniently.

use serde_json::{Map, Value};

use super::activity::Activity;
use super::actor::Actor;
use super::error::VocabError;
use super::id::{IdRef, value_to_id};
use super::kind::{ActivityKind, ActorKind, ObjectKind, type_names};
use super::object::Object;

/// Deepest nesting of arrays and objects accepted (serde_json itself stops at 128).
pub const MAX_DEPTH: usize = 64;

/// Any document a server may hand out, sorted by its `type`.
#[derive(Debug, Clone)]
pub enum Document {
    /// An actor.
    Actor(Box<Actor>),
    /// An activity.
    Activity(Box<Activity>),
    /// Any other object.
    Object(Box<Object>),
}

/// Parses an activity from a request body.
pub fn parse_activity(bytes: &[u8]) -> Result<Activity, VocabError> {
    parse_activity_value(parse_json(bytes)?)
}

/// Parses an activity from JSON. Requires `id`, `type` and an `actor` that names one.
pub fn parse_activity_value(value: Value) -> Result<Activity, VocabError> {
    check_depth(&value)?;
    let map = check_common(&value)?;
    if map.get("actor").and_then(value_to_id).is_none() {
        return Err(VocabError::MissingActor);
    }
    from_value(value)
}

/// Parses a post or other object from JSON. Actors and activities are refused with
/// [`VocabError::UnexpectedType`].
pub fn parse_object(value: Value) -> Result<Object, VocabError> {
    check_depth(&value)?;
    let map = check_common(&value)?;
    let kind = map.get("type").unwrap_or(&Value::Null);
    if ActorKind::from_type_value(kind).is_some() || is_activity_type(kind) {
        return Err(unexpected("an object", kind));
    }
    from_value(value)
}

/// Parses an object from bytes (see [`parse_object`]).
pub fn parse_object_bytes(bytes: &[u8]) -> Result<Object, VocabError> {
    parse_object(parse_json(bytes)?)
}

/// Parses an actor from JSON. Other types are refused with
/// [`VocabError::UnexpectedType`].
pub fn parse_actor(value: Value) -> Result<Actor, VocabError> {
    check_depth(&value)?;
    let map = check_common(&value)?;
    let kind = map.get("type").unwrap_or(&Value::Null);
    if ActorKind::from_type_value(kind).is_none() {
        return Err(unexpected("an actor", kind));
    }
    from_value(value)
}

/// Parses an actor from bytes (see [`parse_actor`]).
pub fn parse_actor_bytes(bytes: &[u8]) -> Result<Actor, VocabError> {
    parse_actor(parse_json(bytes)?)
}

/// Parses any document from bytes (see [`parse_document_value`]).
pub fn parse_document(bytes: &[u8]) -> Result<Document, VocabError> {
    parse_document_value(parse_json(bytes)?)
}

/// Parses any document: actor types become [`Document::Actor`]; known object types
/// [`Document::Object`]; known activity types, and unknown types that carry an
/// `actor`, [`Document::Activity`]; everything else an object of kind `Other`.
pub fn parse_document_value(value: Value) -> Result<Document, VocabError> {
    check_depth(&value)?;
    let map = check_common(&value)?;
    let kind = map.get("type").unwrap_or(&Value::Null);
    if ActorKind::from_type_value(kind).is_some() {
        return parse_actor(value).map(|actor| Document::Actor(Box::new(actor)));
    }
    let known_object =
        ObjectKind::from_type_value(kind).is_some_and(|kind| !matches!(kind, ObjectKind::Other(_)));
    let has_actor = map.get("actor").and_then(value_to_id).is_some();
    if is_activity_type(kind) || (!known_object && has_actor) {
        parse_activity_value(value).map(|activity| Document::Activity(Box::new(activity)))
    } else {
        from_value(value).map(|object| Document::Object(Box::new(object)))
    }
}

/// Reads JSON after checking its nesting depth without recursion.
pub fn parse_json(bytes: &[u8]) -> Result<Value, VocabError> {
    if nesting_exceeds(bytes, MAX_DEPTH) {
        return Err(VocabError::TooDeep { limit: MAX_DEPTH });
    }
    serde_json::from_slice(bytes).map_err(|error| VocabError::InvalidJson(error.to_string()))
}

/// True when `bytes` nests arrays and objects more than `limit` deep. A linear scan
/// that skips string contents; it does not validate the JSON.
pub fn nesting_exceeds(bytes: &[u8], limit: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &byte in bytes {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

fn check_depth(value: &Value) -> Result<(), VocabError> {
    let mut stack = vec![(value, 1usize)];
    while let Some((value, depth)) = stack.pop() {
        let children: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            Value::Object(map) => map.values().collect(),
            _ => continue,
        };
        if depth > MAX_DEPTH {
            return Err(VocabError::TooDeep { limit: MAX_DEPTH });
        }
        let nested = children
            .into_iter()
            .filter(|child| child.is_array() || child.is_object());
        stack.extend(nested.map(|child| (child, depth + 1)));
    }
    Ok(())
}

fn check_common(value: &Value) -> Result<&Map<String, Value>, VocabError> {
    let map = value.as_object().ok_or(VocabError::NotAnObject)?;
    match map.get("id") {
        Some(Value::String(id)) if !id.trim().is_empty() => {
            if IdRef::parse(id).is_none() {
                return Err(VocabError::InvalidId(VocabError::excerpt(id)));
            }
        }
        _ => return Err(VocabError::MissingId),
    }
    if map
        .get("type")
        .is_none_or(|kind| type_names(kind).is_empty())
    {
        return Err(VocabError::MissingType);
    }
    Ok(map)
}

fn is_activity_type(kind: &Value) -> bool {
    ActivityKind::from_type_value(kind).is_some_and(|kind| kind.is_known())
}

fn unexpected(expected: &'static str, kind: &Value) -> VocabError {
    let found = type_names(kind)
        .first()
        .map(|name| VocabError::excerpt(name))
        .unwrap_or_default();
    VocabError::UnexpectedType { expected, found }
}

fn from_value<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, VocabError> {
    serde_json::from_value(value)
        .map_err(|error| VocabError::Malformed(VocabError::excerpt(&error.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nested(depth: usize) -> String {
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn depth_is_checked_before_parsing() {
        assert!(!nesting_exceeds(nested(MAX_DEPTH).as_bytes(), MAX_DEPTH));
        assert!(nesting_exceeds(nested(MAX_DEPTH + 1).as_bytes(), MAX_DEPTH));
        assert!(!nesting_exceeds(br#"{"a": "[[[[[[[[[[[[\"[[[["}"#, 2));
        assert_eq!(
            parse_activity(nested(100_000).as_bytes()).err(),
            Some(VocabError::TooDeep { limit: MAX_DEPTH })
        );
        let mut deep = json!("leaf");
        for _ in 0..(MAX_DEPTH + 5) {
            deep = json!({ "a": deep });
        }
        assert_eq!(
            check_depth(&deep),
            Err(VocabError::TooDeep { limit: MAX_DEPTH })
        );
    }

    #[test]
    fn required_properties() {
        let base =
            json!({"id": "https://a.example/1", "type": "Like", "actor": "https://a.example/u"});
        assert!(parse_activity_value(base.clone()).is_ok());
        let without = |key: &str| {
            let mut value = base.clone();
            value.as_object_mut().map(|map| map.remove(key));
            parse_activity_value(value).err()
        };
        assert_eq!(without("id"), Some(VocabError::MissingId));
        assert_eq!(without("type"), Some(VocabError::MissingType));
        assert_eq!(without("actor"), Some(VocabError::MissingActor));
        assert_eq!(parse_activity(b"[]").err(), Some(VocabError::NotAnObject));
        assert!(matches!(
            parse_activity(b"{").err(),
            Some(VocabError::InvalidJson(_))
        ));
        let relative = json!({"id": "/notes/1", "type": "Note"});
        assert!(matches!(
            parse_object(relative).err(),
            Some(VocabError::InvalidId(_))
        ));
    }

    #[test]
    fn documents_are_sorted_by_type() {
        let kind = |value: Value| match parse_document_value(value) {
            Ok(Document::Actor(_)) => "actor",
            Ok(Document::Activity(_)) => "activity",
            Ok(Document::Object(_)) => "object",
            Err(_) => "error",
        };
        assert_eq!(
            kind(json!({"id": "https://a.example/u", "type": "Group"})),
            "actor"
        );
        assert_eq!(
            kind(
                json!({"id": "https://a.example/n", "type": "Note", "actor": "https://a.example/u"})
            ),
            "object"
        );
        assert_eq!(
            kind(
                json!({"id": "https://a.example/d", "type": "Dislike", "actor": "https://a.example/u"})
            ),
            "activity"
        );
        assert_eq!(
            kind(json!({"id": "https://a.example/x", "type": "ChatMessage"})),
            "object"
        );
        assert_eq!(
            kind(json!({"id": "https://a.example/f", "type": "Follow"})),
            "error"
        );
        assert!(matches!(
            parse_actor(json!({"id": "https://a.example/n", "type": "Note"})),
            Err(VocabError::UnexpectedType { .. })
        ));
    }
}
