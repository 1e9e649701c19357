-- synapse_ext 0.1.0 -> 0.2.0, run by ALTER EXTENSION synapse_ext UPDATE.
--
-- What a fresh CREATE EXTENSION of 0.2.0 defines differently from 0.1.0 (functions,
-- signatures, volatility, strictness, parallel safety, C symbols, comments). The shared
-- library is replaced by installing the release; this script brings the catalog along.
-- tests/upgrade/from_releases.t compares the result with a fresh CREATE EXTENSION and
-- prints any difference: every change to the SQL surface after 0.1.0 adds its statements
-- here (CREATE OR REPLACE FUNCTION keeps the objects that depend on a function: the pattern
-- CHECK, the generated search_vector, triggers, policies; never DROP one they use).
--
-- 0.2.0 so far: no change to the SQL surface (the release brings versioned upgrades, the
-- Debian package and the migrations' version requirements).

\echo Use "ALTER EXTENSION synapse_ext UPDATE TO '0.2.0'" to load this file. \quit
