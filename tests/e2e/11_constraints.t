#!/usr/bin/env bash
# Constraints: each rejects a bad row with the expected SQLSTATE (checks 23514, foreign
# keys 23503, unique keys 23505, not null 23502, enums 22P02, the users hard-delete
# refusal 23001, the recurrence pattern CHECK through synapse_ext), plus the triggers
# that keep derived columns right (updated_at, completed_at, project counters, search).
source "$(dirname "$0")/lib.sh"
DB=synapse_t11_constraints
fresh_db "$DB"
"$ROOT/scripts/migrate.sh" --db "$DB" up 2>/dev/null
q() { psql_db "$DB" -c "$1"; }
st() { sqlstate_of "$DB" "$1"; }

# A small fixture, as the superuser (row-level security does not apply).
psql_db "$DB" >/dev/null <<'SQL'
INSERT INTO synapse.departments (id, name) VALUES
  ('d0000000-0000-4000-8000-000000000001', 'Engineering'),
  ('d0000000-0000-4000-8000-000000000002', 'Marketing');
INSERT INTO synapse.users (id, email, name, role, department_id, auth_provider, auth_provider_id) VALUES
  ('a0000000-0000-4000-8000-000000000001', 'ann@example.com', 'Ann', 'Manager', 'd0000000-0000-4000-8000-000000000001', 'keycloak', 'kc-ann'),
  ('a0000000-0000-4000-8000-000000000002', 'bob@example.com', 'Bob', 'Member',  'd0000000-0000-4000-8000-000000000002', 'local', NULL);
INSERT INTO synapse.projects (department_id, id, name, owner_id) VALUES
  ('d0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'P1', 'a0000000-0000-4000-8000-000000000001'),
  ('d0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002', 'P2', 'a0000000-0000-4000-8000-000000000001'),
  ('d0000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000003', 'M1', 'a0000000-0000-4000-8000-000000000002');
INSERT INTO synapse.tasks (department_id, id, task_id, title, description, creator_id, project_id) VALUES
  ('d0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'T-1', 'Write pagination design', 'cursor based', 'a0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001'),
  ('d0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000002', 'T-2', 'Second', NULL, 'a0000000-0000-4000-8000-000000000001', NULL),
  ('d0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000003', 'T-1', 'Same external id, other department', NULL, 'a0000000-0000-4000-8000-000000000002', NULL);
INSERT INTO synapse.tasks (department_id, id, task_id, title, creator_id, is_recurring, recurrence_pattern, next_occurrence) VALUES
  ('d0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000009', 'TPL-1', 'Stand-up', 'a0000000-0000-4000-8000-000000000001',
   true, '{"frequency":"weekly","daysOfWeek":[1,2,3,4,5]}', '2025-01-06 09:00+00');
INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, recurrence_parent_id, occurrence_at) VALUES
  ('d0000000-0000-4000-8000-000000000001', 'TPL-1-20250106', 'Stand-up', 'a0000000-0000-4000-8000-000000000001',
   'c0000000-0000-4000-8000-000000000009', '2025-01-06 09:00+00');
INSERT INTO synapse.email_integrations (integration_id, user_id, provider, email) VALUES
  ('e0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', 'outlook', 'ann@example.com');
SQL
ok "fixture loads"

D1="'d0000000-0000-4000-8000-000000000001'"; D2="'d0000000-0000-4000-8000-000000000002'"
ANN="'a0000000-0000-4000-8000-000000000001'"; BOB="'a0000000-0000-4000-8000-000000000002'"
T1="'c0000000-0000-4000-8000-000000000001'"; T2="'c0000000-0000-4000-8000-000000000002'"
T3="'c0000000-0000-4000-8000-000000000003'"; TPL="'c0000000-0000-4000-8000-000000000009'"
NEWTASK="INSERT INTO synapse.tasks (department_id, title, creator_id"

# --- 23514 check ------------------------------------------------------------------------
is "$(st "$NEWTASK) VALUES ($D1, '   ', $ANN)")" 23514 "blank title"
is "$(st "$NEWTASK, metadata) VALUES ($D1, 'x', $ANN, '[1]')")" 23514 "metadata must be an object"
is "$(st "$NEWTASK, is_recurring) VALUES ($D1, 'x', $ANN, true)")" 23514 "a template needs a pattern"
is "$(st "$NEWTASK, is_recurring, recurrence_pattern, next_occurrence, recurrence_parent_id, occurrence_at) VALUES ($D1, 'x', $ANN, true, '{\"frequency\":\"daily\"}', now(), $TPL, now())")" 23514 \
   "an instance is not itself a template"
