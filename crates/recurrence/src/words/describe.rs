//! A pattern in plain English. Every key of a valid pattern shows in the text, in a form
//! the grammar of `parse` reads back to the same pattern (the round trip is a property
//! test), so the words are a faithful view, not a summary.

use super::vocab::{join, month_name, positions, weekday_name, WORKWEEK};
use crate::pattern::{Anchor, CatchUp, Frequency, MonthDayOverflow, NthWeekday, Pattern, Until};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;

/// The pattern in words. With `dtstart` the text also gives the time of day, and says the
/// parts the series takes from its start (weekly: the weekday; monthly: the day; yearly:
/// the day and month), since they are known then.
pub fn describe(pattern: &Pattern, dtstart: Option<DateTime<Utc>>) -> String {
    let explicit;
    let p = match dtstart {
        Some(start) => {
            explicit = with_implied_parts(pattern, start.with_timezone(&pattern.timezone).date_naive());
            &explicit
        }
        None => pattern,
    };
    let mut text = rule(p);
    if let Some(start) = dtstart {
        text.push_str(" at ");
        text.push_str(&clock(start.with_timezone(&p.timezone).time()));
    }
    if p.timezone != Tz::UTC {
        text.push_str(&format!(" ({})", p.timezone.name()));
    }
    if p.month_day_overflow == MonthDayOverflow::Clamp {
        text.push_str(if p.day_of_month.iter().all(|&d| d > 0) {
            ", or the month's last day when shorter"
        } else {
            ", or the nearest earlier day when missing"
        });
    }
    if p.week_start != Weekday::Mon {
        text.push_str(&format!(", weeks starting on {}", weekday_name(p.week_start)));
    }
    match p.count {
        Some(1) => text.push_str(", once"),
        Some(n) => text.push_str(&format!(", {n} times")),
        None => {}
    }
    match p.until {
        Some(Until::Date(d)) => text.push_str(&format!(", until {}", date(d))),
        Some(Until::Instant(t)) => {
            text.push_str(&format!(", until {} {} UTC", date(t.date_naive()), clock(t.time())))
        }
        None => {}
    }
    if !p.exdates.is_empty() {
        let dates: Vec<String> = p.exdates.iter().map(|&d| date(d)).collect();
        text.push_str(&format!(", except {}", join(&dates, "and")));
    }
    if p.anchor == Anchor::Completion {
        text.push_str(", counted from each completion");
    }
    if p.catch_up == CatchUp::Latest {
        text.push_str(", catching up only the latest");
    }
    text
}

/// The pattern with the parts RFC 5545 takes from the series start written out: the same
/// occurrences from that start, said more plainly. Unchanged when the written-out rule would
/// break the contract (the 31st from the start in June only: valid, never occurring, and
/// refused once written out).
fn with_implied_parts(original: &Pattern, start: NaiveDate) -> Pattern {
    let mut p = original.clone();
    let byday = !p.days_of_week.is_empty() || !p.nth_weekdays.is_empty();
    match p.frequency {
        Frequency::Weekly if !byday => p.days_of_week = vec![start.weekday()],
        Frequency::Monthly | Frequency::Yearly if !byday && p.day_of_month.is_empty() => {
            p.day_of_month = vec![start.day() as i8];
        }
        _ => {}
    }
    // Yearly on a day of the month also takes the start's month (the contract); not with
    // positioned weekdays, which a month would make count within it instead of the year.
    if p.frequency == Frequency::Yearly
        && !p.day_of_month.is_empty()
        && p.month_of_year.is_empty()
        && p.nth_weekdays.is_empty()
    {
        p.month_of_year = vec![start.month() as u8];
    }
    match Pattern::from_json(&p.to_json()) {
        Ok(_) => p,
        Err(_) => original.clone(),
    }
}

