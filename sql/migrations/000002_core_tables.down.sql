-- Undo migration 2.
DROP TABLE IF EXISTS synapse.projects;
DROP TABLE IF EXISTS synapse.users;
DROP TABLE IF EXISTS synapse.departments;
DROP FUNCTION IF EXISTS synapse._users_refuse_delete();
DROP FUNCTION IF EXISTS synapse._set_updated_at();
DROP TYPE IF EXISTS synapse.user_role;
