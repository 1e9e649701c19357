//! Wall-clock time across DST changes (spec "Series start and time of day", RFC 5545
//! 3.3.5): a time in a spring-forward gap takes the offset from before the gap (02:30
//! becomes 03:30), a time that exists twice means the first of the two; `until` as a date
//! ends that local day; `exdates` are local dates.

use super::{assert_occurrences, date, first, local, local_times, pattern, schedule, show};
use crate::Schedule;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::json;

const BERLIN: Tz = Tz::Europe__Berlin;
const NY: Tz = Tz::America__New_York;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn wall(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

#[test]
fn daily_0900_berlin_stays_0900_across_both_changes() {
    let s = schedule(json!({"frequency": "daily", "timezone": "Europe/Berlin"}), 2024, 3, 29, 9, 0);
    let got = first(&s, 220);
    for (t, l) in got.iter().zip(local_times(BERLIN, &got)) {
        assert_eq!(l.format("%H:%M").to_string(), "09:00", "{t}");
    }
    let shown = show(BERLIN, &got);
    assert_eq!(
        &shown[..4],
        [
            "2024-03-29 09:00 +01:00",
            "2024-03-30 09:00 +01:00",
            "2024-03-31 09:00 +02:00",
            "2024-04-01 09:00 +02:00"
        ]
    );
    // 2024-10-27: back to CET.
    let i = shown.iter().position(|s| s.starts_with("2024-10-26")).unwrap();
    assert_eq!(
        &shown[i..i + 3],
        ["2024-10-26 09:00 +02:00", "2024-10-27 09:00 +01:00", "2024-10-28 09:00 +01:00"]
    );
    // One a day, 24 h apart except across a change (23 h and 25 h).
    let gaps: Vec<i64> = got.windows(2).map(|w| (w[1] - w[0]).num_hours()).collect();
    assert_eq!(gaps.iter().filter(|&&h| h == 23).count(), 1);
    assert_eq!(gaps.iter().filter(|&&h| h == 25).count(), 1);
    assert!(gaps.iter().all(|&h| h == 23 || h == 24 || h == 25));
}

#[test]
fn berlin_0230_in_the_spring_gap_becomes_0330_and_in_the_overlap_is_the_first() {
    let p = pattern(json!({"frequency": "daily", "timezone": "Europe/Berlin"}));
    let s = Schedule::new(p.clone(), local(BERLIN, 2024, 3, 30, 2, 30)).unwrap();
    let got = first(&s, 3);
    // 2024-03-31 02:30 does not exist (02:00 CET -> 03:00 CEST); read with +01:00 it is
    // 01:30Z, which is 03:30 CEST.
    assert_eq!(got, [utc("2024-03-30T01:30:00Z"), utc("2024-03-31T01:30:00Z"), utc("2024-04-01T00:30:00Z")]);
    assert_eq!(show(BERLIN, &got)[1], "2024-03-31 03:30 +02:00");

    let s = Schedule::new(p, local(BERLIN, 2024, 10, 26, 2, 30)).unwrap();
    let got = first(&s, 3);
    // 2024-10-27 02:30 exists twice (CEST then CET): the first, 00:30Z.
    assert_eq!(got, [utc("2024-10-26T00:30:00Z"), utc("2024-10-27T00:30:00Z"), utc("2024-10-28T01:30:00Z")]);
    assert_eq!(show(BERLIN, &got)[1], "2024-10-27 02:30 +02:00");
}

#[test]
fn new_york_0230_in_the_spring_gap_and_0130_in_the_overlap() {
    let p = pattern(json!({"frequency": "daily", "timezone": "America/New_York"}));
    // 2024-03-10 02:00 EST -> 03:00 EDT: 02:30 read with -05:00 is 07:30Z = 03:30 EDT.
    let s = Schedule::new(p.clone(), local(NY, 2024, 3, 9, 2, 30)).unwrap();
    let got = first(&s, 3);
    assert_eq!(got, [utc("2024-03-09T07:30:00Z"), utc("2024-03-10T07:30:00Z"), utc("2024-03-11T06:30:00Z")]);
    assert_eq!(show(NY, &got)[1], "2024-03-10 03:30 -04:00");
    // 2024-11-03 02:00 EDT -> 01:00 EST: 01:30 exists twice; the first is EDT, 05:30Z.
    let s = Schedule::new(p, local(NY, 2024, 11, 2, 1, 30)).unwrap();
    let got = first(&s, 3);
    assert_eq!(got, [utc("2024-11-02T05:30:00Z"), utc("2024-11-03T05:30:00Z"), utc("2024-11-04T06:30:00Z")]);
    assert_eq!(show(NY, &got)[1], "2024-11-03 01:30 -04:00");
}

#[test]
fn daily_0900_new_york_across_both_changes() {
    let s = schedule(json!({"frequency": "daily", "timezone": "America/New_York"}), 2024, 3, 9, 9, 0);
    let got = first(&s, 300);
    assert!(local_times(NY, &got).iter().all(|l| l.format("%H:%M").to_string() == "09:00"));
    let shown = show(NY, &got);
    assert_eq!(
        &shown[..3],
        ["2024-03-09 09:00 -05:00", "2024-03-10 09:00 -04:00", "2024-03-11 09:00 -04:00"]
    );
    assert!(shown.contains(&"2024-11-02 09:00 -04:00".to_string()));
    assert!(shown.contains(&"2024-11-03 09:00 -05:00".to_string()));
}

#[test]
fn weekly_across_dst_in_the_gap_and_the_overlap() {
    // Sundays 02:30 Berlin: the changes of 2024 are both on Sundays.
    let p = json!({"frequency": "weekly", "timezone": "Europe/Berlin"});
    let s = schedule(p.clone(), 2024, 3, 24, 2, 30);
    let shown = show(BERLIN, &first(&s, 3));
    assert_eq!(shown, ["2024-03-24 02:30 +01:00", "2024-03-31 03:30 +02:00", "2024-04-07 02:30 +02:00"]);
    let s = schedule(p, 2024, 10, 20, 2, 30);
    let shown = show(BERLIN, &first(&s, 3));
    assert_eq!(shown, ["2024-10-20 02:30 +02:00", "2024-10-27 02:30 +02:00", "2024-11-03 02:30 +01:00"]);

    // Weekly Monday/Friday 18:00 New York keeps 18:00 across the November change.
    let p = json!({"frequency": "weekly", "daysOfWeek": [1, 5], "timezone": "America/New_York"});
    let s = schedule(p, 2024, 10, 28, 18, 0);
    let shown = show(NY, &first(&s, 4));
    assert_eq!(
        shown,
        [
            "2024-10-28 18:00 -04:00",
            "2024-11-01 18:00 -04:00",
            "2024-11-04 18:00 -05:00",
            "2024-11-08 18:00 -05:00"
        ]
    );
}

#[test]
fn monthly_in_the_gap_every_year() {
    // Last Sunday of March at 02:30 Berlin is always in the gap: always 03:30 CEST.
    let p = json!({"frequency": "monthly", "monthOfYear": 3, "nthWeekdays": [{"day": 7, "nth": -1}], "timezone": "Europe/Berlin"});
    let s = schedule(p, 2020, 3, 1, 2, 30);
    let got = first(&s, 5);
    assert_eq!(
        show(BERLIN, &got),
        [
            "2020-03-29 03:30 +02:00",
            "2021-03-28 03:30 +02:00",
            "2022-03-27 03:30 +02:00",
            "2023-03-26 03:30 +02:00",
            "2024-03-31 03:30 +02:00"
        ]
    );
}

#[test]
fn a_dtstart_in_the_second_of_two_overlapping_hours_skips_the_first_that_day() {
    // dtstart is the second 02:30 on 2024-10-27 (CET, 01:30Z). That day's occurrence is
    // the first 02:30 (00:30Z), before dtstart, so the series starts the next day.
    let p = pattern(json!({"frequency": "daily", "timezone": "Europe/Berlin"}));
    let second = BERLIN.with_ymd_and_hms(2024, 10, 27, 2, 30, 0).latest().unwrap().with_timezone(&Utc);
    assert_eq!(second, utc("2024-10-27T01:30:00Z"));
    let s = Schedule::new(p, second).unwrap();
    assert_eq!(show(BERLIN, &first(&s, 2)), ["2024-10-28 02:30 +01:00", "2024-10-29 02:30 +01:00"]);
}

#[test]
fn until_date_is_the_end_of_that_local_day() {
    // 22:00 New York is 02:00Z the next day: a UTC reading of the date would drop it.
    let p = json!({"frequency": "daily", "until": "2024-06-10", "timezone": "America/New_York"});
    let got = first(&schedule(p, 2024, 6, 8, 22, 0), 100);
    assert_eq!(
        local_times(NY, &got),
        [wall("2024-06-08 22:00"), wall("2024-06-09 22:00"), wall("2024-06-10 22:00")]
    );
    assert_eq!(got[2], utc("2024-06-11T02:00:00Z"));

    // 08:00 Tokyo is 23:00Z the day before: a UTC reading would add June 11.
    let p = json!({"frequency": "daily", "until": "2024-06-10", "timezone": "Asia/Tokyo"});
    let got = first(&schedule(p, 2024, 6, 9, 8, 0), 100);
    assert_eq!(local_times(Tz::Asia__Tokyo, &got), [wall("2024-06-09 08:00"), wall("2024-06-10 08:00")]);

    // 23:59 on the until day is still in; the day ends at local midnight even when DST
    // changed that day (Berlin 2024-03-31 has 23 hours).
    let p = json!({"frequency": "daily", "until": "2024-03-31", "timezone": "Europe/Berlin"});
    let got = first(&schedule(p, 2024, 3, 30, 23, 59), 100);
    assert_eq!(local_times(BERLIN, &got), [wall("2024-03-30 23:59"), wall("2024-03-31 23:59")]);

    // An until before dtstart: no occurrence at all.
    let p = json!({"frequency": "daily", "until": "2024-03-29", "timezone": "Europe/Berlin"});
    assert!(first(&schedule(p, 2024, 3, 30, 9, 0), 100).is_empty());
}

#[test]
fn until_instant_is_inclusive_and_exact() {
    let p = json!({"frequency": "daily", "until": "2024-06-10T13:00:00+02:00", "timezone": "Europe/Berlin"});
    let got = first(&schedule(p, 2024, 6, 8, 13, 0), 100);
    assert_eq!(local_times(BERLIN, &got).last(), Some(&wall("2024-06-10 13:00")));
    assert_eq!(got.len(), 3);
    let p = json!({"frequency": "daily", "until": "2024-06-10T10:59:59Z", "timezone": "Europe/Berlin"});
    assert_eq!(first(&schedule(p, 2024, 6, 8, 13, 0), 100).len(), 2);
}

#[test]
fn exdates_are_local_dates() {
    // The 2024-06-10 22:00 New York occurrence is on June 11 in UTC; the local date counts.
    let p =
        json!({"frequency": "daily", "count": 4, "exdates": ["2024-06-10"], "timezone": "America/New_York"});
    let s = schedule(p, 2024, 6, 9, 22, 0);
    let occurrences: Vec<_> = s.occurrences_from(DateTime::<Utc>::MIN_UTC).collect();
    let dates: Vec<_> = occurrences.iter().map(|o| o.local_date).collect();
    assert_eq!(dates, [date(2024, 6, 9), date(2024, 6, 11), date(2024, 6, 12)]);
    for o in &occurrences {
        assert_eq!(o.at.with_timezone(&NY).date_naive(), o.local_date);
    }
    // An exdate on a UTC date that is not the local one excludes nothing.
    let p = json!({"frequency": "daily", "count": 3, "exdates": ["2024-06-11"], "timezone": "Asia/Tokyo"});
    let s = schedule(p, 2024, 6, 10, 8, 0);
    let dates: Vec<_> = s.occurrences_from(DateTime::<Utc>::MIN_UTC).map(|o| o.local_date).collect();
    assert_eq!(dates, [date(2024, 6, 10), date(2024, 6, 12)]);
    // An exdate on the spring-forward day removes the 03:30 occurrence that 02:30 became.
    let p = json!({"frequency": "daily", "exdates": ["2024-03-31"], "timezone": "Europe/Berlin"});
    let got = first(&schedule(p, 2024, 3, 30, 2, 30), 2);
    assert_eq!(show(BERLIN, &got), ["2024-03-30 02:30 +01:00", "2024-04-01 02:30 +02:00"]);
}

#[test]
fn next_after_across_the_gap_and_the_overlap() {
    let s = schedule(json!({"frequency": "daily", "timezone": "Europe/Berlin"}), 2024, 1, 1, 2, 30);
    // Just before the gap occurrence, and exactly at it (strictly after).
    assert_eq!(s.next_after(utc("2024-03-31T01:29:59Z")), Some(utc("2024-03-31T01:30:00Z")));
    assert_eq!(s.next_after(utc("2024-03-31T01:30:00Z")), Some(utc("2024-04-01T00:30:00Z")));
    // Between the first and the second 02:30 of 2024-10-27: the next is the 28th.
    assert_eq!(s.next_after(utc("2024-10-27T00:30:00Z")), Some(utc("2024-10-28T01:30:00Z")));
    assert_eq!(s.next_after(utc("2024-10-27T00:29:00Z")), Some(utc("2024-10-27T00:30:00Z")));
}

#[test]
fn other_zones_with_unusual_changes() {
    // Lord Howe Island moves by 30 minutes; Sydney's changes are in April and October.
    let p = json!({"frequency": "daily", "timezone": "Australia/Lord_Howe"});
    let s = schedule(p, 2024, 10, 5, 2, 15);
    // 2024-10-06 02:00 -> 02:30: 02:15 read with +10:30 is 02:45 +11:00.
    assert_eq!(show(Tz::Australia__Lord_Howe, &first(&s, 2))[1], "2024-10-06 02:45 +11:00");
    let p = json!({"frequency": "daily", "timezone": "Australia/Sydney"});
    let s = schedule(p, 2024, 10, 5, 2, 30);
    assert_eq!(
        show(Tz::Australia__Sydney, &first(&s, 3)),
        ["2024-10-05 02:30 +10:00", "2024-10-06 03:30 +11:00", "2024-10-07 02:30 +11:00"]
    );
    // Samoa skipped 2011-12-30 entirely: 09:00 that day, read with the offset from before
    // the gap (-10:00), is 19:00Z, the same instant as 2011-12-31 09:00 +14:00, which
    // counts once.
    let p = json!({"frequency": "daily", "timezone": "Pacific/Apia"});
    let s = schedule(p, 2011, 12, 29, 9, 0);
    let got = first(&s, 3);
    assert!(got.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(got[1], utc("2011-12-30T19:00:00Z"));
    assert_eq!(show(Tz::Pacific__Apia, &got)[1..], ["2011-12-31 09:00 +14:00", "2012-01-01 09:00 +14:00"]);
    assert_occurrences(Tz::Pacific__Apia, &got[..1], &[local(Tz::Pacific__Apia, 2011, 12, 29, 9, 0)]);
}
