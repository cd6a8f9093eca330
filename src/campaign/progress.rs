//! Progress per locality: coverage of the register, dangers and their 清零, violations and
//! measures, spot checks, and behind-schedule flags, rolled up the hierarchy (province 520000 ->
//! prefecture 520100 -> county 520102).
//!
//! Two steps, so the server can do the first in SQL over its summary tables and share the second:
//! [`leaves`] counts the figures of each division code from the facts (a pure fold), and [`tree`]
//! adds them up the hierarchy and flags what is behind the plan at a given day. [`progress`] is
//! both. Every count is of distinct things (enterprises, entries, spot checks), and each of them
//! lies in exactly one division, so sums up the tree are exact.

use super::facts::{EntryFact, EntryState, SpotFact, SubmissionFact};
use super::plan::{MilestoneKind, Plan};
use super::register::Registered;
use crate::ledger::date::parse_date;
use crate::policy::Severity;
use crate::template::Form;
use crate::text::Text;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The figures of a locality (or of one product in it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figures {
    /// Enterprises in the register (with a product in scope).
    pub registered: u32,
    /// Of those, self-inspected (a valid self-inspection in the period for every product in scope
    /// they make or sell; per product: for that product).
    pub self_inspected: u32,
    /// Of those, inspected on site (same rule, on-site form).
    pub onsite_inspected: u32,
    /// Enterprises inspected but not in the register (proposed for it).
    pub unregistered: u32,
    /// Dangers found in the period.
    pub general: u32,
    pub major: u32,
    /// Reported removed by the enterprise (awaiting re-check, or closed out).
    pub rectified: u32,
    /// Closed out (销号) by a passed re-check.
    pub closed_out: u32,
    /// Closed for another reason (withdrawn, ceased, transferred).
    pub closed_other: u32,
    /// Still open (the 清零 figure: zero when cleared).
    pub open: u32,
    /// Open and past their running deadline.
    pub overdue: u32,
    /// Dangers that are violations (unlicensed production, counterfeit...).
    pub violations: u32,
    /// Measures those required (listing, publicity, revocation, transfer review...), and done.
    pub measures: u32,
    pub measures_done: u32,
    /// Unqualified spot-check results in the period, disposed of (re-check passed), and past the
    /// re-check deadline without.
    pub spot_unqualified: u32,
    pub spot_disposed: u32,
    pub spot_overdue: u32,
}

impl Figures {
    fn add(&mut self, o: &Figures) {
        let f = |a: &mut u32, b: u32| *a = a.saturating_add(b);
        f(&mut self.registered, o.registered);
        f(&mut self.self_inspected, o.self_inspected);
        f(&mut self.onsite_inspected, o.onsite_inspected);
        f(&mut self.unregistered, o.unregistered);
        f(&mut self.general, o.general);
        f(&mut self.major, o.major);
        f(&mut self.rectified, o.rectified);
        f(&mut self.closed_out, o.closed_out);
        f(&mut self.closed_other, o.closed_other);
        f(&mut self.open, o.open);
        f(&mut self.overdue, o.overdue);
        f(&mut self.violations, o.violations);
        f(&mut self.measures, o.measures);
        f(&mut self.measures_done, o.measures_done);
        f(&mut self.spot_unqualified, o.spot_unqualified);
        f(&mut self.spot_disposed, o.spot_disposed);
        f(&mut self.spot_overdue, o.spot_overdue);
    }

    /// Dangers found (general + major).
    pub fn found(&self) -> u32 {
        self.general.saturating_add(self.major)
    }
}

/// The figures of one division code as counted (not rolled up): the total and per product.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leaf {
    pub region: String,
    pub total: Figures,
    /// Per product in scope, in the plan's order; products with nothing to count are left out.
    pub products: Vec<ProductFigures>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductFigures {
    pub product: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// The facts progress is counted from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub register: &'a [Registered],
    pub submissions: &'a [SubmissionFact],
    pub entries: &'a [EntryFact],
    pub spots: &'a [SpotFact],
}

/// Whether a day text is before `today` (an unreadable one never is).
fn before(day: &Option<String>, today: NaiveDate) -> bool {
    day.as_deref()
        .and_then(parse_date)
        .is_some_and(|d| d < today)
}

/// Figures per region, per product (`None`: the region's total).
pub type Acc = BTreeMap<String, BTreeMap<Option<String>, Figures>>;

pub fn slot<'a>(acc: &'a mut Acc, region: &str, product: Option<&str>) -> &'a mut Figures {
    acc.entry(region.to_string())
        .or_default()
        .entry(product.map(str::to_string))
        .or_default()
}

