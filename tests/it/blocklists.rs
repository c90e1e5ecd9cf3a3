//! Blocklist subscriptions: lists of domain blocks served by a real HTTP server inside the
//! test (whose list the test changes between syncs), fetched through the guarded client,
//! applied to the instance's domain blocks with their source; and the `starling
//! blocklist` command line against the same database.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use starling_core::Config;
use starling_core::accounts::Role;
use starling_core::entities::blocklist_entry;
use starling_core::moderation::Severity;
use starling_core::moderation::blocks::{self, BlockFields};
use starling_core::moderation::subscriptions::{
    self, Format, NewSource, Retraction, SyncReport, state,
};
use starling_federation::blocklists::{self, SyncError};

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
struct ListServer {
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
async fn app_with(tweak: impl FnOnce(&mut Config) + Send + 'static) -> TestApp {
    TestApp::builder()
        .config(|c| c.moderation.blocklist_sync_every_minutes = 0)
        .config(tweak)
        .start()
        .await
}

async fn app() -> TestApp {
    app_with(|_| {}).await
}

fn source(url: String) -> NewSource {
    NewSource {
        url,
        format: Format::Auto,
        priority: 0,
        review: false,
        retraction: Retraction::Remove,
        plain_severity: Severity::Suspend,
    }
}

async fn subscribe(app: &TestApp, new: NewSource) -> i64 {
    subscriptions::subscribe(&app.inst, None, new)
        .await
        .expect("subscribe")
        .id
}

async fn sync(app: &TestApp, id: i64) -> SyncReport {
    blocklists::sync(&app.inst, id)
        .await
        .unwrap_or_else(|e| panic!("sync of {id} failed: {e}"))
}

/// The blocks in force: `(domain, severity, reject_media, reject_reports, source)`.
async fn blocks_of(app: &TestApp) -> Vec<(String, String, bool, bool, Option<i64>)> {
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

fn block(
    domain: &str,
    severity: &str,
    media: bool,
    reports: bool,
    source: Option<i64>,
) -> (String, String, bool, bool, Option<i64>) {
    (domain.into(), severity.into(), media, reports, source)
}

async fn entries_of(app: &TestApp, id: i64) -> Vec<blocklist_entry::Model> {
    subscriptions::entries(&app.inst, Some(id), None)
        .await
        .unwrap()
}

const CSV_V1: &str = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
evil.example,suspend,true,true,\"spam, lots\",false
limited.example,silence,true,false,,false
flags.example,noop,false,true,,false
";

#[tokio::test]
async fn a_csv_subscription_applies_every_severity_and_follows_the_list_as_it_changes() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set("a", CSV_V1);
    let id = subscribe(&app, source(lists.url("/list/a"))).await;
    let report = sync(&app, id).await;
    assert_eq!(
        (
            report.added,
            report.changed,
            report.retracted,
            report.skipped
        ),
        (3, 0, 0, 0)
    );
    assert_eq!(report.blocks.created, 3);
    let src = Some(id);
    assert_eq!(
        blocks_of(&app).await,
        [
            block("evil.example", "suspend", true, true, src),
            block("flags.example", "noop", false, true, src),
            block("limited.example", "silence", true, false, src),
        ]
    );
    let evil = blocks::find_block(&app.inst.store.read, "evil.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(evil.public_comment.as_deref(), Some("spam, lots"));
    assert!(app.inst.policy.is_suspended("sub.evil.example"));
    assert!(app.inst.policy.for_domain(Some("limited.example")).silenced);

    // Unchanged: the server's ETag comes back and nothing is read.
    let again = sync(&app, id).await;
    assert!(again.not_modified, "{again:?}");
    assert_eq!(lists.full_answers("a"), 1);

    // The list changes: one severity up, one domain new.
    lists.set(
        "a",
        &CSV_V1
            .replace("limited.example,silence", "limited.example,suspend")
            .replace(
                "flags.example",
                "new.example,silence,false,false,,false\nflags.example",
            ),
    );
    let report = sync(&app, id).await;
    assert_eq!(
        (
            report.added,
            report.changed,
            report.unchanged,
            report.retracted
        ),
        (1, 1, 2, 0)
    );
    assert_eq!((report.blocks.created, report.blocks.changed), (1, 1));
    assert_eq!(
        blocks_of(&app).await,
        [
            block("evil.example", "suspend", true, true, src),
            block("flags.example", "noop", false, true, src),
            block("limited.example", "suspend", true, false, src),
            block("new.example", "silence", false, false, src),
        ]
    );
    let s = subscriptions::get_source(&app.inst, id).await.unwrap();
    assert_eq!(
        (s.last_status.as_deref(), s.last_error, s.entry_count),
        (Some("ok"), None, 4)
    );

    // The audit log names the source of every applied change.
    let log = blocks::audit_log(&app.inst, 50).await.unwrap();
    let applied: Vec<_> = log
        .iter()
        .filter(|l| l.action.starts_with("domain_block."))
        .collect();
    assert_eq!(applied.len(), 5, "{applied:#?}");
    for l in &applied {
        let details: serde_json::Value = serde_json::from_str(&l.details).unwrap();
        assert_eq!(
            details["after"]["source_id"],
            serde_json::json!(id),
            "{details}"
        );
    }
    let syncs = log
        .iter()
        .filter(|l| l.action == "blocklist_source.sync" && l.target == lists.url("/list/a"))
        .count();
    assert_eq!(syncs, 2);
}

#[tokio::test]
async fn a_list_with_one_bad_line_changes_nothing_and_says_which_line() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set("a", CSV_V1);
    let id = subscribe(&app, source(lists.url("/list/a"))).await;
    sync(&app, id).await;
    let before = blocks_of(&app).await;
    lists.set(
        "a",
        &format!("{CSV_V1}other.example,suspend,,,,\nhttps://bad.example/x,suspend,,,,\n"),
    );
    let err = blocklists::sync(&app.inst, id).await.unwrap_err();
    let SyncError::List(message) = err else {
        panic!("{err:?}")
    };
    assert!(message.contains("line 6"), "{message}");
    assert_eq!(blocks_of(&app).await, before);
    assert_eq!(entries_of(&app, id).await.len(), 3);
    let s = subscriptions::get_source(&app.inst, id).await.unwrap();
    assert_eq!(s.last_status.as_deref(), Some("error"));
    assert_eq!(s.last_error.as_deref(), Some(message.as_str()));
}

#[tokio::test]
async fn retraction_removes_or_keeps_and_another_source_takes_over() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set("remove", "gone.example\nshared.example\nstays.example\n");
    lists.set("keep", "kept.example\n");
    lists.set("backup", "#domain,#severity\nshared.example,silence\n");
    let remove = subscribe(
        &app,
        NewSource {
            priority: 10,
            ..source(lists.url("/list/remove"))
        },
    )
    .await;
    let keep = subscribe(
        &app,
        NewSource {
            retraction: Retraction::Keep,
            ..source(lists.url("/list/keep"))
        },
    )
    .await;
    let backup = subscribe(&app, source(lists.url("/list/backup"))).await;
    for id in [remove, keep, backup] {
        sync(&app, id).await;
    }
    assert_eq!(
        blocks_of(&app).await,
        [
            block("gone.example", "suspend", false, false, Some(remove)),
            block("kept.example", "suspend", false, false, Some(keep)),
            block("shared.example", "suspend", false, false, Some(remove)),
            block("stays.example", "suspend", false, false, Some(remove)),
        ]
    );

