//! The progress answer as the server's `GET /api/v1/campaigns/{id}/progress` sends it and the
//! dashboard's WASM module (campaign-wasm/) computes it offline: one shape, made here, so the two
//! cannot drift apart. The server counts the leaves in SQL from its summary tables; a device counts
//! them from the facts it synced ([`offline`]); both roll up and flag with the core's `tree`.
//!
//! Locality names (GB/T 2260) are native only (the division list is not compiled into the WASM
//! modules), so the facts a device syncs carry the names of their codes ([`names_of`]) and the
//! module puts them on the tree ([`name_tree`]).

use super::plan::Plan;
use super::progress::{lagging, leaves, tree, Inputs, Lagging, Leaf, Node};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Progress from a locality down at a day, with its lagging localities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub campaign: String,
    pub version: u32,
    pub today: String,
    pub root: Node,
    pub lagging: Vec<Lagging>,
}

impl Answer {
    /// The answer of counted leaves, rolled up from `root` and flagged at `today`.
    pub fn of(plan: &Plan, root: &str, leaves: &[Leaf], today: NaiveDate) -> Answer {
        let root = tree(plan, root, leaves, today);
        Answer {
            campaign: plan.id.clone(),
            version: plan.version,
            today: crate::ledger::date::date_text(today),
            lagging: lagging(&root),
            root,
        }
    }
}

/// The answer counted from the facts themselves (what a device holds), named from `names`
/// where the tree has no name of its own.
pub fn offline(
    plan: &Plan,
    inputs: &Inputs<'_>,
    root: &str,
    today: NaiveDate,
    names: &BTreeMap<String, String>,
) -> Answer {
    let mut a = Answer::of(plan, root, &leaves(plan, inputs, today), today);
    name_tree(&mut a.root, names);
    for l in &mut a.lagging {
        if l.name.is_none() {
            l.name = names.get(&l.code).cloned();
        }
    }
    a
}

/// Give each locality of the tree its name from `names` where it has none.
pub fn name_tree(n: &mut Node, names: &BTreeMap<String, String>) {
    if n.name.is_none() {
        n.name = names.get(&n.code).cloned();
    }
    for c in &mut n.children {
        name_tree(c, names);
    }
}

/// The GB/T 2260 names of the localities above and at each of `regions` (the codes a tree of
/// them can show), for a device to name its tree offline. Native only: the list is.
#[cfg(not(target_arch = "wasm32"))]
pub fn names_of<'a>(regions: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for r in regions {
        for (code, _) in super::progress::chain(r) {
            if let std::collections::btree_map::Entry::Vacant(v) = out.entry(code) {
                if let Some(name) = crate::divisions::name(v.key()) {
                    v.insert(name.to_string());
                }
            }
        }
    }
    out
}
