//! Web servers on 127.0.0.1 for the fetcher to meet: well-behaved pages, pages that change or vanish,
//! redirect chains, and servers that drip, never stop, lie about Content-Length or send the wrong type.
//! Written on raw TCP so that they can misbehave in ways an HTTP library would not allow.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const QUOTE_PAGE: &str = r#"<!doctype html><html><head><title>R1 costs | Wire</title>
<meta property="og:title" content="What DeepSeek's R1 cost">
<meta property="article:published_time" content="2025-01-27T08:00:00Z"></head>
<body><article><p>DeepSeek said the final training run cost &ldquo;$5.6&nbsp;million&rdquo; &mdash; excluding
research and earlier runs.</p></article></body></html>"#;

pub const OTHER_PAGE: &str = r#"<!doctype html><html><head><title>Markets</title></head>
<body><p>Nvidia shares fell 17% on Monday.</p></body></html>"#;

/// An article as a news site serves it: its site's name, its date in JSON-LD, a byline, a menu.
pub const ARTICLE_PAGE: &str = r#"<!doctype html><html><head><title>Chip stocks fall | The Wire</title>
<meta property="og:title" content="Chip stocks fall after DeepSeek's R1">
<meta property="og:site_name" content="The Wire">
<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2025-01-28T06:30:00Z",
 "publisher":{"@type":"Organization","name":"Wire Media Group"}}</script></head>
<body><nav><a href="/">Home</a></nav><article><h1>Chip stocks fall after DeepSeek's R1</h1>
<p>Nvidia shares fell 17% on Monday, wiping out $593 billion of market value, according to Bloomberg.</p>
<p>DeepSeek said the final training run cost $5.6 million.</p>
<p>What happens next? Nobody knows.</p></article></body></html>"#;

/// The quote as a fact-checker would paste it: plain quotes and dashes, other case and spacing.
pub const EXCERPT: &str = "the final training run cost \"$5.6 million\" - excluding research";

pub struct Fixture {
    pub address: SocketAddr,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl Fixture {
    pub async fn start() -> Fixture {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let counter = hits.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let counter = counter.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, address, counter).await;
                });
            }
        });
        Fixture { address, hits }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

async fn serve(mut stream: TcpStream, me: SocketAddr, hits: Arc<Mutex<HashMap<String, usize>>>) -> std::io::Result<()> {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&request).lines().next().unwrap_or_default().to_owned();
    let path = line.split(' ').nth(1).unwrap_or("/").to_owned();
    let hit = {
        let mut hits = hits.lock().unwrap();
        let n = hits.entry(path.clone()).or_default();
        *n += 1;
        *n
    };
    let html = "text/html; charset=utf-8";
    match path.as_str() {
        "/quote" => respond(&mut stream, 200, html, &[], QUOTE_PAGE.as_bytes()).await,
        "/other" => respond(&mut stream, 200, html, &[], OTHER_PAGE.as_bytes()).await,
        "/article" => respond(&mut stream, 200, html, &[], ARTICLE_PAGE.as_bytes()).await,
        "/to-article" => redirect(&mut stream, "/article").await,
        "/transcript.txt" => {
            let text = b"HOLT: Good evening.\nTRUMP: We lost 70,000 factories. It is a disgrace.\n";
            respond(&mut stream, 200, "text/plain; charset=utf-8", &[], text).await
        }
        "/server-error" => respond(&mut stream, 500, html, &[], b"<h1>Down</h1>").await,
        "/blank" => respond(&mut stream, 200, html, &[], b"<html><body><script>x()</script></body></html>").await,
        "/changing" if hit == 1 => respond(&mut stream, 200, html, &[], QUOTE_PAGE.as_bytes()).await,
        "/changing" => respond(&mut stream, 200, html, &[], OTHER_PAGE.as_bytes()).await,
        "/flipping" if hit % 2 == 1 && hit < 4 => respond(&mut stream, 200, html, &[], QUOTE_PAGE.as_bytes()).await,
        "/flipping" if hit == 2 => respond(&mut stream, 200, html, &[], OTHER_PAGE.as_bytes()).await,
        "/flipping" => respond(&mut stream, 200, html, &[], format!("<p>version {hit}</p>").as_bytes()).await,
        "/vanishing" if hit == 1 => respond(&mut stream, 200, html, &[], QUOTE_PAGE.as_bytes()).await,
        "/vanishing" => respond(&mut stream, 404, html, &[], b"<h1>Not found</h1>").await,
        "/image" => respond(&mut stream, 200, "image/png", &[], b"\x89PNG\r\n\x1a\n not really").await,
        "/to-file" => redirect(&mut stream, "file:///etc/passwd").await,
        "/to-closed-port" => redirect(&mut stream, "http://127.0.0.1:1/").await,
        "/slow" => {
            tokio::time::sleep(Duration::from_millis(700)).await;
            respond(&mut stream, 200, html, &[], QUOTE_PAGE.as_bytes()).await
        }
        "/drip" => {
            stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n").await?;
            loop {
                stream.write_all(b"x").await?;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        "/endless" => endless(&mut stream, "connection: close\r\n").await,
        "/huge-length" => endless(&mut stream, "content-length: 1000000000000\r\n").await,
        "/short-length" => endless(&mut stream, "content-length: 100\r\n").await,
        p if p.starts_with("/redirect/") => {
            let n: usize = p["/redirect/".len()..].parse().unwrap_or(0);
            let next = if n <= 1 { "/quote".to_owned() } else { format!("http://{me}/redirect/{}", n - 1) };
            redirect(&mut stream, &next).await
        }
        p if p.starts_with("/delay/") => {
            tokio::time::sleep(Duration::from_millis(400)).await;
            respond(&mut stream, 200, html, &[], QUOTE_PAGE.as_bytes()).await
        }
        _ => respond(&mut stream, 404, html, &[], b"no such fixture").await,
    }
}

async fn respond(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    extra: &[&str],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for header in extra {
        head.push_str(header);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await
}

async fn redirect(stream: &mut TcpStream, location: &str) -> std::io::Result<()> {
    respond(stream, 302, "text/plain", &[&format!("location: {location}")], b"moved").await
}

/// A body that never ends, after the given framing header.
async fn endless(stream: &mut TcpStream, framing: &str) -> std::io::Result<()> {
    let head = format!("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n{framing}\r\n");
    stream.write_all(head.as_bytes()).await?;
    let chunk = vec![b'a'; 8192];
    loop {
        stream.write_all(&chunk).await?;
    }
}

/// A listener that only counts the connections it is offered: the address guard must keep it at zero.
pub struct Canary {
    pub port: u16,
    connections: Arc<AtomicUsize>,
}

impl Canary {
    pub async fn start(address: &str) -> Option<Canary> {
        let listener = TcpListener::bind(address).await.ok()?;
        let port = listener.local_addr().ok()?.port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        tokio::spawn(async move {
            while let Ok((_stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        Some(Canary { port, connections })
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}
