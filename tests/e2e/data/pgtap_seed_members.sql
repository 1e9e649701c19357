-- The fixture of the pgTAP files that act as the application (12_rls.sql, 32_search.sql),
-- included after pgtap_helpers.sql: the development seed (as the superuser) and members of
-- the groups to act as (made in the file's transaction, gone with its rollback), as the
-- application's and the reporting's logins are; pgTAP runs as them too.
\ir ../../../sql/seed/dev_seed.sql
CREATE ROLE pgtap_api IN ROLE synapse_app;
CREATE ROLE pgtap_report IN ROLE synapse_readonly;
GRANT USAGE ON SCHEMA tap TO pgtap_api, pgtap_report;
