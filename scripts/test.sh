#!/usr/bin/env bash
# Sets everything up, builds, and runs every test: unit, and integration against a real Postfix + Dovecot
# that the suite starts on loopback ports and stops again; then the Windows cross build and its tests under
# Wine (SMTPWB_WINDOWS=0 leaves those out). Arguments go to the Linux ctest run.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=${SMTPWB_JOBS:-$(nproc)}
bash "$root/scripts/build.sh"
cd "$root"
ctest --test-dir build --output-on-failure -j "$jobs" "$@"
if [[ ${SMTPWB_WINDOWS:-1} != 0 ]]; then
  bash "$root/scripts/build-windows.sh"
  ctest --test-dir build-windows --output-on-failure -j "$jobs"
fi
