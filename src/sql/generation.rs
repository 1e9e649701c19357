//! Recurring generation (docs/generation.md): turns due templates in `synapse.tasks` into
//! task instances, exactly once. Every decision (the argument checks, the department a batch
//! starts at, which occurrences a template makes and their external ids, the per-run cap,
//! the counts) is the pure crate's (`synapse_generation`, crates/generation); this file
//! converts the arguments and rows, claims and writes through SPI with parameters, and
//! isolates failures in subtransactions.
//!
//! Work is claimed one department at a time (`FOR NO KEY UPDATE SKIP LOCKED`, the department
//! in the WHERE clause), so every statement stays inside one tenant: on Citus each is a
//! single-shard (router) query, and two generators split the due templates between them.
//! The claim finds the due templates through `synapse.template_schedule` (migration 15), not
//! through an index on `tasks.next_occurrence`: with that column in no index of `tasks`, a
//! template's advance is a HOT update that writes none of the table's indexes, and the
//! generator moves the template's row of the schedule itself.
//!
//! Every statement runs as the owner of `synapse.tasks` (`super::as_owner`), whoever calls:
//! generation serves every department, which no application login may read or write, and
//! its run log is not the application's to write. A caller without the owner's rights may
//! not generate ahead of time (an `as_of` in the future), which would write other tenants'
//! future instances.
//!
//! One run makes at most `synapse.generation_max_instances_per_template` occurrences of a
//! template (the core's `RunQuota`, kept per run in this backend across the procedure's
//! batches by its `CurrentRun`): a template far behind is left due and continued by the next run, while this
//! run's later batches serve the others.

use super::pattern_arg::PatternArg;
use super::recurrence::{moment, to_timestamptz};
use super::{as_owner, exec, query};
use crate::generation::batch::{self, DepartmentPlan, Failure, Outcome, MAX_LOGGED_ERRORS};
use crate::generation::quota::{cap_from_setting, CurrentRun, RunQuota, DEFAULT_MAX_INSTANCES_PER_RUN};
use crate::generation::step::uuid_v4;
use crate::generation::template::{self, Columns, Planned, Template};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use pgrx::pg_sys::panic::{CaughtError, ErrorReport};
use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use pgrx::{pg_sys, GucContext, GucFlags, GucRegistry, GucSetting, Uuid};
use std::cell::{Cell, RefCell};
use std::time::Instant;

// The procedure pg_cron calls and the scheduling functions (PL/pgSQL: transaction control).
pgrx::extension_sql_file!(
    "../../sql/generation.sql",
    name = "generation",
    requires = [generation_run_begin, generate_recurring_batch, generation_run_end]
);

/// `synapse.generation_max_instances_per_template`: at most this many occurrences of one
/// template per run (docs/generation.md, *Catch-up*).
static MAX_INSTANCES_PER_TEMPLATE: GucSetting<i32> =
    GucSetting::<i32>::new(DEFAULT_MAX_INSTANCES_PER_RUN as i32);

/// Defines the generation settings (called from `_PG_init`, once per backend).
pub(crate) fn define_settings() {
    // Superuser only (server, database or role level): an application login raising it
    // could make one run hold every department up again.
    GucRegistry::define_int_guc(
        c"synapse.generation_max_instances_per_template",
        c"At most this many instances of one recurring template per generation run.",
        c"A template further behind stays due; the next run continues it from its next_occurrence.",
        &MAX_INSTANCES_PER_TEMPLATE,
        1,
        i32::MAX,
        GucContext::Suset,
        GucFlags::default(),
    );
}

thread_local! {
    /// The run this backend is working on and what each template has planned in it.
    static RUN: RefCell<CurrentRun<Uuid>> = const { RefCell::new(CurrentRun::none()) };
    /// Whether this backend's generator is inserting instances right now (`CopyingTemplates`).
    static COPYING_TEMPLATES: Cell<bool> = const { Cell::new(false) };
}

/// Whether the row being inserted comes from this backend's generator, which gives each
/// instance its template's title, description and search vector: `_tasks_before_write`
/// (migration 19) then keeps that vector instead of parsing and stemming the same text
/// again. Any other insert, whoever makes it, sees false: the flag is this backend's, set only
/// around the generator's own insert statement, and no SQL sets it. Executable by everyone,
/// as the trigger that calls it runs as whoever inserts a task.
#[pg_extern(volatile, parallel_restricted, name = "_generator_copies_search_vector")]
fn generator_copies_search_vector() -> bool {
    COPYING_TEMPLATES.get()
}

/// Sets `COPYING_TEMPLATES` for as long as it lives; dropped when the insert returns and when
/// its error unwinds, so the flag never outlives the statement.
struct CopyingTemplates;

impl CopyingTemplates {
    fn start() -> Self {
        COPYING_TEMPLATES.set(true);
        CopyingTemplates
    }
}

impl Drop for CopyingTemplates {
    fn drop(&mut self) {
        COPYING_TEMPLATES.set(false);
    }
}

fn max_instances_per_template() -> u32 {
    cap_from_setting(MAX_INSTANCES_PER_TEMPLATE.get())
}

/// Runs one batch of generation as its own run: at most `batch_size` due templates (due:
/// `next_occurrence` at or before `as_of`), each brought up to date (catch-up `all`: at
/// most 100 instances per template per batch, and at most
/// `synapse.generation_max_instances_per_template`). Call it again, or use the procedure
/// `run_recurring_generation`, to drain a larger backlog. `as_of` NULL means now(), as for
/// the procedure: a client passing "no moment" as a NULL parameter gets a run, not a
/// silently empty result (the function is not strict); a NULL `batch_size` is refused.
/// Runs as the owner of `synapse.tasks` whoever calls it; an `as_of` in the future needs
/// that owner's rights (42501).
#[pg_extern(volatile, parallel_unsafe)]
fn generate_recurring_tasks(
    batch_size: default!(Option<i32>, 100),
    as_of: default!(Option<TimestampWithTimeZone>, "NULL"),
) -> TableIterator<
    'static,
    (name!(tasks_generated, i32), name!(tasks_failed, i32), name!(execution_time_ms, i32)),
