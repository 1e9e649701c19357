//! The questions the SQL functions ask, with SQL's kinds of arguments: instants that may
//! be infinite, an optional series start, a row limit. The SQL boundary only converts its
//! types to these and maps the errors.

use crate::error::{RecurrenceError, Result};
use crate::message::quote;
use crate::{rrule_text, words, Pattern, Schedule};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::sync::Arc;

/// A timestamp argument: an instant or one of SQL's infinities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    NegInfinity,
    At(DateTime<Utc>),
    Infinity,
}

impl Moment {
    /// The instant, or an argument error naming `name` for an infinity.
    pub fn finite(self, name: &'static str) -> Result<DateTime<Utc>> {
        match self {
            Moment::At(t) => Ok(t),
            _ => Err(RecurrenceError::InvalidArgument { name, message: "must be a finite timestamp".into() }),
        }
    }

    /// The instant, reading -infinity as the earliest one and +infinity as the latest.
    pub fn clamped(self) -> DateTime<Utc> {
        match self {
            Moment::NegInfinity => DateTime::<Utc>::MIN_UTC,
            Moment::At(t) => t,
            Moment::Infinity => DateTime::<Utc>::MAX_UTC,
        }
    }
}

/// The first occurrence strictly after `after`, None once the series has ended. The
/// series starts at `dtstart`, or at `after` without one. Nothing comes after +infinity;
/// after -infinity comes the series' first occurrence.
pub fn next_occurrence(
    pattern: Arc<Pattern>,
    after: Moment,
    dtstart: Option<Moment>,
) -> Result<Option<DateTime<Utc>>> {
    if after == Moment::Infinity {
        return Ok(None);
    }
    let dtstart = match dtstart {
        Some(start) => start.finite("dtstart")?,
        None => after.finite("after")?,
    };
    Ok(Schedule::new(pattern, dtstart)?.next_after(after.clamped()))
}

/// The occurrences in [`window_start`, `window_end`], ascending, at most `max_count`; an
/// absent bound is open, an infinite one too, except +infinity as the start or -infinity
/// as the end, which leave nothing in the window.
pub fn occurrences_in_window(
    pattern: Arc<Pattern>,
    dtstart: Moment,
    window_start: Option<Moment>,
    window_end: Option<Moment>,
    max_count: i32,
) -> Result<impl Iterator<Item = DateTime<Utc>>> {
    let Ok(max_count) = usize::try_from(max_count) else {
        return Err(RecurrenceError::InvalidArgument {
            name: "max_count",
            message: format!("{max_count} is negative"),
        });
    };
    let schedule = Schedule::new(pattern, dtstart.finite("dtstart")?)?;
    let empty = window_start == Some(Moment::Infinity) || window_end == Some(Moment::NegInfinity);
    let from = window_start.map_or(DateTime::<Utc>::MIN_UTC, Moment::clamped);
    let until = window_end.map_or(DateTime::<Utc>::MAX_UTC, Moment::clamped);
    Ok(schedule
        .into_occurrences_from(from)
        .take_while(move |o| o.at <= until)
        .take(if empty { 0 } else { max_count })
        .map(|o| o.at))
}

/// The pattern as RFC 5545 text, with a DTSTART line when `dtstart` is given.
pub fn to_rrule(pattern: &Pattern, dtstart: Option<Moment>) -> Result<String> {
    let dtstart = dtstart.map(|d| d.finite("dtstart")).transpose()?;
    rrule_text::to_rrule(pattern, dtstart)
}

/// The pattern in English; with `dtstart`, its time of day too.
pub fn describe(pattern: Arc<Pattern>, dtstart: Option<Moment>) -> Result<String> {
    let dtstart = match dtstart {
        // A start the engine cannot use cannot be described either.
        Some(d) => Some(Schedule::new(Arc::clone(&pattern), d.finite("dtstart")?)?.start()),
        None => None,
    };
    Ok(words::describe(&pattern, dtstart))
}

/// A time zone argument: an IANA name in any case.
pub fn timezone(name: &str) -> Result<Tz> {
    words::zone(name).ok_or_else(|| RecurrenceError::InvalidArgument {
        name: "timezone",
        message: format!("{} is not an IANA time zone name (e.g. \"Europe/Berlin\")", quote(name)),
    })
}

/// The pattern an English text says; `timezone` unless the text names a zone.
pub fn from_text(text: &str, timezone: &str) -> Result<Pattern> {
    Ok(words::from_text(text, self::timezone(timezone)?)?.pattern)
}

/// The series start an English text asks for, seen at `after`; None when its series has
/// no occurrence from there.
pub fn start_from_text(text: &str, after: Moment, timezone: &str) -> Result<Option<DateTime<Utc>>> {
    let rule = words::from_text(text, self::timezone(timezone)?)?;
    rule.start(after.finite("after")?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::pattern;
    use chrono::TimeZone;
    use serde_json::json;

    fn utc(y: i32, m: u32, d: u32, h: u32) -> Moment {
        Moment::At(Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single().expect("valid"))
    }

    fn at(m: Moment) -> DateTime<Utc> {
        m.clamped()
    }

    #[test]
    fn next_occurrence_handles_infinities_and_a_missing_start() {
        let daily = || pattern(json!({"frequency": "daily"}));
        let start = utc(2026, 11, 25, 9);
        assert_eq!(next_occurrence(daily(), Moment::Infinity, Some(start)), Ok(None));
        assert_eq!(next_occurrence(daily(), Moment::NegInfinity, Some(start)), Ok(Some(at(start))));
        assert_eq!(next_occurrence(daily(), start, None), Ok(Some(at(utc(2026, 11, 26, 9)))));
        let err = next_occurrence(daily(), start, Some(Moment::NegInfinity)).unwrap_err();
        assert_eq!(err.to_string(), "dtstart: must be a finite timestamp");
        let err = next_occurrence(daily(), Moment::NegInfinity, None).unwrap_err();
        assert_eq!(err.to_string(), "after: must be a finite timestamp");
    }

    #[test]
    fn window_bounds_and_max_count() {
        let daily = || pattern(json!({"frequency": "daily"}));
        let start = utc(2026, 1, 1, 9);
        let window = |from, to, max| {
            occurrences_in_window(daily(), start, from, to, max).map(|o| o.collect::<Vec<_>>())
        };
        assert_eq!(window(None, None, 2), Ok(vec![at(start), at(utc(2026, 1, 2, 9))]));
        assert_eq!(
            window(Some(utc(2026, 1, 3, 0)), Some(utc(2026, 1, 4, 9)), 10),
            Ok(vec![at(utc(2026, 1, 3, 9)), at(utc(2026, 1, 4, 9))])
        );
        assert_eq!(window(Some(Moment::NegInfinity), Some(Moment::Infinity), 1), Ok(vec![at(start)]));
        assert_eq!(window(Some(Moment::Infinity), None, 10), Ok(vec![]));
        assert_eq!(window(None, Some(Moment::NegInfinity), 10), Ok(vec![]));
        assert_eq!(window(None, None, 0), Ok(vec![]));
        assert_eq!(window(None, None, -1).unwrap_err().to_string(), "max_count: -1 is negative");
    }
}
