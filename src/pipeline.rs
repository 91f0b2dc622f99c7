//! The run: inputs read in chunks, classified in parallel, results consumed in input order.
//!
//! The calling thread reads and cuts chunks ([`crate::input::Chunker`]); a rayon pool
//! parses and classifies one chunk per task, producing the chunk's tally and, for
//! `classify`, its output rows already encoded as CSV. Results are put back in input order
//! before they reach the [`RowSink`] or the run's tally, so output order and totals do
//! not depend on scheduling. At most a few chunks per thread are in flight, so memory
//! follows the chunk size, not the input size.

use crate::classify::{Contact, Matcher, Scratch};
use crate::columns::{ColumnMap, Field, Mapping};
use crate::error::{Error, Result};
use crate::input::{Chunk, Chunker, Encoding, InputPath, Source};
use crate::rules::FieldRef;
use crate::summary::{BatchTally, InputInfo, Tally};
use crate::text::ContactText;
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

/// Receives every rejected row, in input order (`--rejects FILE`).
pub trait RejectSink {
    fn reject(&mut self, reject: &Reject) -> Result<()>;
}

/// What a run produced besides the rows.
#[derive(Debug)]
pub struct RunResult {
    pub tally: Tally,
    pub inputs: Vec<InputInfo>,
    /// The first rejected rows (at most [`REJECTS_KEPT`]); `tally.rejected` counts them all.
    pub rejects: Vec<Reject>,
}

/// How many rejected rows are kept for messages.
pub const REJECTS_KEPT: usize = 20;

/// The extra columns `classify` appends.
pub const OUTPUT_COLUMNS: [&str; 3] = ["demand_class", "demand_kind", "demand_rule"];

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
}

struct ChunkResult {
    input: usize,
    tally: Tally,
    rows: Vec<u8>,
    records: u64,
    rejects: Vec<Reject>,
    /// Rows read as Windows-1252, and the first one's line.
    transcoded: u64,
    first_transcoded: Option<u64>,
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
pub fn run(
    matcher: &Matcher,
    inputs: &[InputPath],
    opts: &Options,
    mut sink: Option<&mut dyn RowSink>,
    mut reject_sink: Option<&mut dyn RejectSink>,
) -> Result<RunResult> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", opts.threads)))?;
    let nrules = matcher.ruleset().rules.len();
    let mut state = Collector {
        tally: Tally::new(nrules),
        inputs: Vec::new(),
        rejects: Vec::new(),
        strict: opts.strict,
        pending: BTreeMap::new(),
        next: 0,
    };
    let progress = progress_bar(opts.progress, inputs);
    let write_rows = sink.is_some();
    let max_in_flight = opts.threads.max(1) * 3;
    let (tx, rx) = mpsc::channel::<(u64, std::thread::Result<ChunkResult>)>();
    // Scratch space (regex caches above all) outlives a chunk: a fresh one per chunk would
    // rebuild every lazy DFA from nothing each time.
    let scratches: std::sync::Mutex<Vec<Scratch>> = std::sync::Mutex::new(Vec::new());
    let scratches = &scratches;
    let mut first_header: Option<ByteRecord> = None;