    lists.set("remove", "stays.example\n");
    lists.set("keep", "# nothing left\n");
    let r = sync(&app, remove).await;
    assert_eq!((r.retracted, r.blocks.lifted, r.blocks.changed), (2, 1, 1));
    let k = sync(&app, keep).await;
    assert_eq!((k.retracted, k.blocks.lifted), (1, 0));
    assert_eq!(
        blocks_of(&app).await,
        [
            // Kept, its entry marked retracted.
            block("kept.example", "suspend", false, false, Some(keep)),
            // Still listed by the backup list, whose entry takes over.
            block("shared.example", "silence", false, false, Some(backup)),
            block("stays.example", "suspend", false, false, Some(remove)),
        ]
    );
    let kept = entries_of(&app, keep).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].state, state::RETRACTED);
    assert_eq!(
        entries_of(&app, remove)
            .await
            .iter()
            .map(|e| e.domain.as_str())
            .collect::<Vec<_>>(),
        ["stays.example"]
    );
    assert!(!app.inst.policy.is_suspended("gone.example"));
    assert!(app.inst.policy.is_suspended("kept.example"));
}

#[tokio::test]
async fn the_higher_priority_wins_and_equal_priorities_take_the_most_severe() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set(
        "high",
        "#domain,#severity,#reject_media,#reject_reports\nboth.example,silence,false,false\n",
    );
    lists.set(
        "low",
        "#domain,#severity,#reject_media,#reject_reports\nboth.example,suspend,false,false\n",
    );
    lists.set(
        "peer1",
        "#domain,#severity,#reject_media,#reject_reports\ntie.example,silence,true,false\n",
    );
    lists.set(
        "peer2",
        "#domain,#severity,#reject_media,#reject_reports\ntie.example,noop,false,true\n",
    );
    let high = subscribe(
        &app,
        NewSource {
            priority: 5,
            ..source(lists.url("/list/high"))
        },
    )
    .await;
    let low = subscribe(&app, source(lists.url("/list/low"))).await;
    let peer1 = subscribe(&app, source(lists.url("/list/peer1"))).await;
    let peer2 = subscribe(&app, source(lists.url("/list/peer2"))).await;
    // The order of the syncs does not matter.
    for id in [low, high, peer2, peer1] {
        sync(&app, id).await;
    }
    assert_eq!(
        blocks_of(&app).await,
        [
            // Priority 5 over priority 0, though less severe.
            block("both.example", "silence", false, false, Some(high)),
            // Equal priorities: silence over noop, the flags of both.
            block("tie.example", "silence", true, true, Some(peer1)),
        ]
    );
}

