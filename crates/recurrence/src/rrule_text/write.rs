//! Writing a pattern as RFC 5545 text, in the fixed layout of the module docs.

use super::{X_ANCHOR, X_CATCHUP, X_TIMEZONE};
use crate::calendar::end_of_local_day;
use crate::error::{RecurrenceError, Result};
use crate::message::list;
use crate::pattern::{Anchor, CatchUp, Keyword, MonthDayOverflow, Pattern, Until};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;

/// RFC 5545 weekday codes, Monday first.
pub(crate) const WEEKDAY_CODES: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// The pattern as RFC 5545 text (RFC 7529 `RSCALE=GREGORIAN;SKIP=BACKWARD` for
/// `monthDayOverflow: clamp`), lines joined with `"\n"`; see the module docs for the layout.
///
/// With `dtstart`, a `DTSTART` line gives its wall-clock time in the pattern's time zone
/// (`DTSTART:…Z` when the zone is UTC); without it, a non-UTC zone is kept in an
/// `X-SYNAPSE-TIMEZONE` line. Sub-second parts are dropped: RFC 5545 has whole seconds.
/// A timestamp `until` is written in UTC; a date `until` as the UTC instant of the last
/// second of that local day (RFC 5545 wants UTC once DTSTART has a TZID). RFC 5545 has
/// four-digit years only: an `until` beyond them is written as the date
/// (`UNTIL=YYYYMMDD`) or, for a timestamp, clamped into years 0000..9999; a `dtstart`
/// beyond them is an argument error, since no DTSTART line could hold it.
pub fn to_rrule(pattern: &Pattern, dtstart: Option<DateTime<Utc>>) -> Result<String, RecurrenceError> {
    let tz = pattern.timezone;
    let mut lines = Vec::new();
    if let Some(start) = dtstart {
        let local = start.with_timezone(&tz).naive_local();
        if !(0..=9999).contains(&local.year()) {
            return Err(RecurrenceError::InvalidArgument {
                name: "dtstart",
                message: format!("{start} is outside the years 0000..9999 that RFC 5545 text can hold"),
            });
        }
        if tz == Tz::UTC {
            lines.push(format!("DTSTART:{}Z", format_date_time(local)));
        } else {
            lines.push(format!("DTSTART;TZID={}:{}", tz.name(), format_date_time(local)));
        }
    }
    lines.push(format!("RRULE:{}", rule_text(pattern)));
    if !pattern.exdates.is_empty() {
        let dates: Vec<String> = pattern.exdates.iter().map(|&d| format_date(d)).collect();
        lines.push(format!("EXDATE;VALUE=DATE:{}", dates.join(",")));
    }
    if dtstart.is_none() && tz != Tz::UTC {
        lines.push(format!("{X_TIMEZONE}:{}", tz.name()));
    }
    if pattern.anchor != Anchor::Schedule {
        lines.push(format!("{X_ANCHOR}:{}", pattern.anchor.rrule()));
    }
    if pattern.catch_up != CatchUp::All {
        lines.push(format!("{X_CATCHUP}:{}", pattern.catch_up.rrule()));
    }
    Ok(lines.join("\n"))
}

/// The RRULE value: parts in the fixed order of the module docs.
pub(crate) fn rule_text(p: &Pattern) -> String {
    let mut parts = Vec::new();
    let clamp = p.month_day_overflow == MonthDayOverflow::Clamp;
    if clamp {
        parts.push("RSCALE=GREGORIAN".to_string());
    }
    parts.push(format!("FREQ={}", p.frequency.rrule()));
    if p.interval != 1 {
        parts.push(format!("INTERVAL={}", p.interval));
    }
    if p.week_start != Weekday::Mon {
        parts.push(format!("WKST={}", weekday_code(p.week_start)));
    }
    if !p.days_of_week.is_empty() || !p.nth_weekdays.is_empty() {
        let days = p.days_of_week.iter().map(|&d| weekday_code(d).to_string());
        let nths = p.nth_weekdays.iter().map(|n| format!("{}{}", n.nth, weekday_code(n.day)));
        parts.push(format!("BYDAY={}", days.chain(nths).collect::<Vec<_>>().join(",")));
    }
    if !p.day_of_month.is_empty() {
        parts.push(format!("BYMONTHDAY={}", list(&p.day_of_month, ",")));
    }
    if !p.month_of_year.is_empty() {
        parts.push(format!("BYMONTH={}", list(&p.month_of_year, ",")));
    }
    if !p.set_pos.is_empty() {
        parts.push(format!("BYSETPOS={}", list(&p.set_pos, ",")));
    }
    if let Some(count) = p.count {
        parts.push(format!("COUNT={count}"));
    }
    match p.until {
        Some(Until::Instant(t)) => parts.push(format!("UNTIL={}", format_utc(clamp_to_rfc_years(t)))),
        Some(Until::Date(d)) => match end_of_local_day(p.timezone, d) {
            Some(t) if has_rfc_year(t) => parts.push(format!("UNTIL={}", format_utc(t))),
            // The UTC instant would need a fifth digit or a sign; the date says the same.
            _ => parts.push(format!("UNTIL={}", format_date(d))),
        },
        None => {}
    }
    if clamp {
        parts.push(format!("SKIP={}", MonthDayOverflow::Clamp.rrule()));
    }
    parts.join(";")
}

pub(crate) fn weekday_code(day: Weekday) -> &'static str {
    WEEKDAY_CODES[day.num_days_from_monday() as usize]
}

pub(crate) fn format_date(d: NaiveDate) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// `YYYYMMDDTHHMMSS`, whole seconds.
pub(crate) fn format_date_time(t: NaiveDateTime) -> String {
    format!("{}T{:02}{:02}{:02}", format_date(t.date()), t.hour(), t.minute(), t.second())
}

fn format_utc(t: DateTime<Utc>) -> String {
    format!("{}Z", format_date_time(t.naive_utc()))
}

pub(crate) fn has_rfc_year(t: DateTime<Utc>) -> bool {
    (0..=9999).contains(&t.year())
}

fn clamp_to_rfc_years(t: DateTime<Utc>) -> DateTime<Utc> {
    let first = NaiveDate::from_ymd_opt(0, 1, 1).map(|d| d.and_time(NaiveTime::MIN).and_utc());
    let last =
        NaiveDate::from_ymd_opt(9999, 12, 31).and_then(|d| d.and_hms_opt(23, 59, 59)).map(|t| t.and_utc());
    match (first, last) {
        (Some(first), _) if t < first => first,
        (_, Some(last)) if t > last => last,
        _ => t,
    }
}
