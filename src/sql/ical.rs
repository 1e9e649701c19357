//! The SQL face of iCalendar: `ical_calendar` reads the tasks the caller may see through
//! SPI (as the caller, so row-level security applies) and hands them to the core, which
//! writes the text; `ical_import` only converts the core's rows.

use super::raise;
use super::recurrence::{moment, to_timestamptz};
use crate::recurrence::calendar::parse_date;
use crate::recurrence::ical::{self, Recurrence, Task, TaskKind};
use crate::recurrence::query::{self, Moment};
use crate::recurrence::series::TemplateLimits;
use crate::recurrence::{Pattern, RecurrenceError};
use chrono::{DateTime, Utc};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::spi::SpiTupleTable;
use pgrx::{JsonB, Uuid};

/// The tables of the migration set the calendar reads.
const TABLES: &str = "SELECT pg_catalog.to_regclass('synapse.tasks') IS NOT NULL
       AND pg_catalog.to_regclass('synapse.task_assignees') IS NOT NULL
       AND pg_catalog.to_regclass('synapse.task_dependencies') IS NOT NULL
       AND pg_catalog.to_regclass('synapse.projects') IS NOT NULL";

const PROJECT_NAME: &str =
    "SELECT p.name::pg_catalog.text FROM synapse.projects p WHERE p.id OPERATOR(pg_catalog.=) $1 AND p.deleted_at IS NULL";

/// The tasks of a project ($1), or the current user's open assigned tasks and assigned
/// templates ($1 NULL), and the live instances of the templates among them. As the
/// caller: row-level security decides what is there.
const TASKS: &str = "WITH chosen AS (
       SELECT t.department_id, t.id, t.is_recurring FROM synapse.tasks t
        WHERE $1::pg_catalog.uuid IS NOT NULL AND t.project_id OPERATOR(pg_catalog.=) $1 AND t.deleted_at IS NULL
       UNION ALL
       SELECT t.department_id, t.id, t.is_recurring
         FROM synapse.task_assignees a
         JOIN synapse.tasks t ON t.department_id OPERATOR(pg_catalog.=) a.department_id
                             AND t.id OPERATOR(pg_catalog.=) a.task_id
        WHERE $1 IS NULL AND a.user_id OPERATOR(pg_catalog.=) synapse._rls_current_user() AND t.deleted_at IS NULL
          AND (t.is_recurring OR t.status::pg_catalog.text IN ('To Do', 'In Progress', 'Blocked'))
     ), keys AS (
       SELECT c.department_id, c.id FROM chosen c
       UNION
       SELECT i.department_id, i.id FROM chosen c
         JOIN synapse.tasks i ON i.department_id OPERATOR(pg_catalog.=) c.department_id
                             AND i.recurrence_parent_id OPERATOR(pg_catalog.=) c.id
        WHERE c.is_recurring AND i.deleted_at IS NULL
     )
     SELECT r.id::pg_catalog.text, r.title::pg_catalog.text, r.description, r.status::pg_catalog.text,
            r.priority::pg_catalog.text, r.due_date, r.completed_at, r.created_at, r.updated_at,
            r.is_recurring, r.recurrence_pattern::pg_catalog.text, r.recurrence_start,
            ARRAY(SELECT pg_catalog.to_char(d, 'YYYY-MM-DD') FROM pg_catalog.unnest(r.skip_dates) AS d
                   WHERE pg_catalog.isfinite(d)),
            r.recurrence_end_date, r.recurrence_count, r.recurrence_parent_id::pg_catalog.text, r.occurrence_at,
            ARRAY(SELECT d.depends_on_task_id::pg_catalog.text FROM synapse.task_dependencies d
                   WHERE d.department_id OPERATOR(pg_catalog.=) r.department_id
                     AND d.task_id OPERATOR(pg_catalog.=) r.id
                   ORDER BY d.depends_on_task_id)
       FROM keys k
       JOIN synapse.tasks r ON r.department_id OPERATOR(pg_catalog.=) k.department_id AND r.id OPERATOR(pg_catalog.=) k.id
      ORDER BY r.id";

