//! `starling seed`: fills a database with generated accounts, follows and statuses for
//! the benchmarks in `docs/performance.md`, and writes bearer tokens for the load
//! scripts. Rows are written in large batches straight through the entities; every
//! account shares one key pair and one password hash (a benchmark database, never a
//! real one).

use std::path::PathBuf;

use anyhow::Context;
use chrono::{Duration, Utc};
use clap::Args;
use rand::Rng;
use rand::seq::SliceRandom;
use sea_orm::{EntityTrait, IntoActiveModel, TransactionTrait};
use starling_core::entities::{account, follow, home_feed, status, user};
use starling_core::oauth::{self, NewApplication, Scopes};
use starling_core::{Config, Instance, crypto, id};

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Local accounts to create.
    #[arg(long, default_value_t = 1000)]
    accounts: usize,
    /// Statuses to create, spread over the accounts and the last 30 days.
    #[arg(long, default_value_t = 1_000_000)]
    statuses: usize,
    /// Accounts each account follows.
    #[arg(long, default_value_t = 20)]
    follows: usize,
    /// Where to write one bearer token per line.
    #[arg(long, default_value = "tokens.txt")]
    tokens: PathBuf,
    /// How many tokens to write.
    #[arg(long, default_value_t = 100)]
    token_count: usize,
}

