//! Several Starling instances (alpha, beta, gamma) on loopback, each with its own
//! domain (`127.0.0.1:<port>`), database and keys, talking real HTTP with real
//! signatures through their federation workers.
//!
//! Nothing here waits a fixed time: [`eventually`] polls the observable result (a
//! timeline, a notification) until it holds, and fails after a generous deadline.

mod account_actions;
mod content_policy;
mod discovery;
mod doors;
mod host_loss;
mod hostile;
mod inbound;
mod moderation;
pub(crate) mod peer;
mod purge;
mod reports;
mod silence;
mod social;
mod suspension;

use std::future::Future;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{TestApp, User};

/// Deadline for something to arrive across instances.
pub const ARRIVAL: Duration = Duration::from_secs(30);

/// Polls `check` until it returns `Some`, or panics after `ARRIVAL` naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + ARRIVAL;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The address of `user` on `app`: `name@127.0.0.1:port`.
pub fn address(app: &TestApp, user: &User) -> String {
    format!("{}@{}", user.username, app.inst.domain())
}

impl TestApp {
    /// Resolves a remote address through search (`resolve=true`) and returns the local
    /// id of the account.
    pub async fn resolve_account(&self, viewer: &User, addr: &str) -> String {
        let path = format!(
            "/api/v2/search?q={}&resolve=true&type=accounts",
            url_escape(addr)
        );
        let found = self.get(&path, Some(&viewer.token)).await.expect(200);
        let accounts = found["accounts"].as_array().cloned().unwrap_or_default();
        assert_eq!(accounts.len(), 1, "search for {addr}: {found}");
        assert_eq!(accounts[0]["acct"], addr, "{found}");
        accounts[0]["id"].as_str().unwrap().to_string()
    }

    /// `follower` (local) follows `addr` (remote) and waits until the remote server
    /// accepted; returns the local id of the followed account.
    pub async fn follow_remote(&self, follower: &User, addr: &str) -> String {
        let id = self.resolve_account(follower, addr).await;
        self.post_json(
            &format!("/api/v1/accounts/{id}/follow"),
            Some(&follower.token),
            json!({}),
        )
        .await
        .expect(200);
        eventually(&format!("{addr} to accept the follow"), || async {
            let rel = self
                .get(
                    &format!("/api/v1/accounts/relationships?id[]={id}"),
                    Some(&follower.token),
                )
                .await
                .expect(200);
            (rel[0]["following"] == true).then_some(())
        })
        .await;
        id
    }

    /// The home timeline of `user`.
    pub async fn home(&self, user: &User) -> Vec<Value> {
        self.get("/api/v1/timelines/home?limit=40", Some(&user.token))
            .await
            .expect(200)
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Waits until `user`'s home timeline holds a status whose `uri` is `uri`.
    pub async fn await_in_home(&self, user: &User, uri: &str) -> Value {
        eventually(&format!("{uri} in the home timeline"), || async {
            self.home(user).await.into_iter().find(|s| s["uri"] == uri)
        })
        .await
    }

    /// The notifications of `user`.
    pub async fn notifications(&self, user: &User) -> Vec<Value> {
        self.get("/api/v1/notifications", Some(&user.token))
            .await
            .expect(200)
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Waits for a notification of `kind` to `user`.
    pub async fn await_notification(&self, user: &User, kind: &str) -> Value {
        eventually(&format!("a {kind} notification"), || async {
            self.notifications(user)
                .await
                .into_iter()
                .find(|n| n["type"] == kind)
        })
        .await
    }
}

/// Percent-encodes a query value.
pub fn url_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
