//! The examples of RFC 5545 section 3.8.5.3 ("Recurrence Rule") that the pattern shape can
//! express, each with the RFC's DTSTART;TZID=America/New_York and the exact occurrence list
//! the RFC prints (for rules that run forever, the first ones it prints).
//!
//! Left out, because the shape has no such part: BYYEARDAY (every third year on days 1,
//! 100, 200), BYWEEKNO (Monday of week 20), BYHOUR/BYMINUTE and HOURLY/MINUTELY rules.

use super::{assert_occurrences, at_days, first, range, schedule, show};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;

const NY: Tz = Tz::America__New_York;

/// The first `n` occurrences at 09:00 New York of `pattern` (with `timezone` added)
/// starting at 09:00 on the given local day.
fn run(mut pattern: serde_json::Value, (y, m, d): (i32, u32, u32), n: usize) -> Vec<DateTime<Utc>> {
    pattern["timezone"] = json!("America/New_York");
    first(&schedule(pattern, y, m, d, 9, 0), n)
}

/// 09:00 New York on the given days.
fn nine(groups: &[(i32, u32, &[u32])]) -> Vec<DateTime<Utc>> {
    at_days(NY, 9, 0, groups)
}

#[test]
fn daily_for_10_occurrences() {
    // RRULE:FREQ=DAILY;COUNT=10
    let got = run(json!({"frequency": "daily", "count": 10}), (1997, 9, 2), 100);
    assert_occurrences(NY, &got, &nine(&[(1997, 9, &range(2, 11))]));
}

#[test]
fn daily_until_december_24_1997() {
    // RRULE:FREQ=DAILY;UNTIL=19971224T000000Z
    let got = run(json!({"frequency": "daily", "until": "1997-12-24T00:00:00Z"}), (1997, 9, 2), 1000);
    let want = nine(&[
        (1997, 9, &range(2, 30)),
        (1997, 10, &range(1, 31)),
        (1997, 11, &range(1, 30)),
        (1997, 12, &range(1, 23)),
    ]);
    assert_eq!(got.len(), 113);
    assert_occurrences(NY, &got, &want);
    // The RFC's "(1997 9:00 AM EDT) ... October 1-25 (1997 9:00 AM EST) October 26-31".
    let shown = show(NY, &got);
    assert!(shown.contains(&"1997-10-25 09:00 -04:00".to_string()));
    assert!(shown.contains(&"1997-10-26 09:00 -05:00".to_string()));
}

#[test]
fn every_other_day_forever() {
    // RRULE:FREQ=DAILY;INTERVAL=2
    let got = run(json!({"frequency": "daily", "interval": 2}), (1997, 9, 2), 33);
    let sept: Vec<u32> = (2..=30).step_by(2).collect();
    let oct: Vec<u32> = (2..=30).step_by(2).collect();
    let want = nine(&[(1997, 9, &sept), (1997, 10, &oct), (1997, 11, &[1, 3, 5])]);
    assert_occurrences(NY, &got, &want);
}

#[test]
fn every_10_days_5_occurrences() {
    // RRULE:FREQ=DAILY;INTERVAL=10;COUNT=5
    let got = run(json!({"frequency": "daily", "interval": 10, "count": 5}), (1997, 9, 2), 100);
    assert_occurrences(NY, &got, &nine(&[(1997, 9, &[2, 12, 22]), (1997, 10, &[2, 12])]));
}

fn every_day_in_january_for_3_years() -> Vec<DateTime<Utc>> {
    let jan = range(1, 31);
    nine(&[(1998, 1, &jan), (1999, 1, &jan), (2000, 1, &jan)])
}

#[test]
fn every_day_in_january_for_3_years_yearly() {
    // RRULE:FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA
    let p = json!({
        "frequency": "yearly", "until": "2000-01-31T14:00:00Z", "monthOfYear": 1,
        "daysOfWeek": [7, 1, 2, 3, 4, 5, 6]
    });
    let got = run(p, (1998, 1, 1), 1000);
    assert_occurrences(NY, &got, &every_day_in_january_for_3_years());
}

