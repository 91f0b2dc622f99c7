//! The run: inputs read in chunks, classified in parallel, results consumed in input order.
//!
//! The calling thread reads and cuts chunks ([`crate::input::Chunker`]); a rayon pool
//! parses and classifies one chunk per task, producing the chunk's tally and, for
//! `classify`, its output rows already encoded as CSV. Results are put back in input order
//! before they reach the [`RowSink`] or the run's tally, so output order and totals do
//! not depend on scheduling. At most a few chunks per thread are in flight, so memory
//! follows the chunk size, not the input size.

use crate::classify::{Contact, Decision, Matcher, Scratch};
use crate::columns::{ColumnMap, Field, Mapping};
use crate::duplicates::{row_hash, Seen};
use crate::error::{Error, Result};
use crate::input::{runaway_quote, Chunk, Chunker, Encoding, HeaderSpec, InputPath, Source};
use crate::jsonl;
use crate::period::Period;
use crate::repeat::{content_hash, Entry, Ineligible, IneligibleCounts, KeyColumns, RepeatIndex};
use crate::rules::{Class, FieldRef};
use crate::summary::{BatchTally, InputInfo, RepeatMark, Tally};
use crate::text::ContactText;
use crate::timestamp::{TimeError, TimeParser};
use csv::ByteRecord;
use std::collections::BTreeMap;
use std::sync::{mpsc, Arc};

/// How a run reads and processes its inputs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Stop at the first rejected row instead of counting it.
    pub strict: bool,
    /// Target bytes per chunk.
    pub chunk_bytes: usize,
    /// Show a progress bar on stderr.
    pub progress: bool,
    pub mappings: Vec<Mapping>,
    /// Field delimiter; sniffed per file when `None`.
    pub delimiter: Option<u8>,
    pub encoding: Encoding,
    /// How timestamps are read.
    pub dates: TimeParser,
    /// Detect repeat contacts when the rules enable it (`--no-repeat` clears this).
    pub repeat: bool,
    /// Count contacts by period too (`report --by-period`).
    pub period: Option<Period>,
    /// Append [`EXPLAIN_COLUMNS`] to classified rows (`classify --explain`).
    pub explain: bool,
    /// Where each input's header row is (`--skip-rows`, `--no-headers`).
    pub header: HeaderSpec,
    /// The sheet of a workbook to read (`--sheet`); the first when `None`.
    pub sheet: Option<String>,
    /// Count rows whose id (or whole row) was already seen as duplicates, outside the
    /// figures (`--keep-duplicates` clears this).
    pub duplicates: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            strict: false,
            chunk_bytes: 1 << 20,
            progress: false,
            mappings: Vec::new(),
            delimiter: None,
            encoding: Encoding::Auto,
            dates: TimeParser::default(),
            repeat: true,
            period: None,
            explain: false,
            header: HeaderSpec::default(),
            duplicates: true,
            sheet: None,
        }
    }
}

/// A row that could not be classified, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub source: String,
    pub line: u64,
    pub reason: String,
    /// The row's bytes as they were in the input (line terminator removed).
    pub raw: Vec<u8>,
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.source, self.line, self.reason)
    }
}

/// Receives classified rows, in input order.
pub trait RowSink {
    /// Called once, before any rows, with the first input's header.
    fn header(&mut self, header: &ByteRecord) -> Result<()>;
    /// A run of rows encoded as CSV (each input row plus class, kind and rule).
    fn rows(&mut self, csv: &[u8]) -> Result<()>;
}

/// Calls `f` with each record of a run of rows a [`RowSink`] received, in order.
pub fn each_record(csv: &[u8], mut f: impl FnMut(&ByteRecord) -> Result<()>) -> Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv);
    let mut record = ByteRecord::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| Error::Internal(format!("re-reading classified rows: {e}")))?
    {
        f(&record)?;
    }
    Ok(())
}

/// Receives every rejected row, in input order (`--rejects FILE`).
pub trait RejectSink {
    fn reject(&mut self, reject: &Reject) -> Result<()>;
}

/// Looks at every classified contact, for commands that need more than the tally
/// (`demand rules stats`). Each chunk gets its own state, filled on a worker thread; the
/// states are merged in input order, so results do not depend on scheduling. `()` observes
/// nothing, at no cost.
pub trait Observer: Sync {
    type State: Send + Default;
    /// One contact: its decision from the rules, what repeat detection made of it, every
    /// rule that matched it, and its normalised text (each text column and the code on its
    /// own line).
    fn contact(
        &self,
        state: &mut Self::State,
        decision: Decision,
        mark: RepeatMark,
        matched: &[u32],
        text: &ContactText,
    );
    /// Folds `from`, the state of a later chunk, into `into`.
    fn merge(&self, into: &mut Self::State, from: Self::State);
}

impl Observer for () {
    type State = ();
    fn contact(&self, _: &mut (), _: Decision, _: RepeatMark, _: &[u32], _: &ContactText) {}
    fn merge(&self, _: &mut (), _: ()) {}
}

