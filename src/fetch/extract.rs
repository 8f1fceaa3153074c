//! What a fetched page says: its readable text, its title, who publishes it and the publication date
//! it states.

use scraper::{ElementRef, Html, Node, Selector, node::Element};
use serde_json::Value;

/// Longest title or date kept; anything longer is not a title.
const MAX_META: usize = 1000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    pub title: Option<String>,
    pub published: Option<String>,
    /// The site's name as the page gives it (`og:site_name`, JSON-LD `publisher`).
    pub publisher: Option<String>,
    pub text: Option<String>,
}

/// The content types whose bytes are archived.
pub fn archived(content_type: Option<&str>) -> bool {
    let Some(mime) = essence(content_type) else { return false };
    mime.starts_with("text/")
        || matches!(mime.as_str(), "application/xhtml+xml" | "application/json" | "application/pdf")
        || mime.ends_with("+json")
}

fn essence(content_type: Option<&str>) -> Option<String> {
    Some(content_type?.split(';').next()?.trim().to_ascii_lowercase()).filter(|m| !m.is_empty())
}

/// Reads a body by its content type: HTML is parsed, other text is kept as it is, anything else
/// (PDF among it) has no text we extract.
pub fn extract(body: &[u8], content_type: Option<&str>) -> Extracted {
    let Some(mime) = essence(content_type) else { return Extracted::default() };
    let is_html = mime == "text/html" || mime == "application/xhtml+xml";
    let is_text = mime.starts_with("text/") || mime.ends_with("json");
    if !is_html && !is_text {
        return Extracted::default();
    }
    let source = decode(body, content_type, is_html);
    if is_html { html(&source) } else { Extracted { text: Some(source), ..Extracted::default() } }
}

/// Decodes by the charset the header names, else (for HTML) the one the page declares, else UTF-8.
fn decode(body: &[u8], content_type: Option<&str>, is_html: bool) -> String {
    let declared = content_type.and_then(charset).or_else(|| if is_html { sniff_meta_charset(body) } else { None });
    let encoding =
        declared.and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes())).unwrap_or(encoding_rs::UTF_8);
    encoding.decode(body).0.into_owned()
}

fn charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// `<meta charset=...>` or `http-equiv` within the first 2 KiB, as browsers look for it.
fn sniff_meta_charset(body: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&body[..body.len().min(2048)]).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let value: String = head[at..]
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    (!value.is_empty()).then_some(value)
}

/// Elements whose content is not part of what the page says.
const SKIPPED: &[&str] = &["script", "style", "noscript", "template", "svg", "head", "iframe", "object", "canvas"];
/// Elements that start a new line of text.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// Nesting past which the HTML parser's time grows with the square of the depth: such pages are read
/// by stripping tags instead.
const MAX_DEPTH: usize = 1500;

pub fn html(source: &str) -> Extracted {
    if rough_depth(source) > MAX_DEPTH {
        return Extracted { text: Some(strip_tags(source)), ..Extracted::default() };
    }
    let document = Html::parse_document(source);
    Extracted {
        title: title(&document),
        published: published(&document),
        publisher: publisher(&document),
        text: Some(text(document.root_element())),
    }
}

/// The readable text: every text node outside scripts, styles and the like, a line per block.
/// Walks edges rather than recursing, so deeply nested markup cannot exhaust the stack.
fn text(root: ElementRef<'_>) -> String {
    let mut out = String::new();
    let mut skipping = 0usize;
    for edge in root.traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) => match node.value() {
                Node::Element(e) if skipping > 0 || SKIPPED.contains(&e.name()) => skipping += 1,
                Node::Element(e) if is_block(e) => out.push('\n'),
                Node::Text(t) if skipping == 0 => out.push_str(t),
                _ => {}
            },
            ego_tree::iter::Edge::Close(node) => match node.value() {
                Node::Element(_) if skipping > 0 => skipping -= 1,
                Node::Element(e) if is_block(e) => out.push('\n'),
                _ => {}
            },
        }
    }
    let lines: Vec<String> = out
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect();
    lines.join("\n")
}

