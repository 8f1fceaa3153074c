//! The one matching engine behind everything that asks "have we seen this claim?": `POST /v1/match`,
//! the similar claims of a new claim and of a stored one, and the matches of an article's candidates;
//! its index also answers searches (`service::search`).
//! The index (`domain::matching::index`) is an in-memory copy of the database: built from it on first
//! use (or at start, `prepare_matching`), then caught up before each lookup with the claims the writer
//! reports changed. The writer only records ids; reading and indexing them happens on the read pool,
//! so lookups never hold the writer. The index holds no text: the few candidates a lookup ranks are
//! read from the database, which also makes what a match shows as fresh as the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use rusqlite::Connection;

use super::{Result, Service, require};
use crate::domain::access::{Action, Actor};
use crate::domain::matching::features::Scoring;
use crate::domain::matching::index::{Doc, Filter, Footprint, Index, term_hash};
use crate::domain::matching::rank::{Analyzed, BY_SCORE, Found, POOL, Ranked, rank, widen};
use crate::domain::matching::{MatchInput, Thresholds, Tier, Vectors, text};
use crate::domain::normalize::normalize_text;
use crate::domain::workflow::Status;
use crate::embed::{self, Embedder};
use crate::store::matching::{self, MatchRow};
use crate::store::{self};

/// Similar claims shown with a claim, at most.
pub const SIMILAR_SHOWN: usize = 10;
/// Candidates the index answers per lookup, read from the database, collapsed and scored.
pub const CANDIDATES: usize = 20;
/// Claims read per statement while building the index.
const PAGE: usize = 5_000;
/// The shortest time between two catch-ups that follow the writer: each takes the changes since the
/// last in one read.
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_millis(20);
/// Candidates read kept, at most (a few kB each). Past it, those asked for least often go first,
/// and one asked for once may not be kept at all: the claims that come up again and again stay.
const READ_KEPT: u64 = 1024;

/// The index and what it has yet to catch up with.
pub struct Matcher {
    index: RwLock<Index>,
    /// Claims changed since the index last caught up (`None`: the index was never built).
    pending: Mutex<Option<Vec<i64>>>,
    /// One catch-up at a time, so none indexes an older read of a claim after a newer one. It holds
    /// the number of the last merged review read (`store::matching::merged_after`).
    catching_up: Mutex<i64>,
    /// Candidates read lately, by claim id, with their fields' digest: the same claims come up for
    /// lookup after lookup, and analyzing them is most of a lookup's work.
    lately_read: moka::sync::Cache<i64, (u32, Arc<Candidate>)>,
    pub thresholds: Thresholds,
    /// The sentence model, unless matching is lexical only. The transformer's vectors of claims are
    /// made in the background and kept, and widen the candidates; a table's are made on the spot
    /// for the candidates words found.
    model: Option<Arc<Embedder>>,
    /// Claims whose vector is yet to be made, as the last pass over them counted.
    pub(super) vectors_pending: std::sync::atomic::AtomicUsize,
    /// Query vectors made at once, at most: one per core, however many lookups come in.
    vectors_at_once: tokio::sync::Semaphore,
    /// Woken when claims change, so the index catches up soon after (`Service::matching_follower`).
    follow: tokio::sync::Notify,
}

/// A text to look up, read for matching, with its sentence vector when a model is loaded. Made before
/// a read connection is taken: the vector is milliseconds of CPU that no query has to wait for.
pub struct Lookup {
    text: String,
    analysis: text::Analysis,
    vector: Option<Vec<f32>>,
}

impl Lookup {
    /// The text as matching read it.
    pub fn analysis(&self) -> &text::Analysis {
        &self.analysis
    }
}

/// A candidate claim as ranking reads it, kept while its fields stay as they are: its analysis, and
/// its vector when a table makes it (microseconds, so it is not stored).
struct Candidate {
    analyzed: Analyzed,
    vector: Option<Vec<f32>>,
}

/// A lookup's candidates (id and BM25, best first) and the cosines known of them.
type Candidates = (Vec<(i64, f64)>, HashMap<i64, f64>);

/// A claim that matches, with why, and what it is.
#[derive(Debug, Clone)]
pub struct Match {
    pub ranked: Ranked,
    pub tier: Tier,
    pub claim: MatchRow,
}

