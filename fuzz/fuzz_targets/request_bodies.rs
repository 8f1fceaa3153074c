//! Any bytes as the body of each write endpoint: parsing and validation answer, never panic.
#![no_main]

use claimcheck::api::extract::parse_json;
use claimcheck::api::transitions::TransitionInput;
use claimcheck::domain::claim::{ClaimInput, ClaimPatch};
use claimcheck::domain::evidence::{EvidenceInput, EvidencePatch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = parse_json::<ClaimInput>(data) {
        if let Ok(content) = input.validate() {
            assert!(!content.normalized().is_empty(), "a valid claim always has words");
            if let Ok(patch) = parse_json::<ClaimPatch>(data) {
                let _ = patch.apply(&content);
            }
        }
    }
    if let Ok(input) = parse_json::<EvidenceInput>(data) {
        if let Ok(item) = input.validate() {
            assert!((0.0..=1.0).contains(&item.reliability) && (0.0..=1.0).contains(&item.confidence));
        }
    }
    let _ = parse_json::<EvidencePatch>(data);
    let _ = parse_json::<TransitionInput>(data);
});
