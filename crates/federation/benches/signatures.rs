//! `cargo bench -p starling-federation --bench signatures`: the CPU cost of HTTP
//! signatures as deliveries and the inbox pay it (docs/performance.md, "Federation").
//!
//! - `sign_request`: draft-cavage signing of a delivery POST with a 2 KB body, what
//!   the delivery worker does for every inbox (SHA-256 digest of the body, the signing
//!   string, one RSA-2048 PKCS#1 v1.5 signature, base64, headers);
//! - `verify`: what the inbox does with such a request before it answers:
//!   `parse_request_signature`, `check_freshness`, `verify_body_digest` and `verify`
//!   with a parsed key, and the same plus `PublicKey::from_pem` (the inbox reads the
//!   key from its PEM on every request);
//! - the bare RSA-2048 operations, to compare with `openssl speed rsa2048`.

use std::hint::black_box;
use std::time::SystemTime;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http::header::{ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Method};
use starling_federation::signatures::{
    PrivateKey, PublicKey, RequestParts, parse_request_signature, sign_request, verify_body_digest,
};

const KEY_ID: &str = "https://social.example/users/alice#main-key";
const INBOX: &str = "https://remote.example/inbox";

/// A `Create(Note)` of about 2 KB, as Starling sends it.
fn body() -> Vec<u8> {
    let text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(12);
    let body = serde_json::json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": "https://social.example/users/alice/statuses/115000000000000001/activity",
        "type": "Create",
        "actor": "https://social.example/users/alice",
        "published": "2026-12-01T10:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": ["https://social.example/users/alice/followers"],
        "object": {
            "id": "https://social.example/users/alice/statuses/115000000000000001",
            "type": "Note",
            "attributedTo": "https://social.example/users/alice",
            "published": "2026-12-01T10:00:00Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": ["https://social.example/users/alice/followers"],
            "content": format!("<p>{text}</p>"),
            "contentMap": {"en": format!("<p>{text}</p>")},
            "url": "https://social.example/@alice/115000000000000001",
            "sensitive": false,
            "tag": [],
            "attachment": []
        }
    });
    serde_json::to_vec(&body).unwrap()
}

fn keys() -> (PrivateKey, String) {
    let pair = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let der = pair.as_der().unwrap();
    let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", der.as_ref().to_vec()));
    let private = PrivateKey::from_pem(&pem).unwrap();
    let public_pem = private.public_key_pem().unwrap();
    (private, public_pem)
}

fn base_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/activity+json"),
    );
    headers.insert(
        ACCEPT,
        HeaderValue::from_static("application/activity+json"),
    );
    headers
}

fn bench(c: &mut Criterion) {
    let (private, public_pem) = keys();
    let public = PublicKey::from_pem(&public_pem).unwrap();
    let url = url::Url::parse(INBOX).unwrap();
    let body = body();
    assert!((1900..2300).contains(&body.len()), "{} bytes", body.len());

    let mut sign = c.benchmark_group("sign");
    sign.throughput(Throughput::Elements(1));
    sign.bench_function("sign_request POST 2 KB (draft-cavage, RSA-2048)", |b| {
        b.iter(|| {
            let mut headers = base_headers();
            sign_request(
                &Method::POST,
                &url,
                &mut headers,
                Some(black_box(&body)),
                KEY_ID,
                &private,
                SystemTime::now(),
            )
            .unwrap();
            headers
        })
    });
    sign.bench_function("RSA-2048 PKCS#1 v1.5 SHA-256 sign, 200-byte message", |b| {
        let message = [b'x'; 200];
        b.iter(|| private.sign(black_box(&message)).unwrap())
    });
    sign.finish();

    // One signed request, as the inbox receives it.
    let mut headers = base_headers();
    let now = SystemTime::now();
    sign_request(
        &Method::POST,
        &url,
        &mut headers,
        Some(&body),
        KEY_ID,
        &private,
        now,
    )
    .unwrap();
    let parts = RequestParts::from_url(&Method::POST, &url);

    let mut verify = c.benchmark_group("verify");
    verify.throughput(Throughput::Elements(1));
    verify.bench_function("parse_request_signature + verify (parsed key)", |b| {
        b.iter(|| {
            let parsed = parse_request_signature(&parts, black_box(&headers)).unwrap();
            parsed.verify(&public).unwrap();
        })
    });
    verify.bench_function(
        "inbox checks: parse + freshness + body digest + verify (parsed key)",
        |b| {
            b.iter(|| {
                let parsed = parse_request_signature(&parts, black_box(&headers)).unwrap();
                parsed.check_freshness(&headers, now).unwrap();
                verify_body_digest(&headers, black_box(&body)).unwrap();
                parsed.verify(&public).unwrap();
            })
        },
    );
    verify.bench_function(
        "inbox checks + PublicKey::from_pem (as the inbox does)",
        |b| {
            b.iter(|| {
                let parsed = parse_request_signature(&parts, black_box(&headers)).unwrap();
                parsed.check_freshness(&headers, now).unwrap();
                verify_body_digest(&headers, black_box(&body)).unwrap();
                let key = PublicKey::from_pem(black_box(&public_pem)).unwrap();
                parsed.verify(&key).unwrap();
            })
        },
    );
    verify.bench_function("PublicKey::from_pem (RSA-2048 SPKI)", |b| {
        b.iter(|| PublicKey::from_pem(black_box(&public_pem)).unwrap())
    });
    verify.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
