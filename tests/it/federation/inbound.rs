//! Activities from a scripted peer: RFC 9421 signatures, key rotation, follows with
//! their `Accept`, shared-inbox delivery, blocks, reports, actor deletion, threads
//! fetched from the remote server, and secure mode.

use std::time::SystemTime;

use serde_json::{Value, json};

use super::eventually;
use super::peer::{
    Peer, create_note, deliver, get_as, note, post, rfc9421_headers, signed_headers,
};
use crate::support::{TestApp, User};

/// Waits until the peer has received an activity of `kind`.
async fn received(peer: &Peer, kind: &str) -> Vec<Value> {
    eventually(&format!("a {kind} at the peer"), || async {
        let got: Vec<Value> = peer
            .received()
            .into_iter()
            .filter(|a| a["type"] == kind)
            .collect();
        (!got.is_empty()).then_some(got)
    })
    .await
}

fn actor_uri(app: &TestApp, user: &User) -> String {
    format!("{}/users/{}", app.base, user.username)
}

/// `name` on the peer follows `user` and waits for the follower to show.
async fn peer_follows(app: &TestApp, peer: &Peer, name: &str, user: &User) {
    let follow = json!({
        "id": format!("{}/follows/{name}", peer.base),
        "type": "Follow",
        "actor": peer.actor(name),
        "object": actor_uri(app, user),
    });
    assert_eq!(deliver(app, peer, name, &follow).await.0, 202);
    eventually("the follower", || async {
        let f = app
            .get(
                &format!("/api/v1/accounts/{}/followers", user.id),
                Some(&user.token),
            )
            .await
            .expect(200);
        f.as_array()
            .unwrap()
            .iter()
            .any(|a| a["url"].is_string() && a["username"] == name)
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn rfc9421_signatures_are_verified() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let peer = Peer::start(&["zoe"]).await;
    let id = peer.note_id("9421");
    let body = create_note(&peer.actor("zoe"), &id, &actor_uri(&app, &alice))
        .to_string()
        .into_bytes();
    let headers = rfc9421_headers(&app, &body, &peer.key_id("zoe"), &peer.key("zoe"));
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    let (code, _) = post(&app, headers.clone(), tampered).await;
    assert_eq!(code, 401, "a body that does not match Content-Digest");
    let (code, text) = post(&app, headers, body).await;
    assert_eq!(code, 202, "{text}");
    let mention = app.await_notification(&alice, "mention").await;
    assert_eq!(mention["status"]["uri"], id);
}

#[tokio::test]
async fn a_rotated_key_is_fetched_again_and_the_old_one_stops_working() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let peer = Peer::start(&["zoe"]).await;
    let zoe = peer.actor("zoe");
    let target = actor_uri(&app, &alice);
    let first = create_note(&zoe, &peer.note_id("1"), &target);
    assert_eq!(deliver(&app, &peer, "zoe", &first).await.0, 202);
    let old_key = peer.key("zoe");
    peer.rotate_key("zoe");
    // Signed with the new key: Starling's stored key fails, it fetches the actor again.
    let second = create_note(&zoe, &peer.note_id("2"), &target);
    let (code, text) = deliver(&app, &peer, "zoe", &second).await;
    assert_eq!(code, 202, "{text}");
    // The old key is no longer the actor's.
    let third = create_note(&zoe, &peer.note_id("3"), &target)
        .to_string()
        .into_bytes();
    let headers = signed_headers(
        &app,
        &third,
        &peer.key_id("zoe"),
        &old_key,
        SystemTime::now(),
    );
    assert_eq!(post(&app, headers, third).await.0, 401);
}

#[tokio::test]
async fn a_remote_follow_is_accepted_and_posts_go_once_to_each_shared_inbox() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let peer = Peer::start(&["zoe", "yann"]).await;
    peer_follows(&app, &peer, "zoe", &alice).await;
    peer_follows(&app, &peer, "yann", &alice).await;
    let accepts = received(&peer, "Accept").await;
    assert_eq!(accepts[0]["actor"], actor_uri(&app, &alice));
    assert_eq!(accepts[0]["object"]["type"], "Follow");
    app.await_notification(&alice, "follow").await;

    let status = app.post_status(&alice, "to both followers").await;
    let creates = received(&peer, "Create").await;
    assert_eq!(creates[0]["object"]["id"], status["uri"]);
    // Two followers behind one shared inbox: one delivery.
    let n = peer
        .received()
        .iter()
        .filter(|a| a["type"] == "Create")
        .count();
    assert_eq!(n, 1, "delivered {n} times to one shared inbox");
}

