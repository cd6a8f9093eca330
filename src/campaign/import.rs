//! Spreadsheet rows into register entries, and entries back into rows (the export, which imports
//! again unchanged). The reading of XLSX and CSV files is the server's; here a sheet is rows of
//! cell texts, with merged cells filled by the reader where it knows them.
//!
//! Every problem is reported at its row (as the spreadsheet numbers it, from 1) and column (letter
//! and header as written), in both languages; an import with any problem stores nothing.

use super::columns::{self, find_header, letter, normalize_label, recognize, Col, Field, Group};
use super::register::{
    Certificate, CertificateKind, Contact, KeyFlag, Registered, RegisteredProduct, Scale,
};
use super::validate::{canonical, validate};
use crate::catalogue::Catalogue;
use crate::issue::{Code, Issue};
use crate::template::Link;
use crate::text::Text;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

/// Most data rows one import takes (a province's register is some 50,000).
pub const MAX_ROWS: usize = 200_000;

/// A problem at a row and column of a sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellIssue {
    /// Row number as the spreadsheet shows it (from 1).
    pub row: usize,
    /// Column letter (`C`), when the problem is in one cell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The column's header as written in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    #[serde(serialize_with = "ser_code")]
    pub code: Code,
    pub message: Text,
}

fn ser_code<S: serde::Serializer>(c: &Code, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(c.as_str())
}

/// What a sheet gave: the entries with their row numbers, and every problem.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Imported {
    pub entries: Vec<(usize, Registered)>,
    pub issues: Vec<CellIssue>,
    /// Headers not recognized (their columns are not read).
    pub ignored_columns: Vec<String>,
    /// Where each recognized column is, and every column's header (for issues added later).
    #[serde(skip)]
    cols: Vec<(usize, Col)>,
    #[serde(skip)]
    labels: Vec<String>,
}

impl Imported {
    /// Report a problem found outside the core (the server's scope check) at a row and column.
    pub fn add(&mut self, row: usize, c: Col, i: Issue) {
        let at = self.cols.iter().find(|(_, x)| *x == c).map(|(i, _)| *i);
        self.issues.push(CellIssue {
            row,
            column: at.map(letter),
            header: at.and_then(|i| self.labels.get(i)).cloned(),
            code: i.code,
            message: i.message,
        });
    }
}

/// Full-width ASCII (`ＡＢＣ１２３`, ideographic space) as ASCII: Chinese input methods type both.
pub fn halfwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

pub(crate) fn clean(s: &str) -> String {
    halfwidth(s).trim().to_string()
}

/// A cell that is not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotADate;

/// A date as bureaus write it: `2025-03-01`, `2025/3/1`, `2025.3.1`, `2025年3月1日`, `20250301`,
/// or an Excel day number stored as text (`45717`). `Ok(None)`: blank or 长期 (no end).
pub fn parse_date(s: &str) -> Result<Option<NaiveDate>, NotADate> {
    let s = clean(s);
    if s.is_empty() || s == "长期" || s == "长期有效" {
        return Ok(None);
    }
    // A date-time from a reader: the date part.
    let s = s.split([' ', 'T']).next().unwrap_or_default();
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(s, "%Y%m%d")
            .map(Some)
            .map_err(|_| NotADate);
    }
    if (4..=6).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = s.parse().map_err(|_| NotADate)?;
        // Excel's day 1 is 1900-01-01, counted from 1899-12-30 because of its 1900 leap day.
        return NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|d| d.checked_add_signed(chrono::Duration::days(n)))
            .filter(|_| (20_000..=80_000).contains(&n))
            .map(Some)
            .ok_or(NotADate);
    }
    let parts: Vec<&str> = s
        .trim_end_matches('日')
        .split(['-', '/', '.', '年', '月'])
        .collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => {
            let n = |x: &str| x.parse::<u32>().map_err(|_| NotADate);
            let y: i32 = y.parse().map_err(|_| NotADate)?;
            NaiveDate::from_ymd_opt(y, n(m)?, n(d)?)
                .map(Some)
                .ok_or(NotADate)
        }
        _ => Err(NotADate),
    }
}

