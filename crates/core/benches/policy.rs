//! `cargo bench -p starling-core --bench policy`: the moderation policy's verdict on a
//! domain, which every inbound activity, delivery and fetch asks for
//! (docs/performance.md, "Moderation"), with 10,000 domain blocks in force; and what
//! the whole policy costs an inbound post: the domain's verdict plus the content rules
//! (200 of them: 190 keywords, 10 regular expressions) over its text.

use std::hint::black_box;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use starling_core::config::{ContentAction, ContentPolicyConfig, ContentRule, RuleScope};
use starling_core::entities::domain_block;
use starling_core::moderation::Policy;
use starling_core::moderation::content::{ContentPolicy, Post};

const BLOCKS: usize = 10_000;

fn policy() -> Policy {
    let now = Utc::now();
    let blocks: Vec<domain_block::Model> = (0..BLOCKS)
        .map(|i| domain_block::Model {
            id: i as i64,
            domain: format!("blocked-{i}.example"),
            severity: ["suspend", "silence", "noop"][i % 3].into(),
            reject_media: i % 2 == 0,
            reject_reports: i % 5 == 0,
            private_comment: None,
            public_comment: None,
            obfuscate: false,
            source_id: None,
            created_at: now,
            updated_at: now,
        })
        .collect();
    let p = Policy::new(false);
    p.replace(&blocks, &[]);
    p
}

fn verdicts(c: &mut Criterion) {
    let p = policy();
    assert_eq!(p.counts(), (BLOCKS, 0));
    assert!(p.is_suspended("a.b.blocked-3.example"));
    let mut g = c.benchmark_group("policy_10k_blocks");
    g.bench_function("unblocked domain, 3 labels", |b| {
        b.iter(|| p.for_domain(black_box(Some("social.friendly.example"))))
    });
    g.bench_function("blocked parent, 4 labels", |b| {
        b.iter(|| p.for_domain(black_box(Some("a.b.blocked-9999.example"))))
    });
    g.bench_function("host:port", |b| {
        b.iter(|| p.for_domain(black_box(Some("social.friendly.example:8443"))))
    });
    g.bench_function("upper-case domain", |b| {
        b.iter(|| p.for_domain(black_box(Some("Social.Friendly.Example"))))
    });
    g.finish();
}

fn content_rules() -> ContentPolicy {
    let mut rules: Vec<ContentRule> = (0..190)
        .map(|i| ContentRule {
            name: format!("keyword {i}"),
            keyword: Some(format!("spamword{i} offer")),
            regex: None,
            action: if i % 2 == 0 {
                ContentAction::Reject
            } else {
                ContentAction::Sensitive
            },
            applies_to: RuleScope::All,
        })
        .collect();
    rules.extend((0..10).map(|i| ContentRule {
        name: format!("regex {i}"),
        keyword: None,
        regex: Some(format!(r"(?i)\bbuy{i}\s+now\b")),
        action: ContentAction::Reject,
        applies_to: RuleScope::Remote,
    }));
    ContentPolicy::new(&ContentPolicyConfig {
        rules,
        max_mentions_from_new_accounts: 5,
        new_account_days: 7,
        reject_media_domains: vec!["cdn.blocked.example".into()],
    })
    .expect("rules compile")
}

/// A typical remote post: a paragraph with a mention, a link and a hashtag.
const POST_HTML: &str = "<p><span class=\"h-card\"><a href=\"https://social.example/@bob\" class=\"u-url mention\">@<span>bob</span></a></span> Spent the weekend repairing the old bicycle: new chain, new brake pads, and the gears finally shift cleanly. Photos of the whole process are on my blog <a href=\"https://blog.example/bike\" rel=\"nofollow noopener\">blog.example/bike</a>, with a parts list. <a href=\"https://social.example/tags/cycling\" class=\"mention hashtag\">#<span>cycling</span></a></p>";

fn inbound_post(c: &mut Criterion) {
    let domains = policy();
    let rules = content_rules();
    let author_created_at = Utc::now() - chrono::Duration::days(400);
    let check = |html: &str| {
        let verdict = domains.for_domain(black_box(Some("social.friendly.example")));
        let text = format!(
            "{}\n",
            starling_core::moderation::content::visible_text(html)
        );
        let post = Post {
            local: false,
            text: &text,
            mentions: 1,
            author_created_at,
            media_urls: vec!["https://files.friendly.example/a.png"],
        };
        (verdict, rules.check(&post, Utc::now()))
    };
    assert!(check(POST_HTML).1.decisions.is_empty());
    let spam = "<p>Great spamword42 offer, buy3 now!</p>";
    assert!(check(spam).1.reject.is_some());
    let mut g = c.benchmark_group("inbound_post_10k_blocks_200_rules");
    g.bench_function("typical post, no rule matches", |b| {
        b.iter(|| check(black_box(POST_HTML)))
    });
    g.bench_function("spam post, refused", |b| b.iter(|| check(black_box(spam))));
    g.bench_function("content rules alone, typical post text", |b| {
        let text = starling_core::moderation::content::visible_text(POST_HTML);
        b.iter(|| {
            rules.check(
                &Post {
                    local: false,
                    text: black_box(&text),
                    mentions: 1,
                    author_created_at,
                    media_urls: vec![],
                },
                Utc::now(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, verdicts, inbound_post);
criterion_main!(benches);
