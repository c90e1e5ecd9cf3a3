//! Body digests: the legacy `Digest` header (RFC 3230, what draft-cavage signers cover)
//! and `Content-Digest` (RFC 9530, what RFC 9421 signers cover).
//!
//! A signature covers the digest header, not the body; [`verify_body_digest`] ties the
//! body to the header. It checks every digest header present, so an attacker cannot
//! pair a body with an unsigned second header that happens to match it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use sha2::{Digest as _, Sha256, Sha512};

use super::{SignatureError, joined_header, lenient_base64};

/// The `Digest` header value for `body`: `SHA-256=<base64>`, as Mastodon sends it.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", STANDARD.encode(Sha256::digest(body)))
}

/// The `Content-Digest` header value for `body`: `sha-256=:<base64>:` (RFC 9530).
pub fn content_digest_header(body: &[u8]) -> String {
    format!("sha-256=:{}:", STANDARD.encode(Sha256::digest(body)))
}

/// Checks `body` against its `Digest` and `Content-Digest` headers.
///
/// Algorithms are SHA-256 and SHA-512; names are matched case-insensitively in `Digest`
/// (`SHA-256=`, `sha-256=`), as RFC 9530 spells them in `Content-Digest`. In each header
/// entries with other algorithms are skipped, but at least one must be supported, and
/// every supported entry that is present must match.
///
/// Errors: [`SignatureError::MissingDigest`] when the body is not empty and neither
/// header is present; [`SignatureError::DigestMismatch`] when an entry does not match;
/// [`SignatureError::UnsupportedAlgorithm`] when a header offers no supported
/// algorithm; [`SignatureError::Malformed`] when a header cannot be read. An empty
/// body without digest headers passes.
pub fn verify_body_digest(headers: &HeaderMap, body: &[u8]) -> Result<(), SignatureError> {
    let legacy = joined_header(headers, "digest");
    let modern = joined_header(headers, "content-digest");
    if legacy.is_none() && modern.is_none() {
        return if body.is_empty() {
            Ok(())
        } else {
            Err(SignatureError::MissingDigest)
        };
    }
    if let Some(value) = legacy {
        check_entries("Digest", legacy_entries(&value)?, body)?;
    }
    if let Some(value) = modern {
        check_entries("Content-Digest", structured_entries(&value)?, body)?;
    }
    Ok(())
}

/// `(algorithm, claimed digest)` pairs of a header, algorithm lower-cased.
type Entries = Vec<(String, Vec<u8>)>;

/// Reads `SHA-256=<base64>, SHA-512=<base64>`. Entries of unsupported algorithms are
/// kept without decoding their values, which may be in another encoding.
fn legacy_entries(value: &[u8]) -> Result<Entries, SignatureError> {
    let text = std::str::from_utf8(value).map_err(|_| malformed("Digest is not ASCII"))?;
    text.split(',')
        .map(|entry| {
            let (name, claimed) = entry
                .trim()
                .split_once('=')
                .ok_or_else(|| malformed("Digest entry without '='"))?;
            let name = name.trim().to_ascii_lowercase();
            let claimed = if supported(&name) {
                lenient_base64(claimed.trim())
                    .map_err(|_| malformed("Digest value is not base64"))?
            } else {
                Vec::new()
            };
            Ok((name, claimed))
        })
        .collect()
}

/// Reads the structured-field dictionary `sha-256=:<base64>:, …`.
fn structured_entries(value: &[u8]) -> Result<Entries, SignatureError> {
    let dict: sfv::Dictionary = sfv::Parser::new(value)
        .parse()
        .map_err(|e| malformed(&format!("Content-Digest: {e}")))?;
    dict.into_iter()
        .map(|(name, entry)| {
            let name = name.as_str().to_owned();
            let bytes = match entry {
                sfv::ListEntry::Item(item) => item.bare_item.as_byte_sequence().map(<[u8]>::to_vec),
                sfv::ListEntry::InnerList(_) => None,
            };
            match bytes {
                Some(bytes) => Ok((name, bytes)),
                None if supported(&name) => {
                    Err(malformed("Content-Digest value is not a byte sequence"))
                }
                None => Ok((name, Vec::new())),
            }
        })
        .collect()
}

fn supported(algorithm: &str) -> bool {
    matches!(algorithm, "sha-256" | "sha-512")
}