pub async fn run(config: Config, args: SeedArgs) -> anyhow::Result<()> {
    let inst = Instance::open(config)
        .await
        .context("cannot open the database")?;
    let keys = crypto::generate_actor_keys()?;
    let hash = crypto::hash_password("benchmark-password")?;
    let now = Utc::now();
    let urls = &inst.urls;
    let stamp = now.timestamp();

    let mut accounts = Vec::with_capacity(args.accounts);
    let mut users = Vec::with_capacity(args.accounts);
    for i in 0..args.accounts {
        let username = format!("bench{stamp}_{i}");
        // One second apart: distinct times give distinct ids.
        let created = now - Duration::days(60) + Duration::seconds(i as i64);
        let account_id = id::id_at(created);
        accounts.push(account::Model {
            id: account_id,
            username: username.clone(),
            domain: None,
            acct_key: username.to_lowercase(),
            display_name: format!("Bench {i}"),
            note: String::new(),
            note_source: String::new(),
            fields: "[]".into(),
            locked: false,
            bot: false,
            discoverable: true,
            indexable: false,
            hide_collections: false,
            actor_type: "Person".into(),
            avatar_file: None,
            avatar_remote_url: None,
            header_file: None,
            header_remote_url: None,
            uri: urls.actor(&username),
            url: Some(urls.profile(&username)),
            inbox_url: Some(urls.inbox(&username)),
            shared_inbox_url: Some(urls.shared_inbox()),
            outbox_url: Some(urls.outbox(&username)),
            followers_url: Some(urls.followers(&username)),
            following_url: Some(urls.following(&username)),
            featured_url: Some(urls.featured(&username)),
            public_key_pem: keys.public_pem.clone(),
            private_key_pem: Some(keys.private_pem.clone()),
            public_key_id: None,
            also_known_as: "[]".into(),
            followers_count: 0,
            following_count: 0,
            statuses_count: 0,
            last_status_at: None,
            suspended_at: None,
            silenced_at: None,
            sensitized_at: None,
            fetched_at: None,
            created_at: created,
            updated_at: created,
        });
        users.push(user::Model {
            id: id::next_id(),
            account_id,
            email: format!("{username}@bench.invalid"),
            password_hash: hash.clone(),
            role: "user".into(),
            approved: true,
            disabled: false,
            locale: "en".into(),
            registration_reason: String::new(),
            default_visibility: "public".into(),
            default_sensitive: false,
            default_language: None,
            confirmed_at: Some(created),
            last_sign_in_at: None,
            created_at: created,
            updated_at: created,
        });
    }
    let mut rng = rand::thread_rng();
    // Who follows whom.
    let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
    let mut followers_of: Vec<Vec<i64>> = vec![Vec::new(); ids.len()];
    let mut follows = Vec::new();
    for (i, &me) in ids.iter().enumerate() {
        let mut targets: Vec<usize> = (0..ids.len()).filter(|&j| j != i).collect();
        targets.shuffle(&mut rng);
        for &j in targets.iter().take(args.follows) {
            followers_of[j].push(me);
            follows.push(follow::Model {
                id: id::next_id(),
                account_id: me,
                target_account_id: ids[j],
                show_reblogs: true,
                notify: false,
                languages: None,
                uri: None,
                created_at: now - Duration::days(45),
            });
        }
    }
    for (i, a) in accounts.iter_mut().enumerate() {
        a.followers_count = followers_of[i].len() as i64;
        a.following_count = args.follows.min(ids.len().saturating_sub(1)) as i64;
    }

    let db = &inst.store.write;
    eprintln!(
        "writing {} accounts and {} follows",
        accounts.len(),
        follows.len()
    );
    let txn = db.begin().await?;
    for chunk in accounts.chunks(200) {
        account::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    for chunk in users.chunks(500) {
        user::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    for chunk in follows.chunks(2000) {
        follow::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;

    // Statuses in time order over the last 30 days, with their home-feed fan-out.
    let span_ms = Duration::days(30).num_milliseconds();
    let start = now - Duration::days(30);
    let batch = 5000;
    let mut written = 0;
    let mut counts = vec![0i64; ids.len()];
    while written < args.statuses {
        let n = batch.min(args.statuses - written);
        let txn = db.begin().await?;
        let mut statuses = Vec::with_capacity(n);
        let mut feed = Vec::with_capacity(n * (args.follows + 1));
        for k in 0..n {
            let idx = written + k;
            let at =
                start + Duration::milliseconds(span_ms * idx as i64 / args.statuses.max(1) as i64);
            let author = rng.gen_range(0..ids.len());
            counts[author] += 1;
            let sid = id::id_at(at);
            let username = &accounts[author].username;
            statuses.push(status::Model {
                id: sid,
                uri: urls.status(username, sid),
                url: Some(urls.status_page(username, sid)),
                account_id: ids[author],
                local: true,
                in_reply_to_id: None,
                in_reply_to_account_id: None,
                reblog_of_id: None,
                text: format!("Benchmark post {idx}"),
                content: format!("<p>Benchmark post {idx}</p>"),
                spoiler_text: String::new(),
                sensitive: false,
                visibility: "public".into(),
                language: Some("en".into()),
                application_id: None,
                has_media: false,
                replies_count: 0,
                reblogs_count: 0,
                favourites_count: 0,
                edited_at: None,
                conversation: None,
                created_at: at,
                updated_at: at,
            });
            feed.push(home_feed::Model {
                account_id: ids[author],
                status_id: sid,
                author_id: ids[author],
            });
            for &f in &followers_of[author] {
                feed.push(home_feed::Model {
                    account_id: f,
                    status_id: sid,
                    author_id: ids[author],
                });
            }
        }
        for chunk in statuses.chunks(500) {
            status::Entity::insert_many(
                chunk
                    .iter()
                    .cloned()
                    .map(IntoActiveModel::into_active_model),
            )
            .exec_without_returning(&txn)
            .await?;
        }
        for chunk in feed.chunks(3000) {
            home_feed::Entity::insert_many(
                chunk
                    .iter()
                    .cloned()
                    .map(IntoActiveModel::into_active_model),
            )
            .exec_without_returning(&txn)
            .await?;
        }
        txn.commit().await?;
        written += n;
        if written % 100_000 == 0 || written == args.statuses {
            eprintln!("  {written} statuses");
        }
    }
    for (i, a) in accounts.iter().enumerate() {
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, QueryFilter};
        account::Entity::update_many()
            .col_expr(account::Column::StatusesCount, Expr::value(counts[i]))
            .col_expr(account::Column::LastStatusAt, Expr::value(Some(now)))
            .filter(account::Column::Id.eq(a.id))
            .exec(db)
            .await?;
    }

    let app = oauth::create_application(
        &inst,
        NewApplication {
            name: "benchmark".into(),
            redirect_uris: vec![oauth::OOB_REDIRECT.into()],
            scopes: "read write follow".into(),
            website: None,
        },
        None,
    )
    .await?;
    let scopes = Scopes::parse("read write follow").map_err(anyhow::Error::msg)?;
    let mut tokens = String::new();
    for u in users.iter().take(args.token_count) {
        let issued = oauth::issue_token(&inst, &app, Some(u.id), &scopes, None).await?;
        tokens.push_str(&issued.token);
        tokens.push('\n');
    }
    std::fs::write(&args.tokens, tokens)
        .with_context(|| format!("cannot write {}", args.tokens.display()))?;
    eprintln!(
        "wrote {} tokens to {}",
        args.token_count.min(users.len()),
        args.tokens.display()
    );
    // Leave the database checkpointed, so that the benchmark measures a normal start.
    inst.store.close().await;
    Ok(())
}
