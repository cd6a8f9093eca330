//! The module's functions over JSON text: events in (an array of event objects, as pulled from
//! `GET /api/v1/events` or kept in the outbox), state, views, tasks and events out. Errors are
//! `{code, message: {zh, en}}` objects, never panics.

use chrono::{DateTime, FixedOffset};
use paicha::ledger::{self, Enterprise, Event, LedgerError, Maker, Viewer};
use paicha::policy::{Department, Severity, Violation};
use paicha::text::Text;
use paicha::{Finding, Level, Policy, Report};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// A misuse of the interface (bad JSON, a bad `now`): `{code, message}`.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Misuse {
    pub code: &'static str,
    pub message: Text,
}

fn misuse(code: &'static str, zh: &str, en: &str) -> Misuse {
    Misuse {
        code,
        message: Text {
            zh: zh.into(),
            en: en.into(),
        },
    }
}

fn to_text<T: Serialize>(v: &T) -> Result<String, Misuse> {
    serde_json::to_string(v).map_err(|e| misuse("internal", &e.to_string(), &e.to_string()))
}

fn parse_now(now: &str) -> Result<DateTime<FixedOffset>, Misuse> {
    ledger::date::parse_at(now).ok_or_else(|| {
        misuse(
            "invalid_now",
            "now 须为带时区的 RFC 3339 时间",
            "now must be an RFC 3339 time with an offset",
        )
    })
}

/// The events of a JSON array; those that do not read as events are returned apart, with why.
/// Each member is read from its own text (no `Value` tree: less code in the module).
fn events(json: &str) -> Result<(Vec<Event>, Vec<LedgerError>), Misuse> {
    let members: Vec<&RawValue> = serde_json::from_str(json).map_err(|e| {
        misuse(
            "invalid_json",
            &format!("事件须为 JSON 数组：{e}"),
            &format!("events must be a JSON array: {e}"),
        )
    })?;
    let mut good = Vec::with_capacity(members.len());
    let mut bad = Vec::new();
    for m in members {
        match Event::from_json(m.get()) {
            Ok(e) => good.push(e),
            Err(e) => bad.push(e),
        }
    }
    Ok((good, bad))
}

#[derive(Serialize)]
struct Folded<'a> {
    state: &'a ledger::LedgerState,
    /// Array members that are not events at all (the fold never saw them).
    unreadable: &'a [LedgerError],
}

/// `fold(events)`: the ledger state.
pub fn fold(events_json: &str) -> Result<String, Misuse> {
    let (evs, bad) = events(events_json)?;
    let state = ledger::fold(&evs);
    to_text(&Folded {
        state: &state,
        unreadable: &bad,
    })
}

/// The view an account sees: `who` is `enterprise` (with its USCC) or `region` (a division code).
pub fn view(events_json: &str, who: &str, code: &str, now: &str) -> Result<String, Misuse> {
    let state = ledger::fold(&events(events_json)?.0);
    let v = ledger::view(&state, viewer(who, code)?, parse_now(now)?);
    to_text(&v)
}

fn viewer<'a>(who: &str, code: &'a str) -> Result<Viewer<'a>, Misuse> {
    match who {
        "enterprise" => Ok(Viewer::Enterprise(code)),
        "region" => Ok(Viewer::Region(code)),
        _ => Err(misuse(
            "invalid_viewer",
            "视图须为 enterprise 或 region",
            "the view is `enterprise` or `region`",
        )),
    }
}

/// The same view as CSV (UTF-8 with BOM).
pub fn csv(events_json: &str, who: &str, code: &str, now: &str) -> Result<String, Misuse> {
    let state = ledger::fold(&events(events_json)?.0);
    let v = ledger::view(&state, viewer(who, code)?, parse_now(now)?);
    Ok(ledger::to_csv(&v.rows))
}

#[derive(Serialize)]
struct Due<'a> {
    overdue: &'a [ledger::Overdue],
    tasks: &'a [ledger::Task],
}

