//! Reading exports: opening a file or stdin, finding the header, and cutting the byte
//! stream into chunks that end on record boundaries.
//!
//! The reader thread only looks for record boundaries (a small state machine that skips
//! through the bytes with `memchr`); parsing and classification happen in the workers, one
//! chunk each. That keeps the single reader from capping the speed-up, and works the same
//! for files, pipes and stdin. The state machine follows the csv crate's quoting rules
//! (a quote opens a quoted field only at the start of a field; `""` inside quotes is a
//! literal quote), so a chunk boundary never falls inside a quoted field.

use crate::error::{Error, Result};
use memchr::{memchr, memchr3};
use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// Where contacts come from: a file, or standard input (`-`).
#[derive(Debug, Clone)]
pub enum InputPath {
    Stdin,
    File(PathBuf),
    /// Standard input copied to an anonymous temporary file, to be read more than once.
    Spooled(std::sync::Arc<File>),
}

impl PartialEq for InputPath {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (InputPath::Stdin, InputPath::Stdin) => true,
            (InputPath::File(a), InputPath::File(b)) => a == b,
            (InputPath::Spooled(a), InputPath::Spooled(b)) => std::sync::Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl InputPath {
    /// `-` means standard input.
    pub fn parse(arg: &str) -> InputPath {
        if arg == "-" {
            InputPath::Stdin
        } else {
            InputPath::File(PathBuf::from(arg))
        }
    }

    /// The name used in messages and reports.
    pub fn name(&self) -> String {
        match self {
            InputPath::Stdin | InputPath::Spooled(_) => "<stdin>".to_string(),
            InputPath::File(p) => p.display().to_string(),
        }
    }
}

/// How input bytes are decoded (`--encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, or UTF-16 when the file starts with its byte-order mark; a row that is not
    /// valid UTF-8 is read as Windows-1252 (the usual encoding of older Windows exports).
    Auto,
    /// UTF-8 only: a row that is not valid UTF-8 is rejected.
    Utf8,
    /// Everything is decoded from this encoding.
    Other(&'static encoding_rs::Encoding),
}

impl std::str::FromStr for Encoding {
    type Err = String;

