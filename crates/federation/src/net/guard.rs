//! The SSRF guard: URL checks, the filtering DNS resolver and the redirect policy.
//!
//! Three places, because no single one sees every destination: the URL check sees IP
//! literals (which reqwest connects to without asking a resolver), the resolver sees
//! the addresses a host name really resolves to at connect time, and the redirect
//! policy sees every hop after the first.

use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect::Policy;
use url::{Host, Url};

use super::{NetError, is_global};

/// Where the error messages point operators of test networks.
const HINT: &str =
    "set `[federation] allow_private_addresses = true` to allow this on test networks";

/// Checks a URL before any request is made to it: the scheme must be `https` (or `http`
/// when `allow_private_addresses` is set), there must be a host and no credentials, and
/// an IP-literal host must be globally routable unless `allow_private_addresses`.
///
/// Host names are not resolved here; [`super::HttpClient`] checks the addresses they
/// resolve to at connect time. Any port is allowed, as Mastodon does: the guard is about
/// which machines we reach, not which services on a public machine.
pub fn check_url(url: &Url, allow_private_addresses: bool) -> Result<(), NetError> {
    if !matches!(url.scheme(), "https" | "http") {
        return Err(NetError::InvalidUrl);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(NetError::InvalidUrl);
    }
    match url.host() {
        None => return Err(NetError::InvalidUrl),
        Some(Host::Domain(_)) => {}
        Some(Host::Ipv4(ip)) => check_ip(IpAddr::V4(ip), allow_private_addresses)?,
        Some(Host::Ipv6(ip)) => check_ip(IpAddr::V6(ip), allow_private_addresses)?,
    }
    if url.scheme() == "http" && !allow_private_addresses {
        return Err(NetError::Forbidden(format!(
            "refusing plain http request to {url}: federation requires https ({HINT})"
        )));
    }
    Ok(())
}

fn check_ip(ip: IpAddr, allow_private_addresses: bool) -> Result<(), NetError> {
    if allow_private_addresses || is_global(ip) {
        Ok(())
    } else {
        Err(refusal(&ip.to_string()))
    }
}

fn refusal(what: &str) -> NetError {
    tracing::debug!(destination = what, "SSRF guard refused a destination");
    NetError::Forbidden(format!(
        "refusing to connect to {what}: not a globally routable address ({HINT})"
    ))
}

/// The check applied to every redirect target. Host names among them are checked by
/// the resolver when reqwest connects.
pub(super) fn check_redirect(next: &Url, allow_private_addresses: bool) -> Result<(), NetError> {
    check_url(next, allow_private_addresses)
}

/// A redirect policy that follows at most `max` redirects and checks each target.
pub(super) fn redirect_policy(max: usize, allow_private_addresses: bool) -> Policy {
    Policy::custom(move |attempt| {
        // `previous` starts with the original URL, so it holds one more than the number
        // of redirects followed so far.
        if attempt.previous().len() > max {
            return attempt.error(NetError::TooManyRedirects);
        }
        match check_redirect(attempt.url(), allow_private_addresses) {
            Ok(()) => attempt.follow(),
            Err(err) => attempt.error(err),
        }
    })
}

/// A DNS resolver that drops addresses that are not globally routable, so a name that
/// resolves (or is rebound) to an internal address is refused at connect time.
#[derive(Debug, Clone, Copy)]
pub(super) struct GuardResolver {
    pub(super) allow_private_addresses: bool,
}

