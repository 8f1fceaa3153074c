//! Listing and searching claims.
//!
//! Lists page by keyset: a page ends at a `(sort value, id)` pair and the next one starts after it, so
//! pages stay cheap and stable however deep they go. Each list walks one index, in its sort order, that
//! holds its narrowest filter (`Walk`), and reads only ids and sort values from it; every combination
//! of filters and sorts has one (migrations/012), which a test checks against SQLite's plans and
//! `examples/list_plans.rs` prints.
//!
//! A search is found elsewhere, and paged here: the service hands over the ids it found in relevance
//! order (from the matching index, or `fts_window`'s newest matches), and `page` reads the one page of
//! them that passes the filters, in that order or sorted by a column, paged by offset, with one
//! statement. The ids go in as one JSON array (`json_each`), whose positions are the ranks.

use rusqlite::Connection;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use super::claims::{self, COLUMNS, ClaimRow, from_row};
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

/// How many of the newest matches a search ranks.
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

/// The index a listing walks. SQLite reads one index per table, so a listing walks the one that holds its
/// narrowest filter in the sort order, and stops once the page is full; the other filters are checked on
/// each claim met on the way (migrations/012 has an index for every filter and sort). Narrowest first:
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// Only checked claims have a verdict.
    Verdict,
    /// One reviewer's claims.
    Assignee,
    Claimant,
    /// The tag's rows in claim_tags, which carry each claim's status and sort values.
    Tag,
    Status,
    /// The claims no one has: most of them.
    Unassigned,
    /// No filter but the dates: the sort order itself.
    Sorted,
}

impl Walk {
    fn of(filter: &Filter) -> Walk {
        let named = |a: &str| a != "none";
        if filter.verdict.is_some() {
            Walk::Verdict
        } else if filter.assignee.as_deref().is_some_and(named) {
            Walk::Assignee
        } else if filter.claimant.is_some() {
            Walk::Claimant
        } else if filter.tag.is_some() {
            Walk::Tag
        } else if filter.status.is_some() {
            Walk::Status
        } else if filter.assignee.is_some() {
            Walk::Unassigned
        } else {
            Walk::Sorted
        }
    }
}

struct Sql {
    from: &'static str,
    /// The table whose copies of the sort values and created_at the walk reads, and its claim id.
    row: &'static str,
    id: &'static str,
    /// Whether a walk is chosen: its other filters are then kept from using an index (`check`).
    walked: bool,
    conditions: Vec<String>,
    params: Vec<Value>,
}

impl Sql {
    /// A listing: the walk of its narrowest filter's index, in the sort order.
    fn new(filter: &Filter, sort: Sort) -> Sql {
        Sql::of(filter, sort, Some(Walk::of(filter)))
    }

    /// The filter's conditions on `claims c`, for claims whose ids come from elsewhere (a search): no
    /// walk is chosen, and SQLite reads any index it likes for them.
    fn found(filter: &Filter) -> Sql {
        Sql::of(filter, Sort::Relevance, None)
    }

