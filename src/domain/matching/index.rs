//! The matching index: an in-memory inverted index over the terms a fact-check is found by (the claim,
//! its claimant, the review's title or rationale, the quoted sentence of its appearance). It is a copy:
//! the database is the source of truth, and the index is built from it at start and caught up with it
//! before each lookup (see `service::matching`), so a crash loses nothing the database kept.
//!
//! It holds no text, only what ranking needs, because at a million claims every byte per claim is a
//! megabyte: terms are known by a 64-bit hash, a posting is one or two bytes (the gap to the previous
//! claim and the term's count, as variable-length integers), a term found in one claim only keeps that
//! claim in its own record, and a claim is 15 bytes beside its postings (id, length, flags, a digest of
//! what was indexed, and its place). Each block of `BLOCK` postings has a skip entry and a bound (its
//! highest count, the shortest claims with it and of all, the oldest claim: 12 bytes), and a term in a
//! sixteenth of the claims or more also has a bit per claim (`DENSE`). What a match shows is read from
//! the database for the few shown.
//!
//! Two questions are asked of it: "which claims resemble this text?" (`top`, in `any`: BM25, k1 1.2,
//! b 0.75, over an OR of the text's terms) and "which claims hold all these words?" (`search`, in
//! `every`, for searching claims by words). Both keep the best `k` in a heap and pass over blocks of
//! postings whose bounds cannot reach it.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use hashbrown::HashTable;

mod any;
mod every;

pub use every::Among;

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Postings per skip entry.
const BLOCK: u32 = 128;
/// Slots per entry of `Index::run_oldest`.
const RUN: usize = 4096;
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
    /// Leave out a claim whose text is the text looked up (normalized as duplicates are): the claim
    /// being submitted, which the lookup beside its write may find written. Applied to the
    /// candidates read, not here.
    pub except_own_text: bool,
}

/// A term's postings beyond the first: gaps and counts, and a skip entry every `BLOCK` postings.
#[derive(Debug, Default)]
struct List {
    bytes: Vec<u8>,
    last: u32,
    /// (the slot before the block, the block's first byte), for the blocks after the first.
    skips: Vec<(u32, u32)>,
    /// Per block, the first included: what bounds the term's BM25 in the block's claims.
    bounds: Vec<Bound>,
    /// A bit per slot, set for the claims holding the term, while it is in a sixteenth of the claims
    /// or more (`DENSE`): a search tells whether a claim holds such a term without reading postings.
    bits: Vec<u64>,
}

/// A term's postings get a bit per slot from `DENSE_MIN` claims and a sixteenth of the slots on, and
/// lose them below a thirty-second: about as many bytes as its postings. (Fewer claims in unit tests,
/// so that both ways of telling whether a claim holds a term are checked there.)
const DENSE: usize = 16;
#[cfg(not(test))]
const DENSE_MIN: u32 = 4096;
#[cfg(test)]
const DENSE_MIN: u32 = 64;

/// What bounds the BM25 of a block of postings for its term: its highest count (255 standing for any
/// higher), the shortest claim with that count (a shorter one holds the term fewer times) and the
/// shortest claim of all. With its oldest claim, which a tie with the `k`-th best must beat.
#[derive(Debug, Clone, Copy)]
struct Bound {
    tf: u8,
    len: u16,
    shortest: u16,
    id: u32,
}

impl Bound {
    /// Any count, in any claim.
    const ANY: Bound = Bound { tf: u8::MAX, len: 0, shortest: 0, id: 0 };

    fn of(tf: u32, len: u16, id: u32) -> Bound {
        Bound { tf: u8::try_from(tf).unwrap_or(u8::MAX), len, shortest: len, id }
    }

