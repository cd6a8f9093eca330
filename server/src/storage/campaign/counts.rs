//! The campaign's counters, backend-neutral: what storing one record adds to them, and how the
//! rows a backend reads back become the core's leaves.
//!
//! Progress is a sum of independent parts: each enterprise's coverage (its register row and its
//! own valid inspections decide its self-inspected / on-site / unregistered figures), each ledger
//! entry, each spot check. So a backend keeps, per campaign of the build, one counter row per
//! division code and product (`''`: the code's total) and adds to it, in the transaction that
//! stores a record, the difference between the part's figures after and before the change. The
//! part's figures are computed by the core's own `paicha::campaign::leaves` over that part alone,
//! so the counters are, by construction, what the core counts over everything.
//!
//! Only `overdue` and `spot_overdue` depend on the day asked about: they are kept as counts per
//! running deadline (`due`), and a read adds up those whose deadline is before that day. The
//! open-over-time series of the summaries is kept the same way, per day found and day closed.

use paicha::campaign::{leaves, EntryFact, Figures, Inputs, Leaf, Plan, Registered, SpotFact};
use paicha::campaign::{slot, Acc, RegisteredProduct, SubmissionFact};
use paicha::{Form, Link};
use std::collections::BTreeMap;

/// The figures kept as plain counters, in the order of the backends' columns (every field of
/// `Figures` but the two that depend on the day asked about; a test holds this to `Figures`).
pub const COUNTED: [&str; 15] = [
    "registered",
    "self_inspected",
    "onsite_inspected",
    "unregistered",
    "general",
    "major",
    "rectified",
    "closed_out",
    "closed_other",
    "open",
    "violations",
    "measures",
    "measures_done",
    "spot_unqualified",
    "spot_disposed",
];

/// Which day-dependent figure a deadline row counts towards.
pub const DUE_ENTRY: &str = "entry";
pub const DUE_SPOT: &str = "spot";

/// A day no deadline reaches: the part's figures are computed "as of" it, so `overdue` says
/// whether the part counts towards overdue at all (at the real day: when its due is earlier).
const END_OF_TIME: (i32, u32, u32) = (9999, 12, 31);

