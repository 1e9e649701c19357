# Sourced by the scripts that need another user's rights (as root directly, otherwise
# through sudo; README: "as root, or a user with sudo") or start and stop servers.
#
#   as_root CMD...       CMD as root
#   as_postgres CMD...   CMD as the postgres OS user, from / (the postgres user may not be
#                        allowed into the caller's working directory)
#   without_inherited_fds CMD...   CMD with only stdin, stdout and stderr open
#   stop_process PID WHAT          SIGTERM, then up to 10 s for PID to exit

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
