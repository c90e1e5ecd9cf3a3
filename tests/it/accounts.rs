//! Accounts: registration (`POST /api/v1/accounts`) in every registration mode and its
//! validation errors, the signed-in user's profile (`verify_credentials`,
//! `update_credentials` with fields and images), looking accounts up, preferences.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use starling_core::config::RegistrationMode;

use crate::support::{TestApp, png_image};

/// `created_at` of an account: the day at midnight, Mastodon's format.
fn assert_midnight_timestamp(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    assert_eq!(s.len(), 24, "{s}");
    assert!(s.ends_with("T00:00:00.000Z"), "{s}");
    assert!(
        chrono::DateTime::parse_from_rfc3339(s).is_ok(),
        "not RFC 3339: {s}"
    );
}

async fn register_json(app: &TestApp, token: &str, body: Value) -> crate::support::Reply {
    app.post_json("/api/v1/accounts", Some(token), body).await
}

fn new_account(username: &str) -> Value {
    json!({
        "username": username,
        "email": format!("{username}@mail.example"),
        "password": "correct horse battery",
        "agreement": true,
        "locale": "en",
    })
}

// ---------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn open_registration_returns_a_token_usable_at_once() {
    let app = TestApp::start().await;
    let app_token = app.app_token("read write follow push").await;
    let token = register_json(&app, &app_token, new_account("newbie"))
        .await
        .expect(200);
    assert_eq!(token["token_type"], "Bearer", "{token}");
    assert_eq!(token["scope"], "read write follow push", "{token}");
    assert!(token["created_at"].is_i64(), "{token}");
    let access = token["access_token"].as_str().unwrap();
    assert!(access.len() >= 32, "{token}");

    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(access))
        .await
        .expect(200);
    assert_eq!(me["username"], "newbie");
    assert_eq!(me["acct"], "newbie");

    let status = app
        .post_json(
            "/api/v1/statuses",
            Some(access),
            json!({ "status": "my first post" }),
        )
        .await
        .expect(200);
    assert_eq!(status["account"]["id"], me["id"]);
    assert_eq!(status["content"], "<p>my first post</p>");

    // The new account signs in with its password too.
    app.password_token("newbie@mail.example", "correct horse battery", "read")
        .await;
}

#[tokio::test]
async fn registration_accepts_a_form_body() {
    let app = TestApp::start().await;
    let app_token = app.app_token("read write").await;
    let token = app
        .post_form(
            "/api/v1/accounts",
            Some(&app_token),
            &[
                ("username", "formuser"),
                ("email", "FormUser@Mail.Example"),
                ("password", "long enough password"),
                ("agreement", "1"),
                ("locale", "de"),
            ],
        )
        .await
        .expect(200);
    let access = token["access_token"].as_str().unwrap();
    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(access))
        .await
        .expect(200);
    assert_eq!(me["username"], "formuser");
    // The address is kept lower-cased and works as a login.
    app.password_token("formuser@mail.example", "long enough password", "read")
        .await;
}

#[tokio::test]
async fn approval_mode_creates_an_account_that_cannot_log_in_yet() {
    let app = TestApp::builder()
        .config(|c| c.instance.registrations = RegistrationMode::Approval)
        .start()
        .await;
    let app_token = app.app_token("read write").await;
    let mut body = new_account("waiting");
    body["reason"] = json!("I would like to join");
    let token = register_json(&app, &app_token, body).await.expect(200);
    let access = token["access_token"].as_str().unwrap().to_string();

    // The token exists but its user may not act yet.
    let err = app
        .get("/api/v1/accounts/verify_credentials", Some(&access))
        .await
        .expect_error(403);
    assert_eq!(err, "Your login is currently pending approval");
    app.post_json(
        "/api/v1/statuses",
        Some(&access),
        json!({"status": "too early"}),
    )
    .await
    .expect_error(403);

    // Password sign-in is refused too.
    let (id, secret) = app.create_app("read").await;
    let refused = app
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("username", "waiting@mail.example"),
                ("password", "correct horse battery"),
            ],
        )
        .await
        .expect(400);
    assert_eq!(refused["error"], "invalid_grant");

    // Nobody else can see the account while it waits.
    app.get("/api/v1/accounts/lookup?acct=waiting", None)
        .await
        .expect_error(404);

    // Once approved, the same token works.
    let local = starling_core::accounts::find_local(&app.inst, "waiting")
        .await
        .unwrap()
        .unwrap();
    app.approve(local.id).await;
    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(&access))
        .await
        .expect(200);
    assert_eq!(me["username"], "waiting");
}