fn poisoned<T>(_: T) -> store::Error {
    store::Error::Internal("matching index poisoned".into())
}

impl Matcher {
    pub fn new(thresholds: Thresholds, model: Option<Arc<Embedder>>) -> Matcher {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Matcher {
            index: RwLock::default(),
            pending: Mutex::default(),
            catching_up: Mutex::default(),
            lately_read: moka::sync::Cache::new(READ_KEPT),
            thresholds,
            model,
            vectors_pending: Default::default(),
            vectors_at_once: tokio::sync::Semaphore::new(cores),
            follow: tokio::sync::Notify::new(),
        }
    }

    /// Claims changed that the index has yet to read again (none before it is built).
    pub fn changes_pending(&self) -> usize {
        self.pending.lock().ok().and_then(|p| p.as_ref().map(Vec::len)).unwrap_or(0)
    }

    /// What makes the sentence vectors, when they are made and used.
    pub fn vectors(&self) -> Option<Vectors> {
        self.model.as_ref().map(|m| m.vectors())
    }

    /// The model, when it is the transformer, whose vectors take milliseconds: claims' are made in
    /// the background and kept, and a query's is made on the blocking pool.
    pub(super) fn transformer(&self) -> Option<&Arc<Embedder>> {
        self.model.as_ref().filter(|m| m.vectors() == Vectors::Transformer)
    }

    /// The model, when it is a table, whose vectors are made when a lookup reads a candidate.
    fn table(&self) -> Option<&Embedder> {
        self.model.as_deref().filter(|m| m.vectors() == Vectors::Table)
    }

    /// Told by the writer which claims a commit group changed.
    pub fn changed(&self, ids: &[i64]) {
        if let Ok(mut pending) = self.pending.lock() {
            if let Some(pending) = pending.as_mut() {
                pending.extend_from_slice(ids);
                self.follow.notify_one();
            }
        }
    }

    /// Brings the index up to date with the database; builds it the first time, and again once
    /// replaced claims hold a fifth of its slots.
    pub fn catch_up(&self, conn: &Connection) -> store::Result<()> {
        let mut merged_seen = self.catching_up.lock().map_err(poisoned)?;
        let taken = self.pending.lock().map_err(poisoned)?.as_mut().map(std::mem::take);
        let stale = {
            let index = self.index.read().map_err(poisoned)?;
            index.dead() > 10_000 && index.dead() > index.len() / 4
        };
        match taken {
            Some(ids) if !stale => {
                self.apply(conn, ids)?;
                // Claims written by another process on the same database (`claimcheck import`
                // beside the server) are not reported by this one's writer: new ids are read here,
                // and the claims it merged reviews into.
                let mut last = self.index.read().map_err(poisoned)?.max_id();
                loop {
                    let page = matching::after(conn, last, PAGE)?;
                    let Some(end) = page.last().map(|e| e.id) else { break };
                    self.upsert_all(&page)?;
                    last = end;
                }
                loop {
                    let page = matching::merged_after(conn, *merged_seen, PAGE)?;
                    let Some(&(end, _)) = page.last() else { return Ok(()) };
                    self.apply(conn, page.into_iter().map(|(_, claim)| claim).collect())?;
                    *merged_seen = end;
                }
            }
            _ => {
                // Changes from now on are recorded; those made while building are read again after.
                *self.pending.lock().map_err(poisoned)? = Some(Vec::new());
                *merged_seen = matching::last_merged(conn)?;
                let mut index = Index::default();
                let mut last = 0;
                loop {
                    let page = matching::after(conn, last, PAGE)?;
                    let Some(end) = page.last().map(|e| e.id) else { break };
                    for (row, terms) in page.iter().zip(terms_on_every_core(&page)) {
                        upsert(&mut index, row, row.fields.digest(), &terms);
                    }
                    last = end;
                }
                *self.index.write().map_err(poisoned)? = index;
                let ids = self.pending.lock().map_err(poisoned)?.as_mut().map(std::mem::take).unwrap_or_default();
                self.apply(conn, ids)
            }
        }
    }

