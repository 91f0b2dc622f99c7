//! Helpers shared by the integration tests that run the real binary.
#![allow(dead_code)] // each test crate uses its own subset

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

pub fn demand() -> Command {
    Command::cargo_bin("demand").unwrap()
}

/// Runs `cmd`, expects success, returns its standard output.
pub fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

/// Runs `cmd`, expects exit code `code`, returns its standard error.
pub fn stderr_of(cmd: &mut Command, code: i32) -> String {
    let out = cmd.assert().code(code).get_output().stderr.clone();
    String::from_utf8_lossy(&out).to_string()
}

pub fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, content).unwrap();
    p
}

/// A small rule set the tests can reason about by hand.
pub const RULES: &str = r#"
[ruleset]
name = "test"
version = "1"
[channels]
phone = ["tel", "telephone"]
[services]
waste = ["refuse", "bins"]
[[rule]]
id = "chase"
class = "failure"
kind = "progress-chasing"
phrases = ["chas*", "any update"]
[[rule]]
id = "missed"
class = "failure"
kind = "not-done-right"
all = [["bin", "bins"], ["missed"]]
[[rule]]
id = "new-bin"
class = "value"
kind = "service-request"
phrases = ["new bin"]
[[rule]]
id = "pay"
class = "value"
kind = "payment"
phrases = ["pay*"]
"#;

/// contacts = value + failure + unclassified + rejected + duplicates, in a JSON report.
pub fn conserved(v: &serde_json::Value) -> bool {
    let t = &v["totals"];
    let n = |k: &str| t[k].as_u64().unwrap_or(0);
    n("contacts") == n("value") + n("failure") + n("unclassified") + n("rejected") + n("duplicates")
}
