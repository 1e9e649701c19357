//! Lexing: logical lines (folding undone), a content line split into name, parameters and
//! value, DATE / DATE-TIME values, weekday codes.

use super::invalid;
use super::write::WEEKDAY_CODES;
use crate::calendar::weekday_from_iso;
use crate::error::Result;
use crate::message::quote;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

/// Logical lines: RFC 5545 folding undone (as iCalendar text), each trimmed, blank ones
/// dropped.
pub(crate) fn unfold(text: &str) -> Vec<String> {
    crate::ical::unfold(text).into_iter().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect()
}

/// A DATE or DATE-TIME value as written.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DateValue {
    Date(NaiveDate),
    /// Without `Z`: wall-clock time in a TZID's zone, or floating.
    Local(NaiveDateTime),
    Utc(DateTime<Utc>),
}

/// `YYYYMMDD`, `YYYYMMDDTHHMMSS` or `YYYYMMDDTHHMMSSZ` (T and Z in either case).
pub(crate) fn parse_date_value(text: &str) -> Option<DateValue> {
    let b = text.as_bytes();
    let number = |from: usize, to: usize| -> Option<u32> {
        let digits = b.get(from..to)?;
        digits.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(number(0, 4)?).ok()?, number(4, 6)?, number(6, 8)?)?;
    match b.len() {
        8 => Some(DateValue::Date(date)),
        15 | 16 if b[8].eq_ignore_ascii_case(&b'T') => {
            let time = NaiveTime::from_hms_opt(number(9, 11)?, number(11, 13)?, number(13, 15)?)?;
            let local = date.and_time(time);
            match b.get(15) {
                None => Some(DateValue::Local(local)),
                Some(z) if z.eq_ignore_ascii_case(&b'Z') => Some(DateValue::Utc(local.and_utc())),
                Some(_) => None,
            }
        }
        _ => None,
    }
}

pub(crate) fn parse_weekday(code: &str) -> Option<Weekday> {
    let i = WEEKDAY_CODES.iter().position(|c| c.eq_ignore_ascii_case(code))?;
    weekday_from_iso(i as i64 + 1)
}

pub(crate) fn parse_tz(name: &str) -> Result<Tz> {
    name.parse::<Tz>().map_err(|_| invalid(format!("TZID={} is not a known IANA time zone", quote(name))))
}

/// One content line, split: `NAME;PARAM=VALUE;…:VALUE`.
pub(crate) struct Property<'a> {
    /// Upper-cased.
    pub(crate) name: String,
    /// Names upper-cased, values unquoted.
    params: Vec<(String, &'a str)>,
    pub(crate) value: &'a str,
}

pub(crate) enum Line<'a> {
    Property(Property<'a>),
    /// A rule without the `RRULE:` prefix, e.g. `FREQ=DAILY;COUNT=3`.
    BareRule(&'a str),
}

/// Splits a content line. Delimiters are ASCII, so every byte index used is a char
/// boundary.
pub(crate) fn split_line(line: &str) -> Result<Line<'_>> {
    let bytes = line.as_bytes();
    let name_end = bytes.iter().position(|&b| b == b';' || b == b':').unwrap_or(bytes.len());
    let name = &line[..name_end];
    // Property names never hold '=', rule parts always do.
    if name.contains('=') {
        return Ok(Line::BareRule(line));
    }
    let bad_line =
        || invalid(format!("cannot read line \"{}\" (expected NAME:VALUE or an RRULE)", quote(line)));
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(bad_line());
    }
    let mut params = Vec::new();
    let mut pos = name_end;
    while bytes.get(pos) == Some(&b';') {
        let start = pos + 1;
        let eq = start + bytes[start..].iter().position(|&b| b == b'=').ok_or_else(bad_line)?;
        let param_name = &line[start..eq];
        if param_name.is_empty() || !param_name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(bad_line());
        }
        let value_start = eq + 1;
        let (value, end) = if bytes.get(value_start) == Some(&b'"') {
            let close = value_start
                + 1
                + bytes[value_start + 1..].iter().position(|&b| b == b'"').ok_or_else(bad_line)?;
            (&line[value_start + 1..close], close + 1)
        } else {
            let end = value_start
                + bytes[value_start..]
                    .iter()
                    .position(|&b| b == b';' || b == b':')
                    .unwrap_or(bytes.len() - value_start);
            (&line[value_start..end], end)
        };
        params.push((param_name.to_ascii_uppercase(), value));
        pos = end;
    }
    if bytes.get(pos) != Some(&b':') {
        return Err(bad_line());
    }
    Ok(Line::Property(Property { name: name.to_ascii_uppercase(), params, value: &line[pos + 1..] }))
}

impl Property<'_> {
    /// Rejects parameters other than `allowed`; returns TZID and VALUE when allowed.
    pub(crate) fn params(&self, allowed: &[&str]) -> Result<(Option<&str>, Option<String>)> {
        let mut tzid = None;
        let mut value_type = None;
        for (name, value) in &self.params {
            if !allowed.contains(&name.as_str()) {
                return Err(invalid(format!(
                    "{}: parameter {}={} is not supported",
                    self.name,
                    quote(name),
                    quote(value)
                )));
            }
            let repeated = match name.as_str() {
                "TZID" => tzid.replace(*value).is_some(),
                "VALUE" => value_type.replace(value.to_ascii_uppercase()).is_some(),
                _ => false,
            };
            if repeated {
                return Err(invalid(format!("{}: parameter {name} appears twice", self.name)));
            }
        }
        Ok((tzid, value_type))
    }
}
