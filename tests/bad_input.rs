//! The bad-input corpus (fixtures/bad/): one test per file, each asserting the exact
//! outcome: a clear error (exit code 2, a message naming the file, and the line where one
//! applies), or the exact counts of classified, rejected and duplicate rows, with every
//! rejected row in the `--rejects` file. Inputs too big to commit are generated here.

mod common;

use common::{conserved, demand, stderr_of, write, RULES};
use std::path::{Path, PathBuf};

/// What a run on one file must produce.
enum Outcome {
    /// It succeeds with exactly these totals; `reject_lines` are the rejected rows' lines.
    Counts {
        contacts: u64,
        value: u64,
        failure: u64,
        unclassified: u64,
        rejected: u64,
        duplicates: u64,
        reject_lines: &'static [u64],
    },
    /// It fails with exit code 2 and a message naming the file (with `:line` when given)
    /// that contains `message`.
    Fails {
        line: Option<u64>,
        message: &'static str,
    },
}
use Outcome::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bad")
        .join(name)
}

/// Runs `report --format json` with the test rules on `path` and checks `outcome`.
fn check(path: &Path, args: &[&str], outcome: Outcome) {
    let file = path.display().to_string();
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "rules.toml", RULES);
    let rejects = dir.path().join("rejects.csv");
    let mut cmd = demand();
    cmd.args(["report", "--format", "json", "-q", "--rules"])
        .arg(&rules)
        .arg("--rejects")
        .arg(&rejects)
        .args(args)
        .arg(path);
    match outcome {
        Fails { line, message } => {
            let stderr = stderr_of(&mut cmd, 2);
            let place = match line {
                Some(l) => format!("{file}:{l}"),
                None => file.clone(),
            };
            assert!(stderr.contains(&place), "{file}: no {place:?} in: {stderr}");
            assert!(
                stderr.contains(message),
                "{file}: no {message:?} in: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        }
        Counts {
            contacts,
            value,
            failure,
            unclassified,
            rejected,
            duplicates,
            reject_lines,
        } => {
            let out = cmd.output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{file}: failed: {stderr}");
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let t = &v["totals"];
            let got: Vec<u64> = ["contacts", "value", "failure", "unclassified", "rejected"]
                .iter()
                .map(|k| t[k].as_u64().unwrap())
                .chain([t["duplicates"].as_u64().unwrap_or(0)])
                .collect();
            assert_eq!(
                got,
                [contacts, value, failure, unclassified, rejected, duplicates],
                "{file}: contacts, value, failure, unclassified, rejected, duplicates"
            );
            assert!(conserved(&v), "{file}: totals do not add up: {t}");
            let inputs: u64 = v["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["contacts"].as_u64().unwrap())
                .sum();
            assert_eq!(inputs, contacts, "{file}: inputs[].contacts");
            let mut r = csv::Reader::from_path(&rejects).unwrap();
            let lines: Vec<u64> = r
                .byte_records()
                .map(|rec| String::from_utf8_lossy(&rec.unwrap()[1]).parse().unwrap())
                .collect();
            assert_eq!(lines, reject_lines, "{file}: lines in the rejects file");
        }
    }
}

/// One test per fixture file: `case!(test_name, "file", [extra args], outcome)`.
macro_rules! case {
    ($name:ident, $file:literal, [$($arg:literal),*], $outcome:expr) => {
        #[test]
        fn $name() {
            check(&fixture($file), &[$($arg),*], $outcome);
        }
    };
}

/// Totals `(contacts, value, failure, unclassified, rejected)` with the rejected lines.
const fn counts(t: [u64; 5], reject_lines: &'static [u64]) -> Outcome {
    Counts {
        contacts: t[0],
        value: t[1],
        failure: t[2],
        unclassified: t[3],
        rejected: t[4],
        duplicates: 0,
        reject_lines,
    }
}

/// Like [`counts`], with duplicates: `(contacts, value, failure, unclassified, rejected,
/// duplicates)`.
const fn with_duplicates(t: [u64; 6], reject_lines: &'static [u64]) -> Outcome {
    Counts {
        contacts: t[0],
        value: t[1],
        failure: t[2],
        unclassified: t[3],
        rejected: t[4],
        duplicates: t[5],
        reject_lines,
    }
}

const EMPTY: &str = "the file is empty";
const NO_TEXT: &str = "no text or code column found";

case!(
    empty_file,
    "empty.csv",
    [],
    Fails {
        line: None,
        message: EMPTY
    }
);
case!(
    only_blank_lines,
    "blank-lines-only.csv",
    [],
    Fails {
        line: None,
        message: EMPTY
    }
);
case!(
    header_only,
    "header-only.csv",
    [],
    counts([0, 0, 0, 0, 0], &[])
);
case!(
    a_long_header_and_no_rows,
    "long-header-no-rows.csv",
    [],
    counts([0; 5], &[])
);
case!(
    binary_garbage,
    "binary-garbage.csv",
    [],
    Fails {
        line: Some(1),
        message: "does not look like a text export"
    }
);
case!(
    an_html_error_page,
    "html-error-page.csv",
    [],
    Fails {
        line: None,
        message: NO_TEXT
    }
);
case!(
    a_header_of_unknown_columns,
    "unknown-columns.csv",
    [],
    Fails {
        line: None,
        message: NO_TEXT
    }
);
case!(
    a_lone_quote,
    "quotes-only.csv",
    [],
    Fails {
        line: None,
        message: NO_TEXT
    }
);
// NUL bytes are text to the reader; a row of nothing else has the wrong width.
case!(
    nul_bytes,
    "nul-bytes.csv",
    [],
    counts([4, 1, 1, 1, 1], &[4])
);
case!(
    mixed_line_endings,
    "mixed-line-endings.csv",
    [],
    counts([5, 2, 2, 1, 0], &[])
);
case!(
    carriage_returns_only,
    "old-mac-cr-only.csv",
    [],
    counts([3, 1, 1, 1, 0], &[])
);
case!(
    utf8_bom_crlf_and_quoted_newlines,
    "utf8-bom-crlf.csv",
    [],
    counts([3, 1, 2, 0, 0], &[])
);
case!(
    no_final_newline,
    "no-final-newline.csv",
    [],
    counts([2, 1, 1, 0, 0], &[])
);
// Both "Notes" columns are text; the second "Channel" is left unmapped.
case!(
    duplicate_column_names,
    "duplicate-columns.csv",
    [],
    counts([3, 1, 1, 1, 0], &[])
);
case!(
    blank_column_names,
    "header-blank-names.csv",
    [],
    counts([2, 1, 1, 0, 0], &[])
);
// Blank lines are skipped; a line of spaces is a one-field row, rejected.
case!(
    blank_lines,
    "blank-lines.csv",
    [],
    counts([4, 1, 1, 1, 1], &[9])
);
case!(
    white_space_fields,
    "whitespace-fields.csv",
    [],
    counts([3, 0, 1, 2, 0], &[])
);
case!(
    wrong_field_counts,
    "wrong-field-counts.csv",
    [],
    counts([6, 0, 2, 1, 3], &[3, 4, 6])
);
case!(
    trailing_delimiters,
    "trailing-delimiters.csv",
    [],
    counts([3, 1, 1, 0, 1], &[4])
);
case!(
    unterminated_quote_at_the_end,
    "unterminated-quote-end.csv",
    [],
    counts([2, 0, 1, 0, 1], &[3])
);
// A quote left open until another quote: the swallowed rows are one rejected row.
case!(
    unterminated_quote_closed_later,
    "unterminated-quote-middle.csv",
    [],
    counts([2, 1, 0, 0, 1], &[2])
);
case!(
    unterminated_quote_reopened,
    "unterminated-quote-reopened.csv",
    [],
    counts([1, 0, 0, 0, 1], &[2])
);
// Text after a one-line quoted field is read the csv crate's way, not rejected.
case!(
    stray_quotes,
    "stray-quotes.csv",
    [],
    counts([3, 2, 1, 0, 0], &[])
);
case!(
    blank_lines_inside_quotes,
    "only-newlines-in-quotes.csv",
    [],
    counts([2, 0, 1, 1, 0], &[])
);
case!(
    windows_1252,
    "windows-1252.csv",
    [],
    counts([4, 2, 1, 1, 0], &[])
);
case!(
    windows_1252_under_strict_utf8,
    "windows-1252.csv",
    ["--encoding", "utf-8"],
    counts([4, 0, 0, 1, 3], &[2, 3, 4])
);
case!(
    windows_1252_under_strict,
    "windows-1252.csv",
    ["--encoding", "utf-8", "--strict"],
    Fails {
        line: Some(2),
        message: "invalid UTF-8"
    }
);
case!(
    utf16le_with_bom,
    "utf16le-bom.txt",
    [],
    counts([3, 1, 1, 1, 0], &[])
);
case!(
    utf16be_with_bom,
    "utf16be-bom.txt",
    [],
    counts([3, 1, 1, 1, 0], &[])
);
case!(
    utf16le_without_bom,
    "utf16le-no-bom.csv",
    [],
    counts([1, 0, 1, 0, 0], &[])
);
case!(
    semicolons_and_decimal_commas,
    "semicolon.csv",
    [],
    counts([3, 1, 1, 1, 0], &[])
);
case!(tabs, "tab.tsv", [], counts([2, 1, 1, 0, 0], &[]));
case!(pipes, "pipe.txt", [], counts([3, 1, 1, 0, 1], &[3]));
case!(
    title_rows_above_the_header,
    "title-rows.csv",
    [],
    counts([3, 1, 1, 1, 0], &[])
);
case!(
    title_rows_skipped_by_count,
    "title-rows.csv",
    ["--skip-rows", "3"],
    counts([3, 1, 1, 1, 0], &[])
);
case!(
    title_rows_and_semicolons,
    "title-rows-semicolon.csv",
    [],
    counts([2, 1, 1, 0, 0], &[])
);
case!(
    no_header_row,
    "no-header.csv",
    [],
    Fails {
        line: None,
        message: "--no-headers"
    }
);
case!(
    no_header_row_mapped_by_number,
    "no-header.csv",
    ["--no-headers", "--map", "text=2", "--map", "channel=3"],
    counts([3, 1, 1, 1, 0], &[])
);
case!(gzip, "valid.csv.gz", [], counts([5, 2, 2, 1, 0], &[]));
case!(
    truncated_gzip,
    "truncated.csv.gz",
    [],
    Fails {
        line: None,
        message: "incomplete deflate stream"
    }
);
case!(
    an_xlsx_that_is_really_csv,
    "really-csv.xlsx",
    [],
    counts([5, 2, 2, 1, 0], &[])
);

// Ids 1, " 2 " and 3 repeat (whatever the rest of the row); rows with no id repeat when
// whole; a rejected row is never a duplicate.
case!(
    duplicate_ids,
    "duplicate-ids.csv",
    [],
    with_duplicates([9, 2, 2, 1, 1, 3], &[10])
);
case!(
    duplicate_ids_kept,
    "duplicate-ids.csv",
    ["--keep-duplicates"],
    with_duplicates([9, 2, 4, 2, 1, 0], &[10])
);
// No id column: identical rows (after CSV quoting) are duplicates.
case!(
    duplicate_rows_without_an_id,
    "duplicate-rows-no-id.csv",
    [],
    with_duplicates([5, 1, 2, 0, 0, 2], &[])
);

#[test]
fn overlapping_exports_count_each_contact_once_and_classify_keeps_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "rules.toml", RULES);
    let a = write(
        dir.path(),
        "a.csv",
        "Id,Notes\n1,bins missed\n2,new bin\n3,pay\n",
    );
    let b = write(dir.path(), "b.csv", "Id,Notes\n3,pay later\n4,hello\n1,x\n");
    let report = |extra: &[&str]| -> serde_json::Value {
        let out = common::stdout_of(
            demand()
                .args(["report", "--format", "json", "-q", "--rules"])
                .arg(&rules)
                .args(extra)
                .arg(&a)
                .arg(&b),
        );
        serde_json::from_str(&out).unwrap()
    };
    let v = report(&[]);
    assert_eq!(v["totals"]["contacts"], 6);
    assert_eq!(v["totals"]["duplicates"], 2);
    assert_eq!(v["totals"]["unclassified"], 1);
    assert!(conserved(&v));
    let kept = report(&["--keep-duplicates"]);
    assert_eq!(kept["totals"]["duplicates"], 0);
    assert_eq!(kept["totals"]["unclassified"], 2);
    // The first occurrence is written, whatever the thread count.
    for threads in ["1", "2"] {
        let out = common::stdout_of(
            demand()
                .args(["classify", "-q", "--threads", threads, "--rules"])
                .arg(&rules)
                .arg(&a)
                .arg(&b),
        );
        let ids: Vec<&str> = out.lines().skip(1).map(|l| &l[..1]).collect();
        assert_eq!(ids, ["1", "2", "3", "4"], "{threads} threads: {out}");
        assert!(out.contains("3,pay,value"), "{out}");
    }
}

