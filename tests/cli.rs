//! The real binary on real files: reports, classification, bad rules, bad rows.

mod common;

use common::{demand, stderr_of, stdout_of, write, RULES};
use serde_json::Value;
use std::fs;
use std::path::Path;

const LOG: &str = "\
Contact ID,Created,Contact Method,Service Area,Call Notes
1,01/02/2025 09:00,Tel,Refuse,new bin please
2,01/02/2025 09:05,Email,Waste,\"bins missed, again\"
3,01/02/2025 09:10,Telephone,Council Tax,pay ctax
4,01/02/2025 09:15,Web,Council Tax,\"cust chasing refund,
says \"\"urgent\"\"\"
5,01/02/2025 09:20,Phone,,hello
";

fn report_json(args: &[&str], dir: &Path) -> Value {
    let rules = write(dir, "rules.toml", RULES);
    let out = demand()
        .arg("report")
        .arg("--rules")
        .arg(&rules)
        .args(["--format", "json", "--quiet"])
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

/// `demand report --format json` with `rules` on `log`: the parsed report and stderr.
fn report_and_stderr(rules: &Path, log: &Path, extra: &[&str]) -> (Value, String) {
    let assert = demand()
        .args(["report", "--format", "json"])
        .args(extra)
        .arg("--rules")
        .arg(rules)
        .arg(log)
        .assert()
        .success();
    let output = assert.get_output();
    let v = serde_json::from_slice(&output.stdout).unwrap();
    (v, String::from_utf8_lossy(&output.stderr).to_string())
}

fn conserved(v: &Value) -> bool {
    let t = &v["totals"];
    let n = |k: &str| t[k].as_u64().unwrap();
    n("contacts") == n("value") + n("failure") + n("unclassified") + n("rejected")
}

#[test]
fn report_json_has_the_schema_totals_and_breakdowns() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "log.csv", LOG);
    let v = report_json(&[log.to_str().unwrap()], dir.path());
    assert_eq!(v["schema"], "demand.report/1");
    assert_eq!(v["ruleset"]["name"], "test");
    let t = &v["totals"];
    assert_eq!(t["contacts"], 5);
    assert_eq!(t["value"], 2);
    assert_eq!(t["failure"], 2);
    assert_eq!(t["unclassified"], 1);
    assert_eq!(t["rejected"], 0);
    assert!(conserved(&v));
    let share = &v["failure_share"];
    assert_eq!(share["estimate"].as_f64().unwrap(), 0.5);
    let ci = share["ci95"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() < 0.5 && ci[1].as_f64().unwrap() > 0.5);
    assert_eq!(share["bounds"][0].as_f64().unwrap(), 0.4);
    assert_eq!(share["bounds"][1].as_f64().unwrap(), 0.6);

    // Aliases fold spellings; an empty service is "(none)".
    let services: Vec<&str> = v["breakdowns"]["service"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(services, vec!["Council Tax", "waste", "(none)"]);
    let channels = v["breakdowns"]["channel"].as_array().unwrap();
    assert_eq!(channels[0]["key"], "phone");
    assert_eq!(channels[0]["contacts"], 3);
    let cells = v["breakdowns"]["service_channel"].as_array().unwrap();
    assert!(cells
        .iter()
        .any(|r| r["service"] == "waste" && r["channel"] == "phone" && r["value"] == 1));
    let kinds: Vec<(&str, &str)> = v["breakdowns"]["kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["class"].as_str().unwrap(), r["key"].as_str().unwrap()))
        .collect();
    assert!(kinds.contains(&("unclassified", "none")));
    assert!(kinds.contains(&("failure", "progress-chasing")));
    let chase = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "chase")
        .unwrap();
    assert_eq!(chase["hits"], 1);
    assert_eq!(chase["wins"], 1);
    assert_eq!(v["inputs"][0]["columns"]["text"][0], "Call Notes");
}

