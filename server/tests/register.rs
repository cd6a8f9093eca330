//! The enterprise register over real HTTP: a bureau's XLSX (made here with rust_xlsxwriter as
//! bureaus lay it out: a merged title, a two-level header with merged cells, Chinese headers,
//! numbers stored as text and as numbers, a trailing empty row) with a wrong check character and
//! a duplicate USCC imports nothing and names every error's row and column; the corrected file
//! imports; the same file again changes nothing; a changed row keeps its history; scopes;
//! template and export; unregistered enterprises from submissions; contact corrections.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
use common::*;
use rust_xlsxwriter::{Format, Workbook};
use serde_json::{json, Value};

/// A valid USCC registered in Nanming (520102), numbered n.
fn uscc(n: usize) -> String {
    paicha::ids::with_check_character(&format!("91520102MA{n:07}")).unwrap()
}

/// A bad check character: the right one shifted.
fn bad_check(n: usize) -> String {
    let good = uscc(n);
    let last = good.chars().last().unwrap();
    let other = if last == '0' { '1' } else { '0' };
    format!("{}{other}", &good[..17])
}

struct Row {
    uscc: String,
    name: String,
    region_as_number: bool,
    phone: &'static str,
    sells: &'static str,
}

fn row(n: usize) -> Row {
    Row {
        uscc: uscc(n),
        name: format!("南明示例车行{n}号"),
        region_as_number: n.is_multiple_of(2),
        phone: "13800000000",
        sells: "电动自行车",
    }
}

fn xlsx(rows: &[Row]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("名录").unwrap();
    let text = Format::new().set_num_format("@");
    let bold = Format::new().set_bold();
    ws.merge_range(
        0,
        0,
        0,
        6,
        "南明区重点工业产品生产销售企业名录（2026年）",
        &bold,
    )
    .unwrap();
    // Row 2-3: a two-level header; single columns merged down, 联系人 across its two parts.
    for (c, h) in [
        (0u16, "序号"),
        (1, "统一社会信用代码"),
        (2, "企业名称"),
        (3, "行政区划代码"),
    ] {
        ws.merge_range(1, c, 2, c, h, &bold).unwrap();
    }
    ws.merge_range(1, 4, 1, 5, "联系人", &bold).unwrap();
    ws.write_string_with_format(2, 4, "姓名", &bold).unwrap();
    ws.write_string_with_format(2, 5, "电话", &bold).unwrap();
    ws.merge_range(1, 6, 2, 6, "销售产品", &bold).unwrap();
    for (i, r) in rows.iter().enumerate() {
        let y = 3 + i as u32;
        ws.write_number(y, 0, (i + 1) as f64).unwrap();
        ws.write_string_with_format(y, 1, &r.uscc, &text).unwrap();
        ws.write_string(y, 2, &r.name).unwrap();
        if r.region_as_number {
            ws.write_number(y, 3, 520102.0).unwrap();
        } else {
            ws.write_string_with_format(y, 3, "520102", &text).unwrap();
        }
        ws.write_string(y, 4, "张三").unwrap();
        // A phone number stored as text in one row, as a number in the next.
        if i.is_multiple_of(2) {
            ws.write_string_with_format(y, 5, r.phone, &text).unwrap();
        } else {
            ws.write_number(y, 5, r.phone.parse::<f64>().unwrap())
                .unwrap();
        }
        ws.write_string(y, 6, r.sells).unwrap();
    }
    // A trailing row that only has formatting (what Excel leaves after a deleted row).
    let y = 3 + rows.len() as u32;
    ws.write_blank(y, 1, &text).unwrap();
    ws.write_blank(y, 3, &text).unwrap();
    wb.save_to_buffer().unwrap()
}

fn upload(addr: &str, token: &str, path: &str, body: &[u8]) -> Resp {
    request(addr, "POST", path, &[bearer(token)], body)
}

