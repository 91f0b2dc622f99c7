//! Timestamps as contact-centre exports write them, read into seconds since 1970.
//!
//! Exports disagree about dates: ISO 8601 (with or without a zone), `dd/mm/yyyy HH:MM`,
//! two-digit years, `05-Jan-2025`, a date column and a time column, Excel serial numbers.
//! [`TimeParser`] reads all of these. Numeric dates are day-first unless the user says
//! month-first (UK exports are the first audience); a date that only makes sense the
//! other way round is an error of its own kind ([`TimeError::MonthFirst`]), so that the
//! caller can tell the user once instead of silently dropping rows. A time without a zone
//! is taken as it is (local time); a zone offset is applied. Repeat detection only
//! compares times, so the epoch is a convenience.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// How a numeric date such as `03/04/2025` is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DayOrder {
    /// 3 April 2025 (UK and most of the world).
    #[default]
    DayFirst,
    /// 4 March 2025 (US exports, such as NYC 311).
    MonthFirst,
}

/// Why a timestamp could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TimeError {
    /// The field is empty.
    Empty,
    /// Not a date in any form this reader knows.
    Unrecognised,
    /// A date of a known form that does not exist (31/02/2025, 25:00).
    Invalid,
    /// Read day-first, the month is over 12, but read month-first it is a real date.
    MonthFirst,
    /// Before 1970 or after 2105: outside what the repeat index stores.
    OutOfRange,
}

impl TimeError {
    /// A short reason, used as a key in reports.
    pub fn reason(self) -> &'static str {
        match self {
            TimeError::Empty => "empty timestamp",
            TimeError::Unrecognised => "unrecognised timestamp",
            TimeError::Invalid => "impossible date or time",
            TimeError::MonthFirst => "month-first date read day-first",
            TimeError::OutOfRange => "timestamp before 1970 or after 2105",
        }
    }
}

/// Reads timestamps under one day order, or with one explicit format.
#[derive(Debug, Clone, Default)]
pub struct TimeParser {
    pub order: DayOrder,
    /// A chrono strftime format (`--date-format`), tried instead of the automatic forms.
    pub format: Option<String>,
}

/// Seconds since 1970-01-01 00:00 (as written, or UTC when the text carries a zone).
pub type Seconds = i64;

const DAY: i64 = 86_400;

impl TimeParser {
    /// Reads one timestamp field.
    pub fn parse(&self, text: &str) -> Result<Seconds, TimeError> {
        self.parse_parts(text, None)
    }

    /// Reads a timestamp split over a date field and a time field (either may hold both).
    pub fn parse_parts(&self, date: &str, time: Option<&str>) -> Result<Seconds, TimeError> {
        let date = date.trim();
        let time = time.map(str::trim).filter(|t| !t.is_empty());
        if date.is_empty() {
            return Err(TimeError::Empty);
        }
        if time.is_none() && self.format.is_none() {
            if let Some(seconds) = self.common(date) {
                return Ok(seconds);
            }
        }
        self.general(date, time)
    }

