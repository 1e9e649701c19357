//! The pgrx boundary: each file wraps one capability, converting arguments and running its
//! statements. The decisions are the pure crates' (crates/<capability>).

pub(crate) mod counters;
pub(crate) mod generation;
mod ical;
pub(crate) mod identity;
mod materialize;
mod pattern_arg;
mod recurrence;
mod search;

use crate::recurrence::RecurrenceError;
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::spi::{OwnedPreparedStatement, SpiClient, SpiTupleTable};
use pgrx::{pg_sys, PgOid};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// The value, or the error raised as SQLSTATE 22023 (invalid_parameter_value): every
/// variant is a bad argument. A pattern's further problems go to DETAIL.
fn raise<T>(result: Result<T, RecurrenceError>) -> T {
    match result {
        Ok(value) => value,
        Err(err) => {
            let mut report = ErrorReport::new(
                PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                err.to_string(),
                pgrx::function_name!(),
            );
            if let Some(detail) = err.detail() {
                report = report.set_detail(detail);
            }
            report.report(PgLogLevel::ERROR);
            unreachable!("an ERROR report does not return")
        }
    }
}

/// Raises 22023 for a bad argument other than a pattern: "`name`: `message`".
fn raise_invalid(name: &'static str, message: &str) -> ! {
    raise::<()>(Err(RecurrenceError::InvalidArgument { name, message: message.into() }));
    unreachable!("raise reports an ERROR")
}

/// Is `relation` the table `synapse.<table>`, or a Citus shard of it (`<table>_<shard id>`
/// in the same schema)? Trigger functions refuse any other table.
pub(crate) fn is_synapse_table(relation: &pgrx::PgRelation, table: &str) -> bool {
    let shard_suffix = |rest: &str| {
        rest.strip_prefix('_').is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
    };
    relation.namespace() == "synapse"
        && relation.name().strip_prefix(table).is_some_and(|rest| rest.is_empty() || shard_suffix(rest))
}

thread_local! {
    /// Plans prepared once per backend; PostgreSQL re-plans them when the tables change.
    static PLANS: RefCell<HashMap<&'static str, Rc<OwnedPreparedStatement>>> = RefCell::new(HashMap::new());
}

/// This backend's prepared plan for `sql`, made on first use. A statement is either always
/// run by [`exec`] or always by [`query`]: the plan remembers which (whether it may write).
fn plan_for(
    client: &SpiClient<'_>,
    sql: &'static str,
    args: &[DatumWithOid],
    writes: bool,
) -> Rc<OwnedPreparedStatement> {
    if let Some(plan) = PLANS.with(|plans| plans.borrow().get(sql).cloned()) {
        return plan;
    }
    let types: Vec<PgOid> = args.iter().map(|a| PgOid::from(a.oid())).collect();
    let prepared = if writes { client.prepare_mut(sql, &types) } else { client.prepare(sql, &types) };
    let plan = Rc::new(prepared.unwrap_or_else(|e| panic!("preparing {sql}: {e}")).keep());
    PLANS.with(|plans| plans.borrow_mut().insert(sql, Rc::clone(&plan)));
    plan
}

/// Runs `sql` with `args` through this backend's prepared plan for it. Re-entrant: the
/// statement may fire a trigger that runs another (the counter trigger inside generation).
/// It takes a transaction id, as anything that writes must.
fn exec<'conn>(
    client: &mut SpiClient<'conn>,
    sql: &'static str,
    args: &[DatumWithOid],
) -> SpiTupleTable<'conn> {
    let plan = plan_for(client, sql, args, true);
    client.update(&*plan, None, args).unwrap_or_else(|e| panic!("running {sql}: {e}"))
}

/// Runs the read-only `sql` with `args` through this backend's prepared plan for it, without
/// taking a transaction id: it works on a hot standby, and a transaction that only reads
/// (setting the identity, above all) writes no commit record for it.
fn query<'conn>(client: &SpiClient<'conn>, sql: &'static str, args: &[DatumWithOid]) -> SpiTupleTable<'conn> {
    let plan = plan_for(client, sql, args, false);
    client.select(&*plan, None, args).unwrap_or_else(|e| panic!("running {sql}: {e}"))
}

