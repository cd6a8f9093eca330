//! Checking and compiling a raw template. All problems are collected, not just the first, so an
//! author fixes a template in one pass.

use super::raw::{RawItem, RawRequired, RawTemplate};
use super::{
    Item, ItemKind, Lookup, Required, Rule, Scope, Standard, Table, Template, TemplateError,
};
use crate::expr::{self, Expr, ExprError, Resolver, Value};
use crate::issue::{pointer, Code, Issue};
use crate::text::Text;
use chrono::NaiveDate;
use std::cell::RefCell;
use std::collections::HashSet;

const DEFAULT_MAX_LENGTH: usize = 2000;
const DEFAULT_MAX_COUNT: usize = 100;
/// Bound on the size of a template, so a hostile one cannot make loading slow.
const MAX_ITEMS: usize = 5000;

/// Read template JSON (a template, a fragment, a bundle) so that a problem points at where it is:
/// serde_path_to_error tracks the path serde_json alone does not give. Native builds only (the CLI
/// that authors use, the server): in the WASM module it would add 20 KiB gzipped, so there a problem
/// gives its line and column with an empty path.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, TemplateError> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let mut path = String::new();
        for seg in e.path().iter() {
            match seg {
                serde_path_to_error::Segment::Seq { index } => path = format!("{path}/{index}"),
                serde_path_to_error::Segment::Map { key } => path = pointer(&path, key),
                serde_path_to_error::Segment::Enum { .. }
                | serde_path_to_error::Segment::Unknown => {}
            }
        }
        let inner = e.inner();
        TemplateError {
            issues: vec![Issue::with_message(
                path,
                Code::TemplateJson,
                Text::new(
                    format!(
                        "模板 JSON 错误（第 {} 行第 {} 列）：{inner}",
                        inner.line(),
                        inner.column()
                    ),
                    format!(
                        "Template JSON error at line {} column {}: {inner}",
                        inner.line(),
                        inner.column()
                    ),
                ),
            )],
        }
    })
}

#[cfg(target_arch = "wasm32")]
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, TemplateError> {
    serde_json::from_str(text).map_err(|inner| TemplateError {
        issues: vec![Issue::with_message(
            "",
            Code::TemplateJson,
            Text::new(
                format!(
                    "模板 JSON 错误（第 {} 行第 {} 列）：{inner}",
                    inner.line(),
                    inner.column()
                ),
                format!(
                    "Template JSON error at line {} column {}: {inner}",
                    inner.line(),
                    inner.column()
                ),
            ),
        )],
    })
}

