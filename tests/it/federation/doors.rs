//! The federation doors as an attacker tries them: every route that answers ActivityPub
//! JSON under authorized fetch, objects and activities from another origin than their
//! actor, signatures made for another server, inbox media types, and accounts that are
//! not public yet.

use std::time::SystemTime;

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use starling_core::config::RegistrationMode;
use starling_core::entities::status;
use starling_federation::entities::inbox_activity;
use starling_federation::signatures::sign_request;

use super::eventually;
use super::peer::{Peer, create_note, deliver, get_as, note, signed_headers};
use crate::support::TestApp;

/// The paths of every document route, with `{name}`/`{handle}` and `{id}` filled in.
fn document_paths(username: &str, status_id: &str) -> Vec<String> {
    let fill = |p: &str| {
        p.replace("{name}", username)
            .replace("{handle}", &format!("@{username}"))
            .replace("{id}", status_id)
    };
    let mut paths: Vec<String> = starling_federation::routes::document_routes()
        .into_iter()
        .map(|(p, _)| fill(p))
        .collect();
    paths.extend(starling_api::web::ACTIVITY_PAGES.iter().map(|p| fill(p)));
    paths
}

fn is_activity_json(resp: &reqwest::Response) -> bool {
    resp.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/activity+json"))
}

#[tokio::test]
async fn under_authorized_fetch_no_route_serves_a_document_unsigned() {
    let app = TestApp::builder()
        .config(|c| c.federation.authorized_fetch = true)
        .start()
        .await;
    let bob = app.user("bob").await;
    let post = app.post_status(&bob, "hello fediverse").await;
    let id = post["id"].as_str().unwrap();
    let peer = Peer::start(&["zoe"]).await;
    let paths = document_paths("bob", id);
    assert!(paths.len() >= 11, "{paths:?}");
    for path in &paths {
        let url = app.url(path);
        let unsigned = get_as(&app, &peer, "zoe", &url, false).await;
        let signed = get_as(&app, &peer, "zoe", &url, true).await;
        assert_eq!(signed.status(), 200, "signed GET {path}");
        assert!(is_activity_json(&signed), "signed GET {path}");
        if path == "/actor" {
            // Public, or nobody could fetch the key that signs our fetches.
            assert_eq!(unsigned.status(), 200, "{path}");
            continue;
        }
        assert_eq!(unsigned.status(), 401, "unsigned GET {path}");
        assert!(!is_activity_json(&unsigned), "unsigned GET {path}");
    }

    // A signature made for another server, replayed here with its own Host, is refused.
    let url = url::Url::parse(&format!("http://host-b.example/users/bob/statuses/{id}")).unwrap();
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(
        axum::http::header::ACCEPT,
        axum::http::HeaderValue::from_static("application/activity+json"),
    );
    sign_request(
        &axum::http::Method::GET,
        &url,
        &mut headers,
        None,
        &peer.key_id("zoe"),
        &peer.key("zoe"),
        SystemTime::now(),
    )
    .unwrap();
    let mut req = app.http.get(app.url(&format!("/users/bob/statuses/{id}")));
    for (k, v) in &headers {
        req = req.header(k.as_str(), v.as_bytes());
    }
    let replayed = req.send().await.unwrap();
    assert_eq!(replayed.status(), 400);
    assert!(!is_activity_json(&replayed));
}

#[tokio::test]
async fn a_signature_made_for_another_server_is_refused_at_the_inbox() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let peer = Peer::start(&["mallory"]).await;
    let mallory = peer.actor("mallory");
    let body = create_note(
        &mallory,
        &peer.note_id("1"),
        &format!("{}/users/alice", app.base),
    )
    .to_string()
    .into_bytes();
    // Signed for host-b's inbox, then sent to ours, `Host: host-b` and all.
    let theirs = url::Url::parse("http://host-b.example/inbox").unwrap();
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/activity+json"),
    );
    sign_request(
        &axum::http::Method::POST,
        &theirs,
        &mut headers,
        Some(&body),
        &peer.key_id("mallory"),
        &peer.key("mallory"),
        SystemTime::now(),
    )
    .unwrap();
    let mut req = app.http.post(app.url("/inbox")).body(body.clone());
    for (k, v) in &headers {
        req = req.header(k.as_str(), v.as_bytes());
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 400, "{:?}", resp.text().await);

    // Without its Host header the signing string is rebuilt with ours: no match.
    let mut req = app.http.post(app.url("/inbox")).body(body.clone());
    for (k, v) in headers.iter().filter(|(k, _)| k.as_str() != "host") {
        req = req.header(k.as_str(), v.as_bytes());
    }
    assert_eq!(req.send().await.unwrap().status(), 401);
    let stored = inbox_activity::Entity::find()
        .count(&app.inst.store.read)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    assert!(app.notifications(&alice).await.is_empty());
}

