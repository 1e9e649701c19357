-- requires: synapse_ext >= 0.1.0
-- Migration 3: tasks and what hangs off them (assignees, dependencies, comments).
--
-- All four tables are keyed by department first (see migration 2), so a task, its
-- assignees, dependencies, comments, recurring instances and project stay on one shard.

CREATE TYPE synapse.task_status AS ENUM ('To Do', 'In Progress', 'In Review', 'Blocked', 'Done');
COMMENT ON TYPE synapse.task_status IS
  'Workflow state of a task; an enum so a typo is rejected (22P02) and new states are added deliberately (ALTER TYPE ... ADD VALUE).';

CREATE TYPE synapse.task_priority AS ENUM ('Low', 'Medium', 'High', 'Urgent');
COMMENT ON TYPE synapse.task_priority IS
  'Task priority, ordered Low < Medium < High < Urgent so ORDER BY priority sorts by urgency.';

-- Human-facing ids (TASK-1042) for tasks created without one; generated instances of a
-- recurring template bring their own deterministic id instead.
CREATE SEQUENCE synapse.task_external_id_seq;
COMMENT ON SEQUENCE synapse.task_external_id_seq IS
  'Numbers the default external ids (TASK-n) of tasks.';

CREATE TABLE synapse.tasks (
  department_id              uuid                  NOT NULL,
  id                         uuid                  NOT NULL DEFAULT gen_random_uuid(),
  task_id                    varchar(100)          NOT NULL
                               DEFAULT ('TASK-' || nextval('synapse.task_external_id_seq')),
  title                      varchar(500)          NOT NULL,
  description                text,
  status                     synapse.task_status   NOT NULL DEFAULT 'To Do',
  priority                   synapse.task_priority NOT NULL DEFAULT 'Medium',
  due_date                   timestamptz,
  project_id                 uuid,
  creator_id                 uuid                  NOT NULL,
  metadata                   jsonb                 NOT NULL DEFAULT '{}',
  -- Built by the extension's IMMUTABLE helper (title weight A, description weight B), so
  -- search ranking is defined in one place and the column can be STORED. The helper takes
  -- a NULL description, so a task without one is still found by its title.
  search_vector              tsvector
                               GENERATED ALWAYS AS (synapse.task_search_vector(title, description)) STORED,
  completed_at               timestamptz,

  -- Recurrence. A template has is_recurring and a pattern; an instance points at its
  -- template (recurrence_parent_id) and at the occurrence it stands for (occurrence_at).
  is_recurring               boolean               NOT NULL DEFAULT false,
  recurrence_pattern         jsonb,
  recurrence_parent_id       uuid,
  -- The series start (dtstart); never moves, so interval phase and count stay right.
  -- Defaults to the first next_occurrence (trigger below).
  recurrence_start           timestamptz,
  next_occurrence            timestamptz,
  skip_dates                 date[]                NOT NULL DEFAULT '{}',
  recurrence_end_date        timestamptz,
  recurrence_count           integer,
  recurrence_generated_count integer               NOT NULL DEFAULT 0,
  occurrence_at              timestamptz,
  -- The generator records its last failure on the template and carries on with others.
  recurrence_last_error      text,
  recurrence_last_error_at   timestamptz,

  created_at                 timestamptz           NOT NULL DEFAULT now(),
  updated_at                 timestamptz           NOT NULL DEFAULT now(),
  deleted_at                 timestamptz,

  CONSTRAINT tasks_pkey PRIMARY KEY (department_id, id),
  CONSTRAINT tasks_task_id_key UNIQUE (department_id, task_id),
  -- Exactly once: one instance per template and occurrence. Also the index behind the
  -- recurrence_parent_id foreign key.
  CONSTRAINT tasks_recurrence_occurrence_key UNIQUE (department_id, recurrence_parent_id, occurrence_at),
  CONSTRAINT tasks_department_id_fkey FOREIGN KEY (department_id) REFERENCES synapse.departments (id),
  -- Projects are archived, not deleted; deleting one that still has tasks is refused.
  CONSTRAINT tasks_project_fkey FOREIGN KEY (department_id, project_id)
    REFERENCES synapse.projects (department_id, id),
  CONSTRAINT tasks_creator_id_fkey FOREIGN KEY (creator_id) REFERENCES synapse.users (id),
  -- Tasks are soft-deleted; hard-deleting a template that still has instances is refused.
  CONSTRAINT tasks_recurrence_parent_fkey FOREIGN KEY (department_id, recurrence_parent_id)
    REFERENCES synapse.tasks (department_id, id),

  CONSTRAINT tasks_task_id_not_blank CHECK (btrim(task_id) <> ''),
  CONSTRAINT tasks_title_not_blank CHECK (btrim(title) <> ''),
  CONSTRAINT tasks_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object'),
  CONSTRAINT tasks_recurrence_pattern_valid
    CHECK (recurrence_pattern IS NULL OR synapse.is_valid_recurrence_pattern(recurrence_pattern)),
  CONSTRAINT tasks_template_has_pattern
    CHECK (NOT is_recurring OR (recurrence_pattern IS NOT NULL AND recurrence_start IS NOT NULL)),
  CONSTRAINT tasks_instance_not_template
    CHECK (recurrence_parent_id IS NULL OR NOT is_recurring),
  CONSTRAINT tasks_instance_has_occurrence
    CHECK ((recurrence_parent_id IS NULL) = (occurrence_at IS NULL)),
  CONSTRAINT tasks_not_own_parent CHECK (recurrence_parent_id <> id),
  CONSTRAINT tasks_recurrence_count_check CHECK (recurrence_count IS NULL OR recurrence_count > 0),
  CONSTRAINT tasks_recurrence_generated_count_check CHECK (recurrence_generated_count >= 0),
  CONSTRAINT tasks_recurrence_end_check
    CHECK (recurrence_end_date IS NULL OR recurrence_start IS NULL OR recurrence_end_date >= recurrence_start)
);
COMMENT ON TABLE synapse.tasks IS
  'Tasks, recurring templates (is_recurring) and their generated instances (recurrence_parent_id, occurrence_at); soft-deleted via deleted_at.';

