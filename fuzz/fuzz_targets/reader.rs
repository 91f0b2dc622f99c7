//! Bytes -> the whole reader (format detection, decoding, chunking, CSV parsing,
//! classification, repeat and duplicate detection): never a panic or an internal error,
//! and every row read is accounted for.
#![no_main]

use demand::classify::Matcher;
use demand::input::InputPath;
use demand::pipeline::{run, Options};
use demand::rules::RuleSet;
use demand::Error;
use libfuzzer_sys::fuzz_target;
use std::io::Write;
use std::sync::{Arc, OnceLock};

fn matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(|| Matcher::new(RuleSet::default_rules().expect("default rules")))
}

fuzz_target!(|data: &[u8]| {
    let mut file = tempfile::tempfile().expect("temporary file");
    file.write_all(data).expect("write");
    // The first byte, when there is one, varies the chunk size (tiny chunks cut records
    // everywhere).
    let chunk_bytes = 1 + usize::from(data.first().copied().unwrap_or(0)) * 16;
    let opts = Options {
        threads: 1,
        chunk_bytes,
        ..Options::default()
    };
    match run(
        matcher(),
        &[InputPath::Spooled(Arc::new(file))],
        &opts,
        None,
        None,
    ) {
        Err(Error::Internal(e)) => panic!("internal error: {e}"),
        Err(_) => {} // a clear error for bad input
        Ok(result) => {
            let t = &result.tally;
            let read: u64 = result.inputs.iter().map(|i| i.contacts).sum();
            assert_eq!(read, t.totals().total() + t.rejected + t.duplicates);
        }
    }
});
