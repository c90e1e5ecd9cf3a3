//! A scripted remote server on loopback: it publishes actors (with keys it can rotate)
//! and notes, records what is delivered to its inboxes, and signs the requests the
//! tests send to a Starling inbox as it pleases (well or badly).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};
use starling_federation::signatures::{PrivateKey, content_digest_header, sign_request};

use crate::support::TestApp;

#[derive(Default)]
struct Published {
    actors: HashMap<String, Value>,
    notes: HashMap<String, Value>,
    received: Vec<Value>,
}

type Shared = Arc<Mutex<Published>>;

/// The remote server.
pub struct Peer {
    pub base: String,
    keys: Mutex<HashMap<String, PrivateKey>>,
    state: Shared,
    task: tokio::task::JoinHandle<()>,
}

fn new_key() -> (PrivateKey, String) {
    let keys = starling_core::crypto::generate_actor_keys().unwrap();
    (
        PrivateKey::from_pem(&keys.private_pem).unwrap(),
        keys.public_pem,
    )
}

async fn get_actor(State(state): State<Shared>, Path(name): Path<String>) -> impl IntoResponse {
    match state.lock().unwrap().actors.get(&name) {
        Some(doc) => axum::Json(doc.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn get_note(State(state): State<Shared>, Path(id): Path<String>) -> impl IntoResponse {
    match state.lock().unwrap().notes.get(&id) {
        Some(doc) => axum::Json(doc.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn inbox(State(state): State<Shared>, body: Bytes) -> impl IntoResponse {
    if let Ok(v) = serde_json::from_slice(&body) {
        state.lock().unwrap().received.push(v);
    }
    StatusCode::ACCEPTED
}

impl Peer {
    /// Publishes actors `names`, each with its own key.
    pub async fn start(names: &[&str]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state: Shared = Arc::default();
        let app = axum::Router::new()
            .route("/users/{name}", axum::routing::get(get_actor))
            .route("/users/{name}/inbox", axum::routing::post(inbox))
            .route("/inbox", axum::routing::post(inbox))
            .route("/notes/{id}", axum::routing::get(get_note))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let peer = Peer {
            base,
            keys: Mutex::default(),
            state,
            task,
        };
        for name in names {
            peer.rotate_key(name);
        }
        peer
    }

    /// Gives `name` a new key pair and publishes it (creating the actor if needed).
    pub fn rotate_key(&self, name: &str) {
        let (private, public_pem) = new_key();
        let id = self.actor(name);
        let doc = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": id,
            "type": "Person",
            "preferredUsername": name,
            "name": format!("{name} of the peer"),
            "inbox": format!("{id}/inbox"),
            "followers": format!("{id}/followers"),
            "endpoints": {"sharedInbox": format!("{}/inbox", self.base)},
            "publicKey": {"id": self.key_id(name), "owner": id, "publicKeyPem": public_pem},
        });
        self.state
            .lock()
            .unwrap()
            .actors
            .insert(name.to_string(), doc);
        self.keys.lock().unwrap().insert(name.to_string(), private);
    }

    /// Publishes a note at `/notes/:id`; returns its id.
    pub fn publish_note(&self, id: &str, note: Value) -> String {
        let uri = self.note_id(id);
        let mut note = note;
        note["id"] = json!(uri);
        self.state
            .lock()
            .unwrap()
            .notes
            .insert(id.to_string(), note);
        uri
    }

    pub fn actor(&self, name: &str) -> String {
        format!("{}/users/{name}", self.base)
    }

    pub fn key_id(&self, name: &str) -> String {
        format!("{}#main-key", self.actor(name))
    }

    pub fn note_id(&self, id: &str) -> String {
        format!("{}/notes/{id}", self.base)
    }

    pub fn key(&self, name: &str) -> PrivateKey {
        self.keys.lock().unwrap()[name].clone()
    }

    /// Activities delivered to this server so far.
    pub fn received(&self) -> Vec<Value> {
        self.state.lock().unwrap().received.clone()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A `Create` of a public note by `actor` mentioning `mentioned`.
pub fn create_note(actor: &str, id: &str, mentioned: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{id}/activity"),
        "type": "Create",
        "actor": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [mentioned],
        "object": note(actor, id, mentioned),
    })
}

/// [`create_note`] with `content` as the note's HTML.
pub fn create_note_saying(actor: &str, id: &str, mentioned: &str, content: &str) -> Value {
    let mut create = create_note(actor, id, mentioned);
    create["object"]["content"] = json!(content);
    create
}

/// A public note by `actor` mentioning `mentioned`.
pub fn note(actor: &str, id: &str, mentioned: &str) -> Value {
    json!({
        "id": id,
        "type": "Note",
        "attributedTo": actor,
        "content": "<p>hello <a href=\"x\">@alice</a><script>alert(1)</script></p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [mentioned],
        "tag": [{"type": "Mention", "href": mentioned}],
        "published": "2026-11-30T16:05:17.840655+00:00Z",
    })
}

fn to_reqwest(headers: &axum::http::HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (k, v) in headers {
        out.insert(
            HeaderName::from_bytes(k.as_str().as_bytes()).unwrap(),
            HeaderValue::from_bytes(v.as_bytes()).unwrap(),
        );
    }
    out
}

/// GETs `url` as ActivityPub JSON, signed with the key of `name` on `peer` when
/// `signed`.
pub async fn get_as(
    app: &TestApp,
    peer: &Peer,
    name: &str,
    url: &str,
    signed: bool,
) -> reqwest::Response {
    let url = url::Url::parse(url).unwrap();
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(
        axum::http::header::ACCEPT,
        axum::http::HeaderValue::from_static("application/activity+json"),
    );
    if signed {
        sign_request(
            &axum::http::Method::GET,
            &url,
            &mut headers,
            None,
            &peer.key_id(name),
            &peer.key(name),
            SystemTime::now(),
        )
        .unwrap();
    }
    let mut req = app.http.get(url.as_str());
    for (k, v) in &headers {
        req = req.header(k.as_str(), v.as_bytes());
    }
    req.send().await.unwrap()
}

/// draft-cavage headers for POSTing `body` to `app`'s shared inbox.
pub fn signed_headers(
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
    to_reqwest(&headers)
}

/// RFC 9421 headers for POSTing `body` to `app`'s shared inbox, the way Mastodon 4.5
/// signs (`@method`, `@target-uri`, `content-digest`; rsa-v1_5-sha256). The signature
/// base is built here by hand from the RFC, independently of Starling's code.
pub fn rfc9421_headers(app: &TestApp, body: &[u8], key_id: &str, key: &PrivateKey) -> HeaderMap {
    let target = app.url("/inbox");
    let digest = content_digest_header(body);
    let created = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let params = format!(
        "(\"@method\" \"@target-uri\" \"content-digest\");created={created};keyid=\"{key_id}\";alg=\"rsa-v1_5-sha256\""
    );
    let base = format!(
        "\"@method\": POST\n\"@target-uri\": {target}\n\"content-digest\": {digest}\n\"@signature-params\": {params}"
    );
    let signature =
        base64::engine::general_purpose::STANDARD.encode(key.sign(base.as_bytes()).unwrap());
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/activity+json"),
    );
    headers.insert("content-digest", HeaderValue::from_str(&digest).unwrap());
    headers.insert(
        "signature-input",
        HeaderValue::from_str(&format!("sig1={params}")).unwrap(),
    );
    headers.insert(
        "signature",
        HeaderValue::from_str(&format!("sig1=:{signature}:")).unwrap(),
    );
    headers
}

/// POSTs `body` to `app`'s shared inbox; the status and body.
pub async fn post(app: &TestApp, headers: HeaderMap, body: Vec<u8>) -> (u16, String) {
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

/// Signs `activity` as `name` (draft-cavage) and POSTs it to `app`.
pub async fn deliver(app: &TestApp, peer: &Peer, name: &str, activity: &Value) -> (u16, String) {
    let body = activity.to_string().into_bytes();
    let headers = signed_headers(
        app,
        &body,
        &peer.key_id(name),
        &peer.key(name),
        SystemTime::now(),
    );
    post(app, headers, body).await
}