-- Foreign keys: department_id is the primary key's leading column; the parent key is
-- covered by tasks_recurrence_occurrence_key.
CREATE INDEX tasks_project_idx ON synapse.tasks (department_id, project_id);
CREATE INDEX tasks_creator_id_idx ON synapse.tasks (creator_id);

-- Common list views.
CREATE INDEX tasks_department_status_idx ON synapse.tasks (department_id, status)
  WHERE deleted_at IS NULL;
CREATE INDEX tasks_due_date_idx ON synapse.tasks (due_date) WHERE deleted_at IS NULL;
-- "My tasks": open work ordered by due date and priority.
CREATE INDEX tasks_active_due_idx ON synapse.tasks (due_date, priority)
  WHERE status IN ('To Do', 'In Progress', 'Blocked') AND deleted_at IS NULL;
-- "Urgent overdue": the design's predicate had due_date < NOW(), which an index predicate
-- cannot contain (it must be immutable). The index holds all open urgent tasks ordered by
-- due date; the query adds "AND due_date < now()" as a range condition.
CREATE INDEX tasks_urgent_open_idx ON synapse.tasks (department_id, due_date)
  WHERE priority = 'Urgent' AND status <> 'Done' AND deleted_at IS NULL;
-- Templates due for generation.
CREATE INDEX tasks_recurring_due_idx ON synapse.tasks (next_occurrence)
  WHERE is_recurring AND next_occurrence IS NOT NULL AND deleted_at IS NULL;
-- Templates whose last generation attempt failed (for the monitoring view).
CREATE INDEX tasks_recurrence_failed_idx ON synapse.tasks (department_id, recurrence_last_error_at)
  WHERE recurrence_last_error IS NOT NULL;

