//! `cargo bench -p starling-core --bench limited`: what it costs a timeline read to know
//! the domains the instance limits (`hidden::limited_domains`, docs/performance.md,
//! "Moderation"), on SQLite with 20,000 remote accounts on 2,000 domains and 1,000
//! domain blocks: once per version of the rules every distinct domain of the accounts
//! is asked; after that only the accounts created since the last read are (here none:
//! the accounts are a day old).

use std::hint::black_box;

use chrono::Utc;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use sea_orm::ConnectionTrait;
use starling_core::accounts::remote::{self, RemoteActor};
use starling_core::entities::domain_block;
use starling_core::hidden::limited_domains;
use starling_core::{Config, Instance};

const ACCOUNTS: usize = 20_000;
const DOMAINS: usize = 2_000;
const BLOCKS: usize = 1_000;

fn blocks() -> Vec<domain_block::Model> {
    let now = Utc::now();
    (0..BLOCKS)
        .map(|i| domain_block::Model {
            id: i as i64,
            // Every other known domain, silenced or suspended.
            domain: format!("d{}.example", i * 2),
            severity: ["silence", "suspend"][i % 2].into(),
            reject_media: false,
            reject_reports: false,
            private_comment: None,
            public_comment: None,
            obfuscate: false,
            source_id: None,
            created_at: now,
            updated_at: now,
        })
        .collect()
}

fn limited(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.storage.data_dir = dir.path().to_path_buf();
    let inst = rt.block_on(async {
        let inst = Instance::open(config).await.unwrap();
        for i in 0..ACCOUNTS {
            let domain = format!("d{}.example", i % DOMAINS);
            remote::upsert(
                &inst,
                RemoteActor {
                    uri: format!("https://{domain}/users/u{i}"),
                    username: format!("u{i}"),
                    domain,
                    actor_type: "Person".into(),
                    ..RemoteActor::default()
                },
            )
            .await
            .unwrap();
        }
        // Known for a day, as accounts of a running instance are: their ids (which
        // carry their creation time) moved back by 24 hours.
        let day = (24 * 3600 * 1000_i64) << 16;
        inst.store
            .write
            .execute_unprepared(&format!("UPDATE accounts SET id = id - {day}"))
            .await
            .unwrap();
        inst
    });
    let blocks = blocks();
    inst.policy.replace(&blocks, &[]);
    let first = rt.block_on(limited_domains(&inst)).unwrap();
    assert_eq!(first.len(), BLOCKS);

    let mut g = c.benchmark_group("limited_domains_20k_accounts");
    g.bench_function("rules unchanged: the accounts created since", |b| {
        b.iter(|| black_box(rt.block_on(limited_domains(&inst)).unwrap().len()))
    });
    g.bench_function("rules changed: every distinct domain again", |b| {
        b.iter_batched(
            || inst.policy.replace(&blocks, &[]),
            |()| black_box(rt.block_on(limited_domains(&inst)).unwrap().len()),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, limited);
criterion_main!(benches);
