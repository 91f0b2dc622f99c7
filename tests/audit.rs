//! The audit loop on the real binary: `demand sample` draws contacts for people to label,
//! `demand evaluate` scores the rules against their labels.

mod common;

use common::{demand, stdout_of, write};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

/// A small rule set whose answers on fixtures/labelled/known-disagreements.csv are
/// worked out by hand in the tests below.
const RULES: &str = r#"
[ruleset]
name = "known"
version = "1"
[[rule]]
id = "chase"
class = "failure"
kind = "progress-chasing"
phrases = ["chasing"]
[[rule]]
id = "missed"
class = "failure"
kind = "not-done-right"
phrases = ["missed"]
[[rule]]
id = "new-bin"
class = "value"
kind = "service-request"
phrases = ["new bin"]
[[rule]]
id = "pay"
class = "value"
kind = "payment"
phrases = ["pay"]
"#;

/// The same rules and one more, which turns K11 ("hello": people say value, the rules
/// above leave it unclassified) into value.
const HELLO_RULE: &str = r#"
[[rule]]
id = "hello"
class = "value"
kind = "information"
phrases = ["hello"]
"#;

const KNOWN: &str = "fixtures/labelled/known-disagreements.csv";

fn evaluate_json(rules: &Path, extra: &[&str]) -> Value {
    let out = stdout_of(
        demand()
            .args(["evaluate", "--quiet", "--format", "json", "--rules"])
            .arg(rules)
            .arg(KNOWN)
            .args(extra),
    );
    serde_json::from_str(&out).unwrap()
}

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - expected).abs() < 5e-5)
}

// The fixture, by hand (tool answers from RULES; failure beats value on a tie):
//   row  people         tool (rule)            row  people         tool (rule)
//   K01  failure        failure (chase)        K09  failure        value (pay)
//   K02  failure        failure (chase)        K10  value          failure (chase)
//   K03  failure        failure (missed)       K11  value          unclassified (none)
//   K04  failure        failure (missed)       K12  Failure        unclassified (none)
//   K05  value          value (pay)            K13  unclear        unclassified (none)
//   K06  value          value (pay)            K14  (empty: skipped)
//   K07  value          value (new-bin)        K15  value          value (pay)
//   K08  value          value (new-bin)        K16  failure        failure (chase)
// Confusion (people rows x tool columns; value, failure, unclassified):
//   value [5, 1, 1]; failure [1, 5, 1]; unclassified [0, 0, 1]; 15 labelled.
// Agreement 11/15 = .733333.
// Kappa: rows 7/15 7/15 1/15, columns 6/15 6/15 3/15; p_e = (42 + 42 + 3)/225 = 29/75;
//   kappa = (11/15 - 29/75) / (1 - 29/75) = 26/46 = 13/23 = .565217. Fleiss-Cohen-Everitt:
//   A = .311013, B = .024421, C = .157690; var = (A + B - C) / (15 (46/75)^2) = .031500,
//   se = .177482; 95% .217358 to .913077.
// Corrected share without a design: sensitivity 5/6 (K01-04, K16 of those and K09),
//   specificity 5/6 (K05-08, K15 of those and K10), observed 6/12 from the rows the tool
//   classified: J = 2/3, (1/2 + 5/6 - 1) / (2/3) = .5.