#[tokio::test]
async fn closed_registrations_are_refused() {
    let app = TestApp::builder()
        .config(|c| c.instance.registrations = RegistrationMode::Closed)
        .start()
        .await;
    let app_token = app.app_token("read write").await;
    let err = register_json(&app, &app_token, new_account("nope"))
        .await
        .expect_error(403);
    assert!(!err.is_empty());
    app.get("/api/v1/accounts/lookup?acct=nope", None)
        .await
        .expect_error(404);
}

#[tokio::test]
async fn registration_needs_an_application_token_with_write_scope() {
    let app = TestApp::start().await;
    let err = app
        .post_json("/api/v1/accounts", None, new_account("anon"))
        .await
        .expect_error(401);
    assert_eq!(err, "The access token is invalid");
    let read_only = app.app_token("read").await;
    let err = register_json(&app, &read_only, new_account("anon"))
        .await
        .expect_error(403);
    assert_eq!(err, "This action is outside the authorized scopes");
}

#[tokio::test]
async fn taken_username_is_422_in_mastodons_shape() {
    let app = TestApp::start().await;
    app.user("alice").await;
    let app_token = app.app_token("read write").await;
    for name in ["alice", "ALICE"] {
        let mut body = new_account(name);
        body["email"] = json!(format!("other-{name}@mail.example"));
        let reply = register_json(&app, &app_token, body).await.expect(422);
        assert_eq!(
            reply,
            json!({
                "error": "Validation failed: Username has already been taken",
                "details": {
                    "username": [{"error": "ERR_TAKEN", "description": "has already been taken"}]
                }
            })
        );
    }
    // A taken email address is reported the same way.
    let mut body = new_account("alice2");
    body["email"] = json!("Alice@Example.com");
    let reply = register_json(&app, &app_token, body).await.expect(422);
    assert_eq!(
        reply,
        json!({
            "error": "Validation failed: Email has already been taken",
            "details": {
                "email": [{"error": "ERR_TAKEN", "description": "has already been taken"}]
            }
        })
    );
}

