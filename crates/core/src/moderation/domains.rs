//! Domain names as moderation rules name them: normalised, matched with their
//! subdomains, and obfuscated for the public list.

use crate::error::CoreError;

/// The form a rule stores: lower-case ASCII (internationalised names in punycode), no
/// trailing dot. Refuses anything that is not a bare domain: schemes, paths, user
/// names, wildcards, IP addresses, and ports (accepted only when `allow_ports`, for test
/// networks where every instance is `127.0.0.1:PORT`).
pub fn normalize(input: &str, allow_ports: bool) -> Result<String, CoreError> {
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
    let (host, port) = match trimmed.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, Some(port)),
        Some(_) => return Err(bad("IP addresses cannot be blocked, only domains")),
        None => (trimmed, None),
    };
    let port = match port {
        None => None,
        Some(_) if !allow_ports => return Err(bad("domain blocks have no port")),
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?,
        ),
    };
    let ascii = match url::Host::parse(host) {
        Ok(url::Host::Domain(d)) => d,
        Ok(_) if port.is_some() => host.to_owned(),
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
    let host = match domain.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            Some(host)
        }
        _ => None,
    };
    let with_port = host.map(|_| domain);
    let host = host.unwrap_or(domain);
    let parents: Box<dyn Iterator<Item = &str>> = if host.parse::<std::net::IpAddr>().is_ok() {
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
            "evil example",
        ] {
            assert!(normalize(bad, false).is_err(), "{bad:?} accepted");
        }
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
    }

    #[test]
    fn obfuscation_hides_the_middle_as_mastodon_does() {
        assert_eq!(obfuscate("example.com"), "exa****.*om");
        assert_eq!(obfuscate("ab"), "a*");
        assert_eq!(obfuscate("a.b"), "a.*");
    }
}
