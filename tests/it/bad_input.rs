//! Bad input to the status and timeline endpoints: every failure is a 4xx with
//! Mastodon's `{"error": "…"}` body — never a 500 — and nothing is half-written.

use serde_json::{Value, json};

use crate::support::{TestApp, User};

/// The user's statuses as their account lists them.
async fn own_statuses(app: &TestApp, user: &User) -> Vec<String> {
    TestApp::ids_of(
        &app.get(
            &format!("/api/v1/accounts/{}/statuses", user.id),
            Some(&user.token),
        )
        .await
        .expect(200),
    )
}

/// Asserts that nothing was posted: no statuses, no count, empty home and public.
async fn assert_nothing_posted(app: &TestApp, user: &User) {
    assert_eq!(app.statuses_count(user).await, 0);
    assert_eq!(own_statuses(app, user).await, Vec::<String>::new());
    assert_eq!(
        app.get("/api/v1/timelines/home", Some(&user.token))
            .await
            .expect(200),
        json!([])
    );
    assert_eq!(
        app.get("/api/v1/timelines/public", None).await.expect(200),
        json!([])
    );
}

async fn post_raw(
    app: &TestApp,
    user: &User,
    content_type: &str,
    body: Vec<u8>,
) -> crate::support::Reply {
    app.send(
        app.request(reqwest::Method::POST, "/api/v1/statuses", Some(&user.token))
            .header("content-type", content_type)
            .body(body),
    )
    .await
}

#[tokio::test]
async fn malformed_json_is_a_400_with_an_error() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    for body in [
        &b"{\"status\": \"unterminated"[..],
        b"{status: 'not json'}",
        b"{\"status\": \"x\",}",
        b"[\"an\", \"array\"]",
        b"\"a string\"",
        b"\xff\xfe",
    ] {
        let reply = post_raw(&app, &alice, "application/json", body.to_vec()).await;
        assert!(
            reply.status == 400 || reply.status == 422,
            "{body:?}: {} {}",
            reply.status,
            reply.text
        );
        assert!(reply.json["error"].is_string(), "{body:?}: {}", reply.text);
    }
    assert_nothing_posted(&app, &alice).await;
}

#[tokio::test]
async fn a_body_in_an_unknown_format_is_refused() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    for ct in ["text/plain", "application/xml", "image/png"] {
        let reply = post_raw(&app, &alice, ct, b"status=hello".to_vec()).await;
        assert_eq!(reply.status, 415, "{ct}: {}", reply.text);
        assert!(reply.json["error"].is_string(), "{ct}: {}", reply.text);
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "{ct}"
        );
    }
    // JSON sent as a form is a form with one odd key, and so an empty status.
    let reply = post_raw(
        &app,
        &alice,
        "application/x-www-form-urlencoded",
        br#"{"status":"hello"}"#.to_vec(),
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(reply.json["error"].is_string());
    assert_nothing_posted(&app, &alice).await;
}

#[tokio::test]
async fn a_10_mb_body_is_a_413_with_an_error() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let text = "a".repeat(10 * 1024 * 1024);
    let reply = app
        .post_json(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({ "status": text }),
        )
        .await;
    assert_eq!(
        reply.status,
        413,
        "{}",
        &reply.text[..reply.text.len().min(300)]
    );
    assert!(reply.json["error"].is_string(), "{}", reply.text);
    let form = reply_form(&app, &alice, &text).await;
    assert_eq!(form.status, 413);
    assert!(form.json["error"].is_string(), "{}", form.text);
    assert_nothing_posted(&app, &alice).await;
    // The server is fine afterwards.
    app.post_status(&alice, "still here").await;
}

async fn reply_form(app: &TestApp, user: &User, text: &str) -> crate::support::Reply {
    app.post_form("/api/v1/statuses", Some(&user.token), &[("status", text)])
        .await
}

#[tokio::test]
async fn an_unknown_visibility_is_a_422() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    for v in ["everyone", "PUBLIC", "limited", "1"] {
        let err = app
            .post_json(
                "/api/v1/statuses",
                Some(&alice.token),
                json!({"status": "hi", "visibility": v}),
            )
            .await
            .expect_error(422);
        assert!(err.starts_with("Validation failed"), "{v}: {err}");
    }
    let err = app
        .post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("status", "hi"), ("visibility", "nobody")],
        )
        .await
        .expect_error(422);
    assert!(err.contains("isibility"), "{err}");
    assert_nothing_posted(&app, &alice).await;
}

