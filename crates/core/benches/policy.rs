//! `cargo bench -p starling-core --bench policy`: the moderation policy's verdict on a
//! domain, which every inbound activity, delivery and fetch asks for
//! (docs/performance.md, "Moderation"), with 10,000 domain blocks in force.

use std::hint::black_box;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use starling_core::entities::domain_block;
use starling_core::moderation::Policy;

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

criterion_group!(benches, verdicts);
criterion_main!(benches);