/// Snake_case words separated by dots: `ebike.max_speed_kmh`.
fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 100
        && k.split('.').all(|w| {
            w.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

fn parse_day(s: &str) -> Option<NaiveDate> {
    expr::parse_date(s).and_then(|d| {
        NaiveDate::from_ymd_opt(1970, 1, 1)
            .and_then(|e| e.checked_add_signed(chrono::Duration::days(i64::from(d))))
    })
}

/// Merge the included fragments into the template (fragment content first, in include order).
/// Also returns, for each merged top-level item, where it is written: `/items/N` in the template
/// itself, `/include/K/items/N` for the N-th item of the K-th included fragment. Issues point there,
/// so an author finds the line they wrote.
fn merge_includes(
    mut raw: RawTemplate,
    fragments: &dyn Fn(&str) -> Option<RawTemplate>,
    issues: &mut Vec<Issue>,
) -> (RawTemplate, Vec<String>) {
    // The template's own sections must be unique before fragments' are merged in.
    for (i, s) in raw.sections.iter().enumerate() {
        if raw.sections.iter().take(i).any(|x| x.id == s.id) {
            issues.push(Issue::detail(
                format!("/sections/{i}/id"),
                Code::DuplicateKey,
                &s.id,
                &s.id,
            ));
        }
    }
    let mut sections = Vec::new();
    let mut items = Vec::new();
    let mut origins = Vec::new();
    for (i, inc) in raw.include.iter().enumerate() {
        let Some(frag) = fragments(inc.fragment()) else {
            issues.push(Issue::detail(
                format!("/include/{i}"),
                Code::UnknownInclude,
                inc.fragment(),
                inc.fragment(),
            ));
            continue;
        };
        for s in frag.standards {
            if !raw.standards.iter().any(|x| x.id == s.id) {
                raw.standards.push(s);
            }
        }
        for (name, t) in frag.tables {
            if !raw.tables.iter().any(|(n, _)| *n == name) {
                raw.tables.push((name, t));
            }
        }
        for s in frag.sections {
            if !sections
                .iter()
                .any(|x: &super::raw::RawSection| x.id == s.id)
            {
                sections.push(s);
            }
        }
        for (n, it) in frag.items.into_iter().enumerate() {
            if !inc.except().contains(&it.key) {
                origins.push(format!("/include/{i}/items/{n}"));
                items.push(it);
            }
        }
    }
    for s in std::mem::take(&mut raw.sections) {
        if !sections.iter().any(|x| x.id == s.id) {
            sections.push(s);
        }
    }
    origins.extend((0..raw.items.len()).map(|n| format!("/items/{n}")));
    items.append(&mut raw.items);
    raw.sections = sections;
    raw.items = items;
    (raw, origins)
}

/// Resolves names while one item's expressions compile; records table lookups as it goes.
struct Names<'a> {
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

struct Flat<'a> {
    raw: &'a RawItem,
    path: String,
    parent: Option<u32>,
}

/// `origins`: where each top-level item is written (see `merge_includes`); children follow their group.
fn flatten<'a>(
    items: &'a [RawItem],
    base: &str,
    origins: Option<&[String]>,
    parent: Option<u32>,
    out: &mut Vec<Flat<'a>>,
) {
    for (i, it) in items.iter().enumerate() {
        let path = match origins.and_then(|o| o.get(i)) {
            Some(p) => p.clone(),
            None => format!("{base}/items/{i}"),
        };
        let slot = u32::try_from(out.len()).unwrap_or(u32::MAX);
        out.push(Flat {
            raw: it,
            path: path.clone(),
            parent,
        });
        if it.kind == ItemKind::Repeat {
            flatten(&it.items, &path, None, Some(slot), out);
        }
    }
}