/// What a run produced besides the rows.
#[derive(Debug)]
pub struct RunResult {
    pub tally: Tally,
    pub inputs: Vec<InputInfo>,
    /// The first rejected rows (at most [`REJECTS_KEPT`]); `tally.rejected` counts them all.
    pub rejects: Vec<Reject>,
    /// What repeat detection found, when it ran.
    pub repeat: Option<RepeatRun>,
    /// The first date that only makes sense month first: (source, line, text), found by
    /// repeat detection or by the period breakdown.
    pub month_first: Option<(String, u64, String)>,
}

/// Repeat detection's account of a run, besides the per-row marks in the tally.
#[derive(Debug, Default)]
pub struct RepeatRun {
    /// Contacts in the index (readable timestamp and every key field present).
    pub eligible: u64,
    pub repeats: u64,
    /// Chains by length: 2, 3, 4 and 5+ contacts.
    pub chains: [u64; 4],
    pub ineligible: IneligibleCounts,
}

/// How many rejected rows are kept for messages.
pub const REJECTS_KEPT: usize = 20;

/// The extra columns `classify` appends.
pub const OUTPUT_COLUMNS: [&str; 3] = ["demand_class", "demand_kind", "demand_rule"];

/// The columns `classify --explain` appends after those: every matching rule id in
/// precedence order (`;`-separated), why the row got its class
/// ([`crate::explain::why`], or the repeat that made it failure demand), and for a repeat
/// the row number of the previous contact in its chain (1-based over the run's data rows,
/// inputs in order, rejected rows included).
pub const EXPLAIN_COLUMNS: [&str; 3] = ["demand_matched", "demand_why", "demand_repeat_of"];

/// One input's layout, shared by the tasks that process its chunks.
struct FileCtx {
    name: String,
    input: usize,
    columns: ColumnMap,
    /// For each matcher slot, the column that holds it.
    slot_columns: Vec<Option<usize>>,
    width: usize,
    delimiter: u8,
    /// Read rows that are not valid UTF-8 as Windows-1252 instead of rejecting them.
    fallback: bool,
    service: Option<usize>,
    channel: Option<usize>,
    code: Option<usize>,
    /// The id column, which decides duplicates.
    id: Option<usize>,
    /// JSON lines: the keys read into each row's fields, in order.
    json_keys: Option<Vec<String>>,
    /// Where the repeat key and timestamp are, when repeat detection runs.
    key: Option<KeyColumns>,
    /// The timestamp's date and time-of-day columns.
    date: Option<usize>,
    time: Option<usize>,
}

/// What one pass over the inputs does with each chunk.
#[derive(Clone, Copy)]
enum Pass<'a> {
    /// The first pass, for repeat detection and duplicates: index entries and row hashes,
    /// no tally.
    Index,
    /// Classify and tally every row (and write it, given a sink), marking repeats and
    /// skipping duplicates when a first pass found them.
    Classify(Option<&'a Linked<'a>>),
}

/// A set of row numbers of the run, one bit per row up to the largest.
#[derive(Debug, Default)]
struct RowSet {
    bits: Vec<u64>,
}

impl RowSet {
    fn insert(&mut self, row: u64) {
        let word = (row / 64) as usize;
        if word >= self.bits.len() {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << (row % 64);
    }

    fn contains(&self, row: u64) -> bool {
        self.bits
            .get((row / 64) as usize)
            .is_some_and(|w| w & (1 << (row % 64)) != 0)
    }
}

/// The first pass's results, as the second pass reads them.
struct Linked<'a> {
    /// The repeat index, when repeat detection runs.
    index: Option<&'a RepeatIndex>,
    /// Duplicate rows, by row number in the run, ascending.
    duplicates: &'a [u64],
    /// Rows repeat detection could not check, one bit per row of the run, so that the
    /// second pass need not read keys and timestamps again.
    ineligible: &'a RowSet,
    /// The rows in each chunk of the first pass, by chunk sequence number.
    chunk_rows: &'a [u64],
    /// The first row of each chunk.
    chunk_first: Vec<u64>,
}

struct ChunkResult<S> {
    input: usize,
    /// The observer's state for this chunk (second pass).
    observed: S,
    tally: Tally,
    rows: Vec<u8>,
    records: u64,
    rejects: Vec<Reject>,
    /// Rows read as Windows-1252, and the first one's line.
    transcoded: u64,
    first_transcoded: Option<u64>,
    /// Repeat-index entries (first pass), rows numbered from the chunk's start.
    entries: Vec<Entry>,
    /// Rows (numbered from the chunk's start) repeat detection cannot check, and why.
    ineligible: Vec<(u32, Ineligible)>,
    /// Row hashes for duplicate detection (first pass), by row from the chunk's start.
    hashes: Vec<(u32, u64)>,
    /// The first month-first date in the chunk: line and text.
    month_first: Option<(u64, String)>,
}

/// A CSV record seen through the column map.
struct RecordContact<'a> {
    record: &'a ByteRecord,
    ctx: &'a FileCtx,
}

impl Contact for RecordContact<'_> {
    fn text(&self, out: &mut ContactText) {
        for &c in &self.ctx.columns.text {
            out.push_field(self.record.get(c).unwrap_or_default());
        }
        if let Some(c) = self.ctx.code {
            out.push_field(self.record.get(c).unwrap_or_default());
        }
    }

    fn value(&self, slot: usize) -> Option<&str> {
        let col = self.ctx.slot_columns.get(slot).copied().flatten()?;
        // Rows reach the matcher only after their UTF-8 has been checked.
        std::str::from_utf8(self.record.get(col)?).ok()
    }
}

