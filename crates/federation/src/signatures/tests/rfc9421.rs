//! RFC 9421: the RFC's own test vectors, and requests signed as Mastodon 4.5 and Fedify
//! sign them, with signature bases written out by hand.

use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, Method};

use super::super::test_support::{RFC_ED25519_PUBLIC, RFC_RSA_PSS_PUBLIC, RFC_RSA_PUBLIC, keys};
use super::super::*;
use super::{BODY, BODY_SHA256, HOUR, b64, headers, now};

const RFC_DIGEST: &str = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";

/// RFC 9421 B.2's `test-request` headers, plus the given signature fields.
fn rfc_request(host: &str, extra: &[(&'static str, &str)]) -> HeaderMap {
    let mut pairs = vec![
        ("host", host),
        ("date", "Tue, 20 Apr 2021 02:07:55 GMT"),
        ("content-type", "application/json"),
        ("content-digest", RFC_DIGEST),
        ("content-length", "18"),
    ];
    pairs.extend_from_slice(extra);
    headers(&pairs)
}

fn post_foo(authority: &str) -> RequestParts<'_> {
    RequestParts::new(
        &Method::POST,
        "https",
        authority,
        "/foo?param=Value&Pet=dog",
    )
}

/// The named label, read without Starling's coverage rules (the RFC's examples do not
/// all cover a digest).
fn label(parts: &RequestParts<'_>, headers: &HeaderMap, name: &str) -> ParsedSignature {
    super::super::rfc9421::candidates(parts, headers)
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .find(|p| p.label.as_deref() == Some(name))
        .unwrap()
}

#[test]
fn b_2_6_ed25519_vector_verifies() {
    let h = rfc_request(
        "example.com",
        &[
            (
                "signature-input",
                r#"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#,
            ),
            (
                "signature",
                "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
            ),
        ],
    );
    let parts = post_foo("example.com");
    let parsed = label(&parts, &h, "sig-b26");
    let expected = concat!(
        "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n",
        "\"@method\": POST\n",
        "\"@path\": /foo\n",
        "\"@authority\": example.com\n",
        "\"content-type\": application/json\n",
        "\"content-length\": 18\n",
        "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" ",
        "\"content-length\");created=1618884473;keyid=\"test-key-ed25519\"",
    );
    assert_eq!(
        String::from_utf8(parsed.signing_string.clone()).unwrap(),
        expected
    );
    assert_eq!(parsed.key_id, "test-key-ed25519");
    assert_eq!(
        parsed.created,
        Some(UNIX_EPOCH + Duration::from_secs(1_618_884_473))
    );
    parsed
        .verify(&PublicKey::from_pem(RFC_ED25519_PUBLIC).unwrap())
        .unwrap();
    // The same key as 32 raw bytes, as a Multikey carries it.
    let spki = pem::parse(RFC_ED25519_PUBLIC).unwrap();
    let raw = &spki.contents()[spki.contents().len() - 32..];
    parsed
        .verify(&PublicKey::from_ed25519(raw).unwrap())
        .unwrap();
    // The example signs a POST without its digest: Starling refuses that.
    assert_eq!(
        parse_request_signature(&parts, &h),
        Err(SignatureError::MissingCoveredHeader(
            "content-digest".into()
        ))
    );
}

#[test]
fn section_4_3_rsa_v1_5_proxy_vector_verifies() {
    // The only rsa-v1_5-sha256 example of the RFC: a proxy re-signing the request
    // with `test-key-rsa`. The client's ECDSA signature before it is given an explicit
    // `alg` here (the RFC leaves it out), so that it is skipped as unverifiable.
    let h = rfc_request(
        "origin.host.internal.example",
        &[
            ("forwarded", "for=192.0.2.123;host=example.com;proto=https"),
            (
                "signature-input",
                concat!(
                    r#"sig1=("@method" "@authority" "@path" "content-digest" "content-type" "content-length");created=1618884475;keyid="test-key-ecc-p256";alg="ecdsa-p256-sha256", "#,
                    r#"proxy_sig=("@method" "@authority" "@path" "content-digest" "content-type" "content-length" "forwarded");created=1618884480;keyid="test-key-rsa";alg="rsa-v1_5-sha256";expires=1618884540"#,
                ),
            ),
            (
                "signature",
                concat!(
                    "sig1=:X5spyd6CFnAG5QnDyHfqoSNICd+BUP4LYMz2Q0JXlb//4Ijpzp+kve2w4NIyqeAuM7jTDX+sNalzA8ESSaHD3A==:, ",
                    "proxy_sig=:S6ZzPXSdAMOPjN/6KXfXWNO/f7V6cHm7BXYUh3YD/fRad4BCaRZxP+JH+8XY1I6+8Cy+CM5g92iHgxtRPz+MjniOaYmdkDcnL9cCpXJleXsOckpURl49GwiyUpZ10KHgOEe11sx3G2gxI8S0jnxQB+Pu68U9vVcasqOWAEObtNKKZd8tSFu7LB5YAv0RAGhB8tmpv7sFnIm9y+7X5kXQfi8NMaZaA8i2ZHwpBdg7a6CMfwnnrtflzvZdXAsD3LH2TwevU+/PBPv0B6NMNk93wUs/vfJvye+YuI87HU38lZHowtznbLVdp770I6VHR6WfgS9ddzirrswsE1w5o0LV/g==:",
                ),
            ),
        ],
    );
    let parts = post_foo("origin.host.internal.example");
    let parsed = parse_request_signature(&parts, &h).unwrap();
    assert_eq!(parsed.label.as_deref(), Some("proxy_sig"));
    assert_eq!(parsed.algorithm, Algorithm::RsaSha256);
    let expected = [
        r#""@method": POST"#,
        r#""@authority": origin.host.internal.example"#,
        r#""@path": /foo"#,
        &format!(r#""content-digest": {RFC_DIGEST}"#),
        r#""content-type": application/json"#,
        r#""content-length": 18"#,
        r#""forwarded": for=192.0.2.123;host=example.com;proto=https"#,
        r#""@signature-params": ("@method" "@authority" "@path" "content-digest" "content-type" "content-length" "forwarded");created=1618884480;keyid="test-key-rsa";alg="rsa-v1_5-sha256";expires=1618884540"#,
    ]
    .join("\n");
    assert_eq!(
        String::from_utf8(parsed.signing_string.clone()).unwrap(),
        expected
    );
    let key = PublicKey::from_pem(RFC_RSA_PUBLIC).unwrap();
    parsed.verify(&key).unwrap();
    let created = UNIX_EPOCH + Duration::from_secs(1_618_884_480);
    parsed
        .check_freshness(&h, created + Duration::from_secs(30))
        .unwrap();
    assert_eq!(
        parsed.check_freshness(&h, created + 2 * HOUR),
        Err(SignatureError::Expired)
    );
    verify_body_digest(&h, BODY).unwrap();
}

#[test]
fn b_2_3_rsa_pss_vector_verifies_when_the_key_says_pss() {
    let h = rfc_request(
        "example.com",
        &[
            (
                "signature-input",
                r#"sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss""#,
            ),
            (
                "signature",
                "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:",
            ),
        ],
    );
    let mut parsed = parse_request_signature(&post_foo("example.com"), &h).unwrap();
    assert!(parsed.signing_string.starts_with(
        b"\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\"@method\": POST\n\"@path\": /foo\n\"@query\": ?param=Value&Pet=dog\n\"@authority\": example.com\n"
    ));
    let key = PublicKey::from_pem(RFC_RSA_PSS_PUBLIC).unwrap();
    // Without `alg`, an RSA key means PKCS#1 v1.5 to Starling; this key is a PSS one.
    assert_eq!(parsed.verify(&key), Err(SignatureError::BadSignature));
    parsed.algorithm = Algorithm::RsaPssSha512;
    parsed.verify(&key).unwrap();
}

#[test]
fn b_4_repeated_fields_are_joined() {
    let parts = RequestParts::new(
        &Method::GET,
        "https",
        "example.org",
        "/demo?name1=Value1&Name2=value2",
    );
    let sig = [
        (
            "signature-input",
            r#"transform=("@method" "@path" "@authority" "accept");created=1618884473;keyid="test-key-ed25519""#,
        ),
        (
            "signature",
            "transform=:ZT1kooQsEHpZ0I1IjCqtQppOmIqlJPeo7DHR3SoMn0s5JZ1eRGS0A+vyYP9t/LXlh5QMFFQ6cpLt2m0pmj3NDA==:",
        ),
    ];
    let key = PublicKey::from_pem(RFC_ED25519_PUBLIC).unwrap();
    let mut split = vec![("accept", "application/json"), ("accept", "*/*")];
    split.extend_from_slice(&sig);
    let parsed = parse_request_signature(&parts, &headers(&split)).unwrap();
    assert!(parsed.signing_string.starts_with(
        b"\"@method\": GET\n\"@path\": /demo\n\"@authority\": example.org\n\"accept\": application/json, */*\n"
    ));
    parsed.verify(&key).unwrap();
    let mut collapsed = vec![("accept", " application/json, */* ")];
    collapsed.extend_from_slice(&sig);
    parse_request_signature(&parts, &headers(&collapsed))
        .unwrap()
        .verify(&key)
        .unwrap();
    let mut reordered = vec![("accept", "*/*"), ("accept", "application/json")];
    reordered.extend_from_slice(&sig);
    let parsed = parse_request_signature(&parts, &headers(&reordered)).unwrap();
    assert_eq!(parsed.verify(&key), Err(SignatureError::BadSignature));
}

/// `Signature-Input` and `Signature` for `params`, signed over `base` by the test key.
fn signed(params: &str, base: &str) -> [(&'static str, String); 2] {
    let signature = b64(&keys().0.sign(base.as_bytes()).unwrap());
    [
        ("signature-input", format!("sig1={params}")),
        ("signature", format!("sig1=:{signature}:")),
    ]
}

#[test]
fn mastodon_style_post_round_trip() {
    let params = r#"("@method" "@target-uri" "content-digest");created=1750000000;keyid="https://remote.example/users/bob#main-key";alg="rsa-v1_5-sha256""#;
    let base = format!(
        "\"@method\": POST\n\"@target-uri\": https://starling.example/users/alice/inbox\n\
         \"content-digest\": sha-256=:{BODY_SHA256}:\n\"@signature-params\": {params}"
    );
    let [input, signature] = signed(params, &base);
    let digest = content_digest_header(BODY);
    let h = headers(&[
        ("content-digest", &digest),
        (input.0, &input.1),
        (signature.0, &signature.1),
    ]);
    let parts = RequestParts::new(
        &Method::POST,
        "https",
        "starling.example",
        "/users/alice/inbox",
    );
    let parsed = parse_request_signature(&parts, &h).unwrap();
    assert_eq!(parsed.scheme, Scheme::Rfc9421);
    assert_eq!(parsed.key_id, "https://remote.example/users/bob#main-key");
    assert_eq!(parsed.covered, ["@method", "@target-uri", "content-digest"]);
    assert_eq!(
        String::from_utf8(parsed.signing_string.clone()).unwrap(),
        base
    );
    parsed.verify(&keys().1).unwrap();
    parsed.check_freshness(&h, now()).unwrap();
    verify_body_digest(&h, BODY).unwrap();
    assert_eq!(
        verify_body_digest(&h, b"{}"),
        Err(SignatureError::DigestMismatch)
    );
    // Another target fails.
    let elsewhere = RequestParts::new(
        &Method::POST,
        "https",
        "starling.example",
        "/users/carol/inbox",
    );
    let parsed = parse_request_signature(&elsewhere, &h).unwrap();
    assert_eq!(parsed.verify(&keys().1), Err(SignatureError::BadSignature));
}

#[test]
fn every_derived_component_and_raw_parameters() {
    // Extra spaces after `;` are valid and kept as sent in `@signature-params`.
    let params = r#"("@method" "@target-uri" "@authority" "@scheme" "@request-target" "@path" "@query" "host" "date");  created=1750000000; keyid="k""#;
    let base = format!(
        "\"@method\": GET\n\"@target-uri\": https://starling.example:8443/users/alice?page=2\n\
         \"@authority\": starling.example:8443\n\"@scheme\": https\n\
         \"@request-target\": /users/alice?page=2\n\"@path\": /users/alice\n\"@query\": ?page=2\n\
         \"host\": starling.example:8443\n\"date\": {}\n\"@signature-params\": {params}",
        super::NOW_HTTP_DATE
    );
    let [input, signature] = signed(params, &base);
    let h = headers(&[
        ("host", "starling.example:8443"),
        ("date", super::NOW_HTTP_DATE),
        (input.0, &input.1),
        (signature.0, &signature.1),
    ]);
    let parts = RequestParts::new(
        &Method::GET,
        "HTTPS",
        "Starling.example:8443",
        "/users/alice?page=2",
    );
    let parsed = parse_request_signature(&parts, &h).unwrap();
    assert_eq!(
        String::from_utf8(parsed.signing_string.clone()).unwrap(),
        base
    );
    parsed.verify(&keys().1).unwrap();
}

#[test]
fn coverage_rules_and_unusable_labels() {
    let parts = RequestParts::new(&Method::POST, "https", "starling.example", "/inbox");
    let digest = content_digest_header(BODY);
    let cases = [
        (
            r#"("@method" "@target-uri");created=1;keyid="k""#,
            "content-digest",
        ),
        (
            r#"("@target-uri" "content-digest");created=1;keyid="k""#,
            "@method",
        ),
        (
            r#"("@method" "@path" "content-digest");created=1;keyid="k""#,
            "@target-uri",
        ),
    ];
    for (params, missing) in cases {
        let [input, signature] = signed(params, "unused");
        let h = headers(&[
            ("content-digest", &digest),
            (input.0, &input.1),
            (signature.0, &signature.1),
        ]);
        assert_eq!(
            parse_request_signature(&parts, &h),
            Err(SignatureError::MissingCoveredHeader(missing.into())),
            "{params}"
        );
    }
    for params in [
        r#"("@method" "@query-param";name="a" "@target-uri" "content-digest");keyid="k""#,
        r#"("@method" "@target-uri" "content-digest");created=1"#,
        r#"("@method" "@target-uri" "content-digest" "x-absent");keyid="k""#,
    ] {
        let [input, signature] = signed(params, "unused");
        let h = headers(&[
            ("content-digest", &digest),
            (input.0, &input.1),
            (signature.0, &signature.1),
        ]);
        let result = parse_request_signature(&parts, &h);
        assert!(
            matches!(result, Err(SignatureError::Malformed(_))),
            "{params}: {result:?}"
        );
    }
    let h = headers(&[("signature-input", r#"sig1=("@method");keyid="k""#)]);
    assert!(matches!(
        parse_request_signature(&parts, &h),
        Err(SignatureError::Malformed(_))
    ));
}