    fn of(filter: &Filter, sort: Sort, walk: Option<Walk>) -> Sql {
        // Dates are a range of the walked index in creation order; in the others they are checked.
        let by_created = walk.is_some() && matches!(sort, Sort::Created { .. });
        let dated = filter.created_after.is_some() || filter.created_before.is_some();
        let (from, row, id) = match walk {
            // CROSS JOIN keeps the walked table as the outer loop.
            // The claims themselves only when a filter must be checked there (the walk takes just ids).
            Some(Walk::Tag) if filter.assignee.is_some() || (dated && !by_created) => {
                ("claim_tags t CROSS JOIN claims c ON c.id = t.claim_id", "t", "t.claim_id")
            }
            Some(Walk::Tag) => ("claim_tags t", "t", "t.claim_id"),
            _ => ("claims c", "c", "c.id"),
        };
        let mut sql = Sql { from, row, id, walked: walk.is_some(), conditions: Vec::new(), params: Vec::new() };
        if let Some(status) = filter.status {
            let status = [Value::Text(status.as_str().into())];
            match walk {
                // A tag's index in creation order leads with the status too; the others hold it.
                Some(Walk::Tag) if by_created => sql.key("t.status = ?", status),
                Some(Walk::Tag) => sql.check("t.status = ?", status),
                Some(Walk::Status) => sql.key("c.status = ?", status),
                _ => sql.check("c.status = ?", status),
            }
        }
        if let Some(verdict) = filter.verdict {
            sql.key_if(walk == Some(Walk::Verdict), "c.verdict = ?", [Value::Text(verdict.as_str().into())]);
        }
        if let Some(tag) = &filter.tag {
            let tag = [Value::Text(tag.clone())];
            if walk == Some(Walk::Tag) {
                sql.key("t.tag = ?", tag);
            } else {
                sql.add("EXISTS (SELECT 1 FROM claim_tags t WHERE t.tag = ? AND t.claim_id = c.id)", tag);
            }
        }
        if let Some(claimant) = &filter.claimant {
            sql.key_if(walk == Some(Walk::Claimant), "c.claimant = ? COLLATE NOCASE", [Value::Text(claimant.clone())]);
        }
        match filter.assignee.as_deref() {
            Some("none") => sql.key_if(walk == Some(Walk::Unassigned), "c.assignee IS NULL", []),
            Some(assignee) => sql.key_if(
                walk == Some(Walk::Assignee),
                "c.assignee = ? COLLATE NOCASE",
                [Value::Text(assignee.to_owned())],
            ),
            None => {}
        }
        // Checked dates are read from the claim: the tag indexes in other orders do not hold them.
        let dates = if by_created { row } else { "c" };
        if let Some(after) = &filter.created_after {
            sql.key_if(by_created, &format!("{dates}.created_at >= ?"), [Value::Text(after.clone())]);
        }
        if let Some(before) = &filter.created_before {
            sql.key_if(by_created, &format!("{dates}.created_at < ?"), [Value::Text(before.clone())]);
        }
        sql
    }

    /// A condition on the walked index's key: the range it reads.
    fn key<const N: usize>(&mut self, condition: &str, params: [Value; N]) {
        self.add(condition, params);
    }

    /// A condition checked on each row the walk meets. The unary + keeps SQLite from reading another index
    /// for it instead, which would leave the rows to be sorted or scanned; it changes nothing else.
    fn check<const N: usize>(&mut self, condition: &str, params: [Value; N]) {
        match self.walked {
            true => self.add(&format!("+{condition}"), params),
            false => self.add(condition, params),
        }
    }

    fn key_if<const N: usize>(&mut self, key: bool, condition: &str, params: [Value; N]) {
        if key { self.key(condition, params) } else { self.check(condition, params) }
    }

    fn add<const N: usize>(&mut self, condition: &str, params: [Value; N]) {
        self.conditions.push(condition.into());
        self.params.extend(params);
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() { String::new() } else { format!("WHERE {}", self.conditions.join(" AND ")) }
    }
}

/// A page of claims, read in full; not a search (see `page`).
pub fn list(conn: &Connection, request: &Request) -> Result<Page> {
    if request.filter.search.is_some() {
        return Err(Error::Internal("a search is paged by `page`".into()));
    }
    let walked = walk(conn, request)?;
    Ok(Page { items: claims::get_many(conn, &walked.ids)?, next: walked.next, total: walked.total })
}

/// A page of a listing (not a search) as the ids of its claims, in order, for a caller that may have
/// them rendered already.
#[derive(Debug, Clone, Default)]
pub struct Walked {
    pub ids: Vec<i64>,
    pub next: Option<Cursor>,
    pub total: Option<i64>,
}