> {
    let started = Instant::now();
    let as_of = checked_as_of(as_of.unwrap_or_else(pgrx::datetime::now));
    let batch_size = checked_batch_size(batch_size);
    refuse_on_standby("generate_recurring_tasks");
    let owner = tasks_owner();
    refuse_future_as_of(as_of, owner);
    let (generated, failed) = as_owner(owner, || {
        let run = begin_run(as_of, batch_size, "function");
        run_batch(run, batch_size, as_of);
        end_run(run)
    });
    let elapsed = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    TableIterator::once((generated, failed, elapsed))
}

/// Starts a run of the procedure `run_recurring_generation`: its row in the run log.
#[pg_extern(volatile, parallel_unsafe, name = "_generation_run_begin")]
fn generation_run_begin(as_of: TimestampWithTimeZone, batch_size: i32) -> i64 {
    refuse_on_standby("run_recurring_generation");
    let (as_of, batch_size) = (checked_as_of(as_of), checked_batch_size(Some(batch_size)));
    let owner = tasks_owner();
    refuse_future_as_of(as_of, owner);
    as_owner(owner, || begin_run(as_of, batch_size, "procedure"))
}

/// One batch of run `run_id`; returns how many templates it claimed (none: nothing due is
/// left that another generator does not hold, and this run has not capped).
#[pg_extern(volatile, parallel_unsafe, name = "_generate_recurring_batch")]
fn generate_recurring_batch(run_id: i64, batch_size: i32, as_of: TimestampWithTimeZone) -> i32 {
    let (as_of, batch_size) = (checked_as_of(as_of), checked_batch_size(Some(batch_size)));
    let owner = tasks_owner();
    refuse_future_as_of(as_of, owner);
    as_owner(owner, || run_batch(run_id, batch_size, as_of))
}

/// Marks run `run_id` finished.
#[pg_extern(volatile, parallel_unsafe, name = "_generation_run_end")]
fn generation_run_end(run_id: i64) {
    as_owner(tasks_owner(), || end_run(run_id));
}

/// The first occurrence at or after `from` of a template's series: its pattern from
/// `recurrence_start`, with the template's `skip_dates`, `recurrence_end_date` and
/// `recurrence_count`. The migration set's triggers use it to set `next_occurrence`.
#[pg_extern(immutable, parallel_safe, name = "_template_occurrence_from")]
fn template_occurrence_from(
    pattern: Option<PatternArg>,
    recurrence_start: Option<TimestampWithTimeZone>,
    from: Option<TimestampWithTimeZone>,
    skip_dates: default!(Option<Vec<Option<pgrx::datum::Date>>>, "'{}'"),
    end_date: default!(Option<TimestampWithTimeZone>, "NULL"),
    max_count: default!(Option<i32>, "NULL"),
) -> Option<TimestampWithTimeZone> {
    let (pattern, start, from) = (pattern?, recurrence_start?, from?);
    let columns = template_columns(start, skip_dates, end_date, max_count);
    let series = super::raise(pattern.pattern().and_then(|p| columns.series(&p)));
    series.first_from(moment(from).clamped()).map(to_timestamptz)
}

/// The next occurrence of a completion-anchored template whose instance was completed at
/// `completed_at`, `generated_count` instances having been made: the series restarts on
/// the completion's local day at the template's time of day (docs/generation.md).
#[pg_extern(immutable, parallel_safe, name = "_template_next_after_completion")]
fn template_next_after_completion(
    pattern: Option<PatternArg>,
    recurrence_start: Option<TimestampWithTimeZone>,
    completed_at: Option<TimestampWithTimeZone>,
    generated_count: Option<i32>,
    skip_dates: default!(Option<Vec<Option<pgrx::datum::Date>>>, "'{}'"),
    end_date: default!(Option<TimestampWithTimeZone>, "NULL"),
    max_count: default!(Option<i32>, "NULL"),
) -> Option<TimestampWithTimeZone> {
    let (pattern, start) = (pattern?, recurrence_start?);
    let completed_at = moment(completed_at?).finite("completed_at").ok()?;
    let columns = template_columns(start, skip_dates, end_date, max_count);
    let series = super::raise(pattern.pattern().and_then(|p| columns.series(&p)));
    let generated = template::generated_count(generated_count);
    series.next_after_completion(completed_at, generated).map(to_timestamptz)
}

/// A template's columns as the core reads them (the NULL skipped dates and the infinite
/// ones left out).
fn template_columns(
    start: TimestampWithTimeZone,
    skip_dates: Option<Vec<Option<pgrx::datum::Date>>>,
    end_date: Option<TimestampWithTimeZone>,
    max_count: Option<i32>,
) -> Columns {
    Columns {
        start: moment(start),
        skip_dates: skip_dates.unwrap_or_default().into_iter().flatten().filter_map(date_to_naive).collect(),
        end_date: end_date.map(moment),
        count: max_count,
    }
}

fn date_to_naive(date: pgrx::datum::Date) -> Option<NaiveDate> {
    if !date.is_finite() {
        return None;
    }
    let pg_epoch = NaiveDate::from_ymd_opt(2000, 1, 1)?;
    pg_epoch.checked_add_signed(Duration::days(i64::from(date.to_pg_epoch_days())))
}

fn checked_as_of(as_of: TimestampWithTimeZone) -> DateTime<Utc> {
    super::raise(moment(as_of).finite("as_of"))
}

fn checked_batch_size(batch_size: Option<i32>) -> i32 {
    super::raise(batch::checked_batch_size(batch_size))
}

/// Generation writes; on a hot standby the first write would fail deep inside with an
/// internal error ("cannot assign TransactionIds during recovery"). Say so up front, as
/// the read-only error it is (25006).
fn refuse_on_standby(function: &str) {
    // SAFETY: reads shared-memory state; callable in any backend at any time.
    if unsafe { pg_sys::RecoveryInProgress() } {
        refuse(
            PgSqlErrorCode::ERRCODE_READ_ONLY_SQL_TRANSACTION,
            format!(
                "synapse.{function}: this server is a standby (read-only), generation runs on the primary"
            ),
            "Call it on the primary; pg_cron runs it there.",
        );
    }
}

/// Raises `message` as an ERROR with SQLSTATE `code` and `hint`.
fn refuse(code: PgSqlErrorCode, message: String, hint: &str) -> ! {
    ErrorReport::new(code, message, pgrx::function_name!()).set_hint(hint).report(PgLogLevel::ERROR);
    unreachable!("an ERROR report does not return")
}

