//! Reports: the verdict on one submission. The field names are a public contract that portals
//! read (`../shared/contract/README.md`): `id, valid, errors, findings, level, actions`.

use crate::catalogue::Catalogue;
use crate::date::date_text;
use crate::issue::{Code, Issue, Loc};
use crate::policy::{add_days, ActionKind, Department, Policy, Severity, Violation};
use crate::state::{self, Ctx, State};
use crate::submission::{parse_header, Header};
use crate::template::{Applied, Template};
use crate::text::Text;
use crate::Json;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

fn is_false(b: &bool) -> bool {
    !*b
}

/// A hidden danger revealed by a failed compliance rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub item: String,
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violation: Option<Violation>,
    /// The competent department the case goes to, when it is not market regulation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<Department>,
    /// Legal basis: standard and clause, or regulation article.
    pub basis: String,
    /// JSON Pointer of the answer.
    pub path: String,
    pub message: Text,
    /// To be reported to the local government (sector major-danger criterion).
    #[serde(skip_serializing_if = "is_false")]
    pub escalate: bool,
    /// Index of the rule within the item's `rules`.
    pub rule: usize,
    /// Instance of a repeat group the finding is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<usize>,
    /// For a rule of a dated standard: which version was applied and the date that chose it (the
    /// production date, or the inspection date when that is not answered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied: Option<Applied>,
}

/// Overall grade of a submission: the worst finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    None,
    General,
    Major,
}

impl Level {
    /// The level as the report writes it (its serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::General => "general",
            Level::Major => "major",
        }
    }
}

/// A follow-up the regulation requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    pub kind: ActionKind,
    /// Deadline, `YYYY-MM-DD`, when the action has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// Where a case is handed over (`hand_over_to_department`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<Department>,
    /// The item it concerns, for per-item actions (rectify, recheck).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The items that led to a submission-wide action (stop, list, publicity...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
}

/// The verdict on one submission.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub id: String,
    /// Whether it may be submitted: no entry errors.
    pub valid: bool,
    pub errors: Vec<Issue>,
    pub findings: Vec<Finding>,
    pub level: Level,
    pub actions: Vec<Action>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_version: Option<String>,
}

/// A failed rule by reference into the template: what evaluation yields, in the state of a check
/// or a session. `finding` spells it out; the compact report (`crate::compact`) sends it as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Slot of the item whose rule failed (a repeat child's own slot).
    pub slot: u32,
    /// Index of the rule within the item's `rules`.
    pub rule: u32,
    /// Instance of the repeat group, for a child's rule.
    pub instance: Option<u32>,
    pub applied: Option<Applied>,
}

impl Hit {
    fn parts<'t>(
        &self,
        t: &'t Template,
    ) -> Option<(&'t crate::template::Item, &'t crate::template::Rule)> {
        let item = t.item(self.slot)?;
        Some((item, item.rules.get(self.rule as usize)?))
    }

    /// The severity of the failed rule (`General` for a hit that is not of `t`).
    pub fn severity(&self, t: &Template) -> Severity {
        self.parts(t).map_or(Severity::General, |(_, r)| r.severity)
    }

    /// The finding in full: texts, basis and grading from the template. None when the slot or rule
    /// is not in `t` (a compact report read back against another template).
    pub fn finding(&self, t: &Template) -> Option<Finding> {
        let (item, rule) = self.parts(t)?;
        let path = match (item.parent.and_then(|g| t.item(g)), self.instance) {
            (Some(group), Some(i)) => Loc::Child(&group.key, i as usize, &item.key).to_string(),
            _ => Loc::Answer(&item.key).to_string(),
        };
        Some(Finding {
            item: item.key.clone(),
            severity: rule.severity,
            violation: rule.violation,
            department: rule.department,
            basis: rule.basis.clone(),
            path,
            message: rule.finding.clone().unwrap_or_else(|| {
                Text::new(
                    format!("不符合要求：{}", item.label.zh),
                    format!("Requirement not met: {}", item.label.en),
                )
            }),
            escalate: rule.escalate,
            rule: self.rule as usize,
            instance: self.instance.map(|i| i as usize),
            applied: self.applied.clone(),
        })
    }
}

/// What the policy reads from one finding, its item named by a number (a slot in the compact
/// report, an index of first occurrence for `actions`).
pub(crate) struct Facts {
    pub item: u32,
    pub severity: Severity,
    pub violation: Option<Violation>,
    pub department: Option<Department>,
    pub escalate: bool,
}