fn pull(addr: &str, token: &str, after: &str) -> Value {
    let r = call(
        addr,
        "GET",
        &format!("/api/v1/register?after={after}"),
        Some(token),
        "",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

#[test]
fn import_is_all_or_nothing_idempotent_and_versioned() {
    let s = start(data_dir(), &[]);
    let t = sign_in(&s.addr, "jiancha");
    let mut rows: Vec<Row> = (1..=6).map(row).collect();
    rows[2].uscc = bad_check(3);
    rows[4].uscc = rows[1].uscc.clone();
    let r = upload(&s.addr, &t, "/api/v1/register/import", &xlsx(&rows));
    assert_eq!(r.status, 422, "{}", r.text());
    let body = r.json();
    assert_eq!(body["code"], "invalid_rows");
    let errs: Vec<(u64, String, String)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["column"].as_str().unwrap_or_default().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // Data starts on spreadsheet row 4: the third data row is row 6, the fifth row 8.
    assert_eq!(
        errs,
        vec![
            (6, "B".to_string(), "uscc_check".to_string()),
            (8, "B".to_string(), "duplicate_uscc".to_string())
        ]
    );
    let dup = &body["errors"][1];
    assert_eq!(dup["header"], "统一社会信用代码");
    assert!(dup["message"]["zh"].as_str().unwrap().contains("第 5 行"));
    assert!(dup["message"]["en"].as_str().unwrap().contains("row 5"));
    assert_eq!(body["rows"], 6);
    // Nothing was stored.
    assert_eq!(pull(&s.addr, &t, "0")["items"].as_array().unwrap().len(), 0);

    // The corrected file imports every row.
    rows[2].uscc = uscc(3);
    rows[4].uscc = uscc(5);
    let file = xlsx(&rows);
    let r = upload(&s.addr, &t, "/api/v1/register/import", &file);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["new"], 6);
    let synced = pull(&s.addr, &t, "0");
    let items = synced["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    let cursor = synced["cursor"].as_str().unwrap().to_string();
    let first = items
        .iter()
        .find(|i| i["entry"]["uscc"] == uscc(2).as_str())
        .unwrap();
    // Region typed as a number, phone as a number: read back as the digits.
    assert_eq!(first["entry"]["region"], "520102");
    assert_eq!(first["entry"]["contact"]["phone"], "13800000000");
    assert_eq!(
        first["entry"]["products"],
        json!([{"product": "electric-bicycle", "links": ["sales"]}])
    );

    // The same file again: nothing changes, nothing new to sync.
    let r = upload(&s.addr, &t, "/api/v1/register/import", &file);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["unchanged"], 6);
    assert_eq!(r.json()["new"], 0);
    assert_eq!(
        pull(&s.addr, &t, &cursor)["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // One changed row: a new version, the first kept.
    rows[0].name = "南明示例车行1号（新址）".into();
    rows[0].sells = "电动自行车、安全帽";
    let r = upload(&s.addr, &t, "/api/v1/register/import", &xlsx(&rows));
    assert_eq!(r.json()["changed"], 1, "{}", r.text());
    assert_eq!(r.json()["unchanged"], 5);
    let changed = pull(&s.addr, &t, &cursor);
    assert_eq!(changed["items"].as_array().unwrap().len(), 1);
    let h = call(
        &s.addr,
        "GET",
        &format!("/api/v1/register/entries/{}", uscc(1)),
        Some(&t),
        "",
    );
    let h = h.json();
    assert_eq!(h["current"]["version"], 2);
    assert_eq!(h["history"].as_array().unwrap().len(), 2);
    assert_eq!(h["history"][0]["entry"]["name"], "南明示例车行1号");

    // Per-region and per-product counts for the campaign's progress.
    let c = call(&s.addr, "GET", "/api/v1/register/counts", Some(&t), "").json();
    let items = c["items"].as_array().unwrap();
    let n = |p: &str| {
        items
            .iter()
            .find(|i| i["product"] == p)
            .map(|i| i["enterprises"].as_i64().unwrap())
    };
    assert_eq!(n("electric-bicycle"), Some(6));
    assert_eq!(n("safety-helmet"), Some(1));

    // CSV (as Excel saves it on Chinese Windows: GB18030) imports the same.
    let mut csv = String::from("统一社会信用代码,企业名称,行政区划代码,生产产品\n");
    csv.push_str(&format!("{},南明水泥厂,520102,水泥\n", uscc(50)));
    let (gbk, _, _) = encoding_rs::GB18030.encode(&csv);
    let r = upload(&s.addr, &t, "/api/v1/register/import", &gbk);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["new"], 1);

    // The export reads back unchanged.
    let x = call(&s.addr, "GET", "/api/v1/register/export", Some(&t), "");
    assert_eq!(x.status, 200);
    assert!(x.headers.contains("spreadsheetml"));
    let r = upload(&s.addr, &t, "/api/v1/register/import", &x.body);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        (r.json()["unchanged"].as_u64(), r.json()["new"].as_u64()),
        (Some(7), Some(0))
    );

    // Garbage is a clear error.
    let r = upload(
        &s.addr,
        &t,
        "/api/v1/register/import",
        b"PK\x03\x04 not a zip",
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], "unreadable_sheet");
}

