#!/usr/bin/env bash
# Task search and "my tasks" (migration 9), through real connections of a LOGIN role in
# synapse_app acting for seed users: web-search syntax, ranking, the trigram fallback,
# row-level security, query texts that must never raise, soft-deleted tasks, and keyset
# pages of my_tasks that neither skip nor repeat.
source "$(dirname "$0")/lib.sh"
DB=synapse_t31_search
API=t31_api; REPORT=t31_report
rls_db "$DB" "$API" "$REPORT"
q() { psql_db "$DB" -c "$1"; }
uid() { q "SELECT md5('dev:user:$1')::uuid"; }
SOFIA=$(uid sofia); LIAM=$(uid liam); PRIYA=$(uid priya); RAGHU=$(uid raghu)

# as ROLE USER_UUID SQL [END] / state ...: see login_as and login_state in lib.sh.
as() { login_as "$DB" "$@"; }
state() { login_state "$DB" "$@"; }
# found USER QUERY: the task_ids search_tasks returns for USER as $API, in order.
found() { as "$API" "$1" "SELECT coalesce(string_agg(task_id, ',' ORDER BY n), '') FROM synapse.search_tasks(\$q\$$2\$q\$) WITH ORDINALITY s(department_id, id, task_id, title, status, priority, due_date, project_id, is_recurring, rank, snippet, matched_by, n)"; }
# how USER QUERY: "task_id:matched_by" per row.
how() { as "$API" "$1" "SELECT coalesce(string_agg(task_id || ':' || matched_by, ','), '') FROM synapse.search_tasks(\$q\$$2\$q\$)"; }

# Tasks of our own, in Engineering (eng) and Marketing (mkt), written as the migrating role.
q "INSERT INTO synapse.tasks (department_id, task_id, title, description, due_date, creator_id, status, deleted_at)
   SELECT md5('dev:dept:' || d)::uuid, ext, title, descr, now() + due * interval '1 day', md5('dev:user:' || who)::uuid,
          st::synapse.task_status, CASE WHEN gone THEN now() END
     FROM (VALUES
       ('eng', 'S-QR',     'Quarterly report', 'Numbers for the board', 5, 'sofia', 'To Do', false),
       ('eng', 'S-BUDGET', 'Budget review', 'Go through the numbers', 9, 'sofia', 'To Do', false),
       ('eng', 'S-OFFSITE','Plan the offsite', 'Agree the budget with finance', 1, 'sofia', 'To Do', false),
       ('eng', 'S-KUMQ',   'Kumquat pipeline', 'Ingest <script>alert(1)</script> & friends', 2, 'sofia', 'To Do', false),
       ('mkt', 'S-KUMQ-M', 'Kumquat launch', 'Announce the kumquat', 2, 'raghu', 'To Do', false),
       ('eng', 'S-ZEBRA',  'Zebra crossing survey', 'Obsolete', 2, 'sofia', 'To Do', true)
     ) v(d, ext, title, descr, due, who, st, gone)" >/dev/null

# --- syntax --------------------------------------------------------------------------------------------
is "$(found "$SOFIA" 'kumquat pipeline')" S-KUMQ "words are ANDed"
is "$(found "$SOFIA" 'kumquats')" S-KUMQ "English stemming (kumquats finds kumquat)"
is "$(found "$SOFIA" '"kumquat pipeline"')" S-KUMQ "a quoted phrase"
is "$(how "$SOFIA" '"pipeline kumquat"' | grep -c fulltext || true)" 0 "a phrase in the wrong order is no full-text match"
is "$(found "$PRIYA" 'kumquat OR offsite')" "$(found "$PRIYA" 'offsite OR kumquat')" "OR is symmetric"
is "$(found "$PRIYA" 'kumquat OR offsite' | tr ',' '\n' | sort | paste -sd,)" "S-KUMQ,S-KUMQ-M,S-OFFSITE" "OR finds either word"
is "$(found "$PRIYA" 'kumquat -launch')" S-KUMQ "-word excludes"
is "$(how "$SOFIA" 'kumquat')" "S-KUMQ:fulltext" "a full-text match says so"

# --- ranking -------------------------------------------------------------------------------------------
is "$(found "$SOFIA" 'budget')" "S-BUDGET,S-OFFSITE" "a title hit ranks above a description hit (even one due sooner)"
is "$(as "$API" "$SOFIA" "SELECT bool_and(rank > 0) FROM synapse.search_tasks('budget')")" t "ranks are positive"
is "$(as "$API" "$SOFIA" "SELECT snippet FROM synapse.search_tasks('budget') LIMIT 1")" \
   "<b>Budget</b> review — Go through the numbers" "the snippet highlights the query's words"
