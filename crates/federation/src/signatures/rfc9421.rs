//! RFC 9421 HTTP Message Signatures, verify side: what Mastodon 4.5 sends after a
//! draft-cavage refusal and what Fedify tries first.
//!
//! `Signature-Input` and `Signature` are structured-field dictionaries keyed by label.
//! The labels are tried in order and the first one this code can check is used:
//! supported derived components (`@method`, `@target-uri`, `@authority`, `@scheme`,
//! `@request-target`, `@path`, `@query`) and plain header fields, no component
//! parameters, an `alg` of `rsa-v1_5-sha256`, `rsa-pss-sha512` or `ed25519` (or none),
//! a `keyid`, and coverage of `@method`, of the target (`@target-uri`, or `@authority`
//! with `@path` or `@request-target`) and, on POST/PUT/PATCH, of `content-digest`.
//!
//! The `"@signature-params"` line of the signature base uses the member's text exactly
//! as received rather than a re-serialization, so a signer's unusual but valid
//! spelling (extra spaces after `;`, say) still verifies.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use sfv::{BareItem, Dictionary, ListEntry, Parser};

use super::parsed::{Algorithm, ParsedSignature, Scheme};
use super::{RequestParts, SignatureError, has_body, joined_header};

/// Reads the first usable signature of the request; see the module docs.
pub(super) fn parse(
    request: &RequestParts<'_>,
    headers: &HeaderMap,
) -> Result<ParsedSignature, SignatureError> {
    let mut first_error = None;
    for candidate in candidates(request, headers)? {
        match candidate.and_then(|parsed| enforce_coverage(&parsed, request).map(|()| parsed)) {
            Ok(parsed) => return Ok(parsed),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| malformed("Signature-Input is empty")))
}

/// Every label of the request, read and with its signature base built, in order;
/// coverage rules not yet applied.
pub(super) fn candidates(
    request: &RequestParts<'_>,
    headers: &HeaderMap,
) -> Result<Vec<Result<ParsedSignature, SignatureError>>, SignatureError> {
    let input = joined_header(headers, "signature-input").ok_or(SignatureError::Missing)?;
    let input = String::from_utf8(input).map_err(|_| malformed("Signature-Input is not ASCII"))?;
    let inputs: Dictionary = Parser::new(&input)
        .parse()
        .map_err(|e| malformed(&format!("Signature-Input: {e}")))?;
    let raw = raw_members(&input);
    if raw.len() != inputs.len()
        || raw
            .iter()
            .zip(inputs.keys())
            .any(|((l, _), k)| *l != k.as_str())
    {
        return Err(malformed(
            "Signature-Input labels are repeated or unreadable",
        ));
    }
    let signatures = joined_header(headers, "signature")
        .ok_or_else(|| malformed("Signature-Input without Signature"))?;
    let signatures: Dictionary = Parser::new(&signatures)
        .parse()
        .map_err(|e| malformed(&format!("Signature: {e}")))?;
    Ok(inputs
        .iter()
        .zip(raw)
        .map(|((label, entry), (_, params_text))| {
            let signature = match signatures.get(label.as_str()) {
                Some(ListEntry::Item(item)) => item.bare_item.as_byte_sequence(),
                _ => None,
            }
            .ok_or_else(|| malformed(&format!("no signature bytes for label {label}")))?;
            let mut parsed = read_label(entry, params_text.unwrap_or_default(), request, headers)?;
            parsed.label = Some(label.as_str().to_owned());
            parsed.signature = signature.to_vec();
            Ok(parsed)
        })
        .collect())
}

/// Reads one `Signature-Input` member and builds its signature base (RFC 9421 §2.5).
fn read_label(
    entry: &ListEntry,
    params_text: &str,
    request: &RequestParts<'_>,
    headers: &HeaderMap,
) -> Result<ParsedSignature, SignatureError> {
    let ListEntry::InnerList(list) = entry else {
        return Err(malformed("a Signature-Input member is not an inner list"));
    };
    let mut covered: Vec<String> = Vec::with_capacity(list.items.len());
    for item in &list.items {
        let name = item
            .bare_item
            .as_string()
            .ok_or_else(|| malformed("a covered component is not a string"))?
            .as_str();
        if !item.params.is_empty() {
            return Err(malformed(&format!(
                "parameters on component {name} are not supported"
            )));
        }
        if covered.iter().any(|c| c == name) || name == "@signature-params" {
            return Err(malformed(&format!("component {name} covered twice")));
        }
        covered.push(name.to_owned());
    }

    let param = |name: &str| list.params.get(name);
    let key_id = match param("keyid") {
        Some(BareItem::String(s)) => s.as_str().to_owned(),
        Some(_) => return Err(malformed("keyid is not a string")),
        None => return Err(malformed("no keyid")),
    };
    let algorithm = match param("alg") {
        None => Algorithm::FromKey,
        Some(BareItem::String(s)) => match s.as_str() {
            "rsa-v1_5-sha256" => Algorithm::RsaSha256,
            "rsa-pss-sha512" => Algorithm::RsaPssSha512,
            "ed25519" => Algorithm::Ed25519,
            other => return Err(SignatureError::UnsupportedAlgorithm(other.to_owned())),
        },
        Some(_) => return Err(malformed("alg is not a string")),
    };
    let time = |name: &str| -> Result<Option<SystemTime>, SignatureError> {
        match param(name) {
            None => Ok(None),
            Some(item) => item
                .as_integer()
                .and_then(|i| u64::try_from(i64::from(i)).ok())
                .map(|secs| Some(UNIX_EPOCH + Duration::from_secs(secs)))
                .ok_or_else(|| malformed(&format!("{name} is not a Unix time"))),
        }
    };

    let mut base = Vec::new();
    for name in &covered {
        base.push(b'"');
        base.extend_from_slice(name.as_bytes());
        base.extend_from_slice(b"\": ");
        base.extend_from_slice(&component_value(name, request, headers)?);
        base.push(b'\n');
    }
    base.extend_from_slice(b"\"@signature-params\": ");
    base.extend_from_slice(params_text.as_bytes());

    Ok(ParsedSignature {
        key_id,
        scheme: Scheme::Rfc9421,
        label: None,
        signing_string: base,
        legacy_signing_string: None,
        signature: Vec::new(),
        algorithm,
        created: time("created")?,
        expires: time("expires")?,
        covered,
    })
}

