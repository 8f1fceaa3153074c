//! Who the client is, by address: the peer, unless the peer is a proxy the operator trusts
//! (`--trusted-proxies`); then the address that proxy says it forwarded for. Nobody else's
//! `Forwarded` or `X-Forwarded-For` is believed: a client could name any address in them.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header;
use ipnet::IpNet;

#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    pub fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client's address. Behind trusted proxies, the forwarding chain is read from the right (the
    /// hop nearest us) and the first address that is not itself a trusted proxy is the client's.
    pub fn client(&self, req: &HttpRequest) -> IpAddr {
        let peer = req.peer_addr().map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
        if !self.trusts(peer) {
            return peer;
        }
        let chain = forwarded_for(req);
        chain.iter().rev().copied().find(|hop| !self.trusts(*hop)).or(chain.first().copied()).unwrap_or(peer)
    }
}

/// The addresses a request was forwarded for, nearest the client first: from `Forwarded` (RFC 7239)
/// when present, else `X-Forwarded-For`. Entries that are not addresses (`unknown`, obfuscated names)
/// are skipped.
fn forwarded_for(req: &HttpRequest) -> Vec<IpAddr> {
    let values = |name| req.headers().get_all(name).filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
    let forwarded = values(header::FORWARDED);
    if !forwarded.trim().is_empty() {
        return forwarded
            .split(',')
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (name, value) = pair.trim().split_once('=')?;
                    name.eq_ignore_ascii_case("for").then(|| parse_node(value)).flatten()
                })
            })
            .collect();
    }
    values(header::HeaderName::from_static("x-forwarded-for")).split(',').filter_map(parse_node).collect()
}

/// `192.0.2.1`, `"192.0.2.1:80"`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_node(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"');
    if let Ok(address) = value.parse() {
        return Some(address);
    }
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    value.rsplit_once(':')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn proxies(nets: &[&str]) -> TrustedProxies {
        TrustedProxies(nets.iter().map(|n| n.parse().unwrap()).collect())
    }

    fn request(peer: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let mut req = TestRequest::default().peer_addr(format!("{peer}:5000").parse().unwrap());
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        req.to_http_request()
    }

    #[test]
    fn only_a_trusted_proxy_is_believed() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let spoofed = request("203.0.113.9", &[("x-forwarded-for", "198.51.100.1")]);
        assert_eq!(trusted.client(&spoofed).to_string(), "203.0.113.9", "an untrusted peer's header is ignored");
        let proxied = request("10.0.0.2", &[("x-forwarded-for", "198.51.100.1, 203.0.113.7, 10.0.0.3")]);
        assert_eq!(trusted.client(&proxied).to_string(), "203.0.113.7", "the nearest untrusted hop");
        let forwarded =
            request("10.0.0.2", &[("forwarded", r#"for=192.0.2.60;proto=https, for="[2001:db8::17]:4711""#)]);
        assert_eq!(trusted.client(&forwarded).to_string(), "2001:db8::17");
        assert_eq!(TrustedProxies::default().client(&proxied).to_string(), "10.0.0.2", "none trusted by default");
    }
}
