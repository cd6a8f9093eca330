//! Errors as data: `{path, code, message: {zh, en}}`, with stable codes.
//!
//! Every code is listed in `docs/codes.md` (a test keeps the two in step). Portals branch on the code;
//! the message is for people.

use crate::text::Text;
use serde::Serialize;

macro_rules! codes {
    ($($variant:ident => $name:literal, $zh:literal, $en:literal;)*) => {
        /// A stable error code. The string form (`as_str`) is the public contract.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $($variant),* }

        impl Code {
            /// Every code, for documentation checks.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name),* }
            }

            /// The general meaning of the code; an issue's message may be more specific.
            pub fn meaning(self) -> Text {
                match self { $(Code::$variant => Text::new($zh, $en)),* }
            }
        }
    };
}

codes! {
    // Input that is not a submission at all.
    InvalidJson => "invalid_json", "不是有效的 JSON", "Not valid JSON";
    TooLarge => "too_large", "输入过大", "Input too large";
    // Shape of the submission.
    MissingField => "missing_field", "缺少必需字段", "A required field is missing";
    UnknownField => "unknown_field", "未知字段", "Unknown field";
    WrongType => "wrong_type", "类型错误", "Wrong type";
    InvalidId => "invalid_id", "记录编号不是 UUID", "The record id is not a UUID";
    UnknownProduct => "unknown_product", "未知产品", "Unknown product";
    UnknownVersion => "unknown_version", "未知的检查表版本", "Unknown checklist version";
    InvalidForm => "invalid_form", "表单类型无效（应为 self_inspection 或 onsite_inspection）", "Invalid form (expected self_inspection or onsite_inspection)";
    InvalidLink => "invalid_link", "环节无效（应为 production 或 sales）", "Invalid link (expected production or sales)";
    NotOffered => "not_offered", "该产品没有此表单或环节的检查表", "This product has no checklist for this form or link";
    InvalidDatetime => "invalid_datetime", "时间须为带时区的 RFC 3339 格式，且须真实存在", "The time must be an existing RFC 3339 date-time with an offset";
    FutureDatetime => "future_datetime", "检查时间晚于当前时间", "The inspection time is in the future";
    InvalidUscc => "invalid_uscc", "统一社会信用代码格式错误（18 位，GB 32100-2015）", "The Unified Social Credit Code is malformed (18 characters, GB 32100-2015)";
    UsccCheck => "uscc_check", "统一社会信用代码校验位错误", "The Unified Social Credit Code's check character is wrong";
    InvalidRegion => "invalid_region", "行政区划代码错误（6 位数字，GB/T 2260）", "The administrative division code is invalid (six digits, GB/T 2260)";
    Blank => "blank", "不能为空", "Must not be blank";
    TooLong => "too_long", "内容过长", "Too long";
    // Answers.
    UnknownItem => "unknown_item", "检查表中没有此项", "No such item in the checklist";
    NotApplicable => "not_applicable", "此项不属于该表单或环节", "This item is not part of this form or link";
    Required => "required", "此项必填", "This item is required";
    InvalidChoice => "invalid_choice", "不是可选的选项", "Not one of the choices";
    InvalidDate => "invalid_date", "日期无效（YYYY-MM-DD，须真实存在）", "Invalid date (YYYY-MM-DD, must exist)";
    NotInteger => "not_integer", "须为整数", "Must be a whole number";
    OutOfRange => "out_of_range", "数值超出合理范围", "The number is outside the plausible range";
    Constraint => "constraint", "输入值不合理", "The entry is not plausible";
    TooMany => "too_many", "条目过多", "Too many entries";
    InvalidAttachment => "invalid_attachment", "附件引用无效（sha256 应为 64 位小写十六进制）", "Invalid attachment reference (sha256: 64 lowercase hex digits)";
    InvalidGeo => "invalid_geo", "位置无效（纬度 -90~90，经度 -180~180）", "Invalid position (latitude -90..90, longitude -180..180)";
    // Templates (load time).
    TemplateJson => "template_json", "检查表模板不是有效的 JSON 或结构错误", "The template is not valid JSON or has the wrong structure";
    TemplateFormat => "template_format", "不支持的模板格式版本", "Unsupported template format version";
    InvalidKey => "invalid_key", "项目键名须为小写字母、数字、下划线并以点分隔", "Item keys must be snake_case words separated by dots";
    DuplicateKey => "duplicate_key", "重复的键名", "Duplicate key";
    UnknownSection => "unknown_section", "未知的章节", "Unknown section";
    UnknownStandard => "unknown_standard", "未知的标准", "Unknown standard";
    UnknownInclude => "unknown_include", "未知的公共章节片段", "Unknown shared fragment";
    BadTable => "bad_table", "查找表结构错误", "Malformed lookup table";
    BadItem => "bad_item", "项目定义错误", "Malformed item definition";
    Expression => "expression", "表达式错误", "Expression error";
    Cycle => "cycle", "显示条件存在循环依赖", "The relevance conditions depend on each other in a cycle";
    // The enterprise register and its spreadsheet import.
    NoHeader => "no_header", "找不到表头行（须有“统一社会信用代码”列）", "No header row found (a column 统一社会信用代码 is needed)";
    MissingColumn => "missing_column", "缺少必需的列", "A required column is missing";
    DuplicateUscc => "duplicate_uscc", "统一社会信用代码重复", "The Unified Social Credit Code appears twice";
    Duplicate => "duplicate", "重复的条目", "Duplicate entry";
    InvalidPhone => "invalid_phone", "电话号码无效", "Invalid phone number";
    DateOrder => "date_order", "有效期起始日期晚于截止日期", "The validity starts after it ends";
    OutsideScope => "outside_scope", "不在您负责的地区或企业范围内", "Outside the regions or enterprise you are responsible for";
}

