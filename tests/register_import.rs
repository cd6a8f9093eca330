//! The register import in the core: rows of cell texts as the server's XLSX/CSV reader hands them
//! (merged cells filled), with per-row and per-column errors, and the export reading back unchanged.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use paicha::campaign::import::{header_row, parse_date, read_sheet, to_rows, NotADate};
use paicha::campaign::{CertificateKind, KeyFlag, Scale};
use paicha::template::Link;
use paicha::Catalogue;

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

/// A bureau's sheet: a title row, a two-level header (联系人 and 生产许可证 over their parts).
fn sheet(data: &[&[&str]]) -> Vec<Vec<String>> {
    let mut rows = vec![
        row(&["南明区重点工业产品企业名录（2026年）"; 10]),
        row(&[
            "序号",
            "统一社会信用代码",
            "企业名称",
            "行政区划代码",
            "联系人",
            "联系人",
            "生产产品",
            "销售产品",
            "生产许可证",
            "生产许可证",
        ]),
        row(&[
            "序号",
            "统一社会信用代码",
            "企业名称",
            "行政区划代码",
            "姓名",
            "电话",
            "生产产品",
            "销售产品",
            "编号",
            "有效期至",
        ]),
    ];
    rows.extend(data.iter().map(|r| row(r)));
    rows.push(row(&["", "", "", "", "", "", "", "", "", ""]));
    rows
}

#[test]
fn a_good_sheet_gives_entries() {
    let rows = sheet(&[
        &[
            "1",
            "91520102MA6DK4L2XN",
            "贵阳示例车行",
            "520102",
            "张三",
            "13800000000",
            "",
            "电动自行车、electric-bicycle-charger",
            "",
            "",
        ],
        &[
            "2",
            "９１３５０１００Ｍ０００１００Ｙ４３",
            "示例水泥厂",
            "520102.0",
            "",
            "",
            "水泥",
            "水泥；钢筋",
            "XK08-001-0001",
            "2027/6/30",
        ],
    ]);
    let got = read_sheet(&rows, Catalogue::builtin());
    let unknown: Vec<_> = got
        .issues
        .iter()
        .map(|i| (i.row, i.column.clone(), i.code.as_str()))
        .collect();
    // The charger is not a catalogue product of its own: one error, at its row and column.
    assert_eq!(unknown, vec![(4, Some("H".to_string()), "unknown_product")]);
    let rows = sheet(&[&[
        "2",
        "９１３５０１００Ｍ０００１００Ｙ４３",
        "示例水泥厂",
        "520102.0",
        "",
        "",
        "水泥",
        "水泥；钢筋",
        "XK08-001-0001",
        "2027/6/30",
    ]]);
    let got = read_sheet(&rows, Catalogue::builtin());
    assert!(got.issues.is_empty(), "{:?}", got.issues);
    let (n, e) = &got.entries[0];
    assert_eq!(*n, 4);
    assert_eq!(e.uscc, "91350100M000100Y43");
    assert_eq!(e.region, "520102");
    assert_eq!(e.contact, None);
    assert_eq!(e.products.len(), 2);
    assert_eq!(e.products[0].product, "cement");
    assert_eq!(e.products[0].links, vec![Link::Production, Link::Sales]);
    assert_eq!(e.products[1].product, "rebar");
    assert_eq!(e.certificates.len(), 1);
    assert_eq!(e.certificates[0].kind, CertificateKind::ProductionLicence);
    assert_eq!(e.certificates[0].valid_until.as_deref(), Some("2027-06-30"));
}

