//! Warnings about rules that load but are probably not what their author meant
//! (`demand rules check`).
//!
//! Errors stop a rule file from loading at all (see [`crate::rules`]); these are softer:
//! a rule set with warnings still classifies, but a phrase that is too short, listed twice
//! or claimed by both classes at one priority usually means a figure is decided by
//! accident rather than by intent.

use crate::columns::{column_key, Field};
use crate::rules::{Class, Diagnostic, FieldRef, Phrase, RuleSet, FAILURE_KINDS, VALUE_KINDS};
use std::collections::HashMap;

/// Every warning for `set`, in rule order.
pub fn lint(set: &RuleSet) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut warn = |rule: &crate::rules::Rule, message: String| {
        out.push(Diagnostic {
            location: rule.location.clone(),
            message: format!("warning: rule {:?}: {message}", rule.id),
        });
    };
    let key = |p: &Phrase| (p.words.clone(), p.prefix);
    // (phrase, priority) -> first rule of each class (failure, value) listing it in `phrases`
    type Owners = [Option<usize>; 2];
    let mut owners: HashMap<((String, bool), i64), Owners> = HashMap::new();
    for (i, rule) in set.rules.iter().enumerate() {
        let known = match rule.class {
            Class::Failure => FAILURE_KINDS.contains(&rule.kind.as_str()),
            _ => VALUE_KINDS.contains(&rule.kind.as_str()),
        };
        if !known {
            warn(
                rule,
                format!(
                    "kind {:?} is not a {} kind of the taxonomy (allowed, but reports will \
                     not compare with other councils')",
                    rule.kind, rule.class
                ),
            );
        }
        let lists = std::iter::once(&rule.phrases)
            .chain(rule.all.iter())
            .chain(std::iter::once(&rule.unless));
        for list in lists {
            let mut seen = std::collections::HashSet::new();
            for p in list {
                if p.words.chars().count() <= 2 {
                    warn(
                        rule,
                        format!(
                            "phrase {:?} is only 1-2 characters: check that it cannot match \
                             by accident, or write the longer forms it stands for",
                            p.original
                        ),
                    );
                }
                if !seen.insert(key(p)) {
                    warn(rule, format!("phrase {:?} is listed twice", p.original));
                }
            }
        }
        for condition in &rule.fields {
            if let FieldRef::Column(column) = &condition.field {
                warn(rule, column_warning(column));
            }
        }
        let slot = usize::from(rule.class == Class::Value);
        for p in &rule.phrases {
            let entry = owners.entry((key(p), rule.priority)).or_default();
            entry[slot].get_or_insert(i);
        }
    }
    let mut conflicts: Vec<(usize, usize, String)> = owners
        .into_iter()
        .filter_map(|(((words, prefix), _), [f, v])| {
            let star = if prefix { "*" } else { "" };
            Some((f?, v?, format!("{words}{star}")))
        })
        .collect();
    conflicts.sort();
    for (f, v, phrase) in conflicts {
        let (failure, value) = (&set.rules[f], &set.rules[v]);
        warn(
            value,
            format!(
                "phrase {phrase:?} is also in failure rule {:?} at the same priority {}: \
                 precedence decides silently that such contacts are failure (add an \
                 `unless`, or change a priority)",
                failure.id, value.priority
            ),
        );
    }
    out
}

/// Why a `fields` key that is not a logical field deserves a look: no `--map` can
/// provide it, so it matches only exports with a column of exactly that name.
fn column_warning(column: &str) -> String {
    let key = column_key(column);
    let field_of_alias = Field::ALL
        .into_iter()
        .find(|f| *f != Field::Text && f.aliases().contains(&key.as_str()));
    let near = Field::ALL
        .into_iter()
        .find(|f| *f != Field::Text && edit_distance(&key, f.name()) <= 2);
    let hint = match (field_of_alias, near) {
        (Some(f), _) => format!(
            "it is where `{f}` is usually found: `fields.{f}` works whatever the export calls it"
        ),
        (None, Some(f)) => format!("did you mean the logical field `{f}`?"),
        (None, None) => "check that your exports have a column of that name".to_string(),
    };
    format!(
        "fields names {column:?}, which is not a logical field, so it is read as a source \
         column and no --map can provide it: {hint}"
    )
}

/// Levenshtein distance between two short ASCII-ish strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSource;

    #[test]
    fn finds_short_twice_conflicting_and_unknown_kinds() {
        let set = RuleSet::load(&[RuleSource {
            name: "t.toml".into(),
            text: r#"
[[rule]]
id = "f"
class = "failure"
kind = "progress-chasing"
phrases = ["chasing", "cb", "Chasing"]
[[rule]]
id = "v"
class = "value"
kind = "made-up"
phrases = ["chasing"]
[[rule]]
id = "v2"
class = "value"
kind = "information"
priority = 3
phrases = ["chasing"]
"#
            .into(),
        }])
        .unwrap();
        let warnings: Vec<String> = lint(&set).iter().map(|d| d.to_string()).collect();
        let all = warnings.join("\n");
        assert_eq!(warnings.len(), 4, "{all}");
        assert!(
            all.contains("t.toml:2:1: warning: rule \"f\": phrase \"cb\" is only 1-2"),
            "{all}"
        );
        assert!(all.contains("\"Chasing\" is listed twice"), "{all}");
        assert!(all.contains("kind \"made-up\""), "{all}");
        assert!(
            all.contains("rule \"v\": phrase \"chasing\" is also in failure rule \"f\""),
            "{all}"
        );
        assert!(!all.contains("\"v2\""), "{all}");
    }

    #[test]
    fn fields_that_no_mapping_can_provide_are_named() {
        let set = RuleSet::load(&[RuleSource {
            name: "t.toml".into(),
            text: r#"
[[rule]]
id = "a"
class = "value"
kind = "payment"
fields = { chanel = ["phone"], "Contact Method" = ["web"], "Queue Name" = ["x"], service = ["tax"] }
"#
            .into(),
        }])
        .unwrap();
        let warnings: Vec<String> = lint(&set).iter().map(|d| d.to_string()).collect();
        let all = warnings.join("\n");
        assert_eq!(warnings.len(), 3, "{all}");
        assert!(
            all.contains("\"chanel\"") && all.contains("did you mean the logical field `channel`"),
            "{all}"
        );
        assert!(
            all.contains("\"Contact Method\"") && all.contains("where `channel` is usually found"),
            "{all}"
        );
        assert!(
            all.contains("\"Queue Name\"") && all.contains("check that your exports"),
            "{all}"
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