is "$(as "$API" "$SOFIA" "SELECT snippet FROM synapse.search_tasks('kumquat')")" \
   "<b>Kumquat</b> pipeline — Ingest &lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" \
   "the task's own text is HTML-escaped in the snippet"
is "$(found "$SOFIA" 'budget review' | cut -d, -f1)" S-BUDGET "several words: the title match first"
is "$(as "$API" "$SOFIA" "SELECT count(*) FROM synapse.search_tasks('budget', 1)")" 1 "max_results limits the rows"

# --- typo fallback -------------------------------------------------------------------------------------
is "$(how "$SOFIA" 'quartely reprot' | cut -d, -f1)" "S-QR:trigram" "\"quartely reprot\" finds \"Quarterly report\" by trigram similarity"
is "$(how "$SOFIA" 'kumqat')" "S-KUMQ:trigram" "a one-word typo"
is "$(how "$SOFIA" '"kumqat pipelin" OR zzzz')" "S-KUMQ:trigram" "the fallback ignores quotes and OR"
is "$(found "$SOFIA" 'xylophone zeppelin')" "" "a miss finds nothing"

# --- row-level security --------------------------------------------------------------------------------
is "$(found "$SOFIA" 'kumquat')" S-KUMQ "a member finds her own department's task only"
is "$(found "$RAGHU" 'kumquat')" S-KUMQ-M "the other department's member finds theirs only"
is "$(found "$SOFIA" 'kumqats')" S-KUMQ "the fallback respects row-level security too"
is "$(found "$PRIYA" 'kumquat' | tr ',' '\n' | sort | paste -sd,)" "S-KUMQ,S-KUMQ-M" "an Admin finds both"
is "$(found "" 'kumquat')" "" "nothing without a current user"
is "$(found "" 'quartely reprot')" "" "nor by trigram"
is "$(as "$REPORT" "" "SELECT count(*) FROM synapse.search_tasks('kumquat')")" 2 "synapse_readonly finds everything"
is "$(q "SELECT prosecdef FROM pg_proc WHERE oid = 'synapse.search_tasks(text, integer)'::regprocedure")" f "search_tasks is SECURITY INVOKER"
# The SECURITY DEFINER step gives the keys of the read policy's departments only.
keys() { as "$API" "$1" "SELECT coalesce(string_agg(DISTINCT d.name, ','), '') FROM synapse._search_task_matches_for_user(websearch_to_tsquery('english', 'kumquat'), 'kumquat', NULL, 1000) m JOIN synapse.departments d ON d.id = m.department_id"; }
is "$(keys "$SOFIA")" "Engineering" "the definer step: a member gets her department's keys only"
is "$(keys "")" "" "the definer step: nothing without a user"
is "$(as "$API" "" "SELECT count(*) FROM synapse._search_task_matches(websearch_to_tsquery('english', 'kumquat'), 'kumquat', NULL, 1000, NULL, NULL)")" 0 \
   "the matching step called directly runs as the caller (policies apply)"

# --- soft-deleted tasks ----------------------------------------------------------------------------------
is "$(found "$SOFIA" 'zebra')" "" "a soft-deleted task is not found by full text"
is "$(found "$SOFIA" 'zebra crosing')" "" "nor by trigram"

# --- query texts never raise ------------------------------------------------------------------------------
for text in '' '   ' 'the of and' '"' '"unbalanced phrase' '-' '--' 'OR' 'OR OR' '-kumquat' '!!&&||()' ':*' "'" '\' 'a:b:c' '<>' '€ ünïcødé 漢字'; do
  is "$(state "$API" "$SOFIA" "SELECT count(*) FROM synapse.search_tasks(\$q\$$text\$q\$)")" "" "no error for query text [$text]"
