//! Checking a rule set against its own examples (`demand rules test`).
//!
//! Every rule's `examples` must be won by that rule against the whole set, and none of
//! its `counter_examples` may be. This is how a rule author knows that an edit did not
//! break what the rules were written for.

use crate::classify::{Matcher, Scratch, SimpleContact};
use crate::rules::Example;

/// One failed expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub rule: String,
    pub example: Example,
    /// True for a counter-example the rule won; false for an example it lost.
    pub counter: bool,
    /// The rule that actually won, or `-`.
    pub winner: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e = &self.example;
        let mut context = String::new();
        for (name, v) in [
            ("channel", &e.channel),
            ("service", &e.service),
            ("code", &e.code),
        ] {
            if let Some(v) = v {
                context.push_str(&format!(" {name}={v:?}"));
            }
        }
        if self.counter {
            write!(
                f,
                "FAIL {}: counter-example {:?}{context} is won by {} ({})",
                self.rule, e.text, self.rule, e.location
            )
        } else {
            write!(
                f,
                "FAIL {}: example {:?}{context} expected {}, got {} ({})",
                self.rule, e.text, self.rule, self.winner, e.location
            )
        }
    }
}

/// The outcome of testing every example.
#[derive(Debug, Default)]
pub struct TestReport {
    pub passed: usize,
    pub failures: Vec<Failure>,
}

/// Runs every example and counter-example of every rule.
pub fn test_examples(matcher: &Matcher) -> TestReport {
    let mut report = TestReport::default();
    let mut scratch = Scratch::default();
    for rule in &matcher.ruleset().rules {
        let cases = rule
            .examples
            .iter()
            .map(|e| (e, false))
            .chain(rule.counter_examples.iter().map(|e| (e, true)));
        for (example, counter) in cases {
            let contact = SimpleContact {
                text: &example.text,
                channel: example.channel.as_deref(),
                service: example.service.as_deref(),
                code: example.code.as_deref(),
                slots: matcher.slots(),
            };
            let decision = matcher.classify(&contact, &mut scratch);
            let winner = matcher.rule_id(decision);
            if (winner == rule.id) != counter {
                report.passed += 1;
            } else {
                report.failures.push(Failure {
                    rule: rule.id.clone(),
                    example: example.clone(),
                    counter,
                    winner: winner.to_string(),
                });
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{RuleSet, RuleSource};

    #[test]
    fn reports_lost_examples_and_won_counter_examples() {
        let set = RuleSet::load(&[RuleSource {
            name: "t.toml".into(),
            text: r#"
[[rule]]
id = "bin"
class = "value"
kind = "service-request"
phrases = ["bin"]
examples = ["new bin", "bins missed"]
counter_examples = ["cabinet", "bin again"]
[[rule]]
id = "missed"
class = "failure"
kind = "not-done-right"
phrases = ["missed"]
examples = ["bins missed"]
counter_examples = ["new bin"]
"#
            .into(),
        }])
        .unwrap();
        let report = test_examples(&Matcher::new(set));
        assert_eq!(report.passed, 4);
        assert_eq!(report.failures.len(), 2);
        assert_eq!(report.failures[0].winner, "missed");
        assert!(!report.failures[0].counter);
        assert!(report.failures[1].counter);
        assert!(report.failures[1].to_string().contains("\"bin again\""));
    }

    #[test]
    fn default_rules_pass_their_own_examples() {
        let report = test_examples(&Matcher::new(RuleSet::default_rules().unwrap()));
        let failures: Vec<String> = report.failures.iter().map(|f| f.to_string()).collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
