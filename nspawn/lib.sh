# shellcheck shell=bash
# Shared by nspawn/install, nspawn/build-rootfs and nspawn/install-files.
# Every step that changes something goes through `run`, which prints it as a
# shell command line ("+ …") and, unless DRY_RUN=1, runs it; so --dry-run
# shows exactly the commands a real run executes.

DRY_RUN=${DRY_RUN:-0}
PROG=${PROG:-${0##*/}}

die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

note() { printf '%s: %s\n' "$PROG" "$*" >&2; }

show() {
  local out='+' arg
  for arg in "$@"; do out+=" $(printf '%q' "$arg")"; done
  printf '%s\n' "$out"
}

run() {
  show "$@"
  [[ $DRY_RUN == 1 ]] || "$@"
}

# A pipeline or redirection, given as one line of shell: printed as it is.
run_sh() {
  printf '+ %s\n' "$1"
  [[ $DRY_RUN == 1 ]] || bash -o pipefail -c "$1"
}
