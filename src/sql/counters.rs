//! Project task counters (`synapse.projects.task_count`, `completed_task_count`): the two
//! triggers migration 8 puts on `synapse.tasks`. The rules are the pure crate's
//! (`synapse_counters`, crates/counters). The row trigger reads the old and new rows and
//! collects their deltas; the statement trigger, which PostgreSQL fires after all of a
//! statement's row triggers, writes them through one prepared, parameterised statement per
//! project, lowest `(department_id, project_id)` first. Which statement is the trigger's
//! argument ([`Apply`]): without one (migration 8) an UPDATE of the project row, so
//! concurrent statements lock projects in the same order; with `'deltas'` (migration 16) an
//! INSERT into `synapse.project_count_deltas`, which locks nothing: writers of one project
//! no longer queue on its row. A (sub)transaction abort discards what its statements
//! collected.
//!
//! Privileges: the write runs as the owner of the task table (the role that ran the
//! migrations), with row-level security not forced and a fixed search_path
//! (`super::as_owner`, as PostgreSQL's own foreign-key triggers switch users): a member may
//! change a task without write access to its project, as with the SECURITY DEFINER
//! PL/pgSQL function of migration 3. Every name and operator in the statement is
//! schema-qualified as well.

use super::as_owner;
use super::exec;
use crate::counters::{deltas, Apply, Pending, TaskFacts};
use pgrx::htup::heap_getattr_raw;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{pg_sys, AllocatedByPostgres, PgRelation, PgTriggerError, Uuid};
use std::cell::{Cell, RefCell};
use std::error::Error as _;
use std::ffi::c_char;
use std::num::NonZeroUsize;

const UPDATE_PROJECT: &str = "UPDATE synapse.projects
        SET task_count = task_count OPERATOR(pg_catalog.+) $3,
            completed_task_count = completed_task_count OPERATOR(pg_catalog.+) $4
      WHERE department_id OPERATOR(pg_catalog.=) $1 AND id OPERATOR(pg_catalog.=) $2";

const APPEND_DELTA: &str =
    "INSERT INTO synapse.project_count_deltas (department_id, project_id, tasks, completed)
      VALUES ($1, $2, $3, $4)";

const DONE_LABEL: &str = "SELECT e.oid FROM pg_catalog.pg_enum e
      WHERE e.enumtypid OPERATOR(pg_catalog.=) $1 AND e.enumlabel OPERATOR(pg_catalog.=) 'Done'";

