//! Reading English into a pattern: a tolerant recursive descent over tokens. Clauses
//! ("every …", "on …", "of every month", "at …", "until …", "except …", …) may come in
//! any order; each fills parts of a draft, which becomes the pattern's JSON and goes
//! through the same validation as any pattern. The grammar is in docs/recurrence.md.

use super::describe::unit;
use super::lex::{self, Kind, Token};
use super::vocab::{month_name, WORKWEEK};
use super::{Starting, TextRule, MAX_TEXT_CHARS};
use crate::calendar::{local_to_utc, weekday_from_iso};
use crate::error::{RecurrenceError, Result};
use crate::message::quote;
use crate::pattern::{keys, Frequency, Keyword, Pattern};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};

/// What the text said so far; every part at most once, lists joined.
#[derive(Default)]
struct Draft {
    frequency: Option<Frequency>,
    interval: Option<u64>,
    days: Vec<Weekday>,
    nths: Vec<(i64, Weekday)>,
    month_days: Vec<i64>,
    months: Vec<u32>,
    set_pos: Vec<i64>,
    /// The period `only the … of each <unit>` named, with the token that named it.
    set_pos_unit: Option<(Frequency, usize)>,
    week_start: Option<Weekday>,
    clamp: bool,
    count: Option<u64>,
    until: Option<UntilText>,
    exdates: Vec<NaiveDate>,
    completion: bool,
    latest: bool,
    timezone: Option<Tz>,
    time: Option<NaiveTime>,
    starting: Option<Starting>,
}

enum UntilText {
    Date(NaiveDate),
    /// A wall-clock time in the pattern's zone.
    Local(NaiveDateTime),
    Instant(DateTime<Utc>),
}

/// A date as written: with its year, or a day of a month (the year is the rule's business).
enum DateText {
    Full(NaiveDate),
    MonthDay(u32, u32),
}

const CLAMP_PHRASES: &[&[&str]] = &[
    &["the", "month's", "last", "day", "when", "shorter"],
    &["the", "month's", "last", "day", "if", "shorter"],
    &["the", "last", "day", "of", "the", "month", "when", "shorter"],
    &["the", "last", "day", "of", "the", "month", "if", "shorter"],
    &["the", "last", "day", "when", "shorter"],
    &["the", "last", "day", "if", "shorter"],
    &["the", "nearest", "earlier", "day", "when", "missing"],
    &["the", "nearest", "earlier", "day", "if", "missing"],
];

const COMPLETION_PHRASES: &[&[&str]] = &[
    &["counted", "from", "each", "completion"],
    &["counted", "from", "completion"],
    &["after", "each", "completion"],
    &["after", "completion"],
    &["from", "each", "completion"],
    &["from", "completion"],
];

const LATEST_PHRASES: &[&[&str]] = &[
    &["catching", "up", "only", "the", "latest"],
    &["catch", "up", "only", "the", "latest"],
    &["only", "the", "latest", "when", "missed"],
    &["only", "the", "latest", "if", "missed"],
];

pub(super) fn parse(text: &str, default_timezone: Tz) -> Result<TextRule> {
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(invalid(format!("the text is longer than {MAX_TEXT_CHARS} characters")));
    }
    let tokens = lex::tokens(text);
    if tokens.is_empty() {
        return Err(invalid("the text is empty: expected a rule such as \"every day\""));
    }
    let mut parser = Parser { tokens: &tokens, pos: 0, draft: Draft::default() };
    parser.text()?;
    parser.finish(default_timezone)
}

fn invalid(message: impl Into<String>) -> RecurrenceError {
    RecurrenceError::InvalidText(message.into())
}

struct Parser<'t> {
    tokens: &'t [Token],
    pos: usize,
    draft: Draft,
}

