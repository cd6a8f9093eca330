//! The register's spreadsheet columns: the Chinese headers of the template (and of the export),
//! the other names bureaus give them, and finding the header in a sheet as bureaus lay it out (a
//! title row above, a two-level header with merged group cells such as 联系人 over 姓名 / 电话).

/// A group of certificate columns: one kind per group, several certificates one per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Licence,
    Ccc,
    Other,
}

/// A field of a certificate group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Kind,
    Number,
    Scope,
    From,
    Until,
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Seq,
    Uscc,
    Name,
    Region,
    Address,
    LegalRep,
    ContactName,
    ContactPhone,
    Scale,
    Produces,
    Sells,
    Flags,
    Cert(Group, Field),
}

const SIMPLE: &[(Col, &[&str])] = &[
    (Col::Seq, &["序号"]),
    (
        Col::Uscc,
        &["统一社会信用代码", "社会信用代码", "信用代码", "统一代码"],
    ),
    (Col::Name, &["企业名称", "单位名称", "名称", "企业"]),
    (
        Col::Region,
        &[
            "行政区划代码",
            "区划代码",
            "所属区划代码",
            "所在地行政区划代码",
            "属地区划代码",
            "所属区划",
        ],
    ),
    (
        Col::Address,
        &[
            "地址",
            "企业地址",
            "住所",
            "经营地址",
            "生产经营地址",
            "注册地址",
        ],
    ),
    (
        Col::LegalRep,
        &["法定代表人", "法人代表", "法定代表人姓名", "负责人"],
    ),
    (Col::ContactName, &["联系人", "联系人姓名"]),
    (
        Col::ContactPhone,
        &["联系电话", "联系人电话", "电话", "手机", "联系方式"],
    ),
    (Col::Scale, &["企业规模", "规模"]),
    (Col::Produces, &["生产产品", "生产的产品", "生产产品名称"]),
    (
        Col::Sells,
        &["销售产品", "销售的产品", "经营产品", "销售产品名称"],
    ),
    (Col::Flags, &["重点对象", "重点对象类型", "重点对象标记"]),
];

const GROUPS: &[(Group, &[&str])] = &[
    (
        Group::Licence,
        &["生产许可证", "工业产品生产许可证", "许可证"],
    ),
    (
        Group::Ccc,
        &[
            "CCC证书",
            "CCC认证证书",
            "3C证书",
            "CCC",
            "强制性产品认证证书",
            "强制性产品认证",
        ],
    ),
    (Group::Other, &["其他证照", "其他许可证", "其他证书"]),
];

const FIELDS: &[(Field, &[&str])] = &[
    (Field::Kind, &["类型", "种类", "名称"]),
    (Field::Number, &["编号", "证书编号", "证号"]),
    (Field::Scope, &["范围", "许可范围", "认证范围", "产品范围"]),
    (
        Field::From,
        &["有效期起", "发证日期", "有效期自", "起始日期"],
    ),
    (
        Field::Until,
        &[
            "有效期至",
            "有效期止",
            "到期日期",
            "有效期截止",
            "截止日期",
            "有效期",
        ],
    ),
];

/// The template's header for a column (also the export's).
pub fn header(c: Col) -> String {
    match c {
        Col::Cert(g, f) => {
            let g = GROUPS
                .iter()
                .find(|(x, _)| *x == g)
                .and_then(|(_, n)| n.first());
            let f = FIELDS
                .iter()
                .find(|(x, _)| *x == f)
                .and_then(|(_, n)| n.first());
            format!("{}{}", g.unwrap_or(&""), f.unwrap_or(&""))
        }
        c => SIMPLE
            .iter()
            .find(|(x, _)| *x == c)
            .and_then(|(_, n)| n.first())
            .map_or_else(String::new, |s| s.to_string()),
    }
}