#[tokio::test]
async fn review_mode_keeps_drafts_until_approved_and_rejections_until_the_list_changes() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set(
        "a",
        "#domain,#severity\nfirst.example,suspend\nsecond.example,silence\n",
    );
    let id = subscribe(
        &app,
        NewSource {
            review: true,
            ..source(lists.url("/list/a"))
        },
    )
    .await;
    let report = sync(&app, id).await;
    assert_eq!(
        (report.added, report.drafts, report.blocks.created),
        (2, 2, 0)
    );
    assert!(blocks_of(&app).await.is_empty(), "drafts are not applied");

    let drafts = subscriptions::entries(&app.inst, Some(id), Some(state::DRAFT))
        .await
        .unwrap();
    let first = drafts.iter().find(|e| e.domain == "first.example").unwrap();
    let second = drafts
        .iter()
        .find(|e| e.domain == "second.example")
        .unwrap();
    let changes = subscriptions::approve(&app.inst, None, first.id)
        .await
        .unwrap();
    assert_eq!(changes.created, 1);
    subscriptions::reject(&app.inst, None, second.id)
        .await
        .unwrap();
    assert_eq!(
        blocks_of(&app).await,
        [block("first.example", "suspend", false, false, Some(id))]
    );
    // Approving what is not a draft is refused.
    let err = subscriptions::approve(&app.inst, None, first.id)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a draft"), "{err}");

    // A sync of the same list: the rejection stays.
    lists.set(
        "a",
        "#domain,#severity\nfirst.example,suspend\nsecond.example,silence\n# v2\n",
    );
    let report = sync(&app, id).await;
    assert_eq!((report.unchanged, report.drafts), (2, 0));
    let second_now = entries_of(&app, id)
        .await
        .into_iter()
        .find(|e| e.domain == "second.example")
        .unwrap();
    assert_eq!(second_now.state, state::REJECTED);

    // The list changes both: new drafts; the approved block stays as it was meanwhile.
    lists.set(
        "a",
        "#domain,#severity\nfirst.example,silence\nsecond.example,suspend\n",
    );
    let report = sync(&app, id).await;
    assert_eq!((report.changed, report.drafts), (2, 2));
    assert_eq!(
        blocks_of(&app).await,
        [block("first.example", "suspend", false, false, Some(id))]
    );
    let changes = subscriptions::approve_all(&app.inst, None).await.unwrap();
    assert_eq!((changes.created, changes.changed), (1, 1));
    assert_eq!(
        blocks_of(&app).await,
        [
            block("first.example", "silence", false, false, Some(id)),
            block("second.example", "suspend", false, false, Some(id)),
        ]
    );
    let log = blocks::audit_log(&app.inst, 50).await.unwrap();
    assert!(log.iter().any(|l| l.action == "blocklist_entry.reject"));
    assert_eq!(
        log.iter()
            .filter(|l| l.action == "blocklist_entry.approve")
            .count(),
        3
    );
}

