//! The recurrence pattern (JSONB contract, docs/recurrence-pattern.md): its
//! types, each enum with its JSON and RRULE spellings ([`Keyword`]), and the normalised
//! JSON form. `keys` names the JSON keys, `read` reads a JSON value collecting every
//! problem with its path, `rules` holds the rules across keys.

pub mod keys;
mod read;
mod rules;

pub use read::{MAX_COUNT, MAX_INTERVAL};

use crate::calendar::{format_date, CYCLE_DAYS, CYCLE_MONTHS, CYCLE_WEEKS, CYCLE_YEARS};
use crate::error::{Problem, RecurrenceError, Result};
use chrono::{DateTime, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};

/// An enum of the contract with its spellings, each written once: in the pattern's JSON
/// and in RRULE text.
pub trait Keyword: Copy + PartialEq + Sized + 'static {
    /// Every value, in the contract's order.
    const ALL: &'static [Self];
    /// The JSON spelling, e.g. `"daily"`.
    fn json(self) -> &'static str;
    /// The RRULE spelling, e.g. `DAILY` (read case-insensitively).
    fn rrule(self) -> &'static str;

    fn from_json(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.json() == text)
    }

    fn from_rrule(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.rrule().eq_ignore_ascii_case(text))
    }

    /// The JSON spellings as a message lists them: `"a", "b", "c"`.
    fn json_list() -> String {
        Self::ALL.iter().map(|v| format!("\"{}\"", v.json())).collect::<Vec<_>>().join(", ")
    }
}

/// Defines an enum of the contract and its [`Keyword`] spellings in one table.
macro_rules! keyword {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = ($json:literal, $rrule:literal),)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl Keyword for $name {
            const ALL: &'static [Self] = &[$($name::$variant,)+];

            fn json(self) -> &'static str {
                match self {
                    $($name::$variant => $json,)+
                }
            }

            fn rrule(self) -> &'static str {
                match self {
                    $($name::$variant => $rrule,)+
                }
            }
        }
    };
}

keyword!(
    /// FREQ.
    Frequency {
        Daily = ("daily", "DAILY"),
        Weekly = ("weekly", "WEEKLY"),
        Monthly = ("monthly", "MONTHLY"),
        Yearly = ("yearly", "YEARLY"),
    }
);

keyword!(
    /// What happens to a day of the month that does not exist (RFC 7529 SKIP).
    MonthDayOverflow {
        /// SKIP=OMIT: a day that does not exist in a month gives no occurrence.
        Skip = ("skip", "OMIT"),
        /// SKIP=BACKWARD: it moves back to the nearest earlier existing day.
        Clamp = ("clamp", "BACKWARD"),
    }
);

keyword!(
    /// What the next instance follows (X-SYNAPSE-ANCHOR in RRULE text).
    Anchor {
        Schedule = ("schedule", "schedule"),
        Completion = ("completion", "completion"),
    }
);

keyword!(
    /// What the generator does with missed occurrences (X-SYNAPSE-CATCHUP in RRULE text).
    CatchUp {
        All = ("all", "all"),
        Latest = ("latest", "latest"),
    }
);

impl Frequency {
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

impl NthWeekday {
    /// The JSON object `{"day": 1..7, "nth": N}`.
    pub fn to_json(self) -> Value {
        json!({keys::NTH_DAY: self.day.number_from_monday(), keys::NTH_NTH: self.nth})
    }
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
        let (pattern, problems) = read::read(value);
        match pattern {
            Some(p) if problems.is_empty() => Ok(p),
            _ => Err(RecurrenceError::InvalidPattern(problems)),
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
            RecurrenceError::InvalidPattern(vec![Problem::new(keys::PATTERN, reason)])
        })?;
        Pattern::from_json(&value)
    }

    /// Every problem of a pattern, empty when it is valid.
    pub fn problems(value: &Value) -> Vec<Problem> {
        read::read(value).1
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
        map.insert(keys::FREQUENCY.into(), json!(self.frequency.json()));
        map.insert(keys::INTERVAL.into(), json!(self.interval));
        if !self.days_of_week.is_empty() {
            let days: Vec<u32> = self.days_of_week.iter().map(|d| d.number_from_monday()).collect();
            map.insert(keys::DAYS_OF_WEEK.into(), json!(days));
        }
        if !self.nth_weekdays.is_empty() {
            let nths: Vec<Value> = self.nth_weekdays.iter().map(|n| n.to_json()).collect();
            map.insert(keys::NTH_WEEKDAYS.into(), Value::Array(nths));
        }
        if !self.day_of_month.is_empty() {
            map.insert(keys::DAY_OF_MONTH.into(), json!(self.day_of_month));
        }
        if !self.month_of_year.is_empty() {
            map.insert(keys::MONTH_OF_YEAR.into(), json!(self.month_of_year));
        }
        if !self.set_pos.is_empty() {
            map.insert(keys::SET_POS.into(), json!(self.set_pos));
        }
        map.insert(keys::WEEK_START.into(), json!(self.week_start.number_from_monday()));
        map.insert(keys::MONTH_DAY_OVERFLOW.into(), json!(self.month_day_overflow.json()));
        if let Some(count) = self.count {
            map.insert(keys::COUNT.into(), json!(count));
        }
        match self.until {
            Some(Until::Date(d)) => {
                map.insert(keys::UNTIL.into(), json!(format_date(d)));
            }
            Some(Until::Instant(t)) => {
                let text = t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
                map.insert(keys::UNTIL.into(), json!(text));
            }
            None => {}
        }
        map.insert(keys::TIMEZONE.into(), json!(self.timezone.name()));
        let exdates: Vec<String> = self.exdates.iter().map(|&d| format_date(d)).collect();
        map.insert(keys::EXDATES.into(), json!(exdates));
        map.insert(keys::ANCHOR.into(), json!(self.anchor.json()));
        map.insert(keys::CATCH_UP.into(), json!(self.catch_up.json()));
        Value::Object(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<K: Keyword + std::fmt::Debug>() {
        for &v in K::ALL {
            assert_eq!(K::from_json(v.json()), Some(v));
            assert_eq!(K::from_rrule(&v.rrule().to_ascii_lowercase()), Some(v));
        }
    }

    #[test]
    fn every_keyword_reads_back_its_spellings() {
        round_trips::<Frequency>();
        round_trips::<MonthDayOverflow>();
        round_trips::<Anchor>();
        round_trips::<CatchUp>();
        assert_eq!(Frequency::json_list(), "\"daily\", \"weekly\", \"monthly\", \"yearly\"");
    }

    #[test]
    fn array_keys_name_what_they_expect() {
        let problems =
            |value: Value| Pattern::problems(&value).iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(
            problems(json!({"frequency": "monthly", "dayOfMonth": "x", "daysOfWeek": {}, "exdates": 3})),
            [
                "daysOfWeek: expected an array of ISO weekdays (1..7), got an object",
                "dayOfMonth: expected an integer or an array of integers, got \"x\"",
                "exdates: expected an array of dates YYYY-MM-DD, got 3",
            ]
        );
        assert_eq!(
            problems(
                json!({"frequency": "monthly", "monthOfYear": [], "nthWeekdays": [{"day": 1, "nth": 1, "x": 0}]})
            ),
            [
                "nthWeekdays[0].x: unknown key (expected \"day\" and \"nth\")",
                "monthOfYear: must not be empty"
            ]
        );
    }
}
