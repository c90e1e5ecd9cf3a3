//! WebFinger, host-meta, NodeInfo and ActivityPub documents with content negotiation.

use serde_json::Value;

use crate::support::TestApp;

const AP: &str = "application/activity+json";

async fn get_ap(app: &TestApp, path: &str) -> (u16, Value, String) {
    let resp = app
        .http
        .get(app.url(path))
        .header("accept", AP)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::Null),
        ct,
    )
}

#[tokio::test]
async fn webfinger_finds_local_accounts_by_address_and_actor_url() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let domain = app.inst.domain().to_string();
    let actor = format!("{}/users/alice", app.base);
    for resource in [
        format!("acct:alice@{domain}"),
        format!("alice@{domain}"),
        actor.clone(),
    ] {
        let path = format!(
            "/.well-known/webfinger?resource={}",
            super::url_escape(&resource)
        );
        let resp = app.http.get(app.url(&path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{resource}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/jrd+json")
        );
        let jrd: Value = resp.json().await.unwrap();
        assert_eq!(jrd["subject"], format!("acct:alice@{domain}"));
        let links = jrd["links"].as_array().unwrap();
        let me = links.iter().find(|l| l["rel"] == "self").unwrap();
        assert_eq!(me["type"], AP);
        assert_eq!(me["href"], actor);
    }
    let _ = alice;
    let missing = app
        .get(
            &format!("/.well-known/webfinger?resource=acct:nobody@{domain}"),
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
    let other = app
        .get(
            "/.well-known/webfinger?resource=acct:alice@elsewhere.example",
            None,
        )
        .await;
    assert_eq!(other.status, 404);
    let bad = app.get("/.well-known/webfinger", None).await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn nodeinfo_and_host_meta_describe_the_server() {
    let app = TestApp::start().await;
    app.user("alice").await;
    let links = app.get("/.well-known/nodeinfo", None).await.expect(200);
    let hrefs: Vec<&str> = links["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["href"].as_str().unwrap())
        .collect();
    assert!(hrefs.contains(&format!("{}/nodeinfo/2.0", app.base).as_str()));
    assert!(hrefs.contains(&format!("{}/nodeinfo/2.1", app.base).as_str()));
    for version in ["2.0", "2.1"] {
        let info = app
            .get(&format!("/nodeinfo/{version}"), None)
            .await
            .expect(200);
        assert_eq!(info["version"], version);
        assert_eq!(info["software"]["name"], "starling");
        assert_eq!(info["protocols"], serde_json::json!(["activitypub"]));
        assert_eq!(info["usage"]["users"]["total"], 1);
        assert!(info["metadata"].is_object(), "megalodon needs metadata");
    }
    let meta = app.get("/.well-known/host-meta", None).await;
    assert_eq!(meta.status, 200);
    assert!(meta.text.contains("lrdd"), "{}", meta.text);
    assert!(meta.text.contains("/.well-known/webfinger?resource={uri}"));
}

#[tokio::test]
async fn actor_and_note_documents_are_negotiated() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let status = app.post_status(&alice, "Hello #fediverse").await;
    let (code, actor, ct) = get_ap(&app, "/users/alice").await;
    assert_eq!(code, 200);
    assert!(ct.starts_with("application/activity+json"), "{ct}");
    assert_eq!(actor["id"], format!("{}/users/alice", app.base));
    assert_eq!(actor["type"], "Person");
    assert_eq!(actor["preferredUsername"], "alice");
    assert_eq!(actor["inbox"], format!("{}/users/alice/inbox", app.base));
    assert_eq!(
        actor["endpoints"]["sharedInbox"],
        format!("{}/inbox", app.base)
    );
    assert_eq!(
        actor["publicKey"]["id"],
        format!("{}/users/alice#main-key", app.base)
    );
    assert_eq!(actor["publicKey"]["owner"], actor["id"]);
    assert!(
        actor["publicKey"]["publicKeyPem"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    assert_eq!(
        actor["@context"][0],
        "https://www.w3.org/ns/activitystreams"
    );
    // The profile URL answers JSON too when asked for it.
    let (code, same, _) = get_ap(&app, "/@alice").await;
    assert_eq!(code, 200);
    assert_eq!(same["id"], actor["id"]);
    // A browser is sent to the page.
    let page = app.get("/users/alice", None).await;
    assert_eq!(page.status, 303, "{}", page.text);
    assert_eq!(
        page.header("location"),
        Some(format!("{}/@alice", app.base).as_str())
    );

    let uri = status["uri"].as_str().unwrap();
    let path = uri.strip_prefix(&app.base).unwrap();
    let (code, note, _) = get_ap(&app, path).await;
    assert_eq!(code, 200);
    assert_eq!(note["type"], "Note");
    assert_eq!(note["id"], uri);
    assert_eq!(note["attributedTo"], actor["id"]);
    assert_eq!(
        note["to"][0],
        "https://www.w3.org/ns/activitystreams#Public"
    );
    assert_eq!(note["cc"][0], format!("{}/users/alice/followers", app.base));
    assert_eq!(note["tag"][0]["type"], "Hashtag");
    assert_eq!(note["tag"][0]["name"], "#fediverse");
    assert_eq!(note["content"], status["content"]);
    let (code, by_url, _) =
        get_ap(&app, &format!("/@alice/{}", status["id"].as_str().unwrap())).await;
    assert_eq!(code, 200);
    assert_eq!(by_url["id"], uri);

    let (code, outbox, _) = get_ap(&app, "/users/alice/outbox").await;
    assert_eq!(code, 200);
    assert_eq!(outbox["type"], "OrderedCollection");
    assert_eq!(outbox["totalItems"], 1);
    let first = outbox["first"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.base)
        .unwrap()
        .to_string();
    let (_, page, _) = get_ap(&app, &first).await;
    assert_eq!(page["type"], "OrderedCollectionPage");
    assert_eq!(page["orderedItems"][0]["type"], "Create");
    assert_eq!(page["orderedItems"][0]["object"]["id"], uri);
    let (code, followers, _) = get_ap(&app, "/users/alice/followers").await;
    assert_eq!(code, 200);
    assert_eq!(followers["totalItems"], 0);
    assert_eq!(
        followers["id"],
        format!("{}/users/alice/followers", app.base)
    );
    let (code, following, _) = get_ap(&app, "/users/alice/following").await;
    assert_eq!(code, 200);
    assert_eq!(
        following["id"],
        format!("{}/users/alice/following", app.base)
    );
    assert_eq!(following["type"], "OrderedCollection");

    let (code, _, _) = get_ap(&app, "/users/nobody").await;
    assert_eq!(code, 404);
    let (code, instance_actor, _) = get_ap(&app, "/actor").await;
    assert_eq!(code, 200);
    assert_eq!(instance_actor["type"], "Application");
    assert!(instance_actor["publicKey"]["publicKeyPem"].is_string());
}

#[tokio::test]
async fn private_posts_are_not_published_as_documents() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let status = app
        .post_status_json(
            &alice,
            serde_json::json!({"status": "for followers", "visibility": "private"}),
        )
        .await;
    let path = status["uri"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.base)
        .unwrap()
        .to_string();
    let (code, _, _) = get_ap(&app, &path).await;
    assert_eq!(code, 404);
}
