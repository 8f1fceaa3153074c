//! Evidence links: the queue of checks that are due, what each check found, and the archived
//! snapshots. A check's result is recorded in one write: the link's state, any new snapshot, the
//! quote check, and (when the state or the quote changed) a history entry and the claim's rescoring.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::json;

use super::history::{self, Entry};
use super::{Actor, Error, Result, claims};
use crate::domain::linkcheck::{self, LinkState, Observation, Schedule};
use crate::domain::quote::{self, QuoteMatch};

/// A link whose check is due, with what the fetcher needs to compare against.
#[derive(Debug, Clone)]
pub struct Job {
    pub evidence_id: i64,
    pub url: String,
    pub excerpt: Option<String>,
    pub cited: Option<Cited>,
}

/// The snapshot taken when the item was cited.
#[derive(Debug, Clone)]
pub struct Cited {
    pub id: i64,
    pub sha256: String,
}

/// A fetched page, ready to be archived.
#[derive(Debug, Clone)]
pub struct NewSnapshot {
    pub url: String,
    pub redirects: Vec<String>,
    pub status: u16,
    pub content_type: Option<String>,
    pub size: usize,
    pub truncated: bool,
    pub sha256: String,
    pub title: Option<String>,
    pub published: Option<String>,
    pub text: Option<String>,
    /// The bytes read, gzipped; `None` for content types that are not archived.
    pub body: Option<Vec<u8>>,
}

/// What one check found.
#[derive(Debug, Clone)]
pub enum Outcome {
    Page {
        snapshot: Box<NewSnapshot>,
        /// The excerpt against this page; `None` without an excerpt or without text.
        quote: Option<QuoteMatch>,
        /// The excerpt against the cited snapshot, when this page is not the cited one.
        quote_in_cited: Option<bool>,
    },
    Missing(String),
    Refused(String),
    Failed(String),
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Page { .. } => "page",
            Outcome::Missing(_) => "missing",
            Outcome::Refused(_) => "refused",
            Outcome::Failed(_) => "failed",
        }
    }
}

/// A snapshot's description, without its text and bytes.
#[derive(Debug, Clone)]
pub struct SnapshotMeta {
    pub id: i64,
    pub fetched_at: String,
    pub final_url: String,
    pub redirects: Vec<String>,
    pub status: u16,
    pub content_type: Option<String>,
    pub size: i64,
    pub truncated: bool,
    pub sha256: String,
    pub title: Option<String>,
    pub published: Option<String>,
    /// The original bytes are kept (text, HTML, JSON and PDF are; other types are not).
    pub archived: bool,
}

/// Where an evidence link stands, as shown on the evidence item.
#[derive(Debug, Clone)]
pub struct Fetch {
    pub state: LinkState,
    pub reason: Option<String>,
    pub since: String,
    /// The page when the item was cited: kept for good.
    pub cited: Option<SnapshotMeta>,
    /// The page as it is now, when it differs from the cited one.
    pub current: Option<SnapshotMeta>,
}

/// Whether the page holds the item's excerpt.
#[derive(Debug, Clone)]
pub struct Quote {
    /// On the page as last fetched.
    pub found: bool,
    pub context: Option<String>,
    /// On the page as it was when the item was cited.
    pub found_when_cited: bool,
}

/// The link columns read with each evidence row (see `store::evidence`).
pub const LINK_COLUMNS: &str = "l.state, l.reason, l.since, l.cited, l.latest, l.quote_found, l.quote_context,
    l.quote_in_cited";
pub const LINK_JOIN: &str = "LEFT JOIN link_checks l ON l.evidence_id = e.id";

/// The link columns of an evidence row.
pub struct LinkColumns {
    pub fetch: Option<Fetch>,
    pub quote: Option<Quote>,
    /// The cited and latest snapshot ids, for `describe`.
    pub snapshots: [Option<i64>; 2],
}

/// The link's state and quote from the row, starting at column `at`; the snapshots are filled in by
/// `describe`.
pub fn from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<LinkColumns> {
    let state: Option<String> = r.get(at)?;
    let Some(state) = state.as_deref().and_then(LinkState::parse) else {
        return Ok(LinkColumns { fetch: None, quote: None, snapshots: [None, None] });
    };
    let fetch = Fetch { state, reason: r.get(at + 1)?, since: r.get(at + 2)?, cited: None, current: None };
    let found: Option<bool> = r.get(at + 5)?;
    let quote = found.map(|found| -> rusqlite::Result<Quote> {
        let in_cited: Option<bool> = r.get(at + 7)?;
        Ok(Quote { found, context: r.get(at + 6)?, found_when_cited: in_cited.unwrap_or(found) })
    });
    Ok(LinkColumns { fetch: Some(fetch), quote: quote.transpose()?, snapshots: [r.get(at + 3)?, r.get(at + 4)?] })
}

