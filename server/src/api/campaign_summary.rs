//! Stage and annual summaries of a locality: the statistics a summary needs (totals, per product,
//! per subordinate locality, open dangers over time against the 清零 milestone) as JSON for the
//! printable report page (`www/summary.html`), and as the XLSX schedule table (进度表) with Chinese
//! headers and product names. Every row says the region and product its records are listed by
//! (`/api/v1/campaigns/{id}/trace?figure=..&region=..&product=..`).

use super::campaign::{ask, plan};
use super::{blocking, now, problem, App};
use crate::auth::Authed;
use crate::storage::region_prefix;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use paicha::campaign::{self as core, breakdown, Breakdown, Figures, MilestoneKind, Node, Plan};
use paicha::policy::{add_days, ActionKind, Severity};
use paicha::template::Link;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};
use serde_json::{json, Value};
use std::sync::Arc;

/// Stage (due 08-15) or annual (due 10-20): the milestone a summary answers.
fn kind_of(s: Option<&str>) -> Option<MilestoneKind> {
    match s {
        None | Some("stage") => Some(MilestoneKind::StageSummary),
        Some("annual") => Some(MilestoneKind::AnnualSummary),
        _ => None,
    }
}

/// The Chinese name of a product (the catalogue's), or its id.
pub fn product_name(id: &str) -> String {
    paicha::Catalogue::builtin()
        .products()
        .iter()
        .find(|p| p.product == id)
        .and_then(|p| p.name.map(|n| n.zh.clone()))
        .unwrap_or_else(|| id.to_string())
}

/// The ends of the weeks from the period's start to `today` (and `today` itself).
fn weeks(plan: &Plan, today: NaiveDate) -> Vec<String> {
    let Some((from, _)) = plan.period_dates() else {
        return vec![];
    };
    let mut out = Vec::new();
    let mut d = add_days(from, 6);
    while d < today && out.len() < 60 {
        out.push(paicha::ledger::date::date_text(d));
        d = add_days(d, 7);
    }
    out.push(paicha::ledger::date::date_text(today));
    out
}

struct Summary {
    root: Node,
    breakdown: Breakdown,
    series: Vec<(String, u32)>,
    kind: MilestoneKind,
    today: NaiveDate,
}

async fn summarise(
    app: Arc<App>,
    auth: &Authed,
    plan: &'static Plan,
    raw: Option<String>,
) -> Result<Summary, Response> {
    let q = ask(auth, plan, raw, &["kind"])?;
    let Some(kind) = kind_of(q.get("kind")) else {
        return Err(super::invalid_query("kind (stage or annual)"));
    };
    let prefix = region_prefix(&q.region);
    let today = paicha::ledger::date::date_text(q.today);
    let days = weeks(plan, q.today);
    let (region, day) = (q.region.clone(), q.today);
    let (leaves, open, breakdown) = blocking(move || {
        let l = app.store.campaign_leaves(plan, &prefix, &today)?;
        let o = app.store.open_over_time(plan, &prefix, &days)?;
        let b = breakdown::count(&super::campaign_breakdown::of(
            &*app.store,
            plan,
            &region,
            day,
        )?);
        Ok((l, days.into_iter().zip(o).collect::<Vec<_>>(), b))
    })
    .await?;
    Ok(Summary {
        breakdown,
        root: core::tree(plan, &q.region, &leaves, q.today),
        series: open,
        kind,
        today: q.today,
    })
}

