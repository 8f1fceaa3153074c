//! Limits on the connections open at once, in all and from each client address, so that clients
//! that open connections and leave them stalled cannot use up the process's open files.
//!
//! actix-web has no per-address limit, and its `max_connections` counts per worker and, once reached,
//! stops accepting: new connections, a health check's among them, then wait unanswered in the
//! kernel's backlog. Instead `on_connect`, which runs for every accepted connection before a byte is
//! read, counts it here. It cannot refuse the connection, but it can write a short refusal and shut
//! the socket down both ways: actix then reads end-of-stream and drops the connection at once,
//! freeing its file. A ticket kept in the connection's data gives the count back when actix drops the
//! connection. Connections that stay open are bounded in time by the header timeout (5 s), the body
//! deadline (`--body-timeout`) and keep-alive (5 s).

use std::any::Any;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, Shutdown};
use std::sync::{Arc, Mutex};

use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;

use super::client::TrustedProxies;
use super::error::{ApiError, PROBLEM_JSON};

#[derive(Clone)]
pub struct ConnectionLimits(Arc<Inner>);

struct Inner {
    total: usize,
    per_address: usize,
    trusted: TrustedProxies,
    open: Mutex<Open>,
    full: Vec<u8>,
    crowded: Vec<u8>,
}

#[derive(Default)]
struct Open {
    total: usize,
    by_client: HashMap<IpAddr, usize>,
}

/// One admitted connection; dropped with the connection.
struct Ticket {
    limits: Arc<Inner>,
    client: Option<IpAddr>,
}

impl ConnectionLimits {
    /// `trusted` proxies carry many clients on their connections: they count towards the total only.
    pub fn new(total: usize, per_address: usize, trusted: TrustedProxies) -> ConnectionLimits {
        let full = refusal(&ApiError::ServerFull(total));
        let crowded = refusal(&ApiError::TooManyConnections(per_address));
        ConnectionLimits(Arc::new(Inner { total, per_address, trusted, open: Mutex::default(), full, crowded }))
    }

    /// For `HttpServer::on_connect`: admits the connection, or answers and closes it.
    pub fn on_connect(&self, io: &dyn Any, data: &mut Extensions) {
        let Some(stream) = io.downcast_ref::<TcpStream>() else { return };
        let peer = stream.peer_addr().ok().map(|peer| peer.ip());
        let client = peer.filter(|ip| !self.0.trusted.trusts(*ip)).map(client);
        match self.admit(client) {
            Ok(ticket) => {
                data.insert(ticket);
            }
            Err(answer) => {
                tracing::debug!(?client, "connection refused: too many open");
                // Written on the socket itself: tokio's own try_write declines until the reactor has
                // seen the socket writable. A new socket's send buffer is empty, so the short answer
                // fits. Shut down, the socket makes actix drop the connection at its first read.
                let socket = socket2::SockRef::from(stream);
                let _ = socket.send(answer);
                let _ = socket.shutdown(Shutdown::Both);
            }
        }
    }

    fn admit(&self, client: Option<IpAddr>) -> Result<Ticket, &[u8]> {
        let limits = &self.0;
        let mut open = limits.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if open.total >= limits.total {
            return Err(&limits.full);
        }
        if let Some(client) = client {
            if open.by_client.get(&client).is_some_and(|count| *count >= limits.per_address) {
                return Err(&limits.crowded);
            }
            *open.by_client.entry(client).or_default() += 1;
        }
        open.total += 1;
        Ok(Ticket { limits: limits.clone(), client })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.0.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).total
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut open = self.limits.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        open.total -= 1;
        if let Some(client) = self.client {
            if let Some(count) = open.by_client.get_mut(&client) {
                *count -= 1;
                if *count == 0 {
                    open.by_client.remove(&client);
                }
            }
        }
    }
}

/// Whom a peer address stands for: an IPv4 address, or an IPv6 /64, which one subscriber commonly
/// holds whole and can pick addresses from at will.
fn client(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
        v4 => v4,
    }
}

/// A whole HTTP/1.1 response, problem+json, that ends the connection.
/// A whole HTTP answer refusing a connection, written before actix sees it.
fn refusal(error: &ApiError) -> Vec<u8> {
    let status = actix_web::ResponseError::status_code(error);
    let body = error.body(None, None).to_string();
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: {PROBLEM_JSON}\r\ncontent-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_kept_per_client_and_in_all_and_given_back() {
        let limits = ConnectionLimits::new(3, 2, TrustedProxies::default());
        let (a, b) = (Some("192.0.2.1".parse().unwrap()), Some("192.0.2.2".parse().unwrap()));
        let first = limits.admit(a).unwrap();
        let _second = limits.admit(a).unwrap();
        assert!(limits.admit(a).is_err_and(|answer| answer.starts_with(b"HTTP/1.1 429")));
        let _third = limits.admit(b).unwrap();
        assert!(limits.admit(b).is_err_and(|answer| answer.starts_with(b"HTTP/1.1 503")));
        drop(first);
        assert_eq!(limits.open(), 2);
        assert!(limits.admit(a).is_ok());
    }

    #[test]
    fn an_ipv6_client_is_its_64() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let other: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(client(one), client(other));
        assert_ne!(client(one), client("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(client("::ffff:192.0.2.7".parse().unwrap()), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn a_refusal_is_a_whole_response() {
        let answer = String::from_utf8(refusal(&ApiError::TooManyConnections(2))).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 429 Too Many Requests\r\n"), "{head}");
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["errors"][0]["rule"], "max-connections-per-address");
        assert_eq!(body["type"], "/problems/too-many-connections");
    }
}