#[tokio::test]
async fn an_inbox_reads_only_activitypub_media_types() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let alice_uri = format!("{}/users/alice", app.base);
    let peer = Peer::start(&["zoe"]).await;
    let zoe = peer.actor("zoe");
    let key = peer.key("zoe");
    let mut n = 0;
    let inbox = url::Url::parse(&app.url("/inbox")).unwrap();
    let mut send = async |content_type: Option<&'static str>| {
        n += 1;
        let body = create_note(&zoe, &peer.note_id(&format!("m{n}")), &alice_uri)
            .to_string()
            .into_bytes();
        // Signed with the media type it is sent with (the signature covers it).
        let mut headers = axum::http::HeaderMap::new();
        if let Some(t) = content_type {
            headers.insert("content-type", axum::http::HeaderValue::from_static(t));
        }
        sign_request(
            &axum::http::Method::POST,
            &inbox,
            &mut headers,
            Some(&body),
            &peer.key_id("zoe"),
            &key,
            SystemTime::now(),
        )
        .unwrap();
        let mut req = app.http.post(inbox.as_str()).body(body);
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_bytes());
        }
        let resp = req.send().await.unwrap();
        (
            resp.status().as_u16(),
            resp.text().await.unwrap_or_default(),
        )
    };
    for refused in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let (code, text) = send(refused).await;
        assert_eq!(code, 415, "{refused:?}: {text}");
        let error: Value = serde_json::from_str(&text).unwrap();
        assert!(error["error"].is_string(), "{text}");
    }
    for accepted in [
        Some("application/activity+json"),
        Some("application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""),
        Some("application/json; charset=utf-8"),
    ] {
        let (code, text) = send(accepted).await;
        assert_eq!(code, 202, "{accepted:?}: {text}");
    }
    let stored = inbox_activity::Entity::find()
        .count(&app.inst.store.read)
        .await
        .unwrap();
    assert_eq!(stored, 3, "only the accepted ones");
    let _ = alice;
}

/// Statuses stored (local and remote).
async fn statuses(app: &TestApp) -> u64 {
    status::Entity::find()
        .count(&app.inst.store.read)
        .await
        .unwrap()
}

