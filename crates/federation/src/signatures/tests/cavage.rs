//! draft-cavage: our signatures round-trip, and peers' spellings verify.

use http::header::{ACCEPT, CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderValue, Method};
use url::Url;

use super::super::keys::Verifier;
use super::super::test_support::{keys, other_keys};
use super::super::*;
use super::{BODY, BODY_SHA256, HOUR, NOW_HTTP_DATE, b64, headers, now};

const KEY_ID: &str = "https://local.example/users/alice#main-key";

/// Signs a POST of [`BODY`] to `url` at `at`.
fn signed_post(url: &Url, at: std::time::SystemTime) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/activity+json"),
    );
    sign_request(
        &Method::POST,
        url,
        &mut headers,
        Some(BODY),
        KEY_ID,
        &keys().0,
        at,
    )
    .unwrap();
    headers
}

fn parse(
    method: &Method,
    url: &Url,
    headers: &HeaderMap,
) -> Result<ParsedSignature, SignatureError> {
    parse_request_signature(&RequestParts::from_url(method, url), headers)
}

/// A `Signature` header over `signing_string`, written by hand.
fn hand_signed(params: &str, signing_string: &str) -> String {
    let signature = b64(&keys().0.sign(signing_string.as_bytes()).unwrap());
    format!(r#"keyId="{KEY_ID}",{params},signature="{signature}""#)
}

#[test]
fn post_round_trip() {
    let url = Url::parse("https://remote.example/users/bob/inbox").unwrap();
    let headers = signed_post(&url, now());
    let header = headers["signature"].to_str().unwrap();
    assert!(header.starts_with(concat!(
        r#"keyId="https://local.example/users/alice#main-key",algorithm="rsa-sha256","#,
        r#"headers="(request-target) host date digest content-type",signature=""#
    )));
    let parsed = parse(&Method::POST, &url, &headers).unwrap();
    assert_eq!(parsed.key_id, KEY_ID);
    assert_eq!(parsed.scheme, Scheme::Cavage);
    assert_eq!(parsed.algorithm, Algorithm::RsaSha256);
    parsed.verify(&keys().1).unwrap();
    parsed.check_freshness(&headers, now() + HOUR).unwrap();
    verify_body_digest(&headers, BODY).unwrap();
}

#[test]
fn signing_string_is_the_drafts() {
    let url = Url::parse("https://remote.example:8443/users/bob/inbox?x=1").unwrap();
    let headers = signed_post(&url, now());
    assert_eq!(headers[HOST], "remote.example:8443");
    assert_eq!(headers["date"], NOW_HTTP_DATE);
    assert_eq!(headers["digest"], format!("SHA-256={BODY_SHA256}").as_str());
    let expected = format!(
        "(request-target): post /users/bob/inbox?x=1\nhost: remote.example:8443\n\
         date: {NOW_HTTP_DATE}\ndigest: SHA-256={BODY_SHA256}\n\
         content-type: application/activity+json"
    );
    let header = headers["signature"].to_str().unwrap();
    let signature = header
        .rsplit_once("signature=\"")
        .unwrap()
        .1
        .trim_end_matches('"');
    let signature = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, signature);
    keys()
        .1
        .verify(
            Verifier::RsaPkcs1Sha256,
            expected.as_bytes(),
            &signature.unwrap(),
        )
        .unwrap();
    assert_eq!(
        parse(&Method::POST, &url, &headers).unwrap().signing_string,
        expected.as_bytes()
    );
}

#[test]
fn default_ports_are_left_out_of_host() {
    let url = Url::parse("https://remote.example:443/inbox").unwrap();
    assert_eq!(signed_post(&url, now())[HOST], "remote.example");
}

