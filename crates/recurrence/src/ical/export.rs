//! A VCALENDAR of tasks: each task a VTODO, each recurring template a VTODO with DTSTART,
//! RRULE and EXDATE, its generated instances as overrides (RECURRENCE-ID), and a VTIMEZONE
//! for every zone used. The mapping is documented in docs/recurrence.md.

use super::content::Writer;
use super::vtimezone::write_vtimezone;
use super::{PRIORITY_BY_NAME, X_RRULE, X_STATUS};
use crate::calendar::local_to_utc;
use crate::engine::Schedule;
use crate::error::{RecurrenceError, Result};
use crate::pattern::{Anchor, CatchUp, Frequency, Keyword, MonthDayOverflow, Pattern, Until};
use crate::rrule_text::{rule_text, X_ANCHOR, X_CATCHUP};
use crate::series::TemplateLimits;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A task as the calendar shows it.
#[derive(Debug, Clone)]
pub struct Task {
    /// The task's uuid: its UID, the same in every export.
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// Synapse's status (`To Do`, `In Progress`, `In Review`, `Blocked`, `Done`).
    pub status: String,
    /// Synapse's priority (`Low`, `Medium`, `High`, `Urgent`).
    pub priority: String,
    pub due: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// The ids of the tasks this one depends on.
    pub depends_on: Vec<String>,
    pub kind: TaskKind,
}

#[derive(Debug, Clone)]
pub enum TaskKind {
    Single,
    /// A recurring template.
    Template(Box<Recurrence>),
    /// A generated instance of template `template` for `occurrence`.
    Instance {
        template: String,
        occurrence: DateTime<Utc>,
    },
}

/// A template's series: its pattern from its start, with the template's own limits.
#[derive(Debug, Clone)]
pub struct Recurrence {
    pub pattern: Pattern,
    pub start: DateTime<Utc>,
    pub limits: TemplateLimits,
}

/// The RFC 5545 calendar of `tasks` (CRLF line ends, folded at 75 octets), named `name`,
/// made by `product` (PRODID). Instances whose template is among `tasks` become overrides
/// of its VTODO, the others VTODOs of their own. A date outside the years 0000..9999 that
/// RFC 5545 can write is an error naming the task.
pub fn calendar(name: &str, product: &str, tasks: &[Task]) -> Result<String> {
    let templates: HashMap<&str, &Recurrence> = tasks
        .iter()
        .filter_map(|t| match &t.kind {
            TaskKind::Template(r) => Some((t.id.as_str(), &**r)),
            _ => None,
        })
        .collect();
    // A dependency on an instance shown as an override points at its series.
    let uid_of: HashMap<&str, &str> = tasks
        .iter()
        .filter_map(|t| match &t.kind {
            TaskKind::Instance { template, .. } if templates.contains_key(template.as_str()) => {
                Some((t.id.as_str(), template.as_str()))
            }
            _ => None,
        })
        .collect();
    let mut instances: HashMap<&str, Vec<(&Task, DateTime<Utc>)>> = HashMap::new();
    for task in tasks {
        if let TaskKind::Instance { template, occurrence } = &task.kind {
            instances.entry(template.as_str()).or_default().push((task, *occurrence));
        }
    }
    let mut body = Body { w: Writer::default(), zones: BTreeMap::new(), uid_of };
    for task in tasks {
        match &task.kind {
            TaskKind::Template(r) => {
                body.template(task, r)?;
                for &(instance, occurrence) in instances.get(task.id.as_str()).into_iter().flatten() {
                    body.instance(instance, &task.id, occurrence, r.pattern.timezone)?;
                }
            }
            TaskKind::Instance { template, .. } if templates.contains_key(template.as_str()) => {}
            _ => body.single(task)?,
        }
    }
    let mut w = Writer::default();
    w.line("BEGIN", &[], "VCALENDAR");
    w.line("VERSION", &[], "2.0");
    w.text("PRODID", product);
    w.line("CALSCALE", &[], "GREGORIAN");
    w.text("NAME", name);
    w.text("X-WR-CALNAME", name);
    for (tz, from, to) in body.zones.values() {
        write_vtimezone(&mut w, *tz, *from, *to);
    }
    let mut text = w.finish();
    text.push_str(&body.w.finish());
    let mut end = Writer::default();
    end.line("END", &[], "VCALENDAR");
    text.push_str(&end.finish());
    Ok(text)
}