#[test]
fn evaluate_finds_the_hand_computed_confusion_matrix_and_kappa() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "rules.toml", RULES);
    let e = evaluate_json(&rules, &[]);
    assert_eq!(e["schema"], "demand.evaluation/1");
    assert_eq!(
        e["confusion"]["counts"],
        serde_json::json!([[5, 1, 1], [1, 5, 1], [0, 0, 1]])
    );
    assert_eq!(e["rows"]["labelled"], 15);
    assert_eq!(e["rows"]["unlabelled"], 1);
    assert_eq!(e["rows"]["read"], 16);
    assert!(close(&e["agreement"], 11.0 / 15.0), "{}", e["agreement"]);
    assert!(close(&e["kappa"], 13.0 / 23.0), "{}", e["kappa"]);
    assert!(close(&e["kappa_se"], 0.177482), "{}", e["kappa_se"]);
    assert!(close(&e["kappa_ci95"][0], 0.217358));
    assert!(close(&e["kappa_ci95"][1], 0.913077));
    // Wilson 95% for 11/15.
    let [lo, hi] = [&e["agreement_ci95"][0], &e["agreement_ci95"][1]];
    assert!(lo.as_f64().unwrap() < 11.0 / 15.0 && hi.as_f64().unwrap() > 11.0 / 15.0);
    // value: people 7, tool 6, both 5: precision 5/6, recall 5/7, F1 10/13.
    let value = &e["classes"][0];
    assert_eq!(value["name"], "value");
    assert!(close(&value["precision"], 5.0 / 6.0) && close(&value["recall"], 5.0 / 7.0));
    assert!(close(&value["f1"], 10.0 / 13.0));
    // payment: people K05 K06 K15, tool those and K09: precision 3/4, recall 1.
    let kinds = e["kinds"].as_array().unwrap();
    let payment = kinds.iter().find(|k| k["name"] == "payment").unwrap();
    assert!(close(&payment["precision"], 0.75) && close(&payment["recall"], 1.0));
    // Disagreements: no rule 2 (K11, K12), then chase 1 (K10) and pay 1 (K09).
    let d = e["disagreements"].as_array().unwrap();
    let rules: Vec<(&str, u64)> = d
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap(),
                r["disagreements"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rules, [("(no rule)", 2), ("chase", 1), ("pay", 1)]);
    assert_eq!(d[2]["by_pair"]["failure->value"], 1);
    let c = &e["corrected"];
    assert_eq!(c["observed_from"], "sample");
    assert!(close(&c["sensitivity"], 5.0 / 6.0) && close(&c["specificity"], 5.0 / 6.0));
    assert!(
        close(&c["observed"], 0.5) && close(&c["estimate"], 0.5),
        "{c}"
    );
}

#[test]
fn evaluate_rescores_with_edited_rules() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "rules.toml", &format!("{RULES}{HELLO_RULE}"));
    let e = evaluate_json(&rules, &[]);
    // K11 moves from value->unclassified to value->value.
    assert_eq!(
        e["confusion"]["counts"],
        serde_json::json!([[6, 1, 0], [1, 5, 1], [0, 0, 1]])
    );
    assert!(close(&e["agreement"], 12.0 / 15.0));
}

/// A design for the fixture as if drawn by class from a log of 600 value, 300 failure
/// and 100 unclassified contacts with RULES; `demand_sample` numbers are the row numbers.
fn known_design(dir: &Path, version: &str) -> PathBuf {
    let strata = [
        "failure",
        "failure",
        "failure",
        "failure",
        "value",
        "value",
        "value",
        "value",
        "value",
        "failure",
        "unclassified",
        "unclassified",
        "unclassified",
        "unclassified",
        "value",
        "failure",
    ];
    let rows: Vec<Value> = strata
        .iter()
        .enumerate()
        .map(|(i, s)| serde_json::json!({"sample": i + 1, "stratum": s, "class": s}))
        .collect();
    let design = serde_json::json!({
        "schema": "demand.sample-design/1",
        "tool_version": "0.1.0",
        "seed": 7,
        "n": 16,
        "drawn": 16,
        "stratify": "class",
        "min_per_stratum": 5,
        "blind": false,
        "ruleset": {"name": "known", "version": version, "sources": ["rules.toml"]},
        "inputs": [{"source": "log.csv", "contacts": 1000, "rejected": 0}],
        "population": {"contacts": 1000, "value": 600, "failure": 300,
                       "unclassified": 100, "rejected": 0},
        "strata": [
            {"key": "failure", "population": 300, "sample": 6},
            {"key": "unclassified", "population": 100, "sample": 4},
            {"key": "value", "population": 600, "sample": 6}
        ],
        "rows": rows,
    });
    write(dir, &format!("design-{version}.json"), &design.to_string())
}

