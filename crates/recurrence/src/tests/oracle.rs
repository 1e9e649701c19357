//! The engine against an independent implementation: the `rrule` crate (0.14, a port of
//! python-dateutil), on random patterns and series starts, first 50 occurrences.
//!
//! Compared only where the spec and the crate mean the same thing. Left out, each for a
//! reason:
//! - `monthDayOverflow: "clamp"`: RFC 7529 SKIP=BACKWARD, which the crate does not know.
//! - weekly `setPos`: the spec picks from the whole week (from `weekStart`); the crate, like
//!   dateutil, from the days between `dtstart` and the end of its first week only.
//! - yearly `dayOfMonth` without `monthOfYear`: the spec takes `dtstart`'s month, the crate
//!   every month. Handled around the crate by giving it BYMONTH = `dtstart`'s month, which
//!   is what the spec's rule means (unless `nthWeekdays` is present too, whose ordinals
//!   count within the year without BYMONTH and within the month with it).
//! - `daysOfWeek` together with `nthWeekdays`: in RFC 5545 both are one BYDAY list, so
//!   `BYDAY=MO,1FR` (monthly) is every Monday *and* the first Friday. The crate filters a
//!   day by its plain weekdays and its ordinal weekdays separately and keeps only days
//!   passing both (`iter/filters.rs`: `is_filtered_by_weekday` and
//!   `is_filtered_by_neg_weekday` are ANDed), so it yields Mondays that are also first
//!   Fridays: nothing. The crate is wrong there; the engine's union is checked in
//!   `byday_with_and_without_ordinals_is_one_list` below.
//! - `nth: -5` within a month: RFC 5545 allows BYDAY ordinals ±1..5 in a month ("-5MO"
//!   is the fifth-to-last Monday, which exists in months with five Mondays), but the crate
//!   rejects -5 with MONTHLY ("not allowed outside the range -4..=5"). The engine's answer
//!   is checked in `fifth_to_last_weekday_of_the_month` below. Likewise it rejects
//!   `-53` in a year (range -52..=53), which RFC 5545 allows (±1..53):
//!   `fifty_third_to_last_weekday_of_the_year` below.
//! - `exdates` are applied to the crate's output by local date (the crate's EXDATE takes
//!   instants); `until` as a date is given to the crate as the last instant of that day.