-- Search: containment on metadata (jsonb_path_ops: smaller and faster for @>), full text,
-- and substring/similarity on titles.
CREATE INDEX tasks_metadata_idx ON synapse.tasks USING gin (metadata jsonb_path_ops);
CREATE INDEX tasks_search_vector_idx ON synapse.tasks USING gin (search_vector);
CREATE INDEX tasks_title_trgm_idx ON synapse.tasks USING gin (title public.gin_trgm_ops);

CREATE TRIGGER tasks_set_updated_at BEFORE UPDATE ON synapse.tasks
  FOR EACH ROW EXECUTE FUNCTION synapse._set_updated_at();

CREATE FUNCTION synapse._tasks_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- completed_at follows status, so "completed when" needs no client cooperation (the
  -- completion anchor of recurring series computes from it).
  IF NEW.status = 'Done' THEN
    NEW.completed_at := coalesce(NEW.completed_at, pg_catalog.now());
  ELSE
    NEW.completed_at := NULL;
  END IF;
  -- A template's series starts at its first occurrence unless told otherwise.
  IF NEW.is_recurring AND NEW.recurrence_start IS NULL THEN
    NEW.recurrence_start := NEW.next_occurrence;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION synapse._tasks_before_write() IS
  'BEFORE INSERT/UPDATE trigger on tasks: keeps completed_at in step with status and defaults recurrence_start to the first next_occurrence.';

CREATE TRIGGER tasks_before_write BEFORE INSERT OR UPDATE ON synapse.tasks
  FOR EACH ROW EXECUTE FUNCTION synapse._tasks_before_write();

-- The design's counter trigger ignored a task moving between projects and counted
-- recurring templates. Here a row counts when it has a project, is not a template and is
-- not soft-deleted; every change subtracts the old row's contribution and adds the new
-- one's. The counters live in the task's own department, so the update stays shard-local.
-- SECURITY DEFINER: a member may change a task without having write access to the project.
CREATE FUNCTION synapse._tasks_maintain_project_counts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  old_counted boolean := false;
  new_counted boolean := false;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    old_counted := OLD.project_id IS NOT NULL AND NOT OLD.is_recurring AND OLD.deleted_at IS NULL;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    new_counted := NEW.project_id IS NOT NULL AND NOT NEW.is_recurring AND NEW.deleted_at IS NULL;
  END IF;

  IF old_counted AND new_counted
     AND OLD.department_id = NEW.department_id AND OLD.project_id = NEW.project_id THEN
    IF (OLD.status = 'Done') IS DISTINCT FROM (NEW.status = 'Done') THEN
      UPDATE synapse.projects
         SET completed_task_count = completed_task_count + CASE WHEN NEW.status = 'Done' THEN 1 ELSE -1 END
       WHERE department_id = NEW.department_id AND id = NEW.project_id;
    END IF;
    RETURN NULL;
  END IF;

  IF old_counted THEN
    UPDATE synapse.projects
       SET task_count = task_count - 1,
           completed_task_count = completed_task_count - CASE WHEN OLD.status = 'Done' THEN 1 ELSE 0 END
     WHERE department_id = OLD.department_id AND id = OLD.project_id;
  END IF;
  IF new_counted THEN
    UPDATE synapse.projects
       SET task_count = task_count + 1,
           completed_task_count = completed_task_count + CASE WHEN NEW.status = 'Done' THEN 1 ELSE 0 END
     WHERE department_id = NEW.department_id AND id = NEW.project_id;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION synapse._tasks_maintain_project_counts() IS
  'AFTER trigger on tasks: keeps projects.task_count/completed_task_count exact across inserts, moves between projects, status changes, soft deletes and deletes; templates are not counted.';

CREATE TRIGGER tasks_maintain_project_counts
  AFTER INSERT OR DELETE OR UPDATE OF department_id, project_id, status, is_recurring, deleted_at
  ON synapse.tasks
  FOR EACH ROW EXECUTE FUNCTION synapse._tasks_maintain_project_counts();

