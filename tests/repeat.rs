//! Repeat detection on the real binary: a log whose repeats are known by construction,
//! read whole, shuffled, split across files and piped; the same figures every time.

mod common;

use common::{demand, stderr_of, stdout_of, write, RULES};
use serde_json::Value;
use std::path::Path;

/// The shared test rules (which map "refuse" to waste) with a repeat table.
fn repeat_rules() -> String {
    format!("{RULES}\n[repeat]\nwindow_days = 14\nkey = [\"customer\", \"service\"]\n")
}

const HEADER: &str = "Ref,Created,Customer,Service,Channel,Notes";

/// Eleven contacts. Repeats by construction: R2 (R1 + 4 days, value -> repeat), R6
/// (failure already, keeps its kind), R7 (R6 + 2 days, chain of three), R11 (R10 + 30
/// minutes; "c4 " and "refuse" fold to C4 and waste). Not repeats: R3 (20 days after R2),
/// R4 (another service), R5 (first of its chain). Not checked: R8 (no date), R9 (no
/// customer).
const ROWS: [&str; 11] = [
    "R1,01/03/2025 09:00,C1,Waste,Phone,new bin please",
    "R2,05/03/2025 10:00,C1,Waste,Phone,new bin please",
    "R3,25/03/2025 10:00,C1,Waste,Phone,new bin please",
    "R4,02/03/2025 09:00,C1,Council Tax,Phone,pay ctax",
    "R5,03/03/2025 09:00,C2,Waste,Email,bins missed",
    "R6,04/03/2025 09:00,C2,Waste,Email,chasing my bin",
    "R7,06/03/2025 09:00,C2,Waste,Web,hello",
    "R8,not a date,C3,Waste,Phone,new bin",
    "R9,07/03/2025 09:00,,Waste,Phone,new bin",
    "R10,2025-03-08T09:00:00Z,C4,Waste,Phone,pay",
    "R11,08/03/2025 09:30,c4 ,refuse,Phone,pay",
];

fn log(rows: &[&str]) -> String {
    let mut s = format!("{HEADER}\r\n");
    for r in rows {
        s.push_str(r);
        s.push_str("\r\n");
    }
    s
}

fn report(dir: &Path, logs: &[&Path], extra: &[&str]) -> Value {
    let rules = write(dir, "rules.toml", &repeat_rules());
    let out = stdout_of(
        demand()
            .args(["report", "-q", "--format", "json", "--rules"])
            .arg(&rules)
            .args(extra)
            .args(logs),
    );
    serde_json::from_str(&out).unwrap()
}

#[test]
fn known_repeats_are_found_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "log.csv", &log(&ROWS));
    let v = report(dir.path(), &[&path], &[]);
    let t = &v["totals"];
    assert_eq!(
        (
            &t["contacts"],
            &t["value"],
            &t["failure"],
            &t["unclassified"]
        ),
        (&11.into(), &6.into(), &5.into(), &0.into()),
        "{t}"
    );
    let r = &t["repeat"];
    assert_eq!(r["eligible"], 9);
    assert_eq!(r["repeats"], 4);
    assert_eq!(r["converted"], 3);
    assert_eq!(r["already_failure"], 1);
    assert_eq!(
        r["chains"],
        serde_json::json!({"2": 2, "3": 1, "4": 0, "5+": 0})
    );
    assert_eq!(
        r["ineligible"],
        serde_json::json!({"unrecognised timestamp": 1, "empty customer": 1})
    );
    let waste = r["by_service"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["key"] == "waste")
        .unwrap();
    assert_eq!(
        (&waste["eligible"], &waste["repeats"]),
        (&8.into(), &4.into())
    );
    let kinds = v["breakdowns"]["kind"].as_array().unwrap();
    let repeat = kinds.iter().find(|k| k["key"] == "repeat").unwrap();
    assert_eq!(repeat["failure"], 3);

    // Without repeat detection only the notes count.
    let off = report(dir.path(), &[&path], &["--no-repeat"]);
    assert_eq!(off["totals"]["failure"], 2);
    assert!(off["totals"].get("repeat").is_none());
}

