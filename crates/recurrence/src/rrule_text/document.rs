//! One text's properties (DTSTART, RRULE, EXDATE, X-SYNAPSE-*), read into the pattern's
//! JSON, which then goes through the same validation as any pattern.

use super::lex::{parse_date_value, parse_tz, split_line, DateValue, Line, Property};
use super::rule::Rule;
use super::write::has_rfc_year;
use super::{invalid, X_ANCHOR, X_CATCHUP, X_TIMEZONE};
use crate::calendar::{end_of_local_day, format_date, local_to_utc};
use crate::error::Result;
use crate::message::quote;
use crate::pattern::{keys, Anchor, CatchUp, Keyword, Pattern};
use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};

/// The time zone a DTSTART fixes, if any.
#[derive(Debug, Clone, Copy, PartialEq)]
enum StartZone {
    Zone(Tz),
    Floating,
}

struct ExDate {
    tzid: Option<Tz>,
    value: DateValue,
}

#[derive(Default)]
pub(crate) struct Document {
    dtstart: Option<(StartZone, DateValue)>,
    rule: Option<Rule>,
    exdates: Vec<ExDate>,
    timezone: Option<Tz>,
    anchor: Option<Anchor>,
    catch_up: Option<CatchUp>,
}

impl Document {
    pub(crate) fn read_line(&mut self, line: &str) -> Result<()> {
        let prop = match split_line(line)? {
            Line::BareRule(rule) => return self.set_rule(rule),
            Line::Property(prop) => prop,
        };
        match prop.name.as_str() {
            "RRULE" => {
                prop.params(&[])?;
                self.set_rule(prop.value)
            }
            "DTSTART" => self.read_dtstart(&prop),
            "EXDATE" => self.read_exdate(&prop),
            X_TIMEZONE => {
                prop.params(&[])?;
                let tz = prop.value.parse::<Tz>().map_err(|_| {
                    invalid(format!("{X_TIMEZONE}:{} is not a known IANA time zone", quote(prop.value)))
                })?;
                set_once(&mut self.timezone, tz, X_TIMEZONE)
            }
            X_ANCHOR => read_keyword(&prop, &mut self.anchor),
            X_CATCHUP => read_keyword(&prop, &mut self.catch_up),
            "RDATE" => Err(invalid(format!(
                "RDATE:{} is not supported (a pattern cannot hold extra dates)",
                quote(prop.value)
            ))),
            "EXRULE" => Err(invalid(format!(
                "EXRULE:{} is not supported (deprecated by RFC 5545; use EXDATE)",
                quote(prop.value)
            ))),
            other => Err(invalid(format!(
                "unknown property {} (expected DTSTART, RRULE, EXDATE, X-SYNAPSE-TIMEZONE, X-SYNAPSE-ANCHOR or X-SYNAPSE-CATCHUP)",
                quote(other)
            ))),
        }
    }

    fn set_rule(&mut self, text: &str) -> Result<()> {
        if self.rule.is_some() {
            return Err(invalid("two RRULE lines (only one rule is supported)"));
        }
        self.rule = Some(Rule::parse(text)?);
        Ok(())
    }

    fn read_dtstart(&mut self, prop: &Property<'_>) -> Result<()> {
        if self.dtstart.is_some() {
            return Err(invalid("DTSTART appears twice"));
        }
        let (tzid, value_type) = prop.params(&["TZID", "VALUE"])?;
        let value = parse_date_value(prop.value).ok_or_else(|| {
            invalid(format!(
                "DTSTART:{} is not a date-time YYYYMMDDTHHMMSS[Z] or a date YYYYMMDD",
                quote(prop.value)
            ))
        })?;
        check_value_type("DTSTART", prop.value, value_type.as_deref(), value)?;
        let zone = match (tzid, value) {
            (Some(_), DateValue::Utc(_)) => {
                return Err(invalid(format!(
                    "DTSTART:{}: a UTC time (ending in Z) takes no TZID",
                    quote(prop.value)
                )))
            }
            (Some(name), _) => StartZone::Zone(parse_tz(name)?),
            (None, DateValue::Utc(_)) => StartZone::Zone(Tz::UTC),
            (None, _) => StartZone::Floating,
        };
        self.dtstart = Some((zone, value));
        Ok(())
    }

