//! Logical fields, and finding them among an export's columns.
//!
//! Exports name the same thing many ways ("Contact Method", "Channel", "Open Data Channel
//! Type"...). Each logical field has an ordered alias list; a header cell matches an alias
//! when both agree after dropping case and everything but letters and digits, so
//! "Date/Time", "date_time" and "DateTime" are one name. `--map FIELD=COLUMN` overrides.

use crate::error::{Error, Result};
use std::fmt;

/// A logical field that `demand` understands, whatever the export calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Id,
    Timestamp,
    Channel,
    Service,
    Customer,
    Case,
    Code,
    Text,
}

impl Field {
    pub const ALL: [Field; 8] = [
        Field::Id,
        Field::Timestamp,
        Field::Channel,
        Field::Service,
        Field::Customer,
        Field::Case,
        Field::Code,
        Field::Text,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Timestamp => "timestamp",
            Field::Channel => "channel",
            Field::Service => "service",
            Field::Customer => "customer",
            Field::Case => "case",
            Field::Code => "code",
            Field::Text => "text",
        }
    }

    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Header names recognised for this field, most specific first (compared by
    /// [`column_key`]). Documented in docs/columns.md; keep the two in step.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Id => &[
                "id",
                "interactionreference",
                "interactionid",
                "uniquekey",
                "callid",
                "ticketnumber",
                "casenumber",
                "contactid",
                "servicerequestid",
                "reportid",
                "eventid",
                "enquiryid",
                "recordid",
                "contactreference",
                "contactref",
                "reference",
                "ref",
            ],
            Field::Timestamp => &[
                "timestamp",
                "datetime",
                "createdon",
                "createddate",
                "created",
                "datecreated",
                "createdat",
                "eventdate",
                "contactdate",
                "calldate",
                "starttime",
                "calldatetime",
                "requesteddatetime",
                "opened",
                "openeddate",
                "dateopened",
                "datereceived",
                "receiveddate",
                "received",
                "logged",
                "loggedon",
                "loggedat",
                "datelogged",
                "loggeddate",
                "datereported",
                "reporteddate",
                "reportedon",
                "date",
            ],
            Field::Channel => &[
                "channel",
                "contactmethod",
                "contactchannel",
                "channeltype",
                "opendatachanneltype",
                "sourcechannel",
                "method",
                "source",
                "origin",
                "siteused",
                "calltype",
                "contacttype",
                "mediatype",
                "media",
                "medium",
                "howreceived",
                "receivedvia",
            ],
            Field::Service => &[
                "service",
                "servicearea",
                "servicename",
                "servicetype",
                "department",
                "dept",
                "directorate",
                "division",
                "agency",
                "callreasontype",
                "enquirysubject",
                "skill",
                "queue",
                "team",
                "businessarea",
            ],
            Field::Customer => &[
                "customer",
                "customerref",
                "customerreference",
                "customerid",
                "customerno",
                "customernumber",
                "accountnumber",
                "accountref",
                "callerid",
                "ani",
                "cli",
                "contactid",
            ],
            Field::Case => &[
                "case",
                "casereference",
                "caseref",
                "caseid",
                "servicerequest",
            ],
            Field::Code => &[
                "code",
                "reasoncode",
                "callreasonid",
                "callreason",
                "enquiryreason",
                "reason",
                "disposition",
                "wrapupcode",
                "eventcode",
                "complainttype",
                "category",
                "enquirytype",
                "type",
            ],
            Field::Text => &[
                "notes",
                "callnotes",
                "agentnotes",
                "casenotes",
                "contactnotes",
                "interactionnotes",
                "note",
                "description",
                "details",
                "detail",
                "enquirydetails",
                "eventfurtherinformation",
                "furtherinformation",
                "additionalinformation",
                "comments",
                "comment",
                "remarks",
                "summary",
                "subject",
                "title",
                "descriptor",
                "wrapupreason",
                "reasontext",
                "narrative",
                "message",
                "body",
                "freetext",
            ],
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The comparison key of a column name: lower-case letters and digits only.
pub fn column_key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// One `--map FIELD=COLUMN` override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub field: Field,
    pub column: String,
}

impl std::str::FromStr for Mapping {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (field, column) = s
            .split_once('=')
            .ok_or_else(|| format!("expected FIELD=COLUMN, got {s:?}"))?;
        let field = Field::from_name(field).ok_or_else(|| {
            let names: Vec<_> = Field::ALL.iter().map(|f| f.name()).collect();
            format!(
                "unknown field {:?} in --map (fields: {})",
                field.trim(),
                names.join(", ")
            )
        })?;
        if column.trim().is_empty() {
            return Err(format!("--map {s}: the column name is empty"));
        }
        Ok(Mapping {
            field,
            column: column.trim().to_string(),
        })
    }
}

/// Which column holds each logical field in one export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// The header, as read.
    pub header: Vec<String>,
    single: [Option<usize>; 7],
    /// Columns whose text rules read, in header order.
    pub text: Vec<usize>,
    /// The time-of-day column, when the timestamp is split over a date and a time column.
    pub time: Option<usize>,
}

