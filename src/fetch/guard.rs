//! The address guard: the service fetches URLs that users give it, so it must not become a way into
//! the network it runs in. Pure decisions, no I/O: the fetcher resolves a host once, asks
//! `check_resolved` about every address, and connects to the address it was given back, so DNS
//! rebinding cannot swap in another between the check and the connection.
//!
//! IP literals in other notations (`http://2130706433/`, `http://0x7f.1/`, `http://0177.0.0.1/`) are
//! already IPv4 addresses by the time `url` has parsed them (WHATWG URL rules), so they meet the same
//! address rules as dotted ones.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

#[derive(Debug, Clone)]
pub struct GuardConfig {
    /// Lifts the address rule only (for tests and closed networks); schemes and ports still apply.
    pub allow_private: bool,
    pub allowed_ports: Vec<u16>,
}

impl Default for GuardConfig {
    fn default() -> GuardConfig {
        GuardConfig { allow_private: false, allowed_ports: vec![80, 443] }
    }
}

/// Why a URL or address is refused; shown to reviewers as the `blocked` reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("only http and https URLs are fetched, not {0}")]
    Scheme(String),
    #[error("port {0} is not allowed")]
    Port(u16),
    #[error("the URL has no host")]
    NoHost,
    #[error("{address} is {reason}")]
    Address { address: IpAddr, reason: &'static str },
    #[error("the host resolved to no address")]
    Unresolved,
    #[error("{host} is {reason}")]
    Name { host: String, reason: &'static str },
    #[error("the redirect to {0:?} is not a valid URL")]
    Redirect(String),
}

/// Redirects followed for one fetch; each hop is checked like the first URL.
pub const MAX_REDIRECTS: usize = 5;

/// Where a checked URL may be fetched from: a host to resolve, or an address already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Name { host: String, port: u16 },
    Address { address: IpAddr, port: u16 },
}

/// Checks scheme, port and, for IP literals, the address.
pub fn check_url(url: &Url, config: &GuardConfig) -> Result<Target, Refusal> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refusal::Scheme(url.scheme().to_owned()));
    }
    let port = url.port_or_known_default().ok_or(Refusal::NoHost)?;
    if !config.allowed_ports.contains(&port) {
        return Err(Refusal::Port(port));
    }
    match url.host() {
        None => Err(Refusal::NoHost),
        Some(Host::Ipv4(v4)) => check_address(IpAddr::V4(v4), config).map(|address| Target::Address { address, port }),
        Some(Host::Ipv6(v6)) => check_address(IpAddr::V6(v6), config).map(|address| Target::Address { address, port }),
        Some(Host::Domain(name)) => match reserved_name(name) {
            Some(reason) if !config.allow_private => Err(Refusal::Name { host: name.to_owned(), reason }),
            _ => Ok(Target::Name { host: name.to_owned(), port }),
        },
    }
}

/// Where a redirect from `from` to `location` leads, if the guard allows it.
pub fn check_redirect(from: &Url, location: &str, config: &GuardConfig) -> Result<Url, Refusal> {
    let next = from.join(location).map_err(|_| Refusal::Redirect(location.chars().take(200).collect()))?;
    check_url(&next, config)?;
    Ok(next)
}

/// Names that never lead to the public web (RFC 6761 and local conventions): refused before any DNS
/// query is sent for them.
fn reserved_name(name: &str) -> Option<&'static str> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let tld = name.rsplit('.').next().unwrap_or_default();
    match tld {
        "localhost" => Some("a loopback name"),
        "test" | "example" | "invalid" => Some("a reserved name that is never on the public web"),
        "local" | "internal" | "lan" | "intranet" | "corp" | "home" | "arpa" => Some("a name of a private network"),
        _ if !name.contains('.') => Some("a single-label name (a machine on the local network)"),
        _ => None,
    }
}

/// Every address a name resolved to must be allowed (an attacker's DNS can mix a private one in);
/// returns the one to connect to.
pub fn check_resolved(addresses: &[IpAddr], config: &GuardConfig) -> Result<IpAddr, Refusal> {
    let first = *addresses.first().ok_or(Refusal::Unresolved)?;
    for address in addresses {
        check_address(*address, config)?;
    }
    Ok(first)
}

pub fn check_address(address: IpAddr, config: &GuardConfig) -> Result<IpAddr, Refusal> {
    match forbidden(address) {
        Some(reason) if !config.allow_private => Err(Refusal::Address { address, reason }),
        _ => Ok(address),
    }
}

