//! Every path that removes an account's content removes the same things: a remote
//! actor's `Delete` of itself, the suspension of its domain, a moderator's suspension of
//! a remote account, and the deletion of a local account. Each test seeds an account
//! with something in every table that can refer to it, takes one path, and checks the
//! one list of what must be gone.

use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use starling_core::accounts::Role;
use starling_core::config::{ContentAction, ContentPolicyConfig, ContentRule, RuleScope};
use starling_core::entities::{
    block, favourite, follow, follow_request, held_post, home_feed, media_attachment, mute,
    notification, status, status_mention, status_pin, user_domain_block,
};
use starling_federation::entities::inbox_activity;

use super::eventually;
use super::peer::{Peer, create_note, deliver};
use crate::support::{TestApp, User};

/// Rows that refer to account `id`, table by table, in the order of [`TABLES`].
async fn rows_of(app: &TestApp, id: i64) -> Vec<u64> {
    let conn = &app.inst.store.read;
    macro_rules! count {
        ($entity:ident, $cond:expr) => {
            $entity::Entity::find()
                .filter($cond)
                .count(conn)
                .await
                .unwrap()
        };
    }
    let either =
        |a: follow::Column, b: follow::Column| Condition::any().add(a.eq(id)).add(b.eq(id));
    vec![
        count!(status, status::Column::AccountId.eq(id)),
        count!(favourite, favourite::Column::AccountId.eq(id)),
        count!(
            follow,
            either(follow::Column::AccountId, follow::Column::TargetAccountId)
        ),
        count!(
            follow_request,
            Condition::any()
                .add(follow_request::Column::AccountId.eq(id))
                .add(follow_request::Column::TargetAccountId.eq(id))
        ),
        count!(
            notification,
            Condition::any()
                .add(notification::Column::AccountId.eq(id))
                .add(notification::Column::FromAccountId.eq(id))
        ),
        count!(
            home_feed,
            Condition::any()
                .add(home_feed::Column::AccountId.eq(id))
                .add(home_feed::Column::AuthorId.eq(id))
        ),
        count!(status_mention, status_mention::Column::AccountId.eq(id)),
        count!(status_pin, status_pin::Column::AccountId.eq(id)),
        count!(media_attachment, media_attachment::Column::AccountId.eq(id)),
        count!(held_post, held_post::Column::AccountId.eq(id)),
        count!(
            block,
            Condition::any()
                .add(block::Column::AccountId.eq(id))
                .add(block::Column::TargetAccountId.eq(id))
        ),
        count!(
            mute,
            Condition::any()
                .add(mute::Column::AccountId.eq(id))
                .add(mute::Column::TargetAccountId.eq(id))
        ),
        count!(
            user_domain_block,
            user_domain_block::Column::AccountId.eq(id)
        ),
    ]
}

const TABLES: [&str; 13] = [
    "statuses",
    "favourites",
    "follows",
    "follow_requests",
    "notifications",
    "home_feeds",
    "status_mentions",
    "status_pins",
    "media_attachments",
    "held_posts",
    "blocks",
    "mutes",
    "user_domain_blocks",
];

