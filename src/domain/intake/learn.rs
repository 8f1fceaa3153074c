//! Training the check-worthiness model and measuring it, offline only (`examples/checkworthy.rs`):
//! L2-regularised logistic regression fitted by AdaGrad over a fixed shuffle, so the same data gives
//! the same weights on every machine, and average precision as CheckThat! measures it.

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
    pub epochs: usize,
    pub rate: f64,
    pub l2: f64,
    /// Weight of a check-worthy sentence in the loss, against 1 for the others (they are 1 in 36).
    pub positive_weight: f64,
}

impl Default for Options {
    fn default() -> Options {
        Options { min_count: 3, epochs: 12, rate: 0.05, l2: 1e-4, positive_weight: 4.0 }
    }
}

pub fn train(samples: &[Sample], options: &Options) -> Model {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for s in samples {
        let mut seen: Vec<&str> = s.features.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for f in seen {
            *counts.entry(f).or_default() += 1;
        }
    }
    let mut names: Vec<&str> = counts.iter().filter(|(_, n)| **n >= options.min_count).map(|(f, _)| *f).collect();
    names.sort_unstable();
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, f)| (*f, i)).collect();
    let rows: Vec<(Vec<usize>, f64, f64)> = samples
        .iter()
        .map(|s| {
            let mut idx: Vec<usize> = s.features.iter().filter_map(|f| index.get(f.as_str()).copied()).collect();
            idx.sort_unstable();
            idx.dedup();
            let (y, weight) = if s.worthy { (1.0, options.positive_weight) } else { (0.0, 1.0) };
            (idx, y, weight)
        })
        .collect();

    let (mut w, mut g2) = (vec![0.0f64; names.len()], vec![1e-8f64; names.len()]);
    let (mut bias, mut bias_g2) = (0.0f64, 1e-8f64);
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..options.epochs {
        shuffle(&mut order, &mut seed);
        for &r in &order {
            let (idx, y, weight) = &rows[r];
            let margin = bias + idx.iter().map(|&i| w[i]).sum::<f64>();
            let p = 1.0 / (1.0 + (-margin).exp());
            let grad = (p - y) * weight;
            for &i in idx {
                let g = grad + options.l2 * w[i];
                g2[i] += g * g;
                w[i] -= options.rate * g / g2[i].sqrt();
            }
            bias_g2 += grad * grad;
            bias -= options.rate * grad / bias_g2.sqrt();
        }
    }
    let weights = names.iter().zip(w).map(|(f, w)| (f.to_string(), w)).collect();
    Model { bias, weights }
}

/// Fisher-Yates with a fixed xorshift generator: reproducible without a dependency.
fn shuffle(order: &mut [usize], seed: &mut u64) {
    for i in (1..order.len()).rev() {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        order.swap(i, (*seed % (i as u64 + 1)) as usize);
    }
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
        let options = Options { epochs: 5, ..Options::default() };
        let (a, b) = (train(&samples, &options), train(&samples, &options));
        assert!(a.weights["has:number"] > 0.5 && a.weights["is:question"] < -0.5);
        assert_eq!(a.write(""), b.write(""));
    }
}
