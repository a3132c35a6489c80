//! Properties of `Money`: what parses, how it prints, and that it never
//! panics or rounds on the way.

mod edges;

use edges::edgy;
use proptest::prelude::*;
use rust_decimal::Decimal;
use shared::domain::money::Money;

/// The largest magnitude numeric(14,2) holds, in cents.
const MAX_CENTS: i64 = 99_999_999_999_999;

fn text_of(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_amount_in_range_prints_with_two_decimals_and_parses_back(cents in edgy(-MAX_CENTS..=MAX_CENTS)) {
        let money = Money::parse(&text_of(cents)).unwrap();
        prop_assert_eq!(money.to_string(), text_of(cents).replace("-0.00", "0.00"));
        prop_assert_eq!(Money::parse(&money.to_string()).unwrap(), money);
        prop_assert_eq!(money.decimal(), Decimal::new(cents, 2));
    }

    #[test]
    fn whole_and_one_decimal_forms_mean_the_same_amount(whole in edgy(0..=999_999_999_999), tenth in 0u8..10) {
        let one = Money::parse(&format!("{whole}.{tenth}")).unwrap();
        let two = Money::parse(&format!("{whole}.{tenth}0")).unwrap();
        prop_assert_eq!(one, two);
        prop_assert_eq!(Money::parse(&whole.to_string()).unwrap().decimal(), Decimal::new(whole * 100, 2));
    }

    #[test]
    fn json_numbers_and_strings_read_the_same_and_serialise_as_strings(cents in edgy(-MAX_CENTS..=MAX_CENTS)) {
        let text = text_of(cents);
        let from_number: Money = serde_json::from_str(&text).unwrap();
        let from_string: Money = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        prop_assert_eq!(from_number, from_string);
        let json = serde_json::to_string(&from_number).unwrap();
        prop_assert!(json.starts_with('"') && json.ends_with('"'));
        prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), from_number);
    }

    #[test]
    fn three_or_more_decimals_are_refused(whole in 0u64..1_000_000, fraction in "[0-9]{3,8}") {
        let text = format!("{whole}.{fraction}");
        prop_assert!(Money::parse(&text).is_err());
    }

    #[test]
    fn exponents_are_refused(mantissa in 1u32..100_000, exponent in -30i32..30, e in "[eE]") {
        let text = format!("{mantissa}{e}{exponent}");
        prop_assert!(Money::parse(&text).is_err());
        prop_assert!(serde_json::from_str::<Money>(&text).is_err());
    }

    #[test]
    fn more_than_twelve_whole_digits_are_refused(whole in "[1-9][0-9]{12,20}") {
        prop_assert!(Money::parse(&whole).is_err());
    }

    #[test]
    fn only_amounts_above_zero_are_positive(cents in edgy(-MAX_CENTS..=MAX_CENTS)) {
        prop_assert_eq!(Money::parse_positive(&text_of(cents)).is_ok(), cents > 0);
    }

    #[test]
    fn any_text_either_parses_to_a_two_decimal_amount_or_is_refused(text in "\\PC{0,24}") {
        if let Ok(money) = Money::parse(&text) {
            prop_assert_eq!(money.decimal().scale(), 2);
            prop_assert!(money.decimal().abs() <= Decimal::new(MAX_CENTS, 2));
        }
    }

    #[test]
    fn from_decimal_rounds_to_cents_and_never_grows_the_scale(units in edgy(i64::MIN..=i64::MAX), scale in 0u32..10) {
        let money = Money::from_decimal(Decimal::new(units, scale));
        prop_assert_eq!(money.decimal().scale(), 2);
        prop_assert!((money.decimal() - Decimal::new(units, scale)).abs() <= Decimal::new(5, 3));
    }
}