/// Why a counter trigger refuses to run: each variant is raised with one SQLSTATE
/// ([`CounterError::sqlstate`]) as "synapse counter triggers: <message>", the cause (if
/// any) in DETAIL.
#[derive(Debug, thiserror::Error)]
enum CounterError {
    /// The function was called, but its trigger data could not be read (PostgreSQL's, so
    /// in practice: not called as a trigger).
    #[error("it was not called as a trigger")]
    NotATrigger(#[from] PgTriggerError),
    #[error("{function} is a trigger of synapse.tasks, not of {schema}.{table}")]
    OtherTable { function: &'static str, schema: String, table: String },
    #[error("{function} must fire AFTER INSERT, UPDATE or DELETE FOR EACH {level}")]
    WrongFiring { function: &'static str, level: &'static str },
    /// `_tasks_apply_project_counts` attached with arguments it does not know.
    #[error("_tasks_apply_project_counts takes no argument (update synapse.projects) or 'deltas' (append to synapse.project_count_deltas), not {0:?}")]
    UnknownApply(Vec<String>),
    #[error("it has no column {0}")]
    NoColumn(&'static str),
    #[error("column {column} of {table} is not {wanted}")]
    ColumnType { column: &'static str, table: String, wanted: String },
    /// A row the trigger cannot read. Unreachable once `guard` has accepted the table, whose
    /// columns it checked: kept so that a datum is never read on an assumption. Returned
    /// from the trigger, not raised.
    #[error("_tasks_count_in_projects: column {0} is NULL (attach it to synapse.tasks)")]
    Missing(&'static str),
}

impl CounterError {
    /// 42804 (datatype_mismatch) for a column of another type, 22023
    /// (invalid_parameter_value) for an unknown trigger argument, else 42809
    /// (wrong_object_type): the trigger is attached where it does not belong.
    fn sqlstate(&self) -> PgSqlErrorCode {
        match self {
            CounterError::ColumnType { .. } => PgSqlErrorCode::ERRCODE_DATATYPE_MISMATCH,
            CounterError::UnknownApply(_) => PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            _ => PgSqlErrorCode::ERRCODE_WRONG_OBJECT_TYPE,
        }
    }

    /// Raises the error: its message, its cause in DETAIL, and for a trigger attached to
    /// the wrong table or at the wrong time a HINT saying where it belongs.
    fn raise(self) -> ! {
        let mut report = ErrorReport::new(
            self.sqlstate(),
            format!("synapse counter triggers: {self}"),
            pgrx::function_name!(),
        );
        if let Some(cause) = self.source() {
            report = report.set_detail(cause.to_string());
        }
        if self.sqlstate() == PgSqlErrorCode::ERRCODE_WRONG_OBJECT_TYPE {
            report = report.set_hint(
                "Migration 8 attaches _tasks_count_in_projects and _tasks_apply_project_counts to synapse.tasks.",
            );
        }
        report.report(PgLogLevel::ERROR);
        unreachable!("an ERROR report does not return")
    }
}

thread_local! {
    /// (the status column's enum type, the oid of its label 'Done'), read once per backend.
    static DONE: Cell<Option<(pg_sys::Oid, pg_sys::Oid)>> = const { Cell::new(None) };
    /// What the row trigger collected and the statement trigger has not applied yet.
    static PENDING: RefCell<Pending> = RefCell::new(Pending::default());
}

/// AFTER INSERT OR DELETE OR UPDATE row trigger on `synapse.tasks` (migration 8): collects
/// what the row change does to `projects.task_count`/`completed_task_count` (inserts, moves
/// between projects and departments, status changes, soft deletes, undeletes and deletes;
/// recurring templates are not counted, their instances are) for
/// `_tasks_apply_project_counts` to apply at the end of the statement.
#[pg_trigger]
fn _tasks_count_in_projects<'a>(
    trigger: &'a PgTrigger<'a>,
) -> Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, CounterError> {
    let relation = guard(trigger, "_tasks_count_in_projects", true);
    let columns = Columns::of(&relation);
    let done = done_label(columns.status_type);
    let read = |row: Option<PgHeapTuple<'_, AllocatedByPostgres>>| {
        // SAFETY: the trigger's row of the trigger's relation, read with its descriptor.
        row.map(|row| unsafe { columns.facts(row.into_pg(), relation.rd_att, done) }).transpose()
    };
    let old = read(trigger.old())?;
    let new = read(trigger.new())?;
    let changes = deltas(old.as_ref(), new.as_ref());
    if !changes.is_empty() {
        PENDING.with(|pending| pending.borrow_mut().add(nesting_level(), &changes));
    }
    Ok(None)
}

/// AFTER INSERT OR DELETE OR UPDATE statement trigger on `synapse.tasks`: writes what
/// `_tasks_count_in_projects` collected during the statement, one statement per project in
/// `(department_id, project_id)` order, as the table's owner: an UPDATE of
/// `synapse.projects` (no trigger argument, migration 8) or an INSERT into
/// `synapse.project_count_deltas` (argument `'deltas'`, migration 16).
#[pg_trigger]
fn _tasks_apply_project_counts<'a>(
    trigger: &'a PgTrigger<'a>,
) -> Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, CounterError> {
    let relation = guard(trigger, "_tasks_apply_project_counts", false);
    let arguments = trigger.extra_args().unwrap_or_else(|cause| CounterError::from(cause).raise());
    let statement = match Apply::from_trigger_args(&arguments) {
        Some(Apply::UpdateProjects) => UPDATE_PROJECT,
        Some(Apply::AppendDeltas) => APPEND_DELTA,
        None => CounterError::UnknownApply(arguments).raise(),
    };
    let changes = PENDING.with(|pending| pending.borrow_mut().take_from(nesting_level()));
    if changes.is_empty() {
        return Ok(None);
    }
    // SAFETY: the relation is open for the whole trigger call.
    let owner = unsafe { (*relation.rd_rel).relowner };
    as_owner(owner, || {
        Spi::connect_mut(|client| {
            for d in &changes {
                let args = [
                    Uuid::from_bytes(d.department_id).into(),
                    Uuid::from_bytes(d.project_id).into(),
                    d.tasks.into(),
                    d.completed.into(),
                ];
                exec(client, statement, &args);
            }
        })
    });
    Ok(None)
}

fn nesting_level() -> i32 {
    // SAFETY: reads the current transaction state.
    unsafe { pg_sys::GetCurrentTransactionNestLevel() }
}

/// Registers the (sub)transaction callbacks that keep `PENDING` honest; from `_PG_init`.
pub(crate) fn register_callbacks() {
    // SAFETY: static functions, registered once per backend when the library loads.
    unsafe {
        pg_sys::RegisterXactCallback(Some(on_transaction_end), std::ptr::null_mut());
        pg_sys::RegisterSubXactCallback(Some(on_subtransaction_end), std::ptr::null_mut());
    }
}

/// A transaction's abort discards everything collected; reaching commit with deltas
/// collected means the statement trigger is missing, and the commit fails.
#[pg_guard]
unsafe extern "C-unwind" fn on_transaction_end(event: pg_sys::XactEvent::Type, _arg: *mut std::ffi::c_void) {
    use pg_sys::XactEvent::*;
    match event {
        XACT_EVENT_ABORT | XACT_EVENT_PARALLEL_ABORT => {
            PENDING.with(|pending| pending.borrow_mut().discard_from(0));
        }
        XACT_EVENT_PRE_COMMIT | XACT_EVENT_PRE_PREPARE
            if !PENDING.with(|pending| pending.borrow().is_empty()) =>
        {
            PENDING.with(|pending| pending.borrow_mut().discard_from(0));
            error!(
                "synapse._tasks_count_in_projects collected project counter changes that no \
                 statement trigger synapse._tasks_apply_project_counts applied"
            );
        }
        _ => {}
    }
}

/// A subtransaction's abort discards what its statements collected.
#[pg_guard]
unsafe extern "C-unwind" fn on_subtransaction_end(
    event: pg_sys::SubXactEvent::Type,
    _subtransaction: pg_sys::SubTransactionId,
    _parent: pg_sys::SubTransactionId,
    _arg: *mut std::ffi::c_void,
) {
    if event == pg_sys::SubXactEvent::SUBXACT_EVENT_ABORT_SUB {
        let level = nesting_level();
        PENDING.with(|pending| pending.borrow_mut().discard_from(level));
    }
}

/// Where the columns the rules read are in the task table's rows (looked up by name, so
/// the trigger works on any table with these columns, a Citus shard of tasks included).
struct Columns {
    department_id: NonZeroUsize,
    project_id: NonZeroUsize,
    is_recurring: NonZeroUsize,
    deleted_at: NonZeroUsize,
    status: NonZeroUsize,
    status_type: pg_sys::Oid,
}

impl Columns {
    /// The columns, each of the type the rules read it as; anything else is refused
    /// before a datum is touched (a bigint read as a uuid pointer would crash the server).
    fn of(relation: &PgRelation) -> Columns {
        let tupdesc = relation.tuple_desc();
        let find = |name: &'static str, expected: Option<pg_sys::Oid>| {
            let Some((i, att)) =
                tupdesc.iter().enumerate().find(|(_, att)| !att.is_dropped() && att.name() == name)
            else {
                CounterError::NoColumn(name).raise()
            };
            let type_oid = att.type_oid().value();
            let fits = match expected {
                Some(expected) => type_oid == expected,
                // SAFETY: a catalog lookup by oid.
                None => (unsafe { pg_sys::get_typtype(type_oid) }) == pg_sys::TYPTYPE_ENUM as c_char,
            };
            if !fits {
                let wanted =
                    expected.map_or("an enum".to_owned(), |oid| format!("type oid {}", oid.to_u32()));
                CounterError::ColumnType { column: name, table: relation.name().to_owned(), wanted }.raise();
            }
            (NonZeroUsize::new(i + 1).expect("i + 1 > 0"), type_oid)
        };
        let (status, status_type) = find("status", None);
        Columns {
            department_id: find("department_id", Some(pg_sys::UUIDOID)).0,
            project_id: find("project_id", Some(pg_sys::UUIDOID)).0,
            is_recurring: find("is_recurring", Some(pg_sys::BOOLOID)).0,
            deleted_at: find("deleted_at", Some(pg_sys::TIMESTAMPTZOID)).0,
            status,
            status_type,
        }
    }

    /// What the rules need from one version of a task row.
    ///
    /// # Safety
    /// `tuple` is a row of the relation whose descriptor is `tupdesc`, which `self` was
    /// read from.
    unsafe fn facts(
        &self,
        tuple: *mut pg_sys::HeapTupleData,
        tupdesc: pg_sys::TupleDesc,
        done: pg_sys::Oid,
    ) -> Result<TaskFacts, CounterError> {
        let get = |attno| unsafe { heap_getattr_raw(tuple, attno, tupdesc) };
        let uuid = |datum: pg_sys::Datum| unsafe { *datum.cast_mut_ptr::<[u8; 16]>() };
        let department = get(self.department_id).ok_or(CounterError::Missing("department_id"))?;
        let is_recurring = get(self.is_recurring).ok_or(CounterError::Missing("is_recurring"))?;
        let status = get(self.status).ok_or(CounterError::Missing("status"))?;
        Ok(TaskFacts {
            department_id: uuid(department),
            project_id: get(self.project_id).map(uuid),
            is_recurring: is_recurring.value() != 0,
            deleted: get(self.deleted_at).is_some(),
            // An enum datum is its label's oid.
            done: pg_sys::Oid::from(status.value() as u32) == done,
        })
    }
}

/// The relation of a counter trigger's firing, when it is `synapse.tasks` (or a Citus
/// shard of it) and the trigger is an AFTER trigger (per row or per statement) for INSERT, UPDATE or
/// DELETE, as migration 8 attaches it; anything else is refused (42809) before a row is
/// read: the function could be attached to any table by whoever may execute it.
fn guard<'a>(trigger: &'a PgTrigger<'a>, function: &'static str, for_each_row: bool) -> PgRelation {
    let relation = trigger.relation().unwrap_or_else(|cause| CounterError::from(cause).raise());
    if !super::is_synapse_table(&relation, "tasks") {
        CounterError::OtherTable {
            function,
            schema: relation.namespace().to_owned(),
            table: relation.name().to_owned(),
        }
        .raise();
    }
    let level_fits = matches!(
        (trigger.level(), for_each_row),
        (PgTriggerLevel::Row, true) | (PgTriggerLevel::Statement, false)
    );
    let timing_fits = matches!(trigger.when(), Ok(PgTriggerWhen::After)) && level_fits;
    let event_fits = matches!(
        trigger.op(),
        Ok(PgTriggerOperation::Insert | PgTriggerOperation::Update | PgTriggerOperation::Delete)
    );
    if !timing_fits || !event_fits {
        CounterError::WrongFiring { function, level: if for_each_row { "ROW" } else { "STATEMENT" } }.raise();
    }
    relation
}