/// What is due now: overdue entries and follow-up tasks.
pub fn due(events_json: &str, now: &str) -> Result<String, Misuse> {
    let state = ledger::fold(&events(events_json)?.0);
    let now = parse_now(now)?;
    to_text(&Due {
        overdue: &ledger::overdue(&state, now),
        tasks: &ledger::follow_up(&state, now),
    })
}

/// Check one event on its own before it is stored on the device: `null` or the error.
pub fn check_event(event_json: &str) -> Result<String, Misuse> {
    let err = Event::from_json(event_json)
        .and_then(|e| e.validate().map(|_| ()))
        .err();
    to_text(&err)
}

fn policy(json: &str) -> Result<Policy, Misuse> {
    Policy::from_json(json).map_err(|_| {
        misuse(
            "invalid_policy",
            "处置规则（policy）有误",
            "The policy is not valid",
        )
    })
}

/// The part of a report the ledger needs (the report is what `check` / `FormSession.report()` gave).
#[derive(Deserialize)]
struct ReportIn {
    id: String,
    findings: Vec<FindingIn>,
}

#[derive(Deserialize)]
struct FindingIn {
    item: String,
    severity: Severity,
    #[serde(default)]
    violation: Option<Violation>,
    #[serde(default)]
    department: Option<Department>,
    basis: String,
    #[serde(default)]
    path: String,
    message: Text,
    #[serde(default)]
    escalate: bool,
    #[serde(default)]
    rule: usize,
    #[serde(default)]
    instance: Option<usize>,
}

#[derive(Deserialize)]
struct MakerIn {
    author: String,
    device: String,
    at: String,
}

/// Ledger entries for a report's findings: a `created` and a `rectification_ordered` event each,
/// deadlines from the policy. `ids` is a JSON array of fresh UUIDs (the core has no random
/// source): per finding one for the entry and one for each of its two events.
pub fn open_entries(
    report_json: &str,
    enterprise_json: &str,
    product: &str,
    maker_json: &str,
    ids_json: &str,
    policy_json: &str,
) -> Result<String, Misuse> {
    let bad = |what: &str, e: serde_json::Error| {
        misuse(
            "invalid_json",
            &format!("{what} 有误：{e}"),
            &format!("bad {what}: {e}"),
        )
    };
    let r: ReportIn = serde_json::from_str(report_json).map_err(|e| bad("report", e))?;
    let enterprise: Enterprise =
        serde_json::from_str(enterprise_json).map_err(|e| bad("enterprise", e))?;
    let m: MakerIn = serde_json::from_str(maker_json).map_err(|e| bad("maker", e))?;
    let ids: Vec<String> = serde_json::from_str(ids_json).map_err(|e| bad("ids", e))?;
    let policy = policy(policy_json)?;
    if ids.len() < 3 * r.findings.len() || ids.iter().any(|i| !paicha::ids::is_uuid(i)) {
        return Err(misuse(
            "not_enough_ids",
            "每项隐患需要 3 个新的 UUID",
            "Three fresh UUIDs are needed per finding",
        ));
    }
    let report = Report {
        id: r.id,
        valid: true,
        errors: vec![],
        findings: r
            .findings
            .into_iter()
            .map(|f| Finding {
                item: f.item,
                severity: f.severity,
                violation: f.violation,
                department: f.department,
                basis: f.basis,
                path: f.path,
                message: f.message,
                escalate: f.escalate,
                rule: f.rule,
                instance: f.instance,
                applied: None,
            })
            .collect(),
        level: Level::None,
        actions: vec![],
        template_version: None,
    };
    let mut fresh = ids.into_iter();
    let mut new_id = || fresh.next().unwrap_or_default();
    let maker = Maker {
        author: &m.author,
        device: &m.device,
        at: &m.at,
    };
    let evs = ledger::open_entries(&report, &enterprise, product, &policy, &maker, &mut new_id)
        .ok_or_else(|| {
            misuse(
                "invalid_at",
                "at 须为带时区的 RFC 3339 时间",
                "at must be an RFC 3339 time with an offset",
            )
        })?;
    to_text(&evs)
}

