//! The recurrence pattern (JSONB contract, ../shared/spec/recurrence-pattern.md): reading a
//! JSON value into a [`Pattern`], collecting every problem with its JSON path, and writing
//! the normalised form back.

use crate::calendar::{longest_month, CYCLE_DAYS, CYCLE_MONTHS, CYCLE_WEEKS, CYCLE_YEARS, parse_date, weekday_from_iso, MONTH_NAMES};
use crate::error::{Problem, RecurrenceError, Result};
use crate::message::{describe, list, quote_key, suggestion};
use chrono::{DateTime, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};

pub const MAX_INTERVAL: i64 = 999;
pub const MAX_COUNT: i64 = 100_000;
/// More problems than this are summarised in one last line; a pattern with a million bad
/// array elements must still be answered in milliseconds.
const MAX_PROBLEMS: usize = 100;

const KNOWN_KEYS: [&str; 15] = [
    "frequency",
    "interval",
    "daysOfWeek",
    "nthWeekdays",
    "dayOfMonth",
    "monthOfYear",
    "setPos",
    "weekStart",
    "monthDayOverflow",
    "count",
    "until",
    "timezone",
    "exdates",
    "anchor",
    "catchUp",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

impl Frequency {
    pub fn name(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
            Frequency::Yearly => "yearly",
        }
    }

    /// Periods of this frequency in one 400-year Gregorian cycle.
    pub fn periods_per_cycle(self) -> i64 {
        match self {
            Frequency::Daily => CYCLE_DAYS,
            Frequency::Weekly => CYCLE_WEEKS,
            Frequency::Monthly => CYCLE_MONTHS,
            Frequency::Yearly => i64::from(CYCLE_YEARS),
        }
    }
}

/// BYDAY with an ordinal: the `nth` `day` of the month (or of the year).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NthWeekday {
    pub nth: i16,
    pub day: Weekday,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthDayOverflow {
    /// RFC 7529 SKIP=OMIT: a day that does not exist in a month gives no occurrence.
    Skip,
    /// RFC 7529 SKIP=BACKWARD: it moves back to the nearest earlier existing day.
    Clamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Schedule,
    Completion,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    All,
    Latest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// The end of that local day in the pattern's time zone.
    Date(NaiveDate),
    Instant(DateTime<Utc>),
}

/// A valid pattern. BY lists are sorted and free of repeats; absent lists are empty.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub frequency: Frequency,
    pub interval: u16,
    pub days_of_week: Vec<Weekday>,
    pub nth_weekdays: Vec<NthWeekday>,
    pub day_of_month: Vec<i8>,
    pub month_of_year: Vec<u8>,
    pub set_pos: Vec<i16>,
    pub week_start: Weekday,
    pub month_day_overflow: MonthDayOverflow,
    pub count: Option<u32>,
    pub until: Option<Until>,
    pub timezone: Tz,
    pub exdates: Vec<NaiveDate>,
    pub anchor: Anchor,
    pub catch_up: CatchUp,
}

impl Pattern {
    /// A pattern with every optional key at its default.
    pub fn new(frequency: Frequency) -> Pattern {
        Pattern {
            frequency,
            interval: 1,
            days_of_week: Vec::new(),
            nth_weekdays: Vec::new(),
            day_of_month: Vec::new(),
            month_of_year: Vec::new(),
            set_pos: Vec::new(),
            week_start: Weekday::Mon,
            month_day_overflow: MonthDayOverflow::Skip,
            count: None,
            until: None,
            timezone: Tz::UTC,
            exdates: Vec::new(),
            anchor: Anchor::Schedule,
            catch_up: CatchUp::All,
        }
    }

    /// Reads and validates a pattern; on failure the error lists every problem.
    pub fn from_json(value: &Value) -> Result<Pattern> {
        let mut reader = Reader::default();
        let pattern = reader.read(value);
        match pattern {
            Some(p) if reader.problems.is_empty() => Ok(p),
            _ => Err(RecurrenceError::InvalidPattern(reader.into_problems())),
        }
    }