/// The summary as JSON, for the report page.
pub async fn summary(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let plan = match plan(&id) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let s = match summarise(app, &auth, plan, raw).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let milestone = plan.milestones.iter().find(|m| m.kind == s.kind);
    let clearance = plan
        .milestones
        .iter()
        .find(|m| m.kind == MilestoneKind::Clearance);
    let products: Vec<Value> = s
        .root
        .products
        .iter()
        .map(|p| json!({"product": p.product, "name": product_name(&p.product), "figures": p.figures}))
        .collect();
    Json(json!({
        "campaign": {"id": plan.id, "version": plan.version, "name": plan.name},
        "kind": if s.kind == MilestoneKind::AnnualSummary { "annual" } else { "stage" },
        "due": milestone.map(|m| m.due.clone()),
        "clearance_due": clearance.map(|m| m.due.clone()),
        "today": paicha::ledger::date::date_text(s.today),
        "made_at": now().to_rfc3339(),
        "region": s.root.code,
        "level": s.root.level,
        "figures": s.root.figures,
        "flags": s.root.flags,
        "products": products,
        "name": s.root.name,
        "localities": s.root.children.iter().map(|c| json!({"code": c.code, "name": c.name, "level": c.level, "figures": c.figures, "flags": c.flags})).collect::<Vec<_>>(),
        "breakdown": s.breakdown,
        "open_over_time": s.series.iter().map(|(d, n)| json!({"date": d, "open": n})).collect::<Vec<_>>(),
    }))
    .into_response()
}

/// The schedule table's columns: header and the figure (with the percentages computed from two).
const COLUMNS: &[&str] = &[
    "在册企业数",
    "已自查企业数",
    "自查率(%)",
    "已现场检查企业数",
    "现场检查率(%)",
    "未在册已检查企业数",
    "发现一般隐患",
    "发现重大隐患",
    "已整改",
    "已销号",
    "未清零隐患",
    "超期未整改",
    "违法行为",
    "应落实措施",
    "已落实措施",
    "抽查不合格批次",
    "已处置批次",
    "逾期未处置",
];

fn values(f: &Figures) -> [f64; 18] {
    let n = f64::from;
    [
        n(f.registered),
        n(f.self_inspected),
        n(core::percent(f.self_inspected, f.registered)),
        n(f.onsite_inspected),
        n(core::percent(f.onsite_inspected, f.registered)),
        n(f.unregistered),
        n(f.general),
        n(f.major),
        n(f.rectified),
        n(f.closed_out),
        n(f.open),
        n(f.overdue),
        n(f.violations),
        n(f.measures),
        n(f.measures_done),
        n(f.spot_unqualified),
        n(f.spot_disposed),
        n(f.spot_overdue),
    ]
}

fn level_name(l: core::Level) -> &'static str {
    match l {
        core::Level::Province => "省",
        core::Level::Prefecture => "市（州）",
        core::Level::County => "县（区）",
    }
}

/// One sheet: a title, two header columns then the figures, one row per labelled line.
fn sheet(
    ws: &mut Worksheet,
    name: &str,
    title: &str,
    first: (&str, &str),
    rows: &[(String, String, Figures)],
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    ws.set_name(name)?;
    let last = u16::try_from(COLUMNS.len() + 1).unwrap_or(u16::MAX);
    ws.merge_range(0, 0, 0, last, title, &bold)?;
    ws.write_string_with_format(1, 0, first.0, &head)?;
    ws.write_string_with_format(1, 1, first.1, &head)?;
    for (i, h) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(1, u16::try_from(i + 2).unwrap_or(u16::MAX), *h, &head)?;
    }
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 18)?;
    for (r, (a, b, f)) in rows.iter().enumerate() {
        let row = u32::try_from(r + 2).unwrap_or(u32::MAX);
        ws.write_string(row, 0, a)?;
        ws.write_string(row, 1, b)?;
        for (c, v) in values(f).iter().enumerate() {
            ws.write_number(row, u16::try_from(c + 2).unwrap_or(u16::MAX), *v)?;
        }
    }
    ws.set_freeze_panes(2, 2)?;
    Ok(())
}