#[test]
fn every_day_in_january_for_3_years_daily() {
    // RRULE:FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1
    let p = json!({"frequency": "daily", "until": "2000-01-31T14:00:00Z", "monthOfYear": 1});
    let got = run(p, (1998, 1, 1), 1000);
    assert_occurrences(NY, &got, &every_day_in_january_for_3_years());
}

#[test]
fn weekly_for_10_occurrences() {
    // RRULE:FREQ=WEEKLY;COUNT=10
    let got = run(json!({"frequency": "weekly", "count": 10}), (1997, 9, 2), 100);
    let want = nine(&[(1997, 9, &[2, 9, 16, 23, 30]), (1997, 10, &[7, 14, 21, 28]), (1997, 11, &[4])]);
    assert_occurrences(NY, &got, &want);
    // "(1997 9:00 AM EDT) ... October 7,14,21 (1997 9:00 AM EST) October 28;November 4"
    let shown = show(NY, &got);
    assert_eq!(shown[7], "1997-10-21 09:00 -04:00");
    assert_eq!(shown[8], "1997-10-28 09:00 -05:00");
}

#[test]
fn weekly_until_december_24_1997() {
    // RRULE:FREQ=WEEKLY;UNTIL=19971224T000000Z
    let got = run(json!({"frequency": "weekly", "until": "1997-12-24T00:00:00Z"}), (1997, 9, 2), 100);
    let want = nine(&[
        (1997, 9, &[2, 9, 16, 23, 30]),
        (1997, 10, &[7, 14, 21, 28]),
        (1997, 11, &[4, 11, 18, 25]),
        (1997, 12, &[2, 9, 16, 23]),
    ]);
    assert_occurrences(NY, &got, &want);
}

#[test]
fn every_other_week_forever() {
    // RRULE:FREQ=WEEKLY;INTERVAL=2;WKST=SU
    let got = run(json!({"frequency": "weekly", "interval": 2, "weekStart": 7}), (1997, 9, 2), 13);
    let want = nine(&[
        (1997, 9, &[2, 16, 30]),
        (1997, 10, &[14, 28]),
        (1997, 11, &[11, 25]),
        (1997, 12, &[9, 23]),
        (1998, 1, &[6, 20]),
        (1998, 2, &[3, 17]),
    ]);
    assert_occurrences(NY, &got, &want);
}

fn tuesday_and_thursday_for_five_weeks() -> Vec<DateTime<Utc>> {
    nine(&[(1997, 9, &[2, 4, 9, 11, 16, 18, 23, 25, 30]), (1997, 10, &[2])])
}

#[test]
fn weekly_on_tuesday_and_thursday_for_five_weeks_until() {
    // RRULE:FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH
    let p =
        json!({"frequency": "weekly", "until": "1997-10-07T00:00:00Z", "weekStart": 7, "daysOfWeek": [2, 4]});
    assert_occurrences(NY, &run(p, (1997, 9, 2), 100), &tuesday_and_thursday_for_five_weeks());
}

#[test]
fn weekly_on_tuesday_and_thursday_for_five_weeks_count() {
    // RRULE:FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH
    let p = json!({"frequency": "weekly", "count": 10, "weekStart": 7, "daysOfWeek": [2, 4]});
    assert_occurrences(NY, &run(p, (1997, 9, 2), 100), &tuesday_and_thursday_for_five_weeks());
}

#[test]
fn every_other_week_on_monday_wednesday_friday_until_december_24() {
    // DTSTART;TZID=America/New_York:19970901T090000
    // RRULE:FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR
    let p = json!({
        "frequency": "weekly", "interval": 2, "until": "1997-12-24T00:00:00Z", "weekStart": 7,
        "daysOfWeek": [1, 3, 5]
    });
    let want = nine(&[
        (1997, 9, &[1, 3, 5, 15, 17, 19, 29]),
        (1997, 10, &[1, 3, 13, 15, 17, 27, 29, 31]),
        (1997, 11, &[10, 12, 14, 24, 26, 28]),
        (1997, 12, &[8, 10, 12, 22]),
    ]);
    assert_occurrences(NY, &run(p, (1997, 9, 1), 100), &want);
}