impl Parser<'_> {
    // --- looking at tokens ---------------------------------------------------------------

    fn kind_at(&self, at: usize) -> Option<&Kind> {
        self.tokens.get(at).map(|t| &t.kind)
    }

    fn word_at(&self, at: usize) -> Option<&str> {
        match self.kind_at(at) {
            Some(Kind::Word(w)) => Some(w),
            _ => None,
        }
    }

    fn word(&self) -> Option<&str> {
        self.word_at(self.pos)
    }

    fn is(&self, word: &str) -> bool {
        self.word() == Some(word)
    }

    fn eat(&mut self, word: &str) -> bool {
        let found = self.is(word);
        self.pos += usize::from(found);
        found
    }

    fn eat_any(&mut self, words: &[&str]) -> bool {
        words.iter().any(|w| self.eat(w))
    }

    /// The length of the first of `phrases` that starts at `at`.
    fn phrase_at(&self, at: usize, phrases: &[&[&str]]) -> Option<usize> {
        phrases
            .iter()
            .find(|phrase| phrase.iter().enumerate().all(|(i, w)| self.word_at(at + i) == Some(w)))
            .map(|phrase| phrase.len())
    }

    /// Consumes the first of `phrases` the text continues with, all its words or none.
    fn eat_phrase(&mut self, phrases: &[&[&str]]) -> bool {
        let len = self.phrase_at(self.pos, phrases);
        self.pos += len.unwrap_or(0);
        len.is_some()
    }

    /// The error for the token at the cursor: it is quoted with the word before it.
    fn expected(&self, what: &str) -> RecurrenceError {
        let before = self.pos.checked_sub(1).map(|i| &self.tokens[i].text);
        match (self.tokens.get(self.pos), before) {
            (Some(t), Some(b)) => {
                invalid(format!("cannot read \"{}\" after \"{}\": expected {what}", quote(&t.text), quote(b)))
            }
            (Some(t), None) => invalid(format!("cannot read \"{}\": expected {what}", quote(&t.text))),
            (None, Some(b)) => invalid(format!("the text ends after \"{}\": expected {what}", quote(b))),
            (None, None) => invalid(format!("the text is empty: expected {what}")),
        }
    }

    /// The error for a rule more often than daily, at the word that asks for it.
    fn sub_daily(&self) -> RecurrenceError {
        let word = self.tokens.get(self.pos).map(|t| t.text.as_str()).unwrap_or_default();
        invalid(format!(
            "cannot read \"{}\": a rule repeats at most daily (every day at several times needs several rules)",
            quote(word)
        ))
    }

    /// The error for something said twice, at the token that says it again.
    fn twice(&self, what: &str) -> RecurrenceError {
        let word = self.tokens.get(self.pos.saturating_sub(1)).map(|t| t.text.as_str()).unwrap_or_default();
        invalid(format!("cannot read \"{}\": {what} is given twice", quote(word)))
    }

    // --- the clauses ---------------------------------------------------------------------

    fn text(&mut self) -> Result<()> {
        while let Some(kind) = self.kind_at(self.pos) {
            match kind.clone() {
                Kind::Comma => self.pos += 1,
                Kind::Zone(name) => {
                    self.pos += 1;
                    self.set_zone(&name)?;
                    self.eat("time");
                }
                Kind::Time(t) => {
                    self.pos += 1;
                    let t = self.meridiem_after(t);
                    self.set_time(t)?;
                }
                Kind::Number(_) if self.count_word_at(self.pos + 1) => self.count()?,
                Kind::Ordinal(_) => self.items()?,
                Kind::Number(_) if self.starts_item(self.pos) => self.items()?,
                Kind::Word(w) => self.clause(&w)?,
                _ => return Err(self.expected(CLAUSES)),
            }
        }
        Ok(())
    }

    fn clause(&mut self, word: &str) -> Result<()> {
        if self.eat_phrase(COMPLETION_PHRASES) {
            self.draft.completion = true;
            return Ok(());
        }
        if self.eat_phrase(LATEST_PHRASES) {
            self.draft.latest = true;
            return Ok(());
        }
        match word {
            "and" | "then" => self.pos += 1,
            "every" | "each" => self.every()?,
            "daily" | "weekly" | "monthly" | "yearly" | "annually" | "fortnightly" | "quarterly" => {
                let (frequency, interval) = match word {
                    "daily" => (Frequency::Daily, 1),
                    "weekly" => (Frequency::Weekly, 1),
                    "fortnightly" => (Frequency::Weekly, 2),
                    "monthly" => (Frequency::Monthly, 1),
                    "quarterly" => (Frequency::Monthly, 3),
                    _ => (Frequency::Yearly, 1),
                };
                self.pos += 1;
                self.set_frequency(frequency, interval)?;
            }
            "on" | "if" | "when" => {
                self.pos += 1;
                if word != "on" && (self.eat("it") || self.eat("it's")) {
                    self.eat_any(&["is", "falls"]);
                    self.eat("on");
                }
                self.items()?;
            }
            "only" if self.word_at(self.pos + 1) == Some("on") => {
                self.pos += 2;
                self.items()?;
            }
            "only" => self.set_positions()?,
            "in" => {
                self.pos += 1;
                match self.kind_at(self.pos).cloned() {
                    Some(Kind::Zone(name)) => {
                        self.pos += 1;
                        self.set_zone(&name)?;
                        self.eat("time");
                    }
                    Some(Kind::Word(w)) if w == "utc" || w == "gmt" => {
                        self.pos += 1;
                        self.set_zone("UTC")?;
                    }
                    _ => self.months()?,
                }
            }
            "of" => {
                self.pos += 1;
                self.of()?;
            }
            "at" => {
                self.pos += 1;
                let time = self.clock()?;
                self.set_time(time)?;
            }
            "until" | "till" | "til" | "through" | "thru" | "ending" | "ends" | "to" => {
                self.pos += 1;
                self.until()?;
            }
            "for" | "once" | "twice" | "thrice" => self.count()?,
            "except" | "excluding" | "skipping" | "not" | "but" => {
                self.pos += 1;
                if word == "but" && !self.eat("not") {
                    return Err(self.expected("\"not\""));
                }
                self.eat("on");
                self.exdates()?;
            }
            "starting" | "beginning" | "starts" | "begins" | "from" => {
                self.pos += 1;
                self.starting()?;
            }
            "with" | "weeks" | "week" => self.week_start()?,
            "or" => {
                self.pos += 1;
                if !self.eat_phrase(CLAMP_PHRASES) {
                    return Err(self.expected("\"or the month's last day when shorter\""));
                }
                self.draft.clamp = true;
            }
            "clamped" | "clamp" => {
                self.pos += 1;
                self.draft.clamp = true;
            }
            "utc" | "gmt" => {
                self.pos += 1;
                self.set_zone("UTC")?;
            }
            "hourly" | "hour" | "hours" | "minute" | "minutes" | "minutely" => return Err(self.sub_daily()),
            _ if self.starts_item(self.pos) => self.items()?,
            _ => return Err(self.expected(CLAUSES)),
        }
        Ok(())
    }

    /// `every [!] [other | N | Nth] (day | week | month | year)`, or `every` followed by
    /// days: weekdays, positions, a day of a month, months.
    fn every(&mut self) -> Result<()> {
        self.pos += 1;
        if self.kind_at(self.pos) == Some(&Kind::Bang) {
            self.pos += 1;
            self.draft.completion = true;
        }
        let mut interval = None;
        if self.eat("other") {
            interval = Some(2);
        } else if let Some(n) = self.number_at(self.pos) {
            if self.unit_at(self.pos + 1).is_some() || self.weekday_at(self.pos + 1).is_some() {
                self.pos += 1;
                interval = Some(n);
            }
        } else if let Some((n, len)) = self.ordinal_at(self.pos) {
            // "every 3rd day" repeats; "every 3rd day of the month" is a day of the month.
            if n > 0
                && self.unit_at(self.pos + len).is_some()
                && self.word_at(self.pos + len + 1) != Some("of")
            {
                self.pos += len;
                interval = Some(n as u64);
            }
        }
        if let Some((frequency, factor)) = self.unit_at(self.pos) {
            self.pos += 1;
            return self.set_frequency(frequency, interval.unwrap_or(1).saturating_mul(factor));
        }
        if let Some(n) = interval {
            self.set_interval(n)?;
        }
        if matches!(self.word(), Some("hour" | "hours" | "minute" | "minutes" | "second" | "seconds")) {
            return Err(self.sub_daily());
        }
        if self.month_at(self.pos).is_some() && !self.starts_item(self.pos) {
            return self.months();
        }
        if !self.starts_item(self.pos) {
            return Err(self.expected(
                "day, week, month, year, \"other\", a number, a weekday (Monday), a position (last Friday, 15th) or a month",
            ));
        }
        self.items()
    }

    /// Days: weekdays (`Monday`, `weekdays`, `weekends`), positions with what they count
    /// (`the 2nd and 4th Tuesday`, `the last weekday`, `the 1st, 15th and last day`), days
    /// of a month (`24 December`). Positions without a noun are days of the month.
    fn items(&mut self) -> Result<()> {
        let start = self.pos;
        let mut pending: Vec<i64> = Vec::new();
        loop {
            let item_start = self.pos;
            let article = self.eat_any(&["the", "a", "an"]);
            if let Some(day) = self.weekday_at(self.pos) {
                self.pos += 1;
                if pending.is_empty() {
                    self.draft.days.push(day);
                } else {
                    self.draft.nths.extend(pending.drain(..).map(|n| (n, day)));
                }
            } else if self.dayset_len(self.pos) > 0 {
                let (days, len): (&[Weekday], usize) = if self.is("weekend") || self.is("weekends") {
                    (&[Weekday::Sat, Weekday::Sun], self.dayset_len(self.pos))
                } else {
                    (&WORKWEEK, self.dayset_len(self.pos))
                };
                self.pos += len;
                self.draft.days.extend_from_slice(days);
                self.draft.set_pos.append(&mut pending);
            } else if !pending.is_empty() && self.eat_any(&["day", "days"]) {
                self.draft.month_days.append(&mut pending);
            } else if let Some((n, len)) = self.ordinal_at(self.pos) {
                self.pos += len;
                pending.push(n);
                if let Some(month) = self.of_month_at(self.pos) {
                    // "the 24th of December"
                    self.pos += 2;
                    self.draft.month_days.append(&mut pending);
                    self.draft.months.push(month);
                } else if self.noun_at(self.pos) {
                    continue;
                }
            } else if let Some(n) =
                self.number_at(self.pos).filter(|_| article && !self.count_word_at(self.pos + 1))
            {
                // "the 15"
                self.pos += 1;
                pending.push(n as i64);
                if self.noun_at(self.pos) {
                    continue;
                }
            } else if self.date_starts_at(self.pos) {
                match self.date()? {
                    DateText::MonthDay(month, day) => {
                        self.draft.month_days.push(i64::from(day));
                        self.draft.months.push(month);
                    }
                    DateText::Full(_) => {
                        self.pos = item_start;
                        return Err(self.expected(
                            "a day of the rule without its year (a date with a year is for \"starting\", \"until\" or \"except\")",
                        ));
                    }
                }
            } else if article || self.pos == start {
                return Err(self.expected(
                    "a weekday (Monday), weekdays, a position (the last Friday, the 15th, the last weekday) or a day (24 December)",
                ));
            } else {
                self.pos = item_start;
                break;
            }
            // "the last Friday of March"
            if self.word() == Some("of") && self.month_at(self.pos + 1).is_some() {
                self.pos += 1;
                self.months()?;
            }
            if !self.separator_before(Self::starts_item) {
                break;
            }
        }
        // Positions without a noun: days of the month ("the 1st and 15th").
        self.draft.month_days.append(&mut pending);
        Ok(())
    }

    /// After `of`: the period (`of every month`, `of the month`, `of every 2 months`) or months.
    fn of(&mut self) -> Result<()> {
        if self.is("every") || self.is("each") {
            return self.every();
        }
        self.eat_any(&["the", "this", "a"]);
        if let Some((frequency, factor)) = self.unit_at(self.pos) {
            self.pos += 1;
            return self.set_frequency(frequency, factor);
        }
        if self.month_at(self.pos).is_some() {
            return self.months();
        }
        Err(self.expected("\"every month\", \"the month\", \"every year\" or a month"))
    }

    fn months(&mut self) -> Result<()> {
        loop {
            let Some(month) = self.month_at(self.pos) else {
                return Err(self.expected("a month (January)"));
            };
            self.pos += 1;
            self.draft.months.push(month);
            if !self.separator_before(|p, at| p.month_at(at).is_some()) {
                return Ok(());
            }
        }
    }

    /// `only the 1st and last of each month`.
    fn set_positions(&mut self) -> Result<()> {
        self.pos += 1;
        self.eat("the");
        let mut any = false;
        while let Some((n, len)) = self.ordinal_at(self.pos) {
            self.pos += len;
            self.draft.set_pos.push(n);
            any = true;
            if !self.separator_before(|p, at| p.ordinal_at(at).is_some()) {
                break;
            }
        }
        if !any {
            return Err(self.expected("positions, as in \"only the 1st and last of each month\""));
        }
        if !self.eat_any(&["of", "in"]) {
            return Err(self.expected("\"of each\" and the period (day, week, month or year)"));
        }
        self.eat_any(&["each", "every", "the", "a"]);
        match self.unit_at(self.pos) {
            Some((frequency, 1)) => {
                if self.draft.set_pos_unit.replace((frequency, self.pos)).is_some() {
                    return Err(self.twice("the period of \"only the …\""));
                }
                self.pos += 1;
                Ok(())
            }
            _ => Err(self.expected("day, week, month or year")),
        }
    }

    /// `at 17:00`, `at 5pm`, `at 5 pm`, `at 9`, `at noon`, `at midnight`.
    fn clock(&mut self) -> Result<NaiveTime> {
        if let Some(Kind::Time(t)) = self.kind_at(self.pos) {
            let t = *t;
            self.pos += 1;
            return Ok(self.meridiem_after(t));
        }
        if self.eat("noon") || self.eat("midday") {
            return Ok(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or(NaiveTime::MIN));
        }
        if self.eat("midnight") {
            return Ok(NaiveTime::MIN);
        }
        if let Some(hour) = self.number_at(self.pos) {
            let meridiem = match self.word_at(self.pos + 1) {
                Some("am" | "a.m") => Some(false),
                Some("pm" | "p.m") => Some(true),
                _ => None,
            };
            let hour = match meridiem {
                Some(pm) if (1..=12).contains(&hour) => Some(hour % 12 + if pm { 12 } else { 0 }),
                None if hour < 24 => Some(hour),
                _ => None,
            };
            if let Some(t) = hour.and_then(|h| NaiveTime::from_hms_opt(h as u32, 0, 0)) {
                self.pos += 1 + usize::from(meridiem.is_some());
                self.eat("o'clock");
                return Ok(t);
            }
        }
        Err(self.expected("a time of day (17:00, 5pm, noon)"))
    }

    /// A clock time followed by `am` or `pm` as a word of its own (`8:30 am`).
    fn meridiem_after(&mut self, t: NaiveTime) -> NaiveTime {
        let pm = match self.word() {
            Some("am" | "a.m") => false,
            Some("pm" | "p.m") => true,
            _ => return t,
        };
        let hour = t.hour();
        if !(1..=12).contains(&hour) {
            return t;
        }
        self.pos += 1;
        t.with_hour(hour % 12 + if pm { 12 } else { 0 }).unwrap_or(t)
    }

    /// `until 30 June 2027`, `until 2027-06-30`, `until 30 June 2027 14:30 UTC`.
    fn until(&mut self) -> Result<()> {
        self.eat_any(&["on", "the"]);
        let until = match self.kind_at(self.pos).cloned() {
            Some(Kind::DateTime(t)) => {
                self.pos += 1;
                UntilText::Instant(t)
            }
            _ => {
                let date = self.full_date("until")?;
                match self.kind_at(self.pos).cloned() {
                    Some(Kind::Time(t)) => {
                        self.pos += 1;
                        if self.eat_any(&["utc", "z", "gmt"]) {
                            UntilText::Instant(date.and_time(t).and_utc())
                        } else {
                            UntilText::Local(date.and_time(t))
                        }
                    }
                    _ => UntilText::Date(date),
                }
            }
        };
        if self.draft.until.replace(until).is_some() {
            return Err(self.twice("the end (until)"));
        }
        Ok(())
    }

    /// `for 10 times`, `10 times`, `once`, `twice`.
    fn count(&mut self) -> Result<()> {
        let count = match self.word() {
            Some("once") => 1,
            Some("twice") => 2,
            Some("thrice") => 3,
            _ => {
                self.eat("for");
                let Some(n) = self.number_at(self.pos) else {
                    return Err(self.expected("a number of times (for 10 times)"));
                };
                self.pos += 1;
                if !self.count_word_at(self.pos) {
                    if self.unit_at(self.pos).is_some() {
                        return Err(invalid(format!(
                            "cannot read \"{}\": a length of time needs a start; write \"until <date>\" or \"for N times\"",
                            quote(&self.tokens[self.pos].text)
                        )));
                    }
                    return Err(self.expected("\"times\""));
                }
                n
            }
        };
        self.pos += 1;
        if self.draft.count.replace(count).is_some() {
            return Err(self.twice("the number of times"));
        }
        Ok(())
    }

    fn exdates(&mut self) -> Result<()> {
        loop {
            let date = self.full_date("except")?;
            self.draft.exdates.push(date);
            if !self.separator_before(Self::date_starts_at) {
                return Ok(());
            }
        }
    }

    /// `starting 5 January 2026`, `starting on June 1`, `from today`, `starting Monday`.
    fn starting(&mut self) -> Result<()> {
        self.eat_any(&["on", "from"]);
        let starting = if self.eat("today") {
            Starting::Today
        } else if self.eat("tomorrow") {
            Starting::Tomorrow
        } else if let Some(day) = self.weekday_at(self.pos) {
            self.pos += 1;
            Starting::Weekday(day)
        } else if matches!(self.kind_at(self.pos), Some(Kind::Date(_))) || self.date_starts_at(self.pos) {
            match self.date()? {
                DateText::Full(d) => Starting::Date(d),
                DateText::MonthDay(month, day) => Starting::MonthDay(month, day),
            }
        } else {
            return Err(self.expected("a date (5 January 2026), today, tomorrow or a weekday"));
        };
        if self.draft.starting.replace(starting).is_some() {
            return Err(self.twice("the start"));
        }
        Ok(())
    }

    /// `weeks starting on Sunday`, `with weeks starting on Sunday`, `week starts on Sunday`.
    fn week_start(&mut self) -> Result<()> {
        self.eat("with");
        if !self.eat_any(&["weeks", "week"])
            || !self.eat_any(&["starting", "start", "starts", "beginning", "begin", "begins"])
        {
            return Err(self.expected("\"weeks starting on\" and a weekday"));
        }
        self.eat("on");
        let Some(day) = self.weekday_at(self.pos) else {
            return Err(self.expected("a weekday (Sunday)"));
        };
        self.pos += 1;
        if self.draft.week_start.replace(day).is_some() {
            return Err(self.twice("the first day of the week"));
        }
        Ok(())
    }

    // --- dates -----------------------------------------------------------------------------

    /// Is a date written from `at` on: `2026-12-24`, `24 December`, `24th of December`,
    /// `December 24`?
    fn date_starts_at(&self, at: usize) -> bool {
        let at = at + usize::from(self.word_at(at) == Some("the"));
        match self.kind_at(at) {
            Some(Kind::Date(_)) => true,
            Some(Kind::Number(_) | Kind::Ordinal(_)) => {
                self.month_at(at + 1).is_some() || self.of_month_at(at + 1).is_some()
            }
            Some(Kind::Word(_)) => {
                self.month_at(at).is_some()
                    && matches!(self.kind_at(at + 1), Some(Kind::Number(_) | Kind::Ordinal(_)))
            }
            _ => false,
        }
    }

    /// A date with or without its year.
    fn date(&mut self) -> Result<DateText> {
        let first = self.pos;
        if let Some(Kind::Date(d)) = self.kind_at(self.pos) {
            let d = *d;
            self.pos += 1;
            return Ok(DateText::Full(d));
        }
        self.eat("the");
        let (month, day) = if let Some(month) = self.month_at(self.pos) {
            self.pos += 1;
            let day = self.day_number().ok_or_else(|| self.expected("a day of the month (24)"))?;
            (month, day)
        } else {
            let day = self.day_number().ok_or_else(|| self.expected("a date (24 December 2026)"))?;
            self.eat("of");
            let month = self.month_at(self.pos).ok_or_else(|| self.expected("a month (December)"))?;
            self.pos += 1;
            (month, day)
        };
        // The year: right after, or after a comma when written with three or more digits.
        let year = match (self.kind_at(self.pos), self.tokens.get(self.pos + 1)) {
            (Some(Kind::Number(_)), _) if self.count_word_at(self.pos + 1) => None,
            (Some(Kind::Number(y)), _) => Some((*y, 1)),
            (Some(Kind::Comma), Some(t)) if t.digits >= 3 => match t.kind {
                Kind::Number(y) => Some((y, 2)),
                _ => None,
            },
            _ => None,
        };
        let Some((year, len)) = year else {
            // A day no month has is refused here; one this month lacks, by the pattern's rules.
            if !(1..=31).contains(&day) {
                self.pos = first;
                return Err(self.expected("a date that exists"));
            }
            return Ok(DateText::MonthDay(month, day as u32));
        };
        self.pos += len;
        let date = i32::try_from(year).ok().and_then(|y| NaiveDate::from_ymd_opt(y, month, day as u32));
        match date {
            Some(d) if year <= 9999 => Ok(DateText::Full(d)),
            _ => Err(invalid(format!("{day} {} {year} is not a date", month_name(month)))),
        }
    }

    /// A date that must have its year; `what` names the clause in the error.
    fn full_date(&mut self, what: &str) -> Result<NaiveDate> {
        let first = self.pos;
        match self.date()? {
            DateText::Full(d) => Ok(d),
            DateText::MonthDay(month, day) => {
                let written: Vec<&str> =
                    self.tokens[first..self.pos].iter().map(|t| t.text.as_str()).collect();
                Err(invalid(format!(
                    "\"{what} {}\" needs the year (e.g. {day} {} 2027)",
                    quote(&written.join(" ")),
                    month_name(month)
                )))
            }
        }
    }

    fn day_number(&mut self) -> Option<u64> {
        match self.kind_at(self.pos) {
            Some(Kind::Number(n) | Kind::Ordinal(n)) => {
                let n = *n;
                self.pos += 1;
                Some(n)
            }
            _ => None,
        }
    }

    // --- vocabulary ---------------------------------------------------------------------

    fn number_at(&self, at: usize) -> Option<u64> {
        match self.kind_at(at)? {
            Kind::Number(n) => Some(*n),
            Kind::Word(w) => NUMBER_WORDS.iter().position(|n| n == w).map(|i| i as u64 + 1),
            _ => None,
        }
    }

    fn count_word_at(&self, at: usize) -> bool {
        matches!(self.word_at(at), Some("times" | "time" | "occurrences" | "occurrence"))
    }

    /// `day`, `week`, `month`, `year` (and plurals, fortnight, quarter): the frequency and
    /// how many of it one unit is.
    fn unit_at(&self, at: usize) -> Option<(Frequency, u64)> {
        match self.word_at(at)? {
            "day" | "days" => Some((Frequency::Daily, 1)),
            "week" | "weeks" => Some((Frequency::Weekly, 1)),
            "fortnight" | "fortnights" => Some((Frequency::Weekly, 2)),
            "month" | "months" => Some((Frequency::Monthly, 1)),
            "quarter" | "quarters" => Some((Frequency::Monthly, 3)),
            "year" | "years" => Some((Frequency::Yearly, 1)),
            _ => None,
        }
    }

    fn weekday_at(&self, at: usize) -> Option<Weekday> {
        let word = self.word_at(at)?;
        let word = word.strip_suffix('s').filter(|w| w.ends_with("day")).unwrap_or(word);
        WEEKDAY_WORDS
            .iter()
            .position(|names| names.contains(&word))
            .and_then(|i| weekday_from_iso(i as i64 + 1))
    }

    fn month_at(&self, at: usize) -> Option<u32> {
        let word = self.word_at(at)?;
        MONTH_WORDS.iter().position(|names| names.contains(&word)).map(|i| i as u32 + 1)
    }

    /// `of December` at `at`: the month.
    fn of_month_at(&self, at: usize) -> Option<u32> {
        (self.word_at(at) == Some("of")).then(|| self.month_at(at + 1)).flatten()
    }

    /// How many tokens name the working week or the weekend (`weekdays`, `working days`,
    /// `weekend days`); 0 when none do.
    fn dayset_len(&self, at: usize) -> usize {
        let next_is_day = matches!(self.word_at(at + 1), Some("day" | "days"));
        match self.word_at(at) {
            Some("weekday" | "weekdays" | "workday" | "workdays") => 1,
            Some("weekend" | "weekends") => 1 + usize::from(next_is_day),
            Some("working" | "business" | "work") if next_is_day => 2,
            _ => 0,
        }
    }

    /// A position at `at` and how many tokens it takes: `2nd`, `second`, `last`,
    /// `2nd to last`, `second last`, `next to last`, `penultimate`.
    fn ordinal_at(&self, at: usize) -> Option<(i64, usize)> {
        let n = match self.kind_at(at)? {
            Kind::Ordinal(n) => i64::try_from(*n).ok()?,
            Kind::Word(w) => match w.as_str() {
                "last" => return Some((-1, 1)),
                "penultimate" => return Some((-2, 1)),
                "next" if self.word_at(at + 1) == Some("to") && self.word_at(at + 2) == Some("last") => {
                    return Some((-2, 3))
                }
                w => ORDINAL_WORDS.iter().position(|o| *o == w)? as i64 + 1,
            },
            _ => return None,
        };
        if self.word_at(at + 1) == Some("to") && self.word_at(at + 2) == Some("last") {
            return Some((-n, 3));
        }
        if self.word_at(at + 1) == Some("last") {
            return Some((-n, 2));
        }
        Some((n, 1))
    }

    /// Does a word that says what positions count stand at `at` (a weekday, weekdays, day)?
    fn noun_at(&self, at: usize) -> bool {
        self.weekday_at(at).is_some()
            || self.dayset_len(at) > 0
            || matches!(self.word_at(at), Some("day" | "days"))
    }

    /// Can the days of `items` start at `at`?
    fn starts_item(&self, at: usize) -> bool {
        let at = at + usize::from(matches!(self.word_at(at), Some("the" | "a" | "an")));
        self.weekday_at(at).is_some()
            || self.dayset_len(at) > 0
            || self.ordinal_at(at).is_some()
            || self.date_starts_at(at)
    }

    /// Consumes a list separator (`,`, `and`, `or`, `&`) when what follows it continues
    /// the list (`continues`); otherwise leaves it for the next clause.
    fn separator_before(&mut self, continues: impl Fn(&Self, usize) -> bool) -> bool {
        let mut at = self.pos;
        let mut any = false;
        while matches!(self.kind_at(at), Some(Kind::Comma)) || matches!(self.word_at(at), Some("and" | "or"))
        {
            at += 1;
            any = true;
        }
        // "or the month's last day when shorter" is a clause of its own, not a list's end.
        let clause =
            self.word_at(at - usize::from(any)) == Some("or") && self.phrase_at(at, CLAMP_PHRASES).is_some();
        if any && !clause && continues(self, at) {
            self.pos = at;
            true
        } else {
            false
        }
    }

    // --- setting parts ----------------------------------------------------------------------

    fn set_frequency(&mut self, frequency: Frequency, interval: u64) -> Result<()> {
        if self.draft.frequency.is_some_and(|f| f != frequency) {
            return Err(self.twice("how often (day, week, month or year)"));
        }
        self.draft.frequency = Some(frequency);
        if interval != 1 || self.draft.interval.is_none() {
            self.set_interval(interval)?;
        }
        Ok(())
    }

    fn set_interval(&mut self, n: u64) -> Result<()> {
        match self.draft.interval {
            Some(old) if old != n && old != 1 && n != 1 => Err(self.twice("the interval")),
            Some(old) if n == 1 => {
                self.draft.interval = Some(old);
                Ok(())
            }
            _ => {
                self.draft.interval = Some(n);
                Ok(())
            }
        }
    }

    fn set_time(&mut self, time: NaiveTime) -> Result<()> {
        if self.draft.time.replace(time).is_some() {
            return Err(self.twice("the time of day"));
        }
        Ok(())
    }

    fn set_zone(&mut self, name: &str) -> Result<()> {
        let Some(tz) = find_zone(name) else {
            return Err(invalid(format!(
                "cannot read \"{}\": not a known IANA time zone (e.g. Europe/Berlin)",
                quote(name)
            )));
        };
        if self.draft.timezone.replace(tz).is_some_and(|old| old != tz) {
            return Err(self.twice("the time zone"));
        }
        Ok(())
    }

    // --- the pattern ------------------------------------------------------------------------

    fn finish(self, default_timezone: Tz) -> Result<TextRule> {
        let d = self.draft;
        let frequency = match d.frequency {
            Some(f) => f,
            None if !d.months.is_empty() => Frequency::Yearly,
            None if !d.nths.is_empty() || !d.month_days.is_empty() || !d.set_pos.is_empty() => Frequency::Monthly,
            None if !d.days.is_empty() => Frequency::Weekly,
            None => {
                return Err(invalid(
                    "the text does not say how often: write \"every day\", \"every week\", \"every month\" or \"every year\"",
                ))
            }
        };
        if let Some((period, at)) = d.set_pos_unit.filter(|(period, _)| *period != frequency) {
            return Err(invalid(format!(
                "cannot read \"{}\": positions count within each {} of this rule, not each {}",
                quote(&self.tokens[at].text),
                unit(frequency),
                unit(period)
            )));
        }
        let tz = d.timezone.unwrap_or(default_timezone);
        let mut map = Map::new();
        map.insert(keys::FREQUENCY.into(), json!(frequency.json()));
        if let Some(n) = d.interval {
            map.insert(keys::INTERVAL.into(), json!(n));
        }
        if !d.days.is_empty() {
            let mut days: Vec<u32> = d.days.iter().map(|w| w.number_from_monday()).collect();
            days.sort_unstable();
            days.dedup();
            map.insert(keys::DAYS_OF_WEEK.into(), json!(days));
        }
        if !d.nths.is_empty() {
            let nths: Vec<Value> = d
                .nths
                .iter()
                .map(|(n, day)| json!({keys::NTH_DAY: day.number_from_monday(), keys::NTH_NTH: n}))
                .collect();
            map.insert(keys::NTH_WEEKDAYS.into(), Value::Array(nths));
        }
        if !d.month_days.is_empty() {
            map.insert(keys::DAY_OF_MONTH.into(), json!(d.month_days));
        }
        if !d.months.is_empty() {
            map.insert(keys::MONTH_OF_YEAR.into(), json!(d.months));
        }
        if !d.set_pos.is_empty() {
            map.insert(keys::SET_POS.into(), json!(d.set_pos));
        }
        if let Some(day) = d.week_start {
            map.insert(keys::WEEK_START.into(), json!(day.number_from_monday()));
        }
        if d.clamp {
            map.insert(keys::MONTH_DAY_OVERFLOW.into(), json!("clamp"));
        }
        if let Some(n) = d.count {
            map.insert(keys::COUNT.into(), json!(n));
        }
        match d.until {
            Some(UntilText::Date(date)) => {
                map.insert(keys::UNTIL.into(), json!(date.format("%Y-%m-%d").to_string()));
            }
            Some(UntilText::Local(local)) => {
                let t = local_to_utc(tz, local);
                map.insert(keys::UNTIL.into(), json!(t.to_rfc3339_opts(SecondsFormat::AutoSi, true)));
            }
            Some(UntilText::Instant(t)) => {
                map.insert(keys::UNTIL.into(), json!(t.to_rfc3339_opts(SecondsFormat::AutoSi, true)));
            }
            None => {}
        }
        map.insert(keys::TIMEZONE.into(), json!(tz.name()));
        if !d.exdates.is_empty() {
            let dates: Vec<String> = d.exdates.iter().map(|x| x.format("%Y-%m-%d").to_string()).collect();
            map.insert(keys::EXDATES.into(), json!(dates));
        }
        if d.completion {
            map.insert(keys::ANCHOR.into(), json!("completion"));
        }
        if d.latest {
            map.insert(keys::CATCH_UP.into(), json!("latest"));
        }
        let pattern = Pattern::from_json(&Value::Object(map))?;
        Ok(TextRule { pattern, time: d.time, starting: d.starting })
    }
}

