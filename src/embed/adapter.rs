//! The query adapter: a linear map applied to a text's vector before it is compared with claims'
//! vectors. all-MiniLM-L6-v2 places texts that say the same thing close; a tweet and the fact-check it
//! repeats are often further apart (a joke, a headline and a question about one claim). The map moves
//! a query toward the claims such texts repeat. It was fitted on the CheckThat! 2020 Task 2 train split
//! by `bench/matching/adapter.py`, for one model's weights: another model's vectors are left as they are.

use super::{DIMENSIONS, halves};

/// The map fitted for the weights `models/derive.py` makes: a matrix of half floats, row-major.
const BUILTIN: &[u8] = include_bytes!("adapter.bin");
/// Says which weights the map was fitted for.
const BUILTIN_NOTE: &str = include_str!("adapter.json");

/// A `DIMENSIONS`² matrix M; a query's vector q becomes qM.
pub struct Adapter(Vec<f32>);

impl Adapter {
    /// The built-in map, if it was fitted for the model named `model`.
    pub fn builtin(model: &str) -> Option<Adapter> {
        let note: serde_json::Value = serde_json::from_str(BUILTIN_NOTE).ok()?;
        (note["model"] == model).then(|| Adapter::from_bytes(BUILTIN)).flatten()
    }

    /// A map as `adapter.py` writes it, if it has the size of one.
    pub fn from_bytes(bytes: &[u8]) -> Option<Adapter> {
        (bytes.len() == DIMENSIONS * DIMENSIONS * 2).then(|| Adapter(halves(bytes)))
    }

    /// qM, of unit length again so that its dot product with a claim's vector is a cosine.
    pub fn apply(&self, q: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0f32; DIMENSIONS];
        for (row, &x) in self.0.chunks_exact(DIMENSIONS).zip(q) {
            for (o, m) in out.iter_mut().zip(row) {
                *o += x * m;
            }
        }
        let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::EPSILON);
        out.iter_mut().for_each(|x| *x /= norm);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_map_is_for_one_model_only() {
        let note: serde_json::Value = serde_json::from_str(BUILTIN_NOTE).unwrap();
        assert!(Adapter::builtin(note["model"].as_str().unwrap()).is_some());
        assert!(Adapter::builtin("all-MiniLM-L6-v2/00000000").is_none());
    }

    #[test]
    fn the_identity_leaves_a_unit_vector_as_it_is() {
        let identity: Vec<f32> =
            (0..DIMENSIONS * DIMENSIONS).map(|i| if i % (DIMENSIONS + 1) == 0 { 1.0 } else { 0.0 }).collect();
        let identity = crate::embed::to_bytes(&identity);
        let q: Vec<f32> = (0..DIMENSIONS).map(|i| if i < 4 { 0.5 } else { 0.0 }).collect();
        assert_eq!(Adapter::from_bytes(&identity).unwrap().apply(&q), q);
        assert!(Adapter::from_bytes(&identity[2..]).is_none());
    }
}
