//! Text fields people type: names, titles, references.

use crate::error::{Error, Result};

/// Trimmed, non-empty, at most `max` characters, no control characters
/// and no bidirectional overrides (which can disguise a name on screen).
pub fn name(field: &'static str, value: &str, max: usize) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(
            "invalid_field",
            format!("{field} must not be blank"),
        ));
    }
    if trimmed.chars().count() > max {
        return Err(Error::invalid(
            "invalid_field",
            format!("{field} must be at most {max} characters"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() || is_bidi_control(c))
    {
        return Err(Error::invalid(
            "invalid_field",
            format!("{field} must not contain control or text-direction characters"),
        ));
    }
    Ok(trimmed.to_string())
}

/// Like `name`, for a field that may be absent; blank counts as absent.
pub fn optional(field: &'static str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => name(field, v, max).map(Some),
        _ => Ok(None),
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// A plausible email address, lowercased. Deliverability is the mail
/// server's call; this only refuses what is clearly not an address.
pub fn email(value: &str) -> Result<String> {
    let email = value.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(email)
    } else {
        Err(Error::invalid(
            "invalid_email",
            "email must be an address like name@example.com",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_must_not_be_blank() {
        assert_eq!(name("first_name", "  Jane ", 10).unwrap(), "Jane");
        assert!(name("first_name", "   ", 10).is_err());
        assert!(name("first_name", "abcdefghijk", 10).is_err());
    }

    #[test]
    fn control_and_right_to_left_override_characters_are_refused() {
        assert!(name("first_name", "Ja\u{202E}ne", 50).is_err());
        assert!(name("first_name", "Ja\u{0007}ne", 50).is_err());
        assert_eq!(name("first_name", "Wanjirũ", 50).unwrap(), "Wanjirũ");
    }

    #[test]
    fn emails_are_lowercased_and_checked_for_shape() {
        assert_eq!(email(" Jane@Example.COM ").unwrap(), "jane@example.com");
        for bad in [
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "ja ne@example.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }
}