#[test]
fn every_other_week_on_tuesday_and_thursday_for_8_occurrences() {
    // RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH
    let p = json!({"frequency": "weekly", "interval": 2, "count": 8, "weekStart": 7, "daysOfWeek": [2, 4]});
    let want = nine(&[(1997, 9, &[2, 4, 16, 18, 30]), (1997, 10, &[2, 14, 16])]);
    assert_occurrences(NY, &run(p, (1997, 9, 2), 100), &want);
}

#[test]
fn monthly_on_the_first_friday_for_10_occurrences() {
    // DTSTART;TZID=America/New_York:19970905T090000
    // RRULE:FREQ=MONTHLY;COUNT=10;BYDAY=1FR
    let p = json!({"frequency": "monthly", "count": 10, "nthWeekdays": [{"day": 5, "nth": 1}]});
    let want = nine(&[
        (1997, 9, &[5]),
        (1997, 10, &[3]),
        (1997, 11, &[7]),
        (1997, 12, &[5]),
        (1998, 1, &[2]),
        (1998, 2, &[6]),
        (1998, 3, &[6]),
        (1998, 4, &[3]),
        (1998, 5, &[1]),
        (1998, 6, &[5]),
    ]);
    assert_occurrences(NY, &run(p, (1997, 9, 5), 100), &want);
}

#[test]
fn monthly_on_the_first_friday_until_december_24() {
    // RRULE:FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR
    let p = json!({"frequency": "monthly", "until": "1997-12-24T00:00:00Z", "nthWeekdays": [{"day": 5, "nth": 1}]});
    let want = nine(&[(1997, 9, &[5]), (1997, 10, &[3]), (1997, 11, &[7]), (1997, 12, &[5])]);
    assert_occurrences(NY, &run(p, (1997, 9, 5), 100), &want);
}

#[test]
fn every_other_month_on_the_first_and_last_sunday_for_10_occurrences() {
    // DTSTART;TZID=America/New_York:19970907T090000
    // RRULE:FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU
    let p = json!({
        "frequency": "monthly", "interval": 2, "count": 10,
        "nthWeekdays": [{"day": 7, "nth": 1}, {"day": 7, "nth": -1}]
    });
    let want = nine(&[
        (1997, 9, &[7, 28]),
        (1997, 11, &[2, 30]),
        (1998, 1, &[4, 25]),
        (1998, 3, &[1, 29]),
        (1998, 5, &[3, 31]),
    ]);
    assert_occurrences(NY, &run(p, (1997, 9, 7), 100), &want);
}

#[test]
fn monthly_on_the_second_to_last_monday_for_6_months() {
    // DTSTART;TZID=America/New_York:19970922T090000
    // RRULE:FREQ=MONTHLY;COUNT=6;BYDAY=-2MO
    let p = json!({"frequency": "monthly", "count": 6, "nthWeekdays": [{"day": 1, "nth": -2}]});
    let want = nine(&[
        (1997, 9, &[22]),
        (1997, 10, &[20]),
        (1997, 11, &[17]),
        (1997, 12, &[22]),
        (1998, 1, &[19]),
        (1998, 2, &[16]),
    ]);
    assert_occurrences(NY, &run(p, (1997, 9, 22), 100), &want);
}