/// Count the figures of every division code from the facts, at `today` (overdue) within `plan`.
pub fn leaves(plan: &Plan, inputs: &Inputs<'_>, today: NaiveDate) -> Vec<Leaf> {
    // Per region, per product (None: the total row).
    let mut acc: Acc = BTreeMap::new();
    // Who did which form for which product, valid and in the period.
    // (uscc, product, on site?)
    let mut done: BTreeSet<(&str, &str, bool)> = BTreeSet::new();
    for s in inputs.submissions {
        if s.valid && plan.in_scope(&s.product) && plan.in_period(&s.date) {
            done.insert((
                s.uscc.as_str(),
                s.product.as_str(),
                s.form == Form::OnsiteInspection,
            ));
        }
    }
    let mut registered: BTreeSet<&str> = BTreeSet::new();
    for r in by_uscc(inputs.register) {
        let mut products: Vec<&str> = r
            .products
            .iter()
            .map(|p| p.product.as_str())
            .filter(|p| plan.in_scope(p))
            .collect();
        products.sort();
        products.dedup();
        if products.is_empty() || !registered.insert(r.uscc.as_str()) {
            continue;
        }
        let mut all = (true, true);
        for p in &products {
            let si = done.contains(&(r.uscc.as_str(), p, false));
            let os = done.contains(&(r.uscc.as_str(), p, true));
            all = (all.0 && si, all.1 && os);
            let f = slot(&mut acc, &r.region, Some(p));
            f.registered += 1;
            f.self_inspected += u32::from(si);
            f.onsite_inspected += u32::from(os);
        }
        let f = slot(&mut acc, &r.region, None);
        f.registered += 1;
        f.self_inspected += u32::from(all.0);
        f.onsite_inspected += u32::from(all.1);
    }
    // Inspected but not registered: distinct enterprises (and per product), where filed.
    let mut seen: BTreeSet<(&str, Option<&str>)> = BTreeSet::new();
    let mut subs: Vec<&SubmissionFact> = inputs.submissions.iter().collect();
    // An unregistered enterprise is counted where it was first inspected (earliest day, then the
    // lowest code), in total and per product: not dependent on arrival order.
    subs.sort_by(|a, b| (&a.uscc, &a.date, &a.region).cmp(&(&b.uscc, &b.date, &b.region)));
    for s in subs {
        if !s.valid || !plan.in_scope(&s.product) || !plan.in_period(&s.date) {
            continue;
        }
        if registered.contains(s.uscc.as_str()) {
            continue;
        }
        if seen.insert((s.uscc.as_str(), None)) {
            slot(&mut acc, &s.region, None).unregistered += 1;
        }
        if seen.insert((s.uscc.as_str(), Some(s.product.as_str()))) {
            slot(&mut acc, &s.region, Some(&s.product)).unregistered += 1;
        }
    }
    let from = plan.period.from.as_str();
    let mut entries: BTreeSet<&str> = BTreeSet::new();
    for e in inputs.entries {
        if !plan.in_scope(&e.product) || e.found.as_str() < from || !entries.insert(&e.entry) {
            continue;
        }
        for product in [None, Some(e.product.as_str())] {
            let f = slot(&mut acc, &e.region, product);
            match e.severity {
                Severity::General => f.general += 1,
                Severity::Major => f.major += 1,
            }
            match e.state {
                EntryState::Open => {}
                EntryState::Rectified => f.rectified += 1,
                EntryState::ClosedOut => {
                    f.rectified += 1;
                    f.closed_out += 1;
                }
                EntryState::Closed => f.closed_other += 1,
            }
            if e.is_open() {
                f.open += 1;
                f.overdue += u32::from(before(&e.due, today));
            }
            if e.violation.is_some() {
                f.violations += 1;
            }
            f.measures = f.measures.saturating_add(e.measures);
            f.measures_done = f.measures_done.saturating_add(e.measures_done);
        }
    }
    let mut spots: BTreeSet<&str> = BTreeSet::new();
    for s in inputs.spots {
        if !s.unqualified
            || !plan.in_scope(&s.product)
            || !plan.in_period(&s.date)
            || !spots.insert(&s.id)
        {
            continue;
        }
        for product in [None, Some(s.product.as_str())] {
            let f = slot(&mut acc, &s.region, product);
            f.spot_unqualified += 1;
            f.spot_disposed += u32::from(s.disposed);
            f.spot_overdue += u32::from(!s.disposed && before(&s.due, today));
        }
    }
    assemble(plan, acc)
}

