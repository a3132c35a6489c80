//! "remind Grade 4 East parents by email": the `notify_balances` family.

use crate::domain::notification::Channel;

use super::names::{Subject, subject};
use super::term::{Unreadable, take_term};
use super::words::Words;
use super::{Intent, Parsed};

/// "email", "barua pepe", "in-app": `Err` when both are named.
fn take_channel(w: &mut Words) -> Result<Option<Channel>, Unreadable> {
    let mut channels = Vec::new();
    for i in 0..w.len() {
        let found = match (w.lower(i), w.lower(i + 1)) {
            ("barua", "pepe") => Some((Channel::Email, 2)),
            ("in", "app") => Some((Channel::InApp, 2)),
            ("email" | "e-mail" | "emails" | "mail", _) => Some((Channel::Email, 1)),
            ("in-app" | "inapp" | "app", _) => Some((Channel::InApp, 1)),
            _ => None,
        };
        if let Some((channel, len)) = found
            && w.free(i)
        {
            w.take_range(i..i + len);
            if !channels.contains(&channel) {
                channels.push(channel);
            }
        }
    }
    match channels.as_slice() {
        [] => Ok(None),
        [channel] => Ok(Some(*channel)),
        _ => Err(Unreadable),
    }
}

/// Reminders go to a class or to everyone. A message naming a learner, or
/// anything else the parser cannot narrow by (SMS, WhatsApp), is unknown:
/// widening it to every family would message people it was not meant for.
pub(super) fn notify_balances(w: &mut Words) -> Parsed {
    let Ok(channel) = take_channel(w) else {
        return Parsed::Unknown;
    };
    // Balances carry across terms: "term 2 balances" is every balance.
    take_term(w);
    match subject(w) {
        Subject::Nothing => Parsed::Intent(Intent::NotifyBalances {
            channel,
            class: None,
        }),
        Subject::Class(class) => Parsed::Intent(Intent::NotifyBalances {
            channel,
            class: Some(class),
        }),
        Subject::Student(_) | Subject::Name(_) | Subject::Ambiguous => Parsed::Unknown,
    }
}
