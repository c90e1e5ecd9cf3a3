//! The list formats: CSV with every severity, Mastodon JSON, plain lists, and a list with
//! one bad line.

use starling_core::accounts::Role;
use starling_core::moderation::Severity;
use starling_core::moderation::blocks;
use starling_core::moderation::subscriptions::{self, NewSource};
use starling_federation::blocklists::{self, SyncError};

use super::{CSV_V1, ListServer, app, block, blocks_of, entries_of, source, subscribe, sync};

#[tokio::test]
async fn a_csv_subscription_applies_every_severity_and_follows_the_list_as_it_changes() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set("a", CSV_V1);
    let id = subscribe(&app, source(lists.url("/list/a"))).await;
    let report = sync(&app, id).await;
    assert_eq!(
        (
            report.added,
            report.changed,
            report.retracted,
            report.skipped
        ),
        (3, 0, 0, 0)
    );
    assert_eq!(report.blocks.created, 3);
    let src = Some(id);
    assert_eq!(
        blocks_of(&app).await,
        [
            block("evil.example", "suspend", true, true, src),
            block("flags.example", "noop", false, true, src),
            block("limited.example", "silence", true, false, src),
        ]
    );
    let evil = blocks::find_block(&app.inst.store.read, "evil.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(evil.public_comment.as_deref(), Some("spam, lots"));
    assert!(app.inst.policy.is_suspended("sub.evil.example"));
    assert!(app.inst.policy.for_domain(Some("limited.example")).silenced);

    // Unchanged: the server's ETag comes back and nothing is read.
    let again = sync(&app, id).await;
    assert!(again.not_modified, "{again:?}");
    assert_eq!(lists.full_answers("a"), 1);

    // The list changes: one severity up, one domain new.
    lists.set(
        "a",
        &CSV_V1
            .replace("limited.example,silence", "limited.example,suspend")
            .replace(
                "flags.example",
                "new.example,silence,false,false,,false\nflags.example",
            ),
    );
    let report = sync(&app, id).await;
    assert_eq!(
        (
            report.added,
            report.changed,
            report.unchanged,
            report.retracted
        ),
        (1, 1, 2, 0)
    );
    assert_eq!((report.blocks.created, report.blocks.changed), (1, 1));
    assert_eq!(
        blocks_of(&app).await,
        [
            block("evil.example", "suspend", true, true, src),
            block("flags.example", "noop", false, true, src),
            block("limited.example", "suspend", true, false, src),
            block("new.example", "silence", false, false, src),
        ]
    );
    let s = subscriptions::get_source(&app.inst, id).await.unwrap();
    assert_eq!(
        (s.last_status.as_deref(), s.last_error, s.entry_count),
        (Some("ok"), None, 4)
    );

    // The audit log names the source of every applied change.
    let log = blocks::audit_log(&app.inst, 50).await.unwrap();
    let applied: Vec<_> = log
        .iter()
        .filter(|l| l.action.starts_with("domain_block."))
        .collect();
    assert_eq!(applied.len(), 5, "{applied:#?}");
    for l in &applied {
        let details: serde_json::Value = serde_json::from_str(&l.details).unwrap();
        assert_eq!(
            details["after"]["source_id"],
            serde_json::json!(id),
            "{details}"
        );
    }
    let syncs = log
        .iter()
        .filter(|l| l.action == "blocklist_source.sync" && l.target == lists.url("/list/a"))
        .count();
    assert_eq!(syncs, 2);
}

#[tokio::test]
async fn a_list_with_one_bad_line_changes_nothing_and_says_which_line() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set("a", CSV_V1);
    let id = subscribe(&app, source(lists.url("/list/a"))).await;
    sync(&app, id).await;
    let before = blocks_of(&app).await;
    lists.set(
        "a",
        &format!("{CSV_V1}other.example,suspend,,,,\nhttps://bad.example/x,suspend,,,,\n"),
    );
    let err = blocklists::sync(&app.inst, id).await.unwrap_err();
    let SyncError::List(message) = err else {
        panic!("{err:?}")
    };
    assert!(message.contains("line 6"), "{message}");
    assert_eq!(blocks_of(&app).await, before);
    assert_eq!(entries_of(&app, id).await.len(), 3);
    let s = subscriptions::get_source(&app.inst, id).await.unwrap();
    assert_eq!(s.last_status.as_deref(), Some("error"));
    assert_eq!(s.last_error.as_deref(), Some(message.as_str()));
}

#[tokio::test]
async fn mastodon_json_is_applied_and_obfuscated_entries_are_skipped() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set(
        "json",
        r#"[
            {"domain": "evil.example", "digest": "ab", "severity": "suspend", "comment": "spam"},
            {"domain": "sec***.ex*mple", "digest": "cd", "severity": "suspend"},
            {"domain": "limited.example", "digest": "ef", "severity": "silence"},
            {"domain": "media.example", "digest": "01", "severity": "noop"}
        ]"#,
    );
    let id = subscribe(&app, source(lists.url("/list/json"))).await;
    let report = sync(&app, id).await;
    assert_eq!((report.added, report.skipped), (3, 1));
    assert!(report.to_string().contains("1 skipped"), "{report}");
    assert_eq!(
        blocks_of(&app).await,
        [
            block("evil.example", "suspend", false, false, Some(id)),
            block("limited.example", "silence", false, false, Some(id)),
            // Mastodon lists a noop block only when it rejects media.
            block("media.example", "noop", true, false, Some(id)),
        ]
    );
}

#[tokio::test]
async fn plain_lists_take_the_sources_severity_and_idn_domains_are_stored_as_punycode() {
    let app = app().await;
    let lists = ListServer::start().await;
    lists.set(
        "plain",
        "# A plain list, with comments\n\nspam.example\nBücher.example   # inline comment\n",
    );
    let id = subscribe(
        &app,
        NewSource {
            plain_severity: Severity::Silence,
            ..source(lists.url("/list/plain"))
        },
    )
    .await;
    sync(&app, id).await;
    assert_eq!(
        blocks_of(&app).await,
        [
            block("spam.example", "silence", false, false, Some(id)),
            block("xn--bcher-kva.example", "silence", false, false, Some(id)),
        ]
    );
    // Shown as written, through the admin API.
    let root = app
        .user_with_scopes("root", Role::Admin, "admin:read")
        .await;
    let listed = app
        .get("/api/v1/admin/domain_blocks", Some(&root.token))
        .await
        .expect(200);
    let domains: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["domain"].as_str().unwrap())
        .collect();
    assert!(domains.contains(&"bücher.example"), "{listed}");
    assert!(
        app.inst
            .policy
            .for_domain(Some("xn--bcher-kva.example"))
            .silenced
    );
}
