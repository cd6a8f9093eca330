//! The causal part of the fold's order. Acts are first ordered by the device's clock (then id);
//! an act that names the event it `follows` is then moved after that event, so what a device
//! acted on comes before the act, whatever either device's clock said. The order stays a pure
//! function of the set: the same events in any arrival order give the same sequence.
//!
//! Written here rather than taken from a graph crate: each event follows at most one other, so the
//! graph is a forest (plus whatever cycles forged events make), and a stable topological order over
//! it is twenty lines with the clock order as the tie-break.

use super::event::{Act, Event};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Reorders `ordered` (already in clock order) so every event comes after the event of the same
/// entry it follows. Among events free to go next, the clock order decides. A `follows` that names
/// no event of the set, an event of another entry, or a creation is ignored (the clock orders it);
/// so is one that closes a cycle (only forged events can make one): the earliest event by the
/// clock among those left then goes first.
pub fn order<T>(ordered: Vec<(&Event, T)>) -> Vec<(&Event, T)> {
    let index: HashMap<&str, usize> = ordered
        .iter()
        .enumerate()
        .map(|(i, (e, _))| (e.id.as_str(), i))
        .collect();
    let mut waiting = vec![false; ordered.len()];
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); ordered.len()];
    for (i, (e, _)) in ordered.iter().enumerate() {
        let Some(&p) = e.follows.as_deref().and_then(|f| index.get(f)) else {
            continue;
        };
        let same_entry = ordered.get(p).is_some_and(|(f, _)| f.entry == e.entry);
        if same_entry && p != i && !matches!(e.act, Act::Created(_)) {
            if let Some(w) = waiting.get_mut(i) {
                *w = true;
            }
            if let Some(a) = after.get_mut(p) {
                a.push(i);
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..ordered.len())
        .filter(|&i| !waiting.get(i).copied().unwrap_or(false))
        .map(Reverse)
        .collect();
    let mut placed = vec![false; ordered.len()];
    let mut sequence = Vec::with_capacity(ordered.len());
    let mut next_unplaced = 0;
    while sequence.len() < ordered.len() {
        let i = match ready.pop() {
            Some(Reverse(i)) => i,
            // Only a cycle is left waiting: its earliest event by the clock goes first.
            None => {
                while placed.get(next_unplaced).copied().unwrap_or(false) {
                    next_unplaced += 1;
                }
                next_unplaced
            }
        };
        if placed.get(i).copied().unwrap_or(true) {
            continue;
        }
        if let Some(p) = placed.get_mut(i) {
            *p = true;
        }
        sequence.push(i);
        for &c in after.get(i).map(Vec::as_slice).unwrap_or_default() {
            if !placed.get(c).copied().unwrap_or(true) {
                ready.push(Reverse(c));
            }
        }
    }
    let mut slots: Vec<Option<(&Event, T)>> = ordered.into_iter().map(Some).collect();
    sequence
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}
