//! Which block wins: retraction, priorities, review mode, and manual blocks.

use starling_core::moderation::Severity;
use starling_core::moderation::blocks::{self, BlockFields};
use starling_core::moderation::subscriptions::{self, NewSource, Retraction, state};

use super::{ListServer, app, block, blocks_of, entries_of, source, subscribe, sync};

#[tokio::test]
async fn retraction_removes_or_keeps_and_another_source_takes_over() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set("remove", "gone.example\nshared.example\nstays.example\n");
    lists.set("keep", "kept.example\n");
    lists.set("backup", "#domain,#severity\nshared.example,silence\n");
    let remove = subscribe(
        &app,
        NewSource {
            priority: 10,
            ..source(lists.url("/list/remove"))
        },
    )
    .await;
    let keep = subscribe(
        &app,
        NewSource {
            retraction: Retraction::Keep,
            ..source(lists.url("/list/keep"))
        },
    )
    .await;
    let backup = subscribe(&app, source(lists.url("/list/backup"))).await;
    for id in [remove, keep, backup] {
        sync(&app, id).await;
    }
    assert_eq!(
        blocks_of(&app).await,
        [
            block("gone.example", "suspend", false, false, Some(remove)),
            block("kept.example", "suspend", false, false, Some(keep)),
            block("shared.example", "suspend", false, false, Some(remove)),
            block("stays.example", "suspend", false, false, Some(remove)),
        ]
    );

    lists.set("remove", "stays.example\n");
    lists.set("keep", "# nothing left\n");
    let r = sync(&app, remove).await;
    assert_eq!((r.retracted, r.blocks.lifted, r.blocks.changed), (2, 1, 1));
    let k = sync(&app, keep).await;
    assert_eq!((k.retracted, k.blocks.lifted), (1, 0));
    assert_eq!(
        blocks_of(&app).await,
        [
            // Kept, its entry marked retracted.
            block("kept.example", "suspend", false, false, Some(keep)),
            // Still listed by the backup list, whose entry takes over.
            block("shared.example", "silence", false, false, Some(backup)),
            block("stays.example", "suspend", false, false, Some(remove)),
        ]
    );
    let kept = entries_of(&app, keep).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].state, state::RETRACTED);
    assert_eq!(
        entries_of(&app, remove)
            .await
            .iter()
            .map(|e| e.domain.as_str())
            .collect::<Vec<_>>(),
        ["stays.example"]
    );
    assert!(!app.inst.policy.is_suspended("gone.example"));
    assert!(app.inst.policy.is_suspended("kept.example"));
}

#[tokio::test]
async fn the_higher_priority_wins_and_equal_priorities_take_the_most_severe() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set(
        "high",
        "#domain,#severity,#reject_media,#reject_reports\nboth.example,silence,false,false\n",
    );
    lists.set(
        "low",
        "#domain,#severity,#reject_media,#reject_reports\nboth.example,suspend,false,false\n",
    );
    lists.set(
        "peer1",
        "#domain,#severity,#reject_media,#reject_reports\ntie.example,silence,true,false\n",
    );
    lists.set(
        "peer2",
        "#domain,#severity,#reject_media,#reject_reports\ntie.example,noop,false,true\n",
    );
    let high = subscribe(
        &app,
        NewSource {
            priority: 5,
            ..source(lists.url("/list/high"))
        },
    )
    .await;
    let low = subscribe(&app, source(lists.url("/list/low"))).await;
    let peer1 = subscribe(&app, source(lists.url("/list/peer1"))).await;
    let peer2 = subscribe(&app, source(lists.url("/list/peer2"))).await;
    // The order of the syncs does not matter.
    for id in [low, high, peer2, peer1] {
        sync(&app, id).await;
    }
    assert_eq!(
        blocks_of(&app).await,
        [
            // Priority 5 over priority 0, though less severe.
            block("both.example", "silence", false, false, Some(high)),
            // Equal priorities: silence over noop, the flags of both.
            block("tie.example", "silence", true, true, Some(peer1)),
        ]
    );
}