/// The leaves of counted figures (per region, per product or `None` for the total): products in
/// the plan's order, regions in code order. The server's SQL counts end here too.
pub fn assemble(plan: &Plan, acc: Acc) -> Vec<Leaf> {
    acc.into_iter()
        .map(|(region, mut per)| {
            let total = per.remove(&None).unwrap_or_default();
            let products = plan
                .products
                .iter()
                .filter_map(|p| {
                    per.get(&Some(p.clone())).map(|f| ProductFigures {
                        product: p.clone(),
                        figures: *f,
                    })
                })
                .collect();
            Leaf {
                region,
                total,
                products,
            }
        })
        .collect()
}

/// The register once per USCC, in an order that does not depend on the input's: should a USCC
/// come twice, the entry whose JSON sorts first counts (the register keys by USCC, so this is a
/// guard for hand-made inputs).
pub fn by_uscc(register: &[Registered]) -> Vec<&Registered> {
    let mut v: Vec<(&Registered, String)> = register
        .iter()
        .map(|r| (r, serde_json::to_string(r).unwrap_or_default()))
        .collect();
    v.sort_by(|a, b| (&a.0.uscc, &a.1).cmp(&(&b.0.uscc, &b.1)));
    v.dedup_by(|a, b| a.0.uscc == b.0.uscc);
    v.into_iter().map(|(r, _)| r).collect()
}

/// Level of a locality in the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    Prefecture,
    County,
}

/// The locality codes above and at a county code: `520102` -> `520000`, `520100`, `520102`.
/// A prefecture's own code stops at the prefecture.
pub fn chain(code: &str) -> Vec<(String, Level)> {
    let (Some(p), Some(c)) = (code.get(..2), code.get(..4)) else {
        return Vec::new();
    };
    let mut out = vec![(format!("{p}0000"), Level::Province)];
    if !c.ends_with("00") {
        out.push((format!("{c}00"), Level::Prefecture));
        if !code.ends_with("00") {
            out.push((code.to_string(), Level::County));
        }
    }
    out
}

/// Why a locality is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagCode {
    /// A milestone's day has passed and it is not met.
    Behind,
    /// A milestone is due within the plan's warning days and not yet met.
    DueSoon,
    /// Open dangers past their deadlines (动态清零 is broken at any time by these).
    OverdueDangers,
    /// Unqualified spot checks past their re-check deadline.
    SpotOverdue,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flag {
    pub code: FlagCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// Percent reached (coverage) or the count (dangers, spot checks).
    pub actual: u32,
    /// Percent expected, or the count allowed (0).
    pub expected: u32,
    pub reason: Text,
}

/// A locality with its figures rolled up, its flags and its subordinate localities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub code: String,
    /// The GB/T 2260 name (`南明区`), when the division list in use knows the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub level: Level,
    pub figures: Figures,
    pub products: Vec<ProductFigures>,
    pub flags: Vec<Flag>,
    pub children: Vec<Node>,
}

