//! From a signature's key id to the actor who owns the key.
//!
//! Servers name keys in two ways: Mastodon, Akkoma, Misskey, Lemmy and most others use
//! a fragment of the actor URL (`https://a.example/users/alice#main-key`); GoToSocial
//! uses a path below it (`https://g.example/users/alice/main-key`). These helpers only
//! guess: the proof is in the fetched actor document, whose `publicKey.id` must equal
//! the key id (and whose id must be the activity's actor). Dereferencing the key id
//! itself is always correct too, since both forms serve a document naming the key's
//! `owner`.

use url::Url;

/// The last path segment GoToSocial appends to an actor URL to name its key.
const GOTOSOCIAL_KEY_SEGMENT: &str = "main-key";

/// The URL of the actor `key_id` most likely belongs to: without its `#fragment`, or
/// without a trailing `/main-key` segment; otherwise `key_id` itself (a key that is
/// its own document, whose `owner` names the actor).
pub fn key_id_actor(key_id: &str) -> String {
    let Ok(mut url) = Url::parse(key_id) else {
        return key_id.split('#').next().unwrap_or_default().to_owned();
    };
    if url.fragment().is_some() {
        url.set_fragment(None);
        return url.into();
    }
    let below_actor = url.query().is_none() && {
        let segments: Vec<&str> = url
            .path_segments()
            .map(Iterator::collect)
            .unwrap_or_default();
        segments.len() > 1 && segments.last() == Some(&GOTOSOCIAL_KEY_SEGMENT)
    };
    if below_actor {
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop();
        }
        return url.into();
    }
    key_id.to_owned()
}

/// Whether `key_id` names a key of `actor_id` by one of the conventions above: the
/// actor URL itself, a fragment of it, or its `/main-key` child. A cheap pre-check
/// before fetching anything (a request signed by someone else's key is refused
/// early); not a substitute for comparing the fetched actor's `publicKey.id`.
pub fn key_id_belongs_to(key_id: &str, actor_id: &str) -> bool {
    key_id == actor_id || key_id_actor(key_id) == actor_id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_are_stripped() {
        assert_eq!(
            key_id_actor("https://mastodon.example/users/alice#main-key"),
            "https://mastodon.example/users/alice"
        );
        assert_eq!(
            key_id_actor("https://misskey.example/users/9abc#main-key"),
            "https://misskey.example/users/9abc"
        );
    }

    #[test]
    fn gotosocial_key_paths_are_stripped() {
        assert_eq!(
            key_id_actor("https://gts.example/users/bob/main-key"),
            "https://gts.example/users/bob"
        );
        // A lone `/main-key` is not below any actor.
        assert_eq!(
            key_id_actor("https://odd.example/main-key"),
            "https://odd.example/main-key"
        );
    }

    #[test]
    fn other_key_ids_are_their_own_documents() {
        let key = "https://keys.example/keys/42";
        assert_eq!(key_id_actor(key), key);
        assert_eq!(key_id_actor("not a url#frag"), "not a url");
    }

    #[test]
    fn belongs_to_accepts_both_conventions_only_for_the_same_actor() {
        let actor = "https://gts.example/users/bob";
        assert!(key_id_belongs_to(
            "https://gts.example/users/bob/main-key",
            actor
        ));
        assert!(key_id_belongs_to(
            "https://gts.example/users/bob#main-key",
            actor
        ));
        assert!(key_id_belongs_to(actor, actor));
        assert!(!key_id_belongs_to(
            "https://gts.example/users/eve#main-key",
            actor
        ));
        assert!(!key_id_belongs_to(
            "https://evil.example/users/bob#main-key",
            actor
        ));
    }
}