#[tokio::test]
async fn objects_and_activities_are_bound_to_their_actors_origin() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let alice_uri = format!("{}/users/alice", app.base);
    let own = app.post_status(&alice, "mine").await;
    let own_uri = own["uri"].as_str().unwrap().to_string();
    let peer = Peer::start(&["mallory"]).await;
    let other = Peer::start(&["bob"]).await;
    let mallory = peer.actor("mallory");
    let before = statuses(&app).await;

    let refused = |what: &str, (code, text): (u16, String)| {
        assert_eq!(code, 400, "{what}: {text}");
    };
    // A Create of a note whose id is on another host, or on this server.
    for (n, id) in [
        other.note_id("1"),
        format!("{}/users/alice/statuses/999", app.base),
        own_uri.clone(),
    ]
    .into_iter()
    .enumerate()
    {
        let mut create = create_note(&mallory, &id, &alice_uri);
        create["id"] = json!(format!("{}/activities/create-{n}", peer.base));
        refused(
            &format!("Create of {id}"),
            deliver(&app, &peer, "mallory", &create).await,
        );
        let mut update = create.clone();
        update["type"] = json!("Update");
        update["id"] = json!(format!("{}/activities/update-{n}", peer.base));
        refused(
            &format!("Update of {id}"),
            deliver(&app, &peer, "mallory", &update).await,
        );
    }
    // A note by somebody else, even on the actor's own host.
    let mut forged = create_note(&mallory, &peer.note_id("2"), &alice_uri);
    forged["object"]["attributedTo"] = json!(peer.actor("trent"));
    refused(
        "a note by someone else",
        deliver(&app, &peer, "mallory", &forged).await,
    );
    // A Delete of this server's status, and an Undo of another host's Like.
    let delete = json!({
        "id": format!("{}/activities/delete", peer.base), "type": "Delete",
        "actor": mallory, "object": own_uri,
    });
    refused(
        "Delete of our status",
        deliver(&app, &peer, "mallory", &delete).await,
    );
    let undo = json!({
        "id": format!("{}/activities/undo", peer.base), "type": "Undo", "actor": mallory,
        "object": {"id": format!("{}/likes/1", other.base), "type": "Like",
                   "actor": mallory, "object": own_uri},
    });
    refused(
        "Undo of another host's Like",
        deliver(&app, &peer, "mallory", &undo).await,
    );
    // A Like whose own id is on another host.
    let like = json!({
        "id": format!("{}/likes/2", other.base), "type": "Like",
        "actor": mallory, "object": own_uri,
    });
    refused(
        "a Like from elsewhere",
        deliver(&app, &peer, "mallory", &like).await,
    );
    assert_eq!(statuses(&app).await, before, "nothing stored");
    let mine = app
        .get(
            &format!("/api/v1/statuses/{}", own["id"].as_str().unwrap()),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(mine["content"], own["content"], "our status untouched");

    // An Announce carrying another host's note: the note is fetched from its origin,
    // not taken from the activity.
    let genuine = other.publish_note("3", note(&other.actor("bob"), "", &alice_uri));
    let mut embedded = note(&other.actor("bob"), &genuine, &alice_uri);
    embedded["content"] = json!("<p>forged words</p>");
    let announce = json!({
        "id": format!("{}/activities/announce", peer.base), "type": "Announce",
        "actor": mallory, "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": embedded,
    });
    assert_eq!(deliver(&app, &peer, "mallory", &announce).await.0, 202);
    let stored = eventually("the announced note, fetched from its origin", || async {
        let conn = &app.inst.store.read;
        use sea_orm::{ColumnTrait, QueryFilter};
        status::Entity::find()
            .filter(status::Column::Uri.eq(genuine.clone()))
            .one(conn)
            .await
            .unwrap()
    })
    .await;
    assert!(stored.content.contains("hello"), "{}", stored.content);
    assert!(!stored.content.contains("forged"), "{}", stored.content);
    let author = starling_core::accounts::get(&app.inst, stored.account_id)
        .await
        .unwrap();
    assert_eq!(author.uri, other.actor("bob"), "the author is the origin's");
}

