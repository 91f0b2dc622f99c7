//! Periods for the time breakdown (`report --by-period`): the point of measuring failure
//! demand is to see it fall after a service is redesigned.
//!
//! A period is an integer index (days, ISO weeks, months or quarters since 1970), so that
//! gaps between the first and last period can be filled with zeros, and a label people read
//! (`2025-01-31`, `2025-W05`, `2025-01`, `2025-Q1`).

use chrono::{Datelike, Duration, NaiveDate};

/// The length of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Day,
    /// ISO 8601 weeks, Monday to Sunday, labelled by ISO year and week number.
    Week,
    Month,
    Quarter,
}

fn epoch() -> NaiveDate {
    NaiveDate::default()
}

impl Period {
    /// The index of the period holding `seconds` since 1970.
    pub fn index(self, seconds: i64) -> i64 {
        let days = seconds.div_euclid(86_400);
        let date = epoch() + Duration::days(days);
        match self {
            Period::Day => days,
            // 1970-01-01 was a Thursday: count whole weeks from Monday 1969-12-29.
            Period::Week => (days + 3).div_euclid(7),
            Period::Month => i64::from(date.year()) * 12 + i64::from(date.month0()),
            Period::Quarter => i64::from(date.year()) * 4 + i64::from(date.month0() / 3),
        }
    }

    /// The label of period `index`.
    pub fn label(self, index: i64) -> String {
        match self {
            Period::Day => (epoch() + Duration::days(index)).to_string(),
            Period::Week => {
                let monday = epoch() + Duration::days(index * 7 - 3);
                let week = monday.iso_week();
                format!("{}-W{:02}", week.year(), week.week())
            }
            Period::Month => format!("{}-{:02}", index.div_euclid(12), index.rem_euclid(12) + 1),
            Period::Quarter => format!("{}-Q{}", index.div_euclid(4), index.rem_euclid(4) + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32) -> i64 {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(13, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp()
    }

    #[test]
    fn labels_and_boundaries() {
        let label = |p: Period, t: i64| p.label(p.index(t));
        assert_eq!(label(Period::Day, at(2025, 1, 31)), "2025-01-31");
        assert_eq!(label(Period::Month, at(2025, 1, 31)), "2025-01");
        assert_eq!(label(Period::Quarter, at(2025, 4, 1)), "2025-Q2");
        assert_eq!(label(Period::Quarter, at(2025, 3, 31)), "2025-Q1");
        // ISO weeks: 2024-12-30 (Monday) is in 2025-W01; 2025-12-29 in 2026-W01;
        // 2021-01-03 (Sunday) still in 2020-W53.
        assert_eq!(label(Period::Week, at(2024, 12, 30)), "2025-W01");
        assert_eq!(label(Period::Week, at(2025, 1, 5)), "2025-W01");
        assert_eq!(label(Period::Week, at(2025, 1, 6)), "2025-W02");
        assert_eq!(label(Period::Week, at(2025, 12, 29)), "2026-W01");
        assert_eq!(label(Period::Week, at(2021, 1, 3)), "2020-W53");
        assert_eq!(label(Period::Week, at(1970, 1, 1)), "1970-W01");
    }

    #[test]
    fn consecutive_indices_are_consecutive_periods() {
        let w = Period::Week.index(at(2025, 1, 6));
        assert_eq!(Period::Week.index(at(2025, 1, 12)), w);
        assert_eq!(Period::Week.index(at(2025, 1, 13)), w + 1);
        let m = Period::Month.index(at(2024, 12, 1));
        assert_eq!(Period::Month.label(m + 1), "2025-01");
        let d = Period::Day.index(at(2025, 2, 28));
        assert_eq!(Period::Day.label(d + 1), "2025-03-01");
    }
}
