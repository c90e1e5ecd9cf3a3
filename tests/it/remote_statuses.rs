//! Remote statuses as the federation inbox hands them to core
//! (`statuses::inbound::{ingest, update, delete}`), checked through the client API:
//! home feeds of local followers, the public timelines, the Status entity of a remote
//! post (sanitised content, remote media, `acct`), mention notifications, idempotent
//! ingestion, edits with history, deletion by the author only, and no outbox events.

use chrono::{Duration, Utc};
use sea_orm::{EntityTrait, IntoActiveModel};
use serde_json::{Value, json};
use starling_core::CoreError;
use starling_core::entities::{account, follow};
use starling_core::events;
use starling_core::id::next_id;
use starling_core::statuses::Visibility;
use starling_core::statuses::inbound::{self, RemoteMedia, RemoteStatus};

use crate::support::{TestApp, User};

const DOMAIN: &str = "remote.example";

/// Inserts a remote account row, as federation would after fetching the actor.
async fn remote_account(app: &TestApp, username: &str) -> account::Model {
    let now = Utc::now();
    let base = format!("https://{DOMAIN}/users/{username}");
    let model = account::Model {
        id: next_id(),
        username: username.to_string(),
        domain: Some(DOMAIN.to_string()),
        acct_key: format!("{}@{DOMAIN}", username.to_lowercase()),
        display_name: username.to_string(),
        note: String::new(),
        note_source: String::new(),
        fields: "[]".into(),
        locked: false,
        bot: false,
        discoverable: true,
        indexable: true,
        hide_collections: false,
        actor_type: "Person".into(),
        avatar_file: None,
        avatar_remote_url: None,
        header_file: None,
        header_remote_url: None,
        uri: base.clone(),
        url: Some(format!("https://{DOMAIN}/@{username}")),
        inbox_url: Some(format!("{base}/inbox")),
        shared_inbox_url: Some(format!("https://{DOMAIN}/inbox")),
        outbox_url: Some(format!("{base}/outbox")),
        followers_url: Some(format!("{base}/followers")),
        following_url: Some(format!("{base}/following")),
        featured_url: None,
        public_key_pem: String::new(),
        public_key_id: Some(format!("{base}#main-key")),
        also_known_as: "[]".into(),
        private_key_pem: None,
        followers_count: 0,
        following_count: 0,
        statuses_count: 0,
        last_status_at: None,
        suspended_at: None,
        silenced_at: None,
        sensitized_at: None,
        fetched_at: Some(now),
        created_at: now,
        updated_at: now,
    };
    account::Entity::insert(model.clone().into_active_model())
        .exec_without_returning(&app.inst.store.write)
        .await
        .expect("insert remote account");
    model
}

/// `user` follows the remote account (as an accepted follow would leave it).
async fn follow_remote(app: &TestApp, user: &User, target: &account::Model) {
    follow::Entity::insert(
        follow::Model {
            id: next_id(),
            account_id: user.id.parse().unwrap(),
            target_account_id: target.id,
            show_reblogs: true,
            notify: false,
            languages: None,
            uri: Some(format!("{}/follows/{}", app.base, next_id())),
            created_at: Utc::now(),
        }
        .into_active_model(),
    )
    .exec_without_returning(&app.inst.store.write)
    .await
    .expect("insert follow");
}

fn note(author: &account::Model, n: u32) -> RemoteStatus {
    RemoteStatus {
        uri: format!("{}/statuses/{n}", author.uri),
        url: Some(format!("https://{DOMAIN}/@{}/{n}", author.username)),
        account_id: author.id,
        in_reply_to_id: None,
        content_html: format!("<p>Remote post {n}</p>"),
        spoiler_text: String::new(),
        sensitive: false,
        visibility: Visibility::Public,
        language: Some("en".into()),
        created_at: Utc::now() - Duration::seconds(5),
        edited_at: None,
        conversation: Some(format!(
            "tag:{DOMAIN},2026:objectId={n}:objectType=Conversation"
        )),
        mentions: vec![],
        tags: vec![],
        media: vec![],
    }
}