/// What may come next at the top level, for errors.
const CLAUSES: &str =
    "every, on, of every, at, until, for N times, except, starting, or a time zone such as (Europe/Berlin)";

const NUMBER_WORDS: [&str; 12] =
    ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];

const ORDINAL_WORDS: [&str; 12] = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth",
];

const WEEKDAY_WORDS: [&[&str]; 7] = [
    &["monday", "mon"],
    &["tuesday", "tue", "tues"],
    &["wednesday", "wed", "weds"],
    &["thursday", "thu", "thur", "thurs"],
    &["friday", "fri"],
    &["saturday", "sat"],
    &["sunday", "sun"],
];

const MONTH_WORDS: [&[&str]; 12] = [
    &["january", "jan"],
    &["february", "feb"],
    &["march", "mar"],
    &["april", "apr"],
    &["may"],
    &["june", "jun"],
    &["july", "jul"],
    &["august", "aug"],
    &["september", "sep", "sept"],
    &["october", "oct"],
    &["november", "nov"],
    &["december", "dec"],
];

/// An IANA zone by its name, in any case.
pub(crate) fn find_zone(name: &str) -> Option<Tz> {
    name.parse::<Tz>()
        .ok()
        .or_else(|| chrono_tz::TZ_VARIANTS.iter().copied().find(|tz| tz.name().eq_ignore_ascii_case(name)))
}