/// The one list of what a purge leaves: no row refers to the account, its profile is
/// empty, it is suspended, and the counters of the accounts it touched are true again.
async fn assert_purged(app: &TestApp, id: i64, others: &[&User]) {
    let left = rows_of(app, id).await;
    for (table, n) in TABLES.iter().zip(&left) {
        assert_eq!(*n, 0, "{table} still refers to the account");
    }
    let a = starling_core::accounts::get(&app.inst, id).await.unwrap();
    assert!(a.suspended_at.is_some(), "not suspended");
    assert_eq!(
        (a.display_name.as_str(), a.note.as_str(), a.fields.as_str()),
        ("", "", "[]"),
        "profile kept"
    );
    assert_eq!(
        (a.statuses_count, a.followers_count, a.following_count),
        (0, 0, 0)
    );
    assert!(a.avatar_file.is_none() && a.header_file.is_none());
    assert!(a.avatar_remote_url.is_none() && a.header_remote_url.is_none());
    let conn = &app.inst.store.read;
    for user in others {
        let other = starling_core::accounts::get(&app.inst, user.id.parse().unwrap())
            .await
            .unwrap();
        let followers = follow::Entity::find()
            .filter(follow::Column::TargetAccountId.eq(other.id))
            .count(conn)
            .await
            .unwrap();
        let following = follow::Entity::find()
            .filter(follow::Column::AccountId.eq(other.id))
            .count(conn)
            .await
            .unwrap();
        assert_eq!(other.followers_count as u64, followers, "{}", user.username);
        assert_eq!(other.following_count as u64, following, "{}", user.username);
    }
}

/// Asserts the seed gave every table (but those in `except`) a row about the account.
async fn assert_seeded(app: &TestApp, id: i64, except: &[&str]) {
    let rows = rows_of(app, id).await;
    for (table, n) in TABLES.iter().zip(&rows) {
        if !except.contains(table) {
            assert!(
                *n > 0,
                "the seed left {table} without a row about the account"
            );
        }
    }
}

fn holding() -> ContentPolicyConfig {
    ContentPolicyConfig {
        rules: vec![ContentRule {
            name: "gambling".into(),
            keyword: Some("casino".into()),
            regex: None,
            action: ContentAction::Hold,
            applies_to: RuleScope::All,
        }],
        ..ContentPolicyConfig::default()
    }
}

/// An instance with alice, bob and an admin, and a peer whose mallory has done
/// everything a remote account can do here.
struct RemoteWorld {
    app: TestApp,
    peer: Peer,
    alice: User,
    bob: User,
    admin: User,
    mallory: i64,
}

async fn processed(app: &TestApp) {
    eventually("the inbox to be processed", || async {
        let pending = inbox_activity::Entity::find()
            .filter(inbox_activity::Column::ProcessedAt.is_null())
            .count(&app.inst.store.read)
            .await
            .unwrap();
        (pending == 0).then_some(())
    })
    .await;
}

