//! BERT's uncased word pieces, as the static table reads a text: the text cleaned, lower-cased and
//! stripped of accents, cut into words at spaces and punctuation, each word cut greedily into the
//! longest pieces of the vocabulary ("deepseek" → "deep", "##seek"). The tokenizers crate does the
//! same for the transformer; for the table, which must stay small in memory, its vocabulary maps take
//! about 8 MB where this one takes about 600 kB beside the vocabulary's text (which the binary holds):
//! where each piece lies, and a hash table of their ids.
//!
//! One difference, on purpose: any character that is neither a letter, a digit nor a space splits
//! words here, a symbol or an emoji included, where BERT splits only at punctuation and makes
//! "word🔥" one unknown piece. The table keeps letters and digits only, so a word is kept rather
//! than lost.

use std::borrow::Cow;
use std::collections::HashMap;

use hashbrown::HashTable;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

// The matching index's hash of a term serves for a piece as well.
use crate::domain::matching::index::term_hash as hash_of;

/// Pieces read of a text, at most, as the transformer's tokenizer cuts it (128 with its two markers).
const MAX_PIECES: usize = 126;
/// A longer word is one unknown piece, as in BERT.
const MAX_WORD_CHARS: usize = 100;
/// The vocabulary's unknown piece.
pub const UNKNOWN: u32 = 100;

/// The vocabulary: its text, one piece per line in the order of their ids, with where each piece lies
/// and the ids by their piece's hash. A word is looked up once per piece it might start with, and a
/// hash finds it in one probe where a binary search over the sorted pieces compared 15 strings
/// (under `POST /v1/claims` that search was a tenth of the server's CPU).
pub struct WordPieces {
    text: Cow<'static, str>,
    spans: Vec<(u32, u32)>,
    by_piece: HashTable<u32>,
}

impl WordPieces {
    /// The vocabulary, one piece per line, its id the line's number (BERT's `vocab.txt`).
    pub fn from_lines(vocabulary: impl Into<Cow<'static, str>>) -> WordPieces {
        let text = vocabulary.into();
        let mut spans = Vec::new();
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let piece = line.trim_end_matches(['\n', '\r']);
            spans.push((start as u32, (start + piece.len()) as u32));
            start += line.len();
        }
        let piece = |id: u32| {
            let (from, to) = spans[id as usize];
            &text[from as usize..to as usize]
        };
        let mut by_piece = HashTable::with_capacity(spans.len());
        for id in 0..spans.len() as u32 {
            let hash = hash_of(piece(id));
            // A piece listed twice keeps its first id.
            if by_piece.find(hash, |&other| piece(other) == piece(id)).is_none() {
                by_piece.insert_unique(hash, id, |&other| hash_of(piece(other)));
            }
        }
        WordPieces { text, spans, by_piece }
    }

    /// The vocabulary as pieces with their ids (a `tokenizer.json`'s `model.vocab`); an id no piece
    /// has is an empty line.
    pub fn from_ids(ids: HashMap<String, u32>) -> WordPieces {
        let mut lines = vec![String::new(); ids.values().max().map_or(0, |max| *max as usize + 1)];
        for (piece, id) in ids {
            lines[id as usize] = piece;
        }
        WordPieces::from_lines(lines.join("\n"))
    }

    /// The piece of `id`.
    fn piece(&self, id: u32) -> &str {
        let (from, to) = self.spans[id as usize];
        &self.text[from as usize..to as usize]
    }

    /// The id of `piece`, if the vocabulary has it.
    fn id(&self, piece: &str) -> Option<u32> {
        self.by_piece.find(hash_of(piece), |&id| self.piece(id) == piece).copied()
    }

    /// Every piece with its id.
    pub fn pieces(&self) -> impl Iterator<Item = (&str, u32)> {
        (0..self.spans.len() as u32).map(|id| (self.piece(id), id))
    }

    /// The ids of `text`'s word pieces, the first `MAX_PIECES` of them.
    pub fn ids(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        for word in words(&normalized(text)) {
            self.word(word, &mut out);
            if out.len() >= MAX_PIECES {
                out.truncate(MAX_PIECES);
                break;
            }
        }
        out
    }

    /// Appends `word`'s pieces, longest first from its start; a word the vocabulary cannot cut is
    /// one unknown piece.
    fn word(&self, word: &str, out: &mut Vec<u32>) {
        if word.chars().count() > MAX_WORD_CHARS {
            out.push(UNKNOWN);
            return;
        }
        let before = out.len();
        let (mut start, mut key) = (0, String::new());
        while start < word.len() {
            let mut end = word.len();
            let found = loop {
                key.clear();
                if start > 0 {
                    key.push_str("##");
                }
                key.push_str(&word[start..end]);
                if let Some(id) = self.id(&key) {
                    break Some(id);
                }
                match word[start..end].char_indices().last() {
                    Some((last, _)) if last > 0 => end = start + last,
                    _ => break None,
                }
            };
            let Some(id) = found else {
                out.truncate(before);
                out.push(UNKNOWN);
                return;
            };
            out.push(id);
            start = end;
        }
    }
}