/// Check and compile a raw template.
pub fn compile(
    raw: RawTemplate,
    fragments: &dyn Fn(&str) -> Option<RawTemplate>,
) -> Result<Template, TemplateError> {
    let mut issues = Vec::new();
    if raw.format != 1 {
        issues.push(Issue::detail(
            "/format",
            Code::TemplateFormat,
            &raw.format.to_string(),
            &format!("format {} (this build reads 1)", raw.format),
        ));
        return Err(TemplateError { issues });
    }
    let product = match &raw.product {
        Some(p) if !p.is_empty() => p.clone(),
        _ => {
            issues.push(Issue::detail(
                "/product",
                Code::MissingField,
                "product",
                "product",
            ));
            String::new()
        }
    };
    if raw.version.is_empty() {
        issues.push(Issue::detail(
            "/version",
            Code::MissingField,
            "version",
            "version",
        ));
    }
    let (raw, origins) = merge_includes(raw, fragments, &mut issues);

    let mut standards = Vec::new();
    for (i, s) in raw.standards.iter().enumerate() {
        let day = |field: &str, v: &Option<String>, issues: &mut Vec<Issue>| match v {
            None => None,
            Some(t) => {
                let d = parse_day(t);
                if d.is_none() {
                    issues.push(Issue::new(
                        format!("/standards/{i}/{field}"),
                        Code::InvalidDate,
                    ));
                }
                d
            }
        };
        let from = day("from", &s.from, &mut issues);
        let until = day("until", &s.until, &mut issues);
        standards.push(Standard {
            id: s.id.clone(),
            from,
            until,
        });
    }

    let mut table_names = Vec::new();
    let mut tables = Vec::new();
    for (name, t) in &raw.tables {
        let base = pointer("/tables", name);
        let unique: HashSet<_> = t.columns.iter().collect();
        if t.columns.is_empty() || unique.len() != t.columns.len() {
            issues.push(Issue::detail(
                &base,
                Code::BadTable,
                "列名为空或重复",
                "columns empty or repeated",
            ));
        }
        let mut rows = Vec::new();
        for (r, row) in t.rows.iter().enumerate() {
            if row.len() != t.columns.len() {
                issues.push(Issue::detail(
                    format!("{base}/rows/{r}"),
                    Code::BadTable,
                    "列数不符",
                    "wrong number of cells",
                ));
            }
            let cells = Some(
                row.iter()
                    .map(|c| match c {
                        super::raw::Cell::Num(n) => Value::Num(*n),
                        super::raw::Cell::Str(s) => Value::str(s),
                    })
                    .collect::<Vec<_>>(),
            );
            match cells {
                Some(c) => rows.push(c),
                None => issues.push(Issue::detail(
                    format!("{base}/rows/{r}"),
                    Code::BadTable,
                    "单元格须为数字或字符串",
                    "cells must be numbers or strings",
                )),
            }
        }
        table_names.push((name.clone(), t.columns.clone()));
        tables.push(Table { rows });
    }

    let section_ids: HashSet<&str> = raw.sections.iter().map(|s| s.id.as_str()).collect();

    let mut flat = Vec::new();
    flatten(&raw.items, "", Some(&origins), None, &mut flat);
    if flat.len() > MAX_ITEMS {
        issues.push(Issue::detail(
            "/items",
            Code::TooLarge,
            "项目过多",
            "too many items",
        ));
        return Err(TemplateError { issues });
    }
    let mut keys = rustc_hash::FxHashMap::default();
    for (slot, f) in flat.iter().enumerate() {
        let k = &f.raw.key;
        if !valid_key(k) {
            issues.push(Issue::detail(
                format!("{}/key", f.path),
                Code::InvalidKey,
                k,
                k,
            ));
        }
        if keys.insert(k.clone(), slot as u32).is_some() {
            issues.push(Issue::detail(
                format!("{}/key", f.path),
                Code::DuplicateKey,
                k,
                k,
            ));
        }
    }

    let lookups = RefCell::new(Vec::new());
    let mut items: Vec<Item> = Vec::with_capacity(flat.len());
    for (slot, f) in flat.iter().enumerate() {
        items.push(compile_item(
            slot as u32,
            f,
            &flat,
            &keys,
            &table_names,
            &lookups,
            &section_ids,
            &raw,
            &mut issues,
        ));
    }
    // The template's own `forms` and `links` bound every item's (empty: all).
    let tforms = raw.forms.iter().fold(0, |a, f| a | f.bit());
    let tlinks = raw.links.iter().fold(0, |a, l| a | l.bit());
    for item in &mut items {
        item.scope = Scope {
            forms: item.scope.forms & if tforms == 0 { 3 } else { tforms },
            links: item.scope.links & if tlinks == 0 { 3 } else { tlinks },
        };
    }
    // Children take their group's forms and links: they exist only inside it.
    for slot in 0..items.len() {
        let parent_scope = items
            .get(slot)
            .and_then(|i| i.parent)
            .and_then(|p| items.get(p as usize))
            .map(|p| p.scope);
        if let (Some(ps), Some(item)) = (parent_scope, items.get_mut(slot)) {
            item.scope = Scope {
                forms: item.scope.forms & ps.forms,
                links: item.scope.links & ps.links,
            };
        }
    }

    let (order, rank) = match super_order(&items) {
        Ok(o) => o,
        Err(slot) => {
            let path = flat
                .get(slot as usize)
                .map_or(String::new(), |f| format!("{}/relevant", f.path));
            issues.push(Issue::new(path, Code::Cycle));
            (Vec::new(), Vec::new())
        }
    };
    if !issues.is_empty() {
        return Err(TemplateError { issues });
    }
    let dependents = dependents(&items, &rank);
    // Children are evaluated in relevance order within their group.
    for it in &mut items {
        it.children
            .sort_unstable_by_key(|&c| rank.get(c as usize).copied().unwrap_or(u32::MAX));
    }
    let version = raw.version.clone();
    Ok(Template {
        raw,
        product,
        version,
        items,
        standards,
        tables,
        lookups: lookups.into_inner(),
        order,
        dependents,
        rank,
        key_index: keys,
    })
}

