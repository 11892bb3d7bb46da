#!/usr/bin/env bash
# Sets everything up, builds, and starts the workbench. Until the window lands, this runs a full test
# (STARTTLS, AUTH, a test message, QUIT) against the built-in demo server and shows the dialogue.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/build.sh"
exec "$root/build/app/smtp-workbench" demo --from demo@smtp-workbench.test --to you@smtp-workbench.test "$@"
