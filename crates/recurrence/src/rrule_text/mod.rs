//! RFC 5545 (iCalendar) / RFC 7529 (RSCALE, SKIP) text for a [`Pattern`], both ways:
//! `write` produces it; `lex` splits text into lines, properties and values; `document`
//! reads the properties of one text; `rule` reads an RRULE value.
//!
//! [`to_rrule`] writes a fixed, documented layout, one property per line, lines joined
//! with `"\n"` (not RFC 5545's CRLF, so the text reads well in psql), no trailing newline
//! and no line folding (folding is only a SHOULD):
//!
//! ```text
//! DTSTART;TZID=Europe/Berlin:20261106T090000      (only with a dtstart; `DTSTART:…Z` in UTC)
//! RRULE:RSCALE=GREGORIAN;FREQ=…;INTERVAL=…;WKST=…;BYDAY=…;BYMONTHDAY=…;BYMONTH=…;BYSETPOS=…;COUNT=…;UNTIL=…;SKIP=BACKWARD
//! EXDATE;VALUE=DATE:20261120,20261127             (only with exdates)
//! X-SYNAPSE-TIMEZONE:Europe/Berlin                (only without a DTSTART line, zone not UTC)
//! X-SYNAPSE-ANCHOR:completion                     (only when not "schedule")
//! X-SYNAPSE-CATCHUP:latest                        (only when not "all")
//! ```
//!
//! Rule parts at their default are left out (INTERVAL=1, WKST=MO, SKIP=OMIT). `RSCALE` and
//! `SKIP` appear only for `monthDayOverflow: clamp`, RSCALE first and SKIP last, as in
//! RFC 7529's examples.
//!
//! [`from_rrule`] reads that layout and the RRULEs of other producers that the pattern
//! shape can express, then validates the result with [`Pattern::from_json`], so every rule
//! of the contract is checked in one place. Parsing is a single pass over at most
//! [`MAX_RRULE_TEXT_BYTES`] bytes: any input is answered quickly, without panics.

mod document;
mod lex;
mod rule;
mod write;

#[cfg(test)]
pub(crate) use lex::parse_weekday;
pub(crate) use lex::{parse_date_value, DateValue};
pub use write::to_rrule;
pub(crate) use write::{rule_text, weekday_code};

use crate::error::{RecurrenceError, Result};
use crate::Pattern;
use chrono::{DateTime, Utc};
use document::Document;
use lex::unfold;

/// Synapse's own properties: what RFC 5545 has no place for.
pub(crate) const X_TIMEZONE: &str = "X-SYNAPSE-TIMEZONE";
pub(crate) const X_ANCHOR: &str = "X-SYNAPSE-ANCHOR";
pub(crate) const X_CATCHUP: &str = "X-SYNAPSE-CATCHUP";

/// Longer texts are refused: no real rule comes near, and it bounds the work per call.
pub const MAX_RRULE_TEXT_BYTES: usize = 64 * 1024;

/// Reads RFC 5545 / RFC 7529 text into a validated [`Pattern`]; the inverse of
/// [`to_rrule`]. See [`from_rrule_with_start`] for what is accepted.
pub fn from_rrule(text: &str) -> Result<Pattern> {
    from_rrule_with_start(text).map(|(pattern, _)| pattern)
}

/// Like [`from_rrule`], also returning the DTSTART instant when the text has one.
///
/// Accepted lines (names, rule parts and enumerated values case-insensitive; `\n` or
/// `\r\n` line ends; folded lines unfolded; blank lines and surrounding blanks ignored):
/// - at most one `DTSTART`: its TZID sets `timezone`; a UTC (`…Z`) or floating (no Z, no
///   TZID) start means UTC, unless an `X-SYNAPSE-TIMEZONE` line names the zone of a
///   floating one; `VALUE=DATE` starts are read as local midnight;
/// - exactly one `RRULE:` line, or a bare rule such as `FREQ=DAILY;COUNT=3`;
/// - any number of `EXDATE` lines: dates, or date-times (UTC, with a TZID, or floating in
///   the pattern's zone) whose local date in the pattern's zone is excluded;
/// - `X-SYNAPSE-ANCHOR`, `X-SYNAPSE-CATCHUP`, `X-SYNAPSE-TIMEZONE`, each at most once.
///
/// UNTIL may be a date, a UTC date-time or a local date-time (read in the pattern's zone).
/// An UNTIL that falls on the last second of a local day in the pattern's zone reads as
/// that date, so a date written by [`to_rrule`] comes back as a date.
/// Anything the pattern cannot express (other RSCALEs, SKIP=FORWARD, BYYEARDAY,
/// BYWEEKNO, BYHOUR/BYMINUTE/BYSECOND, BYEASTER, sub-daily FREQ, RDATE, EXRULE, any other
/// property or rule part) is an [`RecurrenceError::InvalidRrule`] that quotes it; a rule
/// that breaks the pattern contract is the [`RecurrenceError::InvalidPattern`] of
/// [`Pattern::from_json`].
pub fn from_rrule_with_start(text: &str) -> Result<(Pattern, Option<DateTime<Utc>>)> {
    if text.len() > MAX_RRULE_TEXT_BYTES {
        return Err(invalid(format!(
            "RRULE text is {} bytes long, more than the {MAX_RRULE_TEXT_BYTES} allowed",
            text.len()
        )));
    }
    let lines = unfold(text);
    if lines.is_empty() {
        return Err(invalid("RRULE text is empty"));
    }
    let mut doc = Document::default();
    for line in &lines {
        doc.read_line(line)?;
    }
    doc.finish()
}

fn invalid(message: impl Into<String>) -> RecurrenceError {
    RecurrenceError::InvalidRrule(message.into())
}
