-- Undo migration 4.
DROP TABLE IF EXISTS synapse.email_processing_log;
DROP TABLE IF EXISTS synapse.email_integrations;
DROP TABLE IF EXISTS synapse.auth_sessions;
