#!/usr/bin/env bash
# Runs a command with an X server of its own (Xvfb picks a free display itself, -displayfd), stopped by
# PID afterwards: the Windows window under Wine needs a display. usage: xvfb-run.sh COMMAND [ARGS...]
set -euo pipefail
command -v Xvfb >/dev/null || { echo "SKIPPED: Xvfb is not installed (bash scripts/setup-windows-deps.sh installs it)"; exit 77; }
fifo_dir=$(mktemp -d)
trap 'rm -rf "$fifo_dir"; [[ -n ${xvfb:-} ]] && kill "$xvfb" 2>/dev/null; wait 2>/dev/null || true' EXIT
mkfifo "$fifo_dir/display"
Xvfb -displayfd 3 -screen 0 1280x820x24 -nolisten tcp -noreset 3>"$fifo_dir/display" </dev/null >/dev/null 2>&1 &
xvfb=$!
read -r -t 20 number <"$fifo_dir/display" || { echo "xvfb-run: Xvfb did not start" >&2; exit 1; }
DISPLAY=:$number "$@"
