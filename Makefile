# synapse_ext: every target installs what it needs first (scripts/bootstrap.sh: apt
# packages, cargo-pgrx 0.18.1, cargo pgrx init), quickly when it is already there.
#
#   make setup   install build and test dependencies (idempotent)
#   make test    format check, clippy, every test layer: the pure crates (test-unit: cargo
#                test of crates/*), #[pg_test] (cargo pgrx test), end-to-end, those on
#                hard dates (test-dates), the department wall (test-security), the
#                operations tests (test-ops), faults on one node (test-faults), the
#                example clients (test-clients), Citus with its faults (test-citus), the
#                update from every release (test-upgrade), the Debian package (test-package)
#   make package target/package/synapse-ext_<version>_amd64.deb (docs/releasing.md)
#   make run     build, install, start the scratch cluster; migrate, seed, schedule and run generation;
#                its login roles and a service file (TLS, passwords: make passwords)
#   make passwords  the generated passwords of the `make run` cluster's login roles
#   make stop    stop the scratch cluster, with its PgBouncer, exporter, Prometheus and standby (make
#                destroy: delete it)
#   make bench   the core's worst cases (cargo bench) and the SQL-level benchmarks in
#                benches/, with their baselines
#   make test-citus  the whole job on a Citus coordinator + workers, compared with one node
#                (part of `make test`; builds Citus from $(CITUS_VENDOR_DIR) when missing)
#   make bench-data  1,000,000 realistic tasks on .cluster/search-bench (port 25350), then
#                the search and "my tasks" benchmark (benches/search.sh) on them
#   make test-dates  the end-to-end tests that read the clock, on month ends, the year's end,
#                29 February and the days Berlin and New York change clocks: server and
#                scripts under libfaketime (tests/dates/run.sh, port 25390; 4-8 minutes)
#   make test-clients  the example clients (clients/go, clients/python, clients/node) as
#                tests, directly (.cluster/clients, port 25360) and through PgBouncer (25361)
#   make test-faults  a full disk during generation and a migration killed half-way, on
#                .cluster/faults (port 25335; mounts a small tmpfs: root or sudo); the Citus
#                faults (nodes killed mid-run) are part of test-citus
#   make test-security  the department wall (docs/security.md): issue 21's attacks in both
#                identity modes and the privilege matrix (pgTAP), .cluster/security, port 25333
#
# Operations on the `make run` cluster (docs/operations.md); `make stop` stops them all:
#   make pgbouncer   PgBouncer (transaction mode, pool 25, TLS and SCRAM) on 127.0.0.1:25322
#                    (pgbouncer-stop)
#   make standby     a streaming hot standby on 127.0.0.1:25324 (standby-stop)
#   make exporter    postgres_exporter, metrics on http://127.0.0.1:25323/metrics (exporter-stop)
#   make prometheus  Prometheus with the alerting rules over that exporter, alerts on
#                    http://127.0.0.1:25326/alerts (prometheus-stop)
#   make backup      pg_dump (custom format) and the roles into backups/
#   make restore     the newest backup (or BACKUP=file.dump) into a fresh cluster on port 25325
#   make test-ops    PgBouncer with 1,000 clients, hot standby, exporter and Prometheus, backup/restore,
#                    PITR (ports 25501-25508)
#   make bench-load  the 1,000-client load through PgBouncer against 25 direct connections

SHELL := /bin/bash
PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config
# Vendored Citus source (tarball + install-citus.sh), used only when Citus is not installed
# in the tree $(PG_CONFIG) points at. A clone elsewhere points this at its own copy.
CITUS_VENDOR_DIR ?= $(abspath $(CURDIR)/../shared/vendor/citus)
export CITUS_VENDOR_DIR
export PATH := $(HOME)/.cargo/bin:$(PATH)
RUN_PORT ?= 25320
BENCH_PORT ?= 25340
# The scratch clusters' directory; each cluster's socket is in its own directory there, the
# only way in for the superuser postgres.
CLUSTERS := $(shell scripts/pg-workdir.sh)
PGRX_TEST_DATA = $(CLUSTERS)/pgrx-test-data
PSQL_RUN := psql -X -h $(CLUSTERS)/main -p $(RUN_PORT) -U postgres -d synapse
# As root directly; any other user through sudo (installing into the system PostgreSQL,
# handing the test cluster's directory to the postgres user).
ROOT := $(filter 0,$(shell id -u))
AS_ROOT := $(if $(ROOT),,sudo)
PGRX_SUDO := $(if $(ROOT),,--sudo)

