//! draft-cavage-http-signatures-12, the scheme every fediverse server signs with.
//!
//! The signing string is built here by hand, for signing and verifying alike.
//! http-signature-normalization 0.7 does not fit: it orders headers alphabetically
//! (peers expect `(request-target) host date digest content-type`), always names the
//! algorithm `hs2019`, reads the system clock and applies its own expiry rules.
//!
//! Rules enforced on received signatures, a superset of Mastodon's: `(request-target)`
//! and `host` covered; `date` or `(created)` covered; on POST/PUT/PATCH `digest` (or
//! `content-digest`) covered. `algorithm` may be `rsa-sha256`, `hs2019` or absent
//! (both meaning "as the key says", which is RSASSA-PKCS1-v1_5 SHA-256 for RSA), or
//! `ed25519`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, DATE, HOST};
use http::{HeaderMap, HeaderValue, Method};
use url::{Position, Url};

use super::parsed::{Algorithm, ParsedSignature, Scheme};
use super::{
    PrivateKey, RequestParts, SignatureError, digest_header, has_body, joined_header,
    lenient_base64,
};

const REQUEST_TARGET: &str = "(request-target)";
const CREATED: &str = "(created)";
const EXPIRES: &str = "(expires)";

/// Signs an outgoing request the way Mastodon does (draft-cavage, `rsa-sha256`).
///
/// Sets `Host` (the URL's authority, with a non-default port, as it goes on the wire),
/// `Date` (`now`), for a body `Digest: SHA-256=…`, then `Signature` covering
/// `(request-target) host date` plus `digest` and, if set, `content-type` when there is
/// a body, or `accept`, if set, when there is none. `(request-target)` includes the
/// query. Send the request to exactly `url`, with exactly `body`.
pub fn sign_request(
    method: &Method,
    url: &Url,
    headers: &mut HeaderMap,
    body: Option<&[u8]>,
    key_id: &str,
    key: &PrivateKey,
    now: SystemTime,
) -> Result<(), SignatureError> {
    if !url.has_host() {
        return Err(SignatureError::Malformed(format!("{url} has no host")));
    }
    if key_id
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control())
    {
        return Err(SignatureError::Malformed(
            "key id with quotes or controls".into(),
        ));
    }
    let authority = &url[Position::BeforeHost..Position::AfterPort];
    let target = &url[Position::BeforePath..Position::AfterQuery];
    headers.insert(HOST, header_value(authority)?);
    headers.insert(DATE, header_value(&httpdate::fmt_http_date(now))?);

    let mut covered = vec![REQUEST_TARGET, "host", "date"];
    if let Some(body) = body {
        headers.insert("digest", header_value(&digest_header(body))?);
        covered.push("digest");
        if headers.contains_key(CONTENT_TYPE) {
            covered.push("content-type");
        }
    } else if headers.contains_key(ACCEPT) {
        covered.push("accept");
    }

    let signing_string = signing_string(&covered, method, target, "", headers, &[])?;
    let signature = STANDARD.encode(key.sign(&signing_string)?);
    let value = format!(
        "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{signature}\"",
        covered.join(" ")
    );
    headers.insert("signature", header_value(&value)?);
    Ok(())
}