#[test]
fn every_report_format_renders() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "rules.toml", RULES);
    let log = write(dir.path(), "log.csv", LOG);
    for (format, needle) in [
        (
            "table",
            "contacts 5 = value 2 + failure 2 + unclassified 1 + rejected 0",
        ),
        ("markdown", "| waste |"),
        ("csv", "overall,,,,,5,2,2,1,0,0.500000"),
        ("json", "\"schema\": \"demand.report/1\""),
    ] {
        let text = stdout_of(
            demand()
                .args(["report", "--quiet", "--format", format, "--rules"])
                .arg(&rules)
                .arg(&log),
        );
        assert!(text.contains(needle), "{format}: {text}");
        if format == "table" {
            for line in text.lines() {
                assert!(
                    line.chars().count() <= 80,
                    "table line over 80 columns: {line:?}"
                );
            }
        }
    }
}

#[test]
fn classify_appends_three_columns_and_keeps_rows_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "rules.toml", RULES);
    let log = write(dir.path(), "log.csv", LOG);
    let out_path = dir.path().join("out.csv");
    demand()
        .args(["classify", "--quiet", "--rules"])
        .arg(&rules)
        .arg(&log)
        .arg("-o")
        .arg(&out_path)
        .assert()
        .success();
    let mut rdr = csv::Reader::from_path(&out_path).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        vec![
            "Contact ID",
            "Created",
            "Contact Method",
            "Service Area",
            "Call Notes",
            "demand_class",
            "demand_kind",
            "demand_rule"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let got: Vec<(&str, &str, &str)> = rows.iter().map(|r| (&r[0], &r[5], &r[7])).collect();
    assert_eq!(
        got,
        vec![
            ("1", "value", "new-bin"),
            ("2", "failure", "missed"),
            ("3", "value", "pay"),
            ("4", "failure", "chase"),
            ("5", "unclassified", "-"),
        ]
    );
    // The quoted note with an embedded newline and quotes survives unchanged.
    assert_eq!(&rows[3][4], "cust chasing refund,\nsays \"urgent\"");
}

#[test]
fn stdin_and_several_files_give_the_same_totals_as_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "log.csv", LOG);
    let (head, tail) = LOG.split_at(LOG.find("3,01").unwrap());
    let header = LOG.lines().next().unwrap();
    let a = write(dir.path(), "a.csv", head);
    let b = write(dir.path(), "b.csv", &format!("{header}\n{tail}"));
    let whole = report_json(&[log.to_str().unwrap()], dir.path());
    let split = report_json(&[a.to_str().unwrap(), b.to_str().unwrap()], dir.path());
    assert_eq!(whole["totals"], split["totals"]);
    assert_eq!(whole["breakdowns"], split["breakdowns"]);
    let rules = write(dir.path(), "rules.toml", RULES);
    let out = demand()
        .args(["report", "--quiet", "--format", "json", "--rules"])
        .arg(&rules)
        .write_stdin(LOG)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let piped: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(whole["totals"], piped["totals"]);
    assert_eq!(piped["inputs"][0]["source"], "<stdin>");
}