    fn from_str(label: &str) -> Result<Self, String> {
        if label.eq_ignore_ascii_case("auto") {
            return Ok(Encoding::Auto);
        }
        match encoding_rs::Encoding::for_label(label.trim().as_bytes()) {
            Some(e) if e == encoding_rs::UTF_8 => Ok(Encoding::Utf8),
            Some(e) => Ok(Encoding::Other(e)),
            None => Err(format!(
                "unknown encoding {label:?} (try auto, utf-8, utf-16le, utf-16be, windows-1252)"
            )),
        }
    }
}

/// An opened input, decoded to UTF-8 where its encoding is known up front.
pub struct Source {
    pub name: String,
    pub reader: Box<dyn Read>,
    /// Size in bytes when known (for the progress bar).
    pub size: Option<u64>,
    /// The encoding the stream is decoded from.
    pub encoding: &'static encoding_rs::Encoding,
    /// Rows that are not valid UTF-8 may be read as Windows-1252.
    pub fallback: bool,
}

impl Source {
    /// Opens `input`; a workbook is converted to CSV here (its first sheet, or `sheet`).
    pub fn open(input: &InputPath, encoding: Encoding, sheet: Option<&str>) -> Result<Source> {
        let (raw, size): (Box<dyn Read>, Option<u64>) = match input {
            InputPath::Stdin => (Box::new(std::io::stdin()), None),
            InputPath::Spooled(file) => {
                use std::io::{Seek, SeekFrom};
                let mut file = file
                    .try_clone()
                    .map_err(|e| Error::io(Path::new("<stdin>"), e))?;
                let size = file
                    .seek(SeekFrom::End(0))
                    .and_then(|size| file.seek(SeekFrom::Start(0)).map(|_| size))
                    .map_err(|e| Error::io(Path::new("<stdin>"), e))?;
                (Box::new(file), Some(size))
            }
            InputPath::File(path) => {
                let file = File::open(path).map_err(|e| Error::io(path, e))?;
                let meta = file.metadata().map_err(|e| Error::io(path, e))?;
                if meta.is_dir() {
                    return Err(Error::Input(format!("{}: is a directory", path.display())));
                }
                (Box::new(file), Some(meta.len()))
            }
        };
        let name = input.name();
        let mut reader = std::io::BufReader::with_capacity(READ_BLOCK, raw);
        let head = reader
            .fill_buf()
            .map_err(|e| Error::io(Path::new(&name), e))?;
        if crate::spreadsheet::is_workbook(head) {
            let mut bytes = Vec::new();
            reader
                .read_to_end(&mut bytes)
                .map_err(|e| Error::io(Path::new(&name), e))?;
            let csv = crate::spreadsheet::to_csv(bytes, sheet, &name)?;
            return Ok(Source {
                name,
                size: Some(csv.len() as u64),
                reader: Box::new(std::io::Cursor::new(csv)),
                encoding: encoding_rs::UTF_8,
                fallback: false,
            });
        }
        // gzip is recognised by its magic bytes, whatever the file is called.
        let mut reader: std::io::BufReader<Box<dyn Read>> = if head.starts_with(&[0x1f, 0x8b]) {
            let gz: Box<dyn Read> = Box::new(flate2::read::MultiGzDecoder::new(reader));
            std::io::BufReader::with_capacity(READ_BLOCK, gz)
        } else {
            std::io::BufReader::with_capacity(READ_BLOCK, Box::new(reader))
        };
        let head = reader
            .fill_buf()
            .map_err(|e| Error::io(Path::new(&name), e))?;
        let bom = encoding_rs::Encoding::for_bom(head)
            .map(|(e, _)| e)
            .or_else(|| sniff_utf16(head));
        let decode = |e: &'static encoding_rs::Encoding, reader| -> Box<dyn Read> {
            Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(e))
                    .bom_override(true)
                    .build(reader),
            )
        };
        let (reader, encoding, fallback): (Box<dyn Read>, _, _) = match (encoding, bom) {
            (Encoding::Auto, Some(e)) if e != encoding_rs::UTF_8 => (decode(e, reader), e, false),
            (Encoding::Auto, _) => (Box::new(reader), encoding_rs::UTF_8, true),
            (Encoding::Utf8, _) => (Box::new(reader), encoding_rs::UTF_8, false),
            (Encoding::Other(e), _) => (decode(e, reader), e, false),
        };
        Ok(Source {
            name,
            reader,
            size,
            encoding,
            fallback,
        })
    }
}

/// A piece of the input that holds whole records only.
#[derive(Debug)]
pub struct Chunk {
    /// Line number (1-based) of the chunk's first byte in its source.
    pub first_line: u64,
    pub data: Vec<u8>,
    /// The input ended inside a quoted field that started in this chunk.
    pub unterminated_quote: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Cuts a byte stream into [`Chunk`]s at record boundaries.
pub struct Chunker<R> {
    reader: R,
    name: String,
    pub delimiter: u8,
    buf: Vec<u8>,
    scanned: usize,
    state: Scan,
    /// Offset just past the last record terminator seen in `buf`.
    last_end: Option<usize>,
    eof: bool,
    line: u64,
    target: usize,
    /// Bytes handed out so far (for progress).
    pub bytes_read: u64,
    /// Rows read ahead while looking for the header, to be handed out first.
    peeked: VecDeque<Chunk>,
    /// A `"` at the start of a field opens a quoted field (false for JSON lines).
    quotes: bool,
}

/// The "delimiter" of line-only cutting: the unit separator, which JSON text never holds
/// unescaped.
const LINES_ONLY: u8 = 0x1f;

/// How many non-blank rows at the top of an input are searched for the header row (and
/// for the delimiter).
pub const HEADER_SEARCH_ROWS: usize = 20;

/// Where an input's header row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderSpec {
    /// Rows (lines, blank ones included) to skip before the header (`--skip-rows N`); when
    /// `None`, the header is the first of the first [`HEADER_SEARCH_ROWS`] non-blank rows
    /// that names a column to classify, preferring one with as many fields as most rows.
    pub skip: Option<u64>,
    /// False with `--no-headers`: every row is data, and columns are named by number
    /// from 1.
    pub present: bool,
}

