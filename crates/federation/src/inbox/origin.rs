//! The origin rules of received activities, checked before the inbox answers: an
//! actor speaks only for its own server, and what an activity brings along is trusted
//! only when it comes from there too.
//!
//! - The activity's `id` is on its actor's host (`host[:port]`), and the actor is not
//!   one of ours.
//! - What an activity carries that Starling would store as it is — the object of a
//!   `Create` or `Update`, the activity an `Undo` withdraws — has its `id` on the actor's
//!   host (an `Update` of an actor: exactly the actor), and a post's author is the actor.
//! - What a `Delete` removes is named on the actor's host.
//! - Everything else an activity names (what an `Announce`, `Like`, `Follow`, `Block`,
//!   `Flag`, `Accept` or `Reject` is about) is a reference: only its id is read, and an
//!   unknown post is fetched from its own origin (where its `id` must be), never taken
//!   from the activity.
//!
//! So a remote object is never stored under another server's id, nor under one of ours.

use url::Url;

use crate::error::{FedError, FedResult};
use crate::fetch::authority;
use crate::vocab::{Activity, ActivityKind, IdRef};

fn refuse(message: String) -> FedError {
    FedError::BadRequest(message)
}

fn same_host(a: &Url, b: &Url) -> bool {
    authority(a).is_some() && authority(a) == authority(b)
}

/// Checks `activity` against the origin rules; `base` is this server's origin.
pub fn check(activity: &Activity, base: &Url) -> FedResult<()> {
    let actor = activity.actor.url();
    if same_host(actor, base) {
        return Err(FedError::Unauthorized(
            "an activity by a local actor".into(),
        ));
    }
    if !same_host(activity.id.url(), actor) {
        return Err(refuse(format!(
            "activity {} is not on its actor's host",
            activity.id.as_str()
        )));
    }
    match activity.kind {
        ActivityKind::Create | ActivityKind::Update => carried_object(activity),
        ActivityKind::Delete => match activity.object_id() {
            Some(object) if !same_host(object.url(), actor) => Err(refuse(format!(
                "{} cannot delete {}, which is on another host",
                activity.actor.as_str(),
                object.as_str()
            ))),
            _ => Ok(()),
        },
        ActivityKind::Undo => withdrawn_activity(activity),
        _ => Ok(()),
    }
}

/// The object of a `Create` or `Update`.
fn carried_object(activity: &Activity) -> FedResult<()> {
    let actor = &activity.actor;
    let Some(id) = activity.object_id() else {
        return Ok(());
    };
    if !same_host(id.url(), actor.url()) {
        return Err(refuse(format!(
            "{} is not on the host of its actor {}",
            id.as_str(),
            actor.as_str()
        )));
    }
    if activity.kind == ActivityKind::Update
        && activity.object_as_actor().is_some()
        && id.as_str() != actor.as_str()
    {
        return Err(refuse(format!(
            "{} cannot update the actor {}",
            actor.as_str(),
            id.as_str()
        )));
    }
    if let Some(Ok(object)) = activity.object_as_note()
        && object.kind.is_status_like()
        && object.author().map(IdRef::as_str) != Some(actor.as_str())
    {
        return Err(refuse(format!(
            "{} is not by the activity's actor {}",
            id.as_str(),
            actor.as_str()
        )));
    }
    Ok(())
}

