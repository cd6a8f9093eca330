//! Spot-check result lists read into records (campaign::spot_import): a provincial list as
//! bureaus receive it, every bad cell at its row and column, the same list giving the same ids.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use paicha::campaign::spot_import::{header_row, read_results};
use paicha::ledger::spot::{SpotLevel, SpotResult};
use paicha::Catalogue;

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

/// A stand-in for the server's name-derived UUID: deterministic, UUID-shaped.
fn id_of(key: &str) -> String {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in key.bytes() {
        h = (h ^ u128::from(b)).wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B);
    }
    let x = format!("{h:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

fn list(data: &[&[&str]]) -> Vec<Vec<String>> {
    let mut rows = vec![
        row(&["2026年贵州省电动自行车产品质量省级监督抽查结果"]),
        row(&[
            "序号",
            "受检单位",
            "统一社会信用代码",
            "行政区划代码",
            "产品名称",
            "生产日期/批号",
            "检验结论",
            "主要不合格项目",
            "报告编号",
            "签发日期",
            "抽查级别",
            "备注",
        ]),
    ];
    rows.extend(data.iter().map(|r| row(r)));
    rows.push(row(&["", "", ""]));
    rows
}

#[test]
fn a_provincial_list_gives_its_records() {
    let rows = list(&[
        &[
            "1",
            "贵阳示例车行",
            "91520102MA6DK4L2XN",
            "520102",
            "电动自行车",
            "2026-03",
            "不合格",
            "最高设计车速、整车质量",
            "GZ2026-001",
            "2026/9/1",
            "省级",
            "",
        ],
        &[
            "2",
            "示例水泥厂",
            "９１３５０１００Ｍ０００１００Ｙ４３",
            "520102.0",
            "水泥",
            "P·O 42.5 20260301",
            "合格",
            "",
            "GZ2026-002",
            "2026年9月2日",
            "省级抽查",
            "抽查",
        ],
    ]);
    let got = read_results(&rows, Catalogue::builtin(), id_of);
    assert!(got.issues.is_empty(), "{:?}", got.issues);
    assert_eq!(got.ignored_columns, ["序号", "备注"]);
    assert_eq!(got.checks.len(), 2);
    let (r, a) = &got.checks[0];
    assert_eq!(*r, 3);
    assert_eq!(a.product, "electric-bicycle");
    assert_eq!(a.result, SpotResult::Unqualified);
    assert_eq!(a.failed_items, ["最高设计车速", "整车质量"]);
    assert_eq!(a.date, "2026-09-01");
    assert_eq!(a.level, Some(SpotLevel::Provincial));
    assert_eq!(a.enterprise.name.as_deref(), Some("贵阳示例车行"));
    let (_, b) = &got.checks[1];
    assert_eq!(b.enterprise.uscc, "91350100M000100Y43");
    assert_eq!(b.enterprise.region, "520102");
    assert_eq!(b.result, SpotResult::Qualified);
    assert!(b.failed_items.is_empty());
    assert_eq!(b.date, "2026-09-02");
    // The same list again: the same ids (a re-import stores nothing new).
    let again = read_results(&rows, Catalogue::builtin(), id_of);
    assert_eq!(again.checks, got.checks);
    // Without a report number the id comes from enterprise, product, batch and date.
    let mut no_number = rows.clone();
    no_number[2][8] = String::new();
    let other = read_results(&no_number, Catalogue::builtin(), id_of);
    assert_ne!(other.checks[0].1.id, got.checks[0].1.id);
    assert_eq!(other.checks[1].1.id, got.checks[1].1.id);
}

#[test]
fn every_bad_cell_is_reported_at_its_row_and_column() {
    let rows = list(&[
        &[
            "1",
            "甲",
            "91520102MA6DK4L2XM",
            "520199",
            "电动自行车",
            "2026-03",
            "不合格",
            "",
            "",
            "2026-09-01",
            "",
            "",
        ],
        &[
            "2",
            "乙",
            "91520102MA6DK4L2XN",
            "520102",
            "飞行汽车",
            "",
            "待定",
            "",
            "",
            "2026-13-01",
            "乡级",
            "",
        ],
        &[
            "3",
            "丙",
            "91520102MA6DK4L2XN",
            "520102",
            "电动自行车",
            "B1",
            "合格",
            "",
            "R-9",
            "2026-09-01",
            "",
            "",
        ],
        &[
            "4",
            "丙",
            "91520102MA6DK4L2XN",
            "520102",
            "电动自行车",
            "B1",
            "合格",
            "",
            "R-9",
            "2026-09-01",
            "",
            "",
        ],
    ]);
    let got = read_results(&rows, Catalogue::builtin(), id_of);
    let at: Vec<(usize, Option<&str>, &str)> = got
        .issues
        .iter()
        .map(|i| (i.row, i.column.as_deref(), i.code.as_str()))
        .collect();
    assert_eq!(
        at,
        [
            (3, Some("C"), "uscc_check"),
            (3, Some("D"), "invalid_region"),
            (3, Some("H"), "blank"),
            (4, Some("E"), "unknown_product"),
            (4, Some("F"), "blank"),
            (4, Some("J"), "invalid_date"),
            (4, Some("G"), "invalid_choice"),
            (4, Some("K"), "invalid_choice"),
            (6, None, "duplicate_key"),
        ]
    );
    assert_eq!(got.issues[0].header.as_deref(), Some("统一社会信用代码"));
    assert!(
        got.issues[0].message.zh.contains("第 18 位应为 N"),
        "{:?}",
        got.issues[0].message
    );
}

#[test]
fn a_list_without_the_needed_columns() {
    let got = read_results(
        &[row(&["企业名称", "产品名称"])],
        Catalogue::builtin(),
        id_of,
    );
    assert_eq!(got.issues.len(), 1);
    assert_eq!(got.issues[0].code.as_str(), "missing_field");
    assert!(got.checks.is_empty());
    // The template's own header reads.
    let mut rows = vec![header_row()];
    rows.push(row(&[
        "91520102MA6DK4L2XN",
        "甲",
        "520102",
        "电动自行车",
        "B1",
        "2026-09-01",
        "合格",
        "",
        "",
        "R-1",
    ]));
    let got = read_results(&rows, Catalogue::builtin(), id_of);
    assert!(got.issues.is_empty(), "{:?}", got.issues);
    assert_eq!(got.checks.len(), 1);
}