/// Items of a list cell: separated by 、 , ， ; ； / or line breaks.
pub(crate) fn items(s: &str) -> Vec<String> {
    halfwidth(s)
        .split(['、', ',', '，', ';', '；', '/', '\n', '\r'])
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// Lines of a certificate cell (one certificate per line; an empty line keeps its place, so the
/// group's cells stay aligned).
fn lines(s: &str) -> Vec<String> {
    let mut v: Vec<String> = halfwidth(s)
        .split(['\n', ';', '；'])
        .map(|x| x.trim().to_string())
        .collect();
    while v.last().is_some_and(String::is_empty) {
        v.pop();
    }
    v
}

fn scale(s: &str) -> Option<Scale> {
    match s {
        "大型" | "大" | "large" => Some(Scale::Large),
        "中型" | "中" | "medium" => Some(Scale::Medium),
        "小型" | "小" | "small" => Some(Scale::Small),
        "微型" | "微" | "micro" => Some(Scale::Micro),
        _ => None,
    }
}

const SCALE_ZH: [(Scale, &str); 4] = [
    (Scale::Large, "大型"),
    (Scale::Medium, "中型"),
    (Scale::Small, "小型"),
    (Scale::Micro, "微型"),
];

const FLAGS: &[(KeyFlag, &[&str])] = &[
    (
        KeyFlag::IndustrialCluster,
        &["产业集聚区", "集聚区", "产业集群"],
    ),
    (
        KeyFlag::RuralMarket,
        &[
            "农村和城乡结合部",
            "农村市场",
            "城乡结合部",
            "农村和城乡结合部市场",
        ],
    ),
    (
        KeyFlag::Complaints,
        &["投诉举报集中", "投诉举报", "舆情", "舆情集中"],
    ),
    (
        KeyFlag::RepeatedSpotFailures,
        &[
            "多次抽查发现问题",
            "多次抽查不合格",
            "抽查检查多次发现问题",
            "多次发现问题",
        ],
    ),
    (
        KeyFlag::PreviousMajorDanger,
        &["曾有重大隐患", "重大隐患", "曾发现重大隐患"],
    ),
];

const KINDS: &[(CertificateKind, &[&str])] = &[
    (
        CertificateKind::ProductionLicence,
        &["工业产品生产许可证", "生产许可证"],
    ),
    (
        CertificateKind::Ccc,
        &["CCC证书", "强制性产品认证证书", "CCC", "3C证书"],
    ),
    (
        CertificateKind::HazardousChemicalBusiness,
        &["危险化学品经营许可证", "危化品经营许可证"],
    ),
    (
        CertificateKind::HazardousChemicalSafetyProduction,
        &["危险化学品安全生产许可证", "安全生产许可证"],
    ),
    (CertificateKind::CylinderFilling, &["气瓶充装许可证"]),
    (CertificateKind::FireworksBusiness, &["烟花爆竹经营许可证"]),
    (
        CertificateKind::FuelRetail,
        &["成品油零售经营批准证书", "成品油经营许可证"],
    ),
    (CertificateKind::Other, &["其他"]),
];

fn first_name<T: PartialEq + Copy>(table: &[(T, &[&'static str])], v: T) -> &'static str {
    table
        .iter()
        .find(|(x, _)| *x == v)
        .and_then(|(_, n)| n.first())
        .copied()
        .unwrap_or_default()
}

fn lookup<T: Copy>(table: &[(T, &[&str])], s: &str) -> Option<T> {
    let s = normalize_label(s);
    table
        .iter()
        .find(|(_, names)| names.iter().any(|n| normalize_label(n) == s))
        .map(|(v, _)| *v)
}

/// Catalogue products by id and by Chinese name (normalized).
pub(crate) fn product_names(cat: &Catalogue) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for t in cat.current() {
        m.insert(t.product.clone(), t.product.clone());
        if let Some(n) = &t.raw.name {
            m.insert(normalize_label(&n.zh), t.product.clone());
        }
    }
    m
}

/// The division code of a cell: six digits, maybe read as a number (`520102.0`) or followed by
/// the name (`520102 南明区`).
pub(crate) fn region_code(s: &str) -> String {
    let s = clean(s);
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    let rest = s.get(digits.len()..).unwrap_or_default();
    let number = !rest.is_empty() && rest.trim_start_matches('.').bytes().all(|b| b == b'0');
    let named = rest.starts_with(|c: char| c.is_whitespace() || !c.is_ascii());
    if digits.len() == 6 && (rest.is_empty() || number || named) {
        digits
    } else {
        s
    }
}

/// One row being read: its cells by column, and where each part of the entry came from.
struct RowReader<'a> {
    row: usize,
    cells: &'a [String],
    cols: &'a [(usize, Col)],
    labels: &'a [String],
    issues: Vec<CellIssue>,
}

impl RowReader<'_> {
    fn idx(&self, c: Col) -> Option<usize> {
        self.cols.iter().find(|(_, x)| *x == c).map(|(i, _)| *i)
    }
    fn get(&self, c: Col) -> String {
        self.idx(c)
            .and_then(|i| self.cells.get(i))
            .map_or_else(String::new, |s| clean(s))
    }
    fn opt(&self, c: Col) -> Option<String> {
        Some(self.get(c)).filter(|s| !s.is_empty())
    }
    fn issue(&mut self, c: Option<Col>, i: Issue) {
        let at = c.and_then(|c| self.idx(c));
        self.issues.push(CellIssue {
            row: self.row,
            column: at.map(letter),
            header: at.and_then(|i| self.labels.get(i)).cloned(),
            code: i.code,
            message: i.message,
        });
    }
}

/// Parse the certificates of a group: one per line, the group's cells aligned line by line.
fn certificates(r: &mut RowReader<'_>, g: Group, out: &mut Vec<(Certificate, Group)>) {
    let col = |f| Col::Cert(g, f);
    let split = |r: &RowReader<'_>, f| lines(&r.get(col(f)));
    let (kinds, numbers, scopes, froms, untils) = (
        split(r, Field::Kind),
        split(r, Field::Number),
        split(r, Field::Scope),
        split(r, Field::From),
        split(r, Field::Until),
    );
    let n = [&kinds, &numbers, &scopes, &froms, &untils]
        .iter()
        .map(|v| v.len())
        .max()
        .unwrap_or(0);
    for k in 0..n {
        let kind = match g {
            Group::Licence => CertificateKind::ProductionLicence,
            Group::Ccc => CertificateKind::Ccc,
            Group::Other => match kinds.get(k) {
                None => CertificateKind::Other,
                Some(s) => match lookup(KINDS, s) {
                    Some(kind) => kind,
                    None => {
                        r.issue(
                            Some(col(Field::Kind)),
                            Issue::detail(
                                "",
                                Code::InvalidChoice,
                                &format!("“{s}”不是可选的证照类型"),
                                &format!("\"{s}\" is not a certificate kind"),
                            ),
                        );
                        CertificateKind::Other
                    }
                },
            },
        };
        let mut date = |f: Field, v: Option<&String>| -> Option<String> {
            let v = v?;
            match parse_date(v) {
                Ok(d) => d.map(|d| d.format("%Y-%m-%d").to_string()),
                Err(NotADate) => {
                    r.issue(
                        Some(col(f)),
                        Issue::detail(
                            "",
                            Code::InvalidDate,
                            &format!("“{v}”不是日期"),
                            &format!("\"{v}\" is not a date"),
                        ),
                    );
                    None
                }
            }
        };
        let valid_from = date(Field::From, froms.get(k));
        let valid_until = date(Field::Until, untils.get(k));
        out.push((
            Certificate {
                kind,
                number: numbers.get(k).cloned().unwrap_or_default(),
                scope: scopes.get(k).cloned(),
                valid_from,
                valid_until,
            },
            g,
        ));
    }
}

/// Read one data row into an entry (problems go to `r.issues`).
fn read_row(r: &mut RowReader<'_>, names: &HashMap<String, String>, cat: &Catalogue) -> Registered {
    let uscc: String = r
        .get(Col::Uscc)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let scale_cell = r.get(Col::Scale);
    let scale_v = if scale_cell.is_empty() {
        None
    } else {
        let s = scale(&scale_cell.to_lowercase());
        if s.is_none() {
            r.issue(
                Some(Col::Scale),
                Issue::detail(
                    "",
                    Code::InvalidChoice,
                    "应为大型、中型、小型或微型",
                    "expected 大型, 中型, 小型 or 微型",
                ),
            );
        }
        s
    };
    // Products with the column each came from first (for errors found later).
    let mut products: Vec<RegisteredProduct> = Vec::new();
    let mut product_col: HashMap<String, Col> = HashMap::new();
    for (c, link) in [(Col::Produces, Link::Production), (Col::Sells, Link::Sales)] {
        for name in items(&r.get(c)) {
            let Some(id) = names
                .get(&normalize_label(&name))
                .or_else(|| names.get(&name))
            else {
                r.issue(
                    Some(c),
                    Issue::detail(
                        "",
                        Code::UnknownProduct,
                        &format!("产品目录中没有“{name}”"),
                        &format!("the catalogue has no \"{name}\""),
                    ),
                );
                continue;
            };
            product_col.entry(id.clone()).or_insert(c);
            match products.iter_mut().find(|p| &p.product == id) {
                Some(p) if !p.links.contains(&link) => p.links.push(link),
                Some(_) => {}
                None => products.push(RegisteredProduct {
                    product: id.clone(),
                    links: vec![link],
                }),
            }
        }
    }
    let mut key_flags = Vec::new();
    for f in items(&r.get(Col::Flags)) {
        match lookup(FLAGS, &f) {
            Some(k) => key_flags.push(k),
            None => r.issue(
                Some(Col::Flags),
                Issue::detail(
                    "",
                    Code::InvalidChoice,
                    &format!("“{f}”不是可选的重点对象类型"),
                    &format!("\"{f}\" is not a key-object kind"),
                ),
            ),
        }
    }
    let mut certs = Vec::new();
    for g in [Group::Licence, Group::Ccc, Group::Other] {
        certificates(r, g, &mut certs);
    }
    let contact = Contact {
        name: r.opt(Col::ContactName),
        phone: r.opt(Col::ContactPhone),
    };
    let entry = canonical(Registered {
        uscc,
        name: r.get(Col::Name),
        region: region_code(&r.get(Col::Region)),
        address: r.opt(Col::Address),
        legal_representative: r.opt(Col::LegalRep),
        contact: Some(contact),
        scale: scale_v,
        products,
        certificates: certs.iter().map(|(c, _)| c.clone()).collect(),
        key_flags,
    });
    // The entry's own checks, each put back at the column its value came from.
    let already: Vec<Option<String>> = r.issues.iter().map(|i| i.column.clone()).collect();
    for i in validate(&entry, cat) {
        let mut parts = i.path.trim_start_matches('/').split('/');
        let col = match (parts.next(), parts.next(), parts.next()) {
            (Some("uscc"), ..) => Some(Col::Uscc),
            (Some("name"), ..) => Some(Col::Name),
            (Some("region"), ..) => Some(Col::Region),
            (Some("address"), ..) => Some(Col::Address),
            (Some("legal_representative"), ..) => Some(Col::LegalRep),
            (Some("contact"), Some("name"), _) => Some(Col::ContactName),
            (Some("contact"), ..) => Some(Col::ContactPhone),
            (Some("products"), Some(n), _) => n
                .parse::<usize>()
                .ok()
                .and_then(|n| entry.products.get(n))
                .and_then(|p| product_col.get(&p.product).copied()),
            (Some("products"), None, _) => None,
            (Some("certificates"), Some(n), f) => {
                let g = n
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| certs.get(n))
                    .map(|(_, g)| *g);
                let f = match f {
                    Some("valid_from") => Field::From,
                    Some("valid_until") => Field::Until,
                    Some("scope") => Field::Scope,
                    _ => Field::Number,
                };
                g.map(|g| Col::Cert(g, f))
            }
            _ => None,
        };
        // A cell already reported (an unreadable date) is not reported again as missing.
        let at = col.and_then(|c| r.idx(c)).map(letter);
        if at.is_some() && already.contains(&at) && i.code == Code::Blank {
            continue;
        }
        r.issue(col, i);
    }
    entry
}

/// Read a sheet: find the header, read every data row, check each entry and look for USCCs that
/// appear twice. Blank rows are skipped.
pub fn read_sheet(rows: &[Vec<String>], cat: &Catalogue) -> Imported {
    let mut out = Imported::default();
    let Some((h, n, labels)) = find_header(rows) else {
        out.issues.push(CellIssue {
            row: 1,
            column: None,
            header: None,
            code: Code::NoHeader,
            message: Code::NoHeader.meaning(),
        });
        return out;
    };
    let header_row = h + 1;
    let mut cols: Vec<(usize, Col)> = Vec::new();
    for (i, l) in labels.iter().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        match recognize(&normalize_label(l)) {
            Some(c) if cols.iter().any(|(_, x)| *x == c) => out.issues.push(CellIssue {
                row: header_row,
                column: Some(letter(i)),
                header: Some(l.clone()),
                code: Code::Duplicate,
                message: Issue::detail(
                    "",
                    Code::Duplicate,
                    "这一列与前面的列含义相同",
                    "this column means the same as an earlier one",
                )
                .message,
            }),
            Some(c) => cols.push((i, c)),
            None => out.ignored_columns.push(l.clone()),
        }
    }
    let has = |c: Col| cols.iter().any(|(_, x)| *x == c);
    for c in [Col::Uscc, Col::Name, Col::Region] {
        if !has(c) {
            out.issues.push(missing(header_row, &columns::header(c)));
        }
    }
    if !has(Col::Produces) && !has(Col::Sells) {
        out.issues.push(missing(
            header_row,
            &format!(
                "{} / {}",
                columns::header(Col::Produces),
                columns::header(Col::Sells)
            ),
        ));
    }
    if !out.issues.is_empty() {
        return out;
    }
    let names = product_names(cat);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let data = rows.iter().enumerate().skip(h + n);
    for (i, cells) in data {
        let blank = cols
            .iter()
            .filter(|(_, c)| *c != Col::Seq)
            .all(|(j, _)| cells.get(*j).is_none_or(|v| clean(v).is_empty()));
        if blank {
            continue;
        }
        if out.entries.len() >= MAX_ROWS {
            out.issues.push(CellIssue {
                row: i + 1,
                column: None,
                header: None,
                code: Code::TooMany,
                message: Issue::detail(
                    "",
                    Code::TooMany,
                    &format!("一次最多导入 {MAX_ROWS} 行"),
                    &format!("at most {MAX_ROWS} rows per import"),
                )
                .message,
            });
            break;
        }
        let mut r = RowReader {
            row: i + 1,
            cells,
            cols: &cols,
            labels: &labels,
            issues: Vec::new(),
        };
        let entry = read_row(&mut r, &names, cat);
        if !entry.uscc.is_empty() {
            if let Some(first) = seen.get(&entry.uscc) {
                let first = *first;
                r.issue(
                    Some(Col::Uscc),
                    Issue::detail(
                        "",
                        Code::DuplicateUscc,
                        &format!("与第 {first} 行相同"),
                        &format!("the same as row {first}"),
                    ),
                );
            } else {
                seen.insert(entry.uscc.clone(), i + 1);
            }
        }
        out.issues.append(&mut r.issues);
        out.entries.push((i + 1, entry));
    }
    out.cols = cols;
    out.labels = labels;
    out
}

