//! The dependency graph of a template, built once when it loads: an evaluation order in which
//! every item's relevance depends only on earlier items (a cycle is a template error), and for each
//! item the items a change to it must re-evaluate (what makes a live session cost only what a
//! change touches, like a spreadsheet).

use super::{Item, Required};

/// Order items so that each one's relevance depends only on earlier ones (Kahn's algorithm).
/// Top-level items come in `order`; children are ranked with their group. Err(slot) on a cycle.
pub(super) fn order(items: &[Item]) -> Result<(Vec<u32>, Vec<u32>), u32> {
    let n = items.len();
    let mut indegree = vec![0usize; n];
    let mut after: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (slot, it) in items.iter().enumerate() {
        for &r in it.relevant.as_ref().map_or(&[][..], |e| e.refs()) {
            if r as usize != slot {
                if let Some(a) = after.get_mut(r as usize) {
                    a.push(slot as u32);
                }
                if let Some(d) = indegree.get_mut(slot) {
                    *d += 1;
                }
            } else {
                return Err(slot as u32);
            }
        }
    }
    let mut ready: Vec<u32> = (0..n as u32)
        .rev()
        .filter(|&s| indegree.get(s as usize) == Some(&0))
        .collect();
    let mut all = Vec::with_capacity(n);
    while let Some(s) = ready.pop() {
        all.push(s);
        for &t in after.get(s as usize).map_or(&[][..], Vec::as_slice) {
            if let Some(d) = indegree.get_mut(t as usize) {
                *d -= 1;
                if *d == 0 {
                    ready.push(t);
                }
            }
        }
    }
    if all.len() != n {
        // A blocked item may only depend on a cycle: walk back through blocked predecessors; after
        // n steps the walk is inside the cycle, which is the item to name.
        let blocked = |s: u32| indegree.get(s as usize).is_some_and(|d| *d > 0);
        let mut cur = (0..n as u32).find(|&s| blocked(s)).unwrap_or(0);
        for _ in 0..n {
            let refs = items
                .get(cur as usize)
                .and_then(|i| i.relevant.as_ref())
                .map_or(&[][..], |e| e.refs());
            match refs.iter().copied().find(|&r| blocked(r)) {
                Some(r) => cur = r,
                None => break,
            }
        }
        return Err(cur);
    }
    let mut rank = vec![0u32; n];
    for (i, &s) in all.iter().enumerate() {
        if let Some(r) = rank.get_mut(s as usize) {
            *r = i as u32;
        }
    }
    let order = all
        .into_iter()
        .filter(|&s| items.get(s as usize).is_some_and(|i| i.parent.is_none()))
        .collect();
    Ok((order, rank))
}

/// For each slot, the top-level items to re-evaluate when it changes.
pub(super) fn dependents(items: &[Item], rank: &[u32]) -> Vec<Vec<u32>> {
    let mut deps: Vec<Vec<u32>> = vec![Vec::new(); items.len()];
    for (slot, it) in items.iter().enumerate() {
        let owner = it.parent.unwrap_or(slot as u32);
        let mut reads: Vec<u32> = Vec::new();
        let judged = match &it.required {
            Required::When(e) => Some(e),
            _ => None,
        }
        .into_iter()
        .chain(
            it.rules
                .iter()
                .flat_map(|r| std::iter::once(&r.check).chain(r.when.iter())),
        );
        for e in judged {
            for &r in e.refs() {
                reads.push(r);
                // Judging reads an answer its constraint rejects as unanswered (state.rs
                // `accepted`): what that constraint reads changes what is judged here too.
                if let Some(c) = items.get(r as usize).and_then(|i| i.constraint.as_ref()) {
                    reads.extend_from_slice(c.refs());
                }
            }
        }
        for e in it.relevant.iter().chain(it.constraint.iter()) {
            reads.extend_from_slice(e.refs());
        }
        // A rule whose standard version is chosen by a date item depends on that item too.
        reads.extend(it.rules.iter().filter_map(|r| r.by));
        for r in reads {
            // A change inside a group is handled by re-evaluating the whole group.
            let src = items.get(r as usize).and_then(|i| i.parent).unwrap_or(r);
            if src != owner {
                if let Some(d) = deps.get_mut(src as usize) {
                    d.push(owner);
                }
            }
        }
    }
    for d in &mut deps {
        d.sort_unstable_by_key(|&s| rank.get(s as usize).copied().unwrap_or(u32::MAX));
        d.dedup();
    }
    deps
}