const VOID: &[&str] =
    &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];

/// How deep the page nests, counted from its tags alone (an over-estimate where end tags are left out).
fn rough_depth(source: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut rest = source;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let closing = rest.starts_with('/');
        let name: String =
            rest.trim_start_matches('/').chars().take_while(char::is_ascii_alphanumeric).take(10).collect();
        if name.is_empty() || VOID.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

/// Text without markup, in one pass: what is between tags, entities decoded.
fn strip_tags(source: &str) -> String {
    let mut out = String::with_capacity(source.len() / 2);
    let mut in_tag = false;
    for c in source.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    html_escape::decode_html_entities(&out).split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_block(e: &Element) -> bool {
    BLOCKS.contains(&e.name())
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("selectors in this file are valid")
}

fn clean(s: &str) -> Option<String> {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then(|| s.chars().take(MAX_META).collect())
}

fn meta(document: &Html, css: &str) -> Option<String> {
    document.select(&selector(css)).find_map(|e| e.value().attr("content").and_then(clean))
}

/// `og:title` (usually without the site's name), else `<title>`.
fn title(document: &Html) -> Option<String> {
    meta(document, r#"meta[property="og:title"], meta[name="og:title"], meta[name="twitter:title"]"#)
        .or_else(|| document.select(&selector("title")).next().and_then(|t| clean(&t.text().collect::<String>())))
}

/// `og:site_name`, else the name of the JSON-LD `publisher`.
fn publisher(document: &Html) -> Option<String> {
    meta(document, r#"meta[property="og:site_name"], meta[name="og:site_name"], meta[name="application-name"]"#)
        .or_else(|| json_ld(document).iter().find_map(|v| publisher_name(v, 0)))
}

/// Every JSON-LD block of the page that parses.
fn json_ld(document: &Html) -> Vec<Value> {
    document
        .select(&selector(r#"script[type="application/ld+json"]"#))
        .filter_map(|s| serde_json::from_str::<Value>(&s.text().collect::<String>()).ok())
        .collect()
}

/// `publisher` anywhere in JSON-LD: a name, or an object (or list of them) with a `name`.
fn publisher_name(value: &Value, depth: usize) -> Option<String> {
    if depth > 8 {
        return None;
    }
    let named = |v: &Value| match v {
        Value::String(s) => clean(s),
        Value::Object(o) => o.get("name").and_then(Value::as_str).and_then(clean),
        Value::Array(items) => items.iter().find_map(|i| i.get("name").and_then(Value::as_str).and_then(clean)),
        _ => None,
    };
    match value {
        Value::Object(map) => {
            map.get("publisher").and_then(named).or_else(|| map.values().find_map(|v| publisher_name(v, depth + 1)))
        }
        Value::Array(items) => items.iter().find_map(|v| publisher_name(v, depth + 1)),
        _ => None,
    }
}

/// The date the page says it was published: meta tags, then JSON-LD, then `<time>` marked up as such.
fn published(document: &Html) -> Option<String> {
    let metas = r#"meta[property="article:published_time"], meta[name="article:published_time"],
        meta[property="og:published_time"], meta[itemprop="datePublished"], meta[name="date"],
        meta[name="pubdate"], meta[name="publish-date"], meta[name="publication_date"], meta[name="dc.date.issued"],
        meta[name="DC.date.issued"], meta[name="dcterms.created"], meta[name="sailthru.date"]"#;
    meta(document, metas).or_else(|| json_ld(document).iter().find_map(|v| date_published(v, 0))).or_else(|| {
        document
            .select(&selector(r#"time[itemprop="datePublished"], time[pubdate]"#))
            .find_map(|t| t.value().attr("datetime").and_then(clean).or_else(|| clean(&t.text().collect::<String>())))
    })
}

/// `datePublished` anywhere in JSON-LD (top level, `@graph`, arrays), not too deep.
fn date_published(value: &Value, depth: usize) -> Option<String> {
    if depth > 8 {
        return None;
    }
    match value {
        Value::Object(map) => map
            .get("datePublished")
            .and_then(Value::as_str)
            .and_then(clean)
            .or_else(|| map.values().find_map(|v| date_published(v, depth + 1))),
        Value::Array(items) => items.iter().find_map(|v| date_published(v, depth + 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html><html><head>
        <title>DeepSeek R1 cost claim | Example News</title>
        <meta property="og:title" content="DeepSeek R1 cost claim">
        <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite"},
            {"@type":"NewsArticle","datePublished":"2025-01-27T09:00:00Z",
             "publisher":{"@type":"Organization","name":"Example  News"}}]}</script>
        <style>p { color: red }</style></head>
        <body><nav>Home</nav><article><h1>What it cost</h1>
        <p>The final run cost &ldquo;$5.6&nbsp;million&rdquo;, the <b>paper</b> says.</p>
        <script>var tracking = "not text";</script><p>Second   paragraph.</p></article></body></html>"#;

    #[test]
    fn html_gives_text_title_and_date() {
        let e = extract(PAGE.as_bytes(), Some("text/html; charset=utf-8"));
        assert_eq!(e.title.as_deref(), Some("DeepSeek R1 cost claim"));
        assert_eq!(e.published.as_deref(), Some("2025-01-27T09:00:00Z"));
        assert_eq!(e.publisher.as_deref(), Some("Example News"));
        let text = e.text.unwrap();
        assert!(text.contains("The final run cost “$5.6 million”, the paper says."), "{text}");
        assert!(text.contains("Second paragraph."));
        assert!(!text.contains("tracking") && !text.contains("color"), "{text}");
    }

    #[test]
    fn meta_dates_come_first_and_title_falls_back_to_the_title_element() {
        let page = r#"<html><head><title> Plain  title </title>
            <meta property="article:published_time" content="2025-01-28"></head><body>x</body></html>"#;
        let e = html(page);
        assert_eq!((e.title.as_deref(), e.published.as_deref()), (Some("Plain title"), Some("2025-01-28")));
        let e = html(r#"<p>Posted <time itemprop="datePublished" datetime="2025-01-29">Wed</time></p>"#);
        assert_eq!(e.published.as_deref(), Some("2025-01-29"));
        assert_eq!(e.publisher, None);
        let site = html(r#"<head><meta property="og:site_name" content="The Wire"></head>"#);
        assert_eq!(site.publisher.as_deref(), Some("The Wire"));
    }

    #[test]
    fn charsets_are_honoured() {
        let latin1 = b"<html><head><meta charset=\"windows-1252\"></head><body>caf\xe9</body></html>";
        assert_eq!(extract(latin1, Some("text/html")).text.as_deref(), Some("caf\u{e9}"));
        assert_eq!(extract(b"caf\xe9", Some("text/plain; charset=ISO-8859-1")).text.as_deref(), Some("caf\u{e9}"));
    }

    #[test]
    fn only_text_html_json_and_pdf_are_archived() {
        for t in
            ["text/html", "text/plain; charset=utf-8", "application/json", "application/ld+json", "application/pdf"]
        {
            assert!(archived(Some(t)), "{t}");
        }
        for t in ["image/png", "image/svg+xml", "application/octet-stream", "video/mp4", ""] {
            assert!(!archived(Some(t)), "{t}");
        }
        assert!(!archived(None));
        assert_eq!(extract(b"%PDF-1.7", Some("application/pdf")), Extracted::default());
    }

    #[test]
    fn deep_nesting_does_not_exhaust_the_stack_or_the_clock() {
        for depth in [1_000, 1_000_000] {
            let page = format!("{}deep &amp; nested{}", "<div>".repeat(depth), "</div>".repeat(depth));
            assert!(html(&page).text.unwrap().contains("deep & nested"));
        }
        assert_eq!(rough_depth("<p>a<br><img src=x><b>b</b></p><p>c</p>"), 2);
    }
}
