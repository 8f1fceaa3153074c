//! Static word-piece vectors: a text's vector is the mean of its word pieces' rows, made unit length.
//! The rows were fitted offline (`bench/matching/static_vectors.py`) so that these means come close to
//! all-MiniLM-L6-v2's own sentence vectors: microseconds per text where the transformer takes
//! milliseconds.

use half::f16;
use half::slice::HalfFloatSliceExt;

use super::DIMENSIONS;

/// Word pieces in the model's vocabulary: the table's rows.
pub const VOCABULARY: usize = 30522;
/// The vocabulary's unknown piece, which stands for a text with no piece kept.
const UNKNOWN: u32 = 100;

/// One row of `DIMENSIONS` per word piece, kept as half floats (23 MB; a text reads a few dozen rows).
pub struct Table(Vec<f16>);

impl Table {
    /// The table as `static_vectors.py --out` writes it (half floats, little-endian, row-major), if it
    /// has the size of one.
    pub fn from_bytes(bytes: &[u8]) -> Option<Table> {
        (bytes.len() == VOCABULARY * DIMENSIONS * 2)
            .then(|| Table(bytes.chunks_exact(2).map(|c| f16::from_le_bytes([c[0], c[1]])).collect()))
    }

    /// The mean of the rows of `pieces` (ids below `VOCABULARY`), unit length.
    pub fn embed(&self, pieces: &[u32]) -> Vec<f32> {
        let pieces = if pieces.is_empty() { &[UNKNOWN][..] } else { pieces };
        let (mut sum, mut row) = (vec![0.0f32; DIMENSIONS], [0.0f32; DIMENSIONS]);
        for &piece in pieces {
            let start = piece as usize * DIMENSIONS;
            let Some(halves) = self.0.get(start..start + DIMENSIONS) else { continue };
            halves.convert_to_f32_slice(&mut row);
            sum.iter_mut().zip(&row).for_each(|(s, x)| *s += x);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_the_mean_of_its_pieces_rows_made_unit_length() {
        let mut rows = vec![0.0f32; VOCABULARY * DIMENSIONS];
        rows[7 * DIMENSIONS] = 3.0;
        rows[9 * DIMENSIONS + 1] = 4.0;
        let bytes: Vec<u8> = rows.iter().flat_map(|x| half::f16::from_f32(*x).to_le_bytes()).collect();
        let table = Table::from_bytes(&bytes).unwrap();
        let v = table.embed(&[7, 9]);
        assert!((v[0] - 0.6).abs() < 1e-3 && (v[1] - 0.8).abs() < 1e-3, "{:?}", &v[..2]);
        assert!(Table::from_bytes(&bytes[2..]).is_none(), "a table of another size is refused");
        assert!(kept("##ing") && kept("r1") && !kept("[CLS]") && !kept("$") && !kept("##"));
        assert_eq!(without_links("see https://t.co/x and www.a.b now"), "see and now");
    }
}