fn picture(url: &str, description: &str) -> RemoteMedia {
    RemoteMedia {
        remote_url: url.to_string(),
        kind: "image".into(),
        content_type: Some("image/png".into()),
        description: Some(description.to_string()),
        blurhash: Some("LEHV6nWB2yk8pyo0adR*.7kCMdnj".into()),
        width: Some(640),
        height: Some(480),
        focus: Some((0.25, -0.5)),
    }
}

async fn timeline(app: &TestApp, path: &str, token: Option<&str>) -> Vec<String> {
    TestApp::ids_of(&app.get(path, token).await.expect(200))
}

#[tokio::test]
async fn an_ingested_status_reaches_followers_and_the_public_timelines() {
    let app = TestApp::builder()
        .without_federation_workers()
        .start()
        .await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = remote_account(&app, "carol").await;
    follow_remote(&app, &alice, &carol).await;
    let pending = events::pending(&app.inst).await.unwrap();

    let mut s = note(&carol, 1);
    s.content_html = "<p>Hello <script>alert(1)</script><a href=\"https://remote.example/tags/rust\" \
                      class=\"mention hashtag\" rel=\"tag\" onclick=\"evil()\">#<span>rust</span></a></p>"
        .into();
    s.tags = vec!["rust".into()];
    s.media = vec![picture("https://remote.example/media/1.png", "a harbour")];
    let (model, created) = inbound::ingest(&app.inst, s.clone()).await.unwrap();
    assert!(created);
    assert!(!model.local);
    assert_eq!(model.text, "");
    let sid = model.id.to_string();

    assert_eq!(
        timeline(&app, "/api/v1/timelines/home", Some(&alice.token)).await,
        vec![sid.clone()]
    );
    assert!(
        timeline(&app, "/api/v1/timelines/home", Some(&bob.token))
            .await
            .is_empty()
    );
    assert_eq!(
        timeline(&app, "/api/v1/timelines/public", None).await,
        vec![sid.clone()]
    );
    assert_eq!(
        timeline(&app, "/api/v1/timelines/public?remote=true", None).await,
        vec![sid.clone()]
    );
    assert!(
        timeline(&app, "/api/v1/timelines/public?local=true", None)
            .await
            .is_empty()
    );
    assert_eq!(
        timeline(&app, "/api/v1/timelines/tag/rust", None).await,
        vec![sid.clone()]
    );

    let status = app
        .get(&format!("/api/v1/statuses/{sid}"), Some(&bob.token))
        .await
        .expect(200);
    assert_eq!(status["uri"], s.uri.as_str());
    assert_eq!(status["url"], s.url.as_deref().unwrap());
    let content = status["content"].as_str().unwrap();
    assert!(!content.contains("script"), "{content}");
    assert!(!content.contains("onclick"), "{content}");
    assert!(content.starts_with("<p>Hello "), "{content}");
    assert!(content.contains("class=\"mention hashtag\""), "{content}");
    assert_eq!(status["account"]["acct"], "carol@remote.example");
    assert_eq!(status["account"]["statuses_count"], 1);
    assert_eq!(status["tags"][0]["name"], "rust");
    assert_eq!(status["language"], "en");
    assert_eq!(status["edited_at"], Value::Null);
    let media = &status["media_attachments"][0];
    assert_eq!(media["type"], "image");
    for key in ["url", "preview_url", "remote_url"] {
        assert_eq!(media[key], "https://remote.example/media/1.png", "{key}");
    }
    assert_eq!(media["description"], "a harbour");
    assert_eq!(media["blurhash"], "LEHV6nWB2yk8pyo0adR*.7kCMdnj");
    assert_eq!(media["meta"]["original"]["width"], 640);
    assert_eq!(media["meta"]["original"]["height"], 480);
    assert_eq!(media["meta"]["focus"], json!({"x": 0.25, "y": -0.5}));

    // The remote status is not sent anywhere.
    assert_eq!(events::pending(&app.inst).await.unwrap(), pending);
}