#[tokio::test]
async fn invalid_username_email_and_short_password_are_422() {
    let app = TestApp::start().await;
    let app_token = app.app_token("read write").await;

    let mut body = new_account("x");
    body["username"] = json!("not valid!");
    let reply = register_json(&app, &app_token, body).await.expect(422);
    assert_eq!(
        reply["details"]["username"],
        json!([{"error": "ERR_INVALID", "description": "must contain only letters, numbers and underscores"}]),
        "{reply}"
    );
    assert_eq!(
        reply["error"],
        "Validation failed: Username must contain only letters, numbers and underscores"
    );

    let mut body = new_account("admin");
    body["username"] = json!("admin");
    let reply = register_json(&app, &app_token, body).await.expect(422);
    assert_eq!(reply["details"]["username"][0]["error"], "ERR_RESERVED");

    let mut body = new_account("bademail");
    body["email"] = json!("not-an-address");
    let reply = register_json(&app, &app_token, body).await.expect(422);
    assert_eq!(
        reply,
        json!({
            "error": "Validation failed: Email is invalid",
            "details": {"email": [{"error": "ERR_INVALID", "description": "is invalid"}]}
        })
    );

    let mut body = new_account("shortpw");
    body["password"] = json!("short");
    let reply = register_json(&app, &app_token, body).await.expect(422);
    assert_eq!(
        reply,
        json!({
            "error": "Validation failed: Password is too short (minimum is 8 characters)",
            "details": {"password": [{"error": "ERR_TOO_SHORT", "description": "is too short (minimum is 8 characters)"}]}
        })
    );

    // Several problems at once, in a form body: every field is reported.
    let reply = app
        .post_form(
            "/api/v1/accounts",
            Some(&app_token),
            &[
                ("username", ""),
                ("email", "nope"),
                ("password", "123"),
                ("agreement", "true"),
            ],
        )
        .await
        .expect(422);
    let details = reply["details"].as_object().unwrap();
    assert_eq!(details["username"][0]["error"], "ERR_BLANK", "{reply}");
    assert_eq!(details["email"][0]["error"], "ERR_INVALID", "{reply}");
    assert_eq!(details["password"][0]["error"], "ERR_TOO_SHORT", "{reply}");
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .starts_with("Validation failed: Username can't be blank, "),
        "{reply}"
    );

    // None of it created an account.
    for name in ["bademail", "shortpw"] {
        app.get(&format!("/api/v1/accounts/lookup?acct={name}"), None)
            .await
            .expect_error(404);
    }
}

#[tokio::test]
async fn missing_agreement_is_422_with_every_problem() {
    let app = TestApp::start().await;
    let app_token = app.app_token("read write").await;
    let mut body = new_account("noagree");
    body.as_object_mut().unwrap().remove("agreement");
    let reply = register_json(&app, &app_token, body).await.expect(422);
    assert_eq!(
        reply,
        json!({
            "error": "Validation failed: Agreement must be accepted",
            "details": {"agreement": [{"error": "ERR_ACCEPTED", "description": "must be accepted"}]}
        })
    );
    let reply = app
        .post_form(
            "/api/v1/accounts",
            Some(&app_token),
            &[
                ("username", "noagree"),
                ("email", "bad"),
                ("password", "long enough password"),
                ("agreement", "false"),
            ],
        )
        .await
        .expect(422);
    assert_eq!(reply["details"]["agreement"][0]["error"], "ERR_ACCEPTED");
    assert_eq!(reply["details"]["email"][0]["error"], "ERR_INVALID");
    app.get("/api/v1/accounts/lookup?acct=noagree", None)
        .await
        .expect_error(404);
}

// ---------------------------------------------------------------------------------
// The signed-in user's own account
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn verify_credentials_is_a_credential_account_with_source() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(me["id"], alice.id.as_str());
    assert!(me["id"].as_str().unwrap().parse::<i64>().is_ok());
    assert_eq!(me["username"], "alice");
    assert_eq!(me["acct"], "alice");
    assert_eq!(me["display_name"], "");
    assert_eq!(me["locked"], false);
    assert_eq!(me["bot"], false);
    assert_eq!(me["group"], false);
    assert_eq!(me["discoverable"], true);
    assert_eq!(me["note"], "");
    assert_eq!(me["url"], format!("{}/@alice", app.base));
    assert_eq!(me["uri"], format!("{}/users/alice", app.base));
    assert_midnight_timestamp(&me["created_at"]);
    for key in ["avatar", "avatar_static", "header", "header_static"] {
        let url = me[key].as_str().unwrap();
        assert!(url.starts_with(&app.base), "{key}: {url}");
    }
    assert_eq!(me["followers_count"], 0);
    assert_eq!(me["following_count"], 0);
    assert_eq!(me["statuses_count"], 0);
    assert_eq!(me["last_status_at"], Value::Null);
    assert_eq!(me["emojis"], json!([]));
    assert_eq!(me["fields"], json!([]));
    let source = &me["source"];
    assert_eq!(source["privacy"], "public", "{me}");
    assert_eq!(source["sensitive"], false);
    assert_eq!(source["language"], Value::Null);
    assert_eq!(source["note"], "");
    assert_eq!(source["fields"], json!([]));
    assert_eq!(source["follow_requests_count"], 0);
    assert!(me["role"]["permissions"].is_string(), "{me}");

    // Posting moves the counters.
    app.post_status(&alice, "hello").await;
    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(me["statuses_count"], 1);
    assert!(me["last_status_at"].as_str().unwrap().len() == 10, "{me}");
}