async fn remote_world() -> RemoteWorld {
    let app = TestApp::builder()
        .config(|c| c.content_policy = holding())
        .start()
        .await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let admin = app
        .user_with_scopes(
            "admin",
            Role::Admin,
            "read write follow admin:read admin:write",
        )
        .await;
    let peer = Peer::start(&["mallory"]).await;
    let mallory_uri = peer.actor("mallory");
    let alice_uri = format!("{}/users/alice", app.base);
    let mine = app.post_status(&alice, "alice's post").await;
    let mine_uri = mine["uri"].as_str().unwrap().to_string();
    let send = async |activity: Value| {
        let (code, text) = deliver(&app, &peer, "mallory", &activity).await;
        assert_eq!(code, 202, "{activity}: {text}");
    };
    // Mallory follows alice, mentions her, likes and boosts her post, blocks bob.
    send(
        json!({"id": format!("{}/follows/1", peer.base), "type": "Follow",
                "actor": mallory_uri, "object": alice_uri}),
    )
    .await;
    let mut note = create_note(&mallory_uri, &peer.note_id("1"), &alice_uri);
    note["object"]["tag"] = json!([
        {"type": "Mention", "href": alice_uri},
        {"type": "Hashtag", "name": "#purged"},
    ]);
    note["object"]["attachment"] = json!([
        {"type": "Document", "mediaType": "image/png", "url": format!("{}/media/1.png", peer.base)},
    ]);
    send(note).await;
    send(
        json!({"id": format!("{}/likes/1", peer.base), "type": "Like",
                "actor": mallory_uri, "object": mine_uri}),
    )
    .await;
    send(
        json!({"id": format!("{}/boosts/1", peer.base), "type": "Announce",
                "actor": mallory_uri, "object": mine_uri,
                "to": ["https://www.w3.org/ns/activitystreams#Public"]}),
    )
    .await;
    send(
        json!({"id": format!("{}/blocks/1", peer.base), "type": "Block",
                "actor": mallory_uri, "object": format!("{}/users/bob", app.base)}),
    )
    .await;
    // A post the content policy holds.
    let mut held = create_note(&mallory_uri, &peer.note_id("2"), &alice_uri);
    held["object"]["content"] = json!("<p>casino night</p>");
    send(held).await;
    processed(&app).await;
    let mallory = starling_core::accounts::remote::find_by_uri(&app.inst, &mallory_uri)
        .await
        .unwrap()
        .unwrap();
    let mallory_id = mallory.id.to_string();
    let domain = peer.base.trim_start_matches("http://").to_string();
    app.post_status(&bob, &format!("hello @mallory@{domain}"))
        .await;
    // Alice follows mallory (accepted) and mutes it; carol asks to follow it.
    app.post_json(
        &format!("/api/v1/accounts/{mallory_id}/follow"),
        Some(&alice.token),
        json!({}),
    )
    .await
    .expect(200);
    let follow = eventually("alice's Follow to reach the peer", || async {
        peer.received().into_iter().find(|a| a["type"] == "Follow")
    })
    .await;
    send(
        json!({"id": format!("{}/accepts/1", peer.base), "type": "Accept",
                "actor": mallory_uri, "object": follow}),
    )
    .await;
    let carol = app.user("carol").await;
    app.post_json(
        &format!("/api/v1/accounts/{mallory_id}/follow"),
        Some(&carol.token),
        json!({}),
    )
    .await
    .expect(200);
    app.post_json(
        &format!("/api/v1/accounts/{mallory_id}/mute"),
        Some(&alice.token),
        json!({}),
    )
    .await
    .expect(200);
    processed(&app).await;
    // A post of mallory's in alice's home feed, favourited and boosted by her.
    send(create_note(&mallory_uri, &peer.note_id("3"), &alice_uri)).await;
    processed(&app).await;
    let theirs = status::Entity::find()
        .filter(status::Column::Uri.eq(peer.note_id("3")))
        .one(&app.inst.store.read)
        .await
        .unwrap()
        .expect("mallory's post stored");
    for verb in ["favourite", "reblog"] {
        app.post_json(
            &format!("/api/v1/statuses/{}/{verb}", theirs.id),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    }
    // What remote accounts cannot have here: pins, and domain blocks of their own.
    assert_seeded(&app, mallory.id, &["status_pins", "user_domain_blocks"]).await;
    RemoteWorld {
        app,
        peer,
        alice,
        bob,
        admin,
        mallory: mallory.id,
    }
}

#[tokio::test]
async fn a_remote_actors_delete_of_itself_purges_it() {
    let w = remote_world().await;
    let mallory_uri = w.peer.actor("mallory");
    let delete = json!({"id": format!("{}#delete", mallory_uri), "type": "Delete",
                        "actor": mallory_uri, "object": mallory_uri});
    assert_eq!(deliver(&w.app, &w.peer, "mallory", &delete).await.0, 202);
    processed(&w.app).await;
    assert_purged(&w.app, w.mallory, &[&w.alice, &w.bob]).await;
}

#[tokio::test]
async fn suspending_its_domain_purges_a_remote_account() {
    let w = remote_world().await;
    let domain = w.peer.base.trim_start_matches("http://").to_string();
    w.app
        .post_json(
            "/api/v1/admin/domain_blocks",
            Some(&w.admin.token),
            json!({"domain": domain, "severity": "suspend"}),
        )
        .await
        .expect(200);
    assert_purged(&w.app, w.mallory, &[&w.alice, &w.bob]).await;
}

#[tokio::test]
async fn a_moderator_suspending_a_remote_account_purges_it() {
    let w = remote_world().await;
    w.app
        .post_json(
            &format!("/api/v1/admin/accounts/{}/action", w.mallory),
            Some(&w.admin.token),
            json!({"type": "suspend"}),
        )
        .await
        .expect(200);
    assert_purged(&w.app, w.mallory, &[&w.alice, &w.bob]).await;
}

#[tokio::test]
async fn deleting_a_local_account_purges_it_and_its_files() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let admin = app
        .user_with_scopes("admin", Role::Admin, "read write admin:read admin:write")
        .await;
    let dave = app.user("dave").await;
    // Dave's media and avatar, his posts (one pinned, one mentioning alice), what he
    // did to others' posts and what they did to his, his follows and blocks.
    let media = app.upload_png(&dave).await;
    let post = app
        .post_status_json(
            &dave,
            json!({"status": "hello @alice #purged", "media_ids": [media["id"]]}),
        )
        .await;
    let post_id = post["id"].as_str().unwrap();
    let avatar = reqwest::multipart::Part::bytes(crate::support::png_bytes(8, 8))
        .file_name("a.png")
        .mime_str("image/png")
        .unwrap();
    app.send(
        app.request(
            reqwest::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&dave.token),
        )
        .multipart(
            reqwest::multipart::Form::new()
                .part("avatar", avatar)
                .text("display_name", "Dave")
                .text("note", "about dave"),
        ),
    )
    .await
    .expect(200);
    app.upload_png(&dave).await; // an upload never attached
    app.post_json(
        &format!("/api/v1/statuses/{post_id}/pin"),
        Some(&dave.token),
        json!({}),
    )
    .await
    .expect(200);
    let alices = app.post_status(&alice, "alice's post").await;
    let alices_id = alices["id"].as_str().unwrap();
    for verb in ["favourite", "reblog"] {
        app.post_json(
            &format!("/api/v1/statuses/{alices_id}/{verb}"),
            Some(&dave.token),
            json!({}),
        )
        .await
        .expect(200);
        app.post_json(
            &format!("/api/v1/statuses/{post_id}/{verb}"),
            Some(&alice.token),
            json!({}),
        )
        .await
        .expect(200);
    }
    app.post_status(&bob, "hello @dave").await;
    app.follow(&dave, &alice).await;
    app.follow(&alice, &dave).await;
    app.patch_json(
        "/api/v1/accounts/update_credentials",
        Some(&carol.token),
        json!({"locked": true}),
    )
    .await
    .expect(200);
    app.follow(&dave, &carol).await;
    app.post_json(
        &format!("/api/v1/accounts/{}/block", bob.id),
        Some(&dave.token),
        json!({}),
    )
    .await
    .expect(200);
    app.post_json(
        &format!("/api/v1/accounts/{}/mute", dave.id),
        Some(&carol.token),
        json!({}),
    )
    .await
    .expect(200);
    app.post_form(
        "/api/v1/domain_blocks",
        Some(&dave.token),
        &[("domain", "spam.example")],
    )
    .await
    .expect(200);
    let id: i64 = dave.id.parse().unwrap();
    assert_seeded(&app, id, &["held_posts"]).await;
    let files: Vec<std::path::PathBuf> = walk(&app.inst.config.media_dir());
    assert!(files.len() >= 3, "uploads and avatar stored: {files:?}");

    // Admins delete a suspended account's data.
    app.post_json(
        &format!("/api/v1/admin/accounts/{id}/action"),
        Some(&admin.token),
        json!({"type": "suspend"}),
    )
    .await
    .expect(200);
    app.delete(&format!("/api/v1/admin/accounts/{id}"), Some(&admin.token))
        .await
        .expect(200);
    assert_purged(&app, id, &[&alice, &bob, &carol]).await;
    let left: Vec<_> = walk(&app.inst.config.media_dir());
    assert!(left.is_empty(), "files left: {left:?}");
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
