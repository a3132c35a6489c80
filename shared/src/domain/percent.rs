//! A percentage off (an adjustment, the sibling discount): at most two
//! decimals, read from a JSON number or string like an amount. Its range
//! (more than 0, at most 100) is checked where it is used, so that answer
//! carries its own code (400 `invalid_percent`).

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::money::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, sqlx::Type)]
#[sqlx(transparent)]
pub struct Percent(Decimal);

impl Percent {
    pub fn decimal(self) -> Decimal {
        self.0
    }

    /// More than 0 and at most 100.
    pub fn in_range(self) -> bool {
        self.0 > Decimal::ZERO && self.0 <= Decimal::ONE_HUNDRED
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Money::from_decimal(self.0).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Percent(Money::deserialize(deserializer)?.decimal()))
    }
}

impl utoipa::PartialSchema for Percent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^[0-9]{1,3}(\.[0-9]{1,2})?$"))
            .description(Some(
                "A percentage, more than 0 and at most 100, at most two decimals, as a string; a JSON number is also accepted on input",
            ))
            .examples(["10.00"])
            .into()
    }
}

impl utoipa::ToSchema for Percent {}
