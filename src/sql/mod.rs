//! The pgrx boundary: each file wraps one pure capability; nothing here computes.

mod generation;
pub(crate) mod identity;
mod pattern_arg;
mod recurrence;
mod search;

use crate::recurrence::RecurrenceError;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

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

#[cfg(any(test, feature = "pg_test"))]
pub(crate) mod test_support {
    use pgrx::prelude::*;

    /// The one text value a query returns (None for NULL).
    pub(crate) fn text(query: &str) -> Option<String> {
        Spi::get_one::<String>(query).expect("query runs")
    }

    /// pg_temp.sqlstate_of(statement): the SQLSTATE it fails with, NULL when it succeeds
    /// (run in a subtransaction through a PL/pgSQL exception block, so the test goes on).
    pub(crate) fn create_sqlstate_of() {
        Spi::run(
            "CREATE OR REPLACE FUNCTION pg_temp.sqlstate_of(statement text) RETURNS text
             LANGUAGE plpgsql AS $$
             BEGIN EXECUTE statement; RETURN NULL;
             EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END $$",
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
