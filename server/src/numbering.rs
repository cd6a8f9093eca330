//! Document numbers (文书编号): one sequence per series (a bureau and a kind of document, or of
//! report) and year, gap-free and unique. Each backend takes the number inside the transaction of
//! the record it numbers (`sqlite/numbering.rs`, `postgres/numbering.rs`: if that transaction
//! rolls back, so does the number); what is written the same way by both is here.

/// `{prefix}〔{year}〕第{n}号`, the way a bureau writes a document number (e.g. `黔市监责改〔2026〕第12号`).
pub fn format_number(prefix: &str, year: i32, n: i64) -> String {
    format!("{prefix}〔{year}〕第{n}号")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_bureaus_way() {
        assert_eq!(format_number("责改", 2026, 3), "责改〔2026〕第3号");
    }
}