#[test]
fn order_files_and_stdin_do_not_change_the_figures() {
    let dir = tempfile::tempdir().unwrap();
    let whole = write(dir.path(), "whole.csv", &log(&ROWS));
    let reference = report(dir.path(), &[&whole], &[]);
    let mut shuffled: Vec<&str> = ROWS.to_vec();
    shuffled.reverse();
    shuffled.rotate_left(4);
    let a = write(dir.path(), "a.csv", &log(&shuffled[..5]));
    let b = write(dir.path(), "b.csv", &log(&shuffled[5..]));
    let split = report(dir.path(), &[&b, &a], &["--threads", "2"]);
    assert_eq!(reference["totals"], split["totals"]);
    assert_eq!(reference["breakdowns"], split["breakdowns"]);

    let rules = write(dir.path(), "rules.toml", &repeat_rules());
    let piped: Value = serde_json::from_str(&stdout_of(
        demand()
            .args(["report", "-q", "--format", "json", "--rules"])
            .arg(&rules)
            .write_stdin(log(&shuffled)),
    ))
    .unwrap();
    assert_eq!(reference["totals"], piped["totals"]);
}

#[test]
fn classify_marks_repeats_in_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "log.csv", &log(&ROWS));
    let rules = write(dir.path(), "rules.toml", &repeat_rules());
    let out = stdout_of(
        demand()
            .args(["classify", "-q", "--rules"])
            .arg(&rules)
            .arg(&path),
    );
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let got: Vec<(String, String, String, String)> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].into(), r[6].into(), r[7].into(), r[8].into())
        })
        .collect();
    let row = |id: &str| got.iter().find(|g| g.0 == id).unwrap().clone();
    let ids: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
    assert_eq!(
        ids,
        ROWS.iter()
            .map(|r| &r[..r.find(',').unwrap()])
            .collect::<Vec<_>>()
    );
    for id in ["R2", "R7", "R11"] {
        assert_eq!(
            row(id),
            (
                id.into(),
                "failure".into(),
                "repeat".into(),
                "repeat".into()
            )
        );
    }
    assert_eq!(row("R6").3, "chase");
    assert_eq!(row("R3").1, "value");
    assert_eq!(row("R8").1, "value");
}

#[test]
fn month_first_dates_are_named_once_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "us.csv",
        &log(&[
            "U1,03/10/2025 09:00,C1,Waste,Phone,new bin",
            "U2,10/21/2025 09:00,C1,Waste,Phone,new bin",
            "U3,10/22/2025 09:00,C1,Waste,Phone,new bin",
        ]),
    );
    let rules = write(dir.path(), "rules.toml", &repeat_rules());
    let stderr = stderr_of(
        demand()
            .args(["report", "-q", "--rules"])
            .arg(&rules)
            .arg(&path),
        0,
    );
    assert_eq!(stderr.matches("month first").count(), 2, "{stderr}");
    assert!(
        stderr.contains("us.csv:3") && stderr.contains("10/21/2025"),
        "{stderr}"
    );
    let v = report(dir.path(), &[&path], &[]);
    assert_eq!(
        v["totals"]["repeat"]["ineligible"]["month-first date read day-first"],
        2
    );
    let us = report(dir.path(), &[&path], &["--month-first"]);
    assert_eq!(us["totals"]["repeat"]["eligible"], 3);
    assert_eq!(us["totals"]["repeat"]["repeats"], 1);
}

#[test]
fn a_missing_key_column_is_said_and_a_bad_repeat_table_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "nokey.csv",
        "Created,Notes\n01/03/2025,new bin\n",
    );
    let rules = write(dir.path(), "rules.toml", &repeat_rules());
    let stderr = stderr_of(
        demand()
            .args(["report", "-q", "--rules"])
            .arg(&rules)
            .arg(&path),
        0,
    );
    assert!(stderr.contains("no customer or service column"), "{stderr}");
    // Without a key nothing is checked for repeats, yet a month-first date is still named
    // when the period breakdown reads it.
    let us = write(dir.path(), "us.csv", "Created,Notes\n10/21/2025,new bin\n");
    let stderr = stderr_of(
        demand()
            .args(["report", "-q", "--by-period", "week", "--rules"])
            .arg(&rules)
            .arg(&us),
        0,
    );
    assert!(
        stderr.contains("us.csv:2") && stderr.contains("month first"),
        "{stderr}"
    );
    let bad = write(
        dir.path(),
        "bad.toml",
        &repeat_rules().replace("window_days = 14", "window_days = 0"),
    );
    let line = 1 + repeat_rules()
        .lines()
        .position(|l| l.starts_with("window_days"))
        .unwrap();
    let stderr = stderr_of(demand().args(["rules", "check", "--rules"]).arg(&bad), 1);
    assert!(stderr.contains(&format!("bad.toml:{line}:15:")), "{stderr}");
}
