//! What reviewers work from: the queue of claims waiting for action, and the newsroom's figures.

use rusqlite::Connection;
use rusqlite::types::Value;

use super::Result;
use super::claims::{COLUMNS, ClaimRow, from_row};
use crate::domain::workflow::Status;

#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub assignee: Option<String>,
    /// Only claims nobody is assigned to.
    pub unassigned: bool,
    pub tag: Option<String>,
    /// `submitted` or `in_review`; both when absent.
    pub status: Option<Status>,
    /// The queue is oldest first: claims after this `(created_at, id)`.
    pub after: Option<(String, i64)>,
}

/// Claims waiting for action, oldest first; `limit + 1` of them.
pub fn queue(conn: &Connection, filter: &QueueFilter, limit: usize) -> Result<Vec<ClaimRow>> {
    let mut conditions = vec!["c.status IN ('submitted', 'in_review')".to_owned()];
    let mut values: Vec<Value> = Vec::new();
    if let Some(status) = filter.status {
        conditions.push("c.status = ?".into());
        values.push(status.as_str().to_owned().into());
    }
    if let Some(assignee) = &filter.assignee {
        conditions.push("c.assignee = ?".into());
        values.push(assignee.clone().into());
    }
    if filter.unassigned {
        conditions.push("c.assignee IS NULL".into());
    }
    if let Some(tag) = &filter.tag {
        conditions.push("EXISTS (SELECT 1 FROM claim_tags t WHERE t.tag = ? AND t.claim_id = c.id)".into());
        values.push(tag.clone().into());
    }
    if let Some((created, id)) = &filter.after {
        conditions.push("(c.created_at, c.id) > (?, ?)".into());
        values.push(created.clone().into());
        values.push((*id).into());
    }
    let query = format!(
        "SELECT {COLUMNS} FROM claims c WHERE {} ORDER BY c.created_at, c.id LIMIT {}",
        conditions.join(" AND "),
        limit + 1
    );
    let mut stmt = conn.prepare_cached(&query)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(values), from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[derive(Debug, Clone)]
pub struct Count {
    pub key: Option<String>,
    pub count: i64,
}

#[derive(Debug, Clone)]
pub struct Day {
    pub day: String,
    pub created: i64,
    pub verified: i64,
}

#[derive(Debug, Clone)]
pub struct Stats {
    pub claims: i64,
    pub by_status: Vec<Count>,
    pub by_verdict: Vec<Count>,
    /// The last `days` days, oldest first, including days with nothing.
    pub per_day: Vec<Day>,
    /// Median time from submission to first verification, over claims verified so far.
    pub median_hours_to_verified: Option<f64>,
    pub evidence_by_stance: Vec<Count>,
    pub evidence_retracted: i64,
    /// Claims per assignee (`None`: unassigned), most first.
    pub by_assignee: Vec<Count>,
    /// Links of live evidence by the state of their last check.
    pub links_by_state: Vec<Count>,
}

fn counts(conn: &Connection, query: &str) -> Result<Vec<Count>> {
    let mut stmt = conn.prepare_cached(query)?;
    let rows = stmt.query_map([], |r| Ok(Count { key: r.get(0)?, count: r.get(1)? }))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn stats(conn: &Connection, days: u32, today: chrono::NaiveDate) -> Result<Stats> {
    let claims: i64 = conn.query_row("SELECT count(*) FROM claims", [], |r| r.get(0))?;
    let by_status = counts(conn, "SELECT status, count(*) FROM claims GROUP BY status ORDER BY status")?;
    let by_verdict = counts(
        conn,
        "SELECT verdict, count(*) FROM claims WHERE verdict IS NOT NULL GROUP BY verdict ORDER BY verdict",
    )?;
    let evidence_by_stance = counts(
        conn,
        "SELECT stance, count(*) FROM evidence WHERE retracted_at IS NULL GROUP BY stance ORDER BY stance",
    )?;
    let evidence_retracted: i64 =
        conn.query_row("SELECT count(*) FROM evidence WHERE retracted_at IS NOT NULL", [], |r| r.get(0))?;

    let by_assignee =
        counts(conn, "SELECT assignee, count(*) FROM claims GROUP BY assignee ORDER BY count(*) DESC, assignee")?;
    let links_by_state = counts(
        conn,
        "SELECT l.state, count(*) FROM link_checks l JOIN evidence e ON e.id = l.evidence_id
         WHERE e.retracted_at IS NULL GROUP BY l.state ORDER BY l.state",
    )?;

    let first = today - chrono::Days::new(u64::from(days.saturating_sub(1)));
    let since = first.format("%Y-%m-%d").to_string();
    let per_day_of = |query: &str| -> Result<std::collections::HashMap<String, i64>> {
        let mut stmt = conn.prepare_cached(query)?;
        let rows = stmt.query_map([&since], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    let created =
        per_day_of("SELECT substr(created_at, 1, 10) d, count(*) FROM claims WHERE created_at >= ?1 GROUP BY d")?;
    let verified = per_day_of(
        "SELECT substr(at, 1, 10) d, count(*) FROM history
         WHERE action = 'claim.transitioned' AND at >= ?1 AND json_extract(to_value, '$.status') = 'verified' GROUP BY d",
    )?;
    let per_day = first
        .iter_days()
        .take(days as usize)
        .map(|d| {
            let day = d.format("%Y-%m-%d").to_string();
            Day {
                created: created.get(&day).copied().unwrap_or(0),
                verified: verified.get(&day).copied().unwrap_or(0),
                day,
            }
        })
        .collect();

    let mut stmt = conn.prepare_cached(
        "SELECT (julianday(min(h.at)) - julianday(c.created_at)) * 24 FROM claims c JOIN history h ON h.claim_id = c.id
         WHERE h.action = 'claim.transitioned' AND json_extract(h.to_value, '$.status') = 'verified' GROUP BY c.id",
    )?;
    let mut hours: Vec<f64> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    hours.sort_by(f64::total_cmp);
    let median_hours_to_verified = match hours.len() {
        0 => None,
        n if n % 2 == 1 => Some(hours[n / 2]),
        n => Some((hours[n / 2 - 1] + hours[n / 2]) / 2.0),
    };
    Ok(Stats {
        claims,
        by_assignee,
        links_by_state,
        by_status,
        by_verdict,
        per_day,
        median_hours_to_verified,
        evidence_by_stance,
        evidence_retracted,
    })
}
