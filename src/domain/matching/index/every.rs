//! Searching the index: the claims that hold every term of a query, best first by BM25 or counted
//! (of them all, or among a set of claims), and ranking candidates found elsewhere.
//!
//! The rarest term drives: its postings are the candidates, and the other terms' cursors `advance` to
//! each one, jumping whole blocks through their skip entries. Once the best `k` so far are known, the
//! blocks are judged before they are read (block-max): a claim in each term's block holds each term at
//! most its block's highest count and is at least as long as the longest of the blocks' shortest
//! claims, which bounds its score; when the bound cannot beat the `k`-th best (or only ties it, and
//! the blocks' claims are all newer) every claim up to the first of those blocks' ends is passed over
//! unread. A word in a fifth of a million claims then costs a look at each of its blocks, not a read
//! of each of its postings. A claim read in the rarest term's postings is then told apart by the bits
//! of the common terms (it lacks one), or bounded again with its own length and count, before the
//! other terms' postings are read for it.
//!
//! The answer is exact: a claim is only passed over when it cannot enter the best `k`, and a claim's
//! score is summed over the terms in one order (rarest first), so its bounds, summed in that order
//! too, are never below it.

use std::collections::BinaryHeap;

use super::{Bm25, Bound, Cursor, END, Filter, Index, Scored, Term, idf, term_hash, term_hashes};

/// A set of claims a search may answer (those its other filters keep), one bit per claim id.
#[derive(Debug, Clone, Default)]
pub struct Among {
    bits: Vec<u64>,
}

impl FromIterator<i64> for Among {
    fn from_iter<I: IntoIterator<Item = i64>>(ids: I) -> Among {
        let mut among = Among::default();
        for id in ids.into_iter().filter_map(|id| usize::try_from(id).ok()) {
            if among.bits.len() <= id / 64 {
                among.bits.resize(id / 64 + 1, 0);
            }
            among.bits[id / 64] |= 1 << (id % 64);
        }
        among
    }
}

impl Among {
    fn contains(&self, id: u32) -> bool {
        let id = id as usize;
        self.bits.get(id / 64).is_some_and(|word| word & (1 << (id % 64)) != 0)
    }
}

/// The cursors of a query's distinct terms, rarest first, with what bounds each term in any claim,
/// and how many of its terms the index does not know.
fn cursors<'a>(index: &'a Index, terms: &[String]) -> (Vec<Cursor<'a>>, Vec<Bound>, usize) {
    let n = index.live as f64;
    let hashes = term_hashes(terms);
    let mut known: Vec<u32> = hashes.iter().filter_map(|&h| index.term_id(h)).collect();
    let unknown = hashes.len() - known.len();
    known.sort_by_key(|&t| (index.terms[t as usize].df, index.terms[t as usize].hash));
    let anywhere =
        |t: u32| Bound { tf: index.max_tf[t as usize], len: index.shortest, shortest: index.shortest, id: 0 };
    let cursors = known
        .iter()
        .map(|&t| {
            let term: Term = index.terms[t as usize];
            Cursor::new(index, term, idf(n, f64::from(term.df).min(n)))
        })
        .collect();
    (cursors, known.iter().map(|&t| anywhere(t)).collect(), unknown)
}

/// Whether every term after the first may be in the claim at `slot`: `false` when one whose postings
/// have bits is not.
fn may_hold(cursors: &[Cursor], slot: u32) -> bool {
    cursors[1..].iter().all(|c| c.holds(slot) != Some(false))
}

/// Moves the cursors after the first to its claim (those with bits too, unless `counting`, when
/// `may_hold` has told): `Ok` when all hold it, else the claim to look at next (`END` when none is
/// left).
fn align(cursors: &mut [Cursor], slot: u32, counting: bool) -> Result<(), u32> {
    for c in cursors[1..].iter_mut().filter(|c| !counting || c.bits.is_empty()) {
        c.advance(slot);
        if c.slot != slot {
            return Err(c.slot);
        }
    }
    Ok(())
}

