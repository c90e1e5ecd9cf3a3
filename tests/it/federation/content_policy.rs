//! The content policy (`[content_policy]`): keyword and regex rules, the mention rule
//! and media domains, on remote posts arriving at the inbox and on local posts, each
//! decision in the audit log; posts and edits held for review, released or discarded.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use starling_core::config::{ContentAction, ContentPolicyConfig, ContentRule, RuleScope};
use starling_core::entities::status;
use starling_core::moderation::held::{self, HeldKind};
use starling_federation::entities::inbox_activity;

use super::eventually;
use super::peer::{Peer, create_note, create_note_saying, deliver, note};
use crate::support::TestApp;

fn rules() -> ContentPolicyConfig {
    ContentPolicyConfig {
        rules: vec![
            ContentRule {
                name: "crypto spam".into(),
                keyword: Some("Free Crypto".into()),
                regex: None,
                action: ContentAction::Reject,
                applies_to: RuleScope::All,
            },
            ContentRule {
                name: "gore".into(),
                keyword: None,
                regex: Some(r"(?i)\bgore\b".into()),
                action: ContentAction::Sensitive,
                applies_to: RuleScope::All,
            },
        ],
        max_mentions_from_new_accounts: 3,
        new_account_days: 7,
        reject_media_domains: vec!["cdn.evil.example".into()],
    }
}

async fn processed(app: &TestApp, activity: &Value) {
    let id = activity["id"].as_str().unwrap().to_owned();
    eventually("the activity processed", || async {
        inbox_activity::Entity::find()
            .filter(inbox_activity::Column::ActivityUri.eq(id.clone()))
            .filter(inbox_activity::Column::ProcessedAt.is_not_null())
            .one(&app.inst.store.read)
            .await
            .unwrap()
            .map(|_| ())
    })
    .await;
}

async fn stored(app: &TestApp, uri: &str) -> Option<status::Model> {
    status::Entity::find()
        .filter(status::Column::Uri.eq(uri))
        .one(&app.inst.store.read)
        .await
        .unwrap()
}

#[tokio::test]
async fn remote_posts_pass_the_content_rules_before_they_are_stored() {
    let app = TestApp::builder()
        .config(|c| c.content_policy = rules())
        .start()
        .await;
    let alice = app.user("alice").await;
    let mut others = Vec::new();
    for name in ["bob", "carol", "dan"] {
        others.push(app.user(name).await);
    }
    let peer = Peer::start(&["zoe"]).await;
    let zoe = peer.actor("zoe");
    let target = format!("{}/users/{}", app.base, alice.username);
    let with =
        |id: &str, content: &str| create_note_saying(&zoe, &peer.note_id(id), &target, content);

    let spam = with("spam", "<p>Get FREE CRYPTO today</p>");
    let gore = with("gore", "<p>Warning: gore ahead</p>");
    let mut pictures = with("pictures", "<p>two pictures</p>");
    pictures["object"]["attachment"] = json!([
        {"type": "Document", "mediaType": "image/png", "url": "https://img.cdn.evil.example/a.png"},
        {"type": "Document", "mediaType": "image/png", "url": "https://files.example/b.png"},
    ]);
    // zoe's account is new here (her actor has no `published`): four mentions are one
    // too many.
    let mut wave = with("wave", "<p>hi all</p>");
    let mut mentions = vec![json!({"type": "Mention", "href": target})];
    for u in &others {
        mentions
            .push(json!({"type": "Mention", "href": format!("{}/users/{}", app.base, u.username)}));
    }
    wave["object"]["tag"] = json!(mentions);
    let fine = with("fine", "<p>a quiet afternoon</p>");
    for activity in [&spam, &gore, &pictures, &wave, &fine] {
        assert_eq!(deliver(&app, &peer, "zoe", activity).await.0, 202);
        processed(&app, activity).await;
    }

    assert!(
        stored(&app, &peer.note_id("spam")).await.is_none(),
        "refused"
    );
    assert!(
        stored(&app, &peer.note_id("wave")).await.is_none(),
        "refused"
    );
    let gore_row = stored(&app, &peer.note_id("gore")).await.expect("kept");
    assert!(gore_row.sensitive, "marked sensitive");
    assert!(!stored(&app, &peer.note_id("fine")).await.unwrap().sensitive);
    let pictures_row = stored(&app, &peer.note_id("pictures")).await.unwrap();
    let shown = app
        .get(
            &format!("/api/v1/statuses/{}", pictures_row.id),
            Some(&alice.token),
        )
        .await
        .expect(200);
    let media = shown["media_attachments"].as_array().unwrap();
    assert_eq!(media.len(), 1, "{shown}");
    assert_eq!(media[0]["remote_url"], "https://files.example/b.png");

    // Each decision, with its rule and reason, is in the audit log.
    let log = starling_core::moderation::blocks::audit_log(&app.inst, 50)
        .await
        .unwrap();
    let entry = |action: &str, uri: &str| {
        log.iter()
            .find(|l| l.action == action && l.target == uri)
            .map(|l| serde_json::from_str::<Value>(&l.details).unwrap())
            .unwrap_or_else(|| panic!("no {action} of {uri} in {log:?}"))
    };
    let spam_entry = entry("policy.reject", &peer.note_id("spam"));
    assert_eq!(spam_entry["rule"], "crypto spam");
    assert_eq!(spam_entry["reason"], "matched keyword \"Free Crypto\"");
    assert!(spam_entry["author"].as_str().unwrap().starts_with("zoe@"));
    let wave_entry = entry("policy.reject", &peer.note_id("wave"));
    assert_eq!(wave_entry["rule"], "mention limit");
    assert_eq!(
        entry("policy.sensitive", &peer.note_id("gore"))["rule"],
        "gore"
    );
    assert_eq!(
        entry("policy.drop_media", &peer.note_id("pictures"))["reason"],
        "media from img.cdn.evil.example"
    );
}

