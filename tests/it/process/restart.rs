//! `starling serve` across a graceful restart (SIGTERM) and a crash (SIGKILL): nothing
//! accepted is lost and pending deliveries go out exactly once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{ConfigFile, World, http_client, timed};

#[tokio::test]
async fn graceful_restart_keeps_accounts_posts_and_tokens() {
    timed(async {
        let world = World::new().await;
        let password = world.create_account("alice", true).await;
        let bob_password = world.create_account("bob", false).await;

        let server = world.serve().await;
        let token = server.login_ok("alice@example.com", &password).await;
        let mut posts = Vec::new();
        for i in 0..10 {
            let status = server
                .post_status(&token, &format!("before restart {i}"))
                .await;
            posts.push((status["id"].as_str().unwrap().to_string(), i));
        }
        server.terminate().await;
        // A clean shutdown checkpoints SQLite's write-ahead log into the database file.
        if let Some(path) = world.db.url.strip_prefix("sqlite://") {
            let wal = PathBuf::from(format!("{path}-wal"));
            let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
            assert_eq!(wal_len, 0, "{} not checkpointed on SIGTERM", wal.display());
        }

        let server = world.serve().await;
        let (status, me) = server
            .get("/api/v1/accounts/verify_credentials", &token)
            .await;
        assert_eq!(status, 200, "token lost across restart: {me}");
        assert_eq!(me["statuses_count"], 10, "{me}");
        for (id, i) in &posts {
            let (status, json) = server.get(&format!("/api/v1/statuses/{id}"), &token).await;
            assert_eq!(status, 200, "status {id} lost: {json}");
            assert!(
                json["content"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("before restart {i}")),
                "{json}"
            );
        }
        server.login_ok("bob@example.com", &bob_password).await;
        let list = world.run(&["account", "list"]).await.success();
        assert!(
            list.stdout.contains("alice") && list.stdout.contains("bob"),
            "{list:?}"
        );
        // And it still takes writes.
        server.post_status(&token, "after restart").await;
        server.terminate().await;
    })
    .await;
}