/// Reads every input, classifies every row and hands rows (if `sink` is given) and
/// totals back in input order.
///
/// With repeat detection on (the rules' `[repeat]` table and `opts.repeat`), the inputs
/// are read twice: once to index every contact by key and time, once to classify. Standard
/// input is first copied to an anonymous temporary file, which the system removes however
/// the process ends.
pub fn run(
    matcher: &Matcher,
    inputs: &[InputPath],
    opts: &Options,
    sink: Option<&mut dyn RowSink>,
    reject_sink: Option<&mut dyn RejectSink>,
) -> Result<RunResult> {
    run_observed(matcher, inputs, opts, sink, reject_sink, &()).map(|(run, ())| run)
}

/// [`run`], with `observer` shown every classified contact; returns its merged state too.
pub fn run_observed<O: Observer>(
    matcher: &Matcher,
    inputs: &[InputPath],
    opts: &Options,
    sink: Option<&mut dyn RowSink>,
    reject_sink: Option<&mut dyn RejectSink>,
    observer: &O,
) -> Result<(RunResult, O::State)> {
    let config = &matcher.ruleset().repeat;
    let repeat = opts.repeat && config.enabled;
    let reader = Reader::new(matcher, opts, repeat)?;
    if !(repeat || opts.duplicates) {
        let only = reader.pass(inputs, Pass::Classify(None), sink, reject_sink, observer)?;
        return Ok(only.into_result(None));
    }
    let inputs = spool_stdin(inputs)?;
    // Rejects are reported by the second pass, which reads exactly the same rows.
    let first = reader.pass(&inputs, Pass::Index, None, None, &())?;
    let Collector {
        entries,
        chunk_rows,
        ineligible,
        ineligible_rows,
        month_first,
        duplicates,
        ..
    } = first;
    let index = repeat.then(|| RepeatIndex::build(entries, config.window_seconds()));
    let mut chunk_first = Vec::with_capacity(chunk_rows.len());
    let mut row = 0;
    for n in &chunk_rows {
        chunk_first.push(row);
        row += n;
    }
    let linked = Linked {
        index: index.as_ref(),
        duplicates: &duplicates,
        ineligible: &ineligible_rows,
        chunk_rows: &chunk_rows,
        chunk_first,
    };
    let second = reader.pass(
        &inputs,
        Pass::Classify(Some(&linked)),
        sink,
        reject_sink,
        observer,
    )?;
    let mut result = second.into_result(index.map(|index| RepeatRun {
        eligible: index.eligible,
        repeats: index.repeats(),
        chains: index.chains,
        ineligible,
    }));
    result.0.month_first = month_first.or(result.0.month_first);
    Ok(result)
}

/// Copies standard input, if it is among the inputs, to an anonymous temporary file so
/// that it can be read twice.
fn spool_stdin(inputs: &[InputPath]) -> Result<Vec<InputPath>> {
    inputs
        .iter()
        .map(|input| match input {
            InputPath::Stdin => {
                let mut file = tempfile::tempfile()
                    .map_err(|e| Error::Input(format!("cannot create a temporary file: {e}")))?;
                std::io::copy(&mut std::io::stdin().lock(), &mut file)
                    .map_err(|e| Error::Input(format!("<stdin>: {e}")))?;
                Ok(InputPath::Spooled(Arc::new(file)))
            }
            other => Ok(other.clone()),
        })
        .collect()
}

/// The parts of a run shared by its passes.
struct Reader<'m> {
    matcher: &'m Matcher,
    opts: &'m Options,
    pool: rayon::ThreadPool,
    /// Repeat detection runs.
    repeat: bool,
}