/// A planned action, its item(s) named as in `Facts` and its deadline as days after the
/// inspection day.
pub(crate) struct Planned {
    pub kind: ActionKind,
    pub due_days: Option<u32>,
    pub department: Option<Department>,
    pub item: Option<u32>,
    pub items: Vec<u32>,
    /// For a rectification while planning: the days of its recheck (planned from it once the
    /// rectifications are in key order).
    recheck_days: Option<u32>,
}

/// The actions the policy requires for these facts, in the report's order (kind, department,
/// then the key `key` gives the item): the one home of the action rules, for reports (through the
/// compact one, items by slot) and sessions. Not generic: one copy of the code (and of the sort)
/// in the WASM module.
pub(crate) fn plan<'k>(
    facts: &[Facts],
    policy: &Policy,
    key: &dyn Fn(u32) -> &'k str,
) -> Vec<Planned> {
    // Per item: the strictest severity decides its deadlines. (Findings are few: vectors, not maps.)
    let mut per_item: Vec<(u32, Severity)> = Vec::new();
    // Two-way tracing: due by the shortest of the severities that require it.
    let mut trace_days: Option<u32> = None;
    // Submission-wide actions, one per kind (and per department for hand-overs).
    let mut wide: Vec<(ActionKind, Option<Department>, Vec<u32>)> = Vec::new();
    let mut add_wide = |k: ActionKind, dep: Option<Department>, item: u32| {
        // A hand-over needs a department to go to: a permit market regulation issues itself
        // (cylinder filling, special-equipment operators) stays with the bureau.
        let dep = if k == ActionKind::HandOverToDepartment {
            if dep.is_none() {
                return;
            }
            dep
        } else {
            None
        };
        let i = match wide.iter().position(|(x, d, _)| *x == k && *d == dep) {
            Some(i) => i,
            None => {
                wide.push((k, dep, Vec::new()));
                wide.len() - 1
            }
        };
        if let Some((_, _, v)) = wide.get_mut(i) {
            if !v.contains(&item) {
                v.push(item);
            }
        }
    };
    for f in facts {
        match per_item.iter_mut().find(|(k, _)| *k == f.item) {
            Some((_, s)) => *s = (*s).max(f.severity),
            None => per_item.push((f.item, f.severity)),
        }
        if policy.for_severity(f.severity).stop {
            add_wide(ActionKind::StopProductionSale, None, f.item);
        }
        if let Some(v) = f.violation {
            for &k in policy.for_violation(v) {
                add_wide(k, f.department, f.item);
            }
        }
        if f.escalate {
            add_wide(ActionKind::ReportToGovernment, None, f.item);
        }
        let sp = policy.for_severity(f.severity);
        if sp.trace {
            add_wide(ActionKind::TwoWayTracing, None, f.item);
            trace_days = Some(trace_days.map_or(sp.trace_days, |d: u32| d.min(sp.trace_days)));
        }
    }
    let mut out = Vec::with_capacity(wide.len() + 2 * per_item.len());
    for (kind, department, items) in wide {
        let due_days = match kind {
            ActionKind::StopProductionSale => Some(0),
            ActionKind::ReportToGovernment => Some(policy.escalate_days),
            ActionKind::TwoWayTracing => trace_days,
            _ => None,
        };
        out.push(Planned {
            kind,
            due_days,
            department,
            item: None,
            items,
            recheck_days: None,
        });
    }
    // The per-item actions in item-key order once (the rectifications alone, then their
    // rechecks in the same order), so that the sort of all actions compares kinds and departments
    // only and, being stable, keeps that order: comparing keys in every step of that sort was
    // 8 % of a compact check (500 items, 218 actions).
    let wide_len = out.len();
    for (item, sev) in per_item {
        out.push(Planned {
            kind: ActionKind::Rectify,
            due_days: Some(policy.for_severity(sev).rectify_days),
            department: None,
            item: Some(item),
            items: Vec::new(),
            recheck_days: Some(policy.for_severity(sev).recheck_days),
        });
    }
    let by_key = |a: &Planned, b: &Planned| a.item.map(key).cmp(&b.item.map(key));
    if let Some(items) = out.get_mut(wide_len..) {
        sort_planned(items, &by_key);
    }
    let rechecks: Vec<Planned> = out
        .get(wide_len..)
        .unwrap_or(&[])
        .iter()
        .map(|r| Planned {
            kind: ActionKind::Recheck,
            due_days: r.recheck_days,
            department: None,
            item: r.item,
            items: Vec::new(),
            recheck_days: None,
        })
        .collect();
    out.extend(rechecks);
    sort_planned(&mut out, &|a, b| {
        (a.kind, a.department).cmp(&(b.kind, b.department))
    });
    out
}