#[tokio::test]
async fn ingesting_twice_creates_one_status() {
    let app = TestApp::start().await;
    let carol = remote_account(&app, "carol").await;
    let (first, created) = inbound::ingest(&app.inst, note(&carol, 1)).await.unwrap();
    assert!(created);
    let (again, created) = inbound::ingest(&app.inst, note(&carol, 1)).await.unwrap();
    assert!(!created);
    assert_eq!(again.id, first.id);

    // Two deliveries at once: one creates, the other gets the same row.
    let (a, b) = tokio::join!(
        inbound::ingest(&app.inst, note(&carol, 2)),
        inbound::ingest(&app.inst, note(&carol, 2)),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.0.id, b.0.id);
    assert!(a.1 ^ b.1, "exactly one created: {} {}", a.1, b.1);

    let found = inbound::find_by_uri(&app.inst, &note(&carol, 2).uri)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(found.id, a.0.id);
    let account = app
        .get(&format!("/api/v1/accounts/{}", carol.id), None)
        .await
        .expect(200);
    assert_eq!(account["statuses_count"], 2, "{account}");
}

#[tokio::test]
async fn a_mention_notifies_the_local_account() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = remote_account(&app, "carol").await;
    let mut s = note(&carol, 1);
    s.visibility = Visibility::Direct;
    s.mentions = vec![alice.id.parse().unwrap()];
    s.content_html = "<p><span class=\"h-card\"><a href=\"#\" class=\"u-url mention\">@alice</a></span> psst</p>".into();
    let (model, _) = inbound::ingest(&app.inst, s).await.unwrap();
    let sid = model.id.to_string();

    let notes = app
        .get("/api/v1/notifications", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(notes.as_array().unwrap().len(), 1, "{notes}");
    assert_eq!(notes[0]["type"], "mention");
    assert_eq!(notes[0]["account"]["acct"], "carol@remote.example");
    assert_eq!(notes[0]["status"]["id"], sid.as_str());
    assert_eq!(notes[0]["status"]["visibility"], "direct");
    assert_eq!(notes[0]["status"]["mentions"][0]["id"], alice.id.as_str());

    // Alice may read it, bob may not; direct messages are in nobody's public timeline
    // and do not count.
    app.get(&format!("/api/v1/statuses/{sid}"), Some(&alice.token))
        .await
        .expect(200);
    app.get(&format!("/api/v1/statuses/{sid}"), Some(&bob.token))
        .await
        .expect_error(404);
    assert!(
        timeline(&app, "/api/v1/timelines/public", None)
            .await
            .is_empty()
    );
    let account = app
        .get(&format!("/api/v1/accounts/{}", carol.id), None)
        .await
        .expect(200);
    assert_eq!(account["statuses_count"], 0);
}

