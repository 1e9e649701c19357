-- The weighted search document of a task: title words rank above description words.
-- IMMUTABLE (to_tsvector with an explicit configuration is), so it can back the stored
-- generated column tasks.search_vector and expression indexes; not STRICT, so a task
-- without a description still gets its title indexed. A SQL body keeps it inlinable.
CREATE FUNCTION task_search_vector(title text, description text)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN setweight(to_tsvector('pg_catalog.english'::regconfig, coalesce(title, '')), 'A')
    || setweight(to_tsvector('pg_catalog.english'::regconfig, coalesce(description, '')), 'B');