fn check_entries(header: &str, entries: Entries, body: &[u8]) -> Result<(), SignatureError> {
    let mut checked = false;
    for (algorithm, claimed) in &entries {
        let matches = match algorithm.as_str() {
            "sha-256" => Sha256::digest(body).as_slice() == claimed.as_slice(),
            "sha-512" => Sha512::digest(body).as_slice() == claimed.as_slice(),
            _ => continue,
        };
        if !matches {
            return Err(SignatureError::DigestMismatch);
        }
        checked = true;
    }
    if checked {
        Ok(())
    } else {
        let offered: Vec<&str> = entries.iter().map(|(a, _)| a.as_str()).collect();
        Err(SignatureError::UnsupportedAlgorithm(format!(
            "{header} offers only {}",
            offered.join(", ")
        )))
    }
}

fn malformed(message: &str) -> SignatureError {
    SignatureError::Malformed(message.to_owned())
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    const BODY: &[u8] = br#"{"hello": "world"}"#;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn header_values_match_rfc_9530_examples() {
        // RFC 9530 §2 and RFC 9421 B.2 use this body and these digests.
        assert_eq!(
            content_digest_header(BODY),
            "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
        );
        assert_eq!(
            digest_header(BODY),
            "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
        );
        let sha512 = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";
        verify_body_digest(&headers(&[("content-digest", sha512)]), BODY).unwrap();
    }

    #[test]
    fn digest_names_are_case_insensitive() {
        let lower = digest_header(BODY).replace("SHA-256", "sha-256");
        verify_body_digest(&headers(&[("digest", &lower)]), BODY).unwrap();
        verify_body_digest(&headers(&[("digest", &digest_header(BODY))]), BODY).unwrap();
    }

    #[test]
    fn unsupported_entries_are_skipped_but_one_must_be_supported() {
        let list = format!("MD5=Sd/dVLAcvNLSq16eXua5uQ==, {}", digest_header(BODY));
        verify_body_digest(&headers(&[("digest", &list)]), BODY).unwrap();
        let split = headers(&[
            ("digest", "unixsum=30637"),
            ("digest", &digest_header(BODY)),
        ]);
        verify_body_digest(&split, BODY).unwrap();
        assert!(matches!(
            verify_body_digest(
                &headers(&[("digest", "MD5=Sd/dVLAcvNLSq16eXua5uQ==")]),
                BODY
            ),
            Err(SignatureError::UnsupportedAlgorithm(_))
        ));
    }

    #[test]
    fn tampered_bodies_fail() {
        let h = headers(&[("digest", &digest_header(BODY))]);
        assert_eq!(
            verify_body_digest(&h, b"{\"hello\": \"WORLD\"}"),
            Err(SignatureError::DigestMismatch)
        );
        let h = headers(&[("content-digest", &content_digest_header(BODY))]);
        assert_eq!(
            verify_body_digest(&h, b""),
            Err(SignatureError::DigestMismatch)
        );
    }

    #[test]
    fn every_present_header_must_match() {
        // A signature covering `Digest` must not be satisfied by an unsigned
        // `Content-Digest` describing a substituted body.
        let forged = b"{\"forged\": true}";
        let h = headers(&[
            ("digest", &digest_header(BODY)),
            ("content-digest", &content_digest_header(forged)),
        ]);
        assert_eq!(
            verify_body_digest(&h, forged),
            Err(SignatureError::DigestMismatch)
        );
        assert_eq!(
            verify_body_digest(&h, BODY),
            Err(SignatureError::DigestMismatch)
        );
    }

    #[test]
    fn bodies_need_a_digest_but_empty_ones_do_not() {
        assert_eq!(
            verify_body_digest(&HeaderMap::new(), BODY),
            Err(SignatureError::MissingDigest)
        );
        verify_body_digest(&HeaderMap::new(), b"").unwrap();
    }

    #[test]
    fn malformed_headers_are_reported() {
        for (name, value) in [
            ("digest", "SHA-256"),
            ("digest", "SHA-256=!!!"),
            ("content-digest", "sha-256=\"not bytes\""),
            ("content-digest", "sha-256=:AAA"),
        ] {
            assert!(
                matches!(
                    verify_body_digest(&headers(&[(name, value)]), BODY),
                    Err(SignatureError::Malformed(_))
                ),
                "{name}: {value}"
            );
        }
    }
}