is "$(st "$NEWTASK, recurrence_parent_id) VALUES ($D1, 'x', $ANN, $TPL)")" 23514 "an instance names its occurrence"
is "$(st "$NEWTASK, is_recurring, recurrence_pattern, next_occurrence, recurrence_count) VALUES ($D1, 'x', $ANN, true, '{\"frequency\":\"daily\"}', now(), 0)")" 23514 \
   "recurrence_count must be positive"
is "$(st "UPDATE synapse.tasks SET recurrence_generated_count = -1 WHERE id = $TPL")" 23514 "generated count is non-negative"
is "$(st "UPDATE synapse.tasks SET recurrence_parent_id = id, occurrence_at = now() WHERE id = $T2")" 23514 "a task is not its own parent"
is "$(st "INSERT INTO synapse.task_dependencies (department_id, task_id, depends_on_task_id) VALUES ($D1, $T1, $T1)")" 23514 \
   "no self-dependency"
is "$(st "INSERT INTO synapse.users (email, name, auth_provider, auth_provider_id, department_id) VALUES ('x@example.com', 'X', 'github', 'g1', $D1)")" 23514 \
   "unknown auth provider"
is "$(st "INSERT INTO synapse.users (email, name, auth_provider, department_id) VALUES ('x@example.com', 'X', 'keycloak', $D1)")" 23514 \
   "an external account needs its provider id"
is "$(st "INSERT INTO synapse.users (email, name, role) VALUES ('x@example.com', 'X', 'Member')")" 23514 "a non-admin needs a department"
is "$(st "INSERT INTO synapse.users (email, name, department_id) VALUES ('not-an-email', 'X', $D1)")" 23514 "email format"
is "$(st "UPDATE synapse.projects SET completed_task_count = task_count + 1 WHERE name = 'P1'")" 23514 "completed never exceeds total"
is "$(st "INSERT INTO synapse.auth_sessions (user_id, refresh_token_hash, expires_at) VALUES ($ANN, '\\x00ff', now() + interval '1 day')")" 23514 \
   "refresh tokens are stored as 32-byte hashes only"
is "$(st "INSERT INTO synapse.auth_sessions (user_id, refresh_token_hash, expires_at) VALUES ($ANN, sha256('t'), now() - interval '1 day')")" 23514 \
   "a session expires after it starts"
is "$(st "UPDATE synapse.email_integrations SET sync_frequency_minutes = 0")" 23514 "sync frequency 1..60"
is "$(st "UPDATE synapse.email_integrations SET access_token_encrypted = '\\x0102'")" 23514 "encrypted tokens name their key id"
is "$(st "INSERT INTO synapse.email_processing_log (integration_id, message_id, processing_status) VALUES ('e0000000-0000-4000-8000-000000000001', 'm1', 'done')")" 23514 \
   "processing status from the list"

# --- the recurrence pattern CHECK, through synapse_ext ----------------------------------------
tpl() { echo "$NEWTASK, is_recurring, recurrence_pattern, next_occurrence) VALUES ($D1, 'x', $ANN, true, '$1', now())"; }
for p in '{"frequency":"hourly"}' '{"frequency":"weekly","daysOfWeek":[8]}' '{"frequency":"daily","intervall":2}' \
         '{"frequency":"monthly","dayOfMonth":0}' '{"frequency":"weekly","nthWeekdays":[{"day":5,"nth":-1}]}' '[]'; do
  out=$(psql -X -q -v VERBOSITY=verbose -d "$DB" -c "$(tpl "$p")" 2>&1 || true)
  if grep -q '23514' <<<"$out" && grep -q 'tasks_recurrence_pattern_valid' <<<"$out"; then
    ok "invalid pattern $p rejected by tasks_recurrence_pattern_valid"
  else
    not_ok "invalid pattern $p rejected by tasks_recurrence_pattern_valid" "$out"
  fi
