//! Listing and searching claims.
//!
//! Lists page by keyset: a page ends at a `(sort value, id)` pair and the next one starts after it, so
//! pages stay cheap and stable however deep they go.
//!
//! A search is found elsewhere, and paged here: the service hands over the ids it found in relevance
//! order (from the matching index, or `fts_window`'s newest matches ranked), and `page` reads the one
//! page of them that passes the filters, in that order or sorted by a column, paged by offset, with
//! one statement. The ids go in as one JSON array (`json_each`), whose positions are the ranks.

use rusqlite::Connection;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use super::claims::{COLUMNS, ClaimRow, from_row};
use super::{Error, Result};
use crate::domain::search::Query;
use crate::domain::verdict::Verdict;
use crate::domain::workflow::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Created {
        descending: bool,
    },
    Updated {
        descending: bool,
    },
    Confidence {
        descending: bool,
    },
    /// Best full-text match first; needs a search.
    Relevance,
}

impl Sort {
    pub const NAMES: [&'static str; 7] =
        ["created", "-created", "updated", "-updated", "confidence", "-confidence", "relevance"];

    pub fn parse(name: &str) -> Option<Sort> {
        let (descending, key) = match name.strip_prefix('-') {
            Some(key) => (true, key),
            None => (false, name),
        };
        match key {
            "created" => Some(Sort::Created { descending }),
            "updated" => Some(Sort::Updated { descending }),
            "confidence" => Some(Sort::Confidence { descending }),
            "relevance" if !descending => Some(Sort::Relevance),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Sort::Created { descending: false } => "created",
            Sort::Created { descending: true } => "-created",
            Sort::Updated { descending: false } => "updated",
            Sort::Updated { descending: true } => "-updated",
            Sort::Confidence { descending: false } => "confidence",
            Sort::Confidence { descending: true } => "-confidence",
            Sort::Relevance => "relevance",
        }
    }

    /// The column and direction of a keyset sort; `None` for relevance.
    fn keyset(self) -> Option<(&'static str, bool)> {
        match self {
            Sort::Created { descending } => Some(("created_at", descending)),
            Sort::Updated { descending } => Some(("updated_at", descending)),
            Sort::Confidence { descending } => Some(("confidence", descending)),
            Sort::Relevance => None,
        }
    }
}

/// Where the previous page ended. Opaque to clients, who get it base64-encoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort it belongs to; a cursor is refused under another.
    pub sort: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<(serde_json::Value, i64)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl Cursor {
    /// Whether the values fit the sort: a forged cursor is opaque data from the client, and an offset
    /// past what SQLite's integers hold, or a keyset value of the wrong type, would reach the query.
    pub fn fits(&self, sort: Sort) -> bool {
        let offset = self.offset.is_none_or(|o| o <= SEARCH_WINDOW as u64);
        let after = match (&self.after, sort.keyset()) {
            (None, _) => true,
            (Some((value, _)), Some(("confidence", _))) => value.is_number(),
            (Some((value, _)), Some(_)) => value.is_string(),
            (Some(_), None) => false,
        };
        offset && after
    }
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub verdict: Option<Verdict>,
    pub tag: Option<String>,
    pub claimant: Option<String>,
    /// The reviewer the claims are assigned to; `none` for claims no one has.
    pub assignee: Option<String>,
    /// What to search for: every word, in any order.
    pub search: Option<Query>,
    pub created_after: Option<String>,
    pub created_before: Option<String>,
}

/// How far a search reaches: the best this many matches (relevance first), which filters and other
/// sorts then narrow and order.
pub const SEARCH_WINDOW: usize = 500;

#[derive(Debug, Clone)]
pub struct Request {
    pub filter: Filter,
    pub sort: Sort,
    pub limit: usize,
    pub cursor: Option<Cursor>,
    pub count: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<ClaimRow>,
    pub next: Option<Cursor>,
    pub total: Option<i64>,
}

/// The FTS5 query for some words: each quoted (so no word is read as an operator), all required, and
/// the last also matching as a prefix when it has three letters or more ("deepseek cos" finds "cost").
/// Only the last: FTS5 merges a prefix's postings in full before it can stop early.
pub fn fts_query(words: &[String]) -> String {
    let last = words.len().saturating_sub(1);
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let quoted = format!("\"{}\"", w.replace('"', "\"\""));
            if i == last && w.chars().count() >= 3 { quoted + "*" } else { quoted }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

struct Sql {
    from: String,
    conditions: Vec<String>,
    params: Vec<Value>,
}

impl Sql {
    /// The filter's conditions on `claims c` (its search aside).
    fn new(filter: &Filter) -> Sql {
        let mut sql = Sql { from: "claims c".into(), conditions: Vec::new(), params: Vec::new() };
        if let Some(status) = filter.status {
            sql.add("c.status = ?", [Value::Text(status.as_str().into())]);
        }
        if let Some(verdict) = filter.verdict {
            sql.add("c.verdict = ?", [Value::Text(verdict.as_str().into())]);
        }
        if let Some(tag) = &filter.tag {
            // Checked claim by claim as the scan goes, so a page stops early instead of listing the tag.
            sql.add(
                "EXISTS (SELECT 1 FROM claim_tags t WHERE t.tag = ? AND t.claim_id = c.id)",
                [Value::Text(tag.clone())],
            );
        }
        if let Some(claimant) = &filter.claimant {
            sql.add("c.claimant = ? COLLATE NOCASE", [Value::Text(claimant.clone())]);
        }
        match filter.assignee.as_deref() {
            Some("none") => sql.add("c.assignee IS NULL", []),
            Some(assignee) => sql.add("c.assignee = ? COLLATE NOCASE", [Value::Text(assignee.to_owned())]),
            None => {}
        }
        if let Some(after) = &filter.created_after {
            sql.add("c.created_at >= ?", [Value::Text(after.clone())]);
        }
        if let Some(before) = &filter.created_before {
            sql.add("c.created_at < ?", [Value::Text(before.clone())]);
        }
        sql
    }

    fn add<const N: usize>(&mut self, condition: &str, params: [Value; N]) {
        self.conditions.push(condition.into());
        self.params.extend(params);
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() { String::new() } else { format!("WHERE {}", self.conditions.join(" AND ")) }
    }
}

/// A page of claims, without a search.
pub fn list(conn: &Connection, request: &Request) -> Result<Page> {
    if request.filter.search.is_some() {
        return Err(Error::Internal("a search is paged by `page`".into()));
    }
    let total = if request.count {
        let sql = Sql::new(&request.filter);
        let query = format!("SELECT count(*) FROM {} {}", sql.from, sql.where_clause());
        Some(conn.prepare_cached(&query)?.query_row(rusqlite::params_from_iter(&sql.params), |r| r.get(0))?)
    } else {
        None
    };
    let items = browse(conn, request)?;
    Ok(finish(request, items, None, total))
}

/// The page of a search: of `found`, the claims a search found in relevance order, those that pass
/// the filters, ordered by relevance (their order in `found`) or by the requested sort, the page at
/// the cursor's offset. `total` is the search's count, when asked for.
pub fn page(conn: &Connection, request: &Request, found: &[i64], total: Option<i64>) -> Result<Page> {
    let offset = request.cursor.as_ref().and_then(|c| c.offset).unwrap_or(0);
    let sql = Sql::new(&request.filter);
    let order = match request.sort.keyset() {
        None => "j.key".to_owned(),
        Some((column, descending)) => {
            let dir = if descending { "DESC" } else { "ASC" };
            format!("c.{column} {dir}, c.id {dir}")
        }
    };
    // CROSS JOIN keeps the ids as the outer loop: each is one lookup by rowid.
    let query = format!(
        "SELECT {COLUMNS} FROM json_each(?) j CROSS JOIN claims c ON c.id = j.value {}
         ORDER BY {order} LIMIT {} OFFSET {offset}",
        sql.where_clause(),
        request.limit + 1
    );
    let params: Vec<Value> = std::iter::once(id_array(found)).chain(sql.params).collect();
    let items = query_claims(conn, &query, &params)?;
    Ok(finish(request, items, Some(offset), total))
}

/// Those of `found` that pass the filters (the search aside), in their order.
pub fn keep(conn: &Connection, filter: &Filter, found: &[i64]) -> Result<Vec<i64>> {
    let sql = Sql::new(filter);
    let query = format!(
        "SELECT c.id FROM json_each(?) j CROSS JOIN claims c ON c.id = j.value {} ORDER BY j.key",
        sql.where_clause()
    );
    let params: Vec<Value> = std::iter::once(id_array(found)).chain(sql.params).collect();
    let mut stmt = conn.prepare_cached(&query)?;
    let ids = stmt.query_map(rusqlite::params_from_iter(&params), |r| r.get(0))?;
    Ok(ids.collect::<rusqlite::Result<_>>()?)
}

/// The ids of every claim that passes the filters (the search aside), for a search to look among.
pub fn passing(conn: &Connection, filter: &Filter) -> Result<Vec<i64>> {
    let sql = Sql::new(filter);
    let query = format!("SELECT c.id FROM {} {}", sql.from, sql.where_clause());
    let mut stmt = conn.prepare_cached(&query)?;
    let ids = stmt.query_map(rusqlite::params_from_iter(&sql.params), |r| r.get(0))?;
    Ok(ids.collect::<rusqlite::Result<_>>()?)
}

/// Ids as one parameter, read back by `json_each`.
fn id_array(ids: &[i64]) -> Value {
    Value::Text(serde_json::Value::from(ids).to_string())
}

/// A search by words as typed, through the full-text index: the ids of the newest `SEARCH_WINDOW`
/// claims whose text or claimant holds every word (the last also as a prefix) and that pass the
/// filters, newest first. FTS5 reads its matches newest first and stops early.
pub fn fts_window(conn: &Connection, filter: &Filter, words: &[String]) -> Result<Vec<i64>> {
    let sql = fts(filter, words);
    let query = format!(
        "SELECT c.id FROM {} {} ORDER BY claims_fts.rowid DESC LIMIT {SEARCH_WINDOW}",
        sql.from,
        sql.where_clause()
    );
    let mut stmt = conn.prepare_cached(&query)?;
    let ids = stmt.query_map(rusqlite::params_from_iter(&sql.params), |r| r.get(0))?;
    Ok(ids.collect::<rusqlite::Result<_>>()?)
}

/// How many claims `fts_window`'s search finds, all of them.
pub fn fts_count(conn: &Connection, filter: &Filter, words: &[String]) -> Result<i64> {
    let sql = fts(filter, words);
    let query = format!("SELECT count(*) FROM {} {}", sql.from, sql.where_clause());
    Ok(conn.prepare_cached(&query)?.query_row(rusqlite::params_from_iter(&sql.params), |r| r.get(0))?)
}

fn fts(filter: &Filter, words: &[String]) -> Sql {
    let mut sql = Sql::new(filter);
    // CROSS JOIN keeps the full-text index as the outer loop, read newest first.
    sql.from = "claims_fts CROSS JOIN claims c ON c.id = claims_fts.rowid".into();
    sql.conditions.insert(0, "claims_fts MATCH ?".into());
    sql.params.insert(0, Value::Text(fts_query(words)));
    sql
}

/// The page of `items` (one more than asked for, when there are more), and the cursor to the next:
/// after the last one's sort value, or at an offset (`offset` given: a search).
fn finish(request: &Request, mut items: Vec<ClaimRow>, offset: Option<u64>, total: Option<i64>) -> Page {
    let sort = request.sort;
    let next = if items.len() > request.limit {
        items.truncate(request.limit);
        let last = items.last().expect("a full page has a last item");
        Some(Cursor {
            sort: sort.name().into(),
            after: match (offset, sort.keyset()) {
                (None, Some((column, _))) => Some((keyset_value(last, column), last.id)),
                _ => None,
            },
            offset: offset.map(|o| o + request.limit as u64),
        })
    } else {
        None
    };
    Page { items, next, total }
}

fn keyset_value(claim: &ClaimRow, column: &str) -> serde_json::Value {
    match column {
        "created_at" => claim.created_at.clone().into(),
        "updated_at" => claim.updated_at.clone().into(),
        _ => claim.confidence.into(),
    }
}

/// One page more than asked for (to tell whether there is a next), in sort order, after the cursor.
fn browse(conn: &Connection, request: &Request) -> Result<Vec<ClaimRow>> {
    let Some((column, descending)) = request.sort.keyset() else {
        return Err(Error::Invalid(Vec::new()));
    };
    let mut sql = Sql::new(&request.filter);
    if let Some((value, id)) = request.cursor.as_ref().and_then(|c| c.after.clone()) {
        let value = match value {
            serde_json::Value::String(s) => Value::Text(s),
            serde_json::Value::Number(n) => Value::Real(n.as_f64().unwrap_or(0.0)),
            _ => return Err(Error::Invalid(Vec::new())),
        };
        let op = if descending { "<" } else { ">" };
        sql.add(&format!("(c.{column}, c.id) {op} (?, ?)"), [value, Value::Integer(id)]);
    }
    let dir = if descending { "DESC" } else { "ASC" };
    let query = format!(
        "SELECT {COLUMNS} FROM {} {} ORDER BY c.{column} {dir}, c.id {dir} LIMIT {}",
        sql.from,
        sql.where_clause(),
        request.limit + 1
    );
    query_claims(conn, &query, &sql.params)
}

fn query_claims(conn: &Connection, query: &str, params: &[Value]) -> Result<Vec<ClaimRow>> {
    let mut stmt = conn.prepare_cached(query)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params), from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_names_round_trip() {
        for name in Sort::NAMES {
            assert_eq!(Sort::parse(name).unwrap().name(), name);
        }
        assert_eq!(Sort::parse("-relevance"), None);
        assert_eq!(Sort::parse("text"), None);
    }

    #[test]
    fn cursors_from_pages_fit_and_forged_ones_do_not() {
        let cursor = |sort: &str, after: Option<serde_json::Value>, offset: Option<u64>| Cursor {
            sort: sort.into(),
            after: after.map(|v| (v, 7)),
            offset,
        };
        let created = Sort::Created { descending: true };
        let confidence = Sort::Confidence { descending: false };
        assert!(cursor("-created", Some("2025-01-01T00:00:00Z".into()), None).fits(created));
        assert!(cursor("confidence", Some(0.5.into()), None).fits(confidence));
        assert!(cursor("relevance", None, Some(SEARCH_WINDOW as u64)).fits(Sort::Relevance));
        assert!(!cursor("relevance", None, Some(1 << 63)).fits(Sort::Relevance));
        assert!(!cursor("-created", None, Some(u64::MAX)).fits(created));
        assert!(!cursor("-created", Some(1.into()), None).fits(created));
        assert!(!cursor("confidence", Some("x".into()), None).fits(confidence));
        assert!(!cursor("relevance", Some("x".into()), None).fits(Sort::Relevance));
    }

    #[test]
    fn search_words_cannot_become_operators() {
        let q = fts_query(&["cost".into(), "OR".into(), "a\"b".into()]);
        assert_eq!(q, "\"cost\" \"OR\" \"a\"\"b\"*");
    }
}
