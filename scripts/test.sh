#!/usr/bin/env bash
# Sets everything up, builds, and runs every test (unit, and integration against a real Postfix +
# Dovecot that the suite starts on loopback ports and stops again).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/build.sh"
cd "$root"
ctest --test-dir build --output-on-failure -j "${SMTPWB_JOBS:-$(nproc)}" "$@"
