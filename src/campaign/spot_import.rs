//! Spot-check result lists as provincial and national bureaus publish them (监督抽查结果通报,
//! issue 13 item 5): rows of cell texts (read from XLSX or CSV by the server) become spot-check
//! records (`ledger::SpotCheck`), each problem at its row and column, as the register import does
//! (`import.rs`, whose cell helpers this uses). The headers are the ones such lists use, in their
//! usual variants; a title row above the header is skipped.
//!
//! A record's id is made by the caller from the row's identity (`key`: the report number, else
//! enterprise, product, batch and date), so importing the same list again stores nothing new and a
//! corrected row is a new version of the same record. The core has no hash function of its own
//! for it, and needs none: the caller passes one in.

use super::columns::{letter, normalize_label};
use super::import::{clean, items, parse_date, product_names, region_code, CellIssue};
use crate::ids::UsccError;
use crate::issue::Code;
use crate::ledger::event::Enterprise;
use crate::ledger::spot::{SpotCheck, SpotLevel, SpotResult};
use crate::text::Text;
use crate::Catalogue;
use serde::Serialize;

/// The columns of a result list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Uscc,
    Name,
    Region,
    Product,
    Batch,
    Date,
    Result,
    Failed,
    Level,
    Number,
}

/// Header texts (as `normalize_label` leaves them) of each column; the first is the template's.
const HEADERS: &[(Col, &[&str])] = &[
    (Col::Uscc, &["统一社会信用代码", "社会信用代码", "信用代码"]),
    (
        Col::Name,
        &[
            "企业名称",
            "受检单位",
            "被抽样单位",
            "被抽样单位名称",
            "生产企业",
            "生产者名称",
            "受检企业",
        ],
    ),
    (Col::Region, &["行政区划代码", "区划代码", "所在地区划代码"]),
    (Col::Product, &["产品名称", "产品", "抽查产品", "样品名称"]),
    (
        Col::Batch,
        &[
            "批次",
            "批号",
            "生产日期/批号",
            "生产日期或批号",
            "规格型号/批号",
        ],
    ),
    (
        Col::Date,
        &["检验日期", "报告日期", "抽查日期", "结果日期", "签发日期"],
    ),
    (
        Col::Result,
        &["检验结论", "抽查结果", "结果", "判定结果", "结论"],
    ),
    (Col::Failed, &["不合格项目", "主要不合格项目", "不合格项"]),
    (Col::Level, &["抽查级别", "级别", "组织级别"]),
    (
        Col::Number,
        &["报告编号", "抽查编号", "检验报告编号", "样品编号"],
    ),
];

/// Columns every list must have.
const NEEDED: [Col; 6] = [
    Col::Uscc,
    Col::Region,
    Col::Product,
    Col::Batch,
    Col::Date,
    Col::Result,
];

/// The template's header row (what `GET .../spot-checks/template` would give).
pub fn header_row() -> Vec<String> {
    HEADERS
        .iter()
        .filter_map(|(_, names)| names.first().map(|n| n.to_string()))
        .collect()
}

/// What a list read to.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SpotImport {
    /// Each record with its row as the spreadsheet numbers it.
    pub checks: Vec<(usize, SpotCheck)>,
    pub issues: Vec<CellIssue>,
    pub ignored_columns: Vec<String>,
}

fn col_of(label: &str) -> Option<Col> {
    let l = normalize_label(label);
    HEADERS
        .iter()
        .find(|(_, names)| names.iter().any(|n| normalize_label(n) == l))
        .map(|(c, _)| *c)
}

fn result_of(s: &str) -> Option<SpotResult> {
    match clean(s).as_str() {
        "合格" | "符合" | "qualified" | "Qualified" => Some(SpotResult::Qualified),
        "不合格" | "不符合" | "unqualified" | "Unqualified" => Some(SpotResult::Unqualified),
        _ => None,
    }
}

fn level_of(s: &str) -> Option<Option<SpotLevel>> {
    let s = clean(s);
    if s.is_empty() {
        return Some(None);
    }
    let l = match s.trim_end_matches("抽查") {
        "国家" | "国家级" | "国抽" => SpotLevel::National,
        "省" | "省级" | "省抽" => SpotLevel::Provincial,
        "市" | "市级" | "市抽" => SpotLevel::Municipal,
        "县" | "县级" | "区县" | "县抽" => SpotLevel::County,
        _ => return None,
    };
    Some(Some(l))
}

