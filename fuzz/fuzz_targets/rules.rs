//! Bytes -> the rule loader (TOML, validation, compilation into a matcher): an error or a
//! rule set, never a panic; a rule set that loads classifies a contact.
#![no_main]

use demand::classify::{Matcher, Scratch, SimpleContact};
use demand::rules::{RuleSet, RuleSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let Ok(set) = RuleSet::load(&[RuleSource {
        name: "fuzz.toml".into(),
        text,
    }]) else {
        return;
    };
    let matcher = Matcher::new(set);
    let contact = SimpleContact {
        text: "cust chasing new bin, missed again 3rd call",
        channel: Some("phone"),
        service: Some("waste"),
        code: Some("MISSED"),
        slots: matcher.slots(),
    };
    let _ = matcher.classify(&contact, &mut Scratch::default());
});