impl Default for HeaderSpec {
    fn default() -> Self {
        HeaderSpec {
            skip: None,
            present: true,
        }
    }
}

/// The header row an input was read with.
#[derive(Debug, Clone)]
pub struct Header {
    /// Its line (for `--no-headers`, the first data row's).
    pub line: u64,
    pub record: csv::ByteRecord,
    /// Non-blank rows above it that were skipped (title rows, an "exported on" line).
    pub skipped: u64,
    /// The header is not a row of its own: columns numbered by `--no-headers`, or the
    /// keys of a JSON lines file's first object.
    pub in_data: bool,
}

const READ_BLOCK: usize = 256 * 1024;

impl<R: Read> Chunker<R> {
    /// Prepares to read `reader`. A UTF-8 byte-order mark is dropped. With no
    /// `delimiter` given, it is sniffed from the first rows (see [`sniff_delimiter`]).
    pub fn new(mut reader: R, name: &str, delimiter: Option<u8>, target: usize) -> Result<Self> {
        let mut buf = Vec::with_capacity(target.max(READ_BLOCK) + READ_BLOCK);
        let eof = fill(&mut reader, &mut buf, READ_BLOCK, name)?;
        if buf.starts_with(b"\xEF\xBB\xBF") {
            buf.drain(..3);
        }
        let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(&buf));
        Ok(Chunker {
            reader,
            name: name.to_string(),
            delimiter,
            buf,
            scanned: 0,
            state: Scan::FieldStart,
            last_end: None,
            eof,
            line: 1,
            target: target.max(1),
            bytes_read: 0,
            peeked: VecDeque::new(),
            quotes: true,
        })
    }

    /// Finds the header row (see [`HeaderSpec`]); `maps` tells whether a row, read as a
    /// header, names a column to classify. Rows read ahead to find it are handed out again
    /// by [`Chunker::next_chunk`]. `None` when the input has no non-blank row.
    pub fn header(
        &mut self,
        spec: HeaderSpec,
        maps: impl Fn(&[String]) -> bool,
    ) -> Result<Option<Header>> {
        for _ in 0..spec.skip.unwrap_or(0) {
            if self.one_record()?.is_none() {
                return Ok(None);
            }
        }
        // Up to HEADER_SEARCH_ROWS non-blank rows, each its own chunk.
        let mut seen: Vec<(Chunk, Option<csv::ByteRecord>)> = Vec::new();
        while seen.iter().filter(|(_, r)| r.is_some()).count() < HEADER_SEARCH_ROWS {
            let Some(chunk) = self.one_record()? else {
                break;
            };
            let record = self.parse_row(&chunk)?;
            seen.push((chunk, record));
        }
        let rows: Vec<usize> = (0..seen.len()).filter(|&i| seen[i].1.is_some()).collect();
        let Some(&first) = rows.first() else {
            return Ok(None);
        };
        let width = |i: usize| seen[i].1.as_ref().map_or(0, |r| r.len());
        let mut freq: BTreeMap<usize, usize> = BTreeMap::new();
        for &i in &rows {
            *freq.entry(width(i)).or_default() += 1;
        }
        let modal = freq
            .iter()
            .max_by_key(|(w, n)| (**n, **w))
            .map_or(0, |(w, _)| *w);
        if !spec.present {
            let record: csv::ByteRecord = (1..=modal).map(|i| i.to_string()).collect();
            let line = seen[first].0.first_line;
            self.peeked.extend(seen.into_iter().map(|(c, _)| c));
            return Ok(Some(Header {
                line,
                record,
                skipped: 0,
                in_data: true,
            }));
        }
        let at = if spec.skip.is_some() {
            first
        } else {
            let names = |i: usize| -> Vec<String> {
                seen[i]
                    .1
                    .iter()
                    .flatten()
                    .map(|h| String::from_utf8_lossy(h).trim().to_string())
                    .collect()
            };
            let detected: Vec<usize> = rows.iter().copied().filter(|&i| maps(&names(i))).collect();
            detected
                .iter()
                .copied()
                .find(|&i| width(i) == modal)
                .or(detected.first().copied())
                .unwrap_or(first)
        };
        let skipped = rows.iter().filter(|&&i| i < at).count() as u64;
        let mut seen = seen.into_iter().skip(at);
        let Some((chunk, Some(record))) = seen.next() else {
            unreachable!("the header is a non-blank row");
        };
        let line = chunk.first_line;
        self.peeked.extend(seen.map(|(c, _)| c));
        Ok(Some(Header {
            line,
            record,
            skipped,
            in_data: false,
        }))
    }

    /// The next record on its own, blank lines included.
    pub(crate) fn one_record(&mut self) -> Result<Option<Chunk>> {
        let saved_target = std::mem::replace(&mut self.target, 1);
        let chunk = self.next_chunk();
        self.target = saved_target;
        chunk
    }

    /// The row in a one-record chunk; `None` for a blank row (no field holds anything but
    /// white space).
    fn parse_row(&self, chunk: &Chunk) -> Result<Option<csv::ByteRecord>> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.delimiter)
            .from_reader(&chunk.data[..]);
        let mut record = csv::ByteRecord::new();
        match rdr.read_byte_record(&mut record) {
            Ok(true) if record.iter().any(|f| !f.trim_ascii().is_empty()) => Ok(Some(record)),
            Ok(_) => Ok(None),
            Err(e) => Err(Error::Input(format!(
                "{}:{}: header: {e}",
                self.name, chunk.first_line
            ))),
        }
    }

    /// The bytes read so far and not handed out (the start of the input, before the
    /// first chunk), for recognising its format.
    pub fn head(&self) -> &[u8] {
        &self.buf
    }

    /// Cuts at line ends only, for JSON lines: no delimiter and no CSV quoting.
    pub fn lines_only(&mut self) {
        self.delimiter = LINES_ONLY;
        self.quotes = false;
    }

    /// Hands `chunk` out again first.
    pub(crate) fn unread(&mut self, chunk: Chunk) {
        self.peeked.push_front(chunk);
    }

    /// The next chunk of whole records, or `None` at the end of input.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        if let Some(chunk) = self.peeked.pop_front() {
            return Ok(Some(chunk));
        }
        loop {
            self.scan();
            if let Some(end) = self.last_end {
                if end >= self.target || self.eof {
                    return Ok(Some(self.split(end, false)));
                }
            }
            if self.eof {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                let all = self.buf.len();
                let open = matches!(self.state, Scan::Quoted);
                self.state = Scan::FieldStart;
                return Ok(Some(self.split(all, open)));
            }
            self.eof = fill(&mut self.reader, &mut self.buf, READ_BLOCK, &self.name)?;
        }
    }

    fn split(&mut self, end: usize, unterminated_quote: bool) -> Chunk {
        let rest = self.buf.split_off(end);
        let data = std::mem::replace(&mut self.buf, rest);
        self.scanned -= end.min(self.scanned);
        self.last_end = None;
        let first_line = self.line;
        self.line += memchr::memchr_iter(b'\n', &data).count() as u64;
        self.bytes_read += data.len() as u64;
        Chunk {
            first_line,
            data,
            unterminated_quote,
        }
    }

    /// Advances the boundary state machine over the bytes not scanned yet, stopping at
    /// the first record end at or past the target size.
    fn scan(&mut self) {
        let bytes = &self.buf;
        let n = bytes.len();
        let delim = self.delimiter;
        let mut i = self.scanned;
        let mut st = self.state;
        while i < n {
            match st {
                Scan::Quoted => match memchr(b'"', &bytes[i..]) {
                    Some(k) => {
                        i += k + 1;
                        st = Scan::QuoteInQuoted;
                    }
                    None => i = n,
                },
                Scan::QuoteInQuoted => {
                    let b = bytes[i];
                    if b == b'\n' || b == b'\r' {
                        let Some(end) = record_end(bytes, i, self.eof) else {
                            break;
                        };
                        i = end;
                        st = Scan::FieldStart;
                        self.last_end = Some(i);
                        if i >= self.target {
                            break;
                        }
                        continue;
                    }
                    i += 1;
                    st = if b == b'"' {
                        Scan::Quoted
                    } else if b == delim {
                        Scan::FieldStart
                    } else {
                        Scan::Unquoted
                    };
                }
                Scan::FieldStart | Scan::Unquoted => {
                    // Outside quotes only a quote that opens a field and a line end
                    // matter; delimiters are looked at only behind a quote.
                    match memchr3(b'"', b'\n', b'\r', &bytes[i..]) {
                        Some(k) if bytes[i + k] == b'"' => {
                            let at = i + k;
                            let opens = if at == i {
                                st == Scan::FieldStart
                            } else {
                                bytes[at - 1] == delim
                            };
                            i = at + 1;
                            st = if opens && self.quotes {
                                Scan::Quoted
                            } else {
                                Scan::Unquoted
                            };
                        }
                        Some(k) => {
                            let Some(end) = record_end(bytes, i + k, self.eof) else {
                                // Resume at the CR once more input has arrived.
                                if k > 0 {
                                    st = Scan::Unquoted;
                                }
                                i += k;
                                break;
                            };
                            i = end;
                            st = Scan::FieldStart;
                            self.last_end = Some(i);
                            if i >= self.target {
                                break;
                            }
                        }
                        None => {
                            if n > i {
                                st = if bytes[n - 1] == delim {
                                    Scan::FieldStart
                                } else {
                                    Scan::Unquoted
                                };
                            }
                            i = n;
                        }
                    }
                }
            }
        }
        self.scanned = i;
        self.state = st;
    }
}