#[test]
fn monthly_on_the_third_to_the_last_day_forever() {
    // DTSTART;TZID=America/New_York:19970928T090000
    // RRULE:FREQ=MONTHLY;BYMONTHDAY=-3
    let p = json!({"frequency": "monthly", "dayOfMonth": -3});
    let want = nine(&[
        (1997, 9, &[28]),
        (1997, 10, &[29]),
        (1997, 11, &[28]),
        (1997, 12, &[29]),
        (1998, 1, &[29]),
        (1998, 2, &[26]),
        (1998, 3, &[29]),
    ]);
    assert_occurrences(NY, &run(p, (1997, 9, 28), 7), &want);
}

#[test]
fn monthly_on_the_2nd_and_15th_for_10_occurrences() {
    // RRULE:FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15
    let p = json!({"frequency": "monthly", "count": 10, "dayOfMonth": [2, 15]});
    let want = nine(&[
        (1997, 9, &[2, 15]),
        (1997, 10, &[2, 15]),
        (1997, 11, &[2, 15]),
        (1997, 12, &[2, 15]),
        (1998, 1, &[2, 15]),
    ]);
    assert_occurrences(NY, &run(p, (1997, 9, 2), 100), &want);
}

#[test]
fn monthly_on_the_first_and_last_day_for_10_occurrences() {
    // DTSTART;TZID=America/New_York:19970930T090000
    // RRULE:FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1
    let p = json!({"frequency": "monthly", "count": 10, "dayOfMonth": [1, -1]});
    let want = nine(&[
        (1997, 9, &[30]),
        (1997, 10, &[1, 31]),
        (1997, 11, &[1, 30]),
        (1997, 12, &[1, 31]),
        (1998, 1, &[1, 31]),
        (1998, 2, &[1]),
    ]);
    assert_occurrences(NY, &run(p, (1997, 9, 30), 100), &want);
}

#[test]
fn every_18_months_on_the_10th_thru_15th_for_10_occurrences() {
    // DTSTART;TZID=America/New_York:19970910T090000
    // RRULE:FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15
    let p =
        json!({"frequency": "monthly", "interval": 18, "count": 10, "dayOfMonth": [10, 11, 12, 13, 14, 15]});
    let want = nine(&[(1997, 9, &range(10, 15)), (1999, 3, &range(10, 13))]);
    assert_occurrences(NY, &run(p, (1997, 9, 10), 100), &want);
}

#[test]
fn every_tuesday_every_other_month() {
    // RRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=TU
    let p = json!({"frequency": "monthly", "interval": 2, "daysOfWeek": [2]});
    let want = nine(&[
        (1997, 9, &[2, 9, 16, 23, 30]),
        (1997, 11, &[4, 11, 18, 25]),
        (1998, 1, &[6, 13, 20, 27]),
        (1998, 3, &[3, 10, 17, 24, 31]),
    ]);
    assert_occurrences(NY, &run(p, (1997, 9, 2), 18), &want);
}

#[test]
fn yearly_in_june_and_july_for_10_occurrences() {
    // DTSTART;TZID=America/New_York:19970610T090000
    // RRULE:FREQ=YEARLY;COUNT=10;BYMONTH=6,7
    let p = json!({"frequency": "yearly", "count": 10, "monthOfYear": [6, 7]});
    let groups: Vec<(i32, u32, &[u32])> =
        (1997..=2001).flat_map(|y| [(y, 6, &[10u32][..]), (y, 7, &[10u32][..])]).collect();
    assert_occurrences(NY, &run(p, (1997, 6, 10), 100), &nine(&groups));
}

#[test]
fn every_other_year_on_january_february_march_for_10_occurrences() {
    // DTSTART;TZID=America/New_York:19970310T090000
    // RRULE:FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3
    let p = json!({"frequency": "yearly", "interval": 2, "count": 10, "monthOfYear": [1, 2, 3]});
    let mut groups: Vec<(i32, u32, &[u32])> = vec![(1997, 3, &[10])];
    for y in [1999, 2001, 2003] {
        groups.extend([(y, 1, &[10u32][..]), (y, 2, &[10u32][..]), (y, 3, &[10u32][..])]);
    }
    assert_occurrences(NY, &run(p, (1997, 3, 10), 100), &nine(&groups));
}