/// Walks a listing's index for one page more than asked for (to tell whether there is a next), reading
/// only the ids and sort values it holds; the next cursor is the page's last.
pub fn walk(conn: &Connection, request: &Request) -> Result<Walked> {
    let total = count(conn, request)?;
    let mut found: Vec<(i64, Value)> = Vec::new();
    for (query, params) in browse_queries(request)? {
        if found.len() > request.limit {
            break;
        }
        let mut stmt = conn.prepare_cached(&query)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(&params), |r| Ok((r.get(0)?, r.get(1)?)))?;
        for row in rows {
            found.push(row?);
        }
    }
    let next = if found.len() > request.limit {
        found.truncate(request.limit);
        let (id, value) = found.last().cloned().expect("a full page has a last claim");
        let value = match value {
            Value::Text(text) => text.into(),
            Value::Real(number) => number.into(),
            Value::Integer(number) => number.into(),
            _ => serde_json::Value::Null,
        };
        Some(Cursor { sort: request.sort.name().into(), after: Some((value, id)), offset: None })
    } else {
        None
    };
    Ok(Walked { ids: found.into_iter().map(|(id, _)| id).collect(), next, total })
}

/// With `count=true`, how many claims the listing matches.
fn count(conn: &Connection, request: &Request) -> Result<Option<i64>> {
    if !request.count {
        return Ok(None);
    }
    let sql = Sql::new(&request.filter, request.sort);
    let query = format!("SELECT count(*) FROM {} {}", sql.from, sql.where_clause());
    Ok(Some(conn.prepare_cached(&query)?.query_row(rusqlite::params_from_iter(&sql.params), |r| r.get(0))?))
}

/// The queries of a page's ids and sort values, run in turn until it is full. After a cursor there are
/// two: the rest of the cursor's sort value (a tie, ordered by id), then the values past it. The one
/// condition `(value, id) > (?, ?)` would be read as a range of the index only up to the value: SQLite
/// does not range over a rowid inside a row value, so a page deep in a tie (most claims share a
/// confidence) would walk the whole tie up to it. (The LIMIT is written into the query: a bound LIMIT
/// makes SQLite plan the statement again at every run.)
fn browse_queries(request: &Request) -> Result<Vec<(String, Vec<Value>)>> {
    let Some((column, descending)) = request.sort.keyset() else {
        return Err(Error::Invalid(Vec::new()));
    };
    let (op, dir) = if descending { ("<", "DESC") } else { (">", "ASC") };
    let query = |sql: Sql| {
        let (row, id) = (sql.row, sql.id);
        let query = format!(
            "SELECT {id}, {row}.{column} FROM {} {} ORDER BY {row}.{column} {dir}, {id} {dir} LIMIT {}",
            sql.from,
            sql.where_clause(),
            request.limit + 1
        );
        (query, sql.params)
    };
    let Some((value, after)) = request.cursor.as_ref().and_then(|c| c.after.clone()) else {
        return Ok(vec![query(Sql::new(&request.filter, request.sort))]);
    };
    let value = match value {
        serde_json::Value::String(s) => Value::Text(s),
        serde_json::Value::Number(n) => Value::Real(n.as_f64().unwrap_or(0.0)),
        _ => return Err(Error::Invalid(Vec::new())),
    };
    let mut tie = Sql::new(&request.filter, request.sort);
    let (row, id) = (tie.row, tie.id);
    tie.key(&format!("{row}.{column} = ? AND {id} {op} ?"), [value.clone(), Value::Integer(after)]);
    let mut past = Sql::new(&request.filter, request.sort);
    past.key(&format!("{row}.{column} {op} ?"), [value]);
    Ok(vec![query(tie), query(past)])
}

/// How SQLite runs a listing (not a search): the `EXPLAIN QUERY PLAN` of each query of its page, one
/// line per step, indented by depth. For the plans in bench/ and the test that no listing scans or sorts.
pub fn plans(conn: &Connection, request: &Request) -> Result<Vec<Vec<String>>> {
    let mut plans = Vec::new();
    for (query, params) in browse_queries(request)? {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {query}"))?;
        let steps = stmt.query_map(rusqlite::params_from_iter(&params), |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(3)?))
        })?;
        let mut levels: Vec<(i64, usize)> = Vec::new();
        let mut lines = Vec::new();
        for step in steps {
            let (node, parent, detail) = step?;
            let level = levels.iter().find(|(id, _)| *id == parent).map_or(0, |(_, level)| level + 1);
            levels.push((node, level));
            lines.push(format!("{}{detail}", "  ".repeat(level)));
        }
        plans.push(lines);
    }
    Ok(plans)
}

