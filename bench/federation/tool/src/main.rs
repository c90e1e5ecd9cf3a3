//! fedbench: the load tools of `bench/federation/*.sh`.
//!
//! - `fedbench sink`: plays many remote servers at once, one loopback port each (for
//!   Starling, `127.0.0.1:PORT` is a host of its own). Answers every request `202`,
//!   counts POSTs per port, verifies one signature in `--verify-every` (draft-cavage,
//!   RSA, against the sender's public key) together with its body digest, and exits
//!   with its figures when `--expect` POSTs arrived or none came for `--idle-exit`
//!   seconds.
//! - `fedbench followers`: SQL that seeds remote followers of a local account, one per
//!   sink port.
//! - `fedbench actors`: generates remote actors' RSA keys and the SQL that makes them
//!   known to Starling (`public_key_id` set, so no key is fetched).
//! - `fedbench inbox-load`: pre-signs distinct `Create(Note)` activities by those actors
//!   (outside the timed part), then POSTs them over keep-alive connections from one
//!   thread and reports answers per second and latency.
//!
//! Options are `--name value`; every run is bounded in count and time and loopback only.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type Opts = HashMap<String, String>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else { usage() };
    let opts = parse_opts(&args[1..]);
    match cmd.as_str() {
        "sink" => sink(&opts),
        "followers" => followers(&opts),
        "actors" => actors(&opts),
        "inbox-load" => inbox_load(&opts),
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: fedbench sink --base-port P --ports N --expect N [--public-key FILE] \
         [--key-id ID] [--verify-every 50] [--idle-exit 10] [--max-secs 600] [--threads 1]\n\
         \x20      fedbench followers --local-id ID --base-port P --hosts N\n\
         \x20      fedbench actors --actors N --actor-host HOST:PORT --local-id ID --out DIR\n\
         \x20      fedbench inbox-load --keys DIR --actor-host HOST:PORT --target HOST:PORT \
         --requests N [--concurrency 32] [--max-secs 300]"
    );
    std::process::exit(2)
}

fn parse_opts(args: &[String]) -> Opts {
    let mut opts = Opts::new();
    let mut it = args.iter();
    while let Some(name) = it.next() {
        let Some(name) = name.strip_prefix("--") else {
            usage()
        };
        let Some(value) = it.next() else { usage() };
        opts.insert(name.to_string(), value.clone());
    }
    opts
}

fn opt<T: std::str::FromStr>(opts: &Opts, name: &str, default: Option<T>) -> T {
    match opts.get(name) {
        Some(v) => v.parse().unwrap_or_else(|_| {
            eprintln!("--{name}: cannot read {v:?}");
            std::process::exit(2)
        }),
        None => default.unwrap_or_else(|| {
            eprintln!("--{name} is required");
            std::process::exit(2)
        }),
    }
}

/// CPU seconds (user + system) this process used so far, from /proc/self/stat.
fn cpu_seconds() -> f64 {
    cpu_seconds_of("/proc/self/stat")
}