    /// Reads a pattern from JSON text (the text form of a jsonb value); text that is not
    /// JSON, or nests deeper than any pattern could, is one problem at path "pattern".
    pub fn from_json_text(text: &str) -> Result<Pattern> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            let reason = if e.to_string().contains("recursion limit") {
                "nested too deeply to be a recurrence pattern".to_string()
            } else {
                format!("not readable as JSON: {e}")
            };
            RecurrenceError::InvalidPattern(vec![Problem::new("pattern", reason)])
        })?;
        Pattern::from_json(&value)
    }

    /// Every problem of a pattern, empty when it is valid.
    pub fn problems(value: &Value) -> Vec<Problem> {
        let mut reader = Reader::default();
        reader.read(value);
        reader.into_problems()
    }

    /// True when the rule has a BY* key of its own (`setPos` needs one).
    pub fn has_by_rule(&self) -> bool {
        !self.days_of_week.is_empty()
            || !self.nth_weekdays.is_empty()
            || !self.day_of_month.is_empty()
            || !self.month_of_year.is_empty()
    }

    /// The normalised JSON form: defaults filled in, scalars as sorted arrays.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("frequency".into(), json!(self.frequency.name()));
        map.insert("interval".into(), json!(self.interval));
        if !self.days_of_week.is_empty() {
            let days: Vec<u32> = self.days_of_week.iter().map(|d| d.number_from_monday()).collect();
            map.insert("daysOfWeek".into(), json!(days));
        }
        if !self.nth_weekdays.is_empty() {
            let nths: Vec<Value> = self
                .nth_weekdays
                .iter()
                .map(|n| json!({"day": n.day.number_from_monday(), "nth": n.nth}))
                .collect();
            map.insert("nthWeekdays".into(), Value::Array(nths));
        }
        if !self.day_of_month.is_empty() {
            map.insert("dayOfMonth".into(), json!(self.day_of_month));
        }
        if !self.month_of_year.is_empty() {
            map.insert("monthOfYear".into(), json!(self.month_of_year));
        }
        if !self.set_pos.is_empty() {
            map.insert("setPos".into(), json!(self.set_pos));
        }
        map.insert("weekStart".into(), json!(self.week_start.number_from_monday()));
        let overflow = match self.month_day_overflow {
            MonthDayOverflow::Skip => "skip",
            MonthDayOverflow::Clamp => "clamp",
        };
        map.insert("monthDayOverflow".into(), json!(overflow));
        if let Some(count) = self.count {
            map.insert("count".into(), json!(count));
        }
        match self.until {
            Some(Until::Date(d)) => {
                map.insert("until".into(), json!(d.format("%Y-%m-%d").to_string()));
            }
            Some(Until::Instant(t)) => {
                let text = t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
                map.insert("until".into(), json!(text));
            }
            None => {}
        }
        map.insert("timezone".into(), json!(self.timezone.name()));
        let exdates: Vec<String> =
            self.exdates.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect();
        map.insert("exdates".into(), json!(exdates));
        let anchor = match self.anchor {
            Anchor::Schedule => "schedule",
            Anchor::Completion => "completion",
        };
        map.insert("anchor".into(), json!(anchor));
        let catch_up = match self.catch_up {
            CatchUp::All => "all",
            CatchUp::Latest => "latest",
        };
        map.insert("catchUp".into(), json!(catch_up));
        Value::Object(map)
    }
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

    fn into_problems(mut self) -> Vec<Problem> {
        if self.truncated {
            let message = format!("more problems not listed (only the first {MAX_PROBLEMS} are)");
            self.problems.push(Problem::new("pattern", message));
        }
        self.problems
    }

    fn read(&mut self, value: &Value) -> Option<Pattern> {
        let Value::Object(map) = value else {
            self.report("pattern", format!("expected a JSON object, got {}", describe(value)));
            return None;
        };
        // One pass over the object: each known key's value by its place in KNOWN_KEYS.
        let mut fields: [Option<&Value>; KNOWN_KEYS.len()] = [None; KNOWN_KEYS.len()];
        for (key, value) in map {
            match KNOWN_KEYS.iter().position(|k| k == key) {
                Some(i) => fields[i] = Some(value),
                None if self.full() => {} // the costly "did you mean" would not be listed anyway
                None => {
                    let hint = suggestion(key, &KNOWN_KEYS)
                        .map(|k| format!(" (did you mean \"{k}\"?)"))
                        .unwrap_or_default();
                    self.report(quote_key(key), format!("unknown key{hint}"));
                }
            }
        }
        // In KNOWN_KEYS order.
        let [
            frequency_in,
            interval_in,
            days_of_week_in,
            nth_weekdays_in,
            day_of_month_in,
            month_of_year_in,
            set_pos_in,
            week_start_in,
            month_day_overflow_in,
            count_in,
            until_in,
            timezone_in,
            exdates_in,
            anchor_in,
            catch_up_in,
        ] = fields;

        let frequency = match frequency_in {
            None => {
                self.report("frequency", "required: one of \"daily\", \"weekly\", \"monthly\", \"yearly\"");
                None
            }
            Some(v) => self.keyword(
                "frequency",
                v,
                &[
                    ("daily", Frequency::Daily),
                    ("weekly", Frequency::Weekly),
                    ("monthly", Frequency::Monthly),
                    ("yearly", Frequency::Yearly),
                ],
            ),
        };
        let interval = interval_in
            .map(|v| self.integer_in("interval", v, 1, MAX_INTERVAL, "an integer in 1..999"))
            .unwrap_or(Some(1));
        let days_of_week = days_of_week_in.map(|v| self.days_of_week(v));
        let nth_weekdays = nth_weekdays_in.map(|v| self.nth_weekdays(v, frequency));
        let day_of_month = day_of_month_in.map(|v| {
            self.int_or_array("dayOfMonth", v, -31, 31, true, "a day of the month in ±1..31, never 0")
        });
        let month_of_year = month_of_year_in
            .map(|v| self.int_or_array("monthOfYear", v, 1, 12, false, "a month in 1..12"));
        let set_pos = set_pos_in
            .map(|v| self.int_or_array("setPos", v, -366, 366, true, "a position in ±1..366, never 0"));
        let week_start = week_start_in
            .map(|v| {
                self.integer_in("weekStart", v, 1, 7, "an ISO weekday (1..7)")
                    .and_then(weekday_from_iso)
            })
            .unwrap_or(Some(Weekday::Mon));
        let month_day_overflow = month_day_overflow_in
            .map(|v| {
                self.keyword(
                    "monthDayOverflow",
                    v,
                    &[("skip", MonthDayOverflow::Skip), ("clamp", MonthDayOverflow::Clamp)],
                )
            })
            .unwrap_or(Some(MonthDayOverflow::Skip));
        let count = count_in
            .map(|v| self.integer_in("count", v, 1, MAX_COUNT, "an integer in 1..100000"));
        let until = until_in.map(|v| self.until(v));
        let timezone = timezone_in.map(|v| self.timezone(v)).unwrap_or(Some(Tz::UTC));
        let exdates = exdates_in.map(|v| self.exdates(v)).unwrap_or(Some(Vec::new()));
        let anchor = anchor_in
            .map(|v| {
                self.keyword("anchor", v, &[("schedule", Anchor::Schedule), ("completion", Anchor::Completion)])
            })
            .unwrap_or(Some(Anchor::Schedule));
        let catch_up = catch_up_in
            .map(|v| self.keyword("catchUp", v, &[("all", CatchUp::All), ("latest", CatchUp::Latest)]))
            .unwrap_or(Some(CatchUp::All));

        // Rules across keys, checked whenever the keys involved were readable.
        if let Some(freq) = frequency {
            if nth_weekdays.is_some() && matches!(freq, Frequency::Daily | Frequency::Weekly) {
                self.report(
                    "nthWeekdays",
                    format!("only allowed with frequency \"monthly\" or \"yearly\", not \"{}\"", freq.name()),
                );
            }
            if day_of_month.is_some() && freq == Frequency::Weekly {
                self.report("dayOfMonth", "not allowed with frequency \"weekly\"");
            }
            if month_day_overflow == Some(MonthDayOverflow::Clamp)
                && matches!(freq, Frequency::Daily | Frequency::Weekly)
            {
                self.report(
                    "monthDayOverflow",
                    format!("\"clamp\" is only allowed with frequency \"monthly\" or \"yearly\", not \"{}\"", freq.name()),
                );
            }
        }
        if set_pos.is_some()
            && days_of_week.is_none()
            && nth_weekdays.is_none()
            && day_of_month.is_none()
            && month_of_year.is_none()
        {
            self.report("setPos", "needs another BY key: daysOfWeek, nthWeekdays, dayOfMonth or monthOfYear");
        }
        if count.is_some() && until.is_some() {
            self.report("until", "not allowed together with count");
        }

        let mut pattern = Pattern::new(frequency?);
        pattern.interval = interval? as u16;
        pattern.days_of_week = days_of_week.unwrap_or(Some(Vec::new()))?;
        pattern.nth_weekdays = nth_weekdays.unwrap_or(Some(Vec::new()))?;
        pattern.day_of_month = day_of_month.unwrap_or(Some(Vec::new()))?.into_iter().map(|d| d as i8).collect();
        pattern.month_of_year = month_of_year.unwrap_or(Some(Vec::new()))?.into_iter().map(|m| m as u8).collect();
        pattern.set_pos = set_pos.unwrap_or(Some(Vec::new()))?.into_iter().map(|p| p as i16).collect();
        pattern.week_start = week_start?;
        pattern.month_day_overflow = month_day_overflow?;
        pattern.count = match count {
            Some(c) => Some(c? as u32),
            None => None,
        };
        pattern.until = match until {
            Some(u) => Some(u?),
            None => None,
        };
        pattern.timezone = timezone?;
        pattern.exdates = exdates?;
        pattern.anchor = anchor?;
        pattern.catch_up = catch_up?;
        if !self.problems.is_empty() {
            return None;
        }
        self.check_possible(&pattern);
        Some(pattern)
    }

    /// Rules that can never produce an occurrence, whatever the series start: reported
    /// here instead of being searched for in vain.
    fn check_possible(&mut self, p: &Pattern) {
        // A day of the month that exists in none of the months it can fall in.
        if p.month_day_overflow == MonthDayOverflow::Skip && !p.day_of_month.is_empty() {
            let months: Vec<u8> =
                if p.month_of_year.is_empty() { (1..=12).collect() } else { p.month_of_year.clone() };
            let exists = p
                .day_of_month
                .iter()
                .any(|&d| months.iter().any(|&m| i32::from(d.unsigned_abs()) <= longest_month(m)));
            if !exists {
                let names: Vec<&str> = months.iter().map(|&m| MONTH_NAMES[usize::from(m) - 1]).collect();
                self.report(
                    "dayOfMonth",
                    format!(
                        "{} never occurs in {} (use \"monthDayOverflow\": \"clamp\" to move it to the month's last day)",
                        list(&p.day_of_month, ", "),
                        names.join(", ")
                    ),
                );
            }
        }
        // nth counts within a month for monthly rules and yearly rules with monthOfYear.
        let nth_in_month = p.frequency == Frequency::Monthly
            || (p.frequency == Frequency::Yearly && !p.month_of_year.is_empty());
        if nth_in_month
            && p.days_of_week.is_empty()
            && !p.nth_weekdays.is_empty()
            && p.nth_weekdays.iter().all(|n| n.nth.abs() > 5)
        {
            self.report("nthWeekdays", "nth counts within a month here, and a month has at most 5 of any weekday");
        }
        let max_set = match p.frequency {
            Frequency::Daily => 1,
            Frequency::Weekly => 7,
            Frequency::Monthly => 31,
            Frequency::Yearly => 366,
        };
        if !p.set_pos.is_empty() && p.set_pos.iter().all(|s| s.abs() > max_set) {
            self.report(
                "setPos",
                format!("a {} period has at most {max_set} occurrences, so {} never matches", p.frequency.name(), list(&p.set_pos, ", ")),
            );
        }
    }

    fn keyword<T: Copy>(&mut self, key: &str, value: &Value, options: &[(&str, T)]) -> Option<T> {
        if let Value::String(s) = value {
            if let Some((_, v)) = options.iter().find(|(name, _)| name == s) {
                return Some(*v);
            }
        }
        let names: Vec<String> = options.iter().map(|(n, _)| format!("\"{n}\"")).collect();
        self.report(key, format!("expected one of {}, got {}", names.join(", "), describe(value)));
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

    /// An integer or a non-empty array of integers in ±range; sorted, repeats dropped.
    fn int_or_array(&mut self, key: &str, value: &Value, lo: i64, hi: i64, nonzero: bool, what: &str) -> Option<Vec<i64>> {
        let single = std::slice::from_ref(value);
        let items = match value {
            Value::Array(items) if items.is_empty() => {
                self.report(key, "must not be empty");
                return None;
            }
            Value::Array(items) => items,
            Value::Number(_) => single,
            _ => {
                self.report(key, format!("expected an integer or an array of integers, got {}", describe(value)));
                return None;
            }
        };
        let mut ok = true;
        let mut values = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            match as_integer(v) {
                Some(n) if (lo..=hi).contains(&n) && !(nonzero && n == 0) => values.push(n),
                _ => {
                    ok = false;
                    if self.full() {
                        break;
                    }
                    let path = if value.is_array() { format!("{key}[{i}]") } else { key.to_string() };
                    self.report(path, format!("{} is not {what}", describe(v)));
                }
            }
        }
        if !ok {
            return None;
        }
        values.sort_unstable();
        values.dedup();
        Some(values)
    }

    fn days_of_week(&mut self, value: &Value) -> Option<Vec<Weekday>> {
        let Value::Array(items) = value else {
            self.report("daysOfWeek", format!("expected an array of ISO weekdays (1..7), got {}", describe(value)));
            return None;
        };
        if items.is_empty() {
            self.report("daysOfWeek", "must not be empty");
            return None;
        }
        let mut seen: [Option<usize>; 8] = [None; 8];
        let mut ok = true;
        for (i, v) in items.iter().enumerate() {
            if !ok && self.full() {
                break;
            }
            match as_integer(v) {
                Some(n @ 1..=7) => {
                    if let Some(first) = seen[n as usize] {
                        self.report(format!("daysOfWeek[{i}]"), format!("{n} repeats daysOfWeek[{first}]"));
                        ok = false;
                    } else {
                        seen[n as usize] = Some(i);
                    }
                }
                _ => {
                    self.report(format!("daysOfWeek[{i}]"), format!("{} is not an ISO weekday (1..7)", describe(v)));
                    ok = false;
                }
            }
        }
        if !ok {
            return None;
        }
        Some((1..=7).filter(|&n| seen[n as usize].is_some()).filter_map(weekday_from_iso).collect())
    }

    fn nth_weekdays(&mut self, value: &Value, frequency: Option<Frequency>) -> Option<Vec<NthWeekday>> {
        let Value::Array(items) = value else {
            self.report("nthWeekdays", format!("expected an array of {{\"day\", \"nth\"}} objects, got {}", describe(value)));
            return None;
        };
        if items.is_empty() {
            self.report("nthWeekdays", "must not be empty");
            return None;
        }
        let max_nth: i64 = if frequency == Some(Frequency::Yearly) { 53 } else { 5 };
        let mut result = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            if !ok && self.full() {
                break;
            }
            // Built only for a problem: a long valid array stays cheap.
            let path = || format!("nthWeekdays[{i}]");
            let Value::Object(entry) = item else {
                self.report(path(), format!("expected an object {{\"day\": 1..7, \"nth\": N}}, got {}", describe(item)));
                ok = false;
                continue;
            };
            for key in entry.keys().filter(|k| *k != "day" && *k != "nth") {
                self.report(format!("{}.{}", path(), quote_key(key)), "unknown key (expected \"day\" and \"nth\")");
                ok = false;
            }
            let day = match entry.get("day").map(|v| (v, as_integer(v))) {
                Some((_, Some(n @ 1..=7))) => Some(n),
                Some((v, _)) => {
                    self.report(format!("{}.day", path()), format!("{} is not an ISO weekday (1..7)", describe(v)));
                    None
                }
                None => {
                    self.report(format!("{}.day", path()), "required: an ISO weekday (1..7)");
                    None
                }
            };
            let nth = match entry.get("nth") {
                None => {
                    self.report(format!("{}.nth", path()), format!("required: ±1..{max_nth}, never 0"));
                    None
                }
                Some(v) => match as_integer(v) {
                    Some(n) if n != 0 && n.abs() <= max_nth => Some(n),
                    _ => {
                        let freq = frequency.map(|f| format!(" with frequency \"{}\"", f.name())).unwrap_or_default();
                        self.report(format!("{}.nth", path()), format!("{} is not in ±1..{max_nth}{freq}, never 0", describe(v)));
                        None
                    }
                },
            };
            match (day.and_then(weekday_from_iso), nth) {
                (Some(day), Some(nth)) => result.push(NthWeekday { nth: nth as i16, day }),
                _ => ok = false,
            }
        }
        if !ok {
            return None;
        }
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
        self.report("until", format!("{} is not an RFC 3339 timestamp or a date YYYY-MM-DD", describe(value)));
        None
    }

    fn timezone(&mut self, value: &Value) -> Option<Tz> {
        if let Value::String(s) = value {
            if let Ok(tz) = s.parse::<Tz>() {
                return Some(tz);
            }
        }
        self.report("timezone", format!("{} is not an IANA time zone name (e.g. \"Europe/Berlin\")", describe(value)));
        None
    }

    fn exdates(&mut self, value: &Value) -> Option<Vec<NaiveDate>> {
        let Value::Array(items) = value else {
            self.report("exdates", format!("expected an array of dates YYYY-MM-DD, got {}", describe(value)));
            return None;
        };
        let mut dates = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, v) in items.iter().enumerate() {
            if !ok && self.full() {
                break;
            }
            match v.as_str().and_then(parse_date) {
                Some(d) => dates.push(d),
                None => {
                    self.report(format!("exdates[{i}]"), format!("{} is not a date YYYY-MM-DD", describe(v)));
                    ok = false;
                }
            }
        }
        if !ok {
            return None;
        }
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