#[test]
fn every_20th_monday_of_the_year_forever() {
    // DTSTART;TZID=America/New_York:19970519T090000
    // RRULE:FREQ=YEARLY;BYDAY=20MO
    let p = json!({"frequency": "yearly", "nthWeekdays": [{"day": 1, "nth": 20}]});
    let want = nine(&[(1997, 5, &[19]), (1998, 5, &[18]), (1999, 5, &[17])]);
    assert_occurrences(NY, &run(p, (1997, 5, 19), 3), &want);
}

#[test]
fn every_thursday_in_march_forever() {
    // DTSTART;TZID=America/New_York:19970313T090000
    // RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=TH
    let p = json!({"frequency": "yearly", "monthOfYear": 3, "daysOfWeek": [4]});
    let want = nine(&[(1997, 3, &[13, 20, 27]), (1998, 3, &[5, 12, 19, 26]), (1999, 3, &[4, 11, 18, 25])]);
    assert_occurrences(NY, &run(p, (1997, 3, 13), 11), &want);
    // "(1997 9:00 AM EST) ... (1999 9:00 AM EST)": March dates before the April change.
    assert!(show(NY, &want).iter().all(|s| s.ends_with("-05:00")));
}

#[test]
fn every_thursday_only_during_june_july_august_forever() {
    // DTSTART;TZID=America/New_York:19970605T090000
    // RRULE:FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8
    let p = json!({"frequency": "yearly", "daysOfWeek": [4], "monthOfYear": [6, 7, 8]});
    let want = nine(&[
        (1997, 6, &[5, 12, 19, 26]),
        (1997, 7, &[3, 10, 17, 24, 31]),
        (1997, 8, &[7, 14, 21, 28]),
        (1998, 6, &[4, 11, 18, 25]),
        (1998, 7, &[2, 9, 16, 23, 30]),
        (1998, 8, &[6, 13, 20, 27]),
        (1999, 6, &[3, 10, 17, 24]),
        (1999, 7, &[1, 8, 15, 22, 29]),
        (1999, 8, &[5, 12, 19, 26]),
    ]);
    assert_occurrences(NY, &run(p, (1997, 6, 5), want.len()), &want);
}

#[test]
fn every_friday_the_13th_forever() {
    // DTSTART;TZID=America/New_York:19970902T090000
    // EXDATE;TZID=America/New_York:19970902T090000
    // RRULE:FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13
    let want =
        nine(&[(1998, 2, &[13]), (1998, 3, &[13]), (1998, 11, &[13]), (1999, 8, &[13]), (2000, 10, &[13])]);
    let p = json!({"frequency": "monthly", "daysOfWeek": [5], "dayOfMonth": 13, "exdates": ["1997-09-02"]});
    assert_occurrences(NY, &run(p, (1997, 9, 2), 5), &want);
    // The RFC needs the EXDATE because its DTSTART always counts; here a DTSTART that
    // does not match the rule is no occurrence, so the list is the same without it.
    let p = json!({"frequency": "monthly", "daysOfWeek": [5], "dayOfMonth": 13});
    assert_occurrences(NY, &run(p, (1997, 9, 2), 5), &want);
}

#[test]
fn the_first_saturday_that_follows_the_first_sunday_of_the_month_forever() {
    // DTSTART;TZID=America/New_York:19970913T090000
    // RRULE:FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13
    let p = json!({"frequency": "monthly", "daysOfWeek": [6], "dayOfMonth": [7, 8, 9, 10, 11, 12, 13]});
    let want = nine(&[
        (1997, 9, &[13]),
        (1997, 10, &[11]),
        (1997, 11, &[8]),
        (1997, 12, &[13]),
        (1998, 1, &[10]),
        (1998, 2, &[7]),
        (1998, 3, &[7]),
        (1998, 4, &[11]),
        (1998, 5, &[9]),
        (1998, 6, &[13]),
    ]);
    assert_occurrences(NY, &run(p, (1997, 9, 13), 10), &want);
}

