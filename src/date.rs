//! Calendar days as text, one home for the whole core: the strict `YYYY-MM-DD` reader (what date
//! widgets store; checked against the calendar, so `2023-02-29` is refused rather than rolled into
//! March, and `2023-9-1`, which chrono's parser takes, is refused too), its writer, and days since
//! 1970-01-01 (how expressions count days). Templates (standard validity), answers, expressions,
//! report deadlines, the ledger and the server all read and write days through here.

use chrono::{Datelike, NaiveDate};

/// Days from 0001-01-01 (chrono's "CE" day 1) to 1970-01-01.
const EPOCH_FROM_CE: i32 = 719_163;

/// A strict `YYYY-MM-DD` day that exists.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let digit = |b: u8| b.is_ascii_digit().then(|| u32::from(b - b'0'));
    match s.as_bytes() {
        [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] => {
            let year = ((digit(*y0)? * 10 + digit(*y1)?) * 10 + digit(*y2)?) * 10 + digit(*y3)?;
            NaiveDate::from_ymd_opt(
                i32::try_from(year).ok()?,
                digit(*m0)? * 10 + digit(*m1)?,
                digit(*d0)? * 10 + digit(*d1)?,
            )
        }
        _ => None,
    }
}

/// `YYYY-MM-DD` (four-digit year), without chrono's strftime machinery, which would weigh on the
/// WASM build.
pub fn date_text(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Days since 1970-01-01.
pub fn to_days(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - EPOCH_FROM_CE
}

/// The day `days` after 1970-01-01; None beyond what chrono represents.
pub fn from_days(days: i32) -> Option<NaiveDate> {
    days.checked_add(EPOCH_FROM_CE)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_days_only() {
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
            "2023-13-01",
            "2023-00-10",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn text_and_day_numbers_round_trip() {
        for s in [
            "0000-01-01",
            "0999-01-02",
            "1969-12-31",
            "1970-01-01",
            "9999-12-31",
        ] {
            let d = parse_date(s);
            assert_eq!(d.map(date_text).as_deref(), Some(s));
            assert_eq!(d.map(to_days).and_then(from_days), d);
        }
        assert_eq!(parse_date("1970-01-02").map(to_days), Some(1));
        assert_eq!(from_days(i32::MAX), None);
    }
}
