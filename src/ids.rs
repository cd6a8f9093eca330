//! Identifier checks: the client-made record id (UUID), the Unified Social Credit Code
//! (GB 32100-2015) and the administrative division code (GB/T 2260).
//!
//! Written by hand: each is a few lines of arithmetic, and the crates that do them (uuid) would add
//! code to the WASM build for one format check.

/// A content id: a SHA-256 digest as 64 **lowercase** hex digits, the one form attachment
/// references, uploads (`/api/v1/attachments/{sha256}`) and ledger evidence use. Uppercase is
/// refused rather than folded: a reference the server cannot match to its upload would leave the
/// photo unattached while the report says the answer is valid.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The 31 characters a USCC may use (GB 32100-2015 table 1): digits and capitals without I O S V Z.
const USCC_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1-17 (3^(i-1) mod 31).
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a USCC is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsccError {
    /// Not 18 characters from the USCC character set.
    Format,
    /// Positions 3-8 are not a plausible administrative division code.
    Region,
    /// The 18th character does not match the check character computed from the first 17.
    CheckCharacter { expected: char },
}

fn uscc_value(c: u8) -> Option<u32> {
    USCC_CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// Check a Unified Social Credit Code: 18 characters of the USCC set, a region code in positions
/// 3-8, and the check character of GB 32100-2015 (weighted sum mod 31).
pub fn check_uscc(code: &str) -> Result<(), UsccError> {
    let bytes = code.as_bytes();
    if bytes.len() != 18 {
        return Err(UsccError::Format);
    }
    let mut sum = 0u32;
    let mut last = 0u32;
    for (i, &b) in bytes.iter().enumerate() {
        let v = uscc_value(b).ok_or(UsccError::Format)?;
        match USCC_WEIGHTS.get(i) {
            Some(w) => sum += v * w,
            None => last = v,
        }
    }
    let region = code.get(2..8).ok_or(UsccError::Format)?;
    if check_region_prefix(region).is_err() {
        return Err(UsccError::Region);
    }
    let expected = (31 - sum % 31) % 31;
    if expected != last {
        let c = USCC_CHARSET
            .get(expected as usize)
            .map_or('?', |&b| b as char);
        return Err(UsccError::CheckCharacter { expected: c });
    }
    Ok(())
}

/// A USCC completed with its check character, from its first 17 characters (for generators
/// and tests); `None` if they are not of the USCC character set.
pub fn with_check_character(first17: &str) -> Option<String> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (b, w) in first17.bytes().zip(USCC_WEIGHTS) {
        sum += uscc_value(b)? * w;
    }
    let c = *USCC_CHARSET.get(((31 - sum % 31) % 31) as usize)?;
    Some(format!("{first17}{}", c as char))
}

/// Why an administrative division code is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionError {
    /// Not six ASCII digits.
    Format,
    /// The first two digits are not a province-level code of GB/T 2260.
    Province,
    /// Well formed, but not a code of the GB/T 2260 list in use (a mistyped or abolished county).
    Unknown,
}

/// Province-level codes of GB/T 2260 (the mainland's 31, Taiwan, Hong Kong, Macao).
const PROVINCES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

/// Check a six-digit administrative division code: digits, a province prefix that exists, and,
/// when a GB/T 2260 list is in use (`divisions::current()`: natively the embedded one, in WASM the
/// one the page installs), that the code is in it, so a mistyped county is caught on the phone as
/// on the server. Without a list (a WASM page that has not installed it yet) the province check
/// is all there is.
pub fn check_region(code: &str) -> Result<(), RegionError> {
    check_region_prefix(code)?;
    match crate::divisions::current() {
        Some(list) if !list.is_empty() && !list.contains(code) => Err(RegionError::Unknown),
        _ => Ok(()),
    }
}

/// Digits and a province prefix that exists: the check of the registration authority's code
/// inside a USCC, which may be one of a division abolished since the code was issued.
pub fn check_region_prefix(code: &str) -> Result<(), RegionError> {
    let b = code.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return Err(RegionError::Format);
    }
    let province = match (b.first(), b.get(1)) {
        (Some(a), Some(c)) => (a - b'0') * 10 + (c - b'0'),
        _ => return Err(RegionError::Format),
    };
    if PROVINCES.contains(&province) {
        Ok(())
    } else {
        Err(RegionError::Province)
    }
}

/// Whether `s` is a UUID in its canonical text form (8-4-4-4-12 hex digits, any version):
/// the id a client makes when it creates a record.
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uscc_check_character() {
        assert_eq!(check_uscc("91520102MA6DK4L2XN"), Ok(()));
        assert_eq!(check_uscc("91350100M000100Y43"), Ok(()));
        assert_eq!(
            check_uscc("91520102MA6DK4L2XA"),
            Err(UsccError::CheckCharacter { expected: 'N' })
        );
        assert_eq!(check_uscc("91520102MA6DK4L2X"), Err(UsccError::Format));
        assert_eq!(check_uscc("91520102MA6DK4L2XI"), Err(UsccError::Format));
        assert_eq!(check_uscc("91520102ma6dk4l2xn"), Err(UsccError::Format));
        assert_eq!(check_uscc("九1520102MA6DK4L2X"), Err(UsccError::Format));
        assert_eq!(check_uscc("91990102MA6DK4L2XN"), Err(UsccError::Region));
        assert_eq!(
            with_check_character("91520102MA6DK4L2X").as_deref(),
            Some("91520102MA6DK4L2XN")
        );
        assert_eq!(with_check_character("91520102MA6DK4L2I"), None);
    }

    #[test]
    fn region_codes() {
        assert_eq!(check_region("520102"), Ok(()));
        assert_eq!(check_region("110000"), Ok(()));
        assert_eq!(check_region("52010"), Err(RegionError::Format));
        assert_eq!(check_region("52010a"), Err(RegionError::Format));
        assert_eq!(check_region("990102"), Err(RegionError::Province));
        assert_eq!(check_region("000000"), Err(RegionError::Province));
        // Natively the GB/T 2260 list is in use: a well-formed county that does not exist is
        // caught (南明区 is 520102; there is no 520199), and the USCC keeps the prefix check
        // (its registration authority may be a division abolished since).
        assert_eq!(check_region("520199"), Err(RegionError::Unknown));
        assert_eq!(check_region("520100"), Ok(()));
        assert_eq!(check_region("520000"), Ok(()));
        assert_eq!(check_region_prefix("520199"), Ok(()));
        assert_eq!(
            with_check_character("91520199MA6DK4L2X")
                .as_deref()
                .map(check_uscc),
            Some(Ok(()))
        );
    }

    #[test]
    fn uuids() {
        assert!(is_uuid("6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a10"));
        assert!(is_uuid("6F1C2A9E-3B7D-4C1E-9A55-0D2F6B8E4A10"));
        assert!(!is_uuid("6f1c2a9e3b7d4c1e9a550d2f6b8e4a10"));
        assert!(!is_uuid("6f1c2a9e-3b7d-4c1e-9a55-0d2f6b8e4a1g"));
        assert!(!is_uuid(""));
    }
}
