//! Full-text search helpers. `task_search_vector`, `_search_keys` and `_search_keys_query`
//! are plain SQL (sql/search.sql): inlinable immutable expressions that a generated column
//! and an expression index can use. The key strings themselves are made here, from the pure
//! `synapse_search` (crates/search), because an index expression runs for every inserted task: one call of
//! this function costs a few microseconds where a SQL function that loops over the lexemes
//! costs tens.

use pgrx::prelude::*;

pgrx::extension_sql_file!("../../sql/search.sql", name = "search", requires = [_search_key_array]);

/// The department-prefixed index keys of a task (`tasks_search_keys_idx`, migration 10):
/// `department:lexeme` for every lexeme, `department!lexeme` for the title's. `department`
/// is the uuid's text; lexemes over 2,000 bytes are left out. Used through
/// `_search_keys(department_id, search_vector)`. 22023 for a department that is not a
/// uuid, 54000 for more keys than any task's search vector gives.
#[pg_extern(immutable, strict, parallel_safe)]
fn _search_key_array(
    department: &str,
    lexemes: Array<'_, &str>,
    title_lexemes: Array<'_, &str>,
) -> Vec<String> {
    use crate::search::SearchKeyError;
    match crate::search::search_keys(
        department,
        || lexemes.iter().flatten(),
        || title_lexemes.iter().flatten(),
    ) {
        Ok(keys) => keys,
        Err(err @ SearchKeyError::NotADepartment(_)) => super::raise_invalid("department", &err.to_string()),
        Err(err @ SearchKeyError::TooLarge(_)) => {
            pgrx::pg_sys::panic::ErrorReport::new(
                PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
                format!("_search_key_array: {err}"),
                pgrx::function_name!(),
            )
            .report(PgLogLevel::ERROR);
            unreachable!("an ERROR report does not return")
        }
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::sql::test_support::text;
    use pgrx::prelude::*;

    const DEPT: &str = "00000000-0000-4000-8000-000000000001";

    #[pg_test]
    fn keys_prefix_every_lexeme_with_the_department_and_title_lexemes_twice() {
        let keys = text(&format!(
            "SELECT synapse._search_keys('{DEPT}', synapse.task_search_vector('Quarterly report', 'Numbers'))::text"
        ));
        assert_eq!(
            keys.as_deref(),
            Some(
                format!("'{DEPT}!quarter' '{DEPT}!report' '{DEPT}:number' '{DEPT}:quarter' '{DEPT}:report'")
                    .as_str()
            )
        );
    }

    #[pg_test]
    fn the_keys_query_finds_what_the_query_finds_in_the_department() {
        let matches = |query: &str, title_only: bool| {
            text(&format!(
                "SELECT (synapse._search_keys('{DEPT}', synapse.task_search_vector('Quarterly report', 'Numbers for the board'))
                         @@ synapse._search_keys_query('{DEPT}', websearch_to_tsquery('english', $q${query}$q$), {title_only}))::text"
            ))
        };
        assert_eq!(matches("quarterly report", true).as_deref(), Some("true"), "title words, title keys");
        assert_eq!(matches("board", true).as_deref(), Some("false"), "a description word is no title match");
        assert_eq!(matches("board", false).as_deref(), Some("true"), "but a match");
        assert_eq!(matches("\"report quarterly\"", false).as_deref(), Some("true"), "phrases relaxed to AND");
        assert_eq!(matches("report -board", false).as_deref(), Some("true"), "negations left out");
        let other = text(&format!(
            "SELECT (synapse._search_keys('{DEPT}', synapse.task_search_vector('Quarterly report', NULL))
                     @@ synapse._search_keys_query('00000000-0000-4000-8000-000000000002', 'report', false))::text"
        ));
        assert_eq!(other.as_deref(), Some("false"), "another department's keys never match");
        let none = text(&format!("SELECT synapse._search_keys_query('{DEPT}', websearch_to_tsquery('english', '-board'), false)::text"));
        assert_eq!(none, None, "nothing indexable: NULL");
    }

    #[pg_test]
    fn arguments_no_task_has_are_refused() {
        use crate::sql::test_support::sqlstate_of;
        assert_eq!(
            sqlstate_of("SELECT synapse._search_key_array('engineering', '{a}', '{}')").as_deref(),
            Some("22023")
        );
        assert_eq!(
            sqlstate_of(&format!(
                "SELECT synapse._search_key_array('{DEPT}', array_fill('lexeme'::text, ARRAY[1000000]), array_fill('lexeme'::text, ARRAY[1000000]))"
            ))
            .as_deref(),
            Some("54000")
        );
    }

    #[pg_test]
    fn a_word_too_long_for_a_key_does_not_fail_the_insert() {
        let keys = text(&format!(
            "SELECT length(synapse._search_keys('{DEPT}', to_tsvector('simple', repeat('x', 2040))))::text"
        ));
        assert_eq!(keys.as_deref(), Some("0"));
    }
}
