//! `GET /api/v1/instance`, `GET /api/v2/instance` and the instance's side endpoints.
//! Apps believe what the instance entity claims, so every claim is checked against what
//! is served: the version and API version clients switch features on by, the streaming
//! server, the push key, and the limits.

use serde_json::{Value, json};
use starling_core::config::RegistrationMode;

use crate::support::{TestApp, png_bytes};

/// `major.minor` of the leading version in `version` (`4.2.0 (compatible; …)`).
fn version_of(version: &str) -> (u64, u64) {
    let first = version.split_whitespace().next().unwrap_or_default();
    let parts: Vec<u64> = first.split('.').map(|p| p.parse().unwrap()).collect();
    assert_eq!(parts.len(), 3, "not a three-part version: {version:?}");
    (parts[0], parts[1])
}

/// Whether `path` is served to a signed-in user (anything but a 404 or 405).
async fn served(app: &TestApp, token: &str, path: &str) -> bool {
    let reply = app.get(path, Some(token)).await;
    !matches!(reply.status.as_u16(), 404 | 405)
}

#[tokio::test]
async fn every_claim_of_the_instance_entity_is_served() {
    let app = TestApp::builder()
        .config(|c| {
            c.limits.max_post_chars = 30;
            c.limits.max_media_attachments = 2;
            c.limits.max_image_bytes = 4096;
        })
        .start()
        .await;
    let alice = app.user("alice").await;
    let token = alice.token.as_str();
    let v2 = app.get("/api/v2/instance", None).await.expect(200);
    let v1 = app.get("/api/v1/instance", None).await.expect(200);
    let version = v2["version"].as_str().unwrap();
    assert!(version.contains("(compatible; Starling "), "{version:?}");
    assert_eq!(v1["version"], v2["version"]);
    let at_least = |v: (u64, u64)| version_of(version) >= v;
    let api = match &v2["api_versions"] {
        Value::Null => 0,
        versions => versions["mastodon"]
            .as_u64()
            .unwrap_or_else(|| panic!("api_versions without a number: {versions}")),
    };

    // What clients turn on by the version (Ice Cubes, Phanpy, Mastodon.py) and by
    // `api_versions` (Phanpy, the official Android app), and what shows it is there.
    let gated: [(&str, bool, &str); 7] = [
        (
            "grouped notifications",
            api >= 2 || at_least((4, 3)),
            "/api/v2/notifications",
        ),
        (
            "notification policy",
            api >= 2 || at_least((4, 3)),
            "/api/v2/notifications/policy",
        ),
        (
            "notification requests",
            at_least((4, 3)),
            "/api/v1/notifications/requests",
        ),
        ("markers", at_least((3, 0)), "/api/v1/markers"),
        (
            "filters v2",
            api >= 5 || at_least((4, 0)),
            "/api/v2/filters",
        ),
        ("endorsements", at_least((4, 4)), "/api/v1/endorsements"),
        ("quotes", api >= 7, "/api/v1/statuses/1/quotes"),
    ];
    for (feature, claimed, path) in gated {
        if claimed {
            assert!(
                served(&app, token, path).await,
                "{version} claims {feature}: {path}"
            );
        }
    }

    // A streaming server is named only if it answers; otherwise nothing to retry.
    let streaming = &v2["configuration"]["urls"]["streaming"];
    assert!(v2["configuration"]["urls"].is_object(), "{v2}");
    match streaming.as_str() {
        Some(url) => {
            assert!(url.starts_with("ws"), "{url}");
            let health = app.get("/api/v1/streaming/health", None).await;
            assert_eq!(health.status.as_u16(), 200, "streaming claimed at {url}");
        }
        None => {
            assert!(streaming.is_null(), "{streaming}");
            assert!(v1["urls"]["streaming_api"].is_null(), "{v1}");
            let socket = app.get("/api/v1/streaming", Some(token)).await;
            assert_eq!(socket.status.as_u16(), 404, "an unclaimed socket answers");
        }
    }

    // A push key is given only if push subscriptions are served.
    let vapid = v2["configuration"]["vapid"]["public_key"]
        .as_str()
        .unwrap_or_default();
    let created = app
        .post_form(
            "/api/v1/apps",
            None,
            &[
                ("client_name", "x"),
                ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
            ],
        )
        .await
        .expect(200);
    if vapid.is_empty() {
        assert!(created["vapid_key"].is_null(), "{created}");
        assert!(!served(&app, token, "/api/v1/push/subscription").await);
    } else {
        assert!(served(&app, token, "/api/v1/push/subscription").await);
    }

    // The limits are the ones in force.
    let statuses = &v2["configuration"]["statuses"];
    let max = statuses["max_characters"].as_u64().unwrap() as usize;
    assert_eq!(max, 30);
    let post = |text: String| {
        let app = &app;
        async move {
            app.post_json("/api/v1/statuses", Some(token), json!({"status": text}))
                .await
        }
    };
    post("a".repeat(max)).await.expect(200);
    post("a".repeat(max + 1)).await.expect_error(422);
    let media_max = statuses["max_media_attachments"].as_u64().unwrap() as usize;
    assert_eq!(media_max, 2);
    let mut media = Vec::new();
    for _ in 0..=media_max {
        media.push(app.upload_png(&alice).await["id"].clone());
    }
    app.post_status_json(
        &alice,
        json!({"status": "two", "media_ids": &media[..media_max]}),
    )
    .await;
    let more = app
        .post_json(
            "/api/v1/statuses",
            Some(token),
            json!({"status": "three", "media_ids": media}),
        )
        .await;
    more.expect_error(422);

    let attachments = &v2["configuration"]["media_attachments"];
    assert_eq!(attachments["image_size_limit"], 4096);
    let big = reqwest::multipart::Part::bytes(png_bytes(64, 64))
        .file_name("big.png")
        .mime_str("image/png")
        .unwrap();
    let refused = app
        .send(
            app.request(reqwest::Method::POST, "/api/v2/media", Some(token))
                .multipart(reqwest::multipart::Form::new().part("file", big)),
        )
        .await;
    assert!(
        matches!(refused.status.as_u16(), 413 | 422),
        "an image over the limit: {}",
        refused.status
    );
    for kind in attachments["supported_mime_types"].as_array().unwrap() {
        assert!(
            kind.as_str().unwrap().starts_with("image/"),
            "only images are decoded: {kind}"
        );
    }
    assert_eq!(attachments["video_size_limit"], 0, "no video is taken");

    // Polls: none may be created, and the entity says so.
    assert_eq!(v2["configuration"]["polls"]["max_options"], 0);
    let poll = app
        .post_json(
            "/api/v1/statuses",
            Some(token),
            json!({"status": "poll", "poll": {"options": ["a", "b"], "expires_in": 600}}),
        )
        .await;
    poll.expect_error(422);
    // Translation: off, and not served.
    assert_eq!(v2["configuration"]["translation"]["enabled"], false);
    let s = app.post_status(&alice, "bonjour").await;
    let translated = app
        .post_json(
            &format!("/api/v1/statuses/{}/translate", s["id"].as_str().unwrap()),
            Some(token),
            json!({}),
        )
        .await;
    assert!(!translated.status.is_success(), "{}", translated.text);

    // Featured tags: none may be featured.
    assert_eq!(v2["configuration"]["accounts"]["max_featured_tags"], 0);
    let feature = app
        .post_json("/api/v1/featured_tags", Some(token), json!({"name": "x"}))
        .await;
    assert!(
        matches!(feature.status.as_u16(), 404 | 405 | 422),
        "{}",
        feature.status
    );
    // Pins: as many as claimed.
    let pins = v2["configuration"]["accounts"]["max_pinned_statuses"]
        .as_u64()
        .unwrap();
    let mut pinned = 0;
    loop {
        let s = app.post_status(&alice, &format!("pin {pinned}")).await;
        let reply = app
            .post_json(
                &format!("/api/v1/statuses/{}/pin", s["id"].as_str().unwrap()),
                Some(token),
                json!({}),
            )
            .await;
        if reply.status.as_u16() != 200 {
            assert_eq!(reply.status.as_u16(), 422);
            break;
        }
        pinned += 1;
        assert!(pinned <= pins, "more pins than claimed");
    }
    assert_eq!(pinned, pins, "fewer pins than claimed");
}

