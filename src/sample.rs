//! `demand sample`: draw contacts for people to label, and record how they were drawn.
//!
//! Rows arrive from [`crate::pipeline::run`] in input order, already classified. Each row
//! gets a random key from a ChaCha8 stream seeded by `--seed`; every stratum keeps the
//! `n` rows with the smallest keys (a bottom-k reservoir), so memory follows `n` times the
//! number of strata, never the size of the log. The smallest `k` keys of a stratum are a
//! simple random sample of `k` of its rows, so once the strata's sizes are known at the
//! end, each stratum's allocation ([`allocate`]) is taken from its reservoir. The same
//! seed, inputs and rules give the same rows, however many threads ran.
//!
//! The sample is written as CSV for a spreadsheet; the [`Design`] goes beside it so that
//! `demand evaluate` can weight each stratum by its share of the log.

use crate::classify::Matcher;
use crate::columns::{ColumnMap, Field, Mapping};
use crate::error::{Error, Result};
use crate::output::Output;
use crate::pipeline::{RowSink, RunResult};
use crate::rules::Class;
use crate::summary::NONE_KEY;
use csv::ByteRecord;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BinaryHeap};
use std::path::{Path, PathBuf};

/// What a stratified sample is stratified by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stratify {
    /// The canonical service (the rules' `[services]` spellings applied).
    Service,
    /// The canonical channel.
    Channel,
    /// The tool's class: value, failure or unclassified.
    Class,
}

/// The stratum name of a simple random sample: one stratum, the whole log.
pub const ALL_STRATUM: &str = "(all)";

/// The default minimum number of contacts drawn from each stratum.
pub const MIN_PER_STRATUM: u64 = 5;

/// The columns the sample adds after the original ones. `demand_sample` numbers the rows
/// so that the design can find each row's stratum even after a spreadsheet sorts them.
pub const SAMPLE_COLUMN: &str = "demand_sample";
pub const HUMAN_CLASS: &str = "human_class";
pub const HUMAN_KIND: &str = "human_kind";

/// The class named by `name` as `classify` writes it.
pub fn class_named(name: &[u8]) -> Option<Class> {
    match name {
        b"value" => Some(Class::Value),
        b"failure" => Some(Class::Failure),
        b"unclassified" => Some(Class::Unclassified),
        _ => None,
    }
}

/// Shares `n` among strata of the given sizes: each stratum first gets
/// `min(size, min_per_stratum)`; the rest of `n` is then shared in proportion to what each
/// stratum has left (size minus its minimum), rounded by largest remainder (ties to the
/// earlier stratum). A stratum never gets more than its size; when `n` is at least the
/// whole population, everything is taken. Fails when the minimums alone exceed `n`.
pub fn allocate(n: u64, sizes: &[u64], min_per_stratum: u64) -> Result<Vec<u64>> {
    let total: u64 = sizes.iter().sum();
    if n >= total {
        return Ok(sizes.to_vec());
    }
    let mut alloc: Vec<u64> = sizes.iter().map(|&s| s.min(min_per_stratum)).collect();
    let base: u64 = alloc.iter().sum();
    if base > n {
        return Err(Error::Usage(format!(
            "-n {n} is too small: {} strata need at least {base} contacts at \
             --min-per-stratum {min_per_stratum}; raise -n or lower --min-per-stratum",
            sizes.len()
        )));
    }
    let rest = n - base;
    let left: Vec<u64> = sizes.iter().zip(&alloc).map(|(s, a)| s - a).collect();
    let left_total: u64 = left.iter().sum();
    // Exact integer shares: rest * left / left_total, with the remainders kept for rounding.
    let mut given = 0;
    let mut remainders = Vec::with_capacity(sizes.len());
    for (i, &l) in left.iter().enumerate() {
        let product = u128::from(rest) * u128::from(l);
        let share = (product / u128::from(left_total)) as u64;
        alloc[i] += share;
        given += share;
        remainders.push((product % u128::from(left_total), i));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in remainders.iter().take((rest - given) as usize) {
        alloc[i] += 1;
    }
    Ok(alloc)
}

/// A row held in a reservoir, ordered by its random key (then input order).
#[derive(Debug)]
struct Kept {
    key: u64,
    seq: u64,
    record: ByteRecord,
}

impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        (self.key, self.seq) == (other.key, other.seq)
    }
}

impl Eq for Kept {}

impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Kept {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.key, self.seq).cmp(&(other.key, other.seq))
    }
}

#[derive(Debug, Default)]
struct Stratum {
    population: u64,
    /// The stratum's rows with the smallest keys, at most `n`, largest key on top.
    kept: BinaryHeap<Kept>,
}

/// The [`RowSink`] that draws the sample.
pub struct Sampler<'a> {
    matcher: &'a Matcher,
    mappings: &'a [Mapping],
    source: String,
    stratify: Option<Stratify>,
    n: usize,
    rng: ChaCha8Rng,
    header: ByteRecord,
    /// The service or channel column, for those strata.
    key_column: Option<usize>,
    strata: BTreeMap<String, Stratum>,
    seq: u64,
}

impl<'a> Sampler<'a> {
    /// `source` names the first input in column errors; `mappings` are the run's `--map`s.
    pub fn new(
        matcher: &'a Matcher,
        mappings: &'a [Mapping],
        source: String,
        stratify: Option<Stratify>,
        n: usize,
        seed: u64,
    ) -> Sampler<'a> {
        Sampler {
            matcher,
            mappings,
            source,
            stratify,
            n,
            rng: ChaCha8Rng::seed_from_u64(seed),
            header: ByteRecord::new(),
            key_column: None,
            strata: BTreeMap::new(),
            seq: 0,
        }
    }

    /// The stratum a classified row belongs to.
    fn stratum_of(&self, record: &ByteRecord) -> String {
        let width = self.header.len();
        let field = |c: usize| String::from_utf8_lossy(record.get(c).unwrap_or_default());
        let rules = self.matcher.ruleset();
        let name = match self.stratify {
            None => return ALL_STRATUM.to_string(),
            Some(Stratify::Class) => return field(width).into_owned(),
            Some(Stratify::Service) => self
                .key_column
                .map(|c| rules.services.canonical(&field(c)).to_string()),
            Some(Stratify::Channel) => self
                .key_column
                .map(|c| rules.channels.canonical(&field(c)).to_string()),
        };
        match name {
            Some(n) if !n.is_empty() => n,
            _ => NONE_KEY.to_string(),
        }
    }

    /// Allocates `n` across the strata and takes each stratum's share, in input order.
    pub fn finish(self, min_per_stratum: u64) -> Result<Sample> {
        let sizes: Vec<u64> = self.strata.values().map(|s| s.population).collect();
        let alloc = allocate(self.n as u64, &sizes, min_per_stratum)?;
        let mut rows = Vec::new();
        let mut strata = Vec::new();
        for ((name, stratum), take) in self.strata.into_iter().zip(alloc) {
            let mut kept = stratum.kept.into_sorted_vec();
            kept.truncate(take as usize);
            strata.push(StratumCounts {
                key: name.clone(),
                population: stratum.population,
                sample: kept.len() as u64,
            });
            rows.extend(kept.into_iter().map(|k| (k.seq, name.clone(), k.record)));
        }
        rows.sort_by_key(|r| r.0);
        Ok(Sample {
            header: self.header,
            rows: rows.into_iter().map(|(_, s, r)| (s, r)).collect(),
            strata,
        })
    }
}

impl RowSink for Sampler<'_> {
    fn header(&mut self, header: &ByteRecord) -> Result<()> {
        self.header = header.clone();
        let names: Vec<String> = header
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_string())
            .collect();
        let field = match self.stratify {
            Some(Stratify::Service) => Some(Field::Service),
            Some(Stratify::Channel) => Some(Field::Channel),
            _ => None,
        };
        if let Some(field) = field {
            let columns = ColumnMap::detect(&names, self.mappings, &self.source)?;
            self.key_column = columns.get(field);
            if self.key_column.is_none() {
                return Err(Error::Usage(format!(
                    "{}: --stratify {field}: no {field} column found; name it with \
                     --map {field}=COLUMN",
                    self.source
                )));
            }
        }
        Ok(())
    }

    fn rows(&mut self, csv: &[u8]) -> Result<()> {
        crate::pipeline::each_record(csv, |record| {
            let key = self.rng.next_u64();
            let seq = self.seq;
            self.seq += 1;
            let name = self.stratum_of(record);
            let stratum = self.strata.entry(name).or_default();
            stratum.population += 1;
            if stratum.kept.len() < self.n {
                stratum.kept.push(Kept {
                    key,
                    seq,
                    record: record.clone(),
                });
            } else if stratum.kept.peek().is_some_and(|top| key < top.key) {
                stratum.kept.pop();
                stratum.kept.push(Kept {
                    key,
                    seq,
                    record: record.clone(),
                });
            }
            Ok(())
        })
    }
}

