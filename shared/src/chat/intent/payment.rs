//! "Jane Doe paid 10k cash for John": the `record_payment` family.

use crate::domain::payment::Method;

use super::amount::take_amount;
use super::names::name_runs;
use super::references::{
    is_mpesa_code, take_admission_nos, take_invoice_number, take_marked_ref, take_mpesa_code,
};
use super::term::take_term;
use super::words::Words;
use super::{Intent, Parsed, RECORD_PAYMENT, StudentRef};

/// Words before the learner a payment is for ("from" only when nothing is
/// "for" someone: a relative often pays).
pub(super) const FOR_STUDENT: &[&str] = &["for", "kwa", "to", "ya", "wa", "of"];

pub(super) fn record_payment(w: &mut Words) -> Parsed {
    let marked_ref = take_marked_ref(w);
    let method = take_method(w);
    let invoice_number = take_invoice_number(w);
    let txn_ref = marked_ref.or_else(|| take_mpesa_code(w, method == Some(Method::Mpesa)));
    // "for term 2" is context: its 2 is never the amount.
    take_term(w);
    let amount = take_amount(w);
    let student = payment_student(w);
    let method = method.or(txn_ref
        .as_deref()
        .filter(|r| is_mpesa_code(r))
        .map(|_| Method::Mpesa));

    let mut missing = Vec::new();
    if student.is_none() {
        missing.push("student");
    }
    if amount.is_none() {
        missing.push("amount");
    }
    if matches!(method, Some(Method::Mpesa | Method::Bank)) && txn_ref.is_none() {
        missing.push("txn_ref");
    }
    match (student, amount) {
        (Some(student), Some(amount)) if missing.is_empty() => {
            Parsed::Intent(Intent::RecordPayment {
                student,
                amount,
                method,
                txn_ref,
                invoice_number,
            })
        }
        _ => Parsed::Incomplete {
            intent: RECORD_PAYMENT,
            missing,
        },
    }
}

pub(super) const CHEQUE: &[&str] = &["cheque", "check", "chq", "hundi"];

fn method_at(w: &Words, i: usize) -> Option<(Method, usize)> {
    let one = |method| Some((method, i + 1));
    match (w.lower(i), w.lower(i + 1)) {
        ("m", "pesa") => Some((Method::Mpesa, i + 2)),
        ("mpesa" | "m-pesa" | "paybill" | "till", _) => one(Method::Mpesa),
        ("cash" | "taslimu", _) => one(Method::Cash),
        ("bank" | "benki" | "eft" | "rtgs" | "pesalink", _) => one(Method::Bank),
        (word, _) if CHEQUE.contains(&word) => one(Method::Cheque),
        _ => None,
    }
}

/// The first method named.
fn take_method(w: &mut Words) -> Option<Method> {
    let (at, method, end) = (0..w.len())
        .filter(|&i| w.free(i))
        .find_map(|i| method_at(w, i).map(|(method, end)| (i, method, end)))?;
    w.take_range(at..end);
    Some(method)
}

/// The learner: an admission number, else a name; the one after "for" when
/// several are named, since "Jane Doe paid 10k for John" pays John's fees.
fn payment_student(w: &mut Words) -> Option<StudentRef> {
    let admission_nos = take_admission_nos(w);
    if let Some((_, no)) = admission_nos
        .iter()
        .find(|(i, _)| w.follows(*i, FOR_STUDENT))
        .or(admission_nos.first())
    {
        return Some(StudentRef::AdmissionNo(no.clone()));
    }
    let runs = name_runs(w);
    runs.iter()
        .find(|run| w.follows(run.start, FOR_STUDENT))
        .or(runs.first())
        .map(|run| StudentRef::Name(w.joined(run.clone())))
}