impl<'m> Reader<'m> {
    fn new(matcher: &'m Matcher, opts: &'m Options, repeat: bool) -> Result<Self> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.threads.max(1))
            .build()
            .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", opts.threads)))?;
        Ok(Reader {
            matcher,
            opts,
            pool,
            repeat,
        })
    }

    /// Reads every input once, processing its chunks in parallel and folding the results
    /// in input order.
    fn pass<'o, O: Observer>(
        &self,
        inputs: &[InputPath],
        pass: Pass,
        mut sink: Option<&mut dyn RowSink>,
        mut reject_sink: Option<&mut dyn RejectSink>,
        observer: &'o O,
    ) -> Result<Collector<'o, O>> {
        let (matcher, opts) = (self.matcher, self.opts);
        let mut state = Collector::new(matcher.ruleset().rules.len(), opts, pass, observer);
        let progress = progress_bar(opts.progress, inputs);
        let write_rows = sink.is_some();
        let max_in_flight = opts.threads.max(1) * 3;
        let (tx, rx) = mpsc::channel::<(u64, std::thread::Result<ChunkResult<O::State>>)>();
        // Scratch space (regex caches above all) outlives a chunk: a fresh one per chunk
        // would rebuild every lazy DFA from nothing each time.
        let scratches: std::sync::Mutex<Vec<Scratch>> = std::sync::Mutex::new(Vec::new());
        let scratches = &scratches;
        let mut first_header: Option<ByteRecord> = None;
        let repeat = self.repeat;

        let outcome = self.pool.in_place_scope(|scope| -> Result<()> {
            let mut seq = 0u64;
            let mut in_flight = 0usize;
            let mut done_bytes = 0u64;
            let receive = |state: &mut Collector<O>,
                           sink: &mut Option<&mut dyn RowSink>,
                           rejects: &mut Option<&mut dyn RejectSink>| {
                let (s, result) = rx.recv().expect("workers outlive the scope");
                state.pending.insert(s, result);
                state.drain(sink, rejects)
            };
            for (index, input) in inputs.iter().enumerate() {
                let source = Source::open(input, opts.encoding, opts.sheet.as_deref())?;
                let (encoding, fallback) = (source.encoding, source.fallback);
                let name = source.name.clone();
                let mut chunker =
                    Chunker::new(source.reader, &name, opts.delimiter, opts.chunk_bytes)?;
                let maps =
                    |names: &[String]| ColumnMap::detect(names, &opts.mappings, &name).is_ok();
                let json = jsonl::detect(&name, chunker.head());
                let found = if json {
                    jsonl::header(&mut chunker, &name)?
                } else {
                    chunker.header(opts.header, maps)?
                };
                let Some(found) = found else {
                    return Err(Error::Input(format!(
                        "{name}: the file is empty: no header row and no contacts"
                    )));
                };
                let header = found.record;
                let names: Vec<String> = header
                    .iter()
                    .map(|h| String::from_utf8_lossy(h).trim().to_string())
                    .collect();
                let columns = ColumnMap::detect(&names, &opts.mappings, &name).map_err(|e| {
                    if header.iter().flatten().any(|&b| is_binary(b)) {
                        Error::Input(format!(
                            "{name}:{}: this does not look like a text export (control \
                                 bytes in the first row): demand reads CSV or TSV text, \
                                 gzipped or not",
                            found.line
                        ))
                    } else {
                        e
                    }
                })?;
                if write_rows {
                    match &first_header {
                        None => {
                            if let Some(sink) = sink.as_deref_mut() {
                                sink.header(&header)?;
                            }
                            first_header = Some(header.clone());
                        }
                        Some(first) if *first != header => {
                            return Err(Error::Input(format!(
                                "{name}: its header differs from {}'s; classify writes one \
                                 table, so every input must have the same columns",
                                inputs[0].name()
                            )));
                        }
                        Some(_) => {}
                    }
                }
                let key = repeat.then(|| KeyColumns::resolve(&matcher.ruleset().repeat, &columns));
                let repeat_unchecked = key
                    .as_ref()
                    .and_then(|k| k.missing(&matcher.ruleset().repeat));
                state.inputs.push(InputInfo {
                    source: name.clone(),
                    encoding: encoding.name().to_ascii_lowercase(),
                    contacts: 0,
                    rejected: 0,
                    header_line: (!found.in_data).then_some(found.line),
                    skipped_rows: found.skipped,
                    windows_1252_rows: 0,
                    first_windows_1252_line: None,
                    repeat_unchecked,
                    columns: columns
                        .describe()
                        .into_iter()
                        .map(|(f, cols)| (f.name().to_string(), cols))
                        .collect(),
                });
                let ctx = Arc::new(FileCtx {
                    slot_columns: matcher
                        .slots()
                        .iter()
                        .map(|s| match s {
                            FieldRef::Logical(f) => columns.get(*f),
                            FieldRef::Column(c) => columns.column(c),
                        })
                        .collect(),
                    width: header.len(),
                    delimiter: chunker.delimiter,
                    fallback,
                    service: columns.get(Field::Service),
                    channel: columns.get(Field::Channel),
                    code: columns.get(Field::Code),
                    date: columns.get(Field::Timestamp),
                    time: columns.time,
                    id: columns.get(Field::Id),
                    json_keys: json.then(|| {
                        header
                            .iter()
                            .map(|k| String::from_utf8_lossy(k).into_owned())
                            .collect()
                    }),
                    columns,
                    name,
                    input: index,
                    key,
                });
                while let Some(chunk) = chunker.next_chunk()? {
                    progress.set_position(done_bytes + chunker.bytes_read);
                    let tx = tx.clone();
                    let ctx = Arc::clone(&ctx);
                    let s = seq;
                    seq += 1;
                    scope.spawn(move |_| {
                        // A panic must come back as an error: the reader would otherwise
                        // wait for this chunk for ever.
                        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            let taken = scratches.lock().ok().and_then(|mut s| s.pop());
                            let mut scratch = taken.unwrap_or_default();
                            let work = Work {
                                matcher,
                                ctx: &ctx,
                                dates: &opts.dates,
                                period: opts.period,
                                write_rows,
                                explain: opts.explain,
                                pass,
                                seq: s,
                                observer,
                                dedupe: opts.duplicates,
                            };
                            let result = work.process(chunk, &mut scratch);
                            if let Ok(mut s) = scratches.lock() {
                                s.push(scratch);
                            }
                            result
                        }));
                        let _ = tx.send((s, result));
                    });
                    in_flight += 1;
                    while in_flight >= max_in_flight {
                        in_flight -= 1;
                        receive(&mut state, &mut sink, &mut reject_sink)?;
                    }
                }
                done_bytes += chunker.bytes_read;
            }
            while in_flight > 0 {
                in_flight -= 1;
                receive(&mut state, &mut sink, &mut reject_sink)?;
            }
            Ok(())
        });
        progress.finish_and_clear();
        outcome?;
        Ok(state)
    }
}