    /// The usual shapes, `dd/mm/yyyy HH:MM[:SS]` (or with `-` or `.`, month first when so
    /// ordered) and `yyyy-mm-dd[ T]HH:MM[:SS]`, read at fixed positions: most exports use
    /// one of them for every row. `None` leaves anything else, and anything invalid, to
    /// [`TimeParser::general`], which gives the same answer for what this accepts.
    fn common(&self, s: &str) -> Option<Seconds> {
        let b = s.as_bytes();
        if (b.len() != 16 && b.len() != 19) || b[13] != b':' || (b.len() == 19 && b[16] != b':') {
            return None;
        }
        let num = |at: usize, n: usize| -> Option<u32> {
            b[at..at + n].iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let (year, month, day) = if b[4] == b'-' && b[7] == b'-' && matches!(b[10], b' ' | b'T') {
            (num(0, 4)?, num(5, 2)?, num(8, 2)?)
        } else if matches!(b[2], b'/' | b'-' | b'.') && b[5] == b[2] && b[10] == b' ' {
            let (first, second) = (num(0, 2)?, num(3, 2)?);
            let (day, month) = match self.order {
                DayOrder::DayFirst => (first, second),
                DayOrder::MonthFirst => (second, first),
            };
            (num(6, 4)?, month, day)
        } else {
            return None;
        };
        let (hour, minute) = (num(11, 2)?, num(14, 2)?);
        let second = if b.len() == 19 { num(17, 2)? } else { 0 };
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let days = civil(year as i32, month, day).ok()?;
        let seconds = days * DAY + i64::from(hour * 3600 + minute * 60 + second);
        (0..=MAX_SECONDS).contains(&seconds).then_some(seconds)
    }

    /// Every form [`TimeParser::parse_parts`] reads (see the module documentation).
    fn general(&self, date: &str, time: Option<&str>) -> Result<Seconds, TimeError> {
        if let Some(format) = &self.format {
            let joined;
            let text = match time {
                Some(t) => {
                    joined = format!("{date} {t}");
                    &joined
                }
                None => date,
            };
            return explicit(text, format);
        }
        let serial = excel_serial(date);
        let (days, rest) = match serial {
            // 25569 is 1970-01-01 as an Excel serial.
            Some(serial) => (serial.floor() as i64 - 25_569, ""),
            None => self.date(date)?,
        };
        let excel_fraction = serial.map_or(0.0, |s| s - s.floor());
        let clock = match (time, rest.trim_start_matches(['T', 't', ',', ' '])) {
            (Some(t), _) => match t.parse::<f64>() {
                // A time column can itself be an Excel day fraction.
                Ok(f) if (0.0..1.0).contains(&f) => Clock::at((f * DAY as f64).round()),
                _ => clock(t)?,
            },
            (None, "") => Clock::at((excel_fraction * DAY as f64).round()),
            (None, rest) => clock(rest)?,
        };
        let seconds = days * DAY + clock.seconds - clock.offset;
        if !(0..=MAX_SECONDS).contains(&seconds) {
            return Err(TimeError::OutOfRange);
        }
        Ok(seconds)
    }

    /// Reads the date at the start of `s`: the days since 1970 and the text after it.
    fn date<'a>(&self, s: &'a str) -> Result<(i64, &'a str), TimeError> {
        let mut cur = Cursor::new(s);
        // "Mon 02/01/2025", "Monday, 2 January 2025".
        if let Some(word) = cur.peek_word() {
            if weekday(word) {
                cur.word();
                cur.skip_any(", ");
            }
        }
        if let Some(word) = cur.peek_word() {
            // "January 2, 2025" / "Jan 2 2025".
            let month = month_name(word).ok_or(TimeError::Unrecognised)?;
            cur.word();
            cur.skip_any(" ");
            let day = cur.number(1, 2).ok_or(TimeError::Unrecognised)?;
            cur.skip_ordinal();
            cur.skip_any(", ");
            let year = year(cur.number(2, 4).ok_or(TimeError::Unrecognised)?);
            return Ok((civil(year, month, day)?, cur.rest()));
        }
        let (first, first_len) = cur.number_with_len(1, 4).ok_or(TimeError::Unrecognised)?;
        cur.skip_ordinal();
        let sep = cur.one_of("-/. ").ok_or(TimeError::Unrecognised)?;
        if first_len == 4 {
            // yyyy-mm-dd, yyyy/mm/dd
            let month = cur.number(1, 2).ok_or(TimeError::Unrecognised)?;
            cur.expect(sep)?;
            let day = cur.number(1, 2).ok_or(TimeError::Unrecognised)?;
            return Ok((civil(first as i32, month, day)?, cur.rest()));
        }
        if first_len == 3 {
            return Err(TimeError::Unrecognised);
        }
        if let Some(word) = cur.peek_word() {
            // 05-Jan-2025, 5 January 2025, 5th Jan 25
            let month = month_name(word).ok_or(TimeError::Unrecognised)?;
            cur.word();
            cur.one_of("-/. ").ok_or(TimeError::Unrecognised)?;
            let year = year(cur.number(2, 4).ok_or(TimeError::Unrecognised)?);
            return Ok((civil(year, month, first)?, cur.rest()));
        }
        let second = cur.number(1, 2).ok_or(TimeError::Unrecognised)?;
        cur.expect(sep)?;
        let year = year(cur.number(2, 4).ok_or(TimeError::Unrecognised)?);
        let (day, month) = match self.order {
            DayOrder::DayFirst => (first, second),
            DayOrder::MonthFirst => (second, first),
        };
        match civil(year, month, day) {
            Err(TimeError::Invalid)
                if self.order == DayOrder::DayFirst
                    && month > 12
                    && civil(year, day, month).is_ok() =>
            {
                Err(TimeError::MonthFirst)
            }
            other => other.map(|d| (d, cur.rest())),
        }
    }
}