/// One (stable) sort of planned actions for every order they are sorted in: each closure given
/// to `sort_by` directly would be a copy of the sort in the WASM module.
fn sort_planned(v: &mut [Planned], by: &dyn Fn(&Planned, &Planned) -> std::cmp::Ordering) {
    v.sort_by(by);
}

/// Deadlines as text, each distinct one formatted once (a handful serve every action).
pub(crate) struct Dues {
    day: Option<NaiveDate>,
    pub dates: Vec<(u32, String)>,
}

impl Dues {
    pub fn new(day: Option<NaiveDate>) -> Dues {
        Dues {
            day,
            dates: Vec::new(),
        }
    }
    /// Index into `dates` of the day `days` after the inspection (None without an inspection day).
    pub fn index(&mut self, days: u32) -> Option<usize> {
        if let Some(i) = self.dates.iter().position(|(d, _)| *d == days) {
            return Some(i);
        }
        let s = date_text(add_days(self.day?, days));
        self.dates.push((days, s));
        Some(self.dates.len() - 1)
    }
    pub fn text(&mut self, days: u32) -> Option<String> {
        let i = self.index(days)?;
        self.dates.get(i).map(|(_, s)| s.clone())
    }
}

/// The actions the policy requires for these findings, deadlines counted from `day`.
pub fn actions(findings: &[&Finding], day: Option<NaiveDate>, policy: &Policy) -> Vec<Action> {
    // Each item by the index of its first finding.
    let first = |key: &str| findings.iter().position(|g| g.item == key).unwrap_or(0) as u32;
    let facts: Vec<Facts> = findings
        .iter()
        .map(|f| Facts {
            item: first(&f.item),
            severity: f.severity,
            violation: f.violation,
            department: f.department,
            escalate: f.escalate,
        })
        .collect();
    let name = |i: u32| findings.get(i as usize).map_or("", |f| f.item.as_str());
    let key = |i: u32| name(i).to_string();
    let mut dues = Dues::new(day);
    plan(&facts, policy, &name)
        .into_iter()
        .map(|p| Action {
            kind: p.kind,
            due: p.due_days.and_then(|d| dues.text(d)),
            department: p.department,
            item: p.item.map(key),
            items: p.items.into_iter().map(key).collect(),
        })
        .collect()
}

/// Where a template was looked up and what came of it.
pub(crate) fn find_template<'c>(
    cat: &'c Catalogue,
    h: &Header,
    errs: &mut Vec<Issue>,
) -> Option<&'c Template> {
    let product = h.product.as_deref()?;
    let Some(t) = cat.get(product, h.template_version.as_deref()) else {
        if cat.get(product, None).is_some() {
            errs.push(Issue::new("/template_version", Code::UnknownVersion));
        } else {
            errs.push(Issue::detail(
                "/product",
                Code::UnknownProduct,
                product,
                product,
            ));
        }
        return None;
    };
    if let (Some(f), Some(l)) = (h.form, h.link) {
        if !t.offers(f, l) {
            errs.push(Issue::new("/form", Code::NotOffered));
        }
    }
    Some(t)
}

/// Load every answer into `st`: unknown keys and items outside the form or link are errors.
pub(crate) fn load_answers(
    ctx: &Ctx<'_>,
    answers: &serde_json_borrow::ObjectAsVec<'_>,
    st: &mut State,
    errs: &mut Vec<Issue>,
) {
    // Borrowed JSON keeps repeated keys: the last copy wins, as in JSON.parse and serde_json.
    let mut winner = vec![usize::MAX; ctx.t.items.len()];
    let found: Vec<Option<(u32, &crate::template::Item)>> = answers
        .iter()
        .map(|(k, _)| ctx.t.slot(k).and_then(|s| ctx.t.item(s).map(|i| (s, i))))
        .collect();
    for (i, f) in found.iter().enumerate() {
        if let Some(w) = f.and_then(|(s, _)| winner.get_mut(s as usize)) {
            *w = i;
        }
    }
    // Keys that are not answers here: reported once each, in key order (`distinct_keys`).
    let mut misplaced: Vec<&str> = Vec::new();
    for (i, ((k, v), found)) in answers.iter().zip(found).enumerate() {
        match found {
            Some((s, _)) if winner.get(s as usize) != Some(&i) => {}
            Some((slot, item))
                if item.parent.is_none() && item.scope.contains(ctx.form, ctx.link) =>
            {
                state::set_answer(ctx.t, st, slot, v)
            }
            _ => misplaced.push(k),
        }
    }
    for k in crate::submission::distinct_keys(misplaced.into_iter()) {
        let path = &crate::issue::Loc::Answer(k);
        errs.push(match ctx.t.slot(k).and_then(|s| ctx.t.item(s)) {
            None => Issue::new(path, Code::UnknownItem),
            Some(item) if item.parent.is_some() => Issue::detail(
                path,
                Code::UnknownItem,
                "此项属于重复组，应在组内作答",
                "this item belongs to a repeat group and is answered inside it",
            ),
            Some(_) => Issue::new(path, Code::NotApplicable),
        });
    }
}

