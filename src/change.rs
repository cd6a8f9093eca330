//! What one changed answer does in a live session: re-evaluate only the items that depend on it
//! (through the template's dependency graph), keep the totals up to date, and say what changed.

use crate::state::{evaluate, relevance, Ctx, Outcome, State};
use crate::template::Template;

/// Totals over all outcomes, kept up to date change by change (a session never re-counts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub errors: usize,
    pub findings: usize,
    pub majors: usize,
}

impl Counts {
    pub fn of(t: &Template, o: &Outcome) -> Counts {
        Counts {
            errors: o.errors.len(),
            findings: o.findings.len(),
            majors: o
                .findings
                .iter()
                .filter(|h| h.severity(t) == crate::policy::Severity::Major)
                .count(),
        }
    }
    pub fn all(t: &Template, st: &State) -> Counts {
        st.outcome
            .iter()
            .fold(Counts::default(), |a, o| a.plus(Counts::of(t, o)))
    }
    fn plus(self, o: Counts) -> Counts {
        Counts {
            errors: self.errors + o.errors,
            findings: self.findings + o.findings,
            majors: self.majors + o.majors,
        }
    }
    fn minus(self, o: Counts) -> Counts {
        Counts {
            errors: self.errors.saturating_sub(o.errors),
            findings: self.findings.saturating_sub(o.findings),
            majors: self.majors.saturating_sub(o.majors),
        }
    }
}

/// What a change did: the top-level slots whose relevance or outcome changed (template order),
/// and whether any finding changed (then the actions must be recomputed).
pub(crate) struct Changed {
    pub slots: Vec<u32>,
    pub findings: bool,
}

/// After answer `slot` changed: recompute relevance and outcomes of what depends on it, keeping
/// `counts` up to date.
pub(crate) fn propagate(ctx: &Ctx<'_>, st: &mut State, slot: u32, counts: &mut Counts) -> Changed {
    let t = ctx.t;
    let mut recheck = vec![slot];
    let mut changed_rel = Vec::new();
    let mut queue = vec![slot];
    while let Some(u) = queue.pop() {
        for &d in t.dependents.get(u as usize).map_or(&[][..], Vec::as_slice) {
            recheck.push(d);
            let reads_u = t
                .item(d)
                .and_then(|i| i.relevant.as_ref())
                .is_some_and(|e| {
                    e.refs()
                        .iter()
                        .any(|&r| r == u || t.item(r).and_then(|i| i.parent) == Some(u))
                });
            if reads_u {
                let r = relevance(ctx, st, d);
                if st.relevant.get(d as usize) != Some(&r) {
                    if let Some(x) = st.relevant.get_mut(d as usize) {
                        *x = r;
                    }
                    changed_rel.push(d);
                    // Its value as others see it changed (now Empty, or back): follow it.
                    // The relevance graph is acyclic (checked at load), so this ends.
                    queue.push(d);
                }
            }
        }
    }
    recheck.sort_unstable();
    recheck.dedup();
    let mut changed = Changed {
        slots: Vec::new(),
        findings: false,
    };
    for s in recheck {
        let o = evaluate(ctx, st, s);
        if let Some(x) = st.outcome.get_mut(s as usize) {
            if *x != o {
                changed.findings |= x.findings != o.findings;
                *counts = counts.minus(Counts::of(t, x)).plus(Counts::of(t, &o));
                *x = o;
                changed.slots.push(s);
            }
        }
    }
    changed.slots.extend(changed_rel);
    changed.slots.sort_unstable();
    changed.slots.dedup();
    changed
}