#[tokio::test]
async fn a_status_over_500_characters_is_a_422() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let err = app
        .post_json(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "x".repeat(501)}),
        )
        .await
        .expect_error(422);
    assert_eq!(
        err,
        "Validation failed: Text character limit of 500 exceeded"
    );
    // The content warning counts too.
    app.post_json(
        "/api/v1/statuses",
        Some(&alice.token),
        json!({"status": "x".repeat(450), "spoiler_text": "y".repeat(51)}),
    )
    .await
    .expect_error(422);
    // Multi-byte characters count as one each: 500 of them are fine, 501 are not.
    app.post_json(
        "/api/v1/statuses",
        Some(&alice.token),
        json!({"status": "é".repeat(501)}),
    )
    .await
    .expect_error(422);
    assert_nothing_posted(&app, &alice).await;

    let ok = app.post_status(&alice, &"é".repeat(500)).await;
    assert_eq!(ok["content"], format!("<p>{}</p>", "é".repeat(500)));
    // A long link counts as 23 characters.
    let long_link = format!(
        "{} https://example.org/{}",
        "x".repeat(470),
        "p".repeat(300)
    );
    app.post_status(&alice, &long_link).await;
    assert_eq!(app.statuses_count(&alice).await, 2);
}

#[tokio::test]
async fn an_empty_status_without_media_is_a_422() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    for body in [
        json!({}),
        json!({"status": ""}),
        json!({"status": "   \n\t "}),
        json!({"status": null}),
        json!({"status": "", "media_ids": []}),
    ] {
        let err = app
            .post_json("/api/v1/statuses", Some(&alice.token), body.clone())
            .await
            .expect_error(422);
        assert_eq!(err, "Validation failed: Text can't be blank", "{body}");
    }
    assert_nothing_posted(&app, &alice).await;
}

#[tokio::test]
async fn unknown_status_ids_are_record_not_found() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let token = Some(alice.token.as_str());
    for id in [
        "1",
        "123456789012345",
        "99999999999999999999999",
        "-5",
        "abc",
        "12abc",
        "%20",
        "😀",
    ] {
        for path in [
            format!("/api/v1/statuses/{id}"),
            format!("/api/v1/statuses/{id}/context"),
        ] {
            let reply = app.get(&path, token).await;
            assert_eq!(reply.expect_error(404), "Record not found", "{path}");
            let reply = app.get(&path, None).await;
            assert_eq!(reply.expect_error(404), "Record not found", "{path}");
        }
        let reply = app.delete(&format!("/api/v1/statuses/{id}"), token).await;
        assert_eq!(reply.expect_error(404), "Record not found", "{id}");
        let reply = app
            .post_json(&format!("/api/v1/statuses/{id}/pin"), token, json!({}))
            .await;
        assert_eq!(reply.expect_error(404), "Record not found", "{id}");
    }
}

#[tokio::test]
async fn unknown_account_ids_are_record_not_found() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    for id in ["424242", "99999999999999999999999", "nobody", "-1"] {
        for path in [
            format!("/api/v1/accounts/{id}"),
            format!("/api/v1/accounts/{id}/statuses"),
            format!("/api/v1/accounts/{id}/followers"),
            format!("/api/v1/accounts/{id}/following"),
        ] {
            assert_eq!(
                app.get(&path, Some(&alice.token)).await.expect_error(404),
                "Record not found",
                "{path}"
            );
        }
        assert_eq!(
            app.post_json(
                &format!("/api/v1/accounts/{id}/unfollow"),
                Some(&alice.token),
                json!({})
            )
            .await
            .expect_error(404),
            "Record not found"
        );
    }
}