fn cpu_seconds_of(stat_file: &str) -> f64 {
    let stat = std::fs::read_to_string(stat_file).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

// ---------------------------------------------------------------------------- sink

struct SinkState {
    start: Instant,
    expect: u64,
    verify_every: u64,
    key: Option<Vec<u8>>,
    key_id: Option<String>,
    count: AtomicU64,
    /// Microseconds since `start` of each POST received, in arrival order.
    arrivals: Mutex<Vec<u64>>,
    per_port: Vec<AtomicU32>,
    base_port: u16,
    verified: AtomicU64,
    bad: AtomicU64,
    errors: Mutex<Vec<String>>,
    last: AtomicU64,
    done: AtomicBool,
}

fn sink(opts: &Opts) {
    let base_port: u16 = opt(opts, "base-port", None);
    let ports: u16 = opt(opts, "ports", None);
    let threads: usize = opt(opts, "threads", Some(1));
    let key = opts.get("public-key").map(|file| {
        let text = std::fs::read_to_string(file).expect("public key file");
        pem::parse(text.trim())
            .expect("public key PEM")
            .contents()
            .to_vec()
    });
    let state = Arc::new(SinkState {
        start: Instant::now(),
        expect: opt(opts, "expect", None),
        verify_every: opt(opts, "verify-every", Some(50)),
        key,
        key_id: opts.get("key-id").cloned(),
        count: AtomicU64::new(0),
        arrivals: Mutex::new(Vec::new()),
        per_port: (0..ports).map(|_| AtomicU32::new(0)).collect(),
        base_port,
        verified: AtomicU64::new(0),
        bad: AtomicU64::new(0),
        errors: Mutex::new(Vec::new()),
        last: AtomicU64::new(0),
        done: AtomicBool::new(false),
    });
    let idle = Duration::from_secs_f64(opt(opts, "idle-exit", Some(10.0)));
    let max = Duration::from_secs_f64(opt(opts, "max-secs", Some(600.0)));
    let rt = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    }
    .unwrap();
    rt.block_on(async move {
        for i in 0..ports {
            let port = base_port + i;
            let addr: SocketAddr = ([127, 0, 0, 1], port).into();
            let listener = match TcpListener::bind(addr).await {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("sink: cannot listen on {addr}: {e}");
                    std::process::exit(1)
                }
            };
            let state = state.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    let state = state.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |req| handle(state.clone(), i, req));
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        }
        println!(
            "sink: listening on 127.0.0.1:{base_port}-{}",
            base_port + ports - 1
        );
        loop {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let n = state.count.load(Ordering::Relaxed);
            let now = state.start.elapsed();
            let last = Duration::from_micros(state.last.load(Ordering::Relaxed));
            let idle_out = n > 0 && now.saturating_sub(last) > idle;
            if n >= state.expect || idle_out || now > max {
                state.done.store(true, Ordering::Relaxed);
                // Let in-flight answers go out.
                tokio::time::sleep(Duration::from_millis(50)).await;
                report(
                    &state,
                    if n >= state.expect {
                        "expected count reached"
                    } else if idle_out {
                        "idle"
                    } else {
                        "time limit"
                    },
                );
                std::process::exit(0);
            }
        }
    });
}

async fn handle(
    state: Arc<SinkState>,
    port_index: u16,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    if parts.method == hyper::Method::POST {
        let n = state.count.fetch_add(1, Ordering::Relaxed);
        let at = state.start.elapsed().as_micros() as u64;
        state.last.fetch_max(at, Ordering::Relaxed);
        state.arrivals.lock().unwrap().push(at);
        state.per_port[port_index as usize].fetch_add(1, Ordering::Relaxed);
        if state.verify_every > 0
            && n.is_multiple_of(state.verify_every)
            && let Some(key) = &state.key
        {
            let path = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            match verify_cavage(key, state.key_id.as_deref(), path, &parts.headers, &body) {
                Ok(()) => state.verified.fetch_add(1, Ordering::Relaxed),
                Err(e) => {
                    let mut errors = state.errors.lock().unwrap();
                    if errors.len() < 5 {
                        errors.push(e);
                    }
                    state.bad.fetch_add(1, Ordering::Relaxed)
                }
            };
        }
    }
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::ACCEPTED;
    Ok(resp)
}

/// Checks a draft-cavage `rsa-sha256` signature of a POST and its `Digest`.
fn verify_cavage(
    key_der: &[u8],
    expected_key_id: Option<&str>,
    path: &str,
    headers: &hyper::HeaderMap,
    body: &[u8],
) -> Result<(), String> {
    let sig = headers
        .get("signature")
        .and_then(|v| v.to_str().ok())
        .ok_or("no Signature header")?;
    let mut params = HashMap::new();
    for part in sig.split("\",") {
        let (name, value) = part.split_once("=\"").ok_or("unreadable Signature")?;
        params.insert(
            name.trim().to_ascii_lowercase(),
            value.trim_end_matches('"'),
        );
    }
    let key_id = params.get("keyid").ok_or("no keyId")?;
    if let Some(expected) = expected_key_id
        && *key_id != expected
    {
        return Err(format!("keyId {key_id}, expected {expected}"));
    }
    let covered = params.get("headers").ok_or("no headers")?;
    let mut lines = Vec::new();
    for name in covered.split_whitespace() {
        if name == "(request-target)" {
            lines.push(format!("(request-target): post {path}"));
        } else {
            let value = headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| format!("covered header {name} missing"))?;
            lines.push(format!("{name}: {value}"));
        }
    }
    for required in ["(request-target)", "host", "date", "digest"] {
        if !covered.split_whitespace().any(|c| c == required) {
            return Err(format!("{required} not covered"));
        }
    }
    let signature = STANDARD
        .decode(params.get("signature").ok_or("no signature")?)
        .map_err(|_| "signature not base64")?;
    UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, key_der)
        .verify(lines.join("\n").as_bytes(), &signature)
        .map_err(|_| "signature does not verify".to_string())?;
    let digest = format!(
        "SHA-256={}",
        STANDARD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, body))
    );
    match headers.get("digest").and_then(|v| v.to_str().ok()) {
        Some(d) if d == digest => Ok(()),
        _ => Err("body does not match Digest".into()),
    }
}

