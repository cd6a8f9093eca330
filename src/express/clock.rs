//! The reporting clocks of a report and who must receive it. "Now" is an argument: the core reads
//! no clock. Hour clocks are instants (learned + 60 min, in the offset the report gave, so a report
//! learned at 23:30 is due at 00:30 the next day there); the summary's is calendar days in the
//! offset of the time the handling ended (the 10th day after it, included), as ledger deadlines.

use super::fold::Report;
use super::policy::{ExpressPolicy, Level};
use crate::ledger::date::{date_text, parse_at, Deadline};
use crate::text::Text;
use chrono::{DateTime, Duration, FixedOffset};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// The first report to the bureau above (1 h).
    FirstReport,
    /// The report reaching the provincial bureau (2 h), for the grades the policy names.
    ToProvince,
    /// The summary after the handling ended (10 days).
    Summary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Not done, time left.
    Running,
    /// Not done, time up.
    Overdue,
    /// Done in time.
    Met,
    /// Done after the deadline.
    Late,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clock {
    pub kind: ClockKind,
    /// The deadline: an instant for hour clocks; for the summary the end of its last day.
    pub due: String,
    /// The summary's last day (`YYYY-MM-DD` in the offset of `due`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    pub state: ClockState,
    /// When the server received what the clock waits for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done_at: Option<String>,
    /// Hour clocks: seconds until the deadline at `now` (negative when over); when done, how
    /// early (positive) or late (negative) it was done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_left: Option<i64>,
    /// The summary: days left at `now` (negative when late), or when done, days to spare.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
}

fn rfc3339(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

fn hour_clock(
    kind: ClockKind,
    learned: DateTime<FixedOffset>,
    minutes: u32,
    done: Option<DateTime<FixedOffset>>,
    now: DateTime<FixedOffset>,
) -> Clock {
    let due = learned + Duration::minutes(i64::from(minutes));
    let (state, left) = match done {
        Some(d) if d <= due => (ClockState::Met, due - d),
        Some(d) => (ClockState::Late, due - d),
        None if now <= due => (ClockState::Running, due - now),
        None => (ClockState::Overdue, due - now),
    };
    Clock {
        kind,
        due: rfc3339(due),
        due_date: None,
        state,
        done_at: done.map(rfc3339),
        seconds_left: Some(left.num_seconds()),
        days_left: None,
    }
}

/// The clocks of a report at `now`: the first report and (for the graver grades) the report to
/// the province from when the bureau learned of the event; the summary once the handling ended.
pub fn clocks(r: &Report, policy: &ExpressPolicy, now: DateTime<FixedOffset>) -> Vec<Clock> {
    let mut out = Vec::new();
    let Some(learned) = parse_at(&r.initial.learned_at) else {
        return out;
    };
    let delivered = r.opened.received_at.as_deref().and_then(parse_at);
    let c = &policy.clocks;
    out.push(hour_clock(
        ClockKind::FirstReport,
        learned,
        c.first_report_minutes,
        delivered,
        now,
    ));
    if c.to_province_grades.contains(&r.grade) {
        out.push(hour_clock(
            ClockKind::ToProvince,
            learned,
            c.to_province_minutes,
            delivered,
            now,
        ));
    }
    if let Some(ended) = r.closed.as_ref().and_then(|c| parse_at(&c.ended_at)) {
        let day = ended.date_naive() + Duration::days(i64::from(c.summary_days));
        let dl = Deadline::new(day, ended);
        let done = r
            .summary
            .as_ref()
            .and_then(|s| s.step.received_at.as_deref())
            .and_then(parse_at);
        let (state, days) = match done {
            Some(d) if dl.days_late(d) == 0 => (ClockState::Met, dl.days_left(d)),
            Some(d) => (ClockState::Late, dl.days_left(d)),
            None if dl.days_late(now) == 0 => (ClockState::Running, dl.days_left(now)),
            None => (ClockState::Overdue, dl.days_left(now)),
        };
        out.push(Clock {
            kind: ClockKind::Summary,
            due: format!("{}T23:59:59{}", date_text(day), ended.offset()),
            due_date: Some(date_text(day)),
            state,
            done_at: done.map(rfc3339),
            seconds_left: None,
            days_left: Some(days),
        });
    }
    out
}

/// The administrative level of a division code: `520000` a province, `520100` a prefecture,
/// anything else a county.
pub fn level_of(region: &str) -> Level {
    match (region.get(2..6), region.get(4..6)) {
        (Some("0000"), _) => Level::Province,
        (_, Some("00")) => Level::City,
        _ => Level::County,
    }
}

/// Who must receive a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipient {
    pub level: Level,
    /// The bureau's division code (none for the government, informed outside paicha, and SAMR).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub name: Text,
    /// A bureau that sees the report in paicha the moment the server has it.
    pub in_paicha: bool,
}

/// The recipients of a report of its grade, made at its region's level: the local Party
/// committee and government, then the market regulators level by level up to the one the grade
/// calls for (at least the level above).
pub fn recipients(r: &Report, policy: &ExpressPolicy) -> Vec<Recipient> {
    let region = r.initial.region.as_str();
    let own = level_of(region);
    let mut out = vec![Recipient {
        level: own,
        region: None,
        name: policy.recipients.always.clone(),
        in_paicha: false,
    }];
    let top = policy.up_to(r.grade);
    let prefix = |n: usize| region.get(..n).map(|p| format!("{p:0<6}"));
    for (level, code, name) in [
        (
            Level::City,
            prefix(4),
            Text::new("市（州）市场监管局", "the prefecture's market regulator"),
        ),
        (
            Level::Province,
            prefix(2),
            Text::new("省市场监管局", "the provincial market regulator"),
        ),
        (
            Level::National,
            None,
            Text::new("国家市场监督管理总局", "SAMR (national)"),
        ),
    ] {
        let above = level > own;
        let first_above = out.len() == 1;
        if above && (level <= top || first_above) {
            out.push(Recipient {
                level,
                in_paicha: code.is_some(),
                region: code,
                name,
            });
        }
    }
    out
}
