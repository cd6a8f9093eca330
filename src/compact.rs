//! The compact report: the same verdict as a [`Report`], with findings and actions naming the
//! template's items by slot instead of carrying the texts, basis and grading the page already has
//! in the template. A whole-form check spends most of its time writing and reading the report
//! once findings grow (issue 11: 108 findings made a 41 KiB report); this one is a few numbers per
//! finding. [`Compact::expand`] gives the full report back, equal to `check` (tests/compact.rs
//! holds it to that over the corpus and the bench forms), so client and server share one form.
//!
//! As JSON (`Compact::to_json`, what `checkCompact` returns in JS):
//! `{"id", "product"?, "template_version"?, "valid", "level", "errors": [Issue...],
//!   "findings": [[slot, rule], [slot, rule, instance], [slot, rule, instance|null, applied]...],
//!   "dates": ["YYYY-MM-DD"...],
//!   "actions": [[kind, due, slot] | [kind, due, department|null, [slot...]]...]}`
//! where `due` indexes `dates` (or is null), an action with one item is per item (rectify,
//! recheck) and one with a list is submission-wide; errors stay in full (a valid submission has
//! none, and their texts depend on the answer).

use crate::catalogue::Catalogue;
use crate::issue::{Code, Issue};
use crate::policy::{ActionKind, Department, Policy, Severity};
use crate::report::{evaluate, plan, Action, Dues, Facts, Hit, Level, Report};
use crate::template::{Applied, Template};
use crate::text::Text;
use crate::Json;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// A follow-up action with its item(s) by slot and its deadline by index into `Compact::dates`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactAction {
    pub kind: ActionKind,
    pub due: Option<u32>,
    pub department: Option<Department>,
    /// The item of a per-item action (rectify, recheck).
    pub item: Option<u32>,
    /// The items that led to a submission-wide action.
    pub items: Vec<u32>,
}

/// The verdict on one submission, by reference to its template.
#[derive(Debug, Clone, PartialEq)]
pub struct Compact {
    pub id: String,
    /// The template the slots refer to (absent when none was found: then there are no findings).
    pub product: Option<String>,
    pub template_version: Option<String>,
    pub valid: bool,
    pub level: Level,
    pub errors: Vec<Issue>,
    pub findings: Vec<Hit>,
    pub dates: Vec<String>,
    pub actions: Vec<CompactAction>,
}

/// Check one submission, giving the compact report.
pub fn check_compact(cat: &Catalogue, v: &Json<'_>, now: Option<DateTime<FixedOffset>>) -> Compact {
    let e = evaluate(cat, v, now);
    let day = e.header.day();
    assemble(e.header.id, e.template, e.errors, e.hits, day, cat.policy())
}

/// The compact report of an evaluated submission: its level, and the actions the policy requires
/// for its hits with their deadlines. The one place both a check and a live session
/// (`Session::report`) grade and plan, so the two cannot disagree.
pub(crate) fn assemble(
    id: String,
    t: Option<&Template>,
    errors: Vec<Issue>,
    hits: Vec<Hit>,
    day: Option<NaiveDate>,
    policy: &Policy,
) -> Compact {
    let key = |s: u32| t.and_then(|t| t.item(s)).map_or("", |i| i.key.as_str());
    let mut level = Level::None;
    let mut facts = Vec::with_capacity(hits.len());
    for h in &hits {
        let Some(rule) = t.and_then(|t| t.item(h.slot)?.rules.get(h.rule as usize)) else {
            continue;
        };
        level = level.max(match rule.severity {
            Severity::General => Level::General,
            Severity::Major => Level::Major,
        });
        facts.push(Facts {
            item: h.slot,
            severity: rule.severity,
            violation: rule.violation,
            department: rule.department,
            escalate: rule.escalate,
        });
    }
    let mut dues = Dues::new(day);
    let actions = plan(&facts, policy, &key)
        .into_iter()
        .map(|p| CompactAction {
            kind: p.kind,
            due: p.due_days.and_then(|d| dues.index(d)).map(|i| i as u32),
            department: p.department,
            item: p.item,
            items: p.items,
        })
        .collect();
    Compact {
        id,
        product: t.map(|t| t.product.clone()),
        template_version: t.map(|t| t.version.clone()),
        valid: errors.is_empty(),
        level,
        errors,
        findings: hits,
        dates: dues.dates.into_iter().map(|(_, s)| s).collect(),
        actions,
    }
}