fn workbook(plan: &Plan, s: &Summary) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let kind = if s.kind == MilestoneKind::AnnualSummary {
        "年度"
    } else {
        "阶段"
    };
    let today = paicha::ledger::date::date_text(s.today);
    let title = format!(
        "{} 进度表（{kind}，截至 {today}，{} {}）",
        plan.name.zh,
        level_name(s.root.level),
        s.root.code
    );
    let mut rows = vec![(
        s.root.code.clone(),
        format!("合计（{}）", level_name(s.root.level)),
        s.root.figures,
    )];
    // Every locality below, depth first: a province's table lists its prefectures and counties.
    fn walk(n: &Node, rows: &mut Vec<(String, String, Figures)>) {
        for c in &n.children {
            rows.push((c.code.clone(), level_name(c.level).to_string(), c.figures));
            walk(c, rows);
        }
    }
    walk(&s.root, &mut rows);
    sheet(
        wb.add_worksheet(),
        "进度表",
        &title,
        ("行政区划代码", "层级"),
        &rows,
    )?;
    let products: Vec<(String, String, Figures)> = s
        .root
        .products
        .iter()
        .map(|p| (product_name(&p.product), p.product.clone(), p.figures))
        .collect();
    sheet(
        wb.add_worksheet(),
        "分产品",
        &format!("{title} 分产品"),
        ("产品", "产品代码"),
        &products,
    )?;
    breakdown_sheets(&mut wb, &title, &s.breakdown)?;
    let ws = wb.add_worksheet();
    ws.set_name("隐患清零")?;
    let bold = Format::new().set_bold();
    ws.write_string_with_format(0, 0, "日期", &bold)?;
    ws.write_string_with_format(0, 1, "未清零隐患", &bold)?;
    for (i, (d, n)) in s.series.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        ws.write_string(row, 0, d)?;
        ws.write_number(row, 1, f64::from(*n))?;
    }
    ws.set_column_width(0, 12)?;
    wb.save_to_buffer()
}

/// The measures' names as the pages show them (`www/js/labels.js` ACTION_LABELS; a test holds
/// the two equal): the schedule table is made here, where the page's dictionary is not.
pub fn measure_name(a: ActionKind) -> &'static str {
    match a {
        ActionKind::StopProductionSale => "立即停止生产销售",
        ActionKind::Rectify => "限期整改",
        ActionKind::Recheck => "复查",
        ActionKind::ReportToGovernment => "报告地方政府",
        ActionKind::SeriousViolationList => "列入严重违法失信名单",
        ActionKind::CreditPublicity => "信用公示",
        ActionKind::RevokeCertificate => "吊销证书",
        ActionKind::JudicialTransferReview => "研判是否移送司法机关",
        ActionKind::HandOverToDepartment => "移交主管部门",
        ActionKind::TwoWayTracing => "双向追溯",
        ActionKind::Assist => "协查",
    }
}

/// A sheet of labelled rows of whole numbers under a title and a header row.
fn plain_sheet(
    wb: &mut Workbook,
    name: &str,
    title: &str,
    header: &[&str],
    rows: &[(String, Vec<u32>)],
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    let last = u16::try_from(header.len().saturating_sub(1)).unwrap_or(u16::MAX);
    ws.merge_range(0, 0, 0, last.max(1), title, &bold)?;
    for (i, h) in header.iter().enumerate() {
        ws.write_string_with_format(1, u16::try_from(i).unwrap_or(u16::MAX), *h, &head)?;
    }
    ws.set_column_width(0, 22)?;
    for (r, (label, values)) in rows.iter().enumerate() {
        let row = u32::try_from(r + 2).unwrap_or(u32::MAX);
        ws.write_string(row, 0, label)?;
        for (c, v) in values.iter().enumerate() {
            ws.write_number(row, u16::try_from(c + 1).unwrap_or(u16::MAX), f64::from(*v))?;
        }
    }
    ws.set_freeze_panes(2, 1)?;
    Ok(())
}

