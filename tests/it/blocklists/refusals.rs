//! What is refused: oversized bodies, servers that never answer, bad subscriptions.

use starling_core::moderation::subscriptions::{self, NewSource};
use starling_federation::blocklists;

use super::{CSV_V1, ListServer, app_with, blocks_of, entries_of, source, subscribe, sync};

#[tokio::test]
async fn a_body_far_above_the_cap_is_refused_while_streaming_and_changes_nothing() {
    let app = app_with(|c| c.moderation.blocklist_max_bytes = 256 * 1024).await;
    let lists = ListServer::start().await;
    lists.set("a", CSV_V1);
    let id = subscribe(&app, source(lists.url("/list/a"))).await;
    sync(&app, id).await;
    let before = blocks_of(&app).await;

    let huge = subscribe(
        &app,
        NewSource {
            priority: 10,
            ..source(lists.url("/huge"))
        },
    )
    .await;
    let err = blocklists::sync(&app.inst, huge).await.unwrap_err();
    assert!(
        err.to_string().contains("larger than 262144 bytes"),
        "{err}"
    );
    assert_eq!(blocks_of(&app).await, before);
    assert!(entries_of(&app, huge).await.is_empty());
    let s = subscriptions::get_source(&app.inst, huge).await.unwrap();
    assert_eq!(s.last_status.as_deref(), Some("error"));
    assert!(s.last_error.unwrap().contains("blocklist_max_bytes"));
}

#[tokio::test]
async fn a_server_that_never_answers_fails_the_sync_after_the_timeout() {
    let app = app_with(|c| c.moderation.blocklist_timeout_secs = 1).await;
    let lists = ListServer::start().await;
    lists.set("a", CSV_V1);
    let id = subscribe(&app, source(lists.url("/list/a"))).await;
    sync(&app, id).await;
    let before = blocks_of(&app).await;
    let hang = subscribe(&app, source(lists.url("/hang"))).await;
    let err = blocklists::sync(&app.inst, hang).await.unwrap_err();
    assert!(
        err.to_string().contains("no complete answer within 1 s"),
        "{err}"
    );
    assert_eq!(blocks_of(&app).await, before);
    let s = subscriptions::get_source(&app.inst, hang).await.unwrap();
    assert_eq!(s.last_status.as_deref(), Some("error"));
    // A missing list, too.
    let missing = subscribe(&app, source(lists.url("/list/nothing"))).await;
    let err = blocklists::sync(&app.inst, missing).await.unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
    assert_eq!(blocks_of(&app).await, before);
}

#[tokio::test]
async fn bad_subscriptions_are_refused() {
    let app = app_with(|c| c.federation.allow_private_addresses = false).await;
    for url in [
        "ftp://lists.example/x",
        "not a url",
        "http://lists.example/x",
    ] {
        let err = subscriptions::subscribe(&app.inst, None, source(url.into()))
            .await
            .unwrap_err();
        assert!(
            matches!(err, starling_core::CoreError::Unprocessable(_)),
            "{url}: {err:?}"
        );
    }
    subscribe(&app, source("https://lists.example/a.csv".into())).await;
    let err = subscriptions::subscribe(
        &app.inst,
        None,
        source("https://lists.example/a.csv".into()),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("already subscribed"), "{err}");
}