    fn add(&mut self, other: Bound) {
        if other.tf > self.tf {
            (self.tf, self.len) = (other.tf, other.len);
        } else if other.tf == self.tf {
            self.len = self.len.min(other.len);
        }
        self.shortest = self.shortest.min(other.shortest);
        self.id = self.id.min(other.id);
    }
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
    /// Per term: its highest count in one claim (255 at most), for the most it can add to a score.
    max_tf: Vec<u8>,
    lists: Vec<List>,
    /// Per slot: the claim's id, its length in terms, `LIVE`/`PUBLISHED`, its digest.
    ids: Vec<u32>,
    lens: Vec<u16>,
    flags: Vec<u8>,
    digests: Vec<u32>,
    /// Per claim id: its slot, or `NO_SLOT`.
    slots: Vec<u32>,
    /// Per run of `RUN` slots: no claim in it is older (has a lower id). Ids mostly grow with slots
    /// (a claim indexed again takes a new slot, keeping its id), and this says where they do: from a
    /// slot on whose runs hold only ids above the `k`-th best's, a claim that merely ties it cannot
    /// win. A bound, never raised: dead slots still count, as in `shortest`.
    run_oldest: Vec<u32>,
    live: usize,
    total_len: u64,
    /// The fewest terms a claim indexed has had (never raised: a bound, not a count).
    shortest: u16,
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

/// The distinct terms of `terms` as the index knows them, sorted by hash.
pub fn term_hashes(terms: &[String]) -> Vec<u64> {
    distinct(terms.iter().map(|t| term_hash(t)).collect())
}

/// Term hashes sorted, each once.
pub fn distinct(mut hashes: Vec<u64>) -> Vec<u64> {
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// BM25 of a term in a claim, with the collection's average claim length.
#[derive(Debug, Clone, Copy)]
struct Bm25 {
    average: f64,
}

impl Bm25 {
    fn of(index: &Index) -> Bm25 {
        // At least 1: claims without a term would otherwise make every score NaN.
        Bm25 { average: (index.total_len as f64 / index.live as f64).max(1.0) }
    }

    fn score(self, weight: f64, tf: u32, len: f64) -> f64 {
        let norm = K1 * (1.0 - B + B * len / self.average);
        weight * f64::from(tf) * (K1 + 1.0) / (f64::from(tf) + norm)
    }

    /// The most a term of this weight adds to the score of a claim of `len` terms or more that holds
    /// it at most `tf` times (255: any number).
    fn most(self, weight: f64, tf: u8, len: f64) -> f64 {
        match tf {
            u8::MAX => weight * (K1 + 1.0),
            tf => self.score(weight, u32::from(tf), len),
        }
    }

    /// The most a term of this weight adds to the score of a claim of `len` terms or more in a block
    /// within `bound`.
    fn most_in(self, weight: f64, bound: Bound, len: f64) -> f64 {
        let tf = if bound.tf > 1 && len < f64::from(bound.len) { bound.tf - 1 } else { bound.tf };
        self.most(weight, tf, len)
    }
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

fn set_bit(bits: &mut Vec<u64>, slot: u32) {
    let word = slot as usize / 64;
    if bits.len() <= word {
        bits.resize(word + 1, 0);
    }
    bits[word] |= 1 << (slot % 64);
}

impl List {
    /// Gives the postings their bits when the term holds `df` of `slots` claims, or takes them away.
    fn density(&mut self, df: u32, slots: usize) {
        let df = df as usize;
        if self.bits.is_empty() && df >= DENSE_MIN as usize && df * DENSE >= slots {
            let (mut at, mut slot) = (0, 0);
            while at < self.bytes.len() {
                let v = get_varint(&self.bytes, &mut at);
                slot += v >> 1;
                if v & 1 == 0 {
                    get_varint(&self.bytes, &mut at);
                }
                set_bit(&mut self.bits, slot);
            }
        } else if !self.bits.is_empty() && df * DENSE * 2 < slots {
            self.bits = Vec::new();
        }
    }

    fn push(&mut self, count: u32, slot: u32, tf: u32, bound: Bound) {
        if count > 0 && count % BLOCK == 0 {
            self.skips.push((self.last, self.bytes.len() as u32));
        }
        match self.bounds.last_mut() {
            Some(b) if count % BLOCK != 0 => b.add(bound),
            _ => self.bounds.push(bound),
        }
        let gap = if count == 0 { slot } else { slot - self.last };
        put_varint(&mut self.bytes, (gap << 1) | u32::from(tf == 1));
        if tf != 1 {
            put_varint(&mut self.bytes, tf);
        }
        if !self.bits.is_empty() {
            set_bit(&mut self.bits, slot);
        }
        self.last = slot;
    }
}

/// How many of the first skip entries hold a slot before `target`, looked for from the start, since
/// a cursor mostly moves a block or two.
fn before(skips: &[(u32, u32)], target: u32) -> usize {
    let mut span = 1;
    while span < skips.len() && skips[span - 1].0 < target {
        span *= 2;
    }
    let span = span.min(skips.len());
    skips[..span].partition_point(|&(slot, _)| slot < target)
}

/// A place in one term's postings.
struct Cursor<'a> {
    list: Option<&'a List>,
    /// The posting under the cursor (`u32::MAX` once past the last) and its count.
    slot: u32,
    tf: u32,
    /// The next byte to read (the first posting's gap is from slot 0).
    at: usize,
    /// Skip entries whose block has been entered.
    skipped: usize,
    /// The term's weight (idf).
    weight: f64,
    /// The block `block_of` last answered (an index into `bounds`); a term in one claim only: its
    /// slot and bound.
    block: usize,
    only: Option<(u32, Bound)>,
    /// The postings' bits, if the term has them.
    bits: &'a [u64],
}

const END: u32 = u32::MAX;

impl<'a> Cursor<'a> {
    fn new(index: &'a Index, term: Term, weight: f64) -> Cursor<'a> {
        let (list, slot) =
            if term.at & INLINE != 0 { (None, term.at & !INLINE) } else { (Some(&index.lists[term.at as usize]), 0) };
        let only = list.is_none().then(|| (slot, Bound::of(1, index.lens[slot as usize], index.ids[slot as usize])));
        let bits = list.map_or(&[][..], |l| &l.bits[..]);
        let mut cursor = Cursor { list, slot, tf: 1, at: 0, skipped: 0, weight, block: 0, only, bits };
        if list.is_some() {
            cursor.next();
        }
        cursor
    }

    /// The block of postings that holds the term's claims from `target` on, up to its last slot, and
    /// its bound, without reading it; `None` past the last posting. Targets only move forward.
    fn block_of(&mut self, target: u32) -> Option<(u32, Bound)> {
        let Some(list) = self.list else {
            return self.only.filter(|&(slot, _)| slot >= target);
        };
        if target > list.last {
            return None;
        }
        // Skip entry `b` holds the last slot of block `b`.
        let skips = &list.skips;
        if skips.get(self.block).is_some_and(|&(last, _)| last < target) {
            self.block += 1 + before(&skips[self.block + 1..], target);
        }
        let last = skips.get(self.block).map_or(list.last, |&(last, _)| last);
        Some((last, list.bounds[self.block]))
    }

    fn next(&mut self) {
        let Some(list) = self.list else {
            self.slot = END;
            return;
        };
        if self.at >= list.bytes.len() {
            self.slot = END;
            return;
        }
        let v = get_varint(&list.bytes, &mut self.at);
        self.slot += v >> 1;
        self.tf = if v & 1 == 1 { 1 } else { get_varint(&list.bytes, &mut self.at) };
    }

    /// Whether the term is in the claim at `slot`, when its postings have bits.
    fn holds(&self, slot: u32) -> Option<bool> {
        (!self.bits.is_empty()).then(|| self.bits.get(slot as usize / 64).is_some_and(|w| w & (1 << (slot % 64)) != 0))
    }

    /// Moves to the first posting at or after `target`, jumping over whole blocks when it can.
    fn advance(&mut self, target: u32) {
        if self.slot >= target {
            return;
        }
        if target == self.slot + 1 {
            self.next();
            return;
        }
        let Some(list) = self.list else {
            self.slot = END;
            return;
        };
        let skips = &list.skips;
        while skips.get(self.skipped).is_some_and(|&(_, offset)| offset as usize <= self.at) {
            self.skipped += 1;
        }
        // Past the block being read: jump to the last block that starts before the target.
        if skips.get(self.skipped).is_some_and(|&(before, _)| before < target) {
            let block = self.skipped + before(&skips[self.skipped..], target);
            let (before, offset) = skips[block - 1];
            (self.at, self.slot, self.skipped) = (offset as usize, before, block);
            self.next();
        }
        while self.slot < target {
            self.next();
        }
    }
}

/// A claim in the heap of the best so far: the worst on top.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scored {
    score: f64,
    id: i64,
    slot: u32,
}

impl Scored {
    /// Better: a higher score, or the same and older.
    fn beats(&self, other: &Scored) -> bool {
        self.score > other.score || (self.score == other.score && self.id < other.id)
    }

    /// Whether a claim scoring at most `most`, and no older than `oldest`, may beat this one.
    fn beaten_by(&self, most: f64, oldest: u32) -> bool {
        most > self.score || (most == self.score && i64::from(oldest) < self.id)
    }
}

impl Eq for Scored {}

impl Ord for Scored {
    fn cmp(&self, other: &Scored) -> std::cmp::Ordering {
        if self.beats(other) {
            std::cmp::Ordering::Less
        } else if other.beats(self) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    }
}

impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Scored) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
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

