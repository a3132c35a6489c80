//! References to a learner or a payment: admission numbers, M-Pesa codes,
//! marked transaction references and invoice numbers.

use super::amount::read_amount;
use super::classes::glued_level;
use super::payment::{CHEQUE, FOR_STUDENT};
use super::term::glued_term;
use super::words::Words;

fn is_admission_no(raw: &str) -> bool {
    let lower = raw.to_lowercase();
    let allowed = raw
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '.' | '_'));
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    let letters = raw.chars().any(|c| c.is_ascii_alphabetic());
    let separated = raw.contains(['/', '-']) && raw.split(['/', '-']).all(|p| !p.is_empty());
    allowed
        && (2..=32).contains(&raw.len())
        && digits > 0
        && (letters || (separated && digits >= 3))
        && !reads_as_something_else(&lower)
}

/// Words with letters and digits that are not learners.
fn reads_as_something_else(lower: &str) -> bool {
    let ordinal = ["st", "nd", "rd", "th"].iter().any(|s| {
        lower
            .strip_suffix(s)
            .is_some_and(|n| n.parse::<u32>().is_ok())
    });
    ordinal
        || lower.starts_with("inv")
        || glued_term(lower).is_some()
        || glued_level(lower).is_some()
        || read_amount(lower).is_some()
        || looks_like_date(lower)
}

/// "12/05/2026", "1-5-26".
fn looks_like_date(lower: &str) -> bool {
    let parts: Vec<&str> = lower.split(['/', '-']).collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0].len() <= 2
        && parts[1].len() <= 2
}

pub(super) fn take_admission_nos(w: &mut Words) -> Vec<(usize, String)> {
    let found: Vec<(usize, String)> = (0..w.len())
        .filter(|&i| w.free(i) && is_admission_no(w.raw(i)))
        .map(|i| (i, w.raw(i).to_uppercase()))
        .collect();
    found.iter().for_each(|(i, _)| w.take(*i));
    found
}

/// Words before a payment's reference.
const REF_MARKERS: &[&str] = &[
    "ref",
    "reference",
    "code",
    "txn",
    "transaction",
    "receipt",
    "confirmation",
];
const REF_FILLER: &[&str] = &["no", "number", "id", "code", "is", "namba"];

/// "ref QKH94M1Z11", "bank ref EQ123", "code: QKH94M1Z11".
pub(super) fn take_marked_ref(w: &mut Words) -> Option<String> {
    // "cheque no 004512": the "no" marks the reference, "cheque" the method.
    let after_cheque = |i: usize| {
        w.free_in(i, &["no", "number", "namba"]) && i > 0 && CHEQUE.contains(&w.lower(i - 1))
    };
    let marker = (0..w.len()).find(|&i| w.free_in(i, REF_MARKERS) || after_cheque(i))?;
    let at = w.skip(marker + 1, REF_FILLER);
    let raw = w.raw(at);
    let reference = w.free(at)
        && raw.chars().any(|c| c.is_ascii_digit())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '_' | '.'));
    if !reference {
        return None;
    }
    let reference = raw.to_uppercase();
    w.take_range(marker..at + 1);
    Some(reference)
}

/// `^[A-Z0-9]{10}$` with a letter and a digit, as M-Pesa writes them.
pub(super) fn is_mpesa_code(raw: &str) -> bool {
    raw.len() == 10
        && raw
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && raw.chars().any(|c| c.is_ascii_uppercase())
        && raw.chars().any(|c| c.is_ascii_digit())
}

/// An unmarked M-Pesa code; typed in lower case it counts only when the
/// message says M-Pesa. One right after "for" is an admission number.
pub(super) fn take_mpesa_code(w: &mut Words, says_mpesa: bool) -> Option<String> {
    let at = (0..w.len()).find(|&i| {
        let raw = w.raw(i);
        let code = is_mpesa_code(raw) || says_mpesa && is_mpesa_code(&raw.to_uppercase());
        w.free(i) && code && !w.follows(i, FOR_STUDENT)
    })?;
    w.take(at);
    Some(w.raw(at).to_uppercase())
}

/// "INV-2026-00001", or what follows "invoice" / "ankara" when it has a digit.
pub(super) fn take_invoice_number(w: &mut Words) -> Option<String> {
    let numbered = |raw: &str| {
        raw.chars().any(|c| c.is_ascii_digit())
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '_'))
    };
    for i in 0..w.len() {
        let written = w.lower(i).starts_with("inv") && numbered(w.raw(i));
        if w.free(i) && written {
            w.take(i);
            return Some(w.raw(i).to_uppercase());
        }
        if w.free_in(i, &["invoice", "ankara"]) {
            let at = w.skip(i + 1, &["no", "number", "namba"]);
            if w.free(at) && numbered(w.raw(at)) {
                w.take_range(i..at + 1);
                return Some(w.raw(at).to_uppercase());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn admission_numbers_are_told_from_other_numbered_words() {
        for text in ["ADM-2025-001", "adm-1", "2025/014", "A1234", "S/2024/77"] {
            assert!(is_admission_no(text), "{text:?}");
        }
        for text in [
            "10000",
            "10k",
            "PP1",
            "t2",
            "2nd",
            "INV-2026-00001",
            "12/05/2026",
            "ksh500",
            "1/2",
        ] {
            assert!(!is_admission_no(text), "{text:?}");
        }
    }
}
