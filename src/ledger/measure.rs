//! What recording a measure as done needs (`action_taken`), and the money in it.
//!
//! A measure is an administrative act: it is done when there is a document for it. So every
//! `action_taken` carries the document number and date, and some measures more: the report to
//! government says to whom, listing and publicity the decision number, a judicial transfer the
//! receiving body with the goods value and the sales amount (Criminal Law art. 140 makes RMB 50,000
//! of sales the threshold of the crime of producing or selling fake or inferior products, so the
//! view hints at it), a revocation which certificate. The same list drives the form on the page
//! (`required_fields`), so page and core cannot disagree.

use super::date::parse_date;
use super::error::LedgerCode;
use super::event::Taken;
use crate::policy::ActionKind;

/// Sales of RMB 50,000 or more: the threshold of Criminal Law art. 140 (in fen).
pub const CRIMINAL_SALES_THRESHOLD_FEN: u64 = 5_000_000;

/// The fields an `action_taken` of this measure must have, besides `action`.
pub fn required_fields(action: ActionKind) -> &'static [&'static str] {
    match action {
        ActionKind::ReportToGovernment | ActionKind::HandOverToDepartment => {
            &["to", "document_date"]
        }
        ActionKind::SeriousViolationList | ActionKind::CreditPublicity => {
            &["decision_number", "document_date"]
        }
        ActionKind::JudicialTransferReview => &[
            "document_number",
            "document_date",
            "receiver",
            "goods_value",
            "sales_amount",
        ],
        ActionKind::RevokeCertificate => &["document_number", "document_date", "certificate"],
        ActionKind::StopProductionSale | ActionKind::Rectify | ActionKind::Recheck => {
            &["document_number", "document_date"]
        }
        // Tracing is an investigation, not a decision: what was found, not a document.
        ActionKind::TwoWayTracing => &["supplier", "buyers", "quantity", "batches"],
        ActionKind::Assist => &["assist_region", "result"],
    }
}

/// The fields an `action_taken` of this measure may have besides the required ones and `note`
/// (the form offers them; the case number is offered for every measure).
pub fn optional_fields(action: ActionKind) -> &'static [&'static str] {
    match action {
        ActionKind::TwoWayTracing => &["supplier_uscc", "assist_region"],
        _ => &[],
    }
}

/// Whether `code` names a county-level division (GB/T 2260: the last two digits are not `00`;
/// `520102` is a district, `520100` its city).
pub fn is_county_level(code: &str) -> bool {
    crate::divisions::level(code) == Some(crate::divisions::Level::County)
}

/// An amount of yuan (`12345`, `12345.6`, `12345.67`) in fen; `None` when it is not one.
pub fn yuan(s: &str) -> Option<u64> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (s.contains('.') && frac.is_empty())
    {
        return None;
    }
    let w: u64 = whole.parse().ok()?;
    let f: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    w.checked_mul(100)?.checked_add(f)
}

/// Whether a sales amount reaches the criminal threshold of Criminal Law art. 140 (a hint for
/// the transfer decision, not a finding of guilt).
pub fn reaches_criminal_threshold(sales_amount: &str) -> bool {
    yuan(sales_amount).is_some_and(|f| f >= CRIMINAL_SALES_THRESHOLD_FEN)
}

/// Check an `action_taken` on its own: the fields its measure requires, dates, amounts.
pub(crate) fn check_taken(t: &Taken) -> Result<(), (LedgerCode, String, String)> {
    let Taken {
        action,
        document_number,
        document_date,
        to,
        decision_number,
        receiver,
        goods_value,
        sales_amount,
        certificate,
        supplier,
        buyers,
        quantity,
        batches,
        assist_region,
        result,
        supplier_uscc,
        ..
    } = t;
    let field = |name: &str| -> Option<&Option<String>> {
        Some(match name {
            "document_number" => document_number,
            "document_date" => document_date,
            "to" => to,
            "decision_number" => decision_number,
            "receiver" => receiver,
            "goods_value" => goods_value,
            "sales_amount" => sales_amount,
            "certificate" => certificate,
            "supplier" => supplier,
            "buyers" => buyers,
            "quantity" => quantity,
            "batches" => batches,
            "assist_region" => assist_region,
            "result" => result,
            _ => return None,
        })
    };
    for name in required_fields(*action) {
        let blank = field(name).is_none_or(|v| v.as_deref().is_none_or(|v| v.trim().is_empty()));
        if blank {
            return Err((
                LedgerCode::MissingField,
                format!("须填写 {name}"),
                format!("{name} is required for this measure"),
            ));
        }
    }
    if document_date
        .as_deref()
        .is_some_and(|d| parse_date(d).is_none())
    {
        return Err((
            LedgerCode::InvalidDate,
            "document_date".into(),
            "document_date".into(),
        ));
    }
    for (v, name) in [(goods_value, "goods_value"), (sales_amount, "sales_amount")] {
        if v.as_deref().is_some_and(|v| yuan(v).is_none()) {
            return Err((LedgerCode::InvalidAmount, name.into(), name.into()));
        }
    }
    if let Some(u) = supplier_uscc.as_deref().filter(|u| !u.trim().is_empty()) {
        if crate::ids::check_uscc(u).is_err() {
            return Err((
                LedgerCode::InvalidEnterprise,
                "supplier_uscc".into(),
                "supplier_uscc".into(),
            ));
        }
    }
    if let Some(r) = assist_region {
        // Only a tracing asks for assistance, and only the region asked records its result.
        let fits = matches!(action, ActionKind::TwoWayTracing | ActionKind::Assist)
            && is_county_level(r)
            && crate::ids::check_region(r).is_ok();
        if !fits {
            return Err((
                LedgerCode::InvalidAssistRegion,
                format!("协查地区 {r}"),
                format!("assist region {r}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_yuan_with_at_most_two_decimals() {
        assert_eq!(yuan("50000"), Some(5_000_000));
        assert_eq!(yuan("49999.99"), Some(4_999_999));
        assert_eq!(yuan("0.5"), Some(50));
        for bad in ["", "-1", "1.", ".5", "1.234", "1e5", "五万", "1,000"] {
            assert_eq!(yuan(bad), None, "{bad}");
        }
        assert!(reaches_criminal_threshold("50000"));
        assert!(reaches_criminal_threshold("50000.00"));
        assert!(!reaches_criminal_threshold("49999.99"));
        assert!(!reaches_criminal_threshold("x"));
    }
}