/// Column names (as [`column_key`]s) of a time of day that completes a date-only column.
pub const TIME_ALIASES: &[&str] = &[
    "time",
    "calltime",
    "contacttime",
    "timeofcall",
    "timeofcontact",
    "timereceived",
    "receivedtime",
    "timecreated",
    "createdtime",
    "eventtime",
    "timelogged",
    "loggedtime",
];

impl ColumnMap {
    /// Maps `header` by aliases, then applies `overrides`. Fails when a mapped column does
    /// not exist, or when neither text nor code can be found.
    pub fn detect(header: &[String], overrides: &[Mapping], source: &str) -> Result<ColumnMap> {
        let keys: Vec<String> = header.iter().map(|h| column_key(h)).collect();
        let mut map = ColumnMap {
            header: header.to_vec(),
            ..ColumnMap::default()
        };
        let mut taken = vec![false; header.len()];
        // Explicit mappings first, so that auto-detection never steals their columns.
        let mut explicit_text = false;
        for m in overrides {
            let col = find_column(header, &keys, &m.column).ok_or_else(|| {
                Error::Input(format!(
                    "{source}: --map {}={}: no such column; the header is: {}",
                    m.field,
                    m.column,
                    quote_list(header)
                ))
            })?;
            taken[col] = true;
            if m.field == Field::Text {
                if !map.text.contains(&col) {
                    map.text.push(col);
                }
                explicit_text = true;
            } else if m.field == Field::Timestamp && map.get(Field::Timestamp).is_some() {
                // `--map timestamp=Date --map timestamp=Time`
                map.time = Some(col);
            } else {
                map.single[slot(m.field)] = Some(col);
            }
        }
        for field in Field::ALL {
            if field == Field::Text || map.single[slot(field)].is_some() {
                continue;
            }
            let found = field
                .aliases()
                .iter()
                .find_map(|alias| (0..keys.len()).find(|&i| !taken[i] && keys[i] == *alias));
            if let Some(col) = found {
                taken[col] = true;
                map.single[slot(field)] = Some(col);
            }
        }
        // A date-only column and a time column beside it make one timestamp.
        let date_only = |k: &str| k.contains("date") && !k.contains("time");
        if map.time.is_none()
            && map
                .get(Field::Timestamp)
                .is_some_and(|c| date_only(&keys[c]))
        {
            map.time = TIME_ALIASES
                .iter()
                .find_map(|alias| (0..keys.len()).find(|&i| !taken[i] && keys[i] == *alias));
            if let Some(c) = map.time {
                taken[c] = true;
            }
        }
        if !explicit_text {
            for (i, key) in keys.iter().enumerate() {
                if !taken[i] && Field::Text.aliases().contains(&key.as_str()) {
                    map.text.push(i);
                }
            }
        }
        if map.text.is_empty() && map.get(Field::Code).is_none() {
            return Err(Error::Input(format!(
                "{source}: no text or code column found, so there is nothing to classify.\n\
                 The header is: {}\n\
                 Name the columns with --map, for example --map text=\"Call Notes\" \
                 --map channel=\"Contact Method\" (see docs/columns.md); if the file has no \
                 header row, use --no-headers and map columns by number (--map text=3).",
                quote_list(header)
            )));
        }
        Ok(map)
    }

    /// The column of a single-valued field.
    pub fn get(&self, field: Field) -> Option<usize> {
        if field == Field::Text {
            return self.text.first().copied();
        }
        self.single[slot(field)]
    }

    /// The column whose header is `name` (exactly, then by [`column_key`]).
    pub fn column(&self, name: &str) -> Option<usize> {
        let keys: Vec<String> = self.header.iter().map(|h| column_key(h)).collect();
        find_column(&self.header, &keys, name)
    }

    /// A one-line account of the mapping, for stderr and reports.
    pub fn describe(&self) -> Vec<(Field, Vec<String>)> {
        Field::ALL
            .into_iter()
            .filter_map(|f| {
                let cols: Vec<String> = if f == Field::Text {
                    self.text.iter().map(|&i| self.header[i].clone()).collect()
                } else if f == Field::Timestamp {
                    self.get(f)
                        .into_iter()
                        .chain(self.time)
                        .map(|i| self.header[i].clone())
                        .collect()
                } else {
                    self.get(f)
                        .map(|i| self.header[i].clone())
                        .into_iter()
                        .collect()
                };
                (!cols.is_empty()).then_some((f, cols))
            })
            .collect()
    }
}

fn slot(field: Field) -> usize {
    match field {
        Field::Id => 0,
        Field::Timestamp => 1,
        Field::Channel => 2,
        Field::Service => 3,
        Field::Customer => 4,
        Field::Case => 5,
        Field::Code => 6,
        Field::Text => unreachable!("text has several columns"),
    }
}

