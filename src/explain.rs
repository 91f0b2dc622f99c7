//! Why a contact got its class (`demand explain`, `demand classify --explain`).
//!
//! The matcher's hot path records only which rules matched. Everything else here (where
//! each phrase occurred, which vetoes fired, why the winner beat the others) is worked out
//! afterwards on a slow path that never runs unless explanations are asked for, so that
//! classification without `--explain` costs nothing extra.

use crate::classify::{Contact, Decision, Matcher, Scratch};
use crate::rules::{FieldRef, FieldTest, Phrase, Rule, TextRegex};
use std::fmt::Write as _;

/// Where something matched: a line of the normalised text (0: the first text column; the
/// code comes after the text columns) and a byte range within that line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "line {} ", self.line + 1)?;
        }
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// One condition that held (or one veto that fired), with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// `phrase`, `all group N`, `regex`, `unless`, `unless_regex`.
    pub condition: String,
    /// The phrase or regex as written.
    pub pattern: String,
    /// What it matched, and where.
    pub found: String,
    pub span: Span,
}

/// One rule that matched the contact, or would have but for a veto.
#[derive(Debug, Clone)]
pub struct RuleExplanation {
    pub rule: usize,
    pub hits: Vec<Hit>,
    /// Field conditions (all of them held), as `field = values`.
    pub fields: Vec<String>,
}

/// Everything `demand explain` shows.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub decision: Decision,
    /// The normalised text, one entry per line (text columns, then the code).
    pub lines: Vec<String>,
    /// Matching rules, winner first, then in precedence order.
    pub matched: Vec<RuleExplanation>,
    /// Rules whose conditions held but an `unless` or `unless_regex` fired; `hits` holds
    /// the vetoes.
    pub vetoed: Vec<RuleExplanation>,
    /// Why the winner won: [`why`].
    pub why: String,
}

/// Rule indices in precedence order (the first would win).
pub fn ranked(matcher: &Matcher, matched: &[u32]) -> Vec<usize> {
    let mut order: Vec<usize> = matched.iter().map(|&r| r as usize).collect();
    order.sort_by(|&a, &b| {
        if a == b {
            std::cmp::Ordering::Equal
        } else if matcher.beats(a, b) {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Greater
        }
    });
    order
}

/// A short reason for a decision: which precedence step made the winner beat the
/// runner-up (priority, failure over value, or order), or that it matched alone.
pub fn why(matcher: &Matcher, decision: Decision, matched: &[u32]) -> String {
    let order = ranked(matcher, matched);
    let Some(&winner) = order.first() else {
        return format!(
            "no rule matched: the rule set's default class ({})",
            decision.class
        );
    };
    let Some(&second) = order.get(1) else {
        return format!("{}: the only rule that matched", matcher.rule(winner).id);
    };
    let (w, s) = (matcher.rule(winner), matcher.rule(second));
    let step = if w.priority != s.priority {
        format!("priority {} over {}", w.priority, s.priority)
    } else if w.class != s.class {
        format!("failure over value at equal priority {}", w.priority)
    } else {
        format!(
            "same priority {} and class: earlier in the rule order",
            w.priority
        )
    };
    format!(
        "{} beats {} of {} matching: {step} ({})",
        w.id,
        order.len() - 1,
        order.len(),
        s.id
    )
}

/// Explains one contact. Slow: it builds a second matcher without vetoes to find the
/// rules a veto stopped, and searches the text for every phrase of every rule involved.
pub fn explain<C: Contact + ?Sized>(matcher: &Matcher, contact: &C) -> Explanation {
    let mut scratch = Scratch::default();
    let decision = matcher.classify(contact, &mut scratch);
    let matched = scratch.matched.clone();
    let text = scratch.text.as_bytes().to_vec();

    let mut unvetoed = matcher.ruleset().clone();
    for r in &mut unvetoed.rules {
        r.unless.clear();
        r.unless_regex.clear();
    }
    let unvetoed = Matcher::new(unvetoed);
    let mut scratch = Scratch::default();
    unvetoed.classify(contact, &mut scratch);
    let mut vetoed: Vec<usize> = scratch
        .matched
        .iter()
        .filter(|r| !matched.contains(r))
        .map(|&r| r as usize)
        .collect();
    vetoed.sort_unstable();

    let lines: Vec<String> = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| String::from_utf8_lossy(l).trim().to_string())
        .collect();
    let positive = |i: usize| explain_rule(matcher.rule(i), i, &text, false);
    Explanation {
        decision,
        matched: ranked(matcher, &matched)
            .into_iter()
            .map(positive)
            .collect(),
        vetoed: vetoed
            .into_iter()
            .map(|i| explain_rule(matcher.rule(i), i, &text, true))
            .collect(),
        why: why(matcher, decision, &matched),
        lines,
    }
}