/// The owner of `synapse.tasks` (the role that ran the migrations), whom generation runs as.
fn tasks_owner() -> pg_sys::Oid {
    let owner = Spi::connect_mut(|client| {
        exec(client, TASKS_OWNER, &[]).first().get_one::<pg_sys::Oid>().ok().flatten()
    });
    owner.unwrap_or_else(|| {
        refuse(
            PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE,
            "synapse.tasks does not exist: recurring generation needs the Synapse schema".into(),
            "Apply the migrations in sql/migrations (scripts/migrate.sh up).",
        )
    })
}

/// Generating ahead of time writes future instances into every department: only a role
/// with the rights of the tasks' owner (a superuser, pg_cron's user, the migration role)
/// may. Everyone else generates what is due by the clock (`as_of` NULL or past).
fn refuse_future_as_of(as_of: DateTime<Utc>, owner: pg_sys::Oid) {
    // The clock, not now(): the procedure's cutoff is clock_timestamp() of its start.
    if !batch::ahead_of_time(as_of, Utc::now()) {
        return;
    }
    // SAFETY: a catalog lookup for the current user, valid in any transaction.
    if unsafe { pg_sys::has_privs_of_role(pg_sys::GetUserId(), owner) } {
        return;
    }
    refuse(
        PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
        format!(
            "as_of: {as_of} is in the future; only the owner of synapse.tasks may generate ahead of time"
        ),
        "Pass NULL (now) or a past moment, or run it as the schema owner or a superuser.",
    );
}

// --- statements ----------------------------------------------------------------------------

/// Run as the caller, before switching to the owner: every name is qualified.
const TASKS_OWNER: &str = "SELECT c.relowner FROM pg_catalog.pg_class c
      WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.to_regclass('synapse.tasks')";

const BEGIN_RUN: &str = "INSERT INTO synapse.generation_runs (as_of, batch_size, started_by)
     VALUES ($1, $2, $3) RETURNING id";

const END_RUN: &str = "UPDATE synapse.generation_runs SET finished_at = clock_timestamp()
     WHERE id = $1 RETURNING tasks_generated, tasks_failed";

/// A batch stopped by an error of the server or the cluster (`batch::fails_the_run`): the
/// run log keeps it, always, beside the templates' first errors.
const RECORD_RUN_FAILURE: &str = "UPDATE synapse.generation_runs
        SET errors = errors || jsonb_build_array(jsonb_build_object('sqlstate', $2::text, 'error', $3::text))
      WHERE id = $1";

const RUN_FAILURE: &str = "SELECT e->>'sqlstate', e->>'error'
       FROM synapse.generation_runs r, jsonb_array_elements(r.errors) AS e
      WHERE r.id = $1 AND e ? 'sqlstate'
      LIMIT 1";

const RUN_STATE: &str = "SELECT started_at, batches FROM synapse.generation_runs WHERE id = $1";

const LOG_BATCH: &str = "UPDATE synapse.generation_runs
        SET batches = batches + 1,
            templates_processed = templates_processed + $2,
            tasks_generated = tasks_generated + $3,
            tasks_failed = tasks_failed + $4,
            errors = errors || (SELECT coalesce(jsonb_agg(e), '[]') FROM
                       (SELECT e FROM jsonb_array_elements($5) AS e
                         LIMIT greatest($6 - jsonb_array_length(errors), 0)) AS first)
      WHERE id = $1";

const DEPARTMENTS: &str = "SELECT id FROM synapse.departments ORDER BY id";

/// What of the newer migrations the schema has: migration 15's `synapse.template_schedule`
/// (the claim's index of templates by next occurrence) and migration 17's check of given
/// assignment copies. A library newer than the schema (installed, the migrations not yet
/// applied) claims from `tasks` alone and leaves the copies to the row trigger until then.
/// Then whether `tasks.search_vector` is set by the trigger (migration 19) rather than
/// generated, which refuses a given value; and whether Citus plans the statements: it
/// cannot plan the claim generically.
const SCHEMA_FEATURES: &str = "SELECT pg_catalog.to_regclass('synapse.template_schedule') IS NOT NULL,
        pg_catalog.to_regprocedure('synapse._task_assignees_check_copies()') IS NOT NULL,
        coalesce((SELECT a.attgenerated OPERATOR(pg_catalog.=) '' FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass('synapse.tasks')
                     AND a.attname OPERATOR(pg_catalog.=) 'search_vector' AND NOT a.attisdropped), false),
        EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus')";

/// Due templates of one department, oldest first, found through `template_schedule` (its
/// `next_occurrence` is never later than the template's: the template's own columns decide);
/// rows another generator holds are skipped. Templates that already failed in this run, and
/// those that made their per-run cap ($5), wait for the next run. NO KEY: the claim does not
/// block foreign-key checks of rows that refer to a template (its new instances too).
///
/// The schedule is read in the order of its index, and each template is looked up and
/// locked in a lateral subquery that `OFFSET 0` keeps from being flattened into a join, so
/// the claim reads and locks no more than the `$4` templates it returns (a template another
/// generator holds is skipped). As a plain join the planner took a department's schedule
/// rows and templates for independent, expected few matches, and read and sorted all of
/// the department's due templates in every batch: among 25,000 tasks with 5,000 templates
/// due, 18-74 ms a claim of 100 against about 1 ms.
const CLAIM: &str = "SELECT t.id, t.task_id, t.recurrence_pattern::text, t.recurrence_start, t.next_occurrence,
            t.skip_dates, t.recurrence_end_date, t.recurrence_count
       FROM synapse.template_schedule s
       CROSS JOIN LATERAL (
             SELECT t.id, t.task_id, t.recurrence_pattern, t.recurrence_start, t.next_occurrence, t.skip_dates,
                    t.recurrence_end_date, t.recurrence_count
               FROM synapse.tasks t
              WHERE t.department_id = $1 AND t.id = s.task_id AND t.is_recurring AND t.deleted_at IS NULL
                AND t.next_occurrence <= $2
                AND (t.recurrence_last_error_at IS NULL OR t.recurrence_last_error_at < $3)
                AND t.id <> ALL ($5)
             OFFSET 0
                FOR NO KEY UPDATE OF t SKIP LOCKED) AS t
      WHERE s.department_id = $1 AND s.next_occurrence <= $2
      ORDER BY s.next_occurrence
      LIMIT $4";

