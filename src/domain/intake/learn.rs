//! Training the check-worthiness model and measuring it, offline only (`examples/checkworthy.rs`):
//! L2-regularised logistic regression over TF-IDF weighted, unit-length feature vectors, every
//! sentence weighted alike (or the rare check-worthy class weighted up, by `balance`), fitted by
//! full-batch Adam from zero until it settles: no randomness, so the same data gives the same weights
//! on every machine. The intercept is then moved by the log of the classes' ratio, so that scores
//! read as if check-worthy sentences were as common as others. Average precision as CheckThat!
//! measures it.

use std::collections::HashMap;

use super::model::Model;

/// One labelled sentence: its features, and whether fact-checkers checked it.
pub struct Sample {
    pub features: Vec<String>,
    pub worthy: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// A feature seen in fewer training sentences is left out: rare words only memorise.
    pub min_count: usize,
    /// Inverse strength of the L2 penalty, as scikit-learn's `C`.
    pub c: f64,
    pub iterations: usize,
    pub rate: f64,
    /// How far the rare check-worthy class is weighted up to count as much as the other: 1 weighs
    /// the classes alike, 0 weighs every sentence alike.
    pub balance: f64,
}

impl Default for Options {
    fn default() -> Options {
        Options { min_count: 3, c: 1.0, iterations: 4000, rate: 0.05, balance: 0.0 }
    }
}

/// A training sentence as the optimiser sees it: (feature index, value) pairs, label, class weight.
type Row = (Vec<(usize, f64)>, f64, f64);

pub fn train(samples: &[Sample], options: &Options) -> Model {
    let rows_features: Vec<Vec<&str>> = samples
        .iter()
        .map(|s| {
            let mut f: Vec<&str> = s.features.iter().map(String::as_str).collect();
            f.sort_unstable();
            f.dedup();
            f
        })
        .collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for f in rows_features.iter().flatten() {
        *counts.entry(f).or_default() += 1;
    }
    let mut names: Vec<&str> = counts.iter().filter(|(_, n)| **n >= options.min_count).map(|(f, _)| *f).collect();
    names.sort_unstable();
    let n = samples.len() as f64;
    // Smoothed as scikit-learn's TfidfTransformer: ln((1 + n) / (1 + df)) + 1.
    let idf: Vec<f64> = names.iter().map(|f| ((1.0 + n) / (1.0 + counts[f] as f64)).ln() + 1.0).collect();
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, f)| (*f, i)).collect();
    let positives = samples.iter().filter(|s| s.worthy).count().max(1) as f64;
    let (pos_weight, neg_weight) =
        ((n / (2.0 * positives)).powf(options.balance), (n / (2.0 * (n - positives).max(1.0))).powf(options.balance));
    let rows: Vec<Row> = rows_features
        .iter()
        .zip(samples)
        .map(|(f, s)| {
            let idx: Vec<usize> = f.iter().filter_map(|f| index.get(f).copied()).collect();
            let norm = idx.iter().map(|&i| idf[i] * idf[i]).sum::<f64>().sqrt().max(1e-12);
            let x = idx.into_iter().map(|i| (i, idf[i] / norm)).collect();
            if s.worthy { (x, 1.0, pos_weight) } else { (x, 0.0, neg_weight) }
        })
        .collect();

    // Parameters: the weights, then the intercept (not penalised).
    let dims = names.len() + 1;
    let lambda = 1.0 / (options.c * n);
    let (mut w, mut m, mut v, mut g) = (vec![0.0; dims], vec![0.0; dims], vec![0.0; dims], vec![0.0; dims]);
    let (b1, b2) = (0.9f64, 0.999f64);
    for t in 1..=options.iterations {
        g.iter_mut().for_each(|x| *x = 0.0);
        for (x, y, weight) in &rows {
            let margin = w[dims - 1] + x.iter().map(|&(i, v)| w[i] * v).sum::<f64>();
            let p = 1.0 / (1.0 + (-margin).exp());
            let d = (p - y) * weight / n;
            for &(i, v) in x {
                g[i] += d * v;
            }
            g[dims - 1] += d;
        }
        for i in 0..dims - 1 {
            g[i] += lambda * w[i];
        }
        let rate = options.rate / (1.0 + t as f64 / 100.0);
        for i in 0..dims {
            m[i] = b1 * m[i] + (1.0 - b1) * g[i];
            v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
            let (mh, vh) = (m[i] / (1.0 - b1.powi(t as i32)), v[i] / (1.0 - b2.powi(t as i32)));
            w[i] -= rate * mh / (vh.sqrt() + 1e-8);
        }
    }
    let weights = names.iter().enumerate().map(|(i, f)| (f.to_string(), (w[i], idf[i]))).collect();
    // Weighting the classes alike shifts the intercept by the log of their ratio; what the weighting
    // left out is added here, so that scores read on the same scale whatever `balance` is (the
    // ranking does not change).
    let prior = ((n - positives).max(1.0) / positives).ln() * (1.0 - options.balance);
    Model { bias: w[dims - 1] + prior, weights }
}

/// Average precision of a ranking by `scores` (highest first): the mean, over the check-worthy
/// sentences, of the precision at each one's rank. None when nothing is check-worthy.
pub fn average_precision(scores: &[f64], worthy: &[bool]) -> Option<f64> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let (mut found, mut sum) = (0usize, 0.0);
    for (rank, &i) in order.iter().enumerate() {
        if worthy[i] {
            found += 1;
            sum += found as f64 / (rank + 1) as f64;
        }
    }
    (found > 0).then(|| sum / found as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_precision_counts_ranks() {
        assert_eq!(average_precision(&[0.9, 0.8, 0.1], &[true, false, true]), Some((1.0 + 2.0 / 3.0) / 2.0));
        assert_eq!(average_precision(&[0.1, 0.2], &[false, false]), None);
    }

    #[test]
    fn training_learns_a_separable_signal_the_same_way_twice() {
        let samples: Vec<Sample> = (0..200)
            .map(|i| Sample {
                features: vec![if i % 4 == 0 { "has:number" } else { "is:question" }.into(), format!("w:{}", i % 7)],
                worthy: i % 4 == 0,
            })
            .collect();
        let options = Options { iterations: 100, ..Options::default() };
        let (a, b) = (train(&samples, &options), train(&samples, &options));
        assert!(a.weights["has:number"].0 > 0.3 && a.weights["is:question"].0 < -0.3);
        assert_eq!(a.write(""), b.write(""));
    }
}
