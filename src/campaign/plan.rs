//! The campaign plan (专项行动方案) as data: one versioned JSON file per campaign
//! (`campaigns/2023-guizhou.json`), like `policy.json`. It says what the action covers (period,
//! products, province), when what is due (milestones with the coverage expected by then) and how
//! enterprises are ranked for on-site inspection (risk weights). Next year's action is a new file.
//!
//! `Plan::from_json` reads a plan and checks all of it at once, reporting every problem with a
//! JSON Pointer, so a bureau editing the file sees every mistake in one go.

use crate::ids::check_region;
use crate::ledger::date::parse_date;
use crate::text::Text;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// What a milestone measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    /// Registered enterprises that self-inspected every product in scope they make or sell.
    SelfInspection,
    /// Registered enterprises inspected on site (every product in scope).
    OnsiteInspection,
    /// Dangers disposed and open dangers brought to zero (隐患动态清零): no danger open after the
    /// due day, none past its own deadline at any time.
    Clearance,
    /// The stage work summary is due (阶段性总结).
    StageSummary,
    /// The annual work summary is due (年度总结).
    AnnualSummary,
    /// The action is complete.
    Complete,
}

impl MilestoneKind {
    /// Whether the milestone expects a coverage share of the register.
    pub fn is_coverage(self) -> bool {
        matches!(
            self,
            MilestoneKind::SelfInspection | MilestoneKind::OnsiteInspection
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    /// Stable id (`self_inspection_0815`), cited by flags and supervision acts.
    pub id: String,
    pub kind: MilestoneKind,
    pub label: Text,
    /// Due by the end of this day (`YYYY-MM-DD`, in the plan's offset).
    pub due: String,
    /// Coverage expected by then, in percent of the register (coverage milestones only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub from: String,
    pub to: String,
}

/// A product's hazard tier for risk ranking (1 ordinary .. 3 hazardous chemicals, gas).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductHazard {
    pub product: String,
    pub hazard: u32,
}

/// Points per unit of each risk factor (the explainable score is the sum of factor x weight).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskWeights {
    /// Per hazard tier of the enterprise's most hazardous product in scope.
    pub product_hazard: u32,
    /// Per key-object flag of the register entry.
    pub key_flag: u32,
    /// Per major danger found before (any entry of the enterprise, closed or not).
    pub previous_major: u32,
    /// Per unqualified spot check in the two years up to now.
    pub failed_spot_check: u32,
    /// Per open ledger entry.
    pub open_entry: u32,
    /// Per entry past its deadline.
    pub overdue_entry: u32,
    /// Once, when a product in scope has no self-inspection yet.
    pub no_self_inspection: u32,
    /// Per certificate expired or expiring within `licence_expiring_days`.
    pub licence_expiring: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    pub weights: RiskWeights,
    /// Products not listed have tier 1.
    pub hazards: Vec<ProductHazard>,
    pub licence_expiring_days: u32,
}

/// One campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Stable id, the file's name (`2023-guizhou`).
    pub id: String,
    /// Version of this file; a changed plan is a new version.
    pub version: u32,
    pub name: Text,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub about: String,
    /// The province-level division the campaign covers (`520000`).
    pub region: String,
    /// The offset the days of the plan are counted in (`+08:00`).
    pub offset: String,
    pub period: Period,
    /// Catalogue product ids in scope.
    pub products: Vec<String>,
    pub milestones: Vec<Milestone>,
    /// Days before a milestone from which an unmet one is flagged as due soon.
    pub warn_days: u32,
    pub risk: Risk,
}

/// A problem in a plan file: where (JSON Pointer) and what, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanProblem {
    pub path: String,
    pub message: Text,
}

