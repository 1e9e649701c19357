//! iCalendar both ways: files as Google Calendar, Outlook, Apple and the Python icalendar
//! library write them (tests/ical/fixtures), read into rows with their warnings; Synapse's
//! own export read back; the export's syntax over random templates.

use super::rrule_text::{arb_instant, arb_pattern};
use crate::engine::Schedule;
use crate::ical::{calendar, import, Imported, Recurrence, Task, TaskKind};
use crate::series::TemplateLimits;
use crate::Pattern;
use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::Arc;

const GOOGLE: &str = include_str!("../../../../tests/ical/fixtures/google.ics");
const OUTLOOK: &str = include_str!("../../../../tests/ical/fixtures/outlook.ics");
const APPLE: &str = include_str!("../../../../tests/ical/fixtures/apple.ics");
const PYTHON: &str = include_str!("../../../../tests/ical/fixtures/python_icalendar.ics");

fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap()
}

fn pattern(value: Value) -> Pattern {
    Pattern::from_json(&value).unwrap_or_else(|e| panic!("{value}: {e}"))
}

fn rows(text: &str) -> Vec<Imported> {
    import(text, Tz::UTC).expect("an iCalendar text")
}

fn by_title<'r>(rows: &'r [Imported], title: &str) -> &'r Imported {
    rows.iter().find(|r| r.title.as_deref() == Some(title)).unwrap_or_else(|| panic!("no row {title:?}"))
}

fn first(p: &Pattern, start: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
    Schedule::new(Arc::new(p.clone()), start).unwrap().occurrences_from(start).take(n).map(|o| o.at).collect()
}

#[test]
fn google_calendar() {
    let rows = rows(GOOGLE);
    assert_eq!(rows.len(), 5);
    let standup = &rows[0];
    assert_eq!(standup.component, "VEVENT");
    assert_eq!(standup.uid.as_deref(), Some("3k2j4h5g6f7d8s9a0q1w2e3r4t@google.com"));
    assert_eq!(standup.title.as_deref(), Some("Stand-up"));
    assert!(standup.description.as_deref().unwrap().starts_with(
        "Daily stand-up.\nJoin with Google Meet: https://meet.google.com/abc-defg-hij\n\nLearn more"
    ));
    assert_eq!(standup.dtstart, Some(utc(2026, 1, 5, 8, 30)));
    assert_eq!(standup.due, standup.dtstart, "an event is due at its start");
    assert_eq!(standup.status.as_deref(), Some("To Do"));
    assert_eq!(
        standup.pattern,
        Some(pattern(
            json!({"frequency": "weekly", "daysOfWeek": [1, 2, 3, 4, 5], "timezone": "Europe/Berlin", "exdates": ["2026-04-06", "2026-05-25"]})
        ))
    );
    assert_eq!(
        standup.warnings,
        [
            "DTEND: not imported (a task is due at the event's start)",
            "LOCATION: not imported",
            "TRANSP: not imported",
            "VALARM: not imported (reminders)",
        ]
    );
    let moved = &rows[1];
    assert_eq!(
        (moved.uid.as_deref(), moved.recurrence_id),
        (standup.uid.as_deref(), Some(utc(2026, 1, 7, 8, 30)))
    );
    assert_eq!(moved.due, Some(utc(2026, 1, 7, 10, 0)));
    // An all-day date is the start of that day in the calendar's zone (X-WR-TIMEZONE).
    let birthday = by_title(&rows, "Ada's birthday");
    assert_eq!(birthday.dtstart, Some(utc(2026, 4, 11, 22, 0)));
    assert_eq!(birthday.pattern, Some(pattern(json!({"frequency": "yearly", "timezone": "Europe/Berlin"}))));
    let release = by_title(&rows, "Release notes");
    assert_eq!(
        release.pattern,
        Some(pattern(
            json!({"frequency": "monthly", "nthWeekdays": [{"day": 5, "nth": -1}], "until": "2026-12-31", "timezone": "Europe/Berlin"})
        ))
    );
    let meds = by_title(&rows, "Meds");
    assert_eq!(meds.pattern, None);
    assert_eq!(
        meds.warnings,
        [
            "DTEND: not imported (a task is due at the event's start)",
            "RRULE: not imported: BYHOUR=9,17 is not supported (the time of day comes from DTSTART)"
        ]
    );
}