#[test]
fn evaluate_weights_the_corrected_share_by_stratum() {
    // Weights: value 600/6 = 100 a row, failure 300/6 = 50, unclassified 100/3 (K14 is
    // unlabelled). Sensitivity: people failure, tool classified: K01-04, K16 (tool failure,
    // 50 each) and K09 (tool value, 100): 250/350 = 5/7, Kish n (350^2 / 22500) = 5.444.
    // Specificity: K05-08, K15 (tool value, 100 each) and K10 (tool failure, 50):
    // 500/550 = 10/11, Kish n 302500 / 52500 = 5.762. Observed: the log's 300/900 = 1/3.
    // J = 5/7 + 10/11 - 1 = 48/77; corrected = (1/3 + 10/11 - 1) / (48/77) = 7/18 = .388889.
    // var = [(1/3)(2/3)/900 + (7/18)^2 (5/7)(2/7)/5.444 + (11/18)^2 (10/11)(1/11)/5.762]
    //       / (48/77)^2 = (.000246914 + .0056689 + .0053565) / .388598 = .029008;
    // se = .170317; 95% .055073 to .722704.
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "rules.toml", RULES);
    let design = known_design(dir.path(), "1");
    let e = evaluate_json(&rules, &["--design", design.to_str().unwrap()]);
    let c = &e["corrected"];
    assert_eq!(c["observed_from"], "log", "{e}");
    assert_eq!(c["weighted"], true);
    assert!(close(&c["observed"], 1.0 / 3.0));
    assert!(close(&c["sensitivity"], 5.0 / 7.0), "{c}");
    assert!(close(&c["specificity"], 10.0 / 11.0), "{c}");
    assert!(close(&c["estimate"], 7.0 / 18.0), "{c}");
    assert!(
        close(&c["ci95"][0], 0.055073) && close(&c["ci95"][1], 0.722704),
        "{c}"
    );
    let strata = e["design"]["strata"].as_array().unwrap();
    assert!(close(&strata[0]["weight"], 50.0) && close(&strata[2]["weight"], 100.0));
    // The matrix itself is not weighted.
    assert_eq!(e["confusion"]["counts"][0], serde_json::json!([5, 1, 1]));

    // Rules of another version: the whole-log share is not theirs, so the sample's is used.
    let other = known_design(dir.path(), "2");
    let e = evaluate_json(&rules, &["--design", other.to_str().unwrap()]);
    assert_eq!(e["corrected"]["observed_from"], "sample");
    assert!(e["notes"].to_string().contains("known 2"), "{}", e["notes"]);
    // Edited rules under the same name and version: K11 changes class, so the same.
    let edited = write(dir.path(), "edited.toml", &format!("{RULES}{HELLO_RULE}"));
    let e = evaluate_json(&edited, &["--design", design.to_str().unwrap()]);
    assert_eq!(e["corrected"]["observed_from"], "sample");
    assert!(
        e["notes"].to_string().contains("1 labelled row(s)"),
        "{}",
        e["notes"]
    );
}

#[test]
fn evaluate_rejects_unknown_labels_and_files_without_labels() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.csv",
        "id,notes,human_class\n1,chasing,failure\n2,pay,valeu\n",
    );
    let err = demand()
        .args(["evaluate", "-q"])
        .arg(&bad)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&err);
    assert!(err.contains("data row 2") && err.contains("valeu"), "{err}");
    let none = write(dir.path(), "none.csv", "id,notes\n1,chasing\n");
    let err = demand()
        .args(["evaluate", "-q"])
        .arg(&none)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&err).contains("human_class, label, human, expected"));
    // Another accepted name for the label column, and the table output.
    let label = write(
        dir.path(),
        "label.csv",
        "id,notes,Label\n1,chasing my refund,failure\n2,pay ctax,value\n3,hello,\n",
    );
    let rules = write(dir.path(), "rules.toml", RULES);
    let out = stdout_of(
        demand()
            .args(["evaluate", "-q", "--rules"])
            .arg(&rules)
            .arg(&label),
    );
    assert!(
        out.contains("2 labelled, 1 with no human label (skipped)"),
        "{out}"
    );
    assert!(out.contains("Agreement      100.0%"), "{out}");
}

