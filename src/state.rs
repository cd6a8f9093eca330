//! The evaluation state of one filled checklist, shared by batch checking and live sessions, so
//! that both always reach the same verdict: answers by slot, relevance, and for each top-level item
//! its outcome (entry errors and hazard findings).

use crate::answer::convert;
use crate::expr::{Env, Value};
use crate::issue::{Code, Issue, Loc};
use crate::report::Hit;
use crate::template::{Applied, Form, Item, ItemKind, Link, Required, Template};
use crate::Json;

/// What the evaluation needs besides the answers: the template, form, link and the day.
pub(crate) struct Ctx<'t> {
    pub t: &'t Template,
    pub form: Form,
    pub link: Link,
    /// The inspection date in the offset of `inspected_at`, as days since 1970-01-01: `today()`,
    /// and the day that picks standard versions unless a standard's `by` item gives another.
    pub today: Option<i32>,
}

/// Errors and findings of one top-level item (for a repeat group: of all its instances).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Outcome {
    pub errors: Vec<Issue>,
    pub findings: Vec<Hit>,
}

/// One instance of a repeat group: its children's values (slot - group - 1), and which of them
/// were rejected on entry (reported once as what they are, not again as missing).
#[derive(Debug, Clone, Default)]
pub(crate) struct Instance {
    pub vals: Vec<Value>,
    pub rejected: Vec<bool>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct State {
    /// Answer of each top-level slot (Empty when unanswered or rejected).
    pub values: Vec<Value>,
    /// Entry errors found while converting an answer, by slot. Sparse, as are `instances`: most
    /// answers have neither, and a vector per slot costs its allocation and drop on every check.
    pub conv: Vec<(u32, Vec<Issue>)>,
    /// Repeat groups by slot: per instance, the values of the group's children (slot - group - 1).
    pub instances: Vec<(u32, Vec<Instance>)>,
    pub relevant: Vec<bool>,
    /// Outcome of each top-level slot, kept by live sessions only (a batch check moves outcomes
    /// straight into its report).
    pub outcome: Vec<Outcome>,
}

impl State {
    pub fn new(n: usize) -> State {
        // resize_with rather than vec![x; n]: no clone call per slot (it shows in small builds).
        let mut st = State {
            values: Vec::with_capacity(n),
            conv: Vec::new(),
            instances: Vec::new(),
            relevant: vec![false; n],
            outcome: Vec::new(),
        };
        st.values.resize_with(n, || Value::Empty);
        st
    }

    pub fn conv(&self, slot: u32) -> &[Issue] {
        self.conv
            .iter()
            .find(|(s, _)| *s == slot)
            .map_or(&[], |(_, v)| v.as_slice())
    }

