//! Which IP addresses count as globally routable, for the SSRF guard.
//!
//! Written out by hand from the IANA special-purpose address registries (RFC 6890 and
//! its updates) because `std::net::Ipv4Addr::is_global` is still unstable. Anything in
//! doubt is treated as not global: refusing a strange address costs one undelivered
//! activity, while accepting one can expose an internal service.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), len)
}

const fn v6(s: [u16; 8], len: u8) -> Ipv6Net {
    Ipv6Net::new_assert(
        Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]),
        len,
    )
}

/// IPv4 ranges that are not globally reachable.
const V4_NOT_GLOBAL: &[Ipv4Net] = &[
    v4(0, 0, 0, 0, 8),       // "this network", includes the unspecified 0.0.0.0
    v4(10, 0, 0, 0, 8),      // private
    v4(100, 64, 0, 0, 10),   // shared address space (carrier-grade NAT)
    v4(127, 0, 0, 0, 8),     // loopback
    v4(169, 254, 0, 0, 16),  // link-local, includes cloud metadata 169.254.169.254
    v4(172, 16, 0, 0, 12),   // private
    v4(192, 0, 0, 0, 24),    // IETF protocol assignments
    v4(192, 0, 2, 0, 24),    // documentation (TEST-NET-1)
    v4(192, 88, 99, 0, 24),  // deprecated 6to4 relay anycast
    v4(192, 168, 0, 0, 16),  // private
    v4(198, 18, 0, 0, 15),   // benchmarking
    v4(198, 51, 100, 0, 24), // documentation (TEST-NET-2)
    v4(203, 0, 113, 0, 24),  // documentation (TEST-NET-3)
    v4(224, 0, 0, 0, 4),     // multicast
    v4(240, 0, 0, 0, 4),     // reserved, includes broadcast 255.255.255.255
];

/// The only IPv6 block IANA allocates global unicast addresses from.
const V6_GLOBAL_UNICAST: Ipv6Net = v6([0x2000, 0, 0, 0, 0, 0, 0, 0], 3);

/// Ranges inside 2000::/3 that are not globally reachable.
const V6_NOT_GLOBAL: &[Ipv6Net] = &[
    // IETF protocol assignments: Teredo 2001::/32, benchmarking 2001:2::/48, ORCHID...
    // Teredo is refused outright rather than by its embedded IPv4 address.
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 23),
    v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), // documentation
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20),     // documentation (RFC 9637)
];

/// IPv4-mapped addresses, `::ffff:a.b.c.d`.
const V6_MAPPED: Ipv6Net = v6([0, 0, 0, 0, 0, 0xffff, 0, 0], 96);
/// Deprecated IPv4-compatible addresses, `::a.b.c.d` (includes `::` and `::1`).
const V6_COMPAT: Ipv6Net = v6([0, 0, 0, 0, 0, 0, 0, 0], 96);
/// The NAT64 well-known prefix, `64:ff9b::a.b.c.d`.
const V6_NAT64: Ipv6Net = v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96);
/// 6to4, `2002:aabb:ccdd::/48` for the IPv4 address a.b.c.d.
const V6_6TO4: Ipv6Net = v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16);

/// Whether `ip` is a globally routable unicast address, the only kind federation may
/// connect to unless `[federation] allow_private_addresses` is set.
///
/// Refused: loopback, private, link-local, carrier-grade NAT, unspecified, broadcast,
/// multicast, documentation, benchmarking and reserved IPv4 ranges; in IPv6 everything
/// outside 2000::/3 (loopback, unspecified, unique-local fc00::/7, link-local, site-local,
/// multicast, discard-only...), the special ranges inside it, and Teredo. IPv6 addresses
/// that embed an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64 64:ff9b::/96, 6to4)
/// are judged by the embedded address, so `::ffff:127.0.0.1` is as local as 127.0.0.1.
pub fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_global_v4(ip),
        IpAddr::V6(ip) => is_global_v6(ip),
    }
}

fn is_global_v4(ip: Ipv4Addr) -> bool {
    !V4_NOT_GLOBAL.iter().any(|net| net.contains(&ip))
}

fn is_global_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return is_global_v4(v4);
    }
    V6_GLOBAL_UNICAST.contains(&ip) && !V6_NOT_GLOBAL.iter().any(|net| net.contains(&ip))
}