/// The text as BERT's uncased normalizer leaves it: control characters dropped, spaces as spaces,
/// Chinese characters each a word, lower case, accents stripped.
fn normalized(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\0' | '\u{fffd}' => {}
            c if c.is_whitespace() => out.push(' '),
            c if c.is_control() => {}
            c if is_chinese(c) => {
                out.push(' ');
                out.push(c);
                out.push(' ');
            }
            c => out.extend(c.to_lowercase()),
        }
    }
    if out.is_ascii() {
        // Nothing to decompose and no accent to strip.
        return out;
    }
    out.nfd().filter(|c| !is_combining_mark(*c)).collect()
}

/// Words: runs of letters and digits; every other character that is not a space is a word alone.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace().flat_map(|chunk| {
        let mut parts = Vec::new();
        let mut start = 0;
        for (i, c) in chunk.char_indices() {
            if !c.is_alphanumeric() {
                if start < i {
                    parts.push(&chunk[start..i]);
                }
                parts.push(&chunk[i..i + c.len_utf8()]);
                start = i + c.len_utf8();
            }
        }
        if start < chunk.len() {
            parts.push(&chunk[start..]);
        }
        parts
    })
}

/// BERT's "Chinese characters": the CJK Unified Ideographs blocks.
fn is_chinese(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F | 0x2B740..=0x2B81F
        | 0x2B820..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> WordPieces {
        WordPieces::from_lines(include_str!("vocab.txt"))
    }

    fn pieces(text: &str) -> Vec<String> {
        let v = vocabulary();
        let names: HashMap<u32, &str> = v.pieces().map(|(p, id)| (id, p)).collect();
        v.ids(text).into_iter().map(|id| names[&id].to_string()).collect()
    }

    #[test]
    fn words_are_cut_into_the_longest_pieces_the_vocabulary_has() {
        assert_eq!(
            pieces("DeepSeek's R1 cost $5.6M"),
            ["deep", "##see", "##k", "'", "s", "r", "##1", "cost", "$", "5", ".", "6", "##m"]
        );
        assert_eq!(pieces("Café “state psyop” 中国"), ["cafe", "“", "state", "ps", "##yo", "##p", "”", "中", "国"]);
        assert_eq!(pieces("wow🔥"), ["wow", "[UNK]"], "a symbol is a word of its own");
        assert_eq!(pieces(&"a".repeat(101)), ["[UNK]"]);
        assert_eq!(vocabulary().ids(&"word ".repeat(200)).len(), MAX_PIECES);
    }

    /// The crate's tokenizer, as the table was fitted with, reads the seed article the same way.
    #[test]
    fn the_seed_article_reads_as_the_tokenizers_crate_reads_it() {
        let v = vocabulary();
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/src/embed/vocab.txt");
        let model = tokenizers::models::wordpiece::WordPiece::from_file(file).build().unwrap();
        let mut crate_tokenizer = tokenizers::Tokenizer::new(model);
        crate_tokenizer
            .with_normalizer(Some(tokenizers::normalizers::BertNormalizer::new(true, true, None, true)))
            .unwrap();
        crate_tokenizer.with_pre_tokenizer(Some(tokenizers::pre_tokenizers::bert::BertPreTokenizer));
        let more =
            ["Naïve café owners in São Paulo said 中国 “won’t” pay $1,200,000 — or 5.6bn?", "@user #DeepSeek R1…"];
        for line in include_str!("../../claims/deepseek-r1.txt").lines().chain(more) {
            let theirs = crate_tokenizer.encode(line, false).unwrap().get_ids().to_vec();
            let mut ours = v.ids(line);
            ours.truncate(theirs.len());
            assert_eq!(ours, theirs[..ours.len()], "{line}");
        }
    }
}