/// Every combination of the listing's filters, each with one value (the assignee named and `none`; the
/// dates neither, after, before and both): what the query plans are shown and tested for.
pub fn every_filter() -> Vec<Filter> {
    let (after, before) = (Some("2026-01-01T00:00:00.000000Z"), Some("2027-01-01T00:00:00.000000Z"));
    let mut filters = Vec::new();
    for status in [None, Some(Status::InReview)] {
        for verdict in [None, Some(Verdict::False)] {
            for tag in [None, Some("markets")] {
                for claimant in [None, Some("Reuters")] {
                    for assignee in [None, Some("alice"), Some("none")] {
                        for (after, before) in [(None, None), (after, None), (None, before), (after, before)] {
                            filters.push(Filter {
                                status,
                                verdict,
                                tag: tag.map(Into::into),
                                claimant: claimant.map(Into::into),
                                assignee: assignee.map(Into::into),
                                search: None,
                                created_after: after.map(Into::into),
                                created_before: before.map(Into::into),
                            });
                        }
                    }
                }
            }
        }
    }
    filters
}

/// The page of a search: of `found`, the claims a search found in relevance order, those that pass
/// the filters, ordered by relevance (their order in `found`) or by the requested sort, the page at
/// the cursor's offset. `total` is the search's count, when asked for.
pub fn page(conn: &Connection, request: &Request, found: &[i64], total: Option<i64>) -> Result<Page> {
    let offset = request.cursor.as_ref().and_then(|c| c.offset).unwrap_or(0);
    let sql = Sql::found(&request.filter);
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
    let sql = Sql::found(filter);
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
    let sql = Sql::found(filter);
    let query = format!("SELECT c.id FROM claims c {}", sql.where_clause());
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
    let mut sql = Sql::found(filter);
    // CROSS JOIN keeps the full-text index as the outer loop, read newest first.
    sql.from = "claims_fts CROSS JOIN claims c ON c.id = claims_fts.rowid";
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

    /// What a cursor from a page of this sort looks like.
    fn cursor_for(sort: Sort) -> Cursor {
        let value = match sort.keyset() {
            Some(("confidence", _)) => 0.5.into(),
            _ => "2026-06-01T00:00:00.000000Z".into(),
        };
        Cursor { sort: sort.name().into(), after: Some((value, 1000)), offset: None }
    }

    /// Claims of every status, verdict, claimant, assignee and tag, for SQLite's statistics.
    const VARIED_CLAIMS: &str = "
        WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
        INSERT INTO claims (id, text, normalized, claimant, status, verdict, confidence, assignee, created_at, updated_at)
        SELECT i, 'claim ' || i, 'claim ' || i, CASE WHEN i % 7 > 0 THEN 'claimant ' || (i % 40) END,
               CASE WHEN i % 100 = 0 THEN 'rejected' WHEN i % 12 = 0 THEN 'published' WHEN i % 12 = 6 THEN 'verified'
                    WHEN i % 6 = 3 THEN 'in_review' ELSE 'submitted' END,
               CASE WHEN i % 12 IN (0, 6) THEN 'false' END, (i % 10) / 10.0,
               CASE WHEN i % 5 = 0 THEN 'reviewer ' || (i % 3) END,
               printf('2026-%02d-01T00:00:00.%06dZ', 1 + i % 12, i), printf('2026-%02d-02T00:00:00.%06dZ', 1 + i % 12, i)
        FROM n;
        INSERT INTO claim_tags (tag, claim_id, status, created_at, updated_at, confidence)
        SELECT 'tag ' || (id % 30), id, status, created_at, updated_at, confidence FROM claims;
        ANALYZE;";

    #[test]
    fn every_listing_walks_an_index_in_order_and_stops_early() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrations::apply(&mut conn).unwrap();
        // The server never runs ANALYZE; the plans must not change if someone does.
        for analyzed in [false, true] {
            if analyzed {
                conn.execute_batch(VARIED_CLAIMS).unwrap();
            }
            for filter in every_filter() {
                for sort in Sort::NAMES.iter().filter_map(|name| Sort::parse(name)).filter(|s| s.keyset().is_some()) {
                    for cursor in [None, Some(cursor_for(sort))] {
                        let request = Request { filter: filter.clone(), sort, limit: 20, cursor, count: false };
                        let plans = plans(&conn, &request).unwrap();
                        assert_eq!(plans.len(), if request.cursor.is_some() { 2 } else { 1 });
                        for (step, plan) in plans.iter().enumerate() {
                            check_walk(&request, step, plan, !analyzed);
                        }
                    }
                }
            }
        }
    }

    /// The index a listing should walk: its narrowest filter's, in its sort order.
    fn walked_index(filter: &Filter, sort: Sort) -> String {
        let order = sort.keyset().unwrap().0.trim_end_matches("_at");
        let named = filter.assignee.as_deref().is_some_and(|a| a != "none");
        let lead = if filter.verdict.is_some() {
            "claims_by_verdict"
        } else if named {
            "claims_by_assignee"
        } else if filter.claimant.is_some() {
            "claims_by_claimant"
        } else if filter.tag.is_some() {
            if filter.status.is_some() && order == "created" {
                return "claim_tags_by_status".into();
            }
            "claim_tags_by"
        } else if filter.status.is_some() {
            if order == "created" {
                return "claims_by_status".into();
            }
            "claims_by_status"
        } else if filter.assignee.is_some() {
            "claims_by_assignee"
        } else {
            "claims_by"
        };
        format!("{lead}_{order}")
    }

    /// The plan walks an index in the sort order, without a sort step, and reads it as a range (the
    /// cursor's; the dates' in creation order), scanning the sort order only when nothing narrows it. As
    /// the server runs it (`exact`, without statistics), the index is the listing's.
    ///
    /// With statistics SQLite may read a cursor's tie from the sort order's own index instead, where it
    /// knows a value to be rarer than the filter: the same range, checked the other way round.
    fn check_walk(request: &Request, step: usize, plan: &[String], exact: bool) {
        let filter = &request.filter;
        let context = format!("{filter:?} {} {:?}\n{}", request.sort.name(), request.cursor, plan.join("\n"));
        assert!(!plan.iter().any(|step| step.contains("TEMP B-TREE")), "a sort in {context}");
        let walk = &plan[0];
        let index = walked_index(filter, request.sort);
        let walks_index = walk.contains(&format!("INDEX {index} (")) || walk.ends_with(&format!("INDEX {index}"));
        assert!(walks_index || !exact, "not {index}: {context}");
        let index = if walks_index { index } else { walked_index(&Filter::default(), request.sort) };
        let (column, descending) = request.sort.keyset().unwrap();
        let by_created = column == "created_at";
        let dated = filter.created_after.is_some() || filter.created_before.is_some();
        let narrowed = filter.status.is_some()
            || filter.verdict.is_some()
            || filter.tag.is_some()
            || filter.claimant.is_some()
            || filter.assignee.is_some()
            || (by_created && dated)
            || request.cursor.is_some();
        assert_eq!(walk.starts_with("SEARCH "), narrowed, "{context}");
        assert!(plan[1..].iter().all(|step| !step.trim_start().starts_with("SCAN")), "a scan in {context}");
        // (After a cursor, its bound stands in for the date on its side, and the tie's value for both.)
        if by_created && request.cursor.is_none() {
            assert_eq!(walk.contains("created_at>?"), filter.created_after.is_some(), "dates not a range in {context}");
            assert_eq!(
                walk.contains("created_at<?"),
                filter.created_before.is_some(),
                "dates not a range in {context}"
            );
        }
        let op = if descending { "<" } else { ">" };
        let id = if index.starts_with("claim_tags") { "claim_id" } else { "id" };
        match (request.cursor.is_some(), step) {
            (false, _) => {}
            (true, 0) => assert!(walk.contains(&format!("{column}=? AND {id}{op}?")), "not the tie in {context}"),
            (true, _) => assert!(walk.contains(&format!("{column}{op}?")), "not past the cursor in {context}"),
        }
    }

    #[test]
    fn search_words_cannot_become_operators() {
        let q = fts_query(&["cost".into(), "OR".into(), "a\"b".into()]);
        assert_eq!(q, "\"cost\" \"OR\" \"a\"\"b\"*");
    }
}
