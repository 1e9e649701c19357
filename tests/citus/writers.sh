# The pgbench writers of the growth and fault checks (sourced by tests/citus/check.sh and
# tests/citus/ledger_loop.sh, which set PGBENCH, COORD and stop_file).

# writer_loop OUT SCRIPT CLIENTS: pgbench runs of 3 s one after the other on the
# coordinator until the file $stop_file appears; their reports are appended to OUT. A
# transaction that fails with a deadlock or serialization error is retried (up to 10
# tries), as an application would: the move's final switch of a shard may cancel a writer
# caught in a distributed deadlock.
writer_loop() {
  : >"$1"
  while [ ! -f "$stop_file" ]; do
    "$PGBENCH" -h 127.0.0.1 -p "$COORD" -n -c "$3" -j 1 -T 3 --max-tries=10 --failures-detailed -f "$2" synapse >>"$1" 2>&1 ||
      echo "pgbench exited with an error" >>"$1"
  done
}

# sum_of LABEL FILE: the sum of pgbench's "LABEL: N" lines in FILE.
sum_of() { sed -n "s/^$1: \([0-9]*\).*/\1/p" "$2" | awk '{s += $1} END {print s + 0}'; }
