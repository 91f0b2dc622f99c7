//! Rule authoring on the real binary: extending the built-in rules (`rules show`,
//! `rules init`), measuring rules on a log (`rules stats`) and explaining decisions
//! (`explain`, `classify --explain`).

mod common;

use assert_cmd::Command;
use common::{demand, stderr_of, stdout_of, write};
use serde_json::Value;
use std::fs;

/// A local file extending the built-in rules: one disabled, one redefined, one added, and
/// a channel spelling moved.
const LOCAL: &str = r#"
extends = "council"
disable = ["v-catchall-advised"]
[ruleset]
name = "local"
[channels]
email = ["mail"]
[[rule]]
id = "f-chasing-any-update"
class = "failure"
kind = "progress-chasing"
priority = 45
phrases = ["any news"]
examples = ["any news on my claim"]
[[rule]]
id = "local-beach-hut"
class = "value"
kind = "booking"
priority = 14
phrases = ["beach hut*"]
examples = ["hire a beach hut"]
"#;

#[test]
fn a_local_file_extends_the_default_disables_redefines_and_adds() {
    let dir = tempfile::tempdir().unwrap();
    let local = write(dir.path(), "local.toml", LOCAL);
    let shown = stdout_of(demand().args(["rules", "show", "--rules"]).arg(&local));
    let default = stdout_of(demand().args(["rules", "show"]));
    let ids = |toml: &str| -> Vec<String> {
        toml.lines()
            .filter_map(|l| l.strip_prefix("id = "))
            .map(|s| s.trim_matches('\'').to_string())
            .collect()
    };
    let (mine, base) = (ids(&shown), ids(&default));
    assert!(!mine.contains(&"v-catchall-advised".to_string()));
    assert!(base.contains(&"v-catchall-advised".to_string()));
    assert_eq!(mine.last().unwrap(), "local-beach-hut");
    let pos = |ids: &[String], id: &str| ids.iter().position(|x| x == id).unwrap();
    // Redefined in place: same position as in the default set.
    assert_eq!(
        pos(&mine, "f-chasing-any-update"),
        pos(&base, "f-chasing-any-update")
    );
    assert!(shown.contains("phrases = ['any news']"), "{shown}");
    assert!(shown.contains("name = 'local'"));

    // The shown set loads back and classifies the same.
    let flat = write(dir.path(), "flat.toml", &shown);
    let again = stdout_of(demand().args(["rules", "show", "--rules"]).arg(&flat));
    let body = |t: &str| -> String {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&again), body(&shown));

    for rules in [&local, &flat] {
        let out = stdout_of(
            demand()
                .args(["explain", "any news about the beach hut"])
                .arg("--rules")
                .arg(rules),
        );
        assert!(
            out.starts_with("class failure  kind progress-chasing  rule f-chasing-any-update"),
            "{out}"
        );
        assert!(out.contains("local-beach-hut"), "{out}");
        // "any update" now belongs to nobody's chasing rule.
        let out = stdout_of(
            demand()
                .args(["explain", "any update"])
                .arg("--rules")
                .arg(rules),
        );
        assert!(!out.contains("f-chasing-any-update"), "{out}");
    }
    stdout_of(demand().args(["rules", "test", "--rules"]).arg(&local));
}

#[test]
fn extends_problems_are_errors_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.toml",
        "extends = \"council\"\ndisable = [\"no-such-rule\"]\n",
    );
    let err = stderr_of(demand().args(["rules", "check", "--rules"]).arg(&bad), 1);
    assert!(
        err.contains("bad.toml:2:12: disable: no rule \"no-such-rule\""),
        "{err}"
    );
    let missing = write(dir.path(), "missing.toml", "extends = \"gone.toml\"\n");
    let err = stderr_of(demand().args(["rules", "show", "--rules"]).arg(&missing), 2);
    assert!(
        err.contains("missing.toml:1:11: extends \"gone.toml\""),
        "{err}"
    );
    write(dir.path(), "a.toml", "extends = \"b.toml\"\n");
    write(dir.path(), "b.toml", "extends = \"a.toml\"\n");
    let err = stderr_of(
        demand()
            .args(["rules", "check", "--rules"])
            .arg(dir.path().join("a.toml")),
        1,
    );
    assert!(err.contains("b.toml:1:11: extends cycle:"), "{err}");
}