/// The same claim in a schema before migration 15 (no `template_schedule`).
const CLAIM_FROM_TASKS: &str =
    "SELECT id, task_id, recurrence_pattern::text, recurrence_start, next_occurrence, skip_dates,
            recurrence_end_date, recurrence_count
       FROM synapse.tasks
      WHERE department_id = $1 AND is_recurring AND deleted_at IS NULL
        AND next_occurrence <= $2
        AND (recurrence_last_error_at IS NULL OR recurrence_last_error_at < $3)
        AND id <> ALL ($5)
      ORDER BY next_occurrence
      LIMIT $4
        FOR NO KEY UPDATE SKIP LOCKED";

/// Instances copy the template's fields; a second run for the same occurrence finds the
/// unique key taken and makes nothing. Their ids are random uuids the generator gives ($5):
/// with no volatile default left to evaluate, Citus runs the whole statement on the
/// department's worker instead of passing every row through the coordinator. It returns
/// what the assignments' "my tasks" copies are made of, as the row was written.
macro_rules! insert_instances {
    ($columns:literal, $values:literal) => {
        concat!(
            "INSERT INTO synapse.tasks
            (department_id, id, task_id, title, description, priority, project_id, creator_id, metadata,
             due_date, recurrence_parent_id, occurrence_at",
            $columns,
            ")
     SELECT t.department_id, x.id, x.external_id, t.title, t.description, t.priority, t.project_id,
            t.creator_id, t.metadata, x.at, t.id, x.at",
            $values,
            "
       FROM unnest($2::uuid[], $3::timestamptz[], $4::text[], $5::uuid[]) AS x(parent, at, external_id, id)
       JOIN synapse.tasks t ON t.department_id = $1 AND t.id = x.parent
         ON CONFLICT (department_id, recurrence_parent_id, occurrence_at) DO NOTHING
  RETURNING id, recurrence_parent_id, status::text, deleted_at, is_recurring, due_date, priority::text"
        )
    };
}

/// In a schema before migration 19 (`search_vector` generated from the instance's text).
const INSERT_INSTANCES: &str = insert_instances!("", "");

/// Since migration 19 with the template's search vector: the instance's title and
/// description are the template's, so is the vector made of them, which the trigger keeps
/// for the generator's rows (`generator_copies_search_vector`) instead of parsing and
/// stemming the text again.
const INSERT_INSTANCES_WITH_SEARCH_VECTOR: &str = insert_instances!(", search_vector", ", t.search_vector");

const COPY_ASSIGNEES: &str =
    "INSERT INTO synapse.task_assignees (department_id, task_id, user_id, assigned_by)
     SELECT $1, x.instance, a.user_id, a.assigned_by
       FROM unnest($2::uuid[], $3::uuid[]) AS x(instance, parent)
       JOIN synapse.task_assignees a ON a.department_id = $1 AND a.task_id = x.parent";

/// The same with the assignments' "my tasks" copies given, made of the instance rows the
/// insert returned ($4-$8), so no instance is read again: migration 17 checks them once per
/// statement instead of reading each assignment's task (on Citus, a distributed query per
/// assignment). The department comes from the template's assignment row, so that Citus runs
/// the statement on the department's worker.
const COPY_ASSIGNEES_WITH_COPIES: &str = "INSERT INTO synapse.task_assignees
            (department_id, task_id, user_id, assigned_by, task_open, task_due_key, task_priority)
     SELECT a.department_id, x.instance, a.user_id, a.assigned_by,
            synapse._task_is_open(x.status::synapse.task_status, x.deleted_at, x.is_recurring),
            coalesce(x.due_date, 'infinity'), x.priority::synapse.task_priority
       FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[], $6::boolean[], $7::timestamptz[], $8::text[])
            AS x(instance, parent, status, deleted_at, is_recurring, due_date, priority)
       JOIN synapse.task_assignees a ON a.department_id = $1 AND a.task_id = x.parent";

/// The advance of the claimed templates: their next occurrence and count, the last error
/// cleared. `updated_at` is set here to what `tasks_set_updated_at` would set, which lets
/// that trigger pass the row by (migration 18).
macro_rules! advance_templates {
    () => {
        "UPDATE synapse.tasks t
        SET next_occurrence = x.next,
            recurrence_generated_count = t.recurrence_generated_count + x.made,
            recurrence_last_error = NULL,
            recurrence_last_error_at = NULL,
            updated_at = now()
       FROM unnest($2::uuid[], $3::timestamptz[], $4::int[]) AS x(id, next, made)
      WHERE t.department_id = $1 AND t.id = x.id"
    };
}

/// The advance in a schema before migration 15 (no `template_schedule`).
const ADVANCE_TEMPLATES: &str = advance_templates!();

/// The advance, with the templates' rows of `template_schedule` moved in the same statement
/// (one round trip to the department's worker on Citus). One that ended (NULL) is removed
/// by the trigger `tasks_keep_template_schedule_on_change`. Written here, set by set, rather
/// than by that trigger for each row: the advance is generation's hot path.
const ADVANCE_SCHEDULED_TEMPLATES: &str = concat!(
    "WITH schedule AS (
        UPDATE synapse.template_schedule s
           SET next_occurrence = x.next
          FROM unnest($2::uuid[], $3::timestamptz[]) AS x(id, next)
         WHERE s.department_id = $1 AND s.task_id = x.id AND x.next IS NOT NULL)
     ",
    advance_templates!()
);

/// The moment of failure is a parameter: Citus refuses a VOLATILE function such as
/// clock_timestamp() in an UPDATE of a distributed table.
const RECORD_FAILURE: &str = "UPDATE synapse.tasks
        SET recurrence_last_error = $3, recurrence_last_error_at = $4
      WHERE department_id = $1 AND id = $2";

fn begin_run(as_of: DateTime<Utc>, batch_size: i32, started_by: &str) -> i64 {
    Spi::connect_mut(|client| {
        let args = [to_timestamptz(as_of).into(), batch_size.into(), started_by.into()];
        exec(client, BEGIN_RUN, &args).first().get_one::<i64>().ok().flatten()
    })
    .expect("a run row is inserted")
}