#[tokio::test]
async fn accounts_awaiting_approval_are_nowhere_until_approved() {
    let app = TestApp::builder()
        .config(|c| c.instance.registrations = RegistrationMode::Approval)
        .start()
        .await;
    let admin = app
        .user_with_scopes(
            "admin",
            starling_core::accounts::Role::Admin,
            "read write admin:read admin:write",
        )
        .await;
    let app_token = app.app_token("read write").await;
    app.post_json(
        "/api/v1/accounts",
        Some(&app_token),
        json!({
            "username": "pending",
            "email": "pending@mail.example",
            "password": "long enough password",
            "agreement": true,
        }),
    )
    .await
    .expect(200);
    let id = starling_core::accounts::find_local(&app.inst, "pending")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let peer = Peer::start(&["zoe"]).await;
    let domain = app.inst.domain().to_string();
    let webfinger = format!("/.well-known/webfinger?resource=acct:pending@{domain}");
    let check = async |expected: u16| {
        let finger = app.get(&webfinger, None).await;
        assert_eq!(finger.status, expected, "webfinger: {}", finger.text);
        for path in ["/users/pending", "/@pending"] {
            let doc = get_as(&app, &peer, "zoe", &app.url(path), true).await;
            assert_eq!(doc.status(), expected, "{path}");
        }
        let account = app
            .get(&format!("/api/v1/accounts/{id}"), Some(&admin.token))
            .await;
        assert_eq!(account.status, expected, "client API");
        let lookup = app
            .get("/api/v1/accounts/lookup?acct=pending", Some(&admin.token))
            .await;
        assert_eq!(lookup.status, expected, "lookup");
        let search = app
            .get("/api/v2/search?q=pending&type=accounts", Some(&admin.token))
            .await
            .expect(200);
        assert_eq!(
            search["accounts"].as_array().unwrap().len(),
            usize::from(expected == 200),
            "search: {search}"
        );
        let page = app.get("/@pending", None).await;
        assert_eq!(page.status, expected, "page");
    };
    check(404).await;
    // The personal inbox is not there either.
    let body = create_note(
        &peer.actor("zoe"),
        &peer.note_id("p"),
        &format!("{}/users/pending", app.base),
    )
    .to_string()
    .into_bytes();
    let headers = signed_headers(
        &app,
        &body,
        &peer.key_id("zoe"),
        &peer.key("zoe"),
        SystemTime::now(),
    );
    let resp = app
        .http
        .post(app.url("/users/pending/inbox"))
        .headers(headers)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);

    app.post_json(
        &format!("/api/v1/admin/accounts/{id}/approve"),
        Some(&admin.token),
        json!({}),
    )
    .await
    .expect(200);
    check(200).await;
}

#[tokio::test]
async fn a_suspension_from_any_door_or_process_stops_a_remembered_key() {
    let app = TestApp::start().await;
    let moderator = app
        .user_with_scopes(
            "moderator",
            starling_core::accounts::Role::Moderator,
            "read",
        )
        .await;
    let alice_uri = format!("{}/users/alice", app.base);
    app.user("alice").await;
    let peer = Peer::start(&["mallory", "trent"]).await;
    let n = std::sync::atomic::AtomicUsize::new(0);
    let send = async |name: &str| {
        let n = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let create = create_note(
            &peer.actor(name),
            &peer.note_id(&format!("k{n}")),
            &alice_uri,
        );
        deliver(&app, &peer, name, &create).await.0
    };
    // Verified once: the key is remembered.
    assert_eq!(send("mallory").await, 202);
    assert_eq!(send("trent").await, 202);

    // The moderation page, in this process: refused at once.
    let signed_in = app
        .sign_in_form(&[
            ("email", moderator.email.as_str()),
            ("password", moderator.password.as_str()),
        ])
        .await;
    let cookie = signed_in
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("_starling_session="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();
    let page = app
        .send(
            app.request(reqwest::Method::GET, "/admin/moderation/accounts", None)
                .header("cookie", &cookie),
        )
        .await;
    let token = crate::support::form_input(&page.text, "csrf_token").unwrap();
    let mallory = starling_core::accounts::remote::find_by_uri(&app.inst, &peer.actor("mallory"))
        .await
        .unwrap()
        .unwrap();
    let done = app
        .send(
            app.request(
                reqwest::Method::POST,
                &format!("/admin/moderation/accounts/{}/suspend", mallory.id),
                None,
            )
            .header("cookie", &cookie)
            .form(&[("csrf_token", token.as_str())]),
        )
        .await;
    assert_eq!(done.status.as_u16(), 303, "{}", done.text);
    assert_eq!(send("mallory").await, 403);

    // The command line, another process on the same database: refused within a second
    // or so, and let in again once reinstated.
    let trent = format!("trent@{}", peer.base.trim_start_matches("http://"));
    let (code, _, stderr) = app.cli(&["account", "suspend", &trent]).await;
    assert_eq!(code, 0, "{stderr}");
    eventually("the CLI's suspension to be heard", || async {
        (send("trent").await == 403).then_some(())
    })
    .await;
    let (code, _, stderr) = app.cli(&["account", "unsuspend", &trent]).await;
    assert_eq!(code, 0, "{stderr}");
    eventually("the CLI's reinstatement to be heard", || async {
        (send("trent").await == 202).then_some(())
    })
    .await;
}