/// (campaign, region, product or `''`).
pub type CountKey = (String, String, String);
/// (campaign, region, product or `''`, `entry`/`spot`, due day).
pub type DueKey = (String, String, String, &'static str, String);
/// (campaign, region, day): entries found, entries closed that day.
pub type DayKey = (String, String, String);

/// The counter changes of one unit of work, summed (zero changes are dropped when applied).
#[derive(Debug, Default)]
pub struct Changes {
    pub counts: BTreeMap<CountKey, [i64; COUNTED.len()]>,
    pub dues: BTreeMap<DueKey, i64>,
    pub days: BTreeMap<DayKey, [i64; 2]>,
}

/// One part of the progress: an enterprise (its register row, if any, and its own inspections),
/// or one entry, or one spot check.
pub enum Part<'a> {
    Enterprise {
        registered: Option<&'a Registered>,
        done: &'a [SubmissionFact],
    },
    Entry(&'a EntryFact),
    Spot(&'a SpotFact),
}

fn values(f: &Figures) -> [i64; COUNTED.len()] {
    let mut out = [0i64; COUNTED.len()];
    if let Ok(serde_json::Value::Object(m)) = serde_json::to_value(f) {
        for (slot, name) in out.iter_mut().zip(COUNTED) {
            *slot = m.get(name).and_then(serde_json::Value::as_i64).unwrap_or(0);
        }
    }
    out
}

/// Figures from counter values (and the two day-dependent ones).
pub fn figures(v: &[i64], overdue: i64, spot_overdue: i64) -> Figures {
    let mut m = serde_json::Map::new();
    for (name, n) in COUNTED.iter().zip(v) {
        m.insert((*name).into(), (*n).max(0).into());
    }
    m.insert("overdue".into(), overdue.max(0).into());
    m.insert("spot_overdue".into(), spot_overdue.max(0).into());
    serde_json::from_value(serde_json::Value::Object(m)).unwrap_or_default()
}

impl Changes {
    /// Add (`sign` 1) or take away (`sign` -1) a part's figures under every campaign of `plans`.
    pub fn add(&mut self, plans: &[Plan], part: &Part<'_>, sign: i64) {
        let end = chrono::NaiveDate::from_ymd_opt(END_OF_TIME.0, END_OF_TIME.1, END_OF_TIME.2)
            .unwrap_or_default();
        let one_reg;
        let one_entry;
        let one_spot;
        let inputs = match part {
            Part::Enterprise { registered, done } => {
                one_reg = registered.map(|r| vec![r.clone()]).unwrap_or_default();
                Inputs {
                    register: &one_reg,
                    submissions: done,
                    entries: &[],
                    spots: &[],
                }
            }
            Part::Entry(e) => {
                one_entry = [(*e).clone()];
                Inputs {
                    register: &[],
                    submissions: &[],
                    entries: &one_entry,
                    spots: &[],
                }
            }
            Part::Spot(s) => {
                one_spot = [(*s).clone()];
                Inputs {
                    register: &[],
                    submissions: &[],
                    entries: &[],
                    spots: &one_spot,
                }
            }
        };
        let due = match part {
            Part::Entry(e) => e.due.as_deref(),
            Part::Spot(s) => s.due.as_deref(),
            Part::Enterprise { .. } => None,
        }
        .and_then(paicha::date::parse_date)
        .map(paicha::date::date_text);
        for plan in plans {
            let counted = leaves(plan, &inputs, end);
            if let (Part::Entry(e), false) = (part, counted.is_empty()) {
                // The open-over-time series: found and closed per day, of the entries counted.
                let d = self
                    .days
                    .entry((plan.id.clone(), e.region.clone(), e.found.clone()))
                    .or_default();
                d[0] += sign;
                if let Some(c) = &e.closed_on {
                    self.days
                        .entry((plan.id.clone(), e.region.clone(), c.clone()))
                        .or_default()[1] += sign;
                }
            }
            for leaf in counted {
                let rows = std::iter::once((String::new(), leaf.total))
                    .chain(leaf.products.into_iter().map(|p| (p.product, p.figures)));
                for (product, f) in rows {
                    let v = values(&f);
                    let key = (plan.id.clone(), leaf.region.clone(), product.clone());
                    let c = self.counts.entry(key).or_default();
                    for (a, b) in c.iter_mut().zip(v) {
                        *a += sign * b;
                    }
                    for (kind, n) in [(DUE_ENTRY, f.overdue), (DUE_SPOT, f.spot_overdue)] {
                        if let (true, Some(d)) = (n > 0, &due) {
                            let key = (
                                plan.id.clone(),
                                leaf.region.clone(),
                                product.clone(),
                                kind,
                                d.clone(),
                            );
                            *self.dues.entry(key).or_default() += sign * i64::from(n);
                        }
                    }
                }
            }
        }
    }

    /// The same change taking a part from `before` to `after`.
    pub fn replace(&mut self, plans: &[Plan], before: Option<&Part<'_>>, after: Option<&Part<'_>>) {
        if let Some(b) = before {
            self.add(plans, b, -1);
        }
        if let Some(a) = after {
            self.add(plans, a, 1);
        }
    }

    /// Drop the changes that add nothing.
    pub fn nonzero(mut self) -> Changes {
        self.counts.retain(|_, v| v.iter().any(|n| *n != 0));
        self.dues.retain(|_, n| *n != 0);
        self.days.retain(|_, v| v.iter().any(|n| *n != 0));
        self
    }
}

/// A valid inspection's fact as the counters, the ranking and the breakdown read it (`link` as
/// stored: only links that parse are, by the hooks and the migrations).
pub fn done_fact(
    uscc: String,
    product: String,
    onsite: bool,
    link: &str,
    day: String,
    region: String,
) -> SubmissionFact {
    let link = Link::parse(link).unwrap_or(Link::Sales);
    SubmissionFact {
        id: format!("{uscc}/{product}/{onsite}/{}/{day}", link.as_str()),
        uscc,
        region,
        name: String::new(),
        product,
        form: if onsite {
            Form::OnsiteInspection
        } else {
            Form::SelfInspection
        },
        link,
        date: day,
        valid: true,
    }
}

/// A register entry as progress reads it: its code and products (product, code), in a stable
/// order.
pub fn registered(uscc: &str, mut rows: Vec<(String, String)>) -> Option<Registered> {
    rows.sort();
    rows.dedup_by(|a, b| a.0 == b.0);
    let region = rows.first()?.1.clone();
    Some(Registered {
        uscc: uscc.to_string(),
        name: String::new(),
        region,
        address: None,
        legal_representative: None,
        contact: None,
        scale: None,
        products: rows
            .into_iter()
            .map(|(product, _)| RegisteredProduct {
                product,
                links: vec![],
            })
            .collect(),
        certificates: vec![],
        key_flags: vec![],
    })
}

/// The leaves from the counter rows of a region range (region, product or `''`, values) and the
/// deadline sums before the day asked about (region, product or `''`, kind, count).
pub fn leaves_of(
    plan: &Plan,
    counts: Vec<(String, String, Vec<i64>)>,
    overdue: Vec<(String, String, String, i64)>,
) -> Vec<Leaf> {
    let mut late: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for (region, product, kind, n) in overdue {
        let e = late.entry((region, product)).or_default();
        if kind == DUE_SPOT {
            e.1 += n;
        } else {
            e.0 += n;
        }
    }
    let mut acc: Acc = Acc::new();
    for (region, product, v) in counts {
        // A row every part has left again (an enterprise moved away) is no figure of the core's.
        if v.iter().all(|n| *n == 0) {
            continue;
        }
        let (o, so) = late
            .get(&(region.clone(), product.clone()))
            .copied()
            .unwrap_or_default();
        let p = (!product.is_empty()).then_some(product.as_str());
        *slot(&mut acc, &region, p) = figures(&v, o, so);
    }
    paicha::campaign::assemble(plan, acc)
}

/// Open dangers at the end of each day from the per-day rows (day, found, closed).
pub fn open_series(rows: &[(String, i64, i64)], days: &[String]) -> Vec<u32> {
    days.iter()
        .map(|d| {
            let n: i64 = rows
                .iter()
                .filter(|(x, _, _)| x.as_str() <= d.as_str())
                .map(|(_, f, c)| f - c)
                .sum();
            u32::try_from(n).unwrap_or(0)
        })
        .collect()
}

/// The code range a prefix covers (`5201` -> `5201` <= code < `5202`); empty: everything.
pub fn code_range(prefix: &str) -> (String, String) {
    let mut hi = prefix.as_bytes().to_vec();
    match hi.last_mut() {
        Some(b) => *b = b.saturating_add(1),
        None => return (String::new(), "\u{7f}".into()),
    }
    (
        prefix.to_string(),
        String::from_utf8_lossy(&hi).into_owned(),
    )
}

/// The campaigns whose counters are kept: the plans of the build.
pub fn kept_plans() -> &'static [Plan] {
    crate::api::campaign::plans()
}

/// Whether a plan is one of the kept ones (same id and the same content).
pub fn is_kept(plan: &Plan) -> bool {
    kept_plans().iter().any(|p| p == plan)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn counted_names_every_figure_but_the_day_dependent_ones() {
        let v = serde_json::to_value(Figures::default()).unwrap();
        let mut names: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        names.retain(|n| *n != "overdue" && *n != "spot_overdue");
        let mut counted = COUNTED.to_vec();
        names.sort_unstable();
        counted.sort_unstable();
        assert_eq!(names, counted);
        let f = figures(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], 16, 17);
        assert_eq!(f.registered, 1);
        assert_eq!(f.spot_disposed, 15);
        assert_eq!((f.overdue, f.spot_overdue), (16, 17));
        assert_eq!(values(&f).to_vec(), (1..=15).collect::<Vec<i64>>());
    }
}
