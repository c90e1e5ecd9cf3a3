//! Federation errors, each saying what to do about it: answer the sender with a status
//! (inbox), retry later, or give up.

use http::StatusCode;
use starling_core::CoreError;

use crate::net::NetError;
use crate::signatures::SignatureError;

/// An error of the federation layer.
#[derive(Debug, thiserror::Error)]
pub enum FedError {
    /// The request or document is malformed: 400, never retried.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The signature is missing, invalid or does not belong to the actor: 401.
    #[error("signature: {0}")]
    Unauthorized(String),
    /// Refused by policy: 403.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Nothing there: 404.
    #[error("not found")]
    NotFound,
    /// The body is too large: 413.
    #[error("payload too large")]
    TooLarge,
    /// The body is not of a media type an inbox reads: 415.
    #[error(
        "unsupported media type: use application/activity+json, application/ld+json or application/json"
    )]
    UnsupportedMediaType,
    /// A remote server failed or could not be reached; worth retrying later.
    #[error("remote: {0}")]
    Remote(String),
    /// A remote server answered with a permanent refusal (404, 410, most 4xx).
    #[error("remote refused: {0}")]
    Gone(String),
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("internal: {0}")]
    Internal(String),
}

impl FedError {
    /// The HTTP status an inbox or document endpoint answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            FedError::BadRequest(_) => StatusCode::BAD_REQUEST,
            FedError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            FedError::Forbidden(_) => StatusCode::FORBIDDEN,
            FedError::NotFound | FedError::Core(CoreError::NotFound) => StatusCode::NOT_FOUND,
            FedError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            FedError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            FedError::Core(CoreError::Invalid(_) | CoreError::Validation(_)) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            // The signer's server could not be reached to fetch its key: the sender
            // should retry, so not a 4xx that it would drop.
            FedError::Remote(_) => StatusCode::SERVICE_UNAVAILABLE,
            FedError::Gone(_) => StatusCode::UNAUTHORIZED,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<NetError> for FedError {
    fn from(e: NetError) -> Self {
        if e.is_retryable() {
            FedError::Remote(e.to_string())
        } else {
            FedError::Gone(e.to_string())
        }
    }
}

impl From<SignatureError> for FedError {
    fn from(e: SignatureError) -> Self {
        FedError::Unauthorized(e.to_string())
    }
}

impl From<sea_orm::DbErr> for FedError {
    fn from(e: sea_orm::DbErr) -> Self {
        FedError::Core(CoreError::Db(e))
    }
}

/// Result of the federation layer.
pub type FedResult<T> = Result<T, FedError>;