    let outcome = pool.in_place_scope(|scope| -> Result<()> {
        let mut seq = 0u64;
        let mut in_flight = 0usize;
        let mut done_bytes = 0u64;
        let receive = |state: &mut Collector,
                       sink: &mut Option<&mut dyn RowSink>,
                       rejects: &mut Option<&mut dyn RejectSink>| {
            let (s, result) = rx.recv().expect("workers outlive the scope");
            state.pending.insert(s, result);
            state.drain(sink, rejects)
        };
        for (index, input) in inputs.iter().enumerate() {
            let source = Source::open(input, opts.encoding)?;
            let (encoding, fallback) = (source.encoding, source.fallback);
            let name = source.name.clone();
            let mut chunker = Chunker::new(source.reader, &name, opts.delimiter, opts.chunk_bytes)?;
            let Some((_, header)) = chunker.header()? else {
                return Err(Error::Input(format!(
                    "{name}: the file is empty: no header row and no contacts"
                )));
            };
            let names: Vec<String> = header
                .iter()
                .map(|h| String::from_utf8_lossy(h).trim().to_string())
                .collect();
            let columns = ColumnMap::detect(&names, &opts.mappings, &name)?;
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
                            "{name}: its header differs from {}'s; classify writes one table, \
                             so every input must have the same columns",
                            inputs[0].name()
                        )));
                    }
                    Some(_) => {}
                }
            }
            state.inputs.push(InputInfo {
                source: name.clone(),
                encoding: encoding.name().to_ascii_lowercase(),
                contacts: 0,
                rejected: 0,
                windows_1252_rows: 0,
                first_windows_1252_line: None,
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
                columns,
                name,
                input: index,
            });
            while let Some(chunk) = chunker.next_chunk()? {
                progress.set_position(done_bytes + chunker.bytes_read);
                let tx = tx.clone();
                let ctx = Arc::clone(&ctx);
                let s = seq;
                seq += 1;
                scope.spawn(move |_| {
                    // A panic must come back as an error: the reader would otherwise wait
                    // for this chunk for ever.
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let taken = scratches.lock().ok().and_then(|mut s| s.pop());
                        let mut scratch = taken.unwrap_or_default();
                        let result = process(matcher, &ctx, chunk, write_rows, &mut scratch);
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
    Ok(RunResult {
        tally: state.tally,
        inputs: state.inputs,
        rejects: state.rejects,
    })
}

/// Puts chunk results back in order and folds them into the run.
struct Collector {
    tally: Tally,
    inputs: Vec<InputInfo>,
    rejects: Vec<Reject>,
    strict: bool,
    pending: BTreeMap<u64, std::thread::Result<ChunkResult>>,
    next: u64,
}

impl Collector {
    fn drain(
        &mut self,
        sink: &mut Option<&mut dyn RowSink>,
        reject_sink: &mut Option<&mut dyn RejectSink>,
    ) -> Result<()> {
        while let Some(result) = self.pending.remove(&self.next) {
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
            info.contacts += result.records;
            info.rejected += result.rejects.len() as u64;
            info.windows_1252_rows += result.transcoded;
            info.first_windows_1252_line = info.first_windows_1252_line.or(result.first_transcoded);
            if let Some(out) = reject_sink.as_deref_mut() {
                for r in &result.rejects {
                    out.reject(r)?;
                }
            }
            let room = REJECTS_KEPT.saturating_sub(self.rejects.len());
            self.rejects.extend(result.rejects.into_iter().take(room));
            self.tally.merge(result.tally);
            if let Some(sink) = sink.as_deref_mut() {
                sink.rows(&result.rows)?;
            }
        }
        Ok(())
    }
}

/// Parses and classifies one chunk.
fn process(
    matcher: &Matcher,
    ctx: &FileCtx,
    chunk: Chunk,
    write_rows: bool,
    scratch: &mut Scratch,
) -> ChunkResult {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(ctx.delimiter)
        .from_reader(&chunk.data[..]);
    let mut writer = write_rows.then(|| {
        csv::Writer::from_writer(Vec::with_capacity(chunk.data.len() + chunk.data.len() / 4))
    });
    let mut record = ByteRecord::new();
    let mut tally = BatchTally::new(matcher.ruleset().rules.len());
    let mut rejects = Vec::new();
    let mut records = 0u64;
    let mut transcoded = 0u64;
    let mut first_transcoded = None;
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
    let raw =
        |start: u64, end: u64| &chunk.data[start as usize..(end as usize).min(chunk.data.len())];
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // Reading from memory cannot fail for I/O; count whatever remains as one row.
                records += 1;
                let line = chunk.first_line + e.position().map_or(1, |p| p.line()) - 1;
                let start = e.position().map_or(0, |p| p.byte());
                let end = chunk.data.len() as u64;
                reject(
                    &mut rejects,
                    line,
                    format!("unreadable CSV: {e}"),
                    raw(start, end),
                );
                break;
            }
        }
        records += 1;
        let line = chunk.first_line + record.position().map_or(1, |p| p.line()) - 1;
        let row = raw(
            record.position().map_or(0, |p| p.byte()),
            reader.position().byte(),
        );
        // The chunker ends a chunk with an open quote only at the end of input, and such
        // a chunk holds just the runaway record.
        if chunk.unterminated_quote {
            let last = chunk.first_line + memchr::memchr_iter(b'\n', &chunk.data).count() as u64;
            reject(
                &mut rejects,
                line,
                format!(
                    "unterminated quote: a quoted field opened in this row runs to the end of \
                     the input (lines {line}-{last})"
                ),
                row,
            );
            continue;
        }
        if record.len() != ctx.width {
            reject(
                &mut rejects,
                line,
                format!("expected {} fields, found {}", ctx.width, record.len()),
                row,
            );
            continue;
        }
        if let Some(field) = record.iter().position(|f| std::str::from_utf8(f).is_err()) {
            if ctx.fallback {
                record = windows_1252(&record);
                transcoded += 1;
                first_transcoded.get_or_insert(line);
            } else {
                let column = &ctx.columns.header[field];
                reject(
                    &mut rejects,
                    line,
                    format!("invalid UTF-8 in field {} ({column:?})", field + 1),
                    row,
                );
                continue;
            }
        }
        let contact = RecordContact {
            record: &record,
            ctx,
        };
        let decision = matcher.classify(&contact, scratch);
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or_default();
        tally.add(
            get(ctx.service),
            get(ctx.channel),
            decision,
            &scratch.matched,
        );
        if let Some(w) = writer.as_mut() {
            // Writing to a Vec cannot fail.
            let _ = w.write_record(record.iter().chain([
                decision.class.name().as_bytes(),
                matcher.kind(decision).as_bytes(),
                matcher.rule_id(decision).as_bytes(),
            ]));
        }
    }
    tally.rejected = rejects.len() as u64;
    ChunkResult {
        input: ctx.input,
        tally: tally.finish(matcher.ruleset()),
        rows: writer
            .map(|w| w.into_inner().unwrap_or_default())
            .unwrap_or_default(),
        records,
        rejects,
        transcoded,
        first_transcoded,
    }
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