/// An RFC 5545 calendar (text/calendar) of the tasks the current user may read: the tasks
/// of one project, or (project_id NULL) their open assigned tasks and assigned recurring
/// templates. Templates are VTODOs with RRULE and EXDATE, their instances overrides.
#[pg_extern(stable)]
fn ical_calendar(project_id: default!(Option<Uuid>, "NULL")) -> String {
    let (name, tasks) = Spi::connect(|client| {
        let ready = client.select(TABLES, None, &[]).and_then(|t| t.first().get_one::<bool>());
        if ready != Ok(Some(true)) {
            ErrorReport::new(
                PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                "synapse.ical_calendar: the tables synapse.tasks, task_assignees, task_dependencies and projects do not exist",
                pgrx::function_name!(),
            )
            .set_hint("Apply the migration set first (scripts/migrate.sh up).")
            .report(PgLogLevel::ERROR);
        }
        let name = match project_id {
            None => "My tasks".to_string(),
            Some(project) => {
                let name = client
                    .select(PROJECT_NAME, None, &[project.into()])
                    .and_then(|t| t.first().get_one::<String>());
                match name {
                    Ok(Some(name)) => name,
                    _ => {
                        super::raise_invalid("project_id", &format!("no project {project} that you may read"))
                    }
                }
            }
        };
        let table = client
            .select(TASKS, None, &[project_id.into()])
            .unwrap_or_else(|e| panic!("reading the calendar's tasks: {e}"));
        (name, tasks_of(table))
    });
    let product = format!("-//Synapse//synapse_ext {}//EN", env!("CARGO_PKG_VERSION"));
    raise(ical::calendar(&name, &product, &tasks))
}

fn tasks_of(table: SpiTupleTable<'_>) -> Vec<Task> {
    table
        .map(|row| {
            let get_text = |i| row.get::<String>(i).ok().flatten();
            let get_time = |i| row.get::<TimestampWithTimeZone>(i).ok().flatten().and_then(instant);
            let id = get_text(1).unwrap_or_default();
            let kind = if row.get::<bool>(10).ok().flatten() == Some(true) {
                let pattern = Pattern::from_json_text(&get_text(11).unwrap_or_default());
                let pattern = raise(pattern.map_err(|e| named(&id, e)));
                let limits = TemplateLimits {
                    skip_dates: row
                        .get::<Vec<String>>(13)
                        .ok()
                        .flatten()
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|d| parse_date(d))
                        .collect(),
                    end_date: get_time(14),
                    count: row.get::<i32>(15).ok().flatten().and_then(|c| u32::try_from(c).ok()),
                };
                let start = get_time(12).unwrap_or_else(|| {
                    super::raise_invalid("task", &format!("{id}: a template without recurrence_start"))
                });
                TaskKind::Template(Box::new(Recurrence { pattern, start, limits }))
            } else {
                match (get_text(16), get_time(17)) {
                    (Some(template), Some(occurrence)) => TaskKind::Instance { template, occurrence },
                    _ => TaskKind::Single,
                }
            };
            Task {
                title: get_text(2).unwrap_or_default(),
                description: get_text(3),
                status: get_text(4).unwrap_or_default(),
                priority: get_text(5).unwrap_or_default(),
                due: get_time(6),
                completed_at: get_time(7),
                created_at: get_time(8),
                updated_at: get_time(9).unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
                depends_on: row.get::<Vec<String>>(18).ok().flatten().unwrap_or_default(),
                kind,
                id,
            }
        })
        .collect()
}

/// A timestamp read from a table as an instant; an infinite one as none (a task due
/// "infinity" has no due date a calendar could show).
fn instant(ts: TimestampWithTimeZone) -> Option<DateTime<Utc>> {
    match moment(ts) {
        Moment::At(t) => Some(t),
        _ => None,
    }
}

/// A stored template's bad pattern, said with the task it belongs to.
fn named(id: &str, e: RecurrenceError) -> RecurrenceError {
    RecurrenceError::InvalidArgument { name: "task", message: format!("{id}: {e}") }
}

/// The VTODOs and VEVENTs of an iCalendar text as rows to insert as tasks or templates
/// (pattern and dtstart), each with what it could not keep in `warnings`. Floating times
/// and dates are read in the calendar's X-WR-TIMEZONE, else in `timezone`.
#[pg_extern(immutable, strict, parallel_safe)]
#[allow(clippy::type_complexity)]
fn ical_import(
    calendar: &str,
    timezone: default!(&str, "'UTC'"),
) -> TableIterator<
    'static,
    (
        name!(component, String),
        name!(uid, Option<String>),
        name!(recurrence_id, Option<TimestampWithTimeZone>),
        name!(title, Option<String>),
        name!(description, Option<String>),
        name!(status, Option<String>),
        name!(priority, Option<String>),
        name!(due, Option<TimestampWithTimeZone>),
        name!(dtstart, Option<TimestampWithTimeZone>),
        name!(completed_at, Option<TimestampWithTimeZone>),
        name!(pattern, Option<JsonB>),
        name!(depends_on, Vec<String>),
        name!(warnings, Vec<String>),
    ),
