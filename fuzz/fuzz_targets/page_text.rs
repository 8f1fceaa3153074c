//! Fetched pages and quotes, as hostile as they come: extraction never panics on any bytes and any
//! content type, and an excerpt cut from the extracted text is always found in it.
#![no_main]

use claimcheck::domain::quote;
use claimcheck::fetch::extract;
use libfuzzer_sys::fuzz_target;

const TYPES: [&str; 5] = ["text/html", "text/html; charset=windows-1252", "text/plain", "application/json", "application/pdf"];

fuzz_target!(|input: (u8, &[u8], &str)| {
    let (kind, body, excerpt) = input;
    let extracted = extract::extract(body, Some(TYPES[kind as usize % TYPES.len()]));
    let Some(text) = extracted.text else { return };
    let _ = quote::find(excerpt, &text);
    let middle: String = text.chars().skip(text.chars().count() / 3).take(40).collect();
    if middle.chars().filter(|c| c.is_alphanumeric()).count() >= 3 {
        let found = quote::find(&middle, &text).map(|m| m.found);
        assert_ne!(found, Some(false), "a piece of the text is not found in it: {middle:?}");
    }
});