#[tokio::test]
async fn update_credentials_with_a_form_body() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    app.user("bob").await;
    let me = app
        .patch_form(
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            &[
                ("display_name", "Alice Liddell"),
                ("note", "Down the #rabbit hole with @bob\n\nSecond <para>"),
                ("locked", "true"),
                ("bot", "1"),
                ("discoverable", "false"),
                ("fields_attributes[0][name]", "Website"),
                ("fields_attributes[0][value]", "https://alice.example"),
                ("fields_attributes[1][name]", "Pronouns"),
                ("fields_attributes[1][value]", "she/her"),
            ],
        )
        .await
        .expect(200);
    assert_eq!(me["display_name"], "Alice Liddell");
    let note = me["note"].as_str().unwrap();
    assert!(note.starts_with("<p>Down the <a href=\""), "{note}");
    assert!(note.contains("class=\"mention hashtag\""), "{note}");
    assert!(note.contains("class=\"u-url mention\""), "{note}");
    assert!(note.contains(&format!("{}/@bob", app.base)), "{note}");
    assert!(note.ends_with("</p><p>Second &lt;para&gt;</p>"), "{note}");
    assert_eq!(
        me["source"]["note"],
        "Down the #rabbit hole with @bob\n\nSecond <para>"
    );
    assert_eq!(me["locked"], true);
    assert_eq!(me["bot"], true);
    assert_eq!(me["discoverable"], false);
    let fields = me["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 2, "{me}");
    assert_eq!(fields[0]["name"], "Website");
    let website = fields[0]["value"].as_str().unwrap();
    assert!(
        website.starts_with("<a href=\"https://alice.example\""),
        "{website}"
    );
    assert!(
        website.contains("rel=\"nofollow noopener me\""),
        "{website}"
    );
    assert_eq!(fields[0]["verified_at"], Value::Null);
    assert_eq!(
        fields[1],
        json!({"name": "Pronouns", "value": "she/her", "verified_at": null})
    );
    assert_eq!(
        me["source"]["fields"][0],
        json!({"name": "Website", "value": "https://alice.example", "verified_at": null})
    );

    // Others see the same profile.
    let public = app
        .get(&format!("/api/v1/accounts/{}", alice.id), None)
        .await
        .expect(200);
    assert_eq!(public["display_name"], "Alice Liddell");
    assert_eq!(public["note"], me["note"]);
    assert_eq!(public["locked"], true);
    assert_eq!(public["bot"], true);
    assert_eq!(public["fields"], me["fields"]);
    assert!(public.get("source").is_none(), "{public}");

    // Fields left out stay; `false` flips booleans back.
    let me = app
        .patch_form(
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            &[("locked", "false")],
        )
        .await
        .expect(200);
    assert_eq!(me["locked"], false);
    assert_eq!(me["display_name"], "Alice Liddell");
    assert_eq!(me["fields"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn update_credentials_with_a_json_body() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let me = app
        .patch_json(
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            json!({
                "display_name": "<b>Alice</b>",
                "note": "line one\nline two",
                "bot": true,
                "locked": false,
                "discoverable": true,
                "fields_attributes": [
                    {"name": "One", "value": "1"},
                    {"name": "Two", "value": "2"},
                ],
                "source": {"privacy": "unlisted", "sensitive": true, "language": "de"},
            }),
        )
        .await
        .expect(200);
    // The display name is plain text, kept as typed.
    assert_eq!(me["display_name"], "<b>Alice</b>");
    assert_eq!(me["note"], "<p>line one<br />line two</p>");
    assert_eq!(me["bot"], true);
    let names: Vec<&str> = me["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["One", "Two"]);
    assert_eq!(me["source"]["privacy"], "unlisted");
    assert_eq!(me["source"]["sensitive"], true);
    assert_eq!(me["source"]["language"], "de");

    // The object form Rails clients send works in JSON as well, in the order sent.
    let me = app
        .patch_json(
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            json!({
                "fields_attributes": {
                    "1": {"name": "Second", "value": "b"},
                    "0": {"name": "First", "value": "a"},
                },
            }),
        )
        .await
        .expect(200);
    assert_eq!(
        me["fields"],
        json!([
            {"name": "Second", "value": "b", "verified_at": null},
            {"name": "First", "value": "a", "verified_at": null},
        ])
    );

    // Preferences follow the source block.
    let prefs = app
        .get("/api/v1/preferences", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(prefs["posting:default:visibility"], "unlisted");
    assert_eq!(prefs["posting:default:sensitive"], true);
    assert_eq!(prefs["posting:default:language"], "de");
}

#[tokio::test]
async fn update_credentials_rejects_invalid_values() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let long_name = "x".repeat(31);
    let err = app
        .patch_json(
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            json!({"display_name": long_name}),
        )
        .await
        .expect_error(422);
    assert!(err.starts_with("Validation failed: Display name"), "{err}");
    let fields: Vec<Value> = (0..5)
        .map(|i| json!({"name": format!("n{i}"), "value": "v"}))
        .collect();
    app.patch_json(
        "/api/v1/accounts/update_credentials",
        Some(&alice.token),
        json!({"fields_attributes": fields}),
    )
    .await
    .expect_error(422);
    app.patch_json(
        "/api/v1/accounts/update_credentials",
        Some(&alice.token),
        json!({"source": {"privacy": "direct"}}),
    )
    .await
    .expect_error(422);
    // Nothing changed.
    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(me["display_name"], "");
    assert_eq!(me["fields"], json!([]));
    assert_eq!(me["source"]["privacy"], "public");
}

async fn upload_images(app: &TestApp, token: &str, form: Form) -> crate::support::Reply {
    app.send(
        app.request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(token),
        )
        .multipart(form),
    )
    .await
}

fn png_part(bytes: Vec<u8>, name: &str) -> Part {
    Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str("image/png")
        .unwrap()
}

#[tokio::test]
async fn avatar_and_header_upload_as_multipart() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let before = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect(200);
    let form = Form::new()
        .text("display_name", "Pictured")
        .part(
            "avatar",
            png_part(png_image(64, 48, [200, 30, 30]), "me.png"),
        )
        .part(
            "header",
            png_part(png_image(300, 100, [30, 30, 200]), "header.png"),
        );
    let me = upload_images(&app, &alice.token, form).await.expect(200);
    assert_eq!(me["display_name"], "Pictured");
    for key in ["avatar", "header"] {
        let url = me[key].as_str().unwrap();
        assert_ne!(url, before[key].as_str().unwrap(), "{key} unchanged");
        assert!(url.starts_with(&format!("{}/media/", app.base)), "{url}");
        assert_eq!(me[format!("{key}_static")], me[key]);
        // The stored file is served and is an image.
        let path = url.strip_prefix(&app.base).unwrap();
        let file = app.send(app.http.get(app.url(path))).await;
        assert_eq!(file.status.as_u16(), 200, "{url}");
        let ct = file.header("content-type").unwrap_or_default().to_string();
        assert!(ct.starts_with("image/"), "{url}: {ct}");
    }
    let avatar = app
        .http
        .get(
            app.url(
                me["avatar"]
                    .as_str()
                    .unwrap()
                    .strip_prefix(&app.base)
                    .unwrap(),
            ),
        )
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(avatar.starts_with(b"\x89PNG"), "avatar is not a PNG");

    // The account entity everyone sees has the new images.
    let public = app
        .get(&format!("/api/v1/accounts/{}", alice.id), None)
        .await
        .expect(200);
    assert_eq!(public["avatar"], me["avatar"]);
    assert_eq!(public["header"], me["header"]);
}

#[tokio::test]
async fn non_image_and_too_large_uploads_are_422() {
    let app = TestApp::builder()
        .config(|c| c.limits.max_avatar_bytes = 64 * 1024)
        .start()
        .await;
    let alice = app.user("alice").await;
    let before = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect(200);

    let not_image = Form::new().text("display_name", "Should not stick").part(
        "avatar",
        Part::bytes(b"this is plain text, not a picture".to_vec())
            .file_name("evil.png")
            .mime_str("image/png")
            .unwrap(),
    );
    let err = upload_images(&app, &alice.token, not_image)
        .await
        .expect_error(422);
    assert!(err.starts_with("Validation failed: Avatar "), "{err}");

    // 200x200 RGB uncompressed is ~120 KB, over the 64 KB limit.
    let big = png_image(200, 200, [1, 2, 3]);
    assert!(big.len() > 64 * 1024);
    let err = upload_images(
        &app,
        &alice.token,
        Form::new().part("header", png_part(big, "big.png")),
    )
    .await
    .expect_error(422);
    assert!(
        err.starts_with("Validation failed: Header is too large"),
        "{err}"
    );

    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(me["avatar"], before["avatar"]);
    assert_eq!(me["header"], before["header"]);
    assert_eq!(me["display_name"], "", "a failed update changes nothing");
}

// ---------------------------------------------------------------------------------
// Looking accounts up
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn show_account_by_id() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let shown = app
        .get(&format!("/api/v1/accounts/{}", alice.id), None)
        .await
        .expect(200);
    assert_eq!(shown["id"], alice.id.as_str());
    assert_eq!(shown["username"], "alice");
    assert_eq!(shown["acct"], "alice");
    assert_midnight_timestamp(&shown["created_at"]);
    assert!(shown.get("source").is_none());
    assert!(shown.get("role").is_none());
    // Signed in, the same entity.
    let as_bob = app
        .get(&format!("/api/v1/accounts/{}", alice.id), Some(&bob.token))
        .await
        .expect(200);
    assert_eq!(as_bob, shown);

    for id in ["1", "999999999999", "not-an-id"] {
        let reply = app.get(&format!("/api/v1/accounts/{id}"), None).await;
        assert_eq!(reply.status.as_u16(), 404, "{id}: {}", reply.text);
        assert_eq!(reply.json, json!({"error": "Record not found"}));
    }
    // A bad token is not ignored.
    app.get(&format!("/api/v1/accounts/{}", alice.id), Some("garbage"))
        .await
        .expect_error(401);
}