done
is "$(state "$API" "$SOFIA" "SELECT count(*) FROM synapse.search_tasks(NULL)")" "" "no error for NULL"
is "$(as "$API" "$SOFIA" "SELECT count(*) FROM synapse.search_tasks(NULL)")" 0 "NULL finds nothing"
is "$(as "$API" "$SOFIA" "SELECT count(*) FROM synapse.search_tasks('the of and')")" 0 "stop words only find nothing"
is "$(as "$API" "$SOFIA" "SELECT count(*) FROM synapse.search_tasks('-kumquat')")" 0 "only a negation finds nothing (no fallback either)"
is "$(how "$SOFIA" 'kumqat -pipeline')" "" "the fallback leaves out the excluded words"
is "$(state "$API" "$SOFIA" "SELECT count(*) FROM synapse.search_tasks(repeat('kumquat \"OR -x ', 700))")" "" "no error for 10 KB of query"
is "$(state "$API" "$SOFIA" "SELECT count(*) FROM synapse.search_tasks(repeat('w', 10240))")" "" "no error for a 10 KB word"
out=$(printf 'BEGIN;\nSELECT synapse.set_current_user(%s) \\g /dev/null\nSELECT count(*) FROM synapse.search_tasks(%s);\nCOMMIT;\n' "'$SOFIA'" "'the'" |
        psql -X -q -At -d "$DB" -U "$API" 2>&1)
is "$out" 0 "no NOTICE reaches the client for a stop-word query"
for n in 0 -1 1001 NULL; do
  is "$(state "$API" "$SOFIA" "SELECT * FROM synapse.search_tasks('x', $n)")" 22023 "max_results $n is 22023"
done

# --- my_tasks ----------------------------------------------------------------------------------------------
# Sofia's own assignments: ties in due date and priority, no due dates, a done one and a deleted one.
q "INSERT INTO synapse.tasks (department_id, task_id, title, due_date, priority, status, creator_id, deleted_at)
   SELECT md5('dev:dept:eng')::uuid, ext, ext, due, prio::synapse.task_priority, st::synapse.task_status,
          md5('dev:user:sofia')::uuid, CASE WHEN gone THEN now() END
     FROM (VALUES ('M-1', '2030-01-01 09:00+00'::timestamptz, 'High', 'To Do', false),
                  ('M-2', '2030-01-01 09:00+00', 'Urgent', 'In Progress', false),
                  ('M-3', '2030-01-01 09:00+00', 'High', 'Blocked', false),
                  ('M-4', '2030-01-01 09:00+00', 'High', 'To Do', false),
                  ('M-5', NULL, 'Low', 'To Do', false),
                  ('M-6', NULL, 'Urgent', 'To Do', false),
                  ('M-7', NULL, 'Urgent', 'To Do', false),
                  ('M-DONE', '2020-01-01 09:00+00', 'Urgent', 'Done', false),
                  ('M-REVIEW', '2020-01-01 09:00+00', 'Urgent', 'In Review', false),
                  ('M-GONE', '2020-01-01 09:00+00', 'Urgent', 'To Do', true)) v(ext, due, prio, st, gone);
   INSERT INTO synapse.task_assignees (department_id, task_id, user_id)
   SELECT department_id, id, md5('dev:user:sofia')::uuid FROM synapse.tasks WHERE task_id LIKE 'M-%'" >/dev/null

# The reference order, written independently of the function.
reference() { q "SELECT coalesce(string_agg(t.task_id, ',' ORDER BY t.due_date ASC NULLS LAST, t.priority DESC, t.id), '')
                FROM synapse.tasks t JOIN synapse.task_assignees a ON a.department_id = t.department_id AND a.task_id = t.id
               WHERE a.user_id = '$1' AND t.status IN ('To Do', 'In Progress', 'Blocked')
                 AND t.deleted_at IS NULL AND NOT t.is_recurring"; }
expected=$(reference "$SOFIA")
mine() { as "$API" "$1" "SELECT coalesce(string_agg(task_id, ',' ORDER BY n), '') FROM synapse.my_tasks($2) WITH ORDINALITY m(department_id, id, task_id, title, status, priority, due_date, project_id, n)"; }
is "$(mine "$SOFIA" "page_size => 500")" "$expected" "one page: her open tasks by due date, priority (Urgent first), id; no due date last"
echo "$expected" | grep -q 'M-2,.*M-[134],.*M-[67],M-[67],M-5$' && ok "ties: same due date by priority, no due date last" \
  || not_ok "ties: same due date by priority, no due date last" "got: $expected"
case ",$expected," in *M-DONE*|*M-REVIEW*|*M-GONE*|*ENG-STANDUP,*) not_ok "done, in review, deleted and templates are left out" "$expected" ;;
                      *) ok "done, in review, deleted and templates are left out" ;; esac

