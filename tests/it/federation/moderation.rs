//! Domain suspension at the federation doors: the inbox refuses the domain's
//! activities, nothing is fetched from it, nothing is delivered to it.

use serde_json::json;
use starling_core::accounts::Role;

use super::peer::{Peer, create_note, deliver, get_as};
use super::{eventually, url_escape};
use crate::support::TestApp;
use sea_orm::EntityTrait;

#[tokio::test]
async fn a_suspended_domain_is_refused_at_the_inbox_and_nothing_is_fetched_from_it() {
    let app = TestApp::start().await;
    let root = app
        .user_with_scopes("root", Role::Admin, "read write admin:read admin:write")
        .await;
    let alice = app.user("alice").await;
    let peer = Peer::start(&["zoe", "yann", "xena"]).await;
    let zoe = peer.actor("zoe");
    let target = format!("{}/users/{}", app.base, alice.username);
    let domain = peer.base.trim_start_matches("http://").to_owned();
    let resolve = |uri: String| {
        let app = &app;
        let token = alice.token.clone();
        async move {
            app.get(
                &format!(
                    "/api/v2/search?q={}&resolve=true&type=accounts",
                    url_escape(&uri)
                ),
                Some(&token),
            )
            .await
            .expect(200)["accounts"]
                .as_array()
                .unwrap()
                .len()
        }
    };

    // Before the block, its posts come in, its accounts resolve, and it gets our posts.
    let first = create_note(&zoe, &peer.note_id("before"), &target);
    assert_eq!(deliver(&app, &peer, "zoe", &first).await.0, 202);
    assert_eq!(resolve(peer.actor("xena")).await, 1);
    let follow = json!({
        "id": format!("{}/follows/zoe", peer.base),
        "type": "Follow",
        "actor": zoe,
        "object": target,
    });
    assert_eq!(deliver(&app, &peer, "zoe", &follow).await.0, 202);
    let creates_at_peer = || {
        peer.received()
            .into_iter()
            .filter(|a| a["type"] == "Create")
            .map(|a| {
                a["object"]["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect::<Vec<String>>()
    };
    eventually("the Accept at the peer", || async {
        peer.received()
            .iter()
            .any(|a| a["type"] == "Accept")
            .then_some(())
    })
    .await;
    app.post_status(&alice, "one for my followers").await;
    eventually("the first post at the peer", || async {
        creates_at_peer()
            .iter()
            .any(|c| c.contains("one for"))
            .then_some(())
    })
    .await;

    app.post_json(
        "/api/v1/admin/domain_blocks",
        Some(&root.token),
        json!({"domain": domain, "severity": "suspend"}),
    )
    .await
    .expect(200);
    let second = create_note(&zoe, &peer.note_id("after"), &target);
    let (status, body) = deliver(&app, &peer, "zoe", &second).await;
    assert_eq!(status, 403, "{body}");
    // Every other kind of activity too: follows, likes, boosts, mentions, reports.
    let post = app.post_status(&alice, "something to like").await;
    let post_uri = post["uri"].as_str().unwrap();
    for (kind, object) in [
        ("Follow", json!(target)),
        ("Like", json!(post_uri)),
        ("Announce", json!(post_uri)),
        ("Flag", json!([target])),
    ] {
        let activity = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/{kind}/after", peer.base),
            "type": kind,
            "actor": zoe,
            "object": object,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        });
        let (status, body) = deliver(&app, &peer, "zoe", &activity).await;
        assert_eq!(status, 403, "{kind}: {body}");
    }
    // Its signed fetches of our documents too (an unsigned fetch is anyone's).
    assert_eq!(
        get_as(&app, &peer, "zoe", &target, true).await.status(),
        403
    );
    assert_eq!(
        get_as(&app, &peer, "zoe", &target, false).await.status(),
        200
    );
    assert_eq!(resolve(peer.actor("yann")).await, 0, "not fetched");
    let yann = starling_core::accounts::remote::find_by_uri(&app.inst, &peer.actor("yann"))
        .await
        .unwrap();
    assert!(yann.is_none(), "nothing stored from a suspended domain");

    // Our next post is not delivered there: the suspension severed zoe's follow, so
    // nothing is even queued (deliveries queued before a block are dropped: see the
    // allow-list test).
    let followers = app
        .get(
            &format!("/api/v1/accounts/{}/followers", alice.id),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(followers, json!([]), "the follow is severed");
    app.post_status(&alice, "two for my followers").await;
    assert_eq!(
        starling_federation::delivery::pending(&app.inst.store.read)
            .await
            .unwrap(),
        0
    );
    assert!(
        !creates_at_peer().iter().any(|c| c.contains("two for")),
        "nothing delivered to a suspended domain"
    );
}

#[tokio::test]
async fn a_domain_whose_media_and_reports_are_rejected_keeps_neither_and_its_cached_media_is_purged()
 {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    use starling_core::entities::{media_attachment, status};
    use starling_federation::entities::inbox_activity;

    let app = TestApp::start().await;
    let root = app
        .user_with_scopes("root", Role::Admin, "read write admin:read admin:write")
        .await;
    let alice = app.user("alice").await;
    let alice_id: i64 = alice.id.parse().unwrap();
    let peer = Peer::start(&["zoe"]).await;
    let zoe = peer.actor("zoe");
    let target = format!("{}/users/{}", app.base, alice.username);
    let domain = peer.base.trim_start_matches("http://").to_owned();
    let conn = &app.inst.store.read;
    let with_picture = |id: &str| {
        let mut create = create_note(&zoe, &peer.note_id(id), &target);
        create["object"]["attachment"] = json!([{
            "type": "Document",
            "mediaType": "image/png",
            "url": format!("{}/media/{id}.png", peer.base),
        }]);
        create
    };
    let flag = |n: u32| {
        json!({
            "id": format!("{}/flags/{n}", peer.base),
            "type": "Flag",
            "actor": zoe,
            "content": format!("report {n}"),
            "object": [target],
        })
    };
    // Waits until the activity `id` is processed; answers the media of post `note`.
    let processed = |id: String| async move {
        eventually("the activity processed", || async {
            inbox_activity::Entity::find()
                .filter(inbox_activity::Column::ActivityUri.eq(id.clone()))
                .filter(inbox_activity::Column::ProcessedAt.is_not_null())
                .one(conn)
                .await
                .unwrap()
                .map(|_| ())
        })
        .await
    };
    let media_of = |note: String| async move {
        let s = status::Entity::find()
            .filter(status::Column::Uri.eq(note))
            .one(conn)
            .await
            .unwrap()
            .expect("the post is stored");
        media_attachment::Entity::find()
            .filter(media_attachment::Column::StatusId.eq(s.id))
            .count(conn)
            .await
            .unwrap()
    };
    let reports = || async {
        starling_core::reports::of_target(&app.inst, alice_id)
            .await
            .unwrap()
            .len()
    };

    // Before: the picture and the report are kept.
    let before = with_picture("before");
    assert_eq!(deliver(&app, &peer, "zoe", &before).await.0, 202);
    assert_eq!(deliver(&app, &peer, "zoe", &flag(1)).await.0, 202);
    processed(before["id"].as_str().unwrap().to_owned()).await;
    processed(flag(1)["id"].as_str().unwrap().to_owned()).await;
    assert_eq!(media_of(peer.note_id("before")).await, 1);
    assert_eq!(reports().await, 1);

    app.post_json(
        "/api/v1/admin/domain_blocks",
        Some(&root.token),
        json!({"domain": domain, "severity": "noop", "reject_media": true, "reject_reports": true}),
    )
    .await
    .expect(200);
    assert_eq!(
        media_of(peer.note_id("before")).await,
        0,
        "media kept before the block is purged"
    );
    let after = with_picture("after");
    assert_eq!(
        deliver(&app, &peer, "zoe", &after).await.0,
        202,
        "noop: still federating"
    );
    assert_eq!(deliver(&app, &peer, "zoe", &flag(2)).await.0, 202);
    processed(after["id"].as_str().unwrap().to_owned()).await;
    processed(flag(2)["id"].as_str().unwrap().to_owned()).await;
    assert_eq!(
        media_of(peer.note_id("after")).await,
        0,
        "the post, without its media"
    );
    assert_eq!(reports().await, 1, "the second report is dropped");
}

#[tokio::test]
async fn in_allowlist_mode_only_allowed_domains_federate() {
    let app = TestApp::builder()
        .config(|c| c.federation.mode = starling_core::config::FederationMode::Allowlist)
        .start()
        .await;
    let root = app
        .user_with_scopes("root", Role::Admin, "read write admin:read admin:write")
        .await;
    let alice = app.user("alice").await;
    let peer = Peer::start(&["zoe"]).await;
    let zoe = peer.actor("zoe");
    let target = format!("{}/users/{}", app.base, alice.username);
    let domain = peer.base.trim_start_matches("http://").to_owned();

    let first = create_note(&zoe, &peer.note_id("1"), &target);
    let (status, body) = deliver(&app, &peer, "zoe", &first).await;
    assert_eq!(status, 403, "not allowed yet: {body}");
    let allow = app
        .post_json(
            "/api/v1/admin/domain_allows",
            Some(&root.token),
            json!({"domain": domain}),
        )
        .await
        .expect(200);
    assert_eq!(deliver(&app, &peer, "zoe", &first).await.0, 202, "allowed");
    let follow = json!({
        "id": format!("{}/follows/zoe", peer.base),
        "type": "Follow",
        "actor": zoe,
        "object": target,
    });
    assert_eq!(deliver(&app, &peer, "zoe", &follow).await.0, 202);
    eventually("the Accept at the peer", || async {
        peer.received()
            .iter()
            .any(|a| a["type"] == "Accept")
            .then_some(())
    })
    .await;

    // No longer allowed: refused everywhere, but nothing is severed or purged, and a
    // delivery to it is dropped when its turn comes.
    app.delete(
        &format!(
            "/api/v1/admin/domain_allows/{}",
            allow["id"].as_str().unwrap()
        ),
        Some(&root.token),
    )
    .await
    .expect(200);
    app.post_status(&alice, "while not allowed").await;
    let dropped = eventually("the delivery to be dropped", || async {
        let host =
            starling_federation::entities::federation_host::Entity::find_by_id(domain.clone())
                .one(&app.inst.store.read)
                .await
                .unwrap()?;
        let left = starling_federation::delivery::pending(&app.inst.store.read)
            .await
            .unwrap();
        (host.dropped_count > 0 && left == 0).then_some(host.dropped_count)
    })
    .await;
    assert_eq!(dropped, 1);
    assert!(
        !peer.received().iter().any(|a| a["type"] == "Create"),
        "nothing delivered to a domain that is not allowed"
    );
    let followers = app
        .get(
            &format!("/api/v1/accounts/{}/followers", alice.id),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(followers.as_array().unwrap().len(), 1, "the follow is kept");
    let second = create_note(&zoe, &peer.note_id("2"), &target);
    assert_eq!(deliver(&app, &peer, "zoe", &second).await.0, 403);
}

#[tokio::test]
async fn on_a_test_network_an_ip_address_is_blocked_like_a_domain() {
    let app = TestApp::start().await;
    let root = app
        .user_with_scopes("root", Role::Admin, "read write admin:read admin:write")
        .await;
    let alice = app.user("alice").await;
    let target = format!("{}/users/{}", app.base, alice.username);
    let peer = Peer::start(&["zoe"]).await;
    let zoe = peer.actor("zoe");
    // The peer is `127.0.0.1:<port>`; a rule for the bare address covers every port.
    let ip = "127.0.0.1";
    let block = app
        .post_json(
            "/api/v1/admin/domain_blocks",
            Some(&root.token),
            json!({"domain": ip, "severity": "suspend"}),
        )
        .await
        .expect(200);
    assert_eq!(block["domain"], ip, "{block}");
    let (code, text) = deliver(
        &app,
        &peer,
        "zoe",
        &create_note(&zoe, &peer.note_id("1"), &target),
    )
    .await;
    assert_eq!(code, 403, "{text}");
    // IPv6 literals are written as in URLs.
    let v6 = app
        .post_json(
            "/api/v1/admin/domain_blocks",
            Some(&root.token),
            json!({"domain": "::1", "severity": "silence"}),
        )
        .await
        .expect(200);
    assert_eq!(v6["domain"], "[::1]");
}

#[tokio::test]
async fn on_a_public_server_an_ip_address_is_no_domain_to_block() {
    let app = TestApp::builder()
        .config(|c| c.federation.allow_private_addresses = false)
        .start()
        .await;
    let root = app
        .user_with_scopes("root", Role::Admin, "read write admin:read admin:write")
        .await;
    for ip in [
        "127.0.0.1",
        "203.0.113.7",
        "[2001:db8::1]",
        "social.example:8443",
    ] {
        let error = app
            .post_json(
                "/api/v1/admin/domain_blocks",
                Some(&root.token),
                json!({"domain": ip, "severity": "suspend"}),
            )
            .await
            .expect_error(422);
        assert!(error.contains("not a domain"), "{ip}: {error}");
    }
}