    /// The highest claim id ever indexed (0 for none).
    pub fn max_id(&self) -> i64 {
        self.slots.len().saturating_sub(1) as i64
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

    /// The digest of a claim's fields as indexed.
    pub fn digest(&self, id: i64) -> Option<u32> {
        self.slot(id).map(|s| self.digests[s as usize])
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
        let len = u16::try_from(doc.terms.len()).unwrap_or(u16::MAX);
        let mut counts: HashMap<u64, u32> = HashMap::new();
        for t in doc.terms {
            *counts.entry(term_hash(t)).or_default() += 1;
        }
        let mut counts: Vec<(u64, u32)> = counts.into_iter().collect();
        counts.sort_unstable();
        for (hash, tf) in counts {
            self.post(hash, slot, tf, Bound::of(tf, len, index as u32));
        }
        self.shortest = if self.ids.is_empty() { len } else { self.shortest.min(len) };
        self.ids.push(index as u32);
        match self.run_oldest.get_mut(slot as usize / RUN) {
            Some(oldest) => *oldest = (*oldest).min(index as u32),
            None => self.run_oldest.push(index as u32),
        }
        self.lens.push(len);
        self.flags.push(LIVE | if doc.published { PUBLISHED } else { 0 });
        self.digests.push(doc.digest);
        if self.slots.len() <= index {
            self.slots.resize(index + 1, NO_SLOT);
        }
        self.slots[index] = slot;
        self.live += 1;
        self.total_len += u64::from(self.lens[slot as usize]);
    }

    /// Posts a term of the claim at `slot` (not yet in `ids` and `lens`), whose bound is `bound`.
    fn post(&mut self, hash: u64, slot: u32, tf: u32, bound: Bound) {
        let Some(t) = self.term_id(hash) else {
            let t = self.terms.len() as u32;
            let terms = &self.terms;
            self.table.insert_unique(hash, t, |&x| terms[x as usize].hash);
            let at = if tf == 1 {
                slot | INLINE
            } else {
                let mut list = List::default();
                list.push(0, slot, tf, bound);
                self.lists.push(list);
                (self.lists.len() - 1) as u32
            };
            self.terms.push(Term { hash, df: 1, at });
            self.max_tf.push(bound.tf);
            return;
        };
        let most = &mut self.max_tf[t as usize];
        *most = (*most).max(bound.tf);
        let term = &mut self.terms[t as usize];
        if term.at & INLINE != 0 {
            let only = term.at & !INLINE;
            let mut list = List::default();
            list.push(0, only, 1, Bound::of(1, self.lens[only as usize], self.ids[only as usize]));
            self.lists.push(list);
            term.at = (self.lists.len() - 1) as u32;
        }
        let list = &mut self.lists[term.at as usize];
        list.push(term.df, slot, tf, bound);
        term.df += 1;
        if term.df % 64 == 0 {
            list.density(term.df, slot as usize + 1);
        }
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

    /// Per run of `RUN` slots, the oldest claim in it or any later run.
    fn oldest_from_each_run(&self) -> Vec<u32> {
        let mut oldest = self.run_oldest.clone();
        for i in (1..oldest.len()).rev() {
            oldest[i - 1] = oldest[i - 1].min(oldest[i]);
        }
        oldest
    }

    /// How many claims hold a term (stemmed and hashed as indexed), whatever a lookup's filter. A
    /// claim edited or removed since the index was built still counts (its postings stay until the
    /// next build), and an edited one twice.
    pub fn df(&self, hash: u64) -> u32 {
        self.term_id(hash).map_or(0, |t| self.terms[t as usize].df)
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

    /// The memory the index holds, roughly.
    pub fn footprint(&self) -> Footprint {
        let postings: usize = self
            .lists
            .iter()
            .map(|l| l.bytes.capacity() + l.skips.capacity() * 8 + l.bounds.capacity() * 12 + l.bits.capacity() * 8)
            .sum();
        let lists = self.lists.capacity() * std::mem::size_of::<List>();
        let terms =
            self.terms.capacity() * std::mem::size_of::<Term>() + self.max_tf.capacity() + self.table.capacity() * 5;
        let slots = self.ids.capacity() * 4
            + self.lens.capacity() * 2
            + self.flags.capacity()
            + self.digests.capacity() * 4
            + self.slots.capacity() * 4
            + self.run_oldest.capacity() * 4;
        Footprint {
            claims: self.live,
            terms: self.terms.len(),
            postings_bytes: postings,
            total_bytes: postings + lists + terms + slots,
        }
    }
}
