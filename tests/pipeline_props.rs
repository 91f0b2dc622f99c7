//! Invariants of a run, whatever the data: every row is accounted for, and the figures do
//! not depend on row order, on how rows are split across files, on chunk size or on the
//! number of threads.

use demand::classify::Matcher;
use demand::input::InputPath;
use demand::pipeline::{run, Options};
use demand::rules::{RuleSet, RuleSource};
use demand::summary::Tally;
use proptest::prelude::*;
use std::path::Path;

const RULES: &str = r#"
[channels]
phone = ["tel"]
[[rule]]
id = "chase"
class = "failure"
kind = "progress-chasing"
phrases = ["chas*"]
[[rule]]
id = "missed"
class = "failure"
kind = "not-done-right"
all = [["bin"], ["missed"]]
unless = ["new"]
[[rule]]
id = "bin"
class = "value"
kind = "service-request"
phrases = ["bin"]
[[rule]]
id = "pay"
class = "value"
kind = "payment"
regex = ['\bpa(y|id)\b']
"#;

const WORDS: &[&str] = &[
    "bin",
    "missed",
    "new",
    "chasing",
    "pay",
    "paid",
    "hello",
    "a,b",
    "say \"hi\"",
    "line\nbreak",
    "£5",
    "re:",
    "Chased",
];
const CHANNELS: &[&str] = &["tel", "Phone", "email", ""];
const SERVICES: &[&str] = &["Waste", "Council Tax", ""];

/// One data row: well formed, or (when `bad`) missing its last field.
#[derive(Debug, Clone)]
struct Row {
    channel: usize,
    service: usize,
    words: Vec<usize>,
    bad: bool,
}

fn row() -> impl Strategy<Value = Row> {
    (
        0..CHANNELS.len(),
        0..SERVICES.len(),
        prop::collection::vec(0..WORDS.len(), 0..6),
        prop::bool::weighted(0.05),
    )
        .prop_map(|(channel, service, words, bad)| Row {
            channel,
            service,
            words,
            bad,
        })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_file(path: &Path, rows: &[Row]) {
    let mut out = String::from("Channel,Service,Notes\r\n");
    for r in rows {
        let note: Vec<&str> = r.words.iter().map(|&w| WORDS[w]).collect();
        out.push_str(&csv_field(CHANNELS[r.channel]));
        out.push(',');
        out.push_str(&csv_field(SERVICES[r.service]));
        if !r.bad {
            out.push(',');
            out.push_str(&csv_field(&note.join(" ")));
        }
        out.push_str("\r\n");
    }
    std::fs::write(path, out).unwrap();
}

fn tally(dir: &Path, parts: &[&[Row]], threads: usize, chunk_bytes: usize) -> Tally {
    let set = RuleSet::load(&[RuleSource {
        name: "t.toml".into(),
        text: RULES.into(),
    }])
    .unwrap();
    let matcher = Matcher::new(set);
    let mut inputs = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let p = dir.join(format!("part{i}.csv"));
        write_file(&p, part);
        inputs.push(InputPath::File(p));
    }
    let opts = Options {
        threads,
        chunk_bytes,
        ..Options::default()
    };
    run(&matcher, &inputs, &opts, None, None).unwrap().tally
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn rows_are_conserved_and_order_does_not_matter(
        rows in prop::collection::vec(row(), 1..120),
        seed in any::<u64>(),
        split in 0usize..120,
        chunk in 1usize..400,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let reference = tally(dir.path(), &[&rows], 1, 1 << 20);

        // Conservation: every row is classified or rejected.
        let totals = reference.totals();
        let bad = rows.iter().filter(|r| r.bad).count() as u64;
        prop_assert_eq!(reference.rejected, bad);
        prop_assert_eq!(totals.total() + reference.rejected, rows.len() as u64);
        prop_assert_eq!(reference.rule_wins.iter().sum::<u64>() + reference.no_rule, totals.total());

        // Shuffle deterministically from the seed, split across two files, tiny chunks,
        // two threads: the same figures.
        let mut shuffled = rows.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let cut = split.min(shuffled.len());
        let (a, b) = shuffled.split_at(cut);
        let other = tally(dir.path(), &[a, b], 2, chunk);
        prop_assert_eq!(reference, other);
    }
}