    fn apply(&self, conn: &Connection, mut ids: Vec<i64>) -> store::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        ids.sort_unstable();
        ids.dedup();
        let rows = matching::by_ids(conn, &ids)?;
        let gone: Vec<i64> = ids.into_iter().filter(|id| !rows.iter().any(|r| r.id == *id)).collect();
        if !gone.is_empty() {
            let mut index = self.index.write().map_err(poisoned)?;
            gone.into_iter().for_each(|id| index.remove(id)); // claims whose insert was rolled back
        }
        self.upsert_all(&rows)
    }

    /// Indexes `rows` as they now read. Only those whose fields changed are analyzed (most changes are
    /// of status, verdict or evidence), and before the index is locked for writing.
    fn upsert_all(&self, rows: &[MatchRow]) -> store::Result<()> {
        let read: Vec<(u32, Option<Vec<String>>)> = {
            let index = self.index.read().map_err(poisoned)?;
            let read = |row: &MatchRow| {
                let digest = row.fields.digest();
                (digest, (index.digest(row.id) != Some(digest)).then(|| row.fields.analyze().terms))
            };
            rows.iter().map(read).collect()
        };
        let mut index = self.index.write().map_err(poisoned)?;
        for (row, (digest, terms)) in rows.iter().zip(&read) {
            // An unchanged digest keeps the postings: the terms are not read.
            upsert(&mut index, row, *digest, terms.as_deref().unwrap_or_default());
        }
        Ok(())
    }

    /// Reads `text` for a lookup. Takes milliseconds with a model: see `Service::lookups`.
    fn lookup(&self, text: String, language: Option<&str>) -> store::Result<Lookup> {
        let analysis = text::analyze(&text, language);
        let vector = match &self.model {
            Some(model) => {
                Some(model.query_vector(&text).map_err(|e| store::Error::Internal(format!("sentence vector: {e}")))?)
            }
            None => None,
        };
        Ok(Lookup { text, analysis, vector })
    }

    /// Catches up, then finds what the lookup's text matches among the claims `filter` allows, best
    /// first, at most `limit`, down to the `related` tier.
    pub fn find(&self, conn: &Connection, lookup: &Lookup, limit: usize, filter: Filter) -> store::Result<Vec<Match>> {
        self.catch_up(conn)?;
        let text = &lookup.text;
        // Read against the index as it now stands: a word no claim holds may be two that claims do.
        let split = self.read(|index| lookup.analysis.split_unknown(|t| index.df(term_hash(t))))?;
        let query = split.as_ref().unwrap_or(&lookup.analysis);
        let (top, cosine) = self.candidates(conn, lookup.vector.as_deref(), &query.terms, &filter)?;
        let ids: Vec<i64> = top.iter().map(|&(id, _)| id).collect();
        let mut rows = matching::by_ids(conn, &ids)?;
        // A claim changed since the index answered is ranked as it now reads; one gone is left out.
        rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
        let own = filter.except_own_text.then(|| normalize_text(text));
        let candidates: Vec<(i64, f64, Arc<Candidate>)> = rows
            .iter()
            .filter(|r| !filter.published_only || r.status == Status::Published)
            .filter_map(|r| Some((r.id, top.iter().find(|t| t.0 == r.id)?.1, self.candidate(r))))
            .filter(|(_, _, c)| own.as_deref().is_none_or(|own| c.analyzed.normalized() != own))
            .collect();
        let made_here = |c: &Candidate| Some(embed::cosine(lookup.vector.as_deref()?, c.vector.as_deref()?));
        let found: Vec<Found> = candidates
            .iter()
            .map(|(id, bm25, c)| Found {
                id: *id,
                bm25: *bm25,
                analyzed: &c.analyzed,
                cosine: cosine.get(id).copied().or_else(|| made_here(c)),
            })
            .collect();
        let ranked = {
            let index = self.index.read().map_err(poisoned)?;
            let idf = |t: u64| index.idf(t);
            rank(query, &found, &idf, Scoring::builtin(self.vectors()), BY_SCORE)
        };
        Ok(ranked
            .into_iter()
            .filter_map(|ranked| {
                let tier = self.thresholds.tier(&ranked)?;
                let claim = rows.iter().find(|r| r.id == ranked.id)?.clone();
                Some(Match { ranked, tier, claim })
            })
            .take(limit)
            .collect())
    }

    /// The index's best candidates for `terms`, best BM25 first. With the transformer and the text's
    /// vector, widened by those closest in meaning among more of them, with each one's cosine (of the
    /// vectors kept for its fields as indexed: a claim edited since its vector was made goes without).
    /// A table's vectors are not kept: reading 200 of them would cost a lookup more than making the
    /// candidates' own.
    fn candidates(
        &self,
        conn: &Connection,
        vector: Option<&[f32]>,
        terms: &[String],
        filter: &Filter,
    ) -> store::Result<Candidates> {
        let (Some(model), Some(query)) = (self.transformer(), vector) else {
            return Ok((self.index.read().map_err(poisoned)?.top(terms, CANDIDATES, filter), HashMap::new()));
        };
        let (pool, current) = {
            let index = self.index.read().map_err(poisoned)?;
            let pool = index.top(terms, POOL, filter);
            let current: HashMap<i64, u32> = pool.iter().filter_map(|&(id, _)| Some((id, index.digest(id)?))).collect();
            (pool, current)
        };
        if pool.is_empty() {
            return Ok((pool, HashMap::new()));
        }
        let ids: Vec<i64> = pool.iter().map(|&(id, _)| id).collect();
        let stored = crate::store::vectors::vectors(conn, &ids, &model.name)?;
        let cosine: HashMap<i64, f64> = stored
            .into_iter()
            .filter(|(id, (digest, _))| current.get(id) == Some(digest))
            .filter_map(|(id, (_, bytes))| Some((id, embed::cosine(query, &embed::from_bytes(&bytes)?))))
            .collect();
        Ok((widen(&pool, &|id| cosine.get(&id).copied(), CANDIDATES), cosine))
    }

    /// The candidate as ranking reads it, kept while its fields stay as they are.
    fn candidate(&self, row: &MatchRow) -> Arc<Candidate> {
        let digest = row.fields.digest();
        if let Some((_, known)) = self.lately_read.get(&row.id).filter(|k| k.0 == digest) {
            return known;
        }
        // Without a vector the candidate is still ranked, by its words.
        let vector = self.table().and_then(|table| table.vector(&row.fields.sentence()).ok());
        let known = Arc::new(Candidate { analyzed: Analyzed::of(&row.fields), vector });
        self.lately_read.insert(row.id, (digest, known.clone()));
        known
    }

    /// `f` of the index as it stands (call `catch_up` first); the index is read-locked for `f` only.
    pub fn read<R>(&self, f: impl FnOnce(&Index) -> R) -> store::Result<R> {
        let index = self.index.read().map_err(poisoned)?;
        Ok(f(&index))
    }

    /// The memory the index holds, roughly.
    pub fn footprint(&self) -> Footprint {
        self.index.read().map(|i| i.footprint()).unwrap_or_default()
    }
}

