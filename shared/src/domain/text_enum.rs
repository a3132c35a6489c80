//! Enums kept in text columns: states, channels, roles. strum spells each
//! variant (`IntoStaticStr`, `EnumString`), serde the same in JSON, and the
//! column's CHECK constraint lists the same words.

/// Makes `$ty` bindable and readable by sqlx as its strum text in a text
/// column (and in text[] arrays), so rows read it as the enum and writes
/// bind the enum itself. A word the enum does not know fails the decode.
macro_rules! text_enum {
    ($ty:ty) => {
        impl sqlx::Type<sqlx::Postgres> for $ty {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::Type<sqlx::Postgres>>::type_info()
            }

            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }

        impl sqlx::postgres::PgHasArrayType for $ty {
            fn array_type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::postgres::PgHasArrayType>::array_type_info()
            }
        }

        impl sqlx::Encode<'_, sqlx::Postgres> for $ty {
            fn encode_by_ref(
                &self,
                buf: &mut sqlx::postgres::PgArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                let text: &'static str = self.into();
                <&str as sqlx::Encode<sqlx::Postgres>>::encode(text, buf)
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $ty {
            fn decode(
                value: sqlx::postgres::PgValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
                text.parse::<$ty>()
                    .map_err(|_| format!("unknown {}: {text:?}", stringify!($ty)).into())
            }
        }
    };
}

pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    use std::{fmt::Display, str::FromStr};

    use serde::Serialize;
    use strum::VariantArray;

    use crate::domain::{
        chat, invoice, ledger::AccountType, notification, operation, payment, reminder, role::Role,
        student,
    };

    /// The database, the JSON and Display all spell each variant alike,
    /// and the text reads back as the same variant.
    fn spelled_alike<T>()
    where
        T: VariantArray + Copy + PartialEq + std::fmt::Debug + Serialize + Display + FromStr,
        &'static str: From<T>,
    {
        for variant in T::VARIANTS {
            let text: &'static str = (*variant).into();
            assert_eq!(serde_json::to_value(variant).unwrap(), text);
            assert_eq!(variant.to_string(), text);
            assert!(text.parse::<T>().ok() == Some(*variant), "{text}");
        }
    }

    #[test]
    fn every_stored_enum_is_spelled_alike_in_sql_json_and_text() {
        spelled_alike::<Role>();
        spelled_alike::<payment::Method>();
        spelled_alike::<payment::PostingStatus>();
        spelled_alike::<invoice::Status>();
        spelled_alike::<student::Status>();
        spelled_alike::<student::Gender>();
        spelled_alike::<operation::Status>();
        spelled_alike::<notification::Channel>();
        spelled_alike::<notification::DeliveryStatus>();
        spelled_alike::<reminder::run::Status>();
        spelled_alike::<reminder::schedule::ChannelRule>();
        spelled_alike::<AccountType>();
        spelled_alike::<chat::MessageRole>();
        spelled_alike::<chat::MessageStatus>();
    }

    fn words<T: VariantArray + Copy>() -> Vec<&'static str>
    where
        &'static str: From<T>,
    {
        T::VARIANTS
            .iter()
            .map(|variant| (*variant).into())
            .collect()
    }

    #[test]
    fn the_states_are_the_words_the_check_constraints_allow() {
        use reminder::{run, schedule::ChannelRule};
        assert_eq!(
            words::<payment::PostingStatus>(),
            ["PENDING", "POSTED", "FAILED", "REVERSED"]
        );
        assert_eq!(
            words::<operation::Status>(),
            ["queued", "running", "succeeded", "failed"]
        );
        assert_eq!(
            words::<run::Status>(),
            ["queued", "succeeded", "skipped", "failed"]
        );
        assert_eq!(
            words::<notification::DeliveryStatus>(),
            ["QUEUED", "SENT", "FAILED"]
        );
        assert_eq!(
            words::<ChannelRule>(),
            ["EMAIL_OR_IN_APP", "EMAIL", "IN_APP"]
        );
        assert_eq!(
            words::<invoice::Status>(),
            ["UNPAID", "PARTIAL", "PAID", "CANCELLED"]
        );
    }
}