// JSON lines: the first object's keys are the columns; an array, a broken object and a
// bare string are rejected rows; a missing key is an empty field; id 1 repeats.
case!(
    json_lines,
    "api-dump.jsonl",
    [],
    with_duplicates([8, 2, 1, 1, 3, 1], &[4, 5, 6])
);
// Recognised by its leading brace whatever the name.
case!(
    json_lines_named_csv,
    "braces-first.csv",
    [],
    counts([2, 0, 1, 1, 0], &[])
);
case!(
    json_lines_of_an_array,
    "json-array.jsonl",
    [],
    Fails {
        line: Some(1),
        message: "not a JSON object but an array"
    }
);

/// A generated file (too big to commit) in a fresh directory.
fn generated(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

#[test]
fn a_50_mb_single_field() {
    let mut data = b"Id,Notes\n1,\"".to_vec();
    data.extend("bins missed ".repeat((50 << 20) / 12 + 1).as_bytes());
    data.extend(b"\"\n2,new bin\n");
    assert!(data.len() > 50 << 20);
    let (_dir, path) = generated("big-field.csv", &data);
    check(&path, &["--threads", "2"], counts([2, 1, 1, 0, 0], &[]));
}

#[test]
fn very_long_lines_of_every_width() {
    let mut data = b"Id,Notes,Channel\n".to_vec();
    for (i, n) in [100_000usize, 300_000, 1, 700_000].iter().enumerate() {
        data.extend(format!("{i},{} pay,phone\n", "x".repeat(*n)).as_bytes());
    }
    data.extend(format!("9,{}\n", "y".repeat(200_000)).as_bytes());
    let (_dir, path) = generated("long-lines.csv", &data);
    check(&path, &["--threads", "2"], counts([5, 4, 0, 0, 1], &[6]));
}

#[test]
fn a_50_mb_unterminated_quote_is_one_rejected_row() {
    let mut data = b"Id,Notes\n1,bins missed\n2,\"".to_vec();
    data.extend("new bin\n".repeat(50 << 20 >> 3).as_bytes());
    let (_dir, path) = generated("runaway.csv", &data);
    check(&path, &[], counts([2, 0, 1, 0, 1], &[3]));
}

/// A workbook like an Excel export: a title row and a blank row above the header, a
/// number id, a date cell, a note with a line break, an empty row, and a second sheet.
fn workbook(path: &Path) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let calls = book.add_worksheet();
    calls.set_name("Calls").unwrap();
    calls
        .write_string(0, 0, "Contact export, all services")
        .unwrap();
    for (c, h) in ["Contact ID", "Date/Time", "Call Notes", "Channel"]
        .iter()
        .enumerate()
    {
        calls.write_string(2, c as u16, *h).unwrap();
    }
    let rows = [
        (1001.0, "2025-01-03 09:30:00", "bins missed\nagain", "Phone"),
        (1002.0, "2025-01-04 10:00:00", "new bin, please", "Web"),
        (1001.0, "2025-01-05 11:00:00", "bins missed", "Phone"),
    ];
    for (i, (id, when, notes, channel)) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        calls.write_number(r, 0, *id).unwrap();
        let when = ExcelDateTime::parse_from_str(when).unwrap();
        calls
            .write_datetime_with_format(r, 1, &when, &date)
            .unwrap();
        calls.write_string(r, 2, *notes).unwrap();
        calls.write_string(r, 3, *channel).unwrap();
    }
    // Row 7 is left empty; row 8 holds a contact with a note only.
    calls.write_string(7, 2, "pay my council tax").unwrap();
    let other = book.add_worksheet();
    other.set_name("Other").unwrap();
    other.write_string(0, 0, "Notes").unwrap();
    other.write_string(1, 0, "any update").unwrap();
    book.save(path).unwrap();
}