#[test]
fn get_round_trip_covers_accept() {
    let url = Url::parse("https://remote.example/users/bob?page=true").unwrap();
    let mut headers = HeaderMap::new();
    headers.insert(
        ACCEPT,
        HeaderValue::from_static("application/activity+json"),
    );
    sign_request(
        &Method::GET,
        &url,
        &mut headers,
        None,
        KEY_ID,
        &keys().0,
        now(),
    )
    .unwrap();
    let header = headers["signature"].to_str().unwrap();
    assert!(header.contains(r#"headers="(request-target) host date accept""#));
    assert!(!headers.contains_key("digest"));
    let parsed = parse(&Method::GET, &url, &headers).unwrap();
    parsed.verify(&keys().1).unwrap();
    verify_body_digest(&headers, b"").unwrap();

    let mut bare = HeaderMap::new();
    sign_request(
        &Method::GET,
        &url,
        &mut bare,
        None,
        KEY_ID,
        &keys().0,
        now(),
    )
    .unwrap();
    assert!(
        bare["signature"]
            .to_str()
            .unwrap()
            .contains(r#"headers="(request-target) host date""#)
    );
    parse(&Method::GET, &url, &bare)
        .unwrap()
        .verify(&keys().1)
        .unwrap();
}

#[test]
fn tampering_is_caught() {
    let url = Url::parse("https://remote.example/users/bob/inbox").unwrap();
    let headers = signed_post(&url, now());
    // A changed body fails its digest; the signature itself still holds.
    assert_eq!(
        verify_body_digest(&headers, br#"{"hello": "WORLD"}"#),
        Err(SignatureError::DigestMismatch)
    );
    // A changed covered header fails the signature.
    let mut changed = headers.clone();
    changed.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
    let parsed = parse(&Method::POST, &url, &changed).unwrap();
    assert_eq!(parsed.verify(&keys().1), Err(SignatureError::BadSignature));
    // So does another path.
    let elsewhere = Url::parse("https://remote.example/users/carol/inbox").unwrap();
    let parsed = parse(&Method::POST, &elsewhere, &headers).unwrap();
    assert_eq!(parsed.verify(&keys().1), Err(SignatureError::BadSignature));
    // And another key.
    let parsed = parse(&Method::POST, &url, &headers).unwrap();
    assert_eq!(
        parsed.verify(&other_keys().1),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn stale_and_future_dates_fail_freshness() {
    let url = Url::parse("https://remote.example/users/bob/inbox").unwrap();
    for signed_at in [now() - 13 * HOUR, now() + 2 * HOUR] {
        let headers = signed_post(&url, signed_at);
        let parsed = parse(&Method::POST, &url, &headers).unwrap();
        parsed.verify(&keys().1).unwrap();
        let result = parsed.check_freshness(&headers, now());
        assert!(
            matches!(result, Err(SignatureError::Stale(_))),
            "{result:?}"
        );
    }
}

#[test]
fn posts_must_cover_digest_host_and_target() {
    let url = Url::parse("https://starling.example/users/alice/inbox").unwrap();
    let digest = format!("SHA-256={BODY_SHA256}");
    let base = [
        ("host", "starling.example"),
        ("date", NOW_HTTP_DATE),
        ("digest", &digest),
    ];
    for (covered, missing) in [
        ("(request-target) host date", "digest"),
        ("(request-target) date digest", "host"),
        ("host date digest", "(request-target)"),
        ("(request-target) host digest", "date"),
    ] {
        let mut h = headers(&base);
        let value = hand_signed(&format!(r#"headers="{covered}""#), "unused");
        h.insert("signature", HeaderValue::from_str(&value).unwrap());
        assert_eq!(
            parse(&Method::POST, &url, &h),
            Err(SignatureError::MissingCoveredHeader(missing.into())),
            "{covered}"
        );
    }
}

#[test]
fn lower_case_digest_and_hs2019_as_misskey_sends_them() {
    let url = Url::parse("https://starling.example/users/alice/inbox").unwrap();
    let digest = format!("sha-256={BODY_SHA256}");
    let signing_string = format!(
        "(request-target): post /users/alice/inbox\ndate: {NOW_HTTP_DATE}\n\
         host: starling.example\ndigest: {digest}"
    );
    let value = hand_signed(
        r#"algorithm="hs2019",headers="(request-target) date host digest""#,
        &signing_string,
    );
    let h = headers(&[
        ("host", "starling.example"),
        ("date", NOW_HTTP_DATE),
        ("digest", &digest),
        ("signature", &value),
    ]);
    let parsed = parse(&Method::POST, &url, &h).unwrap();
    assert_eq!(parsed.algorithm, Algorithm::FromKey);
    assert_eq!(parsed.signing_string, signing_string.as_bytes());
    parsed.verify(&keys().1).unwrap();
    parsed.check_freshness(&h, now()).unwrap();
    verify_body_digest(&h, BODY).unwrap();
}

#[test]
fn created_and_expires_pseudo_headers_in_authorization() {
    let url = Url::parse("https://starling.example/users/alice/inbox").unwrap();
    let (created, expires) = (1_750_000_000, 1_750_000_300);
    let digest = format!("SHA-256={BODY_SHA256}");
    let signing_string = format!(
        "(request-target): post /users/alice/inbox\n(created): {created}\n\
         (expires): {expires}\nhost: starling.example\ndigest: {digest}"
    );
    let params = format!(
        r#"algorithm="hs2019",created={created},expires={expires},headers="(request-target) (created) (expires) host digest""#
    );
    let value = format!("Signature {}", hand_signed(&params, &signing_string));
    let h = headers(&[
        ("host", "starling.example"),
        ("digest", &digest),
        ("authorization", &value),
    ]);
    let parsed = parse(&Method::POST, &url, &h).unwrap();
    parsed.verify(&keys().1).unwrap();
    parsed.check_freshness(&h, now()).unwrap();
    assert_eq!(
        parsed.check_freshness(&h, now() + 2 * HOUR),
        Err(SignatureError::Expired)
    );
    assert!(matches!(
        parsed.check_freshness(&h, now() + 13 * HOUR),
        Err(SignatureError::Stale(_))
    ));

    // The draft forbids `(created)` with the rsa-sha256 algorithm name.
    let params = params.replace("hs2019", "rsa-sha256");
    let value = hand_signed(&params, &signing_string);
    let h = headers(&[
        ("host", "starling.example"),
        ("digest", &digest),
        ("signature", &value),
    ]);
    assert!(matches!(
        parse(&Method::POST, &url, &h),
        Err(SignatureError::Malformed(_))
    ));
}

#[test]
fn query_less_request_targets_still_verify() {
    // Older Mastodon versions (and apsig) leave the query out of `(request-target)`.
    let url = Url::parse("https://starling.example/users/alice/outbox?page=true").unwrap();
    let signing_string = format!(
        "(request-target): get /users/alice/outbox\nhost: starling.example\ndate: {NOW_HTTP_DATE}"
    );
    let value = hand_signed(
        r#"algorithm="rsa-sha256",headers="(request-target) host date""#,
        &signing_string,
    );
    let h = headers(&[
        ("host", "starling.example"),
        ("date", NOW_HTTP_DATE),
        ("signature", &value),
    ]);
    parse(&Method::GET, &url, &h)
        .unwrap()
        .verify(&keys().1)
        .unwrap();
}

#[test]
fn http2_requests_without_host_use_the_authority() {
    let url = Url::parse("https://remote.example/users/bob/inbox").unwrap();
    let mut headers = signed_post(&url, now());
    headers.remove(HOST);
    parse(&Method::POST, &url, &headers)
        .unwrap()
        .verify(&keys().1)
        .unwrap();
}

#[test]
fn missing_and_unsupported_signatures() {
    let url = Url::parse("https://starling.example/inbox").unwrap();
    assert_eq!(
        parse(&Method::POST, &url, &HeaderMap::new()),
        Err(SignatureError::Missing)
    );
    let value = hand_signed(
        r#"algorithm="hmac-sha256",headers="(request-target) host date""#,
        "x",
    );
    let h = headers(&[
        ("host", "starling.example"),
        ("date", NOW_HTTP_DATE),
        ("signature", &value),
    ]);
    assert_eq!(
        parse(&Method::GET, &url, &h),
        Err(SignatureError::UnsupportedAlgorithm("hmac-sha256".into()))
    );
}

#[test]
fn a_signature_made_for_another_server_does_not_verify_here() {
    // Signed for host-b, then replayed to us with its `Host: host-b` kept: the signing
    // string is rebuilt with our own authority, so it does not verify.
    let theirs = Url::parse("https://host-b.example/inbox").unwrap();
    let headers = signed_post(&theirs, now());
    assert_eq!(headers[HOST], "host-b.example");
    let ours = Url::parse("https://starling.example/inbox").unwrap();
    assert_eq!(
        parse(&Method::POST, &ours, &headers)
            .unwrap()
            .verify(&keys().1),
        Err(SignatureError::BadSignature)
    );
    // The same request, addressed to us, verifies.
    let headers = signed_post(&ours, now());
    parse(&Method::POST, &ours, &headers)
        .unwrap()
        .verify(&keys().1)
        .unwrap();
}
