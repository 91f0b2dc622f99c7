//! Repeat contact: the same customer coming back to the same service soon after.
//!
//! Repeat contact is the largest single source of failure demand and the notes rarely say
//! so; the evidence is in the pattern. A run with repeat detection on reads its inputs
//! twice. The first pass turns every eligible row (readable timestamp, every key field
//! present) into a 20-byte [`Entry`]: a hash of the key, the time, the row number and a
//! hash of the row's bytes. [`RepeatIndex::build`] sorts the entries by key, time and
//! content, so the result does not depend on the order of rows or files, and links every
//! contact that follows the previous one of its key within the window. The second pass
//! classifies rows and looks up, chunk by chunk, which of them are repeats.
//!
//! Memory is the entries (20 bytes per eligible contact), sorted in place; after linking
//! only the repeats are kept.

use crate::columns::{ColumnMap, Field};
use crate::rules::{Class, FieldRef, RuleSet};
use crate::text::fold_value_into;
use crate::timestamp::{TimeError, TimeParser};
use csv::ByteRecord;
use rayon::slice::ParallelSliceMut;
use std::hash::{Hash, Hasher};

/// The `[repeat]` section of a rule file.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatConfig {
    pub enabled: bool,
    /// A contact within this many days of the previous one with the same key is a repeat.
    pub window_days: f64,
    /// The fields (logical or source columns) that say "the same customer and matter".
    pub key: Vec<FieldRef>,
    /// The kind given to repeats whose text did not already make them failure demand.
    pub kind: String,
    /// Classes or kinds of an earlier contact after which the next one is not a repeat
    /// (for example `["payment"]`: paying again next week is not chasing anything).
    pub not_after: Vec<String>,
}

impl Default for RepeatConfig {
    fn default() -> Self {
        RepeatConfig {
            enabled: true,
            window_days: 14.0,
            key: vec![
                FieldRef::Logical(Field::Customer),
                FieldRef::Logical(Field::Service),
            ],
            kind: "repeat".to_string(),
            not_after: Vec::new(),
        }
    }
}

impl RepeatConfig {
    pub fn window_seconds(&self) -> u64 {
        (self.window_days * 86_400.0).round() as u64
    }

    /// The key fields by name (a logical field's name, or a column's header), for reports.
    pub fn key_names(&self) -> Vec<String> {
        self.key
            .iter()
            .map(|k| match k {
                FieldRef::Logical(f) => f.name().to_string(),
                FieldRef::Column(c) => c.clone(),
            })
            .collect()
    }

    /// Whether a contact with this text outcome stops the next one being its repeat.
    pub fn stops_chain(&self, class: Class, kind: &str) -> bool {
        self.not_after
            .iter()
            .any(|s| s == class.name() || s == kind)
    }
}

/// One eligible contact in the repeat index: 20 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    key_hi: u32,
    key_lo: u32,
    /// Seconds since 1970.
    time: u32,
    /// Row number in the run (0-based, in input order, rejected rows included).
    row: u32,
    /// Before linking: a hash of the row's bytes (low 31 bits), which orders contacts of
    /// one key at the same second by content rather than by position, and the
    /// [`STOPS`] bit. After linking: the previous contact's row number, 1-based.
    link: u32,
}

/// The `link` bit of a contact after which the next one is not a repeat.
const STOPS: u32 = 1 << 31;

impl Entry {
    pub fn new(key: u64, time: u32, row: u32, content: u64, stops: bool) -> Entry {
        Entry {
            key_hi: (key >> 32) as u32,
            key_lo: key as u32,
            time,
            row,
            link: (content as u32 & !STOPS) | if stops { STOPS } else { 0 },
        }
    }

    /// The same contact under another row number.
    pub fn with_row(self, row: u32) -> Entry {
        Entry { row, ..self }
    }

    /// The contact's row number in the run (0-based).
    pub fn row(&self) -> u64 {
        u64::from(self.row)
    }

    /// For a repeat in a built index: the 1-based row number of the previous contact.
    pub fn previous_row(&self) -> u64 {
        u64::from(self.link)
    }

