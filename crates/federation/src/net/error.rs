//! The errors of the outgoing HTTP client, and what the caller should do about them.
//!
//! Every failure of [`super::HttpClient`] is a [`NetError`]; [`NetError::is_retryable`]
//! tells the delivery queue whether to try again later or give up on the request.

use std::error::Error as StdError;
use std::fmt::Write as _;

/// Why an outgoing federation request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    /// The SSRF guard refused the destination (an address that is not globally routable,
    /// or plain `http` outside test networks). The message names the address. Not
    /// retryable.
    #[error("{0}")]
    Forbidden(String),
    /// The URL cannot be fetched at all: no host, credentials in it, or a scheme other
    /// than `http`/`https`. Not retryable.
    #[error("invalid or unsupported URL for a federation request")]
    InvalidUrl,
    /// The connect timeout or the whole-request timeout expired. Retryable.
    #[error("request timed out")]
    Timeout,
    /// The connection could not be made (DNS failure, connection refused, TLS handshake
    /// failed...). Retryable.
    #[error("could not connect: {0}")]
    Connect(String),
    /// The response body is larger than the configured limit. Not retryable.
    #[error("response body exceeds the size limit")]
    TooLarge,
    /// The server redirected more often than `max_redirects` allows. Not retryable.
    #[error("too many redirects")]
    TooManyRedirects,
    /// Any other HTTP or transport failure (connection reset, malformed response...).
    /// Retryable.
    #[error("HTTP error: {0}")]
    Http(String),
}

impl NetError {
    /// Whether trying the same request again later may succeed: yes for timeouts,
    /// connection failures and other transport errors; no for guard refusals, bad URLs,
    /// oversized bodies and redirect loops, which will fail the same way next time.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Timeout | Self::Connect(_) | Self::Http(_) => true,
            Self::Forbidden(_) | Self::InvalidUrl | Self::TooLarge | Self::TooManyRedirects => {
                false
            }
        }
    }
}

impl From<reqwest::Error> for NetError {
    /// Classifies a reqwest error. Errors raised by the guard itself (in the resolver or
    /// the redirect policy) travel inside reqwest's error as a boxed `NetError` and come
    /// back out unchanged.
    fn from(err: reqwest::Error) -> Self {
        let mut source: Option<&(dyn StdError + 'static)> = Some(&err);
        while let Some(e) = source {
            if let Some(net) = e.downcast_ref::<NetError>() {
                return net.clone();
            }
            source = e.source();
        }
        if err.is_timeout() {
            Self::Timeout
        } else if err.is_connect() {
            Self::Connect(describe(&err))
        } else if err.is_redirect() {
            Self::TooManyRedirects
        } else if err.is_builder() {
            Self::InvalidUrl
        } else {
            Self::Http(describe(&err))
        }
    }
}

/// The error's message followed by those of its sources: reqwest's own message alone
/// ("error sending request") rarely says what went wrong.
fn describe(err: &dyn StdError) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        let _ = write!(out, ": {e}");
        source = e.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::NetError;

    #[test]
    fn retryable_classification() {
        assert!(NetError::Timeout.is_retryable());
        assert!(NetError::Connect("refused".into()).is_retryable());
        assert!(NetError::Http("reset".into()).is_retryable());
        assert!(!NetError::Forbidden("127.0.0.1".into()).is_retryable());
        assert!(!NetError::InvalidUrl.is_retryable());
        assert!(!NetError::TooLarge.is_retryable());
        assert!(!NetError::TooManyRedirects.is_retryable());
    }
}
