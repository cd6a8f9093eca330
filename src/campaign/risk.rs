//! Key objects first (S15): a locality's registered enterprises ranked for on-site inspection by an
//! explainable score. Each factor is a count times the plan's weight for it, and every factor with
//! points is shown, so an inspector can see why an enterprise is on top. Enterprises due a key
//! on-site inspection under the two-failures rule come before all others.

use super::facts::{EntryFact, SpotFact, SubmissionFact};
use super::plan::Plan;
use super::register::Registered;
use crate::ledger::date::{parse_date, within_two_years};
use crate::ledger::view::in_region;
use crate::policy::{add_days, Severity};
use crate::template::Form;
use crate::text::Text;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorCode {
    ProductHazard,
    KeyFlag,
    PreviousMajor,
    FailedSpotCheck,
    OpenEntry,
    OverdueEntry,
    NoSelfInspection,
    LicenceExpiring,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factor {
    pub code: FactorCode,
    /// How many (hazard tier, flags, dangers, results, entries, certificates; 1 for a yes).
    pub count: u32,
    pub weight: u32,
    pub points: u32,
    pub label: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranked {
    pub uscc: String,
    pub name: String,
    pub region: String,
    pub score: u32,
    /// Two or more unqualified spot checks within two years: a key on-site inspection is due.
    pub key_inspection: bool,
    pub factors: Vec<Factor>,
}

fn label(code: FactorCode) -> Text {
    let (zh, en) = match code {
        FactorCode::ProductHazard => ("产品危险等级", "product hazard tier"),
        FactorCode::KeyFlag => ("重点对象标记", "key-object flags"),
        FactorCode::PreviousMajor => ("曾发现重大隐患", "major dangers found before"),
        FactorCode::FailedSpotCheck => ("两年内抽查不合格", "failed spot checks in two years"),
        FactorCode::OpenEntry => ("未销号隐患", "open dangers"),
        FactorCode::OverdueEntry => ("超期隐患", "overdue dangers"),
        FactorCode::NoSelfInspection => ("尚未自查", "no self-inspection yet"),
        FactorCode::LicenceExpiring => ("证照过期或即将到期", "licences expired or expiring"),
    };
    Text::new(zh, en)
}

/// Rank the registered enterprises of `region` (a code and everything under it) at `today`.
pub fn rank(
    plan: &Plan,
    register: &[Registered],
    submissions: &[SubmissionFact],
    entries: &[EntryFact],
    spots: &[SpotFact],
    region: &str,
    today: NaiveDate,
) -> Vec<Ranked> {
    let w = &plan.risk.weights;
    let self_done: BTreeSet<(&str, &str)> = submissions
        .iter()
        .filter(|s| s.valid && s.form == Form::SelfInspection && plan.in_period(&s.date))
        .map(|s| (s.uscc.as_str(), s.product.as_str()))
        .collect();
    let horizon = add_days(today, plan.risk.licence_expiring_days);
    let mut out: Vec<Ranked> = super::progress::by_uscc(register)
        .into_iter()
        .filter(|r| in_region(&r.region, region))
        .filter_map(|r| {
            let products: Vec<&str> = r
                .products
                .iter()
                .map(|p| p.product.as_str())
                .filter(|p| plan.in_scope(p))
                .collect();
            if products.is_empty() {
                return None;
            }
            let mine: Vec<&EntryFact> = dedup(entries.iter().filter(|e| e.uscc == r.uscc));
            let failed = {
                let mut ids = BTreeSet::new();
                spots
                    .iter()
                    .filter(|s| s.uscc == r.uscc && s.unqualified)
                    .filter(|s| parse_date(&s.date).is_some_and(|d| within_two_years(d, today)))
                    .filter(|s| ids.insert(s.id.as_str()))
                    .count()
            };
            let flags = {
                let mut f = r.key_flags.clone();
                f.sort();
                f.dedup();
                f.len()
            };
            let counts = [
                (
                    FactorCode::ProductHazard,
                    products.iter().map(|p| plan.hazard(p)).max().unwrap_or(1),
                    w.product_hazard,
                ),
                (FactorCode::KeyFlag, n(flags), w.key_flag),
                (
                    FactorCode::PreviousMajor,
                    n(mine
                        .iter()
                        .filter(|e| e.severity == Severity::Major)
                        .count()),
                    w.previous_major,
                ),
                (FactorCode::FailedSpotCheck, n(failed), w.failed_spot_check),
                (
                    FactorCode::OpenEntry,
                    n(mine.iter().filter(|e| e.is_open()).count()),
                    w.open_entry,
                ),
                (
                    FactorCode::OverdueEntry,
                    n(mine
                        .iter()
                        .filter(|e| {
                            e.is_open()
                                && e.due
                                    .as_deref()
                                    .and_then(parse_date)
                                    .is_some_and(|d| d < today)
                        })
                        .count()),
                    w.overdue_entry,
                ),
                (
                    FactorCode::NoSelfInspection,
                    u32::from(
                        products
                            .iter()
                            .any(|p| !self_done.contains(&(r.uscc.as_str(), *p))),
                    ),
                    w.no_self_inspection,
                ),
                (
                    FactorCode::LicenceExpiring,
                    n(r.certificates
                        .iter()
                        .filter(|c| {
                            c.valid_until
                                .as_deref()
                                .and_then(parse_date)
                                .is_some_and(|u| u <= horizon)
                        })
                        .count()),
                    w.licence_expiring,
                ),
            ];
            let factors: Vec<Factor> = counts
                .into_iter()
                .filter(|(_, count, _)| *count > 0)
                .map(|(code, count, weight)| Factor {
                    code,
                    count,
                    weight,
                    points: count.saturating_mul(weight),
                    label: label(code),
                })
                .collect();
            Some(Ranked {
                uscc: r.uscc.clone(),
                name: r.name.clone(),
                region: r.region.clone(),
                score: factors.iter().fold(0u32, |s, f| s.saturating_add(f.points)),
                key_inspection: failed >= 2,
                factors,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (!a.key_inspection, std::cmp::Reverse(a.score), &a.uscc).cmp(&(
            !b.key_inspection,
            std::cmp::Reverse(b.score),
            &b.uscc,
        ))
    });
    out
}

fn n(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// Entries once each, whatever copies the input has.
fn dedup<'a>(it: impl Iterator<Item = &'a EntryFact>) -> Vec<&'a EntryFact> {
    let mut ids = BTreeSet::new();
    it.filter(|e| ids.insert(e.entry.as_str())).collect()
}