/// Draws a sample of fixtures/contacts.csv into `dir/name`; returns (csv, design).
fn sample(dir: &Path, name: &str, args: &[&str]) -> (String, Value) {
    let out = dir.join(name);
    demand()
        .args(["sample", "--quiet", "fixtures/contacts.csv", "-o"])
        .arg(&out)
        .args(args)
        .assert()
        .success();
    let design = fs::read_to_string(dir.join(format!("{name}.design.json"))).unwrap();
    (
        fs::read_to_string(out).unwrap(),
        serde_json::from_str(&design).unwrap(),
    )
}

fn records(csv: &str) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header = r.headers().unwrap().clone();
    (header, r.records().map(|r| r.unwrap()).collect())
}

#[test]
fn sample_is_reproducible_with_its_seed() {
    let dir = tempfile::tempdir().unwrap();
    let (a, design) = sample(dir.path(), "a.csv", &["-n", "25", "--seed", "7"]);
    let (b, _) = sample(
        dir.path(),
        "b.csv",
        &["-n", "25", "--seed", "7", "--threads", "1"],
    );
    let (c, _) = sample(dir.path(), "c.csv", &["-n", "25", "--seed", "8"]);
    assert_eq!(a, b, "same seed, same sample (whatever the threads)");
    assert_ne!(a, c, "another seed, another sample");
    let (header, rows) = records(&a);
    assert_eq!(rows.len(), 25);
    assert_eq!(
        header.iter().skip(6).collect::<Vec<_>>(),
        [
            "demand_sample",
            "demand_class",
            "demand_kind",
            "human_class",
            "human_kind"
        ]
    );
    // Distinct contacts, numbered in order, labels empty, in the design as drawn.
    let ids: std::collections::BTreeSet<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(ids.len(), 25);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[6], (i + 1).to_string());
        assert!(r[9].is_empty() && r[10].is_empty());
        assert_eq!(design["rows"][i]["class"], r[7]);
    }
    assert_eq!(design["seed"], 7);
    assert_eq!(design["drawn"], 25);
    assert_eq!(design["population"]["contacts"], 400);
    assert_eq!(design["strata"][0]["population"], 400);
    assert_eq!(design["ruleset"]["name"], "council");
}

#[test]
fn sample_takes_everything_from_a_small_log() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, design) = sample(dir.path(), "all.csv", &["-n", "1000", "--seed", "1"]);
    assert_eq!(records(&csv).1.len(), 400);
    assert_eq!(design["drawn"], 400);
}

#[test]
fn blind_sample_leaves_the_answer_out() {
    let dir = tempfile::tempdir().unwrap();
    let (seen, _) = sample(dir.path(), "seen.csv", &["-n", "10", "--seed", "3"]);
    let (blind, design) = sample(
        dir.path(),
        "blind.csv",
        &["-n", "10", "--seed", "3", "--blind"],
    );
    let (header, rows) = records(&blind);
    assert!(!header
        .iter()
        .any(|h| h.starts_with("demand_") && h != "demand_sample"));
    assert_eq!(header.iter().next_back(), Some("human_kind"));
    // The same contacts as the sighted sample, without the tool's columns.
    let (_, seen_rows) = records(&seen);
    for (b, s) in rows.iter().zip(&seen_rows) {
        assert_eq!(
            b.iter().take(7).collect::<Vec<_>>(),
            s.iter().take(7).collect::<Vec<_>>()
        );
        for answer in ["value", "failure", "unclassified"] {
            assert!(!b.iter().skip(6).any(|f| f == answer));
        }
    }
    assert_eq!(design["blind"], true);
}