    pub fn instances(&self, slot: u32) -> &[Instance] {
        self.instances
            .iter()
            .find(|(s, _)| *s == slot)
            .map_or(&[], |(_, v)| v.as_slice())
    }
}

/// Put `v` at `slot` in a sparse list, or take the slot out when `v` is empty.
fn put<T>(list: &mut Vec<(u32, Vec<T>)>, slot: u32, v: Vec<T>) {
    list.retain(|(s, _)| *s != slot);
    if !v.is_empty() {
        list.push((slot, v));
    }
}

/// Store the answer `v` of top-level item `slot`, replacing what was there.
pub(crate) fn set_answer(t: &Template, st: &mut State, slot: u32, v: &Json<'_>) {
    let Some(item) = t.item(slot) else { return };
    let path = Loc::Answer(&item.key);
    let mut errs = Vec::new();
    let mut value = Value::Empty;
    let mut instances = Vec::new();
    if item.kind == ItemKind::Repeat {
        match v {
            Json::Null => {}
            Json::Array(a) if a.len() > item.max_count => {
                errs.push(Issue::new(&path, Code::TooMany))
            }
            Json::Array(a) => {
                for (i, inst) in a.iter().enumerate() {
                    instances.push(convert_instance(t, item, slot, inst, i, &mut errs));
                }
            }
            _ => errs.push(Issue::detail(
                &path,
                Code::WrongType,
                "应为对象数组",
                "expected an array of objects",
            )),
        }
    } else {
        value = convert(item, v, &path, &mut errs);
    }
    if let Some(x) = st.values.get_mut(slot as usize) {
        *x = value;
    }
    put(&mut st.conv, slot, errs);
    put(&mut st.instances, slot, instances);
}

fn convert_instance(
    t: &Template,
    group: &Item,
    g: u32,
    inst: &Json<'_>,
    i: usize,
    errs: &mut Vec<Issue>,
) -> Instance {
    let n = group.children.len();
    let mut out = Instance {
        vals: vec![Value::Empty; n],
        rejected: vec![false; n],
    };
    let Some(obj) = inst.as_object() else {
        errs.push(Issue::detail(
            &Loc::Elem(&Loc::Answer(&group.key), i),
            Code::WrongType,
            "应为对象",
            "expected an object",
        ));
        return out;
    };
    // Each key once, its last copy, in key order: what serde_json's Value holds, so the text and
    // value routes report the same (see submission::distinct_keys).
    let mut members: Vec<(&str, &Json<'_>)> = obj.iter().collect();
    members.sort_by(|a, b| a.0.cmp(b.0));
    let last_copies = members
        .iter()
        .enumerate()
        .filter(|(n, (k, _))| members.get(n + 1).is_none_or(|(next, _)| next != k))
        .map(|(_, m)| *m);
    for (k, v) in last_copies {
        let p = Loc::Child(&group.key, i, k);
        let child = t
            .slot(k)
            .filter(|&s| t.item(s).is_some_and(|i| i.parent == Some(g)));
        match child.and_then(|s| t.item(s).map(|i| (s, i))) {
            Some((s, item)) => {
                let idx = (s - g - 1) as usize;
                let before = errs.len();
                let value = convert(item, v, &p, errs);
                if let Some(r) = out.rejected.get_mut(idx) {
                    *r = errs.len() > before;
                }
                if let Some(x) = out.vals.get_mut(idx) {
                    *x = value;
                }
            }
            None => errs.push(Issue::new(&p, Code::UnknownItem)),
        }
    }
    out
}

/// Reads for expressions of top-level items.
struct TopEnv<'a> {
    ctx: &'a Ctx<'a>,
    st: &'a State,
    dot: Value,
    /// Reads for judging (required, rules): an answer its constraint rejects reads as unanswered,
    /// as one outside min/max (dropped on entry) does. Off for relevance and for constraints
    /// themselves, which read answers as entered (so no constraint depends on another's verdict).
    judging: bool,
}

fn lookup(t: &Template, id: u32, keys: &[Value]) -> Value {
    let Some(l) = t.lookups.get(id as usize) else {
        return Value::Empty;
    };
    let Some(table) = t.tables.get(l.table) else {
        return Value::Empty;
    };
    if keys.iter().any(Value::is_empty) {
        return Value::Empty;
    }
    let same = |cell: &Value, key: &Value| match (cell, key) {
        (Value::Num(_), _) | (_, Value::Num(_)) => cell.to_num() == key.to_num(),
        _ => cell.to_text() == key.to_text(),
    };
    table
        .rows
        .iter()
        .find(|row| {
            l.keys
                .iter()
                .zip(keys)
                .all(|(&c, k)| row.get(c).is_some_and(|cell| same(cell, k)))
        })
        .and_then(|row| row.get(l.column).cloned())
        .unwrap_or(Value::Empty)
}

impl TopEnv<'_> {
    #[inline]
    fn value(&self, slot: u32) -> Option<&Value> {
        if self.st.relevant.get(slot as usize) != Some(&true) {
            return None;
        }
        let v = self.st.values.get(slot as usize)?;
        if self.judging && !v.is_empty() && !accepted(self.ctx, self.st, slot, v) {
            return None;
        }
        Some(v)
    }
}

/// Whether top-level `slot`'s answer `v` passes its constraint, judged on the answers as entered.
/// No constraint, or one that cannot be judged yet (`today()` with no inspection date), passes.
fn accepted(ctx: &Ctx<'_>, st: &State, slot: u32, v: &Value) -> bool {
    let Some(c) = ctx.t.item(slot).and_then(|i| i.constraint.as_ref()) else {
        return true;
    };
    (c.uses_today() && ctx.today.is_none())
        || c.eval_bool(&TopEnv {
            ctx,
            st,
            dot: v.clone(),
            judging: false,
        })
}

impl Env for TopEnv<'_> {
    fn answered(&self, slot: u32) -> bool {
        self.value(slot).is_some_and(|v| !v.is_empty())
    }
    fn var(&self, slot: u32) -> Value {
        self.value(slot).cloned().unwrap_or(Value::Empty)
    }
    fn dot(&self) -> Value {
        self.dot.clone()
    }
    fn today(&self) -> Option<i32> {
        self.ctx.today
    }
    fn lookup(&self, id: u32, keys: &[Value]) -> Value {
        lookup(self.ctx.t, id, keys)
    }
    fn count(&self, slot: u32) -> usize {
        if self.st.relevant.get(slot as usize) == Some(&true) {
            self.st.instances(slot).len()
        } else {
            0
        }
    }
}

/// Reads inside one instance of a repeat group: siblings from the instance, the rest from the top.
struct InstEnv<'a> {
    top: TopEnv<'a>,
    group: u32,
    vals: &'a [Value],
    rel: &'a [bool],
}