/// Frequency, interval and the BY parts: a few common shapes in their usual words, every
/// other one in the general form "Every N units in <months> on <days>, only the <positions>
/// of each unit".
fn rule(p: &Pattern) -> String {
    let unit = unit(p.frequency);
    let every =
        if p.interval == 1 { format!("Every {unit}") } else { format!("Every {} {unit}s", p.interval) };
    let (d, n, m, y, s) = (
        !p.days_of_week.is_empty(),
        !p.nth_weekdays.is_empty(),
        !p.day_of_month.is_empty(),
        !p.month_of_year.is_empty(),
        !p.set_pos.is_empty(),
    );
    let of_every =
        if p.interval == 1 { format!("of every {unit}") } else { format!("of every {} {unit}s", p.interval) };
    match p.frequency {
        // "Every Monday and Wednesday", "Every weekday".
        Frequency::Weekly if p.interval == 1 && d && !(m || y || s) => {
            let days =
                if p.days_of_week == WORKWEEK { "weekday".to_string() } else { day_names(&p.days_of_week) };
            return format!("Every {days}");
        }
        // "On the last Friday of every month".
        Frequency::Monthly if n && !(d || m || y || s) => {
            return format!("On {} {of_every}", nths(&p.nth_weekdays))
        }
        // "On the last weekday of every month".
        Frequency::Monthly if s && p.days_of_week == WORKWEEK && !(n || m || y) => {
            return format!(
                "On the {} weekday {of_every}",
                positions(p.set_pos.iter().map(|&v| i64::from(v)))
            );
        }
        // "Monthly on the 15th".
        Frequency::Monthly if p.interval == 1 && m && !(d || n || y || s) => {
            return format!("Monthly on the {}", month_days(&p.day_of_month));
        }
        // "Every year on 24 December".
        Frequency::Yearly
            if p.day_of_month.len() == 1
                && p.day_of_month[0] > 0
                && p.month_of_year.len() == 1
                && !(d || n || s) =>
        {
            let day = format!("{} {}", p.day_of_month[0], month_name(u32::from(p.month_of_year[0])));
            return format!("{every} on {day}");
        }
        _ => {}
    }
    let mut text = every;
    if y {
        let months: Vec<String> =
            p.month_of_year.iter().map(|&m| month_name(u32::from(m)).to_string()).collect();
        text.push_str(&format!(" in {}", join(&months, "and")));
    }
    if m {
        text.push_str(&format!(" on the {}", month_days(&p.day_of_month)));
    }
    if d || n {
        // With days of the month, weekdays narrow them down (RFC 5545: BYDAY limits).
        if m {
            text.push_str(&format!(" if {}", weekdays_or(&p.days_of_week, &p.nth_weekdays)));
        } else {
            text.push_str(&format!(" on {}", weekdays_and(&p.days_of_week, &p.nth_weekdays)));
        }
    }
    if s {
        let set = positions(p.set_pos.iter().map(|&v| i64::from(v)));
        text.push_str(&format!(", only the {set} of each {unit}"));
    }
    text
}

/// The period a frequency repeats by, as a word.
pub(super) fn unit(frequency: Frequency) -> &'static str {
    match frequency {
        Frequency::Daily => "day",
        Frequency::Weekly => "week",
        Frequency::Monthly => "month",
        Frequency::Yearly => "year",
    }
}

fn day_names(days: &[Weekday]) -> String {
    join(&days.iter().map(|&d| weekday_name(d).to_string()).collect::<Vec<_>>(), "and")
}

/// `the 2nd and 4th Tuesday and the last Friday`: positions grouped by weekday.
fn nths(nths: &[NthWeekday]) -> String {
    join(&nth_groups(nths), "and")
}

fn nth_groups(nths: &[NthWeekday]) -> Vec<String> {
    let mut groups = Vec::new();
    for day in (1..=7).map(super::vocab::weekday) {
        let of_day: Vec<i64> = nths.iter().filter(|n| n.day == day).map(|n| i64::from(n.nth)).collect();
        if !of_day.is_empty() {
            groups.push(format!("the {} {}", positions(of_day), weekday_name(day)));
        }
    }
    groups
}

/// `Monday, weekdays and the last Friday` (BYDAY: a union).
fn weekdays_and(days: &[Weekday], nths: &[NthWeekday]) -> String {
    let mut items = Vec::new();
    if days == WORKWEEK {
        items.push("weekdays".to_string());
    } else {
        items.extend(days.iter().map(|&d| weekday_name(d).to_string()));
    }
    items.extend(nth_groups(nths));
    join(&items, "and")
}

/// `a Monday or the last Friday`, for weekdays that narrow down days of the month.
fn weekdays_or(days: &[Weekday], nths: &[NthWeekday]) -> String {
    let mut items = Vec::new();
    if days == WORKWEEK {
        items.push("a weekday".to_string());
    } else {
        items.extend(days.iter().map(|&d| format!("a {}", weekday_name(d))));
    }
    items.extend(nth_groups(nths));
    join(&items, "or")
}

/// `1st and 15th`, `1st, 15th and last day`, `last and 2nd-to-last day`: counted from
/// the end, a position needs the word "day" (the "last" alone would be ambiguous).
fn month_days(days: &[i8]) -> String {
    let text = positions(days.iter().map(|&d| i64::from(d)));
    if days.iter().any(|&d| d < 0) {
        format!("{text} day")
    } else {
        text
    }
}

/// `24 December 2026`.
pub fn date(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), month_name(d.month()), d.year())
}

/// `09:00`, `09:00:30`, `09:00:30.25`: seconds only when there are any.
pub fn clock(t: NaiveTime) -> String {
    let mut text = format!("{:02}:{:02}", t.hour(), t.minute());
    if t.second() != 0 || t.nanosecond() != 0 {
        text.push_str(&format!(":{:02}", t.second()));
    }
    if t.nanosecond() != 0 {
        text.push_str(format!(".{:09}", t.nanosecond()).trim_end_matches('0'));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_shows_seconds_only_when_there_are_any() {
        let t = |h, m, s, n| NaiveTime::from_hms_nano_opt(h, m, s, n).unwrap();
        assert_eq!(clock(t(9, 0, 0, 0)), "09:00");
        assert_eq!(clock(t(9, 0, 30, 0)), "09:00:30");
        assert_eq!(clock(t(9, 0, 0, 250_000_000)), "09:00:00.25");
    }
}