#[tokio::test]
async fn registrations_are_as_claimed() {
    for mode in [
        RegistrationMode::Open,
        RegistrationMode::Approval,
        RegistrationMode::Closed,
    ] {
        let app = TestApp::builder()
            .config(move |c| c.instance.registrations = mode)
            .start()
            .await;
        let v2 = app.get("/api/v2/instance", None).await.expect(200);
        let token = app.app_token("read write").await;
        let reply = app
            .post_json(
                "/api/v1/accounts",
                Some(&token),
                json!({"username": "newcomer", "email": "new@mail.example",
                       "password": "long enough password", "agreement": true}),
            )
            .await;
        let enabled = v2["registrations"]["enabled"].as_bool().unwrap();
        assert_eq!(
            reply.status.is_success(),
            enabled,
            "{mode:?}: {}",
            reply.text
        );
        assert_eq!(
            v2["registrations"]["approval_required"].as_bool().unwrap(),
            mode == RegistrationMode::Approval
        );
    }
}

#[tokio::test]
async fn trailing_slashes_are_accepted() {
    let app = TestApp::start().await;
    let v1 = app.get("/api/v1/instance/", None).await.expect(200);
    assert_eq!(v1["uri"], app.inst.domain());
    let v2 = app.get("/api/v2/instance/", None).await.expect(200);
    assert_eq!(v2["domain"], app.inst.domain());
    assert_eq!(v2["title"], "Starling test");
}
