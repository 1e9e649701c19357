//! An RRULE value's rule parts, read but not yet checked against the pattern contract.

use super::invalid;
use super::lex::{parse_date_value, parse_weekday, DateValue};
use crate::error::{RecurrenceError, Result};
use crate::message::{alternatives, quote};
use crate::pattern::{Frequency, Keyword, MonthDayOverflow};
use chrono::Weekday;

/// More digits than this cannot be any valid value, and still fit an i64.
const MAX_DIGITS: usize = 18;

/// The rule parts of an RRULE value, read but not yet checked against the contract.
pub(crate) struct Rule {
    pub(crate) frequency: Frequency,
    pub(crate) interval: Option<i64>,
    pub(crate) week_start: Option<Weekday>,
    /// Bit n: ISO weekday n+1 without ordinal (repeats in BYDAY are harmless, so merged).
    pub(crate) weekdays: u8,
    pub(crate) nth_weekdays: Vec<(i64, Weekday)>,
    pub(crate) month_days: Option<Vec<i64>>,
    pub(crate) months: Option<Vec<i64>>,
    pub(crate) set_pos: Option<Vec<i64>>,
    pub(crate) count: Option<i64>,
    /// The value as written, for messages, and as read.
    pub(crate) until: Option<(String, DateValue)>,
    pub(crate) overflow: Option<MonthDayOverflow>,
}

/// Rule parts this reader knows; the index is the bit in `Rule::parse`'s `seen`.
const RULE_PARTS: [&str; 17] = [
    "FREQ",
    "INTERVAL",
    "WKST",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYSETPOS",
    "COUNT",
    "UNTIL",
    "RSCALE",
    "SKIP",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYHOUR",
    "BYMINUTE",
    "BYSECOND",
    "BYEASTER",
];

impl Rule {
    pub(crate) fn parse(text: &str) -> Result<Rule> {
        let mut frequency = None;
        let mut rule = Rule {
            frequency: Frequency::Daily,
            interval: None,
            week_start: None,
            weekdays: 0,
            nth_weekdays: Vec::new(),
            month_days: None,
            months: None,
            set_pos: None,
            count: None,
            until: None,
            overflow: None,
        };
        let mut rscale = false;
        let mut skip: Option<(&str, MonthDayOverflow)> = None;
        let mut seen = 0u32;
        // Empty parts (a trailing or doubled ';') carry nothing and are skipped.
        for part in text.split(';').filter(|p| !p.trim().is_empty()) {
            let Some((raw_name, value)) = part.split_once('=') else {
                return Err(invalid(format!("rule part {} has no '=' (expected NAME=VALUE)", quote(part))));
            };
            let name = raw_name.trim().to_ascii_uppercase();
            let value = value.trim();
            let Some(index) = RULE_PARTS.iter().position(|p| *p == name) else {
                return Err(invalid(format!("unknown rule part {}", quote(part))));
            };
            if seen & 1 << index != 0 {
                return Err(invalid(format!("rule part {name} appears twice")));
            }
            seen |= 1 << index;
            let shown = || format!("{name}={}", quote(value));
            match name.as_str() {
                "FREQ" => {
                    frequency = Some(Frequency::from_rrule(value).ok_or_else(|| {
                        let names: Vec<&str> = Frequency::ALL.iter().map(|f| f.rrule()).collect();
                        if ["HOURLY", "MINUTELY", "SECONDLY"].iter().any(|f| f.eq_ignore_ascii_case(value)) {
                            invalid(format!(
                                "sub-daily {} is not supported (only {})",
                                shown(),
                                names.join(", ")
                            ))
                        } else {
                            invalid(format!("{} is not a frequency ({})", shown(), alternatives(&names)))
                        }
                    })?)
                }
                "INTERVAL" => rule.interval = Some(parse_int(&name, value, value, false)?),
                "COUNT" => rule.count = Some(parse_int(&name, value, value, false)?),
                "WKST" => {
                    rule.week_start = Some(parse_weekday(value).ok_or_else(|| {
                        invalid(format!("{} is not a weekday (MO, TU, WE, TH, FR, SA, SU)", shown()))
                    })?)
                }
                "BYDAY" => rule.read_byday(value)?,
                "BYMONTHDAY" => rule.month_days = Some(parse_list(&name, value, true)?),
                "BYMONTH" => rule.months = Some(parse_list(&name, value, false)?),
                "BYSETPOS" => rule.set_pos = Some(parse_list(&name, value, true)?),
                "UNTIL" => {
                    let until = parse_date_value(value).ok_or_else(|| {
                        invalid(format!(
                            "{} is not a date YYYYMMDD or a date-time YYYYMMDDTHHMMSS[Z]",
                            shown()
                        ))
                    })?;
                    rule.until = Some((value.to_string(), until));
                }
                "RSCALE" => {
                    if !value.eq_ignore_ascii_case("GREGORIAN") {
                        return Err(invalid(format!("{} is not supported (only GREGORIAN)", shown())));
                    }
                    rscale = true;
                }
                "SKIP" => {
                    let overflow = MonthDayOverflow::from_rrule(value).ok_or_else(|| {
                        let names: Vec<&str> = MonthDayOverflow::ALL.iter().map(|o| o.rrule()).collect();
                        if value.eq_ignore_ascii_case("FORWARD") {
                            invalid(format!("{} is not supported (only {})", shown(), names.join(" and ")))
                        } else {
                            invalid(format!("{} is not {} or FORWARD", shown(), names.join(", ")))
                        }
                    })?;
                    skip = Some((value, overflow));
                }
                "BYHOUR" | "BYMINUTE" | "BYSECOND" => {
                    return Err(invalid(format!(
                        "{} is not supported (the time of day comes from DTSTART)",
                        shown()
                    )))
                }
                _ => return Err(invalid(format!("{} is not supported", shown()))),
            }
        }
        rule.frequency = frequency.ok_or_else(|| invalid(format!("RRULE:{} has no FREQ", quote(text))))?;
        match (skip, rscale) {
            (Some((value, _)), false) => {
                return Err(invalid(format!("SKIP={} needs RSCALE=GREGORIAN (RFC 7529)", quote(value))))
            }
            // RFC 7529: RSCALE without SKIP means SKIP=OMIT.
            (None, true) => rule.overflow = Some(MonthDayOverflow::Skip),
            (Some((_, overflow)), true) => rule.overflow = Some(overflow),
            (None, false) => {}
        }
        Ok(rule)
    }

