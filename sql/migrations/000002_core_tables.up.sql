-- requires: synapse_ext >= 0.1.0
-- Migration 2: departments, users and projects.
--
-- Distribution model (Citus-ready, tenant = department): departments and users are small
-- shared tables (future reference tables); projects and everything task-related carry
-- department_id NOT NULL, in the primary key and in every unique key, and reference each
-- other with composite (department_id, ...) foreign keys, so each tenant's rows can live
-- on one shard.

CREATE TYPE synapse.user_role AS ENUM ('Admin', 'Manager', 'Member');
COMMENT ON TYPE synapse.user_role IS
  'What a user may do: Admin everything everywhere, Manager everything in their department, Member their own and assigned work.';

-- Shared trigger function: keeps updated_at honest whatever the client sends.
CREATE FUNCTION synapse._set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := pg_catalog.now();
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION synapse._set_updated_at() IS
  'BEFORE UPDATE trigger: sets updated_at to the transaction time, so no client can forget or forge it.';

CREATE TABLE synapse.departments (
  id          uuid         NOT NULL DEFAULT gen_random_uuid(),
  name        varchar(100) NOT NULL,
  description text,
  created_at  timestamptz  NOT NULL DEFAULT now(),
  updated_at  timestamptz  NOT NULL DEFAULT now(),
  CONSTRAINT departments_pkey PRIMARY KEY (id),
  CONSTRAINT departments_name_key UNIQUE (name),
  CONSTRAINT departments_name_not_blank CHECK (btrim(name) <> '')
);
COMMENT ON TABLE synapse.departments IS
  'Organisational units; the tenant key of every task-related table (a future Citus reference table).';

CREATE TRIGGER departments_set_updated_at BEFORE UPDATE ON synapse.departments
  FOR EACH ROW EXECUTE FUNCTION synapse._set_updated_at();

CREATE TABLE synapse.users (
  id               uuid              NOT NULL DEFAULT gen_random_uuid(),
  email            varchar(255)      NOT NULL,
  name             varchar(255)      NOT NULL,
  -- NULL for users who only sign in through an external provider.
  password_hash    text,
  role             synapse.user_role NOT NULL DEFAULT 'Member',
  department_id    uuid,
  avatar_url       text,
  auth_provider    varchar(50)       NOT NULL DEFAULT 'local',
  auth_provider_id varchar(255),
  last_login_at    timestamptz,
  created_at       timestamptz       NOT NULL DEFAULT now(),
  updated_at       timestamptz       NOT NULL DEFAULT now(),
  deleted_at       timestamptz,
  CONSTRAINT users_pkey PRIMARY KEY (id),
  CONSTRAINT users_department_id_fkey FOREIGN KEY (department_id)
    REFERENCES synapse.departments (id),
  CONSTRAINT users_email_format CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
  CONSTRAINT users_name_not_blank CHECK (btrim(name) <> ''),
  CONSTRAINT users_auth_provider_check CHECK (auth_provider IN ('local', 'keycloak', 'zoho')),
  -- An external account is identified by its provider's id; a local one has none.
  CONSTRAINT users_auth_provider_id_check
    CHECK ((auth_provider = 'local') = (auth_provider_id IS NULL)),
  -- Provider ids are only unique within one provider.
  CONSTRAINT users_auth_provider_id_key UNIQUE (auth_provider, auth_provider_id),
  -- Row-level security scopes everyone but an Admin to a department.
  CONSTRAINT users_department_required CHECK (role = 'Admin' OR department_id IS NOT NULL)
);
COMMENT ON TABLE synapse.users IS
  'People who use Synapse. Never hard-deleted (a DELETE raises 23001): set deleted_at instead, so history keeps its authors.';

-- One live account per address, case-insensitively; a soft-deleted one frees it.
CREATE UNIQUE INDEX users_email_active_key ON synapse.users (lower(email)) WHERE deleted_at IS NULL;
CREATE INDEX users_department_id_idx ON synapse.users (department_id);

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON synapse.users
  FOR EACH ROW EXECUTE FUNCTION synapse._set_updated_at();

-- A rule (DO INSTEAD NOTHING) would report success while doing nothing, hiding the bug
-- that issued the DELETE; an error makes it visible.
CREATE FUNCTION synapse._users_refuse_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'users are never deleted (user %): soft-delete with UPDATE synapse.users SET deleted_at = now()', OLD.id
    USING ERRCODE = 'restrict_violation',
          HINT = 'Tasks, comments and sessions keep referring to their authors; a soft delete keeps that history.';
END
$$;
COMMENT ON FUNCTION synapse._users_refuse_delete() IS
  'BEFORE DELETE trigger on users: refuses hard deletes with SQLSTATE 23001 so the calling bug is noticed (soft delete instead).';

CREATE TRIGGER users_refuse_delete BEFORE DELETE ON synapse.users
  FOR EACH ROW EXECUTE FUNCTION synapse._users_refuse_delete();

CREATE TABLE synapse.projects (
  department_id        uuid         NOT NULL,
  id                   uuid         NOT NULL DEFAULT gen_random_uuid(),
  name                 varchar(255) NOT NULL,
  description          text,
  status               varchar(20)  NOT NULL DEFAULT 'Active',
  owner_id             uuid,
  start_date           date,
  end_date             date,
  -- Maintained by the tasks trigger (migration 3): live, non-template tasks only.
  task_count           integer      NOT NULL DEFAULT 0,
  completed_task_count integer      NOT NULL DEFAULT 0,
  created_at           timestamptz  NOT NULL DEFAULT now(),
  updated_at           timestamptz  NOT NULL DEFAULT now(),
  deleted_at           timestamptz,
  CONSTRAINT projects_pkey PRIMARY KEY (department_id, id),
  CONSTRAINT projects_department_id_fkey FOREIGN KEY (department_id)
    REFERENCES synapse.departments (id),
  CONSTRAINT projects_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES synapse.users (id),
  CONSTRAINT projects_name_not_blank CHECK (btrim(name) <> ''),
  CONSTRAINT projects_status_check CHECK (status IN ('Active', 'On Hold', 'Completed', 'Archived')),
  CONSTRAINT projects_dates_check CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date),
  CONSTRAINT projects_task_count_check CHECK (task_count >= 0),
  CONSTRAINT projects_completed_task_count_check
    CHECK (completed_task_count >= 0 AND completed_task_count <= task_count)
);
COMMENT ON TABLE synapse.projects IS
  'Groups of tasks within one department; task_count/completed_task_count are kept by a tasks trigger so dashboards need no COUNT.';

CREATE INDEX projects_owner_id_idx ON synapse.projects (owner_id);

CREATE TRIGGER projects_set_updated_at BEFORE UPDATE ON synapse.projects
  FOR EACH ROW EXECUTE FUNCTION synapse._set_updated_at();
