//! `GET /api/v1/instance`, `GET /api/v2/instance` and the instance's side endpoints.

use crate::support::TestApp;

#[tokio::test]
async fn v2_instance_names_a_parseable_version_and_api_versions() {
    let app = TestApp::start().await;
    let v2 = app.get("/api/v2/instance", None).await.expect(200);
    let version = v2["version"].as_str().unwrap();
    assert!(
        version.starts_with("4.5.0 (compatible; Starling "),
        "version {version:?}"
    );
    assert!(v2["api_versions"]["mastodon"].as_u64().unwrap() >= 2);
    assert_eq!(v2["domain"], app.inst.domain());
    assert_eq!(v2["title"], "Starling test");
    assert_eq!(
        v2["configuration"]["statuses"]["max_characters"], 500,
        "{v2}"
    );
    assert!(v2["configuration"]["urls"]["streaming"].is_string());
    assert_eq!(v2["registrations"]["enabled"], true);
}

#[tokio::test]
async fn trailing_slashes_are_accepted() {
    let app = TestApp::start().await;
    let v1 = app.get("/api/v1/instance/", None).await.expect(200);
    assert_eq!(v1["uri"], app.inst.domain());
    assert!(v1["urls"]["streaming_api"].is_string());
    app.get("/api/v2/instance/", None).await.expect(200);
}