#[derive(Serialize)]
struct Deadlines {
    deadline: String,
    recheck_by: String,
    /// The latest days the inspector may choose instead (the policy's bounds).
    max_deadline: String,
    max_recheck_by: String,
    /// Two-way tracing due by this day, when the policy requires it for the severity.
    #[serde(skip_serializing_if = "Option::is_none")]
    trace_by: Option<String>,
}

fn severity(s: &str) -> Result<Severity, Misuse> {
    match s {
        "general" => Ok(Severity::General),
        "major" => Ok(Severity::Major),
        _ => Err(misuse(
            "invalid_severity",
            "等级须为 general 或 major",
            "severity is general or major",
        )),
    }
}

/// A line's queue (`line`: a line's name, or `all`) across the ledger at `now`, overdue first;
/// which line owns which task is the `lines` table of the policy.
pub fn queue(
    events_json: &str,
    policy_json: &str,
    line: &str,
    now: &str,
) -> Result<String, Misuse> {
    let lines = ledger::Lines::from_policy_json(policy_json)
        .map_err(|e| misuse("invalid_policy", &e, &e))?;
    let line = match line {
        "all" | "" => None,
        l => Some(
            ledger::Line::parse(l)
                .ok_or_else(|| misuse("invalid_line", "没有这个条线", "no such work line"))?,
        ),
    };
    let state = ledger::fold(&events(events_json)?.0);
    to_text(&ledger::queue(&state, &lines, line, parse_now(now)?))
}

/// What recording `action` as done needs (`required`), what it may have besides
/// (`optional`: a tracing's supplier USCC and assist region), and whether `sales_amount` reaches the
/// criminal threshold of Criminal Law art. 140 (`criminal`).
pub fn measure_fields(action: &str, sales_amount: &str) -> Result<String, Misuse> {
    let a: paicha::policy::ActionKind = serde_json::from_str(&format!("\"{action}\""))
        .map_err(|_| misuse("invalid_action", "没有这项措施", "no such measure"))?;
    #[derive(Serialize)]
    struct Fields {
        required: &'static [&'static str],
        optional: &'static [&'static str],
        criminal: bool,
    }
    to_text(&Fields {
        required: ledger::required_fields(a),
        optional: ledger::optional_fields(a),
        criminal: ledger::reaches_criminal_threshold(sales_amount),
    })
}

/// The measures the policy names for a danger recorded by hand (`violation`: a kind or empty).
pub fn measures_for(policy_json: &str, sev: &str, violation: &str) -> Result<String, Misuse> {
    let policy = policy(policy_json)?;
    let v: Option<Violation> = if violation.is_empty() {
        None
    } else {
        Some(
            serde_json::from_str(&format!("\"{violation}\"")).map_err(|_| {
                misuse("invalid_violation", "没有这种违法情形", "no such violation")
            })?,
        )
    };
    to_text(&ledger::measures_for(&policy, severity(sev)?, v, false))
}

/// The policy's deadlines for an order made at `at` for a danger of `severity` (`general` or
/// `major`): what the page proposes when an inspector orders rectification or fails a re-check.
pub fn default_deadlines(policy_json: &str, severity: &str, at: &str) -> Result<String, Misuse> {
    let policy = policy(policy_json)?;
    let severity = self::severity(severity)?;
    let at = parse_now(at)?;
    let (deadline, recheck_by) = ledger::follow::default_deadlines(&policy, severity, at);
    let (_, max_deadline, max_recheck_by) = ledger::deadline_bounds(&policy, severity, at);
    let trace_by = ledger::trace_by(
        &policy,
        severity,
        &[paicha::policy::ActionKind::TwoWayTracing],
        at,
    )
    .filter(|_| policy.for_severity(severity).trace);
    to_text(&Deadlines {
        deadline,
        recheck_by,
        max_deadline,
        max_recheck_by,
        trace_by,
    })
}