#[tokio::test]
async fn local_posts_pass_the_content_rules_before_they_are_published() {
    let app = TestApp::builder()
        .config(|c| c.content_policy = rules())
        .start()
        .await;
    let alice = app.user("alice").await;
    let refused = app
        .post_json(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "free crypto for all my followers"}),
        )
        .await
        .expect_error(422);
    assert!(refused.contains("crypto spam"), "{refused}");
    let timeline = app
        .get(
            &format!("/api/v1/accounts/{}/statuses", alice.id),
            Some(&alice.token),
        )
        .await
        .expect(200);
    assert_eq!(timeline.as_array().unwrap().len(), 0, "nothing published");

    let marked = app
        .post_json(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "this film has GORE in it"}),
        )
        .await
        .expect(200);
    assert_eq!(marked["sensitive"], true);
    let plain = app.post_status(&alice, "nothing to see").await;
    assert_eq!(plain["sensitive"], false);
}

fn holding() -> ContentPolicyConfig {
    ContentPolicyConfig {
        rules: vec![ContentRule {
            name: "gambling".into(),
            keyword: Some("casino".into()),
            regex: None,
            action: ContentAction::Hold,
            applies_to: RuleScope::All,
        }],
        ..ContentPolicyConfig::default()
    }
}

fn audit_actions(log: &[starling_core::entities::moderation_log::Model], uri: &str) -> Vec<String> {
    let mut actions: Vec<String> = log
        .iter()
        .filter(|l| l.target == uri)
        .map(|l| l.action.clone())
        .collect();
    actions.reverse();
    actions
}

