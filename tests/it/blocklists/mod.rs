//! Blocklist subscriptions: lists of domain blocks served by a real HTTP server inside the
//! test (whose list the test changes between syncs), fetched through the guarded client,
//! applied to the instance's domain blocks with their source; and the `starling
//! blocklist` command line against the same database.

mod cli_and_workers;
mod formats;
mod precedence;
mod refusals;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use starling_core::Config;
use starling_core::entities::blocklist_entry;
use starling_core::moderation::Severity;
use starling_core::moderation::blocks;
use starling_core::moderation::subscriptions::{self, Format, NewSource, Retraction, SyncReport};
use starling_federation::blocklists;

use crate::support::TestApp;

/// What the list server serves at `/list/{name}`: a body and its version (the `ETag`).
#[derive(Default)]
struct Served {
    lists: std::collections::HashMap<String, (String, u32)>,
    /// Requests answered with a body, per list.
    full_answers: std::collections::HashMap<String, u32>,
}

type Shared = Arc<Mutex<Served>>;

/// A publisher of blocklists on loopback.
pub(super) struct ListServer {
    addr: SocketAddr,
    state: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ListServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// 64 KiB of a plain list's text, served over and over by `/huge`.
static CHUNK: [u8; 65536] = [b'a'; 65536];

async fn serve_list(
    State(state): State<Shared>,
    axum::extract::Path(name): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut served = state.lock().unwrap();
    let Some((body, version)) = served.lists.get(&name).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"v{version}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    *served.full_answers.entry(name).or_default() += 1;
    ([(header::ETAG, etag)], body).into_response()
}

impl ListServer {
    async fn start() -> ListServer {
        let state = Shared::default();
        let app = Router::new()
            .route("/list/{name}", get(serve_list))
            // About 5 GB, generated as it is sent: nothing is allocated but one chunk.
            .route(
                "/huge",
                get(|| async {
                    let chunks =
                        (0..80_000u32).map(|_| Ok::<_, std::io::Error>(Bytes::from_static(&CHUNK)));
                    Body::from_stream(futures::stream::iter(chunks))
                }),
            )
            // Takes the request and never answers.
            .route(
                "/hang",
                get(|| async {
                    std::future::pending::<()>().await;
                    "never"
                }),
            )
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        ListServer { addr, state, task }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Serves `body` at `/list/{name}` from now on, as a new version.
    fn set(&self, name: &str, body: &str) {
        let mut served = self.state.lock().unwrap();
        let entry = served.lists.entry(name.into()).or_default();
        entry.0 = body.into();
        entry.1 += 1;
    }

    fn full_answers(&self, name: &str) -> u32 {
        self.state
            .lock()
            .unwrap()
            .full_answers
            .get(name)
            .copied()
            .unwrap_or(0)
    }
}

/// A test instance whose schedule stays off, so that only the test syncs.
pub(super) async fn app_with(tweak: impl FnOnce(&mut Config) + Send + 'static) -> TestApp {
    TestApp::builder()
        .config(|c| c.moderation.blocklist_sync_every_minutes = 0)
        .config(tweak)
        .start()
        .await
}

pub(super) async fn app() -> TestApp {
    app_with(|_| {}).await
}

pub(super) fn source(url: String) -> NewSource {
    NewSource {
        url,
        format: Format::Auto,
        priority: 0,
        review: false,
        retraction: Retraction::Remove,
        plain_severity: Severity::Suspend,
    }
}

pub(super) async fn subscribe(app: &TestApp, new: NewSource) -> i64 {
    subscriptions::subscribe(&app.inst, None, new)
        .await
        .expect("subscribe")
        .id
}

pub(super) async fn sync(app: &TestApp, id: i64) -> SyncReport {
    blocklists::sync(&app.inst, id)
        .await
        .unwrap_or_else(|e| panic!("sync of {id} failed: {e}"))
}

/// The blocks in force: `(domain, severity, reject_media, reject_reports, source)`.
pub(super) async fn blocks_of(app: &TestApp) -> Vec<(String, String, bool, bool, Option<i64>)> {
    blocks::all_blocks(&app.inst)
        .await
        .unwrap()
        .into_iter()
        .map(|b| {
            (
                b.domain,
                b.severity,
                b.reject_media,
                b.reject_reports,
                b.source_id,
            )
        })
        .collect()
}

pub(super) fn block(
    domain: &str,
    severity: &str,
    media: bool,
    reports: bool,
    source: Option<i64>,
) -> (String, String, bool, bool, Option<i64>) {
    (domain.into(), severity.into(), media, reports, source)
}

pub(super) async fn entries_of(app: &TestApp, id: i64) -> Vec<blocklist_entry::Model> {
    subscriptions::entries(&app.inst, Some(id), None)
        .await
        .unwrap()
}

pub(super) const CSV_V1: &str =
    "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
evil.example,suspend,true,true,\"spam, lots\",false
limited.example,silence,true,false,,false
flags.example,noop,false,true,,false
";
