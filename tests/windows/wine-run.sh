#!/usr/bin/env bash
# Runs a Windows program under Wine: the cross build's CMAKE_CROSSCOMPILING_EMULATOR and the runner of
# every Windows test. The exit status is the program's.
#   usage: wine-run.sh PROGRAM.exe [ARGS...]
#          wine-run.sh --window PROGRAM.exe [ARGS...]     (a program with a window, on $DISPLAY)
#          wine-run.sh --start-server | --stop-server   (ctest fixture: keep one wineserver for all tests)
# A window binds Wine's desktop process to the X display of the moment, so window programs use a Wine
# prefix of their own (not the persistent server's) and --window waits until that prefix's wineserver
# and desktop have ended, before the caller's X server goes.
# The Wine prefix is created once (about 10 s) and reused; it lives in WINEPREFIX if set, else in
# build-windows/wine-prefix of this checkout, never in $HOME. Without Wine the program is not run: the
# script says so and exits 77, which ctest reports as skipped.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export WINEPREFIX=${WINEPREFIX:-$root/build-windows/wine-prefix}
export WINEDEBUG=${WINEDEBUG:--all}
# No Mono or Gecko: their installers would ask in a dialog; the programs need neither.
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
skip_status=77

if ! command -v wine >/dev/null || ! command -v wineserver >/dev/null; then
  echo "SKIPPED: Wine is not installed, so the Windows programs cannot run here (bash scripts/setup-windows-deps.sh installs it)"
  exit $skip_status
fi

# Creating the prefix takes seconds; tests started side by side wait for the first one to finish it.
ensure_prefix() {
  mkdir -p "$(dirname "$WINEPREFIX")"
  exec 9>"$WINEPREFIX.lock"
  flock 9
  if [[ ! -f $WINEPREFIX/.smtpwb-ready ]]; then
    wineboot --init </dev/null >/dev/null 2>&1 || true
    wineserver --wait </dev/null >/dev/null 2>&1 || true
    [[ -f $WINEPREFIX/system.reg ]] || { echo "wine-run: could not create the Wine prefix $WINEPREFIX" >&2; exit 1; }
    touch "$WINEPREFIX/.smtpwb-ready"
  fi
  flock -u 9
}

# Wine's helper processes (services, winedevice, explorer for windows) outlive the program and inherit
# its stdout and stderr; ctest waits until every writer of its pipes is gone. So they are started here
# with no output of ours (wineboot), and a program's output goes through files when not on a terminal.
start_helpers() { wineboot </dev/null >/dev/null 2>&1 || true; }

case ${1:-} in
  "") echo "usage: $0 PROGRAM.exe [ARGS...] | --start-server | --stop-server" >&2; exit 2 ;;
  --start-server)
    ensure_prefix
    # A persistent wineserver: every program started while it runs skips Wine's start-up (~3 s -> ~0.3 s).
    # It cannot start while a server of an earlier program still lingers (~3 s): wait for that one to end.
    wineserver --persistent </dev/null >/dev/null 2>&1 ||
      { wineserver --wait </dev/null >/dev/null 2>&1; wineserver --persistent </dev/null >/dev/null 2>&1; }
    start_helpers
    echo "wineserver running for $WINEPREFIX"
    exit 0 ;;
  --stop-server)
    wineserver --kill </dev/null >/dev/null 2>&1 || true
    exit 0 ;;
esac

window=0
[[ $1 == --window ]] && { window=1; shift; }
program=${1:?usage: $0 [--window] PROGRAM.exe [ARGS...]}; shift
[[ -f $program ]] || { echo "wine-run: no such program: $program" >&2; exit 2; }
ensure_prefix
start_helpers
if [[ -t 1 && $window == 0 ]]; then exec wine "$program" "$@"; fi
output=$(mktemp -d)
trap 'rm -rf "$output"' EXIT
status=0
wine "$program" "$@" >"$output/stdout" 2>"$output/stderr" || status=$?
cat "$output/stdout"
cat "$output/stderr" >&2
[[ $window == 1 ]] && { wineserver --wait </dev/null >/dev/null 2>&1 || true; }
exit $status
