//! Lookalike identifiers: whatever invisible or compatibility characters a
//! copy-paste brings in, two references that read the same on a screen have
//! one form, so they meet the same unique key; and what is accepted never
//! holds such a character.

use proptest::prelude::*;
use shared::domain::{phone::Phone, student::admission_no, text};

/// Characters that print as nothing: zero-width space, non-joiner and
/// joiner, word joiner, BOM, soft hyphen, a variation selector, a tag
/// character, invisible operators. (Direction marks and overrides are
/// refused, not dropped: adversarial_input tests those.)
const INVISIBLE: &[char] = &[
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{2060}',
    '\u{FEFF}',
    '\u{00AD}',
    '\u{FE0F}',
    '\u{E0041}',
    '\u{180E}',
    '\u{2063}',
];

/// An M-Pesa-like code; edges included (one character, the longest).
fn code() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("A".to_string()),
        Just("Q".repeat(64)),
        "[A-Z0-9]{10}",
        "[A-Z0-9]{1,64}",
    ]
}

/// `base` with invisible characters put in (at the edges too) and some
/// letters in their full-width form.
fn disguised(base: &str, noise: &[(u8, u8)]) -> String {
    let mut out = String::new();
    for (i, c) in base.chars().enumerate() {
        let (at, pick) = noise[i % noise.len()];
        if at % 3 == 0 {
            out.push(INVISIBLE[pick as usize % INVISIBLE.len()]);
        }
        if at % 5 == 1 && c.is_ascii_alphanumeric() {
            // U+FF01.. mirrors ASCII 0x21..: full-width forms.
            out.push(char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap());
        } else {
            out.push(c);
        }
    }
    let (_, last) = noise[0];
    out.push(INVISIBLE[last as usize % INVISIBLE.len()]);
    out
}

fn has_invisible(s: &str) -> bool {
    s.chars()
        .any(|c| INVISIBLE.contains(&c) || (c as u32) >= 0xFF01 && (c as u32) <= 0xFF5E)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn references_that_read_the_same_have_one_form(
        base in code(),
        noise in prop::collection::vec((any::<u8>(), any::<u8>()), 1..16),
    ) {
        let plain = text::reference("txn_ref", Some(&base), 64).unwrap();
        let lookalike = text::reference("txn_ref", Some(&disguised(&base, &noise)), 64).unwrap();
        prop_assert_eq!(&plain, &lookalike);
        prop_assert!(!has_invisible(lookalike.as_deref().unwrap_or_default()));
    }

    #[test]
    fn admission_numbers_that_read_the_same_are_one_number(
        base in "[A-Z0-9]{1,8}(-[0-9]{1,6})?",
        noise in prop::collection::vec((any::<u8>(), any::<u8>()), 1..16),
    ) {
        let lookalike = disguised(&base, &noise);
        prop_assert_eq!(admission_no(&base).unwrap(), admission_no(&lookalike.to_lowercase()).unwrap());
    }

    #[test]
    fn emails_that_read_the_same_are_one_address(
        local in "[a-z0-9]{1,12}",
        domain in "[a-z]{1,10}\\.(ke|com|ac\\.ke)",
        noise in prop::collection::vec((any::<u8>(), any::<u8>()), 1..16),
    ) {
        let plain = format!("{local}@{domain}");
        let lookalike = disguised(&plain, &noise);
        prop_assert_eq!(text::email(&plain).unwrap(), text::email(&lookalike).unwrap());
    }

    #[test]
    fn phones_that_read_the_same_are_one_number(
        national in "7[0-9]{8}",
        noise in prop::collection::vec((any::<u8>(), any::<u8>()), 1..16),
    ) {
        let plain = format!("0{national}");
        prop_assert_eq!(Phone::parse(&plain).unwrap(), Phone::parse(&disguised(&plain, &noise)).unwrap());
    }
}