/// Check one submission (any JSON value) against the catalogue.
/// `now` is passed in (the core reads no clock); it only guards against future inspection times.
pub fn check(cat: &Catalogue, v: &serde_json::Value, now: Option<DateTime<FixedOffset>>) -> Report {
    check_value(cat, &crate::submission::borrow_json(v), now)
}

/// A submission evaluated: its envelope, entry errors and failed rules, and the template (when
/// one was found) the hits refer to. What both the full and the compact report are made of.
pub(crate) struct Evaluated<'c> {
    pub header: Header,
    pub errors: Vec<Issue>,
    pub hits: Vec<Hit>,
    pub template: Option<&'c Template>,
}

pub(crate) fn evaluate<'c>(
    cat: &'c Catalogue,
    v: &Json<'_>,
    now: Option<DateTime<FixedOffset>>,
) -> Evaluated<'c> {
    let mut errs = Vec::new();
    let (h, answers) = parse_header(v, now, &mut errs);
    let t = find_template(cat, &h, &mut errs);
    let mut hits = Vec::new();
    if let (Some(t), Some(form), Some(link)) = (t, h.form, h.link) {
        let ctx = Ctx {
            t,
            form,
            link,
            today: h.day().and_then(days_since_epoch),
        };
        let mut st = State::new(t.items.len());
        if let Some(a) = answers {
            load_answers(&ctx, a, &mut st, &mut errs);
        }
        state::collect_all(&ctx, &mut st, &mut errs, &mut hits);
    }
    Evaluated {
        header: h,
        errors: errs,
        hits,
        template: t,
    }
}

/// Check one submission held as borrowed JSON (what `check_json` parses text into: no copies of
/// keys or strings, no maps to build). The compact report spelled out: one path for both forms.
pub fn check_value(cat: &Catalogue, v: &Json<'_>, now: Option<DateTime<FixedOffset>>) -> Report {
    let c = crate::compact::check_compact(cat, v, now);
    c.spell_out(c.template(cat))
}

pub(crate) fn days_since_epoch(d: NaiveDate) -> Option<i32> {
    Some(crate::date::to_days(d))
}

/// Largest input `check_json` accepts, in bytes (a submission with photos is references only).
pub const MAX_INPUT: usize = 16 * 1024 * 1024;

/// Reports for JSON input: one report for one submission, an array for an array.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Reports {
    One(Report),
    Many(Vec<Report>),
}

/// Check JSON text holding one submission or an array of them. Err only when the text is not
/// JSON at all (or too large): then there is no submission to report on.
pub fn check_json(
    cat: &Catalogue,
    text: &str,
    now: Option<DateTime<FixedOffset>>,
) -> Result<Reports, Issue> {
    if text.len() > MAX_INPUT {
        return Err(Issue::detail(
            "",
            Code::TooLarge,
            "超过 16 MiB",
            "over 16 MiB",
        ));
    }
    let v: Json<'_> = serde_json::from_str(text).map_err(|e| {
        Issue::with_message(
            "",
            Code::InvalidJson,
            Text::new(
                format!(
                    "不是有效的 JSON（第 {} 行第 {} 列）：{e}",
                    e.line(),
                    e.column()
                ),
                format!(
                    "Not valid JSON (line {} column {}): {e}",
                    e.line(),
                    e.column()
                ),
            ),
        )
    })?;
    Ok(match &v {
        Json::Array(a) => Reports::Many(a.iter().map(|s| check_value(cat, s, now)).collect()),
        _ => Reports::One(check_value(cat, &v, now)),
    })
}