/// Fills in the snapshots a link row points at.
pub fn describe(conn: &Connection, fetch: &mut Fetch, [cited, latest]: [Option<i64>; 2]) -> Result<()> {
    fetch.cited = cited.map(|id| snapshot_meta(conn, id)).transpose()?;
    fetch.current = latest.map(|id| snapshot_meta(conn, id)).transpose()?;
    Ok(())
}

fn snapshot_meta(conn: &Connection, id: i64) -> Result<SnapshotMeta> {
    conn.prepare_cached(
        "SELECT id, fetched_at, url, redirects, status, content_type, size, truncated, sha256, title, published,
                body IS NOT NULL
         FROM snapshots WHERE id = ?1",
    )?
    .query_row([id], meta_from_row)
    .map_err(Error::from)
}

fn meta_from_row(r: &Row<'_>) -> rusqlite::Result<SnapshotMeta> {
    let redirects: String = r.get(3)?;
    Ok(SnapshotMeta {
        id: r.get(0)?,
        fetched_at: r.get(1)?,
        final_url: r.get(2)?,
        redirects: serde_json::from_str(&redirects).unwrap_or_default(),
        status: r.get(4)?,
        content_type: r.get(5)?,
        size: r.get(6)?,
        truncated: r.get(7)?,
        sha256: r.get(8)?,
        title: r.get(9)?,
        published: r.get(10)?,
        archived: r.get(11)?,
    })
}

/// Puts a newly attached item's link in the queue, due at once.
pub fn schedule(conn: &Connection, evidence_id: i64, at: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO link_checks (evidence_id, since, due_at) VALUES (?1, ?2, ?2)")?
        .execute(params![evidence_id, at])?;
    Ok(())
}

/// Makes the link due now (a reviewer asked for a check); returns false for an item without one.
pub fn check_now(conn: &Connection, evidence_id: i64, at: &str) -> Result<bool> {
    let changed = conn
        .prepare_cached("UPDATE link_checks SET due_at = ?2 WHERE evidence_id = ?1")?
        .execute(params![evidence_id, at])?;
    Ok(changed > 0)
}

/// A retracted item's link is no longer checked (its state and snapshots stay).
pub fn unschedule(conn: &Connection, evidence_id: i64) -> Result<()> {
    conn.prepare_cached("UPDATE link_checks SET due_at = '9999-12-31' WHERE evidence_id = ?1")?
        .execute([evidence_id])?;
    Ok(())
}

/// Links due by `at`, longest overdue first.
pub fn due(conn: &Connection, at: &str, limit: usize) -> Result<Vec<Job>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.evidence_id, e.url, e.excerpt, l.cited, s.sha256
         FROM link_checks l JOIN evidence e ON e.id = l.evidence_id LEFT JOIN snapshots s ON s.id = l.cited
         WHERE l.due_at <= ?1 AND e.retracted_at IS NULL
         ORDER BY l.due_at LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![at, limit as i64], |r| {
        let cited: Option<i64> = r.get(3)?;
        let sha256: Option<String> = r.get(4)?;
        Ok(Job {
            evidence_id: r.get(0)?,
            url: r.get(1)?,
            excerpt: r.get(2)?,
            cited: cited.zip(sha256).map(|(id, sha256)| Cited { id, sha256 }),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// When the next check falls due, if any is scheduled.
pub fn next_due(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT min(due_at) FROM link_checks WHERE due_at < '9999'")?
        .query_row([], |r| r.get(0))
        .optional()?
        .flatten())
}

/// The readable text of a snapshot.
pub fn snapshot_text(conn: &Connection, id: i64) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT text FROM snapshots WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .flatten())
}

/// Which of an item's snapshots to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Cited,
    Current,
}

impl Which {
    pub fn parse(s: &str) -> Option<Which> {
        match s {
            "cited" => Some(Which::Cited),
            "current" => Some(Which::Current),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Which::Cited => "cited",
            Which::Current => "current",
        }
    }
}

/// A snapshot with its text and, if asked for, its (gzipped) bytes.
pub struct Snapshot {
    pub meta: SnapshotMeta,
    pub text: Option<String>,
    pub body: Option<Vec<u8>>,
}

