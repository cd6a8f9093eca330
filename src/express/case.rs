//! Typical cases (典型案例), published as a deterrent (the notice, 2.3): a closed ledger entry or
//! express report proposed with a publication text, approved by a supervisor who decides whether
//! the enterprise is named or masked. What the public sees is built here from the approved fields
//! only (`Published`), so no other field of the proposal can leak into the page or the XLSX.

use crate::ids::is_uuid;
use serde::{Deserialize, Serialize};

/// What a case is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    LedgerEntry,
    ExpressReport,
}

/// A proposal, as an inspector sends it (client-made id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    pub id: String,
    pub source: Source,
    /// The ledger entry's or express report's id.
    pub source_id: String,
    pub title: String,
    /// 案情: what happened.
    pub facts: String,
    /// 违法行为
    pub violation: String,
    /// 法律依据
    pub basis: String,
    /// 处罚结果
    pub penalty: String,
    pub enterprise_name: String,
    /// Division code of the case (the bureau that handled it).
    pub region: String,
}

impl Proposal {
    /// The first field that is missing or blank, or a bad id.
    pub fn problem(&self) -> Option<&'static str> {
        if !is_uuid(&self.id) {
            return Some("id");
        }
        if !is_uuid(&self.source_id) {
            return Some("source_id");
        }
        if crate::ids::check_region(&self.region).is_err() {
            return Some("region");
        }
        [
            (&self.title, "title"),
            (&self.facts, "facts"),
            (&self.violation, "violation"),
            (&self.basis, "basis"),
            (&self.penalty, "penalty"),
            (&self.enterprise_name, "enterprise_name"),
        ]
        .into_iter()
        .find(|(v, _)| v.trim().is_empty())
        .map(|(_, n)| n)
    }
}

/// Org-form endings kept when a name is masked, longest first.
const FORMS: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "经营部",
    "加工厂",
    "公司",
    "车行",
    "商行",
    "门市",
    "厂",
    "店",
];

/// A name masked the usual way: the place (first two characters) and the org form kept, the rest
/// "某" (贵阳示例车行 -> 贵阳某车行). Short names become "某企业".
pub fn mask_name(name: &str) -> String {
    let name = name.trim();
    let form = FORMS
        .iter()
        .find(|f| name.ends_with(*f))
        .copied()
        .unwrap_or("");
    let chars: Vec<char> = name.chars().collect();
    let body = chars.len().saturating_sub(form.chars().count());
    if body <= 2 {
        return format!("某{}", if form.is_empty() { "企业" } else { form });
    }
    let place: String = chars.iter().take(2).collect();
    format!("{place}某{}", if form.is_empty() { "企业" } else { form })
}

/// A published case: only what the approver approved, the name shown or masked as chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    pub id: String,
    pub title: String,
    pub facts: String,
    pub violation: String,
    pub basis: String,
    pub penalty: String,
    pub enterprise: String,
    pub region: String,
    /// `YYYY-MM-DD` of the approval.
    pub published_on: String,
}

/// The public form of an approved proposal.
pub fn publish(p: &Proposal, show_name: bool, published_on: &str) -> Published {
    Published {
        id: p.id.clone(),
        title: p.title.trim().to_string(),
        facts: p.facts.trim().to_string(),
        violation: p.violation.trim().to_string(),
        basis: p.basis.trim().to_string(),
        penalty: p.penalty.trim().to_string(),
        enterprise: if show_name {
            p.enterprise_name.trim().to_string()
        } else {
            mask_name(&p.enterprise_name)
        },
        region: p.region.clone(),
        published_on: published_on.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_masked_keeping_place_and_form() {
        assert_eq!(mask_name("贵阳示例车行"), "贵阳某车行");
        assert_eq!(mask_name("贵州某某电动车销售有限公司"), "贵州某有限公司");
        assert_eq!(mask_name(" 遵义红星化工厂 "), "遵义某厂");
        assert_eq!(mask_name("老王店"), "某店");
        assert_eq!(mask_name("张三"), "某企业");
        assert_eq!(mask_name("黔南州烟花爆竹批发"), "黔南某企业");
    }

    #[test]
    fn proposals_need_every_text() {
        let mut p = Proposal {
            id: "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10".into(),
            source: Source::LedgerEntry,
            source_id: "6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a11".into(),
            title: "销售不合格电动自行车案".into(),
            facts: "f".into(),
            violation: "v".into(),
            basis: "b".into(),
            penalty: "p".into(),
            enterprise_name: "贵阳示例车行".into(),
            region: "520102".into(),
        };
        assert_eq!(p.problem(), None);
        p.penalty = " ".into();
        assert_eq!(p.problem(), Some("penalty"));
        p.region = "99".into();
        assert_eq!(p.problem(), Some("region"));
        let shown = publish(&p, true, "2026-12-02");
        assert_eq!(shown.enterprise, "贵阳示例车行");
        assert_eq!(publish(&p, false, "2026-12-02").enterprise, "贵阳某车行");
    }
}