#[allow(clippy::too_many_arguments)]
fn compile_item(
    slot: u32,
    f: &Flat<'_>,
    flat: &[Flat<'_>],
    keys: &rustc_hash::FxHashMap<String, u32>,
    tables: &[(String, Vec<String>)],
    lookups: &RefCell<Vec<Lookup>>,
    sections: &HashSet<&str>,
    raw: &RawTemplate,
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
        let mut reads: Vec<u32> = check.refs().to_vec();
        if let Some(w) = &when {
            reads.extend_from_slice(w.refs());
        }
        reads.sort_unstable();
        reads.dedup();
        rules.push(Rule {
            check,
            when,
            standard,
            basis,
            severity: rule.severity,
            violation: rule.violation,
            escalate: rule.escalate,
            finding: rule.finding.clone(),
            reads,
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

/// Order items so that each one's relevance depends only on earlier ones (Kahn's algorithm).
/// Top-level items come in `order`; children are ranked with their group. Err(slot) on a cycle.
fn super_order(items: &[Item]) -> Result<(Vec<u32>, Vec<u32>), u32> {
    let n = items.len();
    let mut indegree = vec![0usize; n];
    let mut after: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (slot, it) in items.iter().enumerate() {
        for &r in it.relevant.as_ref().map_or(&[][..], |e| e.refs()) {
            if r as usize != slot {
                if let Some(a) = after.get_mut(r as usize) {
                    a.push(slot as u32);
                }
                if let Some(d) = indegree.get_mut(slot) {
                    *d += 1;
                }
            } else {
                return Err(slot as u32);
            }
        }
    }
    let mut ready: Vec<u32> = (0..n as u32)
        .rev()
        .filter(|&s| indegree.get(s as usize) == Some(&0))
        .collect();
    let mut all = Vec::with_capacity(n);
    while let Some(s) = ready.pop() {
        all.push(s);
        for &t in after.get(s as usize).map_or(&[][..], Vec::as_slice) {
            if let Some(d) = indegree.get_mut(t as usize) {
                *d -= 1;
                if *d == 0 {
                    ready.push(t);
                }
            }
        }
    }
    if all.len() != n {
        // A blocked item may only depend on a cycle: walk back through blocked predecessors; after
        // n steps the walk is inside the cycle, which is the item to name.
        let blocked = |s: u32| indegree.get(s as usize).is_some_and(|d| *d > 0);
        let mut cur = (0..n as u32).find(|&s| blocked(s)).unwrap_or(0);
        for _ in 0..n {
            let refs = items
                .get(cur as usize)
                .and_then(|i| i.relevant.as_ref())
                .map_or(&[][..], |e| e.refs());
            match refs.iter().copied().find(|&r| blocked(r)) {
                Some(r) => cur = r,
                None => break,
            }
        }
        return Err(cur);
    }
    let mut rank = vec![0u32; n];
    for (i, &s) in all.iter().enumerate() {
        if let Some(r) = rank.get_mut(s as usize) {
            *r = i as u32;
        }
    }
    let order = all
        .into_iter()
        .filter(|&s| items.get(s as usize).is_some_and(|i| i.parent.is_none()))
        .collect();
    Ok((order, rank))
}

/// For each slot, the top-level items to re-evaluate when it changes.
fn dependents(items: &[Item], rank: &[u32]) -> Vec<Vec<u32>> {
    let mut deps: Vec<Vec<u32>> = vec![Vec::new(); items.len()];
    for (slot, it) in items.iter().enumerate() {
        let owner = it.parent.unwrap_or(slot as u32);
        let mut reads: Vec<u32> = Vec::new();
        let exprs = it
            .relevant
            .iter()
            .chain(it.constraint.iter())
            .chain(match &it.required {
                Required::When(e) => Some(e),
                _ => None,
            })
            .chain(
                it.rules
                    .iter()
                    .flat_map(|r| std::iter::once(&r.check).chain(r.when.iter())),
            );
        for e in exprs {
            reads.extend_from_slice(e.refs());
        }
        for r in reads {
            // A change inside a group is handled by re-evaluating the whole group.
            let src = items.get(r as usize).and_then(|i| i.parent).unwrap_or(r);
            if src != owner {
                if let Some(d) = deps.get_mut(src as usize) {
                    d.push(owner);
                }
            }
        }
    }
    for d in &mut deps {
        d.sort_unstable_by_key(|&s| rank.get(s as usize).copied().unwrap_or(u32::MAX));
        d.dedup();
    }
    deps
}
