//! Reading a JSON value into a [`Pattern`], collecting every problem with its JSON path.

use super::keys;
use super::rules::{self, Present};
use super::{Anchor, CatchUp, Frequency, Keyword, MonthDayOverflow, NthWeekday, Pattern, Until};
use crate::calendar::{parse_date, weekday_from_iso};
use crate::error::Problem;
use crate::message::{describe, quote_key, suggestion};
use chrono::{DateTime, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::Value;

pub const MAX_INTERVAL: i64 = 999;
pub const MAX_COUNT: i64 = 100_000;
/// More problems than this are summarised in one last line; a pattern with a million bad
/// array elements must still be answered in milliseconds.
const MAX_PROBLEMS: usize = 100;

/// A key's value as read: absent, valid, or invalid (its problems already reported).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Field<T> {
    Absent,
    Valid(T),
    Invalid,
}

impl<T> Field<T> {
    pub(super) fn is_present(&self) -> bool {
        !matches!(self, Field::Absent)
    }

    pub(super) fn valid(&self) -> Option<&T> {
        match self {
            Field::Valid(v) => Some(v),
            _ => None,
        }
    }

    /// The value, `default` when absent; None when invalid.
    fn or(self, default: T) -> Option<T> {
        match self {
            Field::Absent => Some(default),
            Field::Valid(v) => Some(v),
            Field::Invalid => None,
        }
    }

    /// Some(None) when absent, Some(Some(value)) when valid; None when invalid.
    fn optional(self) -> Option<Option<T>> {
        self.map(Some).or(None)
    }

    fn map<U>(self, f: impl FnOnce(T) -> U) -> Field<U> {
        match self {
            Field::Absent => Field::Absent,
            Field::Valid(v) => Field::Valid(f(v)),
            Field::Invalid => Field::Invalid,
        }
    }
}

/// The pattern (when every key was readable) and every problem found.
pub(super) fn read(value: &Value) -> (Option<Pattern>, Vec<Problem>) {
    let mut reader = Reader::default();
    let pattern = reader.read(value);
    (pattern, reader.into_problems())
}

/// Collects problems while reading; `None` results mean "already reported".
#[derive(Default)]
struct Reader {
    problems: Vec<Problem>,
    /// Problems past MAX_PROBLEMS were left unexamined.
    truncated: bool,
}

impl Reader {
    /// True once MAX_PROBLEMS are listed: the pattern is invalid whatever else is wrong,
    /// so loops over a huge array stop there instead of describing every element.
    fn full(&mut self) -> bool {
        if self.problems.len() >= MAX_PROBLEMS {
            self.truncated = true;
        }
        self.truncated
    }

    fn report(&mut self, path: impl Into<String>, message: impl Into<String>) {
        if !self.full() {
            self.problems.push(Problem::new(path, message));
        }
    }

    /// Reports each of `problems` (the rules across keys') in turn.
    fn report_all(&mut self, problems: Vec<Problem>) {
        for problem in problems {
            self.report(problem.path, problem.message);
        }
    }

    fn into_problems(mut self) -> Vec<Problem> {
        if self.truncated {
            let message = format!("more problems not listed (only the first {MAX_PROBLEMS} are)");
            self.problems.push(Problem::new(keys::PATTERN, message));
        }
        self.problems
    }

    /// A key's value read by `read` (which reports its problems) when present.
    fn field<T>(
        &mut self,
        value: Option<&Value>,
        read: impl FnOnce(&mut Self, &Value) -> Option<T>,
    ) -> Field<T> {
        match value {
            None => Field::Absent,
            Some(v) => read(self, v).map_or(Field::Invalid, Field::Valid),
        }
    }

