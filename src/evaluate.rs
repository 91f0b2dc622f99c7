//! `demand evaluate`: how well the rules agree with people, and the failure share
//! corrected for the rules' measured errors.
//!
//! A labelled CSV (usually a `demand sample` filled in by people) is read through
//! [`crate::pipeline::run`] like any log, so every row is classified again with the
//! current rules: an edited rule set is re-scored without drawing a new sample. The
//! [`Collector`] pairs each row's human label with the tool's fresh answer; [`evaluate`]
//! turns the pairs into a confusion matrix, precision, recall and F1 per class and kind,
//! agreement and Cohen's kappa with intervals, the rules behind most disagreements, and a
//! Rogan-Gladen corrected failure share, weighted by stratum when a sample design is given.
//! The method is explained for lay readers in docs/checking-the-claim.md.

use crate::classify::Matcher;
use crate::columns::column_key;
use crate::error::{Error, Result};
use crate::pipeline::{RowSink, RunResult};
use crate::rules::Class;
use crate::sample::{class_named, Design, HUMAN_KIND, SAMPLE_COLUMN};
use crate::stats::{rogan_gladen, Kappa, Proportion, Share};
use csv::ByteRecord;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// Header names of the human class column, in order of preference (compared by
/// [`column_key`], so `Human Class` and `LABEL` match too).
pub const LABEL_COLUMNS: [&str; 4] = ["human_class", "label", "human", "expected"];

/// The classes of the confusion matrix, in its order.
pub const CLASSES: [Class; 3] = [Class::Value, Class::Failure, Class::Unclassified];

/// How many rules the disagreement list shows.
pub const TOP_RULES: usize = 10;

/// The rule name shown for contacts no rule matched.
pub const NO_RULE: &str = "(no rule)";

/// Output formats of `demand evaluate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// A person's class: value, failure, or unclassified (also written `unclear`); `None` for
/// an empty cell; `Err` for anything else.
fn human_class(label: &str) -> Result<Option<Class>, ()> {
    match label.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "value" => Ok(Some(Class::Value)),
        "failure" => Ok(Some(Class::Failure)),
        "unclassified" | "unclear" => Ok(Some(Class::Unclassified)),
        _ => Err(()),
    }
}

fn index(class: Class) -> usize {
    match class {
        Class::Value => 0,
        Class::Failure => 1,
        Class::Unclassified => 2,
    }
}

/// One labelled contact: the person's answer and the tool's.
#[derive(Debug, Clone, PartialEq)]
pub struct Labelled {
    /// The data row (1 = the first row after the header, counted across inputs).
    pub row: u64,
    pub human: Class,
    pub human_kind: Option<String>,
    pub tool: Class,
    pub tool_kind: String,
    pub rule: String,
    /// The `demand_sample` number, when the file has that column.
    pub sample: Option<u64>,
}

/// The [`RowSink`] that reads the labels beside the tool's fresh classification.
pub struct Collector {
    source: String,
    width: usize,
    label: usize,
    kind: Option<usize>,
    sample: Option<usize>,
    row: u64,
    pub rows: Vec<Labelled>,
    /// Rows whose human class is empty: counted and skipped.
    pub unlabelled: u64,
}

impl Collector {
    /// `source` names the labelled file in errors.
    pub fn new(source: String) -> Collector {
        Collector {
            source,
            width: 0,
            label: 0,
            kind: None,
            sample: None,
            row: 0,
            rows: Vec::new(),
            unlabelled: 0,
        }
    }
}

