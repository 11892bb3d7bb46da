#!/usr/bin/env bash
# Makes docs/screenshot.png with the real binary: a fresh config, the demo connection's Test, under Xvfb.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/build.sh" >/dev/null
config=$(mktemp -d)
trap 'rm -rf "$config"' EXIT
xvfb-run -a -s '-screen 0 1280x820x24' "$root/build/app/smtp-workbench" --config-dir "$config" \
  --run-test "Demo server" --screenshot "$root/docs/screenshot.png"
echo "wrote docs/screenshot.png"