fn end_run(run: i64) -> (i32, i32) {
    // A pooled backend may live on for days: its quota goes with the run.
    RUN.with_borrow_mut(|runs| runs.end(run));
    Spi::connect_mut(|client| {
        // A run a batch failure stopped stays unfinished (interrupted) and ends with that
        // error, so the caller (pg_cron's job log) sees the run failed.
        let failure = exec(client, RUN_FAILURE, &[run.into()]).first().get_two::<String, String>();
        if let Ok((Some(sqlstate), Some(error))) = failure {
            ErrorReport::new(sqlstate_code(&sqlstate), batch::run_stopped_message(run, &error), "synapse_ext::generation")
                .set_hint("synapse.generation_recent_runs shows the run; the next run retries every template it did not finish")
                .report(PgLogLevel::ERROR);
        }
        let row = exec(client, END_RUN, &[run.into()]).first();
        match row.get_two::<i32, i32>() {
            Ok((Some(generated), Some(failed))) => (generated, failed),
            _ => super::raise_invalid("run_id", &format!("no generation run {run}")),
        }
    })
}

// --- one batch -----------------------------------------------------------------------------

/// `work` on run `run`'s quota: this backend's when it is working on that run, else a fresh
/// one. The cap is read anew each time, so a changed setting applies from the next batch.
/// Never held across an SPI call (a trigger might generate too).
fn with_quota<R>(run: i64, work: impl FnOnce(&mut RunQuota<Uuid>) -> R) -> R {
    RUN.with_borrow_mut(|runs| work(runs.quota(run, max_instances_per_template())))
}

/// One batch, its work in a subtransaction: when it fails with an error that is not a
/// template's (a full disk, a Citus node gone), its work is rolled back, the run log keeps
/// the error and the batch claims nothing, which ends the run (`end_run` raises the error).
/// A cancel still goes straight up.
///
/// The batch runs first as a whole ([`Isolation::Batch`]): one subtransaction, which on
/// Citus is one savepoint on the worker instead of one more for each department. When a
/// template's error stops it, its work and its steps' count against the run's quota are
/// taken back and it runs again with every department and template isolated
/// ([`Isolation::PerTemplate`]), so that only the culprit fails.
fn run_batch(run: i64, batch_size: i32, as_of: DateTime<Utc>) -> i32 {
    let is_cancel: fn(&str) -> bool = |sqlstate| sqlstate == "57014";
    let mut counted = Vec::new();
    let mut attempt = catch_in_subtransaction(
        || claim_and_generate(run, batch_size, as_of, Isolation::Batch, &mut counted),
        is_cancel,
    );
    if matches!(&attempt, Err(caught) if !batch::fails_the_run(&caught.sqlstate)) {
        with_quota(run, |quota| {
            counted.drain(..).for_each(|(template, steps)| quota.forget(template, steps))
        });
        attempt = catch_in_subtransaction(
            || claim_and_generate(run, batch_size, as_of, Isolation::PerTemplate, &mut counted),
            is_cancel,
        );
    }
    match attempt {
        Ok(claimed) => claimed,
        Err(caught) => {
            Spi::connect_mut(|client| {
                let args = [run.into(), caught.sqlstate.as_str().into(), caught.message.as_str().into()];
                exec(client, RECORD_RUN_FAILURE, &args);
            });
            0
        }
    }
}

/// How a batch keeps one template's error from failing the others.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Isolation {
    /// Not at all: the error fails the batch's subtransaction, and `run_batch` runs the
    /// batch again with `PerTemplate`. Errors are rare, and each subtransaction costs a
    /// round trip to every worker on Citus.
    Batch,
    /// Each department's writes in a subtransaction of their own; when they fail, each
    /// template's again in one of its own.
    PerTemplate,
}

/// Claims and generates one batch; every step counted against the run's quota is added to
/// `counted` (template, occurrences).
fn claim_and_generate(
    run: i64,
    batch_size: i32,
    as_of: DateTime<Utc>,
    isolation: Isolation,
    counted: &mut Vec<(Uuid, usize)>,
) -> i32 {
    Spi::connect_mut(|client| {
        let (run_started, batches) =
            match exec(client, RUN_STATE, &[run.into()]).first().get_two::<TimestampWithTimeZone, i32>() {
                Ok((Some(started), Some(batches))) => (started, batches),
                _ => super::raise_invalid("run_id", &format!("no generation run {run}")),
            };
        let capped: Vec<Uuid> = with_quota(run, |quota| quota.capped().copied().collect());
        let features = query(client, SCHEMA_FEATURES, &[]).first();
        let feature = |i| features.get::<bool>(i).ok().flatten().unwrap_or(false);
        let (scheduled, copies_checked, search_vector_copied) = (feature(1), feature(2), feature(3));
        let generic_claim = !feature(4);
        let claim = Claim {
            run,
            as_of,
            run_started,
            capped,
            scheduled,
            copies_checked,
            search_vector_copied,
            generic_claim,
            isolation,
        };
        let departments: Vec<Uuid> =
            exec(client, DEPARTMENTS, &[]).filter_map(|row| row.get::<Uuid>(1).ok().flatten()).collect();
        let mut outcome = Outcome::default();
        for department in batch::department_order(&departments, batches) {
            let Some(room) = outcome.room(batch_size) else { break };
            generate_in_department(client, &claim, department, room, &mut outcome, counted);
        }
        let args = [
            run.into(),
            outcome.claimed.into(),
            outcome.generated.into(),
            outcome.failed_count().into(),
            pgrx::JsonB(outcome.errors_log()).into(),
            MAX_LOGGED_ERRORS.into(),
        ];
        exec(client, LOG_BATCH, &args);
        outcome.claimed
    })
}

/// What every claim of one batch shares.
struct Claim {
    run: i64,
    as_of: DateTime<Utc>,
    run_started: TimestampWithTimeZone,
    /// The templates that made their per-run cap in this run's earlier batches.
    capped: Vec<Uuid>,
    /// Whether the schema has `template_schedule` (migration 15).
    scheduled: bool,
    /// Whether the schema checks given assignment copies per statement (migration 17).
    copies_checked: bool,
    /// Whether instances get their template's search vector (migration 19).
    search_vector_copied: bool,
    /// Whether the claim runs with a generic plan (`with_generic_plan`): not on Citus, whose
    /// planner cannot plan it with its parameters unknown ("could not create distributed
    /// plan"); there it is planned for each batch, as before.
    generic_claim: bool,
    isolation: Isolation,
}

