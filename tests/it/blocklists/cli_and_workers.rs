//! The `starling blocklist` command line and the federation workers' sync.

use std::time::Duration;

use starling_core::moderation::subscriptions;

use super::{CSV_V1, ListServer, app, block, blocks_of, source, subscribe};
use crate::support::TestApp;

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