/// Progress of a campaign at a day, from `root` (a province, prefecture or county code) down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    pub campaign: String,
    pub version: u32,
    pub today: String,
    pub root: Node,
}

/// Percent, rounded down (41.9 % is not 42 % reached).
pub fn percent(part: u32, whole: u32) -> u32 {
    if whole == 0 {
        return 100;
    }
    u32::try_from(u64::from(part) * 100 / u64::from(whole)).unwrap_or(100)
}

fn md(day: &str) -> &str {
    day.get(5..).unwrap_or(day)
}

/// The flags of a locality's figures at `today`.
pub fn flags(plan: &Plan, f: &Figures, today: NaiveDate) -> Vec<Flag> {
    let mut out = Vec::new();
    for m in &plan.milestones {
        let Some(due) = parse_date(&m.due) else {
            continue;
        };
        let passed = today > due;
        let soon = !passed && (due - today).num_days() <= i64::from(plan.warn_days);
        if !passed && !soon {
            continue;
        }
        let code = if passed {
            FlagCode::Behind
        } else {
            FlagCode::DueSoon
        };
        match (m.kind, m.coverage) {
            (MilestoneKind::SelfInspection | MilestoneKind::OnsiteInspection, Some(expected)) => {
                let covered = if m.kind == MilestoneKind::SelfInspection {
                    f.self_inspected
                } else {
                    f.onsite_inspected
                };
                // Met when covered / registered >= expected %, compared in whole numbers.
                let met = u64::from(covered) * 100 >= u64::from(expected) * u64::from(f.registered);
                if met || f.registered == 0 {
                    continue;
                }
                let actual = percent(covered, f.registered);
                let (zh, en) = if m.kind == MilestoneKind::SelfInspection {
                    ("企业自查覆盖率", "self-inspection coverage")
                } else {
                    ("现场排查覆盖率", "on-site coverage")
                };
                out.push(Flag {
                    code,
                    milestone: Some(m.id.clone()),
                    due: Some(m.due.clone()),
                    actual,
                    expected,
                    reason: Text::new(
                        format!("{zh} {actual}%，应于 {} 前达到 {expected}%", md(&m.due)),
                        format!("{en} {actual} % of {expected} % due {}", md(&m.due)),
                    ),
                });
            }
            (MilestoneKind::Clearance, _) if f.open > 0 => out.push(Flag {
                code,
                milestone: Some(m.id.clone()),
                due: Some(m.due.clone()),
                actual: f.open,
                expected: 0,
                reason: Text::new(
                    format!("尚有 {} 项隐患未清零，应于 {} 前清零", f.open, md(&m.due)),
                    format!("{} dangers open, to be 0 by {}", f.open, md(&m.due)),
                ),
            }),
            _ => {}
        }
    }
    if f.overdue > 0 {
        out.push(Flag {
            code: FlagCode::OverdueDangers,
            milestone: None,
            due: None,
            actual: f.overdue,
            expected: 0,
            reason: Text::new(
                format!("{} 项隐患超过整改或复查期限", f.overdue),
                format!("{} dangers past their deadline", f.overdue),
            ),
        });
    }
    if f.spot_overdue > 0 {
        out.push(Flag {
            code: FlagCode::SpotOverdue,
            milestone: None,
            due: None,
            actual: f.spot_overdue,
            expected: 0,
            reason: Text::new(
                format!("{} 批次抽查不合格逾期未复查", f.spot_overdue),
                format!(
                    "{} unqualified spot checks past their re-check deadline",
                    f.spot_overdue
                ),
            ),
        });
    }
    out
}

fn add_products(into: &mut Vec<ProductFigures>, from: &[ProductFigures], plan: &Plan) {
    for p in from {
        match into.iter_mut().find(|q| q.product == p.product) {
            Some(q) => q.figures.add(&p.figures),
            None => into.push(p.clone()),
        }
    }
    let pos = |p: &str| plan.products.iter().position(|q| q == p);
    into.sort_by_key(|p| pos(&p.product));
}

