//! The register of a locality as its bureau reads it (名录台账): each registered enterprise with
//! its products and links, whether it has self-inspected and been inspected on site (per product
//! in scope, by the same rule as the progress figures), its licences with their state at a day, and
//! its open dangers. Four views, the lists a county works through: all, licences expired or
//! expiring, not yet self-inspected, not yet inspected on site.

use super::facts::{EntryFact, SubmissionFact};
use super::plan::Plan;
use super::register::{CertificateKind, KeyFlag, Registered};
use crate::ledger::date::parse_date;
use crate::ledger::view::in_region;
use crate::policy::add_days;
use crate::template::{Form, Link};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Which enterprises of the register a view lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    All,
    /// A licence or certificate expired, or expiring within the plan's `licence_expiring_days`.
    Expiring,
    /// Not every product in scope self-inspected in the period.
    NoSelf,
    /// Not every product in scope inspected on site in the period.
    NoOnsite,
}

impl View {
    pub const ALL: [View; 4] = [View::All, View::Expiring, View::NoSelf, View::NoOnsite];

    pub fn parse(s: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            View::All => "all",
            View::Expiring => "expiring",
            View::NoSelf => "no_self",
            View::NoOnsite => "no_onsite",
        }
    }
}

/// A licence's state at the day asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceState {
    Valid,
    /// Valid until a day within the plan's warning horizon.
    Expiring,
    Expired,
    /// No end day recorded.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterLicence {
    pub kind: CertificateKind,
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    pub state: LicenceState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterProduct {
    pub product: String,
    pub links: Vec<Link>,
    pub self_inspected: bool,
    pub onsite_inspected: bool,
}

/// One enterprise of the register with its coverage and licences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterRow {
    pub uscc: String,
    pub name: String,
    pub region: String,
    /// Products in the plan's scope, in the plan's order.
    pub products: Vec<RosterProduct>,
    /// Every product in scope self-inspected (as the progress figure counts an enterprise).
    pub self_inspected: bool,
    pub onsite_inspected: bool,
    pub licences: Vec<RosterLicence>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_flags: Vec<KeyFlag>,
    /// Ledger entries of the enterprise still open.
    pub open_entries: u32,
}

impl RosterRow {
    pub fn in_view(&self, view: View) -> bool {
        match view {
            View::All => true,
            View::Expiring => self
                .licences
                .iter()
                .any(|l| matches!(l.state, LicenceState::Expiring | LicenceState::Expired)),
            View::NoSelf => !self.self_inspected,
            View::NoOnsite => !self.onsite_inspected,
        }
    }

    /// The earliest end day of a licence expired or expiring (the order of the `expiring` view).
    fn first_end(&self) -> Option<&str> {
        self.licences
            .iter()
            .filter(|l| matches!(l.state, LicenceState::Expiring | LicenceState::Expired))
            .filter_map(|l| l.valid_until.as_deref())
            .min()
    }
}

/// The register of `region` (a code and everything under it) at `today`: every enterprise with
/// products in the plan's scope, once (the latest entry of a USCC, as progress counts it), by
/// region, name and USCC. Only enterprises with a product in scope are listed: they are the
/// campaign's 底数.
pub fn roster(
    plan: &Plan,
    register: &[Registered],
    submissions: &[SubmissionFact],
    entries: &[EntryFact],
    region: &str,
    today: NaiveDate,
) -> Vec<RosterRow> {
    // (uscc, product, on site?) done validly in the period: the progress figures' rule.
    let done: BTreeSet<(&str, &str, bool)> = submissions
        .iter()
        .filter(|s| s.valid && plan.in_scope(&s.product) && plan.in_period(&s.date))
        .map(|s| {
            (
                s.uscc.as_str(),
                s.product.as_str(),
                s.form == Form::OnsiteInspection,
            )
        })
        .collect();
    let mut open: BTreeSet<(&str, &str)> = BTreeSet::new();
    for e in entries.iter().filter(|e| e.is_open()) {
        open.insert((e.uscc.as_str(), e.entry.as_str()));
    }
    let horizon = add_days(today, plan.risk.licence_expiring_days);
    let pos = |p: &str| plan.products.iter().position(|q| q == p);
    let mut out: Vec<RosterRow> = super::progress::by_uscc(register)
        .into_iter()
        .filter(|r| in_region(&r.region, region))
        .filter_map(|r| {
            let mut products: Vec<RosterProduct> = Vec::new();
            for p in r.products.iter().filter(|p| plan.in_scope(&p.product)) {
                match products.iter_mut().find(|x| x.product == p.product) {
                    Some(x) => x.links.extend(p.links.iter().copied()),
                    None => products.push(RosterProduct {
                        product: p.product.clone(),
                        links: p.links.clone(),
                        self_inspected: done.contains(&(r.uscc.as_str(), &p.product, false)),
                        onsite_inspected: done.contains(&(r.uscc.as_str(), &p.product, true)),
                    }),
                }
            }
            if products.is_empty() {
                return None;
            }
            for p in &mut products {
                // Production before sales, each once.
                p.links.sort_by_key(|l| *l == Link::Sales);
                p.links.dedup();
            }
            products.sort_by_key(|p| pos(&p.product));
            let licences = r
                .certificates
                .iter()
                .map(|c| RosterLicence {
                    kind: c.kind,
                    number: c.number.clone(),
                    valid_until: c.valid_until.clone(),
                    state: match c.valid_until.as_deref().and_then(parse_date) {
                        None => LicenceState::Unknown,
                        Some(u) if u < today => LicenceState::Expired,
                        Some(u) if u <= horizon => LicenceState::Expiring,
                        Some(_) => LicenceState::Valid,
                    },
                })
                .collect();
            let mut key_flags = r.key_flags.clone();
            key_flags.sort();
            key_flags.dedup();
            let open_entries = open
                .range((r.uscc.as_str(), "")..)
                .take_while(|(u, _)| *u == r.uscc)
                .count();
            Some(RosterRow {
                uscc: r.uscc.clone(),
                name: r.name.clone(),
                region: r.region.clone(),
                self_inspected: products.iter().all(|p| p.self_inspected),
                onsite_inspected: products.iter().all(|p| p.onsite_inspected),
                products,
                licences,
                key_flags,
                open_entries: u32::try_from(open_entries).unwrap_or(u32::MAX),
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.region, &a.name, &a.uscc).cmp(&(&b.region, &b.name, &b.uscc)));
    out
}

/// The rows of one view, with the `expiring` view soonest end first.
pub fn view(rows: &[RosterRow], view: View) -> Vec<&RosterRow> {
    let mut out: Vec<&RosterRow> = rows.iter().filter(|r| r.in_view(view)).collect();
    if view == View::Expiring {
        out.sort_by(|a, b| (a.first_end(), &a.uscc).cmp(&(b.first_end(), &b.uscc)));
    }
    out
}

/// How many rows each view lists, in `View::ALL`'s order.
pub fn counts(rows: &[RosterRow]) -> [(View, usize); 4] {
    View::ALL.map(|v| (v, rows.iter().filter(|r| r.in_view(v)).count()))
}