> {
    let tz = raise(query::timezone(timezone));
    let rows = raise(ical::import(calendar, tz));
    TableIterator::new(rows.into_iter().map(|r| {
        (
            r.component,
            r.uid,
            r.recurrence_id.map(to_timestamptz),
            r.title,
            r.description,
            r.status,
            r.priority,
            r.due.map(to_timestamptz),
            r.dtstart.map(to_timestamptz),
            r.completed.map(to_timestamptz),
            r.pattern.map(|p| JsonB(p.to_json())),
            r.depends_on,
            r.warnings,
        )
    }))
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::sql::test_support::{sqlstate_of, text};
    use pgrx::prelude::*;

    #[pg_test]
    fn import_reads_components_into_rows() {
        let rows = text(
            "SELECT string_agg(concat_ws(' | ', component, uid, title, status, priority,
                                         to_char(due AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
                                         pattern->>'frequency', pattern->>'timezone',
                                         NULLIF(array_to_string(depends_on, ','), ''),
                                         NULLIF(array_to_string(warnings, '; '), '')), E'\\n')
               FROM synapse.ical_import(E'BEGIN:VCALENDAR\\r\\nVERSION:2.0\\r\\nBEGIN:VTODO\\r\\nUID:a\\r\\nSUMMARY:Pay\\\\, then file\\r\\n'
                 'DTSTART;TZID=Europe/Berlin:20260105T090000\\r\\nDUE;TZID=Europe/Berlin:20260105T090000\\r\\n'
                 'RRULE:FREQ=WEEKLY;BYDAY=MO\\r\\nPRIORITY:1\\r\\nSTATUS:NEEDS-ACTION\\r\\nLOCATION:Desk\\r\\nEND:VTODO\\r\\n'
                 'BEGIN:VEVENT\\r\\nUID:b\\r\\nSUMMARY:Talk\\r\\nDTSTART:20260106T100000\\r\\n'
                 'RELATED-TO;RELTYPE=DEPENDS-ON:a\\r\\nEND:VEVENT\\r\\nEND:VCALENDAR\\r\\n', 'America/New_York')",
        );
        assert_eq!(
            rows.as_deref(),
            Some(
                "VTODO | a | Pay, then file | To Do | Urgent | 2026-01-05 08:00 | weekly | Europe/Berlin | LOCATION: not imported\n\
                 VEVENT | b | Talk | 2026-01-06 15:00 | a"
            ),
            "a floating time is read in the given zone"
        );
    }

    #[pg_test]
    fn import_refuses_text_that_is_not_icalendar() {
        assert_eq!(sqlstate_of("SELECT * FROM synapse.ical_import('hello')").as_deref(), Some("22023"));
        assert_eq!(
            sqlstate_of("SELECT * FROM synapse.ical_import('BEGIN:VCALENDAR')").as_deref(),
            Some("22023")
        );
        assert_eq!(
            sqlstate_of("SELECT * FROM synapse.ical_import('BEGIN:VCALENDAR\nEND:VCALENDAR', 'Mars/Base')")
                .as_deref(),
            Some("22023")
        );
        assert_eq!(text("SELECT count(*)::text FROM synapse.ical_import(NULL)").as_deref(), Some("0"));
    }

    #[pg_test]
    fn the_calendar_needs_the_migration_set() {
        assert_eq!(sqlstate_of("SELECT synapse.ical_calendar()").as_deref(), Some("55000"));
    }

    /// Stand-ins for the migration set's tables (only the columns the calendar reads), so
    /// the query and the assembly run inside a test transaction; row-level security is
    /// tested end to end (tests/e2e/33_ical.t).
    fn create_tables() {
        Spi::run(
            "CREATE TABLE synapse.projects (department_id uuid, id uuid, name text, deleted_at timestamptz);
             CREATE TABLE synapse.tasks (
               department_id uuid, id uuid, task_id text, title text, description text, status text,
               priority text, due_date timestamptz, project_id uuid, completed_at timestamptz,
               created_at timestamptz DEFAULT '2026-01-01', updated_at timestamptz DEFAULT '2026-01-02',
               deleted_at timestamptz, is_recurring boolean DEFAULT false, recurrence_pattern jsonb,
               recurrence_start timestamptz, skip_dates date[] DEFAULT '{}', recurrence_end_date timestamptz,
               recurrence_count integer, recurrence_parent_id uuid, occurrence_at timestamptz);
             CREATE TABLE synapse.task_assignees (department_id uuid, task_id uuid, user_id uuid);
             CREATE TABLE synapse.task_dependencies (department_id uuid, task_id uuid, depends_on_task_id uuid);
             INSERT INTO synapse.projects VALUES ('d0000000-0000-0000-0000-000000000000', 'a0000000-0000-0000-0000-000000000000', 'Launch', NULL);
             INSERT INTO synapse.tasks (department_id, id, title, status, priority, due_date, project_id, is_recurring,
                                        recurrence_pattern, recurrence_start, skip_dates)
             VALUES ('d0000000-0000-0000-0000-000000000000', '10000000-0000-0000-0000-000000000000', 'Weekly sync', 'To Do', 'High',
                     NULL, 'a0000000-0000-0000-0000-000000000000', true,
                     '{\"frequency\":\"weekly\",\"daysOfWeek\":[2],\"timezone\":\"Europe/Berlin\"}', '2026-03-03 10:00 Europe/Berlin',
                     '{2026-03-17}');
             INSERT INTO synapse.tasks (department_id, id, title, status, priority, due_date, project_id,
                                        recurrence_parent_id, occurrence_at, completed_at)
             VALUES ('d0000000-0000-0000-0000-000000000000', '20000000-0000-0000-0000-000000000000', 'Weekly sync', 'Done', 'High',
                     '2026-03-10 10:00 Europe/Berlin', 'a0000000-0000-0000-0000-000000000000',
                     '10000000-0000-0000-0000-000000000000', '2026-03-10 10:00 Europe/Berlin', '2026-03-10 15:00+00'),
                    ('d0000000-0000-0000-0000-000000000000', '30000000-0000-0000-0000-000000000000', 'Ship it', 'Blocked', 'Urgent',
                     '2026-04-01 12:00+00', 'a0000000-0000-0000-0000-000000000000', NULL, NULL, NULL),
                    ('d0000000-0000-0000-0000-000000000000', '40000000-0000-0000-0000-000000000000', 'Gone', 'To Do', 'Low',
                     NULL, 'a0000000-0000-0000-0000-000000000000', NULL, NULL, NULL);
             UPDATE synapse.tasks SET deleted_at = now() WHERE title = 'Gone';
             INSERT INTO synapse.task_dependencies VALUES
               ('d0000000-0000-0000-0000-000000000000', '30000000-0000-0000-0000-000000000000', '20000000-0000-0000-0000-000000000000');",
        )
        .expect("stand-in tables");
    }

    #[pg_test]
    fn a_projects_calendar() {
        create_tables();
        let ics =
            text("SELECT synapse.ical_calendar('a0000000-0000-0000-0000-000000000000')").expect("a calendar");
        for expected in [
            "X-WR-CALNAME:Launch",
            "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin",
            "UID:10000000-0000-0000-0000-000000000000",
            "DTSTART;TZID=Europe/Berlin:20260303T100000",
            "RRULE:FREQ=WEEKLY;BYDAY=TU",
            "EXDATE;TZID=Europe/Berlin:20260317T100000",
            "RECURRENCE-ID;TZID=Europe/Berlin:20260310T100000",
            "STATUS:COMPLETED",
            "UID:30000000-0000-0000-0000-000000000000",
            "X-SYNAPSE-STATUS:Blocked",
            "PRIORITY:1",
            "RELATED-TO;RELTYPE=DEPENDS-ON:10000000-0000-0000-0000-000000000000",
        ] {
            assert!(ics.contains(expected), "{expected:?} missing in\n{ics}");
        }
        assert!(!ics.contains("Gone"), "deleted tasks are left out");
        assert!(!ics.contains("UID:20000000"), "the instance is an override of its template");
        assert_eq!(
            sqlstate_of("SELECT synapse.ical_calendar('b0000000-0000-0000-0000-000000000000')").as_deref(),
            Some("22023"),
            "an unknown project"
        );
        // Without a current user, "my tasks" is empty.
        let mine = text("SELECT synapse.ical_calendar()").expect("a calendar");
        assert!(mine.starts_with("BEGIN:VCALENDAR\r\n") && !mine.contains("BEGIN:VTODO"), "{mine}");
    }
}