/// The IPv4 address a mapped, compatible, NAT64 or 6to4 IPv6 address stands for.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let o = ip.octets();
    if V6_MAPPED.contains(&ip) || V6_COMPAT.contains(&ip) || V6_NAT64.contains(&ip) {
        Some(Ipv4Addr::new(o[12], o[13], o[14], o[15]))
    } else if V6_6TO4.contains(&ip) {
        Some(Ipv4Addr::new(o[2], o[3], o[4], o[5]))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::is_global;
    use std::net::IpAddr;

    const NOT_GLOBAL: &[&str] = &[
        // this network, unspecified
        "0.0.0.0",
        "0.1.2.3",
        "0.255.255.255",
        // private
        "10.0.0.1",
        "10.255.255.255",
        "172.16.0.1",
        "172.20.10.5",
        "172.31.255.255",
        "192.168.0.1",
        "192.168.255.254",
        // carrier-grade NAT
        "100.64.0.1",
        "100.100.100.100",
        "100.127.255.255",
        // loopback
        "127.0.0.1",
        "127.1.2.3",
        "127.255.255.254",
        // link-local, cloud metadata
        "169.254.0.1",
        "169.254.169.254",
        // IETF protocol assignments, documentation, 6to4 relay, benchmarking
        "192.0.0.1",
        "192.0.0.170",
        "192.0.2.1",
        "192.88.99.1",
        "198.18.0.1",
        "198.19.255.255",
        "198.51.100.7",
        "203.0.113.9",
        // multicast, reserved, broadcast
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "250.1.2.3",
        "255.255.255.255",
        // IPv6 unspecified, loopback
        "::",
        "::1",
        // IPv4-mapped and IPv4-compatible with a local embedded address
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:0.0.0.0",
        "::ffff:192.168.1.1",
        "::127.0.0.1",
        "::10.1.2.3",
        // IPv4-translated (SIIT) is outside 2000::/3
        "::ffff:0:808:808",
        // NAT64 with a local embedded address, local-use NAT64
        "64:ff9b::a00:1",
        "64:ff9b::127.0.0.1",
        "64:ff9b::c0a8:101",
        "64:ff9b:1::808:808",
        // discard-only
        "100::1",
        // IETF protocol assignments: Teredo, benchmarking, ORCHID
        "2001::1",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        "2001:2::1",
        "2001:10::1",
        "2001:1ff:ffff::1",
        // documentation
        "2001:db8::1",
        "2001:db8:ffff::ffff",
        "3fff::1",
        "3fff:fff:ffff::1",
        // 6to4 with a local embedded address
        "2002:7f00:1::1",
        "2002:a00:1::",
        "2002:c0a8:101::1",
        // SRv6 SIDs (outside 2000::/3)
        "5f00::1",
        // unique local
        "fc00::1",
        "fd00::1",
        "fd12:3456:789a::1",
        // link-local, site-local
        "fe80::1",
        "fe80::1234:5678",
        "febf::1",
        "fec0::1",
        "feff::1",
        // multicast
        "ff02::1",
        "ff0e::1",
        "ff05::1:3",
    ];

    const GLOBAL: &[&str] = &[
        "1.1.1.1",
        "8.8.8.8",
        "9.9.9.9",
        "1.0.0.1",
        "93.184.216.34",
        "100.63.255.255",
        "100.128.0.0",
        "126.255.255.255",
        "128.0.0.1",
        "169.253.255.255",
        "172.15.255.255",
        "172.32.0.0",
        "192.0.1.1",
        "192.88.98.255",
        "192.167.255.255",
        "192.169.0.0",
        "198.17.255.255",
        "198.20.0.0",
        "223.255.255.255",
        "2606:4700::1111",
        "2606:4700:4700::1001",
        "2001:4860:4860::8888",
        "2001:200::1",
        "2a00:1450:4001:80b::200e",
        "2620:fe::fe",
        // embedded global IPv4 addresses
        "::ffff:1.1.1.1",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ];

    fn parse(s: &str) -> IpAddr {
        s.parse()
            .unwrap_or_else(|e| panic!("bad test address {s}: {e}"))
    }

    #[test]
    fn refuses_every_non_global_range() {
        for s in NOT_GLOBAL {
            assert!(!is_global(parse(s)), "{s} must not be global");
        }
    }

    #[test]
    fn accepts_public_addresses() {
        for s in GLOBAL {
            assert!(is_global(parse(s)), "{s} must be global");
        }
    }

    #[test]
    fn judges_mapped_addresses_like_their_ipv4_address() {
        for v4 in ["127.0.0.1", "10.0.0.1", "1.1.1.1", "100.64.0.1", "8.8.4.4"] {
            let plain = parse(v4);
            let mapped = parse(&format!("::ffff:{v4}"));
            let nat64 = parse(&format!("64:ff9b::{v4}"));
            assert_eq!(is_global(plain), is_global(mapped), "{mapped}");
            assert_eq!(is_global(plain), is_global(nat64), "{nat64}");
        }
    }
}
