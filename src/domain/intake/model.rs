//! The check-worthiness model: a logistic regression over the named features of `features.rs`,
//! weighted TF-IDF fashion (a feature counts its inverse document frequency, and a sentence's
//! features are scaled to unit length, so long sentences do not win by length alone). Its weights
//! are a small text file (`checkworthy.model`, one `feature<TAB>weight<TAB>idf` a line) built into
//! the binary; `examples/checkworthy.rs train` makes it again from the CheckThat! 2019 transcripts.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::features::describe;

const BUILTIN: &str = include_str!("checkworthy.model");

/// Reasons shown for a score: the strongest pushes each way.
const REASONS_UP: usize = 4;
const REASONS_DOWN: usize = 3;

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub bias: f64,
    /// Each known feature's weight and inverse document frequency.
    pub weights: HashMap<String, (f64, f64)>,
}

/// A feature's push on one sentence's score, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub feature: String,
    pub text: String,
    pub weight: f64,
}

impl Model {
    /// The model built into the binary.
    pub fn builtin() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| Model::parse(BUILTIN).expect("the built-in model parses"))
    }

    /// Reads `feature<TAB>weight<TAB>idf` lines; `#` starts a comment; `bias<TAB>weight` is the
    /// intercept.
    pub fn parse(text: &str) -> Result<Model, String> {
        let mut model = Model::default();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cols = line.split('\t');
            let name = cols.next().unwrap_or_default();
            let mut number = || -> Result<f64, String> {
                let col = cols.next().ok_or_else(|| format!("line {}: too few columns", n + 1))?;
                col.trim().parse().map_err(|_| format!("line {}: not a number", n + 1))
            };
            let weight = number()?;
            if name == "bias" {
                model.bias = weight;
            } else {
                model.weights.insert(name.to_string(), (weight, number()?));
            }
        }
        Ok(model)
    }

    /// The model as the file holds it, features sorted so a retrained file diffs cleanly.
    pub fn write(&self, header: &str) -> String {
        let mut names: Vec<_> = self.weights.iter().filter(|(_, (w, _))| w.abs() >= 1e-4).collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        let mut out = String::new();
        for line in header.lines() {
            out.push_str(&format!("# {line}\n"));
        }
        out.push_str(&format!("bias\t{:.4}\n", self.bias));
        for (name, (w, idf)) in names {
            out.push_str(&format!("{name}\t{w:.4}\t{idf:.3}\n"));
        }
        out
    }

    /// Each known feature of the sentence, once, with its push on the score (weight × value).
    pub fn pushes<'a>(&self, features: &'a [String]) -> Vec<(&'a str, f64)> {
        let mut known: Vec<(&str, f64, f64)> =
            features.iter().filter_map(|f| self.weights.get(f).map(|(w, idf)| (f.as_str(), *w, *idf))).collect();
        known.sort_by(|a, b| a.0.cmp(b.0));
        known.dedup_by(|a, b| a.0 == b.0);
        let norm = known.iter().map(|k| k.2 * k.2).sum::<f64>().sqrt().max(1e-12);
        known.into_iter().map(|(f, w, idf)| (f, w * idf / norm)).collect()
    }

    /// The linear score before the logistic function.
    pub fn margin(&self, features: &[String]) -> f64 {
        self.bias + self.pushes(features).iter().map(|p| p.1).sum::<f64>()
    }

    /// The probability-like score in 0..1.
    pub fn score(&self, features: &[String]) -> f64 {
        1.0 / (1.0 + (-self.margin(features)).exp())
    }

    /// The features that raised the score most, then those that lowered it most.
    pub fn reasons(&self, features: &[String]) -> (Vec<Reason>, Vec<Reason>) {
        let mut pushes = self.pushes(features);
        pushes.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        let reason = |(f, w): &(&str, f64)| Reason { feature: f.to_string(), text: describe(f), weight: *w };
        let up = pushes.iter().filter(|p| p.1 > 0.02).take(REASONS_UP).map(reason).collect();
        let down = pushes.iter().rev().filter(|p| p.1 < -0.02).take(REASONS_DOWN).map(reason).collect();
        (up, down)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_reads_back_what_it_wrote() {
        let model = Model::parse("# c\nbias\t-1.5\nw:tax\t0.75\t1\nis:question\t-1\t1\n").unwrap();
        let again = Model::parse(&model.write("made here")).unwrap();
        assert_eq!(again.bias, -1.5);
        assert_eq!(again.weights.len(), 2);
        let f = ["w:tax".to_string(), "is:question".into(), "w:unknown".into()];
        // Two known features of idf 1: each counts 1/√2.
        assert!((model.margin(&f) - (-1.5 - 0.25 / 2f64.sqrt())).abs() < 1e-9);
        let (up, down) = model.reasons(&f);
        assert_eq!(up[0].text, "the word “tax”");
        assert_eq!(down[0].text, "it is a question");
        assert!(Model::parse("bias 1").is_err());
        assert!(Model::parse("w:tax\t1").is_err());
    }

    #[test]
    fn the_builtin_model_loads_and_ranks_a_figure_above_a_greeting() {
        use super::super::features::{Line, features};
        let model = Model::builtin();
        assert!(model.weights.len() > 100);
        let lines = [
            Line { text: "Thank you very much.", speaker: None },
            Line { text: "Unemployment fell to 4.1 percent last year, the lowest in 17 years.", speaker: None },
        ];
        let f = features(&lines);
        assert!(model.score(&f[1]) > model.score(&f[0]));
    }
}