/// The activity an `Undo` withdraws, when it is embedded.
fn withdrawn_activity(activity: &Activity) -> FedResult<()> {
    let Some(Ok(inner)) = activity.object_as_activity() else {
        return Ok(());
    };
    if inner.actor.as_str() != activity.actor.as_str() {
        return Err(refuse("an Undo of someone else's activity".into()));
    }
    if !same_host(inner.id.url(), activity.actor.url()) {
        return Err(refuse(format!(
            "the withdrawn activity {} is not on its actor's host",
            inner.id.as_str()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::vocab::parse_activity_value;

    const BASE: &str = "https://starling.example";
    const MALLORY: &str = "https://a.example/users/mallory";

    fn verdict(activity: Value) -> Result<(), String> {
        let activity = parse_activity_value(activity).map_err(|e| e.to_string())?;
        check(&activity, &Url::parse(BASE).unwrap()).map_err(|e| e.to_string())
    }

    fn note(id: &str, author: &str) -> Value {
        json!({"id": id, "type": "Note", "attributedTo": author, "content": "hi"})
    }

    fn activity(kind: &str, object: Value) -> Value {
        json!({"id": "https://a.example/activities/1", "type": kind, "actor": MALLORY, "object": object})
    }

    #[test]
    fn posts_are_stored_only_from_their_own_host() {
        assert!(
            verdict(activity(
                "Create",
                note("https://a.example/notes/1", MALLORY)
            ))
            .is_ok()
        );
        for kind in ["Create", "Update"] {
            for id in [
                "https://b.example/notes/1",
                "https://starling.example/users/alice/statuses/1",
                "https://a.example:8443/notes/1",
            ] {
                let refused = verdict(activity(kind, note(id, MALLORY)));
                assert!(refused.is_err(), "{kind} of {id} was accepted");
            }
            // By someone else, even on the same host.
            let other = verdict(activity(
                kind,
                note("https://a.example/notes/2", "https://a.example/users/trent"),
            ));
            assert!(other.is_err(), "{kind} of someone else's post was accepted");
        }
        // A link to another host's post is refused too.
        assert!(verdict(activity("Create", json!("https://b.example/notes/1"))).is_err());
    }

    #[test]
    fn actors_update_only_themselves() {
        let me = json!({"id": MALLORY, "type": "Person", "inbox": "https://a.example/inbox"});
        assert!(verdict(activity("Update", me)).is_ok());
        let other = json!({"id": "https://a.example/users/trent", "type": "Person"});
        assert!(verdict(activity("Update", other)).is_err());
    }

    #[test]
    fn deletes_and_undos_stay_on_the_actor_host() {
        assert!(verdict(activity("Delete", json!("https://a.example/notes/1"))).is_ok());
        assert!(verdict(activity("Delete", json!(MALLORY))).is_ok());
        assert!(
            verdict(activity(
                "Delete",
                json!({"id": "https://b.example/notes/1", "type": "Tombstone"})
            ))
            .is_err()
        );
        let like = |id: &str, actor: &str| json!({"id": id, "type": "Like", "actor": actor, "object": "https://starling.example/users/alice/statuses/1"});
        assert!(verdict(activity("Undo", like("https://a.example/likes/1", MALLORY))).is_ok());
        assert!(verdict(activity("Undo", like("https://b.example/likes/1", MALLORY))).is_err());
        assert!(
            verdict(activity(
                "Undo",
                like("https://a.example/likes/1", "https://a.example/users/trent")
            ))
            .is_err()
        );
    }

    #[test]
    fn references_may_point_anywhere_but_the_activity_stays_home() {
        for kind in ["Announce", "Like", "Flag", "Follow", "Block", "Accept"] {
            let reference = verdict(activity(kind, json!("https://b.example/notes/1")));
            assert!(reference.is_ok(), "{kind}: {reference:?}");
        }
        // An embedded post of another host in an Announce is only a reference.
        let announce = activity(
            "Announce",
            note("https://b.example/notes/1", "https://b.example/users/bob"),
        );
        assert!(verdict(announce).is_ok());
        let mut elsewhere = activity(
            "Like",
            json!("https://starling.example/users/alice/statuses/1"),
        );
        elsewhere["id"] = json!("https://b.example/likes/1");
        assert!(verdict(elsewhere).is_err());
        let mut local = activity("Like", json!("https://b.example/notes/1"));
        local["actor"] = json!("https://starling.example/users/alice");
        local["id"] = json!("https://starling.example/likes/1");
        assert!(verdict(local).is_err());
    }
}