impl RowSink for Collector {
    fn header(&mut self, header: &ByteRecord) -> Result<()> {
        let keys: Vec<String> = header
            .iter()
            .map(|h| column_key(&String::from_utf8_lossy(h)))
            .collect();
        let find = |name: &str| keys.iter().position(|k| *k == column_key(name));
        self.width = header.len();
        self.label = LABEL_COLUMNS.iter().find_map(|n| find(n)).ok_or_else(|| {
            Error::Input(format!(
                "{}: no human label column; name it one of {} (the header is: {})",
                self.source,
                LABEL_COLUMNS.join(", "),
                header
                    .iter()
                    .map(|h| String::from_utf8_lossy(h).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        self.kind = find(HUMAN_KIND);
        self.sample = find(SAMPLE_COLUMN);
        Ok(())
    }

    fn rows(&mut self, csv: &[u8]) -> Result<()> {
        crate::pipeline::each_record(csv, |record| {
            self.row += 1;
            let field = |c: usize| String::from_utf8_lossy(record.get(c).unwrap_or_default());
            let label = field(self.label);
            let human = human_class(&label).map_err(|()| {
                Error::Input(format!(
                    "{}: data row {}: human label {:?} is not value, failure, unclassified \
                     or unclear (leave it empty to skip the row)",
                    self.source, self.row, label
                ))
            })?;
            let Some(human) = human else {
                self.unlabelled += 1;
                return Ok(());
            };
            let w = self.width;
            let rule = field(w + 2);
            self.rows.push(Labelled {
                row: self.row,
                human,
                human_kind: self
                    .kind
                    .map(|c| field(c).trim().to_lowercase())
                    .filter(|k| !k.is_empty()),
                tool: class_named(record.get(w).unwrap_or_default()).ok_or_else(|| {
                    Error::Internal(format!("data row {}: no class appended", self.row))
                })?,
                tool_kind: field(w + 1).into_owned(),
                rule: if rule == "-" {
                    NO_RULE.to_string()
                } else {
                    rule.into_owned()
                },
                sample: self.sample.and_then(|c| field(c).trim().parse().ok()),
            });
            Ok(())
        })
    }
}

/// The schema name of `demand evaluate --format json`.
pub const SCHEMA: &str = "demand.evaluation/1";

/// Everything `demand evaluate` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub schema: &'static str,
    pub ruleset: RulesetName,
    pub inputs: Vec<String>,
    pub rows: RowCounts,
    /// `counts[human][tool]`, both in the order of `classes`.
    pub confusion: Confusion,
    pub classes: Vec<Score>,
    /// Per kind, over the rows that have a human kind; absent without a `human_kind` column.
    pub kinds: Option<Vec<Score>>,
    /// The share of labelled rows where the tool's class is the person's.
    pub agreement: f64,
    /// Wilson score interval.
    pub agreement_ci95: [f64; 2],
    /// Cohen's kappa; null when undefined (both sides used one class only).
    pub kappa: Option<f64>,
    pub kappa_se: Option<f64>,
    /// kappa +- 1.96 large-sample SE (Fleiss, Cohen and Everitt 1969).
    pub kappa_ci95: Option<[f64; 2]>,
    /// The rules that decided the most disagreeing rows, most first.
    pub disagreements: Vec<RuleDisagreements>,
    pub corrected: CorrectedShare,
    /// The sample design applied, when `--design` was given.
    pub design: Option<DesignUse>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RulesetName {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RowCounts {
    /// Rows read (labelled + unlabelled + rejected).
    pub read: u64,
    pub labelled: u64,
    /// Rows with an empty human class: skipped.
    pub unlabelled: u64,
    /// Rows that could not be read (wrong field count...), as in `demand report`.
    pub rejected: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Confusion {
    pub classes: [&'static str; 3],
    pub counts: [[u64; 3]; 3],
}

/// Precision, recall and F1 of one class or kind, taking the people as right.
#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub name: String,
    /// Rows people put here.
    pub human: u64,
    /// Rows the tool put here.
    pub tool: u64,
    /// Rows both put here.
    pub both: u64,
    /// both / tool; null when the tool never said it.
    pub precision: Option<f64>,
    /// both / human; null when people never said it.
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

impl Score {
    fn new(name: String, human: u64, tool: u64, both: u64) -> Score {
        let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        let precision = ratio(both, tool);
        let recall = ratio(both, human);
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        Score {
            name,
            human,
            tool,
            both,
            precision,
            recall,
            f1,
        }
    }
}

/// How often one rule decided a row people classed differently.
#[derive(Debug, Clone, Serialize)]
pub struct RuleDisagreements {
    pub rule: String,
    pub disagreements: u64,
    /// Rows this rule decided that had a human label.
    pub decided: u64,
    /// "human->tool" -> count.
    pub by_pair: BTreeMap<String, u64>,
}

/// The failure share corrected for the rules' measured errors.
#[derive(Debug, Clone, Serialize)]
pub struct CorrectedShare {
    /// The tool's failure share among the contacts it classified (value or failure).
    pub observed: Option<f64>,
    /// `log` (the design's whole-log counts) or `sample` (the labelled rows).
    pub observed_from: &'static str,
    /// The (effective) number of contacts `observed` rests on.
    pub observed_n: f64,
    /// Of the contacts people call failure (and the tool classified), the share the tool
    /// calls failure.
    pub sensitivity: Option<f64>,
    pub sensitivity_n: f64,
    /// Of the contacts people call value (and the tool classified), the share the tool
    /// calls value.
    pub specificity: Option<f64>,
    pub specificity_n: f64,
    /// (observed + specificity - 1) / (sensitivity + specificity - 1), clamped to [0, 1];
    /// null when it cannot be computed (see notes).
    pub estimate: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub method: &'static str,
    /// Weighted by stratum (a design was given).
    pub weighted: bool,
}

/// The parts of a design that evaluation used.
#[derive(Debug, Clone, Serialize)]
pub struct DesignUse {
    pub stratify: Option<crate::sample::Stratify>,
    pub seed: u64,
    /// Stratum -> (contacts in the log, labelled rows, weight per labelled row).
    pub strata: Vec<StratumWeight>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StratumWeight {
    pub key: String,
    pub population: u64,
    pub labelled: u64,
    pub weight: f64,
}

/// A weighted share: p = sum(w x) / sum(w), with Kish's effective sample size
/// (sum w)^2 / sum(w^2) standing in for n (for equal weights it is the count).
fn weighted_share(items: impl Iterator<Item = (f64, bool)>) -> Option<Proportion> {
    let (mut sw, mut swx, mut sw2) = (0.0, 0.0, 0.0);
    for (w, x) in items {
        sw += w;
        sw2 += w * w;
        if x {
            swx += w;
        }
    }
    (sw > 0.0).then(|| Proportion {
        p: swx / sw,
        n: sw * sw / sw2,
    })
}

const METHOD: &str = "Rogan-Gladen; 95% interval by the delta method, taking the observed \
                      share, sensitivity and specificity as independent binomial proportions";

/// Each labelled row's weight: 1 without a design; with one, the stratum's contacts in the
/// log divided by its labelled rows, so that every stratum counts as much as it is big.
fn weights(rows: &[Labelled], design: &Design) -> Result<(Vec<f64>, DesignUse)> {
    let strata_of: HashMap<u64, &str> = design
        .rows
        .iter()
        .map(|r| (r.sample, r.stratum.as_str()))
        .collect();
    let stratum = |r: &Labelled| -> Result<&str> {
        let n = r.sample.ok_or_else(|| {
            Error::Input(format!(
                "data row {}: no {SAMPLE_COLUMN} number, so its stratum in the design is \
                 unknown (keep the {SAMPLE_COLUMN} column that demand sample wrote)",
                r.row
            ))
        })?;
        strata_of.get(&n).copied().ok_or_else(|| {
            Error::Input(format!(
                "data row {}: {SAMPLE_COLUMN} {n} is not in the design (it has {} rows): \
                 is this the design of this sample?",
                r.row,
                design.rows.len()
            ))
        })
    };
    let mut labelled: BTreeMap<&str, u64> = BTreeMap::new();
    let keys = rows.iter().map(stratum).collect::<Result<Vec<_>>>()?;
    for k in &keys {
        *labelled.entry(k).or_default() += 1;
    }
    let population: HashMap<&str, u64> = design
        .strata
        .iter()
        .map(|s| (s.key.as_str(), s.population))
        .collect();
    let weight = |k: &str| population.get(k).copied().unwrap_or(0) as f64 / labelled[k] as f64;
    let strata = design
        .strata
        .iter()
        .map(|s| {
            let m = labelled.get(s.key.as_str()).copied().unwrap_or(0);
            StratumWeight {
                key: s.key.clone(),
                population: s.population,
                labelled: m,
                weight: if m > 0 { weight(&s.key) } else { 0.0 },
            }
        })
        .collect();
    Ok((
        keys.iter().map(|k| weight(k)).collect(),
        DesignUse {
            stratify: design.stratify,
            seed: design.seed,
            strata,
        },
    ))
}

/// Scores the labelled rows of `collector` against the tool, from the run that classified
/// them with `matcher`, weighting by `design` when given.
pub fn evaluate(
    collector: Collector,
    run: &RunResult,
    matcher: &Matcher,
    design: Option<&Design>,
) -> Result<Evaluation> {
    let rows = collector.rows;
    let labelled = rows.len() as u64;
    if rows.is_empty() {
        return Err(Error::Input(format!(
            "{}: no labelled rows: every human label is empty ({} row(s) skipped, {} rejected)",
            collector.source, collector.unlabelled, run.tally.rejected
        )));
    }
    let rules = matcher.ruleset();
    let mut notes = Vec::new();

    let mut counts = [[0u64; 3]; 3];
    for r in &rows {
        counts[index(r.human)][index(r.tool)] += 1;
    }
    let classes = CLASSES
        .iter()
        .map(|&c| {
            let i = index(c);
            Score::new(
                c.name().to_string(),
                counts[i].iter().sum(),
                counts.iter().map(|row| row[i]).sum(),
                counts[i][i],
            )
        })
        .collect();
    let kinds = collector.kind.map(|_| kind_scores(&rows));
    let agree: u64 = (0..3).map(|i| counts[i][i]).sum();
    let agreement = Share::of(agree, labelled).expect("rows is not empty");
    let kappa = Kappa::of(&counts);
    if kappa.is_none() {
        notes
            .push("kappa is undefined: people and tool each used a single class throughout".into());
    }

    let (w, design_use) = match design {
        Some(d) => {
            let (w, u) = weights(&rows, d)?;
            notes.push(
                "the confusion matrix, agreement, kappa and the per-class and per-kind scores \
                 describe the labelled rows as they are; the corrected share is weighted by \
                 stratum"
                    .into(),
            );
            (w, Some(u))
        }
        None => (vec![1.0; rows.len()], None),
    };
    let corrected = corrected_share(&rows, &w, rules, design, &mut notes);

    Ok(Evaluation {
        schema: SCHEMA,
        ruleset: RulesetName {
            name: rules.name.clone(),
            version: rules.version.clone(),
        },
        inputs: run.inputs.iter().map(|i| i.source.clone()).collect(),
        rows: RowCounts {
            read: run.inputs.iter().map(|i| i.contacts).sum(),
            labelled,
            unlabelled: collector.unlabelled,
            rejected: run.tally.rejected,
        },
        confusion: Confusion {
            classes: CLASSES.map(Class::name),
            counts,
        },
        classes,
        kinds,
        agreement: agreement.estimate,
        agreement_ci95: [agreement.low, agreement.high],
        kappa: kappa.map(|k| k.estimate),
        kappa_se: kappa.map(|k| k.se),
        kappa_ci95: kappa.map(|k| k.ci95),
        disagreements: disagreements(&rows),
        corrected,
        design: design_use,
        notes,
    })
}

/// Precision, recall and F1 per kind over the rows people gave a kind, for every kind
/// either side used (the tool's kind of an unclassified contact is `none`).
fn kind_scores(rows: &[Labelled]) -> Vec<Score> {
    let mut tally: BTreeMap<&str, [u64; 3]> = BTreeMap::new();
    for r in rows {
        let Some(human) = r.human_kind.as_deref() else {
            continue;
        };
        tally.entry(human).or_default()[0] += 1;
        tally.entry(&r.tool_kind).or_default()[1] += 1;
        if human == r.tool_kind {
            tally.entry(human).or_default()[2] += 1;
        }
    }
    tally
        .into_iter()
        .map(|(k, [h, t, b])| Score::new(k.to_string(), h, t, b))
        .collect()
}

/// The rules that decided the most rows people classed differently.
fn disagreements(rows: &[Labelled]) -> Vec<RuleDisagreements> {
    let mut by_rule: BTreeMap<&str, RuleDisagreements> = BTreeMap::new();
    for r in rows {
        let entry = by_rule.entry(&r.rule).or_insert_with(|| RuleDisagreements {
            rule: r.rule.clone(),
            disagreements: 0,
            decided: 0,
            by_pair: BTreeMap::new(),
        });
        entry.decided += 1;
        if r.human != r.tool {
            entry.disagreements += 1;
            *entry
                .by_pair
                .entry(format!("{}->{}", r.human, r.tool))
                .or_default() += 1;
        }
    }
    let mut list: Vec<RuleDisagreements> = by_rule
        .into_values()
        .filter(|d| d.disagreements > 0)
        .collect();
    // Most disagreements first; ties by name, for a stable order.
    list.sort_by(|a, b| {
        b.disagreements
            .cmp(&a.disagreements)
            .then_with(|| a.rule.cmp(&b.rule))
    });
    list.truncate(TOP_RULES);
    list
}

/// The Rogan-Gladen corrected failure share. Sensitivity and specificity come from the
/// labelled rows both sides classified (value or failure), weighted by `w`. The observed
/// share is the whole log's, from the design, when the design's rules are the current
/// ones (same name and version, and no labelled row changed class); otherwise the labelled
/// rows' own, and a note says why.
fn corrected_share(
    rows: &[Labelled],
    w: &[f64],
    rules: &crate::rules::RuleSet,
    design: Option<&Design>,
    notes: &mut Vec<String>,
) -> CorrectedShare {
    let classified = |c: Class| c != Class::Unclassified;
    let both = || {
        rows.iter()
            .zip(w)
            .filter(|(r, _)| classified(r.human) && classified(r.tool))
    };
    let sens = weighted_share(
        both()
            .filter(|(r, _)| r.human == Class::Failure)
            .map(|(r, &w)| (w, r.tool == Class::Failure)),
    );
    let spec = weighted_share(
        both()
            .filter(|(r, _)| r.human == Class::Value)
            .map(|(r, &w)| (w, r.tool == Class::Value)),
    );
    let from_log = design.and_then(|d| {
        let changed = rows
            .iter()
            .filter(|r| {
                let then = r.sample.and_then(|n| d.rows.iter().find(|x| x.sample == n));
                then.is_none_or(|x| x.class != r.tool)
            })
            .count();
        let p = &d.population;
        if d.ruleset.name != rules.name || d.ruleset.version != rules.version {
            notes.push(format!(
                "the sample was drawn with rules {} {}, not {} {}: the observed share is \
                 the labelled rows' own; run demand report with these rules on the log for \
                 the whole-log figure",
                d.ruleset.name, d.ruleset.version, rules.name, rules.version
            ));
            None
        } else if changed > 0 {
            notes.push(format!(
                "{changed} labelled row(s) are classified differently from when the sample \
                 was drawn (edited rules?): the observed share is the labelled rows' own"
            ));
            None
        } else if p.failure + p.value == 0 {
            None
        } else {
            let n = p.failure + p.value;
            Some(Proportion {
                p: p.failure as f64 / n as f64,
                n: n as f64,
            })
        }
    });
    let observed_from = if from_log.is_some() { "log" } else { "sample" };
    if design.is_none() {
        notes.push(
            "without --design the observed share is the labelled rows' own, and the \
             correction gives back about the people's own share; give the sample's design \
             to correct the whole log's share"
                .into(),
        );
    }
    let observed = from_log.or_else(|| {
        weighted_share(
            rows.iter()
                .zip(w)
                .filter(|(r, _)| classified(r.tool))
                .map(|(r, &w)| (w, r.tool == Class::Failure)),
        )
    });
    let result = match (observed, sens, spec) {
        (Some(o), Some(se), Some(sp)) => rogan_gladen(o, se, sp),
        _ => None,
    };
    if result.is_none() {
        notes.push(
            "the corrected share cannot be computed: it needs labelled value and failure \
             contacts the tool classified, and rules better than chance (sensitivity + \
             specificity > 1)"
                .into(),
        );
    }
    let n = |x: Option<Proportion>| x.map_or(0.0, |x| x.n);
    CorrectedShare {
        observed: observed.map(|o| o.p),
        observed_from,
        observed_n: n(observed),
        sensitivity: sens.map(|s| s.p),
        sensitivity_n: n(sens),
        specificity: spec.map(|s| s.p),
        specificity_n: n(spec),
        estimate: result.map(|c| c.estimate),
        ci95: result.map(|c| c.ci95),
        method: METHOD,
        weighted: design.is_some(),
    }
}

/// Renders an evaluation as a table for people or as JSON (schema "demand.evaluation/1").
pub fn render(e: &Evaluation, format: Format) -> String {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(e).expect("the evaluation serialises");
            s.push('\n');
            s
        }
        Format::Table => table(e),
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn opt(x: Option<f64>, f: fn(f64) -> String) -> String {
    x.map_or_else(|| "-".to_string(), f)
}

fn table(e: &Evaluation) -> String {
    let mut s = String::new();
    let r = &e.rows;
    let _ = writeln!(
        s,
        "{} labelled contacts from {}, classified with rules {} {}.",
        r.labelled,
        e.inputs.join(", "),
        e.ruleset.name,
        e.ruleset.version
    );
    let _ = writeln!(
        s,
        "{} row(s) read: {} labelled, {} with no human label (skipped), {} rejected.",
        r.read, r.labelled, r.unlabelled, r.rejected
    );
    let _ = writeln!(s);
    let [lo, hi] = e.agreement_ci95;
    let _ = writeln!(
        s,
        "Agreement      {} (95% interval {}-{}, Wilson)",
        pct(e.agreement),
        pct(lo),
        pct(hi)
    );
    match (e.kappa, e.kappa_ci95) {
        (Some(k), Some([lo, hi])) => {
            let _ = writeln!(
                s,
                "Cohen's kappa  {k:.3} (95% interval {lo:.3} to {hi:.3}, large-sample SE)"
            );
        }
        _ => {
            let _ = writeln!(s, "Cohen's kappa  undefined");
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "Confusion matrix (rows: people; columns: tool)");
    let _ = writeln!(
        s,
        "  {:<14}{:>8}{:>9}{:>14}{:>8}",
        "", "value", "failure", "unclassified", "total"
    );
    for (i, name) in e.confusion.classes.iter().enumerate() {
        let row = e.confusion.counts[i];
        let _ = writeln!(
            s,
            "  {:<14}{:>8}{:>9}{:>14}{:>8}",
            name,
            row[0],
            row[1],
            row[2],
            row.iter().sum::<u64>()
        );
    }
    let col = |j: usize| e.confusion.counts.iter().map(|r| r[j]).sum::<u64>();
    let _ = writeln!(
        s,
        "  {:<14}{:>8}{:>9}{:>14}{:>8}",
        "total",
        col(0),
        col(1),
        col(2),
        r.labelled
    );
    scores(&mut s, "Class", &e.classes);
    if let Some(kinds) = &e.kinds {
        scores(&mut s, "Kind", kinds);
    }
    let _ = writeln!(s);
    if e.disagreements.is_empty() {
        let _ = writeln!(s, "No disagreements.");
    } else {
        let _ = writeln!(s, "Rules behind most disagreements (people->tool)");
        let width = e
            .disagreements
            .iter()
            .map(|d| d.rule.len())
            .max()
            .unwrap_or(0);
        for d in &e.disagreements {
            let pairs: Vec<String> = d.by_pair.iter().map(|(p, n)| format!("{p} {n}")).collect();
            let _ = writeln!(
                s,
                "  {:<width$} {:>4} of {:>4} decided  {}",
                d.rule,
                d.disagreements,
                d.decided,
                pairs.join(", ")
            );
        }
    }
    let c = &e.corrected;
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Failure share corrected for the rules' measured errors{}",
        if c.weighted {
            " (weighted by stratum)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "  observed     {} (tool, from the {}, n {:.0})",
        opt(c.observed, pct),
        c.observed_from,
        c.observed_n
    );
    let _ = writeln!(
        s,
        "  sensitivity  {} (n {:.0})   specificity  {} (n {:.0})",
        opt(c.sensitivity, pct),
        c.sensitivity_n,
        opt(c.specificity, pct),
        c.specificity_n
    );
    match (c.estimate, c.ci95) {
        (Some(x), Some([lo, hi])) => {
            let _ = writeln!(
                s,
                "  corrected    {} (95% interval {}-{}; Rogan-Gladen, delta method)",
                pct(x),
                pct(lo),
                pct(hi)
            );
        }
        _ => {
            let _ = writeln!(s, "  corrected    cannot be computed");
        }
    }
    if let Some(d) = &e.design {
        let _ = writeln!(s);
        let _ = writeln!(s, "Strata (seed {})", d.seed);
        for st in &d.strata {
            let _ = writeln!(
                s,
                "  {:<24} {:>8} in the log {:>5} labelled  weight {:.2}",
                st.key, st.population, st.labelled, st.weight
            );
        }
    }
    if !e.notes.is_empty() {
        let _ = writeln!(s);
        for n in &e.notes {
            let _ = writeln!(s, "Note: {n}.");
        }
    }
    s
}

fn scores(s: &mut String, title: &str, rows: &[Score]) {
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "  {:<26}{:>7}{:>6}{:>11}{:>8}{:>8}",
        title, "people", "tool", "precision", "recall", "F1"
    );
    let f3 = |x: f64| format!("{x:.3}");
    for r in rows {
        let _ = writeln!(
            s,
            "  {:<26}{:>7}{:>6}{:>11}{:>8}{:>8}",
            r.name,
            r.human,
            r.tool,
            opt(r.precision, f3),
            opt(r.recall, f3),
            opt(r.f1, f3)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(human: Class, tool: Class, rule: &str) -> Labelled {
        Labelled {
            row: 1,
            human,
            human_kind: None,
            tool,
            tool_kind: "none".into(),
            rule: rule.into(),
            sample: None,
        }
    }

    #[test]
    fn human_labels_are_read_leniently_but_not_guessed() {
        assert_eq!(human_class(" Failure "), Ok(Some(Class::Failure)));
        assert_eq!(human_class("VALUE"), Ok(Some(Class::Value)));
        assert_eq!(human_class("unclear"), Ok(Some(Class::Unclassified)));
        assert_eq!(human_class("unclassified"), Ok(Some(Class::Unclassified)));
        assert_eq!(human_class("  "), Ok(None));
        assert_eq!(human_class("fail"), Err(()));
    }

    #[test]
    fn scores_follow_their_definitions() {
        // 3 both, tool 4, people 6: precision .75, recall .5, F1 2*.375/1.25 = .6.
        let s = Score::new("x".into(), 6, 4, 3);
        assert_eq!((s.precision, s.recall), (Some(0.75), Some(0.5)));
        assert!((s.f1.unwrap() - 0.6).abs() < 1e-12);
        // The tool never said it: no precision, and so no F1.
        let s = Score::new("x".into(), 2, 0, 0);
        assert_eq!((s.precision, s.recall, s.f1), (None, Some(0.0), None));
        // Both said it, never together: F1 0.
        assert_eq!(Score::new("x".into(), 2, 2, 0).f1, Some(0.0));
    }

    #[test]
    fn weighted_share_uses_kish_effective_size() {
        // Equal weights: the plain share and the count.
        let p = weighted_share([(2.0, true), (2.0, false), (2.0, false), (2.0, true)].into_iter())
            .unwrap();
        assert_eq!((p.p, p.n), (0.5, 4.0));
        // Weights 3 and 1: p = 3/4; n = 4^2 / (9 + 1) = 1.6.
        let p = weighted_share([(3.0, true), (1.0, false)].into_iter()).unwrap();
        assert_eq!((p.p, p.n), (0.75, 1.6));
        assert_eq!(weighted_share(std::iter::empty()), None);
    }

    #[test]
    fn disagreements_are_ranked_by_rule() {
        use Class::*;
        let rows = [
            row(Failure, Value, "a"),
            row(Failure, Value, "b"),
            row(Unclassified, Value, "b"),
            row(Value, Value, "b"),
            row(Value, Value, "c"),
        ];
        let d = disagreements(&rows);
        let got: Vec<(&str, u64, u64)> = d
            .iter()
            .map(|d| (d.rule.as_str(), d.disagreements, d.decided))
            .collect();
        assert_eq!(got, [("b", 2, 3), ("a", 1, 1)]);
        assert_eq!(d[0].by_pair["failure->value"], 1);
        assert_eq!(d[0].by_pair["unclassified->value"], 1);
    }
}