fn generate_in_department(
    client: &mut SpiClient,
    claim: &Claim,
    department: Uuid,
    room: i32,
    outcome: &mut Outcome<Uuid>,
    counted: &mut Vec<(Uuid, usize)>,
) {
    let claim_args = [
        department.into(),
        to_timestamptz(claim.as_of).into(),
        claim.run_started.into(),
        room.into(),
        claim.capped.clone().into(),
    ];
    let claim_sql = if claim.scheduled { CLAIM } else { CLAIM_FROM_TASKS };
    let mut run_claim = || exec(client, claim_sql, &claim_args);
    let claimed = if claim.generic_claim { with_generic_plan(run_claim) } else { run_claim() };
    let templates: Vec<Template<Uuid>> = claimed
        .map(|row| {
            let time = |i| row.get::<TimestampWithTimeZone>(i).ok().flatten().map(moment);
            // NULL and infinite skipped dates skip nothing (date_to_naive leaves the latter out).
            let skip_dates: Vec<Option<pgrx::datum::Date>> = row.get(6).ok().flatten().unwrap_or_default();
            Template {
                id: row.get(1).ok().flatten().expect("id is NOT NULL"),
                task_id: row.get(2).ok().flatten().expect("task_id is NOT NULL"),
                pattern: row.get(3).ok().flatten().expect("a template has a pattern"),
                columns: Columns {
                    start: time(4).expect("a template has a start"),
                    skip_dates: skip_dates.into_iter().flatten().filter_map(date_to_naive).collect(),
                    end_date: time(7),
                    count: row.get(8).ok().flatten(),
                },
                next: time(5).expect("claimed rows have next_occurrence"),
            }
        })
        .collect();
    if templates.is_empty() {
        return;
    }
    outcome.claimed += templates.len() as i32;
    let first_failure = outcome.failed.len();

    let DepartmentPlan { planned, failed, capped } =
        with_quota(claim.run, |quota| batch::plan_department(quota, &templates, claim.as_of));
    counted.extend(planned.iter().map(|p| (p.id, p.occurrences.len())));
    for (template, next) in capped {
        log!(
            "synapse: generation run {} made the cap (synapse.generation_max_instances_per_template = {}) of template {} in department {}; it stays due from {}, the next run continues it",
            claim.run,
            max_instances_per_template(),
            template,
            department,
            next.map_or_else(String::new, |next| next.to_rfc3339()),
        );
    }
    outcome.failed.extend(failed.into_iter().map(|(template, error)| Failure {
        department,
        template,
        error,
    }));
    // All of the department's templates in three statements. When any of them fails: with
    // the batch isolated, the batch fails (and runs again isolated per template); else each
    // template again in a subtransaction of its own, so only the culprit fails.
    if claim.isolation == Isolation::Batch {
        outcome.generated += write_planned(client, claim, department, &planned);
    } else {
        write_isolated(client, claim, department, &planned, outcome);
    }
    for failure in &outcome.failed[first_failure..] {
        let args = [
            department.into(),
            failure.template.into(),
            failure.error.as_str().into(),
            to_timestamptz(Utc::now()).into(),
        ];
        exec(client, RECORD_FAILURE, &args);
    }
}

/// `write_planned` in a subtransaction; when it fails, each template again in one of its
/// own, so only the culprit fails (its error goes to `outcome`).
fn write_isolated(
    client: &mut SpiClient,
    claim: &Claim,
    department: Uuid,
    planned: &[Planned<Uuid>],
    outcome: &mut Outcome<Uuid>,
) {
    match in_subtransaction(|| write_planned(client, claim, department, planned)) {
        Ok(made) => outcome.generated += made,
        Err(_) => {
            for one in planned {
                match in_subtransaction(|| {
                    write_planned(client, claim, department, std::slice::from_ref(one))
                }) {
                    Ok(made) => outcome.generated += made,
                    Err(error) => outcome.failed.push(Failure { department, template: one.id, error }),
                }
            }
        }
    }
}

/// Writes the instances, their assignees and the templates' new state (with their rows of
/// `template_schedule`); returns how many instances were made.
fn write_planned(client: &mut SpiClient, claim: &Claim, department: Uuid, planned: &[Planned<Uuid>]) -> i32 {
    let occurrences = planned.iter().flat_map(|p| p.occurrences.iter().map(move |o| (p.id, o)));
    let (mut parents, mut ats, mut external_ids) = (Vec::new(), Vec::new(), Vec::new());
    for (parent, (at, external_id)) in occurrences {
        parents.push(parent);
        ats.push(to_timestamptz(*at));
        external_ids.push(external_id.clone());
    }
    let (mut instances, mut instance_parents) = (Vec::new(), Vec::new());
    let mut made_rows = InstanceRows::default();
    if !parents.is_empty() {
        let ids = random_uuids(parents.len());
        let args = [department.into(), parents.into(), ats.into(), external_ids.into(), ids.into()];
        let inserted = if claim.search_vector_copied {
            let _copying = CopyingTemplates::start();
            exec(client, INSERT_INSTANCES_WITH_SEARCH_VECTOR, &args)
        } else {
            exec(client, INSERT_INSTANCES, &args)
        };
        for row in inserted {
            instances.push(row.get::<Uuid>(1).ok().flatten().expect("RETURNING id"));
            instance_parents.push(row.get::<Uuid>(2).ok().flatten().expect("RETURNING recurrence_parent_id"));
            made_rows.statuses.push(row.get::<String>(3).ok().flatten());
            made_rows.deleted_ats.push(row.get::<TimestampWithTimeZone>(4).ok().flatten());
            made_rows.recurring.push(row.get::<bool>(5).ok().flatten());
            made_rows.due_dates.push(row.get::<TimestampWithTimeZone>(6).ok().flatten());
            made_rows.priorities.push(row.get::<String>(7).ok().flatten());
        }
    }
    let made = instances.len() as i32;
    let ids: Vec<Uuid> = planned.iter().map(|p| p.id).collect();
    let counts = batch::made_per_template(&ids, &instance_parents);
    if !instances.is_empty() {
        if claim.copies_checked {
            let InstanceRows { statuses, deleted_ats, recurring, due_dates, priorities } = made_rows;
            let args = [
                department.into(),
                instances.into(),
                instance_parents.into(),
                statuses.into(),
                deleted_ats.into(),
                recurring.into(),
                due_dates.into(),
                priorities.into(),
            ];
            exec(client, COPY_ASSIGNEES_WITH_COPIES, &args);
        } else {
            exec(client, COPY_ASSIGNEES, &[department.into(), instances.into(), instance_parents.into()]);
        }
    }
    let nexts: Vec<Option<TimestampWithTimeZone>> =
        planned.iter().map(|p| p.next.map(to_timestamptz)).collect();
    let advance = if claim.scheduled { ADVANCE_SCHEDULED_TEMPLATES } else { ADVANCE_TEMPLATES };
    exec(client, advance, &[department.into(), ids.into(), nexts.into(), counts.into()]);
    made
}