fn report(state: &SinkState, why: &str) {
    let mut arrivals = state.arrivals.lock().unwrap().clone();
    arrivals.sort_unstable();
    let n = arrivals.len();
    let hosts = state
        .per_port
        .iter()
        .filter(|c| c.load(Ordering::Relaxed) > 0)
        .count();
    let (first, last) = (
        arrivals.first().copied().unwrap_or(0),
        arrivals.last().copied().unwrap_or(0),
    );
    let span = (last - first) as f64 / 1e6;
    let rate = if span > 0.0 {
        (n - 1) as f64 / span
    } else {
        0.0
    };
    // The middle 80 % of the arrivals: start-up and the tail left out.
    let (lo, hi) = (n / 10, n * 9 / 10);
    let mid_span = if hi > lo + 1 {
        (arrivals[hi - 1] - arrivals[lo]) as f64 / 1e6
    } else {
        0.0
    };
    let mid_rate = if mid_span > 0.0 {
        (hi - lo - 1) as f64 / mid_span
    } else {
        0.0
    };
    let max_per_host = state
        .per_port
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .max()
        .unwrap_or(0);
    let verified = state.verified.load(Ordering::Relaxed);
    let bad = state.bad.load(Ordering::Relaxed);
    println!(
        "sink: {n} POSTs ({why}) from {hosts} hosts (127.0.0.1:{}..), at most {max_per_host} per host",
        state.base_port
    );
    println!(
        "sink: first to last POST {span:.3} s = {rate:.0} deliveries/s; middle 80 %: {mid_rate:.0}/s"
    );
    println!(
        "sink: signatures verified: {verified} good, {bad} bad (1 in {} sampled)",
        state.verify_every
    );
    println!("sink: CPU used by the sink itself: {:.2} s", cpu_seconds());
    for e in state.errors.lock().unwrap().iter() {
        println!("sink: bad signature: {e}");
    }
    println!(
        "RESULT {}",
        serde_json::json!({
            "posts": n, "hosts": hosts, "span_s": span, "rate": rate,
            "mid_rate": mid_rate, "verified": verified, "bad": bad,
            "first_s": first as f64 / 1e6, "last_s": last as f64 / 1e6,
        })
    );
}

// ------------------------------------------------------------------------ seeding

/// One generated key as PKCS#8 PEM and its SPKI public PEM.
fn generate_key() -> (String, String) {
    let pair = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let private = pem::encode(&pem::Pem::new(
        "PRIVATE KEY",
        pair.as_der().unwrap().as_ref().to_vec(),
    ));
    let public = pem::encode(&pem::Pem::new(
        "PUBLIC KEY",
        aws_lc_rs::signature::KeyPair::public_key(&pair)
            .as_der()
            .unwrap()
            .as_ref()
            .to_vec(),
    ));
    (private, public)
}