    fn read_exdate(&mut self, prop: &Property<'_>) -> Result<()> {
        let (tzid, value_type) = prop.params(&["TZID", "VALUE"])?;
        if value_type.as_deref() == Some("PERIOD") {
            return Err(invalid("EXDATE;VALUE=PERIOD is not supported (dates or date-times only)"));
        }
        let tzid = tzid.map(parse_tz).transpose()?;
        for item in prop.value.split(',') {
            let value = parse_date_value(item).ok_or_else(|| {
                invalid(format!(
                    "EXDATE:{}: {} is not a date YYYYMMDD or a date-time YYYYMMDDTHHMMSS[Z]",
                    quote(prop.value),
                    quote(item)
                ))
            })?;
            check_value_type("EXDATE", item, value_type.as_deref(), value)?;
            if tzid.is_some() && matches!(value, DateValue::Utc(_)) {
                return Err(invalid(format!(
                    "EXDATE:{}: a UTC time (ending in Z) takes no TZID",
                    quote(item)
                )));
            }
            self.exdates.push(ExDate { tzid, value });
        }
        Ok(())
    }

    pub(crate) fn finish(self) -> Result<(Pattern, Option<DateTime<Utc>>)> {
        let rule = self.rule.ok_or_else(|| invalid("no RRULE line"))?;
        let tz = match (self.dtstart.map(|(zone, _)| zone), self.timezone) {
            (Some(StartZone::Zone(start)), Some(named)) if start != named => {
                return Err(invalid(format!(
                    "{X_TIMEZONE}:{} contradicts DTSTART's time zone {}",
                    named.name(),
                    start.name()
                )))
            }
            (Some(StartZone::Zone(start)), _) => start,
            (_, Some(named)) => named,
            _ => Tz::UTC,
        };

        let mut map = Map::new();
        map.insert(keys::FREQUENCY.into(), json!(rule.frequency.json()));
        if let Some(interval) = rule.interval {
            map.insert(keys::INTERVAL.into(), json!(interval));
        }
        if rule.weekdays != 0 {
            let days: Vec<u32> = (0..7).filter(|i| rule.weekdays & 1 << i != 0).map(|i| i + 1).collect();
            map.insert(keys::DAYS_OF_WEEK.into(), json!(days));
        }
        if !rule.nth_weekdays.is_empty() {
            let nths = rule
                .nth_weekdays
                .iter()
                .map(|&(nth, day)| json!({keys::NTH_DAY: day.number_from_monday(), keys::NTH_NTH: nth}));
            map.insert(keys::NTH_WEEKDAYS.into(), Value::Array(nths.collect()));
        }
        if let Some(days) = rule.month_days {
            map.insert(keys::DAY_OF_MONTH.into(), json!(days));
        }
        if let Some(months) = rule.months {
            map.insert(keys::MONTH_OF_YEAR.into(), json!(months));
        }
        if let Some(positions) = rule.set_pos {
            map.insert(keys::SET_POS.into(), json!(positions));
        }
        if let Some(day) = rule.week_start {
            map.insert(keys::WEEK_START.into(), json!(day.number_from_monday()));
        }
        if let Some(overflow) = rule.overflow {
            map.insert(keys::MONTH_DAY_OVERFLOW.into(), json!(overflow.json()));
        }
        if let Some(count) = rule.count {
            map.insert(keys::COUNT.into(), json!(count));
        }
        if let Some((text, value)) = rule.until {
            map.insert(keys::UNTIL.into(), until_json(tz, &text, value)?);
        }
        map.insert(keys::TIMEZONE.into(), json!(tz.name()));
        if !self.exdates.is_empty() {
            let dates: Vec<String> = self.exdates.iter().map(|e| format_date(exdate_in(tz, e))).collect();
            map.insert(keys::EXDATES.into(), json!(dates));
        }
        if let Some(anchor) = self.anchor {
            map.insert(keys::ANCHOR.into(), json!(anchor.json()));
        }
        if let Some(catch_up) = self.catch_up {
            map.insert(keys::CATCH_UP.into(), json!(catch_up.json()));
        }
        let pattern = Pattern::from_json(&Value::Object(map))?;

        let start = self.dtstart.map(|(_, value)| match value {
            DateValue::Utc(t) => t,
            DateValue::Local(local) => local_to_utc(tz, local),
            DateValue::Date(d) => local_to_utc(tz, d.and_time(NaiveTime::MIN)),
        });
        Ok((pattern, start))
    }
}

