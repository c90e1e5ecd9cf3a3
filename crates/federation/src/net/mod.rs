//! The one outgoing HTTP client for federation: fetching actors, objects, WebFinger and
//! NodeInfo documents, and delivering activities. Nothing else in Starling should build
//! its own `reqwest::Client` for remote servers.
//!
//! # Threat model
//!
//! Every URL this client fetches comes, directly or not, from a remote server: an actor
//! id, a `Link` in a WebFinger document, an `inReplyTo`, a key id. Without a guard, anyone
//! could make the server request `http://169.254.169.254/` (cloud credentials),
//! `http://127.0.0.1:5432/` or an admin panel on the LAN and, through error messages or
//! stored content, read the answers (server-side request forgery, SSRF).
//!
//! Checking the URL text is not enough. A host name can resolve to `127.0.0.1`, and the
//! answer can change between a check and the connection (DNS rebinding: first a public
//! address with a zero TTL, then a private one). So the guard runs where the address is
//! actually chosen:
//!
//! - a DNS resolver ([`reqwest::dns::Resolve`]) that drops every resolved address that is
//!   not globally routable ([`is_global`]) and fails when none remains, so the socket is
//!   only ever opened to an address that was checked;
//! - a URL check ([`check_url`]) before sending, because reqwest connects to IP-literal
//!   hosts (`https://[::ffff:10.0.0.1]/`) without asking the resolver;
//! - a redirect policy that applies the URL check to every hop and caps their number.
//!
//! System proxies are disabled: through a proxy the resolver would only see the proxy's
//! name. Only `https` is allowed, and response bodies are read with a size limit
//! ([`read_limited`]) and every request has a deadline, so a hostile server can neither
//! exhaust memory nor tie up workers.
//!
//! `[federation] allow_private_addresses` turns the address checks off and allows plain
//! `http`, for test networks where every instance runs on loopback. Ports are never
//! restricted (Mastodon does not either): the guard decides which machines we reach.

mod error;
mod guard;
mod ip;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::ACCEPT;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use url::Url;

pub use error::NetError;
pub use guard::check_url;
pub use ip::is_global;

/// Settings of the outgoing HTTP client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetConfig {
    /// Allow destinations that are not globally routable (loopback, LAN...) and plain
    /// `http`. Only for test networks; `[federation] allow_private_addresses`.
    pub allow_private_addresses: bool,
    /// How long DNS resolution plus the TCP and TLS handshakes may take.
    pub connect_timeout: Duration,
    /// Deadline for a whole request, from connecting until the body has been read.
    pub request_timeout: Duration,
    /// How many redirects one request may follow; one more fails the request with
    /// [`NetError::TooManyRedirects`] (so with 0 any redirect is an error, never a
    /// 3xx response handed back).
    pub max_redirects: usize,
    /// The largest response body [`HttpClient::get_bytes`] reads.
    pub max_response_bytes: usize,
    /// The `User-Agent` header, such as `Starling/0.1.0 (+https://example.com/)`.
    pub user_agent: String,
}

