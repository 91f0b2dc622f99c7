//! How well the embedded default rules agree with people.
//!
//! fixtures/labelled/ holds contacts labelled by hand by people who did not see the rules
//! when they labelled them, in five sets. They play different parts, and the thresholds
//! say so:
//!
//! - `council-labelled.csv` (terse agent notes) was used to tune the rules: its errors were
//!   read and the rules extended. Its figure is a regression guard, not an estimate.
//! - `dev.csv` (third-person summaries and customers' own web text) was written later. At
//!   first only its aggregate figures were looked at; since the verbose-wording pass (branch
//!   `rules2`) its errors have been read too, so it is now a regression guard as well.
//! - `verbose.csv` (long customer emails and web forms, third-person summaries and terse
//!   notes from other councils' vocabulary) was written and labelled before its author read
//!   the rules, then used to tune them in the same pass. Also a regression guard.
//! - `probe2.csv` (invented contacts in styles the other sets lacked: other councils' and
//!   social landlords' CRM exports, wrap-up codes with short notes, poorly spelt agent notes,
//!   long customer emails, complaints about staff, FOI and member enquiries, value contacts
//!   with failure-sounding words) was written and labelled before its author read the rules,
//!   then used to tune them in batches (branch `rules3`): each batch's first-run figure was
//!   read before its errors were fixed. A regression guard, not an estimate.
//! - `holdout.csv` (verbose emails and web forms) has never been inspected by anyone
//!   writing rules: only the aggregate figures this test prints were looked at. Its figure
//!   is the honest estimate of agreement on a new council.
//!
//! The binary classifies each file and the test compares `demand_class` with `human_class`
//! on the contacts a person could classify (`human_class` value or failure; `unclear` rows
//! are left out). Run `cargo test --release --test agreement -- --nocapture` to see the
//! figures and confusion matrices.

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
fn default_rules_agree_with_the_tuning_set() {
    check("fixtures/labelled/council-labelled.csv", 0.95, 0.03);
}

#[test]
fn default_rules_agree_with_the_dev_council() {
    check("fixtures/labelled/dev.csv", DEV_AGREEMENT, 0.05);
}

#[test]
fn default_rules_agree_with_verbose_customer_wording() {
    check("fixtures/labelled/verbose.csv", VERBOSE_AGREEMENT, 0.05);
}

#[test]
fn default_rules_agree_with_the_probe_styles() {
    check("fixtures/labelled/probe2.csv", PROBE2_AGREEMENT, 0.03);
}

#[test]
fn default_rules_agree_with_the_holdout_council() {
    check("fixtures/labelled/holdout.csv", HOLDOUT_AGREEMENT, 0.12);
}

/// Set just under the figures measured when the rules were last changed (dev 98.6%,
/// verbose 97.4%, probe2 98.4%, holdout 82.9% with 6.6% unclassified); the product's aim is
/// 0.85 with at most 10% unclassified. Dev, verbose and probe2 were read while tuning, so
/// their figures flatter the rules; the holdout figure is the one to quote.
const DEV_AGREEMENT: f64 = 0.95;
const VERBOSE_AGREEMENT: f64 = 0.94;
const PROBE2_AGREEMENT: f64 = 0.97;
const HOLDOUT_AGREEMENT: f64 = 0.82;