/// `v` as JSON (a unit enum variant is its quoted name), appended to `out`.
fn push_json<T: Serialize + ?Sized>(out: &mut String, v: &T) {
    match serde_json::to_string(v) {
        Ok(q) => out.push_str(&q),
        Err(_) => out.push_str("null"),
    }
}

/// A unit enum variant from its serde name.
fn from_name<'de, T: Deserialize<'de>>(s: &'de str) -> Option<T> {
    T::deserialize(serde::de::value::BorrowedStrDeserializer::<
        serde::de::value::Error,
    >::new(s))
    .ok()
}

/// Digits by hand: `write!` builds formatting arguments at every call site, and the module's
/// size budget counts them.
fn push_u32(out: &mut String, mut n: u32) {
    let mut d = [0u8; 10];
    let mut i = d.len();
    loop {
        i -= 1;
        if let Some(x) = d.get_mut(i) {
            *x = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &c in d.get(i..).unwrap_or(&[]) {
        out.push(char::from(c));
    }
}

fn push_opt(out: &mut String, n: Option<u32>) {
    match n {
        Some(n) => push_u32(out, n),
        None => out.push_str("null"),
    }
}

impl Compact {
    /// The compact report as JSON text, written straight into one buffer.
    pub fn to_json(&self) -> String {
        let mut o = String::with_capacity(128 + 12 * self.findings.len() + 16 * self.actions.len());
        o.push_str("{\"id\":");
        push_json(&mut o, &self.id);
        if let Some(p) = &self.product {
            o.push_str(",\"product\":");
            push_json(&mut o, p);
        }
        if let Some(v) = &self.template_version {
            o.push_str(",\"template_version\":");
            push_json(&mut o, v);
        }
        o.push_str(if self.valid {
            ",\"valid\":true,\"level\":\""
        } else {
            ",\"valid\":false,\"level\":\""
        });
        o.push_str(self.level.as_str());
        o.push_str("\",\"errors\":");
        push_json(&mut o, &self.errors);
        o.push_str(",\"findings\":[");
        for (i, h) in self.findings.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push('[');
            push_u32(&mut o, h.slot);
            o.push(',');
            push_u32(&mut o, h.rule);
            if h.instance.is_some() || h.applied.is_some() {
                o.push(',');
                push_opt(&mut o, h.instance);
            }
            if let Some(a) = &h.applied {
                o.push(',');
                push_json(&mut o, a);
            }
            o.push(']');
        }
        o.push_str("],\"dates\":[");
        for (i, d) in self.dates.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            push_json(&mut o, d);
        }
        o.push_str("],\"actions\":[");
        for (i, a) in self.actions.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push('[');
            push_json(&mut o, &a.kind);
            o.push(',');
            push_opt(&mut o, a.due);
            o.push(',');
            match a.item {
                Some(s) if a.items.is_empty() && a.department.is_none() => push_u32(&mut o, s),
                _ => {
                    match a.department {
                        Some(d) => push_json(&mut o, &d),
                        None => o.push_str("null"),
                    }
                    o.push_str(",[");
                    for (j, s) in a.items.iter().enumerate() {
                        if j > 0 {
                            o.push(',');
                        }
                        push_u32(&mut o, *s);
                    }
                    o.push(']');
                }
            }
            o.push(']');
        }
        o.push_str("]}");
        o
    }

    /// A compact report read back from its JSON (as `to_json` writes it). None when it is not of
    /// that shape.
    pub fn from_json(v: &Json<'_>) -> Option<Compact> {
        let o = v.as_object()?;
        let u32_of = |v: &Json<'_>| v.as_u64().and_then(|n| u32::try_from(n).ok());
        let opt_u32 = |v: &Json<'_>| -> Option<Option<u32>> {
            if v.is_null() {
                Some(None)
            } else {
                u32_of(v).map(Some)
            }
        };
        let text_of = |k: &str| o.get(k).and_then(Json::as_str).map(str::to_string);
        let mut errors = Vec::new();
        for e in o.get("errors")?.as_array()? {
            let code = e.get("code").as_str()?;
            let code = *Code::ALL.iter().find(|c| c.as_str() == code)?;
            let m = e.get("message");
            errors.push(Issue::with_message(
                e.get("path").as_str()?,
                code,
                Text::new(m.get("zh").as_str()?, m.get("en").as_str()?),
            ));
        }
        let mut findings = Vec::new();
        for f in o.get("findings")?.as_array()? {
            let f = f.as_array()?;
            let applied = match f.get(3) {
                None => None,
                Some(a) => Some(Applied {
                    standard: a.get("standard").as_str()?.to_string(),
                    by: a.get("by").as_str()?.to_string(),
                    date: a.get("date").as_str()?.to_string(),
                }),
            };
            findings.push(Hit {
                slot: u32_of(f.first()?)?,
                rule: u32_of(f.get(1)?)?,
                instance: match f.get(2) {
                    None => None,
                    Some(i) => opt_u32(i)?,
                },
                applied,
            });
        }
        let mut dates = Vec::new();
        for d in o.get("dates")?.as_array()? {
            dates.push(d.as_str()?.to_string());
        }
        let mut actions = Vec::new();
        for a in o.get("actions")?.as_array()? {
            let a = a.as_array()?;
            let kind = from_name(a.first()?.as_str()?)?;
            let due = opt_u32(a.get(1)?)?;
            actions.push(match (a.get(2)?, a.get(3)) {
                (s, None) => CompactAction {
                    kind,
                    due,
                    department: None,
                    item: Some(u32_of(s)?),
                    items: Vec::new(),
                },
                (d, Some(items)) => CompactAction {
                    kind,
                    due,
                    department: if d.is_null() {
                        None
                    } else {
                        Some(from_name(d.as_str()?)?)
                    },
                    item: None,
                    items: items
                        .as_array()?
                        .iter()
                        .map(u32_of)
                        .collect::<Option<Vec<_>>>()?,
                },
            });
        }
        let level = match o.get("level")?.as_str()? {
            "none" => Level::None,
            "general" => Level::General,
            "major" => Level::Major,
            _ => return None,
        };
        Some(Compact {
            id: text_of("id")?,
            product: text_of("product"),
            template_version: text_of("template_version"),
            valid: o.get("valid")?.as_bool()?,
            level,
            errors,
            findings,
            dates,
            actions,
        })
    }

    /// The template the slots refer to.
    pub fn template<'c>(&self, cat: &'c Catalogue) -> Option<&'c Template> {
        cat.get(self.product.as_deref()?, self.template_version.as_deref())
    }

    /// The full report, spelled out from the template (what `check` gives for the same
    /// submission). None when a slot, rule or date index is not of the template found in `cat`.
    pub fn expand(&self, cat: &Catalogue) -> Option<Report> {
        let t = self.template(cat);
        let r = self.spell_out(t);
        // What does not fit the template was left out: then this is not its report.
        let whole = r.findings.len() == self.findings.len()
            && r.actions.len() == self.actions.len()
            && (t.is_some() || self.findings.is_empty() && self.actions.is_empty());
        whole.then_some(r)
    }

    /// The full report from template `t`, leaving out what does not fit it.
    pub(crate) fn spell_out(&self, t: Option<&Template>) -> Report {
        Report {
            id: self.id.clone(),
            valid: self.valid,
            errors: self.errors.clone(),
            findings: self.findings.iter().filter_map(|h| h.finding(t?)).collect(),
            level: self.level,
            actions: self.spell_actions(t),
            template_version: self.template_version.clone(),
        }
    }

    /// The actions in full (item keys, dates) from template `t`, leaving out what does not fit it.
    pub(crate) fn spell_actions(&self, t: Option<&Template>) -> Vec<Action> {
        let key = |s: u32| Some(t?.item(s)?.key.clone());
        let date = |d: Option<u32>| match d {
            None => Some(None),
            Some(i) => self.dates.get(i as usize).cloned().map(Some),
        };
        self.actions
            .iter()
            .filter_map(|a| {
                Some(Action {
                    kind: a.kind,
                    due: date(a.due)?,
                    department: a.department,
                    item: match a.item {
                        Some(s) => Some(key(s)?),
                        None => None,
                    },
                    items: a.items.iter().map(|&s| key(s)).collect::<Option<_>>()?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_written_in_full() {
        for n in [0, 7, 10, 99, 100, 4_294_967_295] {
            let mut s = String::from("[");
            super::push_u32(&mut s, n);
            assert_eq!(s, format!("[{n}"));
        }
    }
}