done
for p in '{"frequency":"weekly","daysOfWeek":[1,2,3,4,5]}' '{"frequency":"monthly","nthWeekdays":[{"day":5,"nth":-1}]}' \
         '{"frequency":"monthly","dayOfMonth":31,"monthDayOverflow":"clamp"}'; do
  is "$(st "BEGIN; $(tpl "$p"); ROLLBACK")" "" "valid pattern $p accepted"
done

# --- 23503 foreign key ---------------------------------------------------------------------
is "$(st "$NEWTASK) VALUES ($D1, 'x', 'a0000000-0000-4000-8000-0000000000ff')")" 23503 "unknown creator"
is "$(st "$NEWTASK, project_id) VALUES ($D1, 'x', $ANN, 'b0000000-0000-4000-8000-000000000003')")" 23503 \
   "a project of another department"
is "$(st "INSERT INTO synapse.task_assignees (department_id, task_id, user_id) VALUES ($D1, $T3, $ANN)")" 23503 \
   "assigning a task of another department"
is "$(st "INSERT INTO synapse.task_dependencies (department_id, task_id, depends_on_task_id) VALUES ($D1, $T1, $T3)")" 23503 \
   "a dependency across departments"
is "$(st "INSERT INTO synapse.comments (department_id, task_id, user_id, content) VALUES ($D2, $T1, $BOB, 'hi')")" 23503 \
   "a comment filed under the wrong department"
is "$(st "$NEWTASK) VALUES ('d0000000-0000-4000-8000-0000000000ff', 'x', $ANN)")" 23503 "unknown department"
is "$(st "DELETE FROM synapse.tasks WHERE id = $TPL")" 23503 "a template with instances cannot be hard-deleted"
is "$(st "DELETE FROM synapse.projects WHERE name = 'P1'")" 23503 "a project with tasks cannot be deleted"

# --- 23505 unique ---------------------------------------------------------------------------
is "$(st "$NEWTASK, task_id) VALUES ($D1, 'x', $ANN, 'T-1')")" 23505 "external id unique within a department"
is "$(st "INSERT INTO synapse.users (email, name, department_id) VALUES ('ANN@example.com', 'Other Ann', $D1)")" 23505 \
   "email unique case-insensitively among live users"
is "$(st "BEGIN; UPDATE synapse.users SET deleted_at = now() WHERE id = $BOB; INSERT INTO synapse.users (email, name, department_id) VALUES ('bob@example.com', 'New Bob', $D2); ROLLBACK")" "" \
   "a soft-deleted user's email can be reused"
is "$(st "INSERT INTO synapse.users (email, name, department_id, auth_provider, auth_provider_id) VALUES ('z@example.com', 'Z', $D1, 'keycloak', 'kc-ann')")" 23505 \
   "provider id unique per provider"
is "$(st "$NEWTASK, task_id, recurrence_parent_id, occurrence_at) VALUES ($D1, 'again', $ANN, 'TPL-1-dup', $TPL, '2025-01-06 09:00+00')")" 23505 \
   "one instance per template and occurrence"
is "$(st "INSERT INTO synapse.auth_sessions (user_id, refresh_token_hash, expires_at) SELECT $ANN, sha256('same'), now() + interval '1 day' FROM generate_series(1, 2)")" 23505 \
   "refresh token hashes are unique"
is "$(st "INSERT INTO synapse.email_processing_log (integration_id, message_id, processing_status) SELECT 'e0000000-0000-4000-8000-000000000001', '<a@b>', 'success' FROM generate_series(1, 2)")" 23505 \
   "an email message is processed once per integration"
is "$(st "INSERT INTO synapse.email_integrations (user_id, provider, email) VALUES ($ANN, 'outlook', 'ann2@example.com')")" 23505 \
   "one integration per user and provider"
is "$(st "INSERT INTO synapse.task_assignees (department_id, task_id, user_id) SELECT $D1, $T1, $ANN FROM generate_series(1, 2)")" 23505 \
   "a user is assigned to a task once"