/// The VTODOs, and the span of the instants written in each zone.
struct Body<'a> {
    w: Writer,
    zones: BTreeMap<&'static str, (Tz, DateTime<Utc>, DateTime<Utc>)>,
    uid_of: HashMap<&'a str, &'a str>,
}

impl Body<'_> {
    /// `NAME:…Z` in UTC, else `NAME;TZID=zone:local`; the zone's span grows to hold it.
    fn date_time(&mut self, task: &Task, name: &str, at: DateTime<Utc>, tz: Tz) -> Result<()> {
        let value = self.date_time_value(task, at, tz)?;
        if tz == Tz::UTC {
            self.w.line(name, &[], &value);
        } else {
            self.w.line(name, &[("TZID", tz.name())], &value);
        }
        Ok(())
    }

    fn date_time_value(&mut self, task: &Task, at: DateTime<Utc>, tz: Tz) -> Result<String> {
        // The UTC year first: a local reading near chrono's ends would overflow.
        let local = (-1..=10_000).contains(&at.year()).then(|| at.with_timezone(&tz).naive_local());
        let Some(local) = local.filter(|l| (0..=9999).contains(&l.year())) else {
            return Err(RecurrenceError::InvalidArgument {
                name: "task",
                message: format!("{}: {at} is outside the years 0000..9999 that iCalendar can hold", task.id),
            });
        };
        if tz == Tz::UTC {
            return Ok(local.format("%Y%m%dT%H%M%SZ").to_string());
        }
        let span = self.zones.entry(tz.name()).or_insert((tz, at, at));
        span.1 = span.1.min(at);
        span.2 = span.2.max(at);
        Ok(local.format("%Y%m%dT%H%M%S").to_string())
    }

    /// The properties every VTODO has: UID, stamps, summary, description, priority, status.
    fn common(&mut self, task: &Task, uid: &str) -> Result<()> {
        self.w.text("UID", uid);
        self.date_time(task, "DTSTAMP", task.updated_at, Tz::UTC)?;
        if let Some(created) = task.created_at {
            self.date_time(task, "CREATED", created, Tz::UTC)?;
        }
        self.date_time(task, "LAST-MODIFIED", task.updated_at, Tz::UTC)?;
        self.w.text("SUMMARY", &task.title);
        if let Some(description) = task.description.as_deref().filter(|d| !d.is_empty()) {
            self.w.text("DESCRIPTION", description);
        }
        if let Some(&(_, level)) = PRIORITY_BY_NAME.iter().find(|(name, _)| *name == task.priority) {
            self.w.line("PRIORITY", &[], &level.to_string());
        }
        let (status, exact) = ical_status(&task.status);
        self.w.line("STATUS", &[], status);
        if exact {
            self.w.text(X_STATUS, &task.status);
        }
        if let Some(completed) = task.completed_at.filter(|_| status == "COMPLETED") {
            self.date_time(task, "COMPLETED", completed, Tz::UTC)?;
        }
        for dependency in &task.depends_on {
            let uid = self.uid_of.get(dependency.as_str()).copied().unwrap_or(dependency);
            self.w.line("RELATED-TO", &[("RELTYPE", "DEPENDS-ON")], &super::content::escape_text(uid));
        }
        Ok(())
    }

    fn single(&mut self, task: &Task) -> Result<()> {
        self.w.line("BEGIN", &[], "VTODO");
        self.common(task, &task.id)?;
        if let Some(due) = task.due {
            self.date_time(task, "DUE", due, Tz::UTC)?;
        }
        self.w.line("END", &[], "VTODO");
        Ok(())
    }

    fn template(&mut self, task: &Task, r: &Recurrence) -> Result<()> {
        let tz = r.pattern.timezone;
        let series = series_pattern(r)?;
        self.w.line("BEGIN", &[], "VTODO");
        self.common(task, &task.id)?;
        // Each occurrence is due when it occurs (generated instances are).
        self.date_time(task, "DTSTART", r.start, tz)?;
        self.date_time(task, "DUE", r.start, tz)?;
        let exact = rule_text(&series);
        let start_date = r.start.with_timezone(&tz).date_naive();
        let portable = portable_rule(&series, start_date).unwrap_or_else(|| exact.clone());
        self.w.line("RRULE", &[], &portable);
        if portable != exact {
            self.w.line(X_RRULE, &[], &exact);
        }
        for at in excluded_occurrences(&series, r.start)? {
            self.date_time(task, "EXDATE", at, tz)?;
        }
        if series.anchor != Anchor::Schedule {
            self.w.line(X_ANCHOR, &[], series.anchor.rrule());
        }
        if series.catch_up != CatchUp::All {
            self.w.line(X_CATCHUP, &[], series.catch_up.rrule());
        }
        self.w.line("END", &[], "VTODO");
        Ok(())
    }

    /// An instance as an override of its template's occurrence; moved to its own due.
    fn instance(&mut self, task: &Task, template: &str, occurrence: DateTime<Utc>, tz: Tz) -> Result<()> {
        self.w.line("BEGIN", &[], "VTODO");
        self.common(task, template)?;
        self.date_time(task, "RECURRENCE-ID", occurrence, tz)?;
        let due = task.due.unwrap_or(occurrence);
        self.date_time(task, "DTSTART", due, tz)?;
        self.date_time(task, "DUE", due, tz)?;
        self.w.line("END", &[], "VTODO");
        Ok(())
    }
}