#[test]
fn us_presidential_election_day_every_4_years() {
    // DTSTART;TZID=America/New_York:19961105T090000
    // RRULE:FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8
    let p = json!({
        "frequency": "yearly", "interval": 4, "monthOfYear": 11, "daysOfWeek": [2],
        "dayOfMonth": [2, 3, 4, 5, 6, 7, 8]
    });
    let want = nine(&[(1996, 11, &[5]), (2000, 11, &[7]), (2004, 11, &[2])]);
    assert_occurrences(NY, &run(p, (1996, 11, 5), 3), &want);
}

#[test]
fn the_third_instance_of_tuesday_wednesday_or_thursday_for_3_months() {
    // DTSTART;TZID=America/New_York:19970904T090000
    // RRULE:FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3
    let p = json!({"frequency": "monthly", "count": 3, "daysOfWeek": [2, 3, 4], "setPos": 3});
    let want = nine(&[(1997, 9, &[4]), (1997, 10, &[7]), (1997, 11, &[6])]);
    assert_occurrences(NY, &run(p, (1997, 9, 4), 100), &want);
}

#[test]
fn the_second_to_last_weekday_of_the_month() {
    // DTSTART;TZID=America/New_York:19970929T090000
    // RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2
    let p = json!({"frequency": "monthly", "daysOfWeek": [1, 2, 3, 4, 5], "setPos": -2});
    let want = nine(&[
        (1997, 9, &[29]),
        (1997, 10, &[30]),
        (1997, 11, &[27]),
        (1997, 12, &[30]),
        (1998, 1, &[29]),
        (1998, 2, &[26]),
        (1998, 3, &[30]),
    ]);
    assert_occurrences(NY, &run(p, (1997, 9, 29), 7), &want);
}

#[test]
fn last_workday_of_the_month() {
    // The spec's "last workday of the month": RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1
    let p = json!({"frequency": "monthly", "daysOfWeek": [1, 2, 3, 4, 5], "setPos": -1});
    let want = nine(&[
        (1997, 9, &[30]),
        (1997, 10, &[31]),
        (1997, 11, &[28]),
        (1997, 12, &[31]),
        (1998, 1, &[30]),
        (1998, 2, &[27]),
        (1998, 3, &[31]),
    ]);
    assert_occurrences(NY, &run(p, (1997, 9, 30), 7), &want);
}

#[test]
fn week_start_monday_vs_sunday() {
    // DTSTART;TZID=America/New_York:19970805T090000
    // RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO
    let p = json!({"frequency": "weekly", "interval": 2, "count": 4, "daysOfWeek": [2, 7], "weekStart": 1});
    assert_occurrences(NY, &run(p, (1997, 8, 5), 100), &nine(&[(1997, 8, &[5, 10, 19, 24])]));
    // Changing only WKST from MO to SU yields different results.
    let p = json!({"frequency": "weekly", "interval": 2, "count": 4, "daysOfWeek": [2, 7], "weekStart": 7});
    assert_occurrences(NY, &run(p, (1997, 8, 5), 100), &nine(&[(1997, 8, &[5, 17, 19, 31])]));
    // WKST defaults to MO.
    let p = json!({"frequency": "weekly", "interval": 2, "count": 4, "daysOfWeek": [2, 7]});
    assert_occurrences(NY, &run(p, (1997, 8, 5), 100), &nine(&[(1997, 8, &[5, 10, 19, 24])]));
}

#[test]
fn invalid_dates_are_ignored() {
    // DTSTART;TZID=America/New_York:20070115T090000
    // RRULE:FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5
    let p = json!({"frequency": "monthly", "dayOfMonth": [15, 30], "count": 5});
    let want = nine(&[(2007, 1, &[15, 30]), (2007, 2, &[15]), (2007, 3, &[15, 30])]);
    assert_occurrences(NY, &run(p, (2007, 1, 15), 100), &want);
}