/// Runs `work` with `plan_cache_mode = force_generic_plan` (undone after it, or by the abort
/// of an error). For the claim: its parameters change its estimates, never its best plan
/// (the schedule's index in order, each template looked up by key), yet the plan cache kept
/// choosing a custom plan, planned anew for every batch: 0.15 ms of about 1.2 ms a claim.
fn with_generic_plan<R>(work: impl FnOnce() -> R) -> R {
    // SAFETY: a GUC change in a nest level of its own, closed below.
    let level = unsafe { super::setting_in_new_nest_level(c"plan_cache_mode", c"force_generic_plan") };
    let result = work();
    // SAFETY: closes the nest level opened above.
    unsafe { pg_sys::AtEOXact_GUC(true, level) };
    result
}

/// What the "my tasks" copies of new assignments are made of: the columns of the instance
/// rows the insert returned, in its order.
#[derive(Default)]
struct InstanceRows {
    statuses: Vec<Option<String>>,
    deleted_ats: Vec<Option<TimestampWithTimeZone>>,
    recurring: Vec<Option<bool>>,
    due_dates: Vec<Option<TimestampWithTimeZone>>,
    priorities: Vec<Option<String>>,
}

/// `count` version 4 uuids from PostgreSQL's strong random source, as `gen_random_uuid()`.
fn random_uuids(count: usize) -> Vec<Uuid> {
    let mut random = vec![0u8; 16 * count];
    // SAFETY: writes random.len() bytes into a buffer of that length.
    if !unsafe { pg_sys::pg_strong_random(random.as_mut_ptr().cast(), random.len()) } {
        error!("synapse: could not generate random instance ids");
    }
    random
        .chunks_exact(16)
        .map(|bytes| Uuid::from_bytes(uuid_v4(bytes.try_into().expect("16-byte chunks"))))
        .collect()
}

/// Runs `work` in a subtransaction, as PL/pgSQL's BEGIN … EXCEPTION does: on an error its
/// effects are rolled back and the error's message returned. An error that is not a
/// template's fault goes on up (`batch::fails_the_run`), so the batch stops with it instead
/// of marking every template it touches as failed.
fn in_subtransaction<R>(work: impl FnOnce() -> R) -> Result<R, String> {
    catch_in_subtransaction(work, batch::fails_the_run).map_err(|caught| caught.message)
}

/// An error `catch_in_subtransaction` caught.
struct Caught {
    sqlstate: String,
    message: String,
}

/// `work` in a subtransaction: an error whose SQLSTATE `rethrow` picks goes on up, any
/// other rolls the subtransaction back and is returned.
fn catch_in_subtransaction<R>(work: impl FnOnce() -> R, rethrow: fn(&str) -> bool) -> Result<R, Caught> {
    // SAFETY: the standard internal-subtransaction sequence (see PL/pgSQL's exec_stmt_block):
    // the memory context and resource owner in force before the subtransaction are restored
    // whichever way it ends.
    unsafe {
        let context = pg_sys::CurrentMemoryContext;
        let owner = pg_sys::CurrentResourceOwner;
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(context);
        let restore = move || {
            pg_sys::MemoryContextSwitchTo(context);
            pg_sys::CurrentResourceOwner = owner;
        };
        let work = std::panic::AssertUnwindSafe(work);
        PgTryBuilder::new(move || {
            let result = work();
            pg_sys::ReleaseCurrentSubTransaction();
            restore();
            Ok(result)
        })
        .catch_others(move |error| {
            pg_sys::RollbackAndReleaseCurrentSubTransaction();
            restore();
            let report = match &error {
                CaughtError::PostgresError(report) | CaughtError::ErrorReport(report) => report,
                CaughtError::RustPanic { ereport, .. } => ereport,
            };
            let sqlstate = sqlstate_text(report.sql_error_code());
            if rethrow(&sqlstate) {
                error.rethrow();
            }
            Err(Caught { sqlstate, message: batch::failure_message(report.message(), report.detail()) })
        })
        .execute()
    }
}

/// A SQLSTATE's five characters from its code: six bits per character, the first lowest.
fn sqlstate_text(code: PgSqlErrorCode) -> String {
    let packed = code as isize;
    (0..5).map(|i| char::from(b'0' + ((packed >> (6 * i)) & 0x3F) as u8)).collect()
}

