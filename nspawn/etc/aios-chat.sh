# shellcheck shell=sh
# /etc/profile.d/aios-chat.sh: an interactive login on a terminal inside the
# aios machine starts in `aios chat` (the `[aios] >` prompt): the console
# autologin, `machinectl login aios` and `machinectl shell aios`. Leaving the
# chat leaves a plain shell. For a shell without the chat:
# `machinectl shell aios /bin/bash`, or set AIOS_NO_CHAT=1.
case $- in
  *i*)
    if [ -t 0 ] && [ -t 1 ] && [ -z "${AIOS_NO_CHAT:-}" ] && [ -z "${AIOS_IN_CHAT:-}" ] && command -v aios >/dev/null 2>&1; then
      AIOS_IN_CHAT=1 aios chat
      echo "aios chat ended (status $?); this is a plain shell, 'aios chat' returns to it, 'exit' logs out."
    fi
    ;;
esac