    fn same_key(&self, other: &Entry) -> bool {
        self.key_hi == other.key_hi && self.key_lo == other.key_lo
    }
}

/// Chain length buckets reported: 2, 3, 4 and 5 or more contacts.
pub const CHAIN_BUCKETS: [&str; 4] = ["2", "3", "4", "5+"];

/// Which rows are repeats, and the shape of the chains they form.
#[derive(Debug, Default)]
pub struct RepeatIndex {
    /// The repeats, in row order.
    repeats: Vec<Entry>,
    pub eligible: u64,
    /// Chains (a first contact and its repeats) by length: see [`CHAIN_BUCKETS`].
    pub chains: [u64; 4],
}

impl RepeatIndex {
    /// Links every entry to the previous one of its key when it follows within `window`
    /// seconds (and the previous one does not stop the chain).
    pub fn build(mut entries: Vec<Entry>, window: u64) -> RepeatIndex {
        let eligible = entries.len() as u64;
        entries.par_sort_unstable_by_key(|e| (e.key_hi, e.key_lo, e.time, e.link, e.row));
        let mut chains = [0u64; 4];
        let mut close = |len: usize| {
            if len >= 2 {
                chains[(len - 2).min(3)] += 1;
            }
        };
        let mut kept = 0;
        let mut chain = 0;
        let mut previous: Option<Entry> = None;
        for i in 0..entries.len() {
            let e = entries[i];
            let repeat = previous.is_some_and(|p| {
                p.same_key(&e) && u64::from(e.time - p.time) <= window && p.link & STOPS == 0
            });
            if repeat {
                chain += 1;
                // Each contact before `i` that is kept is a repeat, and the first entry
                // never is, so `kept < i`: this overwrites only entries already read.
                entries[kept] = Entry {
                    link: previous.map_or(0, |p| p.row + 1),
                    ..e
                };
                kept += 1;
            } else {
                close(chain);
                chain = 1;
            }
            previous = Some(e);
        }
        close(chain);
        entries.truncate(kept);
        entries.par_sort_unstable_by_key(|e| e.row);
        entries.shrink_to_fit();
        RepeatIndex {
            repeats: entries,
            eligible,
            chains,
        }
    }

    /// The repeats among rows `first..first + count`, in row order.
    pub fn in_rows(&self, first: u64, count: u64) -> &[Entry] {
        let start = self.repeats.partition_point(|e| e.row() < first);
        let end = self.repeats.partition_point(|e| e.row() < first + count);
        &self.repeats[start..end]
    }

    pub fn repeats(&self) -> u64 {
        self.repeats.len() as u64
    }
}

/// Why a row cannot take part in repeat detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ineligible {
    Time(TimeError),
    NoTimestampColumn,
    /// The input has no column for key field `i`.
    NoKeyColumn(usize),
    /// Key field `i` is empty in this row.
    EmptyKey(usize),
}

const TIME_ERRORS: [TimeError; 5] = [
    TimeError::Empty,
    TimeError::Unrecognised,
    TimeError::Invalid,
    TimeError::MonthFirst,
    TimeError::OutOfRange,
];

/// Ineligible rows counted by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IneligibleCounts {
    /// Indexed: the time errors, no timestamp column, then per key field (no column, empty).
    counts: Vec<u64>,
}

impl IneligibleCounts {
    fn slot(why: Ineligible) -> usize {
        let t = TIME_ERRORS.len();
        match why {
            Ineligible::Time(e) => TIME_ERRORS.iter().position(|x| *x == e).unwrap_or(0),
            Ineligible::NoTimestampColumn => t,
            Ineligible::NoKeyColumn(i) => t + 1 + 2 * i,
            Ineligible::EmptyKey(i) => t + 2 + 2 * i,
        }
    }

    pub fn add(&mut self, why: Ineligible) {
        let slot = Self::slot(why);
        if self.counts.len() <= slot {
            self.counts.resize(slot + 1, 0);
        }
        self.counts[slot] += 1;
    }