#[test]
fn template_scopes_and_enterprise_view() {
    let s = start(data_dir(), &[]);
    let t = sign_in(&s.addr, "jiancha");
    let q = sign_in(&s.addr, "qiye");
    // The template: the Chinese headers the import reads.
    let tpl = call(&s.addr, "GET", "/api/v1/register/template", Some(&t), "");
    assert_eq!(tpl.status, 200);
    let mut wb =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(tpl.body.clone())).unwrap();
    use calamine::Reader;
    assert_eq!(wb.sheet_names(), ["企业名录", "填写说明", "产品目录"]);
    let range = wb.worksheet_range("企业名录").unwrap();
    let head: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(head, paicha::campaign::import::header_row());

    // An inspector of Guiyang (520100) cannot file an enterprise in Beijing.
    let csv = format!(
        "统一社会信用代码,企业名称,行政区划代码,销售产品\n{},贵阳示例车行,520102,电动自行车\n{},北京车行,110101,电动自行车\n",
        USCC,
        uscc(9)
    );
    let r = upload(&s.addr, &t, "/api/v1/register/import", csv.as_bytes());
    assert_eq!(r.status, 422);
    let e = &r.json()["errors"][0];
    assert_eq!(
        (e["row"].as_u64(), e["column"].as_str(), e["code"].as_str()),
        (Some(3), Some("C"), Some("outside_scope"))
    );
    // Enterprises do not import.
    assert_eq!(
        upload(&s.addr, &q, "/api/v1/register/import", csv.as_bytes()).status,
        403
    );
    let csv = format!(
        "统一社会信用代码,企业名称,行政区划代码,销售产品,联系电话\n{USCC},贵阳示例车行,520102,电动自行车,0851-1234567\n{},南明车行,520102,电动自行车,\n",
        uscc(9)
    );
    assert_eq!(
        upload(&s.addr, &t, "/api/v1/register/import", csv.as_bytes()).status,
        200
    );

    // The enterprise sees its own entry, nothing else, and syncs only it.
    let own = call(
        &s.addr,
        "GET",
        &format!("/api/v1/register/entries/{USCC}"),
        Some(&q),
        "",
    );
    assert_eq!(own.status, 200);
    let other = call(
        &s.addr,
        "GET",
        &format!("/api/v1/register/entries/{}", uscc(9)),
        Some(&q),
        "",
    );
    assert_eq!(other.status, 404);
    let mine = pull(&s.addr, &q, "0");
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        call(&s.addr, "GET", "/api/v1/register/export", Some(&q), "").status,
        403
    );

    // It proposes a contact correction; the county accepts it: a new version.
    let fix = json!({"id": uuid(77), "contact": {"name": "李四", "phone": "0851-7654321"}, "note": "换了负责人"});
    let r = call(
        &s.addr,
        "POST",
        "/api/v1/register/corrections",
        Some(&q),
        &fix.to_string(),
    );
    assert_eq!(r.json()["status"], "stored", "{}", r.text());
    let r = call(
        &s.addr,
        "POST",
        "/api/v1/register/corrections",
        Some(&q),
        &fix.to_string(),
    );
    assert_eq!(r.json()["status"], "duplicate");
    let bad = json!({"id": uuid(78), "contact": {"phone": "call me"}});
    assert_eq!(
        call(
            &s.addr,
            "POST",
            "/api/v1/register/corrections",
            Some(&q),
            &bad.to_string()
        )
        .status,
        422
    );
    // An inspector cannot propose; the enterprise cannot review.
    assert_eq!(
        call(
            &s.addr,
            "POST",
            "/api/v1/register/corrections",
            Some(&t),
            &fix.to_string()
        )
        .status,
        403
    );
    let review = json!({"decision": "accept", "note": "已电话核实"}).to_string();
    let path = format!("/api/v1/register/corrections/{}/review", uuid(77));
    assert_eq!(call(&s.addr, "POST", &path, Some(&q), &review).status, 403);
    let pending = call(
        &s.addr,
        "GET",
        "/api/v1/register/corrections?pending=1",
        Some(&t),
        "",
    )
    .json();
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);
    let r = call(&s.addr, "POST", &path, Some(&t), &review);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["version"], 2);
    assert_eq!(call(&s.addr, "POST", &path, Some(&t), &review).status, 409);
    let own = call(
        &s.addr,
        "GET",
        &format!("/api/v1/register/entries/{USCC}"),
        Some(&q),
        "",
    )
    .json();
    assert_eq!(
        own["current"]["entry"]["contact"],
        json!({"name": "李四", "phone": "0851-7654321"})
    );
    assert_eq!(own["current"]["source"], format!("correction:{}", uuid(77)));
    let mine = call(&s.addr, "GET", "/api/v1/register/corrections", Some(&q), "").json();
    assert_eq!(mine["items"][0]["status"], "accepted");
}