    fn read(&mut self, value: &Value) -> Option<Pattern> {
        let Value::Object(map) = value else {
            self.report(keys::PATTERN, format!("expected a JSON object, got {}", describe(value)));
            return None;
        };
        // One pass over the object: each known key's value by its place in keys::ALL.
        let mut fields: [Option<&Value>; keys::ALL.len()] = [None; keys::ALL.len()];
        for (key, value) in map {
            match keys::ALL.iter().position(|k| k == key) {
                Some(i) => fields[i] = Some(value),
                None if self.full() => {} // the costly "did you mean" would not be listed anyway
                None => {
                    let hint = suggestion(key, &keys::ALL)
                        .map(|k| format!(" (did you mean \"{k}\"?)"))
                        .unwrap_or_default();
                    self.report(quote_key(key), format!("unknown key{hint}"));
                }
            }
        }
        // In keys::ALL order, which is the order problems are listed in.
        let [frequency, interval, days_of_week, nth_weekdays, day_of_month, month_of_year, set_pos, week_start, month_day_overflow, count, until, timezone, exdates, anchor, catch_up] =
            fields;

        let frequency = match frequency {
            None => {
                self.report(keys::FREQUENCY, format!("required: one of {}", Frequency::json_list()));
                Field::Invalid
            }
            value => self.field(value, |r, v| r.keyword::<Frequency>(keys::FREQUENCY, v)),
        };
        let interval = self
            .field(interval, |r, v| r.integer_in(keys::INTERVAL, v, 1, MAX_INTERVAL, "an integer in 1..999"));
        let days_of_week = self.field(days_of_week, Reader::days_of_week);
        let freq = frequency.valid().copied();
        let nth_weekdays = self.field(nth_weekdays, |r, v| r.nth_weekdays(v, freq));
        let day_of_month = self.field(day_of_month, |r, v| {
            r.int_or_array(keys::DAY_OF_MONTH, v, -31, 31, true, "a day of the month in ±1..31, never 0")
        });
        let month_of_year = self.field(month_of_year, |r, v| {
            r.int_or_array(keys::MONTH_OF_YEAR, v, 1, 12, false, "a month in 1..12")
        });
        let set_pos = self.field(set_pos, |r, v| {
            r.int_or_array(keys::SET_POS, v, -366, 366, true, "a position in ±1..366, never 0")
        });
        let week_start = self.field(week_start, |r, v| {
            r.integer_in(keys::WEEK_START, v, 1, 7, "an ISO weekday (1..7)").and_then(weekday_from_iso)
        });
        let month_day_overflow =
            self.field(month_day_overflow, |r, v| r.keyword::<MonthDayOverflow>(keys::MONTH_DAY_OVERFLOW, v));
        let count =
            self.field(count, |r, v| r.integer_in(keys::COUNT, v, 1, MAX_COUNT, "an integer in 1..100000"));
        let until = self.field(until, Reader::until);
        let timezone = self.field(timezone, Reader::timezone);
        let exdates = self.field(exdates, Reader::exdates);
        let anchor = self.field(anchor, |r, v| r.keyword::<Anchor>(keys::ANCHOR, v));
        let catch_up = self.field(catch_up, |r, v| r.keyword::<CatchUp>(keys::CATCH_UP, v));

        // Rules across keys, checked whenever the keys involved were readable.
        let across_keys = rules::check_across_keys(&Present {
            frequency: freq,
            clamp: month_day_overflow.valid() == Some(&MonthDayOverflow::Clamp),
            days_of_week: days_of_week.is_present(),
            nth_weekdays: nth_weekdays.is_present(),
            day_of_month: day_of_month.is_present(),
            month_of_year: month_of_year.is_present(),
            set_pos: set_pos.is_present(),
            count: count.is_present(),
            until: until.is_present(),
        });
        self.report_all(across_keys);

        let mut pattern = Pattern::new(freq?);
        pattern.interval = interval.or(1)? as u16;
        pattern.days_of_week = days_of_week.or(Vec::new())?;
        pattern.nth_weekdays = nth_weekdays.or(Vec::new())?;
        pattern.day_of_month =
            day_of_month.map(|v| v.into_iter().map(|d| d as i8).collect()).or(Vec::new())?;
        pattern.month_of_year =
            month_of_year.map(|v| v.into_iter().map(|m| m as u8).collect()).or(Vec::new())?;
        pattern.set_pos = set_pos.map(|v| v.into_iter().map(|p| p as i16).collect()).or(Vec::new())?;
        pattern.week_start = week_start.or(Weekday::Mon)?;
        pattern.month_day_overflow = month_day_overflow.or(MonthDayOverflow::Skip)?;
        pattern.count = count.map(|c| c as u32).optional()?;
        pattern.until = until.optional()?;
        pattern.timezone = timezone.or(Tz::UTC)?;
        pattern.exdates = exdates.or(Vec::new())?;
        pattern.anchor = anchor.or(Anchor::Schedule)?;
        pattern.catch_up = catch_up.or(CatchUp::All)?;
        if !self.problems.is_empty() {
            return None;
        }
        self.report_all(rules::check_possible(&pattern));
        Some(pattern)
    }

