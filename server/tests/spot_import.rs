//! A provincial spot-check result list imported over real HTTP (issue 13 item 5): an XLSX as the
//! province sends it becomes spot-check records with Order 18's tasks; the same list again
//! stores nothing; what was recorded after the result (a re-check) survives a re-import; a bad
//! list stores nothing and names each bad cell; a row of another region is refused; enterprises
//! may not import.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use rust_xlsxwriter::Workbook;
use serde_json::{json, Value};

const HEADER: [&str; 10] = [
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
];

/// The list as a province sends it: a title row merged across, then the header and the rows.
fn xlsx(rows: &[[&str; 10]]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let title = rust_xlsxwriter::Format::new().set_bold();
    ws.merge_range(
        0,
        0,
        0,
        9,
        "2026年贵州省电动自行车产品质量省级监督抽查结果",
        &title,
    )
    .unwrap();
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 2, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

fn import(addr: &str, token: &str, file: &[u8]) -> Resp {
    request(
        addr,
        "POST",
        "/api/v1/spot-checks/import",
        &[bearer(token)],
        file,
    )
}

fn spots(addr: &str, token: &str) -> Vec<Value> {
    let r = call(addr, "GET", "/api/v1/spot-checks", Some(token), "");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["items"].as_array().unwrap().clone()
}

const FAILED: [&str; 10] = [
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
];
const PASSED: [&str; 10] = [
    "2",
    "示例水泥厂",
    "91350100M000100Y43",
    "520102",
    "水泥",
    "P·O 42.5 20260301",
    "合格",
    "",
    "GZ2026-002",
    "2026-09-02",
];

#[test]
fn a_provincial_list_becomes_spot_checks_once_and_keeps_what_followed() {
    let s = start(data_dir(), &[]);
    let t = sign_in(&s.addr, "jiancha");
    let file = xlsx(&[FAILED, PASSED]);
    let r = import(&s.addr, &t, &file);
    assert_eq!(r.status, 200, "{}", r.text());
    let b = r.json();
    assert_eq!(
        (
            b["rows"].clone(),
            b["new"].clone(),
            b["unqualified"].clone()
        ),
        (json!(2), json!(2), json!(1))
    );
    assert_eq!(b["ignored_columns"], json!(["序号"]));
    let items = spots(&s.addr, &t);
    assert_eq!(items.len(), 2);
    let failed = items
        .iter()
        .find(|i| i["record"]["result"] == "unqualified")
        .unwrap();
    assert_eq!(failed["record"]["product"], "electric-bicycle");
    assert_eq!(
        failed["record"]["failed_items"],
        json!(["最高设计车速", "整车质量"])
    );
    assert_eq!(failed["record"]["date"], "2026-09-01");
    let kinds: Vec<&str> = failed["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"recheck") && kinds.contains(&"correct"),
        "{kinds:?}"
    );

    // The same list again: nothing new, nothing changed.
    let r = import(&s.addr, &t, &file);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        (r.json()["new"].clone(), r.json()["unchanged"].clone()),
        (json!(0), json!(2))
    );

    // The inspector records the re-check; the province sends the list again (a corrected batch
    // text on the other row): the re-check stays, the corrected row is a new version.
    let mut record = failed["record"].clone();
    record["recheck"] = json!({"date": "2026-11-10", "passed": true});
    let r = call(
        &s.addr,
        "POST",
        "/api/v1/spot-checks",
        Some(&t),
        &record.to_string(),
    );
    assert!(r.status < 300, "{}", r.text());
    let mut corrected = PASSED;
    corrected[5] = "P·O 42.5 20260302";
    let r = import(&s.addr, &t, &xlsx(&[FAILED, corrected]));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        (r.json()["changed"].clone(), r.json()["unchanged"].clone()),
        (json!(1), json!(1))
    );
    let items = spots(&s.addr, &t);
    assert_eq!(
        items.len(),
        2,
        "the report number keeps the record's identity"
    );
    let failed = items
        .iter()
        .find(|i| i["record"]["result"] == "unqualified")
        .unwrap();
    assert_eq!(failed["record"]["recheck"]["passed"], true, "{failed}");
    assert!(items
        .iter()
        .any(|i| i["record"]["batch"] == "P·O 42.5 20260302"));
}

#[test]
fn a_bad_list_stores_nothing_and_names_each_cell() {
    let s = start(data_dir(), &[]);
    let t = sign_in(&s.addr, "jiancha");
    let mut bad_check = FAILED;
    bad_check[2] = "91520102MA6DK4L2XM";
    let mut bad_result = PASSED;
    bad_result[6] = "待定";
    // A Zunyi enterprise (520302): outside the Guiyang inspector's regions.
    let mut other = PASSED;
    other[3] = "520302";
    other[8] = "GZ2026-003";
    let r = import(&s.addr, &t, &xlsx(&[bad_check, bad_result, other]));
    assert_eq!(r.status, 422, "{}", r.text());
    let errs: Vec<(u64, String, String)> = r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["column"].as_str().unwrap_or_default().into(),
                e["code"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        errs,
        [
            (3, "C".into(), "uscc_check".into()),
            (4, "G".into(), "invalid_choice".into()),
            (5, String::new(), "outside_scope".into()),
        ]
    );
    assert!(spots(&s.addr, &t).is_empty(), "nothing stored");
    // Not a sheet at all; an enterprise.
    let r = import(&s.addr, &t, b"\x81\x20\x81\x20");
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (400, json!("unreadable_sheet"))
    );
    let e = sign_in(&s.addr, "qiye");
    assert_eq!(import(&s.addr, &e, &xlsx(&[PASSED])).status, 403);
    // CSV as Excel saves it on a Chinese Windows (GB18030) reads the same.
    let csv = format!("{}\n{}\n", HEADER.join(","), PASSED.join(","));
    let (gbk, _, _) = encoding_rs::GB18030.encode(&csv);
    let r = import(&s.addr, &t, &gbk);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["new"], 1);
}