/// The breakdown's three sheets: by link, by severity x status, by measure.
fn breakdown_sheets(wb: &mut Workbook, title: &str, b: &Breakdown) -> Result<(), XlsxError> {
    let link = |l: Option<Link>| match l {
        Some(Link::Production) => "生产环节",
        Some(Link::Sales) => "销售环节",
        None => "未注明环节（手工登记的隐患）",
    };
    let rows: Vec<(String, Vec<u32>)> = b
        .by_link
        .iter()
        .map(|x| {
            let v = vec![
                x.registered,
                x.self_inspected,
                x.onsite_inspected,
                x.dangers,
                x.open,
            ];
            (link(x.link).to_string(), v)
        })
        .collect();
    plain_sheet(
        wb,
        "分环节",
        &format!("{title} 分环节"),
        &[
            "环节",
            "在册企业数",
            "已自查企业数",
            "已现场检查企业数",
            "发现隐患",
            "未清零隐患",
        ],
        &rows,
    )?;
    let rows: Vec<(String, Vec<u32>)> = b
        .by_severity
        .iter()
        .map(|x| {
            let name = match x.severity {
                Some(Severity::Major) => "重大隐患",
                _ => "一般隐患",
            };
            let v = vec![
                x.total,
                x.open,
                x.rectified,
                x.closed_out,
                x.closed,
                x.overdue,
            ];
            (name.to_string(), v)
        })
        .collect();
    plain_sheet(
        wb,
        "隐患等级状态",
        &format!("{title} 隐患等级与状态"),
        &[
            "隐患等级",
            "合计",
            "未整改",
            "已整改待复查",
            "已销号",
            "其他方式关闭",
            "超期未整改",
        ],
        &rows,
    )?;
    let rows: Vec<(String, Vec<u32>)> = b
        .by_measure
        .iter()
        .filter_map(|x| {
            let v = vec![x.required, x.done, x.declined, x.not_done];
            x.action.map(|a| (measure_name(a).to_string(), v))
        })
        .collect();
    plain_sheet(
        wb,
        "措施落实",
        &format!("{title} 处置措施落实"),
        &["措施", "应落实", "已落实", "决定不采取", "未落实"],
        &rows,
    )
}

/// The schedule table of a rolled-up locality (what the benchmark times).
#[cfg(test)]
pub fn workbook_of(
    plan: &Plan,
    root: Node,
    series: Vec<(String, u32)>,
    today: NaiveDate,
) -> Result<Vec<u8>, XlsxError> {
    workbook(
        plan,
        &Summary {
            root,
            breakdown: Breakdown::default(),
            series,
            kind: MilestoneKind::AnnualSummary,
            today,
        },
    )
}

/// The schedule table (进度表) as XLSX.
pub async fn xlsx(
    State(app): State<Arc<App>>,
    auth: Authed,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let plan = match plan(&id) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let s = match summarise(app, &auth, plan, raw).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match workbook(plan, &s) {
        Ok(bytes) => {
            let name = format!(
                "{}-{}-{}.xlsx",
                plan.id,
                s.root.code,
                paicha::ledger::date::date_text(s.today)
            );
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_string(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "xlsx_failed",
            &format!("无法生成进度表：{e}"),
            &format!("The schedule table could not be made: {e}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measure_names_are_the_pages_names() {
        let labels = include_str!("../../../www/js/labels.js");
        for a in [
            ActionKind::StopProductionSale,
            ActionKind::Rectify,
            ActionKind::Recheck,
            ActionKind::ReportToGovernment,
            ActionKind::SeriousViolationList,
            ActionKind::CreditPublicity,
            ActionKind::RevokeCertificate,
            ActionKind::JudicialTransferReview,
            ActionKind::HandOverToDepartment,
            ActionKind::TwoWayTracing,
            ActionKind::Assist,
        ] {
            let kind = serde_json::to_value(a).unwrap_or_default();
            let line = format!(
                "{}: {{ zh: '{}'",
                kind.as_str().unwrap_or(""),
                measure_name(a)
            );
            assert!(labels.contains(&line), "{line}");
        }
    }
}
