//! What a hostile or broken peer sends to an inbox: every bad request gets the right
//! 4xx and nothing is stored; a good one is accepted and shows up.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use starling_core::entities::status;
use starling_federation::entities::inbox_activity;

use super::eventually;
use super::peer::{Peer, create_note, post, signed_headers};
use crate::support::TestApp;

async fn stored(app: &TestApp) -> (u64, u64) {
    let activities = inbox_activity::Entity::find()
        .count(&app.inst.store.read)
        .await
        .unwrap();
    let statuses = status::Entity::find()
        .count(&app.inst.store.read)
        .await
        .unwrap();
    (activities, statuses)
}

#[tokio::test]
async fn forged_stale_and_mismatched_requests_are_refused_and_nothing_is_stored() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let alice_uri = format!("{}/users/alice", app.base);
    let peer = Peer::start(&["mallory", "trent"]).await;
    let mallory = peer.actor("mallory");
    let now = SystemTime::now();
    let body = |id: &str| {
        create_note(&mallory, &format!("{}/notes/{id}", peer.base), &alice_uri)
            .to_string()
            .into_bytes()
    };
    let key = &peer.key("mallory");
    let before = stored(&app).await;

    // No signature at all.
    let mut unsigned = HeaderMap::new();
    unsigned.insert(
        "content-type",
        HeaderValue::from_static("application/activity+json"),
    );
    let (code, _) = post(&app, unsigned, body("1")).await;
    assert_eq!(code, 401);

    // A signature over other bytes: the digest does not match the body sent.
    let headers = signed_headers(&app, &body("2"), &peer.key_id("mallory"), key, now);
    let (code, _) = post(&app, headers, body("2-tampered")).await;
    assert_eq!(code, 401);

    // A forged signature value.
    let b = body("3");
    let mut headers = signed_headers(&app, &b, &peer.key_id("mallory"), key, now);
    let sig = headers["signature"].to_str().unwrap().to_string();
    let forged = sig.replacen("signature=\"", "signature=\"AAAA", 1);
    headers.insert("signature", HeaderValue::from_str(&forged).unwrap());
    let (code, _) = post(&app, headers, b).await;
    assert_eq!(code, 401);

    // Mallory's key id, but signed with trent's key.
    let b = body("4");
    let headers = signed_headers(&app, &b, &peer.key_id("mallory"), &peer.key("trent"), now);
    let (code, _) = post(&app, headers, b).await;
    assert_eq!(code, 401);

    // Trent's valid signature on an activity that claims to be mallory's.
    let b = body("5");
    let headers = signed_headers(&app, &b, &peer.key_id("trent"), &peer.key("trent"), now);
    let (code, text) = post(&app, headers, b).await;
    assert_eq!(code, 401, "{text}");

    // A date 13 hours old, and one 2 hours ahead.
    for at in [
        now - Duration::from_secs(13 * 3600),
        now + Duration::from_secs(2 * 3600),
    ] {
        let b = body("6");
        let headers = signed_headers(&app, &b, &peer.key_id("mallory"), key, at);
        let (code, _) = post(&app, headers, b).await;
        assert_eq!(code, 401);
    }

    // An activity whose actor lives on another host than the activity.
    let mut elsewhere = create_note(&mallory, &format!("{}/notes/7", peer.base), &alice_uri);
    elsewhere["id"] = json!("https://elsewhere.example/activities/7");
    let b = elsewhere.to_string().into_bytes();
    let headers = signed_headers(&app, &b, &peer.key_id("mallory"), key, now);
    let (code, _) = post(&app, headers, b).await;
    assert_eq!(code, 400);

    // Deeply nested JSON, and no id.
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes();
    let headers = signed_headers(&app, &deep, &peer.key_id("mallory"), key, now);
    let (code, _) = post(&app, headers, deep).await;
    assert_eq!(code, 400);
    let mut no_id = create_note(&mallory, &format!("{}/notes/8", peer.base), &alice_uri);
    no_id.as_object_mut().unwrap().remove("id");
    let b = no_id.to_string().into_bytes();
    let headers = signed_headers(&app, &b, &peer.key_id("mallory"), key, now);
    let (code, _) = post(&app, headers, b).await;
    assert_eq!(code, 400);

    // Five megabytes.
    let big = vec![b' '; 5 * 1024 * 1024];
    let headers = signed_headers(&app, &big, &peer.key_id("mallory"), key, now);
    let (code, _) = post(&app, headers, big).await;
    assert_eq!(code, 413);

    assert_eq!(
        stored(&app).await,
        before,
        "a refused request stored something"
    );
    assert!(app.notifications(&alice).await.is_empty());
}

#[tokio::test]
async fn a_signed_mention_is_accepted_once_and_shown() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let alice_uri = format!("{}/users/alice", app.base);
    let peer = Peer::start(&["zoe"]).await;
    let zoe = peer.actor("zoe");
    let note_id = format!("{}/notes/1", peer.base);
    let b = create_note(&zoe, &note_id, &alice_uri)
        .to_string()
        .into_bytes();
    let key = &peer.key("zoe");
    let headers = signed_headers(&app, &b, &peer.key_id("zoe"), key, SystemTime::now());
    let (code, text) = post(&app, headers.clone(), b.clone()).await;
    assert_eq!(code, 202, "{text}");

    let mention = app.await_notification(&alice, "mention").await;
    assert_eq!(mention["status"]["uri"], note_id);
    // No `url` in the note: it links to its id, as Mastodon does.
    assert_eq!(mention["status"]["url"], note_id);
    assert!(
        !mention["status"]["content"]
            .as_str()
            .unwrap()
            .contains("script")
    );
    let public = app.get("/api/v1/timelines/public", None).await.expect(200);
    assert!(
        public
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["uri"] == note_id)
    );

    // The same activity again (a replay within the signature window): acknowledged,
    // not stored or shown twice.
    let (code, _) = post(&app, headers, b).await;
    assert_eq!(code, 202);
    let activities = inbox_activity::Entity::find()
        .count(&app.inst.store.read)
        .await
        .unwrap();
    assert_eq!(activities, 1);
    tokio::task::yield_now().await;
    let mentions = app
        .notifications(&alice)
        .await
        .into_iter()
        .filter(|n| n["type"] == "mention")
        .count();
    assert_eq!(mentions, 1);

    // An activity type nobody here knows is accepted and ignored.
    let odd = json!({
        "id": format!("{}/odd/1", peer.base),
        "type": "Wave",
        "actor": zoe,
        "object": alice_uri,
    })
    .to_string()
    .into_bytes();
    let headers = signed_headers(&app, &odd, &peer.key_id("zoe"), key, SystemTime::now());
    let (code, _) = post(&app, headers, odd).await;
    assert_eq!(code, 202);
    eventually("the odd activity to be processed", || async {
        let pending = inbox_activity::Entity::find()
            .all(&app.inst.store.read)
            .await
            .unwrap()
            .into_iter()
            .any(|a| a.processed_at.is_none());
        (!pending).then_some(())
    })
    .await;
}
