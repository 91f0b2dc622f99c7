//! The effective rule set written back as one TOML file (`demand rules show`).
//!
//! After `extends`, `disable` and redefinitions it is not obvious which rules are in force;
//! this prints them, in precedence order of ties (file order), as a file that loads back
//! to the same rule set. Phrases and regexes are written as their authors wrote them;
//! field values and alias spellings as the matcher compares them (folded: lower case,
//! white space runs as one space), which means the same.

use crate::rules::{Example, FieldRef, FieldTest, Phrase, Rule, RuleSet};
use std::fmt::Write as _;

/// The whole rule set as TOML.
pub fn to_toml(set: &RuleSet) -> String {
    let mut out = String::new();
    out.push_str("# The effective rule set, merged from:\n");
    for s in &set.sources {
        let _ = writeln!(out, "#   {s}");
    }
    out.push_str("\n[ruleset]\n");
    let _ = writeln!(out, "name = {}", string(&set.name));
    let _ = writeln!(out, "version = {}", string(&set.version));
    let _ = writeln!(out, "description = {}", string(&set.description));
    let _ = writeln!(out, "default = {}", string(set.default.name()));
    for (table, aliases) in [("channels", &set.channels), ("services", &set.services)] {
        let groups = aliases.groups();
        if groups.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n[{table}]");
        for (canonical, spellings) in groups {
            let list: Vec<String> = spellings.iter().map(|s| string(s)).collect();
            let _ = writeln!(out, "{} = [{}]", key(canonical), list.join(", "));
        }
    }
    let r = &set.repeat;
    let key: Vec<String> = r.key.iter().map(|f| string(&field_name(f))).collect();
    let not_after: Vec<String> = r.not_after.iter().map(|s| string(s)).collect();
    out.push_str("\n[repeat]\n");
    let _ = writeln!(out, "enabled = {}", r.enabled);
    let _ = writeln!(out, "window_days = {:?}", r.window_days);
    let _ = writeln!(out, "key = [{}]", key.join(", "));
    let _ = writeln!(out, "kind = {}", string(&r.kind));
    let _ = writeln!(out, "not_after = [{}]", not_after.join(", "));
    for rule in &set.rules {
        out.push('\n');
        rule_toml(rule, &mut out);
    }
    out
}

/// A logical field's name, or a source column's.
fn field_name(f: &FieldRef) -> String {
    match f {
        FieldRef::Logical(f) => f.name().to_string(),
        FieldRef::Column(c) => c.clone(),
    }
}