/// The template's columns in order.
pub fn template_columns() -> Vec<Col> {
    let mut v = vec![
        Col::Seq,
        Col::Uscc,
        Col::Name,
        Col::Region,
        Col::Address,
        Col::LegalRep,
        Col::ContactName,
        Col::ContactPhone,
        Col::Scale,
        Col::Produces,
        Col::Sells,
        Col::Flags,
    ];
    for g in [Group::Licence, Group::Ccc, Group::Other] {
        if g == Group::Other {
            v.push(Col::Cert(g, Field::Kind));
        }
        for f in [Field::Number, Field::Scope, Field::From, Field::Until] {
            v.push(Col::Cert(g, f));
        }
    }
    v
}

/// How to fill each template column (for the template's instructions sheet): header, required,
/// what to write.
pub fn instructions() -> Vec<(String, bool, &'static str)> {
    template_columns()
        .into_iter()
        .map(|c| {
            let (req, how) = match c {
                Col::Seq => (false, "可留空，导入时不读取"),
                Col::Uscc => (true, "18 位统一社会信用代码（GB 32100-2015），含校验位"),
                Col::Name => (true, "营业执照上的企业名称"),
                Col::Region => (true, "县级行政区划代码（6 位，如 520102），由该县（区）局负责"),
                Col::Address => (false, "生产或经营地址"),
                Col::LegalRep | Col::ContactName => (false, "姓名"),
                Col::ContactPhone => (false, "固定电话或手机，如 0851-12345678"),
                Col::Scale => (false, "大型、中型、小型或微型"),
                Col::Produces => (
                    false,
                    "生产的重点产品，写产品名称（见“产品目录”），多个用顿号分隔；生产、销售至少填一项",
                ),
                Col::Sells => (false, "销售的重点产品，写法同上"),
                Col::Flags => (
                    false,
                    "产业集聚区、农村和城乡结合部、投诉举报集中、多次抽查发现问题、曾有重大隐患，多个用顿号分隔",
                ),
                Col::Cert(Group::Other, Field::Kind) => (
                    false,
                    "危险化学品经营许可证、危险化学品安全生产许可证、气瓶充装许可证、烟花爆竹经营许可证、成品油零售经营批准证书或其他",
                ),
                Col::Cert(_, Field::Number) => (false, "证书编号；同类多张证书每张一行（单元格内换行），各列按行对应"),
                Col::Cert(_, Field::Scope) => (false, "证书覆盖的产品或范围"),
                Col::Cert(_, _) => (false, "日期 YYYY-MM-DD；长期有效可留空"),
            };
            (header(c), req, how)
        })
        .collect()
}

/// A header as compared: no spaces, line breaks, required-markers or remarks in brackets;
/// full-width letters and digits made ASCII; Latin letters upper case.
pub fn normalize_label(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in super::import::halfwidth(s).chars() {
        match c {
            '(' | '（' | '【' | '[' => depth += 1,
            ')' | '）' | '】' | ']' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_whitespace() || c == '*' || c == '★' || c == ':' || c == '：' => {}
            c => out.extend(c.to_uppercase()),
        }
    }
    out
}

/// The column a (normalized) header names.
pub fn recognize(label: &str) -> Option<Col> {
    if let Some((c, _)) = SIMPLE.iter().find(|(_, names)| names.contains(&label)) {
        return Some(*c);
    }
    for (g, gnames) in GROUPS {
        for gn in *gnames {
            let Some(rest) = label.strip_prefix(gn) else {
                continue;
            };
            for (f, fnames) in FIELDS {
                if (*f != Field::Kind || *g == Group::Other) && fnames.contains(&rest) {
                    return Some(Col::Cert(*g, *f));
                }
            }
        }
    }
    None
}

