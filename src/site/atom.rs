//! The Atom feed (RFC 4287) of the newest published fact-checks, each as last published.

use std::fmt::Write;

use crate::claimreview::Publisher;
use crate::store::publications::PublicationRow;

/// Text for XML: escaped, and without the characters XML 1.0 cannot hold at all.
fn text(s: &str) -> String {
    let allowed: String = s
        .chars()
        .filter(|c| matches!(c, '\t' | '\n' | '\r') || (*c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}')))
        .collect();
    html_escape::encode_double_quoted_attribute(&allowed).into_owned()
}

pub fn feed(publisher: &Publisher, items: &[PublicationRow]) -> String {
    let index = publisher.index_url();
    // An empty feed is as old as it can be, so a first publication is always news.
    let updated = items.iter().map(|p| p.published_at.as_str()).max().unwrap_or("1970-01-01T00:00:00Z");
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let _ = writeln!(xml, "  <title>{} fact-checks</title>", text(&publisher.name));
    let _ = writeln!(xml, "  <id>{}</id>", text(&index));
    let _ = writeln!(xml, "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}/feed.atom\"/>", text(&index));
    let _ = writeln!(xml, "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>", text(&index));
    let _ = writeln!(xml, "  <updated>{}</updated>", text(updated));
    let _ = write!(xml, "  <author><name>{}</name>", text(&publisher.name));
    if let Some(url) = &publisher.url {
        let _ = write!(xml, "<uri>{}</uri>", text(url));
    }
    xml.push_str("</author>\n");
    if let Some(logo) = &publisher.logo {
        let _ = writeln!(xml, "  <logo>{}</logo>", text(logo));
    }
    for p in items {
        let page = publisher.page_url(p.claim_id);
        let summary = p.rationale.as_deref().unwrap_or(p.verdict.definition());
        xml.push_str("  <entry>\n");
        let _ = writeln!(xml, "    <title>{}: {}</title>", text(p.verdict.label()), text(&p.content.text));
        let _ = writeln!(xml, "    <id>{}</id>", text(&page));
        let _ = writeln!(xml, "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>", text(&page));
        let _ = writeln!(xml, "    <published>{}</published>", text(&p.first_published_at));
        let _ = writeln!(xml, "    <updated>{}</updated>", text(&p.published_at));
        let _ = writeln!(xml, "    <summary>{}</summary>", text(summary));
        for tag in &p.content.tags {
            let _ = writeln!(xml, "    <category term=\"{}\"/>", text(tag));
        }
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn text_is_escaped_and_kept_to_what_xml_holds() {
        assert_eq!(text("a < b & \"c\"\u{0}\u{1b}"), "a &lt; b &amp; &quot;c&quot;");
    }
}