use super::{date, local, pattern, show};
use crate::pattern::{Frequency, Until};
use crate::{Pattern, Schedule};
use chrono::{DateTime, Datelike, Duration, Month, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::Arc;

const ZONES: [Tz; 7] = [
    Tz::UTC,
    Tz::Europe__Berlin,
    Tz::America__New_York,
    Tz::Australia__Sydney,
    Tz::Asia__Kolkata,
    Tz::America__Los_Angeles,
    Tz::Europe__London,
];

const N: usize = 50;

/// The crate's rule for a pattern and start; exdates are applied by the caller.
fn crate_rule(p: &Pattern, dtstart: DateTime<Utc>) -> rrule::RRuleSet {
    let freq = match p.frequency {
        Frequency::Daily => rrule::Frequency::Daily,
        Frequency::Weekly => rrule::Frequency::Weekly,
        Frequency::Monthly => rrule::Frequency::Monthly,
        Frequency::Yearly => rrule::Frequency::Yearly,
    };
    let tz = rrule::Tz::Tz(p.timezone);
    let start = dtstart.with_timezone(&tz);
    let mut rule = rrule::RRule::new(freq).interval(p.interval).week_start(p.week_start);
    if let Some(count) = p.count {
        rule = rule.count(count);
    }
    match p.until {
        Some(Until::Instant(t)) => rule = rule.until(t.with_timezone(&rrule::Tz::UTC)),
        Some(Until::Date(d)) => {
            // The last instant of that local day (the zones used have no change at midnight).
            let next = p
                .timezone
                .from_local_datetime(&d.succ_opt().unwrap().and_time(NaiveTime::MIN))
                .earliest()
                .unwrap();
            rule = rule
                .until((next.with_timezone(&Utc) - Duration::microseconds(1)).with_timezone(&rrule::Tz::UTC));
        }
        None => {}
    }
    let mut byday: Vec<rrule::NWeekday> = p.days_of_week.iter().map(|&d| rrule::NWeekday::Every(d)).collect();
    byday.extend(p.nth_weekdays.iter().map(|n| rrule::NWeekday::Nth(n.nth, n.day)));
    if !byday.is_empty() {
        rule = rule.by_weekday(byday);
    }
    if !p.day_of_month.is_empty() {
        rule = rule.by_month_day(p.day_of_month.clone());
    }
    let mut months: Vec<u8> = p.month_of_year.clone();
    if p.frequency == Frequency::Yearly && months.is_empty() && !p.day_of_month.is_empty() {
        // The spec's reading of yearly BYMONTHDAY without BYMONTH.
        months.push(start.month() as u8);
    }
    if !months.is_empty() {
        let months: Vec<Month> = months.iter().map(|&m| Month::try_from(m).unwrap()).collect();
        rule = rule.by_month(&months);
    }
    if !p.set_pos.is_empty() {
        rule = rule.by_set_pos(p.set_pos.iter().map(|&s| i32::from(s)).collect());
    }
    rule.build(start).unwrap_or_else(|e| panic!("the crate rejects {p:?}: {e}"))
}

/// First `N` occurrences by the crate, exdates applied; `exact` is false when the crate
/// gave up early (its loop limit) so only a prefix is known.
fn crate_occurrences(p: &Pattern, dtstart: DateTime<Utc>) -> (Vec<DateTime<Utc>>, bool) {
    let wanted = N + p.exdates.len();
    let result = crate_rule(p, dtstart).before(horizon().with_timezone(&rrule::Tz::UTC)).all(wanted as u16);
    let complete = !result.limited || result.dates.len() == wanted;
    let dates = result
        .dates
        .iter()
        .filter(|t| p.exdates.binary_search(&t.date_naive()).is_err())
        .map(|t| t.with_timezone(&Utc))
        .filter(|&t| t < horizon())
        .take(N)
        .collect();
    (dates, complete)
}

/// Occurrences are compared up to here: enough for sparse rules, and it bounds the
/// crate's search (which also ends at the year 10000, the engine's much later).
fn horizon() -> DateTime<Utc> {
    local(Tz::UTC, 2150, 1, 1, 0, 0)
}

/// The engine's first `N` occurrences before the horizon.
fn engine_occurrences(s: &Schedule) -> Vec<DateTime<Utc>> {
    s.occurrences_from(DateTime::<Utc>::MIN_UTC)
        .map(|o| o.at)
        .take_while(|&t| t < horizon())
        .take(N)
        .collect()
}

#[derive(Debug, Clone)]
struct Raw {
    freq: u8,
    interval: u16,
    days_of_week: Option<Vec<u32>>,
    nth: Option<Vec<(u32, i16)>>,
    day_of_month: Option<Vec<i8>>,
    month_of_year: Option<Vec<u8>>,
    set_pos: Option<Vec<i16>>,
    week_start: u32,
    end: (u8, u32, u32),
    exdates: Vec<u32>,
    zone: usize,
    start: (i32, u32, u32, u32, bool),
}

fn signed(max: i16) -> impl Strategy<Value = i16> {
    (1..=max, any::<bool>()).prop_map(|(n, neg)| if neg { -n } else { n })
}

fn raw() -> impl Strategy<Value = Raw> {
    let rule = (
        0..4u8,
        prop_oneof![3 => Just(1u16), 2 => 2..=4u16, 1 => 5..=30u16],
        prop::option::weighted(0.4, prop::collection::btree_set(1..=7u32, 1..=5)),
        prop::option::weighted(0.3, prop::collection::vec((1..=7u32, signed(53)), 1..=3)),
        prop::option::weighted(
            0.35,
            prop::collection::vec(prop_oneof![3 => 1..=28i8, 1 => 29..=31i8, 2 => -31..=-1i8], 1..=4),
        ),
        prop::option::weighted(0.3, prop::collection::btree_set(1..=12u8, 1..=6)),
        prop::option::weighted(
            0.25,
            prop::collection::vec(prop_oneof![3 => signed(2), 1 => signed(8)], 1..=2),
        ),
        1..=7u32,
    );
    let rest = (
        // until/count: 0 none, 1 count, 2 until date, 3 until instant; amount; seconds
        (0..4u8, 1..=80u32, 0..86_400u32),
        prop::collection::vec(0..120u32, 0..4),
        0..ZONES.len(),
        // start: year, day of year, minute of day, near-DST time, later of two
        (1990..2040i32, 0..366u32, 0..1440u32, any::<bool>(), any::<bool>()),
    );
    (rule, rest).prop_map(
        |((freq, interval, dow, nth, dom, moy, setpos, wkst), (end, exdates, zone, start))| Raw {
            freq,
            interval,
            days_of_week: dow.map(|s| s.into_iter().collect()),
            nth,
            day_of_month: dom,
            month_of_year: moy.map(|s| s.into_iter().collect()),
            set_pos: setpos,
            week_start: wkst,
            end,
            exdates,
            zone,
            start: (start.0, start.1, start.2, start.4 as u32, start.3),
        },
    )
}

/// The series start and the pattern JSON, inside the subset where both sides agree.
fn build(r: &Raw) -> (DateTime<Utc>, Value) {
    let tz = ZONES[r.zone];
    let (year, ordinal, minute, later, near_dst) = r.start;
    let day = NaiveDate::from_yo_opt(year, ordinal % 365 + 1).unwrap();
    // Half of the starts at 02:30 or 01:30, the local times DST changes skip or repeat.
    let time = if near_dst {
        NaiveTime::from_hms_opt(if minute % 2 == 0 { 2 } else { 1 }, 30, 0).unwrap()
    } else {
        NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap()
    };
    let naive = day.and_time(time);
    let dtstart = match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(a, b) => if later == 1 { b } else { a }.with_timezone(&Utc),
        chrono::LocalResult::None => naive.and_utc(),
    };

    let freq = ["daily", "weekly", "monthly", "yearly"][usize::from(r.freq)];
    let monthly_or_yearly = r.freq >= 2;
    let mut p =
        json!({"frequency": freq, "interval": r.interval, "weekStart": r.week_start, "timezone": tz.name()});
    let mut nth = r.nth.clone().filter(|_| monthly_or_yearly);
    let mut dow = r.days_of_week.clone();
    if nth.is_some() && dow.is_some() {
        // The crate intersects plain and ordinal BYDAY (see the module comment).
        if r.interval.is_multiple_of(2) {
            nth = None
        } else {
            dow = None
        }
    }
    let dom = r.day_of_month.clone().filter(|_| r.freq != 1);
    let moy = r.month_of_year.clone();
    let nth_in_month = r.freq == 2 || moy.is_some();
    if let Some(nth) = &mut nth {
        for (_, n) in nth.iter_mut() {
            if nth_in_month {
                *n = n.signum() * ((n.abs() - 1) % 5 + 1);
                // The crate rejects -5 in a month (see the module comment).
                if *n == -5 {
                    *n = -4;
                }
            } else if *n == -53 {
                // And -53 in a year.
                *n = -52;
            }
        }
        nth.sort();
        nth.dedup_by_key(|(d, _)| *d * 1000);
        nth.dedup();
        let entries: Vec<Value> = nth.iter().map(|&(day, n)| json!({"day": day, "nth": n})).collect();
        p["nthWeekdays"] = Value::Array(entries);
    }
    if let Some(dow) = &dow {
        p["daysOfWeek"] = json!(dow);
    }
    if let Some(dom) = &dom {
        // Yearly BYMONTHDAY without BYMONTH and with ordinal BYDAY: not comparable.
        if !(r.freq == 3 && moy.is_none() && p.get("nthWeekdays").is_some()) {
            p["dayOfMonth"] = json!(dom);
        }
    }
    if let Some(moy) = &moy {
        p["monthOfYear"] = json!(moy);
    }
    let has_by =
        ["daysOfWeek", "nthWeekdays", "dayOfMonth", "monthOfYear"].iter().any(|k| p.get(*k).is_some());
    if let Some(sp) = &r.set_pos {
        // No weekly setPos (the crate's first-week difference); a daily set has one day.
        if has_by && r.freq != 1 {
            let sp: Vec<i16> = if r.freq == 0 { sp.iter().map(|s| s.signum()).collect() } else { sp.clone() };
            p["setPos"] = json!(sp);
        }
    }
    let (kind, amount, seconds) = r.end;
    let start_date = dtstart.with_timezone(&tz).date_naive();
    match kind {
        1 => p["count"] = json!(amount),
        2 => {
            p["until"] =
                json!((start_date + Duration::days(i64::from(amount) * 9)).format("%Y-%m-%d").to_string())
        }
        3 => {
            let until =
                dtstart + Duration::days(i64::from(amount) * 9) + Duration::seconds(i64::from(seconds));
            p["until"] = json!(until.to_rfc3339());
        }
        _ => {}
    }
    let ex: Vec<String> = r
        .exdates
        .iter()
        .map(|&k| (start_date + Duration::days(i64::from(k))).format("%Y-%m-%d").to_string())
        .collect();
    p["exdates"] = json!(ex);
    (dtstart, p)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, max_global_rejects: 20_000, ..ProptestConfig::default() })]

    #[test]
    fn engine_agrees_with_the_rrule_crate(r in raw()) {
        let (dtstart, json) = build(&r);
        let parsed = Pattern::from_json(&json);
        // A few combinations are impossible (e.g. the 31st only in February) and rejected.
        prop_assume!(parsed.is_ok());
        let p = Arc::new(parsed.unwrap());
        let s = Schedule::new(p.clone(), dtstart).unwrap();
        let ours = engine_occurrences(&s);
        let (theirs, complete) = crate_occurrences(&p, dtstart);
        let tz = p.timezone;
        if complete {
            prop_assert_eq!(show(tz, &ours), show(tz, &theirs), "pattern {} dtstart {}", json, dtstart);
        } else {
            prop_assert!(ours.len() >= theirs.len());
            prop_assert_eq!(show(tz, &ours[..theirs.len()]), show(tz, &theirs), "pattern {} dtstart {}", json, dtstart);
        }
    }
}

