//! Whole-message replies to a preview: yes or no, in English or Kiswahili.

use super::Parsed;

pub(super) const CONFIRM: &[&str] = &[
    "yes",
    "y",
    "yeah",
    "yep",
    "yes please",
    "yes go ahead",
    "sure",
    "confirm",
    "confirmed",
    "go ahead",
    "proceed",
    "do it",
    "ok",
    "okay",
    "ok go ahead",
    "ndio",
    "ndiyo",
    "ndio tafadhali",
    "sawa",
    "sawa sawa",
    "endelea",
];

const CANCEL: &[&str] = &[
    "no",
    "n",
    "nope",
    "no thanks",
    "cancel",
    "cancel it",
    "stop",
    "abort",
    "don't",
    "dont",
    "never mind",
    "nevermind",
    "hapana",
    "acha",
    "wacha",
    "sitaki",
];

/// A whole message that answers a preview; anything longer is not one, so
/// "no, bill Grade 5 instead" is read as a new request.
pub(super) fn reply_to_preview(text: &str) -> Option<Parsed> {
    let cleaned: String = text
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c
            } else {
                ' '
            }
        })
        .collect();
    let normalised = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if CONFIRM.contains(&normalised.as_str()) {
        Some(Parsed::Confirm)
    } else if CANCEL.contains(&normalised.as_str()) {
        Some(Parsed::Cancel)
    } else {
        None
    }
}
