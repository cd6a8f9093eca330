//! The records behind a figure (every number of the dashboard links to them) and the facts of
//! one locality (what the risk ranking and the look-back read): plain range queries over the
//! facts tables of `campaign.rs`, limited to a division-code range.

use crate::storage::{code_range, done_fact, Figure, LocalFacts, Result, Traced};
use paicha::campaign::Plan;
use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, Connection};

fn products_in(plan: &Plan, first: usize) -> String {
    (0..plan.products.len().max(1))
        .map(|i| format!("?{}", first + i + 1))
        .collect::<Vec<_>>()
        .join(", ")
}

fn args(head: &[&str], plan: &Plan) -> Vec<Sql> {
    let mut v: Vec<Sql> = head.iter().map(|s| Sql::Text((*s).to_string())).collect();
    if plan.products.is_empty() {
        v.push(Sql::Null);
    }
    v.extend(plan.products.iter().map(|p| Sql::Text(p.clone())));
    v
}

pub(super) fn local_facts(conn: &Connection, prefix: &str) -> Result<LocalFacts> {
    let (lo, hi) = code_range(prefix);
    let bodies = |sql: &str| -> Result<Vec<String>> {
        let mut st = conn.prepare_cached(sql)?;
        let v = st
            .query_map(params![lo, hi], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(v)
    };
    let register = bodies(
        "SELECT body FROM campaign_enterprises WHERE region >= ?1 AND region < ?2 ORDER BY uscc",
    )?
    .iter()
    .filter_map(|b| serde_json::from_str(b).ok())
    .collect();
    let entries = bodies("SELECT body FROM campaign_entries WHERE region >= ?1 AND region < ?2")?
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect();
    let spots = bodies("SELECT body FROM campaign_spots WHERE region >= ?1 AND region < ?2")?
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect();
    let mut st = conn.prepare_cached(
        "SELECT d.uscc, d.product, d.onsite, d.link, d.day, d.region FROM campaign_done d
         WHERE d.region >= ?1 AND d.region < ?2",
    )?;
    let submissions = st
        .query_map(params![lo, hi], |r| {
            Ok(done_fact(
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                &r.get::<_, String>(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(LocalFacts {
        register,
        submissions,
        entries,
        spots,
    })
}

#[allow(clippy::too_many_arguments)]
pub(super) fn traced(
    conn: &Connection,
    plan: &Plan,
    figure: Figure,
    prefix: &str,
    product: Option<&str>,
    today: &str,
    limit: usize,
) -> Result<Vec<Traced>> {
    let (lo, hi) = code_range(prefix);
    let (from, to) = (plan.period.from.as_str(), plan.period.to.as_str());
    let ins = products_in(plan, 7);
    let prod = "(?5 IS NULL OR x.product = ?5)";
    let done = |onsite: u8| {
        format!(
            "EXISTS (SELECT 1 FROM campaign_done d WHERE d.uscc = x.uscc AND d.product = x.product
             AND d.onsite = {onsite} AND d.day BETWEEN ?3 AND ?4)"
        )
    };
    let (kind, sql) = match figure {
        Figure::Registered
        | Figure::SelfInspected
        | Figure::NotSelfInspected
        | Figure::OnsiteInspected
        | Figure::NotOnsiteInspected => {
            let cond = match figure {
                Figure::SelfInspected => done(0),
                Figure::NotSelfInspected => format!("NOT {}", done(0)),
                Figure::OnsiteInspected => done(1),
                Figure::NotOnsiteInspected => format!("NOT {}", done(1)),
                _ => "1".into(),
            };
            // Per enterprise: with a product, that product's rows; without, the enterprise is
            // done when every product is (so "not done" when any is not).
            let all = matches!(figure, Figure::SelfInspected | Figure::OnsiteInspected);
            let agg = if all { "min" } else { "max" };
            (
                "enterprise",
                format!(
                    "SELECT x.uscc, x.uscc, e.name, x.region, group_concat(x.product, ','), ''
                     FROM campaign_register x JOIN campaign_enterprises e ON e.uscc = x.uscc
                     WHERE x.region >= ?1 AND x.region < ?2 AND {prod} AND x.product IN ({ins})
                     GROUP BY x.uscc HAVING {agg}({cond}) = 1 ORDER BY x.region, x.uscc LIMIT ?6"
                ),
            )
        }
        Figure::Dangers
        | Figure::Open
        | Figure::Overdue
        | Figure::ClosedOut
        | Figure::Violations => {
            let cond = match figure {
                Figure::Open => "x.state IN ('open', 'rectified')".to_string(),
                Figure::Overdue => {
                    "x.state IN ('open', 'rectified') AND x.due IS NOT NULL AND x.due < ?4".into()
                }
                Figure::ClosedOut => "x.state = 'closed_out'".into(),
                Figure::Violations => "x.violation = 1".into(),
                _ => "1".into(),
            };
            (
                "entry",
                format!(
                    "SELECT x.entry, x.uscc, coalesce(e.name, ''), x.region, x.product,
                            x.severity || ' ' || x.state || coalesce(' ' || x.due, '')
                     FROM campaign_entries x LEFT JOIN campaign_enterprises e ON e.uscc = x.uscc
                     WHERE x.region >= ?1 AND x.region < ?2 AND x.found >= ?3 AND {prod}
                       AND x.product IN ({ins}) AND {cond}
                     ORDER BY x.region, x.found, x.entry LIMIT ?6"
                ),
            )
        }
        Figure::SpotUnqualified | Figure::SpotOverdue => {
            let cond = if figure == Figure::SpotOverdue {
                "NOT x.disposed AND x.due IS NOT NULL AND x.due < ?4"
            } else {
                "1"
            };
            (
                "spot_check",
                format!(
                    "SELECT x.id, x.uscc, coalesce(e.name, ''), x.region, x.product,
                            x.day || CASE WHEN x.disposed THEN ' disposed' ELSE '' END
                     FROM campaign_spots x LEFT JOIN campaign_enterprises e ON e.uscc = x.uscc
                     WHERE x.region >= ?1 AND x.region < ?2 AND x.unqualified = 1
                       AND x.day BETWEEN ?3 AND ?7 AND {prod} AND x.product IN ({ins}) AND {cond}
                     ORDER BY x.region, x.day, x.id LIMIT ?6"
                ),
            )
        }
    };
    // ?3 from, ?4 the day compared with (period end for coverage, today for deadlines),
    // ?5 product, ?6 limit, ?7 period end, then the products.
    let day = match figure {
        Figure::Overdue | Figure::SpotOverdue => today,
        _ => to,
    };
    let mut a: Vec<Sql> = vec![
        Sql::Text(lo),
        Sql::Text(hi),
        Sql::Text(from.into()),
        Sql::Text(day.into()),
        product.map_or(Sql::Null, |p| Sql::Text(p.into())),
        Sql::Integer(i64::try_from(limit).unwrap_or(i64::MAX)),
    ];
    a.push(Sql::Text(to.into()));
    a.extend(args(&[], plan));
    let mut st = conn.prepare(&sql)?;
    let rows = st
        .query_map(params_from_iter(a), |r| {
            Ok(Traced {
                kind,
                id: r.get(0)?,
                uscc: r.get(1)?,
                name: r.get(2)?,
                region: r.get(3)?,
                product: r.get(4)?,
                detail: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