#[tokio::test]
async fn replying_to_a_missing_status_is_a_404_with_mastodons_message() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    const MESSAGE: &str = "The post you are trying to reply to does not appear to exist.";
    for id in [json!("123456789"), json!(123456789), json!("not-an-id")] {
        let err = app
            .post_json(
                "/api/v1/statuses",
                Some(&alice.token),
                json!({"status": "reply", "in_reply_to_id": id}),
            )
            .await
            .expect_error(404);
        assert_eq!(err, MESSAGE, "{id}");
    }
    // A status the author may not see is as good as missing.
    let private = app
        .post_status_json(&bob, json!({"status": "secret", "visibility": "private"}))
        .await;
    let err = app
        .post_json(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "reply", "in_reply_to_id": private["id"]}),
        )
        .await
        .expect_error(404);
    assert_eq!(err, MESSAGE);
    // Form bodies too.
    let err = app
        .post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[("status", "reply"), ("in_reply_to_id", "987654321")],
        )
        .await
        .expect_error(404);
    assert_eq!(err, MESSAGE);
    assert_nothing_posted(&app, &alice).await;
}

#[tokio::test]
async fn bad_media_ids_write_nothing() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let media = app.upload_png(&alice).await;
    // One real attachment and one that does not exist: the whole post fails, and the
    // real one is still free to use.
    app.post_json(
        "/api/v1/statuses",
        Some(&alice.token),
        json!({"status": "two", "media_ids": [media["id"], "123456789"]}),
    )
    .await
    .expect_error(422);
    // More than four attachments.
    let mut many: Vec<Value> = Vec::new();
    for _ in 0..5 {
        many.push(app.upload_png(&alice).await["id"].clone());
    }
    app.post_json(
        "/api/v1/statuses",
        Some(&alice.token),
        json!({"status": "five", "media_ids": many}),
    )
    .await
    .expect_error(422);
    assert_nothing_posted(&app, &alice).await;
    let s = app
        .post_status_json(&alice, json!({"status": "one", "media_ids": [media["id"]]}))
        .await;
    assert_eq!(s["media_attachments"][0]["id"], media["id"]);
}

#[tokio::test]
async fn wrongly_typed_values_are_client_errors() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    for body in [
        json!({"status": ["a", "list"]}),
        json!({"status": {"an": "object"}}),
        json!({"status": "x", "sensitive": {"no": 1}}),
        json!({"status": "x", "media_ids": [{"id": 1}]}),
        json!({"status": "x", "poll": {"options": ["a", "b"], "expires_in": 60}}),
    ] {
        let reply = app
            .post_json("/api/v1/statuses", Some(&alice.token), body.clone())
            .await;
        assert!(
            reply.status == 400 || reply.status == 422,
            "{body}: {} {}",
            reply.status,
            reply.text
        );
        assert!(reply.json["error"].is_string(), "{body}: {}", reply.text);
    }
    assert_nothing_posted(&app, &alice).await;
}

#[tokio::test]
async fn bad_paging_parameters_are_client_errors_not_500s() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    app.post_status(&alice, "one").await;
    for query in [
        "limit=abc",
        "max_id=abc",
        "since_id=%00",
        "min_id=1.5",
        "limit=-5",
        "limit=99999999999999999999999",
        "local=maybe&limit=2",
    ] {
        for path in ["/api/v1/timelines/public", "/api/v1/timelines/home"] {
            let reply = app
                .get(&format!("{path}?{query}"), Some(&alice.token))
                .await;
            assert!(
                reply.status.is_success() || reply.status == 400 || reply.status == 422,
                "{path}?{query}: {} {}",
                reply.status,
                reply.text
            );
            if !reply.status.is_success() {
                assert!(
                    reply.json["error"].is_string(),
                    "{path}?{query}: {}",
                    reply.text
                );
            }
        }
    }
    // Mastodon reads a negative limit as its absolute value.
    let list = app
        .get("/api/v1/timelines/public?limit=-1", None)
        .await
        .expect(200);
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn posting_needs_a_token_with_write_scope() {
    let app = TestApp::start().await;
    let reader = app
        .user_with_scopes("reader", starling_core::accounts::Role::User, "read")
        .await;
    app.post_json("/api/v1/statuses", None, json!({"status": "anon"}))
        .await
        .expect_error(401);
    app.post_json(
        "/api/v1/statuses",
        Some("not-a-real-token"),
        json!({"status": "forged"}),
    )
    .await
    .expect_error(401);
    app.post_json(
        "/api/v1/statuses",
        Some(&reader.token),
        json!({"status": "read only"}),
    )
    .await
    .expect_error(403);
    assert_nothing_posted(&app, &reader).await;
}