fn sql_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A timestamp as sea-orm stores `DateTime<Utc>` in SQLite, quoted.
fn sql_now() -> String {
    let ms = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    format!("'{}000000+00:00'", civil(ms).trim_end_matches('Z'))
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of a time in milliseconds since the epoch.
fn civil(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

/// `INSERT` of a remote account; `id` must be unique.
fn remote_account_sql(
    id: i64,
    username: &str,
    host: &str,
    public_pem: &str,
    key_id: Option<&str>,
) -> String {
    let base = format!("http://{host}");
    let uri = format!("{base}/users/{username}");
    let now = sql_now();
    format!(
        "INSERT INTO accounts (id, username, domain, acct_key, display_name, note, note_source, \
         fields, locked, bot, discoverable, indexable, hide_collections, actor_type, uri, url, \
         inbox_url, shared_inbox_url, outbox_url, followers_url, following_url, featured_url, \
         public_key_pem, public_key_id, also_known_as, followers_count, following_count, \
         statuses_count, fetched_at, created_at, updated_at) VALUES ({id}, {user}, {host_q}, \
         {acct}, {user}, '', '', '[]', false, false, true, false, false, 'Person', {uri_q}, \
         {uri_q}, {inbox}, NULL, {outbox}, {followers}, {following}, NULL, {pem}, {key_id}, '[]', \
         1, 0, 0, {now}, {now}, {now});\n",
        user = sql_text(username),
        host_q = sql_text(host),
        acct = sql_text(&format!("{}@{}", username.to_lowercase(), host)),
        uri_q = sql_text(&uri),
        inbox = sql_text(&format!("{uri}/inbox")),
        outbox = sql_text(&format!("{uri}/outbox")),
        followers = sql_text(&format!("{uri}/followers")),
        following = sql_text(&format!("{uri}/following")),
        pem = sql_text(public_pem),
        key_id = key_id.map_or("NULL".to_string(), sql_text),
    )
}

fn follow_sql(id: i64, follower: i64, target: i64) -> String {
    format!(
        "INSERT INTO follows (id, account_id, target_account_id, show_reblogs, notify, languages, \
         uri, created_at) VALUES ({id}, {follower}, {target}, true, false, NULL, NULL, {});\n",
        sql_now()
    )
}

/// Ids for seeded rows: far above what `next_id` hands out today, distinct per run.
fn id_base() -> i64 {
    let ms = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    (ms << 16) + (1 << 62) / 2
}

fn followers(opts: &Opts) {
    let local: i64 = opt(opts, "local-id", None);
    let base_port: u16 = opt(opts, "base-port", None);
    let hosts: u16 = opt(opts, "hosts", None);
    let (_, public) = generate_key();
    let base = id_base();
    let mut sql = String::from("BEGIN;\n");
    for i in 0..hosts {
        let host = format!("127.0.0.1:{}", base_port + i);
        let id = base + i64::from(i) * 2;
        sql.push_str(&remote_account_sql(id, "follower", &host, &public, None));
        sql.push_str(&follow_sql(id + 1, id, local));
    }
    sql.push_str(&format!(
        "UPDATE accounts SET followers_count = followers_count + {hosts} WHERE id = {local};\nCOMMIT;\n"
    ));
    print!("{sql}");
}

fn actors(opts: &Opts) {
    let n: usize = opt(opts, "actors", None);
    let host: String = opt(opts, "actor-host", None);
    let local: i64 = opt(opts, "local-id", None);
    let out: String = opt(opts, "out", None);
    std::fs::create_dir_all(&out).unwrap();
    let base = id_base();
    let mut sql = String::from("BEGIN;\n");
    let mut keys = String::new();
    for i in 0..n {
        let (private, public) = generate_key();
        let username = format!("a{i}");
        let key_id = format!("http://{host}/users/{username}#main-key");
        let id = base + i as i64 * 2;
        sql.push_str(&remote_account_sql(
            id,
            &username,
            &host,
            &public,
            Some(&key_id),
        ));
        // The local account follows every actor, so their posts reach a home feed.
        sql.push_str(&follow_sql(id + 1, local, id));
        keys.push_str(&private);
    }
    sql.push_str(&format!(
        "UPDATE accounts SET following_count = following_count + {n} WHERE id = {local};\nCOMMIT;\n"
    ));
    std::fs::write(format!("{out}/actors.sql"), sql).unwrap();
    std::fs::write(format!("{out}/keys.pem"), keys).unwrap();
    eprintln!("actors: {n} keys in {out}/keys.pem, SQL in {out}/actors.sql");
}

// -------------------------------------------------------------------- inbox load

fn create_note(actor: &str, n: u64, now: &str) -> Vec<u8> {
    let note = format!("{actor}/statuses/{n}");
    serde_json::to_vec(&serde_json::json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": format!("{note}/activity"),
        "type": "Create",
        "actor": actor,
        "published": now,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [format!("{actor}/followers")],
        "object": {
            "id": note,
            "type": "Note",
            "attributedTo": actor,
            "published": now,
            "url": format!("{note}"),
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{actor}/followers")],
            "sensitive": false,
            "content": format!(
                "<p>Benchmark post number {n}, with a <a href=\"https://example.com/\" \
                 rel=\"nofollow noopener\">link</a> and a few more words so that it is about \
                 as long as a typical post on the fediverse, which is a couple of sentences \
                 of text, a link, and sometimes a hashtag or two.</p>"
            ),
            "tag": [],
            "attachment": [],
            "replies": {"id": format!("{note}/replies"), "type": "Collection", "first": {
                "type": "CollectionPage", "next": format!("{note}/replies?page=true"),
                "partOf": format!("{note}/replies"), "items": []}}
        }
    }))
    .unwrap()
}

