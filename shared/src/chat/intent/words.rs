//! Tokenising: the message's words, which of them are used, and the
//! vocabulary that is never part of a name.

use std::ops::Range;

use super::classify::is_collect_word;

/// One word of the message.
pub(super) struct Word {
    /// As typed, without surrounding punctuation or a possessive 's.
    pub(super) raw: String,
    pub(super) lower: String,
    /// "Doe's": a name or class name ends here.
    pub(super) possessive: bool,
    /// "lunch," : a list item ends here.
    pub(super) comma_after: bool,
}

/// The message's words and which of them an argument has already used.
pub(super) struct Words {
    pub(super) list: Vec<Word>,
    pub(super) used: Vec<bool>,
}

const OPENING: &[char] = &['"', '\'', '(', '[', '{', '“', '‘', '#', '*'];
const CLOSING: &[char] = &[
    '?', '!', '.', ',', ';', '"', '\'', ')', ']', '}', '”', '’', '*',
];

impl Words {
    /// Splits on spaces and colons ("ref:QKH94M1Z11").
    pub(super) fn new(text: &str) -> Self {
        let list: Vec<Word> = text
            .split(|c: char| c.is_whitespace() || c == ':')
            .filter_map(Self::word)
            .collect();
        let used = vec![false; list.len()];
        Self { list, used }
    }

    pub(super) fn word(piece: &str) -> Option<Word> {
        let comma_after = piece.ends_with([',', ';']);
        let mut raw = piece.trim_start_matches(OPENING).trim_end_matches(CLOSING);
        let mut possessive = false;
        for suffix in ["'s", "’s"] {
            if let Some(stem) = raw.strip_suffix(suffix)
                && !stem.is_empty()
            {
                raw = stem;
                possessive = true;
            }
        }
        (!raw.is_empty()).then(|| Word {
            raw: raw.to_string(),
            lower: raw.to_lowercase(),
            possessive,
            comma_after,
        })
    }

    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    pub(super) fn raw(&self, i: usize) -> &str {
        self.list.get(i).map_or("", |w| &w.raw)
    }

    pub(super) fn lower(&self, i: usize) -> &str {
        self.list.get(i).map_or("", |w| &w.lower)
    }

    /// Ends a name, stream or list item.
    pub(super) fn ends_phrase(&self, i: usize) -> bool {
        self.list
            .get(i)
            .is_some_and(|w| w.possessive || w.comma_after)
    }

    pub(super) fn free(&self, i: usize) -> bool {
        i < self.len() && !self.used[i]
    }

    pub(super) fn free_in(&self, i: usize, set: &[&str]) -> bool {
        self.free(i) && set.contains(&self.lower(i))
    }

    pub(super) fn take(&mut self, i: usize) {
        if let Some(used) = self.used.get_mut(i) {
            *used = true;
        }
    }

    pub(super) fn take_range(&mut self, range: Range<usize>) {
        range.for_each(|i| self.take(i));
    }

    pub(super) fn mentions(&self, set: &[&str]) -> bool {
        self.list.iter().any(|w| set.contains(&w.lower.as_str()))
    }

    pub(super) fn joined(&self, range: Range<usize>) -> String {
        range.map(|i| self.raw(i)).collect::<Vec<_>>().join(" ")
    }

    /// The next index from `i` that is not one of `skipped`.
    pub(super) fn skip(&self, mut i: usize, skipped: &[&str]) -> usize {
        while self.free_in(i, skipped) {
            i += 1;
        }
        i
    }

    /// Whether the word at `i` comes after one of `prepositions`, looking
    /// past words like "student" ("for student John").
    pub(super) fn follows(&self, i: usize, prepositions: &[&str]) -> bool {
        let mut j = i;
        while j > 0 {
            j -= 1;
            if !FILLER.contains(&self.lower(j)) {
                return prepositions.contains(&self.lower(j));
            }
        }
        false
    }
}

/// Words that are never part of a name or a stream: function words and
/// every word the actions are asked with. Payment methods and channels are
/// left out on purpose: where they are not read as an argument, they are
/// something this parser cannot act on ("collected via M-Pesa" asks for a
/// breakdown it does not give) and must make the message unknown.
const ENGLISH_WORDS: &str = "\
    a about acc account add again against alert all also am amount an and any are arrears as \
    asap at balance balances be been bill billing bob brother by can check child children \
    class classes code collect collected collection collections could create current \
    currently daughter deposited did do does done due each enter entire every everybody \
    everyone families family far fee fees find first for form from generate get give grade \
    granddaughter grandson guardian guardians has have he hello her here hey hi his \
    household how i id ii iii in include including instead into invoice invoices invoicing \
    is issue it its just kes kid kids kindly know ksh kshs last learner learners left let \
    level log make many me money much my need nephew new next niece no not notification \
    notifications notify now of ok okay on one only optional or our outstanding over overall \
    owe owed owes owing paid parent parents past pay payment payments per please pls plus \
    post pp prepare previous pupil pupils raise receipt receive received record recorded ref \
    reference regarding remaining remind reminder reminders run school second see send sh \
    shillings should show shs sister so some son still stream student students tell term \
    terms thank thanks that the their them there these they third this those three through \
    to today too total totals transaction two txn up us using via want was we were what \
    whats when where which who whole whom whose why with would year years yes yet you your";

const KISWAHILI_WORDS: &str = "\
    ada ajili alilipa amelipa anadaiwa ankara asante bado cha darasa deni familia gani hadi \
    hao hii hiki hizi huu huyu iliyopita imelipwa inadaiwa jana je jumla karo kiasi kila \
    kuhusu kulipa kumbusha kumbushe kupitia kutoka kwa kwanza la leo lipa madeni makusanyo \
    malipo mkumbushe mkusanyo mlezi mpaka mtoto muhula mwaka mwanafunzi mwenye mzazi na \
    naomba nataka ngapi ni nimelipa nimepokea pamoja pesa pili pokea salio sasa tafadhali \
    tatu tengeneza tuma tumelipa tumepokea ujao ujumbe ukumbusho uliopita umelipa unda vya \
    wa wakumbushe walezi walilipa wamelipa wana wanadaiwa wanafunzi wao watoto wazazi wenye \
    wote ya yote za zote";

/// Words between a preposition and the learner it introduces: "for student
/// John", "kwa mwanafunzi ADM-1", "for her son Brian".
const FILLER: &[&str] = &[
    "the",
    "student",
    "learner",
    "pupil",
    "child",
    "his",
    "her",
    "their",
    "my",
    "son",
    "daughter",
    "grandson",
    "granddaughter",
    "nephew",
    "niece",
    "brother",
    "sister",
    "account",
    "acc",
    "mwanafunzi",
    "mtoto",
];

fn is_known_word(lower: &str) -> bool {
    let listed = |words: &str| words.split_whitespace().any(|word| word == lower);
    listed(ENGLISH_WORDS) || listed(KISWAHILI_WORDS) || is_collect_word(lower)
}

/// Letters, with the apostrophes, hyphens and dots names carry
/// ("O'Neil", "Wa-Njeri", "J.").
pub(super) fn is_word_of_letters(raw: &str) -> bool {
    raw.chars().any(char::is_alphabetic)
        && raw
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-' | '.'))
}

pub(super) fn is_name_word(w: &Words, i: usize) -> bool {
    w.free(i) && is_word_of_letters(w.raw(i)) && !is_known_word(w.lower(i))
}
