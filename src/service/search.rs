//! Searching claims (`GET /v1/claims?q=`, the admin page's list): found by the matching index, the
//! page read from the database.
//!
//! A search requires every term (`domain::search::Query`) and ranks by BM25 over the claim's text,
//! claimant, review and appearance, as the index holds them; it reaches the best `SEARCH_WINDOW`
//! matches that pass the filters. Without filters beyond the one the index knows (published, for
//! readers) the index answers the best `offset + limit + 1` and they are the page. With filters
//! (another status, verdict, tag, claimant, assignee, dates) the database keeps those of the index's
//! best `SEARCH_WINDOW` that pass, then of the best `WIDEST`; when that is not enough for the page
//! (or, under another sort, for the window), because the filters and the words have few claims in
//! common, the database lists every claim that passes the filters and the index searches among
//! them. Another sort orders the window by its column. A count is the index's, among the claims that
//! pass the filters when the window does not hold every match.
//!
//! The index reads words whole and stemmed. A word no claim was indexed with is read as two that
//! claims were, where a split makes them, as a lookup reads it ("cornflakes" searches "corn
//! flakes"). A search with a term no claim was indexed with even so (most often a last word being
//! typed: "deepseek cos" for "cost") or with stop words only goes by the words as typed through the
//! full-text index instead, which also reads the last word as a prefix:
//! its newest `SEARCH_WINDOW` matches that pass the filters, ranked by the index's BM25 of the terms
//! it knows. Such words are rare, which is when the full-text index is quick.

use rusqlite::Connection;

use super::matching::Matcher;
use crate::domain::matching::index::{Among, Filter, Index, term_hash};
use crate::domain::search::Query;
use crate::domain::workflow::Status;
use crate::store::listing::{self, Page, Request, SEARCH_WINDOW, Sort};
use crate::store::{self};

/// Whether the request's filters narrow a search beyond what the index answers itself.
fn narrows(request: &Request) -> bool {
    let f = &request.filter;
    f.status.is_some_and(|s| s != Status::Published)
        || f.verdict.is_some()
        || f.tag.is_some()
        || f.claimant.is_some()
        || f.assignee.is_some()
        || f.created_after.is_some()
        || f.created_before.is_some()
}

fn answerable(index: &Index, query: &Query) -> bool {
    !query.terms.is_empty() && query.terms.iter().all(|t| index.knows(t))
}

fn ids(found: Vec<(i64, f64)>) -> Vec<i64> {
    found.into_iter().map(|(id, _)| id).collect()
}

/// The page of a search; see the module comment.
pub(super) fn page(conn: &Connection, matcher: &Matcher, request: &Request, query: &Query) -> store::Result<Page> {
    matcher.catch_up(conn)?;
    let split = if matcher.read(|index| answerable(index, query))? {
        None
    } else {
        let split_answerable =
            |index: &Index| query.split_unknown(|t| index.df(term_hash(t))).filter(|split| answerable(index, split));
        let Some(split) = matcher.read(split_answerable)? else { return by_words(conn, matcher, request, query) };
        Some(split)
    };
    let query = split.as_ref().unwrap_or(query);
    let filter = Filter { published_only: request.filter.status == Some(Status::Published), ..Filter::default() };
    let offset = request.cursor.as_ref().and_then(|c| c.offset).unwrap_or(0) as usize;
    // The matches the page is taken from, at least: all of the window under another sort.
    let needed = match request.sort {
        Sort::Relevance => (offset + request.limit + 1).min(SEARCH_WINDOW),
        _ => SEARCH_WINDOW,
    };
    let (found, total) = if narrows(request) {
        filtered(conn, matcher, request, &query.terms, filter, needed)?
    } else {
        matcher.read(|index| {
            let total = request.count.then(|| index.count(&query.terms, &filter, None) as i64);
            (ids(index.search(&query.terms, needed, &filter, None)), total)
        })?
    };
    listing::page(conn, request, &found, total)
}

/// The best `needed` matches that pass the request's filters, and their count if asked for. The
/// filters are applied to the best matches, more of them while too few pass; when even `WIDEST` are
/// not enough, the filters and the terms have few claims in common, and the index searches among the
/// claims the filters keep.
fn filtered(
    conn: &Connection,
    matcher: &Matcher,
    request: &Request,
    terms: &[String],
    filter: Filter,
    needed: usize,
) -> store::Result<(Vec<i64>, Option<i64>)> {
    let among = || -> store::Result<Among> { Ok(listing::passing(conn, &request.filter)?.into_iter().collect()) };
    let mut window = SEARCH_WINDOW;
    loop {
        let best = matcher.read(|index| ids(index.search(terms, window, &filter, None)))?;
        let mut kept = listing::keep(conn, &request.filter, &best)?;
        let every_match_seen = best.len() < window;
        if kept.len() >= needed || every_match_seen {
            let total = match request.count {
                false => None,
                true if every_match_seen => Some(kept.len() as i64),
                true => {
                    let among = among()?;
                    Some(matcher.read(|index| index.count(terms, &filter, Some(&among)))? as i64)
                }
            };
            kept.truncate(needed);
            return Ok((kept, total));
        }
        if window >= WIDEST {
            let among = among()?;
            return matcher.read(|index| {
                let total = request.count.then(|| index.count(terms, &filter, Some(&among)) as i64);
                (ids(index.search(terms, needed, &filter, Some(&among))), total)
            });
        }
        window *= 8;
    }
}

/// The most matches the filters are applied to before the search goes among the claims they keep.
const WIDEST: usize = 8 * SEARCH_WINDOW;

/// A search by the words as typed, through the full-text index; see the module comment.
fn by_words(conn: &Connection, matcher: &Matcher, request: &Request, query: &Query) -> store::Result<Page> {
    let newest = listing::fts_window(conn, &request.filter, &query.words)?;
    let found = match request.sort {
        Sort::Relevance => matcher.read(|index| index.rank(&query.terms, &newest))?,
        _ => newest,
    };
    let total = request.count.then(|| listing::fts_count(conn, &request.filter, &query.words)).transpose()?;
    listing::page(conn, request, &found, total)
}