/// iCalendar's STATUS for a Synapse status, and whether Synapse's own must be kept beside
/// it (X-SYNAPSE-STATUS) because several map to one.
fn ical_status(status: &str) -> (&'static str, bool) {
    match status {
        "To Do" => ("NEEDS-ACTION", false),
        "In Progress" => ("IN-PROCESS", false),
        "In Review" | "Blocked" => ("IN-PROCESS", true),
        "Done" => ("COMPLETED", false),
        _ => ("NEEDS-ACTION", true),
    }
}

/// The template's pattern with its own limits merged in, as one RRULE can say them: its
/// skip dates join the exdates; of a count and an end date, the one that ends the series
/// first (RFC 5545 allows only one of COUNT and UNTIL).
pub(crate) fn series_pattern(r: &Recurrence) -> Result<Pattern> {
    let mut p = r.pattern.clone();
    p.exdates.extend(r.limits.skip_dates.iter().copied());
    p.exdates.sort_unstable();
    p.exdates.dedup();
    let pattern_end = Schedule::new(Arc::new(p.clone()), r.start)?.until();
    let count = match (p.count, r.limits.count) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    // The end date of the column, when it comes before the pattern's own `until`.
    let column_end = r.limits.end_date.filter(|&e| pattern_end.is_none_or(|u| e < u));
    let end = column_end.or(pattern_end);
    match (count, end) {
        (Some(n), Some(end)) => {
            let mut counted = p.clone();
            counted.count = Some(n);
            counted.until = None;
            let schedule = Schedule::new(Arc::new(counted.clone()), r.start)?;
            if schedule.occurrences_from(end + Duration::seconds(1)).next().is_some() {
                // The end comes first.
                p.count = None;
                p.until = column_end.map(Until::Instant).or(p.until);
            } else {
                p = counted;
            }
        }
        (Some(n), None) => p.count = Some(n),
        (None, _) => p.until = column_end.map(Until::Instant).or(p.until),
    }
    Ok(p)
}