#[test]
fn stratified_sample_allocates_by_size_with_a_minimum() {
    // A log RULES classes as 60 failure ("chasing"), 30 value ("pay") and 10 unclassified.
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "rules.toml", RULES);
    let mut log = String::from("id,notes\n");
    for i in 0..100 {
        let text = match i % 10 {
            0..=5 => "chasing",
            6..=8 => "pay",
            _ => "hello",
        };
        log.push_str(&format!("{i},{text} {i}\n"));
    }
    let log = write(dir.path(), "log.csv", &log);
    let out = dir.path().join("s.csv");
    demand()
        .args([
            "sample",
            "-q",
            "-n",
            "20",
            "--seed",
            "7",
            "--stratify",
            "class",
            "--rules",
        ])
        .arg(&rules)
        .arg(&log)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let design: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("s.csv.design.json")).unwrap())
            .unwrap();
    // Minimum 5 each (15); the other 5 shared over what is left, 55, 5, 25 (85):
    // 3.24, .29, 1.47 -> 3, 0, 1, and the one left to the largest remainder (.47, value):
    // failure 8, unclassified 5, value 7.
    let strata: Vec<(&str, u64, u64)> = design["strata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["key"].as_str().unwrap(),
                s["population"].as_u64().unwrap(),
                s["sample"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        strata,
        [
            ("failure", 60, 8),
            ("unclassified", 10, 5),
            ("value", 30, 7)
        ]
    );
    // Every row is in its stratum: with class strata, the tool's class.
    let (_, rows) = records(&fs::read_to_string(&out).unwrap());
    assert_eq!(rows.len(), 20);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(design["rows"][i]["stratum"], r[3]);
        assert_eq!(design["rows"][i]["class"], r[3]);
    }
    // Too many strata for n at the minimum: a usage error, and nothing written.
    demand()
        .args([
            "sample",
            "-q",
            "fixtures/contacts.csv",
            "-n",
            "10",
            "--seed",
            "1",
        ])
        .args(["--stratify", "service", "-o"])
        .arg(dir.path().join("none.csv"))
        .assert()
        .code(2);
    assert!(!dir.path().join("none.csv").exists());
    assert!(!dir.path().join("none.csv.design.json").exists());
}

#[test]
fn a_labelled_stratified_sample_evaluates_with_its_design() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, _) = sample(
        dir.path(),
        "s.csv",
        &["-n", "40", "--seed", "11", "--stratify", "channel"],
    );
    // A "person" who agrees with the tool except on unclassified contacts, which they
    // call value: then sensitivity and specificity are 1 and the corrected share is the
    // log's observed one.
    let (header, rows) = records(&csv);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).unwrap();
    for r in &rows {
        let mut r: Vec<String> = r.iter().map(String::from).collect();
        r[9] = if r[7] == "unclassified" {
            "value".into()
        } else {
            r[7].clone()
        };
        w.write_record(&r).unwrap();
    }
    let labelled = write(
        dir.path(),
        "labelled.csv",
        &String::from_utf8(w.into_inner().unwrap()).unwrap(),
    );
    let out = stdout_of(
        demand()
            .args(["evaluate", "-q", "--format", "json", "--design"])
            .arg(dir.path().join("s.csv.design.json"))
            .arg(&labelled),
    );
    let e: Value = serde_json::from_str(&out).unwrap();
    let c = &e["corrected"];
    assert_eq!(c["observed_from"], "log", "{e}");
    assert!(close(&c["sensitivity"], 1.0) && close(&c["specificity"], 1.0));
    // Samples and evaluations judge contacts on their own, without repeat detection.
    let report: Value = serde_json::from_str(&stdout_of(demand().args([
        "report",
        "-q",
        "--no-repeat",
        "--format",
        "json",
        "fixtures/contacts.csv",
    ])))
    .unwrap();
    let share = report["failure_share"]["estimate"].as_f64().unwrap();
    assert!(close(&c["estimate"], share), "{c}");
    assert!(close(&c["observed"], share), "{c}");
    assert_eq!(e["rows"]["labelled"], 40);
}

#[test]
fn sample_needs_a_file_and_a_positive_n() {
    for args in [&["-o", "-"][..], &["-n", "0", "-o", "x.csv"][..]] {
        demand()
            .args(["sample", "-q", "fixtures/contacts.csv", "--seed", "1"])
            .args(args)
            .assert()
            .code(2);
    }
    assert!(!Path::new("x.csv").exists());
}