#[test]
fn rules_init_writes_a_starter_that_passes_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("rules");
    stdout_of(demand().args(["rules", "init"]).arg(&target));
    let file = target.join("rules.toml");
    let text = fs::read_to_string(&file).unwrap();
    assert!(text.contains("extends = \"council\""));
    for condition in ["phrases = ", "all = ", "regex = ", "unless = ", "fields = "] {
        assert!(text.contains(condition), "no {condition} example");
    }
    let out = stdout_of(demand().args(["rules", "test", "--rules"]).arg(&file));
    assert!(out.ends_with(" passed, 0 failed\n"), "{out}");
    stdout_of(demand().args(["rules", "check", "--rules"]).arg(&file));
    fs::write(&file, "# mine\n").unwrap();
    let err = stderr_of(demand().args(["rules", "init"]).arg(&target), 2);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(fs::read_to_string(&file).unwrap(), "# mine\n");
}

#[test]
fn rules_stats_agrees_with_the_report_and_lists_what_no_rule_matched() {
    let json = |cmd: &mut Command| -> Value { serde_json::from_str(&stdout_of(cmd)).unwrap() };
    let stats = json(demand().args([
        "rules",
        "stats",
        "fixtures/contacts.csv",
        "--format",
        "json",
        "-q",
    ]));
    let report = json(demand().args(["report", "fixtures/contacts.csv", "--format", "json", "-q"]));
    assert_eq!(stats["schema"], "demand.rule-stats/1");
    let contacts = stats["contacts"].as_u64().unwrap();
    assert_eq!(contacts, 400);
    assert_eq!(report["totals"]["contacts"], 400);
    let rules = stats["rules"].as_array().unwrap();
    let report_rules = report["rules"].as_array().unwrap();
    assert_eq!(rules.len(), report_rules.len());
    let mut never = Vec::new();
    for (s, r) in rules.iter().zip(report_rules) {
        assert_eq!(s["id"], r["id"]);
        assert_eq!(s["hits"], r["hits"], "{}", s["id"]);
        assert_eq!(s["wins"], r["wins"], "{}", s["id"]);
        let hits = s["hits"].as_u64().unwrap();
        let coverage = s["coverage"].as_f64().unwrap();
        assert!((coverage - hits as f64 / contacts as f64).abs() < 1e-9);
        assert!(s["conflicts"].as_u64().unwrap() <= hits);
        for o in s["overlaps"].as_array().unwrap() {
            assert!(o["contacts"].as_u64().unwrap() <= hits);
        }
        if hits == 0 {
            never.push(s["id"].as_str().unwrap().to_string());
        }
    }
    let listed: Vec<String> = stats["never_matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, never);
    // The default class is unclassified, so "matched by no rule" is "unclassified".
    let u = &stats["unmatched"];
    assert_eq!(u["contacts"], report["totals"]["unclassified"]);
    assert_eq!(u["undercount"], 0);
    let words = u["words"].as_array().unwrap();
    assert!(!words.is_empty());
    for w in words {
        assert!(w["contacts"].as_u64().unwrap() >= 2);
        let text = w["text"].as_str().unwrap();
        assert!(!demand::ngrams::is_stop_word(text), "{text}");
    }

    let table = stdout_of(demand().args(["rules", "stats", "fixtures/contacts.csv", "-q"]));
    assert!(table.contains("never matched ("), "{table}");
    assert!(table.contains("two-word phrases:"), "{table}");
    let csv = stdout_of(demand().args([
        "rules",
        "stats",
        "fixtures/contacts.csv",
        "-q",
        "--format",
        "csv",
    ]));
    assert!(
        csv.starts_with("section,key,class,kind,priority,contacts,share,wins,conflicts,overlaps\n")
    );
    assert_eq!(
        csv.lines().filter(|l| l.starts_with("rule,")).count(),
        rules.len()
    );
}

#[test]
fn explain_shows_spans_vetoes_and_why_the_winner_won() {
    let out = stdout_of(demand().args([
        "explain",
        "Cust CHASING new HB claim, any update? complaint re neighbour",
    ]));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("class failure  kind progress-chasing  rule f-chasing-"));
    assert_eq!(
        lines[1],
        "text (line 1, normalised): \"cust chasing new hb claim any update complaint re neighbour\""
    );
    assert!(out.contains("phrase \"any update\" at 26..36"), "{out}");
    assert!(out.contains("found \"chasing\" at 5..12"), "{out}");
    assert!(out.contains("  vetoed  f-complaint-general"), "{out}");
    assert!(out.contains("unless \"neighbour\" at 50..59"), "{out}");
    let why = lines.last().unwrap();
    assert!(why.starts_with("why: f-chasing-"), "{why}");
    assert!(why.contains("earlier in the rule order"), "{why}");
}