/// Where a record ends whose terminator starts at `at`: after a CR LF pair as one
/// terminator, so that a chunk never begins with the LF of the previous chunk's CR (which
/// would put every line number after it one short). `None` when `at` is a CR at the end
/// of the buffer and more input may bring its LF.
fn record_end(bytes: &[u8], at: usize, eof: bool) -> Option<usize> {
    match (bytes[at], bytes.get(at + 1)) {
        (b'\r', Some(b'\n')) => Some(at + 2),
        (b'\r', None) if !eof => None,
        _ => Some(at + 1),
    }
}

/// Reads up to `block` more bytes into `buf`; returns true at end of input.
fn fill<R: Read>(reader: &mut R, buf: &mut Vec<u8>, block: usize, name: &str) -> Result<bool> {
    let start = buf.len();
    buf.resize(start + block, 0);
    let mut filled = start;
    let result = loop {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break Ok(true),
            Ok(k) => {
                filled += k;
                if filled == buf.len() {
                    break Ok(false);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => break Err(Error::io(Path::new(name), e)),
        }
    };
    buf.truncate(filled);
    result
}

/// Picks the delimiter from the first rows (up to [`HEADER_SEARCH_ROWS`] non-blank lines,
/// so that a title row above the header does not decide it): among comma, semicolon, tab
/// and pipe (outside quotes), the one whose most common non-zero count per line is shared
/// by the most lines, then the one with the higher count; comma on a tie or when none
/// occurs.
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    let candidates = [b',', b';', b'\t', b'|'];
    let mut lines: Vec<[usize; 4]> = Vec::new();
    let mut counts = [0usize; 4];
    let mut quoted = false;
    let mut blank = true;
    for &b in head {
        match b {
            b'"' => {
                quoted = !quoted;
                blank = false;
            }
            b'\n' | b'\r' if !quoted => {
                if !blank {
                    lines.push(std::mem::take(&mut counts));
                    if lines.len() == HEADER_SEARCH_ROWS {
                        break;
                    }
                }
                blank = true;
            }
            _ if !quoted => {
                if let Some(i) = candidates.iter().position(|&c| c == b) {
                    counts[i] += 1;
                }
                blank &= b.is_ascii_whitespace();
            }
            _ => {}
        }
    }
    if !blank && lines.len() < HEADER_SEARCH_ROWS {
        lines.push(counts);
    }
    // (lines sharing the modal count, the modal count) for each candidate.
    let score = |i: usize| {
        let mut freq: BTreeMap<usize, usize> = BTreeMap::new();
        for l in lines.iter().filter(|l| l[i] > 0) {
            *freq.entry(l[i]).or_default() += 1;
        }
        freq.into_iter()
            .map(|(count, lines)| (lines, count))
            .max()
            .unwrap_or((0, 0))
    };
    let mut best = 0;
    for i in 1..candidates.len() {
        if score(i) > score(best) {
            best = i;
        }
    }
    candidates[best]
}

