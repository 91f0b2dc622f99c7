//! Matcher cost per contact: the embedded default rules, and the same rules with ten
//! times as many phrases (issue 3: 10x the phrases may cost at most 2x the time).
//!
//! Contacts are the hand-labelled fixture notes (realistic length and vocabulary).
//! Run: `cargo bench --bench matcher`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use demand::classify::{Matcher, Scratch, SimpleContact};
use demand::rules::{RuleSet, RuleSource};
use std::hint::black_box;

fn notes() -> Vec<String> {
    let mut out = Vec::new();
    for path in [
        "fixtures/labelled/council-labelled.csv",
        "fixtures/labelled/holdout.csv",
    ] {
        let mut rdr = csv::Reader::from_path(path).expect("fixture present");
        let col = rdr
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "Notes")
            .expect("Notes column");
        for rec in rdr.records() {
            out.push(rec.unwrap()[col].to_string());
        }
    }
    out
}

/// The default rules plus extra rules holding `factor - 1` times as many phrases, built
/// from the notes' own vocabulary so that the automaton shares prefixes as real rules do.
fn scaled_rules(notes: &[String], factor: usize) -> RuleSet {
    let base = RuleSet::default_rules().unwrap();
    let phrases: usize = base
        .rules
        .iter()
        .map(|r| r.phrases.len() + r.all.iter().map(Vec::len).sum::<usize>() + r.unless.len())
        .sum();
    let mut words: Vec<String> = notes
        .iter()
        .flat_map(|n| {
            demand::text::normalise(n)
                .split(' ')
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .filter(|w| w.len() > 2)
        .collect();
    words.sort();
    words.dedup();
    let wanted = phrases * (factor - 1);
    let mut extra = String::new();
    let mut made = 0;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    let mut rule = 0;
    while made < wanted {
        extra.push_str(&format!(
            "[[rule]]\nid = \"extra-{rule}\"\nclass = \"value\"\nkind = \"information\"\npriority = -1\nphrases = ["
        ));
        for _ in 0..10 {
            let a = &words[next() % words.len()];
            let b = &words[next() % words.len()];
            extra.push_str(&format!("\"{a} {b}\", "));
            made += 1;
        }
        extra.push_str("]\n");
        rule += 1;
    }
    RuleSet::load(&[
        RuleSource::embedded(),
        RuleSource {
            name: "extra.toml".into(),
            text: extra,
        },
    ])
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let notes = notes();
    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(notes.len() as u64));
    for (name, rules) in [
        ("default_rules", RuleSet::default_rules().unwrap()),
        ("10x_phrases", scaled_rules(&notes, 10)),
    ] {
        let matcher = Matcher::new(rules);
        eprintln!("{name}: {} distinct phrases", matcher.phrase_count());
        let mut scratch = Scratch::default();
        group.bench_function(name, |b| {
            b.iter(|| {
                for n in &notes {
                    let contact = SimpleContact {
                        text: n,
                        slots: matcher.slots(),
                        ..SimpleContact::default()
                    };
                    black_box(matcher.classify(&contact, &mut scratch));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