#[tokio::test]
async fn lookup_by_acct() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let domain = app.inst.domain().to_string();
    for acct in [
        "alice".to_string(),
        "@alice".to_string(),
        "ALICE".to_string(),
        format!("alice@{domain}"),
        format!("@alice@{domain}"),
    ] {
        let q = url::form_urlencoded::byte_serialize(acct.as_bytes()).collect::<String>();
        let found = app
            .get(&format!("/api/v1/accounts/lookup?acct={q}"), None)
            .await
            .expect(200);
        assert_eq!(found["id"], alice.id.as_str(), "{acct}");
        assert_eq!(found["acct"], "alice");
    }
    let reply = app.get("/api/v1/accounts/lookup?acct=nobody", None).await;
    assert_eq!(reply.status.as_u16(), 404);
    assert_eq!(reply.json, json!({"error": "Record not found"}));
    app.get("/api/v1/accounts/lookup?acct=alice@unknown.example", None)
        .await
        .expect_error(404);
}

#[tokio::test]
async fn preferences_have_mastodons_keys() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let prefs = app
        .get("/api/v1/preferences", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(prefs["posting:default:visibility"], "public");
    assert_eq!(prefs["posting:default:sensitive"], false);
    assert_eq!(prefs["posting:default:language"], Value::Null);
    assert_eq!(prefs["reading:expand:media"], "default");
    assert_eq!(prefs["reading:expand:spoilers"], false);
    app.get("/api/v1/preferences", None).await.expect_error(401);
}

