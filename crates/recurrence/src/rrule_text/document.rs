//! One text's properties (DTSTART, RRULE, EXDATE, X-SYNAPSE-*), read into the pattern's
//! JSON, which then goes through the same validation as any pattern.

use super::invalid;
use super::lex::{parse_date_value, parse_tz, split_line, DateValue, Line, Property};
use super::rule::Rule;
use super::write::has_rfc_year;
use crate::calendar::{end_of_local_day, local_to_utc};
use crate::error::Result;
use crate::message::quote;
use crate::pattern::{Anchor, CatchUp, MonthDayOverflow, Pattern};
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
            "X-SYNAPSE-TIMEZONE" => {
                prop.params(&[])?;
                let tz = prop.value.parse::<Tz>().map_err(|_| {
                    invalid(format!("X-SYNAPSE-TIMEZONE:{} is not a known IANA time zone", quote(prop.value)))
                })?;
                set_once(&mut self.timezone, tz, "X-SYNAPSE-TIMEZONE")
            }
            "X-SYNAPSE-ANCHOR" => {
                prop.params(&[])?;
                let anchor = match prop.value.to_ascii_lowercase().as_str() {
                    "schedule" => Anchor::Schedule,
                    "completion" => Anchor::Completion,
                    _ => {
                        return Err(invalid(format!(
                            "X-SYNAPSE-ANCHOR:{} is not \"schedule\" or \"completion\"",
                            quote(prop.value)
                        )))
                    }
                };
                set_once(&mut self.anchor, anchor, "X-SYNAPSE-ANCHOR")
            }
            "X-SYNAPSE-CATCHUP" => {
                prop.params(&[])?;
                let catch_up = match prop.value.to_ascii_lowercase().as_str() {
                    "all" => CatchUp::All,
                    "latest" => CatchUp::Latest,
                    _ => {
                        return Err(invalid(format!(
                            "X-SYNAPSE-CATCHUP:{} is not \"all\" or \"latest\"",
                            quote(prop.value)
                        )))
                    }
                };
                set_once(&mut self.catch_up, catch_up, "X-SYNAPSE-CATCHUP")
            }
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
            invalid(format!("DTSTART:{} is not a date-time YYYYMMDDTHHMMSS[Z] or a date YYYYMMDD", quote(prop.value)))
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
                return Err(invalid(format!("EXDATE:{}: a UTC time (ending in Z) takes no TZID", quote(item))));
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
                    "X-SYNAPSE-TIMEZONE:{} contradicts DTSTART's time zone {}",
                    named.name(),
                    start.name()
                )))
            }
            (Some(StartZone::Zone(start)), _) => start,
            (_, Some(named)) => named,
            _ => Tz::UTC,
        };

        let mut map = Map::new();
        map.insert("frequency".into(), json!(rule.frequency.name()));
        if let Some(interval) = rule.interval {
            map.insert("interval".into(), json!(interval));
        }
        if rule.weekdays != 0 {
            let days: Vec<u32> = (0..7).filter(|i| rule.weekdays & 1 << i != 0).map(|i| i + 1).collect();
            map.insert("daysOfWeek".into(), json!(days));
        }
        if !rule.nth_weekdays.is_empty() {
            let nths: Vec<Value> = rule
                .nth_weekdays
                .iter()
                .map(|&(nth, day)| json!({"day": day.number_from_monday(), "nth": nth}))
                .collect();
            map.insert("nthWeekdays".into(), Value::Array(nths));
        }
        if let Some(days) = rule.month_days {
            map.insert("dayOfMonth".into(), json!(days));
        }
        if let Some(months) = rule.months {
            map.insert("monthOfYear".into(), json!(months));
        }
        if let Some(positions) = rule.set_pos {
            map.insert("setPos".into(), json!(positions));
        }
        if let Some(day) = rule.week_start {
            map.insert("weekStart".into(), json!(day.number_from_monday()));
        }
        if let Some(overflow) = rule.overflow {
            let name = match overflow {
                MonthDayOverflow::Skip => "skip",
                MonthDayOverflow::Clamp => "clamp",
            };
            map.insert("monthDayOverflow".into(), json!(name));
        }
        if let Some(count) = rule.count {
            map.insert("count".into(), json!(count));
        }
        if let Some((text, value)) = rule.until {
            map.insert("until".into(), until_json(tz, &text, value)?);
        }
        map.insert("timezone".into(), json!(tz.name()));
        if !self.exdates.is_empty() {
            let dates: Vec<String> =
                self.exdates.iter().map(|e| exdate_in(tz, e).format("%Y-%m-%d").to_string()).collect();
            map.insert("exdates".into(), json!(dates));
        }
        if let Some(anchor) = self.anchor {
            let name = match anchor {
                Anchor::Schedule => "schedule",
                Anchor::Completion => "completion",
            };
            map.insert("anchor".into(), json!(name));
        }
        if let Some(catch_up) = self.catch_up {
            let name = match catch_up {
                CatchUp::All => "all",
                CatchUp::Latest => "latest",
            };
            map.insert("catchUp".into(), json!(name));
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
        Some(other @ ("DATE" | "DATE-TIME")) => {
            Err(invalid(format!("{property};VALUE={other}: {} is not a {}", quote(text), other.to_ascii_lowercase())))
        }
        Some(other) => Err(invalid(format!("{property};VALUE={} is not supported", quote(other)))),
    }
}

/// UNTIL as the pattern's JSON: a date, or an RFC 3339 UTC timestamp.
fn until_json(tz: Tz, text: &str, value: DateValue) -> Result<Value> {
    let instant = match value {
        DateValue::Date(d) => return Ok(json!(d.format("%Y-%m-%d").to_string())),
        DateValue::Utc(t) => t,
        DateValue::Local(local) => local_to_utc(tz, local),
    };
    // The last second of a local day is how a date UNTIL must be written next to a
    // DTSTART with a time; reading it back as the date keeps the round trip exact.
    let local_date = instant.with_timezone(&tz).date_naive();
    if end_of_local_day(tz, local_date) == Some(instant) {
        return Ok(json!(local_date.format("%Y-%m-%d").to_string()));
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
