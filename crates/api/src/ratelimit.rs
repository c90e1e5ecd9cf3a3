//! Rate limits on every door, with Mastodon's numbers by default: API requests per
//! token (or per address when anonymous) per 5 minutes, sign-ups per address per 30
//! minutes, sign-in attempts per address per 5 minutes. Exceeding one answers 429
//! `{"error":"Too many requests"}` with `X-RateLimit-*` headers.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use starling_core::config::LimitsConfig;

use crate::error::ApiError;
use crate::state::{AppState, client_ip};

type KeyedLimiter<K> =
    RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

struct Limiter<K: std::hash::Hash + Eq + Clone> {
    limiter: KeyedLimiter<K>,
    limit: u32,
    period: Duration,
}

impl<K: std::hash::Hash + Eq + Clone> Limiter<K> {
    fn new(limit: u32, period: Duration) -> Option<Self> {
        let n = NonZeroU32::new(limit)?;
        let quota = Quota::with_period(period / limit)?.allow_burst(n);
        Some(Self {
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            limit,
            period,
        })
    }

    /// `Ok(remaining)` or `Err(seconds until a request is allowed)`.
    fn check(&self, key: &K) -> Result<u32, Duration> {
        match self.limiter.check_key(key) {
            Ok(snapshot) => Ok(snapshot.remaining_burst_capacity()),
            Err(not_until) => Err(not_until.wait_time_from(DefaultClock::default().now())),
        }
    }
}

/// The instance's rate limiters (`None` when a limit is configured as 0).
pub struct RateLimits {
    api: Option<Limiter<String>>,
    sign_up: Option<Limiter<IpAddr>>,
    sign_in: Option<Limiter<IpAddr>>,
}

impl RateLimits {
    pub fn new(config: &LimitsConfig) -> Self {
        Self {
            api: Limiter::new(config.api_requests_per_5min, Duration::from_secs(300)),
            sign_up: Limiter::new(config.registrations_per_30min, Duration::from_secs(1800)),
            sign_in: Limiter::new(config.sign_ins_per_5min, Duration::from_secs(300)),
        }
    }

    /// Counts a sign-up attempt from `ip`.
    pub fn check_sign_up(&self, ip: IpAddr) -> Result<(), ApiError> {
        check(self.sign_up.as_ref(), &ip)
    }

    /// Counts a sign-in attempt from `ip`.
    pub fn check_sign_in(&self, ip: IpAddr) -> Result<(), ApiError> {
        check(self.sign_in.as_ref(), &ip)
    }

    /// Removes keys whose limits have fully recovered (bounded memory).
    pub fn retain_recent(&self) {
        if let Some(l) = &self.api {
            l.limiter.retain_recent();
        }
        if let Some(l) = &self.sign_up {
            l.limiter.retain_recent();
        }
        if let Some(l) = &self.sign_in {
            l.limiter.retain_recent();
        }
    }
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits").finish_non_exhaustive()
    }
}

fn reset_header(wait: Duration) -> HeaderValue {
    let at = chrono::Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
    HeaderValue::from_str(&at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
        .unwrap_or(HeaderValue::from_static(""))
}

fn too_many(limit: u32, wait: Duration) -> ApiError {
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests")
        .with_header(
            "x-ratelimit-limit".parse().expect("header"),
            HeaderValue::from(limit),
        )
        .with_header(
            "x-ratelimit-remaining".parse().expect("header"),
            HeaderValue::from(0),
        )
        .with_header(
            "x-ratelimit-reset".parse().expect("header"),
            reset_header(wait),
        )
        .with_header(
            axum::http::header::RETRY_AFTER,
            HeaderValue::from(wait.as_secs().max(1)),
        )
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: Option<&Limiter<K>>,
    key: &K,
) -> Result<(), ApiError> {
    match limiter {
        None => Ok(()),
        Some(l) => l
            .check(key)
            .map(|_| ())
            .map_err(|wait| too_many(l.limit, wait)),
    }
}

/// Middleware for `/api/*`: one budget per bearer token, or per client address.
pub async fn api_limit(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let Some(limiter) = app.limits.api.as_ref() else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let key = match crate::auth::bearer_token(&parts) {
        Some(token) => format!("t:{}", starling_core::crypto::sha256_hex(&token)),
        None => format!("ip:{}", client_ip(&parts, &app)),
    };
    let req = Request::from_parts(parts, body);
    match limiter.check(&key) {
        Ok(remaining) => {
            let mut response = next.run(req).await;
            let headers = response.headers_mut();
            headers.insert("x-ratelimit-limit", HeaderValue::from(limiter.limit));
            headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
            headers.insert("x-ratelimit-reset", reset_header(limiter.period));
            response
        }
        Err(wait) => too_many(limiter.limit, wait).into_response(),
    }
}

/// Periodically drops recovered rate-limit keys.
pub fn spawn_janitor(limits: Arc<RateLimits>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(60));
        loop {
            interval.tick().await;
            limits.retain_recent();
        }
    })
}
