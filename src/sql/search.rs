//! Full-text search helpers. `task_search_vector` is plain SQL (sql/search.sql): an
//! inlinable immutable expression over to_tsvector, which a generated column can use.

pgrx::extension_sql_file!("../../sql/search.sql", name = "search");