/// 2105-12-31 23:59:59, the last second a `u32` count from 1970 comfortably holds.
const MAX_SECONDS: i64 = 4_291_747_199;

/// A time of day and the zone offset written after it.
struct Clock {
    seconds: i64,
    offset: i64,
}

impl Clock {
    fn at(s: f64) -> Clock {
        Clock {
            seconds: s as i64,
            offset: 0,
        }
    }
}

/// Reads `HH:MM[:SS[.fff]] [AM|PM] [Z|UTC|GMT|+hh[:mm]]`.
fn clock(s: &str) -> Result<Clock, TimeError> {
    let mut cur = Cursor::new(s.trim());
    let mut hour = cur.number(1, 2).ok_or(TimeError::Unrecognised)?;
    cur.expect(':')?;
    let minute = cur.number(2, 2).ok_or(TimeError::Unrecognised)?;
    let mut second = 0;
    if cur.eat(':') {
        second = cur.number(2, 2).ok_or(TimeError::Unrecognised)?;
        if cur.eat('.') || cur.eat(',') {
            cur.digits();
        }
    }
    cur.skip_any(" ");
    let meridiem = cur.peek_word().map(|w| w.to_ascii_lowercase());
    match meridiem.as_deref() {
        Some("am" | "a") | Some("pm" | "p") => {
            let pm = meridiem.as_deref().is_some_and(|m| m.starts_with('p'));
            cur.word();
            cur.eat('.');
            if !(1..=12).contains(&hour) {
                return Err(TimeError::Invalid);
            }
            hour = hour % 12 + if pm { 12 } else { 0 };
        }
        _ => {}
    }
    cur.skip_any(" ");
    let offset = zone(cur.rest())?;
    if hour > 23 || minute > 59 || second > 60 {
        return Err(TimeError::Invalid);
    }
    Ok(Clock {
        seconds: i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second.min(59)),
        offset,
    })
}

/// A zone designator's offset from UTC in seconds.
fn zone(s: &str) -> Result<i64, TimeError> {
    let s = s.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("z") {
        return Ok(0);
    }
    if s.eq_ignore_ascii_case("utc") || s.eq_ignore_ascii_case("gmt") {
        return Ok(0);
    }
    let sign = match s.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return Err(TimeError::Unrecognised),
    };
    let digits: String = s[1..].chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return Err(TimeError::Unrecognised);
    }
    let hours: i64 = digits[..2].parse().map_err(|_| TimeError::Unrecognised)?;
    let minutes: i64 = digits.get(2..).map_or(Ok(0), str::parse).unwrap_or(0);
    if hours > 14 || minutes > 59 {
        return Err(TimeError::Invalid);
    }
    Ok(sign * (hours * 3600 + minutes * 60))
}

/// An Excel serial date (days since 1899-12-30, the fraction being the time of day),
/// accepted between 1954 and 2119 so that ordinary numbers are not taken for dates.
fn excel_serial(s: &str) -> Option<f64> {
    let int = s.split('.').next()?;
    if int.len() != 5 || !s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    (20_000.0..80_000.0).contains(&v).then_some(v)
}

/// Parses with a user-given strftime format: a date and time, or a date alone.
fn explicit(text: &str, format: &str) -> Result<Seconds, TimeError> {
    let at = NaiveDateTime::parse_from_str(text, format)
        .or_else(|_| NaiveDate::parse_from_str(text, format).map(|d| d.and_time(NaiveTime::MIN)))
        .map_err(|e| match e.kind() {
            chrono::format::ParseErrorKind::OutOfRange
            | chrono::format::ParseErrorKind::Impossible => TimeError::Invalid,
            _ => TimeError::Unrecognised,
        })?;
    let seconds = at.and_utc().timestamp();
    if !(0..=MAX_SECONDS).contains(&seconds) {
        return Err(TimeError::OutOfRange);
    }
    Ok(seconds)
}

