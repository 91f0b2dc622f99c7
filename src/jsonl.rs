//! JSON lines input (`.jsonl`, `.ndjson`, API dumps): one JSON object per line, its keys
//! the columns.
//!
//! The keys of the first object, in alphabetical order, are the header; a later object's
//! missing keys are empty fields and its extra keys are ignored. Strings are read as they
//! are, numbers and booleans as their JSON text, `null` as empty, arrays and objects as
//! their JSON text. A line that is not a JSON object is a rejected row with its line
//! number. The lines are cut by the same [`Chunker`] as CSV, with quoting off.

use crate::error::{Error, Result};
use crate::input::{Chunker, Header};
use csv::ByteRecord;
use serde_json::{Map, Value};
use std::io::Read;

/// Whether an input is JSON lines: by its name (`.jsonl`, `.ndjson`, gzipped or not) or,
/// whatever its name, by its first non-blank byte being `{`.
pub fn detect(name: &str, head: &[u8]) -> bool {
    let name = name.to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.ends_with(".jsonl")
        || name.ends_with(".ndjson")
        || head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Switches `chunker` to lines and reads the header from the first non-blank line's keys;
/// that line stays data. `None` when there is no non-blank line.
pub fn header<R: Read>(chunker: &mut Chunker<R>, name: &str) -> Result<Option<Header>> {
    chunker.lines_only();
    while let Some(chunk) = chunker.one_record()? {
        if chunk.data.trim_ascii().is_empty() {
            continue;
        }
        let object = parse(&chunk.data).map_err(|why| {
            Error::Input(format!(
                "{name}:{}: {why}; in JSON lines, the first object's keys name the columns",
                chunk.first_line
            ))
        })?;
        let header = Header {
            line: chunk.first_line,
            record: object.keys().collect(),
            skipped: 0,
            in_data: true,
        };
        chunker.unread(chunk);
        return Ok(Some(header));
    }
    Ok(None)
}

/// One line as an object, or why it is not one.
fn parse(line: &[u8]) -> std::result::Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(line) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(format!(
            "not a JSON object but {}",
            match other {
                Value::Array(_) => "an array",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                Value::Bool(_) => "a boolean",
                _ => "null",
            }
        )),
        Err(e) => Err(format!("not a JSON object: {e}")),
    }
}

/// Fills `record` with the fields of one line, in `header` order.
pub fn record(
    line: &[u8],
    header: &[String],
    record: &mut ByteRecord,
) -> std::result::Result<(), String> {
    let object = parse(line)?;
    record.clear();
    for key in header {
        match object.get(key) {
            None | Some(Value::Null) => record.push_field(b""),
            Some(Value::String(s)) => record.push_field(s.as_bytes()),
            Some(other) => record.push_field(other.to_string().as_bytes()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognised_by_name_or_by_a_leading_brace() {
        assert!(detect("dump.JSONL", b"x"));
        assert!(detect("dump.ndjson.gz", b""));
        assert!(detect("export.csv", b"\n  {\"a\":1}"));
        assert!(!detect("export.csv", b"Id,Notes\n"));
    }

    #[test]
    fn values_become_fields_in_header_order() {
        let header: Vec<String> = ["id", "notes", "n", "tags", "gone"]
            .map(String::from)
            .into();
        let mut r = ByteRecord::new();
        record(
            br#"{"notes":"bin\nmissed","id":7,"n":null,"tags":["a"],"extra":true}"#,
            &header,
            &mut r,
        )
        .unwrap();
        let fields: Vec<&[u8]> = r.iter().collect();
        assert_eq!(fields, [&b"7"[..], b"bin\nmissed", b"", b"[\"a\"]", b""]);
        assert_eq!(
            record(b"[1,2]", &header, &mut r).unwrap_err(),
            "not a JSON object but an array"
        );
        assert!(record(b"{\"id\":", &header, &mut r)
            .unwrap_err()
            .starts_with("not a JSON object:"));
    }

    #[test]
    fn the_first_object_names_the_columns_and_stays_data() {
        let data = b"\n{\"notes\":\"a\",\"id\":1}\n{\"id\":2}\n";
        let mut c = Chunker::new(&data[..], "t.jsonl", None, 1000).unwrap();
        let h = header(&mut c, "t.jsonl").unwrap().unwrap();
        assert_eq!(h.record, ByteRecord::from(vec!["id", "notes"]));
        assert_eq!(h.line, 2);
        let rest = c.next_chunk().unwrap().unwrap();
        assert_eq!(rest.first_line, 2);
        assert!(rest.data.starts_with(b"{\"notes\""));
        let mut c = Chunker::new(&b"[1]\n"[..], "t.jsonl", None, 1000).unwrap();
        let e = header(&mut c, "t.jsonl").unwrap_err().to_string();
        assert!(
            e.contains("t.jsonl:1: not a JSON object but an array"),
            "{e}"
        );
    }
}