/// Puts chunk results back in order and folds them into the run.
struct Collector<'o, O: Observer> {
    observer: &'o O,
    observed: O::State,
    tally: Tally,
    inputs: Vec<InputInfo>,
    rejects: Vec<Reject>,
    strict: bool,
    pending: BTreeMap<u64, std::thread::Result<ChunkResult<O::State>>>,
    next: u64,
    /// Rows folded so far (rejected ones included): the next chunk's first row.
    rows: u64,
    /// First pass: rows per chunk, the index entries, ineligible rows by reason.
    chunk_rows: Vec<u64>,
    entries: Vec<Entry>,
    ineligible: IneligibleCounts,
    ineligible_rows: RowSet,
    month_first: Option<(String, u64, String)>,
    /// First pass with duplicate detection: the row hashes seen, and the duplicate rows
    /// found (row numbers in the run, ascending).
    seen: Option<Seen>,
    duplicates: Vec<u64>,
    /// Second pass: the rows per chunk the first pass saw, to check that nothing changed.
    expected_rows: Option<Vec<u64>>,
}

impl<'o, O: Observer> Collector<'o, O> {
    fn new(rules: usize, opts: &Options, pass: Pass, observer: &'o O) -> Self {
        Collector {
            observer,
            observed: O::State::default(),
            tally: Tally::new(rules),
            inputs: Vec::new(),
            rejects: Vec::new(),
            strict: opts.strict,
            pending: BTreeMap::new(),
            next: 0,
            rows: 0,
            chunk_rows: Vec::new(),
            entries: Vec::new(),
            ineligible: IneligibleCounts::default(),
            ineligible_rows: RowSet::default(),
            month_first: None,
            seen: (opts.duplicates && matches!(pass, Pass::Index)).then(Seen::default),
            duplicates: Vec::new(),
            expected_rows: match pass {
                Pass::Classify(Some(linked)) => Some(linked.chunk_rows.to_vec()),
                _ => None,
            },
        }
    }

    fn into_result(self, repeat: Option<RepeatRun>) -> (RunResult, O::State) {
        let run = RunResult {
            tally: self.tally,
            inputs: self.inputs,
            rejects: self.rejects,
            repeat,
            month_first: self.month_first,
        };
        (run, self.observed)
    }

    fn drain(
        &mut self,
        sink: &mut Option<&mut dyn RowSink>,
        reject_sink: &mut Option<&mut dyn RejectSink>,
    ) -> Result<()> {
        while let Some(result) = self.pending.remove(&self.next) {
            let seq = self.next as usize;
            self.next += 1;
            let result = result.map_err(|panic| {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Error::Internal(format!("a worker thread panicked: {message}"))
            })?;
            if self.strict {
                if let Some(first) = result.rejects.first() {
                    return Err(Error::Input(format!(
                        "{first} (--strict stops at the first rejected row)"
                    )));
                }
            }
            let info = &mut self.inputs[result.input];
            if let Some(expected) = &self.expected_rows {
                if expected.get(seq) != Some(&result.records) {
                    return Err(Error::Input(format!(
                        "{}: the input changed between the two readings repeat detection \
                         makes; run again on a file that is not being written to, or use \
                         --no-repeat",
                        info.source
                    )));
                }
            }
            info.contacts += result.records;
            info.rejected += result.rejects.len() as u64;
            info.windows_1252_rows += result.transcoded;
            info.first_windows_1252_line = info.first_windows_1252_line.or(result.first_transcoded);
            if self.month_first.is_none() {
                self.month_first = result
                    .month_first
                    .map(|(line, text)| (info.source.clone(), line, text));
            }
            if let Some(out) = reject_sink.as_deref_mut() {
                for r in &result.rejects {
                    out.reject(r)?;
                }
            }
            let room = REJECTS_KEPT.saturating_sub(self.rejects.len());
            self.rejects.extend(result.rejects.into_iter().take(room));
            self.tally.merge(result.tally);
            self.observer.merge(&mut self.observed, result.observed);
            self.chunk_rows.push(result.records);
            // Duplicates are decided here, in input order: the first occurrence is kept,
            // and the others are left out of the repeat index as of the figures.
            let mut duplicate = Vec::new();
            if let Some(seen) = self.seen.as_mut() {
                for &(row, hash) in &result.hashes {
                    if seen.repeated(hash) {
                        duplicate.push(row);
                        self.duplicates.push(self.rows + u64::from(row));
                    }
                }
            }
            let original = |row: u32| duplicate.binary_search(&row).is_err();
            for &(row, why) in &result.ineligible {
                if original(row) {
                    self.ineligible.add(why);
                    self.ineligible_rows.insert(self.rows + u64::from(row));
                }
            }
            for e in result
                .entries
                .into_iter()
                .filter(|e| original(e.row() as u32))
            {
                let row = u32::try_from(self.rows + e.row()).map_err(|_| {
                    Error::Input(format!(
                        "repeat detection numbers rows with 32 bits and this run has more \
                         than {} rows; split the run or use --no-repeat",
                        u32::MAX
                    ))
                })?;
                self.entries.push(e.with_row(row));
            }
            self.rows += result.records;
            if let Some(sink) = sink.as_deref_mut() {
                sink.rows(&result.rows)?;
            }
        }
        Ok(())
    }
}