/// Days since 1970-01-01 of a calendar date, if it exists.
fn civil(year: i32, month: u32, day: u32) -> Result<i64, TimeError> {
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(TimeError::Invalid)?;
    Ok(date.signed_duration_since(NaiveDate::default()).num_days())
}

/// A two-digit year is 2000-2069 or 1970-1999.
fn year(y: u32) -> i32 {
    match y {
        0..=69 => 2000 + y as i32,
        70..=99 => 1900 + y as i32,
        _ => y as i32,
    }
}

fn month_name(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let w = word.to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let i = MONTHS.iter().position(|m| w.starts_with(m))?;
    // "Sept" is common; otherwise the word is the abbreviation or the full name.
    (w.len() == 3 || full[i] == w || w == "sept").then_some(i as u32 + 1)
}

fn weekday(word: &str) -> bool {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let w = word.to_ascii_lowercase();
    w.len() >= 3 && DAYS.iter().any(|d| d.starts_with(&w) || **d == w)
}

/// A small reader over ASCII date text.
struct Cursor<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor { s, at: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.s[self.at..]
    }

    fn eat(&mut self, c: char) -> bool {
        if self.rest().starts_with(c) {
            self.at += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), TimeError> {
        self.eat(c).then_some(()).ok_or(TimeError::Unrecognised)
    }

    fn one_of(&mut self, set: &str) -> Option<char> {
        let c = self.rest().chars().next().filter(|c| set.contains(*c))?;
        self.at += c.len_utf8();
        Some(c)
    }

    fn skip_any(&mut self, set: &str) {
        while self.one_of(set).is_some() {}
    }

    fn digits(&mut self) -> &'a str {
        let rest = self.rest();
        let n = rest.bytes().take_while(u8::is_ascii_digit).count();
        self.at += n;
        &rest[..n]
    }

    /// A number of `min..=max` digits (more digits is no match).
    fn number_with_len(&mut self, min: usize, max: usize) -> Option<(u32, usize)> {
        let start = self.at;
        let d = self.digits();
        if d.len() < min || d.len() > max {
            self.at = start;
            return None;
        }
        Some((d.parse().ok()?, d.len()))
    }

    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        self.number_with_len(min, max).map(|(n, _)| n)
    }

    fn peek_word(&self) -> Option<&'a str> {
        let rest = self.rest();
        let n = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        (n > 0).then(|| &rest[..n])
    }

    fn word(&mut self) {
        if let Some(w) = self.peek_word() {
            self.at += w.len();
        }
    }

    /// "1st", "2nd", "3rd", "4th".
    fn skip_ordinal(&mut self) {
        if let Some(w) = self.peek_word() {
            if matches!(w.to_ascii_lowercase().as_str(), "st" | "nd" | "rd" | "th") {
                self.word();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_agrees_with_the_general_parser() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let mut accepted = 0;
        for order in [DayOrder::DayFirst, DayOrder::MonthFirst] {
            let p = TimeParser {
                order,
                format: None,
            };
            for _ in 0..20_000 {
                // Values around and past the valid ranges, in both shapes and separators.
                let (a, b) = (next(35), next(35));
                let (y, h, mi, s) = (1960 + next(160), next(26), next(62), next(62));
                let sep = ['/', '-', '.', ':'][next(4) as usize];
                let secs = if next(2) == 0 {
                    String::new()
                } else {
                    format!(":{s:02}")
                };
                let text = if next(2) == 0 {
                    format!("{a:02}{sep}{b:02}{sep}{y:04} {h:02}:{mi:02}{secs}")
                } else {
                    let t = ['T', ' ', '_'][next(3) as usize];
                    format!("{y:04}-{a:02}-{b:02}{t}{h:02}:{mi:02}{secs}")
                };
                if let Some(fast) = p.common(&text) {
                    accepted += 1;
                    assert_eq!(p.general(&text, None), Ok(fast), "{text}");
                }
            }
        }
        assert!(accepted > 4_000, "the fast path took only {accepted}");
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> i64 {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, s)
            .unwrap()
            .and_utc()
            .timestamp()
    }

    fn uk(s: &str) -> Result<i64, TimeError> {
        TimeParser::default().parse(s)
    }

    #[test]
    fn reads_the_common_export_forms() {
        let t = at(2025, 1, 2, 8, 31, 0);
        for s in [
            "02/01/2025 08:31",
            "2/1/2025 8:31",
            "02/01/25 08:31",
            "02-01-2025 08:31:00",
            "02.01.2025 08:31",
            "2025-01-02 08:31:00",
            "2025-01-02T08:31:00",
            "2025-01-02T08:31:00Z",
            "2025-01-02T09:31:00+01:00",
            "2025-01-02T03:31:00-0500",
            "2025-01-02 08:31:00.123",
            "02-Jan-2025 08:31",
            "2 January 2025 08:31",
            "2nd Jan 2025, 08:31",
            "January 2, 2025 8:31 AM",
            "Thu 02/01/2025 08:31",
            "02/01/2025 8:31:00 am",
            "45659.355",
        ] {
            let got = uk(s);
            // Excel 45659.355 is 2025-01-02 08:31:12 (0.355 of a day).
            let want = if s.starts_with("45659") { t + 12 } else { t };
            assert_eq!(got, Ok(want), "{s}");
        }
        assert_eq!(uk("02/01/2025"), Ok(at(2025, 1, 2, 0, 0, 0)));
        assert_eq!(uk("12/01/2025 12:05 PM"), Ok(at(2025, 1, 12, 12, 5, 0)));
        assert_eq!(uk("12/01/2025 12:05 AM"), Ok(at(2025, 1, 12, 0, 5, 0)));
    }

    #[test]
    fn day_order_is_a_choice_and_contradictions_are_named() {
        let us = TimeParser {
            order: DayOrder::MonthFirst,
            format: None,
        };
        assert_eq!(us.parse("10/21/18 0:00"), Ok(at(2018, 10, 21, 0, 0, 0)));
        assert_eq!(uk("10/21/18 0:00"), Err(TimeError::MonthFirst));
        assert_eq!(uk("03/04/2025"), Ok(at(2025, 4, 3, 0, 0, 0)));
        assert_eq!(us.parse("03/04/2025"), Ok(at(2025, 3, 4, 0, 0, 0)));
        // Impossible either way round.
        assert_eq!(uk("31/13/2025"), Err(TimeError::Invalid));
        assert_eq!(uk("31/02/2025"), Err(TimeError::Invalid));
    }

    #[test]
    fn separate_date_and_time_fields() {
        let p = TimeParser::default();
        let t = at(2025, 1, 2, 8, 31, 0);
        assert_eq!(p.parse_parts("02/01/2025", Some("08:31")), Ok(t));
        assert_eq!(p.parse_parts("45659", Some("0.3548611")), Ok(t));
        assert_eq!(
            p.parse_parts("02/01/2025", Some("")),
            Ok(at(2025, 1, 2, 0, 0, 0))
        );
        assert_eq!(p.parse_parts("", Some("08:31")), Err(TimeError::Empty));
    }

    #[test]
    fn explicit_format() {
        let p = TimeParser {
            order: DayOrder::DayFirst,
            format: Some("%Y%m%d %H%M".into()),
        };
        assert_eq!(p.parse("20250102 0831"), Ok(at(2025, 1, 2, 8, 31, 0)));
        let d = TimeParser {
            order: DayOrder::DayFirst,
            format: Some("%d.%m.%Y".into()),
        };
        assert_eq!(d.parse("02.01.2025"), Ok(at(2025, 1, 2, 0, 0, 0)));
        assert_eq!(d.parse("2025-01-02"), Err(TimeError::Unrecognised));
    }

    #[test]
    fn rubbish_is_an_error_never_a_panic() {
        for s in [
            "",
            "  ",
            "n/a",
            "tomorrow",
            "2025",
            "12345",
            "1/2",
            "02/01/2025 8",
            "02/01/2025 25:00",
            "02/01/2025 08:61",
            "2025-01-02T08:31:00+99:00",
            "02/01/2025 08:31 XYZ",
            "Ω/€/£",
            "02//2025",
            "-1/-1/-1",
            "1e5",
            "99999999999999999999/1/1",
        ] {
            assert!(uk(s).is_err(), "{s:?} should not parse");
        }
        assert_eq!(uk(""), Err(TimeError::Empty));
        assert_eq!(uk("01/01/1969"), Err(TimeError::OutOfRange));
    }
}
