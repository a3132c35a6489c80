//! KES amounts: two decimals, never a float. Parsed from JSON numbers or
//! strings by their exact text, written back as strings ("10000.00").

use std::{fmt, str::FromStr};

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// numeric(14,2): twelve digits before the point.
const MAX_WHOLE_DIGITS: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, sqlx::Type)]
#[sqlx(transparent)]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Accepts `1500`, `1500.5`, `1500.50`, `-3.00`; refuses exponents,
    /// thousands separators, more than two decimals and more than twelve
    /// whole digits.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = || {
            Error::invalid(
                "invalid_amount",
                format!(
                    "{text:?} is not an amount: use digits with at most two decimals, like \"10000.00\""
                ),
            )
        };
        let digits = text.strip_prefix('-').unwrap_or(text);
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(invalid());
        }
        if digits.contains('.') && fraction.is_empty() {
            return Err(invalid());
        }
        if fraction.len() > 2 {
            return Err(Error::invalid(
                "invalid_amount",
                format!("{text:?} has more than two decimals"),
            ));
        }
        if whole.trim_start_matches('0').len() > MAX_WHOLE_DIGITS {
            return Err(Error::invalid(
                "invalid_amount",
                format!("{text:?} is too large"),
            ));
        }
        let mut value = Decimal::from_str(text).map_err(|_| invalid())?;
        value.rescale(2);
        Ok(Self(value))
    }

    /// A positive amount, as a payment must be.
    pub fn parse_positive(text: &str) -> Result<Self> {
        let money = Self::parse(text)?;
        if money.0 <= Decimal::ZERO {
            return Err(Error::invalid(
                "invalid_amount",
                "amount must be greater than zero",
            ));
        }
        Ok(money)
    }

    pub fn from_decimal(value: Decimal) -> Self {
        let mut value = value.round_dp(2);
        value.rescale(2);
        Self(value)
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }

    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// For people: "KES 10,000.50", "KES -200.00".
    pub fn kes(self) -> String {
        let plain = self.to_string();
        let (sign, digits) = match plain.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", plain.as_str()),
        };
        let (whole, cents) = digits.split_once('.').unwrap_or((digits, "00"));
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        format!("KES {sign}{grouped}.{cents}")
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut value = self.0;
        value.rescale(2);
        write!(f, "{value}")
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A JSON number is read by its exact text (serde_json's arbitrary
/// precision), so `0.1` stays 0.1 and `1e30` is refused, not rounded.
impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            _ => {
                return Err(serde::de::Error::custom(
                    "amount must be a number or a string like \"10000.00\"",
                ));
            }
        };
        Money::parse(text.trim()).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$"))
            .description(Some(
                "KES amount as a string with two decimals; a JSON number is also accepted on input",
            ))
            .examples(["10000.00"])
            .into()
    }
}

impl utoipa::ToSchema for Money {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_for_people_group_thousands() {
        let kes = |text: &str| Money::parse(text).unwrap().kes();
        assert_eq!(kes("0"), "KES 0.00");
        assert_eq!(kes("999.5"), "KES 999.50");
        assert_eq!(kes("1000"), "KES 1,000.00");
        assert_eq!(kes("10000.5"), "KES 10,000.50");
        assert_eq!(kes("1234567.89"), "KES 1,234,567.89");
        assert_eq!(kes("-200"), "KES -200.00");
        assert_eq!(kes("-123456"), "KES -123,456.00");
    }

    #[test]
    fn whole_and_decimal_amounts_parse_to_two_places() {
        assert_eq!(Money::parse("10000").unwrap().to_string(), "10000.00");
        assert_eq!(Money::parse("10000.5").unwrap().to_string(), "10000.50");
        assert_eq!(Money::parse("0.10").unwrap().to_string(), "0.10");
    }

    #[test]
    fn three_decimals_exponents_and_separators_are_refused() {
        for bad in [
            "1.005", "1e3", "1E3", "10,000", "", ".5", "5.", "abc", "NaN", "inf", "+5", " 5",
        ] {
            assert!(Money::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn amounts_beyond_numeric_14_2_are_refused() {
        assert!(Money::parse("999999999999.99").is_ok());
        assert!(Money::parse("1000000000000").is_err());
    }

    #[test]
    fn zero_and_negative_are_not_positive() {
        assert!(Money::parse_positive("0").is_err());
        assert!(Money::parse_positive("-5").is_err());
        assert!(Money::parse_positive("0.01").is_ok());
    }

    #[test]
    fn json_numbers_keep_their_exact_text() {
        let money: Money = serde_json::from_str("0.1").unwrap();
        assert_eq!(money.to_string(), "0.10");
        let money: Money = serde_json::from_str("\"2500.75\"").unwrap();
        assert_eq!(money.to_string(), "2500.75");
        assert!(serde_json::from_str::<Money>("1e30").is_err());
        assert!(serde_json::from_str::<Money>("12.345").is_err());
    }

    #[test]
    fn serialises_as_a_string() {
        let json = serde_json::to_string(&Money::parse("5").unwrap()).unwrap();
        assert_eq!(json, "\"5.00\"");
    }
}
