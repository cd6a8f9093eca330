//! The records behind a figure and the facts of one locality in PostgreSQL: the same range
//! queries over the facts tables as `sqlite/campaign_trace.rs`, the same rows in the same order.

use super::Args;
use crate::storage::{code_range, done_fact, Figure, LocalFacts, Result, Traced};
use paicha::campaign::Plan;
use r2d2_postgres::postgres::GenericClient;

pub(super) fn local_facts<C: GenericClient>(c: &mut C, prefix: &str) -> Result<LocalFacts> {
    let (lo, hi) = code_range(prefix);
    let mut bodies = |sql: &str| -> Result<Vec<String>> {
        Ok(c.query(sql, &[&lo, &hi])?
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect())
    };
    let register = bodies(
        "SELECT body FROM campaign_enterprises WHERE region >= $1 AND region < $2 ORDER BY uscc",
    )?
    .iter()
    .filter_map(|b| serde_json::from_str(b).ok())
    .collect();
    let entries = bodies("SELECT body FROM campaign_entries WHERE region >= $1 AND region < $2")?
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect();
    let spots = bodies("SELECT body FROM campaign_spots WHERE region >= $1 AND region < $2")?
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect();
    let submissions = c
        .query(
            "SELECT d.uscc, d.product, d.onsite, d.link, d.day, d.region FROM campaign_done d
             WHERE d.region >= $1 AND d.region < $2",
            &[&lo, &hi],
        )?
        .iter()
        .map(|r| done_fact(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect();
    Ok(LocalFacts {
        register,
        submissions,
        entries,
        spots,
    })
}

#[allow(clippy::too_many_arguments)]
pub(super) fn traced<C: GenericClient>(
    c: &mut C,
    plan: &Plan,
    figure: Figure,
    prefix: &str,
    product: Option<&str>,
    today: &str,
    limit: usize,
) -> Result<Vec<Traced>> {
    let (lo, hi) = code_range(prefix);
    let (from, to) = (plan.period.from.clone(), plan.period.to.clone());
    let mut a = Args::new();
    let (lo, hi) = (a.push(lo), a.push(hi));
    let ins = a.push(plan.products.clone());
    let prod = match product {
        Some(p) => format!("x.product = {}", a.push(p.to_string())),
        None => "TRUE".into(),
    };
    let (kind, sql) = match figure {
        Figure::Registered
        | Figure::SelfInspected
        | Figure::NotSelfInspected
        | Figure::OnsiteInspected
        | Figure::NotOnsiteInspected => {
            let (f, t) = (a.push(from), a.push(to));
            let done = |onsite: bool| {
                format!(
                    "EXISTS (SELECT 1 FROM campaign_done d WHERE d.uscc = x.uscc
                     AND d.product = x.product AND d.onsite = {onsite} AND d.day BETWEEN {f} AND {t})"
                )
            };
            // Per enterprise: with a product, that product's rows; without, the enterprise is
            // done when every product is (so "not done" when any is not).
            let having = match figure {
                Figure::SelfInspected => format!("bool_and({})", done(false)),
                Figure::NotSelfInspected => format!("bool_or(NOT {})", done(false)),
                Figure::OnsiteInspected => format!("bool_and({})", done(true)),
                Figure::NotOnsiteInspected => format!("bool_or(NOT {})", done(true)),
                _ => "TRUE".into(),
            };
            (
                "enterprise",
                format!(
                    "SELECT x.uscc, x.uscc, min(e.name), min(x.region),
                            string_agg(x.product, ',' ORDER BY x.product), ''
                     FROM campaign_register x JOIN campaign_enterprises e ON e.uscc = x.uscc
                     WHERE x.region >= {lo} AND x.region < {hi} AND {prod}
                       AND x.product = ANY({ins})
                     GROUP BY x.uscc HAVING {having} ORDER BY min(x.region), x.uscc"
                ),
            )
        }
        Figure::Dangers
        | Figure::Open
        | Figure::Overdue
        | Figure::ClosedOut
        | Figure::Violations => {
            let f = a.push(from);
            let cond = match figure {
                Figure::Open => "x.state IN ('open', 'rectified')".to_string(),
                Figure::Overdue => format!(
                    "x.state IN ('open', 'rectified') AND x.due IS NOT NULL AND x.due < {}",
                    a.push(today.to_string())
                ),
                Figure::ClosedOut => "x.state = 'closed_out'".into(),
                Figure::Violations => "x.violation".into(),
                _ => "TRUE".into(),
            };
            (
                "entry",
                format!(
                    "SELECT x.entry, x.uscc, coalesce(e.name, ''), x.region, x.product,
                            x.severity || ' ' || x.state || coalesce(' ' || x.due, '')
                     FROM campaign_entries x LEFT JOIN campaign_enterprises e ON e.uscc = x.uscc
                     WHERE x.region >= {lo} AND x.region < {hi} AND x.found >= {f} AND {prod}
                       AND x.product = ANY({ins}) AND {cond}
                     ORDER BY x.region, x.found, x.entry"
                ),
            )
        }
        Figure::SpotUnqualified | Figure::SpotOverdue => {
            let (f, t) = (a.push(from), a.push(to));
            let cond = if figure == Figure::SpotOverdue {
                format!(
                    "NOT x.disposed AND x.due IS NOT NULL AND x.due < {}",
                    a.push(today.to_string())
                )
            } else {
                "TRUE".into()
            };
            (
                "spot_check",
                format!(
                    "SELECT x.id, x.uscc, coalesce(e.name, ''), x.region, x.product,
                            x.day || CASE WHEN x.disposed THEN ' disposed' ELSE '' END
                     FROM campaign_spots x LEFT JOIN campaign_enterprises e ON e.uscc = x.uscc
                     WHERE x.region >= {lo} AND x.region < {hi} AND x.unqualified
                       AND x.day BETWEEN {f} AND {t} AND {prod} AND x.product = ANY({ins})
                       AND {cond}
                     ORDER BY x.region, x.day, x.id"
                ),
            )
        }
    };
    let limit = a.push(i64::try_from(limit).unwrap_or(i64::MAX));
    let rows = c.query(&format!("{sql} LIMIT {limit}"), &a.refs())?;
    Ok(rows
        .iter()
        .map(|r| Traced {
            kind,
            id: r.get(0),
            uscc: r.get(1),
            name: r.get(2),
            region: r.get(3),
            product: r.get(4),
            detail: r.get(5),
        })
        .collect())
}
