//! Views of the ledger for people: an enterprise's open items, a region's ledger with the overdue
//! first, and CSV export. Pure functions of the state and "now".

use super::date::{date_text, Deadline};
use super::entry::{Entry, Status};
use super::fold::LedgerState;
use super::follow::{next_due, Due};
use super::spot::{key_inspections, KeyInspection, SpotCheck};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

/// One entry as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row<'a> {
    pub entry: &'a Entry,
    /// The deadline running now, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<Due>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
    /// Days left until it (negative when late).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
}

impl<'a> Row<'a> {
    pub fn of(entry: &'a Entry, now: DateTime<FixedOffset>) -> Row<'a> {
        let due = next_due(entry);
        Row {
            entry,
            due: due.map(|d| d.0),
            deadline: due.map(|d| d.1),
            days_left: due.map(|d| d.1.days_left(now)),
        }
    }

    pub fn days_late(&self) -> i64 {
        self.days_left.map_or(0, |d| (-d).max(0))
    }
}

/// Sort key: overdue first (latest first), then the running deadlines soonest first, then open
/// entries without one, then closed entries; ties by entry id so the order is stable.
fn key<'r>(r: &'r Row<'_>) -> (u8, i64, &'r str) {
    let (class, d) = rank(r.entry.status, r.days_left);
    (class, d, r.entry.id.as_str())
}

/// Where a row sorts before its entry id breaks ties, from the entry's status and the days left
/// until its running deadline. The server's databases order a view the same way in SQL
/// (`LedgerStore::entry_page`; `server/tests/ledger_kept.rs` holds the two equal).
pub fn rank(status: Status, days_left: Option<i64>) -> (u8, i64) {
    match (status, days_left) {
        (_, Some(d)) if d < 0 => (0, d),
        (_, Some(d)) => (1, d),
        (Status::Closed, None) => (3, 0),
        (_, None) => (2, 0),
    }
}

fn sorted(mut rows: Vec<Row<'_>>) -> Vec<Row<'_>> {
    rows.sort_by(|a, b| key(a).cmp(&key(b)));
    rows
}

/// What an enterprise sees: its open entries and their deadlines, the most pressing first.
pub fn enterprise_open<'a>(
    state: &'a LedgerState,
    uscc: &str,
    now: DateTime<FixedOffset>,
) -> Vec<Row<'a>> {
    sorted(
        state
            .entries
            .iter()
            .filter(|e| e.is_open() && e.created.enterprise.uscc == uscc)
            .map(|e| Row::of(e, now))
            .collect(),
    )
}

/// Whose ledger a view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer<'a> {
    /// An enterprise: its open entries.
    Enterprise(&'a str),
    /// A supervisor: a region's ledger (a division code and everything under it).
    Region(&'a str),
}

/// One view of the ledger, the same on the server (`GET /api/v1/ledger`) and on a device folding
/// the events it pulled: the rows, and how many conflicts wait for a decision and how many acts
/// were refused.
#[derive(Debug, Serialize)]
pub struct LedgerView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uscc: Option<&'a str>,
    pub rows: Vec<Row<'a>>,
    pub conflicts: usize,
    pub rejected: usize,
}

pub fn view<'a>(
    state: &'a LedgerState,
    who: Viewer<'a>,
    now: DateTime<FixedOffset>,
) -> LedgerView<'a> {
    let (rows, region, uscc) = match who {
        Viewer::Enterprise(u) => (enterprise_open(state, u, now), None, Some(u)),
        Viewer::Region(r) => (region_ledger(state, r, now), Some(r), None),
    };
    LedgerView {
        region,
        uscc,
        rows,
        conflicts: state.conflicts().count(),
        rejected: state.errors().count(),
    }
}

/// Whether a division code lies within `region`: trailing `00` pairs widen it (`520000` is the
/// province of Guizhou, `520100` the city of Guiyang, `520102` one district).
pub fn in_region(code: &str, region: &str) -> bool {
    let mut prefix = region;
    while prefix.len() > 2 {
        match prefix.strip_suffix("00") {
            Some(p) => prefix = p,
            None => break,
        }
    }
    code.len() == region.len() && code.starts_with(prefix)
}

