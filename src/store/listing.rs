//! Listing and searching claims with keyset pagination: a page ends at a `(sort value, id)` pair and
//! the next one starts after it, so pages stay cheap and stable however deep they go. Search results,
//! ordered by relevance, page by offset instead.

use rusqlite::Connection;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use super::claims::{COLUMNS, ClaimRow, from_row};
use super::{Error, Result};
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

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub verdict: Option<Verdict>,
    pub tag: Option<String>,
    pub claimant: Option<String>,
    /// Words to search for, in any order.
    pub search: Option<Vec<String>>,
    pub created_after: Option<String>,
    pub created_before: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub filter: Filter,
    pub sort: Sort,
    pub limit: usize,
    pub cursor: Option<Cursor>,
    pub count: bool,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<ClaimRow>,
    pub next: Option<Cursor>,
    pub total: Option<i64>,
}

/// The FTS5 query for some words: each quoted (so no word is read as an operator), all required, and
/// words of three letters or more also match as prefixes ("cost" finds "costs").
pub fn fts_query(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            let quoted = format!("\"{}\"", w.replace('"', "\"\""));
            if w.chars().count() >= 3 { quoted + "*" } else { quoted }
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
    fn new(filter: &Filter) -> Sql {
        let mut sql = Sql { from: "claims c".into(), conditions: Vec::new(), params: Vec::new() };
        if let Some(words) = &filter.search {
            sql.from = "claims c JOIN claims_fts ON claims_fts.rowid = c.id".into();
            sql.add("claims_fts MATCH ?", [Value::Text(fts_query(words))]);
        }
        if let Some(status) = filter.status {
            sql.add("c.status = ?", [Value::Text(status.as_str().into())]);
        }
        if let Some(verdict) = filter.verdict {
            sql.add("c.verdict = ?", [Value::Text(verdict.as_str().into())]);
        }
        if let Some(tag) = &filter.tag {
            sql.add("c.id IN (SELECT claim_id FROM claim_tags WHERE tag = ?)", [Value::Text(tag.clone())]);
        }
        if let Some(claimant) = &filter.claimant {
            sql.add("c.claimant = ? COLLATE NOCASE", [Value::Text(claimant.clone())]);
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

pub fn list(conn: &Connection, request: &Request) -> Result<Page> {
    let sort = request.sort;
    let total = if request.count {
        let sql = Sql::new(&request.filter);
        let query = format!("SELECT count(*) FROM {} {}", sql.from, sql.where_clause());
        Some(conn.prepare_cached(&query)?.query_row(rusqlite::params_from_iter(&sql.params), |r| r.get(0))?)
    } else {
        None
    };

    let mut sql = Sql::new(&request.filter);
    let cursor = request.cursor.as_ref();
    let (order, offset) = match sort.keyset() {
        Some((column, descending)) => {
            if let Some((value, id)) = cursor.and_then(|c| c.after.clone()) {
                let value = match value {
                    serde_json::Value::String(s) => Value::Text(s),
                    serde_json::Value::Number(n) => Value::Real(n.as_f64().unwrap_or(0.0)),
                    _ => return Err(Error::Invalid(Vec::new())),
                };
                let op = if descending { "<" } else { ">" };
                sql.add(&format!("(c.{column}, c.id) {op} (?, ?)"), [value, Value::Integer(id)]);
            }
            let dir = if descending { "DESC" } else { "ASC" };
            (format!("c.{column} {dir}, c.id {dir}"), 0)
        }
        None => ("claims_fts.rank, c.id".to_string(), cursor.and_then(|c| c.offset).unwrap_or(0)),
    };
    let query = format!(
        "SELECT {COLUMNS} FROM {} {} ORDER BY {order} LIMIT {} OFFSET {offset}",
        sql.from,
        sql.where_clause(),
        request.limit + 1
    );
    let mut stmt = conn.prepare_cached(&query)?;
    let mut items =
        stmt.query_map(rusqlite::params_from_iter(&sql.params), from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;

    let next = if items.len() > request.limit {
        items.truncate(request.limit);
        let last = items.last().expect("a full page has a last item");
        Some(Cursor {
            sort: sort.name().into(),
            after: sort.keyset().map(|(column, _)| {
                let value = match column {
                    "created_at" => serde_json::Value::from(last.created_at.clone()),
                    "updated_at" => serde_json::Value::from(last.updated_at.clone()),
                    _ => serde_json::Value::from(last.confidence),
                };
                (value, last.id)
            }),
            offset: sort.keyset().is_none().then_some(offset + request.limit as u64),
        })
    } else {
        None
    };
    Ok(Page { items, next, total })
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
    fn search_words_cannot_become_operators() {
        let q = fts_query(&["cost".into(), "OR".into(), "a\"b".into()]);
        assert_eq!(q, "\"cost\"* \"OR\" \"a\"\"b\"*");
    }
}
