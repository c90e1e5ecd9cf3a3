//! Domain names as moderation rules name them: normalised, matched with their
//! subdomains, and obfuscated for the public list.

use crate::error::CoreError;

/// `host` and `port` of `host[:port]`, `[v6]`, `[v6]:port` or a bare IPv6 address.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[')
        && let Some(end) = authority.find(']')
    {
        let (host, rest) = authority.split_at(end + 1);
        return (host, rest.strip_prefix(':'));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, Some(port)),
        _ => (authority, None),
    }
}

/// The form a rule stores: lower-case ASCII (internationalised names in punycode), no
/// trailing dot. Refuses anything that is not a bare domain: schemes, paths, user
/// names, wildcards. On test networks (`test_network`: `federation.allow_private_addresses`,
/// where every instance is `127.0.0.1:PORT`) a port may follow and the "domain" may be an
/// IP address (`127.0.0.1`, `[::1]`); elsewhere both are refused, as in Mastodon.
pub fn normalize(input: &str, test_network: bool) -> Result<String, CoreError> {
    let bad = |why: &str| CoreError::Unprocessable(format!("{input:?} is not a domain: {why}"));
    let trimmed = input.trim().trim_end_matches('.');
    if trimmed.is_empty() {
        return Err(bad("it is empty"));
    }
    if trimmed.contains("://") || trimmed.contains(['/', '?', '#', '@', '*', ' ', '\\']) {
        return Err(bad(
            "give the domain alone, without scheme, path, user or wildcard",
        ));
    }
    let (host, port) = split_port(trimmed);
    let port = match port {
        None => None,
        Some(_) if !test_network => return Err(bad("domain blocks have no port")),
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?,
        ),
    };
    // A bare IPv6 address is written in brackets, as in a URL.
    let bracketed;
    let host = if host.contains(':') && !host.starts_with('[') {
        bracketed = format!("[{host}]");
        bracketed.as_str()
    } else {
        host
    };
    let ascii = match url::Host::parse(host) {
        Ok(url::Host::Domain(d)) => d,
        Ok(ip) if test_network => ip.to_string(),
        Ok(_) => return Err(bad("IP addresses cannot be blocked, only domains")),
        Err(e) => return Err(bad(&e.to_string())),
    };
    if ascii.split('.').any(str::is_empty) {
        return Err(bad("a label is empty"));
    }
    Ok(match port {
        Some(p) => format!("{ascii}:{p}"),
        None => ascii,
    })
}

/// The readable form of a normalised domain (punycode labels decoded).
pub fn to_unicode(domain: &str) -> String {
    let (unicode, result) = idna::domain_to_unicode(domain);
    if result.is_ok() {
        unicode
    } else {
        domain.to_owned()
    }
}

/// The domains a rule for which would cover `domain`, most specific first: the domain
/// itself and each parent (`a.b.example` → `a.b.example`, `b.example`, `example`). A
/// `host:port` is covered by a rule for itself, then by the rules of its host.
pub fn candidates(domain: &str) -> impl Iterator<Item = &str> {
    let (host, port) = split_port(domain);
    let port_ok = port.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let (with_port, host) = if port_ok {
        (Some(domain), host)
    } else {
        (None, domain)
    };
    let is_ip = host.starts_with('[') || host.parse::<std::net::IpAddr>().is_ok();
    let parents: Box<dyn Iterator<Item = &str>> = if is_ip {
        Box::new(std::iter::once(host))
    } else {
        Box::new(
            std::iter::once(host).chain(host.match_indices('.').map(move |(i, _)| &host[i + 1..])),
        )
    };
    with_port.into_iter().chain(parents)
}

/// Mastodon's obfuscation for the public list: every character after the first
/// quarter of the name and before its last quarter, dots excepted, shown as `*`
/// (`example.com` → `exa****.*om`).
pub fn obfuscate(domain: &str) -> String {
    let chars: Vec<char> = domain.chars().collect();
    let len = chars.len();
    let visible = len / 4;
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i > visible && i < len - visible && c != '.' {
                '*'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalised_or_refused() {
        assert_eq!(normalize(" Evil.Example. ", false).unwrap(), "evil.example");
        assert_eq!(
            normalize("bücher.example", false).unwrap(),
            "xn--bcher-kva.example"
        );
        assert_eq!(
            normalize("xn--bcher-kva.example", false).unwrap(),
            "xn--bcher-kva.example"
        );
        for bad in [
            "",
            "https://evil.example",
            "evil.example/users/a",
            "user@evil.example",
            "*.evil.example",
            "evil..example",
            "10.0.0.1",
            "[::1]",
            "::1",
            "evil example",
        ] {
            assert!(normalize(bad, false).is_err(), "{bad:?} accepted");
        }
        // On a test network, IP addresses are what instances are called.
        assert_eq!(normalize("127.0.0.1", true).unwrap(), "127.0.0.1");
        assert_eq!(normalize("[::1]", true).unwrap(), "[::1]");
        assert_eq!(normalize("::1", true).unwrap(), "[::1]");
        assert_eq!(normalize("[::1]:4001", true).unwrap(), "[::1]:4001");
        assert!(normalize("[::1]:x", true).is_err());
        assert!(normalize("evil.example:8443", false).is_err());
        assert_eq!(normalize("127.0.0.1:4001", true).unwrap(), "127.0.0.1:4001");
        assert!(normalize("evil.example:0", true).is_err());
        assert!(normalize("evil.example:99999", true).is_err());
    }

    #[test]
    fn punycode_reads_back_as_unicode() {
        assert_eq!(to_unicode("xn--bcher-kva.example"), "bücher.example");
        assert_eq!(to_unicode("plain.example"), "plain.example");
    }

    #[test]
    fn a_domain_is_covered_by_itself_then_its_parents() {
        let got: Vec<&str> = candidates("a.b.example").collect();
        assert_eq!(got, ["a.b.example", "b.example", "example"]);
        let got: Vec<&str> = candidates("social.example:8080").collect();
        assert_eq!(got, ["social.example:8080", "social.example", "example"]);
        let got: Vec<&str> = candidates("127.0.0.1:4001").collect();
        assert_eq!(got, ["127.0.0.1:4001", "127.0.0.1"]);
        let got: Vec<&str> = candidates("[::1]:4001").collect();
        assert_eq!(got, ["[::1]:4001", "[::1]"]);
        let got: Vec<&str> = candidates("127.0.0.1").collect();
        assert_eq!(got, ["127.0.0.1"]);
    }

    #[test]
    fn obfuscation_hides_the_middle_as_mastodon_does() {
        assert_eq!(obfuscate("example.com"), "exa****.*om");
        assert_eq!(obfuscate("ab"), "a*");
        assert_eq!(obfuscate("a.b"), "a.*");
    }
}
