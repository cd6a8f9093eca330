//! Express-report errors as data: `{code, event, report, message: {zh, en}}`, the ledger's shape
//! with `report` for `entry`. The codes are listed in `docs/express.md`; a test keeps them in step.

use crate::text::Text;
use serde::Serialize;

macro_rules! express_codes {
    ($($variant:ident => $name:literal, $zh:literal, $en:literal;)*) => {
        /// A stable express-report error code; the string form is the public contract.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ExpressCode { $($variant),* }

        impl ExpressCode {
            pub const ALL: &'static [ExpressCode] = &[$(ExpressCode::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(ExpressCode::$variant => $name),* }
            }

            pub fn meaning(self) -> Text {
                match self { $(ExpressCode::$variant => Text::new($zh, $en)),* }
            }
        }
    };
}

express_codes! {
    InvalidEvent => "invalid_event", "不是有效的快报事件 JSON", "Not a valid express-report event";
    InvalidId => "invalid_id", "事件编号或快报编号不是 UUID", "The event or report id is not a UUID";
    InvalidDatetime => "invalid_datetime", "时间须为带时区的 RFC 3339 格式", "The time must be an RFC 3339 date-time with an offset";
    Blank => "blank", "不能为空", "Must not be blank";
    InvalidEnterprise => "invalid_enterprise", "企业须有名称或统一社会信用代码，代码须正确", "The enterprise needs a name or a credit code, and the code must be right";
    InvalidRegion => "invalid_region", "行政区划代码错误", "Invalid division code";
    InvalidAttachment => "invalid_attachment", "附件引用无效（需要 64 位小写十六进制 sha256）", "Invalid attachment reference (64 lowercase hex digits of sha256 needed)";
    LearnedBeforeEvent => "learned_before_event", "获悉时间早于事件发生时间", "The bureau cannot learn of the event before it happened";
    EndedBeforeEvent => "ended_before_event", "处置结束时间早于获悉时间", "The handling cannot end before the bureau learned of the event";
    IdConflict => "id_conflict", "同一事件编号对应不同内容", "One event id with different contents";
    UnknownReport => "unknown_report", "没有这份快报的初报", "No initial report creates this express report";
    ReportExists => "report_exists", "这份快报已有初报", "This express report already has its initial report";
    ReportClosed => "report_closed", "事件已处置结束，不能再续报", "The event's handling has ended: no more follow-up reports";
    NotClosed => "not_closed", "处置尚未结束，不能报送总结", "The handling has not ended: no summary yet";
}

impl Serialize for ExpressCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpressError {
    pub code: ExpressCode,
    pub event: String,
    pub report: String,
    pub message: Text,
}

impl ExpressError {
    pub fn new(code: ExpressCode, event: &str, report: &str, detail: &str) -> Self {
        let m = code.meaning();
        let message = if detail.is_empty() {
            m
        } else {
            Text::new(format!("{}：{detail}", m.zh), format!("{}: {detail}", m.en))
        };
        ExpressError {
            code,
            event: event.to_string(),
            report: report.to_string(),
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_documented() {
        let doc = include_str!("../../docs/express.md");
        for c in ExpressCode::ALL {
            let m = c.meaning();
            assert!(
                doc.contains(&format!("| `{}` | {} | {} |", c.as_str(), m.zh, m.en)),
                "docs/express.md lacks the row of {}",
                c.as_str()
            );
        }
    }
}
