//! Ledger errors as data: `{code, event, entry, message: {zh, en}}`.
//!
//! A code of its own rather than more variants of `issue::Code`: an issue points into one submission
//! with a JSON Pointer, while a ledger error points at an event (and its entry) among many, so the
//! shape differs. The codes are listed in `docs/ledger.md`; a test keeps the two in step.

use crate::text::Text;
use serde::Serialize;

macro_rules! ledger_codes {
    ($($variant:ident => $name:literal, $zh:literal, $en:literal;)*) => {
        /// A stable ledger error code. The string form (`as_str`) is the public contract.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum LedgerCode { $($variant),* }

        impl LedgerCode {
            /// Every code, for documentation checks.
            pub const ALL: &'static [LedgerCode] = &[$(LedgerCode::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(LedgerCode::$variant => $name),* }
            }

            /// The general meaning of the code; an error's message may be more specific.
            pub fn meaning(self) -> Text {
                match self { $(LedgerCode::$variant => Text::new($zh, $en)),* }
            }
        }
    };
}

ledger_codes! {
    // One event on its own.
    InvalidEvent => "invalid_event", "事件不是有效的台账事件 JSON", "Not a valid ledger event";
    InvalidId => "invalid_id", "事件编号或台账条目编号不是 UUID", "The event or entry id is not a UUID";
    InvalidDatetime => "invalid_datetime", "时间须为带时区的 RFC 3339 格式", "The time must be an RFC 3339 date-time with an offset";
    InvalidDate => "invalid_date", "日期无效（YYYY-MM-DD，须真实存在）", "Invalid date (YYYY-MM-DD, must exist)";
    Blank => "blank", "不能为空", "Must not be blank";
    InvalidEnterprise => "invalid_enterprise", "企业统一社会信用代码或行政区划代码错误", "The enterprise's credit code or division code is wrong";
    InvalidAttachment => "invalid_attachment", "附件引用无效（需要 64 位小写十六进制 sha256）", "Invalid attachment reference (64 lowercase hex digits of sha256 needed)";
    // Events against each other.
    IdConflict => "id_conflict", "同一事件编号对应不同内容", "One event id with different contents";
    UnknownEntry => "unknown_entry", "没有创建此台账条目的事件", "No event creates this ledger entry";
    EntryExists => "entry_exists", "此台账条目已创建", "This ledger entry already exists";
    InvalidTransition => "invalid_transition", "当前状态下不能进行此操作", "This act is not allowed in the entry's current state";
    StaleRound => "stale_round", "复查的整改轮次不是当前轮次", "The re-check names a rectification round that is not the current one";
    DeadlineRequired => "deadline_required", "复查不合格须给出新的整改期限", "A failed re-check must set a new deadline";
    InvalidDeadline => "invalid_deadline", "期限早于作出决定的日期", "The deadline is earlier than the day it was set";
    MissingField => "missing_field", "此项措施须填写所需内容（文书编号和日期等）", "This measure needs its particulars (document number and date...)";
    InvalidAmount => "invalid_amount", "金额须为不小于 0 的数（元，最多两位小数）", "An amount must be a number of yuan, at least 0, with at most two decimals";
    UnknownCase => "unknown_case", "此条目没有这一立案编号", "No case with this number was filed for this entry";
    EvidenceRequired => "evidence_required", "企业自查自改须附整改证据", "A danger the enterprise removes itself must be closed with evidence";
    DeadlineOutOfBounds => "deadline_out_of_bounds", "期限超出本地政策允许的范围", "The deadline is beyond what the local policy allows";
    InvalidAssistRegion => "invalid_assist_region", "协查地区须为本条目所在地以外的县级行政区划代码", "The assist region must be a county-level division code other than the entry's own";
    SpotCheckLoop => "spot_check_loop", "抽查不合格条目的整改复查以抽查记录为准：请在抽查记录中登记复查、公告和第二次复查", "A spot-check entry follows its spot-check record: record re-checks, the announcement and the second re-check there";
    NothingToResolve => "nothing_to_resolve", "所选事件不属于此条目待决的冲突", "The chosen event is not part of a conflict of this entry";
}

impl Serialize for LedgerCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One error: which event, which entry, a stable code and a message in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerError {
    pub code: LedgerCode,
    /// The event at fault (as sent, even when it is not a UUID).
    pub event: String,
    /// The entry the event names.
    pub entry: String,
    pub message: Text,
}

impl LedgerError {
    /// An error whose message is the code's general meaning followed by a detail in each language.
    pub fn new(code: LedgerCode, event: &str, entry: &str, zh: &str, en: &str) -> Self {
        let m = code.meaning();
        let message = if zh.is_empty() {
            m
        } else {
            Text::new(format!("{}：{zh}", m.zh), format!("{}: {en}", m.en))
        };
        LedgerError {
            code,
            event: event.to_string(),
            entry: entry.to_string(),
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_documented() {
        let doc = include_str!("../../docs/ledger.md");
        for c in LedgerCode::ALL {
            let m = c.meaning();
            assert!(
                doc.contains(&format!("| `{}` | {} | {} |", c.as_str(), m.zh, m.en)),
                "docs/ledger.md lacks the row of {}",
                c.as_str()
            );
        }
    }

    #[test]
    fn messages_carry_the_detail() {
        let e = LedgerError::new(LedgerCode::Blank, "e", "n", "作者", "author");
        assert_eq!(e.message.en, "Must not be blank: author");
        assert!(e.message.zh.ends_with("：作者"));
        let e = LedgerError::new(LedgerCode::Blank, "e", "n", "", "");
        assert_eq!(e.message, LedgerCode::Blank.meaning());
    }
}
