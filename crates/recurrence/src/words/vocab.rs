//! The words both directions share: weekday and month names, ordinals, lists.

use crate::calendar::{weekday_from_iso, MONTH_NAMES};
use chrono::Weekday;

pub(crate) const WEEKDAY_NAMES: [&str; 7] =
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// Monday to Friday, the days "weekday" stands for.
pub(crate) const WORKWEEK: [Weekday; 5] =
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];

pub(crate) fn weekday_name(day: Weekday) -> &'static str {
    WEEKDAY_NAMES[day.num_days_from_monday() as usize]
}

pub(crate) fn month_name(month: u32) -> &'static str {
    MONTH_NAMES[(month as usize).clamp(1, 12) - 1]
}

/// `1st`, `2nd`, `3rd`, `4th`, `11th`, `21st`, `112th`.
pub(crate) fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// A position counted from either end: `2nd`, `last`, `2nd-to-last`.
pub(crate) fn position(n: i64) -> String {
    match n {
        -1 => "last".to_string(),
        n if n < 0 => format!("{}-to-last", ordinal(n.unsigned_abs() as u32)),
        n => ordinal(n as u32),
    }
}

/// Positions as a list reads them: counted from the start first (ascending), then from the
/// end (last, 2nd-to-last, …).
pub(crate) fn positions(values: impl IntoIterator<Item = i64>) -> String {
    let mut values: Vec<i64> = values.into_iter().collect();
    values.sort_by_key(|&v| (v < 0, v.abs()));
    join(&values.into_iter().map(position).collect::<Vec<_>>(), "and")
}

/// `a`, `a and b`, `a, b and c` (with `or` for `word`).
pub(crate) fn join(items: &[String], word: &str) -> String {
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} {word} {last}", rest.join(", ")),
    }
}

/// ISO weekday number (1..7) as chrono's weekday; the names' index plus one.
pub(crate) fn weekday(n: usize) -> Weekday {
    weekday_from_iso(n as i64).unwrap_or(Weekday::Mon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_and_positions() {
        let got: Vec<String> =
            [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31, 53, 101, 111, 366].map(ordinal).to_vec();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st", "53rd",
                "101st", "111th", "366th"
            ]
        );
        assert_eq!(position(-1), "last");
        assert_eq!(position(-2), "2nd-to-last");
        assert_eq!(positions([-1, 15, 1, -2]), "1st, 15th, last and 2nd-to-last");
        assert_eq!(join(&["a".into()], "or"), "a");
        assert_eq!(join(&["a".into(), "b".into(), "c".into()], "or"), "a, b or c");
    }
}