#[test]
fn malformed_rows_are_counted_reported_and_fatal_only_under_strict() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = LOG.as_bytes().to_vec();
    bytes.extend_from_slice(
        b"6,01/02/2025,Phone,Waste\n7,01/02/2025,Phone,Waste,new bin,extra\n8,x,Phone,Waste,caf\xFF\n",
    );
    let log = dir.path().join("bad.csv");
    fs::write(&log, &bytes).unwrap();
    let rules = write(dir.path(), "rules.toml", RULES);
    let (v, stderr) = report_and_stderr(&rules, &log, &["--encoding", "utf-8"]);
    assert_eq!(v["totals"]["contacts"], 8);
    assert_eq!(v["totals"]["rejected"], 3);
    assert!(conserved(&v));
    assert!(
        stderr.contains("bad.csv:8: expected 5 fields, found 4"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.csv:9: expected 5 fields, found 6"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.csv:10: invalid UTF-8 in field 5"),
        "{stderr}"
    );
    assert!(stderr.contains("3 row(s) rejected"), "{stderr}");

    // By default a row that is not UTF-8 is read as Windows-1252, and the user is told.
    let (v, stderr) = report_and_stderr(&rules, &log, &[]);
    assert_eq!(v["totals"]["rejected"], 2);
    assert_eq!(v["inputs"][0]["windows_1252_rows"], 1);
    assert!(
        stderr.contains("read as Windows-1252 (first at line 10)"),
        "{stderr}"
    );

    let out = dir.path().join("report.json");
    let stderr = stderr_of(
        demand()
            .args(["report", "--strict", "--rules"])
            .arg(&rules)
            .arg(&log)
            .arg("-o")
            .arg(&out),
        2,
    );
    assert!(stderr.contains("bad.csv:8: expected 5 fields"), "{stderr}");
    assert!(!out.exists(), "no output file after a failed run");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temporary file left"
    );
}

#[test]
fn an_unterminated_quote_is_one_rejected_row_that_says_where_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(
        dir.path(),
        "open.csv",
        &format!("{LOG}6,01/02/2025,Phone,Waste,\"never closed\n7,a,b,c,d\n"),
    );
    let rules = write(dir.path(), "rules.toml", RULES);
    let (v, stderr) = report_and_stderr(&rules, &log, &[]);
    assert_eq!(v["totals"]["rejected"], 1);
    assert_eq!(v["totals"]["value"], 2);
    assert!(
        stderr.contains("open.csv:8: unterminated quote"),
        "{stderr}"
    );
}

#[test]
fn invalid_rule_files_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "log.csv", LOG);
    let cases = [
        ("syntax.toml", "[[rule]\nid = \"a\"\n", "syntax.toml:1:"),
        (
            "unknown.toml",
            "[[rule]]\nid = \"a\"\nclass = \"value\"\nkind = \"x\"\nphrasez = [\"a\"]\n",
            "unknown.toml:5:1: unknown field `phrasez`",
        ),
        (
            "class.toml",
            "[[rule]]\nid = \"a\"\nclass = \"maybe\"\nkind = \"x\"\nphrases = [\"a\"]\n",
            "class.toml:3:9: unknown variant `maybe`",
        ),
        (
            "regex.toml",
            "[[rule]]\nid = \"a\"\nclass = \"value\"\nkind = \"x\"\nregex = [\"a(\"]\n",
            "regex.toml:5:10: invalid regex",
        ),
        (
            "dup.toml",
            "[[rule]]\nid = \"a\"\nclass = \"value\"\nkind = \"x\"\nphrases = [\"a\"]\n\
             [[rule]]\nid = \"a\"\nclass = \"value\"\nkind = \"x\"\nphrases = [\"b\"]\n",
            "dup.toml:7:6: duplicate rule id \"a\"",
        ),
    ];
    for (name, text, needle) in cases {
        let rules = write(dir.path(), name, text);
        let out = dir.path().join(format!("{name}.out"));
        let stderr = stderr_of(
            demand()
                .args(["report", "--rules"])
                .arg(&rules)
                .arg(&log)
                .arg("-o")
                .arg(&out),
            2,
        );
        assert!(stderr.contains(needle), "{name}: {stderr}");
        assert!(!out.exists());
    }
}

