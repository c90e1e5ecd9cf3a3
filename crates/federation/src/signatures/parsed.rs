//! A received signature, read and rebuilt but not yet trusted: what both schemes parse
//! into, and the two checks left to do, freshness and the signature itself.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

use super::keys::{PublicKey, Verifier};
use super::{SignatureError, joined_header};

/// How far in the past a signature's date may lie: 12 hours, Mastodon's window.
pub const MAX_AGE: Duration = Duration::from_secs(12 * 3600);

/// How far in the future a signature's date may lie, and how long after its `expires`
/// time it is still accepted: 1 hour of clock skew, as Mastodon allows.
pub const CLOCK_SKEW: Duration = Duration::from_secs(3600);

/// Which specification a signature follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// draft-cavage-http-signatures-12: one `Signature` (or `Authorization`) header.
    Cavage,
    /// RFC 9421: `Signature-Input` and `Signature` dictionaries.
    Rfc9421,
}

/// The algorithm a signature names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256: cavage `rsa-sha256`, RFC 9421 `rsa-v1_5-sha256`.
    RsaSha256,
    /// RSASSA-PSS with SHA-512: RFC 9421 `rsa-pss-sha512` (verify only, rare).
    RsaPssSha512,
    /// Ed25519: RFC 9421 `ed25519`, cavage `ed25519`.
    Ed25519,
    /// Cavage `hs2019` or no algorithm named: the key decides, RSA keys meaning
    /// RSASSA-PKCS1-v1_5 SHA-256 (what every fediverse server means) and Ed25519 keys
    /// Ed25519.
    FromKey,
}

/// A parsed request signature: who claims to have signed, and the exact bytes that
/// were signed, rebuilt from the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSignature {
    /// The `keyId` (cavage) or `keyid` (RFC 9421): the URL of the signer's key.
    pub key_id: String,
    /// The scheme the request used.
    pub scheme: Scheme,
    /// The RFC 9421 label of the signature used (`sig1`…); `None` for cavage.
    pub label: Option<String>,
    /// The signing string (cavage) or signature base (RFC 9421).
    pub signing_string: Vec<u8>,
    /// For cavage requests with a query: the signing string with the query left out of
    /// `(request-target)`, which older Mastodon versions (and apsig) sign. Tried when
    /// `signing_string` fails, as Mastodon itself does.
    pub legacy_signing_string: Option<Vec<u8>>,
    /// The signature bytes.
    pub signature: Vec<u8>,
    /// The algorithm named.
    pub algorithm: Algorithm,
    /// The signed creation time (cavage `(created)` when covered, RFC 9421 `created`).
    pub created: Option<SystemTime>,
    /// The expiry time, when the signer gave one.
    pub expires: Option<SystemTime>,
    /// The covered components, lower-case, in signing order (`(request-target)`,
    /// `host`… or `@method`, `@target-uri`…).
    pub covered: Vec<String>,
}

impl ParsedSignature {
    /// Checks the signature with `key`. [`Algorithm::FromKey`] follows the key type;
    /// a named algorithm must suit it ([`SignatureError::BadKey`] otherwise).
    pub fn verify(&self, key: &PublicKey) -> Result<(), SignatureError> {
        let verifier = match (self.algorithm, key.is_rsa()) {
            (Algorithm::RsaSha256 | Algorithm::FromKey, true) => Verifier::RsaPkcs1Sha256,
            (Algorithm::RsaPssSha512, true) => Verifier::RsaPssSha512,
            (Algorithm::Ed25519 | Algorithm::FromKey, false) => Verifier::Ed25519,
            (algorithm, _) => {
                return Err(SignatureError::BadKey(format!(
                    "the key does not suit a {algorithm:?} signature"
                )));
            }
        };
        match key.verify(verifier, &self.signing_string, &self.signature) {
            Err(SignatureError::BadSignature) => match &self.legacy_signing_string {
                Some(legacy) => key.verify(verifier, legacy, &self.signature),
                None => Err(SignatureError::BadSignature),
            },
            other => other,
        }
    }

