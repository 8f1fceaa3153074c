//! `claimcheck healthcheck`: asks the running server's `/readyz` and exits 0 if it is ready. Built into
//! the binary so that a container image needs no shell or curl.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// True when the server listening on `listen` answers `/readyz` with 200 within `timeout`.
pub fn check(listen: &str, timeout: Duration) -> Result<(), String> {
    let address = target(listen)?;
    let mut stream = TcpStream::connect_timeout(&address, timeout).map_err(|e| format!("connect {address}: {e}"))?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    let request = format!("GET /readyz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(|e| format!("send: {e}"))?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).map_err(|e| format!("read: {e}"))?;
    let status_line = String::from_utf8_lossy(&head[..n]);
    match status_line.split_whitespace().nth(1) {
        Some("200") => Ok(()),
        Some(code) => Err(format!("/readyz answered {code}")),
        None => Err("no HTTP answer".into()),
    }
}

/// The address to reach a server listening on `listen`: a wildcard address means this host.
fn target(listen: &str) -> Result<SocketAddr, String> {
    let mut address = listen
        .to_socket_addrs()
        .map_err(|e| format!("bad listen address {listen}: {e}"))?
        .next()
        .ok_or_else(|| format!("bad listen address {listen}"))?;
    if address.ip().is_unspecified() {
        address.set_ip(match address {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_addresses_are_reached_on_loopback() {
        assert_eq!(target("0.0.0.0:8080").unwrap().to_string(), "127.0.0.1:8080");
        assert_eq!(target("[::]:80").unwrap().to_string(), "[::1]:80");
        assert_eq!(target("127.0.0.1:9").unwrap().to_string(), "127.0.0.1:9");
    }

    #[test]
    fn nothing_listening_is_unhealthy() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        assert!(check(&format!("127.0.0.1:{port}"), Duration::from_millis(500)).is_err());
    }
}
