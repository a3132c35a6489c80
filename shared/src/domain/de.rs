//! Small serde helpers for request bodies.

use serde::{Deserialize, Deserializer, de::DeserializeOwned};

/// Distinguishes an absent field (None) from an explicit null (Some(None)),
/// so PATCH can clear a value. Use with `#[serde(default)]`.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A nested struct (or a list of them) read only from JSON objects:
/// serde's derived structs also read a sequence of their fields in order,
/// so `"audience": [null, null]` would pass as `{}`. The api's `Json`
/// extractor refuses a body that is not an object; this does the same one
/// level down. An absent or null `Option` stays None.
pub fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    let objects = match &value {
        serde_json::Value::Array(items) => items.iter().all(serde_json::Value::is_object),
        _ => true,
    };
    if !objects {
        return Err(serde::de::Error::custom(
            "expected a JSON object (or a list of objects), not a list of values",
        ));
    }
    T::deserialize(value).map_err(serde::de::Error::custom)
}

/// A year given as 2025 or "2025".
pub fn year<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i32, D::Error> {
    let text = match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s,
        _ => return Err(serde::de::Error::custom("year must be a number like 2025")),
    };
    match text.trim().parse::<i32>() {
        Ok(y) if (2000..=2100).contains(&y) => Ok(y),
        _ => Err(serde::de::Error::custom(format!(
            "{text:?} is not a year between 2000 and 2100"
        ))),
    }
}

pub fn optional_year<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i32>, D::Error> {
    #[derive(Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "year")] i32);
    Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|w| w.0))
}
