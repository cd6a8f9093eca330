//! Compiling one item: its type-specific checks, its expressions (names resolved to slots, table
//! lookups to ids, scope of repeat groups enforced) and its compliance rules with their legal basis.

use super::compile::Flat;
use super::raw::{RawRequired, RawTemplate};
use super::{Item, ItemKind, Lookup, Required, Rule, Scope};
use crate::expr::{self, Expr, ExprError, Resolver};
use crate::issue::{Code, Issue};
use crate::text::Text;
use std::cell::RefCell;
use std::collections::HashSet;

const DEFAULT_MAX_LENGTH: usize = 2000;
const DEFAULT_MAX_COUNT: usize = 100;

/// Resolves names while one item's expressions compile; records table lookups as it goes.
pub(super) struct Names<'a> {
    keys: &'a rustc_hash::FxHashMap<String, u32>,
    tables: &'a [(String, Vec<String>)],
    lookups: &'a RefCell<Vec<Lookup>>,
    dot: bool,
}

impl Resolver for Names<'_> {
    fn var(&self, name: &str) -> Option<u32> {
        self.keys.get(name).copied()
    }
    fn table(&self, table: &str, column: &str, key_columns: &[&str]) -> Option<u32> {
        let t = self.tables.iter().position(|(n, _)| n == table)?;
        let cols = &self.tables.get(t)?.1;
        let col = cols.iter().position(|c| c == column)?;
        let keys = key_columns
            .iter()
            .map(|k| cols.iter().position(|c| c == k))
            .collect::<Option<Vec<_>>>()?;
        let mut lookups = self.lookups.borrow_mut();
        let found = lookups
            .iter()
            .position(|l| l.table == t && l.column == col && l.keys == keys);
        let id = match found {
            Some(id) => id,
            None => {
                lookups.push(Lookup {
                    table: t,
                    column: col,
                    keys,
                });
                lookups.len() - 1
            }
        };
        u32::try_from(id).ok()
    }
    fn dot_allowed(&self) -> bool {
        self.dot
    }
}

fn expr_issue(path: String, key: &str, src: &str, e: &ExprError) -> Issue {
    Issue::with_message(
        path,
        Code::Expression,
        Text::new(
            format!(
                "{key}：表达式 `{src}` 第 {} 字节处错误（{}）：{}",
                e.pos, e.code, e.message
            ),
            format!(
                "{key}: expression `{src}` at byte {} ({}): {}",
                e.pos, e.code, e.message
            ),
        ),
    )
}

