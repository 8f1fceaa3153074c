//! The matching index: an in-memory inverted index over the terms a fact-check is found by (the claim,
//! its claimant, the review's title or rationale, the quoted sentence of its appearance). It is a copy:
//! the database is the source of truth, and the index is built from it at start and caught up with it
//! before each lookup (see `service::matching`), so a crash loses nothing the database kept.
//!
//! It holds no text, only what ranking needs, because at a million claims every byte per claim is a
//! megabyte: terms are known by a 64-bit hash, a posting is one or two bytes (the gap to the previous
//! claim and the term's count, as variable-length integers), a term found in one claim only keeps that
//! claim in its own record, and a claim is 15 bytes beside its postings (id, length, flags, a digest of
//! what was indexed, and its place). What a match shows is read from the database for the few shown.
//!
//! Ranking is BM25 (k1 1.2, b 0.75) over an OR of the text's distinct terms, exact: terms are read
//! rarest first, and once no claim outside the best `k` so far can still reach them (MaxScore), the
//! commoner terms only add to the claims already found, read through skip entries in their postings.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use hashbrown::HashTable;

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Postings per skip entry.
const BLOCK: u32 = 128;
/// A claim's slot holds the claim's id below this.
const NO_SLOT: u32 = u32::MAX;

const LIVE: u8 = 1;
const PUBLISHED: u8 = 2;

/// What the index needs of a claim: its id, the terms it is found by (`text::analyze` of each field,
/// concatenated), whether it is published, and a digest of what the terms were made from.
#[derive(Debug, Clone)]
pub struct Doc<'a> {
    pub id: i64,
    pub terms: &'a [String],
    pub published: bool,
    /// Changes when the indexed fields change: an unchanged digest keeps the postings.
    pub digest: u32,
}

/// Which claims a lookup may answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    /// Published claims only (anonymous readers).
    pub published_only: bool,
    /// Leave this claim out (the claim whose similar claims are asked for).
    pub except: Option<i64>,
}

/// A term's postings beyond the first: gaps and counts, and a skip entry every `BLOCK` postings.
#[derive(Debug, Default)]
struct List {
    bytes: Vec<u8>,
    last: u32,
    /// (the slot before the block, the block's first byte), for the blocks after the first.
    skips: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, Copy)]
struct Term {
    hash: u64,
    /// Claims holding it, counting replaced claims until the next rebuild.
    df: u32,
    /// With `df == 1` and `INLINE` set: the one claim's slot (it holds the term once); else an index
    /// into `lists`.
    at: u32,
}

const INLINE: u32 = 1 << 31;

#[derive(Debug, Default)]
pub struct Index {
    table: HashTable<u32>,
    terms: Vec<Term>,
    lists: Vec<List>,
    /// Per slot: the claim's id, its length in terms, `LIVE`/`PUBLISHED`, its digest.
    ids: Vec<u32>,
    lens: Vec<u16>,
    flags: Vec<u8>,
    digests: Vec<u32>,
    /// Per claim id: its slot, or `NO_SLOT`.
    slots: Vec<u32>,
    live: usize,
    total_len: u64,
}

/// How much of memory the index takes, roughly, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Footprint {
    pub claims: usize,
    pub terms: usize,
    pub postings_bytes: usize,
    pub total_bytes: usize,
}

pub fn term_hash(term: &str) -> u64 {
    let mut h = DefaultHasher::new();
    term.hash(&mut h);
    h.finish()
}