impl Env for InstEnv<'_> {
    fn var(&self, slot: u32) -> Value {
        match slot.checked_sub(self.group + 1) {
            Some(i) if (i as usize) < self.vals.len() => {
                if self.rel.get(i as usize) == Some(&true) {
                    self.vals.get(i as usize).cloned().unwrap_or(Value::Empty)
                } else {
                    Value::Empty
                }
            }
            _ => self.top.var(slot),
        }
    }
    fn dot(&self) -> Value {
        self.top.dot.clone()
    }
    fn today(&self) -> Option<i32> {
        self.top.today()
    }
    fn lookup(&self, id: u32, keys: &[Value]) -> Value {
        self.top.lookup(id, keys)
    }
    fn count(&self, slot: u32) -> usize {
        self.top.count(slot)
    }
}

/// Relevance of a top-level item from the current state.
pub(crate) fn relevance(ctx: &Ctx<'_>, st: &State, slot: u32) -> bool {
    let Some(item) = ctx.t.item(slot) else {
        return false;
    };
    if !item.scope.contains(ctx.form, ctx.link) {
        return false;
    }
    match &item.relevant {
        None => true,
        Some(e) => e.eval_bool(&TopEnv {
            ctx,
            st,
            dot: Value::Empty,
            judging: false,
        }),
    }
}

/// Compute every top-level item's relevance, in dependency order.
pub(crate) fn relevance_all(ctx: &Ctx<'_>, st: &mut State) {
    for &slot in &ctx.t.order {
        let r = relevance(ctx, st, slot);
        if let Some(x) = st.relevant.get_mut(slot as usize) {
            *x = r;
        }
    }
}

/// How an item's expressions read the others: `judging` for required and rules (an answer its
/// constraint rejects reads as unanswered), `entered` for its constraint (answers as entered).
#[derive(Clone, Copy)]
struct Envs<'e> {
    judging: &'e dyn Env,
    entered: &'e dyn Env,
}

/// Check one answered or unanswered item: required, constraint, rules. Appends to `out`.
#[allow(clippy::too_many_arguments)] // the state of one judgement, passed down, not kept
fn check_one(
    ctx: &Ctx<'_>,
    envs: Envs<'_>,
    slot: u32,
    item: &Item,
    value: &Value,
    path: &Loc<'_>,
    instance: Option<usize>,
    out: &mut Outcome,
) {
    if value.is_empty() {
        let required = match &item.required {
            Required::No => false,
            Required::Yes => true,
            Required::When(e) => e.eval_bool(envs.judging),
        };
        if required {
            out.errors.push(Issue::new(path, Code::Required));
        }
        return;
    }
    if let Some(c) = &item.constraint {
        // Without a valid inspection date there is no `today()` to compare with: the date itself
        // is already reported, so the constraint is not judged rather than judged wrongly.
        let unknowable = c.uses_today() && envs.entered.today().is_none();
        if !unknowable && !c.eval_bool(envs.entered) {
            out.errors.push(match &item.constraint_message {
                Some(m) => Issue::with_message(path, Code::Constraint, m.clone()),
                None => Issue::detail(path, Code::Constraint, c.source(), c.source()),
            });
            // A rejected entry, like one outside min/max: reported once, never judged by the
            // item's rules (docs/templates.md, "One rule semantics").
            return;
        }
    }
    for (r, rule) in item.rules.iter().enumerate() {
        let (std_applies, applied) = standard_applies(ctx, envs.judging, rule.standard);
        // A rule judges only complete data: every item it reads must be answered.
        let complete = rule.reads.iter().all(|&s| envs.judging.answered(s));
        if !std_applies
            || !complete
            || rule
                .when
                .as_ref()
                .is_some_and(|w| !w.eval_bool(envs.judging))
        {
            continue;
        }
        if !rule.check.eval_bool(envs.judging) {
            out.findings.push(Hit {
                slot,
                rule: r as u32,
                instance: instance.map(|i| i as u32),
                applied,
            });
        }
    }
}

/// Whether a rule's standard applies, judged on the day its `by` item gives (the production date)
/// or else the inspection day; and, for a dated standard, which day decided (for the finding).
fn standard_applies(
    ctx: &Ctx<'_>,
    env: &dyn Env,
    standard: Option<usize>,
) -> (bool, Option<Applied>) {
    let Some(s) = standard else {
        return (true, None);
    };
    let Some(std) = ctx.t.standards.get(s) else {
        return (false, None);
    };
    let Some((day, by_item)) = std.deciding_day(env, ctx.today) else {
        return (false, None);
    };
    if !std.applies_on_day(day) {
        return (false, None);
    }
    let applied = std.dated().then(|| Applied {
        standard: std.id.clone(),
        by: match (by_item, std.by.and_then(|b| ctx.t.item(b))) {
            (true, Some(item)) => item.key.clone(),
            _ => "inspected_at".to_string(),
        },
        date: crate::expr::format_date(day),
    });
    (true, applied)
}