    pub fn merge(&mut self, other: &IneligibleCounts) {
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The non-zero counts by reason, in a fixed order.
    pub fn by_reason(&self, config: &RepeatConfig) -> Vec<(String, u64)> {
        let mut reasons: Vec<String> = TIME_ERRORS.iter().map(|e| e.reason().into()).collect();
        reasons.push("no timestamp column".into());
        for k in config.key_names() {
            reasons.push(format!("no {k} column"));
            reasons.push(format!("empty {k}"));
        }
        reasons
            .into_iter()
            .zip(self.counts.iter().chain(std::iter::repeat(&0)))
            .filter(|(_, n)| **n > 0)
            .map(|(r, n)| (r, *n))
            .collect()
    }
}

/// How a key field's value is compared.
#[derive(Debug, Clone, Copy)]
enum Canon {
    Service,
    Channel,
    Plain,
}

/// Where one input keeps what repeat detection reads.
#[derive(Debug, Clone)]
pub struct KeyColumns {
    key: Vec<(Option<usize>, Canon)>,
    date: Option<usize>,
    time: Option<usize>,
}

impl KeyColumns {
    pub fn resolve(config: &RepeatConfig, columns: &ColumnMap) -> KeyColumns {
        let key = config
            .key
            .iter()
            .map(|k| match k {
                FieldRef::Logical(f) => (
                    columns.get(*f),
                    match f {
                        Field::Service => Canon::Service,
                        Field::Channel => Canon::Channel,
                        _ => Canon::Plain,
                    },
                ),
                FieldRef::Column(c) => (columns.column(c), Canon::Plain),
            })
            .collect();
        KeyColumns {
            key,
            date: columns.get(Field::Timestamp),
            time: columns.time,
        }
    }

    /// What this input lacks for repeat detection, if anything.
    pub fn missing(&self, config: &RepeatConfig) -> Option<String> {
        if self.date.is_none() {
            return Some("no timestamp column".into());
        }
        let absent: Vec<String> = self
            .key
            .iter()
            .zip(config.key_names())
            .filter(|((col, _), _)| col.is_none())
            .map(|(_, name)| name)
            .collect();
        (!absent.is_empty()).then(|| format!("no {} column", absent.join(" or ")))
    }

    /// A row's timestamp as written (date and time joined), for messages.
    pub fn timestamp_text(&self, record: &ByteRecord) -> String {
        [self.date, self.time]
            .into_iter()
            .flatten()
            .filter_map(|c| record.get(c))
            .map(|b| String::from_utf8_lossy(b).trim().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A row's key hash and time, or why it is not eligible. `buf` is reused scratch.
    pub fn read(
        &self,
        record: &ByteRecord,
        rules: &RuleSet,
        parser: &TimeParser,
        buf: &mut String,
    ) -> Result<(u64, u32), Ineligible> {
        let field = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or("")
        };
        // A column the input lacks is the reason, before anything in the row is read.
        if let Some(i) = self.key.iter().position(|(col, _)| col.is_none()) {
            return Err(Ineligible::NoKeyColumn(i));
        }
        let date = self.date.ok_or(Ineligible::NoTimestampColumn)?;
        let time = parser
            .parse_parts(field(Some(date)), self.time.map(|t| field(Some(t))))
            .map_err(Ineligible::Time)?;
        let mut hasher = rustc_hash::FxHasher::default();
        for (i, (col, canon)) in self.key.iter().enumerate() {
            let raw = field(*col);
            match canon {
                Canon::Service => rules.services.fold_canonical_into(raw, buf),
                Canon::Channel => rules.channels.fold_canonical_into(raw, buf),
                Canon::Plain => fold_value_into(raw, buf),
            }
            if buf.is_empty() {
                return Err(Ineligible::EmptyKey(i));
            }
            buf.hash(&mut hasher);
        }
        // Times are checked to lie in 1970..2106 when parsed.
        Ok((hasher.finish(), u32::try_from(time).unwrap_or(u32::MAX)))
    }
}

/// A hash of a row's bytes, to order same-second contacts of one key by content.
pub fn content_hash(record: &ByteRecord) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    record.as_slice().hash(&mut hasher);
    record.len().hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: u64, day: u32, row: u32) -> Entry {
        Entry::new(key, day * 86_400, row, u64::from(row) * 7919, false)
    }