fn idf(n: f64, df: f64) -> f64 {
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

fn put_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(bytes: &[u8], at: &mut usize) -> u32 {
    let (mut v, mut shift) = (0u32, 0);
    loop {
        let b = bytes[*at];
        *at += 1;
        v |= u32::from(b & 0x7f) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

impl List {
    fn push(&mut self, count: u32, slot: u32, tf: u32) {
        if count > 0 && count % BLOCK == 0 {
            self.skips.push((self.last, self.bytes.len() as u32));
        }
        let gap = if count == 0 { slot } else { slot - self.last };
        put_varint(&mut self.bytes, (gap << 1) | u32::from(tf == 1));
        if tf != 1 {
            put_varint(&mut self.bytes, tf);
        }
        self.last = slot;
    }

    /// Every posting, in slot order.
    fn each(&self, mut f: impl FnMut(u32, u32)) {
        let (mut at, mut slot, mut first) = (0, 0u32, true);
        while at < self.bytes.len() {
            let v = get_varint(&self.bytes, &mut at);
            slot = if first { v >> 1 } else { slot + (v >> 1) };
            first = false;
            let tf = if v & 1 == 1 { 1 } else { get_varint(&self.bytes, &mut at) };
            f(slot, tf);
        }
    }

    /// The counts of the `wanted` slots (ascending) that hold the term.
    fn find(&self, wanted: &[u32], mut f: impl FnMut(usize, u32)) {
        let (mut block, mut at, mut slot, mut first) = (0usize, 0usize, 0u32, true);
        for (i, &want) in wanted.iter().enumerate() {
            // Jump to the last block starting before `want`, when that is ahead of where we are.
            let ahead = self.skips[block..].partition_point(|&(before, _)| before < want);
            if ahead > 0 {
                block += ahead;
                let (before, offset) = self.skips[block - 1];
                (at, slot, first) = (offset as usize, before, false);
            }
            while at < self.bytes.len() {
                let save = (at, slot, first);
                let v = get_varint(&self.bytes, &mut at);
                let next = if first { v >> 1 } else { slot + (v >> 1) };
                if next > want {
                    (at, slot, first) = save;
                    break;
                }
                first = false;
                slot = next;
                let tf = if v & 1 == 1 { 1 } else { get_varint(&self.bytes, &mut at) };
                if next == want {
                    f(i, tf);
                    break;
                }
            }
        }
    }
}

impl Index {
    /// Claims indexed.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Slots held by claims replaced or removed since the index was built: a rebuild frees them.
    pub fn dead(&self) -> usize {
        self.ids.len() - self.live
    }

    fn term_id(&self, hash: u64) -> Option<u32> {
        self.table.find(hash, |&t| self.terms[t as usize].hash == hash).copied()
    }

    fn slot(&self, id: i64) -> Option<u32> {
        let slot = *self.slots.get(usize::try_from(id).ok()?)?;
        (slot != NO_SLOT).then_some(slot)
    }

    /// Adds a claim, or brings it up to date: a changed digest re-indexes it, a change of status only
    /// sets its flags. Ids outside 1..2^31 are not indexed (claim ids are SQLite row ids from 1).
    pub fn upsert(&mut self, doc: Doc<'_>) {
        let Some(index) = usize::try_from(doc.id).ok().filter(|&i| i > 0 && i < INLINE as usize) else { return };
        if let Some(slot) = self.slot(doc.id) {
            let s = slot as usize;
            if self.digests[s] == doc.digest {
                self.flags[s] = LIVE | if doc.published { PUBLISHED } else { 0 };
                return;
            }
            self.remove(doc.id);
        }
        let slot = self.ids.len() as u32;
        let mut counts: HashMap<u64, u32> = HashMap::new();
        for t in doc.terms {
            *counts.entry(term_hash(t)).or_default() += 1;
        }
        let mut counts: Vec<(u64, u32)> = counts.into_iter().collect();
        counts.sort_unstable();
        for (hash, tf) in counts {
            self.post(hash, slot, tf);
        }
        let len = doc.terms.len();
        self.ids.push(index as u32);
        self.lens.push(u16::try_from(len).unwrap_or(u16::MAX));
        self.flags.push(LIVE | if doc.published { PUBLISHED } else { 0 });
        self.digests.push(doc.digest);
        if self.slots.len() <= index {
            self.slots.resize(index + 1, NO_SLOT);
        }
        self.slots[index] = slot;
        self.live += 1;
        self.total_len += u64::from(self.lens[slot as usize]);
    }

    fn post(&mut self, hash: u64, slot: u32, tf: u32) {
        let Some(t) = self.term_id(hash) else {
            let t = self.terms.len() as u32;
            let terms = &self.terms;
            self.table.insert_unique(hash, t, |&x| terms[x as usize].hash);
            let at = if tf == 1 {
                slot | INLINE
            } else {
                let mut list = List::default();
                list.push(0, slot, tf);
                self.lists.push(list);
                (self.lists.len() - 1) as u32
            };
            self.terms.push(Term { hash, df: 1, at });
            return;
        };
        let term = &mut self.terms[t as usize];
        if term.at & INLINE != 0 {
            let mut list = List::default();
            list.push(0, term.at & !INLINE, 1);
            self.lists.push(list);
            term.at = (self.lists.len() - 1) as u32;
        }
        self.lists[term.at as usize].push(term.df, slot, tf);
        term.df += 1;
    }

    /// Takes a claim out. Its postings stay, pointing at a dead slot, until the index is rebuilt.
    pub fn remove(&mut self, id: i64) {
        let Some(slot) = self.slot(id) else { return };
        let s = slot as usize;
        self.flags[s] = 0;
        self.live -= 1;
        self.total_len -= u64::from(self.lens[s]);
        self.slots[id as usize] = NO_SLOT;
    }

    /// The claim holds `term` (stemmed and hashed as indexed), how rare it is: its inverse document
    /// frequency, 0 for a term no claim holds.
    pub fn idf(&self, hash: u64) -> f64 {
        let n = self.live as f64;
        match self.term_id(hash) {
            Some(t) => idf(n, f64::from(self.terms[t as usize].df).min(n)),
            None => 0.0,
        }
    }

    fn admits(&self, slot: u32, filter: &Filter) -> bool {
        let f = self.flags[slot as usize];
        f & LIVE != 0
            && (!filter.published_only || f & PUBLISHED != 0)
            && filter.except != Some(i64::from(self.ids[slot as usize]))
    }

    /// The `k` claims with the best BM25 for an OR of `terms` (distinct terms count once), best first,
    /// ties to the older claim, as (claim id, BM25).
    pub fn top(&self, terms: &[String], k: usize, filter: &Filter) -> Vec<(i64, f64)> {
        if self.live == 0 || k == 0 {
            return Vec::new();
        }
        let n = self.live as f64;
        let average = self.total_len as f64 / n;
        let mut hashes: Vec<u64> = terms.iter().map(|t| term_hash(t)).collect();
        hashes.sort_unstable();
        hashes.dedup();
        let mut query: Vec<(u32, f64)> = hashes
            .into_iter()
            .filter_map(|h| self.term_id(h))
            .map(|t| (t, idf(n, f64::from(self.terms[t as usize].df).min(n))))
            .collect();
        query.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        // What the terms from i on can still add to a claim, at most.
        let mut rest = vec![0.0; query.len() + 1];
        for i in (0..query.len()).rev() {
            rest[i] = rest[i + 1] + query[i].1 * (K1 + 1.0);
        }
        let norm = |slot: u32| K1 * (1.0 - B + B * f64::from(self.lens[slot as usize]) / average);
        let mut scores: HashMap<u32, f64> = HashMap::new();
        let mut found: Option<Vec<(u32, f64)>> = None;
        for (i, &(t, w)) in query.iter().enumerate() {
            let term = self.terms[t as usize];
            let add = |tf: u32, slot: u32| w * f64::from(tf) * (K1 + 1.0) / (f64::from(tf) + norm(slot));
            if found.is_none() && scores.len() >= k && (term.df as usize) > scores.len() / 4 {
                // Is the k-th best already out of reach of a claim holding only the terms left?
                let mut all: Vec<f64> = scores.values().copied().collect();
                let (_, kth, _) = all.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
                let threshold = *kth;
                if threshold >= rest[i] {
                    let mut kept: Vec<(u32, f64)> = scores.drain().filter(|&(_, s)| s + rest[i] >= threshold).collect();
                    kept.sort_unstable_by_key(|&(slot, _)| slot);
                    found = Some(kept);
                }
            }
            match found.as_mut() {
                Some(kept) => {
                    let wanted: Vec<u32> = kept.iter().map(|&(slot, _)| slot).collect();
                    if term.at & INLINE != 0 {
                        if let Ok(i) = wanted.binary_search(&(term.at & !INLINE)) {
                            kept[i].1 += add(1, wanted[i]);
                        }
                    } else {
                        self.lists[term.at as usize].find(&wanted, |i, tf| kept[i].1 += add(tf, wanted[i]));
                    }
                }
                None => {
                    let mut visit = |slot: u32, tf: u32| {
                        if self.admits(slot, filter) {
                            *scores.entry(slot).or_default() += add(tf, slot);
                        }
                    };
                    if term.at & INLINE != 0 {
                        visit(term.at & !INLINE, 1);
                    } else {
                        self.lists[term.at as usize].each(visit);
                    }
                }
            }
        }
        let mut ranked: Vec<(i64, f64)> = match found {
            Some(kept) => kept.into_iter().map(|(slot, s)| (i64::from(self.ids[slot as usize]), s)).collect(),
            None => scores.into_iter().map(|(slot, s)| (i64::from(self.ids[slot as usize]), s)).collect(),
        };
        let order = |a: &(i64, f64), b: &(i64, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if ranked.len() > k {
            ranked.select_nth_unstable_by(k - 1, order);
            ranked.truncate(k);
        }
        ranked.sort_by(order);
        ranked
    }

    /// The memory the index holds, roughly.
    pub fn footprint(&self) -> Footprint {
        let postings: usize = self.lists.iter().map(|l| l.bytes.capacity() + l.skips.capacity() * 8).sum();
        let lists = self.lists.capacity() * std::mem::size_of::<List>();
        let terms = self.terms.capacity() * std::mem::size_of::<Term>() + self.table.capacity() * 5;
        let slots = self.ids.capacity() * 4
            + self.lens.capacity() * 2
            + self.flags.capacity()
            + self.digests.capacity() * 4
            + self.slots.capacity() * 4;
        Footprint {
            claims: self.live,
            terms: self.terms.len(),
            postings_bytes: postings,
            total_bytes: postings + lists + terms + slots,
        }
    }
}
