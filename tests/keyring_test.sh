#!/usr/bin/env bash
# Runs the GUI tests tagged [keyring] against a real Secret Service: a private D-Bus session with
# gnome-keyring-daemon, its keyring in a temporary HOME (removed afterwards), nothing of the user's touched.
# usage: keyring_test.sh GUI_TEST_BINARY
set -euo pipefail
binary=${1:?usage: $0 GUI_TEST_BINARY}
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export HOME=$home XDG_DATA_HOME=$home/.local/share XDG_CONFIG_HOME=$home/.config XDG_RUNTIME_DIR=$home/run
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
# dbus-run-session stops the bus (and the keyring daemon it started) when the command ends.
exec dbus-run-session -- bash -c '
  printf "%s" "keyring-test-unlock" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$0" "[keyring]"' "$binary" 2>&1 | grep -v -e "Failed to set fd limit" -e "transient service directory"