/// The code of a five-character SQLSTATE read back from the run log.
fn sqlstate_code(sqlstate: &str) -> PgSqlErrorCode {
    let packed = sqlstate
        .bytes()
        .take(5)
        .enumerate()
        .fold(0isize, |packed, (i, ch)| packed | ((ch.wrapping_sub(b'0') as isize & 0x3F) << (6 * i)));
    PgSqlErrorCode::from(packed)
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::sql::test_support::{sqlstate_of, text};
    use pgrx::pg_sys;
    use pgrx::prelude::*;

    #[pg_test]
    fn template_occurrence_from_merges_the_column_limits() {
        let first = text(
            "SELECT synapse._template_occurrence_from('{\"frequency\":\"daily\"}', '2026-01-01 09:00+00',
                    '2026-01-02 00:00+00', ARRAY['2026-01-02'::date, 'infinity'])::text",
        );
        assert_eq!(first.as_deref(), Some("2026-01-03 09:00:00+00"));
        let ended = text(
            "SELECT synapse._template_occurrence_from('{\"frequency\":\"daily\"}', '2026-01-01 09:00+00',
                    '2026-01-05 00:00+00', max_count => 3)::text",
        );
        assert_eq!(ended, None);
    }

    #[pg_test]
    fn next_after_completion_restarts_on_the_completion_day() {
        Spi::run("SET LOCAL TimeZone = 'UTC'").unwrap();
        let next = text(
            "SELECT synapse._template_next_after_completion('{\"frequency\":\"daily\",\"interval\":3,\"anchor\":\"completion\"}',
                    '2026-01-05 09:00+00', '2026-01-07 15:00+00', 1)::text",
        );
        assert_eq!(next.as_deref(), Some("2026-01-10 09:00:00+00"));
    }

    #[pg_test(error = "recurrence_count: must be positive")]
    fn a_non_positive_count_is_refused() {
        text("SELECT synapse._template_occurrence_from('{\"frequency\":\"daily\"}', now(), now(), max_count => 0)::text");
    }

    #[pg_test]
    fn sqlstates_convert_both_ways() {
        use pgrx::prelude::PgSqlErrorCode::*;
        assert_eq!(super::sqlstate_text(ERRCODE_DISK_FULL), "53100");
        assert_eq!(super::sqlstate_text(ERRCODE_ADMIN_SHUTDOWN), "57P01");
        for code in
            [ERRCODE_DISK_FULL, ERRCODE_ADMIN_SHUTDOWN, ERRCODE_CONNECTION_FAILURE, ERRCODE_DATA_CORRUPTED]
        {
            assert_eq!(super::sqlstate_code(&super::sqlstate_text(code)) as isize, code as isize);
        }
    }

    #[pg_test(error = "batch_size: 0 is not positive")]
    fn a_non_positive_batch_is_refused() {
        text("SELECT tasks_generated::text FROM synapse.generate_recurring_tasks(0)");
    }

    #[pg_test(error = "batch_size: must not be NULL")]
    fn a_null_batch_is_refused() {
        text("SELECT tasks_generated::text FROM synapse.generate_recurring_tasks(NULL)");
    }

    #[pg_test(error = "as_of: must be a finite timestamp")]
    fn an_infinite_as_of_is_refused() {
        text("SELECT tasks_generated::text FROM synapse.generate_recurring_tasks(10, 'infinity')");
    }

    #[pg_test]
    fn the_cap_defaults_to_1000_and_only_a_superuser_changes_it() {
        assert_eq!(text("SHOW synapse.generation_max_instances_per_template").as_deref(), Some("1000"));
        assert_eq!(
            sqlstate_of("SET synapse.generation_max_instances_per_template = 0").as_deref(),
            Some("22023"),
            "below 1"
        );
        Spi::run("SET LOCAL synapse.generation_max_instances_per_template = 50").unwrap();
        assert_eq!(text("SHOW synapse.generation_max_instances_per_template").as_deref(), Some("50"));
        Spi::run("CREATE ROLE synapse_t_app; SET LOCAL ROLE synapse_t_app").unwrap();
        assert_eq!(
            sqlstate_of("SET synapse.generation_max_instances_per_template = 100000").as_deref(),
            Some("42501"),
            "an application login cannot raise it"
        );
    }

    /// The order generation relies on: the owner is switched to first, then each template's
    /// subtransaction begins; its abort restores what was current at its start, the owner.
    #[pg_test]
    fn a_failed_subtransaction_inside_as_owner_keeps_the_owner_and_as_owner_restores_the_caller() {
        use crate::sql::as_owner;
        Spi::run("CREATE ROLE synapse_t_owner").unwrap();
        let owner = Spi::get_one::<pg_sys::Oid>(
            "SELECT oid FROM pg_catalog.pg_roles WHERE rolname = 'synapse_t_owner'",
        )
        .unwrap()
        .unwrap();
        let caller = text("SELECT current_user::text");
        let caller_path = text("SELECT current_setting('search_path')");
        as_owner(owner, || {
            let failed = super::in_subtransaction(|| Spi::run("SELECT 1 / 0").expect("division by zero"));
            assert!(failed.unwrap_err().contains("division by zero"));
            assert_eq!(
                text("SELECT current_user::text").as_deref(),
                Some("synapse_t_owner"),
                "after the abort"
            );
            assert_eq!(text("SELECT current_setting('search_path')").as_deref(), Some("pg_catalog, pg_temp"));
            // SAFETY: reads the current user id.
            assert_eq!(unsafe { pg_sys::GetUserId() }, owner);
        });
        assert_eq!(text("SELECT current_user::text"), caller, "the caller is back");
        assert_eq!(text("SELECT current_setting('search_path')"), caller_path);
    }

    #[pg_test]
    fn without_the_schema_generation_names_the_missing_table() {
        // The pg_test database has the extension but not the migrations.
        assert_eq!(
            sqlstate_of("SELECT * FROM synapse.generate_recurring_tasks(10)").as_deref(),
            Some("42P01")
        );
    }

    #[pg_test]
    fn only_the_owner_of_the_tasks_generates_ahead_of_time() {
        // A stand-in synapse.tasks owned by synapse_t_owner; the check comes before any
        // other table is touched.
        Spi::run(
            "CREATE ROLE synapse_t_owner; CREATE ROLE synapse_t_app;
             CREATE TABLE synapse.tasks (id int); ALTER TABLE synapse.tasks OWNER TO synapse_t_owner;
             GRANT USAGE ON SCHEMA synapse TO synapse_t_owner, synapse_t_app;
             GRANT EXECUTE ON FUNCTION synapse.generate_recurring_tasks(integer, timestamptz),
                   synapse._generation_run_begin(timestamptz, integer),
                   synapse._generate_recurring_batch(bigint, integer, timestamptz) TO synapse_t_app",
        )
        .unwrap();
        let ahead = "SELECT * FROM synapse.generate_recurring_tasks(10, now() + interval '1 day')";
        // The superuser passes the check and gets as far as the run log, missing here.
        assert_eq!(sqlstate_of(ahead).as_deref(), Some("42P01"));
        Spi::run("SET LOCAL ROLE synapse_t_app").unwrap();
        assert_eq!(sqlstate_of(ahead).as_deref(), Some("42501"));
        assert_eq!(
            sqlstate_of("SELECT synapse._generation_run_begin(now() + interval '1 day', 10)").as_deref(),
            Some("42501"),
            "the procedure's steps too"
        );
        assert_eq!(
            sqlstate_of("SELECT synapse._generate_recurring_batch(1, 10, now() + interval '1 day')")
                .as_deref(),
            Some("42501")
        );
        assert_eq!(
            sqlstate_of("SELECT * FROM synapse.generate_recurring_tasks(10, now() - interval '1 day')")
                .as_deref(),
            Some("42P01"),
            "a past moment is anyone's"
        );
    }

    #[pg_test]
    fn scheduling_without_pg_cron_names_the_missing_piece() {
        // The test cluster does not preload pg_cron: the error is 55000 (with a hint).
        for call in [
            "SELECT synapse.schedule_recurring_generation()",
            "SELECT synapse.unschedule_recurring_generation()",
        ] {
            assert_eq!(sqlstate_of(call).as_deref(), Some("55000"), "{call}");
        }
    }
}
