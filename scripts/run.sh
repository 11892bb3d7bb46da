#!/usr/bin/env bash
# Sets everything up, builds, and starts the workbench window (the demo connection is ready on the
# first start). Without a display it says so and runs the same Test headless against the demo server.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/build.sh"
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
  echo "run.sh: no display here, so no window; running the demo Test headless instead (smtp-workbench demo)." >&2
  exec "$root/build/app/smtp-workbench" demo --from demo@smtp-workbench.test --to you@smtp-workbench.test "$@"
fi
exec "$root/build/app/smtp-workbench" "$@"