/// A handful of fixed cases through the same comparison, so a regression shows by name.
#[test]
fn fixed_cases_agree_with_the_rrule_crate() {
    let cases = [
        json!({"frequency": "monthly", "daysOfWeek": [1, 2, 3, 4, 5], "setPos": -1, "timezone": "Europe/Berlin"}),
        json!({"frequency": "yearly", "nthWeekdays": [{"day": 1, "nth": 20}], "timezone": "America/New_York"}),
        json!({"frequency": "monthly", "dayOfMonth": [-1, -5, 31], "timezone": "Australia/Sydney"}),
        json!({"frequency": "yearly", "dayOfMonth": [1, 15], "daysOfWeek": [1, 5], "timezone": "UTC"}),
        json!({"frequency": "daily", "interval": 3, "monthOfYear": [3, 10], "timezone": "Europe/Berlin"}),
        json!({"frequency": "weekly", "interval": 2, "daysOfWeek": [2, 7], "weekStart": 7, "count": 20, "timezone": "America/New_York"}),
    ];
    for json in cases {
        let p = pattern(json.clone());
        for start in [local(Tz::UTC, 2024, 3, 30, 23, 0), local(Tz::UTC, 2023, 10, 29, 0, 30)] {
            let s = Schedule::new(p.clone(), start).unwrap();
            let (theirs, complete) = crate_occurrences(&p, start);
            assert!(complete);
            assert_eq!(
                show(p.timezone, &engine_occurrences(&s)),
                show(p.timezone, &theirs),
                "{json} from {start}"
            );
        }
    }
}