#[allow(clippy::too_many_arguments)]
pub(super) fn compile_item(
    slot: u32,
    f: &Flat<'_>,
    flat: &[Flat<'_>],
    keys: &rustc_hash::FxHashMap<String, u32>,
    tables: &[(String, Vec<String>)],
    lookups: &RefCell<Vec<Lookup>>,
    sections: &HashSet<&str>,
    raw: &RawTemplate,
    standards: &[super::Standard],
    issues: &mut Vec<Issue>,
) -> Item {
    let it = f.raw;
    let p = &f.path;
    if !sections.contains(it.section.as_str()) {
        issues.push(Issue::detail(
            format!("{p}/section"),
            Code::UnknownSection,
            &it.section,
            &it.section,
        ));
    }
    let choice_kind = matches!(it.kind, ItemKind::SingleChoice | ItemKind::MultipleChoice);
    let values: HashSet<&str> = it.choices.iter().map(|c| c.value.as_str()).collect();
    if choice_kind && (it.choices.is_empty() || values.len() != it.choices.len()) {
        issues.push(Issue::detail(
            format!("{p}/choices"),
            Code::BadItem,
            "选项为空或重复",
            "choices empty or repeated",
        ));
    }
    if !choice_kind && !it.choices.is_empty() {
        issues.push(Issue::detail(
            format!("{p}/choices"),
            Code::BadItem,
            "此类型没有选项",
            "this type takes no choices",
        ));
    }
    if it.kind == ItemKind::Repeat {
        if it.items.is_empty() {
            issues.push(Issue::detail(
                format!("{p}/items"),
                Code::BadItem,
                "重复组没有子项",
                "a repeat group needs items",
            ));
        }
        if f.parent.is_some() {
            issues.push(Issue::detail(
                p.clone(),
                Code::BadItem,
                "不支持嵌套重复组",
                "nested repeat groups are not supported",
            ));
        }
    } else if !it.items.is_empty() {
        issues.push(Issue::detail(
            format!("{p}/items"),
            Code::BadItem,
            "只有重复组有子项",
            "only repeat groups have items",
        ));
    }
    if let (Some(lo), Some(hi)) = (it.min, it.max) {
        if lo > hi {
            issues.push(Issue::detail(
                format!("{p}/min"),
                Code::BadItem,
                "min 大于 max",
                "min is above max",
            ));
        }
    }

    // `.` means the item's own value; a repeat group has none.
    let names = Names {
        keys,
        tables,
        lookups,
        dot: it.kind != ItemKind::Repeat,
    };
    let comp = |field: &str, src: &str, issues: &mut Vec<Issue>| -> Option<Expr> {
        match expr::compile(src, &names) {
            Ok(e) => {
                // Scope: a child of a repeat group is visible only inside that group.
                for &r in e.refs() {
                    let target_parent = flat.get(r as usize).and_then(|t| t.parent);
                    if target_parent.is_some() && target_parent != f.parent {
                        let key = flat.get(r as usize).map_or("", |t| t.raw.key.as_str());
                        issues.push(Issue::detail(
                            format!("{p}/{field}"),
                            Code::Expression,
                            &format!("不能在重复组之外引用 {key}"),
                            &format!(
                                "{key} is inside a repeat group and cannot be read from outside it"
                            ),
                        ));
                    }
                }
                Some(e)
            }
            Err(e) => {
                issues.push(expr_issue(format!("{p}/{field}"), &it.key, src, &e));
                None
            }
        }
    };
    let relevant = it
        .relevant
        .as_deref()
        .and_then(|s| comp("relevant", s, issues));
    let required = match &it.required {
        RawRequired::Always(false) => Required::No,
        RawRequired::Always(true) => Required::Yes,
        RawRequired::When(s) => comp("required", s, issues).map_or(Required::No, Required::When),
    };
    let constraint = it
        .constraint
        .as_deref()
        .and_then(|s| comp("constraint", s, issues));
    let mut rules = Vec::new();
    for (r, rule) in it.rules.iter().enumerate() {
        let rp = format!("rules/{r}");
        let check_src = match (&rule.check, it.kind) {
            (Some(c), _) => c.as_str(),
            (None, ItemKind::YesNo) => ". != 'no'",
            (None, _) => {
                issues.push(Issue::detail(
                    format!("{p}/{rp}/check"),
                    Code::MissingField,
                    "check",
                    "check",
                ));
                continue;
            }
        };
        let check = comp(&format!("{rp}/check"), check_src, issues);
        let when = rule
            .when
            .as_deref()
            .and_then(|s| comp(&format!("{rp}/when"), s, issues));
        let standard = match &rule.standard {
            None => None,
            Some(id) => {
                let found = raw.standards.iter().position(|s| &s.id == id);
                if found.is_none() {
                    issues.push(Issue::detail(
                        format!("{p}/{rp}/standard"),
                        Code::UnknownStandard,
                        id,
                        id,
                    ));
                }
                found
            }
        };
        let basis = match (&rule.standard, &rule.clause, &rule.basis) {
            (Some(s), Some(c), _) => format!("{s} {c}"),
            (Some(s), None, None) => s.clone(),
            (Some(s), None, Some(b)) => format!("{s}; {b}"),
            (None, _, Some(b)) => b.clone(),
            (None, _, None) => {
                issues.push(Issue::detail(
                    format!("{p}/{rp}"),
                    Code::MissingField,
                    "须给出标准条款或法规依据（standard 或 basis）",
                    "a rule needs its legal basis (standard or basis)",
                ));
                String::new()
            }
        };
        let Some(check) = check else { continue };
        // Only what the check reads must be answered: a `when` is a condition, and an unanswered
        // item there reads as empty (as in ODK), so a default limit can apply until it is answered.
        let reads: Vec<u32> = check.refs().to_vec();
        let by = standard.and_then(|i| standards.get(i)).and_then(|s| s.by);
        rules.push(Rule {
            check,
            when,
            standard,
            basis,
            severity: rule.severity,
            violation: rule.violation,
            department: rule.department,
            escalate: rule.escalate,
            finding: rule.finding.clone(),
            reads,
            by,
        });
    }
    let bits = |n: usize, f: &dyn Fn(usize) -> u8| -> u8 {
        if n == 0 {
            3
        } else {
            (0..n).fold(0, |acc, i| acc | f(i))
        }
    };
    let scope = Scope {
        forms: bits(it.forms.len(), &|i| it.forms.get(i).map_or(0, |f| f.bit())),
        links: bits(it.links.len(), &|i| it.links.get(i).map_or(0, |l| l.bit())),
    };
    let children = flat
        .iter()
        .enumerate()
        .filter(|(_, c)| c.parent == Some(slot))
        .map(|(i, _)| i as u32)
        .collect();
    Item {
        key: it.key.clone(),
        label: it.label.clone(),
        kind: it.kind,
        scope,
        choices: it
            .choices
            .iter()
            .map(|c| std::sync::Arc::from(c.value.as_str()))
            .collect(),
        required,
        relevant,
        min: it.min,
        max: it.max,
        max_length: it.max_length.unwrap_or(DEFAULT_MAX_LENGTH),
        max_count: it.max_count.unwrap_or(DEFAULT_MAX_COUNT),
        constraint,
        constraint_message: it.constraint_message.clone(),
        rules,
        parent: f.parent,
        children,
    }
}
