//! Spreadsheet files in and out: XLSX (also XLS and ODS) read with calamine, CSV with the csv
//! crate (UTF-8, or GB18030 as Excel saves it on Chinese Windows), XLSX written with
//! rust_xlsxwriter. The core (`paicha::campaign::import`) gets rows of cell texts and does the
//! rest; here only what the file format decides: merged cells are filled with their top-left
//! value (a two-level header's group cell names each column under it), numbers read back as
//! the digits typed (`520102`, not `520102.0`), dates as `YYYY-MM-DD`.

use calamine::{Data, Reader};
use rust_xlsxwriter::{Format, Workbook};
use std::io::{Cursor, Read};

/// Why a file could not be read as a sheet at all, in both languages (the detail a library gives,
/// a reader's own words, is kept as it is in both).
#[derive(Debug)]
pub struct SheetError {
    pub zh: String,
    pub en: String,
}

fn err(zh: impl Into<String>, en: impl Into<String>) -> SheetError {
    SheetError {
        zh: zh.into(),
        en: en.into(),
    }
}

/// A workbook the reader refused, with the reader's reason.
fn unreadable(e: impl std::fmt::Display) -> SheetError {
    err(
        format!("不是可读取的工作簿：{e}"),
        format!("not a readable workbook: {e}"),
    )
}

/// Most cells read from one file (a 200,000-row register of 30 columns is 6 million).
pub const MAX_CELLS: usize = 8_000_000;

/// Most bytes a workbook may unpack to. A zip inflates up to a thousandfold: a 4.2 MB upload of
/// one sheet unpacked to 1 GB of XML and made calamine hold 2 GB for 12 s, before the cell count
/// could be checked. A 50,000-row register is some 45 MB of XML.
pub const MAX_UNZIPPED: u64 = 256 << 20;

/// Refuse a zipped workbook whose parts unpack to more than `MAX_UNZIPPED`, counted by inflating
/// them into nothing (the sizes the zip declares may lie).
fn check_unzipped(bytes: &[u8]) -> Result<(), SheetError> {
    let too_large = || {
        err(
            format!("工作簿解压后超过 {} MiB", MAX_UNZIPPED >> 20),
            format!(
                "the workbook unpacks to more than {} MiB",
                MAX_UNZIPPED >> 20
            ),
        )
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(unreadable)?;
        if part.size() > MAX_UNZIPPED {
            return Err(too_large());
        }
        let left = MAX_UNZIPPED - total;
        let n = std::io::copy(&mut (&mut part).take(left + 1), &mut std::io::sink())
            .map_err(unreadable)?;
        total += n;
        if total > MAX_UNZIPPED {
            return Err(too_large());
        }
    }
    Ok(())
}

fn is_workbook(b: &[u8]) -> bool {
    b.starts_with(b"PK\x03\x04") || b.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

fn text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // A whole number typed into a cell (a division code, a phone number) reads as its digits.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => {
                t.date().format("%Y-%m-%d").to_string()
            }
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::Error(e) => format!("#{e}"),
    }
}

/// The first sheet of a workbook as rows of texts, from the sheet's first row and column (A1).
fn read_workbook(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    if bytes.starts_with(b"PK") {
        check_unzipped(bytes)?;
    }
    let mut wb =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(unreadable)?;
    let name = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| err("工作簿中没有工作表", "the workbook has no sheet"))?;
    let range = wb
        .worksheet_range(&name)
        .map_err(|e| err(format!("工作表 {name}：{e}"), format!("sheet {name}: {e}")))?;
    let merged = match &mut wb {
        calamine::Sheets::Xlsx(x) => x.worksheet_merge_cells(&name).and_then(Result::ok),
        calamine::Sheets::Xls(x) => x.worksheet_merge_cells(&name),
        _ => None,
    }
    .unwrap_or_default();
    let (h, w) = range.get_size();
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let (r0, c0) = (r0 as usize, c0 as usize);
    if (h + r0).saturating_mul(w + c0) > MAX_CELLS {
        return Err(err(
            format!("工作表过大（超过 {MAX_CELLS} 个单元格）"),
            format!("the sheet is too large (over {MAX_CELLS} cells)"),
        ));
    }
    let mut rows: Vec<Vec<String>> = vec![Vec::new(); r0];
    for r in range.rows() {
        let mut row = vec![String::new(); c0];
        row.extend(r.iter().map(text));
        while row.last().is_some_and(String::is_empty) {
            row.pop();
        }
        rows.push(row);
    }
    for m in merged {
        let (top, left) = (m.start.0 as usize, m.start.1 as usize);
        let value = rows
            .get(top)
            .and_then(|r| r.get(left))
            .cloned()
            .unwrap_or_default();
        if value.is_empty() {
            continue;
        }
        for r in top..=(m.end.0 as usize) {
            let Some(row) = rows.get_mut(r) else { break };
            for c in left..=(m.end.1 as usize).min(left + 512) {
                if row.len() <= c {
                    row.resize(c + 1, String::new());
                }
                if let Some(cell) = row.get_mut(c) {
                    if cell.is_empty() {
                        cell.clone_from(&value);
                    }
                }
            }
        }
    }
    Ok(rows)
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let decoded;
    let text: &str = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) => {
            let (t, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                return Err(err(
                    "文件既不是工作簿，也不是 UTF-8 或 GB18030 编码的 CSV",
                    "the file is neither a workbook nor CSV in UTF-8 or GB18030",
                ));
            }
            decoded = t.into_owned();
            &decoded
        }
    };
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut cells = 0usize;
    for rec in rd.records() {
        let rec = rec.map_err(|e| err(format!("CSV：{e}"), format!("CSV: {e}")))?;
        cells += rec.len();
        if cells > MAX_CELLS {
            return Err(err(
                format!("文件过大（超过 {MAX_CELLS} 个单元格）"),
                format!("the file is too large (over {MAX_CELLS} cells)"),
            ));
        }
        rows.push(rec.iter().map(str::to_string).collect());
    }
    Ok(rows)
}