#[tokio::test]
async fn sigkill_during_a_burst_of_posts_loses_no_accepted_post() {
    timed(async {
        const TASKS: usize = 8;
        const PER_TASK: usize = 25;
        const KILL_AFTER: usize = 60;

        let world = World::new().await;
        let password = world.create_account("alice", false).await;
        let server = world.serve().await;
        let token = server.login_ok("alice@example.com", &password).await;

        let accepted = Arc::new(std::sync::Mutex::new(Vec::<(String, String)>::new()));
        let failed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for t in 0..TASKS {
            let accepted = accepted.clone();
            let failed = failed.clone();
            let token = token.clone();
            let url = server.url("/api/v1/statuses");
            tasks.push(tokio::spawn(async move {
                let http = http_client();
                for i in 0..PER_TASK {
                    let text = format!("burst {t}-{i}");
                    let resp = http
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({ "status": text }))
                        .send()
                        .await;
                    let resp = match resp {
                        Ok(r) => r,
                        // The server is gone: every later request fails the same way.
                        Err(_) => {
                            failed.fetch_add(PER_TASK - i, std::sync::atomic::Ordering::SeqCst);
                            return;
                        }
                    };
                    if resp.status().as_u16() != 200 {
                        failed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        continue;
                    }
                    // A 200 whose body was cut off by the kill does not count as seen.
                    let Ok(body) = resp.json::<Value>().await else {
                        failed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        continue;
                    };
                    let id = body["id"].as_str().expect("id").to_string();
                    accepted.lock().unwrap().push((id, text));
                }
            }));
        }

        let deadline = Instant::now() + Duration::from_secs(120);
        while accepted.lock().unwrap().len() < KILL_AFTER {
            assert!(
                Instant::now() < deadline,
                "only {} posts accepted in 120s:\n{}",
                accepted.lock().unwrap().len(),
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill().await;
        for task in tasks {
            tokio::time::timeout(Duration::from_secs(60), task)
                .await
                .expect("burst task did not stop")
                .expect("burst task panicked");
        }
        let accepted = accepted.lock().unwrap().clone();
        let failed = failed.load(std::sync::atomic::Ordering::SeqCst);
        eprintln!(
            "SIGKILL after {} accepted posts, {failed} not accepted",
            accepted.len()
        );
        assert!(accepted.len() >= KILL_AFTER);
        assert!(
            accepted.len() < TASKS * PER_TASK,
            "the kill came after the burst ended; nothing was tested"
        );
        assert_eq!(accepted.len() + failed, TASKS * PER_TASK);

        let server = world.serve().await;
        let mut lost = Vec::new();
        for (id, text) in &accepted {
            let (status, json) = server.get(&format!("/api/v1/statuses/{id}"), &token).await;
            if status != 200
                || !json["content"]
                    .as_str()
                    .unwrap_or("")
                    .contains(text.as_str())
            {
                lost.push((id.clone(), status));
            }
        }
        assert!(
            lost.is_empty(),
            "{} of {} accepted posts lost after SIGKILL: {lost:?}",
            lost.len(),
            accepted.len()
        );
        // The restarted instance is consistent and writable.
        let (status, me) = server
            .get("/api/v1/accounts/verify_credentials", &token)
            .await;
        assert_eq!(status, 200, "{me}");
        assert!(
            me["statuses_count"].as_u64().unwrap() >= accepted.len() as u64,
            "statuses_count {} < {} accepted",
            me["statuses_count"],
            accepted.len()
        );
        server.post_status(&token, "after the crash").await;
        server.terminate().await;
    })
    .await;
}

/// The federation settings of test networks, for a configuration file.
fn federating(config: ConfigFile) -> ConfigFile {
    config
        .set("federation", "allow_private_addresses", "true")
        .set("federation", "request_timeout_secs", "5")
        .set("federation", "connect_timeout_secs", "2")
        .set("federation", "retry_base_ms", "200")
        .set("federation", "retry_max_ms", "1000")
}

#[tokio::test]
async fn sigkill_with_deliveries_pending_delivers_each_exactly_once_after_restart() {
    timed(async {
        const POSTS: usize = 12;
        let mut beta = crate::support::TestApp::start().await;
        let bob = beta.user("bob").await;
        let world = World::new().await;
        world.write_config(&federating(world.config()));
        let password = world.create_account("alice", false).await;
        let server = world.serve().await;
        let token = server.login_ok("alice@example.com", &password).await;
        let alice = format!("alice@127.0.0.1:{}", world.port);
        beta.follow_remote(&bob, &alice).await;

        // Beta goes down; alpha accepts posts whose deliveries must wait.
        beta.go_down().await;
        let mut uris = Vec::new();
        for i in 0..POSTS {
            let s = server.post_status(&token, &format!("pending {i}")).await;
            uris.push(s["uri"].as_str().unwrap().to_string());
        }
        // Every post is in the queue (none delivered: beta is down).
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = world
                .run(&["federation", "status", "--json"])
                .await
                .success();
            let status: Value = serde_json::from_str(&out.stdout).expect("status JSON");
            if status["queued_deliveries"] == POSTS && status["pending_events"] == 0 {
                let beta_host = &status["hosts"][0];
                assert_eq!(beta_host["queued"], POSTS, "{status}");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "deliveries never queued: {status}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        server.kill().await;

        beta.come_back().await;
        let server = world.serve().await;
        let mut got = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while got.len() < POSTS {
            got = beta
                .home(&bob)
                .await
                .into_iter()
                .filter(|s| s["account"]["acct"] == alice.as_str())
                .map(|s| s["uri"].as_str().unwrap().to_string())
                .collect();
            assert!(
                Instant::now() < deadline,
                "{} of {POSTS} posts arrived after the restart:\n{}",
                got.len(),
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let distinct: std::collections::HashSet<_> = got.iter().collect();
        assert_eq!(distinct.len(), POSTS, "a post arrived twice: {got:?}");
        assert_eq!(got.len(), POSTS);
        for uri in &uris {
            assert!(got.contains(uri), "{uri} never arrived");
        }
        let out = world.run(&["federation", "status"]).await.success();
        assert!(out.stdout.contains("reachable"), "{}", out.stdout);
        server.terminate().await;
    })
    .await;
}
