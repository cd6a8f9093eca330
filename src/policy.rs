//! The follow-up policy: from findings to actions with deadlines.
//!
//! The policy is data (`policy.json` at the repository root is the default, embedded in the build),
//! so a bureau can change day counts or which violations lead to which measures without code.
//! Deadlines are calendar days added to the inspection date in the offset of `inspected_at`.

use crate::issue::{Code, Issue};
use crate::text::Text;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Grade of a hidden danger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Harm and difficulty are small: the enterprise can remove it at once without stopping.
    General,
    /// Fails a safety requirement of a mandatory standard, needs production or sale stopped,
    /// matches a sector major-danger criterion, or the enterprise cannot remove it alone.
    Major,
}

/// Kind of serious violation a failed rule reveals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Violation {
    /// 无证生产: producing a licensed product without a valid production licence.
    UnlicensedProduction,
    /// 超范围生产: producing outside the scope of the licence.
    OutOfScopeProduction,
    /// No valid CCC certificate for a product that needs one.
    UncertifiedProduct,
    /// Forged, altered or misused licence or CCC certificate or mark.
    ForgedCertificate,
    /// 假冒: counterfeit products, false names, addresses or marks.
    Counterfeit,
    /// 掺杂掺假, 以假充真, 以次充好.
    Adulteration,
    /// Fails a mandatory standard (不合格).
    Substandard,
    /// 未检验出厂: released without factory inspection.
    UninspectedRelease,
    /// Illegal modification (e.g. an e-bike's speed limiter or battery).
    IllegalModification,
    /// 无证经营: operating (selling, filling, storing) without a permit the business needs, e.g. a
    /// hazardous-chemical business licence, a cylinder filling permit, a fireworks or fuel retail
    /// licence. The permit is often another department's: see `Department`.
    UnlicensedOperation,
    /// Selling or producing a product the state has ordered eliminated and withdrawn from sale
    /// (Product Quality Law arts. 29 and 35).
    EliminatedProduct,
}

/// The department competent for a permit or a danger outside market regulation, named by the rule
/// that finds it, to whom the case is handed over (`hand_over_to_department`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Department {
    /// 应急管理部门: hazardous-chemical business and safety permits, fireworks.
    EmergencyManagement,
    /// 商务部门: fuel retail.
    Commerce,
}

/// What the regulation requires after a finding. The names are a public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    StopProductionSale,
    Rectify,
    Recheck,
    ReportToGovernment,
    SeriousViolationList,
    CreditPublicity,
    RevokeCertificate,
    JudicialTransferReview,
    /// Hand the case over to the competent department (the finding's `department`).
    HandOverToDepartment,
    /// Two-way tracing (双向追溯) of the product: upstream to its supplier or producer, downstream
    /// to its buyers, with the quantities and batches; may ask another region's bureau to assist
    /// (协查).
    TwoWayTracing,
    /// The result of an assist request (协查结果), recorded by the bureau asked.
    Assist,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityPolicy {
    /// Production or sale must stop at once.
    pub stop: bool,
    pub rectify_days: u32,
    pub recheck_days: u32,
    /// The latest an inspector may set (days from the order; below the default: the default).
    #[serde(default)]
    pub max_rectify_days: u32,
    #[serde(default)]
    pub max_recheck_days: u32,
    /// Two-way tracing of the product is required (`two_way_tracing`), due `trace_days` after the
    /// inspection day.
    #[serde(default)]
    pub trace: bool,
    #[serde(default)]
    pub trace_days: u32,
}

/// Deadlines for each severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityTable {
    pub general: SeverityPolicy,
    pub major: SeverityPolicy,
}

/// The measures each violation kind requires (absent: none beyond the severity's).
/// A struct rather than a map: the JSON is the same, and the WASM module needs no map code for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ViolationTable {
    pub unlicensed_production: Vec<ActionKind>,
    pub out_of_scope_production: Vec<ActionKind>,
    pub uncertified_product: Vec<ActionKind>,
    pub forged_certificate: Vec<ActionKind>,
    pub counterfeit: Vec<ActionKind>,
    pub adulteration: Vec<ActionKind>,
    pub substandard: Vec<ActionKind>,
    pub uninspected_release: Vec<ActionKind>,
    pub illegal_modification: Vec<ActionKind>,
    pub unlicensed_operation: Vec<ActionKind>,
    pub eliminated_product: Vec<ActionKind>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub about: String,
    pub severity: SeverityTable,
    /// Days within which an escalated finding is reported to the local government.
    pub escalate_days: u32,
    pub violations: ViolationTable,
    /// Days from a failed spot check's order to trace its product upstream and downstream (no
    /// rule fixes them: a local choice, `about`).
    #[serde(default = "default_spot_trace_days")]
    pub spot_trace_days: u32,
    /// Days the bureau asked to assist a tracing (协查) has to answer (a local choice, `about`);
    /// read by the ledger's queues (`ledger::Lines::assist_days`).
    #[serde(default = "default_assist_days")]
    pub assist_days: u32,
    /// Which work line owns each measure: read by the ledger (`ledger::lines`), not the checker.
    #[serde(default, skip_serializing)]
    pub lines: serde::de::IgnoredAny,
}

fn default_spot_trace_days() -> u32 {
    Policy::fallback().spot_trace_days
}

fn default_assist_days() -> u32 {
    Policy::fallback().assist_days
}