#[test]
fn enterprises_inspected_but_not_registered_are_proposed() {
    let s = start(data_dir(), &[]);
    let t = sign_in(&s.addr, "jiancha");
    let stranger = uscc(40);
    for (i, u) in [&stranger, &stranger, &uscc(41)].iter().enumerate() {
        let r = call(
            &s.addr,
            "POST",
            "/api/v1/submissions",
            Some(&t),
            &onsite_of(&uuid(i), 20.0, u, "520102").to_string(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let list = call(
        &s.addr,
        "GET",
        "/api/v1/register/unregistered",
        Some(&t),
        "",
    )
    .json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let one = items
        .iter()
        .find(|i| i["uscc"] == stranger.as_str())
        .unwrap();
    assert_eq!(one["submissions"], 2);
    assert_eq!(one["seen"], json!(["electric-bicycle:sales"]));
    // Registered by hand: no longer proposed.
    let entry = json!({"uscc": stranger, "name": "贵阳示例车行", "region": "520102",
        "products": [{"product": "electric-bicycle", "links": ["sales"]}]});
    let r = call(
        &s.addr,
        "POST",
        "/api/v1/register/entries",
        Some(&t),
        &entry.to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["change"], "new");
    // Dismissed with a reason: listed only with all=1.
    let r = call(
        &s.addr,
        "POST",
        &format!("/api/v1/register/unregistered/{}/dismiss", uscc(41)),
        Some(&t),
        &json!({"reason": "已注销"}).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let list = call(
        &s.addr,
        "GET",
        "/api/v1/register/unregistered",
        Some(&t),
        "",
    )
    .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let all = call(
        &s.addr,
        "GET",
        "/api/v1/register/unregistered?all=1",
        Some(&t),
        "",
    )
    .json();
    assert_eq!(all["items"][0]["dismissed"], "已注销");
    // A bad entry is refused with its errors.
    let bad = json!({"uscc": bad_check(42), "name": "x", "region": "520100", "products": []});
    let r = call(
        &s.addr,
        "POST",
        "/api/v1/register/entries",
        Some(&t),
        &bad.to_string(),
    );
    assert_eq!(r.status, 422);
    let codes: Vec<String> = r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, ["uscc_check", "invalid_region", "blank"]);
}