impl Default for NetConfig {
    /// Guarded, 5 s to connect, 20 s per request, 3 redirects, 2 MiB bodies, and a bare
    /// `Starling/<version>` user agent (callers should add their domain).
    fn default() -> Self {
        Self {
            allow_private_addresses: false,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
            max_redirects: 3,
            max_response_bytes: 2 * 1024 * 1024,
            user_agent: concat!("Starling/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// The SSRF-guarded HTTP client. Cloning is cheap and clones share one connection pool.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    config: Arc<NetConfig>,
}

impl HttpClient {
    /// Builds the client. Fails only when the configuration is unusable (for example a
    /// user agent that is not a valid header value).
    pub fn new(config: NetConfig) -> Result<Self, NetError> {
        let allow = config.allow_private_addresses;
        let user_agent = HeaderValue::from_str(&config.user_agent)
            .map_err(|_| NetError::Http(format!("invalid user agent {:?}", config.user_agent)))?;
        let inner = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .no_proxy()
            .dns_resolver(guard::GuardResolver {
                allow_private_addresses: allow,
            })
            .redirect(guard::redirect_policy(config.max_redirects, allow))
            .referer(false)
            .retry(reqwest::retry::never())
            .https_only(!allow)
            .build()
            .map_err(|e| NetError::Http(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            inner,
            config: Arc::new(config),
        })
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &NetConfig {
        &self.config
    }

    /// Starts a request to `url` after checking it with [`check_url`].
    ///
    /// Finish it with `.build()` and [`HttpClient::send`] (which maps errors to
    /// [`NetError`]), or send it directly and convert the error with `NetError::from`;
    /// the resolver and redirect checks apply either way. Read the body with
    /// [`read_limited`].
    pub fn request(&self, method: Method, url: &Url) -> Result<reqwest::RequestBuilder, NetError> {
        check_url(url, self.config.allow_private_addresses)?;
        Ok(self.inner.request(method, url.clone()))
    }

    /// Sends a request built elsewhere (for example one the signing code has added
    /// signature headers to), checking its URL first. Redirects are followed within the
    /// configured limit; `Response::url` is the final URL, which is what an object's id
    /// must be checked against.
    pub async fn send(&self, req: reqwest::Request) -> Result<reqwest::Response, NetError> {
        check_url(req.url(), self.config.allow_private_addresses)?;
        Ok(self.inner.execute(req).await?)
    }

    /// GETs `url` with the given `Accept` header plus `extra_headers` (which replace
    /// headers of the same name) and reads the body up to `max_response_bytes`.
    ///
    /// Any status is returned, not only 2xx: the caller decides what a 404 or 410 means.
    /// When the final URL after redirects matters, use [`HttpClient::request`],
    /// [`HttpClient::send`] and [`read_limited`] instead.
    pub async fn get_bytes(
        &self,
        url: &Url,
        accept: &str,
        extra_headers: HeaderMap,
    ) -> Result<(StatusCode, HeaderMap, Bytes), NetError> {
        let accept = HeaderValue::from_str(accept)
            .map_err(|_| NetError::Http(format!("invalid Accept header value {accept:?}")))?;
        let req = self
            .request(Method::GET, url)?
            .header(ACCEPT, accept)
            .headers(extra_headers)
            .build()?;
        let resp = self.send(req).await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = read_limited(resp, self.config.max_response_bytes).await?;
        Ok((status, headers, body))
    }
}

/// How much to reserve up front when the server gives no `Content-Length`.
const INITIAL_CAPACITY: usize = 16 * 1024;
/// The most reserved up front on the word of a `Content-Length`, which may be a lie.
const MAX_PREALLOCATION: usize = 256 * 1024;

/// Reads the whole body of `resp`, failing with [`NetError::TooLarge`] as soon as it
/// exceeds `max` bytes.
///
/// A `Content-Length` above `max` is refused before a single body byte is read (even if
/// the server is lying and would send less); otherwise the body is streamed chunk by
/// chunk and reading stops at the first chunk that crosses the limit, so a server that
/// sends gigabytes costs at most `max` bytes of memory plus one chunk. The client's
/// request timeout still applies while the body is read.
pub async fn read_limited(mut resp: reqwest::Response, max: usize) -> Result<Bytes, NetError> {
    let capacity = match resp.content_length() {
        Some(len) if len > u64::try_from(max).unwrap_or(u64::MAX) => {
            tracing::debug!(url = %resp.url(), len, max, "refusing oversized response");
            return Err(NetError::TooLarge);
        }
        Some(len) => usize::try_from(len).unwrap_or(max).min(MAX_PREALLOCATION),
        None => INITIAL_CAPACITY.min(max),
    };
    let mut buf = BytesMut::with_capacity(capacity);
    while let Some(chunk) = resp.chunk().await? {
        if chunk.len() > max - buf.len() {
            tracing::debug!(url = %resp.url(), max, "response body over the limit");
            return Err(NetError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}