fn problem(path: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> PlanProblem {
    PlanProblem {
        path: path.into(),
        message: Text::new(zh, en),
    }
}

impl Plan {
    /// Read a plan and check it against the products the catalogue knows. Every problem is
    /// reported at once.
    pub fn from_json(text: &str, known_products: &[&str]) -> Result<Plan, Vec<PlanProblem>> {
        let plan: Plan = serde_json::from_str(text).map_err(|e| {
            vec![problem(
                "",
                format!("专项行动方案无效：{e}"),
                format!("Invalid campaign plan: {e}"),
            )]
        })?;
        let problems = plan.problems(known_products);
        if problems.is_empty() {
            Ok(plan)
        } else {
            Err(problems)
        }
    }

    /// Everything wrong with the plan (empty when it is sound).
    pub fn problems(&self, known_products: &[&str]) -> Vec<PlanProblem> {
        let mut out = Vec::new();
        if self.id.trim().is_empty() {
            out.push(problem("/id", "编号不能为空", "The id must not be blank"));
        }
        if check_region(&self.region).is_err() || !self.region.ends_with("0000") {
            out.push(problem(
                "/region",
                "须为省级行政区划代码（如 520000）",
                "Must be a province-level division code (e.g. 520000)",
            ));
        }
        if self.offset_fixed().is_none() {
            out.push(problem(
                "/offset",
                "时区偏移无效（如 +08:00）",
                "Invalid offset (e.g. +08:00)",
            ));
        }
        let from = date_or(&mut out, "/period/from", &self.period.from);
        let to = date_or(&mut out, "/period/to", &self.period.to);
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                out.push(problem(
                    "/period/to",
                    "结束日期早于开始日期",
                    "The period ends before it starts",
                ));
            }
        }
        if self.products.is_empty() {
            out.push(problem(
                "/products",
                "至少需要一种产品",
                "At least one product is needed",
            ));
        }
        for (i, p) in self.products.iter().enumerate() {
            if !known_products.contains(&p.as_str()) {
                out.push(problem(
                    format!("/products/{i}"),
                    format!("产品目录中没有 {p}"),
                    format!("No product {p} in the catalogue"),
                ));
            }
            if self.products.iter().take(i).any(|q| q == p) {
                out.push(problem(
                    format!("/products/{i}"),
                    format!("产品 {p} 重复"),
                    format!("Product {p} is listed twice"),
                ));
            }
        }
        for (i, m) in self.milestones.iter().enumerate() {
            let at = format!("/milestones/{i}");
            if m.id.trim().is_empty() || self.milestones.iter().take(i).any(|n| n.id == m.id) {
                out.push(problem(
                    format!("{at}/id"),
                    "节点编号为空或重复",
                    "Milestone id blank or repeated",
                ));
            }
            let due = date_or(&mut out, &format!("{at}/due"), &m.due);
            if let (Some(d), Some(f), Some(t)) = (due, from, to) {
                if d < f || d > t {
                    out.push(problem(
                        format!("{at}/due"),
                        "节点日期不在行动期间内",
                        "The milestone is outside the period",
                    ));
                }
            }
            match (m.kind.is_coverage(), m.coverage) {
                (true, None) => out.push(problem(
                    format!("{at}/coverage"),
                    "覆盖率节点须给出应达比例（0-100）",
                    "A coverage milestone needs the expected percentage (0-100)",
                )),
                (true, Some(c)) if c > 100 => out.push(problem(
                    format!("{at}/coverage"),
                    "比例须在 0-100 之间",
                    "The percentage must be 0-100",
                )),
                (false, Some(_)) => out.push(problem(
                    format!("{at}/coverage"),
                    "此类节点没有覆盖率",
                    "This kind of milestone has no coverage",
                )),
                _ => {}
            }
        }
        for (i, h) in self.risk.hazards.iter().enumerate() {
            if !self.products.contains(&h.product) {
                out.push(problem(
                    format!("/risk/hazards/{i}/product"),
                    format!("{} 不在本次行动的产品范围内", h.product),
                    format!("{} is not a product of this campaign", h.product),
                ));
            }
            if !(1..=3).contains(&h.hazard) {
                out.push(problem(
                    format!("/risk/hazards/{i}/hazard"),
                    "危险等级须为 1-3",
                    "The hazard tier must be 1-3",
                ));
            }
        }
        out
    }

    /// The plan's offset (`+08:00`).
    pub fn offset_fixed(&self) -> Option<FixedOffset> {
        DateTime::parse_from_rfc3339(&format!("2000-01-01T00:00:00{}", self.offset))
            .ok()
            .map(|d| *d.offset())
    }

    /// The plan's day at `now`.
    pub fn today(&self, now: DateTime<FixedOffset>) -> NaiveDate {
        match self.offset_fixed() {
            Some(o) => now.with_timezone(&o).date_naive(),
            None => now.date_naive(),
        }
    }

    pub fn in_scope(&self, product: &str) -> bool {
        self.products.iter().any(|p| p == product)
    }

    /// A product's hazard tier (1 unless the plan says otherwise).
    pub fn hazard(&self, product: &str) -> u32 {
        self.risk
            .hazards
            .iter()
            .find(|h| h.product == product)
            .map_or(1, |h| h.hazard)
    }

    /// Whether a day (`YYYY-MM-DD`) lies in the campaign's period.
    pub fn in_period(&self, day: &str) -> bool {
        match (parse_date(day), self.period_dates()) {
            (Some(d), Some((f, t))) => f <= d && d <= t,
            _ => false,
        }
    }

    pub fn period_dates(&self) -> Option<(NaiveDate, NaiveDate)> {
        Some((parse_date(&self.period.from)?, parse_date(&self.period.to)?))
    }
}

