//! The matcher against a plain reading of the rule semantics.
//!
//! The matcher takes shortcuts for speed: one word lookup for every phrase, regexes run
//! only when their gate words occur, rules looked at only when something of theirs
//! occurs, vetoes looked up only for those rules. This test evaluates every rule of the
//! default set the slow, obvious way (substring search for `" words "` in the padded
//! normalised text, every regex on every contact) and checks that the set of matching
//! rules, and so the decision, is the same for thousands of contacts stitched together
//! from pieces of the rules' own examples and the labelled fixtures, where rule wording
//! is densest.

use demand::classify::{Matcher, Scratch, SimpleContact};
use demand::rules::{Phrase, Rule, RuleSet};
use demand::text::ContactText;

/// Whether `phrase` occurs in `text` (normalised, each line padded with spaces).
fn occurs(phrase: &Phrase, text: &[u8]) -> bool {
    let needle = format!(" {}{}", phrase.words, if phrase.prefix { "" } else { " " });
    text.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Whether `rule` matches a contact with this text and no field values.
fn reference(rule: &Rule, text: &[u8]) -> bool {
    let any = |list: &[Phrase]| list.iter().any(|p| occurs(p, text));
    if !rule.fields.is_empty() || any(&rule.unless) {
        return false;
    }
    if rule.unless_regex.iter().any(|r| r.regex.is_match(text)) {
        return false;
    }
    if !rule.all.iter().all(|group| any(group)) {
        return false;
    }
    let needs_text = !rule.phrases.is_empty() || !rule.regex.is_empty();
    !needs_text || any(&rule.phrases) || rule.regex.iter().any(|r| r.regex.is_match(text))
}

/// Pieces of text: the rules' examples and counter-examples, and labelled notes.
fn pieces(rules: &RuleSet) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = rules
        .rules
        .iter()
        .flat_map(|r| r.examples.iter().chain(&r.counter_examples))
        .map(|e| e.text.split_whitespace().map(String::from).collect())
        .collect();
    for path in ["fixtures/labelled/dev.csv", "fixtures/labelled/verbose.csv"] {
        let mut rdr = csv::Reader::from_path(path).unwrap();
        let col = rdr
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "Summary")
            .unwrap();
        for rec in rdr.records() {
            out.push(
                rec.unwrap()[col]
                    .split_whitespace()
                    .map(String::from)
                    .collect(),
            );
        }
    }
    // Numbers inside words and at word ends, which example texts seldom hold and gates
    // must not miss ("10 times" contains "0 times").
    for extra in [
        "rang 10 times now",
        "called 3x already",
        "phoned 12x",
        "been waiting 14 days",
        "over 45 mins on hold",
        "sent it 3 wks ago",
        "this is the 11th time",
        "2 calls so far",
    ] {
        out.push(extra.split_whitespace().map(String::from).collect());
    }
    out
}

#[test]
fn matcher_agrees_with_the_plain_reading_of_every_rule() {
    let rules = RuleSet::default_rules().unwrap();
    let pieces = pieces(&rules);
    let matcher = Matcher::new(rules.clone());
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut scratch = Scratch::default();
    let mut checked_matches = 0;
    for _ in 0..2500 {
        // One to three windows of words from random pieces, joined.
        let mut words: Vec<&str> = Vec::new();
        for _ in 0..1 + next(3) {
            let piece = &pieces[next(pieces.len())];
            if piece.is_empty() {
                continue;
            }
            let start = next(piece.len());
            let len = 1 + next(piece.len() - start);
            words.extend(piece[start..start + len].iter().map(String::as_str));
        }
        let text = words.join(" ");
        let contact = SimpleContact {
            text: &text,
            slots: matcher.slots(),
            ..SimpleContact::default()
        };
        matcher.classify(&contact, &mut scratch);
        let mut fast: Vec<usize> = scratch.matched.iter().map(|&r| r as usize).collect();
        fast.sort_unstable();
        let mut normalised = ContactText::default();
        normalised.push_field(text.as_bytes());
        let slow: Vec<usize> = (0..rules.rules.len())
            .filter(|&r| reference(&rules.rules[r], normalised.as_bytes()))
            .collect();
        assert_eq!(fast, slow, "{text:?}");
        checked_matches += slow.len();
    }
    assert!(
        checked_matches > 2500,
        "too few rule matches to mean much: {checked_matches}"
    );
}
