//! How a rule set behaves on real logs (`demand rules stats`): per rule, how many contacts
//! it matches and wins, which rules it fires together with, and whether it collides with
//! rules of the other class; then what the contacts no rule matched talk about.
//!
//! It runs the ordinary pipeline ([`crate::pipeline::run_observed`]) with a
//! [`StatsObserver`] that reads each contact's list of matching rules and, for contacts no
//! rule matched, their words ([`crate::ngrams`], bounded memory). Hits and wins come from
//! the same tally `demand report` uses, so the two always agree.
//!
//! The word and phrase lists are free text from the contacts: the one output of `demand`
//! that is not counts alone. They are what this command is asked for, and they are counted
//! over many contacts, but a rare phrase can still be personal (a name, a street): read
//! them before sharing the output.

use crate::classify::Decision;
use crate::ngrams::{ngrams, Frequent};
use crate::pipeline::Observer;
use crate::rules::{Class, RuleSet};
use crate::summary::{RepeatMark, Tally};
use crate::text::ContactText;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::fmt::Write as _;

/// The version of the JSON output (docs/rules.md).
pub const SCHEMA: &str = "demand.rule-stats/1";
/// Overlapping rules listed per rule.
pub const TOP_OVERLAPS: usize = 3;

/// Output formats of `demand rules stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatsFormat {
    Table,
    Csv,
    Json,
}

/// Observes every contact of a run for [`RuleStats`].
#[derive(Debug)]
pub struct StatsObserver {
    classes: Vec<Class>,
}

impl StatsObserver {
    pub fn new(set: &RuleSet) -> StatsObserver {
        StatsObserver {
            classes: set.rules.iter().map(|r| r.class).collect(),
        }
    }
}

/// What [`StatsObserver`] gathers from a chunk, and from the run once merged.
#[derive(Debug, Default)]
pub struct StatsState {
    /// (lower rule index, higher rule index) -> contacts both matched.
    pairs: FxHashMap<(u32, u32), u64>,
    /// Per rule: contacts it matched along with a rule of the other class.
    conflicts: Vec<u64>,
    /// Contacts no rule matched (and repeat detection did not make failure demand).
    unmatched: u64,
    /// Words, two- and three-word phrases of those contacts (contacts per phrase).
    grams: [Frequent; 3],
    /// Reused buffers.
    sorted: Vec<u32>,
    found: [Vec<String>; 3],
}

impl Observer for StatsObserver {
    type State = StatsState;

    fn contact(
        &self,
        st: &mut StatsState,
        d: Decision,
        mark: RepeatMark,
        matched: &[u32],
        text: &ContactText,
    ) {
        // A contact repeat detection made failure demand is not waiting for a rule.
        if d.rule.is_none() && mark != (RepeatMark::Repeat { converted: true }) {
            st.unmatched += 1;
            ngrams(text.as_bytes(), &mut st.found);
            for (counter, found) in st.grams.iter_mut().zip(&st.found) {
                found.iter().for_each(|g| counter.add(g, 1));
            }
            return;
        }
        if matched.len() < 2 {
            return;
        }
        st.sorted.clear();
        st.sorted.extend_from_slice(matched);
        st.sorted.sort_unstable();
        for (i, &a) in st.sorted.iter().enumerate() {
            for &b in &st.sorted[i + 1..] {
                *st.pairs.entry((a, b)).or_insert(0) += 1;
            }
        }
        let class = |r: &u32| self.classes[*r as usize];
        let conflict = matched.iter().any(|r| class(r) == Class::Failure)
            && matched.iter().any(|r| class(r) == Class::Value);
        if conflict {
            st.conflicts.resize(self.classes.len(), 0);
            matched.iter().for_each(|&r| st.conflicts[r as usize] += 1);
        }
    }

    fn merge(&self, into: &mut StatsState, from: StatsState) {
        for (k, n) in from.pairs {
            *into.pairs.entry(k).or_insert(0) += n;
        }
        if !from.conflicts.is_empty() {
            into.conflicts.resize(self.classes.len(), 0);
            for (a, b) in into.conflicts.iter_mut().zip(from.conflicts) {
                *a += b;
            }
        }
        into.unmatched += from.unmatched;
        for (a, b) in into.grams.iter_mut().zip(from.grams) {
            a.merge(b);
        }
    }
}

