//! People's names: runs of words the parser does not otherwise know.

use std::ops::Range;

use super::StudentRef;
use super::classes::take_classes;
use super::references::take_admission_nos;
use super::words::{Words, is_name_word};

/// The end of the run of name words starting at `start`.
pub(super) fn name_run_end(w: &Words, start: usize) -> usize {
    let mut end = start;
    while is_name_word(w, end) {
        end += 1;
        if w.ends_phrase(end - 1) {
            break;
        }
    }
    end
}

/// Runs of words that can only be a name: "Jane Doe paid 10k cash for
/// John" has two, "Jane Doe" and "John".
pub(super) fn name_runs(w: &Words) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < w.len() {
        let end = name_run_end(w, i);
        if end > i {
            runs.push(i..end);
            i = end;
        } else {
            i += 1;
        }
    }
    runs
}

/// Who or what a read (or an invoice run) is about.
pub(super) enum Subject {
    Nothing,
    Student(StudentRef),
    Class(String),
    /// The words of a learner's name.
    Name(Range<usize>),
    /// Two learners, two classes, or a class and a name: the parser will not
    /// pick one.
    Ambiguous,
}

/// An admission number is exact, so it wins over anything else named;
/// otherwise exactly one class or one name.
pub(super) fn subject(w: &mut Words) -> Subject {
    let admission_nos = take_admission_nos(w);
    match admission_nos.as_slice() {
        [(_, no)] => return Subject::Student(StudentRef::AdmissionNo(no.clone())),
        [] => {}
        _ => return Subject::Ambiguous,
    }
    let classes = take_classes(w);
    let names = name_runs(w);
    match (classes.as_slice(), names.as_slice()) {
        ([], []) => Subject::Nothing,
        ([class], []) => Subject::Class(class.clone()),
        ([], [name]) => Subject::Name(name.clone()),
        _ => Subject::Ambiguous,
    }
}
