//! The signed-in user's own account: `verify_credentials`, `update_credentials` with
//! fields, and preferences.

use reqwest::Method;
use serde_json::{Value, json};

use super::assert_midnight_timestamp;
use crate::support::TestApp;

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
