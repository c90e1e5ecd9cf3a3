//! [`AppState`]: what every handler receives through axum's `State`: the core
//! [`Instance`] and the HTTP layer's own state (rate limiters, trusted proxies).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use starling_core::Instance;
use starling_federation::Federation;

use crate::ratelimit::RateLimits;

/// Shared state of the HTTP layer.
#[derive(Clone)]
pub struct AppState {
    pub inst: Arc<Instance>,
    /// Federation: remote lookups for search, document negotiation for pages.
    pub fed: Arc<Federation>,
    pub limits: Arc<RateLimits>,
    trusted_proxies: Arc<Vec<ipnet::IpNet>>,
    /// Instance statistics and when they were counted.
    pub stats_cache:
        Arc<std::sync::Mutex<Option<(std::time::Instant, starling_core::stats::Stats)>>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("domain", &self.inst.domain())
            .finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(fed: Arc<Federation>) -> Self {
        let inst = fed.inst.clone();
        let trusted_proxies = inst
            .config
            .server
            .trusted_proxies
            .iter()
            .filter_map(|p| starling_core::config::parse_net(p))
            .collect();
        let limits = RateLimits::new(&inst.config.limits);
        Self {
            inst,
            fed,
            limits: Arc::new(limits),
            trusted_proxies: Arc::new(trusted_proxies),
            stats_cache: Arc::default(),
        }
    }

    fn is_trusted_proxy(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }
}

/// The client's address: the peer, or — when the peer is a trusted proxy — the nearest
/// untrusted address in `X-Forwarded-For`.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl<S> FromRequestParts<S> for ClientIp
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        Ok(ClientIp(client_ip(parts, &app)))
    }
}

/// See [`ClientIp`].
pub fn client_ip(parts: &Parts, app: &AppState) -> IpAddr {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    if !app.is_trusted_proxy(peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !app.is_trusted_proxy(*ip))
        .unwrap_or(peer)
}
