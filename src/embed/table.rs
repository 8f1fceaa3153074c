//! Static word-piece vectors: a text's vector is the mean of its word pieces' rows, made unit length.
//! The rows were fitted offline (`bench/matching/static_vectors.py`) so that these means come close to
//! all-MiniLM-L6-v2's own sentence vectors, then tuned so that a tweet comes closest to the claim it
//! repeats (`tune_table.py`): microseconds per text where the transformer takes milliseconds.

use std::borrow::Cow;

/// The vocabulary's unknown piece stands for a text with no piece kept.
use super::wordpiece::UNKNOWN;

/// Word pieces in the model's vocabulary: the table's rows.
pub const VOCABULARY: usize = 30522;

/// One row per word piece: its scale (a little-endian f32), then one signed byte per dimension, each
/// the scale's multiple (a quarter of full floats' size, and each row within 1% of them). The
/// binary's own table is read where it lies.
pub struct Table {
    bytes: Cow<'static, [u8]>,
    dimensions: usize,
}

impl Table {
    /// The table as `static_vectors.py --out` writes it, if it has the size of one: its rows' length
    /// says how many dimensions it has.
    pub fn from_bytes(bytes: impl Into<Cow<'static, [u8]>>) -> Option<Table> {
        let bytes = bytes.into();
        let row = bytes.len() / VOCABULARY;
        (bytes.len() % VOCABULARY == 0 && row > 4).then_some(Table { bytes, dimensions: row - 4 })
    }

    /// The mean of the rows of `pieces` (ids below `VOCABULARY`), unit length.
    pub fn embed(&self, pieces: &[u32]) -> Vec<f32> {
        let pieces = if pieces.is_empty() { &[UNKNOWN][..] } else { pieces };
        let mut sum = vec![0.0f32; self.dimensions];
        let row_length = 4 + self.dimensions;
        for &piece in pieces {
            let start = piece as usize * row_length;
            let Some(row) = self.bytes.get(start..start + row_length) else { continue };
            let scale = f32::from_le_bytes([row[0], row[1], row[2], row[3]]);
            sum.iter_mut().zip(&row[4..]).for_each(|(s, &x)| *s += scale * f32::from(x as i8));
        }
        let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::EPSILON);
        sum.iter_mut().for_each(|x| *x /= norm);
        sum
    }
}

/// A word piece the table was fitted with: letters and digits, not punctuation or the special pieces
/// ("[CLS]"); "##ing" counts by its letters.
pub fn kept(piece: &str) -> bool {
    let bare = piece.trim_start_matches('#');
    !bare.is_empty() && bare.chars().all(char::is_alphanumeric)
}

/// The text without its links, as the table was fitted: a link's pieces are noise.
pub fn without_links(text: &str) -> String {
    let link = |w: &str| ["http://", "https://", "www.", "pic.twitter.com/"].iter().any(|p| w.starts_with(p));
    text.split_whitespace().filter(|w| !link(w)).collect::<Vec<_>>().join(" ")
}

/// `rows` (`VOCABULARY` rows of `dimensions` floats) in the table's layout, as the script writes it.
#[cfg(test)]
pub fn to_bytes(rows: &[f32], dimensions: usize) -> Vec<u8> {
    rows.chunks_exact(dimensions)
        .flat_map(|row| {
            let scale = row.iter().fold(0.0f32, |m, x| m.max(x.abs())) / 127.0;
            let scale = if scale == 0.0 { 1.0 } else { scale };
            let bytes = row.iter().map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8 as u8);
            scale.to_le_bytes().into_iter().chain(bytes).collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_the_mean_of_its_pieces_rows_made_unit_length() {
        let mut rows = vec![0.0f32; VOCABULARY * 8];
        rows[7 * 8] = 3.0;
        rows[9 * 8 + 1] = 4.0;
        let bytes = to_bytes(&rows, 8);
        let v = Table::from_bytes(bytes.clone()).unwrap().embed(&[7, 9]);
        assert_eq!(v.len(), 8);
        assert!((v[0] - 0.6).abs() < 1e-3 && (v[1] - 0.8).abs() < 1e-3, "{:?}", &v[..2]);
        assert!(Table::from_bytes(bytes[1..].to_vec()).is_none(), "a table of another size is refused");
        assert!(kept("##ing") && kept("r1") && !kept("[CLS]") && !kept("$") && !kept("##"));
        assert_eq!(without_links("see https://t.co/x and www.a.b now"), "see and now");
    }

    #[test]
    fn the_built_in_table_reads_as_one() {
        assert!(Table::from_bytes(&include_bytes!("table.i8")[..]).is_some());
    }
}