#[tokio::test]
async fn review_mode_keeps_drafts_until_approved_and_rejections_until_the_list_changes() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set(
        "a",
        "#domain,#severity\nfirst.example,suspend\nsecond.example,silence\n",
    );
    let id = subscribe(
        &app,
        NewSource {
            review: true,
            ..source(lists.url("/list/a"))
        },
    )
    .await;
    let report = sync(&app, id).await;
    assert_eq!(
        (report.added, report.drafts, report.blocks.created),
        (2, 2, 0)
    );
    assert!(blocks_of(&app).await.is_empty(), "drafts are not applied");

    let drafts = subscriptions::entries(&app.inst, Some(id), Some(state::DRAFT))
        .await
        .unwrap();
    let first = drafts.iter().find(|e| e.domain == "first.example").unwrap();
    let second = drafts
        .iter()
        .find(|e| e.domain == "second.example")
        .unwrap();
    let changes = subscriptions::approve(&app.inst, None, first.id)
        .await
        .unwrap();
    assert_eq!(changes.created, 1);
    subscriptions::reject(&app.inst, None, second.id)
        .await
        .unwrap();
    assert_eq!(
        blocks_of(&app).await,
        [block("first.example", "suspend", false, false, Some(id))]
    );
    // Approving what is not a draft is refused.
    let err = subscriptions::approve(&app.inst, None, first.id)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a draft"), "{err}");

    // A sync of the same list: the rejection stays.
    lists.set(
        "a",
        "#domain,#severity\nfirst.example,suspend\nsecond.example,silence\n# v2\n",
    );
    let report = sync(&app, id).await;
    assert_eq!((report.unchanged, report.drafts), (2, 0));
    let second_now = entries_of(&app, id)
        .await
        .into_iter()
        .find(|e| e.domain == "second.example")
        .unwrap();
    assert_eq!(second_now.state, state::REJECTED);

    // The list changes both: new drafts; the approved block stays as it was meanwhile.
    lists.set(
        "a",
        "#domain,#severity\nfirst.example,silence\nsecond.example,suspend\n",
    );
    let report = sync(&app, id).await;
    assert_eq!((report.changed, report.drafts), (2, 2));
    assert_eq!(
        blocks_of(&app).await,
        [block("first.example", "suspend", false, false, Some(id))]
    );
    let changes = subscriptions::approve_all(&app.inst, None).await.unwrap();
    assert_eq!((changes.created, changes.changed), (1, 1));
    assert_eq!(
        blocks_of(&app).await,
        [
            block("first.example", "silence", false, false, Some(id)),
            block("second.example", "suspend", false, false, Some(id)),
        ]
    );
    let log = blocks::audit_log(&app.inst, 50).await.unwrap();
    assert!(log.iter().any(|l| l.action == "blocklist_entry.reject"));
    assert_eq!(
        log.iter()
            .filter(|l| l.action == "blocklist_entry.approve")
            .count(),
        3
    );
}

#[tokio::test]
async fn manual_blocks_always_win_and_are_never_changed() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set(
        "a",
        "#domain,#severity\nmine.example,suspend\nother.example,suspend\n",
    );
    let manual = blocks::create_block(
        &app.inst,
        None,
        "mine.example",
        BlockFields {
            severity: Some(Severity::Silence),
            private_comment: Some("by hand".into()),
            ..BlockFields::default()
        },
    )
    .await
    .unwrap();
    let manual = blocks::get_block(&app.inst, manual.id).await.unwrap();
    let id = subscribe(&app, source(lists.url("/list/a"))).await;
    let report = sync(&app, id).await;
    assert_eq!((report.blocks.created, report.blocks.manual), (1, 1));
    lists.set("a", "#domain,#severity\nother.example,suspend\n");
    sync(&app, id).await;
    subscriptions::unsubscribe(&app.inst, None, id, false)
        .await
        .unwrap();
    let after = blocks::all_blocks(&app.inst).await.unwrap();
    assert_eq!(after, [manual], "the manual block is exactly as made");
    assert!(
        subscriptions::list_sources(&app.inst)
            .await
            .unwrap()
            .is_empty()
    );
}
