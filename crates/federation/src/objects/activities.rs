//! Activities as we send them. Ids follow Mastodon's layout: `{status}/activity` for
//! a `Create` or `Announce`, `{actor}#<kind>/<id>` for the others.

use serde_json::{Value, json};
use starling_core::entities::account;

use super::{PUBLIC, timestamp, with_context};

/// `Create` of a note.
pub fn create(actor: &account::Model, note: Value) -> Value {
    let id = format!("{}/activity", note["id"].as_str().unwrap_or_default());
    with_context(json!({
        "id": id,
        "type": "Create",
        "actor": actor.uri,
        "published": note["published"],
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }))
}

/// `Update` of a note (an edit).
pub fn update_note(
    actor: &account::Model,
    note: Value,
    at: chrono::DateTime<chrono::Utc>,
) -> Value {
    let id = format!(
        "{}#updates/{}",
        note["id"].as_str().unwrap_or_default(),
        at.timestamp()
    );
    with_context(json!({
        "id": id,
        "type": "Update",
        "actor": actor.uri,
        "published": timestamp(at),
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }))
}

/// `Delete` of a note, with a `Tombstone`.
pub fn delete_note(actor: &account::Model, uri: &str, to: Vec<String>, cc: Vec<String>) -> Value {
    with_context(json!({
        "id": format!("{uri}#delete"),
        "type": "Delete",
        "actor": actor.uri,
        "to": to,
        "cc": cc,
        "object": {"id": uri, "type": "Tombstone", "atomUri": uri},
    }))
}

/// `Announce` (boost) of `object_uri`; `uri` is the boost's own id.
pub fn announce(
    actor: &account::Model,
    uri: &str,
    object_uri: &str,
    object_author: &str,
    public: bool,
    published: chrono::DateTime<chrono::Utc>,
) -> Value {
    let followers = followers_of(actor);
    let (to, cc) = if public {
        (
            vec![PUBLIC.to_string()],
            vec![object_author.to_string(), followers],
        )
    } else {
        (vec![followers], vec![object_author.to_string()])
    };
    with_context(json!({
        "id": format!("{uri}/activity"),
        "type": "Announce",
        "actor": actor.uri,
        "published": timestamp(published),
        "to": to,
        "cc": cc,
        "object": object_uri,
    }))
}

/// `Undo` of an earlier activity, given whole (receivers dispatch on its `type`).
pub fn undo(actor: &account::Model, object: Value) -> Value {
    let mut object = object;
    if let Some(map) = object.as_object_mut() {
        map.remove("@context");
    }
    let id = format!("{}/undo", object["id"].as_str().unwrap_or(&actor.uri));
    with_context(json!({
        "id": id,
        "type": "Undo",
        "actor": actor.uri,
        "object": object,
    }))
}

/// `Follow` of `target`.
pub fn follow(actor: &account::Model, uri: &str, target: &account::Model) -> Value {
    with_context(json!({
        "id": uri,
        "type": "Follow",
        "actor": actor.uri,
        "object": target.uri,
    }))
}

/// The `Follow` a remote account sent, as the object of our answer.
pub fn remote_follow(
    follower: &account::Model,
    uri: Option<&str>,
    target: &account::Model,
) -> Value {
    let mut doc = json!({
        "type": "Follow",
        "actor": follower.uri,
        "object": target.uri,
    });
    if let Some(uri) = uri {
        doc["id"] = json!(uri);
    }
    doc
}

/// `Accept` or `Reject` (`kind`) of a remote account's follow.
pub fn answer_follow(kind: &str, actor: &account::Model, answer_id: &str, follow: Value) -> Value {
    with_context(json!({
        "id": answer_id,
        "type": kind,
        "actor": actor.uri,
        "object": follow,
    }))
}

/// `Like` of `object_uri`.
pub fn like(actor: &account::Model, uri: &str, object_uri: &str) -> Value {
    with_context(json!({
        "id": uri,
        "type": "Like",
        "actor": actor.uri,
        "object": object_uri,
    }))
}

/// `Block` of `target`.
pub fn block(actor: &account::Model, uri: &str, target: &account::Model) -> Value {
    with_context(json!({
        "id": uri,
        "type": "Block",
        "actor": actor.uri,
        "object": target.uri,
    }))
}

/// `Flag`: a report forwarded by the instance actor `actor_uri`. `object` is the
/// reported account's id followed by its reported statuses' ids, as Mastodon sends it.
pub fn flag(actor_uri: &str, report_id: i64, comment: &str, object: Vec<String>) -> Value {
    with_context(json!({
        "id": format!("{actor_uri}#flags/{report_id}"),
        "type": "Flag",
        "actor": actor_uri,
        "content": comment,
        "object": object,
    }))
}

/// `Update` of the actor itself (a profile change).
pub fn update_actor(
    actor: &account::Model,
    actor_doc: Value,
    at: chrono::DateTime<chrono::Utc>,
) -> Value {
    let mut object = actor_doc;
    if let Some(map) = object.as_object_mut() {
        map.remove("@context");
    }
    with_context(json!({
        "id": format!("{}#updates/{}", actor.uri, at.timestamp_millis()),
        "type": "Update",
        "actor": actor.uri,
        "to": [PUBLIC],
        "object": object,
    }))
}

/// `Delete` of the actor itself (an account deletion).
pub fn delete_actor(uri: &str) -> Value {
    with_context(json!({
        "id": format!("{uri}#delete"),
        "type": "Delete",
        "actor": uri,
        "to": [PUBLIC],
        "object": uri,
    }))
}

fn followers_of(a: &account::Model) -> String {
    a.followers_url
        .clone()
        .unwrap_or_else(|| format!("{}/followers", a.uri))
}
