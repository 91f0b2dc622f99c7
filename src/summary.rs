//! Tallies of classified contacts, and the [`Summary`] every report format renders.
//!
//! Workers count into a [`BatchTally`] keyed by small integers (raw service and channel
//! spellings are interned per batch, so the hot path does one hash lookup of a short
//! byte string per field and never allocates for a value it has seen). A batch's tally is
//! folded into the run's [`Tally`], keyed by canonical names, once per batch.

use crate::classify::Decision;
use crate::period::Period;
use crate::pipeline::RepeatRun;
use crate::repeat::CHAIN_BUCKETS;
use crate::rules::{AliasTable, Class, RuleSet};
use crate::stats::{Share, Verdict};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Contacts of each class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub value: u64,
    pub failure: u64,
    pub unclassified: u64,
    /// Contacts repeat detection could read (timestamp and key), and the repeats among them.
    pub eligible: u64,
    pub repeats: u64,
}

impl Counts {
    pub fn add(&mut self, class: Class, n: u64) {
        match class {
            Class::Value => self.value += n,
            Class::Failure => self.failure += n,
            Class::Unclassified => self.unclassified += n,
        }
    }

    pub fn merge(&mut self, other: &Counts) {
        self.value += other.value;
        self.failure += other.failure;
        self.unclassified += other.unclassified;
        self.eligible += other.eligible;
        self.repeats += other.repeats;
    }

    pub fn total(&self) -> u64 {
        self.value + self.failure + self.unclassified
    }
}

/// The run's counts, keyed by canonical service and channel ("" when absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub cells: HashMap<(String, String), Counts>,
    pub rule_hits: Vec<u64>,
    pub rule_wins: Vec<u64>,
    /// Contacts no rule matched (they take the rule set's default class).
    pub no_rule: u64,
    /// Contacts whose class came from repeat detection rather than from a rule.
    pub repeat_wins: u64,
    pub rejected: u64,
    /// With `--by-period`: counts by canonical service and period index (`None`: no
    /// readable timestamp).
    pub periods: HashMap<(String, Option<i64>), Counts>,
    /// Rows left out as duplicates of an earlier row (src/duplicates.rs).
    pub duplicates: u64,
}

impl Tally {
    pub fn new(rules: usize) -> Tally {
        Tally {
            rule_hits: vec![0; rules],
            rule_wins: vec![0; rules],
            ..Tally::default()
        }
    }

    pub fn merge(&mut self, other: Tally) {
        for (key, counts) in other.cells {
            self.cells.entry(key).or_default().merge(&counts);
        }
        for (a, b) in self.rule_hits.iter_mut().zip(&other.rule_hits) {
            *a += b;
        }
        for (a, b) in self.rule_wins.iter_mut().zip(&other.rule_wins) {
            *a += b;
        }
        self.no_rule += other.no_rule;
        self.repeat_wins += other.repeat_wins;
        self.rejected += other.rejected;
        for (key, counts) in other.periods {
            self.periods.entry(key).or_default().merge(&counts);
        }
        self.duplicates += other.duplicates;
    }

    /// Class totals over all cells.
    pub fn totals(&self) -> Counts {
        let mut c = Counts::default();
        for counts in self.cells.values() {
            c.merge(counts);
        }
        c
    }
}

/// Interns raw field values within one batch.
#[derive(Debug, Default)]
struct Interner {
    ids: FxHashMap<Vec<u8>, u32>,
    raw: Vec<Vec<u8>>,
}

impl Interner {
    fn id(&mut self, raw: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(raw) {
            return id;
        }
        let id = self.raw.len() as u32;
        self.ids.insert(raw.to_vec(), id);
        self.raw.push(raw.to_vec());
        id
    }

    /// The canonical name of every spelling, by id.
    fn canonical(&self, aliases: &AliasTable) -> Vec<String> {
        self.raw
            .iter()
            .map(|raw| aliases.canonical(&String::from_utf8_lossy(raw)).to_string())
            .collect()
    }
}