/// The drawn rows, in input order, each with its stratum.
#[derive(Debug)]
pub struct Sample {
    /// The inputs' header (without the classification columns).
    pub header: ByteRecord,
    /// (stratum, the row as classified: input fields, class, kind, rule).
    pub rows: Vec<(String, ByteRecord)>,
    pub strata: Vec<StratumCounts>,
}

impl Sample {
    /// Writes the sample for labelling: the original columns, `demand_sample` (1, 2, ...),
    /// the tool's `demand_class` and `demand_kind` unless `blind`, and empty `human_class`
    /// and `human_kind`.
    pub fn write_csv(&self, out: Output, blind: bool) -> Result<Output> {
        let mut w = csv::Writer::from_writer(out);
        let width = self.header.len();
        let mut header = self.header.clone();
        header.push_field(SAMPLE_COLUMN.as_bytes());
        if !blind {
            header.push_field(b"demand_class");
            header.push_field(b"demand_kind");
        }
        header.push_field(HUMAN_CLASS.as_bytes());
        header.push_field(HUMAN_KIND.as_bytes());
        let error = |e: csv::Error| Error::Input(format!("writing the sample: {e}"));
        w.write_byte_record(&header).map_err(error)?;
        for (i, (_, row)) in self.rows.iter().enumerate() {
            let mut out: ByteRecord = row.iter().take(width).collect();
            out.push_field((i + 1).to_string().as_bytes());
            if !blind {
                out.push_field(row.get(width).unwrap_or_default());
                out.push_field(row.get(width + 1).unwrap_or_default());
            }
            out.push_field(b"");
            out.push_field(b"");
            w.write_byte_record(&out).map_err(error)?;
        }
        w.into_inner()
            .map_err(|e| Error::Input(format!("writing the sample: {}", e.error())))
    }
}

/// The schema name of the design file.
pub const DESIGN_SCHEMA: &str = "demand.sample-design/1";

