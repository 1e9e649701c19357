-- The weighted search document of a task: title words rank above description words.
-- IMMUTABLE (to_tsvector with an explicit configuration is), so it can back the stored
-- generated column tasks.search_vector and expression indexes; not STRICT, so a task
-- without a description still gets its title indexed. A SQL body keeps it inlinable.
CREATE FUNCTION task_search_vector(title text, description text)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN setweight(to_tsvector('pg_catalog.english'::regconfig, coalesce(title, '')), 'A')
    || setweight(to_tsvector('pg_catalog.english'::regconfig, coalesce(description, '')), 'B');

-- The department-prefixed index keys of a search vector (migration 10's
-- tasks_search_keys_idx; the strings are made by _search_key_array, src/search.rs). One
-- expression over immutable functions, so the planner inlines it and an index insert costs
-- one call of each.
CREATE FUNCTION _search_keys(department_id uuid, search_vector tsvector)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN array_to_tsvector(_search_key_array(department_id::text, tsvector_to_array(search_vector),
                                           tsvector_to_array(ts_filter(search_vector, '{a}'))));

-- The index query for a search query within one department: its indexable part
-- (querytree: negations left out), phrases relaxed to AND (the keys keep no positions),
-- every lexeme prefixed like the keys (title keys or all). It finds a superset of the
-- query's matches; the caller tests the query itself on each. NULL when nothing of the
-- query is indexable. Lexemes appear in tsquery text as '…' with ' and \ doubled.
CREATE FUNCTION _search_keys_query(department_id uuid, query tsquery, title_only boolean)
RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
  SELECT string_agg(
           CASE WHEN m[1] IS NOT NULL
                  THEN '''' || department_id::text || CASE WHEN title_only THEN '!' ELSE ':' END || substr(m[1], 2)
                WHEN m[2] IS NOT NULL THEN ' & '
                ELSE m[3] END, '' ORDER BY n)::tsquery
    FROM regexp_matches(querytree(query), '(''(?:[^''\\]|''''|\\.)*'')|(<(?:-|[0-9]+)>)|([^''<]+|<)', 'g')
         WITH ORDINALITY AS r(m, n)
   WHERE querytree(query) NOT IN ('', 'T'));