/// One request, ready to write: headers signed by `key` for `target`.
fn signed_request(target: &str, key_id: &str, key: &KeyPair, body: &[u8], date: &str) -> Vec<u8> {
    let digest = format!(
        "SHA-256={}",
        STANDARD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, body))
    );
    let content_type = "application/activity+json";
    let signing = format!(
        "(request-target): post /inbox\nhost: {target}\ndate: {date}\ndigest: {digest}\ncontent-type: {content_type}"
    );
    let mut sig = vec![0; key.public_modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        signing.as_bytes(),
        &mut sig,
    )
    .unwrap();
    let mut out = format!(
        "POST /inbox HTTP/1.1\r\nHost: {target}\r\nDate: {date}\r\nDigest: {digest}\r\n\
         Content-Type: {content_type}\r\nUser-Agent: fedbench\r\nSignature: keyId=\"{key_id}\",\
         algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest content-type\",\
         signature=\"{}\"\r\nContent-Length: {}\r\n\r\n",
        STANDARD.encode(&sig),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

fn inbox_load(opts: &Opts) {
    let keys_dir: String = opt(opts, "keys", None);
    let actor_host: String = opt(opts, "actor-host", None);
    let target: String = opt(opts, "target", None);
    let requests: usize = opt(opts, "requests", None);
    let concurrency: usize = opt(opts, "concurrency", Some(32));
    let max = Duration::from_secs_f64(opt(opts, "max-secs", Some(300.0)));
    let keys_text = std::fs::read_to_string(format!("{keys_dir}/keys.pem")).expect("keys.pem");
    let keys: Vec<KeyPair> = pem::parse_many(&keys_text)
        .unwrap()
        .iter()
        .map(|p| KeyPair::from_pkcs8(p.contents()).unwrap())
        .collect();
    assert!(!keys.is_empty(), "no keys in {keys_dir}/keys.pem");

    // Pre-signing, on every core, before anything is timed.
    let started = Instant::now();
    let date = httpdate::fmt_http_date(SystemTime::now());
    let now_ms = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let run = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut signed: Vec<Vec<u8>> = Vec::with_capacity(requests);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (keys, target, actor_host, date) = (&keys, &target, &actor_host, &date);
                s.spawn(move || {
                    (t..requests)
                        .step_by(threads)
                        .map(|i| {
                            let a = i % keys.len();
                            let actor = format!("http://{actor_host}/users/a{a}");
                            // Distinct publication times, 10 ms apart, in the past.
                            let published = civil(now_ms - 10 * (requests - i) as i64);
                            let body = create_note(&actor, run * 1_000_000 + i as u64, &published);
                            signed_request(
                                target,
                                &format!("{actor}#main-key"),
                                &keys[a],
                                &body,
                                date,
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let parts: Vec<Vec<Vec<u8>>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        for i in 0..requests {
            signed.push(parts[i % threads][i / threads].clone());
        }
    });
    let bytes: usize = signed.iter().map(Vec::len).sum();
    eprintln!(
        "inbox-load: pre-signed {requests} requests by {} actors ({:.0} bytes each) in {:.1} s",
        keys.len(),
        bytes as f64 / requests as f64,
        started.elapsed().as_secs_f64()
    );

    // The load, from one thread.
    let signed = Arc::new(signed);
    let next = Arc::new(AtomicUsize::new(0));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Another process whose CPU use during the load is reported (the server).
    let watch: Option<u32> = opts.get("watch-pid").and_then(|p| p.parse().ok());
    let watched = |pid: Option<u32>| pid.map(|p| cpu_seconds_of(&format!("/proc/{p}/stat")));
    let watch_before = watched(watch);
    let cpu_before = cpu_seconds();
    let (results, wall) = rt.block_on(async {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (signed, next, target) = (signed.clone(), next.clone(), target.clone());
            tasks.push(tokio::spawn(async move {
                connection(&target, &signed, &next, start, max).await
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.push(t.await.unwrap());
        }
        (all, start.elapsed())
    });
    let cpu = cpu_seconds() - cpu_before;
    let watch_cpu = watched(watch).zip(watch_before).map(|(a, b)| a - b);
    let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut last_ok = Duration::ZERO;
    for r in results {
        for (s, n) in r.statuses {
            *statuses.entry(s).or_default() += n;
        }
        latencies.extend(r.latencies);
        errors += r.errors;
        last_ok = last_ok.max(r.last_accepted);
    }
    latencies.sort_unstable();
    let accepted = statuses.get(&202).copied().unwrap_or(0);
    let wall_s = wall.as_secs_f64();
    let rate = latencies.len() as f64 / wall_s;
    let accepted_rate = accepted as f64 / wall_s;
    println!(
        "inbox-load: {} answers in {wall_s:.2} s over {concurrency} connections: {rate:.0}/s; \
         202 Accepted: {accepted} = {accepted_rate:.0}/s; statuses {statuses:?}; connection errors {errors}",
        latencies.len()
    );
    println!(
        "inbox-load: latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         generator CPU {cpu:.2} s = {:.2} cores",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
        cpu / wall_s
    );
    if let Some(c) = watch_cpu {
        println!(
            "inbox-load: server (pid {}) CPU during the load {c:.2} s = {:.2} cores",
            watch.unwrap(),
            c / wall_s
        );
    }
    println!(
        "RESULT {}",
        serde_json::json!({
            "answers": latencies.len(), "accepted": accepted, "wall_s": wall_s,
            "rate": rate, "accepted_rate": accepted_rate, "errors": errors,
            "p50_ms": percentile(&latencies, 0.5), "p99_ms": percentile(&latencies, 0.99),
            "generator_cores": cpu / wall_s,
            "server_cores": watch_cpu.map(|c| c / wall_s),
            "statuses": statuses.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>(),
        })
    );
}

#[derive(Default)]
struct ConnResult {
    statuses: HashMap<u16, u64>,
    latencies: Vec<u32>,
    errors: u64,
    last_accepted: Duration,
}

/// One keep-alive connection sending requests until none is left (or time is up);
/// reconnects when the server closes.
async fn connection(
    target: &str,
    signed: &[Vec<u8>],
    next: &AtomicUsize,
    start: Instant,
    max: Duration,
) -> ConnResult {
    let mut result = ConnResult::default();
    let mut stream: Option<TcpStream> = None;
    let mut buf = vec![0u8; 16 * 1024];
    'requests: loop {
        if start.elapsed() > max {
            break;
        }
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= signed.len() {
            break;
        }
        for _try in 0..3 {
            if stream.is_none() {
                match TcpStream::connect(target).await {
                    Ok(s) => {
                        let _ = s.set_nodelay(true);
                        stream = Some(s)
                    }
                    Err(_) => {
                        result.errors += 1;
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                }
            }
            let s = stream.as_mut().unwrap();
            let sent = Instant::now();
            if s.write_all(&signed[i]).await.is_err() {
                stream = None;
                result.errors += 1;
                continue;
            }
            match read_response(s, &mut buf).await {
                Some((status, close)) => {
                    result.latencies.push(sent.elapsed().as_micros() as u32);
                    *result.statuses.entry(status).or_default() += 1;
                    if status == 202 {
                        result.last_accepted = start.elapsed();
                    }
                    if close {
                        stream = None;
                    }
                    continue 'requests;
                }
                None => {
                    stream = None;
                    result.errors += 1;
                }
            }
        }
    }
    result
}

/// Reads one response (Content-Length bodies only); returns its status and whether
/// the server closes the connection.
async fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(u16, bool)> {
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = s.read(&mut buf[filled..]).await.ok()?;
        if n == 0 {
            return None;
        }
        filled += n;
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut resp = httparse::Response::new(&mut headers);
        let Ok(httparse::Status::Complete(head)) = resp.parse(&buf[..filled]) else {
            continue;
        };
        let status = resp.code?;
        let mut length = 0usize;
        let mut close = false;
        for h in resp.headers.iter() {
            if h.name.eq_ignore_ascii_case("content-length") {
                length = std::str::from_utf8(h.value).ok()?.trim().parse().ok()?;
            } else if h.name.eq_ignore_ascii_case("connection") {
                close = h.value.eq_ignore_ascii_case(b"close");
            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                return None;
            }
        }
        let mut have = filled - head;
        while have < length {
            let mut rest = vec![0u8; length - have];
            let n = s.read(&mut rest).await.ok()?;
            if n == 0 {
                return None;
            }
            have += n;
        }
        return Some((status, close));
    }
}