/// How a sample was drawn: written beside it as `<output>.design.json`
/// (docs/checking-the-claim.md describes every field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Design {
    pub schema: String,
    pub tool_version: String,
    pub seed: u64,
    /// The sample size asked for, and the number drawn (fewer when the log is smaller).
    pub n: u64,
    pub drawn: u64,
    pub stratify: Option<Stratify>,
    pub min_per_stratum: u64,
    pub blind: bool,
    pub ruleset: DesignRuleset,
    pub inputs: Vec<DesignInput>,
    /// The tool's classes over the whole log, with the rules named above.
    pub population: Population,
    pub strata: Vec<StratumCounts>,
    /// One entry per sample row, by its `demand_sample` number.
    pub rows: Vec<DesignRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignRuleset {
    pub name: String,
    pub version: String,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignInput {
    pub source: String,
    pub contacts: u64,
    pub rejected: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Population {
    pub contacts: u64,
    pub value: u64,
    pub failure: u64,
    pub unclassified: u64,
    pub rejected: u64,
}

/// A stratum's size in the log (rejected rows excluded) and in the sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StratumCounts {
    pub key: String,
    pub population: u64,
    pub sample: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignRow {
    /// The row's `demand_sample` number.
    pub sample: u64,
    pub stratum: String,
    /// The tool's class when the sample was drawn.
    pub class: Class,
}

/// What `demand sample` was asked for.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    pub n: u64,
    pub seed: u64,
    pub stratify: Option<Stratify>,
    pub min_per_stratum: u64,
    pub blind: bool,
}

impl Design {
    /// The design of `sample`, drawn by `request` from the run `run` with `matcher`'s rules.
    pub fn new(request: Request, sample: &Sample, run: &RunResult, matcher: &Matcher) -> Design {
        let rules = matcher.ruleset();
        let totals = run.tally.totals();
        let width = sample.header.len();
        Design {
            schema: DESIGN_SCHEMA.to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            seed: request.seed,
            n: request.n,
            drawn: sample.rows.len() as u64,
            stratify: request.stratify,
            min_per_stratum: request.min_per_stratum,
            blind: request.blind,
            ruleset: DesignRuleset {
                name: rules.name.clone(),
                version: rules.version.clone(),
                sources: rules.sources.clone(),
            },
            inputs: run
                .inputs
                .iter()
                .map(|i| DesignInput {
                    source: i.source.clone(),
                    contacts: i.contacts,
                    rejected: i.rejected,
                })
                .collect(),
            population: Population {
                contacts: totals.total() + run.tally.rejected,
                value: totals.value,
                failure: totals.failure,
                unclassified: totals.unclassified,
                rejected: run.tally.rejected,
            },
            strata: sample.strata.clone(),
            rows: sample
                .rows
                .iter()
                .enumerate()
                .map(|(i, (stratum, row))| DesignRow {
                    sample: i as u64 + 1,
                    stratum: stratum.clone(),
                    class: class_named(row.get(width).unwrap_or_default())
                        .unwrap_or(Class::Unclassified),
                })
                .collect(),
        }
    }

    /// Where the design of a sample written to `output` goes.
    pub fn path_for(output: &Path) -> PathBuf {
        let mut name = output.as_os_str().to_owned();
        name.push(".design.json");
        PathBuf::from(name)
    }

    /// Reads a design file, naming the file in every error.
    pub fn read(path: &Path) -> Result<Design> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let design: Design = serde_json::from_str(&text).map_err(|e| {
            Error::Input(format!(
                "{}:{}:{}: not a sample design: {e}",
                path.display(),
                e.line(),
                e.column()
            ))
        })?;
        if design.schema != DESIGN_SCHEMA {
            return Err(Error::Input(format!(
                "{}: schema {:?}, expected {DESIGN_SCHEMA:?}",
                path.display(),
                design.schema
            )));
        }
        Ok(design)
    }

    /// Writes the design as pretty JSON.
    pub fn write(&self, mut out: Output) -> Result<Output> {
        let json = serde_json::to_string_pretty(self)
            .map_err(|e| Error::Internal(format!("serialising the design: {e}")))?;
        out.write_bytes(json.as_bytes())?;
        out.write_bytes(b"\n")?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_gives_minimums_then_shares_the_rest_by_size() {
        // Sizes 900, 90, 10; n 100; minimum 5: each gets 5 (15), 85 remain, shared over
        // what is left (895, 85, 5; total 985): 77.23, 7.34, 0.43 -> 77, 7, 0 (84); the
        // last one goes to the largest remainder (.43): 82, 12, 6.
        assert_eq!(allocate(100, &[900, 90, 10], 5).unwrap(), vec![82, 12, 6]);
        // Sizes 104, 43, 253; n 30: minimums 15, the rest 15 over 99, 38, 248 (385):
        // 3.86, 1.48, 9.66 -> 3, 1, 9; the two left go to .86 and .66: 9, 6, 15.
        assert_eq!(allocate(30, &[104, 43, 253], 5).unwrap(), vec![9, 6, 15]);
    }

    #[test]
    fn allocation_respects_small_strata_and_small_logs() {
        // A stratum smaller than the minimum is taken whole.
        assert_eq!(allocate(10, &[2, 100], 5).unwrap(), vec![2, 8]);
        // n at or above the population: everything.
        assert_eq!(allocate(500, &[3, 4], 5).unwrap(), vec![3, 4]);
        assert_eq!(allocate(7, &[3, 4], 5).unwrap(), vec![3, 4]);
        // Minimums that do not fit in n are an error, not a silent shortfall.
        assert!(allocate(8, &[50, 50], 5).is_err());
        // Without a minimum, the allocation is proportional.
        assert_eq!(allocate(10, &[60, 30, 10], 0).unwrap(), vec![6, 3, 1]);
        // Every allocation sums to n when the minimums fit and n is below the population.
        assert!(allocate(4, &[37, 11, 5, 1, 20], 1).is_err());
        for n in 5..74 {
            let a = allocate(n, &[37, 11, 5, 1, 20], 1).unwrap();
            assert_eq!(a.iter().sum::<u64>(), n, "{n}: {a:?}");
            assert!(a.iter().zip([37, 11, 5, 1, 20]).all(|(x, s)| *x <= s));
        }
    }

    #[test]
    fn design_path_is_beside_the_output() {
        assert_eq!(
            Design::path_for(Path::new("out/sample.csv")),
            PathBuf::from("out/sample.csv.design.json")
        );
    }
}