impl Resolve for GuardResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow_private_addresses;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed = filter_addrs(&host, addrs, allow)?;
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Keeps the addresses the guard allows; fails with [`NetError::Forbidden`] when the
/// name resolved only to refused ones.
fn filter_addrs(
    host: &str,
    addrs: Vec<SocketAddr>,
    allow_private_addresses: bool,
) -> Result<Vec<SocketAddr>, NetError> {
    if allow_private_addresses {
        return Ok(addrs);
    }
    let (allowed, refused): (Vec<_>, Vec<_>) =
        addrs.into_iter().partition(|addr| is_global(addr.ip()));
    if allowed.is_empty() && !refused.is_empty() {
        let list: Vec<String> = refused.iter().map(|a| a.ip().to_string()).collect();
        return Err(refusal(&format!(
            "{host} (resolves to {})",
            list.join(", ")
        )));
    }
    if !refused.is_empty() {
        tracing::debug!(host, ?refused, "dropped non-global addresses of a host");
    }
    Ok(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|e| panic!("bad test URL {s}: {e}"))
    }

    fn forbidden(r: Result<(), NetError>) -> bool {
        matches!(r, Err(NetError::Forbidden(_)))
    }

    #[test]
    fn url_checks_without_private_addresses() {
        assert_eq!(
            check_url(&url("https://example.com/users/a"), false),
            Ok(())
        );
        assert_eq!(check_url(&url("https://example.com:8443/x"), false), Ok(()));
        assert_eq!(check_url(&url("https://1.1.1.1/"), false), Ok(()));
        assert_eq!(check_url(&url("https://[2606:4700::1111]/"), false), Ok(()));
        for s in [
            "http://example.com/",
            "https://127.0.0.1/",
            "https://127.0.0.1:8080/",
            "https://10.0.0.1/",
            "https://169.254.169.254/latest/meta-data/",
            "https://0.0.0.0/",
            "https://[::]/",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[64:ff9b::a00:1]/",
            "https://[fd00::1]/",
            // WHATWG parsing turns these into 127.0.0.1
            "https://2130706433/",
            "https://0x7f.1/",
            "https://127.1/",
        ] {
            assert!(forbidden(check_url(&url(s), false)), "{s}");
        }
        for s in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "https://u:p@example.com/",
        ] {
            assert_eq!(check_url(&url(s), false), Err(NetError::InvalidUrl), "{s}");
        }
    }

    #[test]
    fn url_checks_with_private_addresses() {
        for s in [
            "http://127.0.0.1:3000/",
            "http://localhost:3000/",
            "https://[::1]/",
        ] {
            assert_eq!(check_url(&url(s), true), Ok(()), "{s}");
        }
        assert_eq!(
            check_url(&url("ftp://127.0.0.1/"), true),
            Err(NetError::InvalidUrl)
        );
    }

    #[test]
    fn forbidden_message_names_address_and_setting() {
        let Err(NetError::Forbidden(msg)) = check_url(&url("https://10.1.2.3/"), false) else {
            panic!("expected Forbidden");
        };
        assert!(msg.contains("10.1.2.3"), "{msg}");
        assert!(msg.contains("allow_private_addresses"), "{msg}");
    }

    #[test]
    fn redirects_to_private_literals_are_refused() {
        for s in [
            "https://127.0.0.1/admin",
            "https://[::ffff:10.0.0.1]/",
            "https://192.168.1.1/",
            "https://100.64.0.1/",
            "http://example.com/",
        ] {
            assert!(forbidden(check_redirect(&url(s), false)), "{s}");
        }
        assert_eq!(
            check_redirect(&url("gopher://example.com/"), true),
            Err(NetError::InvalidUrl)
        );
        assert_eq!(
            check_redirect(&url("https://example.org/next"), false),
            Ok(())
        );
        assert_eq!(check_redirect(&url("http://10.0.0.1/"), true), Ok(()));
    }

    #[test]
    fn filter_keeps_only_global_addresses() {
        let a = |s: &str| -> SocketAddr { s.parse().unwrap_or_else(|e| panic!("{s}: {e}")) };
        let mixed = vec![a("127.0.0.1:0"), a("93.184.216.34:0"), a("[fd00::1]:0")];
        assert_eq!(
            filter_addrs("x.example", mixed.clone(), false),
            Ok(vec![a("93.184.216.34:0")])
        );
        assert_eq!(filter_addrs("x.example", mixed.clone(), true), Ok(mixed));
        let Err(NetError::Forbidden(msg)) =
            filter_addrs("evil.example", vec![a("10.0.0.1:0")], false)
        else {
            panic!("expected Forbidden");
        };
        assert!(
            msg.contains("evil.example") && msg.contains("10.0.0.1"),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn resolver_refuses_localhost_unless_allowed() {
        let name = |s: &str| -> Name { s.parse().unwrap_or_else(|_| panic!("bad name {s}")) };
        let refused = GuardResolver {
            allow_private_addresses: false,
        }
        .resolve(name("localhost"))
        .await;
        let Err(err) = refused else {
            panic!("localhost must be refused")
        };
        assert!(
            matches!(err.downcast_ref::<NetError>(), Some(NetError::Forbidden(_))),
            "{err}"
        );

        let allowed = GuardResolver {
            allow_private_addresses: true,
        }
        .resolve(name("localhost"))
        .await;
        let addrs: Vec<SocketAddr> = match allowed {
            Ok(addrs) => addrs.collect(),
            Err(e) => panic!("localhost must resolve: {e}"),
        };
        assert!(
            addrs.iter().all(|a| a.ip().is_loopback()) && !addrs.is_empty(),
            "{addrs:?}"
        );
    }
}