/// Reads a draft-cavage signature from `Signature` or `Authorization: Signature …`.
pub(super) fn parse(
    request: &RequestParts<'_>,
    headers: &HeaderMap,
) -> Result<ParsedSignature, SignatureError> {
    let params = parse_params(signature_header(headers)?)?;
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let key_id = param("keyid").ok_or_else(|| malformed("no keyId"))?;
    let signature = param("signature").ok_or_else(|| malformed("no signature"))?;
    let signature = lenient_base64(signature).map_err(|_| malformed("signature is not base64"))?;
    let algorithm = match param("algorithm").map(str::to_ascii_lowercase).as_deref() {
        None | Some("hs2019") => Algorithm::FromKey,
        Some("rsa-sha256") => Algorithm::RsaSha256,
        Some("ed25519") => Algorithm::Ed25519,
        Some(other) => return Err(SignatureError::UnsupportedAlgorithm(other.to_owned())),
    };
    let covered: Vec<String> = match param("headers") {
        Some(list) => list
            .split_ascii_whitespace()
            .map(str::to_ascii_lowercase)
            .collect(),
        // The draft's default; Mastodon's for hs2019 is `(created)`.
        None if algorithm == Algorithm::FromKey && param("created").is_some() => {
            vec![CREATED.into()]
        }
        None => vec!["date".into()],
    };
    let covers = |name: &str| covered.iter().any(|c| c == name);

    let created = timestamp(param("created"), "created")?;
    let expires = timestamp(param("expires"), "expires")?;
    for (pseudo, value) in [(CREATED, created), (EXPIRES, expires)] {
        if covers(pseudo) {
            if value.is_none() {
                return Err(malformed(&format!("{pseudo} covered but not given")));
            }
            if algorithm == Algorithm::RsaSha256 {
                return Err(malformed(&format!(
                    "{pseudo} is not allowed with rsa-sha256"
                )));
            }
        }
    }

    for required in [REQUEST_TARGET, "host"] {
        if !covers(required) {
            return Err(SignatureError::MissingCoveredHeader(required.into()));
        }
    }
    if !covers("date") && !covers(CREATED) {
        return Err(SignatureError::MissingCoveredHeader("date".into()));
    }
    if has_body(request.method) && !covers("digest") && !covers("content-digest") {
        return Err(SignatureError::MissingCoveredHeader("digest".into()));
    }

    let covered_refs: Vec<&str> = covered.iter().map(String::as_str).collect();
    let pseudo = [
        (CREATED, param("created").unwrap_or_default()),
        (EXPIRES, param("expires").unwrap_or_default()),
    ];
    let target = request.path_and_query;
    let build = |target: &str| {
        signing_string(
            &covered_refs,
            request.method,
            target,
            request.authority,
            headers,
            &pseudo,
        )
    };
    let signing = build(target)?;
    let legacy = match target.split_once('?') {
        Some((path, _)) => Some(build(path)?),
        None => None,
    };
    Ok(ParsedSignature {
        key_id: key_id.to_owned(),
        scheme: Scheme::Cavage,
        label: None,
        signing_string: signing,
        legacy_signing_string: legacy,
        signature,
        algorithm,
        created: if covers(CREATED) { created } else { None },
        expires,
        covered,
    })
}

/// `name: value` lines joined by `\n`, per draft-cavage-12 §2.3. `host` is always
/// `authority` (when verifying, the configured public origin; never the request's own
/// `Host` header, so that a request signed for another server does not verify here);
/// any other covered header must be present.
fn signing_string(
    covered: &[&str],
    method: &Method,
    target: &str,
    authority: &str,
    headers: &HeaderMap,
    pseudo: &[(&str, &str)],
) -> Result<Vec<u8>, SignatureError> {
    let mut out = Vec::new();
    for (i, &name) in covered.iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        if name == REQUEST_TARGET {
            out.extend_from_slice(method.as_str().to_ascii_lowercase().as_bytes());
            out.push(b' ');
            out.extend_from_slice(target.as_bytes());
        } else if let Some((_, value)) = pseudo.iter().find(|(p, _)| *p == name) {
            out.extend_from_slice(value.as_bytes());
        } else if name == "host" && !authority.is_empty() {
            out.extend_from_slice(authority.as_bytes());
        } else if let Some(value) = joined_header(headers, name) {
            out.extend_from_slice(&value);
        } else {
            return Err(malformed(&format!("covered header {name} is absent")));
        }
    }
    Ok(out)
}