#[test]
fn classify_explain_adds_matched_rules_and_a_reason_and_changes_nothing_else() {
    let read = |explain: bool| -> Vec<csv::StringRecord> {
        let mut cmd = demand();
        cmd.args(["classify", "fixtures/contacts.csv", "-q"]);
        if explain {
            cmd.arg("--explain");
        }
        let out = stdout_of(&mut cmd);
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(out.as_bytes())
            .records()
            .map(|r| r.unwrap())
            .collect()
    };
    let (plain, explained) = (read(false), read(true));
    assert_eq!(plain.len(), 401);
    assert_eq!(explained.len(), plain.len());
    let header = &explained[0];
    let n = header.len();
    assert_eq!(&header[n - 3], "demand_matched");
    assert_eq!(&header[n - 2], "demand_why");
    assert_eq!(&header[n - 1], "demand_repeat_of");
    let (mut several, mut repeats) = (0, 0);
    for (p, e) in plain.iter().zip(&explained).skip(1) {
        let same: Vec<&str> = e.iter().take(n - 3).collect();
        assert_eq!(same, p.iter().collect::<Vec<_>>());
        let (rule, matched, why) = (&e[n - 4], &e[n - 3], &e[n - 2]);
        let repeat_of = &e[n - 1];
        if !repeat_of.is_empty() {
            // The previous contact of the chain: the same customer and service, earlier
            // in this (date-ordered) fixture. Columns: 1 date, 3 service, 4 customer.
            let prev = &explained[repeat_of.parse::<usize>().unwrap()];
            assert_eq!((&prev[3], &prev[4]), (&e[3], &e[4]));
            assert!(prev[0] != e[0]);
        }
        if rule == "repeat" {
            // Repeat detection made it failure demand, whatever the text said.
            assert!(why.starts_with("repeat: same key as row "), "{why}");
            assert!(!repeat_of.is_empty());
            repeats += 1;
        } else if rule == "-" {
            assert_eq!(matched, "");
            assert!(why.starts_with("no rule matched"), "{why}");
        } else {
            let ids: Vec<&str> = matched.split(';').collect();
            assert_eq!(ids[0], rule);
            assert!(why.starts_with(rule), "{why}");
            if ids.len() > 1 {
                several += 1;
                assert!(why.contains(&format!("({})", ids[1])), "{why}");
            }
        }
    }
    assert!(several > 50, "{several} rows with several matching rules");
    assert!(repeats > 0, "the fixture has repeat contacts");
}

#[test]
fn rules_stats_phrase_memory_is_bounded_and_the_undercount_reported() {
    // 5000 contacts, each with three words seen nowhere else (15000 distinct words, more
    // than the 2 x 4096 a counter holds) and one phrase they all share.
    let dir = tempfile::tempdir().unwrap();
    let word = |mut n: usize| -> String {
        let mut w = String::from("q");
        for _ in 0..4 {
            w.push((b'a' + (n % 26) as u8) as char);
            n /= 26;
        }
        w
    };
    let mut log = String::from("id,notes\n");
    for i in 0..5000 {
        log.push_str(&format!(
            "{i},zebra crossing {} {} {}\n",
            word(3 * i),
            word(3 * i + 1),
            word(3 * i + 2)
        ));
    }
    let log = write(dir.path(), "log.csv", &log);
    let rules = write(
        dir.path(),
        "none.toml",
        "[[rule]]\nid = \"never\"\nclass = \"value\"\nkind = \"payment\"\nphrases = [\"xylophone\"]\n",
    );
    let out = stdout_of(
        demand()
            .args(["rules", "stats", "-q", "--format", "json", "--rules"])
            .arg(&rules)
            .arg(&log),
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let u = &v["unmatched"];
    assert_eq!(u["contacts"], 5000);
    let undercount = u["undercount"].as_u64().unwrap();
    assert!(
        undercount > 0,
        "15000 distinct words must overflow the counter"
    );
    // The bound of docs/rules.md: at most N / 4097 for N counted occurrences.
    assert!(undercount <= 5000 * 5 / 4097, "{undercount}");
    for (list, top) in [("words", "crossing"), ("phrases2", "zebra crossing")] {
        let first = &u[list][0];
        assert_eq!(first["text"], top, "{list}");
        let n = first["contacts"].as_u64().unwrap();
        assert!(n <= 5000 && n + undercount >= 5000, "{list}: {n}");
    }
    let table = stdout_of(
        demand()
            .args(["rules", "stats", "-q", "--rules"])
            .arg(&rules)
            .arg(&log),
    );
    assert!(
        table.contains(&format!("counts may be up to {undercount} low")),
        "{table}"
    );
}
