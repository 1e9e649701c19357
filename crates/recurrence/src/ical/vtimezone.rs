//! VTIMEZONE components from chrono-tz's transitions (the same rules the engine uses),
//! for the span of a calendar's dates: the observance in force at its start, each change
//! within it, and, where a zone keeps changing by a yearly rule (the last Sunday of
//! March), that rule as an RRULE from the first change that follows it, checked against
//! the ten years after the span, so that clients read later dates right too.

use super::content::Writer;
use crate::calendar::days_in_month;
use crate::rrule_text::weekday_code;
use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Offset as _, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// How far back the observance in force at a span's start is looked for.
const LOOKBACK_YEARS: i64 = 100;
/// How long after the span a yearly rule must keep matching the zone's changes.
const RULE_CHECK_YEARS: i32 = 10;
/// The scan's step: no zone changes twice within it.
const STEP_HOURS: i64 = 12;

/// The offset in force at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Offset {
    total: i32,
    dst: bool,
    name: String,
}

fn offset_at(tz: Tz, at: DateTime<Utc>) -> Offset {
    let o = tz.offset_from_utc_datetime(&at.naive_utc());
    Offset {
        total: o.fix().local_minus_utc(),
        dst: !o.dst_offset().is_zero(),
        name: o.abbreviation().map(str::to_string).unwrap_or_else(|| offset_text(o.fix().local_minus_utc())),
    }
}

/// The offset and whether it is daylight time: what the scan compares, without the name.
fn kind_at(tz: Tz, at: DateTime<Utc>) -> (i32, bool) {
    let o = tz.offset_from_utc_datetime(&at.naive_utc());
    (o.fix().local_minus_utc(), !o.dst_offset().is_zero())
}

/// A change of offset: the instant, and the offsets before and after it.
#[derive(Debug, Clone, PartialEq)]
struct Transition {
    at: DateTime<Utc>,
    from: Offset,
    to: Offset,
}

impl Transition {
    /// The wall-clock time of the change in the offset before it, as an observance's
    /// DTSTART gives it.
    fn local(&self) -> NaiveDateTime {
        self.at.naive_utc() + Duration::seconds(i64::from(self.from.total))
    }
}