fn missing(row: usize, header: &str) -> CellIssue {
    CellIssue {
        row,
        column: None,
        header: Some(header.to_string()),
        code: Code::MissingColumn,
        message: Issue::detail(
            "",
            Code::MissingColumn,
            &format!("须有“{header}”列"),
            &format!("a column \"{header}\" is needed"),
        )
        .message,
    }
}

/// The template's header row.
pub fn header_row() -> Vec<String> {
    columns::template_columns()
        .into_iter()
        .map(columns::header)
        .collect()
}

/// Entries as rows under `header_row()`: what the export writes and the import reads back.
pub fn to_rows(entries: &[Registered], cat: &Catalogue) -> Vec<Vec<String>> {
    let names: HashMap<&str, &str> = cat
        .current()
        .into_iter()
        .filter_map(|t| {
            t.raw
                .name
                .as_ref()
                .map(|n| (t.product.as_str(), n.zh.as_str()))
        })
        .collect();
    let product = |id: &str| names.get(id).copied().unwrap_or(id).to_string();
    entries
        .iter()
        .enumerate()
        .map(|(n, e)| {
            let linked = |l: Link| {
                e.products
                    .iter()
                    .filter(|p| p.links.contains(&l))
                    .map(|p| product(&p.product))
                    .collect::<Vec<_>>()
                    .join("、")
            };
            let group_of = |k: CertificateKind| match k {
                CertificateKind::ProductionLicence => Group::Licence,
                CertificateKind::Ccc => Group::Ccc,
                _ => Group::Other,
            };
            columns::template_columns()
                .into_iter()
                .map(|c| match c {
                    Col::Seq => (n + 1).to_string(),
                    Col::Uscc => e.uscc.clone(),
                    Col::Name => e.name.clone(),
                    Col::Region => e.region.clone(),
                    Col::Address => e.address.clone().unwrap_or_default(),
                    Col::LegalRep => e.legal_representative.clone().unwrap_or_default(),
                    Col::ContactName => e
                        .contact
                        .as_ref()
                        .and_then(|c| c.name.clone())
                        .unwrap_or_default(),
                    Col::ContactPhone => e
                        .contact
                        .as_ref()
                        .and_then(|c| c.phone.clone())
                        .unwrap_or_default(),
                    Col::Scale => e
                        .scale
                        .and_then(|s| SCALE_ZH.iter().find(|(x, _)| *x == s))
                        .map(|(_, z)| z.to_string())
                        .unwrap_or_default(),
                    Col::Produces => linked(Link::Production),
                    Col::Sells => linked(Link::Sales),
                    Col::Flags => e
                        .key_flags
                        .iter()
                        .map(|f| first_name(FLAGS, *f))
                        .collect::<Vec<_>>()
                        .join("、"),
                    Col::Cert(g, f) => e
                        .certificates
                        .iter()
                        .filter(|c| group_of(c.kind) == g)
                        .map(|c| match f {
                            Field::Kind => first_name(KINDS, c.kind).to_string(),
                            Field::Number => c.number.clone(),
                            Field::Scope => c.scope.clone().unwrap_or_default(),
                            Field::From => c.valid_from.clone().unwrap_or_default(),
                            Field::Until => c.valid_until.clone().unwrap_or_else(|| "长期".into()),
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                })
                .collect()
        })
        .collect()
}
