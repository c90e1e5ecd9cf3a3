//! HTTP signatures as the fediverse speaks them: draft-cavage-12 (sign and verify) and
//! RFC 9421 HTTP Message Signatures (verify).
//!
//! Pure code: no I/O, no clock (callers pass `now`), no database. The inbox and the
//! signed-fetch guard use it in this order:
//!
//! 1. [`parse_request_signature`] takes the request line and Starling's own origin
//!    ([`RequestParts`]) with the headers, reads whichever scheme the request uses,
//!    checks that the signature covers what Starling requires (method and target, host
//!    or authority, a date, and the body digest on POST) and rebuilds the signing
//!    string.
//! 2. [`ParsedSignature::check_freshness`] rejects stale or expired signatures before any
//!    key is fetched.
//! 3. The caller fetches the key named by [`ParsedSignature::key_id`] (see
//!    [`key_id_actor`]) and calls [`ParsedSignature::verify`].
//! 4. [`verify_body_digest`] ties the body to the covered digest header. Not optional
//!    for a request with a body: the signature covers the digest, not the body.
//!
//! Outgoing requests are signed with [`sign_request`] (draft-cavage, `rsa-sha256`),
//! which every peer verifies. Mastodon sends RFC 9421 only after a draft-cavage
//! signature is refused, so there is no need to sign RFC 9421 yet.
//!
//! Every failure is a [`SignatureError`]; all of them mean "reject the request" (401),
//! and [`SignatureError::may_pass_with_fresh_key`] says when refetching a cached key is
//! worth one more try.

mod cavage;
mod digest;
mod key_id;
mod keys;
mod parsed;
mod rfc9421;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use http::{HeaderMap, Method};

pub use cavage::sign_request;
pub use digest::{content_digest_header, digest_header, verify_body_digest};
pub use key_id::{key_id_actor, key_id_belongs_to};
pub use keys::{PrivateKey, PublicKey};
pub use parsed::{Algorithm, CLOCK_SKEW, MAX_AGE, ParsedSignature, Scheme};

/// Why a request signature was refused. Each variant maps to a precise message for
/// the remote server's logs; all of them are answered with 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The request carries no signature at all.
    #[error("the request is not signed")]
    Missing,
    /// A signature header, a covered header or a parameter cannot be read, or a header
    /// the signature covers is absent from the request. The message says which.
    #[error("malformed signature: {0}")]
    Malformed(String),
    /// The signature (or a digest header) uses an algorithm Starling cannot check.
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// The signature is valid in form but does not cover a component Starling requires
    /// (named in the message), so it could be replayed against another request.
    #[error("the signature must cover {0}")]
    MissingCoveredHeader(String),
    /// The body does not match its `Digest` or `Content-Digest` header.
    #[error("the body does not match its digest")]
    DigestMismatch,
    /// The request has a body but neither a `Digest` nor a `Content-Digest` header.
    #[error("the request has a body but no Digest or Content-Digest header")]
    MissingDigest,
    /// The signature's `expires` time has passed.
    #[error("the signature has expired")]
    Expired,
    /// The signature's date or `created` time lies outside the accepted window.
    #[error("the signature is not fresh: {0}")]
    Stale(String),
    /// The signature does not verify with the key.
    #[error("the signature does not verify")]
    BadSignature,
    /// The key cannot be read, or is of the wrong type or size for the signature.
    #[error("unusable key: {0}")]
    BadKey(String),
}

impl SignatureError {
    /// Whether fetching the key again (bypassing a cache) may turn this failure into a
    /// success: the actor may have rotated its key since it was cached.
    pub fn may_pass_with_fresh_key(&self) -> bool {
        matches!(self, Self::BadSignature | Self::BadKey(_))
    }
}

/// The request line and origin of a received request, which the headers alone do not
/// carry. RFC 9421's `@target-uri`, `@authority` and `@scheme` need them.
///
/// Build `scheme` and `authority` from Starling's configured public URL rather than
/// from the `Host` header: that is the origin the signer addressed.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// The request method.
    pub method: &'a Method,
    /// `https` (or `http` on test networks).
    pub scheme: &'a str,
    /// `host` or `host:port`, without a default port.
    pub authority: &'a str,
    /// The request target as received: the path and, if any, `?` and the query.
    pub path_and_query: &'a str,
}

impl<'a> RequestParts<'a> {
    /// Bundles the parts of a request.
    pub fn new(
        method: &'a Method,
        scheme: &'a str,
        authority: &'a str,
        path_and_query: &'a str,
    ) -> Self {
        Self {
            method,
            scheme,
            authority,
            path_and_query,
        }
    }

    /// The parts of `url`, as a client sending to it (or a test) sees them.
    pub fn from_url(method: &'a Method, url: &'a url::Url) -> Self {
        use url::Position;
        Self {
            method,
            scheme: url.scheme(),
            authority: &url[Position::BeforeHost..Position::AfterPort],
            path_and_query: &url[Position::BeforePath..Position::AfterQuery],
        }
    }
}

/// Reads the signature of a received request, in either scheme: RFC 9421 when a
/// `Signature-Input` header is present, otherwise draft-cavage from `Signature` (or
/// `Authorization: Signature …`).
///
/// The result has passed the coverage rules of its scheme, listed in the docs of the
/// `cavage` and `rfc9421` submodules (a failure is
/// [`SignatureError::MissingCoveredHeader`]), but is neither verified nor checked for
/// freshness yet. Errors: [`SignatureError::Missing`] for an unsigned request, and
/// `Malformed` or `UnsupportedAlgorithm` for a signature that cannot be used.
///
/// Pass the raw request target (`path_and_query`) as received; do not decode or
/// normalise it, since the signer signed the bytes it sent.
pub fn parse_request_signature(
    request: &RequestParts<'_>,
    headers: &HeaderMap,
) -> Result<ParsedSignature, SignatureError> {
    if headers.contains_key("signature-input") {
        rfc9421::parse(request, headers)
    } else {
        cavage::parse(request, headers)
    }
}

/// Methods whose requests carry a body, so the signature must cover its digest.
fn has_body(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PUT | Method::PATCH)
}

/// All values of header `name`, each trimmed of surrounding whitespace, joined with
/// `", "` in the order received: the canonical value of both signature schemes.
fn joined_header(headers: &HeaderMap, name: &str) -> Option<Vec<u8>> {
    let mut values = headers.get_all(name).iter().peekable();
    values.peek()?;
    let mut out = Vec::new();
    for (i, value) in values.enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(value.as_bytes().trim_ascii());
    }
    Some(out)
}

/// Standard base64, with or without padding (some servers drop it).
fn lenient_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    ENGINE.decode(text)
}