/// What a worker needs to process one chunk.
struct Work<'a, O> {
    matcher: &'a Matcher,
    ctx: &'a FileCtx,
    dates: &'a TimeParser,
    period: Option<Period>,
    write_rows: bool,
    /// Append [`EXPLAIN_COLUMNS`] to written rows.
    explain: bool,
    pass: Pass<'a>,
    seq: u64,
    observer: &'a O,
    /// Hash rows for duplicate detection (in the first pass).
    dedupe: bool,
}

impl<O: Observer> Work<'_, O> {
    /// Parses one chunk and, depending on the pass, indexes or classifies its rows.
    fn process(&self, chunk: Chunk, scratch: &mut Scratch) -> ChunkResult<O::State> {
        let (matcher, ctx) = (self.matcher, self.ctx);
        let rules = matcher.ruleset();
        let mut rows = match &ctx.json_keys {
            Some(keys) => Rows::Jsonl {
                data: &chunk.data,
                at: 0,
                keys,
            },
            None => Rows::Csv(
                csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .delimiter(ctx.delimiter)
                    .from_reader(&chunk.data[..]),
            ),
        };
        let mut writer = self.write_rows.then(|| {
            csv::Writer::from_writer(Vec::with_capacity(chunk.data.len() + chunk.data.len() / 4))
        });
        let mut record = ByteRecord::new();
        let mut tally = BatchTally::new(rules.rules.len());
        let mut out = ChunkResult {
            input: ctx.input,
            observed: O::State::default(),
            tally: Tally::default(),
            rows: Vec::new(),
            records: 0,
            rejects: Vec::new(),
            transcoded: 0,
            first_transcoded: None,
            entries: Vec::new(),
            ineligible: Vec::new(),
            hashes: Vec::new(),
            month_first: None,
        };
        // The first pass decides class only when an earlier class can stop a chain.
        let index_needs_class = !rules.repeat.not_after.is_empty();
        let (linked, first_row) = match self.pass {
            Pass::Classify(Some(linked)) => (
                Some(linked),
                linked
                    .chunk_first
                    .get(self.seq as usize)
                    .copied()
                    .unwrap_or(0),
            ),
            _ => (None, 0),
        };
        let expected = linked
            .and_then(|l| l.chunk_rows.get(self.seq as usize).copied())
            .unwrap_or(0);
        let mut repeats = linked
            .and_then(|l| l.index)
            .map(|index| index.in_rows(first_row, expected))
            .unwrap_or_default()
            .iter()
            .peekable();
        let mut duplicates = linked
            .map(|l| {
                let start = l.duplicates.partition_point(|&r| r < first_row);
                let end = l.duplicates.partition_point(|&r| r < first_row + expected);
                &l.duplicates[start..end]
            })
            .unwrap_or_default()
            .iter()
            .peekable();
        let hash_rows = self.dedupe && matches!(self.pass, Pass::Index);
        let mut key_buf = String::new();
        let mut lines = LineCounter::new(chunk.first_line);
        let reject = |rejects: &mut Vec<Reject>, line: u64, reason: String, raw: &[u8]| {
            // Line terminators around the row are the reader's, not the row's.
            let start = raw.iter().position(|&b| b != b'\r' && b != b'\n');
            let end = raw.iter().rposition(|&b| b != b'\r' && b != b'\n');
            let raw = match (start, end) {
                (Some(a), Some(b)) => &raw[a..=b],
                _ => &raw[..0],
            };
            rejects.push(Reject {
                source: ctx.name.clone(),
                line,
                reason,
                raw: raw.to_vec(),
            });
        };
        // Byte offsets of the current record within the chunk, for verbatim rejects.
        let raw = |start: u64, end: u64| {
            &chunk.data[start as usize..(end as usize).min(chunk.data.len())]
        };
        loop {
            let (start, end) = match rows.next(&mut record) {
                Next::End => break,
                Next::Row { start, end } => (start, end),
                Next::Bad {
                    start,
                    end,
                    reason,
                    last,
                } => {
                    out.records += 1;
                    let line = lines.at(&chunk.data, start);
                    reject(&mut out.rejects, line, reason, raw(start, end));
                    if last {
                        break;
                    }
                    continue;
                }
            };
            let local_row = out.records;
            out.records += 1;
            let line = lines.at(&chunk.data, start);
            let row = raw(start, end);
            // The chunker ends a chunk with an open quote only at the end of input, and
            // such a chunk holds just the runaway record.
            if chunk.unterminated_quote {
                let last =
                    chunk.first_line + memchr::memchr_iter(b'\n', &chunk.data).count() as u64;
                reject(
                    &mut out.rejects,
                    line,
                    format!(
                        "unterminated quote: a quoted field opened in this row runs to the \
                         end of the input (lines {line}-{last})"
                    ),
                    row,
                );
                continue;
            }
            if record.len() != ctx.width {
                reject(
                    &mut out.rejects,
                    line,
                    format!("expected {} fields, found {}", ctx.width, record.len()),
                    row,
                );
                continue;
            }
            let body = row.trim_ascii_end();
            if ctx.json_keys.is_none()
                && memchr::memchr2(b'\n', b'\r', body).is_some()
                && runaway_quote(body, ctx.delimiter)
            {
                let last = line + memchr::memchr_iter(b'\n', body).count() as u64;
                reject(
                    &mut out.rejects,
                    line,
                    format!(
                        "a quoted field opened in this row runs over lines {line}-{last} and \
                         has text after its closing quote: probably a quote left open that \
                         swallowed the rows after it"
                    ),
                    row,
                );
                continue;
            }
            // ASCII (most rows) is valid UTF-8: one fast check for the whole row.
            let invalid = (!record.as_slice().is_ascii())
                .then(|| record.iter().position(|f| std::str::from_utf8(f).is_err()))
                .flatten();
            if let Some(field) = invalid {
                if ctx.fallback {
                    record = windows_1252(&record);
                    out.transcoded += 1;
                    out.first_transcoded.get_or_insert(line);
                } else {
                    let column = &ctx.columns.header[field];
                    reject(
                        &mut out.rejects,
                        line,
                        format!("invalid UTF-8 in field {} ({column:?})", field + 1),
                        row,
                    );
                    continue;
                }
            }
            if hash_rows {
                let local = u32::try_from(local_row).unwrap_or(u32::MAX);
                out.hashes.push((local, row_hash(&record, ctx.id)));
            }
            if duplicates
                .next_if(|&&r| r == first_row + local_row)
                .is_some()
            {
                tally.duplicates += 1;
                continue;
            }
            let contact = RecordContact {
                record: &record,
                ctx,
            };
            if let Pass::Index = self.pass {
                let key = ctx
                    .key
                    .as_ref()
                    .map(|k| k.read(&record, rules, self.dates, &mut key_buf));
                match key {
                    Some(Ok((key, time))) => {
                        let stops = index_needs_class && {
                            let d = matcher.classify(&contact, scratch);
                            rules.repeat.stops_chain(d.class, matcher.kind(d))
                        };
                        // Rows are numbered within the chunk here; the collector, which
                        // knows how many rows came before, renumbers them.
                        let local = u32::try_from(local_row).unwrap_or(u32::MAX);
                        out.entries.push(Entry::new(
                            key,
                            time,
                            local,
                            content_hash(&record),
                            stops,
                        ));
                    }
                    Some(Err(why)) => {
                        out.ineligible
                            .push((u32::try_from(local_row).unwrap_or(u32::MAX), why));
                        if why == Ineligible::Time(TimeError::MonthFirst)
                            && out.month_first.is_none()
                        {
                            let text = ctx
                                .key
                                .as_ref()
                                .map(|k| k.timestamp_text(&record))
                                .unwrap_or_default();
                            out.month_first = Some((line, text));
                        }
                    }
                    None => {}
                }
                continue;
            }
            let decision = matcher.classify(&contact, scratch);
            // The 1-based row of the previous contact in this contact's repeat chain.
            let mut repeat_of = None;
            let this = first_row + local_row;
            // The first pass read the key and timestamp and said which rows it could check.
            let checked = ctx
                .key
                .as_ref()
                .map(|_| !linked.is_some_and(|l| l.ineligible.contains(this)));
            let mark = match checked {
                None => RepeatMark::Off,
                Some(false) => RepeatMark::Ineligible,
                Some(true) => match repeats.next_if(|e| e.row() == this) {
                    Some(e) => {
                        repeat_of = Some(e.previous_row());
                        RepeatMark::Repeat {
                            converted: decision.class != Class::Failure,
                        }
                    }
                    None => RepeatMark::Eligible,
                },
            };
            let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or_default();
            if let Some(period) = self.period {
                let text = |c: Option<usize>| std::str::from_utf8(get(c)).unwrap_or("");
                let at = ctx.date.and_then(|d| {
                    let date = text(Some(d));
                    let time = ctx.time.map(|t| text(Some(t)));
                    let parsed = self.dates.parse_parts(date, time);
                    if parsed == Err(TimeError::MonthFirst) && out.month_first.is_none() {
                        out.month_first = Some((line, date.to_string()));
                    }
                    parsed.ok()
                });
                let class = mark.final_class(decision.class);
                tally.add_period(get(ctx.service), at.map(|t| period.index(t)), class);
            }
            tally.add(
                get(ctx.service),
                get(ctx.channel),
                decision,
                &scratch.matched,
                mark,
            );
            self.observer.contact(
                &mut out.observed,
                decision,
                mark,
                &scratch.matched,
                &scratch.text,
            );
            if let Some(w) = writer.as_mut() {
                let (class, kind, rule) = match mark {
                    RepeatMark::Repeat { converted: true } => {
                        (Class::Failure.name(), rules.repeat.kind.as_str(), "repeat")
                    }
                    _ => (
                        decision.class.name(),
                        matcher.kind(decision),
                        matcher.rule_id(decision),
                    ),
                };
                let base = [class.as_bytes(), kind.as_bytes(), rule.as_bytes()];
                // Writing to a Vec cannot fail.
                let _ = if self.explain {
                    let ids: Vec<&str> = crate::explain::ranked(matcher, &scratch.matched)
                        .into_iter()
                        .map(|r| matcher.rule(r).id.as_str())
                        .collect();
                    let mut why = crate::explain::why(matcher, decision, &scratch.matched);
                    if let (RepeatMark::Repeat { converted: true }, Some(row)) = (mark, repeat_of) {
                        why = format!(
                            "repeat: same key as row {row}, at most {} days before ([repeat]); \
                             the text alone: {why}",
                            rules.repeat.window_days
                        );
                    }
                    let extra = [
                        ids.join(";").into_bytes(),
                        why.into_bytes(),
                        repeat_of
                            .map(|r| r.to_string())
                            .unwrap_or_default()
                            .into_bytes(),
                    ];
                    w.write_record(
                        record
                            .iter()
                            .chain(base)
                            .chain(extra.iter().map(Vec::as_slice)),
                    )
                } else {
                    w.write_record(record.iter().chain(base))
                };
            }
        }
        tally.rejected = out.rejects.len() as u64;
        out.tally = tally.finish(rules);
        out.rows = writer
            .map(|w| w.into_inner().unwrap_or_default())
            .unwrap_or_default();
        out
    }
}