#[tokio::test]
async fn held_posts_wait_unseen_until_a_moderator_releases_or_discards_them() {
    let app = TestApp::builder()
        .config(|c| c.content_policy = holding())
        .start()
        .await;
    let alice = app.user("alice").await;
    let moderator = app.user("mod").await;
    let moderator_id: i64 = moderator.id.parse().unwrap();
    let peer = Peer::start(&["zoe"]).await;
    let zoe = peer.actor("zoe");
    let target = format!("{}/users/{}", app.base, alice.username);
    let with =
        |id: &str, content: &str| create_note_saying(&zoe, &peer.note_id(id), &target, content);
    let first = with("first", "<p>the best <b>Casino</b> in town, @alice</p>");
    let second = with("second", "<p>casino night again</p>");
    let third = with("third", "<p>casino, last call</p>");
    // The same post again, in another activity (a relay, a resend).
    let mut resent = first.clone();
    resent["id"] = json!(format!("{}/resent", peer.note_id("first")));
    for activity in [&first, &second, &third, &resent] {
        assert_eq!(deliver(&app, &peer, "zoe", activity).await.0, 202);
        processed(&app, activity).await;
    }

    // Nothing stored, nobody notified; three posts wait (the resent one is the same).
    for id in ["first", "second", "third"] {
        assert!(stored(&app, &peer.note_id(id)).await.is_none(), "{id}");
    }
    assert!(app.notifications(&alice).await.is_empty());
    let (waiting, total) = held::list(&app.inst, 10).await.unwrap();
    assert_eq!(total, 3);
    let first_held = &waiting[0];
    assert_eq!(first_held.uri, peer.note_id("first"));
    assert_eq!(first_held.kind, HeldKind::Create);
    assert_eq!(first_held.rule, "gambling");
    assert_eq!(first_held.reason, "matched keyword \"casino\"");
    assert!(first_held.acct.starts_with("zoe@"), "{}", first_held.acct);
    assert_eq!(first_held.text(), "the best Casino in town, @alice");

    // The author deletes the third: it no longer waits.
    let delete = json!({
        "id": format!("{}#delete", peer.note_id("third")),
        "type": "Delete",
        "actor": zoe,
        "object": peer.note_id("third"),
    });
    assert_eq!(deliver(&app, &peer, "zoe", &delete).await.0, 202);
    processed(&app, &delete).await;
    let (waiting, total) = held::list(&app.inst, 10).await.unwrap();
    assert_eq!(total, 2);
    assert!(waiting.iter().all(|h| h.uri != peer.note_id("third")));

    // Released: stored as if it had just arrived, alice mentioned.
    let released = held::release(&app.inst, Some(moderator_id), first_held.id)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(released.uri, peer.note_id("first"));
    let mention = app.await_notification(&alice, "mention").await;
    assert_eq!(mention["status"]["uri"], peer.note_id("first"));
    assert!(
        mention["status"]["content"]
            .as_str()
            .unwrap()
            .contains("Casino")
    );
    // Discarded: gone for good.
    let second_held = held::list(&app.inst, 10).await.unwrap().0.remove(0);
    held::discard(&app.inst, Some(moderator_id), second_held.id)
        .await
        .unwrap();
    assert!(stored(&app, &peer.note_id("second")).await.is_none());
    assert_eq!(held::list(&app.inst, 10).await.unwrap().1, 0);
    let again = held::release(&app.inst, Some(moderator_id), second_held.id).await;
    assert!(
        matches!(again, Err(starling_core::CoreError::NotFoundMessage(_))),
        "{again:?}"
    );

    // Each step is in the audit log, with the moderator who took it.
    let log = starling_core::moderation::blocks::audit_log(&app.inst, 50)
        .await
        .unwrap();
    assert_eq!(
        audit_actions(&log, &peer.note_id("first")),
        ["policy.hold", "policy.hold", "held.release"]
    );
    assert_eq!(
        audit_actions(&log, &peer.note_id("second")),
        ["policy.hold", "held.discard"]
    );
    let release = log.iter().find(|l| l.action == "held.release").unwrap();
    assert_eq!(release.account_id, Some(moderator_id));
}

