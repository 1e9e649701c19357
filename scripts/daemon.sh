# Sourced by the scripts that run one daemon beside a scratch cluster (pgbouncer.sh,
# exporter.sh, prometheus.sh): their common command line, state and stop/status, so each
# script says only how its daemon starts.
#
#   daemon_main LABEL USAGE "$@"
#       $1 of "$@" is the command, $2 the cluster NAME. Sets name, cluster_dir (the cluster's
#       directory) and state (cluster_dir/STATE_DIR); then
#         start NAME ARGS...  daemon_start ARGS... unless the daemon runs (a no-op then)
#         stop NAME           SIGTERM, then up to 10 s; no error when it is stopped
#         status NAME         "NAME LABEL: running|stopped"
#         CMD NAME ARGS...    daemon_command CMD ARGS..., for a CMD in EXTRA_COMMANDS
#       anything else: USAGE, exit 2.
#
# Before calling it the script sets STATE_DIR and PID_FILE (a name under the state
# directory) and defines daemon_start; PID_READER (default cat) reads the pid file when
# only another user may (PgBouncer writes its own as postgres); EXTRA_COMMANDS lists the
# script's own commands, which daemon_command carries out.
# shellcheck source=privileges.sh
. "$(dirname "${BASH_SOURCE[0]}")/privileges.sh"

daemon_pid() { ${PID_READER:-cat} "$state/$PID_FILE" 2>/dev/null || true; }
daemon_running() { local pid; pid=$(daemon_pid); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

daemon_main() {
  local label=$1 usage=$2 cmd
  shift 2
  cmd=${1:?$usage}
  name=${2:?$usage}
  cluster_dir="$("$(dirname "${BASH_SOURCE[0]}")/pg-workdir.sh")/$name"
  state="$cluster_dir/$STATE_DIR"
  shift 2
  case "$cmd" in
  start)
    # Not `daemon_running || daemon_start`: errexit would be off inside daemon_start.
    if daemon_running; then return 0; fi
    daemon_start "$@"
    ;;
  stop)
    if daemon_running; then
      stop_process "$(daemon_pid)" "$label $name"
      as_root rm -f "$state/$PID_FILE"
    fi
    ;;
  status)
    if daemon_running; then echo "$name $label: running"; else echo "$name $label: stopped"; fi ;;
  *)
    if [[ " ${EXTRA_COMMANDS:-} " == *" $cmd "* ]]; then
      daemon_command "$cmd" "$@"
      return
    fi
    echo "$usage" >&2
    exit 2
    ;;
  esac
}
