//! The text normalizer on any text: never panics, and normalizing twice changes nothing (so two texts
//! that are duplicates stay duplicates however often they pass through it).
#![no_main]

use claimcheck::domain::normalize::normalize_text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let once = normalize_text(text);
    assert_eq!(normalize_text(&once), once, "not idempotent on {text:?}");
    assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
});