#[tokio::test]
async fn fields_keep_the_order_they_were_sent_in() {
    // Mastodon: "the integer index does not actually matter -- fields will be populated
    // by the order in which they are provided".
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let body = r#"{"fields_attributes": {
        "420": {"name": "1st", "value": "field"},
        "69": {"name": "2nd", "value": "field"},
        "1312": {"name": "3rd", "value": "field"},
        "-99999999999999999999999999999999": {"name": "4th", "value": "field"}
    }}"#;
    let me = app
        .send(
            app.request(
                Method::PATCH,
                "/api/v1/accounts/update_credentials",
                Some(&alice.token),
            )
            .header("content-type", "application/json")
            .body(body),
        )
        .await
        .expect(200);
    let names: Vec<&str> = me["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["1st", "2nd", "3rd", "4th"]);

    // The same in a form body.
    let me = app
        .patch_form(
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            &[
                ("fields_attributes[5][name]", "five"),
                ("fields_attributes[5][value]", "5"),
                ("fields_attributes[1][name]", "one"),
                ("fields_attributes[1][value]", "1"),
            ],
        )
        .await
        .expect(200);
    let names: Vec<&str> = me["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["five", "one"]);

    // Rails' `fields_attributes[][name]` form, and blank pairs dropped.
    let me = app
        .patch_form(
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            &[
                ("fields_attributes[][name]", "a"),
                ("fields_attributes[][value]", "1"),
                ("fields_attributes[][name]", ""),
                ("fields_attributes[][value]", ""),
                ("fields_attributes[][name]", "b"),
                ("fields_attributes[][value]", "2"),
            ],
        )
        .await
        .expect(200);
    assert_eq!(
        me["fields"],
        json!([
            {"name": "a", "value": "1", "verified_at": null},
            {"name": "b", "value": "2", "verified_at": null},
        ])
    );
}

/// Width and height from a PNG's IHDR.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

#[tokio::test]
async fn avatars_are_cropped_square_and_replaced_files_removed() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let form = Form::new()
        .text("fields_attributes[0][name]", "Multipart")
        .text("fields_attributes[0][value]", "works")
        .text("locked", "true")
        .part("avatar", png_part(png_image(80, 40, [9, 9, 9]), "a.png"));
    let me = upload_images(&app, &alice.token, form).await.expect(200);
    assert_eq!(me["locked"], true);
    assert_eq!(me["fields"][0]["name"], "Multipart");
    let first = me["avatar"].as_str().unwrap().to_string();
    let path = first.strip_prefix(&app.base).unwrap().to_string();
    let bytes = app
        .http
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(png_size(&bytes), (40, 40));

    // A big avatar is scaled down to 400x400.
    let me = upload_images(
        &app,
        &alice.token,
        Form::new().part("avatar", png_part(png_image(800, 600, [1, 1, 1]), "b.png")),
    )
    .await
    .expect(200);
    let second = me["avatar"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    let bytes = app
        .http
        .get(app.url(second.strip_prefix(&app.base).unwrap()))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(png_size(&bytes), (400, 400));
    // The first file is gone.
    let old = app.get(&path, None).await;
    assert_eq!(old.status.as_u16(), 404, "{path}");
}

#[tokio::test]
async fn an_avatar_over_the_default_limit_is_422_not_413() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    // ~2.4 MB, over the default 2 MB avatar limit and the 1 MB general body limit.
    let big = png_image(920, 920, [5, 6, 7]);
    assert!(big.len() > 2 * 1024 * 1024);
    let err = upload_images(
        &app,
        &alice.token,
        Form::new().part("avatar", png_part(big, "big.png")),
    )
    .await
    .expect_error(422);
    assert!(
        err.starts_with("Validation failed: Avatar is too large"),
        "{err}"
    );
}

