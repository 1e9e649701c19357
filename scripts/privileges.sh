# Sourced by the scripts that need another user's rights: as root directly, otherwise
# through sudo (README: "as root, or a user with sudo").
#
#   as_root CMD...       CMD as root
#   as_postgres CMD...   CMD as the postgres OS user, from / (the postgres user may not be
#                        allowed into the caller's working directory)

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