fn rule_toml(rule: &Rule, out: &mut String) {
    out.push_str("[[rule]]\n");
    let _ = writeln!(out, "id = {}", string(&rule.id));
    let _ = writeln!(out, "class = {}", string(rule.class.name()));
    let _ = writeln!(out, "kind = {}", string(&rule.kind));
    let _ = writeln!(out, "priority = {}", rule.priority);
    if !rule.description.is_empty() {
        let _ = writeln!(out, "description = {}", string(&rule.description));
    }
    let phrases = |list: &[Phrase]| -> String {
        let items: Vec<String> = list.iter().map(|p| string(&p.original)).collect();
        format!("[{}]", items.join(", "))
    };
    let regexes = |list: &[crate::rules::TextRegex]| -> String {
        let items: Vec<String> = list.iter().map(|r| string(&r.source)).collect();
        format!("[{}]", items.join(", "))
    };
    if !rule.phrases.is_empty() {
        let _ = writeln!(out, "phrases = {}", phrases(&rule.phrases));
    }
    if !rule.all.is_empty() {
        let groups: Vec<String> = rule.all.iter().map(|g| phrases(g)).collect();
        let _ = writeln!(out, "all = [{}]", groups.join(", "));
    }
    if !rule.regex.is_empty() {
        let _ = writeln!(out, "regex = {}", regexes(&rule.regex));
    }
    if !rule.unless.is_empty() {
        let _ = writeln!(out, "unless = {}", phrases(&rule.unless));
    }
    if !rule.unless_regex.is_empty() {
        let _ = writeln!(out, "unless_regex = {}", regexes(&rule.unless_regex));
    }
    if !rule.fields.is_empty() {
        let conds: Vec<String> = rule
            .fields
            .iter()
            .map(|c| {
                let name = field_name(&c.field);
                let test = match &c.test {
                    FieldTest::OneOf(values) => {
                        let v: Vec<String> = values.iter().map(|v| string(v)).collect();
                        format!("[{}]", v.join(", "))
                    }
                    FieldTest::Regex(re) => format!("{{ regex = {} }}", string(re.as_str())),
                };
                format!("{} = {test}", key(&name))
            })
            .collect();
        let _ = writeln!(out, "fields = {{ {} }}", conds.join(", "));
    }
    for (name, list) in [
        ("examples", &rule.examples),
        ("counter_examples", &rule.counter_examples),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{name} = [");
        for e in list {
            let _ = writeln!(out, "  {},", example(e));
        }
        out.push_str("]\n");
    }
}

fn example(e: &Example) -> String {
    let mut parts = vec![format!("text = {}", string(&e.text))];
    for (name, v) in [
        ("channel", &e.channel),
        ("service", &e.service),
        ("code", &e.code),
    ] {
        if let Some(v) = v {
            parts.push(format!("{name} = {}", string(v)));
        }
    }
    if parts.len() == 1 {
        string(&e.text)
    } else {
        format!("{{ {} }}", parts.join(", "))
    }
}

/// A TOML string: a literal string (`'...'`, no escapes: readable regexes) when the text
/// allows one, else a basic string with escapes.
fn string(s: &str) -> String {
    if !s.contains('\'') && !s.chars().any(char::is_control) {
        return format!("'{s}'");
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML key: bare when it can be, quoted otherwise.
fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        k.to_string()
    } else {
        string(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSource;

    fn load(name: &str, text: &str) -> RuleSet {
        RuleSet::load(&[RuleSource {
            name: name.into(),
            text: text.into(),
        }])
        .unwrap()
    }

    /// The file without its comment lines (which name the sources).
    fn body(toml: &str) -> String {
        toml.lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_default_set_round_trips() {
        let set = RuleSet::default_rules().unwrap();
        let shown = to_toml(&set);
        let again = load("shown.toml", &shown);
        assert_eq!(body(&to_toml(&again)), body(&shown));
        let ids = |s: &RuleSet| s.rules.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&again), ids(&set));
        assert_eq!(again.name, set.name);
        assert_eq!(again.repeat, set.repeat);
        assert_eq!(again.channels.len(), set.channels.len());
        assert_eq!(
            again.services.canonical("ctax"),
            set.services.canonical("ctax")
        );
        // Same rules, same examples: the reloaded set passes them as the original does.
        let report = crate::examples::test_examples(&crate::classify::Matcher::new(again));
        assert!(report.failures.is_empty());
        assert!(report.passed > 200);
    }

    #[test]
    fn awkward_strings_and_keys_round_trip() {
        let set = load(
            "t.toml",
            r#"
[ruleset]
name = "it's"
[services]
"Housing Repairs" = ["Repairs 'R' Us", "rep\tairs"]
[repeat]
window_days = 3
key = ["customer", "Case Ref"]
not_after = ["payment"]
[[rule]]
id = "a"
class = "failure"
kind = "x"
description = "say \"hi\""
regex = ['\bdon t\b', "it's"]
fields = { "Queue Name" = { regex = '^Q\d' }, channel = ["E-Mail"] }
examples = [{ text = "a 'b' \"c\"", code = "X\\1" }]
"#,
        );
        let shown = to_toml(&set);
        let again = load("shown.toml", &shown);
        assert_eq!(body(&to_toml(&again)), body(&shown));
        assert_eq!(again.name, "it's");
        assert_eq!(again.repeat, set.repeat);
        assert_eq!(again.repeat.window_days, 3.0);
        assert_eq!(again.rules[0].description, "say \"hi\"");
        assert_eq!(again.rules[0].examples[0].code.as_deref(), Some("X\\1"));
        assert_eq!(again.services.canonical("rep airs"), "Housing Repairs");
        assert_eq!(
            again.services.canonical("REPAIRS 'R' US"),
            "Housing Repairs"
        );
    }
}