#[tokio::test]
async fn a_held_edit_leaves_the_post_as_it_was_until_released() {
    let app = TestApp::builder()
        .config(|c| c.content_policy = holding())
        .start()
        .await;
    let alice = app.user("alice").await;
    let peer = Peer::start(&["zoe"]).await;
    let zoe = peer.actor("zoe");
    let target = format!("{}/users/{}", app.base, alice.username);
    let create = create_note(&zoe, &peer.note_id("post"), &target);
    assert_eq!(deliver(&app, &peer, "zoe", &create).await.0, 202);
    processed(&app, &create).await;
    let before = stored(&app, &peer.note_id("post")).await.expect("stored");

    let mut edited = create["object"].clone();
    edited["content"] = json!("<p>now with a casino link</p>");
    edited["updated"] = json!(chrono::Utc::now().to_rfc3339());
    let update = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#update", peer.note_id("post")),
        "type": "Update",
        "actor": zoe,
        "object": edited,
    });
    assert_eq!(deliver(&app, &peer, "zoe", &update).await.0, 202);
    processed(&app, &update).await;
    let unchanged = stored(&app, &peer.note_id("post")).await.unwrap();
    assert_eq!(unchanged.content, before.content);
    assert!(unchanged.edited_at.is_none());

    let (waiting, _) = held::list(&app.inst, 10).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].kind, HeldKind::Update);
    // The command line releases it (and says so), as the moderation page does.
    let (code, out, err) = app.cli(&["held", "list"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&waiting[0].id.to_string())
            && out.contains("update")
            && out.contains("gambling")
            && out.contains("now with a casino link"),
        "{out}"
    );
    let (code, out, err) = app
        .cli(&["held", "release", &waiting[0].id.to_string()])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("stored as status {}", before.id)),
        "{out}"
    );
    let after = stored(&app, &peer.note_id("post")).await.unwrap();
    assert!(
        after.content.contains("now with a casino link"),
        "{}",
        after.content
    );
    assert!(after.edited_at.is_some());
    let (code, out, _) = app.cli(&["held", "list"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("No posts held for review."), "{out}");
    let (code, _, err) = app.cli(&["held", "discard", "42"]).await;
    assert_ne!(code, 0);
    assert!(err.contains("no post held for review has id 42"), "{err}");
}

/// How many boosts of the post `uri` are stored; `None` when the post itself is not.
async fn boosts_of(app: &TestApp, uri: &str) -> Option<usize> {
    let original = stored(app, uri).await?;
    Some(
        status::Entity::find()
            .filter(status::Column::ReblogOfId.eq(original.id))
            .all(&app.inst.store.read)
            .await
            .unwrap()
            .len(),
    )
}

#[tokio::test]
async fn a_boost_of_a_post_the_rules_refuse_or_hold_is_not_stored() {
    let app = TestApp::builder()
        .config(|c| {
            c.content_policy = rules();
            c.content_policy.rules.extend(holding().rules);
        })
        .start()
        .await;
    let alice = app.user("alice").await;
    let peer = Peer::start(&["zoe", "yann"]).await;
    let target = format!("{}/users/{}", app.base, alice.username);
    // yann's posts, which this server has never seen, and zoe's boosts of them.
    let mut boosts = Vec::new();
    for (id, content) in [
        ("spam", "<p>free crypto for everyone</p>"),
        ("gamble", "<p>casino night</p>"),
        ("fine", "<p>a quiet afternoon</p>"),
    ] {
        let mut post = note(&peer.actor("yann"), "", &target);
        post["content"] = json!(content);
        let uri = peer.publish_note(id, post);
        let boost = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/boosts/{id}", peer.base),
            "type": "Announce",
            "actor": peer.actor("zoe"),
            "object": uri,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        });
        assert_eq!(deliver(&app, &peer, "zoe", &boost).await.0, 202);
        processed(&app, &boost).await;
        boosts.push((id, uri));
    }
    let [(_, spam), (_, gamble), (_, fine)] = boosts.try_into().unwrap();
    assert_eq!(
        boosts_of(&app, &spam).await,
        None,
        "refused: neither post nor boost"
    );
    assert_eq!(boosts_of(&app, &gamble).await, None, "held: neither yet");
    assert_eq!(
        boosts_of(&app, &fine).await,
        Some(1),
        "the boost of a fine post is stored"
    );
    let (waiting, _) = held::list(&app.inst, 10).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].uri, gamble);
}