#[tokio::test]
async fn too_long_username_is_422() {
    let app = TestApp::start().await;
    let app_token = app.app_token("read write").await;
    let name = "a".repeat(31);
    let reply = register_json(&app, &app_token, new_account(&name))
        .await
        .expect(422);
    assert_eq!(
        reply["details"]["username"],
        json!([{"error": "ERR_TOO_LONG", "description": "is too long (maximum is 30 characters)"}])
    );
    // 30 is fine.
    register_json(&app, &app_token, new_account(&"b".repeat(30)))
        .await
        .expect(200);
}

#[tokio::test]
async fn the_documented_registration_error_example() {
    // The example response of Mastodon's documentation for POST /api/v1/accounts.
    let app = TestApp::start().await;
    let app_token = app.app_token("read write").await;
    let reply = app
        .post_form(
            "/api/v1/accounts",
            Some(&app_token),
            &[
                ("username", "not valid!"),
                ("email", "docs@mail.example"),
                ("password", ""),
                ("locale", "en"),
            ],
        )
        .await
        .expect(422);
    assert_eq!(
        reply,
        json!({
            "error": "Validation failed: Password can't be blank, Username must contain only letters, numbers and underscores, Agreement must be accepted",
            "details": {
                "password": [{"error": "ERR_BLANK", "description": "can't be blank"}],
                "username": [{"error": "ERR_INVALID", "description": "must contain only letters, numbers and underscores"}],
                "agreement": [{"error": "ERR_ACCEPTED", "description": "must be accepted"}]
            }
        })
    );
}