#[test]
fn every_bad_cell_is_reported_at_its_row_and_column() {
    let rows = sheet(&[
        &[
            "1",
            "91520102MA6DK4L2XA",
            "甲",
            "520102",
            "",
            "",
            "水泥",
            "",
            "",
            "",
        ],
        &[
            "2",
            "91520102MA6DK4L2XN",
            "乙",
            "520100",
            "",
            "电话",
            "",
            "",
            "",
            "",
        ],
        &[
            "3",
            "91520102MA6DK4L2XN",
            "",
            "520102",
            "",
            "",
            "水泥",
            "",
            "X1",
            "2027-02-30",
        ],
    ]);
    let got = read_sheet(&rows, Catalogue::builtin());
    let mut found: Vec<_> = got
        .issues
        .iter()
        .map(|i| (i.row, i.column.clone().unwrap_or_default(), i.code.as_str()))
        .collect();
    found.sort();
    let mut want = vec![
        (4, "B".to_string(), "uscc_check"),
        (5, "D".to_string(), "invalid_region"),
        (5, "F".to_string(), "invalid_phone"),
        (5, String::new(), "blank"),
        (6, "B".to_string(), "duplicate_uscc"),
        (6, "C".to_string(), "blank"),
        (6, "J".to_string(), "invalid_date"),
    ];
    want.sort();
    assert_eq!(found, want);
    let check = got
        .issues
        .iter()
        .find(|i| i.code.as_str() == "uscc_check")
        .unwrap();
    assert_eq!(check.header.as_deref(), Some("统一社会信用代码"));
    assert!(check.message.zh.contains("应为 N"), "{}", check.message.zh);
    assert!(check.message.en.contains("should be N"));
    let dup = got
        .issues
        .iter()
        .find(|i| i.code.as_str() == "duplicate_uscc")
        .unwrap();
    assert!(dup.message.zh.contains("第 5 行"), "{}", dup.message.zh);
}

#[test]
fn a_sheet_without_the_needed_columns() {
    let got = read_sheet(
        &[row(&["名称", "地址"]), row(&["x", "y"])],
        Catalogue::builtin(),
    );
    assert_eq!(got.issues.len(), 1);
    assert_eq!(got.issues[0].code.as_str(), "no_header");
    let got = read_sheet(
        &[row(&["统一社会信用代码", "企业名称", "备注"])],
        Catalogue::builtin(),
    );
    let codes: Vec<_> = got.issues.iter().map(|i| i.code.as_str()).collect();
    assert_eq!(codes, ["missing_column", "missing_column"]);
    assert_eq!(got.ignored_columns, ["备注"]);
}

#[test]
fn the_export_reads_back_the_same_entries() {
    let rows = sheet(&[&[
        "1",
        "91520102MA6DK4L2XN",
        "贵阳示例车行",
        "520102",
        "张三",
        "0851-12345678",
        "电动自行车",
        "电动自行车、安全帽",
        "XK01\nXK02",
        "2027-01-01\n长期",
    ]]);
    let first = read_sheet(&rows, Catalogue::builtin());
    assert!(first.issues.is_empty(), "{:?}", first.issues);
    let mut entries: Vec<_> = first.entries.into_iter().map(|(_, e)| e).collect();
    entries[0].scale = Some(Scale::Small);
    entries[0].key_flags = vec![KeyFlag::RuralMarket, KeyFlag::Complaints];
    entries[0].certificates.push(paicha::campaign::Certificate {
        kind: CertificateKind::HazardousChemicalBusiness,
        number: "黔危化经字〔2025〕001".into(),
        scope: None,
        valid_from: Some("2025-01-01".into()),
        valid_until: Some("2028-01-01".into()),
    });
    let entries: Vec<_> = entries
        .into_iter()
        .map(paicha::campaign::validate::canonical)
        .collect();
    let mut out = vec![header_row()];
    out.extend(to_rows(&entries, Catalogue::builtin()));
    let back = read_sheet(&out, Catalogue::builtin());
    assert!(back.issues.is_empty(), "{:?}", back.issues);
    let back: Vec<_> = back.entries.into_iter().map(|(_, e)| e).collect();
    assert_eq!(back, entries);
    assert_eq!(back[0].certificates.len(), 3);
}

#[test]
fn dates_as_bureaus_write_them() {
    let d = |s| parse_date(s).map(|d| d.map(|d| d.to_string()));
    assert_eq!(d("2025-03-01"), Ok(Some("2025-03-01".into())));
    assert_eq!(d("2025/3/1"), Ok(Some("2025-03-01".into())));
    assert_eq!(d("2025年3月1日"), Ok(Some("2025-03-01".into())));
    assert_eq!(d("20250301"), Ok(Some("2025-03-01".into())));
    assert_eq!(d("45717"), Ok(Some("2025-03-01".into())));
    assert_eq!(d("2025-03-01 00:00:00"), Ok(Some("2025-03-01".into())));
    assert_eq!(d("长期"), Ok(None));
    assert_eq!(d("2025-02-29"), Err(NotADate));
    assert_eq!(d("soon"), Err(NotADate));
}