/// An X-SYNAPSE property holding one of a keyword's values, at most once.
fn read_keyword<K: Keyword>(prop: &Property<'_>, slot: &mut Option<K>) -> Result<()> {
    prop.params(&[])?;
    let value = K::from_rrule(prop.value).ok_or_else(|| {
        let names: Vec<String> = K::ALL.iter().map(|v| format!("\"{}\"", v.rrule())).collect();
        invalid(format!("{}:{} is not {}", prop.name, quote(prop.value), names.join(" or ")))
    })?;
    set_once(slot, value, &prop.name)
}

fn set_once<T>(slot: &mut Option<T>, value: T, name: &str) -> Result<()> {
    if slot.replace(value).is_some() {
        return Err(invalid(format!("{name} appears twice")));
    }
    Ok(())
}

/// A VALUE parameter must agree with the value's shape; without one, both are accepted.
fn check_value_type(property: &str, text: &str, value_type: Option<&str>, value: DateValue) -> Result<()> {
    let is_date = matches!(value, DateValue::Date(_));
    match value_type {
        None => Ok(()),
        Some("DATE") if is_date => Ok(()),
        Some("DATE-TIME") if !is_date => Ok(()),
        Some(other @ ("DATE" | "DATE-TIME")) => Err(invalid(format!(
            "{property};VALUE={other}: {} is not a {}",
            quote(text),
            other.to_ascii_lowercase()
        ))),
        Some(other) => Err(invalid(format!("{property};VALUE={} is not supported", quote(other)))),
    }
}

/// UNTIL as the pattern's JSON: a date, or an RFC 3339 UTC timestamp.
fn until_json(tz: Tz, text: &str, value: DateValue) -> Result<Value> {
    let instant = match value {
        DateValue::Date(d) => return Ok(json!(format_date(d))),
        DateValue::Utc(t) => t,
        DateValue::Local(local) => local_to_utc(tz, local),
    };
    // The last second of a local day is how a date UNTIL must be written next to a
    // DTSTART with a time; reading it back as the date keeps the round trip exact.
    let local_date = instant.with_timezone(&tz).date_naive();
    if end_of_local_day(tz, local_date) == Some(instant) {
        return Ok(json!(format_date(local_date)));
    }
    if !has_rfc_year(instant) {
        return Err(invalid(format!("UNTIL={} is outside the years 0000..9999 in UTC", quote(text))));
    }
    Ok(json!(instant.to_rfc3339_opts(SecondsFormat::Secs, true)))
}

/// The local date in `tz` an EXDATE value stands for.
fn exdate_in(tz: Tz, e: &ExDate) -> NaiveDate {
    match (e.value, e.tzid) {
        (DateValue::Date(d), _) => d,
        (DateValue::Utc(t), _) => t.with_timezone(&tz).date_naive(),
        (DateValue::Local(local), Some(zone)) if zone != tz => {
            local_to_utc(zone, local).with_timezone(&tz).date_naive()
        }
        (DateValue::Local(local), _) => local.date(),
    }
}
