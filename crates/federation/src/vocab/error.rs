//! Why a document was refused.
//!
//! Every [`VocabError`] means **reject**: the peer sent something Starling will never
//! accept, so an inbox answers `400 Bad Request` and does not ask for a retry. None of
//! these errors is worth retrying, and none carries more than a short excerpt of the
//! offending input.

/// A document that could not be read as ActivityPub.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VocabError {
    /// The body is not JSON.
    #[error("not valid JSON: {0}")]
    InvalidJson(String),
    /// Arrays and objects are nested deeper than the limit.
    #[error("JSON is nested deeper than {limit} levels")]
    TooDeep {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The top level is not a JSON object.
    #[error("document is not a JSON object")]
    NotAnObject,
    /// `id` is absent, `null`, empty or not a string.
    #[error("document has no `id`")]
    MissingId,
    /// `id` is a string but not an absolute URL.
    #[error("`id` is not an absolute URL: {0:?}")]
    InvalidId(String),
    /// `type` is absent or holds no type name.
    #[error("document has no usable `type`")]
    MissingType,
    /// An activity without an `actor` that names one.
    #[error("activity has no usable `actor`")]
    MissingActor,
    /// A well-formed document of the wrong kind (a `Note` where an actor was expected).
    #[error("expected {expected}, got type {found:?}")]
    UnexpectedType {
        /// What the caller asked for.
        expected: &'static str,
        /// The document's first type name.
        found: String,
    },
    /// Any other shape error in a required property.
    #[error("malformed document: {0}")]
    Malformed(String),
}

impl VocabError {
    /// Shortens user-controlled text so errors stay small in logs and responses.
    pub(crate) fn excerpt(text: &str) -> String {
        const MAX: usize = 120;
        match text.char_indices().nth(MAX) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text.to_owned(),
        }
    }
}
