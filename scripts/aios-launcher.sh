#!/bin/sh
# The `aios` launcher of a packaged build: starts the app beside it, natively
# on Wayland when a compositor is there (cage in the kiosk session).
here=$(dirname "$(readlink -f "$0")")
if [ -n "${WAYLAND_DISPLAY:-}" ]; then
  set -- --ozone-platform=wayland "$@"
fi
exec "$here/aios-app" "$@"