    /// Checks the signature's age at `now`: its signed creation time (or, failing
    /// that, the covered `Date` header) must lie within [`MAX_AGE`] before and
    /// [`CLOCK_SKEW`] after `now`, and `now` must not be later than `expires` plus
    /// [`CLOCK_SKEW`]. An unsigned `Date` is never trusted.
    pub fn check_freshness(
        &self,
        headers: &HeaderMap,
        now: SystemTime,
    ) -> Result<(), SignatureError> {
        let signed_at = match self.created {
            Some(created) => created,
            None if self.covered.iter().any(|c| c == "date") => {
                let date = joined_header(headers, "date")
                    .ok_or_else(|| SignatureError::Malformed("no Date header".into()))?;
                std::str::from_utf8(&date)
                    .ok()
                    .and_then(|d| httpdate::parse_http_date(d).ok())
                    .ok_or_else(|| SignatureError::Malformed("unreadable Date header".into()))?
            }
            None => {
                return Err(SignatureError::MissingCoveredHeader(
                    "a date (the Date header or a created time)".into(),
                ));
            }
        };
        if let Ok(age) = now.duration_since(signed_at)
            && age > MAX_AGE
        {
            return Err(SignatureError::Stale(format!(
                "signed {} s ago, more than {} s",
                age.as_secs(),
                MAX_AGE.as_secs()
            )));
        }
        if let Ok(ahead) = signed_at.duration_since(now)
            && ahead > CLOCK_SKEW
        {
            return Err(SignatureError::Stale(format!(
                "signed {} s in the future",
                ahead.as_secs()
            )));
        }
        if let Some(expires) = self.expires
            && now > expires + CLOCK_SKEW
        {
            return Err(SignatureError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn signed_with_date() -> ParsedSignature {
        ParsedSignature {
            key_id: "https://remote.example/users/a#main-key".into(),
            scheme: Scheme::Cavage,
            label: None,
            signing_string: Vec::new(),
            legacy_signing_string: None,
            signature: Vec::new(),
            algorithm: Algorithm::RsaSha256,
            created: None,
            expires: None,
            covered: vec!["(request-target)".into(), "host".into(), "date".into()],
        }
    }

    fn date_headers(at: SystemTime) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let date = httpdate::fmt_http_date(at);
        headers.insert("date", HeaderValue::from_str(&date).unwrap());
        headers
    }

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000)
    }

    #[test]
    fn dates_within_the_window_pass() {
        let sig = signed_with_date();
        for offset in [Duration::ZERO, 11 * HOUR] {
            sig.check_freshness(&date_headers(now() - offset), now())
                .unwrap();
        }
        sig.check_freshness(&date_headers(now() + HOUR / 2), now())
            .unwrap();
    }

    #[test]
    fn old_and_future_dates_are_stale() {
        let sig = signed_with_date();
        let old = sig.check_freshness(&date_headers(now() - 13 * HOUR), now());
        assert!(matches!(old, Err(SignatureError::Stale(_))), "{old:?}");
        let future = sig.check_freshness(&date_headers(now() + 2 * HOUR), now());
        assert!(
            matches!(future, Err(SignatureError::Stale(_))),
            "{future:?}"
        );
    }

    #[test]
    fn created_wins_over_date_and_expires_is_enforced() {
        let mut sig = signed_with_date();
        sig.created = Some(now() - 13 * HOUR);
        let fresh_date = date_headers(now());
        assert!(matches!(
            sig.check_freshness(&fresh_date, now()),
            Err(SignatureError::Stale(_))
        ));
        sig.created = Some(now() - HOUR);
        sig.expires = Some(now() - 2 * HOUR);
        assert_eq!(
            sig.check_freshness(&fresh_date, now()),
            Err(SignatureError::Expired)
        );
        sig.expires = Some(now() - HOUR / 2);
        sig.check_freshness(&fresh_date, now()).unwrap();
    }

    #[test]
    fn an_unsigned_date_is_not_trusted() {
        let mut sig = signed_with_date();
        sig.covered.retain(|c| c != "date");
        assert!(matches!(
            sig.check_freshness(&date_headers(now()), now()),
            Err(SignatureError::MissingCoveredHeader(_))
        ));
        let garbled = {
            let mut h = HeaderMap::new();
            h.insert("date", HeaderValue::from_static("yesterday"));
            h
        };
        assert!(matches!(
            signed_with_date().check_freshness(&garbled, now()),
            Err(SignatureError::Malformed(_))
        ));
    }
}