/// The report: see docs/rules.md for every field.
#[derive(Debug, Clone, Serialize)]
pub struct RuleStats {
    pub schema: &'static str,
    pub ruleset: String,
    /// Contacts classified (rejected rows are not).
    pub contacts: u64,
    pub rejected: u64,
    /// Every rule, in rule-set order.
    pub rules: Vec<RuleStat>,
    /// Ids of the rules that matched no contact.
    pub never_matched: Vec<String>,
    pub unmatched: Unmatched,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleStat {
    pub id: String,
    pub class: Class,
    pub kind: String,
    pub priority: i64,
    /// Contacts the rule matched, and their share of all contacts.
    pub hits: u64,
    pub coverage: f64,
    /// Contacts the rule won (it decided their class).
    pub wins: u64,
    /// Contacts it matched along with a rule of the other class.
    pub conflicts: u64,
    /// The rules it most often matched together with, most first.
    pub overlaps: Vec<Overlap>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Overlap {
    pub rule: String,
    pub contacts: u64,
}

/// What the contacts no rule matched talk about.
#[derive(Debug, Clone, Serialize)]
pub struct Unmatched {
    pub contacts: u64,
    /// Counts may be this much below the truth (0: exact); see [`crate::ngrams`].
    pub undercount: u64,
    pub words: Vec<Gram>,
    pub phrases2: Vec<Gram>,
    pub phrases3: Vec<Gram>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Gram {
    pub text: String,
    /// Unmatched contacts it occurs in, and their share of the unmatched contacts.
    pub contacts: u64,
    pub share: f64,
}

fn share(n: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 / of as f64
    }
}

impl RuleStats {
    /// Builds the report from a run's tally and the observer's merged state, keeping the
    /// `top` most frequent words and phrases of each length found in at least
    /// `min_contacts` contacts.
    pub fn new(
        set: &RuleSet,
        tally: &Tally,
        state: StatsState,
        top: usize,
        min_contacts: u64,
    ) -> RuleStats {
        let contacts: u64 = tally.cells.values().map(|c| c.total()).sum();
        let mut overlaps: Vec<Vec<Overlap>> = vec![Vec::new(); set.rules.len()];
        for (&(a, b), &n) in &state.pairs {
            for (x, y) in [(a, b), (b, a)] {
                overlaps[x as usize].push(Overlap {
                    rule: set.rules[y as usize].id.clone(),
                    contacts: n,
                });
            }
        }
        let rules: Vec<RuleStat> = set
            .rules
            .iter()
            .zip(overlaps)
            .enumerate()
            .map(|(i, (r, mut overlaps))| {
                overlaps.sort_by(|a, b| b.contacts.cmp(&a.contacts).then(a.rule.cmp(&b.rule)));
                overlaps.truncate(TOP_OVERLAPS);
                RuleStat {
                    id: r.id.clone(),
                    class: r.class,
                    kind: r.kind.clone(),
                    priority: r.priority,
                    hits: tally.rule_hits[i],
                    coverage: share(tally.rule_hits[i], contacts),
                    wins: tally.rule_wins[i],
                    conflicts: state.conflicts.get(i).copied().unwrap_or(0),
                    overlaps,
                }
            })
            .collect();
        let never_matched = rules
            .iter()
            .filter(|r| r.hits == 0)
            .map(|r| r.id.clone())
            .collect();
        let unmatched = state.unmatched;
        let list = |f: &Frequent| -> Vec<Gram> {
            f.top(top)
                .into_iter()
                .filter(|&(_, n)| n >= min_contacts)
                .map(|(text, n)| Gram {
                    text: text.to_string(),
                    contacts: n,
                    share: share(n, unmatched),
                })
                .collect()
        };
        let [words, phrases2, phrases3] = &state.grams;
        RuleStats {
            schema: SCHEMA,
            ruleset: set.name.clone(),
            contacts,
            rejected: tally.rejected,
            rules,
            never_matched,
            unmatched: Unmatched {
                contacts: unmatched,
                undercount: state
                    .grams
                    .iter()
                    .map(Frequent::undercount)
                    .max()
                    .unwrap_or(0),
                words: list(words),
                phrases2: list(phrases2),
                phrases3: list(phrases3),
            },
        }
    }

    pub fn render(&self, format: StatsFormat) -> String {
        match format {
            StatsFormat::Table => self.table(),
            StatsFormat::Csv => self.csv(),
            StatsFormat::Json => {
                let mut s = serde_json::to_string_pretty(self).expect("stats serialise");
                s.push('\n');
                s
            }
        }
    }

    fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "rules {:?}: {} contacts ({} rejected rows not counted), {} matched by no rule",
            self.ruleset, self.contacts, self.rejected, self.unmatched.contacts
        );
        let _ = writeln!(
            out,
            "\nrules that matched, most hits first (conflicts: matched along with a rule of \
             the other class)"
        );
        let _ = writeln!(
            out,
            "{:<36} {:<7} {:>6} {:>8} {:>6} {:>9}  overlaps",
            "rule", "class", "hits", "coverage", "wins", "conflicts"
        );
        let mut matched: Vec<&RuleStat> = self.rules.iter().filter(|r| r.hits > 0).collect();
        matched.sort_by_key(|r| std::cmp::Reverse(r.hits));
        for r in matched {
            let overlaps: Vec<String> = r
                .overlaps
                .iter()
                .map(|o| format!("{} ({})", o.rule, o.contacts))
                .collect();
            let line = format!(
                "{:<36} {:<7} {:>6} {:>7.1}% {:>6} {:>9}  {}",
                r.id,
                r.class.name(),
                r.hits,
                r.coverage * 100.0,
                r.wins,
                r.conflicts,
                overlaps.join(", ")
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
        let _ = writeln!(
            out,
            "\nnever matched ({}): {}",
            self.never_matched.len(),
            if self.never_matched.is_empty() {
                "-".to_string()
            } else {
                self.never_matched.join(", ")
            }
        );
        let u = &self.unmatched;
        let _ = writeln!(
            out,
            "\nin the {} contacts no rule matched (contacts per word or phrase; stop words left out{}):",
            u.contacts,
            if u.undercount > 0 {
                format!("; counts may be up to {} low", u.undercount)
            } else {
                String::new()
            }
        );
        for (title, list) in [
            ("words", &u.words),
            ("two-word phrases", &u.phrases2),
            ("three-word phrases", &u.phrases3),
        ] {
            let _ = writeln!(out, "  {title}:");
            if list.is_empty() {
                let _ = writeln!(out, "    -");
            }
            for g in list {
                let _ = writeln!(
                    out,
                    "    {:>6} {:>6.1}%  {}",
                    g.contacts,
                    g.share * 100.0,
                    g.text
                );
            }
        }
        out
    }

    /// One long table: a `section` column (`rule`, `word`, `phrase2`, `phrase3`); for
    /// rules `contacts`/`share` are hits/coverage, for words the unmatched contacts.
    fn csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record([
            "section",
            "key",
            "class",
            "kind",
            "priority",
            "contacts",
            "share",
            "wins",
            "conflicts",
            "overlaps",
        ]);
        for r in &self.rules {
            let overlaps: Vec<String> = r
                .overlaps
                .iter()
                .map(|o| format!("{}:{}", o.rule, o.contacts))
                .collect();
            let _ = w.write_record([
                "rule",
                &r.id,
                r.class.name(),
                &r.kind,
                &r.priority.to_string(),
                &r.hits.to_string(),
                &format!("{:.6}", r.coverage),
                &r.wins.to_string(),
                &r.conflicts.to_string(),
                &overlaps.join(";"),
            ]);
        }
        let u = &self.unmatched;
        for (section, list) in [
            ("word", &u.words),
            ("phrase2", &u.phrases2),
            ("phrase3", &u.phrases3),
        ] {
            for g in list {
                let _ = w.write_record([
                    section,
                    &g.text,
                    "",
                    "",
                    "",
                    &g.contacts.to_string(),
                    &format!("{:.6}", g.share),
                    "",
                    "",
                    "",
                ]);
            }
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).expect("CSV of UTF-8 is UTF-8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::{Matcher, Scratch, SimpleContact};
    use crate::rules::RuleSource;
    use crate::summary::BatchTally;

    /// Classifies `texts` as one chunk, through the observer and a tally.
    fn stats(rules: &str, texts: &[&str]) -> RuleStats {
        let set = RuleSet::load(&[RuleSource {
            name: "t.toml".into(),
            text: rules.into(),
        }])
        .unwrap();
        let m = Matcher::new(set);
        let obs = StatsObserver::new(m.ruleset());
        let mut tally = BatchTally::new(m.ruleset().rules.len());
        let (mut total, mut scratch) = (StatsState::default(), Scratch::default());
        for (i, text) in texts.iter().enumerate() {
            let c = SimpleContact {
                text,
                slots: m.slots(),
                ..SimpleContact::default()
            };
            let d = m.classify(&c, &mut scratch);
            tally.add(b"", b"", d, &scratch.matched, RepeatMark::Off);
            // Half the contacts in a second state, merged: as chunks are.
            let mut st = StatsState::default();
            obs.contact(&mut st, d, RepeatMark::Off, &scratch.matched, &scratch.text);
            if i % 2 == 0 {
                obs.merge(&mut total, st);
            } else {
                let mut other = StatsState::default();
                obs.merge(&mut other, st);
                obs.merge(&mut total, other);
            }
        }
        RuleStats::new(m.ruleset(), &tally.finish(m.ruleset()), total, 10, 1)
    }

    const RULES: &str = r#"
[[rule]]
id = "bin"
class = "value"
kind = "service-request"
phrases = ["bin"]
[[rule]]
id = "missed"
class = "failure"
kind = "not-done-right"
phrases = ["missed"]
[[rule]]
id = "new"
class = "value"
kind = "service-request"
phrases = ["new"]
[[rule]]
id = "never"
class = "value"
kind = "payment"
phrases = ["zzz"]
"#;

    #[test]
    fn coverage_wins_overlaps_conflicts_and_never_matched() {
        let s = stats(
            RULES,
            &[
                "bin missed",
                "new bin",
                "new bin missed",
                "garden waste permit",
                "garden waste permit please",
            ],
        );
        assert_eq!(s.contacts, 5);
        let r = |id: &str| s.rules.iter().find(|r| r.id == id).unwrap();
        assert_eq!(r("bin").hits, 3);
        assert!((r("bin").coverage - 0.6).abs() < 1e-9);
        assert_eq!(r("bin").wins, 1);
        assert_eq!(r("missed").wins, 2);
        assert_eq!(r("bin").conflicts, 2);
        assert_eq!(r("new").conflicts, 1);
        // Ties in name order.
        assert_eq!(r("bin").overlaps[0].rule, "missed");
        assert_eq!(r("bin").overlaps[0].contacts, 2);
        assert_eq!(r("bin").overlaps[1].rule, "new");
        assert_eq!(r("bin").overlaps[1].contacts, 2);
        assert_eq!(r("missed").overlaps[0].rule, "bin");
        assert_eq!(s.never_matched, ["never"]);
        assert_eq!(s.unmatched.contacts, 2);
        assert_eq!(s.unmatched.undercount, 0);
        assert_eq!(s.unmatched.phrases3[0].text, "garden waste permit");
        assert_eq!(s.unmatched.phrases3[0].contacts, 2);
        assert!((s.unmatched.phrases3[0].share - 1.0).abs() < 1e-9);
        assert_eq!(s.unmatched.words[0].contacts, 2);
    }

    #[test]
    fn every_format_renders_the_figures() {
        let s = stats(RULES, &["bin missed", "garden waste"]);
        let table = s.render(StatsFormat::Table);
        assert!(table.contains("never matched (2): new, never"), "{table}");
        assert!(table.contains("garden waste"), "{table}");
        let csv = s.render(StatsFormat::Csv);
        assert!(
            csv.contains("rule,bin,value,service-request,0,1,0.500000,0,1,missed:1\n"),
            "{csv}"
        );
        assert!(
            csv.contains("phrase2,garden waste,,,,1,1.000000,,,\n"),
            "{csv}"
        );
        let json: serde_json::Value = serde_json::from_str(&s.render(StatsFormat::Json)).unwrap();
        assert_eq!(json["schema"], SCHEMA);
        assert_eq!(json["rules"][1]["wins"], 1);
        assert_eq!(json["unmatched"]["phrases2"][0]["text"], "garden waste");
    }
}