#[test]
fn outlook() {
    let rows = rows(OUTLOOK);
    assert_eq!(rows.len(), 4);
    let review = by_title(&rows, "Monthly review");
    // Windows zone names are read as their IANA zones.
    assert_eq!(
        review.pattern,
        Some(pattern(
            json!({"frequency": "monthly", "nthWeekdays": [{"day": 1, "nth": 1}], "count": 12, "timezone": "Europe/Berlin"})
        ))
    );
    assert_eq!(review.dtstart, Some(utc(2026, 2, 2, 9, 0)));
    assert_eq!(review.priority.as_deref(), Some("Medium"));
    assert_eq!(review.description.as_deref(), Some("Agenda in the shared folder.\n"));
    assert!(
        review.warnings.contains(&"X-MICROSOFT-CDO-BUSYSTATUS: not imported".to_string()),
        "{:?}",
        review.warnings
    );
    let vendor = by_title(&rows, "Vendor call");
    let p = vendor.pattern.clone().unwrap();
    assert_eq!(
        p,
        pattern(
            json!({"frequency": "weekly", "interval": 2, "daysOfWeek": [1], "weekStart": 7, "until": "2026-06-01T13:00:00Z", "timezone": "America/New_York", "exdates": ["2026-03-30", "2026-04-13"]})
        )
    );
    assert_eq!(first(&p, vendor.dtstart.unwrap(), 10).len(), 5, "every other Monday to June, two excluded");
    let dubai = by_title(&rows, "Dubai sync");
    assert_eq!(dubai.due, Some(utc(2026, 3, 10, 4, 0)));
    assert!(
        dubai.warnings.contains(
            &"TZID=Customized Time Zone: read as Etc/GMT-4 (its VTIMEZONE has one offset)".to_string()
        ),
        "{:?}",
        dubai.warnings
    );
    let budget = by_title(&rows, "Prepare budget");
    assert_eq!(
        (budget.component.as_str(), budget.status.as_deref(), budget.priority.as_deref()),
        ("VTODO", Some("In Progress"), Some("Urgent"))
    );
    assert_eq!(budget.due, Some(utc(2026, 3, 15, 0, 0)));
    assert_eq!(budget.warnings, ["CLASS: not imported", "PERCENT-COMPLETE: not imported"]);
}

#[test]
fn apple() {
    let rows = rows(APPLE);
    let plants = by_title(&rows, "Water the plants");
    assert_eq!(
        plants.pattern,
        Some(pattern(json!({"frequency": "weekly", "daysOfWeek": [6], "timezone": "America/New_York"})))
    );
    assert_eq!(plants.due, Some(utc(2026, 1, 3, 14, 0)));
    assert_eq!(plants.priority, None, "PRIORITY:0 is undefined");
    assert_eq!(plants.warnings, ["X-APPLE-SORT-ORDER: not imported", "VALARM: not imported (reminders)"]);
    let taxes = by_title(&rows, "File taxes");
    assert_eq!((taxes.status.as_deref(), taxes.completed), (Some("Done"), Some(utc(2026, 4, 10, 12, 0))));
    assert_eq!(taxes.depends_on, Vec::<String>::new());
    assert!(
        taxes.warnings.iter().any(|w| w.starts_with("RELATED-TO;RELTYPE=PARENT:1B2C3D4E")),
        "{:?}",
        taxes.warnings
    );
    let club = by_title(&rows, "Book club");
    assert_eq!(
        club.pattern,
        Some(pattern(json!({"frequency": "monthly", "dayOfMonth": 20, "timezone": "America/New_York"})))
    );
    assert_eq!(club.due, Some(utc(2026, 1, 20, 23, 30)));
}