#[tokio::test]
async fn mastodon_json_is_applied_and_obfuscated_entries_are_skipped() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set(
        "json",
        r#"[
            {"domain": "evil.example", "digest": "ab", "severity": "suspend", "comment": "spam"},
            {"domain": "sec***.ex*mple", "digest": "cd", "severity": "suspend"},
            {"domain": "limited.example", "digest": "ef", "severity": "silence"},
            {"domain": "media.example", "digest": "01", "severity": "noop"}
        ]"#,
    );
    let id = subscribe(&app, source(lists.url("/list/json"))).await;
    let report = sync(&app, id).await;
    assert_eq!((report.added, report.skipped), (3, 1));
    assert!(report.to_string().contains("1 skipped"), "{report}");
    assert_eq!(
        blocks_of(&app).await,
        [
            block("evil.example", "suspend", false, false, Some(id)),
            block("limited.example", "silence", false, false, Some(id)),
            // Mastodon lists a noop block only when it rejects media.
            block("media.example", "noop", true, false, Some(id)),
        ]
    );
}

#[tokio::test]
async fn plain_lists_take_the_sources_severity_and_idn_domains_are_stored_as_punycode() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set(
        "plain",
        "# A plain list, with comments\n\nspam.example\nBücher.example   # inline comment\n",
    );
    let id = subscribe(
        &app,
        NewSource {
            plain_severity: Severity::Silence,
            ..source(lists.url("/list/plain"))
        },
    )
    .await;
    sync(&app, id).await;
    assert_eq!(
        blocks_of(&app).await,
        [
            block("spam.example", "silence", false, false, Some(id)),
            block("xn--bcher-kva.example", "silence", false, false, Some(id)),
        ]
    );
    // Shown as written, through the admin API.
    let root = app
        .user_with_scopes("root", Role::Admin, "admin:read")
        .await;
    let listed = app
        .get("/api/v1/admin/domain_blocks", Some(&root.token))
        .await
        .expect(200);
    let domains: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["domain"].as_str().unwrap())
        .collect();
    assert!(domains.contains(&"bücher.example"), "{listed}");
    assert!(
        app.inst
            .policy
            .for_domain(Some("xn--bcher-kva.example"))
            .silenced
    );
}