/// The records of one chunk: CSV, or JSON lines (their fields in `keys` order).
enum Rows<'c> {
    Csv(csv::Reader<&'c [u8]>),
    Jsonl {
        data: &'c [u8],
        at: usize,
        keys: &'c [String],
    },
}

/// One step through a chunk's records; offsets are the record's bytes in the chunk.
enum Next {
    End,
    Row {
        start: u64,
        end: u64,
    },
    /// A row that cannot be read, and whether it is the chunk's last (the csv crate cannot
    /// go on after an error; JSON lines can).
    Bad {
        start: u64,
        end: u64,
        reason: String,
        last: bool,
    },
}

impl Rows<'_> {
    fn next(&mut self, record: &mut ByteRecord) -> Next {
        match self {
            Rows::Csv(reader) => match reader.read_byte_record(record) {
                Ok(true) => Next::Row {
                    start: record.position().map_or(0, |p| p.byte()),
                    end: reader.position().byte(),
                },
                Ok(false) => Next::End,
                // Reading from memory cannot fail for I/O; whatever remains is one row.
                Err(e) => Next::Bad {
                    start: e.position().map_or(0, |p| p.byte()),
                    end: u64::MAX,
                    reason: format!("unreadable CSV: {e}"),
                    last: true,
                },
            },
            Rows::Jsonl { data, at, keys } => loop {
                let start = *at;
                if start >= data.len() {
                    return Next::End;
                }
                let end = memchr::memchr2(b'\n', b'\r', &data[start..])
                    .map_or(data.len(), |k| start + k + 1);
                *at = end;
                let line = &data[start..end];
                if line.trim_ascii().is_empty() {
                    continue;
                }
                let (start, end) = (start as u64, end as u64);
                return match jsonl::record(line.trim_ascii_end(), keys, record) {
                    Ok(()) => Next::Row { start, end },
                    Err(reason) => Next::Bad {
                        start,
                        end,
                        reason,
                        last: false,
                    },
                };
            },
        }
    }
}

