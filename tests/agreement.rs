//! How well the embedded default rules agree with people.
//!
//! fixtures/labelled/ holds contacts labelled by hand, independently of the rules (the
//! labeller did not see them): `council-labelled.csv` in terse agent-note style and
//! `holdout.csv` from a different, more verbose council. The binary classifies each file
//! and the test compares `demand_class` with `human_class` on the contacts a person could
//! classify (`human_class` value or failure; `unclear` rows are left out).
//!
//! Run `cargo test --release --test agreement -- --nocapture` to see the figures.

use assert_cmd::Command;
use std::collections::BTreeMap;

struct Agreement {
    labelled: usize,
    agree: usize,
    unclassified: usize,
    /// (human, tool) -> count
    confusion: BTreeMap<(String, String), usize>,
}

fn measure(path: &str) -> Agreement {
    let out = Command::cargo_bin("demand")
        .unwrap()
        .args(["classify", "--quiet", path])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let mut rdr = csv::Reader::from_reader(&out[..]);
    let header = rdr.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (human, tool) = (col("human_class"), col("demand_class"));
    let mut a = Agreement {
        labelled: 0,
        agree: 0,
        unclassified: 0,
        confusion: BTreeMap::new(),
    };
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let (h, t) = (rec[human].to_string(), rec[tool].to_string());
        if h != "value" && h != "failure" {
            continue;
        }
        a.labelled += 1;
        a.agree += usize::from(h == t);
        a.unclassified += usize::from(t == "unclassified");
        *a.confusion.entry((h, t)).or_default() += 1;
    }
    a
}

fn check(path: &str, min_agreement: f64, max_unclassified: f64) {
    let a = measure(path);
    let agreement = a.agree as f64 / a.labelled as f64;
    let unclassified = a.unclassified as f64 / a.labelled as f64;
    println!(
        "{path}: {} labelled contacts, class agreement {:.1}%, unclassified {:.1}%",
        a.labelled,
        agreement * 100.0,
        unclassified * 100.0
    );
    for ((h, t), n) in &a.confusion {
        println!("  human {h:<8} tool {t:<13} {n}");
    }
    assert!(a.labelled >= 100, "{path}: too few labelled contacts");
    assert!(
        agreement >= min_agreement,
        "{path}: agreement {agreement:.3} below {min_agreement}"
    );
    assert!(
        unclassified <= max_unclassified,
        "{path}: unclassified {unclassified:.3} above {max_unclassified}"
    );
}

#[test]
fn default_rules_agree_with_hand_labels() {
    check("fixtures/labelled/council-labelled.csv", 0.85, 0.10);
}

#[test]
fn default_rules_agree_with_hand_labels_from_another_council() {
    check("fixtures/labelled/holdout.csv", 0.80, 0.10);
}