/// The spreadsheet name of a column (`A`, ..., `Z`, `AA`, ...).
pub fn letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Where the header is: its first row (0-based), how many rows it takes (1 or 2), and the label
/// of each column (`联系人` over `电话` becomes `联系人电话`). Looked for in the first 20 rows: the
/// first with a USCC column. Merged cells are expected filled with their value by the reader;
/// a group cell left empty takes the group to its left (a reader that does not fill merges).
pub fn find_header(rows: &[Vec<String>]) -> Option<(usize, usize, Vec<String>)> {
    let is_uscc = |s: &String| recognize(&normalize_label(s)) == Some(Col::Uscc);
    let h = rows.iter().take(20).position(|r| r.iter().any(is_uscc))?;
    let top = rows.get(h)?;
    let uscc_col = top.iter().position(is_uscc)?;
    let sub = rows.get(h + 1);
    // A second header row: the USCC column holds nothing of its own there (merged down, or empty),
    // and some other column carries a sub-header that, under its group, names a known column.
    let two = sub.is_some_and(|s| {
        let own = s.get(uscc_col).map_or("", |v| v.trim());
        let top_v = top.get(uscc_col).map_or("", |v| v.trim());
        let mut group = "";
        let mut names_one = false;
        for (i, v) in s.iter().enumerate() {
            let t = top.get(i).map_or("", |t| t.trim());
            if !t.is_empty() {
                group = t;
            }
            let v = v.trim();
            if !v.is_empty()
                && v != t
                && recognize(&normalize_label(&format!("{group}{v}"))).is_some()
            {
                names_one = true;
            }
        }
        (own.is_empty() || own == top_v) && names_one
    });
    let width = top.len().max(sub.map_or(0, Vec::len));
    let mut labels = Vec::with_capacity(width);
    let mut group = String::new();
    for i in 0..width {
        let t = top.get(i).map_or("", |v| v.trim());
        let s = if two {
            sub.and_then(|r| r.get(i)).map_or("", |v| v.trim())
        } else {
            ""
        };
        if !t.is_empty() {
            group = t.to_string();
        }
        let label = if s.is_empty() || s == t {
            t.to_string()
        } else if t.is_empty() {
            format!("{group}{s}")
        } else {
            format!("{t}{s}")
        };
        labels.push(label);
    }
    Some((h, if two { 2 } else { 1 }, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn template_headers_are_recognized_as_themselves() {
        for c in template_columns() {
            assert_eq!(recognize(&normalize_label(&header(c))), Some(c), "{c:?}");
        }
    }

    #[test]
    fn other_names_and_markers() {
        assert_eq!(
            recognize(&normalize_label("*统一社会信用代码")),
            Some(Col::Uscc)
        );
        assert_eq!(
            recognize(&normalize_label("企业（单位）名称\n(必填)")),
            Some(Col::Name)
        );
        assert_eq!(
            recognize(&normalize_label("ｃｃｃ证书 有效期止")),
            Some(Col::Cert(Group::Ccc, Field::Until))
        );
        assert_eq!(recognize("生产许可证类型"), None);
        assert_eq!(recognize("备注"), None);
    }

    #[test]
    fn two_level_headers_with_merged_cells() {
        let rows = vec![
            row(&["某县重点工业产品企业名录", "", "", ""]),
            row(&["统一社会信用代码", "企业名称", "联系人", ""]),
            row(&["统一社会信用代码", "企业名称", "姓名", "电话"]),
            row(&["91520102MA6DK4L2XN", "x", "y", "z"]),
        ];
        let (h, n, labels) = find_header(&rows).unwrap_or_default();
        assert_eq!((h, n), (1, 2));
        assert_eq!(
            labels,
            ["统一社会信用代码", "企业名称", "联系人姓名", "联系人电话"]
        );
        // A flat header: the next row is data.
        let flat = vec![row(&["统一社会信用代码", "企业名称"]), row(&["", "x"])];
        assert_eq!(find_header(&flat).map(|(h, n, _)| (h, n)), Some((0, 1)));
    }

    #[test]
    fn letters() {
        assert_eq!(letter(0), "A");
        assert_eq!(letter(25), "Z");
        assert_eq!(letter(26), "AA");
        assert_eq!(letter(27), "AB");
        assert_eq!(letter(701), "ZZ");
        assert_eq!(letter(702), "AAA");
    }
}