    fn keyword<K: Keyword>(&mut self, key: &str, value: &Value) -> Option<K> {
        if let Some(k) = value.as_str().and_then(K::from_json) {
            return Some(k);
        }
        self.report(key, format!("expected one of {}, got {}", K::json_list(), describe(value)));
        None
    }

    /// An integer within [lo, hi]; `what` completes "… is not …" in the message.
    fn integer_in(&mut self, path: &str, value: &Value, lo: i64, hi: i64, what: &str) -> Option<i64> {
        match as_integer(value) {
            Some(n) if (lo..=hi).contains(&n) => Some(n),
            _ => {
                self.report(path, format!("{} is not {what}", describe(value)));
                None
            }
        }
    }

    /// The elements of a JSON array, or None with the problem reported (not an array,
    /// or empty when that is not allowed); `what` completes "expected an array of …".
    fn array<'v>(&mut self, key: &str, value: &'v Value, what: &str, empty_ok: bool) -> Option<&'v [Value]> {
        match value {
            Value::Array(items) if items.is_empty() && !empty_ok => {
                self.report(key, "must not be empty");
                None
            }
            Value::Array(items) => Some(items),
            _ => {
                self.report(key, format!("expected an array of {what}, got {}", describe(value)));
                None
            }
        }
    }

    /// Each element read by `read` (which reports its own problems and gives None); the
    /// values when every element was readable. Stops once MAX_PROBLEMS are listed, so a
    /// huge bad array costs no more than a hundred problems.
    fn each<T>(
        &mut self,
        items: &[Value],
        mut read: impl FnMut(&mut Self, usize, &Value) -> Option<T>,
    ) -> Option<Vec<T>> {
        let mut values = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, v) in items.iter().enumerate() {
            if !ok && self.full() {
                break;
            }
            match read(self, i, v) {
                Some(value) => values.push(value),
                None => ok = false,
            }
        }
        ok.then_some(values)
    }

    /// An integer or a non-empty array of integers in ±range; sorted, repeats dropped.
    fn int_or_array(
        &mut self,
        key: &str,
        value: &Value,
        lo: i64,
        hi: i64,
        nonzero: bool,
        what: &str,
    ) -> Option<Vec<i64>> {
        let items = match value {
            Value::Number(_) => std::slice::from_ref(value),
            Value::Array(_) => self.array(key, value, "integers", false)?,
            _ => {
                let message = format!("expected an integer or an array of integers, got {}", describe(value));
                self.report(key, message);
                return None;
            }
        };
        let mut values = self.each(items, |r, i, v| match as_integer(v) {
            Some(n) if (lo..=hi).contains(&n) && !(nonzero && n == 0) => Some(n),
            _ => {
                let path = if value.is_array() { format!("{key}[{i}]") } else { key.to_string() };
                r.report(path, format!("{} is not {what}", describe(v)));
                None
            }
        })?;
        values.sort_unstable();
        values.dedup();
        Some(values)
    }

    fn days_of_week(&mut self, value: &Value) -> Option<Vec<Weekday>> {
        let items = self.array(keys::DAYS_OF_WEEK, value, "ISO weekdays (1..7)", false)?;
        let mut seen: [Option<usize>; 8] = [None; 8];
        self.each(items, |r, i, v| {
            let path = || format!("{}[{i}]", keys::DAYS_OF_WEEK);
            match as_integer(v) {
                Some(n @ 1..=7) => match seen[n as usize] {
                    Some(first) => {
                        r.report(path(), format!("{n} repeats {}[{first}]", keys::DAYS_OF_WEEK));
                        None
                    }
                    None => {
                        seen[n as usize] = Some(i);
                        Some(())
                    }
                },
                _ => {
                    r.report(path(), format!("{} is not an ISO weekday (1..7)", describe(v)));
                    None
                }
            }
        })?;
        Some((1..=7).filter(|&n| seen[n as usize].is_some()).filter_map(weekday_from_iso).collect())
    }

    fn nth_weekdays(&mut self, value: &Value, frequency: Option<Frequency>) -> Option<Vec<NthWeekday>> {
        let items = self.array(keys::NTH_WEEKDAYS, value, "{\"day\", \"nth\"} objects", false)?;
        let max_nth: i64 = if frequency == Some(Frequency::Yearly) { 53 } else { 5 };
        let mut result = self.each(items, |r, i, item| {
            // Built only for a problem: a long valid array stays cheap.
            let path = || format!("{}[{i}]", keys::NTH_WEEKDAYS);
            let Value::Object(entry) = item else {
                let message =
                    format!("expected an object {{\"day\": 1..7, \"nth\": N}}, got {}", describe(item));
                r.report(path(), message);
                return None;
            };
            let mut known_keys = true;
            for key in entry.keys().filter(|k| *k != keys::NTH_DAY && *k != keys::NTH_NTH) {
                r.report(
                    format!("{}.{}", path(), quote_key(key)),
                    "unknown key (expected \"day\" and \"nth\")",
                );
                known_keys = false;
            }
            let day = match entry.get(keys::NTH_DAY).map(|v| (v, as_integer(v))) {
                Some((_, Some(n @ 1..=7))) => weekday_from_iso(n),
                Some((v, _)) => {
                    r.report(
                        format!("{}.day", path()),
                        format!("{} is not an ISO weekday (1..7)", describe(v)),
                    );
                    None
                }
                None => {
                    r.report(format!("{}.day", path()), "required: an ISO weekday (1..7)");
                    None
                }
            };
            let nth = match entry.get(keys::NTH_NTH) {
                None => {
                    r.report(format!("{}.nth", path()), format!("required: ±1..{max_nth}, never 0"));
                    None
                }
                Some(v) => match as_integer(v) {
                    Some(n) if n != 0 && n.abs() <= max_nth => Some(n),
                    _ => {
                        let freq = frequency
                            .map(|f| format!(" with frequency \"{}\"", f.json()))
                            .unwrap_or_default();
                        let message = format!("{} is not in ±1..{max_nth}{freq}, never 0", describe(v));
                        r.report(format!("{}.nth", path()), message);
                        None
                    }
                },
            };
            Some(NthWeekday { nth: nth? as i16, day: day? }).filter(|_| known_keys)
        })?;
        result.sort_by_key(|n| (n.day.number_from_monday(), n.nth));
        result.dedup();
        Some(result)
    }

    fn until(&mut self, value: &Value) -> Option<Until> {
        if let Value::String(s) = value {
            if let Some(d) = parse_date(s) {
                return Some(Until::Date(d));
            }
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                return Some(Until::Instant(t.with_timezone(&Utc)));
            }
        }
        self.report(
            keys::UNTIL,
            format!("{} is not an RFC 3339 timestamp or a date YYYY-MM-DD", describe(value)),
        );
        None
    }

    fn timezone(&mut self, value: &Value) -> Option<Tz> {
        if let Value::String(s) = value {
            if let Ok(tz) = s.parse::<Tz>() {
                return Some(tz);
            }
        }
        self.report(
            keys::TIMEZONE,
            format!("{} is not an IANA time zone name (e.g. \"Europe/Berlin\")", describe(value)),
        );
        None
    }

    fn exdates(&mut self, value: &Value) -> Option<Vec<NaiveDate>> {
        let items = self.array(keys::EXDATES, value, "dates YYYY-MM-DD", true)?;
        let mut dates = self.each(items, |r, i, v| {
            let date = v.as_str().and_then(parse_date);
            if date.is_none() {
                r.report(
                    format!("{}[{i}]", keys::EXDATES),
                    format!("{} is not a date YYYY-MM-DD", describe(v)),
                );
            }
            date
        })?;
        dates.sort_unstable();
        dates.dedup();
        Some(dates)
    }
}

/// A JSON number that is a whole number (`3`, `3.0`, `3e0`), as i64.
fn as_integer(value: &Value) -> Option<i64> {
    let Value::Number(n) = value else { return None };
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f: f64 = n.to_string().parse().ok()?;
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}