/// The outcome of top-level item `slot` from the current state (relevance already computed).
pub(crate) fn evaluate(ctx: &Ctx<'_>, st: &State, slot: u32) -> Outcome {
    let mut out = Outcome::default();
    let Some(item) = ctx.t.item(slot) else {
        return out;
    };
    if !item.scope.contains(ctx.form, ctx.link) {
        return out;
    }
    if st.relevant.get(slot as usize) != Some(&true) {
        // An answer to an item skipped by skip logic is ignored, as ODK does: the user may have
        // changed the controlling answer after filling it in.
        return out;
    }
    out.errors.extend(st.conv(slot).iter().cloned());
    let value = st
        .values
        .get(slot as usize)
        .cloned()
        .unwrap_or(Value::Empty);
    let path = Loc::Answer(&item.key);
    let env = TopEnv {
        ctx,
        st,
        dot: value.clone(),
        judging: true,
    };
    let entered = TopEnv {
        ctx,
        st,
        dot: value.clone(),
        judging: false,
    };
    if item.kind != ItemKind::Repeat {
        // A rejected entry is reported once, as what it is, not also as missing.
        if !value.is_empty() || out.errors.is_empty() {
            check_one(
                ctx,
                Envs {
                    judging: &env,
                    entered: &entered,
                },
                slot,
                item,
                &value,
                &path,
                None,
                &mut out,
            );
        }
        return out;
    }
    let instances = st.instances(slot);
    if instances.is_empty() && !matches!(item.required, Required::No) {
        check_one(
            ctx,
            Envs {
                judging: &env,
                entered: &entered,
            },
            slot,
            item,
            &Value::Empty,
            &path,
            None,
            &mut out,
        );
    }
    for (i, inst) in instances.iter().enumerate() {
        let vals = &inst.vals[..];
        let mut rel = vec![false; vals.len()];
        for &c in &item.children {
            let Some(child) = ctx.t.item(c) else { continue };
            let idx = (c - slot - 1) as usize;
            let env = InstEnv {
                top: TopEnv {
                    ctx,
                    st,
                    dot: Value::Empty,
                    judging: false,
                },
                group: slot,
                vals,
                rel: &rel,
            };
            let r = child.relevant.as_ref().is_none_or(|e| e.eval_bool(&env));
            if let Some(x) = rel.get_mut(idx) {
                *x = r;
            }
        }
        for &c in &item.children {
            let Some(child) = ctx.t.item(c) else { continue };
            let idx = (c - slot - 1) as usize;
            if rel.get(idx) != Some(&true) || inst.rejected.get(idx) == Some(&true) {
                continue;
            }
            let v = vals.get(idx).cloned().unwrap_or(Value::Empty);
            let env = InstEnv {
                top: TopEnv {
                    ctx,
                    st,
                    dot: v.clone(),
                    judging: true,
                },
                group: slot,
                vals,
                rel: &rel,
            };
            // A constraint reads the answers as entered, as at the top level: were it to read
            // through the others' constraints, its verdict would depend on items the dependency
            // graph does not link it to (a property test found a live session disagreeing).
            let entered = InstEnv {
                top: TopEnv {
                    ctx,
                    st,
                    dot: v.clone(),
                    judging: false,
                },
                group: slot,
                vals,
                rel: &rel,
            };
            let p = Loc::Child(&item.key, i, &child.key);
            check_one(
                ctx,
                Envs {
                    judging: &env,
                    entered: &entered,
                },
                c,
                child,
                &v,
                &p,
                Some(i),
                &mut out,
            );
        }
    }
    out
}

/// Evaluate everything from scratch, keeping each item's outcome (live sessions).
pub(crate) fn evaluate_all(ctx: &Ctx<'_>, st: &mut State) {
    relevance_all(ctx, st);
    let mut outcome = Vec::with_capacity(ctx.t.items.len());
    for slot in 0..ctx.t.items.len() as u32 {
        let top = ctx.t.item(slot).is_some_and(|i| i.parent.is_none());
        outcome.push(if top {
            evaluate(ctx, st, slot)
        } else {
            Outcome::default()
        });
    }
    st.outcome = outcome;
}

/// Evaluate everything from scratch into `errors` and `findings`, in template order (batch
/// checks: nothing is kept per item).
pub(crate) fn collect_all(
    ctx: &Ctx<'_>,
    st: &mut State,
    errors: &mut Vec<Issue>,
    findings: &mut Vec<Hit>,
) {
    relevance_all(ctx, st);
    for slot in 0..ctx.t.items.len() as u32 {
        if ctx.t.item(slot).is_some_and(|i| i.parent.is_none()) {
            let o = evaluate(ctx, st, slot);
            errors.extend(o.errors);
            findings.extend(o.findings);
        }
    }
}
