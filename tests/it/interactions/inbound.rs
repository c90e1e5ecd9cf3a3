//! The core functions the federation inbox calls for remote `Like`s and `Announce`s.

use serde_json::Value;
use starling_core::accounts;
use starling_core::statuses::Visibility;
use starling_core::{favourites, follows, reblogs};

use super::{events, home, id, notifications, num, post_private, status};
use crate::support::TestApp;

#[tokio::test]
async fn remote_likes_count_notify_and_federate_nothing() {
    let app = TestApp::builder()
        .without_federation_workers()
        .start()
        .await;
    let alice = app.user("alice").await;
    let s = id(&app.post_status(&alice, "liked from afar").await);
    let remy = app.remote_account("remy", "remote.example").await;
    let like = "https://remote.example/likes/1";
    let before = events(&app).await.len();

    assert!(
        favourites::inbound::liked(&app.inst, &remy, num(&s), like)
            .await
            .unwrap()
    );
    assert!(
        !favourites::inbound::liked(&app.inst, &remy, num(&s), like)
            .await
            .unwrap()
    );
    assert_eq!(status(&app, &s, &alice).await["favourites_count"], 1);
    let list = notifications(&app, &alice, "favourite").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["account"]["acct"], "remy@remote.example");
    let by = app
        .get(&format!("/api/v1/statuses/{s}/favourited_by"), None)
        .await
        .expect(200);
    assert_eq!(TestApp::ids_of(&by), vec![remy.id.to_string()]);

    assert!(
        favourites::inbound::unliked(&app.inst, remy.id, Some(like), None)
            .await
            .unwrap()
    );
    assert!(
        !favourites::inbound::unliked(&app.inst, remy.id, Some(like), Some(num(&s)))
            .await
            .unwrap()
    );
    assert_eq!(status(&app, &s, &alice).await["favourites_count"], 0);
    assert!(notifications(&app, &alice, "favourite").await.is_empty());

    // Undone by the status when the `Like` id is unknown here.
    favourites::inbound::liked(&app.inst, &remy, num(&s), like)
        .await
        .unwrap();
    assert!(
        favourites::inbound::unliked(
            &app.inst,
            remy.id,
            Some("https://x.example/?"),
            Some(num(&s))
        )
        .await
        .unwrap()
    );
    assert_eq!(events(&app).await.len(), before);

    // A followers-only post the remote account cannot see is not found.
    let private = id(&post_private(&app, &alice, "not for remy").await);
    let err = favourites::inbound::liked(
        &app.inst,
        &remy,
        num(&private),
        "https://remote.example/likes/2",
    )
    .await
    .unwrap_err();
    assert!(matches!(err, starling_core::CoreError::NotFound), "{err:?}");
}

#[tokio::test]
async fn remote_announces_reach_local_followers_notify_and_federate_nothing() {
    let app = TestApp::builder()
        .without_federation_workers()
        .start()
        .await;
    let alice = app.user("alice").await;
    let carol = app.user("carol").await;
    let s = id(&app.post_status(&alice, "announced from afar").await);
    let private = id(&post_private(&app, &alice, "not for remy").await);
    let remy = app.remote_account("remy", "remote.example").await;
    // Carol follows Remy (a request until Remy's server accepts).
    let carol_local = accounts::find_local_with_user(&app.inst, "carol")
        .await
        .unwrap()
        .unwrap();
    follows::follow(&app.inst, &carol_local, remy.id, Default::default())
        .await
        .unwrap();
    assert!(
        follows::inbound::accepted(&app.inst, num(&carol.id), remy.id, None)
            .await
            .unwrap()
    );
    let before = events(&app).await.len();
    let announce = "https://remote.example/users/remy/statuses/9/activity";
    let published = chrono::Utc::now();

    let boost = reblogs::inbound::announced(
        &app.inst,
        &remy,
        num(&s),
        announce,
        published,
        Visibility::Public,
    )
    .await
    .unwrap()
    .expect("a boost");
    assert!(!boost.local);
    assert_eq!(boost.uri, announce);
    assert_eq!(boost.reblog_of_id, Some(num(&s)));
    let again = reblogs::inbound::announced(
        &app.inst,
        &remy,
        num(&s),
        announce,
        published,
        Visibility::Public,
    )
    .await
    .unwrap()
    .expect("the same boost");
    assert_eq!(again.id, boost.id);
    assert_eq!(status(&app, &s, &alice).await["reblogs_count"], 1);
    let carol_home = home(&app, &carol).await;
    assert_eq!(
        TestApp::ids_of(&Value::Array(carol_home)),
        vec![boost.id.to_string()]
    );
    let list = notifications(&app, &alice, "reblog").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["account"]["id"], remy.id.to_string().as_str());

    // Followers-only posts of others are not announced.
    let ignored = reblogs::inbound::announced(
        &app.inst,
        &remy,
        num(&private),
        "https://remote.example/users/remy/statuses/10/activity",
        published,
        Visibility::Public,
    )
    .await
    .unwrap();
    assert!(ignored.is_none());

    assert!(
        !reblogs::inbound::unannounced(&app.inst, num(&carol.id), announce)
            .await
            .unwrap()
    );
    assert!(
        reblogs::inbound::unannounced(&app.inst, remy.id, announce)
            .await
            .unwrap()
    );
    assert!(
        !reblogs::inbound::unannounced(&app.inst, remy.id, announce)
            .await
            .unwrap()
    );
    assert_eq!(status(&app, &s, &alice).await["reblogs_count"], 0);
    assert!(home(&app, &carol).await.is_empty());
    assert!(notifications(&app, &alice, "reblog").await.is_empty());
    assert_eq!(events(&app).await.len(), before);
}
