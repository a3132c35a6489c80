//! Properties of `Phone`: every way a Kenyan mobile is written normalises
//! to one form, and nothing else gets through.

use proptest::prelude::*;
use shared::domain::phone::Phone;

/// A national number: 7 or 1 and eight more digits.
fn national() -> impl Strategy<Value = String> {
    ("[71]", "[0-9]{8}").prop_map(|(first, rest)| format!("{first}{rest}"))
}

/// Spaces, dashes or brackets between the digits, as people type them.
fn spaced(digits: &str, gaps: &[u8]) -> String {
    digits
        .chars()
        .zip(gaps.iter().cycle())
        .map(|(c, gap)| match gap % 6 {
            0 => format!("{c} "),
            1 => format!("{c}-"),
            _ => c.to_string(),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_way_of_writing_a_number_normalises_the_same(n in national(), gaps in prop::collection::vec(any::<u8>(), 1..12)) {
        let expected = format!("+254{n}");
        for written in [format!("0{n}"), n.clone(), format!("254{n}"), format!("+254{n}"), format!("+254 {}", spaced(&n, &gaps)), spaced(&format!("0{n}"), &gaps)] {
            let phone = Phone::parse(&written).unwrap();
            prop_assert_eq!(phone.as_str(), expected.as_str(), "{:?}", written);
            prop_assert_eq!(phone.mpesa(), &expected[1..]);
        }
    }

    #[test]
    fn normalising_twice_changes_nothing(n in national()) {
        let once = Phone::parse(&format!("0{n}")).unwrap();
        prop_assert_eq!(Phone::parse(once.as_str()).unwrap(), once);
    }

    #[test]
    fn other_leading_digits_and_lengths_are_refused(first in "[02-689]", rest in "[0-9]{8}", short in "[71][0-9]{0,7}", long in "[71][0-9]{9,12}") {
        let wrong_prefix = format!("0{first}{rest}");
        prop_assert!(Phone::parse(&wrong_prefix).is_err());
        let short_number = format!("0{short}");
        prop_assert!(Phone::parse(&short_number).is_err());
        let long_number = format!("+254{long}");
        prop_assert!(Phone::parse(&long_number).is_err());
    }

    #[test]
    fn any_text_is_refused_or_comes_out_in_the_one_form(text in "\\PC{0,20}") {
        if let Ok(phone) = Phone::parse(&text) {
            let s = phone.as_str();
            prop_assert!(s.len() == 13 && s.starts_with("+254"), "{}", s);
            prop_assert!(matches!(s.as_bytes()[4], b'7' | b'1'));
            prop_assert!(s[1..].bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