/// The parameter list, from `Signature` or from `Authorization` after `Signature `.
fn signature_header(headers: &HeaderMap) -> Result<&str, SignatureError> {
    fn as_text(value: &HeaderValue) -> Result<&str, SignatureError> {
        value
            .to_str()
            .map_err(|_| malformed("signature header is not ASCII"))
    }
    let mut signature = headers.get_all("signature").iter();
    if let Some(value) = signature.next() {
        if signature.next().is_some() {
            return Err(malformed("several Signature headers"));
        }
        return as_text(value);
    }
    for value in headers.get_all(AUTHORIZATION) {
        let text = as_text(value)?;
        if let Some((scheme, params)) = text.split_once(' ')
            && scheme.eq_ignore_ascii_case("signature")
        {
            return Ok(params);
        }
    }
    Err(SignatureError::Missing)
}

/// `name="value",name=value,…` with lower-cased names; quoted values may escape `"`
/// and `\` with a backslash.
fn parse_params(input: &str) -> Result<Vec<(String, String)>, SignatureError> {
    let mut params: Vec<(String, String)> = Vec::new();
    let mut rest = input.trim();
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once('=')
            .ok_or_else(|| malformed("parameter without '='"))?;
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(malformed("bad parameter name"));
        }
        let after = after.trim_start();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let end = loop {
                match chars.next() {
                    Some((_, '\\')) => {
                        value.push(chars.next().ok_or_else(|| malformed("dangling '\\'"))?.1)
                    }
                    Some((i, '"')) => break i,
                    Some((_, c)) => value.push(c),
                    None => return Err(malformed("unterminated quoted value")),
                }
            };
            (value, &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_owned(), &after[end..])
        };
        if params.iter().any(|(n, _)| *n == name) {
            return Err(malformed(&format!("parameter {name} given twice")));
        }
        params.push((name, value));
        let tail = tail.trim_start();
        rest = match tail.strip_prefix(',') {
            Some(next) => next.trim_start(),
            None if tail.is_empty() => tail,
            None => return Err(malformed("expected ',' between parameters")),
        };
    }
    Ok(params)
}

/// A Unix time parameter; a fractional part, which some servers send, is dropped.
fn timestamp(value: Option<&str>, name: &str) -> Result<Option<SystemTime>, SignatureError> {
    value
        .map(|v| {
            v.split('.')
                .next()
                .and_then(|s| s.parse::<u64>().ok())
                .map(|secs| UNIX_EPOCH + Duration::from_secs(secs))
                .ok_or_else(|| malformed(&format!("{name} is not a Unix time")))
        })
        .transpose()
}

fn header_value(text: &str) -> Result<HeaderValue, SignatureError> {
    HeaderValue::from_str(text).map_err(|_| malformed("value not allowed in a header"))
}

fn malformed(message: &str) -> SignatureError {
    SignatureError::Malformed(message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_read_leniently() {
        let params = parse_params(
            r#"keyId="https://a.example/u#k", Algorithm=hs2019,created=1618884473.5 ,headers="a \"b\"",signature="c2ln""#,
        )
        .unwrap();
        let names: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["keyid", "algorithm", "created", "headers", "signature"]
        );
        assert_eq!(params[1].1, "hs2019");
        assert_eq!(params[3].1, "a \"b\"");
        assert_eq!(
            timestamp(Some(&params[2].1), "created").unwrap(),
            Some(UNIX_EPOCH + Duration::from_secs(1_618_884_473))
        );
    }

    #[test]
    fn broken_parameters_are_malformed() {
        for input in [
            r#"keyId="a"#,
            r#"keyId="a" signature="b""#,
            r#"keyId="a",keyId="b""#,
            r#"="a""#,
            "keyId",
        ] {
            assert!(
                matches!(parse_params(input), Err(SignatureError::Malformed(_))),
                "{input}"
            );
        }
    }

    #[test]
    fn authorization_signature_is_read() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer xyz"));
        assert_eq!(signature_header(&headers), Err(SignatureError::Missing));
        headers.append(
            AUTHORIZATION,
            HeaderValue::from_static("Signature keyId=\"k\""),
        );
        assert_eq!(signature_header(&headers), Ok("keyId=\"k\""));
    }
}
