//! Losing a host: a peer that is down gets its backlog, exactly once, when it comes
//! back, and neither a dead peer nor one that accepts connections and never answers
//! holds back delivery to anyone else. (A crash of the sender itself, with SIGKILL, is
//! in `process.rs`, which drives the real binary.)

use std::collections::HashSet;
use std::time::Duration;

use sea_orm::{EntityTrait, IntoActiveModel};
use serde_json::Value;
use starling_core::accounts::remote::{self, RemoteActor};
use starling_core::entities::follow;
use starling_federation::delivery::hosts::{self, Health};

use super::{address, eventually};
use crate::support::{TestApp, User};

/// `user`'s home statuses by `author` (an address).
async fn home_by(app: &TestApp, user: &User, author: &str) -> Vec<Value> {
    app.home(user)
        .await
        .into_iter()
        .filter(|s| s["account"]["acct"] == author)
        .collect()
}

#[tokio::test]
async fn a_host_that_is_down_gets_its_backlog_exactly_once_and_delays_no_one() {
    let alpha = TestApp::start().await;
    let mut beta = TestApp::start().await;
    let gamma = TestApp::start().await;
    let alice = alpha.user("alice").await;
    let bob = beta.user("bob").await;
    let carol = gamma.user("carol").await;
    let alice_addr = address(&alpha, &alice);
    beta.follow_remote(&bob, &alice_addr).await;
    gamma.follow_remote(&carol, &alice_addr).await;

    beta.go_down().await;
    let mut uris = Vec::new();
    for i in 0..5 {
        let s = alpha
            .post_status(&alice, &format!("while beta is down {i}"))
            .await;
        uris.push(s["uri"].as_str().unwrap().to_string());
    }
    // Gamma gets everything while beta is down.
    for uri in &uris {
        gamma.await_in_home(&carol, uri).await;
    }
    // Alpha keeps beta's share and knows beta is failing.
    let beta_host = beta.inst.domain().to_string();
    let status = eventually("beta to be marked failing", || async {
        let all = hosts::status(&alpha.inst.store.read).await.unwrap();
        all.into_iter()
            .find(|h| h.host == beta_host && h.health != Health::Reachable && h.queued == 5)
    })
    .await;
    assert!(status.consecutive_failures >= 1);
    assert!(status.last_error.is_some());

    beta.come_back().await;
    eventually("the backlog on beta", || async {
        (home_by(&beta, &bob, &alice_addr).await.len() == 5).then_some(())
    })
    .await;
    // Exactly once: five posts, five distinct statuses, nothing left queued.
    let got: Vec<String> = home_by(&beta, &bob, &alice_addr)
        .await
        .iter()
        .map(|s| s["uri"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got.iter().collect::<HashSet<_>>().len(), 5);
    for uri in &uris {
        assert!(got.contains(uri), "{uri} missing on beta");
    }
    let healthy = eventually("beta to be reachable again", || async {
        let all = hosts::status(&alpha.inst.store.read).await.unwrap();
        all.into_iter()
            .find(|h| h.host == beta_host && h.health == Health::Reachable && h.queued == 0)
    })
    .await;
    assert!(healthy.delivered >= 5);
}

/// A TCP listener that accepts connections and never answers; stops with the test.
struct BlackHole {
    port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl BlackHole {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        BlackHole { port, task }
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn a_peer_that_never_answers_does_not_slow_delivery_to_others() {
    // Alpha waits a full minute for an answer, so only scheduling keeps gamma fast.
    let alpha = TestApp::builder()
        .config(|c| c.federation.request_timeout_secs = 60)
        .start()
        .await;
    let gamma = TestApp::start().await;
    let alice = alpha.user("alice").await;
    let carol = gamma.user("carol").await;
    gamma.follow_remote(&carol, &address(&alpha, &alice)).await;

    // A follower of alice whose server hangs.
    let hole = BlackHole::start().await;
    let domain = format!("127.0.0.1:{}", hole.port);
    let keys = starling_core::crypto::generate_actor_keys().unwrap();
    let sink = remote::upsert(
        &alpha.inst,
        RemoteActor {
            uri: format!("http://{domain}/users/sink"),
            username: "sink".into(),
            domain: domain.clone(),
            actor_type: "Person".into(),
            inbox: Some(format!("http://{domain}/users/sink/inbox")),
            public_key_pem: keys.public_pem,
            ..RemoteActor::default()
        },
    )
    .await
    .unwrap();
    follow::Entity::insert(
        follow::Model {
            id: starling_core::id::next_id(),
            account_id: sink.id,
            target_account_id: alice.id.parse().unwrap(),
            show_reblogs: true,
            notify: false,
            languages: None,
            uri: None,
            created_at: chrono::Utc::now(),
        }
        .into_active_model(),
    )
    .exec_without_returning(&alpha.inst.store.write)
    .await
    .unwrap();

    // More posts than the hanging host has delivery slots.
    let started = tokio::time::Instant::now();
    let mut uris = Vec::new();
    for i in 0..8 {
        let s = alpha.post_status(&alice, &format!("post {i}")).await;
        uris.push(s["uri"].as_str().unwrap().to_string());
    }
    for uri in &uris {
        gamma.await_in_home(&carol, uri).await;
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(20),
        "gamma waited {elapsed:?}: the hanging peer held deliveries back"
    );
    // The hanging host's deliveries are still queued, not lost.
    let held = hosts::status(&alpha.inst.store.read)
        .await
        .unwrap()
        .into_iter()
        .find(|h| h.host == domain)
        .map_or(0, |h| h.queued);
    assert_eq!(held, 8, "all eight deliveries to the hanging host wait");
}

#[tokio::test]
async fn deliveries_older_than_the_backlog_limit_are_dropped_and_counted() {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
    use starling_federation::entities::{delivery, federation_host, outgoing_activity};

    let app = TestApp::builder()
        .without_federation_workers()
        .start()
        .await;
    let alice = app.user("alice").await;
    let conn = &app.inst.store.write;
    let old = chrono::Utc::now() - chrono::Duration::days(8);
    let activity = starling_core::id::next_id();
    outgoing_activity::Entity::insert(outgoing_activity::ActiveModel {
        id: Set(activity),
        account_id: Set(alice.id.parse().unwrap()),
        uri: Set(format!("{}/old-activity", app.base)),
        body: Set("{}".into()),
        created_at: Set(old),
    })
    .exec_without_returning(conn)
    .await
    .unwrap();
    for (host, n) in [("old-a.example", 3), ("old-b.example", 2)] {
        for i in 0..n {
            delivery::Entity::insert(delivery::ActiveModel {
                id: Set(starling_core::id::next_id()),
                activity_id: Set(activity),
                inbox_url: Set(format!("https://{host}/inbox/{i}")),
                host: Set(host.into()),
                attempts: Set(3),
                // Not due: only the sweep can drop them.
                next_attempt_at: Set(chrono::Utc::now() + chrono::Duration::hours(1)),
                last_error: Set(None),
                created_at: Set(old),
            })
            .exec_without_returning(conn)
            .await
            .unwrap();
        }
    }
    let fed = starling_federation::Federation::new(app.inst.clone()).unwrap();
    let workers = starling_federation::workers::start(&fed);
    eventually("the old deliveries dropped", || async {
        let left = delivery::Entity::find().count(conn).await.unwrap();
        (left == 0).then_some(())
    })
    .await;
    workers.stop().await;
    for (host, n) in [("old-a.example", 3), ("old-b.example", 2)] {
        let h = federation_host::Entity::find_by_id(host.to_string())
            .one(conn)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(h.dropped_count, n, "{host}");
    }
    let kept = outgoing_activity::Entity::find()
        .filter(outgoing_activity::Column::Id.eq(activity))
        .count(conn)
        .await
        .unwrap();
    assert_eq!(kept, 0, "the activity goes with its last delivery");
}
