//! A live form session: one changed answer at a time, re-evaluating only what depends on it
//! (the dependency graph is built when the template loads, like a spreadsheet's), and returning
//! only what changed. It shares the evaluation code with `check`, so a session's report equals a
//! batch check of the same answers (a property test holds it to that).

use crate::catalogue::Catalogue;
use crate::compact::{self, Compact};
use crate::issue::{Code, Issue, Loc};
use crate::policy::Policy;
use crate::report::{self, Action, Finding, Level, Report};
use crate::state::{self, Ctx, State};
use crate::submission::{parse_header, Header};
use crate::template::{Form, Link, Template};
use crate::Json;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use std::sync::Arc;

pub struct Session {
    t: Arc<Template>,
    policy: Policy,
    header: Header,
    form: Form,
    link: Link,
    /// Envelope and unknown-answer issues from opening (they do not change with answers).
    fixed_errors: Vec<Issue>,
    st: State,
    /// Totals over `st`, kept up to date by each change.
    counts: crate::change::Counts,
}

/// What one change did. (camelCase: it exists only for JS callers.)
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delta {
    /// Items whose relevance, errors or findings changed (the item set is listed only if its own
    /// errors or findings changed).
    pub items: Vec<ItemState>,
    pub valid: bool,
    pub level: Level,
    pub error_count: usize,
    pub finding_count: usize,
    /// Whether any finding changed, and with it the actions: then call `actions()` (once per frame
    /// is enough). Not sent with every change: the action list is the costly part of a delta.
    pub actions_changed: bool,
}

/// The current state of one top-level item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemState {
    pub key: String,
    pub relevant: bool,
    pub errors: Vec<Issue>,
    pub findings: Vec<Finding>,
}

impl Session {
    /// Open a session on a (possibly empty or partly filled) submission. When no checklist can be
    /// chosen (unknown product, missing form or link), the report saying why is returned instead.
    pub fn open(
        cat: &Catalogue,
        submission: &serde_json::Value,
        now: Option<DateTime<FixedOffset>>,
    ) -> Result<Session, Box<Report>> {
        Session::open_json(cat, &crate::submission::borrow_json(submission), now)
    }

    /// `open` for borrowed JSON (what the WASM bindings parse text into).
    pub fn open_json(
        cat: &Catalogue,
        submission: &Json<'_>,
        now: Option<DateTime<FixedOffset>>,
    ) -> Result<Session, Box<Report>> {
        let mut errs = Vec::new();
        let (header, answers) = parse_header(submission, now, &mut errs);
        let t = report::find_template(cat, &header, &mut errs);
        let found = t.and_then(|t| cat.get_arc(&t.product, Some(&t.version)));
        let (Some(t), Some(form), Some(link)) = (found, header.form, header.link) else {
            return Err(Box::new(report::check_value(cat, submission, now)));
        };
        let mut s = Session {
            t: Arc::clone(t),
            policy: cat.policy().clone(),
            header,
            form,
            link,
            fixed_errors: Vec::new(),
            st: State::new(t.items.len()),
            counts: crate::change::Counts::default(),
        };
        {
            let ctx = s.ctx();
            let mut st = State::new(s.t.items.len());
            if let Some(a) = answers {
                report::load_answers(&ctx, a, &mut st, &mut errs);
            }
            state::evaluate_all(&ctx, &mut st);
            s.st = st;
        }
        s.fixed_errors = errs;
        s.counts = crate::change::Counts::all(&s.t, &s.st);
        Ok(s)
    }

    fn ctx(&self) -> Ctx<'_> {
        let day = self.header.day();
        Ctx {
            t: &self.t,
            form: self.form,
            link: self.link,
            today: day.and_then(report::days_since_epoch),
        }
    }

    pub fn template(&self) -> &Template {
        &self.t
    }

    /// Set (or with `null`, clear) the answer of a top-level item, and return what changed.
    /// Err for misuse: a key the checklist does not have, or one outside this form and link.
    pub fn set(&mut self, key: &str, value: &serde_json::Value) -> Result<Delta, Issue> {
        self.set_json(key, &crate::submission::borrow_json(value))
    }

    /// `set` for borrowed JSON.
    pub fn set_json(&mut self, key: &str, value: &Json<'_>) -> Result<Delta, Issue> {
        let path = Loc::Answer(key);
        let slot = self
            .t
            .slot(key)
            .ok_or_else(|| Issue::new(&path, Code::UnknownItem))?;
        let item = self
            .t
            .item(slot)
            .ok_or_else(|| Issue::new(&path, Code::UnknownItem))?;
        if item.parent.is_some() {
            return Err(Issue::new(&path, Code::UnknownItem));
        }
        if !item.scope.contains(self.form, self.link) {
            return Err(Issue::new(&path, Code::NotApplicable));
        }
        let t = Arc::clone(&self.t);
        let mut st = std::mem::take(&mut self.st);
        let mut counts = self.counts;
        state::set_answer(&t, &mut st, slot, value);
        let changed = crate::change::propagate(&self.ctx(), &mut st, slot, &mut counts);
        self.st = st;
        self.counts = counts;
        let items = changed
            .slots
            .iter()
            .filter_map(|&s| self.item_state(s))
            .collect::<Vec<_>>();
        Ok(Delta {
            items,
            valid: self.valid(),
            level: self.level(),
            error_count: self.error_count(),
            finding_count: self.counts.findings,
            actions_changed: changed.findings,
        })
    }

    fn error_count(&self) -> usize {
        self.fixed_errors.len() + self.counts.errors
    }

    fn valid(&self) -> bool {
        self.error_count() == 0
    }

    fn item_state(&self, slot: u32) -> Option<ItemState> {
        let item = self.t.item(slot)?;
        let o = self.st.outcome.get(slot as usize)?;
        Some(ItemState {
            key: item.key.clone(),
            relevant: self
                .st
                .relevant
                .get(slot as usize)
                .copied()
                .unwrap_or(false),
            errors: o.errors.clone(),
            findings: o
                .findings
                .iter()
                .filter_map(|h| h.finding(&self.t))
                .collect(),
        })
    }

    /// Every top-level item's state (for the first render).
    pub fn items(&self) -> Vec<ItemState> {
        (0..self.t.items.len() as u32)
            .filter(|&s| {
                self.t
                    .item(s)
                    .is_some_and(|i| i.parent.is_none() && i.scope.contains(self.form, self.link))
            })
            .filter_map(|s| self.item_state(s))
            .collect()
    }

    fn level(&self) -> Level {
        match (self.counts.majors, self.counts.findings) {
            (0, 0) => Level::None,
            (0, _) => Level::General,
            _ => Level::Major,
        }
    }

    /// All actions now required.
    pub fn actions(&self) -> Vec<Action> {
        self.compact(Vec::new()).spell_actions(Some(&self.t))
    }

    /// The compact report of the current state with entry errors `errors`: graded and planned
    /// as `check` does it (`compact::assemble`).
    fn compact(&self, errors: Vec<Issue>) -> Compact {
        let hits = self
            .st
            .outcome
            .iter()
            .flat_map(|o| o.findings.iter().cloned())
            .collect();
        compact::assemble(
            self.header.id.clone(),
            Some(&self.t),
            errors,
            hits,
            self.header.day(),
            &self.policy,
        )
    }

    /// The full report, equal to `check` on the same answers.
    pub fn report(&self) -> Report {
        let mut errors = self.fixed_errors.clone();
        for o in &self.st.outcome {
            errors.extend(o.errors.iter().cloned());
        }
        self.compact(errors).spell_out(Some(&self.t))
    }
}