#[tokio::test]
async fn an_unsupported_locale_is_err_inclusion() {
    let app = TestApp::start().await;
    let app_token = app.app_token("read write").await;
    let mut body = new_account("klingon");
    body["locale"] = json!("not a locale");
    let reply = register_json(&app, &app_token, body).await.expect(422);
    assert_eq!(
        reply,
        json!({
            "error": "Validation failed: Locale is not included in the list",
            "details": {"locale": [{"error": "ERR_INCLUSION", "description": "is not included in the list"}]}
        })
    );
}

/// The body of a PEM block, base64-decoded length in bytes.
fn pem_der_len(pem: &str, label: &str) -> usize {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    assert!(
        pem.starts_with(&format!("-----BEGIN {label}-----")),
        "not a {label} PEM: {pem}"
    );
    let padding = body.chars().rev().take_while(|c| *c == '=').count();
    body.len() / 4 * 3 - padding
}

#[tokio::test]
async fn every_account_gets_its_own_rsa_2048_key_pair_in_standard_pem() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let a = starling_core::accounts::find_local(&app.inst, &alice.username)
        .await
        .unwrap()
        .unwrap();
    let b = starling_core::accounts::find_local(&app.inst, &bob.username)
        .await
        .unwrap()
        .unwrap();
    // An RSA-2048 SubjectPublicKeyInfo is 294 bytes; its PKCS#8 private key ~1,190.
    assert_eq!(pem_der_len(&a.public_key_pem, "PUBLIC KEY"), 294);
    let private = a
        .private_key_pem
        .as_deref()
        .expect("local accounts keep a private key");
    let private_len = pem_der_len(private, "PRIVATE KEY");
    assert!((1100..1300).contains(&private_len), "{private_len}");
    assert_ne!(a.public_key_pem, b.public_key_pem);
}