.PHONY: destroy passwords setup test fmt test-unit test-pg test-e2e test-dates test-faults test-security test-clients test-upgrade test-package package test-citus install install-release run stop migrate seed bench bench-data clippy \
	pgbouncer pgbouncer-stop standby standby-stop exporter exporter-stop prometheus prometheus-stop backup restore test-ops bench-load

setup:
	@scripts/bootstrap.sh

test: setup fmt clippy test-unit test-pg test-e2e test-dates test-security test-ops test-faults test-clients test-citus test-upgrade test-package

fmt:
	cargo fmt --all -- --check

# The pure crates, one per capability (crates/*: no pgrx), plain cargo, no PostgreSQL. The
# extension's own tests, in src/sql, are #[pg_test]s: test-pg.
PURE_CRATES := synapse_recurrence synapse_generation synapse_counters synapse_search synapse_identity
test-unit:
	cargo test $(addprefix -p ,$(PURE_CRATES))

# As root, initdb refuses to run: the test cluster runs as the postgres user (pgrx then
# installs the extension through sudo when not root).
test-pg: setup
	mkdir -p $(PGRX_TEST_DATA) && $(AS_ROOT) chown postgres: $(PGRX_TEST_DATA)
	cargo pgrx test pg15 sql:: --runas postgres --pgdata $(PGRX_TEST_DATA)

# End-to-end tests run against the installed extension (a debug build is enough).
test-e2e: setup install
	tests/e2e/run.sh

# The tests whose outcome could depend on today's date, each date on a fresh cluster whose
# clock (and the scripts') starts at it (libfaketime; the dates in tests/dates/run.sh).
DATES_PORT ?= 25390
test-dates: setup install
	SYNAPSE_DATES_PORT=$(DATES_PORT) tests/dates/run.sh

# The department wall: tests/security/*.t (prove) and the pgTAP matrix tests/security/*.sql
# (pg_prove), on their own scratch cluster.
SECURITY_PORT ?= 25333
test-security: setup install
	SYNAPSE_SECURITY_PORT=$(SECURITY_PORT) tests/security/run.sh

# Faults on one node (tests/faults/run.sh): the disk filling up during generation, a
# migration killed half-way. The Citus faults run inside test-citus (tests/citus/faults.sh).
FAULTS_PORT ?= 25335
test-faults: setup install
	SYNAPSE_FAULTS_PORT=$(FAULTS_PORT) tests/faults/run.sh

# Go (pgx v4 from Debian, GOPATH mode), Python (psycopg 3 in clients/python/.venv) and Node
# (pg from clients/node/package-lock.json), installed by scripts/setup-clients.sh.
test-clients: setup install
	scripts/test-clients.sh

# ALTER EXTENSION synapse_ext UPDATE from every release in releases.txt, each built from its
# commit under target/releases/ (cached there) and installed with the current build into a
# private PostgreSQL tree, never the system one (tests/upgrade/from_releases.t).
UPGRADE_PORT ?= 25331
test-upgrade: setup
	SYNAPSE_UPGRADE_PORT=$(UPGRADE_PORT) prove -v --timer tests/upgrade/from_releases.t

# The release build as a Debian package built with dpkg-deb (scripts/package-deb.sh).
package: setup
	scripts/package-deb.sh

# The package unpacked into a clean private PostgreSQL tree: CREATE EXTENSION, the tour,
# the migrations (tests/package/install.t).
PACKAGE_PORT ?= 25332
test-package: package
	SYNAPSE_PACKAGE_PORT=$(PACKAGE_PORT) prove -v --timer tests/package/install.t

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
	scripts/pgbouncer.sh stop main
	scripts/prometheus.sh stop main
	scripts/exporter.sh stop main
	scripts/cluster.sh stop main-standby
	scripts/cluster.sh stop main

# Deletes the scratch cluster (`make run` updates the extension of an existing one in place).
destroy:
	scripts/cluster.sh destroy main

