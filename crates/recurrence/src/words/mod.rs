//! Recurrence in English, both ways: [`describe`] says what a pattern means, [`from_text`]
//! reads what a user types ("every last Friday at 5pm") into a pattern. The two agree:
//! for every valid pattern `p`, `from_text(describe(p))` is `p` (a property test).
//!
//! A text may also say when the series starts ("at 5pm", "starting 5 January 2026"), which
//! a pattern does not hold: [`TextRule::start`] turns that into the series start.
//! The grammar is documented in docs/recurrence.md; `lex` splits the text into tokens,
//! `parse` reads them, `vocab` holds the names both directions share.

mod describe;
mod lex;
mod parse;
mod vocab;

pub use describe::describe;
pub(crate) use parse::find_zone;

use crate::calendar::{local_to_utc, LAST_YEAR};
use crate::engine::Schedule;
use crate::error::{RecurrenceError, Result};
use crate::Pattern;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use std::sync::Arc;

/// Longer texts are refused: no rule needs more, and it bounds the work per call.
pub const MAX_TEXT_CHARS: usize = 2000;

/// What a text says: the pattern, and what it says about the series start.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRule {
    pub pattern: Pattern,
    /// `at 17:00`.
    pub time: Option<NaiveTime>,
    /// `starting …`.
    pub starting: Option<Starting>,
}

/// The first day a text asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starting {
    Date(NaiveDate),
    /// A day of a month without its year: the next one on or after the reference day.
    MonthDay(u32, u32),
    Today,
    Tomorrow,
    /// The next such weekday, the reference day itself included.
    Weekday(Weekday),
}

/// Reads an English recurrence ("every 2 weeks on Monday and Wednesday at 9am") into a
/// validated pattern; `timezone` is the pattern's zone unless the text names one. Anything
/// it cannot read is a [`crate::RecurrenceError::InvalidText`] that quotes the word it
/// stopped at; a rule that breaks the pattern contract is the pattern's own error.
pub fn from_text(text: &str, timezone: Tz) -> Result<TextRule> {
    parse::parse(text, timezone)
}

impl TextRule {
    /// The series start the text asks for, as seen at `after` (usually now): the first
    /// occurrence on or after its first day (`starting …`, else the local day of `after`)
    /// at its time of day (`at …`, else 00:00). Without `starting`, a time of day that has
    /// already passed on that day is not used: the start is then at or after `after`.
    /// None when the series has no occurrence from there.
    pub fn start(&self, after: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        // Checked in UTC before any local reading, which would overflow near chrono's ends.
        if after.year().abs() >= LAST_YEAR {
            return Err(RecurrenceError::InvalidArgument {
                name: "after",
                message: format!("{after} is outside the supported years"),
            });
        }
        let tz = self.pattern.timezone;
        let today = after.with_timezone(&tz).date_naive();
        let first_day = match self.starting {
            None | Some(Starting::Today) => today,
            Some(Starting::Tomorrow) => today.succ_opt().unwrap_or(today),
            Some(Starting::Date(d)) => d,
            Some(Starting::Weekday(day)) => {
                let ahead = (7 + day.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
                today + Duration::days(i64::from(ahead))
            }
            Some(Starting::MonthDay(month, day)) => (0..=8)
                .filter_map(|k| NaiveDate::from_ymd_opt(today.year() + k, month, day))
                .find(|d| *d >= today)
                .unwrap_or(today),
        };
        let first = local_to_utc(tz, first_day.and_time(self.time.unwrap_or(NaiveTime::MIN)));
        let lower = if self.starting.is_none() && self.time.is_some() { first.max(after) } else { first };
        let schedule = Schedule::new(Arc::new(self.pattern.clone()), first)?;
        let start = schedule.occurrences_from(lower).next().map(|o| o.at);
        Ok(start)
    }
}

/// The zone a text means by `name` (any case), for the SQL boundary's `timezone` argument.
pub fn zone(name: &str) -> Option<Tz> {
    find_zone(name)
}
