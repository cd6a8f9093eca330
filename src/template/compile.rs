//! Checking and compiling a raw template. All problems are collected, not just the first, so an
//! author fixes a template in one pass.

use super::raw::{RawItem, RawTemplate};
use super::{Item, ItemKind, Scope, Standard, Table, Template, TemplateError};
use crate::expr::Value;
use crate::issue::{pointer, Code, Issue};
use crate::text::Text;
use std::cell::RefCell;
use std::collections::HashSet;

/// Bound on the size of a template, so a hostile one cannot make loading slow.
const MAX_ITEMS: usize = 5000;

/// A template that is not JSON of the right shape: where (a JSON Pointer, when known) and the line.
fn json_error(path: String, inner: &serde_json::Error) -> TemplateError {
    let (line, col) = (inner.line(), inner.column());
    TemplateError {
        issues: vec![Issue::with_message(
            path,
            Code::TemplateJson,
            Text::new(
                format!("模板 JSON 错误（第 {line} 行第 {col} 列）：{inner}"),
                format!("Template JSON error at line {line} column {col}: {inner}"),
            ),
        )],
    }
}

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
        json_error(path, e.inner())
    })
}

#[cfg(target_arch = "wasm32")]
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, TemplateError> {
    serde_json::from_str(text).map_err(|e| json_error(String::new(), &e))
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

/// Merge the included fragments into the template (fragment content first, in include order, but
/// for fragments marked `at_end`, which follow the template's own content).
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
    // Fragments marked `at_end` go after the template's own content, the others before it.
    let mut head = Merged::default();
    let mut tail = Merged::default();
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
        let to = if frag.at_end { &mut tail } else { &mut head };
        to.sections.extend(frag.sections);
        // An item asked only in the light of one left out (its `relevant` reads it) goes with it:
        // a template leaving out `ccc.certificate_valid` need not list the certificate's number too.
        // Not when the template writes its own item of that key (then the reader still has it).
        let mut out: Vec<String> = inc.except().to_vec();
        let gone = |k: &String| !raw.items.iter().any(|x| &x.key == k);
        for it in &frag.items {
            let reads_out = it.relevant.as_deref().is_some_and(|r| {
                out.iter()
                    .filter(|k| gone(k))
                    .any(|k| r.contains(&format!("${{{k}}}")))
            });
            if reads_out && !out.contains(&it.key) {
                out.push(it.key.clone());
            }
        }
        for (n, it) in frag.items.into_iter().enumerate() {
            if !out.contains(&it.key) {
                to.origins.push(format!("/include/{i}/items/{n}"));
                to.items.push(it);
            }
        }
    }
    let own = Merged {
        sections: std::mem::take(&mut raw.sections),
        origins: (0..raw.items.len())
            .map(|n| format!("/items/{n}"))
            .collect(),
        items: std::mem::take(&mut raw.items),
    };
    let (mut sections, mut items, mut origins) = (Vec::new(), Vec::new(), Vec::new());
    for part in [head, own, tail] {
        // A section id is kept the first time it appears.
        for s in part.sections {
            if !sections
                .iter()
                .any(|x: &super::raw::RawSection| x.id == s.id)
            {
                sections.push(s);
            }
        }
        items.extend(part.items);
        origins.extend(part.origins);
    }
    raw.sections = sections;
    raw.items = items;
    (raw, origins)
}

/// Sections, items and where each item is written, of one part of a merged template.
#[derive(Default)]
struct Merged {
    sections: Vec<super::raw::RawSection>,
    items: Vec<RawItem>,
    origins: Vec<String>,
}

pub(super) struct Flat<'a> {
    pub raw: &'a RawItem,
    pub path: String,
    pub parent: Option<u32>,
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
                let d = crate::date::parse_date(t);
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
        let days = |d: Option<chrono::NaiveDate>| d.and_then(crate::report::days_since_epoch);
        standards.push(Standard {
            id: s.id.clone(),
            from,
            until,
            from_day: days(from),
            until_day: days(until),
            by: None,
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
            rows.push(
                row.iter()
                    .map(|c| match c {
                        super::raw::Cell::Num(n) => Value::Num(*n),
                        super::raw::Cell::Str(s) => Value::str(s),
                    })
                    .collect::<Vec<_>>(),
            );
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

    // A standard chosen by an item's date: a top-level date item of this template.
    for (i, (s, std)) in raw.standards.iter().zip(standards.iter_mut()).enumerate() {
        let Some(key) = &s.by else { continue };
        let slot = keys.get(key).copied();
        let ok = slot
            .and_then(|x| flat.get(x as usize))
            .is_some_and(|f| f.raw.kind == ItemKind::Date && f.parent.is_none());
        if ok {
            std.by = slot;
        } else {
            issues.push(Issue::detail(
                format!("/standards/{i}/by"),
                Code::UnknownItem,
                &format!("{key}（须为检查表顶层的日期项）"),
                &format!("{key} (must be a top-level date item)"),
            ));
        }
    }

    let lookups = RefCell::new(Vec::new());
    let mut items: Vec<Item> = Vec::with_capacity(flat.len());
    for (slot, f) in flat.iter().enumerate() {
        items.push(super::item::compile_item(
            slot as u32,
            f,
            &flat,
            &keys,
            &table_names,
            &lookups,
            &section_ids,
            &raw,
            &standards,
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

    let (order, rank) = match super::graph::order(&items) {
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
    let dependents = super::graph::dependents(&items, &rank);
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
