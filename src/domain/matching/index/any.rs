//! Finding the claims that resemble a text: BM25 over an OR of the text's distinct terms, the best `k`
//! first, ties to the older claim.
//!
//! Claim by claim across the terms' postings, with the best `k` so far in a heap (MaxScore): the
//! rarest terms' claims are scored first to set the bar, and a term whose most it can add, with the
//! commoner terms' most, cannot lift a claim to the `k`-th best only adds to the claims the others
//! find, read through skip entries in its postings. Once the bar is set, the blocks of postings are
//! judged before they are read (block-max): a claim in a term's block scores at most the block's
//! highest count in its shortest claim, so when those bounds, summed over the terms, cannot beat the
//! `k`-th best (or only tie it, and the blocks' claims are all newer) every claim up to the first of
//! the blocks' ends is passed over unread. Thousands of claims that score alike (a story told the same
//! way many times) then cost a look at each block, not a score each. And once every claim still to
//! come is newer than the `k`-th best (the index keeps the least id of each run of slots), a tie no
//! longer wins, so terms that can only lift a claim to a tie stop being read: when the best claims
//! hold every term of the text, the lookup ends as soon as it has found the oldest of them.
//!
//! The answer is exact up to `VISITS` steps: a claim's score is summed over the terms in one order
//! (commonest first), and so are the blocks' bounds, which are then never below it. Memory per lookup
//! is the heap and one cursor per term, whatever the size of the collection.

use std::collections::BinaryHeap;

use super::{Bm25, Bound, Cursor, END, Filter, Index, RUN, Scored, Term, idf, term_hashes};

/// Claims of the rarest terms scored first, at most (or `k`, if more).
const SEEDS: usize = 64;
/// The early outs add up a claim's parts in another order than its score is summed in, which may
/// round a few ulps lower: their bounds are taken that much higher, so a claim that ties is not lost.
const SLACK: f64 = 1.0 + 4.0 * f64::EPSILON;
/// Steps a lookup takes through the postings of the terms that can still lift a claim into the best
/// `k` (a claim scored, or a run of blocks passed over), at most; the answer is then the best of
/// those seen.
const VISITS: usize = 20_000;