/// The value of one covered component (RFC 9421 §2.1 and §2.2).
fn component_value(
    name: &str,
    request: &RequestParts<'_>,
    headers: &HeaderMap,
) -> Result<Vec<u8>, SignatureError> {
    let scheme = request.scheme.to_ascii_lowercase();
    let (path, query) = match request.path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (request.path_and_query, None),
    };
    let text = match name {
        "@method" => request.method.as_str().to_owned(),
        "@target-uri" => format!(
            "{scheme}://{}{}",
            authority(&scheme, request.authority),
            request.path_and_query
        ),
        "@authority" => authority(&scheme, request.authority),
        // The `Host` field names the server the request was addressed to: ours, as
        // configured, never what the request claims.
        "host" => authority(&scheme, request.authority),
        "@scheme" => scheme,
        "@request-target" => request.path_and_query.to_owned(),
        "@path" if path.is_empty() => "/".to_owned(),
        "@path" => path.to_owned(),
        "@query" => format!("?{}", query.unwrap_or_default()),
        derived if derived.starts_with('@') => {
            return Err(malformed(&format!(
                "derived component {derived} is not supported"
            )));
        }
        field if field.bytes().any(|b| b.is_ascii_uppercase()) => {
            return Err(malformed(&format!("component {field} is not lower-case")));
        }
        field => {
            return joined_header(headers, field)
                .ok_or_else(|| malformed(&format!("covered header {field} is absent")));
        }
    };
    Ok(text.into_bytes())
}

/// `@authority`: lower-case, without the scheme's default port.
fn authority(scheme: &str, authority: &str) -> String {
    let authority = authority.to_ascii_lowercase();
    let default_port = match scheme {
        "https" => ":443",
        "http" => ":80",
        _ => return authority,
    };
    match authority.strip_suffix(default_port) {
        Some(host) => host.to_owned(),
        None => authority,
    }
}

/// The requirements Starling puts on a signature before trusting it for a request.
fn enforce_coverage(
    parsed: &ParsedSignature,
    request: &RequestParts<'_>,
) -> Result<(), SignatureError> {
    let covers = |name: &str| parsed.covered.iter().any(|c| c == name);
    if !covers("@method") {
        return Err(SignatureError::MissingCoveredHeader("@method".into()));
    }
    if !covers("@target-uri")
        && !(covers("@authority") && (covers("@path") || covers("@request-target")))
    {
        return Err(SignatureError::MissingCoveredHeader("@target-uri".into()));
    }
    if has_body(request.method) && !covers("content-digest") {
        return Err(SignatureError::MissingCoveredHeader(
            "content-digest".into(),
        ));
    }
    Ok(())
}

/// The dictionary's members as written: `(label, text after '=')`, split at commas
/// outside quoted strings (the only place a structured field can hide a comma).
fn raw_members(input: &str) -> Vec<(&str, Option<&str>)> {
    let mut members = Vec::new();
    let (mut start, mut in_string, mut escaped) = (0, false, false);
    for (i, b) in input.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if in_string => escaped = true,
            b'"' => in_string = !in_string,
            b',' if !in_string => {
                members.push(&input[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    members.push(&input[start..]);
    members
        .into_iter()
        .map(|member| {
            let member = member.trim_matches([' ', '\t']);
            match member.find(['=', ';']) {
                Some(i) if member.as_bytes()[i] == b'=' => (&member[..i], Some(&member[i + 1..])),
                Some(i) => (&member[..i], None),
                None => (member, None),
            }
        })
        .collect()
}

fn malformed(message: &str) -> SignatureError {
    SignatureError::Malformed(message.to_owned())
}