/// One batch's counts, cheap to update per contact.
#[derive(Debug)]
pub struct BatchTally {
    services: Interner,
    channels: Interner,
    cells: FxHashMap<(u32, u32), Counts>,
    hits: Vec<u64>,
    wins: Vec<u64>,
    no_rule: u64,
    repeat_wins: u64,
    pub rejected: u64,
    periods: FxHashMap<(u32, Option<i64>), Counts>,
    pub duplicates: u64,
}

/// What repeat detection says of one contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepeatMark {
    /// Repeat detection is not running.
    Off,
    /// No readable timestamp, or a key field is missing.
    Ineligible,
    /// Indexed, and not a repeat.
    Eligible,
    /// A repeat. `converted`: its text did not make it failure demand, so repeat
    /// detection did (kind `repeat`); otherwise it keeps its own failure kind.
    Repeat { converted: bool },
}

impl RepeatMark {
    /// The class a contact ends with: failure for a converted repeat, else its text's.
    pub fn final_class(self, text: Class) -> Class {
        match self {
            RepeatMark::Repeat { converted: true } => Class::Failure,
            _ => text,
        }
    }
}

impl BatchTally {
    pub fn new(rules: usize) -> BatchTally {
        BatchTally {
            services: Interner::default(),
            channels: Interner::default(),
            cells: FxHashMap::default(),
            hits: vec![0; rules],
            wins: vec![0; rules],
            no_rule: 0,
            repeat_wins: 0,
            rejected: 0,
            periods: FxHashMap::default(),
            duplicates: 0,
        }
    }

    /// Counts one contact of `class` in a period (`--by-period`).
    pub fn add_period(&mut self, service: &[u8], period: Option<i64>, class: Class) {
        let key = (self.services.id(service), period);
        self.periods.entry(key).or_default().add(class, 1);
    }

    /// Counts one classified contact; `matched` lists every rule that matched it.
    pub fn add(
        &mut self,
        service: &[u8],
        channel: &[u8],
        decision: Decision,
        matched: &[u32],
        mark: RepeatMark,
    ) {
        let key = (self.services.id(service), self.channels.id(channel));
        let cell = self.cells.entry(key).or_default();
        let converted = mark == RepeatMark::Repeat { converted: true };
        cell.add(mark.final_class(decision.class), 1);
        match mark {
            RepeatMark::Off | RepeatMark::Ineligible => {}
            RepeatMark::Eligible => cell.eligible += 1,
            RepeatMark::Repeat { .. } => {
                cell.eligible += 1;
                cell.repeats += 1;
            }
        }
        for &r in matched {
            self.hits[r as usize] += 1;
        }
        match decision.rule {
            _ if converted => self.repeat_wins += 1,
            Some(r) => self.wins[r] += 1,
            None => self.no_rule += 1,
        }
    }

    /// Resolves interned spellings to canonical names.
    pub fn finish(self, rules: &RuleSet) -> Tally {
        let services = self.services.canonical(&rules.services);
        let channels = self.channels.canonical(&rules.channels);
        let mut periods: HashMap<(String, Option<i64>), Counts> = HashMap::new();
        for ((s, p), counts) in self.periods {
            let key = (services[s as usize].clone(), p);
            periods.entry(key).or_default().merge(&counts);
        }
        let mut cells: HashMap<(String, String), Counts> = HashMap::new();
        for ((s, c), counts) in self.cells {
            let key = (services[s as usize].clone(), channels[c as usize].clone());
            cells.entry(key).or_default().merge(&counts);
        }
        Tally {
            cells,
            rule_hits: self.hits,
            rule_wins: self.wins,
            no_rule: self.no_rule,
            repeat_wins: self.repeat_wins,
            rejected: self.rejected,
            periods,
            duplicates: self.duplicates,
        }
    }
}

/// The label for a missing service or channel.
pub const NONE_KEY: &str = "(none)";