/// The oid of label 'Done' of the status enum type `status_type`.
fn done_label(status_type: pg_sys::Oid) -> pg_sys::Oid {
    if let Some((cached_type, done)) = DONE.get() {
        if cached_type == status_type {
            return done;
        }
    }
    let done = Spi::connect_mut(|client| {
        exec(client, DONE_LABEL, &[status_type.into()]).first().get_one::<pg_sys::Oid>().ok().flatten()
    })
    .unwrap_or(pg_sys::InvalidOid);
    DONE.set(Some((status_type, done)));
    done
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::sql::test_support::sqlstate_of;
    use pgrx::prelude::*;

    /// Minimal tasks and projects tables (the migrations are not applied in pg_tests) with
    /// the two counter triggers as migration 8 attaches them; two projects, P1 < P2.
    fn tables() {
        Spi::run(
            "CREATE TYPE synapse.task_status AS ENUM ('To Do', 'Done');
             CREATE TABLE synapse.projects (department_id uuid, id uuid, task_count int NOT NULL DEFAULT 0,
                                            completed_task_count int NOT NULL DEFAULT 0,
                                            CHECK (completed_task_count BETWEEN 0 AND task_count));
             CREATE TABLE synapse.tasks (id int PRIMARY KEY, department_id uuid NOT NULL, project_id uuid,
                                         is_recurring boolean NOT NULL DEFAULT false, deleted_at timestamptz,
                                         status synapse.task_status NOT NULL DEFAULT 'To Do');
             INSERT INTO synapse.projects (department_id, id) VALUES
               ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000a1'),
               ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000a2');
             CREATE TRIGGER tasks_maintain_project_counts
               AFTER INSERT OR DELETE OR UPDATE OF department_id, project_id, status, is_recurring, deleted_at
               ON synapse.tasks FOR EACH ROW EXECUTE FUNCTION synapse._tasks_count_in_projects();
             CREATE TRIGGER tasks_apply_project_counts AFTER INSERT OR DELETE OR UPDATE ON synapse.tasks
               FOR EACH STATEMENT EXECUTE FUNCTION synapse._tasks_apply_project_counts();",
        )
        .expect("tables created");
    }

    fn counts() -> String {
        Spi::get_one::<String>(
            "SELECT string_agg(task_count || '/' || completed_task_count, ' ' ORDER BY id) FROM synapse.projects",
        )
        .expect("counts read")
        .expect("two projects")
    }

    const D: &str = "'00000000-0000-4000-8000-000000000001'";
    const P1: &str = "'00000000-0000-4000-8000-0000000000a1'";
    const P2: &str = "'00000000-0000-4000-8000-0000000000a2'";

    /// Tasks 1-10 in department D: 1-6 in project P1, 7-10 in P2, the even ones Done.
    fn insert_ten_tasks() {
        Spi::run(&format!(
            "INSERT INTO synapse.tasks (id, department_id, project_id, status)
             SELECT i, {D}, CASE WHEN i <= 6 THEN {P1}::uuid ELSE {P2}::uuid END,
                    CASE WHEN i % 2 = 0 THEN 'Done' ELSE 'To Do' END::synapse.task_status
               FROM generate_series(1, 10) i"
        ))
        .expect("ten tasks inserted");
    }

    #[pg_test]
    fn the_rules_one_statement_at_a_time() {
        tables();
        let run = |sql: String| Spi::run(&sql).expect("statement runs");
        insert_ten_tasks();
        assert_eq!(counts(), "6/3 4/2", "a multi-row insert");
        run(format!("INSERT INTO synapse.tasks (id, department_id, project_id, is_recurring) VALUES (11, {D}, {P1}, true)"));
        assert_eq!(counts(), "6/3 4/2", "a template is not counted");
        run("UPDATE synapse.tasks SET status = 'Done' WHERE id = 1".into());
        assert_eq!(counts(), "6/4 4/2", "completed");
        run(format!("UPDATE synapse.tasks SET project_id = CASE WHEN project_id = {P1} THEN {P2}::uuid ELSE {P1}::uuid END"));
        assert_eq!(counts(), "4/2 6/4", "every task moved the other way in one statement");
        run("UPDATE synapse.tasks SET deleted_at = now() WHERE id IN (1, 2)".into());
        assert_eq!(counts(), "4/2 4/2", "soft deleted");
        run("UPDATE synapse.tasks SET deleted_at = NULL WHERE id = 1".into());
        assert_eq!(counts(), "4/2 5/3", "undeleted");
        run("DELETE FROM synapse.tasks".into());
        assert_eq!(counts(), "0/0 0/0", "hard delete of everything");
    }

    #[pg_test]
    fn attached_anywhere_else_the_triggers_refuse_before_reading_a_row() {
        tables();
        let fire = |ddl: &str, dml: &str| {
            Spi::run(ddl).expect("trigger attached");
            sqlstate_of(dml)
        };
        // A temp table with a bigint department_id: read as a uuid, this crashed the server.
        let temp = fire(
            "CREATE TEMP TABLE tasks (department_id bigint, project_id uuid, is_recurring boolean,
                                      deleted_at timestamptz, status synapse.task_status);
             CREATE TRIGGER t AFTER INSERT ON pg_temp.tasks FOR EACH ROW EXECUTE FUNCTION synapse._tasks_count_in_projects();
             CREATE TRIGGER s AFTER INSERT ON pg_temp.tasks FOR EACH STATEMENT EXECUTE FUNCTION synapse._tasks_apply_project_counts();",
            "INSERT INTO pg_temp.tasks VALUES (1, NULL, false, NULL, 'Done')",
        );
        assert_eq!(temp.as_deref(), Some("42809"), "another schema");
        Spi::run("DROP TRIGGER t ON pg_temp.tasks").unwrap();
        assert_eq!(
            sqlstate_of("INSERT INTO pg_temp.tasks VALUES (1, NULL, false, NULL, 'Done')").as_deref(),
            Some("42809"),
            "the statement trigger too"
        );
        // The right table at the wrong time: a BEFORE row trigger.
        let before = fire(
            &format!(
                "DROP TABLE pg_temp.tasks;
                 DROP TRIGGER tasks_maintain_project_counts ON synapse.tasks;
                 INSERT INTO synapse.tasks (id, department_id, project_id) VALUES (1, {D}, {P1});
                 CREATE TRIGGER early BEFORE UPDATE ON synapse.tasks
                   FOR EACH ROW EXECUTE FUNCTION synapse._tasks_count_in_projects();"
            ),
            "UPDATE synapse.tasks SET status = 'Done'",
        );
        assert_eq!(before.as_deref(), Some("42809"));
        // In the right schema, with the right name, but a column of another type.
        let retyped = fire(
            "DROP TRIGGER early ON synapse.tasks;
             ALTER TABLE synapse.tasks DROP COLUMN project_id, ADD COLUMN project_id bigint;
             CREATE TRIGGER tasks_maintain_project_counts AFTER INSERT ON synapse.tasks
               FOR EACH ROW EXECUTE FUNCTION synapse._tasks_count_in_projects();",
            &format!("INSERT INTO synapse.tasks (id, department_id, project_id) VALUES (2, {D}, 7)"),
        );
        assert_eq!(retyped.as_deref(), Some("42804"));
    }

    /// The statement trigger as migration 16 attaches it: appending to a deltas table.
    fn appending() {
        Spi::run(
            "CREATE TABLE synapse.project_count_deltas (department_id uuid NOT NULL, project_id uuid NOT NULL,
                                                        tasks int NOT NULL, completed int NOT NULL);
             DROP TRIGGER tasks_apply_project_counts ON synapse.tasks;
             CREATE TRIGGER tasks_apply_project_counts AFTER INSERT OR DELETE OR UPDATE ON synapse.tasks
               FOR EACH STATEMENT EXECUTE FUNCTION synapse._tasks_apply_project_counts('deltas');",
        )
        .expect("deltas table and appending trigger");
    }

    /// The deltas appended so far, in order: "tasks/completed@project" (a1 or a2).
    fn appended() -> String {
        Spi::get_one::<String>(
            "SELECT coalesce(string_agg(tasks || '/' || completed || '@' || right(project_id::text, 2), ' ' ORDER BY ctid), '')
               FROM synapse.project_count_deltas",
        )
        .expect("deltas read")
        .expect("a string")
    }

    #[pg_test]
    fn with_deltas_each_statement_appends_one_row_per_project_and_updates_none() {
        tables();
        appending();
        let run = |sql: String| Spi::run(&sql).expect("statement runs");
        insert_ten_tasks();
        assert_eq!(appended(), "6/3@a1 4/2@a2", "a multi-row insert: one row per project");
        assert_eq!(counts(), "0/0 0/0", "the project rows are not touched");
        run(format!("UPDATE synapse.tasks SET project_id = CASE WHEN project_id = {P1} THEN {P2}::uuid ELSE {P1}::uuid END"));
        assert_eq!(appended(), "6/3@a1 4/2@a2 -2/-1@a1 2/1@a2", "every task moved: the sums per project");
        run("UPDATE synapse.tasks SET status = 'To Do' WHERE status = 'Done' AND id = 1".into());
        assert_eq!(
            appended(),
            "6/3@a1 4/2@a2 -2/-1@a1 2/1@a2",
            "no change (task 1 is open): nothing appended"
        );
        run("DELETE FROM synapse.tasks".into());
        assert_eq!(
            Spi::get_one::<String>(
                "SELECT string_agg(s::text, ' ' ORDER BY p) FROM (SELECT project_id p, sum(tasks) || '/' || sum(completed) s
                   FROM synapse.project_count_deltas GROUP BY project_id) x"
            )
            .expect("sums read"),
            Some("0/0 0/0".into()),
            "everything deleted: the deltas of each project sum to nothing"
        );
    }

    #[pg_test]
    fn an_unknown_trigger_argument_is_refused() {
        tables();
        Spi::run(
            "DROP TRIGGER tasks_apply_project_counts ON synapse.tasks;
             CREATE TRIGGER tasks_apply_project_counts AFTER INSERT ON synapse.tasks
               FOR EACH STATEMENT EXECUTE FUNCTION synapse._tasks_apply_project_counts('delta');",
        )
        .expect("trigger attached");
        let insert =
            format!("INSERT INTO synapse.tasks (id, department_id, project_id) VALUES (1, {D}, {P1})");
        assert_eq!(sqlstate_of(&insert).as_deref(), Some("22023"));
        assert_eq!(counts(), "0/0 0/0");
    }

    #[pg_test]
    fn a_failing_statement_leaves_nothing_behind() {
        tables();
        // A later AFTER ROW trigger fails the statement after ours collected its rows.
        Spi::run(
            "CREATE FUNCTION synapse.zz_fail() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN IF NEW.id >= 100 THEN RAISE EXCEPTION 'no' USING ERRCODE = 'check_violation'; END IF;
             RETURN NULL; END $$;
             CREATE TRIGGER zz_fail AFTER INSERT ON synapse.tasks FOR EACH ROW EXECUTE FUNCTION synapse.zz_fail();",
        )
        .expect("failing trigger added");
        let failing = format!(
            "INSERT INTO synapse.tasks (id, department_id, project_id) VALUES (1, {D}, {P1}), (100, {D}, {P1})"
        );
        assert_eq!(sqlstate_of(&failing).as_deref(), Some("23514"));
        Spi::run(&format!("INSERT INTO synapse.tasks (id, department_id, project_id) VALUES (2, {D}, {P2})"))
            .expect("insert");
        assert_eq!(counts(), "0/0 1/0");
    }
}
