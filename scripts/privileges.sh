# Sourced by the scripts that need another user's rights (as root directly, otherwise
# through sudo; README: "as root, or a user with sudo") or start and stop servers.
#
#   as_root CMD...       CMD as root
#   as_postgres CMD...   CMD as the postgres OS user, from / (the postgres user may not be
#                        allowed into the caller's working directory)
#   without_inherited_fds CMD...   CMD with only stdin, stdout and stderr open
#   stop_process PID WHAT          SIGTERM, then up to 10 s for PID to exit
#   start_daemon PIDFILE LOG URL WHAT CMD...
#                        CMD in the background in its own session, its pid in PIDFILE,
#                        its output in LOG; waits up to 10 s for URL to answer

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

as_postgres() {
  if [ "$(id -un)" = postgres ]; then
    (cd / && "$@")
  elif [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && sudo -u postgres -- "$@")
  fi
}

# A server started under `flock LOCK make …` would inherit the lock's descriptor and hold
# the lock for as long as it runs: servers are started with only stdin, stdout and stderr.
without_inherited_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    # The one that listed the directory is gone again: no message for it.
    if [ "$fd" -gt 2 ]; then { eval "exec $fd>&-"; } 2>/dev/null || true; fi
  done
  "$@"
}

# stop_process PID WHAT: fails (saying so) when PID is still there after 10 s.
stop_process() {
  kill -TERM "$1"
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.2; done
  echo "$2 (pid $1) did not stop" >&2
  return 1
}

# start_daemon PIDFILE LOG URL WHAT CMD...: in its own session CMD outlives the caller; with
# only the three standard descriptors it holds no lock the caller took. The subshell execs
# setsid, which execs CMD (it is no process group leader), so $! is CMD's pid. On failure
# the end of LOG is shown.
start_daemon() {
  local pidfile=$1 log=$2 url=$3 what=$4 pid
  shift 4
  (exec </dev/null >"$log" 2>&1; without_inherited_fds true; exec setsid "$@") &
  pid=$!
  echo "$pid" >"$pidfile"
  for _ in $(seq 50); do
    if curl -fsS "$url" >/dev/null 2>&1; then return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "$what did not come up at $url; the end of $log:" >&2
  tail -n 20 "$log" >&2 || true
  return 1
}