/// The conditions of `rule` that hold in `text` (or, for `vetoes`, its vetoes that fire).
fn explain_rule(rule: &Rule, index: usize, text: &[u8], vetoes: bool) -> RuleExplanation {
    let mut hits = Vec::new();
    if vetoes {
        phrase_hits(&rule.unless, "unless", text, &mut hits);
        regex_hits(&rule.unless_regex, "unless_regex", text, &mut hits);
    } else {
        phrase_hits(&rule.phrases, "phrase", text, &mut hits);
        for (g, group) in rule.all.iter().enumerate() {
            phrase_hits(group, &format!("all group {}", g + 1), text, &mut hits);
        }
        regex_hits(&rule.regex, "regex", text, &mut hits);
    }
    let fields = rule
        .fields
        .iter()
        .map(|c| {
            let name = match &c.field {
                FieldRef::Logical(f) => f.name().to_string(),
                FieldRef::Column(c) => format!("column {c:?}"),
            };
            match &c.test {
                FieldTest::OneOf(values) => format!("{name} in [{}]", values.join(", ")),
                FieldTest::Regex(re) => format!("{name} ~ /{}/", re.as_str()),
            }
        })
        .collect();
    RuleExplanation {
        rule: index,
        hits,
        fields,
    }
}

/// Every occurrence of each phrase: whole words, as the matcher defines them (`" words "`
/// in the padded normalised text; a prefix phrase runs on to the end of its last word).
fn phrase_hits(phrases: &[Phrase], condition: &str, text: &[u8], out: &mut Vec<Hit>) {
    for p in phrases {
        let needle = format!(" {}{}", p.words, if p.prefix { "" } else { " " });
        let needle = needle.as_bytes();
        let mut from = 0;
        while let Some(at) = find(&text[from..], needle) {
            let start = from + at + 1;
            let mut end = start + p.words.len();
            if p.prefix {
                while end < text.len() && text[end] != b' ' && text[end] != b'\n' {
                    end += 1;
                }
            }
            out.push(hit(condition, &p.original, text, start, end));
            from = start;
        }
    }
}