fn date_or(out: &mut Vec<PlanProblem>, path: &str, s: &str) -> Option<NaiveDate> {
    let d = parse_date(s);
    if d.is_none() {
        out.push(problem(
            path,
            "日期无效（YYYY-MM-DD）",
            "Invalid date (YYYY-MM-DD)",
        ));
    }
    d
}

/// The campaign plans shipped with the build (`campaigns/`).
pub const BUILTIN: &[(&str, &str)] = &[(
    "2023-guizhou",
    include_str!("../../campaigns/2023-guizhou.json"),
)];

#[cfg(test)]
mod tests {
    use super::*;

    fn products() -> Vec<&'static str> {
        vec![
            "electric-bicycle",
            "dissolved-acetylene",
            "liquid-chlorine",
            "cement",
            "wire-cable",
            "gas-hose",
            "fire-extinguisher",
            "compound-fertilizer",
        ]
    }

    #[test]
    fn builtin_plan_is_sound() {
        let mut all: Vec<&str> = crate::Catalogue::builtin()
            .products()
            .iter()
            .map(|p| p.product)
            .collect();
        all.dedup();
        for (id, text) in BUILTIN {
            let p = Plan::from_json(text, &all);
            assert!(p.is_ok(), "{id}: {p:?}");
            assert_eq!(p.map(|p| p.id).unwrap_or_default(), *id);
        }
    }

    #[test]
    fn every_problem_at_once() {
        let text = r#"{"id":"x","version":1,"name":{"zh":"x","en":"x"},"region":"520102",
          "offset":"8h","period":{"from":"2023-06-01","to":"2023-02-30"},
          "products":["cement","cement","teapot"],
          "milestones":[{"id":"a","kind":"self_inspection","label":{"zh":"","en":""},"due":"2023-08-15"},
                        {"id":"a","kind":"stage_summary","label":{"zh":"","en":""},"due":"2023-08-15","coverage":5}],
          "warn_days":7,
          "risk":{"weights":{"product_hazard":1,"key_flag":1,"previous_major":1,"failed_spot_check":1,
                  "open_entry":1,"overdue_entry":1,"no_self_inspection":1,"licence_expiring":1},
                  "hazards":[{"product":"fuel-oil","hazard":4}],"licence_expiring_days":90}}"#;
        let p = Plan::from_json(text, &products()).err().unwrap_or_default();
        let paths: Vec<&str> = p.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/region",
                "/offset",
                "/period/to",
                "/products/1",
                "/products/2",
                "/milestones/0/coverage",
                "/milestones/1/id",
                "/milestones/1/coverage",
                "/risk/hazards/0/product",
                "/risk/hazards/0/hazard"
            ]
        );
        assert!(Plan::from_json("{", &products()).is_err());
    }
}