/// Why an address must not be reached from here, or `None` for a public unicast address.
pub fn forbidden(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn in_v4(address: Ipv4Addr, network: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    u32::from(address) & mask == u32::from(Ipv4Addr::from(network)) & mask
}

const V4_RANGES: &[([u8; 4], u32, &str)] = &[
    ([0, 0, 0, 0], 8, "an unspecified (\"this network\") address"),
    ([10, 0, 0, 0], 8, "a private address"),
    ([100, 64, 0, 0], 10, "a carrier-grade NAT (shared) address"),
    ([127, 0, 0, 0], 8, "a loopback address"),
    ([169, 254, 0, 0], 16, "a link-local address (cloud metadata lives here)"),
    ([172, 16, 0, 0], 12, "a private address"),
    ([192, 0, 0, 0], 24, "an IETF protocol assignment"),
    ([192, 0, 2, 0], 24, "a documentation address"),
    ([192, 88, 99, 0], 24, "a 6to4 relay address"),
    ([192, 168, 0, 0], 16, "a private address"),
    ([198, 18, 0, 0], 15, "a benchmarking address"),
    ([198, 51, 100, 0], 24, "a documentation address"),
    ([203, 0, 113, 0], 24, "a documentation address"),
    ([224, 0, 0, 0], 4, "a multicast address"),
    ([240, 0, 0, 0], 4, "a reserved address"),
];

fn forbidden_v4(address: Ipv4Addr) -> Option<&'static str> {
    V4_RANGES.iter().find(|(network, prefix, _)| in_v4(address, *network, *prefix)).map(|(_, _, reason)| *reason)
}

fn forbidden_v6(address: Ipv6Addr) -> Option<&'static str> {
    let s = address.segments();
    if address.is_unspecified() {
        return Some("the unspecified address");
    }
    if address.is_loopback() {
        return Some("a loopback address");
    }
    if let Some((carried, refused)) = carried_v4(address) {
        return forbidden_v4(carried).or(refused);
    }
    match s[0] {
        x if x & 0xfe00 == 0xfc00 => Some("a unique-local address"),
        x if x & 0xffc0 == 0xfe80 => Some("a link-local address"),
        x if x & 0xffc0 == 0xfec0 => Some("a site-local address"),
        x if x & 0xff00 == 0xff00 => Some("a multicast address"),
        0x2001 if s[1] == 0x0db8 => Some("a documentation address"),
        0x0100 if s[1..4] == [0, 0, 0] => Some("a discard-only address"),
        _ => None,
    }
}