# --- 23502 not null, 22P02 enums -------------------------------------------------------------
is "$(st "$NEWTASK) VALUES ($D1, NULL, $ANN)")" 23502 "title is required"
is "$(st "$NEWTASK) VALUES (NULL, 'x', $ANN)")" 23502 "department is required"
is "$(st "INSERT INTO synapse.comments (department_id, task_id, user_id) VALUES ($D1, $T1, $ANN)")" 23502 "comment content is required"
is "$(st "UPDATE synapse.tasks SET status = 'Finished' WHERE id = $T1")" 22P02 "unknown status"
is "$(st "UPDATE synapse.tasks SET priority = 'Critical' WHERE id = $T1")" 22P02 "unknown priority"
is "$(st "UPDATE synapse.users SET role = 'Owner' WHERE id = $ANN")" 22P02 "unknown user role"

# --- users are never hard-deleted ---------------------------------------------------------------
out=$(psql -X -q -v VERBOSITY=verbose -d "$DB" -c "DELETE FROM synapse.users WHERE id = $BOB" 2>&1 || true)
grep -q '23001' <<<"$out" && ok "DELETE on users raises 23001" || not_ok "DELETE on users raises 23001" "$out"
grep -q 'soft-delete' <<<"$out" && ok "with a message pointing to the soft delete" || not_ok "with a message pointing to the soft delete" "$out"
is "$(q "SELECT count(*) FROM synapse.users WHERE id = $BOB")" 1 "the user is still there"
is "$(st "BEGIN; UPDATE synapse.users SET deleted_at = now() WHERE id = $BOB; ROLLBACK")" "" "soft delete works"

# --- triggers ----------------------------------------------------------------------------------
q "UPDATE synapse.tasks SET updated_at = '2020-01-01' WHERE id = $T2" >/dev/null
is "$(q "SELECT updated_at > '2020-01-02' FROM synapse.tasks WHERE id = $T2")" t "updated_at is set by the trigger, whatever the client sends"
is "$(q "SELECT completed_at IS NULL FROM synapse.tasks WHERE id = $T1")" t "an open task has no completed_at"
q "UPDATE synapse.tasks SET status = 'Done' WHERE id = $T1" >/dev/null
is "$(q "SELECT completed_at IS NOT NULL FROM synapse.tasks WHERE id = $T1")" t "completed_at is set when a task is done"
is "$(q "SELECT task_count || '/' || completed_task_count FROM synapse.projects WHERE name = 'P1'")" 1/1 "project counts a done task"
q "UPDATE synapse.tasks SET project_id = 'b0000000-0000-4000-8000-000000000002' WHERE id = $T1" >/dev/null
is "$(q "SELECT string_agg(name || '=' || task_count || '/' || completed_task_count, ',' ORDER BY name) FROM synapse.projects WHERE department_id = $D1")" \
   "P1=0/0,P2=1/1" "moving a task moves its counts"
q "UPDATE synapse.tasks SET status = 'In Progress' WHERE id = $T1" >/dev/null
is "$(q "SELECT (SELECT task_count || '/' || completed_task_count FROM synapse.projects WHERE name = 'P2') || ' ' || (SELECT completed_at IS NULL FROM synapse.tasks WHERE id = $T1)")" \
   "1/0 true" "reopening decrements the completed count and clears completed_at"
q "UPDATE synapse.tasks SET deleted_at = now() WHERE id = $T1" >/dev/null
is "$(q "SELECT task_count FROM synapse.projects WHERE name = 'P2'")" 0 "a soft-deleted task is not counted"
q "UPDATE synapse.tasks SET project_id = 'b0000000-0000-4000-8000-000000000002' WHERE id = $TPL" >/dev/null
is "$(q "SELECT task_count FROM synapse.projects WHERE name = 'P2'")" 0 "a recurring template is not counted"
is "$(q "SELECT recurrence_start = '2025-01-06 09:00+00' FROM synapse.tasks WHERE id = $TPL")" t \
   "recurrence_start defaults to the first next_occurrence"
is "$(q "SELECT count(*) FROM synapse.tasks WHERE search_vector @@ plainto_tsquery('english', 'pagination')")" 1 \
   "search_vector is generated from title and description"
is "$(q "SELECT count(*) FROM synapse.tasks WHERE title ILIKE '%agina%'")" 1 "trigram-indexed substring search works"

psql_db postgres -c "DROP DATABASE \"$DB\" WITH (FORCE)"
done_testing