/// The version of the JSON report schema (docs/report-json.md).
pub const SCHEMA: &str = "demand.report/1";

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub schema: &'static str,
    pub tool: Tool,
    pub ruleset: RulesetInfo,
    pub inputs: Vec<InputInfo>,
    pub totals: Totals,
    pub failure_share: FailureShare,
    /// The verdict against `--claim`, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim: Option<Claim>,
    pub breakdowns: Breakdowns,
    pub rules: Vec<RuleRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct RulesetInfo {
    pub name: String,
    pub version: String,
    pub rules: usize,
    pub default_class: Class,
    pub sources: Vec<String>,
}

/// What was read from one input, and how its columns were mapped.
#[derive(Debug, Clone, Serialize)]
pub struct InputInfo {
    pub source: String,
    /// The encoding the input was decoded from.
    pub encoding: String,
    pub contacts: u64,
    pub rejected: u64,
    /// The header row's line; absent with `--no-headers`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_line: Option<u64>,
    /// Non-blank rows above the header that were skipped (a title, an "exported on" line).
    pub skipped_rows: u64,
    /// Rows that were not valid UTF-8 and were read as Windows-1252 (`--encoding auto`).
    pub windows_1252_rows: u64,
    #[serde(skip)]
    pub first_windows_1252_line: Option<u64>,
    /// Why this input's contacts were not checked for repeats (a column it lacks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_unchecked: Option<String>,
    pub columns: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub contacts: u64,
    pub value: u64,
    pub failure: u64,
    pub unclassified: u64,
    pub rejected: u64,
    /// Rows left out as duplicates of an earlier row (0 with `--keep-duplicates`).
    pub duplicates: u64,
    /// Repeat detection's findings; absent when it did not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat: Option<RepeatSummary>,
}

/// Repeat contacts found in a run (docs/repeat.md).
#[derive(Debug, Clone, Serialize)]
pub struct RepeatSummary {
    pub window_days: f64,
    pub key: Vec<String>,
    pub kind: String,
    /// Contacts with a readable timestamp and every key field.
    pub eligible: u64,
    /// Eligible contacts that followed the previous contact of their key within the window.
    pub repeats: u64,
    /// repeats / eligible, with its 95% interval.
    pub share: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    /// Repeats whose text had already made them failure demand: they keep their own kind.
    pub already_failure: u64,
    /// Repeats that were value or unclassified by their text and became failure demand of
    /// the repeat kind.
    pub converted: u64,
    /// Chains (a first contact and its repeats) by number of contacts: 2, 3, 4, 5+.
    pub chains: BTreeMap<String, u64>,
    /// Contacts left out of repeat detection, by reason.
    pub ineligible: BTreeMap<String, u64>,
    pub by_service: Vec<RepeatRow>,
    pub by_channel: Vec<RepeatRow>,
}

/// Repeat share within one service or channel.
#[derive(Debug, Clone, Serialize)]
pub struct RepeatRow {
    pub key: String,
    pub eligible: u64,
    pub repeats: u64,
    pub share: Option<f64>,
    pub ci95: Option<[f64; 2]>,
}