/// The IPv4 address that an IPv6 transition form carries, which the IPv6 address reaches in the end,
/// so it is judged by it; with a reason when the form is refused whatever it carries.
fn carried_v4(address: Ipv6Addr) -> Option<(Ipv4Addr, Option<&'static str>)> {
    let bits = u128::from(address);
    let low = Ipv4Addr::from(bits as u32);
    match address.segments() {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some((low, None)),    // IPv4-mapped
        [0, 0, 0, 0, 0, 0, _, _] => Some((low, None)),         // IPv4-compatible (deprecated)
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some((low, None)), // NAT64, RFC 6052
        [0x2002, ..] => Some((Ipv4Addr::from((bits >> 80) as u32), None)), // 6to4: bits 16..48
        // Stateless translation (RFC 2765): only meaningful inside the translator's own network.
        [0, 0, 0, 0, 0xffff, 0, _, _] => Some((low, Some("an IPv4-translated address"))),
        // Local-use NAT64 (RFC 8215) reaches the operator's own IPv4 network, under a prefix length
        // of its choosing, so where the IPv4 address sits cannot be told.
        [0x64, 0xff9b, 1, ..] => Some((low, Some("a local-use NAT64 address"))),
        // Teredo: the client's IPv4 address, inverted, in the last 32 bits; the relay it goes
        // through is not ours to choose.
        [0x2001, 0, ..] => Some((!low, Some("a Teredo address (it tunnels to an IPv4 address)"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> bool {
        check_url(&Url::parse(url).unwrap(), &GuardConfig::default()).is_err()
    }

    #[test]
    fn every_written_form_of_loopback_is_refused() {
        for url in [
            "http://127.0.0.1/",
            "http://127.1/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0x7f.0.0.1/",
            "http://0177.0.0.1/",
            "http://017700000001/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[::127.0.0.1]/",
            "http://[64:ff9b::7f00:1]/",
            "http://[2002:7f00:1::]/",
            "http://0/",
            "http://0.0.0.0/",
            "http://[::]/",
        ] {
            assert!(refused(url), "{url} must be refused");
        }
    }

    #[test]
    fn private_link_local_cgnat_multicast_and_reserved_ranges_are_refused() {
        for url in [
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://172.31.255.255/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://100.127.255.255/",
            "http://224.0.0.1/",
            "http://239.255.255.250/",
            "http://240.0.0.1/",
            "http://255.255.255.255/",
            "http://198.18.0.1/",
            "http://192.0.2.1/",
            "http://[fd00::1]/",
            "http://[fd00:ec2::254]/",
            "http://[fe80::1]/",
            "http://[fec0::1]/",
            "http://[ff02::1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://[::ffff:169.254.169.254]/",
            "http://[2001::1]/",
            "http://[2001:db8::1]/",
        ] {
            assert!(refused(url), "{url} must be refused");
        }
    }

    #[test]
    fn public_addresses_and_names_pass() {
        for url in [
            "https://example.org/a",
            "http://93.184.216.34/",
            "http://[2606:4700::1111]/",
            "http://172.32.0.1/",
            "http://100.128.0.1/",
            "http://[::ffff:8.8.8.8]/",
        ] {
            assert!(!refused(url), "{url} must pass");
        }
        let target =
            check_url(&Url::parse("https://News.Example.org:443/x").unwrap(), &GuardConfig::default()).unwrap();
        assert_eq!(target, Target::Name { host: "news.example.org".into(), port: 443 });
    }

    #[test]
    fn schemes_and_ports_are_checked() {
        let config = GuardConfig::default();
        for (url, refusal) in [
            ("file:///etc/passwd", Refusal::Scheme("file".into())),
            ("ftp://example.org/", Refusal::Scheme("ftp".into())),
            ("gopher://example.org/", Refusal::Scheme("gopher".into())),
            ("http://example.org:8080/", Refusal::Port(8080)),
            ("https://example.org:22/", Refusal::Port(22)),
        ] {
            assert_eq!(check_url(&Url::parse(url).unwrap(), &config), Err(refusal), "{url}");
        }
        let config = GuardConfig { allowed_ports: vec![80, 443, 8080], ..GuardConfig::default() };
        assert!(check_url(&Url::parse("http://example.org:8080/").unwrap(), &config).is_ok());
    }

    #[test]
    fn every_resolved_address_must_pass() {
        let config = GuardConfig::default();
        let public: IpAddr = "93.184.216.34".parse().unwrap();
        let private: IpAddr = "10.0.0.7".parse().unwrap();
        assert_eq!(check_resolved(&[public], &config), Ok(public));
        assert!(check_resolved(&[public, private], &config).is_err(), "a public then a private answer");
        assert!(check_resolved(&["::1".parse().unwrap()], &config).is_err());
        assert_eq!(check_resolved(&[], &config), Err(Refusal::Unresolved));
    }

    #[test]
    fn local_and_reserved_names_are_refused_before_any_lookup() {
        for url in [
            "http://localhost/",
            "http://LOCALHOST./",
            "http://app.localhost/",
            "http://printer.local/",
            "http://metadata.google.internal/",
            "http://intranet/",
            "http://a.example/",
            "http://x.test/",
            "http://1.0.0.127.in-addr.arpa/",
        ] {
            assert!(
                matches!(check_url(&Url::parse(url).unwrap(), &GuardConfig::default()), Err(Refusal::Name { .. })),
                "{url}"
            );
        }
    }

    #[test]
    fn every_redirect_hop_is_checked() {
        let config = GuardConfig::default();
        let from = Url::parse("https://news.example.org/story").unwrap();
        assert_eq!(check_redirect(&from, "/moved", &config).unwrap().as_str(), "https://news.example.org/moved");
        for location in [
            "http://169.254.169.254/latest/meta-data/",
            "http://[::ffff:127.0.0.1]/",
            "http://2130706433/",
            "http://10.0.0.1/",
            "http://localhost/admin",
            "file:///etc/passwd",
            "https://news.example.org:8443/",
            "http://[fd00::1]/",
        ] {
            assert!(check_redirect(&from, location, &config).is_err(), "redirect to {location} must be refused");
        }
        assert!(matches!(check_redirect(&from, "http://[::1", &config), Err(Refusal::Redirect(_))));
    }

    /// Every way an IPv6 address carries an IPv4 one, and whether the form is refused whatever it
    /// carries. `r` fills the bits that are not the IPv4 address.
    fn transition_forms(v4: Ipv4Addr, r: u128) -> [(&'static str, Ipv6Addr, bool); 9] {
        let v4 = u128::from(u32::from(v4));
        let at = |prefix: u128, v4_shift: u32, free: u128| Ipv6Addr::from(prefix | (v4 << v4_shift) | (r & free));
        let teredo_client = u128::from(!(v4 as u32));
        [
            ("IPv4-mapped", at(0xffff << 32, 0, 0), false),
            ("IPv4-compatible", at(0, 0, 0), false),
            ("IPv4-translated", at(0xffff << 48, 0, 0), true),
            ("NAT64", at(0x64_ff9b << 96, 0, 0), false),
            ("local NAT64 /96", at(0x64_ff9b_0001 << 80, 0, 0), true),
            // RFC 6052's /48 layout: 16 bits of the IPv4 address, 8 zero bits, then the other 16.
            (
                "local NAT64 /48",
                Ipv6Addr::from((0x64_ff9b_0001 << 80) | ((v4 >> 16) << 64) | ((v4 & 0xffff) << 40)),
                true,
            ),
            ("6to4", at(0x2002 << 112, 80, (1 << 80) - 1), false),
            ("Teredo", Ipv6Addr::from((0x2001_0000 << 96) | (r & (((1 << 64) - 1) << 32)) | teredo_client), true),
            ("Teredo, zero flags", Ipv6Addr::from((0x2001_0000 << 96) | teredo_client), true),
        ]
    }

    /// The edges of every refused IPv4 range, and a fixed random sample of everything.
    fn ipv4_sample() -> Vec<Ipv4Addr> {
        use rand::{Rng, SeedableRng};
        let mut sample = Vec::new();
        for (network, prefix, _) in V4_RANGES {
            let first = u32::from(Ipv4Addr::from(*network));
            let last = first | (u32::MAX.checked_shr(*prefix).unwrap_or(0));
            for edge in
                [first.wrapping_sub(1), first, first.wrapping_add(1), last.wrapping_sub(1), last, last.wrapping_add(1)]
            {
                sample.push(Ipv4Addr::from(edge));
            }
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x6a7e_2765);
        sample.extend((0..20_000).map(|_| Ipv4Addr::from(rng.random::<u32>())));
        sample.extend(["8.8.8.8", "1.1.1.1", "93.184.216.34"].map(|a| a.parse::<Ipv4Addr>().unwrap()));
        sample
    }

    #[test]
    fn every_ipv6_form_of_an_ipv4_address_is_judged_like_it() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x6052);
        for v4 in ipv4_sample() {
            let refused_v4 = forbidden_v4(v4).is_some();
            for (form, v6, always_refused) in transition_forms(v4, rng.random()) {
                let refused_v6 = forbidden_v6(v6).is_some();
                if always_refused {
                    assert!(refused_v6, "{form} {v6} (carrying {v4}) must be refused");
                } else {
                    assert_eq!(refused_v6, refused_v4, "{form} {v6} carrying {v4}");
                }
            }
        }
    }

    #[test]
    fn translated_and_local_nat64_addresses_are_refused() {
        for url in [
            "http://[::ffff:0:8.8.8.8]/",
            "http://[::ffff:0:7f00:1]/",
            "http://[64:ff9b:1::808:808]/",
            "http://[64:ff9b:1:ffff::1]/",
        ] {
            assert!(refused(url), "{url} must be refused");
        }
        assert!(!refused("http://[64:ff9b::808:808]/"), "the well-known NAT64 prefix reaches the public IPv4 address");
        assert!(!refused("http://[2002:808:808::1]/"), "6to4 of a public address");
    }

    #[test]
    fn allow_private_lifts_the_address_rule_only() {
        let config = GuardConfig { allow_private: true, ..GuardConfig::default() };
        assert!(check_url(&Url::parse("http://127.0.0.1/").unwrap(), &config).is_ok());
        assert!(check_url(&Url::parse("http://127.0.0.1:9000/").unwrap(), &config).is_err(), "ports still apply");
        assert!(check_url(&Url::parse("file:///etc/passwd").unwrap(), &config).is_err(), "schemes still apply");
    }
}