/// Read a result list. `id_of` makes a record's UUID from its row's identity (see the module).
pub fn read_results(
    rows: &[Vec<String>],
    cat: &Catalogue,
    id_of: impl Fn(&str) -> String,
) -> SpotImport {
    let mut out = SpotImport::default();
    // The header: the first of the first 10 rows that names every needed column.
    let found = rows.iter().take(10).enumerate().find_map(|(i, r)| {
        let cols: Vec<(usize, Col)> = r
            .iter()
            .enumerate()
            .filter_map(|(j, l)| col_of(l).map(|c| (j, c)))
            .collect();
        NEEDED
            .iter()
            .all(|n| cols.iter().any(|(_, c)| c == n))
            .then_some((i, cols, r))
    });
    let Some((h, cols, labels)) = found else {
        out.issues.push(CellIssue {
            row: 1,
            column: None,
            header: None,
            code: Code::MissingField,
            message: Text::new(
                "未找到表头：须有统一社会信用代码、行政区划代码、产品名称、批次、检验日期、检验结论各列",
                "No header row: the list needs the columns USCC, division code, product, batch, date and result",
            ),
        });
        return out;
    };
    for (j, l) in labels.iter().enumerate() {
        if !l.trim().is_empty() && !cols.iter().any(|(c, _)| *c == j) {
            out.ignored_columns.push(l.clone());
        }
    }
    let names = product_names(cat);
    for (i, r) in rows.iter().enumerate().skip(h + 1) {
        let row = i + 1;
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let at = |c: Col| cols.iter().find(|(_, x)| *x == c).map(|(j, _)| *j);
        let cell = |c: Col| {
            at(c)
                .and_then(|j| r.get(j))
                .map(|s| clean(s))
                .unwrap_or_default()
        };
        let mut found = Vec::new();
        let mut bad = |c: Col, code: Code, message: Text| {
            found.push(CellIssue {
                row,
                column: at(c).map(letter),
                header: at(c).and_then(|j| labels.get(j)).cloned(),
                code,
                message,
            });
        };
        let uscc = cell(Col::Uscc).to_uppercase();
        match crate::ids::check_uscc(&uscc) {
            Ok(()) => {}
            Err(_) if uscc.is_empty() => bad(Col::Uscc, Code::Blank, Code::Blank.meaning()),
            Err(UsccError::CheckCharacter { expected }) => bad(
                Col::Uscc,
                Code::UsccCheck,
                Text::new(
                    format!(
                        "{}：按 GB 32100-2015 第 18 位应为 {expected}",
                        Code::UsccCheck.meaning().zh
                    ),
                    format!(
                        "{}: by GB 32100-2015 the 18th character should be {expected}",
                        Code::UsccCheck.meaning().en
                    ),
                ),
            ),
            Err(_) => bad(Col::Uscc, Code::InvalidUscc, Code::InvalidUscc.meaning()),
        }
        let region = region_code(&cell(Col::Region));
        if crate::ids::check_region(&region).is_err() {
            let code = if region.is_empty() {
                Code::Blank
            } else {
                Code::InvalidRegion
            };
            bad(Col::Region, code, code.meaning());
        }
        let product_text = cell(Col::Product);
        let product = names.get(&normalize_label(&product_text)).cloned();
        if product.is_none() {
            let code = if product_text.is_empty() {
                Code::Blank
            } else {
                Code::UnknownProduct
            };
            bad(Col::Product, code, code.meaning());
        }
        let batch = cell(Col::Batch);
        if batch.is_empty() {
            bad(Col::Batch, Code::Blank, Code::Blank.meaning());
        }
        let date = match parse_date(&cell(Col::Date)) {
            Ok(Some(d)) => Some(d.format("%Y-%m-%d").to_string()),
            Ok(None) => {
                bad(Col::Date, Code::Blank, Code::Blank.meaning());
                None
            }
            Err(_) => {
                bad(Col::Date, Code::InvalidDate, Code::InvalidDate.meaning());
                None
            }
        };
        let result = result_of(&cell(Col::Result));
        if result.is_none() {
            bad(
                Col::Result,
                Code::InvalidChoice,
                Text::new(
                    "检验结论须为“合格”或“不合格”",
                    "The result must be 合格 (qualified) or 不合格 (unqualified)",
                ),
            );
        }
        let level = level_of(&cell(Col::Level));
        if level.is_none() {
            bad(
                Col::Level,
                Code::InvalidChoice,
                Text::new(
                    "抽查级别须为国家、省级、市级或县级",
                    "The level must be 国家, 省级, 市级 or 县级",
                ),
            );
        }
        let failed = items(&cell(Col::Failed));
        if result == Some(SpotResult::Unqualified) && failed.is_empty() && at(Col::Failed).is_some()
        {
            bad(
                Col::Failed,
                Code::Blank,
                Text::new(
                    "不合格的结果须写明不合格项目",
                    "An unqualified result names the items that failed",
                ),
            );
        }
        let clean_row = found.is_empty();
        out.issues.append(&mut found);
        let (true, Some(product), Some(date), Some(result), Some(level)) =
            (clean_row, product, date, result, level)
        else {
            continue;
        };
        let name = cell(Col::Name);
        let number = cell(Col::Number);
        let key = if number.is_empty() {
            format!("{uscc}|{product}|{batch}|{date}")
        } else {
            format!("report|{number}")
        };
        let check = SpotCheck {
            id: id_of(&key),
            enterprise: Enterprise {
                uscc,
                region,
                name: (!name.is_empty()).then_some(name),
            },
            product,
            batch,
            level,
            date,
            result,
            failed_items: if result == SpotResult::Unqualified {
                failed
            } else {
                Vec::new()
            },
            ordered_on: None,
            recheck: None,
            announced_on: None,
            second_recheck: None,
        };
        if let Err(e) = check.validate() {
            // Every part was checked above; a record the ledger still refuses is reported whole.
            out.issues.push(CellIssue {
                row,
                column: None,
                header: None,
                code: Code::Constraint,
                message: e.message,
            });
            continue;
        }
        out.checks.push((row, check));
    }
    // The same record twice in one list (by its id): the second row is an error.
    let mut seen = std::collections::HashMap::new();
    let mut twice = Vec::new();
    for (row, c) in &out.checks {
        if let Some(first) = seen.insert(c.id.clone(), *row) {
            twice.push((*row, first));
        }
    }
    for (row, first) in twice {
        out.issues.push(CellIssue {
            row,
            column: None,
            header: None,
            code: Code::DuplicateKey,
            message: Text::new(
                format!("与第 {first} 行是同一抽查记录"),
                format!("The same spot check as row {first}"),
            ),
        });
    }
    out.issues.sort_by_key(|i| i.row);
    out
}