/// The cited snapshot, or the current one (which is the cited one when the page has not changed).
pub fn snapshot(conn: &Connection, evidence_id: i64, which: Which, with_body: bool) -> Result<Option<Snapshot>> {
    let ids: Option<(Option<i64>, Option<i64>)> = conn
        .prepare_cached("SELECT cited, latest FROM link_checks WHERE evidence_id = ?1")?
        .query_row([evidence_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((cited, latest)) = ids else { return Ok(None) };
    let id = match which {
        Which::Cited => cited,
        Which::Current => latest.or(cited),
    };
    let Some(id) = id else { return Ok(None) };
    let meta = snapshot_meta(conn, id)?;
    let (text, body) = conn
        .prepare_cached("SELECT text, CASE WHEN ?2 THEN body END FROM snapshots WHERE id = ?1")?
        .query_row(params![id, with_body], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(Some(Snapshot { meta, text, body }))
}

/// The check bookkeeping that is not part of the item's representation.
#[derive(Debug, Clone)]
pub struct Checks {
    pub checks: i64,
    pub failures: i64,
    pub checked_at: Option<String>,
    pub due_at: Option<String>,
}

pub fn bookkeeping(conn: &Connection, evidence_id: i64) -> Result<Option<Checks>> {
    Ok(conn
        .prepare_cached("SELECT checks, failures, checked_at, due_at FROM link_checks WHERE evidence_id = ?1")?
        .query_row([evidence_id], |r| {
            let due: String = r.get(3)?;
            Ok(Checks {
                checks: r.get(0)?,
                failures: r.get(1)?,
                checked_at: r.get(2)?,
                due_at: (!due.starts_with("9999")).then_some(due),
            })
        })
        .optional()?)
}

/// The link's row as `record` needs it.
struct Current {
    claim_id: i64,
    state: LinkState,
    reason: Option<String>,
    failures: u32,
    cited: Option<(i64, String)>,
    latest: Option<(i64, String)>,
    quote: (Option<bool>, Option<String>, Option<bool>),
}

fn current(conn: &Connection, evidence_id: i64) -> Result<Option<Current>> {
    conn.prepare_cached(
        "SELECT e.claim_id, l.state, l.reason, l.failures, l.cited, c.sha256, l.latest, n.sha256,
                l.quote_found, l.quote_context, l.quote_in_cited
         FROM link_checks l JOIN evidence e ON e.id = l.evidence_id
         LEFT JOIN snapshots c ON c.id = l.cited LEFT JOIN snapshots n ON n.id = l.latest
         WHERE l.evidence_id = ?1 AND e.retracted_at IS NULL",
    )?
    .query_row([evidence_id], |r| {
        let state: String = r.get(1)?;
        let pair = |id: Option<i64>, sha: Option<String>| id.zip(sha);
        Ok(Current {
            claim_id: r.get(0)?,
            state: LinkState::parse(&state).unwrap_or(LinkState::Pending),
            reason: r.get(2)?,
            failures: r.get(3)?,
            cited: pair(r.get(4)?, r.get(5)?),
            latest: pair(r.get(6)?, r.get(7)?),
            quote: (r.get(8)?, r.get(9)?, r.get(10)?),
        })
    })
    .optional()
    .map_err(Error::from)
}

/// Records what a check found. Returns the new state when it changed, `None` otherwise (or when the
/// item was retracted while it was being fetched).
pub fn record(
    conn: &Connection,
    evidence_id: i64,
    outcome: &Outcome,
    schedule: Schedule,
    jitter: f64,
    at: &str,
) -> Result<Option<LinkState>> {
    let Some(now) = current(conn, evidence_id)? else { return Ok(None) };
    let seen = match outcome {
        Outcome::Page { snapshot, .. } => match &now.cited {
            Some((_, sha)) if *sha != snapshot.sha256 => Observation::Different,
            _ => Observation::Same,
        },
        Outcome::Missing(_) => Observation::Missing,
        Outcome::Refused(_) => Observation::Refused,
        Outcome::Failed(_) => Observation::Error,
    };
    let (state, failures) = linkcheck::next(now.state, now.failures, seen);
    let (mut cited, mut latest, mut quote) =
        (now.cited.as_ref().map(|c| c.0), now.latest.as_ref().map(|l| l.0), now.quote.clone());
    let reason = match outcome {
        Outcome::Page { snapshot, quote: found, quote_in_cited } => {
            match (&now.cited, seen) {
                (None, _) => cited = Some(insert_snapshot(conn, evidence_id, snapshot, at)?),
                (Some(_), Observation::Same) => latest = drop_latest(conn, evidence_id, latest)?,
                _ if now.latest.as_ref().is_some_and(|(_, sha)| *sha == snapshot.sha256) => {}
                _ => {
                    drop_latest(conn, evidence_id, latest)?;
                    latest = Some(insert_snapshot(conn, evidence_id, snapshot, at)?);
                }
            }
            let (found, context) = found.as_ref().map_or((None, None), |q| (Some(q.found), q.context.clone()));
            let in_cited = if now.cited.is_none() || seen == Observation::Same { found } else { *quote_in_cited };
            quote = (found, context, in_cited);
            None
        }
        Outcome::Missing(why) if state != LinkState::Gone => Some(format!(
            "{why} ({failures} of {} misses in a row before the link counts as gone)",
            linkcheck::GONE_AFTER
        )),
        Outcome::Missing(why) | Outcome::Refused(why) | Outcome::Failed(why) => Some(why.clone()),
    };
    let due = super::after(at, linkcheck::delay(state, failures, schedule, jitter));
    let state_changed = state != now.state;
    conn.prepare_cached(
        "UPDATE link_checks SET state = ?2, reason = ?3, since = CASE WHEN ?4 THEN ?5 ELSE since END, failures = ?6,
             checks = checks + 1, checked_at = ?5, due_at = ?7, cited = ?8, latest = ?9, quote_found = ?10,
             quote_context = ?11, quote_in_cited = ?12
         WHERE evidence_id = ?1",
    )?
    .execute(params![
        evidence_id,
        state.as_str(),
        reason,
        state_changed,
        at,
        failures,
        due,
        cited,
        latest,
        quote.0,
        quote.1,
        quote.2,
    ])?;

    let quote_changed = (quote.0, quote.2) != (now.quote.0, now.quote.2);
    let shown_changed = state_changed
        || quote_changed
        || reason != now.reason
        || cited != now.cited.map(|c| c.0)
        || latest != now.latest.map(|l| l.0);
    if !shown_changed {
        return Ok(None);
    }
    conn.prepare_cached("UPDATE evidence SET version = version + 1 WHERE id = ?1")?.execute([evidence_id])?;
    let actor = Actor::system("link-check");
    if state_changed || quote_changed {
        let entry = Entry {
            claim_id: now.claim_id,
            evidence_id: Some(evidence_id),
            action: "evidence.checked",
            from: Some(json!({"state": now.state, "quote_found": now.quote.0})),
            to: Some(
                json!({"state": state, "reason": reason, "quote_found": quote.0, "quote_found_when_cited": quote.2}),
            ),
            note: None,
        };
        history::record(conn, entry, &actor, at)?;
    }
    claims::evidence_changed(conn, now.claim_id, &actor, at)?;
    Ok(state_changed.then_some(state))
}

fn insert_snapshot(conn: &Connection, evidence_id: i64, s: &NewSnapshot, at: &str) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO snapshots (evidence_id, fetched_at, url, redirects, status, content_type, size, truncated, sha256,
                                title, published, text, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        evidence_id,
        at,
        s.url,
        serde_json::to_string(&s.redirects)?,
        s.status,
        s.content_type,
        s.size as i64,
        s.truncated,
        s.sha256,
        s.title,
        s.published,
        s.text,
        s.body,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Deletes the latest snapshot (never the cited one, which `latest` never points at), unlinking it
/// first: the link row refers to it.
fn drop_latest(conn: &Connection, evidence_id: i64, latest: Option<i64>) -> Result<Option<i64>> {
    if let Some(id) = latest {
        conn.prepare_cached("UPDATE link_checks SET latest = NULL WHERE evidence_id = ?1")?.execute([evidence_id])?;
        conn.prepare_cached("DELETE FROM snapshots WHERE id = ?1")?.execute([id])?;
    }
    Ok(None)
}

/// The excerpt changed: checks it again against the archived texts, in the same write.
pub fn requote(conn: &Connection, evidence_id: i64, excerpt: Option<&str>) -> Result<()> {
    let ids: Option<(Option<i64>, Option<i64>)> = conn
        .prepare_cached("SELECT cited, latest FROM link_checks WHERE evidence_id = ?1")?
        .query_row([evidence_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((Some(cited), latest)) = ids else { return Ok(()) };
    let check = |id: i64| -> Result<Option<QuoteMatch>> {
        Ok(match (excerpt, snapshot_text(conn, id)?) {
            (Some(excerpt), Some(text)) => quote::find(excerpt, &text),
            _ => None,
        })
    };
    let in_cited = check(cited)?;
    let now = match latest {
        Some(latest) => check(latest)?,
        None => in_cited.clone(),
    };
    conn.prepare_cached(
        "UPDATE link_checks SET quote_found = ?2, quote_context = ?3, quote_in_cited = ?4 WHERE evidence_id = ?1",
    )?
    .execute(params![
        evidence_id,
        now.as_ref().map(|q| q.found),
        now.and_then(|q| q.context),
        in_cited.map(|q| q.found),
    ])?;
    Ok(())
}

/// Evidence items whose links are in one of `states`, oldest first, after the id `after`.
pub fn in_states(conn: &Connection, states: &[LinkState], after: i64, limit: usize) -> Result<Vec<i64>> {
    let names: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
    let mut stmt = conn.prepare_cached(
        "SELECT l.evidence_id FROM link_checks l JOIN evidence e ON e.id = l.evidence_id
         WHERE l.state IN (SELECT value FROM json_each(?1)) AND l.evidence_id > ?2 AND e.retracted_at IS NULL
         ORDER BY l.evidence_id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![serde_json::to_string(&names)?, after, limit as i64], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