/// One error: where (a JSON Pointer), what (a stable code) and a message in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub path: String,
    #[serde(serialize_with = "ser_code")]
    pub code: Code,
    pub message: Text,
}

fn ser_code<S: serde::Serializer>(c: &Code, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(c.as_str())
}

impl Issue {
    /// An issue whose message is the code's general meaning.
    pub fn new(path: impl Into<String>, code: Code) -> Self {
        Issue {
            path: path.into(),
            code,
            message: code.meaning(),
        }
    }

    /// An issue with the general meaning followed by a specific detail in each language.
    pub fn detail(path: impl Into<String>, code: Code, zh: &str, en: &str) -> Self {
        let m = code.meaning();
        Issue {
            path: path.into(),
            code,
            message: Text::new(format!("{}：{zh}", m.zh), format!("{}: {en}", m.en)),
        }
    }

    /// An issue with a message written for the case (e.g. a template's constraint message).
    pub fn with_message(path: impl Into<String>, code: Code, message: Text) -> Self {
        Issue {
            path: path.into(),
            code,
            message,
        }
    }
}

/// Append one reference token to a JSON Pointer (RFC 6901: `~` becomes `~0`, `/` becomes `~1`).
pub fn pointer(base: &str, token: &str) -> String {
    let mut s = String::with_capacity(base.len() + token.len() + 1);
    s.push_str(base);
    s.push('/');
    for c in token.chars() {
        match c {
            '~' => s.push_str("~0"),
            '/' => s.push_str("~1"),
            c => s.push(c),
        }
    }
    s
}

/// Where an answer sits. Turned into a JSON Pointer only when an issue is reported there: building
/// a path string for every answer checked was a third of the time of a whole check.
#[derive(Clone, Copy)]
pub(crate) enum Loc<'a> {
    /// `/answers/<key>`
    Answer(&'a str),
    /// `/answers/<group>/<instance>/<key>`
    Child(&'a str, usize, &'a str),
    /// An element of an array answer.
    Elem(&'a Loc<'a>, usize),
}

impl std::fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Loc::Answer(k) => f.write_str(&pointer("/answers", k)),
            Loc::Child(g, i, k) => {
                f.write_str(&pointer(&format!("{}/{i}", pointer("/answers", g)), k))
            }
            Loc::Elem(parent, i) => write!(f, "{parent}/{i}"),
        }
    }
}

impl From<&Loc<'_>> for String {
    fn from(l: &Loc<'_>) -> String {
        l.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_become_pointers() {
        let a = Loc::Answer("ebike.samples");
        assert_eq!(a.to_string(), "/answers/ebike.samples");
        assert_eq!(Loc::Elem(&a, 2).to_string(), "/answers/ebike.samples/2");
        assert_eq!(Loc::Child("g", 1, "a/b").to_string(), "/answers/g/1/a~1b");
    }

    #[test]
    fn pointer_escapes() {
        assert_eq!(pointer("/answers", "a/b~c"), "/answers/a~1b~0c");
        assert_eq!(pointer("", "id"), "/id");
    }

    #[test]
    fn every_code_is_documented() {
        let doc = include_str!("../docs/codes.md");
        for c in Code::ALL {
            assert!(
                doc.contains(&format!("`{}`", c.as_str())),
                "docs/codes.md lacks {}",
                c.as_str()
            );
        }
    }

    #[test]
    fn codes_are_unique_and_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {}", c.as_str());
            assert!(c
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
    }
}
