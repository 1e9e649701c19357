# synapse_ext: every target installs what it needs first (scripts/bootstrap.sh: apt
# packages, cargo-pgrx 0.18.1, cargo pgrx init), quickly when it is already there.
#
#   make setup   install build and test dependencies (idempotent)
#   make test    format check, clippy, every test layer: the pure core (cargo test -p
#                synapse_recurrence), #[pg_test] (cargo pgrx test), end-to-end
#   make run     build, install, start the scratch cluster; migrate, seed, schedule and run generation
#   make stop    stop the scratch cluster (make destroy: delete it)
#   make bench   the core's worst cases (cargo bench) and the SQL-level benchmarks in
#                benches/, with their baselines
#   make test-citus  the whole job on a Citus coordinator + workers, compared with one node
#                (part of `make test`; builds Citus from $(CITUS_VENDOR_DIR) when missing)
#   make bench-data  1,000,000 realistic tasks on .cluster/search-bench (port 54350), then
#                the search and "my tasks" benchmark (benches/search.sh) on them

SHELL := /bin/bash
PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config
# Vendored Citus source (tarball + install-citus.sh), used only when Citus is not installed
# in the tree $(PG_CONFIG) points at. A clone elsewhere points this at its own copy.
CITUS_VENDOR_DIR ?= $(abspath $(CURDIR)/../shared/vendor/citus)
export CITUS_VENDOR_DIR
export PATH := $(HOME)/.cargo/bin:$(PATH)
RUN_PORT ?= 54320
BENCH_PORT ?= 54340
PGRX_TEST_DATA = $(shell scripts/pg-workdir.sh)/pgrx-test-data
PSQL_RUN := psql -X -h 127.0.0.1 -p $(RUN_PORT) -U postgres -d synapse
# As root directly; any other user through sudo (installing into the system PostgreSQL,
# handing the test cluster's directory to the postgres user).
ROOT := $(filter 0,$(shell id -u))
AS_ROOT := $(if $(ROOT),,sudo)
PGRX_SUDO := $(if $(ROOT),,--sudo)

.PHONY: destroy setup test fmt test-unit test-pg test-e2e test-citus install install-release run stop migrate seed bench bench-data clippy

setup:
	@scripts/bootstrap.sh

test: setup fmt clippy test-unit test-pg test-e2e test-citus

fmt:
	cargo fmt --all -- --check

# The pure parts: the core crate and the extension's pure modules (identity, counters), plain
# cargo, no PostgreSQL.
test-unit:
	cargo test -p synapse_recurrence
	cargo test -p synapse_ext --lib -- --skip sql::

# As root, initdb refuses to run: the test cluster runs as the postgres user (pgrx then
# installs the extension through sudo when not root).
test-pg: setup
	mkdir -p $(PGRX_TEST_DATA) && $(AS_ROOT) chown postgres: $(PGRX_TEST_DATA)
	cargo pgrx test pg15 sql:: --runas postgres --pgdata $(PGRX_TEST_DATA)

# End-to-end tests run against the installed extension (a debug build is enough).
test-e2e: setup install
	tests/e2e/run.sh

# Builds Citus from $(CITUS_VENDOR_DIR) into $(PG_CONFIG)'s tree when it is not installed.
test-citus: setup install
	tests/citus/check.sh

install: setup
	cargo pgrx install $(PGRX_SUDO) --pg-config $(PG_CONFIG)

install-release: setup
	cargo pgrx install $(PGRX_SUDO) --release --pg-config $(PG_CONFIG)

run: install-release
	scripts/cluster.sh start main $(RUN_PORT)
	@scripts/run-main.sh $(RUN_PORT)

stop:
	scripts/cluster.sh stop main

# Until versioned upgrades exist (one version, 0.1.0), a scratch cluster made by an older
# build cannot take migrations that need newer extension functions: start it afresh.
destroy:
	scripts/cluster.sh destroy main

migrate: setup
	scripts/cluster.sh start main $(RUN_PORT)
	PGHOST=127.0.0.1 PGPORT=$(RUN_PORT) PGUSER=postgres PGDATABASE=synapse scripts/migrate.sh up

seed: migrate
	$(PSQL_RUN) -v ON_ERROR_STOP=1 -1 -qf sql/seed/dev_seed.sql

bench: install-release
	cargo bench -p synapse_recurrence --bench worst_case
	benches/run.sh $(BENCH_PORT)

BENCH_DATA_PORT ?= 54350
bench-data: install-release
	benches/data/load.sh $(BENCH_DATA_PORT)
	benches/search.sh $(BENCH_DATA_PORT)

clippy: setup
	cargo clippy --workspace --all-targets -- -D warnings