/// The most a claim in each term's block can score: a claim is at least as long as the longest of the
/// blocks' shortest claims, and longer from where a term's highest count becomes possible, so the
/// most is at one of those lengths.
fn joint(bm25: Bm25, cursors: &[Cursor], blocks: &[Bound]) -> f64 {
    let shortest = blocks.iter().map(|b| b.shortest).max().unwrap_or(0);
    let lengths = blocks.iter().map(|b| b.len).filter(|&len| len > shortest);
    std::iter::once(shortest).chain(lengths).fold(f64::NEG_INFINITY, |most, len| {
        let len = f64::from(len);
        most.max(cursors.iter().zip(blocks).fold(0.0, |sum, (c, b)| sum + bm25.most_in(c.weight, *b, len)))
    })
}

/// Values by claim length, kept for the lengths claims mostly have until cleared.
#[derive(Default)]
struct Lengths {
    values: Vec<(u32, f64)>,
    round: u32,
}

impl Lengths {
    fn clear(&mut self) {
        self.round += 1;
    }

    fn get(&mut self, len: u16, value: impl Fn(f64) -> f64) -> f64 {
        let i = usize::from(len);
        if i >= 256 {
            return value(f64::from(len));
        }
        if self.values.is_empty() {
            self.values = vec![(u32::MAX, 0.0); 256];
        }
        let kept = &mut self.values[i];
        if kept.0 != self.round {
            *kept = (self.round, value(f64::from(len)));
        }
        kept.1
    }
}

impl Index {
    /// Whether some claim was indexed with this term (stemmed as `text::analyze` gives it).
    pub fn knows(&self, term: &str) -> bool {
        self.term_id(term_hash(term)).is_some()
    }

    /// The cursors of every term of a query, rarest first; `None` when there are none, or a term is
    /// one no claim holds (no claim holds them all), or no claim is indexed.
    fn every(&self, terms: &[String]) -> Option<(Vec<Cursor<'_>>, Vec<Bound>)> {
        if self.live == 0 {
            return None;
        }
        let (cursors, anywhere, unknown) = cursors(self, terms);
        (unknown == 0 && !cursors.is_empty()).then_some((cursors, anywhere))
    }

    /// The `k` claims with the best BM25 among those holding every one of `terms` (distinct terms
    /// count once) that pass the filter and are `among` the given ones, best first, ties to the older
    /// claim, as (claim id, BM25).
    pub fn search(&self, terms: &[String], k: usize, filter: &Filter, among: Option<&Among>) -> Vec<(i64, f64)> {
        let Some((mut cursors, anywhere)) = self.every(terms).filter(|_| k > 0) else { return Vec::new() };
        let bm25 = Bm25::of(self);
        let mut best: BinaryHeap<Scored> = BinaryHeap::with_capacity(k.min(1 << 10) + 1);
        let mut threshold: Option<Scored> = None;
        let mut target = 0;
        // Per term, the bound of its block that holds the claims up to `bounded`.
        let mut blocks = vec![Bound::ANY; cursors.len()];
        let mut ends = vec![END; cursors.len()];
        let mut alone = anywhere.clone();
        let mut bounded: Option<u32> = None;
        // Per claim length, a claim's bound when it holds the rarest term once, for the blocks in `blocks`.
        let mut once = Lengths::default();
        'candidates: loop {
            cursors[0].advance(target);
            let slot = cursors[0].slot;
            if slot == END {
                break;
            }
            if let Some(kth) = threshold {
                if bounded.is_none_or(|last| slot > last) {
                    let beats = |most: f64, oldest: u32| kth.beaten_by(most, oldest);
                    let (mut end, mut oldest) = (END, 0);
                    for ((c, block), last) in cursors.iter_mut().zip(blocks.iter_mut()).zip(ends.iter_mut()) {
                        let Some((block_end, bound)) = c.block_of(slot) else { break 'candidates };
                        (*block, *last, end, oldest) = (bound, block_end, end.min(block_end), oldest.max(bound.id));
                    }
                    if !beats(joint(bm25, &cursors, &blocks), oldest) {
                        // Farther, to the end of a term's block that cannot beat it even with the other
                        // terms at their most in any claim.
                        for (i, (block, &last)) in blocks.iter().zip(&ends).enumerate() {
                            if last > end {
                                alone[i] = *block;
                                if !beats(joint(bm25, &cursors, &alone), block.id) {
                                    end = last;
                                }
                                alone[i] = anywhere[i];
                            }
                        }
                        target = end + 1;
                        continue;
                    }
                    bounded = Some(end);
                    once.clear();
                }
                // Not a match, by the bits of terms that have them; or out of reach, by the claim's
                // own bound: its length and its count of the rarest term are known.
                if !may_hold(&cursors, slot) {
                    target = slot + 1;
                    continue;
                }
                let len = self.lens[slot as usize];
                let (c, tf) = (&cursors[0], cursors[0].tf);
                let own = |len: f64| {
                    let first = bm25.score(c.weight, tf, len);
                    cursors[1..]
                        .iter()
                        .zip(&blocks[1..])
                        .fold(first, |sum, (c, b)| sum + bm25.most_in(c.weight, *b, len))
                };
                let most = if tf == 1 { once.get(len, own) } else { own(f64::from(len)) };
                if most < kth.score || (most == kth.score && i64::from(self.ids[slot as usize]) >= kth.id) {
                    target = slot + 1;
                    continue;
                }
            }
            if let Err(next) = align(&mut cursors, slot, false) {
                if next == END {
                    break;
                }
                target = next;
                continue;
            }
            target = slot + 1;
            if !self.admits_among(slot, filter, among) {
                continue;
            }
            let len = f64::from(self.lens[slot as usize]);
            let score = cursors.iter().fold(0.0, |sum, c| sum + bm25.score(c.weight, c.tf, len));
            let scored = Scored { score, id: i64::from(self.ids[slot as usize]), slot };
            if threshold.is_some_and(|kth| !scored.beats(&kth)) {
                continue;
            }
            best.push(scored);
            if best.len() > k {
                best.pop();
            }
            if best.len() == k {
                threshold = best.peek().copied();
            }
        }
        let mut ranked = best.into_vec();
        ranked.sort();
        ranked.into_iter().map(|s| (s.id, s.score)).collect()
    }