#[test]
fn byday_with_and_without_ordinals_is_one_list() {
    // RFC 5545 BYDAY=MO,1FR in a monthly rule: every Monday and the first Friday.
    let p =
        pattern(json!({"frequency": "monthly", "daysOfWeek": [1], "nthWeekdays": [{"day": 5, "nth": 1}]}));
    let s = Schedule::new(p, local(Tz::UTC, 2024, 1, 1, 9, 0)).unwrap();
    let dates: Vec<NaiveDate> =
        s.occurrences_from(DateTime::<Utc>::MIN_UTC).take(7).map(|o| o.local_date).collect();
    assert_eq!(
        dates,
        [
            date(2024, 1, 1),
            date(2024, 1, 5),
            date(2024, 1, 8),
            date(2024, 1, 15),
            date(2024, 1, 22),
            date(2024, 1, 29),
            date(2024, 2, 2)
        ]
    );
}

#[test]
fn fifth_to_last_weekday_of_the_month() {
    // BYDAY=-5FR: only in months with five Fridays, where it is the first Friday.
    let p = pattern(json!({"frequency": "monthly", "nthWeekdays": [{"day": 5, "nth": -5}]}));
    let s = Schedule::new(p, local(Tz::UTC, 2024, 1, 1, 9, 0)).unwrap();
    let dates: Vec<NaiveDate> =
        s.occurrences_from(DateTime::<Utc>::MIN_UTC).take(4).map(|o| o.local_date).collect();
    assert_eq!(dates, [date(2024, 3, 1), date(2024, 5, 3), date(2024, 8, 2), date(2024, 11, 1)]);
}

#[test]
fn fifty_third_to_last_weekday_of_the_year() {
    // BYDAY=-53MO (yearly): only in years with 53 Mondays, where it is the first Monday.
    let p = pattern(json!({"frequency": "yearly", "nthWeekdays": [{"day": 1, "nth": -53}]}));
    let s = Schedule::new(p, local(Tz::UTC, 2017, 1, 1, 9, 0)).unwrap();
    let dates: Vec<NaiveDate> =
        s.occurrences_from(DateTime::<Utc>::MIN_UTC).take(3).map(|o| o.local_date).collect();
    assert_eq!(dates, [date(2018, 1, 1), date(2024, 1, 1), date(2029, 1, 1)]);
}