# Page through two at a time, each page after the last row of the one before.
pages=""; after="NULL, NULL, NULL"; n=0
while :; do
  page=$(as "$API" "$SOFIA" "SELECT task_id, coalesce(quote_literal(due_date), 'NULL'), quote_literal(priority), quote_literal(id) FROM synapse.my_tasks($after, 2)")
  [ -n "$page" ] || break
  n=$((n + 1)); [ $n -le 20 ] || break
  pages="$pages${pages:+,}$(cut -d'|' -f1 <<<"$page" | paste -sd,)"
  last=$(tail -1 <<<"$page")
  after="$(cut -d'|' -f2 <<<"$last")::timestamptz, $(cut -d'|' -f3 <<<"$last"), $(cut -d'|' -f4 <<<"$last")"
done
is "$pages" "$expected" "keyset pages of 2 neither skip nor repeat a task ($n pages)"

is "$(mine "$LIAM" "page_size => 500" | tr ',' '\n' | grep -c '^M-' || true)" 0 "another user does not get her tasks"
is "$(mine "$LIAM" "page_size => 500")" "$(reference "$LIAM")" "he gets his own open ones"
is "$(reference "$LIAM" | tr ',' '\n' | wc -l)" 2 "(he has two)"
is "$(mine "" "")" "" "nothing without a current user"
is "$(as "$REPORT" "" "SELECT count(*) FROM synapse.my_tasks()")" 0 "nor for synapse_readonly without one"
for n in 0 501 NULL; do
  is "$(state "$API" "$SOFIA" "SELECT * FROM synapse.my_tasks(page_size => $n)")" 22023 "page_size $n is 22023"
done
is "$(state "$API" "$SOFIA" "SELECT * FROM synapse.my_tasks(NULL, NULL, gen_random_uuid())")" 22023 "after_id without after_priority is 22023"

# --- the copies behind my_tasks and the typo fallback follow the tasks (migration 10) ---------------------
q "UPDATE synapse.tasks SET due_date = '2029-06-01 09:00+00' WHERE task_id = 'M-5';
   UPDATE synapse.tasks SET status = 'Done' WHERE task_id = 'M-1';
   UPDATE synapse.tasks SET status = 'To Do' WHERE task_id = 'M-DONE';
   UPDATE synapse.tasks SET priority = 'Low' WHERE task_id = 'M-2';
   UPDATE synapse.tasks SET deleted_at = NULL WHERE task_id = 'M-GONE'" >/dev/null
is "$(mine "$SOFIA" "page_size => 500")" "$(reference "$SOFIA")" "after due date, status, priority and undelete changes: the reference list"
is "$(q "SELECT count(*) FROM synapse.task_assignees a JOIN synapse.tasks t ON t.department_id = a.department_id AND t.id = a.task_id
          WHERE (a.task_open, a.task_due_key, a.task_priority)
                IS DISTINCT FROM (synapse._task_is_open(t.status, t.deleted_at, t.is_recurring), coalesce(t.due_date, 'infinity'), t.priority)")" 0 \
   "every assignment's copies equal its task's facts"
is "$(state "$API" "$SOFIA" "UPDATE synapse.task_assignees SET task_open = NOT task_open")" 42501 \
   "an assignment's copies are not the application's to write (migration 14's column privileges) ..."
q "UPDATE synapse.task_assignees SET task_open = NOT task_open" >/dev/null
is "$(q "SELECT count(*) FROM synapse.task_assignees a JOIN synapse.tasks t ON t.department_id = a.department_id AND t.id = a.task_id
          WHERE a.task_open IS DISTINCT FROM synapse._task_is_open(t.status, t.deleted_at, t.is_recurring)")" 0 \
   "... and whoever writes them, they are read from the task again"
is "$(mine "$PRIYA" "page_size => 500")" "$(reference "$PRIYA")" "an Admin's list (every department): the reference list"
q "UPDATE synapse.tasks SET title = 'Persimmon harvest' WHERE task_id = 'S-OFFSITE'" >/dev/null
is "$(how "$SOFIA" 'persimon')" "S-OFFSITE:trigram" "a changed title's words reach the typo fallback"

psql_db postgres -c "DROP DATABASE \"$DB\" WITH (FORCE)"
psql_db postgres -c "DROP ROLE IF EXISTS $API" -c "DROP ROLE IF EXISTS $REPORT"
done_testing
