//! Any URL text through the address guard: never panics, and whatever it lets through with an IP
//! literal is an address no rule forbids.
#![no_main]

use claimcheck::fetch::guard::{GuardConfig, Target, check_url, forbidden};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(url) = url::Url::parse(text) else { return };
    if let Ok(Target::Address { address, port }) = check_url(&url, &GuardConfig::default()) {
        assert!(forbidden(address).is_none(), "{text} let through {address}");
        assert!(port == 80 || port == 443);
    }
});
