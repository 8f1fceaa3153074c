//! The BERT encoder of all-MiniLM-L6-v2, as its weights name it, one text at a time (no padding).

use candle_core::{Module, Result, Tensor};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder, layer_norm, linear};

pub const DIMENSIONS: usize = 384;
const HEADS: usize = 12;
const LAYERS: usize = 6;
const INNER: usize = 1536;
const VOCABULARY: usize = 30522;
const POSITIONS: usize = 512;
const EPSILON: f64 = 1e-12;

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attended: Linear,
    attended_norm: LayerNorm,
    up: Linear,
    down: Linear,
    out_norm: LayerNorm,
}

pub struct Bert {
    words: Embedding,
    positions: Tensor,
    segment: Tensor,
    norm: LayerNorm,
    layers: Vec<Layer>,
}

impl Bert {
    pub fn load(vb: VarBuilder) -> Result<Bert> {
        let e = vb.pp("embeddings");
        let words = Embedding::new(e.get((VOCABULARY, DIMENSIONS), "word_embeddings.weight")?, DIMENSIONS);
        let positions = e.get((POSITIONS, DIMENSIONS), "position_embeddings.weight")?;
        let segment = e.get((2, DIMENSIONS), "token_type_embeddings.weight")?.get(0)?;
        let norm = layer_norm(DIMENSIONS, EPSILON, e.pp("LayerNorm"))?;
        let layers = (0..LAYERS)
            .map(|i| {
                let l = vb.pp(format!("encoder.layer.{i}"));
                let a = l.pp("attention");
                Ok(Layer {
                    query: linear(DIMENSIONS, DIMENSIONS, a.pp("self.query"))?,
                    key: linear(DIMENSIONS, DIMENSIONS, a.pp("self.key"))?,
                    value: linear(DIMENSIONS, DIMENSIONS, a.pp("self.value"))?,
                    attended: linear(DIMENSIONS, DIMENSIONS, a.pp("output.dense"))?,
                    attended_norm: layer_norm(DIMENSIONS, EPSILON, a.pp("output.LayerNorm"))?,
                    up: linear(DIMENSIONS, INNER, l.pp("intermediate.dense"))?,
                    down: linear(INNER, DIMENSIONS, l.pp("output.dense"))?,
                    out_norm: layer_norm(DIMENSIONS, EPSILON, l.pp("output.LayerNorm"))?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Bert { words, positions, segment, norm, layers })
    }

    /// The mean of the last layer's outputs over the word pieces, of unit length.
    pub fn embed(&self, pieces: &[u32]) -> Result<Vec<f32>> {
        let n = pieces.len().min(POSITIONS);
        let ids = Tensor::new(&pieces[..n], &candle_core::Device::Cpu)?;
        let x = self.words.forward(&ids)?.broadcast_add(&self.segment)?.add(&self.positions.narrow(0, 0, n)?)?;
        let mut x = self.norm.forward(&x)?;
        let per_head = DIMENSIONS / HEADS;
        for l in &self.layers {
            let heads = |t: Tensor| t.reshape((n, HEADS, per_head))?.transpose(0, 1)?.contiguous();
            let (q, k, v) = (heads(l.query.forward(&x)?)?, heads(l.key.forward(&x)?)?, heads(l.value.forward(&x)?)?);
            let weights = candle_nn::ops::softmax_last_dim(&(q.matmul(&k.t()?)? / (per_head as f64).sqrt())?)?;
            let context = weights.matmul(&v)?.transpose(0, 1)?.reshape((n, DIMENSIONS))?;
            x = l.attended_norm.forward(&(x + l.attended.forward(&context)?)?)?;
            let inner = l.up.forward(&x)?.gelu_erf()?;
            x = l.out_norm.forward(&(x + l.down.forward(&inner)?)?)?;
        }
        let mean = x.mean(0)?;
        let length = mean.sqr()?.sum_all()?.sqrt()?;
        mean.broadcast_div(&length)?.to_vec1()
    }
}
