//! Text fields people type: names, titles, references.

use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};

/// The one form of an identifier that must be unique (an M-Pesa code, an
/// admission or invoice number, an email, a phone): compatibility-normalised
/// (NFKC: full-width `ＡＢ` is `AB`), invisible format characters (zero-width
/// space, word joiner, BOM, soft hyphen, direction marks, variation
/// selectors) removed, and trimmed. Two inputs that look the same on a
/// screen meet the same unique key.
pub fn identifier_form(raw: &str) -> String {
    let folded: String = raw.nfkc().filter(|c| !is_invisible(*c)).collect();
    folded.trim().to_string()
}

/// Unicode's format characters (category Cf) and variation selectors:
/// they print as nothing. Direction overrides and isolates are not among
/// them (nor the direction marks): they reorder what is shown, so they
/// are refused, never dropped.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{0600}'..='\u{0605}' | '\u{06DD}' | '\u{070F}'
        | '\u{0890}'..='\u{0891}' | '\u{08E2}' | '\u{115F}'..='\u{1160}' | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200D}'
        | '\u{2060}'..='\u{2065}' | '\u{206A}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0001}' | '\u{E0020}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}')
}

/// A reference typed by a person (an M-Pesa code, a bank slip number):
/// `identifier_form`, then at most `max` characters with no control
/// characters; blank is absent.
pub fn reference(field: &'static str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    let Some(raw) = value else { return Ok(None) };
    let form = identifier_form(raw);
    if form.is_empty() {
        return Ok(None);
    }
    name(field, &form, max).map(Some)
}

/// Trimmed, non-empty, at most `max` characters, no control characters
/// and no bidirectional overrides (which can disguise a name on screen);
/// invisible characters removed (`identifier_form`).
pub fn name(field: &'static str, value: &str, max: usize) -> Result<String> {
    if value.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Err(Error::invalid(
            "invalid_field",
            format!("{field} must not contain control or text-direction characters"),
        ));
    }
    let form = identifier_form(value);
    if form.is_empty() {
        return Err(Error::invalid(
            "invalid_field",
            format!("{field} must not be blank"),
        ));
    }
    if form.chars().count() > max {
        return Err(Error::invalid(
            "invalid_field",
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(form)
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
    let email = identifier_form(value).to_lowercase();
    // One address: a list ("a@x.ke,b@y.ke"), a display name or quoting
    // would send one message to several people.
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        })
        && !email.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || is_bidi_control(c)
                || matches!(
                    c,
                    ',' | ';' | '<' | '>' | '"' | '(' | ')' | '[' | ']' | '\\'
                )
        });
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
    fn lookalike_identifiers_share_one_form() {
        for (a, b) in [
            ("AB\u{200B}CD", "ABCD"),
            ("\u{FEFF}ABCD", "ABCD"),
            ("AB\u{2060}CD\u{00AD}", "ABCD"),
            ("ＡＢＣＤ", "ABCD"),
            (" ABCD\u{200D} ", "ABCD"),
        ] {
            assert_eq!(identifier_form(a), identifier_form(b), "{a:?}");
        }
    }

    #[test]
    fn emails_must_be_single_addresses() {
        for bad in [
            "a@x.ke,b@y.ke",
            "a@x.ke;b@y.ke",
            "Jane <jane@x.ke>",
            "a@b@x.ke",
            "\"a\"@x.ke",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert_eq!(email("Ja\u{200B}ne@X.ke").unwrap(), "jane@x.ke");
    }

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