#[test]
fn no_text_column_lists_the_header_and_suggests_map() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "odd.csv", "Alpha,Beta\n1,2\n");
    let stderr = stderr_of(demand().args(["report"]).arg(&log), 2);
    assert!(
        stderr.contains("odd.csv: no text or code column"),
        "{stderr}"
    );
    assert!(stderr.contains("\"Alpha\", \"Beta\""), "{stderr}");
    assert!(stderr.contains("--map"), "{stderr}");
    // and --map makes it work
    demand()
        .args(["report", "--quiet", "--map", "text=Beta"])
        .arg(&log)
        .assert()
        .success();
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "log.csv", LOG);
    demand()
        .args(["report", "--map", "colour=Notes"])
        .arg(&log)
        .assert()
        .code(2);
    demand()
        .args(["report", "--map", "text=Nope"])
        .arg(&log)
        .assert()
        .code(2);
    demand()
        .args(["report", "/definitely/not/here.csv"])
        .assert()
        .code(2);
    let empty = write(dir.path(), "empty.csv", "");
    let stderr = stderr_of(demand().arg("report").arg(&empty), 2);
    assert!(stderr.contains("empty.csv: the file is empty"), "{stderr}");
}

#[test]
fn rules_test_fails_with_exit_1_on_a_broken_example() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(
        dir.path(),
        "r.toml",
        r#"
[[rule]]
id = "bin"
class = "value"
kind = "service-request"
phrases = ["new bin"]
examples = ["new bin please", "bin missed"]
counter_examples = ["cabinet"]
"#,
    );
    let assert = demand()
        .args(["rules", "test", "--rules"])
        .arg(&rules)
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(
        stdout.contains("FAIL bin: example \"bin missed\" expected bin, got -"),
        "{stdout}"
    );
    assert!(stdout.contains("2 passed, 1 failed"), "{stdout}");
}

#[test]
fn the_readme_fixture_reports_with_the_embedded_rules() {
    let out = demand()
        .args([
            "report",
            "--quiet",
            "--format",
            "json",
            "fixtures/contacts.csv",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["ruleset"]["name"], "council");
    assert_eq!(v["totals"]["contacts"], 400);
    assert!(conserved(&v));
    let est = v["failure_share"]["estimate"].as_f64().unwrap();
    let ci = v["failure_share"]["ci95"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() <= est && est <= ci[1].as_f64().unwrap());
    for row in v["breakdowns"]["service"].as_array().unwrap() {
        if let (Some(e), Some(ci)) = (row["failure_share"].as_f64(), row["ci95"].as_array()) {
            assert!(ci[0].as_f64().unwrap() <= e && e <= ci[1].as_f64().unwrap());
        }
    }
}

#[test]
fn claim_verdicts_overall_and_per_row() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "log.csv", LOG);
    // 2 failure of 4 classified: 50%, Wilson 95% about 15%-85%.
    let v = report_json(&[log.to_str().unwrap(), "--claim", "0.8"], dir.path());
    let c = &v["claim"];
    assert_eq!(c["share"], 0.8);
    assert_eq!(c["verdict"], "consistent");
    assert_eq!(c["small"], true);
    let v = report_json(&[log.to_str().unwrap(), "--claim", "90%"], dir.path());
    assert_eq!(v["claim"]["verdict"], "below");
    // Every breakdown row but kind carries its own verdict.
    for row in v["breakdowns"]["service"].as_array().unwrap() {
        if row["failure_share"].is_null() {
            assert!(row.get("claim").is_none());
        } else {
            assert!(row["claim"]["verdict"].is_string(), "{row}");
        }
    }
    let v = report_json(&[log.to_str().unwrap(), "--claim", "0.1"], dir.path());
    assert_eq!(v["claim"]["verdict"], "above");
    // Without --claim there is no claim object.
    let v = report_json(&[log.to_str().unwrap()], dir.path());
    assert!(v.get("claim").is_none());

    let rules = write(dir.path(), "rules.toml", RULES);
    let text = stdout_of(
        demand()
            .args(["report", "--quiet", "--claim", "0.9", "--rules"])
            .arg(&rules)
            .arg(&log),
    );
    assert!(
        text.contains("Failure demand is 50.0% (15.0-85.0%) of classified contacts; the 90%"),
        "{text}"
    );
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    demand()
        .args(["report", "--claim", "1.5"])
        .arg(&log)
        .assert()
        .code(2);
}

