//! When a reminder schedule fires: a cron expression read in a time zone,
//! and which tick (if any) is due now.

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::error::{Error, Result};

/// A parsed schedule: cron fields in the school's local time.
#[derive(Debug, Clone)]
pub struct Timing {
    cron: cron::Schedule,
    zone: Tz,
}

impl Timing {
    /// Accepts the usual five fields (minute hour day month weekday), six
    /// with seconds first, seven with a year last, or @daily, @weekly, ...
    /// and an IANA zone name such as Africa/Nairobi.
    pub fn parse(expression: &str, timezone: &str) -> Result<Self> {
        let zone = parse_zone(timezone)?;
        let expression = expression.trim();
        let fields = expression.split_whitespace().count();
        let full = match fields {
            _ if expression.starts_with('@') => expression.to_string(),
            5 => format!("0 {expression}"),
            6 | 7 => expression.to_string(),
            _ => {
                return Err(invalid_cron(format!(
                    "{expression:?} has {fields} fields; use 5 (minute hour day month weekday), \
                     6 (with seconds first) or 7 (with a year last)"
                )));
            }
        };
        let cron = cron::Schedule::from_str(&full)
            .map_err(|e| invalid_cron(format!("{expression:?} is not a cron expression: {e}")))?;
        let timing = Self { cron, zone };
        if timing.next_after(Utc::now()).is_none() {
            return Err(invalid_cron(format!("{expression:?} never fires again")));
        }
        Ok(timing)
    }

    /// `parse`, for a schedule a member sets: its runs must also be at
    /// least `MIN_INTERVAL` apart. (The scheduler reads stored schedules
    /// with `parse`: they passed this when they were written.)
    pub fn parse_for_schedule(expression: &str, timezone: &str) -> Result<Self> {
        let timing = Self::parse(expression, timezone)?;
        timing.refuse_ticks_closer_than(MIN_INTERVAL, expression.trim())?;
        Ok(timing)
    }

    /// Reminders reach parents: a schedule fires at most once per
    /// `MIN_INTERVAL`. The next `TICKS_CHECKED` ticks are compared, which
    /// covers at least a fortnight of any expression that passes.
    fn refuse_ticks_closer_than(&self, least: chrono::TimeDelta, expression: &str) -> Result<()> {
        let zoned = Utc::now().with_timezone(&self.zone);
        let ticks: Vec<_> = self.cron.after(&zoned).take(TICKS_CHECKED).collect();
        if let Some(pair) = ticks.windows(2).find(|pair| pair[1] - pair[0] < least) {
            return Err(Error::invalid(
                "cron_too_frequent",
                format!(
                    "{expression:?} fires {} apart (at {} and {}); reminders may run at most every {} minutes",
                    apart(pair[1] - pair[0]),
                    pair[0].format("%a %H:%M"),
                    pair[1].format("%a %H:%M"),
                    least.num_minutes()
                ),
            ));
        }
        Ok(())
    }

    /// The first tick strictly after `instant`.
    pub fn next_after(&self, instant: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .after(&instant.with_timezone(&self.zone))
            .next()
            .map(|tick| tick.with_timezone(&Utc))
    }

    /// The newest tick in (`after`, `now`], if it is at most `grace` old.
    /// Older ticks in between are skipped: after an outage a schedule runs
    /// once, for its latest tick, not once per tick it missed.
    pub fn due(
        &self,
        after: DateTime<Utc>,
        now: DateTime<Utc>,
        grace: Duration,
    ) -> Option<DateTime<Utc>> {
        // prev_from is exclusive of a whole-second start: probe just past now.
        let probe = (now + Duration::nanoseconds(1)).with_timezone(&self.zone);
        let tick = self.cron.after(&probe).next_back()?.with_timezone(&Utc);
        (tick > after && tick <= now && now - tick <= grace).then_some(tick)
    }
}