#[test]
fn an_excel_workbook_is_read_from_its_first_sheet_with_dates_as_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("export.xlsx");
    workbook(&book);
    // Title row skipped, 1001 counted once, the note with a line break read whole.
    check(&book, &[], with_duplicates([4, 2, 1, 0, 0, 1], &[]));
    check(&book, &["--sheet", "Other"], counts([1, 0, 1, 0, 0], &[]));
    check(
        &book,
        &["--sheet", "Missing"],
        Fails {
            line: None,
            message: "no sheet named \"Missing\"; its sheets are: \"Calls\", \"Other\"",
        },
    );
    // The date cells are ISO 8601 text, and the id has no ".0".
    let rules = write(dir.path(), "rules.toml", RULES);
    let out = common::stdout_of(
        demand()
            .args(["classify", "-q", "--keep-duplicates", "--rules"])
            .arg(&rules)
            .arg(&book),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "Contact ID,Date/Time,Call Notes,Channel,demand_class,demand_kind,demand_rule"
    );
    assert_eq!(
        lines[1],
        "1001,2025-01-03T09:30:00,bins missed again,Phone,failure,not-done-right,missed"
    );
    assert_eq!(lines.len(), 5, "{out}");
    // A zip that is not a workbook is a clear error.
    let zip = dir.path().join("archive.xlsx");
    std::fs::write(&zip, b"PK\x03\x04not really a zip").unwrap();
    check(
        &zip,
        &[],
        Fails {
            line: None,
            message: "cannot read it as a spreadsheet",
        },
    );
}