/// The first match of each regex that matches.
fn regex_hits(regexes: &[TextRegex], condition: &str, text: &[u8], out: &mut Vec<Hit>) {
    for r in regexes {
        if let Some(m) = r.regex.find(text) {
            out.push(hit(condition, &r.source, text, m.start(), m.end()));
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A hit at `start..end` of the padded text, located by line and offset within the line
/// as printed (without its padding space).
fn hit(condition: &str, pattern: &str, text: &[u8], start: usize, end: usize) -> Hit {
    let line = text[..start].iter().filter(|&&b| b == b'\n').count();
    let line_start = text[..start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)
        + 1;
    let offset = |x: usize| x.saturating_sub(line_start);
    Hit {
        condition: condition.to_string(),
        pattern: pattern.to_string(),
        found: String::from_utf8_lossy(&text[start..end])
            .trim()
            .to_string(),
        span: Span {
            line,
            start: offset(start),
            end: offset(end),
        },
    }
}

impl Explanation {
    /// The explanation as `demand explain` prints it.
    pub fn render(&self, matcher: &Matcher) -> String {
        let mut out = String::new();
        let d = self.decision;
        let _ = writeln!(
            out,
            "class {}  kind {}  rule {}",
            d.class,
            matcher.kind(d),
            matcher.rule_id(d)
        );
        for (i, line) in self.lines.iter().enumerate() {
            let _ = writeln!(out, "text (line {}, normalised): {line:?}", i + 1);
        }
        for (label, list) in [("matched", &self.matched), ("vetoed ", &self.vetoed)] {
            for e in list {
                let rule = matcher.rule(e.rule);
                let _ = writeln!(
                    out,
                    "  {label} {:<36} {:<8} {:<24} priority {}",
                    rule.id,
                    rule.class.name(),
                    rule.kind,
                    rule.priority
                );
                for h in &e.hits {
                    let shown = if h.found == h.pattern {
                        format!("{:?}", h.pattern)
                    } else {
                        format!("{:?} found {:?}", h.pattern, h.found)
                    };
                    let _ = writeln!(out, "      {} {shown} at {}", h.condition, h.span);
                }
                for f in &e.fields {
                    let _ = writeln!(out, "      field {f}");
                }
            }
        }
        let _ = writeln!(out, "why: {}", self.why);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::SimpleContact;
    use crate::rules::{Class, RuleSet, RuleSource};

    fn matcher(toml: &str) -> Matcher {
        Matcher::new(
            RuleSet::load(&[RuleSource {
                name: "t.toml".into(),
                text: toml.into(),
            }])
            .unwrap(),
        )
    }

    fn contact<'a>(m: &'a Matcher, text: &'a str, code: Option<&'a str>) -> SimpleContact<'a> {
        SimpleContact {
            text,
            code,
            slots: m.slots(),
            ..SimpleContact::default()
        }
    }

    const RULES: &str = r#"
[[rule]]
id = "claim"
class = "value"
kind = "application"
priority = 10
phrases = ["new claim"]
[[rule]]
id = "chase"
class = "failure"
kind = "progress-chasing"
priority = 10
phrases = ["chas*"]
regex = ['\bany (news|update)\b']
[[rule]]
id = "complaint"
class = "failure"
kind = "complaint"
priority = 20
phrases = ["complain*"]
unless = ["neighbour"]
[[rule]]
id = "missed"
class = "failure"
kind = "not-done-right"
priority = 10
all = [["bin", "bins"], ["missed"]]
[[rule]]
id = "bin"
class = "value"
kind = "service-request"
priority = 10
phrases = ["bin"]
"#;

    #[test]
    fn spans_are_byte_ranges_of_the_normalised_line() {
        let m = matcher(RULES);
        let e = explain(&m, &contact(&m, "Cust CHASING new claim, any news?", None));
        assert_eq!(e.lines, ["cust chasing new claim any news"]);
        assert_eq!(m.rule_id(e.decision), "chase");
        let chase = &e.matched[0];
        assert_eq!(m.rule(chase.rule).id, "chase");
        assert_eq!(chase.hits[0].found, "chasing");
        assert_eq!(chase.hits[0].pattern, "chas*");
        assert_eq!(
            chase.hits[0].span,
            Span {
                line: 0,
                start: 5,
                end: 12
            }
        );
        assert_eq!(chase.hits[1].condition, "regex");
        assert_eq!(chase.hits[1].found, "any news");
        assert_eq!((chase.hits[1].span.start, chase.hits[1].span.end), (23, 31));
        let claim = &e.matched[1];
        assert_eq!(
            claim.hits[0].span,
            Span {
                line: 0,
                start: 13,
                end: 22
            }
        );
        assert_eq!(&e.lines[0][13..22], "new claim");
        assert_eq!(
            e.why,
            "chase beats 1 of 2 matching: failure over value at equal priority 10 (claim)"
        );
    }

    #[test]
    fn vetoes_all_groups_and_reasons() {
        let m = matcher(RULES);
        let e = explain(
            &m,
            &contact(&m, "complaint re neighbour, bins missed", None),
        );
        assert_eq!(e.vetoed.len(), 1);
        assert_eq!(m.rule(e.vetoed[0].rule).id, "complaint");
        assert_eq!(e.vetoed[0].hits[0].condition, "unless");
        assert_eq!(e.vetoed[0].hits[0].found, "neighbour");
        let missed = &e.matched[0];
        assert_eq!(m.rule(missed.rule).id, "missed");
        let conds: Vec<&str> = missed.hits.iter().map(|h| h.condition.as_str()).collect();
        assert_eq!(conds, ["all group 1", "all group 2"]);
        assert_eq!(m.rule(missed.rule).class, Class::Failure);
        assert_eq!(e.why, "missed: the only rule that matched");
        // Priority, and then order.
        let e = explain(&m, &contact(&m, "complaint about bin", None));
        assert!(e.why.contains("priority 20 over 10 (bin)"), "{}", e.why);
        let m2 = matcher(&format!("{RULES}\n[[rule]]\nid = \"bin2\"\nclass = \"value\"\nkind = \"k\"\npriority = 10\nphrases = [\"bin\"]\n"));
        let e = explain(&m2, &contact(&m2, "bin", None));
        assert!(
            e.why.contains("earlier in the rule order (bin2)"),
            "{}",
            e.why
        );
        let e = explain(&m2, &contact(&m2, "hello", None));
        assert!(e.why.starts_with("no rule matched"), "{}", e.why);
        let text = e.render(&m2);
        assert!(
            text.starts_with("class unclassified  kind none  rule -\n"),
            "{text}"
        );
    }

    #[test]
    fn code_matches_are_on_their_own_line_and_render_shows_everything() {
        let m = matcher(RULES);
        let e = explain(&m, &contact(&m, "hello", Some("BIN-01")));
        assert_eq!(e.lines, ["hello", "bin 01"]);
        assert_eq!(
            e.matched[0].hits[0].span,
            Span {
                line: 1,
                start: 0,
                end: 3
            }
        );
        let text = e.render(&m);
        assert!(text.contains("phrase \"bin\" at line 2 0..3"), "{text}");
        let e = explain(&m, &contact(&m, "complaint re neighbour", None));
        let text = e.render(&m);
        assert!(text.contains("vetoed  complaint"), "{text}");
        assert!(text.contains("unless \"neighbour\" at 13..22"), "{text}");
    }
}