    fn admits_among(&self, slot: u32, filter: &Filter, among: Option<&Among>) -> bool {
        self.admits(slot, filter) && among.is_none_or(|a| a.contains(self.ids[slot as usize]))
    }

    /// How many claims hold every one of `terms`, pass the filter and are `among` the given ones.
    pub fn count(&self, terms: &[String], filter: &Filter, among: Option<&Among>) -> usize {
        let Some((mut cursors, _)) = self.every(terms) else { return 0 };
        let mut n = 0;
        let mut target = 0;
        loop {
            cursors[0].advance(target);
            let slot = cursors[0].slot;
            if slot == END {
                return n;
            }
            if !may_hold(&cursors, slot) {
                target = slot + 1;
                continue;
            }
            match align(&mut cursors, slot, true) {
                Err(END) => return n,
                Err(next) => target = next,
                Ok(()) => {
                    target = slot + 1;
                    n += usize::from(self.admits_among(slot, filter, among));
                }
            }
        }
    }

    /// `ids` best first by BM25 for `terms`, ties to the older claim; terms no claim holds add nothing
    /// (candidates found by another engine rank by the words the index knows), and ids not indexed
    /// come last.
    pub fn rank(&self, terms: &[String], ids: &[i64]) -> Vec<i64> {
        let mut slots: Vec<(u32, i64)> = ids.iter().filter_map(|&id| Some((self.slot(id)?, id))).collect();
        slots.sort_unstable();
        slots.dedup();
        let mut scores = vec![0.0; slots.len()];
        if self.live > 0 {
            let bm25 = Bm25::of(self);
            for mut c in cursors(self, terms).0 {
                for (score, &(slot, _)) in scores.iter_mut().zip(&slots) {
                    c.advance(slot);
                    if c.slot == END {
                        break;
                    }
                    if c.slot == slot {
                        *score += bm25.score(c.weight, c.tf, f64::from(self.lens[slot as usize]));
                    }
                }
            }
        }
        let mut ranked: Vec<Scored> =
            slots.iter().zip(scores).map(|(&(slot, id), score)| Scored { score, id, slot }).collect();
        ranked.sort();
        let mut order: Vec<i64> = ranked.into_iter().map(|s| s.id).collect();
        order.extend(ids.iter().filter(|&&id| self.slot(id).is_none()));
        order
    }
}