#[tokio::test]
async fn a_remote_block_severs_the_follow() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let peer = Peer::start(&["zoe"]).await;
    peer_follows(&app, &peer, "zoe", &alice).await;
    let block = json!({
        "id": format!("{}/blocks/1", peer.base),
        "type": "Block",
        "actor": peer.actor("zoe"),
        "object": actor_uri(&app, &alice),
    });
    assert_eq!(deliver(&app, &peer, "zoe", &block).await.0, 202);
    eventually("the follow to be gone", || async {
        let f = app
            .get(
                &format!("/api/v1/accounts/{}/followers", alice.id),
                Some(&alice.token),
            )
            .await
            .expect(200);
        f.as_array().unwrap().is_empty().then_some(())
    })
    .await;
    let zoe_id = starling_core::accounts::remote::find_by_uri(&app.inst, &peer.actor("zoe"))
        .await
        .unwrap()
        .unwrap()
        .id;
    let alice_id: i64 = alice.id.parse().unwrap();
    assert!(
        starling_core::blocks::is_blocking(&app.inst, zoe_id, alice_id)
            .await
            .unwrap()
    );
    let undo = json!({
        "id": format!("{}/blocks/1/undo", peer.base),
        "type": "Undo",
        "actor": peer.actor("zoe"),
        "object": block,
    });
    assert_eq!(deliver(&app, &peer, "zoe", &undo).await.0, 202);
    eventually("the block to be lifted", || async {
        (!starling_core::blocks::is_blocking(&app.inst, zoe_id, alice_id)
            .await
            .unwrap())
        .then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_flag_becomes_a_report() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let moderator = app
        .user_with_scopes("mod", starling_core::accounts::Role::Moderator, "read")
        .await;
    let status = app.post_status(&alice, "reported post").await;
    let peer = Peer::start(&["mod"]).await;
    let flag = json!({
        "id": format!("{}/flags/1", peer.base),
        "type": "Flag",
        "actor": peer.actor("mod"),
        "content": "spam from your user",
        "object": [actor_uri(&app, &alice), status["uri"]],
    });
    assert_eq!(deliver(&app, &peer, "mod", &flag).await.0, 202);
    let alice_id: i64 = alice.id.parse().unwrap();
    let report = eventually("the report", || async {
        starling_core::reports::of_target(&app.inst, alice_id)
            .await
            .unwrap()
            .into_iter()
            .next()
    })
    .await;
    assert_eq!(report.comment, "spam from your user");
    assert_eq!(
        report.status_ids,
        format!("[{}]", status["id"].as_str().unwrap())
    );
    // Moderators are told, as of a local report.
    let told = app.await_notification(&moderator, "admin.report").await;
    assert_eq!(told["report"]["id"], report.id.to_string());
    assert_eq!(told["report"]["comment"], "spam from your user");
    assert!(
        told["account"]["acct"]
            .as_str()
            .unwrap()
            .starts_with("mod@"),
        "from the flagging actor: {told}"
    );
    // The same Flag again is the same report.
    assert_eq!(deliver(&app, &peer, "mod", &flag).await.0, 202);
    assert_eq!(
        starling_core::reports::of_target(&app.inst, alice_id)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_deleted_actor_loses_its_posts_here() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let peer = Peer::start(&["zoe"]).await;
    let zoe = peer.actor("zoe");
    let id = peer.note_id("1");
    assert_eq!(
        deliver(
            &app,
            &peer,
            "zoe",
            &create_note(&zoe, &id, &actor_uri(&app, &alice))
        )
        .await
        .0,
        202
    );
    let mention = app.await_notification(&alice, "mention").await;
    let local_id = mention["status"]["id"].as_str().unwrap().to_string();
    let delete = json!({
        "id": format!("{zoe}#delete"),
        "type": "Delete",
        "actor": zoe,
        "object": zoe,
    });
    assert_eq!(deliver(&app, &peer, "zoe", &delete).await.0, 202);
    eventually("zoe's post to be gone", || async {
        (app.get(&format!("/api/v1/statuses/{local_id}"), None)
            .await
            .status
            == 404)
            .then_some(())
    })
    .await;
    // An actor nobody here knows deleting itself is acknowledged and ignored.
    let stranger = json!({
        "id": format!("{}/users/ghost#delete", peer.base),
        "type": "Delete",
        "actor": peer.actor("ghost"),
        "object": peer.actor("ghost"),
    });
    let body = stranger.to_string().into_bytes();
    let headers = signed_headers(
        &app,
        &body,
        &peer.key_id("ghost"),
        &peer.key("zoe"),
        SystemTime::now(),
    );
    assert_eq!(post(&app, headers, body).await.0, 202);
}

#[tokio::test]
async fn a_reply_to_an_unknown_post_fetches_its_parent() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let peer = Peer::start(&["zoe", "yann"]).await;
    let target = actor_uri(&app, &alice);
    // yann's post, which Starling has never seen, and zoe's reply to it.
    let parent = peer.publish_note("parent", note(&peer.actor("yann"), "", &target));
    let mut reply = create_note(&peer.actor("zoe"), &peer.note_id("reply"), &target);
    reply["object"]["inReplyTo"] = json!(parent);
    assert_eq!(deliver(&app, &peer, "zoe", &reply).await.0, 202);
    let mention = eventually("the reply", || async {
        app.notifications(&alice)
            .await
            .into_iter()
            .find(|n| n["type"] == "mention" && n["status"]["uri"] == peer.note_id("reply"))
    })
    .await;
    let parent_id = mention["status"]["in_reply_to_id"]
        .as_str()
        .expect("threaded")
        .to_string();
    let parent_status = app
        .get(&format!("/api/v1/statuses/{parent_id}"), Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(parent_status["uri"], parent);
    assert_eq!(parent_status["account"]["username"], "yann");
}

#[tokio::test]
async fn secure_mode_requires_signed_fetches() {
    let app = TestApp::builder()
        .config(|c| c.federation.authorized_fetch = true)
        .start()
        .await;
    app.user("alice").await;
    let peer = Peer::start(&["zoe"]).await;
    let get = |signed: bool, path: &str| {
        let url = app.url(path);
        let (app, peer) = (&app, &peer);
        async move { get_as(app, peer, "zoe", &url, signed).await }
    };
    assert_eq!(get(false, "/users/alice").await.status(), 401);
    assert_eq!(get(true, "/users/alice").await.status(), 200);
    assert_eq!(get(false, "/users/alice/outbox").await.status(), 401);
    // The instance actor stays public, or nobody could fetch the key that signs.
    assert_eq!(get(false, "/actor").await.status(), 200);
}

#[tokio::test]
async fn a_burst_is_stored_once_each_and_a_reply_threads_within_its_batch() {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    use starling_core::entities::status;
    use starling_federation::entities::inbox_activity;

    // No workers: the burst is only stored, then processed as one batch below.
    let app = TestApp::builder()
        .without_federation_workers()
        .start()
        .await;
    let alice = app.user("alice").await;
    let peer = Peer::start(&["zoe"]).await;
    let zoe = peer.actor("zoe");
    let target = actor_uri(&app, &alice);
    let mut creates: Vec<Value> = (0..30)
        .map(|i| create_note(&zoe, &peer.note_id(&format!("burst-{i}")), &target))
        .collect();
    // The last post answers the first. The peer does not serve the first, so the reply
    // threads only if the batch stores its parent before it.
    creates[29]["object"]["inReplyTo"] = json!(peer.note_id("burst-0"));
    assert_eq!(deliver(&app, &peer, "zoe", &creates[0]).await.0, 202);
    // All at once, ten of them twice: they share group commits.
    let sends = creates
        .iter()
        .skip(1)
        .chain(creates.iter().take(10))
        .map(|a| deliver(&app, &peer, "zoe", a));
    let answers = futures::future::join_all(sends).await;
    assert!(answers.iter().all(|(code, _)| *code == 202), "{answers:?}");
    let conn = &app.inst.store.read;
    let stored = inbox_activity::Entity::find().count(conn).await.unwrap();
    assert_eq!(stored, 30, "each activity stored once");

    let fed = starling_federation::Federation::new(app.inst.clone()).unwrap();
    let processed = starling_federation::inbox::process::drain(&fed)
        .await
        .unwrap();
    assert_eq!(processed, 30);
    let statuses = status::Entity::find()
        .filter(status::Column::Local.eq(false))
        .all(conn)
        .await
        .unwrap();
    assert_eq!(statuses.len(), 30, "one status per post");
    let uri = |i: usize| peer.note_id(&format!("burst-{i}"));
    let parent = statuses.iter().find(|s| s.uri == uri(0)).unwrap();
    let reply = statuses.iter().find(|s| s.uri == uri(29)).unwrap();
    assert_eq!(reply.in_reply_to_id, Some(parent.id));
    assert_eq!(parent.replies_count, 1);
    let author = starling_core::entities::account::Entity::find_by_id(parent.account_id)
        .one(conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(author.statuses_count, 30, "counted once per post");
    let left = inbox_activity::Entity::find()
        .filter(inbox_activity::Column::ProcessedAt.is_null())
        .count(conn)
        .await
        .unwrap();
    assert_eq!(left, 0, "every activity marked processed");
    let mentions = app
        .get(
            "/api/v1/notifications?types[]=mention&limit=40",
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(mentions.as_array().unwrap().len(), 30);
}

#[tokio::test]
async fn a_batch_feeds_each_post_to_the_home_feeds_it_would_reach_alone() {
    use std::collections::{BTreeSet, HashMap};

    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
    use starling_core::entities::{account, follow, home_feed, status};

    let app = TestApp::builder()
        .without_federation_workers()
        .start()
        .await;
    let (alice, bob, carol) = (
        app.user("alice").await,
        app.user("bob").await,
        app.user("carol").await,
    );
    let local = |u: &User| u.id.parse::<i64>().unwrap();
    let peer = Peer::start(&["zoe", "yann"]).await;
    let (zoe, yann) = (peer.actor("zoe"), peer.actor("yann"));
    let public = "https://www.w3.org/ns/activitystreams#Public";
    let post =
        |by: &str, id: &str, to: Vec<String>, reply_to: Option<String>, mention: Option<&str>| {
            let object_id = peer.note_id(id);
            let mut object = json!({
                "id": object_id,
                "type": "Note",
                "attributedTo": by,
                "content": format!("<p>{id}</p>"),
                "to": to,
                "published": "2026-11-30T16:05:17Z",
            });
            if let Some(parent) = reply_to {
                object["inReplyTo"] = json!(parent);
            }
            if let Some(m) = mention {
                object["tag"] = json!([{"type": "Mention", "href": m}]);
            }
            json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{object_id}/activity"),
                "type": "Create",
                "actor": by,
                "to": object["to"].clone(),
                "object": object,
            })
        };
    let alice_uri = actor_uri(&app, &alice);
    let zoe_followers = format!("{zoe}/followers");
    let batch = [
        (
            "y1",
            "yann",
            post(&yann, "y1", vec![public.into()], None, None),
        ),
        (
            "z1",
            "zoe",
            post(&zoe, "z1", vec![public.into()], None, None),
        ),
        (
            "z2",
            "zoe",
            post(&zoe, "z2", vec![zoe_followers], None, None),
        ),
        // A reply to someone else reaches only those who follow both.
        (
            "z3",
            "zoe",
            post(
                &zoe,
                "z3",
                vec![public.into()],
                Some(peer.note_id("y1")),
                None,
            ),
        ),
        // A reply to oneself reaches every follower.
        (
            "z4",
            "zoe",
            post(
                &zoe,
                "z4",
                vec![public.into()],
                Some(peer.note_id("z1")),
                None,
            ),
        ),
        // A direct message reaches only the mentioned followers.
        (
            "d1",
            "zoe",
            post(&zoe, "d1", vec![alice_uri.clone()], None, Some(&alice_uri)),
        ),
    ];
    // Stored (the authors' accounts fetched on the way), not processed yet.
    for (_, by, activity) in &batch {
        assert_eq!(deliver(&app, &peer, by, activity).await.0, 202);
    }
    let conn = &app.inst.store.write;
    let remote = |uri: String| async move {
        account::Entity::find()
            .filter(account::Column::Uri.eq(uri))
            .one(conn)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let (zoe_id, yann_id) = (remote(zoe.clone()).await, remote(yann.clone()).await);
    for (i, (who, whom)) in [(&alice, zoe_id), (&bob, zoe_id), (&bob, yann_id)]
        .into_iter()
        .enumerate()
    {
        follow::Model {
            id: 9_000 + i as i64,
            account_id: local(who),
            target_account_id: whom,
            show_reblogs: true,
            notify: false,
            languages: None,
            uri: None,
            created_at: chrono::Utc::now(),
        }
        .into_active_model()
        .insert(conn)
        .await
        .unwrap();
    }

    let fed = starling_federation::Federation::new(app.inst.clone()).unwrap();
    let processed = starling_federation::inbox::process::drain(&fed)
        .await
        .unwrap();
    assert_eq!(processed, batch.len());
    let statuses: HashMap<i64, String> = status::Entity::find()
        .filter(status::Column::Local.eq(false))
        .all(conn)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.id, s.uri))
        .collect();
    let mut homes: HashMap<String, BTreeSet<i64>> = HashMap::new();
    for row in home_feed::Entity::find().all(conn).await.unwrap() {
        if let Some(uri) = statuses.get(&row.status_id) {
            homes.entry(uri.clone()).or_default().insert(row.account_id);
        }
    }
    let (a, b) = (local(&alice), local(&bob));
    let expected: [(&str, &[i64]); 6] = [
        ("y1", &[b]),
        ("z1", &[a, b]),
        ("z2", &[a, b]),
        ("z3", &[b]),
        ("z4", &[a, b]),
        ("d1", &[a]),
    ];
    for (id, accounts) in expected {
        let got = homes.remove(&peer.note_id(id)).unwrap_or_default();
        assert_eq!(
            got,
            accounts.iter().copied().collect(),
            "home feeds of {id}"
        );
    }
    assert!(!homes.values().flatten().any(|id| *id == local(&carol)));
}
