//! Spreadsheets (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`), read with calamine and turned
//! into CSV text for the usual reader.
//!
//! A workbook is recognised by its magic bytes (a zip archive, `PK\x03\x04`, for xlsx and
//! ods; an OLE compound file, `\xD0\xCF\x11\xE0`, for xls), not by its name, so a `.xlsx`
//! that is really CSV is read as CSV. calamine loads the whole sheet into memory, so a
//! workbook costs memory in proportion to its size, unlike a CSV file (Excel's limit of
//! 1,048,576 rows keeps that bounded). The first sheet is read, or the one `--sheet` names.
//!
//! Each sheet row becomes one CSV line, so line numbers in messages are sheet row
//! numbers: line breaks inside a cell become spaces. Date and time cells become ISO 8601
//! text (`2025-01-03T09:30:00`, or `09:30:00` for a time of day), which the timestamp
//! reader understands; whole numbers lose Excel's `.0`.

use crate::error::{Error, Result};
use calamine::{Data, Reader};
use std::io::Cursor;

/// Whether `head` starts like a workbook: a zip archive or an OLE compound file.
pub fn is_workbook(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(b"\xD0\xCF\x11\xE0")
}

/// The first sheet (or `sheet`) of the workbook in `bytes`, as CSV.
pub fn to_csv(bytes: Vec<u8>, sheet: Option<&str>, name: &str) -> Result<Vec<u8>> {
    let unreadable = |e: &dyn std::fmt::Display| {
        Error::Input(format!("{name}: cannot read it as a spreadsheet: {e}"))
    };
    let mut book =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let names = book.sheet_names();
    let chosen = match sheet {
        Some(wanted) => names.iter().find(|n| *n == wanted).ok_or_else(|| {
            Error::Input(format!(
                "{name}: no sheet named {wanted:?}; its sheets are: {}",
                names
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?,
        None => names
            .first()
            .ok_or_else(|| Error::Input(format!("{name}: the workbook has no sheets")))?,
    }
    .clone();
    let range = book.worksheet_range(&chosen).map_err(|e| unreadable(&e))?;
    let mut out = Vec::new();
    // Empty rows above the used range keep line numbers equal to sheet row numbers.
    let (top, _) = range.start().unwrap_or((0, 0));
    out.extend(std::iter::repeat_n(b'\n', top as usize));
    let mut text = String::new();
    for row in range.rows() {
        // An empty row stays an empty line, which the reader skips like a blank CSV line.
        if row.iter().any(|cell| *cell != Data::Empty) {
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                text.clear();
                cell_text(cell, &mut text);
                if text.contains([',', '"']) {
                    out.push(b'"');
                    out.extend(text.replace('"', "\"\"").as_bytes());
                    out.push(b'"');
                } else {
                    out.extend(text.as_bytes());
                }
            }
        }
        out.push(b'\n');
    }
    Ok(out)
}

/// A cell as text.
fn cell_text(cell: &Data, out: &mut String) {
    use std::fmt::Write;
    match cell {
        Data::Empty => {}
        Data::String(s) => {
            for part in s.split(['\r', '\n']).filter(|p| !p.is_empty()) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(part);
            }
        }
        Data::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
            let _ = write!(out, "{}", *f as i64);
        }
        Data::Float(f) => {
            let _ = write!(out, "{f}");
        }
        Data::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if dt.is_datetime() && dt.as_f64() < 1.0 => {
                let _ = write!(out, "{}", t.format("%H:%M:%S"));
            }
            Some(t) if dt.is_datetime() => {
                let _ = write!(out, "{}", t.format("%Y-%m-%dT%H:%M:%S"));
            }
            _ => {
                let _ = write!(out, "{}", dt.as_f64());
            }
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => out.push_str(s),
        Data::Error(e) => {
            let _ = write!(out, "{e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workbooks_are_known_by_their_magic_bytes() {
        assert!(is_workbook(b"PK\x03\x04rest"));
        assert!(is_workbook(b"\xD0\xCF\x11\xE0\xA1\xB1"));
        assert!(!is_workbook(b"Id,Notes\n"));
        assert!(!is_workbook(b"PK"));
    }

    #[test]
    fn cells_become_text() {
        let text = |cell: Data| {
            let mut s = String::new();
            cell_text(&cell, &mut s);
            s
        };
        assert_eq!(text(Data::Float(12345.0)), "12345");
        assert_eq!(text(Data::Float(1.5)), "1.5");
        assert_eq!(text(Data::String("bin\r\nmissed\n".into())), "bin missed");
        assert_eq!(text(Data::Empty), "");
        assert_eq!(text(Data::DateTimeIso("2025-01-03".into())), "2025-01-03");
    }

    #[test]
    fn a_zip_that_is_no_workbook_is_an_error_naming_the_file() {
        let e = to_csv(b"PK\x03\x04junk".to_vec(), None, "x.xlsx").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("x.xlsx: cannot read it as a spreadsheet"),
            "{e}"
        );
    }
}
