//! The check-worthiness model: a logistic regression over the named features of `features.rs`. Its
//! weights are a small text file (`checkworthy.model`, one `feature<TAB>weight` a line) built into
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
    pub weights: HashMap<String, f64>,
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

    /// Reads `feature<TAB>weight` lines; `#` starts a comment; the feature `bias` is the intercept.
    pub fn parse(text: &str) -> Result<Model, String> {
        let mut model = Model::default();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, weight) = line.split_once('\t').ok_or_else(|| format!("line {}: no tab", n + 1))?;
            let weight: f64 = weight.trim().parse().map_err(|_| format!("line {}: not a number", n + 1))?;
            if name == "bias" {
                model.bias = weight;
            } else {
                model.weights.insert(name.to_string(), weight);
            }
        }
        Ok(model)
    }

    /// The model as the file holds it, features sorted so a retrained file diffs cleanly.
    pub fn write(&self, header: &str) -> String {
        let mut names: Vec<_> = self.weights.iter().filter(|(_, w)| w.abs() >= 1e-4).collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        let mut out = String::new();
        for line in header.lines() {
            out.push_str(&format!("# {line}\n"));
        }
        out.push_str(&format!("bias\t{:.4}\n", self.bias));
        for (name, w) in names {
            out.push_str(&format!("{name}\t{w:.4}\n"));
        }
        out
    }

    /// The linear score before the logistic function.
    pub fn margin(&self, features: &[String]) -> f64 {
        self.bias + features.iter().filter_map(|f| self.weights.get(f)).sum::<f64>()
    }

    /// The probability-like score in 0..1.
    pub fn score(&self, features: &[String]) -> f64 {
        1.0 / (1.0 + (-self.margin(features)).exp())
    }

    /// The features that raised the score most, then those that lowered it most.
    pub fn reasons(&self, features: &[String]) -> (Vec<Reason>, Vec<Reason>) {
        let mut pushes: Vec<(&String, f64)> =
            features.iter().filter_map(|f| self.weights.get(f).map(|w| (f, *w))).collect();
        pushes.sort_by(|a, b| a.0.cmp(b.0));
        pushes.dedup_by(|a, b| a.0 == b.0);
        pushes.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        let reason = |(f, w): &(&String, f64)| Reason { feature: f.to_string(), text: describe(f), weight: *w };
        let up = pushes.iter().filter(|p| p.1 > 0.05).take(REASONS_UP).map(reason).collect();
        let down = pushes.iter().rev().filter(|p| p.1 < -0.05).take(REASONS_DOWN).map(reason).collect();
        (up, down)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_reads_back_what_it_wrote() {
        let model = Model::parse("# c\nbias\t-1.5\nw:tax\t0.75\nis:question\t-1\n").unwrap();
        let again = Model::parse(&model.write("made here")).unwrap();
        assert_eq!(again.bias, -1.5);
        assert_eq!(again.weights.len(), 2);
        let f = ["w:tax".to_string(), "is:question".into(), "w:unknown".into()];
        assert!((model.margin(&f) - (-1.75)).abs() < 1e-9);
        let (up, down) = model.reasons(&f);
        assert_eq!(up[0].text, "the word “tax”");
        assert_eq!(down[0].text, "it is a question");
        assert!(Model::parse("bias 1").is_err());
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
