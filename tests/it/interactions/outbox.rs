//! The outbox events favourites and boosts write, and that repeats write none.

use starling_core::events::Event;

use super::{act, events, id, num};
use crate::support::TestApp;

#[tokio::test]
async fn every_action_writes_its_outbox_event_and_repeats_write_none() {
    let app = TestApp::builder()
        .without_federation_workers()
        .start()
        .await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let s = id(&app.post_status(&alice, "federate me").await);
    let bob_id = num(&bob.id);
    let before = events(&app).await.len();

    act(&app, &bob, &s, "favourite").await.expect(200);
    act(&app, &bob, &s, "favourite").await.expect(200);
    act(&app, &bob, &s, "unfavourite").await.expect(200);
    act(&app, &bob, &s, "unfavourite").await.expect(200);
    let boost = id(&act(&app, &bob, &s, "reblog").await.expect(200));
    act(&app, &bob, &s, "reblog").await.expect(200);
    act(&app, &bob, &s, "unreblog").await.expect(200);
    act(&app, &bob, &s, "unreblog").await.expect(200);

    let written: Vec<(i64, Event)> = events(&app).await.split_off(before);
    assert_eq!(written.len(), 4, "{written:?}");
    assert!(written.iter().all(|(actor, _)| *actor == bob_id));
    let like_uri = match &written[0].1 {
        Event::Favourited { status_id, uri } => {
            assert_eq!(*status_id, num(&s));
            assert!(
                uri.starts_with(&format!("{}/users/bob#likes/", app.base)),
                "{uri}"
            );
            uri.clone()
        }
        other => panic!("expected Favourited, got {other:?}"),
    };
    assert_eq!(
        written[1].1,
        Event::Unfavourited {
            status_id: num(&s),
            uri: like_uri,
            status_author_id: num(&alice.id),
        }
    );
    assert_eq!(
        written[2].1,
        Event::StatusCreated {
            status_id: num(&boost)
        }
    );
    match &written[3].1 {
        Event::StatusDeleted {
            uri,
            reblog_of_author,
            reblog_of_uri,
            ..
        } => {
            assert_eq!(
                *uri,
                format!("{}/users/bob/statuses/{boost}/activity", app.base)
            );
            assert_eq!(*reblog_of_author, Some(num(&alice.id)));
            assert_eq!(
                reblog_of_uri.as_deref(),
                Some(format!("{}/users/alice/statuses/{s}", app.base).as_str())
            );
        }
        other => panic!("expected StatusDeleted, got {other:?}"),
    }
}