CREATE TABLE synapse.task_assignees (
  department_id uuid        NOT NULL,
  task_id       uuid        NOT NULL,
  user_id       uuid        NOT NULL,
  assigned_at   timestamptz NOT NULL DEFAULT now(),
  assigned_by   uuid,
  CONSTRAINT task_assignees_pkey PRIMARY KEY (department_id, task_id, user_id),
  CONSTRAINT task_assignees_task_fkey FOREIGN KEY (department_id, task_id)
    REFERENCES synapse.tasks (department_id, id) ON DELETE CASCADE,
  CONSTRAINT task_assignees_user_id_fkey FOREIGN KEY (user_id) REFERENCES synapse.users (id),
  CONSTRAINT task_assignees_assigned_by_fkey FOREIGN KEY (assigned_by) REFERENCES synapse.users (id)
);
COMMENT ON TABLE synapse.task_assignees IS
  'Who works on a task, with when and by whom they were assigned (a junction table rather than a uuid[] so it can be joined, audited and indexed).';

CREATE INDEX task_assignees_user_id_idx ON synapse.task_assignees (user_id);
CREATE INDEX task_assignees_assigned_by_idx ON synapse.task_assignees (assigned_by);

CREATE TABLE synapse.task_dependencies (
  department_id      uuid        NOT NULL,
  task_id            uuid        NOT NULL,
  depends_on_task_id uuid        NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  created_by         uuid,
  CONSTRAINT task_dependencies_pkey PRIMARY KEY (department_id, task_id, depends_on_task_id),
  CONSTRAINT task_dependencies_task_fkey FOREIGN KEY (department_id, task_id)
    REFERENCES synapse.tasks (department_id, id) ON DELETE CASCADE,
  CONSTRAINT task_dependencies_depends_on_fkey FOREIGN KEY (department_id, depends_on_task_id)
    REFERENCES synapse.tasks (department_id, id) ON DELETE CASCADE,
  CONSTRAINT task_dependencies_created_by_fkey FOREIGN KEY (created_by) REFERENCES synapse.users (id),
  CONSTRAINT task_dependencies_no_self_edge CHECK (task_id <> depends_on_task_id)
);
COMMENT ON TABLE synapse.task_dependencies IS
  'task_id cannot be finished before depends_on_task_id; both tasks are in the same department (the shard key).';

CREATE INDEX task_dependencies_depends_on_idx ON synapse.task_dependencies (department_id, depends_on_task_id);
CREATE INDEX task_dependencies_created_by_idx ON synapse.task_dependencies (created_by);

CREATE TABLE synapse.comments (
  department_id uuid        NOT NULL,
  id            uuid        NOT NULL DEFAULT gen_random_uuid(),
  task_id       uuid        NOT NULL,
  user_id       uuid        NOT NULL,
  content       text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz,
  CONSTRAINT comments_pkey PRIMARY KEY (department_id, id),
  CONSTRAINT comments_task_fkey FOREIGN KEY (department_id, task_id)
    REFERENCES synapse.tasks (department_id, id) ON DELETE CASCADE,
  CONSTRAINT comments_user_id_fkey FOREIGN KEY (user_id) REFERENCES synapse.users (id),
  CONSTRAINT comments_content_not_blank CHECK (btrim(content) <> '')
);
COMMENT ON TABLE synapse.comments IS
  'Discussion on a task; soft-deleted via deleted_at so threads keep their shape.';

-- The full index serves the foreign key (a cascading delete must find deleted comments
-- too); the partial one serves the usual "live comments of a task, newest first".
CREATE INDEX comments_task_idx ON synapse.comments (department_id, task_id);
CREATE INDEX comments_active_idx ON synapse.comments (department_id, task_id, created_at DESC)
  WHERE deleted_at IS NULL;
CREATE INDEX comments_user_id_idx ON synapse.comments (user_id);

CREATE TRIGGER comments_set_updated_at BEFORE UPDATE ON synapse.comments
  FOR EACH ROW EXECUTE FUNCTION synapse._set_updated_at();