/// Each row's terms, in order, read on every core: reading them is most of the index's first build,
/// which lookups and searches wait for after a start.
fn terms_on_every_core(rows: &[MatchRow]) -> Vec<Vec<String>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let share = rows.len().div_ceil(cores).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = rows
            .chunks(share)
            .map(|part| scope.spawn(move || part.iter().map(|r| r.fields.analyze().terms).collect::<Vec<_>>()))
            .collect();
        // A panic in one part is the build's, as it would be on one thread: the rows must not be
        // paired with another row's terms.
        parts.into_iter().flat_map(|part| part.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

/// Indexes `row`, whose fields have `digest` and read as `terms`.
fn upsert(index: &mut Index, row: &MatchRow, digest: u32, terms: &[String]) {
    let published = row.status == Status::Published;
    index.upsert(Doc { id: row.id, terms, published, digest });
}

impl Service {
    /// Builds the matching index when awaited, rather than at the first lookup (which waits for it);
    /// answers its size.
    pub fn matching_index_builder(&self) -> impl std::future::Future<Output = Result<Footprint>> + Send + 'static {
        let (matcher, reader) = (self.matcher.clone(), self.store.reader.clone());
        async move { Ok(reader.read(move |conn| matcher.catch_up(conn).map(|_| matcher.footprint())).await?) }
    }

    /// Catches the index up shortly after claims change, at most every `FOLLOW_EVERY`, for as long as
    /// it is awaited. Lookups catch up too, one at a time; left to them alone, the changes of a run of
    /// transitions or evidence (tens of thousands of claims to read again) stalled the first lookup
    /// after it, and every lookup queued behind that one, for over a second.
    pub fn matching_follower(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let (matcher, reader) = (self.matcher.clone(), self.store.reader.clone());
        async move {
            loop {
                matcher.follow.notified().await;
                let caught_up = matcher.clone();
                if let Err(e) = reader.read(move |conn| caught_up.catch_up(conn)).await {
                    tracing::warn!(error = %e, "the matching index could not catch up");
                }
                tokio::time::sleep(FOLLOW_EVERY).await;
            }
        }
    }

    /// The claims `input.text` repeats or resembles, best first. Creates nothing.
    pub async fn match_claims(&self, actor: &Actor, input: MatchInput) -> Result<Vec<Match>> {
        require(actor, Action::ReadClaims)?;
        let limit = input.validate()?;
        let (matcher, filter) =
            (self.matcher.clone(), Filter { published_only: actor.is_public(), ..Filter::default() });
        let lookup = self.lookup(input.text, input.language).await?;
        let read = move |conn: &Connection| matcher.find(conn, &lookup, limit, filter);
        Ok(self.store.reader.read(read).await?)
    }

    /// Reads `text` (in `language`, else the one detected) for a lookup.
    pub(super) async fn lookup(&self, text: String, language: Option<String>) -> store::Result<Lookup> {
        let one = self.lookups(vec![(text, language)]).await?.pop();
        one.ok_or_else(|| store::Error::Internal("a lookup was not made".into()))
    }

    /// Reads texts for lookups. With the transformer, their vectors are made on the blocking pool, no
    /// more at once than there are cores; else reading them takes microseconds and runs in place.
    pub(super) async fn lookups(&self, texts: Vec<(String, Option<String>)>) -> store::Result<Vec<Lookup>> {
        let matcher = self.matcher.clone();
        let read =
            move || texts.into_iter().map(|(text, language)| matcher.lookup(text, language.as_deref())).collect();
        if self.matcher.transformer().is_none() {
            return read();
        }
        let _turn = self.matcher.vectors_at_once.acquire().await.map_err(|_| store::Error::Unavailable)?;
        tokio::task::spawn_blocking(read).await.map_err(|e| store::Error::Internal(format!("sentence vectors: {e}")))?
    }

    /// The matching engine's tier thresholds.
    pub fn match_thresholds(&self) -> Thresholds {
        self.matcher.thresholds
    }

    /// Matching uses sentence vectors.
    pub fn vectors(&self) -> Option<Vectors> {
        self.matcher.vectors()
    }

    /// Changed claims the matching index has yet to read again.
    pub fn matching_changes_pending(&self) -> usize {
        self.matcher.changes_pending()
    }

    /// Claims whose sentence vector is yet to be made.
    pub fn vectors_pending(&self) -> usize {
        self.matcher.vectors_pending.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The matcher, for the use cases that look up matches beside other reads.
    pub(super) fn matcher(&self) -> Arc<Matcher> {
        self.matcher.clone()
    }
}

/// Shares the matcher with the writer's listener.
pub(super) fn listen(store: &crate::store::Store, matcher: &Arc<Matcher>) {
    let matcher = matcher.clone();
    store.claim_changes.listen(Arc::new(move |ids: &[i64]| matcher.changed(ids)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::matching::Fields;

    #[test]
    fn terms_read_on_every_core_stay_with_their_rows() {
        let rows: Vec<MatchRow> = (0..1001)
            .map(|i| MatchRow {
                id: i,
                fields: Fields { text: format!("claim {i} about deepseek number {}", i * 7), ..Fields::default() },
                status: Status::Submitted,
                verdict: None,
                published: false,
            })
            .collect();
        let serial: Vec<Vec<String>> = rows.iter().map(|r| r.fields.analyze().terms).collect();
        assert_eq!(terms_on_every_core(&rows), serial);
        assert!(terms_on_every_core(&[]).is_empty());
    }
}