fn find_column(header: &[String], keys: &[String], name: &str) -> Option<usize> {
    if let Some(i) = header.iter().position(|h| h == name) {
        return Some(i);
    }
    if let Some(i) = header
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case(name.trim()))
    {
        return Some(i);
    }
    let key = column_key(name);
    keys.iter().position(|k| !key.is_empty() && *k == key)
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn detects_fields_by_alias_ignoring_case_and_punctuation() {
        let h = header(&[
            "Contact ID",
            "Date/Time",
            "Contact Method",
            "Service Area",
            "Customer Ref",
            "Call Notes",
        ]);
        let m = ColumnMap::detect(&h, &[], "t.csv").unwrap();
        assert_eq!(m.get(Field::Id), Some(0));
        assert_eq!(m.get(Field::Timestamp), Some(1));
        assert_eq!(m.get(Field::Channel), Some(2));
        assert_eq!(m.get(Field::Service), Some(3));
        assert_eq!(m.get(Field::Customer), Some(4));
        assert_eq!(m.text, vec![5]);
    }

    #[test]
    fn several_text_columns_are_all_used() {
        let h = header(&["Subject", "Status", "Description"]);
        let m = ColumnMap::detect(&h, &[], "t.csv").unwrap();
        assert_eq!(m.text, vec![0, 2]);
    }

    #[test]
    fn explicit_map_overrides_and_replaces_text() {
        let h = header(&["Notes", "Comments", "Where"]);
        let maps = vec![
            "text=Comments".parse::<Mapping>().unwrap(),
            "channel=where".parse::<Mapping>().unwrap(),
        ];
        let m = ColumnMap::detect(&h, &maps, "t.csv").unwrap();
        assert_eq!(m.text, vec![1]);
        assert_eq!(m.get(Field::Channel), Some(2));
    }

    #[test]
    fn missing_text_and_code_lists_the_header() {
        let h = header(&["A", "B"]);
        let err = ColumnMap::detect(&h, &[], "x.csv").unwrap_err().to_string();
        assert!(err.contains("x.csv"), "{err}");
        assert!(err.contains("\"A\", \"B\""), "{err}");
        assert!(err.contains("--map"), "{err}");
    }

    #[test]
    fn map_to_missing_column_is_an_error() {
        let h = header(&["Notes"]);
        let maps = vec!["service=Dept".parse::<Mapping>().unwrap()];
        assert!(ColumnMap::detect(&h, &maps, "t.csv").is_err());
    }

    #[test]
    fn unknown_map_field_is_rejected() {
        let err = "colour=Notes".parse::<Mapping>().unwrap_err();
        assert!(err.contains("unknown field"), "{err}");
    }

    #[test]
    fn the_earliest_alias_wins_and_a_column_serves_one_field() {
        // "Reason" comes before "Type" in the code aliases; "Type" stays a plain column.
        let h = header(&["Type", "Reason", "Notes", "Contact ID", "Channel"]);
        // With no other id column, "Contact ID" is the contact's id, not the customer.
        let m = ColumnMap::detect(&h, &[], "t.csv").unwrap();
        assert_eq!(m.get(Field::Code), Some(1));
        assert_eq!(m.get(Field::Id), Some(3));
        assert_eq!(m.get(Field::Channel), Some(4));
        let maps = vec!["code=Channel".parse::<Mapping>().unwrap()];
        let m = ColumnMap::detect(&h, &maps, "t.csv").unwrap();
        assert_eq!(m.get(Field::Code), Some(4));
        assert_eq!(m.get(Field::Channel), None);
    }
    #[test]
    fn dynamics_contact_id_is_the_customer_when_a_ticket_number_exists() {
        let h = header(&["ticketNumber", "createdon", "notes", "contactId"]);
        let m = ColumnMap::detect(&h, &[], "t.csv").unwrap();
        assert_eq!(m.get(Field::Id), Some(0));
        assert_eq!(m.get(Field::Customer), Some(3));
    }

    #[test]
    fn every_alias_is_documented() {
        let doc = include_str!("../docs/columns.md");
        for field in Field::ALL {
            for alias in field.aliases() {
                assert!(
                    doc.contains(&format!("`{alias}`")),
                    "docs/columns.md does not list the {field} alias {alias}"
                );
            }
        }
        for alias in TIME_ALIASES {
            assert!(
                doc.contains(&format!("`{alias}`")),
                "docs/columns.md does not list the time-of-day alias {alias}"
            );
        }
    }

    #[test]
    fn a_date_column_and_a_time_column_make_one_timestamp() {
        let header: Vec<String> = ["Ref", "Call Date", "Time", "Notes"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let m = ColumnMap::detect(&header, &[], "t").unwrap();
        assert_eq!((m.get(Field::Timestamp), m.time), (Some(1), Some(2)));
        let explicit: Vec<Mapping> = ["timestamp=Ref", "timestamp=Time"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let m = ColumnMap::detect(&header, &explicit, "t").unwrap();
        assert_eq!((m.get(Field::Timestamp), m.time), (Some(0), Some(2)));
        // A full date-time column needs no time column.
        let header: Vec<String> = ["Created", "Time", "Notes"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let m = ColumnMap::detect(&header, &[], "t").unwrap();
        assert_eq!(m.time, None);
    }
}