impl Index {
    /// The `k` claims with the best BM25 for an OR of `terms` (distinct terms count once), best first,
    /// ties to the older claim, as (claim id, BM25).
    pub fn top(&self, terms: &[String], k: usize, filter: &Filter) -> Vec<(i64, f64)> {
        if self.live == 0 || k == 0 {
            return Vec::new();
        }
        let n = self.live as f64;
        let scorer = Bm25::of(self);
        let bm25 = |weight: f64, tf: u32, len: f64| scorer.score(weight, tf, len);
        let mut terms: Vec<(Term, f64, f64)> = term_hashes(terms)
            .into_iter()
            .filter_map(|h| self.term_id(h))
            .map(|t| {
                let term = self.terms[t as usize];
                let weight = idf(n, f64::from(term.df).min(n));
                // The most a claim can take from it: its highest count in the shortest claim.
                let most = scorer.most(weight, self.max_tf[t as usize], f64::from(self.shortest));
                (term, weight, most)
            })
            .collect();
        // Commonest (least able to lift a claim) first; `within[i]`: the most terms 0..=i add together.
        terms.sort_by(|a, b| a.2.total_cmp(&b.2));
        let within: Vec<f64> = terms
            .iter()
            .scan(0.0, |sum, t| {
                *sum += t.2;
                Some(*sum)
            })
            .collect();
        let cursor = |t: &(Term, f64, f64)| Cursor::new(self, t.0, t.1);
        let len = |slot: u32| f64::from(self.lens[slot as usize]);
        let mut best: BinaryHeap<Scored> = BinaryHeap::with_capacity(k + 1);
        let keep = |best: &mut BinaryHeap<Scored>, scored: Scored| {
            best.push(scored);
            if best.len() > k {
                best.pop();
            }
            (best.len() == k).then(|| best.peek().copied()).flatten()
        };
        // First the claims of the rarest terms, scored in full: the best of them set the bar the
        // commoner terms' claims must pass, so those are mostly never scored.
        let mut seeds: Vec<u32> = Vec::new();
        for t in terms.iter().rev() {
            let mut c = cursor(t);
            while c.slot != END && seeds.len() < SEEDS.max(k) {
                if self.admits(c.slot, filter) {
                    seeds.push(c.slot);
                }
                c.next();
            }
            seeds.sort_unstable();
            seeds.dedup();
            if seeds.len() >= k {
                break;
            }
        }
        let mut seeded = vec![0.0; seeds.len()];
        for t in &terms {
            let mut c = cursor(t);
            for (i, &slot) in seeds.iter().enumerate() {
                c.advance(slot);
                if c.slot == END {
                    break;
                }
                if c.slot == slot {
                    seeded[i] += bm25(c.weight, c.tf, len(slot));
                }
            }
        }
        let mut threshold: Option<Scored> = None;
        for (&slot, &score) in seeds.iter().zip(&seeded) {
            threshold = keep(&mut best, Scored { score, id: i64::from(self.ids[slot as usize]), slot });
        }
        let mut cursors: Vec<Cursor> = terms.iter().map(cursor).collect();
        // Terms below `essential` cannot bring a claim into the best `k` by themselves.
        let mut essential = 0;
        let mut seen = seeds.iter().peekable();
        // Claims up to this slot lie in blocks that may beat the `k`-th best.
        let mut bounded: Option<u32> = None;
        let mut blocks = Vec::with_capacity(cursors.len());
        // Per term, what it adds to the claim being scored, summed in the terms' order at the end.
        let mut parts = vec![0.0; cursors.len()];
        // Per run of slots, the oldest claim from it on (made when first needed).
        let mut oldest_from: Vec<u32> = Vec::new();
        for _ in 0..VISITS {
            let least = threshold.map_or(0.0, |t| t.score);
            while essential < cursors.len() {
                let most = within[essential];
                // A term that can at most lift a claim level with the `k`-th best is passed over too
                // once every claim still to come is newer. Rarely asked: the sums seldom meet it exactly.
                let passed = most < least
                    || (most == least
                        && threshold.is_some_and(|kth| {
                            if oldest_from.is_empty() {
                                oldest_from = self.oldest_from_each_run();
                            }
                            let run = next_slot(&cursors[essential..]) as usize / RUN;
                            oldest_from.get(run).is_none_or(|&id| i64::from(id) > kth.id)
                        }));
                if !passed {
                    break;
                }
                essential += 1;
            }
            if essential == cursors.len() {
                break;
            }
            let slot = next_slot(&cursors[essential..]);
            if slot == END {
                break;
            }
            if let Some(kth) = threshold.filter(|_| bounded.is_none_or(|last| slot > last)) {
                let (end, beats) = blocks_from(scorer, &mut cursors, &mut blocks, essential, slot, kth);
                if !beats {
                    if end == END {
                        break;
                    }
                    cursors[essential..].iter_mut().for_each(|c| c.advance(end + 1));
                    continue;
                }
                bounded = Some(end);
            }
            let mut score = 0.0;
            for (c, part) in cursors.iter_mut().zip(parts.iter_mut()).skip(essential) {
                *part = 0.0;
                if c.slot == slot {
                    *part = bm25(c.weight, c.tf, len(slot));
                    score += *part;
                    c.next();
                }
            }
            while seen.next_if(|&&s| s < slot).is_some() {}
            // Out of reach even with every other term (the cheap test first), scored already, or not
            // to be answered.
            let most = if essential > 0 { within[essential - 1] } else { 0.0 };
            if threshold.is_some_and(|t| (score + most) * SLACK < t.score)
                || seen.next_if(|&&s| s == slot).is_some()
                || !self.admits(slot, filter)
            {
                continue;
            }
            let id = i64::from(self.ids[slot as usize]);
            let mut gone = false;
            for i in (0..essential).rev() {
                if threshold.is_some_and(|t| !Scored { score: (score + within[i]) * SLACK, id, slot }.beats(&t)) {
                    gone = true;
                    break;
                }
                let c = &mut cursors[i];
                c.advance(slot);
                parts[i] = if c.slot == slot { bm25(c.weight, c.tf, len(slot)) } else { 0.0 };
                score += parts[i];
            }
            let scored = Scored { score: parts.iter().sum(), id, slot };
            if gone || threshold.is_some_and(|t| !scored.beats(&t)) {
                continue;
            }
            threshold = keep(&mut best, scored);
        }
        let mut ranked: Vec<Scored> = best.into_vec();
        ranked.sort();
        ranked.into_iter().map(|s| (s.id, s.score)).collect()
    }
}

/// The first claim any of `cursors` is on (`END` when all are past their last).
fn next_slot(cursors: &[Cursor]) -> u32 {
    cursors.iter().map(|c| c.slot).min().unwrap_or(END)
}

/// The blocks of every term's postings from `slot` on: the last slot up to which they all reach
/// (`END` when no term has claims left), and whether a claim up to there may beat the `k`-th best. A
/// term adds at most its block's highest count in the block's shortest claim, or nothing when its
/// cursor (read up to `slot` for the terms from `essential` on) is past the end; the claims are no
/// older than the oldest of any block.
fn blocks_from(
    scorer: Bm25,
    cursors: &mut [Cursor],
    blocks: &mut Vec<Option<(u32, Bound)>>,
    essential: usize,
    slot: u32,
    kth: Scored,
) -> (u32, bool) {
    blocks.clear();
    blocks.extend(cursors.iter_mut().map(|c| c.block_of(slot)));
    let end = blocks.iter().flatten().map(|b| b.0).min().unwrap_or(END);
    let (mut oldest, mut most) = (u32::MAX, 0.0);
    for (i, (c, block)) in cursors.iter().zip(blocks.iter()).enumerate() {
        if let Some((_, bound)) = block.filter(|_| i < essential || c.slot <= end) {
            oldest = oldest.min(bound.id);
            most += scorer.most(c.weight, bound.tf, f64::from(bound.shortest));
        }
    }
    (end, kth.beaten_by(most, oldest))
}