/// The default policy, embedded in native builds. The WASM builds get theirs from the catalogue
/// bundle (`scripts/bundle-catalogue.mjs`), so the text is not compiled into them (2 KiB of the
/// checker's budget); there the documented figures are the fallback.
#[cfg(not(target_arch = "wasm32"))]
const DEFAULT_POLICY: &str = include_str!("../policy.json");

impl Default for Policy {
    fn default() -> Self {
        // The embedded policy is checked by a test; should it ever fail to parse, fall back to the
        // documented figures rather than panic.
        #[cfg(not(target_arch = "wasm32"))]
        if let Ok(p) = Policy::from_json(DEFAULT_POLICY) {
            return p;
        }
        Policy::fallback()
    }
}

impl Policy {
    /// The severity figures of `policy.json`, without its violation table (a test keeps the two
    /// in step).
    pub fn fallback() -> Policy {
        Policy {
            about: String::new(),
            severity: SeverityTable {
                general: SeverityPolicy {
                    stop: false,
                    rectify_days: 7,
                    recheck_days: 15,
                    max_rectify_days: 30,
                    max_recheck_days: 45,
                    trace: false,
                    trace_days: 0,
                },
                major: SeverityPolicy {
                    stop: true,
                    rectify_days: 5,
                    recheck_days: 10,
                    max_rectify_days: 30,
                    max_recheck_days: 45,
                    trace: true,
                    trace_days: 10,
                },
            },
            escalate_days: 0,
            violations: ViolationTable::default(),
            spot_trace_days: 30,
            assist_days: crate::ledger::lines::ASSIST_DAYS,
            lines: serde::de::IgnoredAny,
        }
    }

    /// Read a policy from JSON; errors are issues with code `template_json`.
    pub fn from_json(s: &str) -> Result<Policy, Issue> {
        serde_json::from_str(s).map_err(|e| {
            Issue::with_message(
                "",
                Code::TemplateJson,
                Text::new(format!("策略无效：{e}"), format!("Invalid policy: {e}")),
            )
        })
    }

    pub fn for_severity(&self, s: Severity) -> SeverityPolicy {
        match s {
            Severity::General => self.severity.general,
            Severity::Major => self.severity.major,
        }
    }

    pub fn for_violation(&self, v: Violation) -> &[ActionKind] {
        let t = &self.violations;
        match v {
            Violation::UnlicensedProduction => &t.unlicensed_production,
            Violation::OutOfScopeProduction => &t.out_of_scope_production,
            Violation::UncertifiedProduct => &t.uncertified_product,
            Violation::ForgedCertificate => &t.forged_certificate,
            Violation::Counterfeit => &t.counterfeit,
            Violation::Adulteration => &t.adulteration,
            Violation::Substandard => &t.substandard,
            Violation::UninspectedRelease => &t.uninspected_release,
            Violation::IllegalModification => &t.illegal_modification,
            Violation::UnlicensedOperation => &t.unlicensed_operation,
            Violation::EliminatedProduct => &t.eliminated_product,
        }
    }
}

/// `date + days`, saturating at the calendar's end instead of panicking.
pub fn add_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(chrono::Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_policy_parses() {
        let p = Policy::from_json(DEFAULT_POLICY);
        assert!(p.is_ok(), "{p:?}");
        let p = p.unwrap_or_default();
        // On-site dangers: the bureau's deadlines, a major one's no longer than a general one's
        // (Order 18's 60/75 days are for spot-check failures only: `ledger::spot`).
        let (g, m) = (
            p.for_severity(Severity::General),
            p.for_severity(Severity::Major),
        );
        assert!(m.rectify_days <= g.rectify_days && m.recheck_days <= g.recheck_days);
        assert!(m.stop && !g.stop);
        assert_eq!(p.severity, Policy::fallback().severity);
        assert_eq!(p.spot_trace_days, Policy::fallback().spot_trace_days);
        // Major on-site dangers are traced both ways (the notice), within the stop order's
        // re-check window; general ones are not.
        assert!(m.trace && !g.trace && m.trace_days <= m.recheck_days);
        assert!(p
            .for_violation(Violation::UnlicensedProduction)
            .contains(&ActionKind::SeriousViolationList));
        // Producing outside the licence's scope is producing that product without a licence.
        assert_eq!(
            p.for_violation(Violation::OutOfScopeProduction),
            p.for_violation(Violation::UnlicensedProduction)
        );
        assert!(p
            .for_violation(Violation::UnlicensedOperation)
            .contains(&ActionKind::HandOverToDepartment));
        assert!(p
            .for_violation(Violation::EliminatedProduct)
            .contains(&ActionKind::StopProductionSale));
    }

    #[test]
    fn bad_policy_is_an_issue() {
        assert!(Policy::from_json("{").is_err());
        assert!(Policy::from_json(r#"{"severity":{},"escalate_days":0,"violations":{}}"#).is_err());
    }

    #[test]
    fn add_days_crosses_months_and_leap_years() {
        let d = |s: &str| crate::date::parse_date(s).unwrap_or_default();
        assert_eq!(add_days(d("2023-07-20"), 60), d("2023-09-18"));
        assert_eq!(add_days(d("2024-01-31"), 29), d("2024-02-29"));
        assert_eq!(add_days(d("2023-12-31"), 1), d("2024-01-01"));
        assert_eq!(add_days(NaiveDate::MAX, 5), NaiveDate::MAX);
    }
}