/// Line numbers of records in a chunk, counted as LF bytes before them. (The csv crate's
/// own count, and its record offsets, stop short of the LF of a CR LF terminator.)
struct LineCounter {
    at: usize,
    line: u64,
}

impl LineCounter {
    fn new(first_line: u64) -> Self {
        LineCounter {
            at: 0,
            line: first_line,
        }
    }

    /// The line of the record that starts at byte `offset` (line terminators at `offset`
    /// are the previous record's); offsets must not decrease between calls.
    fn at(&mut self, data: &[u8], offset: u64) -> u64 {
        let mut offset = (offset as usize).clamp(self.at, data.len());
        while data.get(offset).is_some_and(|b| *b == b'\r' || *b == b'\n') {
            offset += 1;
        }
        self.line += memchr::memchr_iter(b'\n', &data[self.at..offset]).count() as u64;
        self.at = offset;
        self.line
    }
}

/// A control byte that no text export has (tab, CR and LF are text).
fn is_binary(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n')) || b == 0x7f
}

/// A record decoded from Windows-1252, which maps every byte to a character.
fn windows_1252(record: &ByteRecord) -> ByteRecord {
    let mut out = ByteRecord::with_capacity(record.as_slice().len() * 2, record.len());
    for field in record.iter() {
        out.push_field(
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(field)
                .0
                .as_bytes(),
        );
    }
    out
}

fn progress_bar(enabled: bool, inputs: &[InputPath]) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    if !enabled {
        return ProgressBar::hidden();
    }
    let total: Option<u64> = inputs
        .iter()
        .map(|i| match i {
            InputPath::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            InputPath::Spooled(f) => f.metadata().ok().map(|m| m.len()),
            InputPath::Stdin => None,
        })
        .sum();
    let bar = match total {
        Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template(
                "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
            )
            .expect("static template"),
        ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{spinner} {bytes} read, {bytes_per_sec}")
                .expect("static template"),
        ),
    };
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}