/// The occurrences the exdates remove: EXDATE as DATE-TIMEs of the very occurrences (what
/// every client matches), not DATE values (which many ignore next to a DATE-TIME start).
fn excluded_occurrences(p: &Pattern, start: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
    if p.exdates.is_empty() {
        return Ok(Vec::new());
    }
    let mut all = p.clone();
    all.exdates.clear();
    let schedule = Schedule::new(Arc::new(all), start)?;
    let mut excluded = Vec::new();
    for &day in &p.exdates {
        let from = local_to_utc(p.timezone, day.and_time(NaiveTime::MIN));
        excluded.extend(
            schedule
                .occurrences_from(from)
                .take_while(|o| o.local_date <= day)
                .filter(|o| o.local_date == day)
                .map(|o| o.at),
        );
    }
    excluded.sort_unstable();
    excluded.dedup();
    Ok(excluded)
}

/// A plain RFC 5545 rule with the same occurrences as a `clamp` rule, for the clients
/// without RFC 7529 (most): clamp changes nothing when every day of the month is within
/// ±28; one day past the 28th, alone, is "the last of the 28th … that day"
/// (`BYMONTHDAY=28,29,30,31;BYSETPOS=-1`). None for the other clamp rules, which only RFC
/// 7529 can say, and for rules without clamp (already plain).
pub(crate) fn portable_rule(p: &Pattern, start: NaiveDate) -> Option<String> {
    if p.month_day_overflow != MonthDayOverflow::Clamp {
        return None;
    }
    let byday = !p.days_of_week.is_empty() || !p.nth_weekdays.is_empty();
    let days: Vec<i8> = if !p.day_of_month.is_empty() {
        p.day_of_month.clone()
    } else if !byday {
        vec![start.day() as i8]
    } else {
        Vec::new()
    };
    let mut plain = p.clone();
    plain.month_day_overflow = MonthDayOverflow::Skip;
    if days.iter().all(|d| d.abs() <= 28) {
        return Some(rule_text(&plain));
    }
    let single_month = match p.frequency {
        Frequency::Monthly => true,
        Frequency::Yearly => p.month_of_year.len() <= 1,
        _ => false,
    };
    if days.len() != 1 || days[0] < 0 || byday || !p.set_pos.is_empty() || !single_month {
        return None;
    }
    plain.day_of_month = (28..=days[0]).collect();
    plain.set_pos = vec![-1];
    if p.frequency == Frequency::Yearly && p.month_of_year.is_empty() {
        plain.month_of_year = vec![start.month() as u8];
    }
    Some(rule_text(&plain))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::pattern as arc_pattern;
    use chrono::TimeZone;
    use serde_json::json;

    fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn p(value: serde_json::Value) -> Pattern {
        (*arc_pattern(value)).clone()
    }

    fn first(p: &Pattern, start: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        Schedule::new(Arc::new(p.clone()), start)
            .unwrap()
            .occurrences_from(start)
            .take(n)
            .map(|o| o.at)
            .collect()
    }

    #[test]
    fn portable_rules_have_the_same_occurrences() {
        let cases = [
            (
                json!({"frequency": "monthly", "dayOfMonth": 31, "monthDayOverflow": "clamp"}),
                utc(2026, 1, 31, 9),
            ),
            (
                json!({"frequency": "monthly", "monthDayOverflow": "clamp", "interval": 5}),
                utc(2026, 1, 30, 9),
            ),
            (
                json!({"frequency": "monthly", "dayOfMonth": 29, "monthDayOverflow": "clamp", "monthOfYear": [2, 3]}),
                utc(2026, 2, 1, 9),
            ),
            (json!({"frequency": "yearly", "monthDayOverflow": "clamp"}), utc(2024, 2, 29, 9)),
            (
                json!({"frequency": "yearly", "dayOfMonth": 31, "monthOfYear": 4, "monthDayOverflow": "clamp"}),
                utc(2024, 1, 1, 9),
            ),
            (
                json!({"frequency": "monthly", "dayOfMonth": [1, -3], "monthDayOverflow": "clamp"}),
                utc(2024, 1, 1, 9),
            ),
        ];
        for (value, start) in cases {
            let clamp = p(value.clone());
            let text =
                portable_rule(&clamp, start.date_naive()).unwrap_or_else(|| panic!("{value} is portable"));
            assert!(!text.contains("SKIP"), "{text}");
            let plain = crate::rrule_text::from_rrule(&format!("RRULE:{text}")).unwrap();
            assert_eq!(first(&plain, start, 60), first(&clamp, start, 60), "{value}: {text}");
        }
        let needs_rfc_7529 =
            p(json!({"frequency": "monthly", "dayOfMonth": [30, 31], "monthDayOverflow": "clamp"}));
        assert_eq!(portable_rule(&needs_rfc_7529, utc(2026, 1, 1, 0).date_naive()), None);
        let weekday = p(
            json!({"frequency": "monthly", "dayOfMonth": 31, "daysOfWeek": [5], "monthDayOverflow": "clamp"}),
        );
        assert_eq!(portable_rule(&weekday, utc(2026, 1, 1, 0).date_naive()), None);
    }

    #[test]
    fn template_limits_merge_into_one_rule() {
        let r = |value, limits| Recurrence { pattern: p(value), start: utc(2026, 1, 1, 9), limits };
        let skip = TemplateLimits {
            skip_dates: vec![NaiveDate::from_ymd_opt(2026, 1, 3).unwrap()],
            ..Default::default()
        };
        let merged =
            series_pattern(&r(json!({"frequency": "daily", "exdates": ["2026-01-02"]}), skip)).unwrap();
        assert_eq!(merged.exdates.len(), 2);
        // A count that ends before the end date stays a count …
        let limits =
            TemplateLimits { count: Some(3), end_date: Some(utc(2026, 2, 1, 0)), ..Default::default() };
        let merged = series_pattern(&r(json!({"frequency": "daily"}), limits)).unwrap();
        assert_eq!((merged.count, merged.until), (Some(3), None));
        // … one that would run past it becomes the end.
        let limits =
            TemplateLimits { count: Some(300), end_date: Some(utc(2026, 2, 1, 0)), ..Default::default() };
        let merged = series_pattern(&r(json!({"frequency": "daily"}), limits)).unwrap();
        assert_eq!((merged.count, merged.until), (None, Some(Until::Instant(utc(2026, 2, 1, 0)))));
        // The pattern's own date until is kept when it ends first.
        let limits = TemplateLimits { end_date: Some(utc(2027, 1, 1, 0)), ..Default::default() };
        let merged =
            series_pattern(&r(json!({"frequency": "daily", "until": "2026-06-30"}), limits)).unwrap();
        assert_eq!(merged.until, Some(Until::Date(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap())));
    }

    #[test]
    fn exdates_become_the_excluded_occurrences() {
        let berlin = p(
            json!({"frequency": "weekly", "daysOfWeek": [2, 4], "timezone": "Europe/Berlin", "exdates": ["2026-03-31", "2026-04-01"]}),
        );
        let start = Tz::Europe__Berlin.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap().with_timezone(&Utc);
        // 31 March is a Tuesday (after the change to summer time); 1 April has none.
        assert_eq!(excluded_occurrences(&berlin, start).unwrap(), vec![utc(2026, 3, 31, 7)]);
    }

    fn task(id: &str, kind: TaskKind) -> Task {
        Task {
            id: id.to_string(),
            title: format!("Task {id}"),
            description: None,
            status: "To Do".into(),
            priority: "High".into(),
            due: Some(utc(2026, 5, 1, 12)),
            completed_at: None,
            created_at: Some(utc(2026, 1, 1, 0)),
            updated_at: utc(2026, 1, 2, 0),
            depends_on: Vec::new(),
            kind,
        }
    }

    #[test]
    fn a_calendar_of_a_task_a_template_and_its_instance() {
        let template = Recurrence {
            pattern: p(
                json!({"frequency": "weekly", "daysOfWeek": [2], "timezone": "Europe/Berlin", "exdates": ["2026-03-17"]}),
            ),
            start: utc(2026, 3, 3, 9),
            limits: TemplateLimits::default(),
        };
        let mut done =
            task("i-1", TaskKind::Instance { template: "t-1".into(), occurrence: utc(2026, 3, 10, 9) });
        done.status = "Done".into();
        done.completed_at = Some(utc(2026, 3, 10, 15));
        done.due = Some(utc(2026, 3, 10, 9));
        let mut single = task("s-1", TaskKind::Single);
        single.status = "Blocked".into();
        single.description = Some("Line one\nsemi; comma, back\\slash".into());
        single.depends_on = vec!["i-1".into(), "elsewhere".into()];
        let text = calendar(
            "My tasks",
            "-//Synapse//test//EN",
            &[task("t-1", TaskKind::Template(Box::new(template))), done, single],
        )
        .unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        for expected in [
            "BEGIN:VCALENDAR",
            "TZID:Europe/Berlin",
            "UID:t-1",
            "DTSTART;TZID=Europe/Berlin:20260303T100000",
            "RRULE:FREQ=WEEKLY;BYDAY=TU",
            "EXDATE;TZID=Europe/Berlin:20260317T100000",
            "RECURRENCE-ID;TZID=Europe/Berlin:20260310T100000",
            "STATUS:COMPLETED",
            "COMPLETED:20260310T150000Z",
            "PRIORITY:3",
            "STATUS:IN-PROCESS",
            "X-SYNAPSE-STATUS:Blocked",
            "DESCRIPTION:Line one\\nsemi\\; comma\\, back\\\\slash",
            "RELATED-TO;RELTYPE=DEPENDS-ON:t-1",
            "RELATED-TO;RELTYPE=DEPENDS-ON:elsewhere",
            "DUE:20260501T120000Z",
            "END:VCALENDAR",
            "",
        ] {
            assert!(lines.contains(&expected), "{expected:?} missing in\n{text}");
        }
        assert_eq!(
            lines.iter().filter(|l| **l == "UID:t-1").count(),
            2,
            "the instance is an override of the template"
        );
        assert!(!text.contains("UID:i-1"));
        assert!(text.find("BEGIN:VTIMEZONE") < text.find("BEGIN:VTODO"));
    }

    #[test]
    fn an_instance_without_its_template_is_a_task_of_its_own() {
        let text = calendar(
            "x",
            "p",
            &[task("i-2", TaskKind::Instance { template: "t-9".into(), occurrence: utc(2026, 3, 10, 9) })],
        )
        .unwrap();
        assert!(text.contains("UID:i-2\r\n") && !text.contains("RECURRENCE-ID"));
    }

    #[test]
    fn dates_beyond_four_digit_years_name_the_task() {
        let mut far = task("f-1", TaskKind::Single);
        far.due = Some(NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap().and_time(NaiveTime::MIN).and_utc());
        let err = calendar("x", "p", &[far]).unwrap_err();
        assert!(err.to_string().starts_with("task: f-1: "), "{err}");
        // At chrono's very end, east of UTC: refused, not an overflow.
        let mut last = task(
            "f-2",
            TaskKind::Template(Box::new(Recurrence {
                pattern: p(json!({"frequency": "daily", "timezone": "Pacific/Kiritimati"})),
                start: DateTime::<Utc>::MAX_UTC,
                limits: TemplateLimits::default(),
            })),
        );
        last.due = None;
        assert!(calendar("x", "p", &[last]).is_err());
    }
}