#[tokio::test]
async fn manual_blocks_always_win_and_are_never_changed() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set(
        "a",
        "#domain,#severity\nmine.example,suspend\nother.example,suspend\n",
    );
    let manual = blocks::create_block(
        &app.inst,
        None,
        "mine.example",
        BlockFields {
            severity: Some(Severity::Silence),
            private_comment: Some("by hand".into()),
            ..BlockFields::default()
        },
    )
    .await
    .unwrap();
    let manual = blocks::get_block(&app.inst, manual.id).await.unwrap();
    let id = subscribe(&app, source(lists.url("/list/a"))).await;
    let report = sync(&app, id).await;
    assert_eq!((report.blocks.created, report.blocks.manual), (1, 1));
    lists.set("a", "#domain,#severity\nother.example,suspend\n");
    sync(&app, id).await;
    subscriptions::unsubscribe(&app.inst, None, id, false)
        .await
        .unwrap();
    let after = blocks::all_blocks(&app.inst).await.unwrap();
    assert_eq!(after, [manual], "the manual block is exactly as made");
    assert!(
        subscriptions::list_sources(&app.inst)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_body_far_above_the_cap_is_refused_while_streaming_and_changes_nothing() {
    let app = app_with(|c| c.moderation.blocklist_max_bytes = 256 * 1024).await;
    let lists = ListServer::start().await;
    lists.set("a", CSV_V1);
    let id = subscribe(&app, source(lists.url("/list/a"))).await;
    sync(&app, id).await;
    let before = blocks_of(&app).await;

    let huge = subscribe(
        &app,
        NewSource {
            priority: 10,
            ..source(lists.url("/huge"))
        },
    )
    .await;
    let err = blocklists::sync(&app.inst, huge).await.unwrap_err();
    assert!(
        err.to_string().contains("larger than 262144 bytes"),
        "{err}"
    );
    assert_eq!(blocks_of(&app).await, before);
    assert!(entries_of(&app, huge).await.is_empty());
    let s = subscriptions::get_source(&app.inst, huge).await.unwrap();
    assert_eq!(s.last_status.as_deref(), Some("error"));
    assert!(s.last_error.unwrap().contains("blocklist_max_bytes"));
}

#[tokio::test]
async fn a_server_that_never_answers_fails_the_sync_after_the_timeout() {
    let app = app_with(|c| c.moderation.blocklist_timeout_secs = 1).await;
    let lists = ListServer::start().await;
    lists.set("a", CSV_V1);
    let id = subscribe(&app, source(lists.url("/list/a"))).await;
    sync(&app, id).await;
    let before = blocks_of(&app).await;
    let hang = subscribe(&app, source(lists.url("/hang"))).await;
    let err = blocklists::sync(&app.inst, hang).await.unwrap_err();
    assert!(
        err.to_string().contains("no complete answer within 1 s"),
        "{err}"
    );
    assert_eq!(blocks_of(&app).await, before);
    let s = subscriptions::get_source(&app.inst, hang).await.unwrap();
    assert_eq!(s.last_status.as_deref(), Some("error"));
    // A missing list, too.
    let missing = subscribe(&app, source(lists.url("/list/nothing"))).await;
    let err = blocklists::sync(&app.inst, missing).await.unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
    assert_eq!(blocks_of(&app).await, before);
}

#[tokio::test]
async fn bad_subscriptions_are_refused() {
    let app = app_with(|c| c.federation.allow_private_addresses = false).await;
    for url in [
        "ftp://lists.example/x",
        "not a url",
        "http://lists.example/x",
    ] {
        let err = subscriptions::subscribe(&app.inst, None, source(url.into()))
            .await
            .unwrap_err();
        assert!(
            matches!(err, starling_core::CoreError::Unprocessable(_)),
            "{url}: {err:?}"
        );
    }
    subscribe(&app, source("https://lists.example/a.csv".into())).await;
    let err = subscriptions::subscribe(
        &app.inst,
        None,
        source("https://lists.example/a.csv".into()),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("already subscribed"), "{err}");
}

/// `starling --config FILE blocklist …` over the test instance's database.
async fn starling(dir: &std::path::Path, db_url: &str, args: &[&str]) -> (i32, String, String) {
    let config = dir.join("blocklist-cli.toml");
    let toml = format!(
        "[database]\nurl = {}\n[storage]\ndata_dir = {}\n[federation]\nallow_private_addresses = true\n[log]\nlevel = \"warn\"\n",
        serde_json::to_string(db_url).unwrap(),
        serde_json::to_string(&dir.join("cli-data").display().to_string()).unwrap(),
    );
    std::fs::write(&config, toml).unwrap();
    crate::support::run_starling(&config, args).await
}

#[tokio::test]
async fn the_command_line_subscribes_syncs_reviews_and_unsubscribes() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set(
        "a",
        "#domain,#severity\nevil.example,suspend\nbücher.example,silence\n",
    );
    let db = app.inst.config.database.url.clone().unwrap();
    let dir = app.dir.path().to_path_buf();
    let run = |args: Vec<String>| {
        let (dir, db) = (dir.clone(), db.clone());
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            starling(&dir, &db, &args).await
        }
    };
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    let (code, out, err) = run(args(&[
        "blocklist",
        "subscribe",
        &lists.url("/list/a"),
        "--review",
        "--priority",
        "3",
        "--retraction",
        "keep",
    ]))
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(args(&["blocklist", "list", "--json"])).await;
    assert_eq!(code, 0, "{out}{err}");
    let listed: serde_json::Value = serde_json::from_str(&out).unwrap();
    let id = listed[0]["id"].as_str().unwrap().to_string();
    assert_eq!(listed[0]["priority"], 3);
    assert_eq!(listed[0]["review"], true);
    assert_eq!(listed[0]["retraction"], "keep");

    let (code, out, err) = run(args(&["blocklist", "sync", &id])).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 added"), "{out}");
    assert!(out.contains("2 waiting for review"), "{out}");
    let (code, out, _) = run(args(&["blocklist", "drafts"])).await;
    assert_eq!(code, 0);
    assert!(out.contains("bücher.example"), "shown as written: {out}");
    assert!(blocks_of(&app).await.is_empty());

    let (code, out, err) = run(args(&["blocklist", "approve", "--all"])).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 created"), "{out}");
    let source_id: i64 = id.parse().unwrap();
    assert_eq!(
        blocks_of(&app).await,
        [
            block("evil.example", "suspend", false, false, Some(source_id)),
            block(
                "xn--bcher-kva.example",
                "silence",
                false,
                false,
                Some(source_id)
            ),
        ]
    );

    // A failing sync exits non-zero, says why, and changes nothing.
    lists.set("a", "#domain,#severity\nevil.example,obliterate\n");
    let (code, out, err) = run(args(&["blocklist", "sync"])).await;
    assert_ne!(code, 0, "{out}{err}");
    assert!(
        err.contains("obliterate") && err.contains("nothing changed"),
        "{err}"
    );
    assert_eq!(blocks_of(&app).await.len(), 2);

    let (code, out, err) = run(args(&["blocklist", "unsubscribe", &id, "--keep-blocks"])).await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        blocks_of(&app).await,
        [
            block("evil.example", "suspend", false, false, None),
            block("xn--bcher-kva.example", "silence", false, false, None),
        ]
    );
    let (code, out, _) = run(args(&["blocklist", "list"])).await;
    assert_eq!(code, 0);
    assert!(out.contains("No subscription"), "{out}");
    let (code, _, err) = run(args(&["blocklist", "approve", "12345"])).await;
    assert_ne!(code, 0);
    assert!(err.contains("no blocklist entry 12345"), "{err}");
}

#[tokio::test]
async fn the_federation_workers_sync_a_subscription_that_was_never_fetched() {
    let app = TestApp::builder()
        .without_federation_workers()
        .start()
        .await;
    assert_eq!(app.inst.config.moderation.blocklist_sync_every_minutes, 360);
    let lists = ListServer::start().await;
    lists.set("a", CSV_V1);
    let id = subscribe(&app, source(lists.url("/list/a"))).await;
    let fed = starling_federation::Federation::new(app.inst.clone()).unwrap();
    let workers = starling_federation::workers::start(&fed);
    // The schedule looks at once, then every minute; wait (bounded) for its first sync.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let synced = loop {
        let s = subscriptions::get_source(&app.inst, id).await.unwrap();
        if s.last_status.is_some() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the schedule did not sync"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    workers.stop().await;
    assert_eq!(synced.last_status.as_deref(), Some("ok"), "{synced:?}");
    assert_eq!(blocks_of(&app).await.len(), 3);
    assert_eq!(lists.full_answers("a"), 1);
}