impl RepeatRow {
    fn new(key: String, c: &Counts) -> RepeatRow {
        let share = Share::of(c.repeats, c.eligible);
        RepeatRow {
            key,
            eligible: c.eligible,
            repeats: c.repeats,
            share: share.map(|s| s.estimate),
            ci95: share.map(|s| [s.low, s.high]),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct FailureShare {
    /// failure / (failure + value); `null` when nothing was classified.
    pub estimate: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    /// The share if every unclassified contact were value, and if every one were failure.
    pub bounds: Option<[f64; 2]>,
}

impl FailureShare {
    pub fn of(c: &Counts) -> FailureShare {
        let share = Share::of(c.failure, c.failure + c.value);
        let all = c.total();
        FailureShare {
            estimate: share.map(|s| s.estimate),
            ci95: share.map(|s| [s.low, s.high]),
            bounds: (all > 0).then(|| {
                [
                    c.failure as f64 / all as f64,
                    (c.failure + c.unclassified) as f64 / all as f64,
                ]
            }),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Breakdowns {
    pub service: Vec<Row>,
    pub channel: Vec<Row>,
    pub service_channel: Vec<Row>,
    pub kind: Vec<Row>,
    /// With `--by-period`: every period from the first to the last, in order (empty ones
    /// as zeros), then `(no date)` for contacts without a readable timestamp.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub period: Vec<Row>,
    /// The same per service (`service` set on each row), services in the order of
    /// `service`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub service_period: Vec<Row>,
}

/// A failure share compared with a claimed share (`report --claim`).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Claim {
    pub share: f64,
    /// Where the 95% interval of the failure share lies relative to the claim.
    pub verdict: Verdict,
    /// The verdict is the same when every unclassified contact is taken as value, and
    /// when every one is taken as failure.
    pub holds_across_bounds: bool,
    /// Fewer than [`SMALL`] classified contacts: the interval is wide, read with care.
    pub small: bool,
}

/// Below this many classified contacts a row's interval is too wide to say much.
pub const SMALL: u64 = 30;

impl Claim {
    pub fn of(c: &Counts, claim: f64) -> Option<Claim> {
        let share = Share::of(c.failure, c.failure + c.value)?;
        let verdict = Verdict::of(&share, claim);
        let all = c.total();
        let holds = [c.failure, c.failure + c.unclassified]
            .into_iter()
            .all(|f| Share::of(f, all).is_some_and(|s| Verdict::of(&s, claim) == verdict));
        Some(Claim {
            share: claim,
            verdict,
            holds_across_bounds: holds,
            small: c.failure + c.value < SMALL,
        })
    }
}

impl Breakdowns {
    /// The breakdowns in report order: (name in JSON and CSV, title for people, rows).
    /// The period breakdowns are included when the report has them.
    pub fn sections(&self) -> Vec<(&'static str, &'static str, &[Row])> {
        let mut sections: Vec<(&'static str, &'static str, &[Row])> = vec![
            ("service", "service", &self.service),
            ("channel", "channel", &self.channel),
            (
                "service_channel",
                "service / channel",
                &self.service_channel,
            ),
            ("kind", "kind", &self.kind),
        ];
        if !self.period.is_empty() {
            sections.push(("period", "period", &self.period));
            sections.push(("service_period", "service / period", &self.service_period));
        }
        sections
    }
}

/// One row of a breakdown.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<Class>,
    pub contacts: u64,
    pub value: u64,
    pub failure: u64,
    pub unclassified: u64,
    pub failure_share: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim: Option<Claim>,
}

impl Row {
    fn new(key: String, c: &Counts, claim: Option<f64>) -> Row {
        let share = FailureShare::of(c);
        Row {
            key,
            service: None,
            channel: None,
            class: None,
            contacts: c.total(),
            value: c.value,
            failure: c.failure,
            unclassified: c.unclassified,
            failure_share: share.estimate,
            ci95: share.ci95,
            claim: claim.and_then(|claim| Claim::of(c, claim)),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleRow {
    pub id: String,
    pub class: Class,
    pub kind: String,
    pub priority: i64,
    pub hits: u64,
    pub wins: u64,
}

fn label(s: &str) -> String {
    if s.is_empty() {
        NONE_KEY.to_string()
    } else {
        s.to_string()
    }
}

/// Rows from grouped counts, largest first (ties by key, so output is deterministic).
fn rows(groups: HashMap<String, Counts>, claim: Option<f64>) -> Vec<Row> {
    let mut rows: Vec<Row> = groups
        .into_iter()
        .map(|(k, c)| Row::new(k, &c, claim))
        .collect();
    rows.sort_by(|a, b| b.contacts.cmp(&a.contacts).then_with(|| a.key.cmp(&b.key)));
    rows
}

impl Summary {
    /// The summary of a run; `claim` is a failure share to test the figures against.
    pub fn new(
        tally: &Tally,
        rules: &RuleSet,
        inputs: Vec<InputInfo>,
        claim: Option<f64>,
    ) -> Summary {
        let totals_counts = tally.totals();
        let mut by_service: HashMap<String, Counts> = HashMap::new();
        let mut by_channel: HashMap<String, Counts> = HashMap::new();
        let mut cells: Vec<Row> = Vec::new();
        for ((s, c), counts) in &tally.cells {
            by_service.entry(label(s)).or_default().merge(counts);
            by_channel.entry(label(c)).or_default().merge(counts);
            let mut row = Row::new(format!("{} / {}", label(s), label(c)), counts, claim);
            row.service = Some(label(s));
            row.channel = Some(label(c));
            cells.push(row);
        }
        cells.sort_by(|a, b| b.contacts.cmp(&a.contacts).then_with(|| a.key.cmp(&b.key)));

        let mut by_kind: BTreeMap<(Class, String), Counts> = BTreeMap::new();
        for (rule, wins) in rules.rules.iter().zip(&tally.rule_wins) {
            if *wins > 0 {
                by_kind
                    .entry((rule.class, rule.kind.clone()))
                    .or_default()
                    .add(rule.class, *wins);
            }
        }
        if tally.no_rule > 0 {
            by_kind
                .entry((rules.default, "none".to_string()))
                .or_default()
                .add(rules.default, tally.no_rule);
        }
        if tally.repeat_wins > 0 {
            by_kind
                .entry((Class::Failure, rules.repeat.kind.clone()))
                .or_default()
                .add(Class::Failure, tally.repeat_wins);
        }
        let mut kind: Vec<Row> = by_kind
            .into_iter()
            .map(|((class, k), c)| {
                let mut row = Row::new(k, &c, None);
                row.class = Some(class);
                row
            })
            .collect();
        kind.sort_by(|a, b| {
            a.class
                .cmp(&b.class)
                .then_with(|| b.contacts.cmp(&a.contacts))
                .then_with(|| a.key.cmp(&b.key))
        });

        let rule_rows = rules
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| RuleRow {
                id: r.id.clone(),
                class: r.class,
                kind: r.kind.clone(),
                priority: r.priority,
                hits: tally.rule_hits[i],
                wins: tally.rule_wins[i],
            })
            .collect();

        Summary {
            schema: SCHEMA,
            tool: Tool {
                name: "demand",
                version: env!("CARGO_PKG_VERSION"),
            },
            ruleset: RulesetInfo {
                name: rules.name.clone(),
                version: rules.version.clone(),
                rules: rules.rules.len(),
                default_class: rules.default,
                sources: rules.sources.clone(),
            },
            inputs,
            totals: Totals {
                contacts: totals_counts.total() + tally.rejected + tally.duplicates,
                value: totals_counts.value,
                failure: totals_counts.failure,
                unclassified: totals_counts.unclassified,
                rejected: tally.rejected,
                duplicates: tally.duplicates,
                repeat: None,
            },
            failure_share: FailureShare::of(&totals_counts),
            claim: claim.and_then(|claim| Claim::of(&totals_counts, claim)),
            breakdowns: Breakdowns {
                service: rows(by_service, claim),
                channel: rows(by_channel, claim),
                service_channel: cells,
                kind,
                period: Vec::new(),
                service_period: Vec::new(),
            },
            rules: rule_rows,
        }
    }
}

/// The label of contacts without a readable timestamp in the period breakdowns.
pub const NO_DATE: &str = "(no date)";

impl Summary {
    /// Adds the period breakdowns (`report --by-period`) from a tally that counted them.
    pub fn with_periods(
        mut self,
        tally: &Tally,
        period: Option<Period>,
        claim: Option<f64>,
    ) -> Self {
        let Some(period) = period else {
            return self;
        };
        let known = tally.periods.keys().filter_map(|(_, p)| *p);
        let (Some(first), Some(last)) = (known.clone().min(), known.max()) else {
            // No readable timestamp at all: one row says so.
            let mut all = Counts::default();
            for c in tally.periods.values() {
                all.merge(c);
            }
            if all.total() > 0 {
                self.breakdowns.period = vec![Row::new(NO_DATE.to_string(), &all, claim)];
            }
            return self;
        };
        let mut overall: BTreeMap<Option<i64>, Counts> = BTreeMap::new();
        for ((_, p), c) in &tally.periods {
            overall.entry(*p).or_default().merge(c);
        }
        let rows_for = |counts: &BTreeMap<Option<i64>, Counts>, service: Option<&str>| {
            let mut rows: Vec<Row> = (first..=last)
                .map(|i| {
                    let c = counts.get(&Some(i)).copied().unwrap_or_default();
                    Row::new(period.label(i), &c, claim)
                })
                .collect();
            if let Some(c) = counts.get(&None) {
                rows.push(Row::new(NO_DATE.to_string(), c, claim));
            }
            for r in &mut rows {
                r.service = service.map(str::to_string);
            }
            rows
        };
        self.breakdowns.period = rows_for(&overall, None);
        let mut by_service: BTreeMap<String, BTreeMap<Option<i64>, Counts>> = BTreeMap::new();
        for ((s, p), c) in &tally.periods {
            by_service
                .entry(label(s))
                .or_default()
                .entry(*p)
                .or_default()
                .merge(c);
        }
        let order: Vec<String> = self
            .breakdowns
            .service
            .iter()
            .map(|r| r.key.clone())
            .collect();
        for service in order {
            if let Some(counts) = by_service.get(&service) {
                self.breakdowns
                    .service_period
                    .extend(rows_for(counts, Some(&service)));
            }
        }
        self
    }

    /// Adds repeat detection's findings (`run` is `None` when it did not run).
    pub fn with_repeat(mut self, tally: &Tally, rules: &RuleSet, run: Option<&RepeatRun>) -> Self {
        let Some(run) = run else {
            return self;
        };
        let mut by_service: HashMap<String, Counts> = HashMap::new();
        let mut by_channel: HashMap<String, Counts> = HashMap::new();
        for ((s, c), counts) in &tally.cells {
            by_service.entry(label(s)).or_default().merge(counts);
            by_channel.entry(label(c)).or_default().merge(counts);
        }
        let repeat_rows = |groups: HashMap<String, Counts>| {
            let mut rows: Vec<RepeatRow> = groups
                .into_iter()
                .filter(|(_, c)| c.eligible > 0)
                .map(|(k, c)| RepeatRow::new(k, &c))
                .collect();
            rows.sort_by(|a, b| b.eligible.cmp(&a.eligible).then_with(|| a.key.cmp(&b.key)));
            rows
        };
        let share = Share::of(run.repeats, run.eligible);
        self.totals.repeat = Some(RepeatSummary {
            window_days: rules.repeat.window_days,
            key: rules.repeat.key_names(),
            kind: rules.repeat.kind.clone(),
            eligible: run.eligible,
            repeats: run.repeats,
            share: share.map(|s| s.estimate),
            ci95: share.map(|s| [s.low, s.high]),
            already_failure: run.repeats.saturating_sub(tally.repeat_wins),
            converted: tally.repeat_wins,
            chains: CHAIN_BUCKETS
                .iter()
                .zip(run.chains)
                .map(|(b, n)| (b.to_string(), n))
                .collect(),
            ineligible: run
                .ineligible
                .by_reason(&rules.repeat)
                .into_iter()
                .collect(),
            by_service: repeat_rows(by_service),
            by_channel: repeat_rows(by_channel),
        });
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_share_bounds_bracket_the_estimate() {
        let c = Counts {
            value: 60,
            failure: 30,
            unclassified: 10,
            ..Counts::default()
        };
        let s = FailureShare::of(&c);
        assert!((s.estimate.unwrap() - 30.0 / 90.0).abs() < 1e-12);
        let [lo, hi] = s.bounds.unwrap();
        assert!((lo - 0.30).abs() < 1e-12 && (hi - 0.40).abs() < 1e-12);
        let [a, b] = s.ci95.unwrap();
        assert!(a < s.estimate.unwrap() && s.estimate.unwrap() < b);
    }

    #[test]
    fn nothing_classified_has_no_share() {
        let s = FailureShare::of(&Counts {
            unclassified: 5,
            ..Counts::default()
        });
        assert_eq!(s.estimate, None);
        assert_eq!(s.ci95, None);
        assert_eq!(s.bounds, Some([0.0, 1.0]));
    }
}
