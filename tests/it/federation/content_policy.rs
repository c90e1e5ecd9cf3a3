//! The content policy (`[content_policy]`): keyword and regex rules, the mention rule
//! and media domains, on remote posts arriving at the inbox and on local posts, each
//! decision in the audit log.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use starling_core::config::{ContentAction, ContentPolicyConfig, ContentRule, RuleScope};
use starling_core::entities::{inbox_activity, status};

use super::eventually;
use super::peer::{Peer, create_note, deliver};
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
    let with = |id: &str, content: &str| {
        let mut create = create_note(&zoe, &peer.note_id(id), &target);
        create["object"]["content"] = json!(content);
        create
    };

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