/// Whether a record (its raw bytes, terminator removed) has a quoted field that spans a
/// line break and has stray text after its closing quote: the mark of a quote left open
/// that swallowed the rows after it up to the next quote, which the csv crate accepts.
pub fn runaway_quote(raw: &[u8], delimiter: u8) -> bool {
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'"' {
            // An unquoted field: on to the next delimiter.
            match memchr(delimiter, &raw[i..]) {
                Some(k) => i += k + 1,
                None => return false,
            }
            continue;
        }
        let mut broken = false;
        i += 1;
        loop {
            let Some(k) = memchr3(b'"', b'\n', b'\r', &raw[i..]) else {
                return false;
            };
            i += k + 1;
            if raw[i - 1] != b'"' {
                broken = true;
                continue;
            }
            match raw.get(i) {
                Some(b'"') => i += 1,
                Some(&b) if b == delimiter => {
                    i += 1;
                    break;
                }
                None => return false,
                Some(_) => return broken,
            }
        }
    }
    false
}

/// Recognises UTF-16 text without a byte-order mark by its zero bytes: mostly-ASCII
/// UTF-16 has a zero in every other byte (odd positions little-endian, even big-endian),
/// which a CSV file never has.
pub fn sniff_utf16(head: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let pairs: Vec<&[u8]> = head.chunks_exact(2).take(256).collect();
    if pairs.len() < 4 {
        return None;
    }
    let zero_at = |k: usize| pairs.iter().filter(|p| p[k] == 0).count();
    let (even, odd) = (zero_at(0), zero_at(1));
    let most = pairs.len() * 9 / 10;
    if odd >= most && even == 0 {
        Some(encoding_rs::UTF_16LE)
    } else if even >= most && odd == 0 {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(data: &[u8], target: usize) -> Vec<Chunk> {
        let mut c = Chunker::new(data, "t", Some(b','), target).unwrap();
        let mut out = Vec::new();
        while let Some(ch) = c.next_chunk().unwrap() {
            out.push(ch);
        }
        out
    }

    #[test]
    fn chunks_end_on_record_boundaries_not_inside_quotes() {
        let data = b"a,\"x\ny\",1\nb,\"p,\"\"q\"\"\",2\r\nc,z,3\n";
        for target in 1..data.len() + 2 {
            let cs = chunks(data, target);
            let joined: Vec<u8> = cs.iter().flat_map(|c| c.data.clone()).collect();
            assert_eq!(joined, data, "target {target}");
            let mut records = 0;
            for c in &cs {
                let mut r = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .from_reader(&c.data[..]);
                for rec in r.records() {
                    assert_eq!(rec.unwrap().len(), 3, "target {target}");
                    records += 1;
                }
            }
            assert_eq!(records, 3, "target {target}");
        }
    }

    #[test]
    fn line_numbers_follow_the_source() {
        let data = b"h1,h2\n\"a\nb\",1\nc,2\n";
        let cs = chunks(data, 1);
        let lines: Vec<u64> = cs.iter().map(|c| c.first_line).collect();
        assert_eq!(lines, vec![1, 2, 4]);
    }

    #[test]
    fn an_unterminated_quote_is_flagged() {
        let cs = chunks(b"a,b\n\"open,c\nd,e\n", 1);
        assert!(!cs[0].unterminated_quote);
        assert!(cs.last().unwrap().unterminated_quote);
        assert_eq!(cs.last().unwrap().first_line, 2);
    }

    #[test]
    fn header_skips_blank_lines_and_bom() {
        let data = b"\xEF\xBB\xBF\r\n\nId,Notes\n1,x\n";
        let mut c = Chunker::new(&data[..], "t", None, 1000).unwrap();
        let h = c.header(HeaderSpec::default(), |_| true).unwrap().unwrap();
        assert_eq!((h.line, h.skipped), (3, 0));
        assert_eq!(&h.record[0], b"Id");
        let rest = c.next_chunk().unwrap().unwrap();
        assert_eq!(rest.data, b"1,x\n");
        assert_eq!(rest.first_line, 4);
    }

    fn header_of(data: &[u8], spec: HeaderSpec) -> (Header, Vec<Chunk>) {
        let mut c = Chunker::new(data, "t", None, 1000).unwrap();
        let maps = |names: &[String]| names.iter().any(|n| n == "Notes");
        let h = c.header(spec, maps).unwrap().unwrap();
        let mut rest = Vec::new();
        while let Some(ch) = c.next_chunk().unwrap() {
            rest.push(ch);
        }
        (h, rest)
    }

    #[test]
    fn the_header_is_found_below_title_rows() {
        let data = b"Calls export\nExported on 1/2/2025;by;me\n\nId;Notes\n1;a\n2;b\n3;c\n";
        let (h, rest) = header_of(data, HeaderSpec::default());
        assert_eq!((h.line, h.skipped, h.in_data), (4, 2, false));
        assert_eq!(&h.record[1], b"Notes");
        let joined: Vec<u8> = rest.iter().flat_map(|c| c.data.clone()).collect();
        assert_eq!(joined, b"1;a\n2;b\n3;c\n");
        assert_eq!(rest[0].first_line, 5);
        // A row that names the column but has an unusual width loses to one that has both.
        let data = b"Notes about this export,x,y\nId,Notes\n1,a\n2,b\n";
        assert_eq!(header_of(data, HeaderSpec::default()).0.line, 2);
        // No row names a column: the first non-blank row, for the usual error message.
        let data = b"\nFoo,Bar\n1,2\n";
        assert_eq!(header_of(data, HeaderSpec::default()).0.line, 2);
    }

    #[test]
    fn skip_rows_and_no_headers_place_the_header_by_position() {
        let data = b"title\nId,Notes\n1,a\n";
        let skip = HeaderSpec {
            skip: Some(1),
            present: true,
        };
        assert_eq!(header_of(data, skip).0.line, 2);
        let none = HeaderSpec {
            skip: Some(2),
            present: false,
        };
        let (h, rest) = header_of(data, none);
        assert!(h.in_data);
        assert_eq!(h.record, csv::ByteRecord::from(vec!["1", "2"]));
        assert_eq!(rest.len(), 1);
        assert_eq!((rest[0].first_line, &rest[0].data[..]), (3, &b"1,a\n"[..]));
    }

    #[test]
    fn blank_and_white_space_rows_are_no_header() {
        let mut c = Chunker::new(&b"\n  \r\n\t\n"[..], "t", None, 1000).unwrap();
        assert!(c.header(HeaderSpec::default(), |_| true).unwrap().is_none());
    }

    #[test]
    fn a_quote_that_swallowed_rows_is_recognised() {
        assert!(runaway_quote(b"1,\"bin\n2,new\n3,\"pay\"", b','));
        assert!(runaway_quote(b"1,\"a\r\nb\"x,c", b','));
        // Stray text after a one-line quoted field, or a well-formed multi-line field.
        assert!(!runaway_quote(b"1,\"new bin\" please", b','));
        assert!(!runaway_quote(b"1,\"a\nb\",\"c\"\"d\"", b','));
        assert!(!runaway_quote(b"1;\"a\nb\";c", b';'));
        assert!(!runaway_quote(b"1,\"open", b','));
    }

    #[test]
    fn utf16_without_a_bom_is_recognised() {
        let text = "Id,Notes\n1,bin\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert_eq!(sniff_utf16(&le), Some(encoding_rs::UTF_16LE));
        assert_eq!(sniff_utf16(&be), Some(encoding_rs::UTF_16BE));
        assert_eq!(sniff_utf16(text.as_bytes()), None);
        assert_eq!(sniff_utf16(b"a\0b\0"), None);
        assert_eq!(read_all(&le, Encoding::Auto).0, text);
    }

    fn read_all(bytes: &[u8], encoding: Encoding) -> (String, &'static str, bool) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.csv");
        std::fs::write(&p, bytes).unwrap();
        let mut src = Source::open(&InputPath::File(p), encoding, None).unwrap();
        let mut out = Vec::new();
        src.reader.read_to_end(&mut out).unwrap();
        (
            String::from_utf8(out).unwrap(),
            src.encoding.name(),
            src.fallback,
        )
    }

    #[test]
    fn utf16_with_a_bom_is_decoded() {
        let text = "Notes\nbin missed \u{a3}5\n";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(
            read_all(&le, Encoding::Auto),
            (text.to_string(), "UTF-16LE", false)
        );
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(|u| u.to_be_bytes()));
        assert_eq!(
            read_all(&be, Encoding::Auto),
            (text.to_string(), "UTF-16BE", false)
        );
    }

    #[test]
    fn gzip_is_decompressed_by_its_magic_bytes() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"Notes\nbin missed\n").unwrap();
        let bytes = gz.finish().unwrap();
        let (text, _, _) = read_all(&bytes, Encoding::Auto);
        assert_eq!(text, "Notes\nbin missed\n");
    }

    #[test]
    fn explicit_encoding_decodes_everything() {
        let enc: Encoding = "windows-1252".parse().unwrap();
        let (text, name, _) = read_all(b"Notes\n\xA35 owed\n", enc);
        assert_eq!(text, "Notes\n\u{a3}5 owed\n");
        assert_eq!(name, "windows-1252");
        assert!("klingon".parse::<Encoding>().is_err());
        assert_eq!("UTF8".parse::<Encoding>().unwrap(), Encoding::Utf8);
    }

    #[test]
    fn sniffs_common_delimiters() {
        assert_eq!(sniff_delimiter(b"a,b,c\n"), b',');
        assert_eq!(sniff_delimiter(b"a;b;\"c,d,e\"\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter(b"a|b|c,d\n"), b'|');
        assert_eq!(sniff_delimiter(b"single\n"), b',');
        // A title row does not decide it: most rows do.
        let titled = b"Report, all services, 2025\n\nId;Notes;Channel\n1;a;b\n2;c, d;e\n";
        assert_eq!(sniff_delimiter(titled), b';');
    }
}
