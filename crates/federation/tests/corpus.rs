//! Parses every document under `tests/assets/` (real output of other servers, see the
//! README there) and the hostile ones, checking that each is read as the right kind
//! with its key properties, and that nothing panics.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use starling_federation::vocab::{
    self, AS_PUBLIC, Activity, ActivityKind, Actor, Document, MAX_DEPTH, Object, ObjectKind, Tag,
    VocabError, parse_activity, parse_actor_bytes, parse_document, parse_object_bytes,
};

#[derive(Debug, Clone, Copy)]
enum Expect {
    Actor(&'static str),
    Activity(&'static str),
    Object(&'static str),
    Rejected(fn(&VocabError) -> bool),
}

use Expect::{Activity as Act, Actor as Who, Object as Obj, Rejected};

const CORPUS: &[(&str, Expect)] = &[
    ("mastodon/create_note.json", Act("Create")),
    ("mastodon/follow.json", Act("Follow")),
    ("mastodon/instance_actor.json", Who("Application")),
    ("mastodon/note_attachment.json", Obj("Note")),
    ("mastodon/note_mention_group.json", Obj("Note")),
    ("mastodon/person.json", Who("Person")),
    ("mastodon/create_question.json", Act("Create")),
    ("mastodon/update_person.json", Act("Update")),
    ("mastodon/delete_tombstone.json", Act("Delete")),
    ("mastodon/undo_like.json", Act("Undo")),
    ("mastodon/announce_inline_note.json", Act("Announce")),
    ("gotosocial/person.json", Who("Person")),
    ("gotosocial/person_moved.json", Who("Person")),
    ("gotosocial/person_fields.json", Who("Person")),
    ("gotosocial/move.json", Act("Move")),
    ("gotosocial/flag.json", Act("Flag")),
    ("gotosocial/note_interaction_policy.json", Obj("Note")),
    ("gotosocial/note_tags_attachment.json", Obj("Note")),
    ("gotosocial/note_single_mention.json", Obj("Note")),
    ("gotosocial/announce.json", Act("Announce")),
    ("gotosocial/vote_create.json", Act("Create")),
    ("gotosocial/accept_like.json", Act("Accept")),
    (
        "gotosocial/delete_no_id.json",
        Rejected(|e| *e == VocabError::MissingId),
    ),
    ("pleroma/create_note.json", Act("Create")),
    ("pleroma/delete.json", Act("Delete")),
    ("pleroma/follow.json", Act("Follow")),
    ("pleroma/note.json", Obj("Note")),
    ("pleroma/person.json", Who("Person")),
    ("pleroma/person_helene.json", Who("Person")),
    ("pleroma/emoji_reaction.json", Act("EmojiReact")),
    ("misskey/person.json", Who("Person")),
    ("misskey/note_emoji.json", Obj("Note")),
    ("misskey/note_reply.json", Obj("Note")),
    ("misskey/note_quote.json", Obj("Note")),
    ("misskey/question_no_end_date.json", Obj("Question")),
    ("misskey/like_reaction.json", Act("Like")),
    ("misskey/like_custom_emoji.json", Act("Like")),
    ("lemmy/accept_follow.json", Act("Accept")),
    ("lemmy/undo_like_note.json", Act("Undo")),
    ("lemmy/report_page.json", Act("Flag")),
    ("lemmy/block_user.json", Act("Block")),
    ("lemmy/create_comment.json", Act("Create")),
    ("lemmy/group.json", Who("Group")),
    ("lemmy/group_lemmy_support.json", Who("Group")),
    ("peertube/announce_video.json", Act("Announce")),
    ("peertube/group.json", Who("Group")),
    ("peertube/note.json", Obj("Note")),
    ("peertube/person.json", Who("Person")),
    ("peertube/video.json", Obj("Video")),
    ("wordpress/note.json", Obj("Note")),
    ("wordpress/person.json", Who("Person")),
    ("wordpress/group.json", Who("Group")),
    ("friendica/create_note.json", Act("Create")),
    ("friendica/delete.json", Act("Delete")),
    ("friendica/like_page.json", Act("Like")),
    ("friendica/organization.json", Who("Organization")),
    ("pixelfed/person.json", Who("Person")),
    ("mitra/create_note.json", Act("Create")),
    ("mitra/accept.json", Act("Accept")),
    ("gnusocial/person.json", Who("Person")),
    ("gnusocial/like_note.json", Act("Like")),
    ("gnusocial/person_gnusocial_net.json", Who("Person")),
    ("smithereen/person.json", Who("Person")),
    ("mobilizon/event.json", Obj("Event")),
    ("streams/person.json", Who("Person")),
    ("funkwhale/person.json", Who("Person")),
    ("writefreely/person.json", Who("Person")),
    ("plume/person.json", Who("Person")),
    ("microblog/person.json", Who("Person")),
];

fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/assets")
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(assets().join(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn raw(path: &str) -> Value {
    serde_json::from_slice(&read(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn actor(path: &str) -> Actor {
    parse_actor_bytes(&read(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn activity(path: &str) -> Activity {
    parse_activity(&read(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn object(path: &str) -> Object {
    parse_object_bytes(&read(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn json_files(dir: &Path, out: &mut Vec<String>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{dir:?}: {error}"));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "json") {
            let relative = path.strip_prefix(assets()).unwrap_or(&path);
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn every_stored_document_is_listed() {
    let mut files = Vec::new();
    json_files(&assets(), &mut files);
    files.retain(|file| !file.starts_with("hostile/"));
    files.sort();
    let mut listed: Vec<String> = CORPUS.iter().map(|(path, _)| (*path).to_owned()).collect();
    listed.sort();
    assert_eq!(files, listed, "tests/assets and CORPUS disagree");
    assert!(CORPUS.len() >= 30);
}

#[test]
fn real_documents_parse_as_the_right_kind() {
    for (path, expect) in CORPUS {
        let document = parse_document(&read(path));
        let raw = raw(path);
        match (expect, document) {
            (Who(kind), Ok(Document::Actor(actor))) => check_actor(path, kind, &actor, &raw),
            (Act(kind), Ok(Document::Activity(activity))) => {
                check_activity(path, kind, &activity, &raw)
            }
            (Obj(kind), Ok(Document::Object(object))) => check_object(path, kind, &object, &raw),
            (Rejected(is_expected), Err(error)) => assert!(is_expected(&error), "{path}: {error}"),
            (expect, got) => panic!("{path}: expected {expect:?}, got {got:?}"),
        }
    }
}

fn check_actor(path: &str, kind: &str, actor: &Actor, raw: &Value) {
    assert_eq!(actor.kind.as_str(), kind, "{path}");
    assert_eq!(
        actor.id.as_str(),
        raw["id"].as_str().unwrap_or_default(),
        "{path}"
    );
    assert!(actor.inbox.is_some(), "{path}: inbox");
    for key in vocab::lenient::value_items(&raw["publicKey"]) {
        let Some(pem) = key["publicKeyPem"].as_str() else {
            continue;
        };
        assert!(pem.starts_with("-----BEGIN"), "{path}: pem");
        let found = key["id"].as_str().and_then(|id| actor.public_key(id));
        assert_eq!(
            found.map(|k| k.public_key_pem.as_str()),
            Some(pem.trim()),
            "{path}: key"
        );
    }
}

fn check_activity(path: &str, kind: &str, activity: &Activity, raw: &Value) {
    assert_eq!(activity.kind.as_str(), kind, "{path}");
    assert_eq!(
        activity.id.as_str(),
        raw["id"].as_str().unwrap_or_default(),
        "{path}"
    );
    assert!(!activity.actor.as_str().is_empty(), "{path}: actor");
    assert!(activity.object_id().is_some(), "{path}: object id");
    let names = activity.object_type_names();
    if names.is_empty() {
        return;
    }
    if activity.object_as_actor().is_some() {
        assert!(
            activity
                .object_as_actor()
                .is_some_and(|actor| actor.is_ok()),
            "{path}: actor object"
        );
    } else if ActivityKind::from_type_value(&raw["object"]["type"])
        .is_some_and(|kind| kind.is_known())
    {
        let inner = activity.object_as_activity().and_then(Result::ok);
        assert!(inner.is_some(), "{path}: inner activity");
    } else {
        let note = activity.object_as_note().and_then(Result::ok);
        let Some(note) = note else {
            panic!("{path}: embedded object did not parse")
        };
        if note.kind.is_status_like() {
            assert!(note.author().is_some(), "{path}: embedded author");
        }
    }
}

fn check_object(path: &str, kind: &str, object: &Object, raw: &Value) {
    assert_eq!(object.kind.as_str(), kind, "{path}");
    assert_eq!(
        object.id.as_str(),
        raw["id"].as_str().unwrap_or_default(),
        "{path}"
    );
    assert!(object.author().is_some(), "{path}: author");
    assert!(object.published.is_some(), "{path}: published");
}

#[test]
fn key_fields_of_selected_documents() {
    let gargron = actor("mastodon/person.json");
    assert_eq!(gargron.preferred_username.as_deref(), Some("Gargron"));
    assert_eq!(gargron.fields.len(), 2);
    assert_eq!(gargron.indexable, Some(true));
    assert_eq!(
        gargron.featured_tags.as_ref().map(|id| id.as_str()),
        Some("https://mastodon.social/users/Gargron/collections/tags")
    );
    assert_eq!(
        gargron.shared_inbox().map(|id| id.as_str()),
        Some("https://mastodon.social/inbox")
    );
    assert_eq!(
        gargron.icon.as_ref().and_then(|i| i.media_type.as_deref()),
        Some("image/png")
    );

    let misskey = actor("misskey/person.json");
    assert!(
        misskey
            .tag
            .iter()
            .any(|tag| tag.emoji_shortcode() == Some("peroro_sama"))
    );
    let peertube = actor("peertube/person.json");
    assert_eq!(peertube.icon.as_ref().and_then(|i| i.width), Some(120));
    let funkwhale = actor("funkwhale/person.json");
    assert_eq!(
        funkwhale.url.as_ref().map(|u| u.as_str()),
        Some("https://open.audio/@Greensky")
    );
    let streams = actor("streams/person.json");
    assert_eq!(streams.also_known_as.len(), 1);
    let moved = actor("gotosocial/person_moved.json");
    assert_eq!(
        moved.moved_to.as_ref().map(|id| id.as_str()),
        Some("http://localhost:8080/users/1happyturtle")
    );
    let writefreely = actor("writefreely/person.json");
    assert!(writefreely.shared_inbox().is_none() && writefreely.delivery_inbox().is_some());

    let note = object("mastodon/note_attachment.json");
    let media = &note.attachment[0];
    assert_eq!(
        (media.width, media.height, media.focal_point),
        (Some(1500), Some(1095), Some((0.0, 0.0)))
    );
    assert!(
        media
            .alt_text()
            .is_some_and(|alt| alt.starts_with("The KDE dragons"))
    );
    assert_eq!(
        note.content_and_language().and_then(|(_, lang)| lang),
        Some("en")
    );
    assert!(note.is_public());
    let gts = object("gotosocial/note_tags_attachment.json");
    assert_eq!(
        gts.attachment[0].alt_text(),
        Some("Black and white image of some 50's style text saying: Welcome On Board")
    );
    assert!(
        gts.tag
            .iter()
            .any(|tag| matches!(tag, Tag::Hashtag { name, .. } if name == "#welcome"))
    );
    assert_eq!(
        object("gotosocial/note_single_mention.json")
            .mentions()
            .count(),
        1
    );
    let video = object("peertube/video.json");
    assert_eq!(
        video.url.as_ref().map(|u| u.as_str()),
        Some("https://fediverse.tv/w/cCGUxnZuDUWGvQbUnDA4TP")
    );
    assert_eq!(
        video.attributed_to.as_ref().map(|u| u.as_str()),
        Some("https://fediverse.tv/accounts/alquimidia")
    );
    let quote = object("misskey/note_quote.json");
    assert_eq!(
        quote.quote_id().map(|id| id.as_str()),
        Some("https://misskey.io/notes/8vs6wxufd0")
    );
    let poll = object("misskey/question_no_end_date.json");
    assert_eq!(
        poll.poll_options()
            .map(|(options, multiple)| (options.len(), multiple)),
        Some((2, false))
    );
    assert!(poll.end_time.is_none());

    let question = activity("mastodon/create_question.json")
        .object_as_note()
        .and_then(Result::ok);
    let question = question.unwrap_or_else(|| panic!("question"));
    assert_eq!(question.kind, ObjectKind::Question);
    assert_eq!(
        question.one_of.iter().filter_map(|o| o.votes).sum::<u64>(),
        2
    );
    let flag = activity("gotosocial/flag.json");
    assert_eq!(flag.object_ids().len(), 2);
    assert_eq!(
        flag.content.as_deref(),
        Some("dark souls sucks, please yeet this nerd")
    );
    assert_eq!(
        activity("lemmy/report_page.json").summary.as_deref(),
        Some("report this post")
    );
    let moved = activity("gotosocial/move.json");
    assert_eq!(
        moved.target.as_ref().map(|id| id.as_str()),
        Some("https://another-server.com/users/my_new_account_hurray")
    );
    assert_eq!(moved.to.len(), 1);
    assert_eq!(
        activity("misskey/like_reaction.json").reaction(),
        Some("pudding")
    );
    assert_eq!(
        activity("pleroma/emoji_reaction.json").reaction(),
        Some("👌")
    );
    let custom = activity("misskey/like_custom_emoji.json");
    assert_eq!(
        (custom.reaction(), custom.tag.len()),
        (Some(":hanapog:"), 1)
    );
    let update = activity("mastodon/update_person.json")
        .object_as_actor()
        .and_then(Result::ok);
    assert_eq!(update.map(|a| a.fields.len()), Some(2));
    let published = activity("pleroma/create_note.json")
        .published
        .map(|t| t.timestamp_subsec_micros());
    assert_eq!(published, Some(595_650));
}

fn hostile(name: &str) -> Vec<u8> {
    read(&format!("hostile/{name}"))
}

#[test]
fn hostile_documents_are_refused_or_read_leniently() {
    assert_eq!(
        parse_activity(&hostile("id_null.json")).err(),
        Some(VocabError::MissingId)
    );
    assert_eq!(
        parse_activity(&hostile("missing_type.json")).err(),
        Some(VocabError::MissingType)
    );
    assert_eq!(
        parse_activity(&hostile("missing_actor.json")).err(),
        Some(VocabError::MissingActor)
    );
    assert_eq!(
        parse_activity(&hostile("actor_null.json")).err(),
        Some(VocabError::MissingActor)
    );
    assert_eq!(
        parse_document(&hostile("type_number.json")).err(),
        Some(VocabError::MissingType)
    );
    assert!(matches!(
        parse_document(&hostile("relative_id.json")),
        Err(VocabError::InvalidId(_))
    ));

    let odd = parse_object_bytes(&hostile("wrong_types.json")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(odd.kind, ObjectKind::Note);
    assert_eq!(odd.content.as_deref(), Some("3.14"));
    assert!(odd.attributed_to.is_none() && odd.published.is_none() && odd.updated.is_none());
    assert_eq!(odd.sensitive, Some(true));
    assert!(odd.to.iter().any(|id| id.as_str() == AS_PUBLIC));
    assert_eq!(odd.cc.len(), 2);
    assert!(odd.tag.is_empty() && odd.one_of.is_empty() && odd.voters_count.is_none());
    assert_eq!(odd.attachment.len(), 1);
    assert_eq!(
        (odd.attachment[0].width, odd.attachment[0].height),
        (None, None)
    );

    let shared = parse_object_bytes(&hostile("attributed_to_objects.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        shared.author().map(|id| id.as_str()),
        Some("https://odd.example/users/alice")
    );
    assert!(shared.published.is_some() && shared.is_public());

    let nobody = parse_actor_bytes(&hostile("actor_odd.json")).unwrap_or_else(|e| panic!("{e}"));
    assert!(nobody.preferred_username.is_none() && nobody.name.is_none());
    assert!(nobody.inbox.is_some() && nobody.public_key.is_empty());
    assert_eq!(
        nobody.icon.map(|i| i.media_type),
        Some(Some("image/png".to_owned()))
    );
    assert!(nobody.image.is_some() && nobody.published.is_some());
    assert_eq!((nobody.fields.len(), nobody.also_known_as.len()), (1, 1));
    assert!(nobody.moved_to.is_some());
}

#[test]
fn deep_nesting_is_refused_without_recursion() {
    for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
        let body = format!("{}1{}", open.repeat(1000), close.repeat(1000));
        assert_eq!(
            parse_activity(body.as_bytes()).err(),
            Some(VocabError::TooDeep { limit: MAX_DEPTH })
        );
    }
    let mut inner = json!("https://a.example/n/1");
    for level in 0..(MAX_DEPTH + 10) {
        inner = json!({"id": format!("https://a.example/a/{level}"), "type": "Announce",
                       "actor": "https://a.example/u", "object": inner});
    }
    let body = inner.to_string();
    assert_eq!(
        parse_activity(body.as_bytes()).err(),
        Some(VocabError::TooDeep { limit: MAX_DEPTH })
    );
    assert_eq!(
        vocab::parse_activity_value(inner).err(),
        Some(VocabError::TooDeep { limit: MAX_DEPTH })
    );
}

#[test]
fn huge_addressing_lists_parse() {
    let to: Vec<String> = (0..100_000)
        .map(|n| format!("https://a.example/u/{n}"))
        .collect();
    let body = json!({"id": "https://a.example/c/1", "type": "Create", "actor": "https://a.example/u",
                      "to": to, "cc": "as:Public", "object": "https://a.example/n/1"});
    let parsed = parse_activity(body.to_string().as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed.to.len(), 100_000);
    assert!(parsed.is_public());
}

#[test]
fn mangled_corpus_never_panics() {
    let junk = [
        json!(null),
        json!(1),
        json!(-1.5e300),
        json!("x"),
        json!({}),
        json!([]),
        json!(true),
        json!([null, {"id": 3}]),
        json!({"id": "https://a.example/x", "type": []}),
    ];
    for (path, _) in CORPUS {
        let original = raw(path);
        let Some(map) = original.as_object() else {
            continue;
        };
        for key in map.keys() {
            for value in &junk {
                let mut mangled = original.clone();
                mangled[key.as_str()] = value.clone();
                let _ = vocab::parse_document_value(mangled.clone());
                let _ = vocab::parse_activity_value(mangled.clone());
                let _ = vocab::parse_actor(mangled.clone());
                let _ = vocab::parse_object(mangled);
            }
        }
    }
}