    #[test]
    fn an_entry_is_twenty_bytes() {
        assert_eq!(std::mem::size_of::<Entry>(), 20);
    }

    #[test]
    fn chains_follow_the_previous_contact_within_the_window() {
        // Key 1: days 0, 10, 20 (each within 14 days of the previous), then 40 (new chain).
        // Key 2: days 0 and 30 (too far apart). Key 3: one contact.
        let entries = vec![
            entry(1, 20, 5),
            entry(2, 30, 6),
            entry(1, 0, 0),
            entry(1, 40, 7),
            entry(3, 1, 1),
            entry(1, 10, 3),
            entry(2, 0, 2),
        ];
        let index = RepeatIndex::build(entries, 14 * 86_400);
        assert_eq!(index.eligible, 7);
        let repeats: Vec<(u64, u64)> = index
            .in_rows(0, 100)
            .iter()
            .map(|e| (e.row(), e.previous_row()))
            .collect();
        assert_eq!(repeats, vec![(3, 1), (5, 4)]);
        assert_eq!(index.chains, [0, 1, 0, 0]);
        assert_eq!(index.in_rows(4, 2).len(), 1);
        assert_eq!(index.in_rows(6, 10).len(), 0);
    }

    #[test]
    fn the_window_is_inclusive_and_a_stopping_contact_breaks_the_chain() {
        let window = 14 * 86_400;
        let index = RepeatIndex::build(vec![entry(9, 0, 0), entry(9, 14, 1)], window);
        assert_eq!(index.repeats(), 1);
        let stop = Entry::new(9, 0, 0, 1, true);
        let index = RepeatIndex::build(vec![stop, entry(9, 1, 1), entry(9, 2, 2)], window);
        let rows: Vec<u64> = index.in_rows(0, 3).iter().map(Entry::row).collect();
        assert_eq!(rows, vec![2]);
    }

    #[test]
    fn the_result_does_not_depend_on_entry_order() {
        let mut entries: Vec<Entry> = (0..200u32)
            .map(|i| entry(u64::from(i % 13), (i * 37) % 90, i))
            .collect();
        let a = RepeatIndex::build(entries.clone(), 7 * 86_400);
        entries.reverse();
        entries.rotate_left(71);
        let b = RepeatIndex::build(entries, 7 * 86_400);
        assert_eq!(a.in_rows(0, 200), b.in_rows(0, 200));
        assert_eq!(a.chains, b.chains);
        assert!(a.repeats() > 0);
    }

    #[test]
    fn chain_lengths_are_bucketed() {
        let mut entries = Vec::new();
        let mut row = 0;
        for (key, len) in [(1u64, 2u32), (2, 3), (3, 4), (4, 5), (5, 9), (6, 1)] {
            for d in 0..len {
                entries.push(entry(key, d, row));
                row += 1;
            }
        }
        let index = RepeatIndex::build(entries, 86_400);
        assert_eq!(index.chains, [1, 1, 1, 2]);
        assert_eq!(index.repeats(), 1 + 2 + 3 + 4 + 8);
    }

    #[test]
    fn ineligible_reasons_are_named() {
        let config = RepeatConfig::default();
        let mut c = IneligibleCounts::default();
        c.add(Ineligible::Time(TimeError::Unrecognised));
        c.add(Ineligible::EmptyKey(0));
        c.add(Ineligible::EmptyKey(0));
        c.add(Ineligible::NoKeyColumn(1));
        assert_eq!(c.total(), 4);
        assert_eq!(
            c.by_reason(&config),
            vec![
                ("unrecognised timestamp".to_string(), 1),
                ("empty customer".to_string(), 2),
                ("no service column".to_string(), 1),
            ]
        );
    }
}