    /// BYDAY items: `MO` (every Monday) or `[+|-]nMO` (the nth Monday).
    fn read_byday(&mut self, value: &str) -> Result<()> {
        for item in value.split(',') {
            if item.is_empty() {
                return Err(empty_item("BYDAY", value));
            }
            let bad = || {
                invalid(format!(
                    "BYDAY={}: {} is not a weekday (MO…SU) with an optional ordinal such as -1FR",
                    quote(value),
                    quote(item)
                ))
            };
            let split = item.len().checked_sub(2).filter(|&i| item.is_char_boundary(i)).ok_or_else(bad)?;
            let day = parse_weekday(&item[split..]).ok_or_else(bad)?;
            let ordinal = &item[..split];
            if ordinal.is_empty() {
                self.weekdays |= 1 << day.num_days_from_monday();
            } else {
                let nth = parse_int("BYDAY", value, ordinal, true)?;
                self.nth_weekdays.push((nth, day));
            }
        }
        Ok(())
    }
}

fn empty_item(name: &str, value: &str) -> RecurrenceError {
    if value.is_empty() {
        invalid(format!("{name}= has no value"))
    } else {
        invalid(format!("{name}={} has an empty item", quote(value)))
    }
}

/// A comma-separated list of integers, each optionally signed when `signed`.
fn parse_list(name: &str, value: &str, signed: bool) -> Result<Vec<i64>> {
    value.split(',').map(|item| parse_int(name, value, item, signed)).collect()
}

/// One integer `item` of rule part `name` whose whole value is `value`.
fn parse_int(name: &str, value: &str, item: &str, signed: bool) -> Result<i64> {
    let (negative, digits) = match item.as_bytes().first() {
        Some(b'+') if signed => (false, &item[1..]),
        Some(b'-') if signed => (true, &item[1..]),
        _ => (false, item),
    };
    if item.is_empty() {
        return Err(empty_item(name, value));
    }
    let what = if signed { "an integer" } else { "a positive integer" };
    let shown = if item == value {
        format!("{name}={}", quote(value))
    } else {
        format!("{name}={}: {}", quote(value), quote(item))
    };
    if name == "BYMONTH" && item.ends_with(['L', 'l']) {
        return Err(invalid(format!(
            "{shown} is a leap month, which is not supported (RFC 7529, other calendars)"
        )));
    }
    if digits.is_empty() || digits.len() > MAX_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!("{shown} is not {what}")));
    }
    let n: i64 = digits.parse().map_err(|_| invalid(format!("{shown} is not {what}")))?;
    Ok(if negative { -n } else { n })
}