/// What an inspector sees: the region's whole ledger, overdue first, closed entries last.
pub fn region_ledger<'a>(
    state: &'a LedgerState,
    region: &str,
    now: DateTime<FixedOffset>,
) -> Vec<Row<'a>> {
    sorted(
        state
            .entries
            .iter()
            .filter(|e| in_region(&e.created.enterprise.region, region))
            .map(|e| Row::of(e, now))
            .collect(),
    )
}

/// What an inspector sees beside the ledger: the region's enterprises due a key on-site inspection
/// (two or more unqualified spot checks in the two years up to `today`).
pub fn region_key_inspections(
    spots: &[SpotCheck],
    region: &str,
    today: NaiveDate,
) -> Vec<KeyInspection> {
    key_inspections(spots, today)
        .into_iter()
        .filter(|k| in_region(&k.enterprise.region, region))
        .collect()
}

/// One CSV field, quoted when it must be (RFC 4180: comma, quote, CR or LF inside; quotes doubled).
/// A field that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a
/// leading `'`: measures and notes are typed by enterprises, and an export is opened in Excel.
/// Written by hand rather than with the `csv` crate: the core also compiles to WASM, where every
/// KiB counts, and this is all the CSV it needs.
/// Whether a spreadsheet would take the text for a formula (`=`, `+`, `-`, `@`, tab, CR first):
/// such a field is written with a leading `'` so it stays text (CSV injection).
pub fn looks_like_formula(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

pub fn csv_field(s: &str) -> String {
    let guarded = looks_like_formula(s);
    let quote = s.contains([',', '"', '\r', '\n']);
    let mut out = String::with_capacity(s.len() + 3);
    if quote {
        out.push('"');
    }
    if guarded {
        out.push('\'');
    }
    for c in s.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
    out
}

const HEADER: [&str; 19] = [
    "条目编号 entry",
    "统一社会信用代码 uscc",
    "企业名称 enterprise",
    "行政区划 region",
    "产品 product",
    "检查项 item",
    "隐患 danger",
    "等级 severity",
    "违法类型 violation",
    "依据 basis",
    "状态 status",
    "轮次 round",
    "当前期限 due",
    "期限日期 deadline",
    "逾期天数 days_late",
    "已升级 escalated",
    "责任人 responsible",
    "发现时间 found_at",
    "销号时间 closed_at",
];

fn serde_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The rows as CSV: UTF-8 with a byte-order mark (without it Excel on Chinese Windows reads the
/// file as GBK and garbles every character), CRLF line ends, a bilingual header.
pub fn to_csv(rows: &[Row<'_>]) -> String {
    let mut out = String::from("\u{feff}");
    let line = |out: &mut String, fields: &[String]| {
        let cells: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    };
    line(&mut out, &HEADER.map(str::to_string));
    for r in rows {
        let e = r.entry;
        let c = &e.created;
        line(
            &mut out,
            &[
                e.id.clone(),
                c.enterprise.uscc.clone(),
                c.enterprise.name.clone().unwrap_or_default(),
                c.enterprise.region.clone(),
                c.product.clone(),
                c.item.clone().unwrap_or_default(),
                c.danger.text.zh.clone(),
                serde_name(&c.danger.severity),
                c.danger
                    .violation
                    .map(|v| serde_name(&v))
                    .unwrap_or_default(),
                c.danger.basis.clone(),
                e.status.as_str().to_string(),
                e.round.to_string(),
                r.due.map(|d| serde_name(&d)).unwrap_or_default(),
                r.deadline.map(|d| date_text(d.date)).unwrap_or_default(),
                r.days_late().to_string(),
                if e.escalations.is_empty() { "" } else { "yes" }.to_string(),
                c.responsible.clone().unwrap_or_default(),
                e.opened.at.clone(),
                e.closed
                    .as_ref()
                    .map(|x| x.step.at.clone())
                    .unwrap_or_default(),
            ],
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("plain 文本"), "plain 文本");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("cr\r"), "\"cr\r\"");
        assert_eq!(csv_field(""), "");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
        assert_eq!(csv_field("@a"), "'@a");
    }

    #[test]
    fn regions_widen_by_trailing_zeros() {
        assert!(in_region("520102", "520102"));
        assert!(in_region("520102", "520100"));
        assert!(in_region("520102", "520000"));
        assert!(!in_region("520201", "520100"));
        assert!(!in_region("510102", "520000"));
        assert!(!in_region("5201", "520100"));
        // A county whose own code ends in 00 does not exist; 100000 is not a province.
        assert!(!in_region("110101", "100000"));
    }
}