#[tokio::test]
async fn a_reply_counts_and_joins_the_thread() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let carol = remote_account(&app, "carol").await;
    let parent = app.post_status(&alice, "what do you think?").await;
    let parent_id: i64 = parent["id"].as_str().unwrap().parse().unwrap();
    let mut s = note(&carol, 1);
    s.in_reply_to_id = Some(parent_id);
    s.conversation = None;
    s.mentions = vec![alice.id.parse().unwrap()];
    let (reply, _) = inbound::ingest(&app.inst, s).await.unwrap();
    assert_eq!(reply.in_reply_to_id, Some(parent_id));
    assert_eq!(
        reply.in_reply_to_account_id.map(|id| id.to_string()),
        Some(alice.id.clone())
    );
    let parent_row = inbound::find_by_uri(&app.inst, parent["uri"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(parent_row.conversation.is_some());
    assert_eq!(reply.conversation, parent_row.conversation);

    let shown = app
        .get(&format!("/api/v1/statuses/{parent_id}"), None)
        .await
        .expect(200);
    assert_eq!(shown["replies_count"], 1);
    let context = app
        .get(&format!("/api/v1/statuses/{parent_id}/context"), None)
        .await
        .expect(200);
    assert_eq!(
        TestApp::ids_of(&context["descendants"]),
        vec![reply.id.to_string()]
    );
}

#[tokio::test]
async fn an_update_keeps_the_history() {
    let app = TestApp::builder()
        .without_federation_workers()
        .start()
        .await;
    let alice = app.user("alice").await;
    let carol = remote_account(&app, "carol").await;
    let dave = remote_account(&app, "dave").await;
    let mut s = note(&carol, 1);
    s.media = vec![picture("https://remote.example/media/old.png", "old")];
    s.tags = vec!["before".into()];
    let (model, _) = inbound::ingest(&app.inst, s.clone()).await.unwrap();
    let sid = model.id.to_string();
    app.post_json(
        &format!("/api/v1/statuses/{sid}/reblog"),
        Some(&alice.token),
        json!({}),
    )
    .await
    .expect(200);
    let pending = events::pending(&app.inst).await.unwrap();

    // Not the author, or not known: nothing happens.
    let mut forged = s.clone();
    forged.account_id = dave.id;
    forged.content_html = "<p>forged</p>".into();
    assert!(inbound::update(&app.inst, forged).await.unwrap().is_none());
    let mut unknown = note(&carol, 99);
    unknown.edited_at = Some(Utc::now());
    assert!(inbound::update(&app.inst, unknown).await.unwrap().is_none());

    let edited_at = Utc::now() - Duration::seconds(1);
    let mut edit = s.clone();
    edit.content_html = "<p>Remote post 1, <b>corrected</b><script>x()</script></p>".into();
    edit.spoiler_text = "now with a warning".into();
    edit.sensitive = true;
    edit.edited_at = Some(edited_at);
    edit.tags = vec!["after".into()];
    edit.media = vec![picture("https://remote.example/media/new.png", "new")];
    let updated = inbound::update(&app.inst, edit.clone())
        .await
        .unwrap()
        .expect("updated");
    assert_eq!(updated.id, model.id);

    let status = app
        .get(&format!("/api/v1/statuses/{sid}"), None)
        .await
        .expect(200);
    assert_eq!(status["content"], "<p>Remote post 1, <b>corrected</b></p>");
    assert_eq!(status["spoiler_text"], "now with a warning");
    assert_eq!(status["sensitive"], true);
    assert!(status["edited_at"].is_string());
    assert_eq!(status["tags"][0]["name"], "after");
    assert_eq!(status["media_attachments"].as_array().unwrap().len(), 1);
    assert_eq!(
        status["media_attachments"][0]["remote_url"],
        "https://remote.example/media/new.png"
    );

    let history = app
        .get(&format!("/api/v1/statuses/{sid}/history"), None)
        .await
        .expect(200);
    let versions = history.as_array().unwrap();
    assert_eq!(versions.len(), 2, "{history}");
    assert_eq!(versions[0]["content"], "<p>Remote post 1</p>");
    assert_eq!(versions[0]["account"]["acct"], "carol@remote.example");
    assert_eq!(
        versions[0]["media_attachments"][0]["remote_url"],
        "https://remote.example/media/old.png"
    );
    assert_eq!(versions[1]["content"], status["content"]);
    assert_eq!(versions[1]["created_at"], status["edited_at"]);
    assert_eq!(versions[1]["media_attachments"][0]["description"], "new");

    // The booster hears of it.
    let notes = app
        .get("/api/v1/notifications?types[]=update", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(notes.as_array().unwrap().len(), 1, "{notes}");
    assert_eq!(notes[0]["status"]["id"], sid.as_str());

    // A stale or repeated update changes nothing.
    let mut stale = edit.clone();
    stale.content_html = "<p>stale</p>".into();
    stale.edited_at = Some(edited_at - Duration::seconds(10));
    inbound::update(&app.inst, stale).await.unwrap();
    inbound::update(&app.inst, edit).await.unwrap();
    let again = app
        .get(&format!("/api/v1/statuses/{sid}/history"), None)
        .await
        .expect(200);
    assert_eq!(again.as_array().unwrap().len(), 2);

    assert_eq!(events::pending(&app.inst).await.unwrap(), pending);
}

#[tokio::test]
async fn only_the_author_deletes() {
    let app = TestApp::builder()
        .without_federation_workers()
        .start()
        .await;
    let alice = app.user("alice").await;
    let carol = remote_account(&app, "carol").await;
    let dave = remote_account(&app, "dave").await;
    follow_remote(&app, &alice, &carol).await;
    let mut s = note(&carol, 1);
    s.media = vec![picture("https://remote.example/media/1.png", "gone soon")];
    let (model, _) = inbound::ingest(&app.inst, s.clone()).await.unwrap();
    let sid = model.id.to_string();
    let pending = events::pending(&app.inst).await.unwrap();

    let refused = inbound::delete(&app.inst, &s.uri, dave.id).await;
    assert!(
        matches!(refused, Err(CoreError::Forbidden(_))),
        "{refused:?}"
    );
    app.get(&format!("/api/v1/statuses/{sid}"), None)
        .await
        .expect(200);

    assert!(inbound::delete(&app.inst, &s.uri, carol.id).await.unwrap());
    app.get(&format!("/api/v1/statuses/{sid}"), None)
        .await
        .expect_error(404);
    assert!(
        timeline(&app, "/api/v1/timelines/home", Some(&alice.token))
            .await
            .is_empty()
    );
    assert!(
        timeline(&app, "/api/v1/timelines/public", None)
            .await
            .is_empty()
    );
    assert!(
        inbound::find_by_uri(&app.inst, &s.uri)
            .await
            .unwrap()
            .is_none()
    );
    let account = app
        .get(&format!("/api/v1/accounts/{}", carol.id), None)
        .await
        .expect(200);
    assert_eq!(account["statuses_count"], 0);
    // Deleting what is gone is no error.
    assert!(!inbound::delete(&app.inst, &s.uri, carol.id).await.unwrap());
    assert_eq!(events::pending(&app.inst).await.unwrap(), pending);
}

#[tokio::test]
async fn local_and_suspended_authors_are_refused() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let carol = remote_account(&app, "carol").await;
    let mut s = note(&carol, 1);
    s.account_id = alice.id.parse().unwrap();
    assert!(matches!(
        inbound::ingest(&app.inst, s).await,
        Err(CoreError::Invalid(_))
    ));
    app.suspend(carol.id).await;
    assert!(matches!(
        inbound::ingest(&app.inst, note(&carol, 2)).await,
        Err(CoreError::Forbidden(_))
    ));
}

#[tokio::test]
async fn a_mention_from_a_domain_the_user_blocks_is_never_notified() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = remote_account(&app, "carol").await;
    app.post_json(
        "/api/v1/domain_blocks",
        Some(&alice.token),
        json!({"domain": DOMAIN}),
    )
    .await
    .expect(200);
    let mut s = note(&carol, 1);
    s.mentions = vec![alice.id.parse().unwrap(), bob.id.parse().unwrap()];
    inbound::ingest(&app.inst, s).await.unwrap();
    app.delete(
        &format!("/api/v1/domain_blocks?domain={DOMAIN}"),
        Some(&alice.token),
    )
    .await
    .expect(200);
    let count = |user: &User| {
        let token = user.token.clone();
        let app = &app;
        async move {
            app.get("/api/v1/notifications", Some(&token))
                .await
                .expect(200)
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(count(&bob).await, 1, "bob blocks nothing");
    assert_eq!(
        count(&alice).await,
        0,
        "not sent, so not back after the block"
    );
}
