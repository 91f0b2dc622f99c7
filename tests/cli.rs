//! The real binary on real files: reports, classification, bad rules, bad rows.

mod common;

use common::{conserved, demand, stderr_of, stdout_of, write, RULES};
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
        ("csv", "overall,,,,,,5,2,2,1,0,0.500000"),
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

#[test]
fn by_period_fills_empty_periods_and_counts_undated_contacts() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "rules.toml", RULES);
    let log = write(
        dir.path(),
        "weeks.csv",
        "Created,Service,Notes\n\
         30/12/2024 09:00,Waste,new bin\n\
         05/01/2025 09:00,Waste,chasing my bin\n\
         13/01/2025 09:00,Council Tax,pay\n\
         no date,Waste,bins missed\n",
    );
    let json: Value = serde_json::from_str(&stdout_of(
        demand()
            .args([
                "report",
                "-q",
                "--format",
                "json",
                "--by-period",
                "week",
                "--rules",
            ])
            .arg(&rules)
            .arg(&log),
    ))
    .unwrap();
    let period = json["breakdowns"]["period"].as_array().unwrap();
    let got: Vec<(&str, u64, u64)> = period
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap(),
                r["contacts"].as_u64().unwrap(),
                r["failure"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("2025-W01", 2, 1),
            ("2025-W02", 0, 0),
            ("2025-W03", 1, 0),
            ("(no date)", 1, 1)
        ]
    );
    let per_service = json["breakdowns"]["service_period"].as_array().unwrap();
    let waste: u64 = per_service
        .iter()
        .filter(|r| r["service"] == "waste")
        .map(|r| r["contacts"].as_u64().unwrap())
        .sum();
    assert_eq!(waste, 3);
    for format in ["table", "csv", "markdown"] {
        let out = stdout_of(
            demand()
                .args([
                    "report",
                    "-q",
                    "--by-period",
                    "month",
                    "--format",
                    format,
                    "--rules",
                ])
                .arg(&rules)
                .arg(&log),
        );
        assert!(
            out.contains("2024-12") && out.contains("2025-01"),
            "{format}: {out}"
        );
    }
    // Without the option there is no period breakdown.
    let plain = report_json(&[log.to_str().unwrap()], dir.path());
    assert!(plain["breakdowns"].get("period").is_none());
}
