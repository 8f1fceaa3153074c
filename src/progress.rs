//! Progress bars for long imports and exports.

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar on stderr; indicatif draws nothing when stderr is not a terminal.
pub fn bar(what: &str) -> ProgressBar {
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}