/// Rows of a spreadsheet file: a workbook's first sheet, or CSV.
pub fn read(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    if is_workbook(bytes) {
        // calamine 0.31 takes a cell's shared-string index from the file and indexes with it
        // unchecked (xlsx/cells_reader.rs `&strings[idx]`): a crafted workbook makes it panic
        // (found by the register_import fuzz target: fuzz/regressions/register_import/). Caught
        // here, so such an upload is refused as unreadable like any other broken workbook instead
        // of failing the request. (Nothing is shared across the call but the input bytes.)
        std::panic::catch_unwind(|| read_workbook(bytes)).unwrap_or_else(|_| {
            Err(err(
                "不是可读取的工作簿：文件内部结构损坏",
                "not a readable workbook: its inner structure is broken",
            ))
        })
    } else {
        read_csv(bytes)
    }
}

/// One sheet to write: its name, header, rows, and column widths (characters).
pub struct SheetOut<'a> {
    pub name: &'a str,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub widths: Vec<f64>,
}

/// An XLSX workbook of the sheets given. Every cell is written as text, so codes keep their
/// leading digits and Excel shows no number it would round; the header row is bold and frozen.
pub fn write_xlsx(sheets: &[SheetOut<'_>]) -> Result<Vec<u8>, SheetError> {
    let xlsx = |e: rust_xlsxwriter::XlsxError| err(e.to_string(), e.to_string());
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("DDEBF7");
    let cell = Format::new().set_num_format("@").set_text_wrap();
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(s.name).map_err(xlsx)?;
        for (c, h) in s.header.iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| err("列数过多", "too many columns"))?;
            let width = s.widths.get(usize::from(c)).copied().unwrap_or(14.0);
            ws.set_column_width(c, width).map_err(xlsx)?;
            ws.set_column_format(c, &cell).map_err(xlsx)?;
            ws.write_string_with_format(0, c, h, &head).map_err(xlsx)?;
        }
        ws.set_freeze_panes(1, 0).map_err(xlsx)?;
        for (r, row) in s.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| err("行数过多", "too many rows"))?;
            for (c, v) in row.iter().enumerate() {
                if v.is_empty() {
                    continue;
                }
                let c = u16::try_from(c).map_err(|_| err("列数过多", "too many columns"))?;
                ws.write_string_with_format(r, c, v, &cell).map_err(xlsx)?;
            }
        }
    }
    wb.save_to_buffer().map_err(xlsx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_gb18030_and_utf8_with_bom() {
        let (gbk, _, _) = encoding_rs::GB18030.encode("统一社会信用代码,企业名称\n1,南明\n");
        let rows = read(&gbk).unwrap_or_default();
        assert_eq!(
            rows.first().and_then(|r| r.first()).map(String::as_str),
            Some("统一社会信用代码")
        );
        let rows = read("\u{FEFF}a,\"b,c\"\n".as_bytes()).unwrap_or_default();
        assert_eq!(rows, vec![vec!["a".to_string(), "b,c".to_string()]]);
        assert!(read(&[0x81, 0x20, 0x81, 0x20]).is_err());
    }

    /// A zip bomb: one sheet of a repeated cell that unpacks past 256 MiB (a 2.4 MB file) is
    /// refused before calamine reads it.
    #[test]
    fn a_workbook_that_unpacks_too_far_is_refused() {
        let row = "<row><c t=\"inlineStr\"><is><t>aaaaaaaaaaaaaaaa</t></is></c></row>";
        let n = usize::try_from(MAX_UNZIPPED).unwrap_or(usize::MAX) / row.len() + 10;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let deflate = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let ok = zip.start_file("xl/worksheets/sheet1.xml", deflate).is_ok()
            && (0..n).all(|_| std::io::Write::write_all(&mut zip, row.as_bytes()).is_ok());
        assert!(ok);
        let bytes = zip.finish().map(Cursor::into_inner).unwrap_or_default();
        assert!(bytes.len() < 4 << 20, "{} bytes", bytes.len());
        let err = read(&bytes).err();
        let (zh, en) = err.map(|e| (e.zh, e.en)).unwrap_or_default();
        assert!(en.contains("unpacks to more than 256 MiB"), "{en}");
        assert!(zh.contains("解压后超过 256 MiB"), "{zh}");
    }

    #[test]
    fn written_workbooks_read_back_as_text() {
        let bytes = write_xlsx(&[SheetOut {
            name: "企业名录",
            header: vec!["行政区划代码".into(), "电话".into()],
            rows: vec![vec!["520102".into(), "0851-1".into()]],
            widths: vec![],
        }])
        .unwrap_or_default();
        let rows = read(&bytes).unwrap_or_default();
        assert_eq!(
            rows,
            vec![vec!["行政区划代码", "电话"], vec!["520102", "0851-1"]]
        );
    }
}