#[test]
fn python_icalendar() {
    let rows = rows(PYTHON);
    assert_eq!(rows.len(), 3);
    let backup = &rows[0];
    assert_eq!(backup.title.as_deref(), Some("Backup, verify; rotate"));
    assert_eq!(backup.description.as_deref(), Some("Keep 7 dailies\nand 4 weeklies"));
    assert_eq!(
        backup.pattern,
        Some(pattern(
            json!({"frequency": "monthly", "dayOfMonth": -1, "count": 24, "timezone": "Asia/Tokyo", "exdates": ["2026-04-30"]})
        ))
    );
    assert_eq!(backup.priority.as_deref(), Some("High"));
    assert_eq!(backup.warnings, ["CATEGORIES: not imported"]);
    let planning = &rows[1];
    assert_eq!(
        planning.pattern,
        Some(pattern(
            json!({"frequency": "monthly", "interval": 3, "nthWeekdays": [{"day": 4, "nth": 3}], "until": "2027-12-31"})
        ))
    );
    let renew = &rows[2];
    assert_eq!(renew.depends_on, ["py-todo-1@example.org"]);
    assert_eq!(renew.due, Some(utc(2026, 6, 1, 0, 0)));
    assert!(renew.warnings.is_empty(), "{:?}", renew.warnings);
}

#[test]
fn a_dtstart_out_of_step_with_its_rule_is_reported() {
    let rows = rows(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260320T150000Z\r\n\
         RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1FR\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    );
    assert_eq!(
        rows[0].warnings,
        ["DTSTART:20260320T150000Z: not an occurrence of the RRULE; Synapse's series starts at the rule's first \
          (RFC 5545 leaves this undefined: other calendars may show the DTSTART too)"]
    );
    assert!(rows[0].pattern.is_some());
}

#[test]
fn text_that_is_not_icalendar_is_an_error() {
    for (text, message) in [
        ("", "no BEGIN:VCALENDAR (not an iCalendar text)"),
        ("hello", "cannot read the line \"hello\" (expected NAME:VALUE)"),
        (
            "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nEND:VCALENDAR\r\n",
            "END:VCALENDAR does not close the component that is open",
        ),
    ] {
        assert_eq!(import(text, Tz::UTC).unwrap_err().to_string(), message);
    }
    // Another component is a row that says it was not imported.
    let rows = rows("BEGIN:VCALENDAR\r\nBEGIN:VJOURNAL\r\nUID:j\r\nEND:VJOURNAL\r\nEND:VCALENDAR\r\n");
    assert_eq!(rows[0].warnings, ["VJOURNAL: not imported (only VTODO and VEVENT are)"]);
}

fn task(id: &str, kind: TaskKind) -> Task {
    Task {
        id: id.into(),
        title: format!("Task {id}, with; punctuation"),
        description: Some("Two\nlines".into()),
        status: "In Review".into(),
        priority: "Urgent".into(),
        due: Some(utc(2026, 5, 1, 12, 0)),
        completed_at: None,
        created_at: Some(utc(2026, 1, 1, 0, 0)),
        updated_at: utc(2026, 1, 2, 0, 0),
        depends_on: vec!["other".into()],
        kind,
    }
}

