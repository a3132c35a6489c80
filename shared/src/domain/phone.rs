//! Kenyan mobile numbers, stored as +2547XXXXXXXX or +2541XXXXXXXX.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts 07.., 01.., 7.., 1.., 2547.., +254.., with spaces or dashes.
    pub fn parse(input: &str) -> Result<Self> {
        let compact: String = crate::domain::text::identifier_form(input)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        let national = compact
            .strip_prefix("+254")
            .or_else(|| compact.strip_prefix("254"))
            .or_else(|| compact.strip_prefix('0'))
            .unwrap_or(&compact);
        let valid = national.len() == 9
            && matches!(national.as_bytes()[0], b'7' | b'1')
            && national.bytes().all(|b| b.is_ascii_digit());
        if !valid {
            return Err(Error::invalid(
                "invalid_phone",
                "phone must be a Kenyan mobile number such as 0712345678 or +254712345678",
            ));
        }
        Ok(Self(format!("+254{national}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form M-Pesa APIs want: 2547XXXXXXXX, no plus.
    pub fn mpesa(&self) -> &str {
        &self.0[1..]
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Phone::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Phone {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("Kenyan mobile number; 07.., 01.., 2547.. or +254.. accepted, +254XXXXXXXXX returned"))
            .examples(["+254712345678"])
            .into()
    }
}

impl utoipa::ToSchema for Phone {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_common_way_of_writing_a_number_normalises_the_same() {
        for input in [
            "0712345678",
            "712345678",
            "254712345678",
            "+254712345678",
            "0712 345 678",
            "0712-345-678",
            "+254 712 345 678",
        ] {
            assert_eq!(
                Phone::parse(input).unwrap().as_str(),
                "+254712345678",
                "{input}"
            );
        }
        assert_eq!(
            Phone::parse("0110123456").unwrap().as_str(),
            "+254110123456"
        );
    }

    #[test]
    fn numbers_that_are_not_kenyan_mobiles_are_refused() {
        for input in [
            "",
            "0812345678",
            "07123456",
            "07123456789",
            "+255712345678",
            "07a2345678",
            "+2547123456789",
        ] {
            assert!(Phone::parse(input).is_err(), "{input}");
        }
    }

    #[test]
    fn mpesa_form_drops_the_plus() {
        assert_eq!(Phone::parse("0712345678").unwrap().mpesa(), "254712345678");
    }
}
