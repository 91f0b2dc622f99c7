//! Invariants of a run, whatever the data: every row is accounted for (duplicates
//! included), and the figures (repeat contacts included) do not depend on row order, on how
//! rows are split across files, on chunk size or on the number of threads; with duplicate
//! detection, neither does the number of duplicates.

use demand::classify::Matcher;
use demand::input::InputPath;
use demand::pipeline::{run, Options, RepeatRun};
use demand::rules::{RuleSet, RuleSource};
use demand::summary::Tally;
use proptest::prelude::*;
use std::path::Path;

const RULES: &str = r#"
[repeat]
window_days = 7
key = ["customer", "service"]
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
const CUSTOMERS: &[&str] = &["C1", "c1 ", "C2", "C3", ""];
/// Contact ids: few, so that rows share them; " A1" is "A1" once trimmed; an empty id makes
/// the whole row the duplicate key.
const IDS: &[&str] = &["A1", " A1", "A2", "A3", "", ""];

/// One data row: well formed, or (when `bad`) missing its last field. `day` 0 stands for
/// an unreadable timestamp; days 1-30 are in January 2025, at `minute` past 09:00 (few
/// distinct times, so that same-second ties between different rows occur).
#[derive(Debug, Clone)]
struct Row {
    id: usize,
    channel: usize,
    service: usize,
    customer: usize,
    day: u32,
    minute: u32,
    words: Vec<usize>,
    bad: bool,
}

fn row() -> impl Strategy<Value = Row> {
    (
        (0..CHANNELS.len(), 0..SERVICES.len(), 0..CUSTOMERS.len()),
        (0u32..31, 0u32..3),
        prop::collection::vec(0..WORDS.len(), 0..6),
        prop::bool::weighted(0.05),
        0..IDS.len(),
    )
        .prop_map(
            |((channel, service, customer), (day, minute), words, bad, id)| Row {
                id,
                channel,
                service,
                customer,
                day,
                minute,
                words,
                bad,
            },
        )
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A row as the CSV file holds it, without its line terminator.
fn line(r: &Row) -> String {
    let note: Vec<&str> = r.words.iter().map(|&w| WORDS[w]).collect();
    let mut out = format!("{},", IDS[r.id]);
    if r.day == 0 {
        out.push_str("not a date");
    } else {
        out.push_str(&format!("{:02}/01/2025 09:{:02}", r.day, r.minute));
    }
    out.push(',');
    out.push_str(CUSTOMERS[r.customer]);
    out.push(',');
    out.push_str(&csv_field(CHANNELS[r.channel]));
    out.push(',');
    out.push_str(&csv_field(SERVICES[r.service]));
    if !r.bad {
        out.push(',');
        out.push_str(&csv_field(&note.join(" ")));
    }
    out
}

fn write_file(path: &Path, rows: &[Row]) {
    let mut out = String::from("Contact ID,Created,Customer,Channel,Service,Notes\r\n");
    for r in rows {
        out.push_str(&line(r));
        out.push_str("\r\n");
    }
    std::fs::write(path, out).unwrap();
}

/// The duplicates among well-formed rows, counted independently of the pipeline: a row
/// whose trimmed id, or (with no id) whole line, came before.
fn expected_duplicates(rows: &[Row]) -> u64 {
    let mut seen = std::collections::HashSet::new();
    rows.iter()
        .filter(|r| !r.bad)
        .filter(|r| {
            let id = IDS[r.id].trim();
            !seen.insert(if id.is_empty() {
                format!("row {}", line(r))
            } else {
                format!("id {id}")
            })
        })
        .count() as u64
}

fn tally(
    dir: &Path,
    parts: &[&[Row]],
    threads: usize,
    chunk_bytes: usize,
    duplicates: bool,
) -> (Tally, Option<RepeatRun>) {
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
        duplicates,
        ..Options::default()
    };
    let result = run(&matcher, &inputs, &opts, None, None).unwrap();
    (result.tally, result.repeat)
}

/// What a run's repeat detection found, comparable across runs.
fn repeat_figures(r: &Option<RepeatRun>) -> Option<(u64, u64, [u64; 4], u64)> {
    r.as_ref()
        .map(|r| (r.eligible, r.repeats, r.chains, r.ineligible.total()))
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
        let (reference, repeats) = tally(dir.path(), &[&rows], 1, 1 << 20, true);

        // Conservation: every row is classified, rejected or a duplicate, and every
        // classified row was decided by a rule, by no rule, or by repeat detection.
        let totals = reference.totals();
        let bad = rows.iter().filter(|r| r.bad).count() as u64;
        prop_assert_eq!(reference.rejected, bad);
        prop_assert_eq!(reference.duplicates, expected_duplicates(&rows));
        prop_assert_eq!(
            totals.total() + reference.rejected + reference.duplicates,
            rows.len() as u64
        );
        prop_assert_eq!(
            reference.rule_wins.iter().sum::<u64>() + reference.no_rule + reference.repeat_wins,
            totals.total()
        );
        // Every classified row is either checked for repeats or counted as not checked;
        // duplicates are neither.
        let r = repeats.as_ref().expect("repeat detection is on");
        prop_assert_eq!(r.eligible + r.ineligible.total(), totals.total());
        prop_assert_eq!((totals.eligible, totals.repeats), (r.eligible, r.repeats));

        // The same order over two files, tiny chunks and two threads: the same figures,
        // duplicates (the first occurrence is kept) included.
        let cut = split.min(rows.len());
        let (a, b) = rows.split_at(cut);
        let (same, same_repeats) = tally(dir.path(), &[a, b], 2, chunk, true);
        prop_assert_eq!(&reference, &same);
        prop_assert_eq!(repeat_figures(&repeats), repeat_figures(&same_repeats));

        // Shuffle deterministically from the seed, split across two files, tiny chunks,
        // two threads: the same number of duplicates, and with every row kept, the same
        // figures.
        let mut shuffled = rows.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let (a, b) = shuffled.split_at(cut);
        let (other, _) = tally(dir.path(), &[a, b], 2, chunk, true);
        prop_assert_eq!(other.duplicates, reference.duplicates);
        let (kept, kept_repeats) = tally(dir.path(), &[&rows], 1, 1 << 20, false);
        let (other, other_repeats) = tally(dir.path(), &[a, b], 2, chunk, false);
        prop_assert_eq!(kept.duplicates, 0);
        prop_assert_eq!(kept.rejected + kept.totals().total(), rows.len() as u64);
        prop_assert_eq!(kept, other);
        prop_assert_eq!(repeat_figures(&kept_repeats), repeat_figures(&other_repeats));
    }
}