pub fn parse_zone(timezone: &str) -> Result<Tz> {
    timezone.trim().parse::<Tz>().map_err(|_| {
        Error::invalid(
            "invalid_timezone",
            format!("{timezone:?} is not a time zone; use an IANA name such as Africa/Nairobi"),
        )
    })
}

fn apart(gap: chrono::TimeDelta) -> String {
    match gap.num_minutes() {
        0 => format!("{} seconds", gap.num_seconds()),
        1 => "1 minute".into(),
        minutes => format!("{minutes} minutes"),
    }
}

/// The shortest time between two runs of one schedule.
pub const MIN_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::minutes(15);
const TICKS_CHECKED: usize = 1500;

fn invalid_cron(detail: String) -> Error {
    Error::invalid("invalid_cron", detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn schedules_firing_less_than_15_minutes_apart_are_refused() {
        for busy in [
            "* * * * *",
            "*/5 9 * * Mon",
            "0,10 9 * * *",
            "0 */1 * * * *",
            "0 0,14 8 * * Fri",
        ] {
            let err = Timing::parse_for_schedule(busy, "Africa/Nairobi").unwrap_err();
            assert_eq!(err.code(), Some("cron_too_frequent"), "{busy}");
        }
        for fine in [
            "*/15 9 * * Mon",
            "0 9 * * Mon",
            "@daily",
            "0,15,30,45 * * * *",
            "@hourly",
        ] {
            assert!(
                Timing::parse_for_schedule(fine, "Africa/Nairobi").is_ok(),
                "{fine}"
            );
        }
    }

    #[test]
    fn five_fields_run_in_nairobi_time() {
        let timing = Timing::parse("0 9 * * Mon", "Africa/Nairobi").unwrap();
        // Monday 2026-01-05 09:00 in Nairobi is 06:00 UTC.
        let next = timing.next_after(utc("2026-01-04T00:00:00Z")).unwrap();
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 1, 5, 6, 0, 0).unwrap());
    }

    #[test]
    fn the_latest_tick_within_grace_is_due_once_and_older_ones_are_not() {
        let timing = Timing::parse("0 0 9 * * *", "Africa/Nairobi").unwrap();
        let grace = Duration::hours(2);
        let since = utc("2026-01-01T00:00:00Z");
        // 09:30 Nairobi on 3 January: the 09:00 tick is due (earlier days are skipped).
        let now = utc("2026-01-03T06:30:00Z");
        let tick = timing.due(since, now, grace).unwrap();
        assert_eq!(tick, utc("2026-01-03T06:00:00Z"));
        // Once it is recorded, nothing more is due.
        assert_eq!(timing.due(tick, now, grace), None);
        // Found by a worker only at 12:00 Nairobi: three hours late, beyond grace.
        assert_eq!(timing.due(since, utc("2026-01-03T09:00:00Z"), grace), None);
    }

    #[test]
    fn a_tick_exactly_now_is_due() {
        let timing = Timing::parse("*/5 * * * * *", "UTC").unwrap();
        let now = utc("2026-01-03T06:30:10Z");
        assert_eq!(
            timing.due(utc("2026-01-03T06:30:00Z"), now, Duration::seconds(60)),
            Some(now)
        );
        let between = utc("2026-01-03T06:30:12.500Z");
        assert_eq!(
            timing.due(utc("2026-01-03T06:30:00Z"), between, Duration::seconds(60)),
            Some(now)
        );
    }

    #[test]
    fn bad_expressions_and_zones_are_refused_with_their_codes() {
        for bad in [
            "",
            "* * *",
            "61 * * * *",
            "0 9 * * Funday",
            "0 0 0 1 1 * 2001",
        ] {
            let err = Timing::parse(bad, "Africa/Nairobi").unwrap_err();
            assert_eq!(err.code(), Some("invalid_cron"), "{bad:?}");
        }
        let err = Timing::parse("0 9 * * *", "Africa/Narobi").unwrap_err();
        assert_eq!(err.code(), Some("invalid_timezone"));
    }
}
