//! Near-duplicate claims. Candidates come from the search index: an OR over the claim's rarest words
//! (counted in the index, up to a cap), best BM25 rank first; each candidate is then scored by
//! word overlap (`domain::similarity`) and kept when it reaches the threshold.

use std::collections::HashSet;
use std::sync::Mutex;

use rusqlite::Connection;

use super::Result;
use crate::domain::relevance;
use crate::domain::similarity::{self, THRESHOLD};
use crate::domain::workflow::Status;

/// Words of the claim searched for, the rarest first.
const SEARCHED_WORDS: usize = 6;
/// A word in more claims than this is too common to find near-duplicates by.
const COMMON: i64 = 200;
/// Candidates scored.
const CANDIDATES: i64 = 30;
/// Similar claims returned.
pub const SHOWN: usize = 10;

/// Words found in more than `COMMON` claims. Claims are never deleted, so a common word stays common
/// and is never counted again: counting, even capped, is most of a lookup's cost.
#[derive(Debug, Default)]
pub struct CommonWords(Mutex<HashSet<String>>);

/// Words remembered at most, so odd input cannot grow the set without bound.
const REMEMBERED: usize = 200_000;

impl CommonWords {
    fn contains(&self, word: &str) -> bool {
        self.0.lock().is_ok_and(|words| words.contains(word))
    }

    fn add(&self, word: String) {
        if let Ok(mut words) = self.0.lock() {
            if words.len() < REMEMBERED {
                words.insert(word);
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Similar {
    pub id: i64,
    pub text: String,
    pub status: Status,
    pub score: f64,
}

/// Claims whose text is similar to `text`, best first; `except` leaves the claim itself out, and
/// `published_only` everything not published.
pub fn similar(
    conn: &Connection,
    text: &str,
    except: Option<i64>,
    published_only: bool,
    common: &CommonWords,
) -> Result<Vec<Similar>> {
    let mut words: Vec<String> =
        relevance::words(text).filter(|w| w.chars().count() > 1 && !similarity::is_function_word(w)).collect();
    words.sort();
    words.dedup();
    let mut counted = Vec::with_capacity(words.len());
    // Counting stops past COMMON: the index's own vocabulary would count a common word's whole doclist.
    let mut count =
        conn.prepare_cached("SELECT count(*) FROM (SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?1 LIMIT ?2)")?;
    for word in words.into_iter().filter(|w| !common.contains(w)) {
        let docs: i64 = count.query_row(rusqlite::params![format!("text : \"{word}\""), COMMON + 1], |r| r.get(0))?;
        if docs > COMMON {
            common.add(word);
        } else if docs > 0 {
            counted.push((docs, word));
        }
    }
    if counted.is_empty() {
        return Ok(Vec::new());
    }
    counted.sort();
    let query = counted.iter().take(SEARCHED_WORDS).map(|(_, w)| format!("\"{w}\"")).collect::<Vec<_>>().join(" OR ");
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.text, c.status FROM claims_fts f JOIN claims c ON c.id = f.rowid
         WHERE claims_fts MATCH ?1 ORDER BY f.rank LIMIT ?2",
    )?;
    let mine = similarity::terms(text);
    let rows = stmt.query_map(rusqlite::params![format!("text : ({query})"), CANDIDATES], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
    })?;
    let mut found = Vec::new();
    for row in rows {
        let (id, text, status) = row?;
        let Some(status) = Status::parse(&status) else { continue };
        if Some(id) == except || (published_only && status != Status::Published) {
            continue;
        }
        let score = similarity::score(&mine, &similarity::terms(&text));
        if score >= THRESHOLD {
            found.push(Similar { id, text, status, score });
        }
    }
    found.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.id.cmp(&a.id)));
    found.truncate(SHOWN);
    Ok(found)
}