#[test]
fn gzip_input_is_read_and_a_truncated_one_is_an_error() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(LOG.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    let path = dir.path().join("log.csv.gz");
    fs::write(&path, &bytes).unwrap();
    let v = report_json(&[path.to_str().unwrap()], dir.path());
    assert_eq!(v["totals"]["contacts"], 5);
    assert!(conserved(&v));
    let cut = dir.path().join("cut.csv.gz");
    fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let stderr = stderr_of(demand().arg("report").arg(&cut), 2);
    assert!(stderr.contains("cut.csv.gz"), "{stderr}");
}

#[test]
fn rejects_file_holds_every_rejected_row_verbatim_and_max_rejects_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let bad_rows = "6,01/02/2025,Phone,Waste\r\n7,01/02/2025,Phone,Waste,\"new, bin\",extra\r\n";
    let log = write(dir.path(), "bad.csv", &format!("{LOG}{bad_rows}"));
    let rules = write(dir.path(), "rules.toml", RULES);
    let rejects = dir.path().join("rejects.csv");
    let (v, _) = report_and_stderr(
        &rules,
        &log,
        &["--rejects", rejects.to_str().unwrap(), "--max-rejects", "2"],
    );
    assert_eq!(v["totals"]["rejected"], 2);
    let mut rdr = csv::Reader::from_path(&rejects).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][1], "8");
    assert_eq!(&rows[0][3], "6,01/02/2025,Phone,Waste");
    assert_eq!(&rows[1][3], "7,01/02/2025,Phone,Waste,\"new, bin\",extra");
    assert!(rows[1][2].contains("expected 5 fields, found 6"));

    // One over the ceiling (a count or a share): exit 2 and no report written.
    let out = dir.path().join("report.json");
    for limit in ["1", "20%"] {
        let stderr = stderr_of(
            demand()
                .args(["report", "--max-rejects", limit, "--rules"])
                .arg(&rules)
                .arg(&log)
                .arg("-o")
                .arg(&out),
            2,
        );
        assert!(stderr.contains("2 of 7 rows were rejected"), "{stderr}");
        assert!(!out.exists());
    }
}

#[test]
fn rules_check_reports_warnings_and_fails_on_errors_or_denied_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let warn = write(
        dir.path(),
        "warn.toml",
        "[[rule]]\nid = \"a\"\nclass = \"value\"\nkind = \"information\"\nphrases = [\"hb\"]\n",
    );
    let text = stdout_of(demand().args(["rules", "check", "--rules"]).arg(&warn));
    assert!(
        text.contains("warn.toml:1:1: warning: rule \"a\": phrase \"hb\""),
        "{text}"
    );
    assert!(text.contains("1 warning(s)"), "{text}");
    demand()
        .args(["rules", "check", "--deny-warnings", "--rules"])
        .arg(&warn)
        .assert()
        .code(1);
    let bad = write(
        dir.path(),
        "bad.toml",
        "[[rule]]\nid = \"a\"\nclass = \"good\"\n",
    );
    let stderr = stderr_of(demand().args(["rules", "check", "--rules"]).arg(&bad), 1);
    assert!(stderr.contains("bad.toml:3:9"), "{stderr}");
}

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
    assert_eq!(&header[n - 2], "demand_matched");
    assert_eq!(&header[n - 1], "demand_why");
    let (mut several, mut repeats) = (0, 0);
    for (p, e) in plain.iter().zip(&explained).skip(1) {
        let same: Vec<&str> = e.iter().take(n - 2).collect();
        assert_eq!(same, p.iter().collect::<Vec<_>>());
        let (rule, matched, why) = (&e[n - 3], &e[n - 2], &e[n - 1]);
        if rule == "repeat" {
            // Repeat detection made it failure demand, whatever the text said.
            assert!(why.starts_with("repeat: "), "{why}");
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
