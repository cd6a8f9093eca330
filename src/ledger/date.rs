//! Calendar arithmetic for deadlines and the two-year window.
//!
//! Deadlines are calendar days, not instants: "rectify by 2023-09-18" means until the end of that
//! day where the order was given. So a deadline keeps the offset of the event that set it, and
//! "now" is turned into that offset before comparing days. Periods in years follow the Civil Code
//! (arts. 201-202): the period ends on the corresponding day of the last year, or on the last day of
//! the month when there is no such day (a period from 29 February ends on 28 February).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// An RFC 3339 date-time with an offset (`Z` counts as +00:00).
pub fn parse_at(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

/// Days as text: the core's one strict reader and writer (`crate::date`).
pub use crate::date::{date_text, parse_date};

/// The same day `years` later; 29 February becomes 28 February in a common year (Civil Code
/// art. 202: no corresponding day, so the last day of the month).
pub fn add_years(d: NaiveDate, years: i32) -> NaiveDate {
    let y = d.year().saturating_add(years);
    NaiveDate::from_ymd_opt(y, d.month(), d.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, d.month(), 28))
        .unwrap_or(if years < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
}

/// Whether `later` falls within the two years that follow `earlier` (its last day included).
pub fn within_two_years(earlier: NaiveDate, later: NaiveDate) -> bool {
    earlier <= later && later <= add_years(earlier, 2)
}

/// A deadline: a calendar day in the offset of the event that set it. Read back as written (the
/// server keeps folded entries and reads them back for its views).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    #[serde(serialize_with = "ser_date", deserialize_with = "de_date")]
    pub date: NaiveDate,
    #[serde(serialize_with = "ser_offset", deserialize_with = "de_offset")]
    pub offset: FixedOffset,
}

fn de_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = String::deserialize(d)?;
    parse_date(&s).ok_or_else(|| serde::de::Error::custom("a date YYYY-MM-DD"))
}

fn de_offset<'de, D: serde::Deserializer<'de>>(d: D) -> Result<FixedOffset, D::Error> {
    let s = String::deserialize(d)?;
    s.parse()
        .map_err(|_| serde::de::Error::custom("an offset +HH:MM"))
}

fn ser_date<S: serde::Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&date_text(*d))
}

fn ser_offset<S: serde::Serializer>(o: &FixedOffset, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&o.to_string())
}

impl Deadline {
    /// A deadline written in an event made at `at`.
    pub fn new(date: NaiveDate, at: DateTime<FixedOffset>) -> Self {
        Deadline {
            date,
            offset: *at.offset(),
        }
    }

    /// Whole days past the deadline at `now` (0 on the day itself and before).
    pub fn days_late(&self, now: DateTime<FixedOffset>) -> i64 {
        let today = now.with_timezone(&self.offset).date_naive();
        (today - self.date).num_days().max(0)
    }

    /// Days left until the deadline at `now`, negative when late.
    pub fn days_left(&self, now: DateTime<FixedOffset>) -> i64 {
        (self.date - now.with_timezone(&self.offset).date_naive()).num_days()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn strict_dates() {
        assert_eq!(
            parse_date("2024-02-29"),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        for bad in [
            "2023-02-29",
            "2023-9-01",
            "2023-09-1 ",
            "+2023-09-01",
            "2023/09/01",
            "２０２３-09-01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(date_text(d("0999-01-02")), "0999-01-02");
    }

    #[test]
    fn years_follow_the_civil_code() {
        assert_eq!(add_years(d("2024-02-29"), 2), d("2026-02-28"));
        assert_eq!(add_years(d("2024-02-29"), 4), d("2028-02-29"));
        assert_eq!(add_years(d("2024-02-29"), -2), d("2022-02-28"));
        assert_eq!(add_years(d("2023-03-01"), 2), d("2025-03-01"));
        assert_eq!(add_years(NaiveDate::MAX, 1), NaiveDate::MAX);
        assert_eq!(add_years(NaiveDate::MIN, -1), NaiveDate::MIN);
    }

    #[test]
    fn deadlines_are_days_in_their_own_offset() {
        let at = parse_at("2023-07-20T10:00:00+08:00");
        let Some(at) = at else { return };
        let dl = Deadline::new(d("2023-09-18"), at);
        let now = |s: &str| parse_at(s).unwrap_or(at);
        // 23:59 in Beijing on the day itself: not late; 16:00 UTC that day is midnight in Beijing.
        assert_eq!(dl.days_late(now("2023-09-18T23:59:59+08:00")), 0);
        assert_eq!(dl.days_late(now("2023-09-18T15:59:59Z")), 0);
        assert_eq!(dl.days_late(now("2023-09-18T16:00:00Z")), 1);
        assert_eq!(dl.days_left(now("2023-09-17T12:00:00+08:00")), 1);
        assert_eq!(dl.days_left(now("2023-09-20T12:00:00+08:00")), -2);
    }
}