#[test]
fn synapse_reads_its_own_export_back() {
    let clamp = pattern(
        json!({"frequency": "monthly", "dayOfMonth": 31, "monthDayOverflow": "clamp", "timezone": "Europe/Berlin", "anchor": "completion", "catchUp": "latest"}),
    );
    let start = Tz::Europe__Berlin.with_ymd_and_hms(2026, 1, 31, 9, 0, 0).unwrap().with_timezone(&Utc);
    let template = task(
        "t",
        TaskKind::Template(Box::new(Recurrence {
            pattern: clamp.clone(),
            start,
            limits: TemplateLimits::default(),
        })),
    );
    let mut instance = task("i", TaskKind::Instance { template: "t".into(), occurrence: start });
    instance.status = "Done".into();
    instance.completed_at = Some(utc(2026, 1, 31, 10, 0));
    let text =
        calendar("Mine", "-//Synapse//test//EN", &[template, instance, task("s", TaskKind::Single)]).unwrap();
    // The RRULE is the plain form every client reads; Synapse's exact rule rides along.
    assert!(text.contains("\r\nRRULE:FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1\r\n"), "{text}");
    assert!(
        text.contains("\r\nX-SYNAPSE-RRULE:RSCALE=GREGORIAN;FREQ=MONTHLY;BYMONTHDAY=31;SKIP=BACKWARD\r\n"),
        "{text}"
    );
    let rows = rows(&text);
    assert_eq!(rows.len(), 3);
    let (series, done, single) = (&rows[0], &rows[1], &rows[2]);
    assert_eq!(series.pattern.as_ref(), Some(&clamp));
    assert_eq!((series.dtstart, series.due), (Some(start), Some(start)));
    assert_eq!(series.title.as_deref(), Some("Task t, with; punctuation"));
    assert_eq!(series.description.as_deref(), Some("Two\nlines"));
    assert_eq!((series.status.as_deref(), series.priority.as_deref()), (Some("In Review"), Some("Urgent")));
    assert_eq!(series.depends_on, ["other"]);
    assert!(series.warnings.is_empty(), "{:?}", series.warnings);
    assert_eq!((done.uid.as_deref(), done.recurrence_id), (Some("t"), Some(start)));
    assert_eq!((done.status.as_deref(), done.completed), (Some("Done"), Some(utc(2026, 1, 31, 10, 0))));
    assert_eq!(
        (single.uid.as_deref(), single.due, single.pattern.as_ref()),
        (Some("s"), Some(utc(2026, 5, 1, 12, 0)), None)
    );
}

proptest! {
    // Each case scans the zone's changes over up to three centuries: fewer cases.
    #![proptest_config(ProptestConfig { cases: 96, max_global_rejects: 100_000, ..ProptestConfig::default() })]

    /// Any template: the export is well-formed RFC 5545 (CRLF lines of at most 75 octets,
    /// balanced components) and reads back to a series with the same occurrences.
    #[test]
    fn exported_templates_read_back_to_the_same_series(p in arb_pattern(), start in arb_instant(), count in prop::option::of(1u32..50)) {
        let start = start - Duration::seconds(i64::from(start.timestamp_subsec_nanos() != 0));
        let limits = TemplateLimits { count, ..TemplateLimits::default() };
        let template = Recurrence { pattern: p.clone(), start, limits: limits.clone() };
        let text = calendar("x", "p", &[task("t", TaskKind::Template(Box::new(template.clone())))]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(text.ends_with("\r\n"));
        for line in text.split("\r\n") {
            prop_assert!(line.len() <= 75 && !line.contains('\n') && !line.contains('\r'), "{:?}", line);
        }
        let rows = import(&text, Tz::UTC).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(rows.len(), 1);
        let back = rows[0].pattern.clone().ok_or_else(|| TestCaseError::fail(format!("{:?}\n{text}", rows[0].warnings)))?;
        let expected = crate::series::Series::new(&p, start, &limits).unwrap();
        let want: Vec<DateTime<Utc>> = expected.occurrences_from(start).take(40).collect();
        prop_assert_eq!(first(&back, rows[0].dtstart.unwrap(), 40), want, "{}", text);
    }

    #[test]
    fn any_text_is_answered(text in ".{0,400}") {
        let _ = import(&text, Tz::UTC);
        let _ = import(&format!("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\n{text}\r\nEND:VTODO\r\nEND:VCALENDAR"), Tz::UTC);
    }
}