# The login roles' passwords (random, kept 0600 in $(CLUSTERS)/passwords, a passfile).
passwords:
	@scripts/cluster.sh passwords main

migrate: setup
	scripts/cluster.sh start main $(RUN_PORT)
	eval "$$(scripts/cluster.sh env main)" && scripts/migrate.sh up

seed: migrate
	$(PSQL_RUN) -v ON_ERROR_STOP=1 -1 -qf sql/seed/dev_seed.sql

bench: install-release
	cargo bench -p synapse_recurrence --bench worst_case --bench expansion
	benches/run.sh $(BENCH_PORT)

BENCH_DATA_PORT ?= 25350
bench-data: install-release
	benches/data/load.sh $(BENCH_DATA_PORT)
	benches/search.sh $(BENCH_DATA_PORT)

clippy: setup
	cargo clippy --workspace --all-targets -- -D warnings

# --- operations (docs/operations.md) ---------------------------------------------------------
PGBOUNCER_PORT ?= 25322
EXPORTER_PORT ?= 25323
STANDBY_PORT ?= 25324
RESTORE_PORT ?= 25325
PROMETHEUS_PORT ?= 25326
BACKUP_DIR ?= backups
BACKUP ?= $(lastword $(sort $(wildcard $(BACKUP_DIR)/*.dump)))

pgbouncer:
	scripts/cluster.sh start main $(RUN_PORT)
	scripts/pgbouncer.sh start main $(RUN_PORT) $(PGBOUNCER_PORT)
	@echo "PgBouncer (TLS, SCRAM): PGSERVICEFILE=$(CLUSTERS)/pg_service.conf psql 'service=synapse-api port=$(PGBOUNCER_PORT)'"
	@echo "its pools: scripts/pgbouncer.sh admin main -c 'SHOW POOLS'"

pgbouncer-stop:
	scripts/pgbouncer.sh stop main

standby:
	scripts/cluster.sh start main $(RUN_PORT)
	scripts/standby.sh create main-standby main $(STANDBY_PORT)
	@echo "Hot standby: psql -h $(CLUSTERS)/main-standby -p $(STANDBY_PORT) -U postgres synapse  (read-only, streaming from $(RUN_PORT) over TLS)"

standby-stop:
	scripts/cluster.sh stop main-standby

exporter:
	scripts/cluster.sh start main $(RUN_PORT)
	scripts/exporter.sh start main $(RUN_PORT) $(EXPORTER_PORT)
	@echo "postgres_exporter: curl -s http://127.0.0.1:$(EXPORTER_PORT)/metrics | grep ^synapse_"

exporter-stop:
	scripts/exporter.sh stop main

prometheus: exporter
	scripts/prometheus.sh start main $(PROMETHEUS_PORT) $(EXPORTER_PORT)
	@echo "Prometheus: http://127.0.0.1:$(PROMETHEUS_PORT)/alerts (rules: ops/prometheus/synapse-alerts.yml)"

prometheus-stop:
	scripts/prometheus.sh stop main

backup:
	scripts/cluster.sh start main $(RUN_PORT)
	eval "$$(scripts/cluster.sh env main)" && scripts/backup.sh dump $(RUN_PORT) $(BACKUP_DIR)

# Into a fresh cluster .cluster/restore (deleted and made anew), never over the running one.
restore:
	@test -n "$(BACKUP)" || { echo "no backup in $(BACKUP_DIR)/: make backup first, or BACKUP=file.dump"; exit 1; }
	scripts/cluster.sh destroy restore
	scripts/cluster.sh start restore $(RESTORE_PORT)
	eval "$$(scripts/cluster.sh env restore)" && scripts/backup.sh restore $(RESTORE_PORT) $(BACKUP)
	scripts/cluster.sh passwords restore --apply >/dev/null
	@echo "Restored $(BACKUP): psql -h $(CLUSTERS)/restore -p $(RESTORE_PORT) -U postgres synapse  (stop: scripts/cluster.sh stop restore)"

# A few minutes; part of make test, which is what CI runs (.ci/run).
test-ops: setup install
	tests/ops/run.sh

bench-load: install-release
	benches/run.sh $(BENCH_PORT) pgbouncer_load.sh