/// A locality's GB/T 2260 name, natively (the division list is not compiled into the WASM
/// modules: `divisions` is native only, so there the tree carries codes alone).
fn locality_name(code: &str) -> Option<String> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::divisions::name(code).map(str::to_string)
    }
    #[cfg(target_arch = "wasm32")]
    {
        let _ = code;
        None
    }
}

/// Roll leaves up from `root` (codes outside it are left out) and flag each locality at `today`.
pub fn tree(plan: &Plan, root: &str, leaves: &[Leaf], today: NaiveDate) -> Node {
    let root_chain = chain(root);
    let root_level = root_chain.last().map_or(Level::Province, |c| c.1);
    let depth = root_chain.len();
    let mut node = Node {
        code: root.to_string(),
        name: locality_name(root),
        level: root_level,
        figures: Figures::default(),
        products: Vec::new(),
        flags: Vec::new(),
        children: Vec::new(),
    };
    for leaf in leaves {
        let c = chain(&leaf.region);
        if c.get(..depth).map(|p| p == root_chain.as_slice()) != Some(true) {
            continue;
        }
        // Walk down from the root, making localities as needed.
        let mut at = &mut node;
        at.figures.add(&leaf.total);
        add_products(&mut at.products, &leaf.products, plan);
        for (code, level) in c.iter().skip(depth) {
            let i = match at.children.iter().position(|n| &n.code == code) {
                Some(i) => i,
                None => {
                    at.children.push(Node {
                        code: code.clone(),
                        name: locality_name(code),
                        level: *level,
                        figures: Figures::default(),
                        products: Vec::new(),
                        flags: Vec::new(),
                        children: Vec::new(),
                    });
                    at.children.len() - 1
                }
            };
            let Some(next) = at.children.get_mut(i) else {
                break;
            };
            at = next;
            at.figures.add(&leaf.total);
            add_products(&mut at.products, &leaf.products, plan);
        }
    }
    finish(plan, &mut node, today);
    node
}

fn finish(plan: &Plan, n: &mut Node, today: NaiveDate) {
    n.flags = flags(plan, &n.figures, today);
    n.children.sort_by(|a, b| a.code.cmp(&b.code));
    for c in &mut n.children {
        finish(plan, c, today);
    }
}

/// Progress of the campaign from `root` down, counted from the facts at `now`.
pub fn progress(
    plan: &Plan,
    inputs: &Inputs<'_>,
    root: &str,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> Progress {
    let today = plan.today(now);
    let leaves = leaves(plan, inputs, today);
    Progress {
        campaign: plan.id.clone(),
        version: plan.version,
        today: crate::ledger::date::date_text(today),
        root: tree(plan, root, &leaves, today),
    }
}

/// A locality behind the plan, for the lagging list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lagging {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub level: Level,
    pub flags: Vec<Flag>,
}

/// Localities with a `behind`, overdue or spot flag, counties first within each prefecture's
/// order, the most behind (lowest coverage reached) first.
pub fn lagging(root: &Node) -> Vec<Lagging> {
    let mut out = Vec::new();
    fn walk(n: &Node, out: &mut Vec<Lagging>) {
        let flags: Vec<Flag> = n
            .flags
            .iter()
            .filter(|f| f.code != FlagCode::DueSoon)
            .cloned()
            .collect();
        if !flags.is_empty() {
            out.push(Lagging {
                code: n.code.clone(),
                name: n.name.clone(),
                level: n.level,
                flags,
            });
        }
        for c in &n.children {
            walk(c, out);
        }
    }
    walk(root, &mut out);
    let worst = |l: &Lagging| {
        l.flags
            .iter()
            .filter(|f| f.code == FlagCode::Behind && f.expected > 0)
            .map(|f| f.actual)
            .min()
            .unwrap_or(100)
    };
    out.sort_by(|a, b| {
        (std::cmp::Reverse(a.level), worst(a), &a.code).cmp(&(
            std::cmp::Reverse(b.level),
            worst(b),
            &b.code,
        ))
    });
    out
}