/// The changes in [from, to): scanned in steps, each found to the second.
fn transitions(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Transition> {
    let step = Duration::hours(STEP_HOURS);
    let mut found = Vec::new();
    let mut at = from;
    let mut current = kind_at(tz, at);
    while at < to {
        let next = (at + step).min(to);
        if kind_at(tz, next) != current {
            // The first second with the new offset, between at (old) and next (new).
            let (mut lo, mut hi) = (at, next);
            while hi - lo > Duration::seconds(1) {
                // Whole seconds: offsets change on them, and DTSTART has no fraction.
                let mid = lo + Duration::seconds((hi - lo).num_seconds() / 2);
                if kind_at(tz, mid) == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            found.push(Transition { at: hi, from: offset_at(tz, lo), to: offset_at(tz, hi) });
            current = kind_at(tz, hi);
        }
        at = next;
    }
    found
}

/// The last change at or before `at`, looking back at most a century.
fn governing(tz: Tz, at: DateTime<Utc>) -> Option<Transition> {
    let mut end = at + Duration::seconds(1);
    for _ in 0..LOOKBACK_YEARS {
        let start = end - Duration::days(366);
        if let Some(last) = transitions(tz, start, end).pop() {
            return Some(last);
        }
        end = start;
    }
    None
}

/// A yearly rule of changes: the nth (or last, -1) weekday of a month at a local time.
#[derive(Debug, Clone, Copy, PartialEq)]
struct YearlyRule {
    month: u32,
    nth: i32,
    weekday: chrono::Weekday,
    time: chrono::NaiveTime,
}

impl YearlyRule {
    fn date_in(&self, year: i32) -> Option<NaiveDateTime> {
        let first = chrono::NaiveDate::from_ymd_opt(year, self.month, 1)?;
        let len = days_in_month(year, self.month)?;
        let to_weekday =
            (7 + self.weekday.num_days_from_monday() - first.weekday().num_days_from_monday()) % 7;
        let day = if self.nth > 0 {
            1 + to_weekday + 7 * (self.nth as u32 - 1)
        } else {
            let last = chrono::NaiveDate::from_ymd_opt(year, self.month, len)?;
            len - (7 + last.weekday().num_days_from_monday() - self.weekday.num_days_from_monday()) % 7
        };
        (day <= len)
            .then(|| chrono::NaiveDate::from_ymd_opt(year, self.month, day))
            .flatten()
            .map(|d| d.and_time(self.time))
    }

    /// Does `t` follow this rule, with the same offsets as `like`?
    fn matches(&self, t: &Transition, like: &Transition) -> bool {
        t.from == like.from && t.to == like.to && self.date_in(t.local().year()) == Some(t.local())
    }

    fn rrule(&self) -> String {
        format!("FREQ=YEARLY;BYMONTH={};BYDAY={}{}", self.month, self.nth, weekday_code(self.weekday))
    }
}

/// The rules `t` could follow: the last such weekday of its month, or the nth.
fn candidates(t: &Transition) -> Vec<YearlyRule> {
    let local = t.local();
    let (month, day) = (local.month(), local.day());
    let base = YearlyRule { month, nth: 1, weekday: local.weekday(), time: local.time() };
    let mut rules = Vec::new();
    if days_in_month(local.year(), month).is_some_and(|len| day + 7 > len) {
        rules.push(YearlyRule { nth: -1, ..base });
    }
    if day <= 28 {
        rules.push(YearlyRule { nth: ((day - 1) / 7 + 1) as i32, ..base });
    }
    rules
}

/// The yearly rule the zone's changes of one kind (to daylight time or to standard time)
/// follow from `last` on, checked against the changes of the years after `end`.
fn tail_rule(last: &Transition, later: &[Transition], end_year: i32) -> Option<YearlyRule> {
    let later: Vec<&Transition> = later.iter().filter(|t| t.to.dst == last.to.dst).collect();
    candidates(last).into_iter().find(|rule| {
        let years = end_year + 1..=end_year + RULE_CHECK_YEARS;
        let expected: Vec<NaiveDateTime> = years.clone().filter_map(|y| rule.date_in(y)).collect();
        let actual: Vec<NaiveDateTime> = later
            .iter()
            .filter(|t| years.contains(&t.local().year()) && rule.matches(t, last))
            .map(|t| t.local())
            .collect();
        let in_years = later.iter().filter(|t| years.contains(&t.local().year())).count();
        expected.len() == RULE_CHECK_YEARS as usize && actual == expected && in_years == expected.len()
    })
}

/// `+0100`, `-0430`, `+053328` (seconds only when there are any).
pub(crate) fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

fn local_text(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// One VTIMEZONE for `tz` covering [from, to].
pub(crate) fn write_vtimezone(w: &mut Writer, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) {
    w.line("BEGIN", &[], "VTIMEZONE");
    w.line("TZID", &[], tz.name());
    // libical and its users look the zone up by this name.
    w.line("X-LIC-LOCATION", &[], tz.name());
    let mut changes: Vec<Transition> = governing(tz, from).into_iter().collect();
    changes.extend(transitions(tz, from + Duration::seconds(1), to));
    if changes.is_empty() {
        // A zone without changes: one observance since long before any date.
        let o = offset_at(tz, from);
        let observance = if o.dst { "DAYLIGHT" } else { "STANDARD" };
        w.line("BEGIN", &[], observance);
        w.line("DTSTART", &[], "16010101T000000");
        w.line("TZOFFSETFROM", &[], &offset_text(o.total));
        w.line("TZOFFSETTO", &[], &offset_text(o.total));
        w.line("TZNAME", &[], &o.name);
        w.line("END", &[], observance);
        w.line("END", &[], "VTIMEZONE");
        return;
    }
    let later = transitions(tz, to, to + Duration::days(366 * i64::from(RULE_CHECK_YEARS + 1)));
    // For each kind of change, the run at the end that follows a yearly rule.
    let mut ruled: Vec<Option<YearlyRule>> = vec![None; changes.len()];
    let mut runs: Vec<(usize, YearlyRule)> = Vec::new();
    for dst in [false, true] {
        let Some(last) = changes.iter().rposition(|t| t.to.dst == dst) else { continue };
        let Some(rule) = tail_rule(&changes[last], &later, to.year()) else { continue };
        let mut first = last;
        for i in (0..last).rev() {
            if changes[i].to.dst != dst {
                continue;
            }
            if !rule.matches(&changes[i], &changes[last]) {
                break;
            }
            first = i;
        }
        for i in (first..=last).filter(|&i| changes[i].to.dst == dst) {
            ruled[i] = Some(rule);
        }
        runs.push((first, rule));
    }
    for (i, t) in changes.iter().enumerate() {
        let rule = match ruled[i] {
            // A ruled change is written once, as its run's first with the RRULE.
            Some(_) if !runs.iter().any(|&(first, _)| first == i) => continue,
            rule => rule,
        };
        let observance = if t.to.dst { "DAYLIGHT" } else { "STANDARD" };
        w.line("BEGIN", &[], observance);
        w.line("DTSTART", &[], &local_text(t.local()));
        if let Some(rule) = rule {
            w.line("RRULE", &[], &rule.rrule());
        }
        w.line("TZOFFSETFROM", &[], &offset_text(t.from.total));
        w.line("TZOFFSETTO", &[], &offset_text(t.to.total));
        w.line("TZNAME", &[], &t.to.name);
        w.line("END", &[], observance);
    }
    w.line("END", &[], "VTIMEZONE");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    fn vtimezone(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<String> {
        let mut w = Writer::default();
        write_vtimezone(&mut w, tz, from, to);
        w.finish().split("\r\n").filter(|l| !l.is_empty()).map(str::to_string).collect()
    }

    #[test]
    fn berlin_is_two_yearly_rules() {
        let lines = vtimezone(Tz::Europe__Berlin, utc(2026, 1, 10), utc(2027, 6, 1));
        assert_eq!(
            lines,
            [
                "BEGIN:VTIMEZONE",
                "TZID:Europe/Berlin",
                "X-LIC-LOCATION:Europe/Berlin",
                "BEGIN:STANDARD",
                "DTSTART:20251026T030000",
                "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
                "TZOFFSETFROM:+0200",
                "TZOFFSETTO:+0100",
                "TZNAME:CET",
                "END:STANDARD",
                "BEGIN:DAYLIGHT",
                "DTSTART:20260329T020000",
                "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
                "TZOFFSETFROM:+0100",
                "TZOFFSETTO:+0200",
                "TZNAME:CEST",
                "END:DAYLIGHT",
                "END:VTIMEZONE",
            ]
        );
    }

    #[test]
    fn new_york_before_2007_is_written_change_by_change() {
        let lines = vtimezone(Tz::America__New_York, utc(2006, 1, 1), utc(2008, 1, 1));
        let starts: Vec<&str> = lines
            .iter()
            .filter(|l| l.starts_with("DTSTART") || l.starts_with("RRULE"))
            .map(String::as_str)
            .collect();
        assert_eq!(
            starts,
            [
                "DTSTART:20051030T020000",
                "DTSTART:20060402T020000",
                "DTSTART:20061029T020000",
                "DTSTART:20070311T020000",
                "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
                "DTSTART:20071104T020000",
                "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
            ]
        );
    }

    #[test]
    fn a_zone_without_changes_has_one_observance() {
        // Kolkata last changed in 1945: that change is the observance in force.
        let lines = vtimezone(Tz::Asia__Kolkata, utc(2026, 1, 1), utc(2027, 1, 1));
        assert_eq!(lines.iter().filter(|l| l.starts_with("BEGIN:")).count(), 2, "{lines:?}");
        assert!(lines.contains(&"TZOFFSETTO:+0530".to_string()));
        // A zone that never changed: one observance from long before.
        let lines = vtimezone(Tz::Etc__GMTMinus5, utc(2026, 1, 1), utc(2027, 1, 1));
        for expected in ["DTSTART:16010101T000000", "TZOFFSETFROM:+0500", "TZOFFSETTO:+0500"] {
            assert!(lines.contains(&expected.to_string()), "{lines:?}");
        }
    }

    #[test]
    fn a_zone_that_stopped_changing_ends_with_its_last_offset() {
        // Samoa kept daylight time until April 2021, then none.
        let lines = vtimezone(Tz::Pacific__Apia, utc(2020, 6, 1), utc(2022, 6, 1));
        assert!(!lines.iter().any(|l| l.starts_with("RRULE")), "{lines:?}");
        assert_eq!(
            lines.iter().rev().find(|l| l.starts_with("TZOFFSETTO")).map(String::as_str),
            Some("TZOFFSETTO:+1300")
        );
    }

    #[test]
    fn offsets_are_written_with_seconds_only_when_there_are_any() {
        assert_eq!(offset_text(3600), "+0100");
        assert_eq!(offset_text(-16200), "-0430");
        assert_eq!(offset_text(3208), "+005328");
    }

    /// Every observance, evaluated over the span, gives the offset chrono-tz gives.
    #[test]
    fn observances_give_chrono_tz_offsets() {
        for tz in [
            Tz::Europe__Berlin,
            Tz::America__New_York,
            Tz::Australia__Lord_Howe,
            Tz::America__Santiago,
            Tz::Pacific__Apia,
            Tz::Asia__Tehran,
        ] {
            let (from, to) = (utc(2019, 3, 1), utc(2024, 3, 1));
            let mut changes: Vec<Transition> = governing(tz, from).into_iter().collect();
            changes.extend(transitions(tz, from + Duration::seconds(1), to));
            let mut at = from;
            while at < to {
                let o = changes.iter().rev().find(|t| t.at <= at).map(|t| t.to.total);
                assert_eq!(o, Some(offset_at(tz, at).total), "{tz} at {at}");
                at += Duration::hours(5);
            }
        }
    }
}