/// Opens a GUC nest level and sets `name` to `value` in it, as a function's SET clause does.
/// Returns the level, for `pg_sys::AtEOXact_GUC(true, level)` to close (an error's abort
/// closes it too).
///
/// # Safety
/// Inside a transaction; every level opened must be closed in the reverse order.
pub(crate) unsafe fn setting_in_new_nest_level(name: &std::ffi::CStr, value: &std::ffi::CStr) -> i32 {
    let level = pg_sys::NewGUCNestLevel();
    pg_sys::set_config_option(
        name.as_ptr(),
        value.as_ptr(),
        pg_sys::GucContext::PGC_USERSET,
        pg_sys::GucSource::PGC_S_SESSION,
        pg_sys::GucAction::GUC_ACTION_SAVE,
        true,
        0,
        false,
    );
    level
}

/// Runs `work` as role `owner` with row-level security not forced and `search_path` set to
/// `pg_catalog, pg_temp`, as a SECURITY DEFINER function owned by `owner` with that SET
/// clause would (PostgreSQL's fmgr_security_definer does the same steps). Its statements
/// see and write every tenant's rows whoever the caller is, so the caller must not be able
/// to redirect a name in them (or in the triggers they fire) to an object of its own:
/// hence the fixed search_path. The previous user, security context and search_path come
/// back afterwards; after an error the (sub)transaction abort restores them, as for any
/// SECURITY DEFINER call, and a subtransaction begun inside `work` restores the owner when
/// it aborts (it saved the owner at its start).
///
/// Done in Rust rather than with SECURITY DEFINER in SQL: an extension member's altered
/// properties are lost by `pg_dump` and by `ALTER EXTENSION UPDATE`, and a SECURITY
/// DEFINER C function would run as its owner, the superuser who created the extension.
pub(crate) fn as_owner<T>(owner: pg_sys::Oid, work: impl FnOnce() -> T) -> T {
    let mut saved_user = pg_sys::InvalidOid;
    let mut saved_context = 0;
    // SAFETY: plain reads and writes of the backend's current user and security context,
    // and a GUC change in a nest level of its own, undone below or by the abort.
    let guc_level = unsafe {
        pg_sys::GetUserIdAndSecContext(&mut saved_user, &mut saved_context);
        let context =
            saved_context | pg_sys::SECURITY_LOCAL_USERID_CHANGE as i32 | pg_sys::SECURITY_NOFORCE_RLS as i32;
        pg_sys::SetUserIdAndSecContext(owner, context);
        setting_in_new_nest_level(c"search_path", c"pg_catalog, pg_temp")
    };
    let result = work();
    // SAFETY: as above, in the reverse order.
    unsafe {
        pg_sys::AtEOXact_GUC(true, guc_level);
        pg_sys::SetUserIdAndSecContext(saved_user, saved_context);
    }
    result
}

#[cfg(any(test, feature = "pg_test"))]
pub(crate) mod test_support {
    use pgrx::prelude::*;

    /// The one text value a query returns (None for NULL).
    pub(crate) fn text(query: &str) -> Option<String> {
        Spi::get_one::<String>(query).expect("query runs")
    }

    /// pg_temp.sqlstate_of(statement): the SQLSTATE it fails with, NULL when it succeeds
    /// (run in a subtransaction through a PL/pgSQL exception block, so the test goes on).
    /// Created once per session, so a test may go on using it after SET ROLE.
    pub(crate) fn create_sqlstate_of() {
        Spi::run(
            "DO $do$ BEGIN
               IF pg_catalog.to_regprocedure('pg_temp.sqlstate_of(text)') IS NULL THEN
                 CREATE FUNCTION pg_temp.sqlstate_of(statement text) RETURNS text
                 LANGUAGE plpgsql AS $$
                 BEGIN EXECUTE statement; RETURN NULL;
                 EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END $$;
               END IF;
             END $do$",
        )
        .expect("helper created");
    }

    /// The SQLSTATE a statement fails with, or None when it succeeds.
    pub(crate) fn sqlstate_of(statement: &str) -> Option<String> {
        create_sqlstate_of();
        Spi::get_one_with_args::<String>("SELECT pg_temp.sqlstate_of($1)", &[statement.into()])
            .expect("helper runs")
    }
}
