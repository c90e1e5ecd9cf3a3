//! What a hostile or broken peer sends to an inbox: every bad request gets the right
//! 4xx and nothing is stored; a good one is accepted and shows up.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::extract::{Path, State};
use reqwest::header::{HeaderMap, HeaderValue};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use starling_core::entities::{inbox_activity, status};
use starling_federation::signatures::{PrivateKey, sign_request};

use super::eventually;
use crate::support::TestApp;

/// A remote server on loopback that publishes actors (their keys) and nothing else.
struct Peer {
    base: String,
    keys: HashMap<String, PrivateKey>,
    task: tokio::task::JoinHandle<()>,
}

fn new_key() -> (PrivateKey, String) {
    let keys = starling_core::crypto::generate_actor_keys().unwrap();
    (
        PrivateKey::from_pem(&keys.private_pem).unwrap(),
        keys.public_pem,
    )
}

impl Peer {
    /// Publishes `names`; each actor's document carries its own key.
    async fn start(names: &[&str]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut keys = HashMap::new();
        let mut docs = HashMap::new();
        for name in names {
            let (private, public_pem) = new_key();
            let id = format!("{base}/users/{name}");
            docs.insert(
                name.to_string(),
                json!({
                    "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                    "id": id,
                    "type": "Person",
                    "preferredUsername": name,
                    "inbox": format!("{id}/inbox"),
                    "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": public_pem},
                }),
            );
            keys.insert(name.to_string(), private);
        }
        let docs = Arc::new(docs);
        let app =
            axum::Router::new()
                .route(
                    "/users/{name}",
                    axum::routing::get(
                        |State(docs): State<Arc<HashMap<String, Value>>>,
                         Path(name): Path<String>| async move {
                            match docs.get(&name) {
                                Some(doc) => axum::Json(doc.clone()).into_response(),
                                None => axum::http::StatusCode::NOT_FOUND.into_response(),
                            }
                        },
                    ),
                )
                .route("/users/{name}/inbox", axum::routing::post(|| async { "" }))
                .with_state(docs);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Peer { base, keys, task }
    }

    fn actor(&self, name: &str) -> String {
        format!("{}/users/{name}", self.base)
    }

    fn key_id(&self, name: &str) -> String {
        format!("{}#main-key", self.actor(name))
    }
}

use axum::response::IntoResponse;

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A `Create` of a public note by `actor` mentioning `mentioned`.
fn create_note(actor: &str, id: &str, mentioned: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{id}/activity"),
        "type": "Create",
        "actor": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [mentioned],
        "object": {
            "id": id,
            "type": "Note",
            "attributedTo": actor,
            "content": "<p>hello <a href=\"x\">@alice</a><script>alert(1)</script></p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [mentioned],
            "tag": [{"type": "Mention", "href": mentioned}],
            "published": "2026-11-30T16:05:17.840655+00:00Z",
        }
    })
}

/// Signs a POST of `body` to `app`'s shared inbox with `key` as `key_id`, `at` a time.
fn signed_headers(
    app: &TestApp,
    body: &[u8],
    key_id: &str,
    key: &PrivateKey,
    at: SystemTime,
) -> HeaderMap {
    let url = url::Url::parse(&app.url("/inbox")).unwrap();
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/activity+json"),
    );
    sign_request(
        &axum::http::Method::POST,
        &url,
        &mut headers,
        Some(body),
        key_id,
        key,
        at,
    )
    .unwrap();
    let mut out = HeaderMap::new();
    for (k, v) in &headers {
        out.insert(
            reqwest::header::HeaderName::from_bytes(k.as_str().as_bytes()).unwrap(),
            HeaderValue::from_bytes(v.as_bytes()).unwrap(),
        );
    }
    out
}

async fn post(app: &TestApp, headers: HeaderMap, body: Vec<u8>) -> (u16, String) {
    let resp = app
        .http
        .post(app.url("/inbox"))
        .headers(headers)
        .body(body)
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.text().await.unwrap_or_default(),
    )
}

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
    let key = &peer.keys["mallory"];
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
    let headers = signed_headers(&app, &b, &peer.key_id("mallory"), &peer.keys["trent"], now);
    let (code, _) = post(&app, headers, b).await;
    assert_eq!(code, 401);

    // Trent's valid signature on an activity that claims to be mallory's.
    let b = body("5");
    let headers = signed_headers(&app, &b, &peer.key_id("trent"), &peer.keys["trent"], now);
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
    let key = &peer.keys["zoe"];
    let headers = signed_headers(&app, &b, &peer.key_id("zoe"), key, SystemTime::now());
    let (code, text) = post(&app, headers.clone(), b.clone()).await;
    assert_eq!(code, 202, "{text}");

    let mention = app.await_notification(&alice, "mention").await;
    assert_eq!(mention["status"]["uri"], note_id);
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
